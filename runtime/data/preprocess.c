/* preprocess.c - standardisation and imputation fitted collectively.
 *
 * Fit: every rank summarises its rows (per column: count and sum of the
 * finite values, then the sum of squared deviations from the global mean,
 * and for median imputation the global min/max and a 1024-bin histogram);
 * the summaries are summed by allreduce, so every rank derives identical
 * statistics whatever the split of rows. Two passes for the variance keep it
 * exact where a one-pass sum of squares would cancel. Non-finite values are
 * "missing": excluded from the statistics and, at apply time, replaced by
 * the fill value; with impute none they are an input error instead.
 */
#include "data/preprocess.h"
#include "data/h5util.h"
#include "config/config.h" /* HERD_IMPUTE_* */
#include "core/mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MEDIAN_BINS 1024

static const char *impute_names[] = { "none", "mean", "median" };

herd_preprocess *herd_preprocess_create(int64_t cols, int standardize, int impute)
{
    herd_preprocess *pp = herd_calloc(1, sizeof *pp);
    pp->cols = cols;
    pp->standardize = standardize != 0;
    pp->impute = impute;
    pp->fill = herd_calloc((size_t)cols + 1, sizeof *pp->fill);
    pp->mean = herd_calloc((size_t)cols + 1, sizeof *pp->mean);
    pp->scale = herd_malloc(((size_t)cols + 1) * sizeof *pp->scale);
    for (int64_t j = 0; j < cols; j++)
        pp->scale[j] = 1.0f;
    return pp;
}

void herd_preprocess_free(herd_preprocess *pp)
{
    if (pp == NULL)
        return;
    free(pp->scale);
    free(pp->mean);
    free(pp->fill);
    free(pp);
}

int64_t herd_preprocess_first_missing(const float *X, int64_t rows, int64_t cols, int64_t *col)
{
    for (int64_t i = 0; i < rows * cols; i++)
        if (!isfinite(X[i])) {
            *col = i % cols;
            return i / cols;
        }
    return -1;
}

/* Global count and mean of the finite values of each column. */
static int fit_mean(herd_comm *comm, const float *X, int64_t rows, int64_t cols, int64_t *count,
                    double *mean, herd_error *err)
{
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) {
            float v = X[i * cols + j];
            if (isfinite(v)) {
                count[j]++;
                mean[j] += v;
            }
        }
    int rc = herd_comm_allreduce_sum_i64(comm, count, (size_t)cols, err);
    if (rc == HERD_OK)
        rc = herd_comm_allreduce_sum_f64(comm, mean, (size_t)cols, err);
    for (int64_t j = 0; rc == HERD_OK && j < cols; j++)
        mean[j] = count[j] > 0 ? mean[j] / (double)count[j] : 0.0;
    return rc;
}

/* scale = 1/std (population) of the finite values; 1 for constant columns. */
static int fit_scale(herd_preprocess *pp, herd_comm *comm, const float *X, int64_t rows,
                     const int64_t *count, const double *mean, herd_error *err)
{
    int64_t cols = pp->cols;
    double *ss = herd_calloc((size_t)cols + 1, sizeof *ss);
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) {
            float v = X[i * cols + j];
            if (isfinite(v))
                ss[j] += (v - mean[j]) * (v - mean[j]);
        }
    int rc = herd_comm_allreduce_sum_f64(comm, ss, (size_t)cols, err);
    for (int64_t j = 0; rc == HERD_OK && j < cols; j++) {
        double var = count[j] > 0 ? ss[j] / (double)count[j] : 0.0;
        pp->scale[j] = var > 0 ? (float)(1.0 / sqrt(var)) : 1.0f;
    }
    free(ss);
    return rc;
}

/* Value of rank r (0-based) from a histogram: inside the bin that holds it,
 * at the position of r among the bin's values. */
static double hist_rank_value(const int64_t *h, double lo, double width, int64_t r)
{
    int64_t cum = 0;
    for (int b = 0; b < MEDIAN_BINS; b++) {
        if (cum + h[b] > r)
            return lo + (b + ((double)(r - cum) + 0.5) / (double)h[b]) * width;
        cum += h[b];
    }
    return lo + MEDIAN_BINS * width;
}

