/* dense.c - the dense net behind all four model types.
 *
 * linear, logistic and softmax are one dense layer; mlp stacks hidden layers
 * (linear + activation) under the output layer. Layer l maps dims[l] inputs
 * to dims[l+1] outputs with weight (dims[l+1], dims[l]) and bias (dims[l+1]),
 * both pointing into the model's one parameter buffer (gradients mirror it).
 *
 * Every activation buffer is sized for max_batch rows when the model is
 * built, so forward and backward never allocate. Forward keeps each layer's
 * pre-activation (needed by the activation's backward) and post-activation
 * (the next layer's input, needed by the weight gradient); the bias add and
 * the activation run fused in one pass after each sgemm. Backward walks the
 * layers top-down, passing the gradient between two scratch buffers; in each
 * layer the weight and bias gradients come first and are reported to the
 * model's grad_ready hook, so their allreduce can start while the gradient
 * of the layer's input is still being computed.
 *
 * Batches arrive as row indices into the caller's rows (herd_batch). An mlp
 * gathers them into one buffer for sgemm; a net of one layer (linear,
 * logistic, softmax) is memory-bound and takes them where they lie, in one
 * pass that reads each row once (onepass.c).
 */
#include "models/dense.h"
#include "models/onepass.h"

#include "config/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rng.h"
#include "nn/activation.h"
#include "nn/blas.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LAYERS (HERD_MAX_HIDDEN + 1)

typedef struct dense {
    int n_layers;
    int dims[MAX_LAYERS + 1];
    int act;                    /* HERD_ACT_* of the hidden layers */
    float *w[MAX_LAYERS];       /* (dims[l+1], dims[l]) in params */
    float *b[MAX_LAYERS];       /* (dims[l+1]) in params */
    float *dw[MAX_LAYERS];      /* mirrors w in grads */
    float *db[MAX_LAYERS];      /* mirrors b in grads */
    float *pre[MAX_LAYERS];     /* (max_batch, dims[l+1]); pre[n_layers-1] holds the logits */
    float *post[MAX_LAYERS];    /* (max_batch, dims[l+1]) activations of hidden layers */
    float *dbuf[2];             /* (max_batch, widest layer) gradient ping-pong */
    float *gx, *gy;             /* mlp: (max_batch, dims[0]) and (max_batch) gathered batch */
    float *tile_z, *tile_dz;    /* one layer: (HERD_ONEPASS_TILE, OC) scratch of onepass.c */
    float *acts;                /* the one buffer all of the above activations live in */
} dense;

static void add_tensor(herd_model *m, const char *what, int layer, int rows, int cols, int decay)
{
    HERD_ASSERT(m->n_tensors < HERD_MAX_TENSORS);
    herd_tensor *t = &m->tensors[m->n_tensors++];
    snprintf(t->name, sizeof t->name, "layer%d.%s", layer, what);
    t->offset = m->n_params;
    t->rows = rows;
    t->cols = cols;
    t->decay = decay;
    m->n_params += (size_t)rows * cols;
}

/* Each layer's weight and bias, in params and in grads. */
static void point_layers(herd_model *m, dense *d)
{
    for (int l = 0; l < d->n_layers; l++) {
        size_t wo = m->tensors[2 * l].offset, bo = m->tensors[2 * l + 1].offset;
        d->w[l] = m->params + wo;
        d->b[l] = m->params + bo;
        d->dw[l] = m->grads + wo;
        d->db[l] = m->grads + bo;
    }
}

static void dense_params_moved(herd_model *m) { point_layers(m, m->impl); }

/* Named tensors, the parameter and gradient buffers and the decay mask. */
static void layout_params(herd_model *m, dense *d)
{
    for (int l = 0; l < d->n_layers; l++) {
        add_tensor(m, "weight", l, d->dims[l + 1], d->dims[l], 1);
        add_tensor(m, "bias", l, d->dims[l + 1], 1, 0);
    }
    m->params = herd_alloc_aligned(m->n_params * sizeof(float));
    m->grads = herd_alloc_aligned(m->n_params * sizeof(float));
    m->decay_mask = herd_malloc(m->n_params ? m->n_params : 1);
    for (int i = 0; i < m->n_tensors; i++) {
        const herd_tensor *t = &m->tensors[i];
        for (size_t j = 0; j < (size_t)t->rows * t->cols; j++)
            m->decay_mask[t->offset + j] = (uint8_t)t->decay;
    }
    point_layers(m, d);
}

/* Weights ~ N(0, std^2) with std = sqrt(2/fan_in) (He) under relu/gelu and
 * sqrt(2/(fan_in+fan_out)) (Xavier) otherwise, including the output layer;
 * biases stay zero. Draw i of the whole buffer is normal(seed, INIT, i), so
 * the init does not depend on anything but the seed and the layout. */
static void init_params(herd_model *m, dense *d, uint64_t seed)
{
    for (int l = 0; l < d->n_layers; l++) {
        double fan_in = d->dims[l], fan_out = d->dims[l + 1];
        int hidden = l < d->n_layers - 1;
        int he = hidden && (d->act == HERD_ACT_RELU || d->act == HERD_ACT_GELU);
        double std = he ? sqrt(2.0 / fan_in) : sqrt(2.0 / (fan_in + fan_out));
        std *= m->spec.init_scale;
        size_t off = (size_t)(d->w[l] - m->params), n = (size_t)fan_in * (size_t)fan_out;
        for (size_t i = 0; i < n; i++)
            m->params[off + i] = (float)(std * herd_rng_normal(seed, HERD_STREAM_INIT, off + i));
    }
}

/* Floats rounded up to whole 64-byte lines, so every buffer stays aligned. */
static size_t lines(size_t floats) { return (floats + 15) / 16 * 16; }


