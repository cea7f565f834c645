/* test_data_preprocess.c - preprocessing fit/apply on one rank: exact mean
 * and std, constant columns, median within one bin, imputation, errors on
 * missing values, and the HDF5 save/load round trip. */
#include "tests/testing.h"
#include "data/preprocess.h"
#include "comm/comm.h"
#include "config/config.h"
#include "core/mem.h"
#include "core/rng.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { ROWS = 1001, COLS = 3 };

/* col 0: skewed values (exp of a normal), col 1: constant, col 2: normal
 * with every 10th value missing when with_nan. */
static void fill_data(float *X, int with_nan)
{
    for (int i = 0; i < ROWS; i++) {
        X[i * COLS + 0] = (float)exp(herd_rng_normal(1, 9, (uint64_t)i)) + 100.0f;
        X[i * COLS + 1] = 5.0f;
        X[i * COLS + 2] = (float)herd_rng_normal(2, 9, (uint64_t)i) * 3.0f - 1.0f;
        if (with_nan && i % 10 == 0)
            X[i * COLS + 2] = NAN;
    }
}

static void direct_stats(const float *X, int col, double *mean, double *std, double *lo,
                         double *hi, int *count)
{
    double s = 0, ss = 0;
    int n = 0;
    *lo = INFINITY, *hi = -INFINITY;
    for (int i = 0; i < ROWS; i++) {
        float v = X[i * COLS + col];
        if (isfinite(v)) {
            s += v, n++;
            *lo = v < *lo ? v : *lo;
            *hi = v > *hi ? v : *hi;
        }
    }
    *mean = s / n;
    for (int i = 0; i < ROWS; i++)
        if (isfinite(X[i * COLS + col]))
            ss += (X[i * COLS + col] - *mean) * (X[i * COLS + col] - *mean);
    *std = sqrt(ss / n);
    *count = n;
}

