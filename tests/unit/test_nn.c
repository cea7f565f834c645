/* test_nn.c - dense layers against a naive loop, activation and loss
 * gradients against finite differences, optimizers against hand-computed
 * PyTorch-semantics updates, schedules at their key steps, clipping. */
#include "tests/testing.h"

#include "config/config.h"
#include "core/rng.h"
#include "nn/activation.h"
#include "nn/blas.h"
#include "nn/loss.h"
#include "nn/optim.h"
#include "nn/schedule.h"

#include <math.h>
#include <string.h>

static void fill(float *x, int n, uint64_t seed)
{
    for (int i = 0; i < n; i++)
        x[i] = (float)herd_rng_normal(seed, 99, (uint64_t)i);
}

static void test_linear(void)
{
    enum { B = 5, C = 7, OC = 3 };
    float inp[B * C], w[OC * C], bias[OC], dout[B * OC], out[B * OC];
    float dinp[B * C], dw[OC * C], db[OC];
    fill(inp, B * C, 1);
    fill(w, OC * C, 2);
    fill(bias, OC, 3);
    fill(dout, B * OC, 4);
    herd_linear_forward(out, inp, w, bias, B, C, OC);
    for (int b = 0; b < B; b++)
        for (int o = 0; o < OC; o++) {
            double s = bias[o];
            for (int c = 0; c < C; c++)
                s += (double)inp[b * C + c] * w[o * C + c];
            CHECK_NEAR(out[b * OC + o], s, 1e-5);
        }
    for (int i = 0; i < B * C; i++)
        dinp[i] = 123.0f; /* must be overwritten */
    for (int i = 0; i < OC * C; i++)
        dw[i] = 1.0f; /* must be overwritten */
    for (int i = 0; i < OC; i++)
        db[i] = 2.0f;
    herd_linear_backward(dinp, dw, db, dout, inp, w, B, C, OC);
    for (int b = 0; b < B; b++)
        for (int c = 0; c < C; c++) {
            double s = 0;
            for (int o = 0; o < OC; o++)
                s += (double)dout[b * OC + o] * w[o * C + c];
            CHECK_NEAR(dinp[b * C + c], s, 1e-5);
        }
    for (int o = 0; o < OC; o++) {
        double sb = 0.0;
        for (int b = 0; b < B; b++)
            sb += dout[b * OC + o];
        CHECK_NEAR(db[o], sb, 1e-5);
        for (int c = 0; c < C; c++) {
            double s = 0.0;
            for (int b = 0; b < B; b++)
                s += (double)dout[b * OC + o] * inp[b * C + c];
            CHECK_NEAR(dw[o * C + c], s, 1e-5);
        }
    }
    /* first layer: no input gradient; the weight gradient is written again,
     * not added to; no rows: zero gradients */
    float before = dw[0], bias_before = db[0];
    herd_linear_backward(NULL, dw, db, dout, inp, w, B, C, OC);
    CHECK(dw[0] == before && db[0] == bias_before);
    herd_linear_backward(NULL, dw, db, dout, inp, w, 0, C, OC);
    CHECK(dw[0] == 0.0f && dw[OC * C - 1] == 0.0f && db[0] == 0.0f && db[OC - 1] == 0.0f);
    /* no bias */
    herd_linear_forward(out, inp, w, NULL, B, C, OC);
    double s0 = 0;
    for (int c = 0; c < C; c++)
        s0 += (double)inp[c] * w[c];
    CHECK_NEAR(out[0], s0, 1e-5);
}

static void test_activations(void)
{
    float x[] = { -2.5f, -1.0f, -0.3f, 0.2f, 0.7f, 1.5f, 3.0f };
    int n = (int)(sizeof x / sizeof x[0]);
    float y[7], din[7], ones[7], yp[7], ym[7], xp[7], xm[7];
    const float h = 1e-3f;
    for (int i = 0; i < n; i++) {
        ones[i] = 1.0f;
        xp[i] = x[i] + h;
        xm[i] = x[i] - h;
    }
    for (int act = HERD_ACT_RELU; act <= HERD_ACT_GELU; act++) {
        herd_activation_forward(act, y, x, (size_t)n);
        herd_activation_forward(act, yp, xp, (size_t)n);
        herd_activation_forward(act, ym, xm, (size_t)n);
        herd_activation_backward(act, din, ones, x, (size_t)n);
        for (int i = 0; i < n; i++)
            CHECK_NEAR(din[i], ((double)yp[i] - ym[i]) / ((double)xp[i] - xm[i]), 2e-3);
        CHECK(strcmp(herd_activation_name(act), "unknown") != 0);
        CHECK(herd_activation_parse(herd_activation_name(act)) == act);
    }
    herd_activation_forward(HERD_ACT_RELU, y, x, (size_t)n);
    CHECK(y[0] == 0.0f && y[6] == 3.0f);
    herd_activation_forward(HERD_ACT_TANH, y, x, (size_t)n);
    CHECK_NEAR(y[5], tanh(1.5), 1e-6);
    /* PyTorch gelu(approximate='tanh') at 1.0 and -1.0 */
    float g_in[2] = { 1.0f, -1.0f }, g_out[2];
    herd_activation_forward(HERD_ACT_GELU, g_out, g_in, 2);
    CHECK_NEAR(g_out[0], 0.8411920, 1e-6);
    CHECK_NEAR(g_out[1], -0.1588080, 1e-6);
    CHECK(herd_activation_parse("sigmoid") == -1);
    /* backward may run in place */
    float d[7];
    for (int i = 0; i < n; i++)
        d[i] = 2.0f;
    herd_activation_backward(HERD_ACT_RELU, d, d, x, (size_t)n);
    CHECK(d[0] == 0.0f && d[6] == 2.0f);
}

