/* preprocess.h - feature preprocessing fitted on the training shards.
 *
 * Fit is collective: every rank summarises its shard (count, sum, sum of
 * squares of non-missing values per column, and a histogram per column for
 * the median), the summaries are summed by allreduce, and every rank derives
 * the same statistics. The median is approximate: each column's values are
 * binned into 1024 equal-width bins between the global min and max, and the
 * median is interpolated inside the bin holding the middle rank (error at
 * most one bin width). The fitted preprocessing is stored in checkpoints and
 * applied at predict time.
 */
#ifndef HERD_PREPROCESS_H
#define HERD_PREPROCESS_H

#include "comm/comm.h"
#include "core/status.h"

#include <stdint.h>

typedef struct herd_preprocess {
    int64_t cols;
    int standardize;   /* bool */
    int impute;        /* HERD_IMPUTE_* */
    float *fill;       /* cols: value for NaN (imputation), 0 when none */
    float *mean;       /* cols: subtracted when standardize */
    float *scale;      /* cols: 1/std (1 for constant columns) */
} herd_preprocess;

herd_preprocess *herd_preprocess_create(int64_t cols, int standardize, int impute);
void herd_preprocess_free(herd_preprocess *pp);

/* Fit on this rank's rows X (rows x cols). COLLECTIVE over comm. Missing
 * (non-finite) values are left out of the statistics; with impute none the
 * caller rejects them first (herd_preprocess_first_missing), naming the
 * file's row, or herd_preprocess_apply does. */
int herd_preprocess_fit(herd_preprocess *pp, herd_comm *comm, const float *X, int64_t rows,
                        herd_error *err);

/* The row of X (rows x cols) holding its first missing (non-finite) value,
 * with its column in *col; -1 when every value is finite. */
int64_t herd_preprocess_first_missing(const float *X, int64_t rows, int64_t cols, int64_t *col);

/* Apply in place: NaN -> fill, then (x - mean) * scale. With impute none,
 * a non-finite value is HERD_ERR_DATA naming its column and its row of the
 * file: file_rows[i] is the file's row of X's row i (rows values, borrowed);
 * pass NULL when the rows' places in the file are not known (the error then
 * counts rows of X from 0). Not collective. */
int herd_preprocess_apply(const herd_preprocess *pp, float *X, int64_t rows,
                          const int64_t *file_rows, herd_error *err);

/* Write pp into the open HDF5 group group_id (an hid_t): float32 datasets
 * mean, scale, fill [cols] and attributes standardize (int) and impute
 * ("none" | "mean" | "median"). HERD_ERR_IO on failure. Not collective. */
int herd_preprocess_save_h5(const herd_preprocess *pp, long long group_id, herd_error *err);

/* Read what herd_preprocess_save_h5 wrote from group group_id into a new
 * *out (caller frees with herd_preprocess_free). HERD_ERR_DATA when parts
 * are missing or inconsistent. Not collective. */
int herd_preprocess_load_h5(long long group_id, herd_preprocess **out, herd_error *err);

#endif
