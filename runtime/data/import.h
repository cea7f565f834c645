/* import.h - bring outside data into herd's HDF5 format.
 *
 * Each importer reads the whole source into memory, validates it and writes
 * one dataset with herd_dataset_write (atomic, content hash stored).
 */
#ifndef HERD_IMPORT_H
#define HERD_IMPORT_H

#include "core/status.h"

#include <stdint.h>

/* IDX ubyte images + labels (gzipped or not, detected by magic). Pixels are
 * scaled to [0, 1]; labels become class ids; task multiclass with
 * n_classes = max label + 1 (at least 2). Optional split value for all rows
 * (-1 = no /split). */
int herd_import_idx(const char *images, const char *labels, const char *out, int split,
                    herd_error *err);

/* CSV with a header row; every feature column numeric; empty cell = NaN.
 * target names the label column; task is HERD_TASK_* or -1 to infer (integer
 * labels with 2 values -> binary, integers <= 100 distinct -> multiclass,
 * else regression). A target of words (yes/no, cat/dog/bird) is a
 * classification whose class names are stored in /class_names, ids in
 * sorted order of the names (2 names -> binary, the second positive).
 * target NULL: every column is a feature and the dataset has no labels (data
 * for `herd predict`); task must then be -1 (else HERD_ERR_USAGE).
 * Errors name the line and column: "FILE:LINE: column 'c': not a number: 'x'". */
int herd_import_csv(const char *csv, const char *target, int task, const char *out,
                    herd_error *err);

typedef struct herd_synth_spec {
    int kind;           /* HERD_TASK_REGRESSION, or classification (binary/multiclass by classes) */
    int64_t rows;
    int64_t features;
    int classes;        /* classification: >= 2 */
    uint64_t seed;
    double noise;       /* label noise / regression noise std, default 0.1 */
    double val_fraction;  /* written into /split: train/val/test fractions */
    double test_fraction;
} herd_synth_spec;

/* Generate a reproducible synthetic dataset: features standard normal,
 * classification labels from a random linear teacher with class margins,
 * regression targets linear + mild nonlinearity + noise. */
int herd_synth(const herd_synth_spec *spec, const char *out, herd_error *err);

/* A credit-risk dataset with known structure, shaped like 'Give Me Some
 * Credit' (binary, about 7% positives): revolving_utilization, age,
 * num_30_59_days_late, debt_ratio, monthly_income (about 20% missing, NaN),
 * num_open_lines, num_90_days_late, num_real_estate_loans,
 * num_60_89_days_late, dependents, group. The risk rises with each late
 * payment count (monotone), utilization and debt ratio, falls with age and
 * income; `group` (also /columns/group, int32) is a protected attribute drawn
 * independently with NO effect on the label. Uses spec rows, seed,
 * val_fraction, test_fraction (features, classes, noise are ignored). */
int herd_synth_credit(const herd_synth_spec *spec, const char *out, herd_error *err);

#endif
