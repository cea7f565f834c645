/* test_models.c - every model type's gradient against central differences,
 * a small mlp that learns, spec/task checks, predictions, parameter layout
 * and init. */
#include "tests/testing.h"

#include "config/config.h"
#include "core/mem.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "models/model.h"
#include "nn/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { B = 8, NIN = 5, K = 3 };

static float X[B * NIN], Y_REG[B], Y_BIN[B], Y_CLS[B];

static void make_problem(void)
{
    for (int i = 0; i < B * NIN; i++)
        X[i] = (float)herd_rng_normal(11, 1, (uint64_t)i);
    for (int b = 0; b < B; b++) {
        Y_REG[b] = (float)herd_rng_normal(11, 2, (uint64_t)b);
        Y_BIN[b] = (float)(b % 2);
        Y_CLS[b] = (float)(b % K);
    }
}

static herd_model_spec spec_of(int type, int task, int act, int n_hidden, int h0, int h1)
{
    herd_model_spec s = { .type = type, .task = task, .n_in = NIN, .activation = act,
                          .n_hidden = n_hidden, .init_scale = 1.0 };
    s.n_classes = task == HERD_TASK_MULTICLASS ? K : task == HERD_TASK_BINARY ? 2 : 0;
    s.hidden[0] = h0;
    s.hidden[1] = h1;
    return s;
}

static const char *act_name(int act)
{
    return act == HERD_ACT_RELU ? "relu" : act == HERD_ACT_TANH ? "tanh" : "gelu";
}

static const float *labels_of(int task)
{
    return task == HERD_TASK_REGRESSION ? Y_REG : task == HERD_TASK_BINARY ? Y_BIN : Y_CLS;
}

/* Gradient of the mean row loss vs (L(p+h) - L(p-h)) / 2h in double, per
 * parameter. Checks the whole-vector relative error and each coordinate. */
static void gradcheck(const char *what, herd_model_spec s)
{
    herd_model *m = NULL;
    herd_error err = { 0 };
    CHECK(herd_model_create(&s, B, 5, &m, &err) == HERD_OK);
    if (!m) {
        fprintf(stderr, "%s: %s\n", what, err.msg);
        return;
    }
    const float *y = labels_of(s.task);
    /* biases start at zero; move them so their gradients are exercised */
    for (size_t i = 0; i < m->n_params; i++)
        if (!m->decay_mask[i])
            m->params[i] = 0.1f * (float)herd_rng_normal(3, 3, i);
    memset(m->grads, 0xff, m->n_params * sizeof(float)); /* NaN: must be overwritten */
    double loss = herd_model_loss_and_grad(m, X, y, B, 1.0f / B);
    CHECK_NEAR(loss, herd_model_loss(m, X, y, B), 1e-6);
    const double h = 1e-3;
    double diff2 = 0, norm2 = 0, worst = 0;
    int bad = 0;
    for (size_t i = 0; i < m->n_params; i++) {
        float keep = m->params[i];
        m->params[i] = (float)(keep + h);
        double lp = herd_model_loss(m, X, y, B);
        m->params[i] = (float)(keep - h);
        double lm = herd_model_loss(m, X, y, B);
        m->params[i] = keep;
        double fd = (lp - lm) / (2 * h) / B, g = m->grads[i];
        double e = fabs(g - fd);
        diff2 += e * e;
        norm2 += g * g + fd * fd;
        worst = e > worst ? e : worst;
        if (e > 1e-2 * (fabs(g) + fabs(fd)) + 2e-4)
            bad++;
    }
    double rel = sqrt(diff2) / (sqrt(norm2) + 1e-12);
    printf("  gradcheck %-26s params %4zu  rel %.2e  max abs %.2e  bad %d\n", what, m->n_params,
           rel, worst, bad);
    CHECK(rel < 1e-3);
    CHECK(bad == 0);
    CHECK(norm2 > 1e-6);
    herd_model_free(m);
}

