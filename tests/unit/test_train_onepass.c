/* test_train_onepass.c - the one-pass loss and gradient of one-layer
 * models (models/onepass.c), from the batcher's view of the shard to the
 * update. Against the batched computation it replaced (gather, sgemm
 * forward, the task's loss, sgemm backward) and against central
 * differences, for linear, logistic and softmax (binary and multiclass, so
 * n_out 1, 2 and K), odd batch sizes, feature counts below, at and above
 * the 16-float lanes, rows read through an index; then whole training runs
 * through the batcher with momentum, weight decay and standardised
 * features. Also: runs are bitwise repeatable, reading through an index
 * equals reading the gathered rows, the grad_ready hook sees the whole
 * layer once, an mlp gathers indexed rows to the same result as
 * contiguous ones, and the binary cross-entropy (polynomial exp and log1p,
 * vectorised) stays within 1e-6 of the loss and gradient in double. */
#include "tests/testing.h"

#include "comm/comm.h"
#include "config/config.h"
#include "core/mem.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "models/model.h"
#include "nn/blas.h"
#include "nn/loss.h"
#include "nn/optim.h"
#include "train/batches.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { SHARD = 300, MAX_B = 211, K = 7 };

typedef struct problem {
    int n_in, task;
    float *X, *y;          /* SHARD rows */
    int64_t idx[MAX_B];    /* the batch: distinct shard rows in random order */
} problem;

static problem make_problem(int n_in, int task, uint64_t seed)
{
    problem p = { .n_in = n_in, .task = task };
    p.X = herd_alloc_aligned((size_t)SHARD * n_in * sizeof(float));
    p.y = herd_alloc_aligned(SHARD * sizeof(float));
    for (size_t i = 0; i < (size_t)SHARD * n_in; i++)
        p.X[i] = (float)herd_rng_normal(seed, 1, i);
    for (int r = 0; r < SHARD; r++) {
        double u = herd_rng_uniform(seed, 2, (uint64_t)r);
        p.y[r] = task == HERD_TASK_REGRESSION ? (float)(4 * u - 2)
                 : (float)(int)(u * (task == HERD_TASK_BINARY ? 2 : K));
    }
    int64_t perm[SHARD];
    for (int r = 0; r < SHARD; r++)
        perm[r] = r;
    herd_rng rng = herd_rng_make(seed, 3);
    herd_rng_shuffle(&rng, perm, SHARD);
    memcpy(p.idx, perm, sizeof p.idx);
    return p;
}

static void free_problem(problem *p)
{
    free(p->X);
    free(p->y);
}

static herd_model *make_model(int type, const problem *p, int max_batch)
{
    herd_model_spec s = { .type = type, .task = p->task, .n_in = p->n_in, .init_scale = 1.0,
                          .n_classes = p->task == HERD_TASK_MULTICLASS ? K : 2 };
    herd_model *m = NULL;
    herd_error err = { 0 };
    CHECK(herd_model_create(&s, max_batch, 9, &m, &err) == HERD_OK);
    /* biases start at zero; move them so their gradients are exercised */
    for (size_t i = 0; m != NULL && i < m->n_params; i++)
        if (!m->decay_mask[i])
            m->params[i] = 0.2f * (float)herd_rng_normal(4, 4, i);
    return m;
}

/* The batched path on the gathered rows of batch: grads (n_params) = scale
 * * gradient of the summed loss, which it returns. */
static double batched_reference(herd_model *m, const herd_batch *batch, int C, float scale,
                                float *grads)
{
    int B = batch->B, OC = m->n_out;
    float *x = herd_malloc((size_t)B * C * sizeof(float)), *y = herd_malloc(B * sizeof(float));
    float *z = herd_malloc((size_t)B * OC * sizeof(float));
    float *dz = herd_malloc((size_t)B * OC * sizeof(float));
    for (int i = 0; i < B; i++) {
        memcpy(x + (size_t)i * C, batch->X + batch->idx[i] * C, (size_t)C * sizeof(float));
        y[i] = batch->y[batch->idx[i]];
    }
    const float *w = m->params, *b = m->params + (size_t)OC * C;
    herd_linear_forward(z, x, w, b, B, C, OC);
    double loss = herd_model_output_loss(m, z, y, B, scale, dz);
    memset(grads, 0, m->n_params * sizeof(float));
    herd_linear_backward(NULL, grads, grads + (size_t)OC * C, dz, x, w, B, C, OC);
    free(dz);
    free(z);
    free(y);
    free(x);
    return loss;
}

/* The batch's rows, copied contiguous: what the batched path reads. */
static void gather_batch(const problem *p, int B, float *x, float *y)
{
    for (int i = 0; i < B; i++) {
        memcpy(x + (size_t)i * p->n_in, p->X + p->idx[i] * p->n_in, (size_t)p->n_in * sizeof(float));
        y[i] = p->y[p->idx[i]];
    }
}

