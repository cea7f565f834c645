/* test_data_parallel.c - the gradient of one global batch split over the
 * ranks equals the gradient computed on one rank from the whole batch
 * (relative 1e-5), for every model type. Run on 1, 2 and 4 ranks. */
#include "comm/comm.h"
#include "config/config.h"
#include "core/mem.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "models/model.h"
#include "testing.h"
#include "train/batches.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ROWS 64
#define COLS 12

static void make_batch(int task, int classes, float *X, float *y)
{
    for (int i = 0; i < ROWS * COLS; i++)
        X[i] = (float)herd_rng_normal(7, 99, (uint64_t)i);
    for (int i = 0; i < ROWS; i++) {
        double u = herd_rng_uniform(7, 98, (uint64_t)i);
        y[i] = task == HERD_TASK_REGRESSION ? (float)(4 * u - 2) : (float)(int)(u * classes);
    }
}

/* Relative error ||a - b|| / ||b||. */
static double rel_error(const float *a, const float *b, size_t n)
{
    double diff = 0, norm = 0;
    for (size_t i = 0; i < n; i++) {
        diff += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        norm += (double)b[i] * b[i];
    }
    return sqrt(diff) / (sqrt(norm) + 1e-30);
}

static void check_model(herd_comm *comm, int type, int task, int classes, int n_hidden)
{
    int rank = herd_comm_rank(comm), size = herd_comm_size(comm);
    herd_model_spec spec = { .type = type, .task = task, .n_in = COLS, .n_classes = classes,
                             .n_hidden = n_hidden, .hidden = { 16, 8 },
                             .activation = HERD_ACT_TANH, .init_scale = 1.0 };
    herd_model *m = NULL;
    herd_error err = { 0 };
    CHECK(herd_model_create(&spec, ROWS, 11, &m, &err) == HERD_OK);
    if (m == NULL)
        return;
    float *X = herd_malloc(ROWS * COLS * sizeof(float));
    float *y = herd_malloc(ROWS * sizeof(float));
    make_batch(task, classes, X, y);

    memset(m->grads, 0xff, m->n_params * sizeof(float)); /* NaN: must be overwritten */
    herd_model_loss_and_grad(m, X, y, ROWS, 1.0f / ROWS);
    float *reference = herd_malloc(m->n_params * sizeof(float));
    memcpy(reference, m->grads, m->n_params * sizeof(float));

    /* this rank's slice of the global batch, as the training loop cuts it */
    int64_t lo = 0;
    for (int r = 0; r < rank; r++)
        lo += herd_local_batch(ROWS, r, size);
    int64_t b = herd_local_batch(ROWS, rank, size);
    memset(m->grads, 0xff, m->n_params * sizeof(float)); /* NaN: must be overwritten */
    herd_model_loss_and_grad(m, X + lo * COLS, y + lo, (int)b, 1.0f / ROWS);
    CHECK(herd_comm_allreduce_sum_f32(comm, m->grads, m->n_params, &err) == HERD_OK);
    CHECK(rel_error(m->grads, reference, m->n_params) < 1e-5);

    free(reference);
    free(y);
    free(X);
    herd_model_free(m);
}

int main(int argc, char **argv)
{
    herd_comm *comm = NULL;
    herd_error err = { 0 };
    if (herd_comm_init(&argc, &argv, &comm, &err) != HERD_OK)
        return 1;
    check_model(comm, HERD_MODEL_LINEAR, HERD_TASK_REGRESSION, 0, 0);
    check_model(comm, HERD_MODEL_LOGISTIC, HERD_TASK_BINARY, 2, 0);
    check_model(comm, HERD_MODEL_SOFTMAX, HERD_TASK_MULTICLASS, 5, 0);
    check_model(comm, HERD_MODEL_MLP, HERD_TASK_MULTICLASS, 5, 2);
    check_model(comm, HERD_MODEL_MLP, HERD_TASK_REGRESSION, 0, 1);
    int failed = herd_test_failed;
    int64_t total = failed;
    herd_comm_allreduce_sum_i64(comm, &total, 1, &err);
    int rc = herd_comm_rank(comm) == 0 ? herd_test_finish("data_parallel") : (failed != 0);
    herd_comm_finalize(comm);
    return total == 0 ? rc : 1;
}