static void local_range(const float *X, int64_t rows, int64_t cols, double *lo, double *hi)
{
    for (int64_t j = 0; j < cols; j++) {
        lo[j] = INFINITY;
        hi[j] = -INFINITY;
    }
    for (int64_t i = 0; i < rows * cols; i++)
        if (isfinite(X[i])) {
            int64_t j = i % cols;
            lo[j] = X[i] < lo[j] ? X[i] : lo[j];
            hi[j] = X[i] > hi[j] ? X[i] : hi[j];
        }
}

/* fill = approximate median of the finite values (average of the two middle
 * ranks for an even count), within one bin width of the exact one. */
static int fit_median(herd_preprocess *pp, herd_comm *comm, const float *X, int64_t rows,
                      const int64_t *count, herd_error *err)
{
    int64_t cols = pp->cols;
    double *lo = herd_malloc(((size_t)cols + 1) * sizeof *lo);
    double *hi = herd_malloc(((size_t)cols + 1) * sizeof *hi);
    int64_t *hist = herd_calloc((size_t)cols * MEDIAN_BINS + 1, sizeof *hist);
    local_range(X, rows, cols, lo, hi);
    int rc = herd_comm_allreduce_min_f64(comm, lo, (size_t)cols, err);
    if (rc == HERD_OK)
        rc = herd_comm_allreduce_max_f64(comm, hi, (size_t)cols, err);
    for (int64_t i = 0; rc == HERD_OK && i < rows * cols; i++) {
        int64_t j = i % cols;
        if (!isfinite(X[i]) || !(hi[j] > lo[j]))
            continue;
        int b = (int)((X[i] - lo[j]) / (hi[j] - lo[j]) * MEDIAN_BINS);
        hist[j * MEDIAN_BINS + (b < MEDIAN_BINS ? b : MEDIAN_BINS - 1)]++;
    }
    if (rc == HERD_OK)
        rc = herd_comm_allreduce_sum_i64(comm, hist, (size_t)cols * MEDIAN_BINS, err);
    for (int64_t j = 0; rc == HERD_OK && j < cols; j++) {
        double w = (hi[j] - lo[j]) / MEDIAN_BINS;
        if (count[j] == 0 || !(hi[j] > lo[j])) {
            pp->fill[j] = count[j] > 0 ? (float)lo[j] : 0.0f;
            continue;
        }
        const int64_t *h = hist + j * MEDIAN_BINS;
        double a = hist_rank_value(h, lo[j], w, (count[j] - 1) / 2);
        double b = hist_rank_value(h, lo[j], w, count[j] / 2);
        pp->fill[j] = (float)(0.5 * (a + b));
    }
    free(hist);
    free(hi);
    free(lo);
    return rc;
}

int herd_preprocess_fit(herd_preprocess *pp, herd_comm *comm, const float *X, int64_t rows,
                        herd_error *err)
{
    int64_t cols = pp->cols;
    if (!pp->standardize && pp->impute == HERD_IMPUTE_NONE)
        return HERD_OK;
    int64_t *count = herd_calloc((size_t)cols + 1, sizeof *count);
    double *mean = herd_calloc((size_t)cols + 1, sizeof *mean);
    int rc = fit_mean(comm, X, rows, cols, count, mean, err);
    if (rc == HERD_OK && pp->standardize)
        rc = fit_scale(pp, comm, X, rows, count, mean, err);
    if (rc == HERD_OK && pp->impute == HERD_IMPUTE_MEDIAN)
        rc = fit_median(pp, comm, X, rows, count, err);
    for (int64_t j = 0; rc == HERD_OK && j < cols; j++) {
        if (pp->impute == HERD_IMPUTE_MEAN)
            pp->fill[j] = (float)mean[j];
        pp->mean[j] = pp->standardize ? (float)mean[j] : 0.0f;
    }
    free(mean);
    free(count);
    return rc;
}

/* A non-finite value that preprocessing without imputation cannot fill.
 * file_rows NULL: the rows' places in the file are not known here. */