static void alloc_activations(herd_model *m, dense *d)
{
    size_t B = (size_t)m->max_batch, total = 0, widest = 0;
    for (int l = 0; l <= d->n_layers; l++)
        widest = (size_t)d->dims[l] > widest ? (size_t)d->dims[l] : widest;
    for (int l = 0; l < d->n_layers; l++)
        total += lines(B * d->dims[l + 1]) * (l < d->n_layers - 1 ? 2 : 1);
    total += 2 * lines(B * widest);
    size_t tile = lines((size_t)HERD_ONEPASS_TILE * m->n_out);
    if (d->n_layers == 1)
        total += 2 * tile;
    else
        total += lines(B * d->dims[0]) + lines(B);
    d->acts = herd_alloc_aligned(total * sizeof(float));
    float *p = d->acts;
    for (int l = 0; l < d->n_layers; l++) {
        d->pre[l] = p;
        p += lines(B * d->dims[l + 1]);
        if (l < d->n_layers - 1) {
            d->post[l] = p;
            p += lines(B * d->dims[l + 1]);
        }
    }
    d->dbuf[0] = p;
    d->dbuf[1] = p + lines(B * widest);
    p += 2 * lines(B * widest);
    if (d->n_layers == 1) {
        d->tile_z = p;
        d->tile_dz = p + tile;
    } else {
        d->gx = p;
        d->gy = p + lines(B * d->dims[0]);
    }
}

static const float *dense_forward(herd_model *m, const float *X, int B)
{
    dense *d = m->impl;
    const float *x = X;
    for (int l = 0; l < d->n_layers; l++) {
        int C = d->dims[l], OC = d->dims[l + 1];
        int hidden = l < d->n_layers - 1;
        herd_linear_act_forward(d->pre[l], hidden ? d->post[l] : d->pre[l], x, d->w[l], d->b[l],
                                B, C, OC, hidden ? d->act : -1);
        if (hidden)
            x = d->post[l];
    }
    return d->pre[d->n_layers - 1];
}

/* Layer l's weight and bias gradients (adjacent in grads) are final. */
static void report_ready(herd_model *m, const dense *d, int l)
{
    if (m->grad_ready != NULL) {
        size_t off = (size_t)(d->dw[l] - m->grads);
        size_t count = (size_t)(d->db[l] - d->dw[l]) + (size_t)d->dims[l + 1];
        m->grad_ready(m->grad_ready_ctx, off, count);
    }
}

/* Backward from dout = d(loss)/d(logits), already in dbuf[0]. */
static void dense_backward(herd_model *m, const float *X, int B)
{
    dense *d = m->impl;
    float *dout = d->dbuf[0];
    for (int l = d->n_layers - 1; l >= 0; l--) {
        const float *inp = l > 0 ? d->post[l - 1] : X;
        float *dinp = l > 0 ? (dout == d->dbuf[0] ? d->dbuf[1] : d->dbuf[0]) : NULL;
        herd_linear_backward(NULL, d->dw[l], d->db[l], dout, inp, d->w[l], B, d->dims[l],
                             d->dims[l + 1]);
        report_ready(m, d, l);
        if (l > 0)
            herd_linear_backward(dinp, NULL, NULL, dout, inp, d->w[l], B, d->dims[l],
                                 d->dims[l + 1]);
        if (l > 0)
            herd_activation_backward(d->act, dinp, dinp, d->pre[l - 1], (size_t)B * d->dims[l]);
        dout = dinp;
    }
}

/* The batch's rows and labels copied into gx, gy in batch order. */
static void gather(dense *d, const herd_batch *batch)
{
    size_t C = (size_t)d->dims[0];
    for (int i = 0; i < batch->B; i++) {
        memcpy(d->gx + i * C, batch->X + (size_t)batch->idx[i] * C, C * sizeof(float));
        d->gy[i] = batch->y[batch->idx[i]];
    }
}

static double dense_loss_and_grad(herd_model *m, const herd_batch *batch, float scale)
{
    dense *d = m->impl;
    if (d->n_layers == 1) {
        herd_onepass p = { .n_in = d->dims[0], .n_out = m->n_out, .w = d->w[0], .b = d->b[0],
                           .dw = d->dw[0], .db = d->db[0], .z = d->tile_z, .dz = d->tile_dz };
        double loss = herd_onepass_loss_and_grad(m, &p, batch, scale);
        report_ready(m, d, 0);
        return loss;
    }
    const float *X = batch->X, *y = batch->y;
    if (batch->idx != NULL) {
        gather(d, batch);
        X = d->gx;
        y = d->gy;
    }
    const float *logits = dense_forward(m, X, batch->B);
    double loss = herd_model_output_loss(m, logits, y, batch->B, scale, d->dbuf[0]);
    dense_backward(m, X, batch->B);
    return loss;
}

static void dense_free(herd_model *m)
{
    dense *d = m->impl;
    if (d)
        free(d->acts);
    free(d);
    m->impl = NULL;
}

static const herd_model_ops dense_ops = {
    .name = "dense",
    .forward = dense_forward,
    .loss_and_grad = dense_loss_and_grad,
    .free_impl = dense_free,
    .params_moved = dense_params_moved,
};

void herd_dense_build(herd_model *m, uint64_t seed)
{
    dense *d = herd_calloc(1, sizeof *d);
    const herd_model_spec *s = &m->spec;
    d->n_layers = s->n_hidden + 1;
    d->act = s->activation;
    d->dims[0] = s->n_in;
    for (int i = 0; i < s->n_hidden; i++)
        d->dims[i + 1] = s->hidden[i];
    d->dims[d->n_layers] = m->n_out;
    m->impl = d;
    m->ops = &dense_ops;
    layout_params(m, d);
    init_params(m, d, seed);
    alloc_activations(m, d);
}
