/* model.h - the one model interface: every model type sits behind it.
 *
 * A model owns ONE contiguous parameter buffer and a gradient buffer that
 * mirrors it. Named tensors (herd_tensor) point into both by offset, so the
 * optimizer, the gradient allreduce and checkpoints all work on flat memory,
 * and a checkpoint stores each tensor under its name.
 *
 * Types: linear (regression, MSE), logistic (binary cross-entropy), softmax
 * (multiclass cross-entropy) and mlp (hidden layers + the head its task
 * needs). linear/logistic/softmax are dense nets without hidden layers.
 *
 * Outputs: a model has n_out outputs per row: 1 for regression and binary
 * (a logit), K for multiclass (logits).
 */
#ifndef HERD_MODEL_H
#define HERD_MODEL_H

#include "core/status.h"

#include <stddef.h>
#include <stdint.h>

#define HERD_MAX_TENSORS 40

typedef struct herd_tensor {
    char name[32];       /* "layer0.weight", "layer0.bias", ... */
    size_t offset;       /* into params / grads, in floats */
    int rows, cols;      /* weights (OC, C); biases (OC, 1) */
    int decay;           /* weight decay applies (weights yes, biases no) */
} herd_tensor;

typedef struct herd_model_spec {
    int type;            /* HERD_MODEL_* */
    int task;            /* HERD_TASK_* of the data */
    int n_in;            /* features */
    int n_classes;       /* 2 for binary, K for multiclass, 0 for regression */
    int n_hidden;
    int hidden[16];
    int activation;      /* HERD_ACT_* */
    double init_scale;   /* multiplier on the default init (1.0) */
} herd_model_spec;

typedef struct herd_model_ops herd_model_ops;

/* B rows of a batch read where they lie: row i is X + idx[i] * n_in with
 * label y[idx[i]]; idx NULL means rows 0..B-1 in order. The trainer passes
 * its shard and the step's row indices, so no batch is copied unless the
 * model needs its rows contiguous (an mlp gathers them for sgemm). */
typedef struct herd_batch {
    const float *X;
    const float *y;
    const int64_t *idx;
    int B;
} herd_batch;

/* Called during loss_and_grad when grads[offset, offset + count) are final
 * for this step. Dense models report one layer (weight and bias, which are
 * adjacent) at a time, last layer first, so the ranges arrive from the top
 * of the gradient buffer down; the trainer starts the allreduce of a bucket
 * while backward goes on with the layers below. */
typedef void (*herd_grad_ready_fn)(void *ctx, size_t offset, size_t count);

typedef struct herd_model {
    const herd_model_ops *ops;
    herd_model_spec spec;
    int n_out;
    float *params;       /* one buffer, n_params floats, 64-byte aligned */
    int params_placed;   /* params live in memory the model does not own */
    float *grads;        /* mirrors params */
    uint8_t *decay_mask; /* n_params: 1 where weight decay applies */
    size_t n_params;
    herd_tensor tensors[HERD_MAX_TENSORS];
    int n_tensors;
    int max_batch;       /* activations are sized for this many rows */
    herd_grad_ready_fn grad_ready;   /* optional: see herd_model_set_grad_ready */
    void *grad_ready_ctx;
    void *impl;          /* the model type's activations and scratch */
} herd_model;

struct herd_model_ops {
    const char *name;
    /* forward: X (B, n_in) -> logits (B, n_out), in model-owned memory */
    const float *(*forward)(herd_model *m, const float *X, int B);
    /* forward + loss + backward; grads = d(sum loss * scale)/dparams */
    double (*loss_and_grad)(herd_model *m, const herd_batch *batch, float scale);
    void (*free_impl)(herd_model *m);
    /* m->params now points elsewhere: re-point whatever points into it */
    void (*params_moved)(herd_model *m);
};

/* Check spec against the data (e.g. logistic needs a binary task) and build
 * the model with parameters initialised from seed (He for relu/gelu layers,
 * Xavier otherwise; biases zero). Activations are sized for max_batch rows;
 * no allocation happens after this. Errors: HERD_ERR_USAGE. */
int herd_model_create(const herd_model_spec *spec, int max_batch, uint64_t seed,
                      herd_model **out, herd_error *err);
void herd_model_free(herd_model *m);

/* Logits for B <= max_batch rows; pointer valid until the next call. */
const float *herd_model_forward(herd_model *m, const float *X, int B);

/* Sum of per-row losses of rows X, y; writes scale * gradient of that sum
 * to m->grads, every gradient overwritten (scale = 1/global rows). */
double herd_model_loss_and_grad(herd_model *m, const float *X, const float *y, int B,
                                float scale);

/* The same for the rows of batch (batch->B <= max_batch), read in place. */
double herd_model_loss_and_grad_batch(herd_model *m, const herd_batch *batch, float scale);

/* Per-row loss sum without gradients (evaluation). */
double herd_model_loss(herd_model *m, const float *X, const float *y, int B);

/* Predictions for B rows: classification -> probabilities out (B, K) with
 * K = n_classes (binary gives [1-p, p]); regression -> values out (B, 1). */
void herd_model_predict(herd_model *m, const float *X, int B, float *out);

/* Number of prediction columns herd_model_predict writes per row. */
int herd_model_predict_width(const herd_model *m);

/* From now on the parameters live in params (n_params floats holding the
 * same values, 64-byte aligned, outliving the model's use of them: the
 * ranks' shared copy, comm/reduce.h). Frees the model's own buffer; the new
 * one is never freed by the model. */
void herd_model_place_params(herd_model *m, float *params);

/* Have loss_and_grad call fn(ctx, offset, count) as gradient ranges become
 * final (NULL: no calls). Models that do not report ranges never call it;
 * callers reduce whatever is left after loss_and_grad returns anyway. */
void herd_model_set_grad_ready(herd_model *m, herd_grad_ready_fn fn, void *ctx);

/* The loss of the model's task on its own outputs (B, n_out): MSE for
 * regression, binary cross-entropy for one binary logit, softmax
 * cross-entropy otherwise. Returns the sum of row losses; writes
 * dlogits = scale * d(sum)/d(logits) when dlogits is not NULL. */
double herd_model_output_loss(const herd_model *m, const float *logits, const float *y, int B,
                              float scale, float *dlogits);

/* The tensor called name, or NULL. */
const herd_tensor *herd_model_tensor(const herd_model *m, const char *name);

/* "linear" | "logistic" | "softmax" | "mlp" <-> HERD_MODEL_*. */
int herd_model_type_parse(const char *name);
const char *herd_model_type_name(int type);

#endif