static double one_pass(herd_model *m, const problem *p, int B, float scale)
{
    herd_batch batch = { .X = p->X, .y = p->y, .idx = p->idx, .B = B };
    memset(m->grads, 0xff, m->n_params * sizeof(float)); /* NaN: must be overwritten */
    return herd_model_loss_and_grad_batch(m, &batch, scale);
}

/* ||a - b|| / ||b||, and each coordinate within 1e-4 (|a| + |b|) plus 1e-6
 * of the largest (float sums of opposite terms cancel to near zero). */
static void compare(const char *what, const float *a, const float *b, size_t n)
{
    double diff = 0, norm = 0, largest = 0;
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        largest = fabs(b[i]) > largest ? fabs(b[i]) : largest;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - b[i]);
        diff += e * e;
        norm += (double)b[i] * b[i];
        bad += e > 1e-4 * (fabs(a[i]) + fabs(b[i])) + 1e-6 * largest;
    }
    double rel = sqrt(diff) / (sqrt(norm) + 1e-30);
    if (rel >= 1e-5 || bad)
        fprintf(stderr, "%s: rel %.2e, %d coordinates off\n", what, rel, bad);
    CHECK(norm > 0);
    CHECK(rel < 1e-5);
    CHECK(bad == 0);
}

/* One-pass vs batched for one model type, feature count and batch size. */
static void against_batched(int type, int task, int n_in, int B)
{
    char what[96];
    snprintf(what, sizeof what, "%s task %d n_in %d B %d", herd_model_type_name(type), task,
             n_in, B);
    problem p = make_problem(n_in, task, (uint64_t)(n_in * 1000 + B));
    herd_model *m = make_model(type, &p, B);
    if (m == NULL)
        return;
    float scale = 1.0f / (float)(B + 3);   /* a global batch larger than this rank's */
    float *ref = herd_malloc(m->n_params * sizeof(float));
    herd_batch batch = { .X = p.X, .y = p.y, .idx = p.idx, .B = B };
    double ref_loss = batched_reference(m, &batch, n_in, scale, ref);
    double loss = one_pass(m, &p, B, scale);
    CHECK_NEAR(loss, ref_loss, 1e-6);
    compare(what, m->grads, ref, m->n_params);
    free(ref);
    herd_model_free(m);
    free_problem(&p);
}

static void test_against_batched(void)
{
    static const int sizes[] = { 1, 15, 16, 17, 37, MAX_B };
    static const int widths[] = { 3, 16, 37, 100 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
            against_batched(HERD_MODEL_LINEAR, HERD_TASK_REGRESSION, widths[w], sizes[s]);
            against_batched(HERD_MODEL_LOGISTIC, HERD_TASK_BINARY, widths[w], sizes[s]);
            against_batched(HERD_MODEL_SOFTMAX, HERD_TASK_BINARY, widths[w], sizes[s]);
            against_batched(HERD_MODEL_SOFTMAX, HERD_TASK_MULTICLASS, widths[w], sizes[s]);
        }
}

/* Gradient of the batch's mean loss vs (L(p+h) - L(p-h)) / 2h, the loss
 * evaluated by the model's forward (sgemm) on the gathered rows. */
static void against_differences(int type, int task)
{
    enum { B = 23, C = 37 };
    problem p = make_problem(C, task, 77);
    herd_model *m = make_model(type, &p, B);
    if (m == NULL)
        return;
    float *x = herd_malloc((size_t)B * C * sizeof(float)), y[B];
    gather_batch(&p, B, x, y);
    one_pass(m, &p, B, 1.0f / B);
    const double h = 1e-3;
    int bad = 0;
    for (size_t i = 0; i < m->n_params; i++) {
        float keep = m->params[i];
        m->params[i] = (float)(keep + h);
        double lp = herd_model_loss(m, x, y, B);
        m->params[i] = (float)(keep - h);
        double lm = herd_model_loss(m, x, y, B);
        m->params[i] = keep;
        double fd = (lp - lm) / (2 * h) / B, g = m->grads[i];
        bad += fabs(g - fd) > 1e-2 * (fabs(g) + fabs(fd)) + 2e-4;
    }
    printf("  differences %-8s task %d: %zu params, %d off\n", herd_model_type_name(type), task,
           m->n_params, bad);
    CHECK(bad == 0);
    free(x);
    herd_model_free(m);
    free_problem(&p);
}

static void test_against_differences(void)
{
    against_differences(HERD_MODEL_LINEAR, HERD_TASK_REGRESSION);
    against_differences(HERD_MODEL_LOGISTIC, HERD_TASK_BINARY);
    against_differences(HERD_MODEL_SOFTMAX, HERD_TASK_BINARY);
    against_differences(HERD_MODEL_SOFTMAX, HERD_TASK_MULTICLASS);
}