static int cmp_f(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static double exact_median(const float *X, int col)
{
    float v[ROWS];
    int n = 0;
    for (int i = 0; i < ROWS; i++)
        if (isfinite(X[i * COLS + col]))
            v[n++] = X[i * COLS + col];
    qsort(v, (size_t)n, sizeof *v, cmp_f);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void test_standardize(herd_comm *comm)
{
    float *X = herd_malloc(sizeof(float) * ROWS * COLS);
    fill_data(X, 0);
    herd_preprocess *pp = herd_preprocess_create(COLS, 1, HERD_IMPUTE_NONE);
    herd_error err = { 0 };
    CHECK(herd_preprocess_fit(pp, comm, X, ROWS, &err) == HERD_OK);
    for (int j = 0; j < COLS; j++) {
        double mean, std, lo, hi;
        int n;
        direct_stats(X, j, &mean, &std, &lo, &hi, &n);
        CHECK_NEAR(pp->mean[j], mean, 1e-6);
        CHECK_NEAR(pp->scale[j], std > 0 ? 1.0 / std : 1.0, 1e-6);
    }
    CHECK(pp->scale[1] == 1.0f); /* constant column */
    CHECK(herd_preprocess_apply(pp, X, ROWS, NULL, &err) == HERD_OK);
    double mean, std, lo, hi;
    int n;
    direct_stats(X, 0, &mean, &std, &lo, &hi, &n);
    CHECK(fabs(mean) < 1e-4);
    CHECK_NEAR(std, 1.0, 1e-4);
    CHECK(X[1] == 0.0f); /* 5 - 5 */
    herd_preprocess_free(pp);
    free(X);
}

static void test_impute(herd_comm *comm)
{
    float *X = herd_malloc(sizeof(float) * ROWS * COLS);
    fill_data(X, 1);
    herd_error err = { 0 };
    herd_preprocess *med = herd_preprocess_create(COLS, 0, HERD_IMPUTE_MEDIAN);
    CHECK(herd_preprocess_fit(med, comm, X, ROWS, &err) == HERD_OK);
    for (int j = 0; j < COLS; j++) {
        double mean, std, lo, hi;
        int n;
        direct_stats(X, j, &mean, &std, &lo, &hi, &n);
        double width = (hi - lo) / 1024.0;
        CHECK(fabs(med->fill[j] - exact_median(X, j)) <= width + 1e-6);
    }
    CHECK(med->fill[1] == 5.0f && med->mean[0] == 0.0f && med->scale[0] == 1.0f);

    herd_preprocess *mean = herd_preprocess_create(COLS, 1, HERD_IMPUTE_MEAN);
    CHECK(herd_preprocess_fit(mean, comm, X, ROWS, &err) == HERD_OK);
    double m, std, lo, hi;
    int n;
    direct_stats(X, 2, &m, &std, &lo, &hi, &n);
    CHECK(n == ROWS - 101);
    CHECK_NEAR(mean->fill[2], m, 1e-6);
    CHECK_NEAR(mean->mean[2], m, 1e-6);
    CHECK(herd_preprocess_apply(med, X, ROWS, NULL, &err) == HERD_OK);
    CHECK(X[2] == med->fill[2]); /* row 0, col 2 was NaN */
    herd_preprocess_free(mean);
    herd_preprocess_free(med);
    free(X);
}

static void test_missing_is_error(herd_comm *comm)
{
    float *X = herd_malloc(sizeof(float) * ROWS * COLS);
    fill_data(X, 0);
    X[17 * COLS + 2] = NAN;
    herd_error err = { 0 };
    herd_preprocess *pp = herd_preprocess_create(COLS, 1, HERD_IMPUTE_NONE);
    int64_t col = -1;
    CHECK(herd_preprocess_first_missing(X, ROWS, COLS, &col) == 17 && col == 2);
    X[30 * COLS + 0] = INFINITY;
    CHECK(herd_preprocess_first_missing(X, ROWS, COLS, &col) == 17 && col == 2);
    CHECK(herd_preprocess_first_missing(X + 18 * COLS, ROWS - 18, COLS, &col) == 12 && col == 0);
    X[30 * COLS + 0] = 0;
    CHECK(herd_preprocess_fit(pp, comm, X, ROWS, &err) == HERD_OK);  /* the NaN is left out */
    CHECK(isfinite(pp->mean[2]) && isfinite(pp->scale[2]));
    X[17 * COLS + 2] = INFINITY;
    int64_t file_rows[ROWS];  /* rows far apart in the file, as a shard's are */
    for (int i = 0; i < ROWS; i++)
        file_rows[i] = 1000 + 3 * i;
    CHECK(herd_preprocess_apply(pp, X, ROWS, file_rows, &err) == HERD_ERR_DATA);
    CHECK(strstr(err.msg, "column 2, row 1051 of the file") != NULL);
    CHECK(strstr(err.msg, "train with data.impute") != NULL);
    herd_error unplaced = { 0 };
    CHECK(herd_preprocess_apply(pp, X, ROWS, NULL, &unplaced) == HERD_ERR_DATA);
    CHECK(strstr(unplaced.msg, "column 2, row 17 of this rank's rows") != NULL);
    herd_preprocess_free(pp);
    free(X);
}

static void test_save_load(void)
{
    char *dir = herd_test_tmpdir("data-pp");
    char path[256];
    snprintf(path, sizeof path, "%s/pp.h5", dir);
    herd_preprocess *pp = herd_preprocess_create(COLS, 1, HERD_IMPUTE_MEDIAN), *back = NULL;
    for (int j = 0; j < COLS; j++)
        pp->mean[j] = 1.5f * j, pp->scale[j] = 0.25f + j, pp->fill[j] = -2.0f * j;
    herd_error err = { 0 };
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t g = H5Gcreate2(f, "preprocess", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(herd_preprocess_save_h5(pp, g, &err) == HERD_OK);
    H5Gclose(g);
    H5Fclose(f);
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    g = H5Gopen2(f, "preprocess", H5P_DEFAULT);
    CHECK(herd_preprocess_load_h5(g, &back, &err) == HERD_OK);
    CHECK(back != NULL && back->cols == COLS && back->standardize == 1 &&
          back->impute == HERD_IMPUTE_MEDIAN);
    CHECK(back != NULL && memcmp(back->mean, pp->mean, sizeof(float) * COLS) == 0 &&
          memcmp(back->scale, pp->scale, sizeof(float) * COLS) == 0 &&
          memcmp(back->fill, pp->fill, sizeof(float) * COLS) == 0);
    herd_preprocess_free(back);
    back = NULL;
    H5Gclose(g);
    g = H5Gopen2(f, "/", H5P_DEFAULT); /* a group without preprocessing */
    CHECK(herd_preprocess_load_h5(g, &back, &err) == HERD_ERR_DATA && back == NULL);
    H5Gclose(g);
    H5Fclose(f);
    herd_preprocess_free(pp);
    free(dir);
}

int main(int argc, char **argv)
{
    herd_comm *comm = NULL;
    herd_error err = { 0 };
    if (herd_comm_init(&argc, &argv, &comm, &err) != HERD_OK) {
        herd_error_print(&err);
        return 1;
    }
    test_standardize(comm);
    test_impute(comm);
    test_missing_is_error(comm);
    test_save_load();
    int rc = herd_test_finish("test_data_preprocess");
    herd_comm_finalize(comm);
    return rc;
}
