/* h5util.c - small HDF5 helpers shared by datasets, preprocessing and checkpoints. */
#include "data/h5util.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void herd_h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

hid_t herd_h5_create_in_memory(void)
{
    static unsigned serial;  /* HDF5 refuses two open files of one name */
    char name[64];
    snprintf(name, sizeof name, "herd-in-memory-%d-%u.h5", (int)getpid(), serial++);
    herd_h5_quiet();
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t file = -1;
    if (fapl >= 0 && H5Pset_fapl_core(fapl, (size_t)1 << 20, 0) >= 0)
        file = H5Fcreate(name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (fapl >= 0)
        H5Pclose(fapl);
    return file;
}

static int fsync_path(const char *path, int directory)
{
    int fd = open(path, directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Write all n bytes to fd, retrying short writes; -1 with errno on failure. */
static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* tmp <- image, fsync, rename over path, fsync the directory. */
static int commit_image(const void *image, size_t n, const char *tmp, const char *path,
                        const char *what, herd_error *err)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return herd_error_set(err, HERD_ERR_IO, "%s: cannot create %s: %s", what, path,
                              strerror(errno));
    int bad = write_all(fd, image, n) != 0 || fsync(fd) != 0;
    int saved = bad ? errno : 0;
    if (close(fd) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (bad)
        return herd_error_set(err, HERD_ERR_IO, "%s: writing %s failed: %s", what, path,
                              strerror(saved));
    if (rename(tmp, path) != 0)
        return herd_error_set(err, HERD_ERR_IO, "%s: cannot rename %s to %s: %s", what, tmp,
                              path, strerror(errno));
    char *copy = herd_strdup(path);
    int rc = fsync_path(dirname(copy), 1);
    free(copy);
    if (rc != 0)
        return herd_error_set(err, HERD_ERR_IO, "%s: fsync of the folder of %s failed: %s",
                              what, path, strerror(errno));
    return HERD_OK;
}

int herd_h5_save_image(hid_t file, const char *path, const char *what, herd_error *err)
{
    size_t n = strlen(path) + 32;
    char *tmp = herd_malloc(n);
    snprintf(tmp, n, "%s.%d.tmp", path, (int)getpid());  /* unique per writer */
    void *image = NULL;
    ssize_t size = H5Fflush(file, H5F_SCOPE_GLOBAL) < 0 ? -1 : H5Fget_file_image(file, NULL, 0);
    if (size > 0) {
        image = herd_malloc((size_t)size);
        size = H5Fget_file_image(file, image, (size_t)size);
    }
    H5Fclose(file);
    int rc = size > 0 ? commit_image(image, (size_t)size, tmp, path, what, err)
                      : herd_error_set(err, HERD_ERR_IO, "%s: cannot build %s in memory", what,
                                       path);
    if (rc != HERD_OK)
        unlink(tmp);
    free(image);
    free(tmp);
    return rc;
}

hid_t herd_h5_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

int herd_h5_write_str_attr(hid_t obj, const char *name, const char *value)
{
    hid_t type = herd_h5_string_type();
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    int rc = (attr < 0 || H5Awrite(attr, type, &value) < 0) ? -1 : 0;
    if (attr >= 0)
        H5Aclose(attr);
    H5Sclose(space);
    H5Tclose(type);
    return rc;
}

/* A scalar attribute stored as ftype from a value in memory type mtype. */
static int write_scalar_attr(hid_t obj, const char *name, hid_t ftype, hid_t mtype,
                             const void *value)
{
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    int rc = (attr < 0 || H5Awrite(attr, mtype, value) < 0) ? -1 : 0;
    if (attr >= 0)
        H5Aclose(attr);
    H5Sclose(space);
    return rc;
}

int herd_h5_write_int_attr(hid_t obj, const char *name, int value)
{
    return write_scalar_attr(obj, name, H5T_STD_I32LE, H5T_NATIVE_INT, &value);
}

/* Reads a variable- or fixed-length string attribute with the file's own
 * string type (so no character-set conversion is asked for). */
char *herd_h5_read_str_attr_alloc(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return NULL;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t ftype = attr >= 0 ? H5Aget_type(attr) : -1;
    char *out = NULL;
    if (ftype >= 0 && H5Tget_class(ftype) == H5T_STRING && H5Tis_variable_str(ftype) > 0) {
        char *s = NULL;
        if (H5Aread(attr, ftype, &s) >= 0)
            out = herd_strdup(s != NULL ? s : "");
        H5free_memory(s);
    } else if (ftype >= 0 && H5Tget_class(ftype) == H5T_STRING) {
        out = herd_calloc(H5Tget_size(ftype) + 1, 1);
        if (H5Aread(attr, ftype, out) < 0) {
            free(out);
            out = NULL;
        }
    }
    if (ftype >= 0)
        H5Tclose(ftype);
    if (attr >= 0)
        H5Aclose(attr);
    return out;
}

int herd_h5_read_str_attr(hid_t obj, const char *name, char *buf, size_t cap)
{
    if (H5Aexists(obj, name) <= 0)
        return 0;
    char *s = herd_h5_read_str_attr_alloc(obj, name);
    if (s == NULL)
        return -1;
    snprintf(buf, cap, "%s", s);
    free(s);
    return 1;
}

int herd_h5_read_int_attr(hid_t obj, const char *name, int *value)
{
    if (H5Aexists(obj, name) <= 0)
        return 0;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr < 0)
        return -1;
    hid_t ftype = H5Aget_type(attr);
    int ok = H5Tget_class(ftype) == H5T_INTEGER && H5Aread(attr, H5T_NATIVE_INT, value) >= 0;
    H5Tclose(ftype);
    H5Aclose(attr);
    return ok ? 1 : -1;
}

int herd_h5_write_f32(hid_t loc, const char *name, const float *v, int64_t n)
{
    hsize_t dims[1] = { (hsize_t)n };
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t dset = H5Dcreate2(loc, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT,
                            H5P_DEFAULT);
    int rc = dset < 0 ? -1 : 0;
    if (rc == 0 && n > 0 && H5Dwrite(dset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        rc = -1;
    if (dset >= 0)
        H5Dclose(dset);
    H5Sclose(space);
    return rc;
}

/* Number of dimensions of dset (dims filled, up to 2), or -1. */
int herd_h5_shape(hid_t dset, hsize_t dims[2])
{
    hid_t space = H5Dget_space(dset);
    if (space < 0)
        return -1;
    int nd = H5Sget_simple_extent_ndims(space);
    if (nd < 0 || nd > 2)
        nd = -1;
    else
        H5Sget_simple_extent_dims(space, dims, NULL);
    H5Sclose(space);
    return nd;
}

/* H5T_class of dset's element type. */
H5T_class_t herd_h5_class(hid_t dset)
{
    hid_t t = H5Dget_type(dset);
    H5T_class_t c = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    if (t >= 0)
        H5Tclose(t);
    return c;
}

int herd_h5_read_f32(hid_t loc, const char *name, float *v, int64_t n)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
        return -1;
    hid_t dset = H5Dopen2(loc, name, H5P_DEFAULT);
    hsize_t dims[2] = { 0, 0 };
    int rc = -1;
    if (dset >= 0 && herd_h5_shape(dset, dims) == 1 && dims[0] == (hsize_t)n &&
        herd_h5_class(dset) == H5T_FLOAT)
        rc = (n == 0 || H5Dread(dset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0)
                 ? 0 : -1;
    if (dset >= 0)
        H5Dclose(dset);
    return rc;
}

int herd_h5_write_i64_attr(hid_t obj, const char *name, int64_t value)
{
    return write_scalar_attr(obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

int herd_h5_write_f64_attr(hid_t obj, const char *name, double value)
{
    return write_scalar_attr(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

/* Read a numeric scalar attribute converted to mtype; 1 read, 0 absent, -1 error. */
static int read_number_attr(hid_t obj, const char *name, hid_t mtype, H5T_class_t want, void *value)
{
    if (H5Aexists(obj, name) <= 0)
        return 0;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr < 0)
        return -1;
    hid_t ftype = H5Aget_type(attr);
    H5T_class_t c = H5Tget_class(ftype);
    int ok = (c == want || c == H5T_INTEGER) && H5Aread(attr, mtype, value) >= 0;
    H5Tclose(ftype);
    H5Aclose(attr);
    return ok ? 1 : -1;
}

int herd_h5_read_i64_attr(hid_t obj, const char *name, int64_t *value)
{
    return read_number_attr(obj, name, H5T_NATIVE_INT64, H5T_INTEGER, value);
}

int herd_h5_read_f64_attr(hid_t obj, const char *name, double *value)
{
    return read_number_attr(obj, name, H5T_NATIVE_DOUBLE, H5T_FLOAT, value);
}

int herd_h5_write_f32_2d(hid_t loc, const char *name, const float *v, int64_t rows, int64_t cols)
{
    hsize_t dims[2] = { (hsize_t)rows, (hsize_t)cols };
    hid_t space = H5Screate_simple(2, dims, NULL);
    hid_t dset = H5Dcreate2(loc, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT,
                            H5P_DEFAULT);
    int rc = dset < 0 ? -1 : 0;
    if (rc == 0 && rows * cols > 0 &&
        H5Dwrite(dset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        rc = -1;
    if (dset >= 0)
        H5Dclose(dset);
    H5Sclose(space);
    return rc;
}

int herd_h5_read_f32_2d(hid_t loc, const char *name, float *v, int64_t rows, int64_t cols)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
        return -1;
    hid_t dset = H5Dopen2(loc, name, H5P_DEFAULT);
    hsize_t dims[2] = { 0, 0 };
    int rc = -1;
    if (dset >= 0 && herd_h5_shape(dset, dims) == 2 && dims[0] == (hsize_t)rows &&
        dims[1] == (hsize_t)cols && herd_h5_class(dset) == H5T_FLOAT)
        rc = (rows * cols == 0 ||
              H5Dread(dset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0) ? 0 : -1;
    if (dset >= 0)
        H5Dclose(dset);
    return rc;
}

int herd_h5_write_strings(hid_t loc, const char *name, const char *const *v, int64_t n)
{
    hsize_t dims[1] = { (hsize_t)n };
    hid_t type = herd_h5_string_type();
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t dset = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = (dset < 0 || H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) ? -1 : 0;
    if (dset >= 0)
        H5Dclose(dset);
    H5Sclose(space);
    H5Tclose(type);
    return rc;
}

/* Variable-length strings: HDF5 allocates each one, reclaimed after copying. */
static int read_variable_strings(hid_t dset, hid_t mtype, char **v, int64_t n)
{
    char **raw = herd_calloc((size_t)n + 1, sizeof *raw);
    hid_t space = H5Dget_space(dset);
    int rc = -1;
    if (H5Dread(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) >= 0) {
        for (int64_t i = 0; i < n; i++)
            v[i] = herd_strdup(raw[i] != NULL ? raw[i] : "");
        H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, raw);
        rc = 0;
    }
    H5Sclose(space);
    free(raw);
    return rc;
}

/* Fixed-length strings: n cells of the type's width, not always 0-ended. */
static int read_fixed_strings(hid_t dset, hid_t mtype, char **v, int64_t n)
{
    size_t w = H5Tget_size(mtype);
    char *raw = herd_calloc((size_t)n * w + 1, 1);
    int rc = -1;
    if (H5Dread(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) >= 0) {
        for (int64_t i = 0; i < n; i++)
            v[i] = strndup(raw + (size_t)i * w, w);
        rc = 0;
    }
    free(raw);
    return rc;
}

int herd_h5_read_strings(hid_t loc, const char *name, char **v, int64_t n)
{
    hid_t dset = H5Dopen2(loc, name, H5P_DEFAULT);
    if (dset < 0)
        return -1;
    hsize_t dims[2] = { 0, 0 };
    int rc = -2;
    if (herd_h5_shape(dset, dims) == 1 && dims[0] == (hsize_t)n &&
        herd_h5_class(dset) == H5T_STRING) {
        hid_t ftype = H5Dget_type(dset);
        hid_t mtype = H5Tcopy(ftype);
        rc = H5Tis_variable_str(ftype) > 0 ? read_variable_strings(dset, mtype, v, n)
                                           : read_fixed_strings(dset, mtype, v, n);
        H5Tclose(mtype);
        H5Tclose(ftype);
    }
    H5Dclose(dset);
    return rc;
}