static void test_gradients(void)
{
    static const int tasks[3] = { HERD_TASK_REGRESSION, HERD_TASK_BINARY, HERD_TASK_MULTICLASS };
    static const char *task_names[3] = { "regression", "binary", "multiclass" };
    gradcheck("linear/regression", spec_of(HERD_MODEL_LINEAR, HERD_TASK_REGRESSION, 0, 0, 0, 0));
    gradcheck("logistic/binary", spec_of(HERD_MODEL_LOGISTIC, HERD_TASK_BINARY, 0, 0, 0, 0));
    gradcheck("softmax/multiclass", spec_of(HERD_MODEL_SOFTMAX, HERD_TASK_MULTICLASS, 0, 0, 0, 0));
    gradcheck("softmax/binary", spec_of(HERD_MODEL_SOFTMAX, HERD_TASK_BINARY, 0, 0, 0, 0));
    for (int act = HERD_ACT_RELU; act <= HERD_ACT_GELU; act++)
        for (int t = 0; t < 3; t++) {
            char what[64];
            snprintf(what, sizeof what, "mlp[6]/%s/%s", act_name(act),
                     task_names[t]);
            gradcheck(what, spec_of(HERD_MODEL_MLP, tasks[t], act, 1, 6, 0));
        }
    gradcheck("mlp[7,4]/gelu/multiclass", spec_of(HERD_MODEL_MLP, HERD_TASK_MULTICLASS,
                                                  HERD_ACT_GELU, 2, 7, 4));
    gradcheck("mlp[7,4]/tanh/regression", spec_of(HERD_MODEL_MLP, HERD_TASK_REGRESSION,
                                                  HERD_ACT_TANH, 2, 7, 4));
}

/* grads are written, not added to, and scale multiplies them. */
static void test_overwrite(void)
{
    herd_model_spec s = spec_of(HERD_MODEL_MLP, HERD_TASK_MULTICLASS, HERD_ACT_RELU, 1, 6, 0);
    herd_model *m = NULL;
    CHECK(herd_model_create(&s, B, 5, &m, NULL) == HERD_OK);
    size_t bytes = m->n_params * sizeof(float);
    memset(m->grads, 0xff, bytes); /* NaN: must be overwritten */
    double l1 = herd_model_loss_and_grad(m, X, Y_CLS, B, 0.5f);
    float *once = herd_malloc(bytes), *half = herd_malloc(bytes);
    memcpy(once, m->grads, bytes);
    double l2 = herd_model_loss_and_grad(m, X, Y_CLS, B, 1.5f);
    CHECK_NEAR(l1, l2, 1e-9); /* the loss is the unscaled sum */
    int ok = 1;
    for (size_t i = 0; i < m->n_params; i++)
        ok &= fabsf(m->grads[i] - 3.0f * once[i]) <= 1e-5f * (1.0f + fabsf(once[i]) * 3.0f);
    CHECK(ok);
    /* the gradients of two half batches add up to the whole batch's, and a
     * call leaves only its own rows' gradient */
    herd_model_loss_and_grad(m, X + (B / 2) * NIN, Y_CLS + B / 2, B / 2, 0.5f);
    memcpy(half, m->grads, bytes);
    herd_model_loss_and_grad(m, X, Y_CLS, B / 2, 0.5f);
    ok = 1;
    for (size_t i = 0; i < m->n_params; i++)
        ok &= fabsf(m->grads[i] + half[i] - once[i]) <= 1e-5f * (1.0f + fabsf(once[i]));
    CHECK(ok);
    herd_model_loss_and_grad(m, X + (B / 2) * NIN, Y_CLS + B / 2, B / 2, 0.5f);
    CHECK(memcmp(m->grads, half, bytes) == 0);
    free(half);
    free(once);
    herd_model_free(m);
}

/* XOR of the signs of two features is not linearly separable, so only a
 * working mlp (forward, backward and Adam together) gets its loss near zero. */
static void test_training(void)
{
    enum { N = 128, D = 2 };
    float *x = herd_malloc(N * D * sizeof(float)), y[N];
    for (int i = 0; i < N; i++) {
        x[i * D] = (float)(2.0 * herd_rng_uniform(21, 1, (uint64_t)i) - 1.0);
        x[i * D + 1] = (float)(2.0 * herd_rng_uniform(21, 2, (uint64_t)i) - 1.0);
        y[i] = (float)((x[i * D] > 0) != (x[i * D + 1] > 0));
    }
    herd_model_spec s = { .type = HERD_MODEL_MLP, .task = HERD_TASK_BINARY, .n_in = D,
                          .n_classes = 2, .n_hidden = 1, .hidden = { 32 },
                          .activation = HERD_ACT_TANH, .init_scale = 1.0 };
    herd_model *m = NULL;
    CHECK(herd_model_create(&s, N, 1, &m, NULL) == HERD_OK);
    herd_optim_params op = { .name = HERD_OPT_ADAM, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f };
    herd_optim *o = herd_optim_create(&op, m->n_params);
    double first = herd_model_loss(m, x, y, N) / N;
    for (int step = 0; step < 400; step++) {
        memset(m->grads, 0xff, m->n_params * sizeof(float)); /* NaN: must be overwritten */
        herd_model_loss_and_grad(m, x, y, N, 1.0f / N);
        herd_optim_step(o, m->params, m->grads, m->decay_mask, 0.03f);
    }
    double last = herd_model_loss(m, x, y, N) / N;
    float *prob = herd_malloc(N * 2 * sizeof(float));
    herd_model_predict(m, x, N, prob);
    int correct = 0;
    for (int i = 0; i < N; i++)
        correct += (prob[2 * i + 1] > 0.5f) == (y[i] > 0.5f);
    printf("  xor: loss %.4f -> %.4f, accuracy %d/%d\n", first, last, correct, N);
    CHECK(first > 0.5);
    CHECK(last < 0.1);
    CHECK(correct >= N - 4);
    free(prob);
    herd_optim_free(o);
    herd_model_free(m);
    free(x);
}