static int missing_value(int64_t col, const int64_t *file_rows, int64_t i, float v,
                         herd_error *err)
{
    const char *why = "is missing or not finite, and the model's preprocessing has data.impute "
                      "none (train with data.impute set to mean or median to fill such values)";
    if (file_rows == NULL)
        return herd_error_set(err, HERD_ERR_DATA,
                              "preprocess: column %lld, row %lld of this rank's rows: value %g %s",
                              (long long)col, (long long)i, (double)v, why);
    return herd_error_set(err, HERD_ERR_DATA,
                          "preprocess: column %lld, row %lld of the file: value %g %s",
                          (long long)col, (long long)file_rows[i], (double)v, why);
}

int herd_preprocess_apply(const herd_preprocess *pp, float *X, int64_t rows,
                          const int64_t *file_rows, herd_error *err)
{
    int64_t cols = pp->cols;
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) {
            float v = X[i * cols + j];
            if (!isfinite(v) && pp->impute == HERD_IMPUTE_NONE)
                return missing_value(j, file_rows, i, v, err);
            if (!isfinite(v))
                v = pp->fill[j];
            X[i * cols + j] = (v - pp->mean[j]) * pp->scale[j];
        }
    return HERD_OK;
}

int herd_preprocess_save_h5(const herd_preprocess *pp, long long group_id, herd_error *err)
{
    hid_t g = (hid_t)group_id;
    int impute = pp->impute >= 0 && pp->impute <= 2 ? pp->impute : 0;
    int bad = herd_h5_write_f32(g, "mean", pp->mean, pp->cols);
    bad |= herd_h5_write_f32(g, "scale", pp->scale, pp->cols);
    bad |= herd_h5_write_f32(g, "fill", pp->fill, pp->cols);
    bad |= herd_h5_write_int_attr(g, "standardize", pp->standardize);
    bad |= herd_h5_write_str_attr(g, "impute", impute_names[impute]);
    if (bad)
        return herd_error_set(err, HERD_ERR_IO, "preprocess: cannot write preprocessing to HDF5");
    return HERD_OK;
}

/* Number of values in the 1-D dataset name of g, or -1. */
static int64_t vector_length(hid_t g, const char *name)
{
    if (H5Lexists(g, name, H5P_DEFAULT) <= 0)
        return -1;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    hid_t s = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t n = 0;
    int64_t len = (s >= 0 && H5Sget_simple_extent_ndims(s) == 1 &&
                   H5Sget_simple_extent_dims(s, &n, NULL) == 1) ? (int64_t)n : -1;
    if (s >= 0)
        H5Sclose(s);
    if (d >= 0)
        H5Dclose(d);
    return len;
}

int herd_preprocess_load_h5(long long group_id, herd_preprocess **out, herd_error *err)
{
    hid_t g = (hid_t)group_id;
    char impute[16] = "";
    int standardize = 0, mode = -1;
    *out = NULL;
    herd_h5_quiet();
    int64_t cols = vector_length(g, "mean");
    if (herd_h5_read_str_attr(g, "impute", impute, sizeof impute) == 1)
        for (int i = 0; i < 3; i++)
            mode = strcmp(impute, impute_names[i]) == 0 ? i : mode;
    if (cols < 0 || mode < 0 || herd_h5_read_int_attr(g, "standardize", &standardize) != 1)
        return herd_error_set(err, HERD_ERR_DATA,
                              "preprocess: stored preprocessing is incomplete or damaged");
    herd_preprocess *pp = herd_preprocess_create(cols, standardize, mode);
    if (herd_h5_read_f32(g, "mean", pp->mean, cols) < 0 ||
        herd_h5_read_f32(g, "scale", pp->scale, cols) < 0 ||
        herd_h5_read_f32(g, "fill", pp->fill, cols) < 0) {
        herd_preprocess_free(pp);
        return herd_error_set(err, HERD_ERR_DATA,
                              "preprocess: stored mean/scale/fill do not hold %lld values",
                              (long long)cols);
    }
    *out = pp;
    return HERD_OK;
}