/* Central differences of a loss over each logit, against its gradient. */
typedef double (*loss_fn)(float *z, const float *y, float *dz);

static double softmax4(float *z, const float *y, float *dz)
{
    return herd_loss_softmax_xent(z, y, 3, 4, 1.0f, dz, NULL);
}
static double bce(float *z, const float *y, float *dz)
{
    return herd_loss_binary_xent(z, y, 3, 1.0f, dz);
}
static double mse(float *z, const float *y, float *dz) { return herd_loss_mse(z, y, 3, 1.0f, dz); }

static void check_loss_grad(loss_fn f, int n, const float *y)
{
    float z[12], dz[12];
    fill(z, n, 7);
    f(z, y, dz);
    for (int i = 0; i < n; i++) {
        float keep = z[i];
        z[i] = keep + 1e-2f;
        double lp = f(z, y, NULL);
        z[i] = keep - 1e-2f;
        double lm = f(z, y, NULL);
        z[i] = keep;
        CHECK_NEAR(dz[i], (lp - lm) / 2e-2, 1e-3);
    }
}

static void test_losses(void)
{
    float y_cls[3] = { 0, 3, 2 }, y_bin[3] = { 1, 0, 1 }, y_reg[3] = { 0.5f, -1.0f, 2.0f };
    check_loss_grad(softmax4, 12, y_cls);
    check_loss_grad(bce, 3, y_bin);
    check_loss_grad(mse, 3, y_reg);

    float z2[4] = { 0, 0, 1000.0f, -1000.0f }, lab[2] = { 0, 1 }, probs[4], d[4];
    double l = herd_loss_softmax_xent(z2, lab, 2, 2, 0.5f, d, probs);
    CHECK_NEAR(l, log(2.0) + 2000.0, 1e-6);
    CHECK_NEAR(probs[0] + probs[1], 1.0, 1e-6);
    CHECK_NEAR(probs[2], 1.0, 1e-6);
    CHECK_NEAR(d[0], 0.5 * (0.5 - 1.0), 1e-6); /* scale applies */
    CHECK_NEAR(d[3], -0.5, 1e-6);
    float zb[3] = { 0.0f, 800.0f, -800.0f }, yb[3] = { 1, 0, 0 };
    l = herd_loss_binary_xent(zb, yb, 3, 1.0f, NULL);
    CHECK(isfinite(l));
    CHECK_NEAR(l, log(2.0) + 800.0, 1e-6);
    float p[2] = { 3.0f, 1.0f }, t[2] = { 1.0f, 1.0f };
    CHECK_NEAR(herd_loss_mse(p, t, 2, 1.0f, NULL), 2.0, 1e-9);
    float sm[3], zz[3] = { 1, 2, 3 };
    herd_softmax_rows(sm, zz, 1, 3);
    CHECK_NEAR(sm[2], exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0)), 1e-6);
    CHECK_NEAR(herd_sigmoid(-100.0f), 0.0, 1e-9);
    CHECK_NEAR(herd_sigmoid(0.0f), 0.5, 1e-9);
}

/* Two updates of p = [1, -2, 0.5] with grads g1, g2; expected values from
 * PyTorch's update formulas evaluated in double by hand. */
static void run_optim(herd_optim_params op, const uint8_t *mask, float lr, const double *want)
{
    float p[3] = { 1.0f, -2.0f, 0.5f };
    float g[2][3] = { { 0.5f, 0.25f, -1.0f }, { -0.3f, 0.1f, 2.0f } };
    herd_optim *o = herd_optim_create(&op, 3);
    herd_optim_step(o, p, g[0], mask, lr);
    herd_optim_step(o, p, g[1], mask, lr);
    CHECK(o->t == 2);
    for (int i = 0; i < 3; i++)
        CHECK_NEAR(p[i], want[i], 2e-6);
    herd_optim_free(o);
}

