/* model.c - the public model interface: checks a spec against the data,
 * builds the model type behind it and dispatches through its ops. What does
 * not depend on the model type lives here: the task's loss on the outputs,
 * turning outputs into predictions, names of types.
 *
 * Every model type produces raw outputs ("logits"): one value per row for
 * regression and binary tasks, K values for multiclass, and two for a
 * softmax model on a binary task.
 */
#include "models/model.h"

#include "config/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "data/dataset.h"
#include "models/dense.h"
#include "nn/loss.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = { "linear", "logistic", "softmax", "mlp" };

int herd_model_type_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (name && strcmp(name, type_names[i]) == 0)
            return i;
    return -1;
}

const char *herd_model_type_name(int type)
{
    return type >= 0 && type < 4 ? type_names[type] : "unknown";
}

static const char *task_name(int task)
{
    switch (task) {
    case HERD_TASK_BINARY: return "binary";
    case HERD_TASK_MULTICLASS: return "multiclass";
    case HERD_TASK_REGRESSION: return "regression";
    default: return "unknown";
    }
}

/* Does the model type fit the task of the data? */
static int check_type(const herd_model_spec *s, herd_error *err)
{
    const char *tn = herd_model_type_name(s->type), *data = task_name(s->task);
    if (s->type < 0 || s->type > HERD_MODEL_MLP)
        return herd_error_set(err, HERD_ERR_USAGE, "model.type: unknown model type %d", s->type);
    if (strcmp(data, "unknown") == 0)
        return herd_error_set(err, HERD_ERR_USAGE, "model: unknown data task %d", s->task);
    if (s->type == HERD_MODEL_LINEAR && s->task != HERD_TASK_REGRESSION)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "model.type: %s needs a regression task, data is %s", tn, data);
    if (s->type == HERD_MODEL_LOGISTIC && s->task != HERD_TASK_BINARY)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "model.type: %s needs a binary task, data is %s", tn, data);
    if (s->type == HERD_MODEL_SOFTMAX && s->task == HERD_TASK_REGRESSION)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "model.type: %s needs a multiclass or binary task, data is %s", tn,
                              data);
    return HERD_OK;
}

/* Hidden layers: none for the linear models, 1..HERD_MAX_HIDDEN for mlp. */
static int check_hidden(const herd_model_spec *s, herd_error *err)
{
    const char *tn = herd_model_type_name(s->type);
    if (s->type != HERD_MODEL_MLP && s->n_hidden != 0)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "model.hidden: %s has no hidden layers, got %d", tn, s->n_hidden);
    if (s->type == HERD_MODEL_MLP && (s->n_hidden < 1 || s->n_hidden > HERD_MAX_HIDDEN))
        return herd_error_set(err, HERD_ERR_USAGE,
                              "model.hidden: mlp needs 1 to %d hidden layers, got %d",
                              HERD_MAX_HIDDEN, s->n_hidden);
    for (int i = 0; i < s->n_hidden; i++)
        if (s->hidden[i] < 1)
            return herd_error_set(err, HERD_ERR_USAGE,
                                  "model.hidden: layer %d has %d units, needs at least 1", i,
                                  s->hidden[i]);
    int act_ok = s->activation >= HERD_ACT_RELU && s->activation <= HERD_ACT_GELU;
    if (s->type == HERD_MODEL_MLP && !act_ok)
        return herd_error_set(err, HERD_ERR_USAGE, "model.activation: unknown activation %d",
                              s->activation);
    return HERD_OK;
}

static int check_shape(const herd_model_spec *s, int max_batch, herd_error *err)
{
    if (s->n_in < 1)
        return herd_error_set(err, HERD_ERR_USAGE, "model: data has %d features, needs at least 1",
                              s->n_in);
    if (s->task == HERD_TASK_MULTICLASS && s->n_classes < 2)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "model: multiclass data has %d classes, needs at least 2",
                              s->n_classes);
    if (max_batch < 1)
        return herd_error_set(err, HERD_ERR_USAGE, "model: batch size %d, needs at least 1",
                              max_batch);
    if (!(s->init_scale >= 0.0) || !isfinite(s->init_scale))
        return herd_error_set(err, HERD_ERR_USAGE,
                              "model.init_scale: %g, needs a finite value >= 0", s->init_scale);
    return HERD_OK;
}