static void expect_error(herd_model_spec s, const char *msg)
{
    herd_model *m = (herd_model *)&s; /* must be reset to NULL */
    herd_error err = { 0 };
    int rc = herd_model_create(&s, B, 1, &m, &err);
    CHECK(rc == HERD_ERR_USAGE);
    CHECK(err.code == HERD_ERR_USAGE);
    CHECK(m == NULL);
    if (!strstr(err.msg, msg))
        fprintf(stderr, "unexpected message: %s (wanted %s)\n", err.msg, msg);
    CHECK(strstr(err.msg, msg) != NULL);
}

static void test_errors(void)
{
    expect_error(spec_of(HERD_MODEL_LOGISTIC, HERD_TASK_MULTICLASS, 0, 0, 0, 0),
                 "model.type: logistic needs a binary task, data is multiclass");
    expect_error(spec_of(HERD_MODEL_LINEAR, HERD_TASK_BINARY, 0, 0, 0, 0),
                 "model.type: linear needs a regression task, data is binary");
    expect_error(spec_of(HERD_MODEL_SOFTMAX, HERD_TASK_REGRESSION, 0, 0, 0, 0),
                 "model.type: softmax needs a multiclass or binary task, data is regression");
    expect_error(spec_of(HERD_MODEL_SOFTMAX, HERD_TASK_MULTICLASS, 0, 1, 8, 0),
                 "model.hidden: softmax has no hidden layers, got 1");
    expect_error(spec_of(HERD_MODEL_MLP, HERD_TASK_MULTICLASS, 0, 0, 0, 0),
                 "model.hidden: mlp needs 1 to 16 hidden layers, got 0");
    expect_error(spec_of(HERD_MODEL_MLP, HERD_TASK_MULTICLASS, 0, 2, 8, 0),
                 "model.hidden: layer 1 has 0 units");
    expect_error(spec_of(HERD_MODEL_MLP, HERD_TASK_BINARY, 7, 1, 8, 0), "model.activation");
    herd_model_spec s = spec_of(HERD_MODEL_SOFTMAX, HERD_TASK_MULTICLASS, 0, 0, 0, 0);
    s.n_classes = 1;
    expect_error(s, "needs at least 2");
    s = spec_of(9, HERD_TASK_MULTICLASS, 0, 0, 0, 0);
    expect_error(s, "model.type");
}

static void check_rows_sum_to_one(const float *p, int rows, int width)
{
    int ok = 1;
    for (int r = 0; r < rows; r++) {
        double sum = 0;
        for (int k = 0; k < width; k++) {
            sum += p[r * width + k];
            ok &= p[r * width + k] >= 0.0f && p[r * width + k] <= 1.0f;
        }
        ok &= fabs(sum - 1.0) < 1e-5;
    }
    CHECK(ok);
}

static void test_predict(void)
{
    float out[B * K];
    herd_model *m = NULL;
    herd_model_spec s = spec_of(HERD_MODEL_MLP, HERD_TASK_MULTICLASS, HERD_ACT_GELU, 1, 6, 0);
    CHECK(herd_model_create(&s, B, 2, &m, NULL) == HERD_OK);
    CHECK(herd_model_predict_width(m) == K && m->n_out == K);
    herd_model_predict(m, X, B, out);
    check_rows_sum_to_one(out, B, K);
    herd_model_free(m);

    s = spec_of(HERD_MODEL_LOGISTIC, HERD_TASK_BINARY, 0, 0, 0, 0);
    CHECK(herd_model_create(&s, B, 2, &m, NULL) == HERD_OK);
    CHECK(herd_model_predict_width(m) == 2 && m->n_out == 1);
    herd_model_predict(m, X, B, out);
    check_rows_sum_to_one(out, B, 2);
    const float *z = herd_model_forward(m, X, B);
    CHECK_NEAR(out[1], 1.0 / (1.0 + exp(-z[0])), 1e-6);
    herd_model_free(m);

    s = spec_of(HERD_MODEL_SOFTMAX, HERD_TASK_BINARY, 0, 0, 0, 0);
    CHECK(herd_model_create(&s, B, 2, &m, NULL) == HERD_OK);
    CHECK(herd_model_predict_width(m) == 2 && m->n_out == 2);
    herd_model_predict(m, X, 3, out); /* fewer rows than max_batch */
    check_rows_sum_to_one(out, 3, 2);
    herd_model_free(m);

    s = spec_of(HERD_MODEL_LINEAR, HERD_TASK_REGRESSION, 0, 0, 0, 0);
    CHECK(herd_model_create(&s, B, 2, &m, NULL) == HERD_OK);
    CHECK(herd_model_predict_width(m) == 1);
    herd_model_predict(m, X, B, out);
    z = herd_model_forward(m, X, B);
    CHECK(memcmp(out, z, B * sizeof(float)) == 0);
    herd_model_free(m);
}