static void test_optim(void)
{
    uint8_t mask[3] = { 1, 0, 1 };
    herd_optim_params sgd = { .name = HERD_OPT_SGD };
    run_optim(sgd, NULL, 0.1f, (double[]){ 0.98, -2.035, 0.4 });
    sgd.momentum = 0.9f;
    run_optim(sgd, NULL, 0.1f, (double[]){ 0.935, -2.0575, 0.49 });
    sgd.weight_decay = 0.01f;
    run_optim(sgd, mask, 0.1f, (double[]){ 0.932151, -2.0575, 0.4884505 });
    sgd.weight_decay = 0.0f;
    sgd.nesterov = 1;
    run_optim(sgd, NULL, 0.1f, (double[]){ 0.9215, -2.08675, 0.391 });
    herd_optim_params adam = { .name = HERD_OPT_ADAM, .beta1 = 0.9f, .beta2 = 0.999f,
                               .eps = 1e-8f };
    run_optim(adam, NULL, 0.01f,
              (double[]){ 0.9880850198941775, -2.018985751173687, 0.5063389646527925 });
    adam.weight_decay = 0.1f;
    run_optim(adam, mask, 0.01f,
              (double[]){ 0.9860115861622782, -2.018985751173687, 0.5060622322116942 });
    adam.name = HERD_OPT_ADAMW;
    run_optim(adam, mask, 0.01f,
              (double[]){ 0.9860960198939775, -2.018985751173687, 0.5053294646528925 });
}

static void test_schedule(void)
{
    herd_schedule s = { .kind = HERD_SCHED_CONSTANT, .lr = 0.1, .warmup_steps = 10 };
    CHECK_NEAR(herd_schedule_lr(&s, 0), 0.01, 1e-12);
    CHECK_NEAR(herd_schedule_lr(&s, 4), 0.05, 1e-12);
    CHECK_NEAR(herd_schedule_lr(&s, 9), 0.1, 1e-12);
    CHECK_NEAR(herd_schedule_lr(&s, 1000), 0.1, 1e-12);
    s.kind = HERD_SCHED_STEP;
    s.step_every = 5;
    s.step_gamma = 0.5;
    CHECK_NEAR(herd_schedule_lr(&s, 14), 0.1, 1e-12);
    CHECK_NEAR(herd_schedule_lr(&s, 15), 0.05, 1e-12);
    CHECK_NEAR(herd_schedule_lr(&s, 20), 0.025, 1e-12);
    CHECK_NEAR(herd_schedule_lr(&s, 25), 0.0125, 1e-12);
    s.kind = HERD_SCHED_COSINE;
    s.total_steps = 110;
    s.min_lr = 0.001;
    CHECK_NEAR(herd_schedule_lr(&s, 10), 0.1, 1e-12);
    CHECK_NEAR(herd_schedule_lr(&s, 60), 0.001 + 0.5 * 0.099, 1e-12);
    CHECK_NEAR(herd_schedule_lr(&s, 110), 0.001, 1e-12);
    CHECK_NEAR(herd_schedule_lr(&s, 500), 0.001, 1e-12);
    s.warmup_steps = 0;
    CHECK_NEAR(herd_schedule_lr(&s, 0), 0.1, 1e-12);
}

static void test_norm_and_blas(void)
{
    float g[2] = { 3.0f, 4.0f };
    CHECK_NEAR(herd_sum_squares(g, 2), 25.0, 1e-9);
    herd_scale(g, 2, 0.2f);
    CHECK_NEAR(g[0], 0.6, 1e-6);
    CHECK_NEAR(g[1], 0.8, 1e-6);
    /* blocks of 4096 and a ragged tail add up like one long sum */
    enum { N = 3 * 4096 + 37 };
    static float big[N];
    double want = 0.0;
    for (int i = 0; i < N; i++) {
        big[i] = (float)((i % 13) - 6) / 7.0f;
        want += (double)big[i] * big[i];
    }
    CHECK_NEAR(herd_sum_squares(big, N), want, 1e-6 * want);
    herd_blas_set_threads(1);
    CHECK(herd_blas_get_threads() == 1);
    CHECK(strlen(herd_blas_info()) > 0);
}

int main(void)
{
    test_linear();
    test_activations();
    test_losses();
    test_optim();
    test_schedule();
    test_norm_and_blas();
    return herd_test_finish("test_nn");
}