typedef struct ready_log {
    int calls;
    size_t offset, count;
} ready_log;

static void on_ready(void *ctx, size_t offset, size_t count)
{
    ready_log *r = ctx;
    r->calls++;
    r->offset = offset;
    r->count = count;
}

/* Bitwise: two runs agree; the indexed rows give what the same rows
 * gathered by hand give; the hook reports the whole layer once. */
static void test_repeatable_and_indexed(void)
{
    enum { B = 45, C = 100 };
    problem p = make_problem(C, HERD_TASK_MULTICLASS, 5);
    herd_model *m = make_model(HERD_MODEL_SOFTMAX, &p, B);
    if (m == NULL)
        return;
    size_t bytes = m->n_params * sizeof(float);
    float *first = herd_malloc(bytes), *x = herd_malloc((size_t)B * C * sizeof(float)), y[B];
    ready_log log = { 0 };
    herd_model_set_grad_ready(m, on_ready, &log);
    double l1 = one_pass(m, &p, B, 0.1f);
    CHECK(log.calls == 1 && log.offset == 0 && log.count == m->n_params);
    memcpy(first, m->grads, bytes);
    double l2 = one_pass(m, &p, B, 0.1f);
    CHECK(l1 == l2 && memcmp(first, m->grads, bytes) == 0);
    gather_batch(&p, B, x, y);
    memset(m->grads, 0xff, m->n_params * sizeof(float)); /* NaN: must be overwritten */
    double l3 = herd_model_loss_and_grad(m, x, y, B, 0.1f);
    CHECK(l1 == l3 && memcmp(first, m->grads, bytes) == 0);
    free(x);
    free(first);
    herd_model_free(m);
    free_problem(&p);
}

/* An mlp gathers indexed rows itself: the same result as contiguous rows. */
static void test_mlp_gathers(void)
{
    enum { B = 33, C = 20 };
    problem p = make_problem(C, HERD_TASK_MULTICLASS, 6);
    herd_model_spec s = { .type = HERD_MODEL_MLP, .task = p.task, .n_in = C, .n_classes = K,
                          .n_hidden = 2, .hidden = { 24, 9 }, .activation = HERD_ACT_RELU,
                          .init_scale = 1.0 };
    herd_model *m = NULL;
    CHECK(herd_model_create(&s, B, 3, &m, NULL) == HERD_OK);
    if (m == NULL)
        return;
    size_t bytes = m->n_params * sizeof(float);
    float *first = herd_malloc(bytes), *x = herd_malloc((size_t)B * C * sizeof(float)), y[B];
    double l1 = one_pass(m, &p, B, 0.25f);
    memcpy(first, m->grads, bytes);
    gather_batch(&p, B, x, y);
    memset(m->grads, 0xff, m->n_params * sizeof(float)); /* NaN: must be overwritten */
    double l2 = herd_model_loss_and_grad(m, x, y, B, 0.25f);
    CHECK(l1 == l2 && memcmp(first, m->grads, bytes) == 0);
    free(x);
    free(first);
    herd_model_free(m);
    free_problem(&p);
}

/* Per-row binary cross-entropy and its gradient against double precision,
 * for logits across [-100, 100] (and 0, and both labels), 37 rows per call so
 * the 8-row blocks end part-full; the summed loss is the sum of the rows'. */
static void test_binary_xent(void)
{
    enum { N = 37 };
    float z[N], y[N], dz[N];
    double worst_loss = 0, worst_grad = 0, gap = 0;
    for (int round = 0; round < 4000; round++) {
        for (int i = 0; i < N; i++) {
            double u = herd_rng_uniform(12, 1, (uint64_t)(round * N + i));
            double mag = pow(10.0, 6 * u - 4) * (i % 2 ? 1 : -1);   /* 1e-4 .. 100 */
            z[i] = round == 0 && i == 0 ? 0.0f : (float)mag;
            y[i] = (float)((round + i / 2) % 2);
        }
        double total = herd_loss_binary_xent(z, y, N, 0.5f, dz), sum = 0;
        for (int i = 0; i < N; i++) {
            double zi = z[i], yi = y[i];
            double ref = (zi > 0 ? zi : 0) - zi * yi + log1p(exp(-fabs(zi)));
            double grad = 0.5 * (1.0 / (1.0 + exp(-zi)) - yi);
            double row = herd_loss_binary_xent(&z[i], &y[i], 1, 0.5f, NULL);
            sum += row;
            double e = ref > 1e-30 ? fabs(row - ref) / ref : fabs(row - ref);
            worst_loss = e > worst_loss ? e : worst_loss;
            worst_grad = fabs(dz[i] - grad) > worst_grad ? fabs(dz[i] - grad) : worst_grad;
        }
        gap = fabs(total - sum) > gap ? fabs(total - sum) : gap;
    }
    printf("  binary xent: loss rel %.2e, gradient abs %.2e\n", worst_loss, worst_grad);
    CHECK(worst_loss < 1e-6);
    CHECK(worst_grad < 1e-6);
    CHECK(gap < 1e-9);
}