/* Tensor names, contiguous offsets, decay mask, and the init's scale and
 * determinism. */
static void test_layout_and_init(void)
{
    herd_model_spec s = { .type = HERD_MODEL_MLP, .task = HERD_TASK_MULTICLASS, .n_in = 400,
                          .n_classes = 10, .n_hidden = 2, .hidden = { 300, 50 },
                          .activation = HERD_ACT_RELU, .init_scale = 1.0 };
    herd_model *a = NULL, *b = NULL, *c = NULL;
    CHECK(herd_model_create(&s, 4, 42, &a, NULL) == HERD_OK);
    CHECK(herd_model_create(&s, 16, 42, &b, NULL) == HERD_OK);
    CHECK(herd_model_create(&s, 4, 43, &c, NULL) == HERD_OK);
    CHECK(a->n_tensors == 6);
    CHECK(a->n_params == (size_t)(400 * 300 + 300 + 300 * 50 + 50 + 50 * 10 + 10));
    CHECK(((uintptr_t)a->params % 64) == 0 && ((uintptr_t)a->grads % 64) == 0);
    CHECK(strcmp(a->tensors[0].name, "layer0.weight") == 0);
    CHECK(strcmp(a->tensors[5].name, "layer2.bias") == 0);
    const herd_tensor *w1 = herd_model_tensor(a, "layer1.weight");
    CHECK(w1 && w1->rows == 50 && w1->cols == 300 && w1->decay == 1);
    CHECK(w1 && w1->offset == (size_t)(400 * 300 + 300));
    CHECK(herd_model_tensor(a, "layer3.weight") == NULL);
    size_t next = 0;
    int ok = 1;
    for (int i = 0; i < a->n_tensors; i++) {
        const herd_tensor *t = &a->tensors[i];
        ok &= t->offset == next && t->decay == (strstr(t->name, "weight") != NULL);
        for (size_t j = 0; j < (size_t)t->rows * t->cols; j++) {
            ok &= a->decay_mask[t->offset + j] == t->decay;
            if (!t->decay)
                ok &= a->params[t->offset + j] == 0.0f;
        }
        next = t->offset + (size_t)t->rows * t->cols;
    }
    CHECK(ok);
    CHECK(memcmp(a->params, b->params, a->n_params * sizeof(float)) == 0);
    CHECK(memcmp(a->params, c->params, a->n_params * sizeof(float)) != 0);
    double ss = 0;
    for (int i = 0; i < 400 * 300; i++)
        ss += (double)a->params[i] * a->params[i];
    CHECK_NEAR(sqrt(ss / (400 * 300)), sqrt(2.0 / 400), 0.02);  /* He under relu */
    const herd_tensor *w2 = herd_model_tensor(a, "layer2.weight");
    ss = 0;
    for (int i = 0; i < 500; i++)
        ss += (double)a->params[w2->offset + i] * a->params[w2->offset + i];
    CHECK_NEAR(sqrt(ss / 500), sqrt(2.0 / 60), 0.1);  /* Xavier on the output layer */
    herd_model_free(a);
    herd_model_free(b);
    herd_model_free(c);
    herd_model_free(NULL);
}

static void test_names(void)
{
    for (int t = HERD_MODEL_LINEAR; t <= HERD_MODEL_MLP; t++)
        CHECK(herd_model_type_parse(herd_model_type_name(t)) == t);
    CHECK(herd_model_type_parse("mlp") == HERD_MODEL_MLP);
    CHECK(herd_model_type_parse("gbdt") == -1);
}

int main(void)
{
    make_problem();
    test_gradients();
    test_overwrite();
    test_training();
    test_errors();
    test_predict();
    test_layout_and_init();
    test_names();
    return herd_test_finish("test_models");
}
