/* dataset.h - herd's HDF5 dataset format: open, read rows, write, hash.
 *
 * Layout (docs/formats.md): /X float32 [n, d] row-major, chunked by rows;
 * /y float32 [n] (absent in a file without labels, which only prediction
 * reads); optional /split uint8 [n] (0 train, 1 val, 2 test);
 * optional /columns/<name> int32 [n]; /feature_names (strings [d]);
 * /class_names (strings [n_classes]: what the class ids mean);
 * attributes task ("binary" | "multiclass" | "regression"; only with /y),
 * n_classes, content_sha256, source, created_by.
 *
 * Reading is per-rank and independent: each process opens the file read-only
 * and reads only the rows it needs with hyperslab selections, so no rank ever
 * holds more than its shard. Nothing here is collective.
 */
#ifndef HERD_DATASET_H
#define HERD_DATASET_H

#include "core/status.h"

#include <stdint.h>

enum { HERD_TASK_BINARY = 0, HERD_TASK_MULTICLASS = 1, HERD_TASK_REGRESSION = 2 };
enum { HERD_SPLIT_TRAIN = 0, HERD_SPLIT_VAL = 1, HERD_SPLIT_TEST = 2 };

typedef struct herd_dataset herd_dataset;

typedef struct herd_dataset_info {
    int64_t rows;
    int64_t cols;
    int labelled;           /* /y present; 0: features only, for prediction */
    int task;               /* HERD_TASK_*; -1 when not labelled */
    int n_classes;          /* 0 for regression or not labelled, 2 for binary */
    int has_split;          /* /split present */
    int64_t split_counts[3];/* rows per split value (all train when no /split) */
    char content_sha256[65];/* stored attribute ("" when absent) */
    char source[256];
    char created_by[128];
} herd_dataset_info;

/* Open path read-only and check its layout (shapes agree, /X is 2-D float,
 * task attribute known, labels in range is NOT checked here: see
 * herd_dataset_check_labels). A file without /y opens as not labelled
 * (info.labelled 0; its task and n_classes attributes are not read).
 * Errors: HERD_ERR_DATA naming the file and what is wrong; HERD_ERR_IO if it
 * cannot be opened. */
int herd_dataset_open(const char *path, herd_dataset **out, herd_error *err);

/* herd_dataset_open for a use that needs labels (what: "training",
 * "evaluation", ...): a file without /y is HERD_ERR_DATA "<path>: has no
 * labels (/y); <what> needs labelled data (...)", *out NULL. */
int herd_dataset_open_labelled(const char *path, const char *what, herd_dataset **out,
                               herd_error *err);
void herd_dataset_close(herd_dataset *ds);

const herd_dataset_info *herd_dataset_get_info(const herd_dataset *ds);
const char *herd_dataset_path(const herd_dataset *ds);

/* Read rows [lo, hi) into X (hi-lo rows x cols floats) and y (hi-lo floats).
 * Either output may be NULL to skip it; y must be NULL for a file without
 * labels (else HERD_ERR_DATA). */
int herd_dataset_read_rows(herd_dataset *ds, int64_t lo, int64_t hi, float *X, float *y,
                           herd_error *err);

/* Read the listed rows (sorted ascending, n of them) into X and y, merging
 * consecutive indices into one hyperslab read each. */
int herd_dataset_read_index(herd_dataset *ds, const int64_t *rows, int64_t n, float *X,
                            float *y, herd_error *err);

/* Read /split into split[rows]; fills 0 (train) when the file has none. */
int herd_dataset_read_split(herd_dataset *ds, uint8_t *split, herd_error *err);

/* Names of the /columns/<name> arrays in name order, NULL-terminated (empty
 * when there are none). The caller frees each name and the array. */
char **herd_dataset_column_names(herd_dataset *ds);

/* Read rows [lo, hi) of /columns/<name> (int32 [rows]: slice or protected
 * columns that are not features) into out. HERD_ERR_DATA when the file has
 * no such column or it is not a 1-D integer array of one value per row. */
