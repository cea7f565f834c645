/* h5util.h - small HDF5 helpers for herd's own files (datasets, checkpoints).
 *
 * Strings are written as variable-length UTF-8 (what h5py reads as str);
 * reading accepts variable- or fixed-length strings, as other tools write
 * both. The helpers return 0 on success and a negative value on failure and
 * leave the message to the caller, who knows the file name. Implemented in
 * h5util.c.
 */
#ifndef HERD_DATA_H5UTIL_H
#define HERD_DATA_H5UTIL_H

#include "core/status.h"

#include <hdf5.h>
#include <stdint.h>

/* Switch off HDF5's automatic error stack printing (idempotent). */
void herd_h5_quiet(void);

/* A new, empty HDF5 file held in memory (core driver, no backing store), or
 * -1. Write it with herd_h5_save_image: HDF5 itself then never writes to
 * disk, so a full or failing disk is an ordinary write error. (An H5Fclose
 * that fails on ENOSPC leaves HDF5 1.10 with a half-closed file that crashes
 * the library's cleanup at exit.) */
hid_t herd_h5_create_in_memory(void);

/* Close the in-memory file (always, also on failure) and write its image to
 * path atomically: "<path>.tmp", written, fsynced, renamed over path, then the
 * directory fsynced; on failure the .tmp is removed and path is untouched.
 * Errors: HERD_ERR_IO as "<what>: <file>: <reason>". */
int herd_h5_save_image(hid_t file, const char *path, const char *what, herd_error *err);

/* Variable-length UTF-8 string type (caller closes with H5Tclose). */
hid_t herd_h5_string_type(void);

int herd_h5_write_str_attr(hid_t obj, const char *name, const char *value);
int herd_h5_write_int_attr(hid_t obj, const char *name, int value);
/* 1 when read, 0 when absent, -1 on error; value truncated to cap. */
int herd_h5_read_str_attr(hid_t obj, const char *name, char *buf, size_t cap);
int herd_h5_read_int_attr(hid_t obj, const char *name, int *value);

/* Write a 1-D float32 dataset of n values (contiguous). */
int herd_h5_write_f32(hid_t loc, const char *name, const float *v, int64_t n);
/* Read a 1-D float dataset that must hold exactly n values. */
int herd_h5_read_f32(hid_t loc, const char *name, float *v, int64_t n);

int herd_h5_write_i64_attr(hid_t obj, const char *name, int64_t value);
int herd_h5_write_f64_attr(hid_t obj, const char *name, double value);
/* 1 when read, 0 when absent, -1 on error (integers convert to either). */
int herd_h5_read_i64_attr(hid_t obj, const char *name, int64_t *value);
int herd_h5_read_f64_attr(hid_t obj, const char *name, double *value);
/* A string attribute of any length as a heap copy (caller frees); NULL when
 * absent or unreadable. */
char *herd_h5_read_str_attr_alloc(hid_t obj, const char *name);

/* 2-D float32 dataset (rows, cols), written and read whole. */
int herd_h5_write_f32_2d(hid_t loc, const char *name, const float *v, int64_t rows, int64_t cols);
int herd_h5_read_f32_2d(hid_t loc, const char *name, float *v, int64_t rows, int64_t cols);

/* A 1-D dataset of n variable-length UTF-8 strings. */
int herd_h5_write_strings(hid_t loc, const char *name, const char *const *v, int64_t n);
/* Read a 1-D string dataset (variable- or fixed-length) that must hold
 * exactly n strings into v[0..n-1] (heap copies, caller frees). 0 when read,
 * -2 when it is not n strings, -1 when absent or unreadable. */
int herd_h5_read_strings(hid_t loc, const char *name, char **v, int64_t n);

/* Dimensions of dset (up to 2, filled into dims); returns the rank or -1. */
int herd_h5_shape(hid_t dset, hsize_t dims[2]);
/* Element class of dset (H5T_FLOAT, H5T_INTEGER, ...). */
H5T_class_t herd_h5_class(hid_t dset);

#endif