static int outputs_of(const herd_model_spec *s)
{
    if (s->task == HERD_TASK_REGRESSION)
        return 1;
    if (s->task == HERD_TASK_BINARY)
        return s->type == HERD_MODEL_SOFTMAX ? 2 : 1;
    return s->n_classes;
}

int herd_model_create(const herd_model_spec *spec, int max_batch, uint64_t seed,
                      herd_model **out, herd_error *err)
{
    *out = NULL;
    int rc = check_type(spec, err);
    if (rc == HERD_OK)
        rc = check_hidden(spec, err);
    if (rc == HERD_OK)
        rc = check_shape(spec, max_batch, err);
    if (rc != HERD_OK)
        return rc;
    herd_model *m = herd_calloc(1, sizeof *m);
    m->spec = *spec;
    if (spec->task == HERD_TASK_BINARY)
        m->spec.n_classes = 2;
    if (spec->task == HERD_TASK_REGRESSION)
        m->spec.n_classes = 0;
    m->n_out = outputs_of(&m->spec);
    m->max_batch = max_batch;
    herd_dense_build(m, seed);
    *out = m;
    return HERD_OK;
}

void herd_model_free(herd_model *m)
{
    if (!m)
        return;
    if (m->ops && m->ops->free_impl)
        m->ops->free_impl(m);
    if (!m->params_placed)
        free(m->params);
    free(m->grads);
    free(m->decay_mask);
    free(m);
}

void herd_model_place_params(herd_model *m, float *params)
{
    if (!m->params_placed)
        free(m->params);
    m->params = params;
    m->params_placed = 1;
    if (m->ops->params_moved != NULL)
        m->ops->params_moved(m);
}

const float *herd_model_forward(herd_model *m, const float *X, int B)
{
    HERD_ASSERT(B >= 0 && B <= m->max_batch);
    return m->ops->forward(m, X, B);
}

double herd_model_loss_and_grad(herd_model *m, const float *X, const float *y, int B,
                                float scale)
{
    herd_batch batch = { .X = X, .y = y, .idx = NULL, .B = B };
    return herd_model_loss_and_grad_batch(m, &batch, scale);
}

double herd_model_loss_and_grad_batch(herd_model *m, const herd_batch *batch, float scale)
{
    HERD_ASSERT(batch->B >= 0 && batch->B <= m->max_batch);
    return m->ops->loss_and_grad(m, batch, scale);
}

double herd_model_output_loss(const herd_model *m, const float *logits, const float *y, int B,
                              float scale, float *dlogits)
{
    if (m->spec.task == HERD_TASK_REGRESSION)
        return herd_loss_mse(logits, y, B, scale, dlogits);
    if (m->n_out == 1)
        return herd_loss_binary_xent(logits, y, B, scale, dlogits);
    return herd_loss_softmax_xent(logits, y, B, m->n_out, scale, dlogits, NULL);
}

double herd_model_loss(herd_model *m, const float *X, const float *y, int B)
{
    const float *logits = herd_model_forward(m, X, B);
    return herd_model_output_loss(m, logits, y, B, 0.0f, NULL);
}

void herd_model_predict(herd_model *m, const float *X, int B, float *out)
{
    const float *logits = herd_model_forward(m, X, B);
    if (m->spec.task == HERD_TASK_REGRESSION) {
        memcpy(out, logits, (size_t)B * sizeof(float));
    } else if (m->n_out == 1) {
        for (int b = 0; b < B; b++) {
            float p = herd_sigmoid(logits[b]);
            out[2 * (size_t)b] = 1.0f - p;
            out[2 * (size_t)b + 1] = p;
        }
    } else {
        herd_softmax_rows(out, logits, B, m->n_out);
    }
}

int herd_model_predict_width(const herd_model *m)
{
    return m->spec.task == HERD_TASK_REGRESSION ? 1 : m->spec.n_classes;
}

void herd_model_set_grad_ready(herd_model *m, herd_grad_ready_fn fn, void *ctx)
{
    m->grad_ready = fn;
    m->grad_ready_ctx = ctx;
}

const herd_tensor *herd_model_tensor(const herd_model *m, const char *name)
{
    for (int i = 0; i < m->n_tensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0)
            return &m->tensors[i];
    return NULL;
}