/* Columns with offsets and different spreads: standardising them matters. */
static herd_rows make_rows(int n, int C, int task)
{
    problem p = make_problem(C, task, 31);
    herd_rows rows = { .n = n, .cols = C, .X = p.X, .y = p.y };
    for (int64_t i = 0; i < (int64_t)n * C; i++)
        rows.X[i] = rows.X[i] * (float)(1 + i % C % 4) + (float)(i % C % 5);
    if (task == HERD_TASK_REGRESSION)   /* a target the features explain */
        for (int r = 0; r < n; r++)
            rows.y[r] = 0.1f * rows.X[(int64_t)r * C] - 0.05f * rows.X[(int64_t)r * C + 1];
    return rows;
}

/* Two epochs of SGD (momentum, weight decay) through the batcher, the
 * one-pass model beside a twin updated from the batched reference on the
 * same batches: the parameters stay together. */
static void train_both(herd_comm *comm, int type, int task, float wd, int standardize)
{
    enum { N = 300, C = 37, LOCAL = 29, STEPS = N / LOCAL };
    herd_rows rows = make_rows(N, C, task);
    herd_error err = { 0 };
    herd_preprocess *pp = herd_preprocess_create(C, standardize, HERD_IMPUTE_NONE);
    CHECK(herd_preprocess_fit(pp, comm, rows.X, N, &err) == HERD_OK);
    CHECK(herd_preprocess_apply(pp, rows.X, N, NULL, &err) == HERD_OK);
    problem shape = { .n_in = C, .task = task };
    herd_model *a = make_model(type, &shape, LOCAL), *b = make_model(type, &shape, LOCAL);
    herd_optim_params op = { .name = HERD_OPT_SGD, .momentum = 0.9f, .weight_decay = wd };
    herd_optim *oa = herd_optim_create(&op, a->n_params), *ob = herd_optim_create(&op, b->n_params);
    herd_batcher batcher;
    herd_batcher_init(&batcher, &rows, LOCAL);
    float scale = 1.0f / (2 * LOCAL);   /* as if a second rank held the rest */
    double la = 0, lb = 0;
    for (int epoch = 0; epoch < 2; epoch++) {
        herd_batcher_shuffle(&batcher, 8, epoch, 0);
        for (int step = 0; step < STEPS; step++) {
            herd_batch batch;
            herd_batcher_next(&batcher, step, &batch);
            memset(a->grads, 0xff, a->n_params * sizeof(float)); /* NaN: must be overwritten */
            la = herd_model_loss_and_grad_batch(a, &batch, scale);
            lb = batched_reference(b, &batch, C, scale, b->grads);
            herd_optim_step(oa, a->params, a->grads, a->decay_mask, 0.05f);
            herd_optim_step(ob, b->params, b->grads, b->decay_mask, 0.05f);
        }
    }
    char what[96];
    snprintf(what, sizeof what, "train %s task %d wd %g standardize %d",
             herd_model_type_name(type), task, (double)wd, standardize);
    compare(what, a->params, b->params, a->n_params);
    CHECK_NEAR(la, lb, 1e-5);
    herd_batcher_free(&batcher);
    herd_optim_free(oa);
    herd_optim_free(ob);
    herd_model_free(a);
    herd_model_free(b);
    herd_preprocess_free(pp);
    herd_rows_free(&rows);
}

static void test_training(herd_comm *comm)
{
    for (int standardize = 0; standardize <= 1; standardize++)
        for (int decay = 0; decay <= 1; decay++) {
            float wd = decay ? 0.05f : 0.0f;
            train_both(comm, HERD_MODEL_LINEAR, HERD_TASK_REGRESSION, wd, standardize);
            train_both(comm, HERD_MODEL_LOGISTIC, HERD_TASK_BINARY, wd, standardize);
            train_both(comm, HERD_MODEL_SOFTMAX, HERD_TASK_MULTICLASS, wd, standardize);
        }
}

int main(int argc, char **argv)
{
    herd_comm *comm = NULL;
    herd_error err = { 0 };
    if (herd_comm_init(&argc, &argv, &comm, &err) != HERD_OK)
        return 1;
    test_against_batched();
    test_against_differences();
    test_repeatable_and_indexed();
    test_mlp_gathers();
    test_binary_xent();
    test_training(comm);
    int rc = herd_test_finish("test_train_onepass");
    herd_comm_finalize(comm);
    return rc;
}
