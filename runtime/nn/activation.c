/* activation.c - relu, tanh and gelu (tanh approximation, as PyTorch's
 * approximate='tanh') on n contiguous values, forward and backward.
 * Backward reads the saved pre-activation x; din may alias dout, so a
 * caller can turn a gradient buffer into the one below it in place. */
#include "nn/activation.h"

#include "config/config.h"

#include <math.h>
#include <string.h>

#define GELU_K 0.7978845608028654f  /* sqrt(2 / pi) */
#define GELU_C 0.044715f

static void relu_forward(float *restrict out, const float *restrict x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

static void tanh_forward(float *restrict out, const float *restrict x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = tanhf(x[i]);
}

static void gelu_forward(float *restrict out, const float *restrict x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float t = tanhf(GELU_K * (v + GELU_C * v * v * v));
        out[i] = 0.5f * v * (1.0f + t);
    }
}

void herd_activation_forward(int act, float *out, const float *x, size_t n)
{
    switch (act) {
    case HERD_ACT_RELU: relu_forward(out, x, n); break;
    case HERD_ACT_TANH: tanh_forward(out, x, n); break;
    case HERD_ACT_GELU: gelu_forward(out, x, n); break;
    default: memmove(out, x, n * sizeof(float)); break;
    }
}

static float gelu(float v)
{
    return 0.5f * v * (1.0f + tanhf(GELU_K * (v + GELU_C * v * v * v)));
}

/* One row: p += bias; q = act(p). The relu case vectorises. */
static void bias_act_row(int act, float *restrict q, float *restrict p,
                         const float *restrict bias, int n)
{
    if (bias != NULL)
        for (int o = 0; o < n; o++)
            p[o] += bias[o];
    switch (act) {
    case HERD_ACT_RELU:
        for (int o = 0; o < n; o++)
            q[o] = p[o] > 0.0f ? p[o] : 0.0f;
        break;
    case HERD_ACT_TANH:
        for (int o = 0; o < n; o++)
            q[o] = tanhf(p[o]);
        break;
    case HERD_ACT_GELU:
        for (int o = 0; o < n; o++)
            q[o] = gelu(p[o]);
        break;
    default:
        if (q != p)
            memcpy(q, p, (size_t)n * sizeof(float));
        break;
    }
}

void herd_bias_activation_forward(int act, float *post, float *pre, const float *bias, int B,
                                  int OC)
{
    for (int b = 0; b < B; b++)
        bias_act_row(act, post + (size_t)b * OC, pre + (size_t)b * OC, bias, OC);
}

static void relu_backward(float *din, const float *dout, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        din[i] = x[i] > 0.0f ? dout[i] : 0.0f;
}

static void tanh_backward(float *din, const float *dout, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float t = tanhf(x[i]);
        din[i] = dout[i] * (1.0f - t * t);
    }
}

static void gelu_backward(float *din, const float *dout, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float t = tanhf(GELU_K * (v + GELU_C * v * v * v));
        float dt = (1.0f - t * t) * GELU_K * (1.0f + 3.0f * GELU_C * v * v);
        din[i] = dout[i] * (0.5f * (1.0f + t) + 0.5f * v * dt);
    }
}

void herd_activation_backward(int act, float *din, const float *dout, const float *x, size_t n)
{
    switch (act) {
    case HERD_ACT_RELU: relu_backward(din, dout, x, n); break;
    case HERD_ACT_TANH: tanh_backward(din, dout, x, n); break;
    case HERD_ACT_GELU: gelu_backward(din, dout, x, n); break;
    default: memmove(din, dout, n * sizeof(float)); break;
    }
}

static const char *const act_names[] = { "relu", "tanh", "gelu" };

int herd_activation_parse(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (name && strcmp(name, act_names[i]) == 0)
            return i;
    return -1;
}

const char *herd_activation_name(int act)
{
    return act >= 0 && act < 3 ? act_names[act] : "unknown";
}
