/* test_shards.c - every rank loads only its shard, and the shards of all
 * ranks are disjoint and together cover every training row exactly once;
 * validation carving and test rows are the same whatever the rank count. */
#include "comm/comm.h"
#include "core/mem.h"
#include "data/dataset.h"
#include "testing.h"
#include "train/batches.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ROWS 1003

/* A file whose only feature is the row number; every 5th row is test. */
static void write_numbered(const char *path)
{
    float *X = herd_malloc(ROWS * sizeof(float));
    float *y = herd_malloc(ROWS * sizeof(float));
    uint8_t *split = herd_malloc(ROWS);
    for (int i = 0; i < ROWS; i++) {
        X[i] = (float)i;
        y[i] = (float)(i % 3);
        split[i] = i % 5 == 4 ? HERD_SPLIT_TEST : HERD_SPLIT_TRAIN;
    }
    herd_dataset_spec spec = { .rows = ROWS, .cols = 1, .X = X, .y = y, .split = split,
                               .task = HERD_TASK_MULTICLASS, .n_classes = 3, .source = "test" };
    herd_error err = { 0 };
    CHECK(herd_dataset_write(path, &spec, NULL, &err) == HERD_OK);
    free(split);
    free(y);
    free(X);
}

/* Count how often each row appears over all ranks' shards of role. */
static void check_role(herd_comm *comm, herd_dataset *ds, int role, double val_fraction)
{
    herd_rows rows;
    int64_t total = 0;
    herd_error err = { 0 };
    CHECK(herd_rows_load_shard(ds, role, 5, val_fraction, herd_comm_rank(comm),
                               herd_comm_size(comm), &rows, &total, &err) == HERD_OK);
    double *counts = herd_calloc(ROWS, sizeof(double));
    for (int64_t i = 0; i < rows.n; i++)
        counts[(int)rows.X[i]] += 1;
    herd_comm_allreduce_sum_f64(comm, counts, ROWS, &err);

    int64_t *expected = NULL, n = 0;
    CHECK(herd_rows_select(ds, role, 5, val_fraction, &expected, &n, &err) == HERD_OK);
    CHECK(n == total);
    int64_t covered = 0, twice = 0;
    for (int64_t i = 0; i < n; i++)
        covered += counts[expected[i]] == 1;
    for (int i = 0; i < ROWS; i++)
        twice += counts[i] > 1;
    CHECK(covered == n);
    CHECK(twice == 0);
    double sum = 0;
    for (int i = 0; i < ROWS; i++)
        sum += counts[i];
    CHECK((int64_t)sum == n);
    free(expected);
    free(counts);
    herd_rows_free(&rows);
}

int main(int argc, char **argv)
{
    herd_comm *comm = NULL;
    herd_error err = { 0 };
    if (herd_comm_init(&argc, &argv, &comm, &err) != HERD_OK)
        return 1;
    char path[64];
    snprintf(path, sizeof path, "shards-%d.h5", herd_comm_size(comm));
    if (herd_comm_rank(comm) == 0)
        write_numbered(path);
    herd_comm_barrier(comm, &err);
    herd_dataset *ds = NULL;
    CHECK(herd_dataset_open(path, &ds, &err) == HERD_OK);
    if (ds != NULL) {
        check_role(comm, ds, HERD_ROLE_TRAIN, 0.0);
        check_role(comm, ds, HERD_ROLE_TRAIN, 0.2);
        check_role(comm, ds, HERD_ROLE_VAL, 0.2);
        check_role(comm, ds, HERD_ROLE_TEST, 0.2);
        int64_t *train = NULL, *val = NULL, n_train = 0, n_val = 0;
        herd_rows_select(ds, HERD_ROLE_TRAIN, 5, 0.2, &train, &n_train, &err);
        herd_rows_select(ds, HERD_ROLE_VAL, 5, 0.2, &val, &n_val, &err);
        /* 802 train-split rows, about 20% carved to validation */
        CHECK(n_train + n_val == ROWS - ROWS / 5);
        CHECK(n_val > 100 && n_val < 220);
        free(train);
        free(val);
        herd_dataset_close(ds);
    }
    herd_comm_barrier(comm, &err);
    if (herd_comm_rank(comm) == 0)
        unlink(path);
    int64_t failed = herd_test_failed;
    herd_comm_allreduce_sum_i64(comm, &failed, 1, &err);
    int rc = herd_comm_rank(comm) == 0 ? herd_test_finish("shards") : 0;
    herd_comm_finalize(comm);
    return failed == 0 ? rc : 1;
}