int herd_dataset_read_column(herd_dataset *ds, const char *name, int64_t lo, int64_t hi,
                             int32_t *out, herd_error *err);

/* Feature names: fills names[i] (caller frees each and the array) or
 * generates "f0".."f{d-1}" when the file has none. */
int herd_dataset_feature_names(herd_dataset *ds, char ***names, herd_error *err);

/* The names the file stores in /feature_names (cols of them, NULL-ended),
 * or *names NULL when it has none. */
int herd_dataset_stored_feature_names(herd_dataset *ds, char ***names, herd_error *err);

/* Free a NULL-ended array of names, as the functions here return them
 * (safe on NULL). */
void herd_names_free(char **names);

/* Check that ds's columns are the features named by expected (cols of
 * them), which come from what ("the model in ck.h5", "data.train"): a
 * file whose stored names differ is HERD_ERR_DATA naming the first column
 * that differs, and saying when the names are the same in another order.
 * Nothing to check when expected is NULL; a file that stores no names is
 * taken as it is, with a warning. Columns must already agree in number. */
int herd_dataset_check_feature_names(herd_dataset *ds, char *const *expected, const char *what,
                                     herd_error *err);

/* The names of the class ids 0..n_classes-1 the file stores in
 * /class_names (NULL-ended), or *names NULL when it has none (ids only).
 * HERD_ERR_DATA when they are not one distinct name per class, or the file
 * has no classes (regression, or no labels). */
int herd_dataset_class_names(herd_dataset *ds, char ***names, herd_error *err);

/* Check that ds's class ids mean the classes expected names (NULL-ended,
 * or NULL for ids without names), which come from what: differing
 * names, or names on one side only, are HERD_ERR_DATA naming the first
 * class that differs. */
int herd_dataset_check_class_names(herd_dataset *ds, char *const *expected, const char *what,
                                   herd_error *err);

/* Check y against the task: integer class ids in [0, n_classes) for
 * classification, finite for regression. Reads y in chunks. HERD_ERR_DATA
 * for a file without labels. */
int herd_dataset_check_labels(herd_dataset *ds, herd_error *err);

/* Recompute the content hash from the data (SHA-256 over the bytes of /X,
 * then /y if present, then /split if present, all little-endian, in row
 * order). */
int herd_dataset_compute_sha256(herd_dataset *ds, char hex[65], herd_error *err);

/* The content hash a run records: the stored content_sha256 attribute, or,
 * for files written without one (by other tools), the hash computed as
 * herd_dataset_compute_sha256 does. Never writes to the file. */
int herd_dataset_content_sha256(herd_dataset *ds, char hex[65], herd_error *err);

/* A whole in-memory dataset for writing. */
typedef struct herd_dataset_spec {
    int64_t rows, cols;
    const float *X;          /* rows x cols */
    const float *y;          /* rows (unused when unlabelled) */
    const uint8_t *split;    /* rows, or NULL */
    const char *const *feature_names; /* cols names, or NULL */
    const char *const *class_names;   /* n_classes names of the class ids 0.., or NULL */
    int unlabelled;          /* 1: no /y, task or n_classes: data to predict */
    int task;
    int n_classes;
    const char *source;      /* free text: where the data came from */
    int n_columns;           /* /columns/<name> int32 [rows] arrays, or 0 */
    const char *const *column_names;
    const int32_t *const *columns;
} herd_dataset_spec;

/* Write spec to path atomically (path.tmp, fsync, rename, fsync dir),
 * computing and storing content_sha256 (also returned in hex if not NULL). */
int herd_dataset_write(const char *path, const herd_dataset_spec *spec, char hex[65],
                       herd_error *err);

const char *herd_task_name(int task);
/* Parse "binary" | "multiclass" | "regression"; returns -1 if unknown. */
int herd_task_parse(const char *name);

#endif
