/* optim.h - optimizers over the flat parameter buffer.
 *
 * State (momentum, Adam moments) mirrors the parameter buffer, one float per
 * parameter, so checkpoints save it as flat arrays. Weight decay: sgd and adam
 * add weight_decay * param to the gradient (L2); adamw decays parameters
 * directly (decoupled). The update is a pure function of (params, grads,
 * state, step, lr), so every rank applying it to the same reduced gradient
 * stays bitwise identical.
 */
#ifndef HERD_OPTIM_H
#define HERD_OPTIM_H

#include <stddef.h>
#include <stdint.h>

typedef struct herd_optim_params {
    int name;            /* HERD_OPT_* */
    float momentum;
    int nesterov;
    float weight_decay;
    float beta1, beta2, eps;
} herd_optim_params;

typedef struct herd_optim {
    herd_optim_params p;
    size_t n;
    float *m;            /* sgd momentum buffer / adam first moment (n) */
    float *v;            /* adam second moment (n), NULL for sgd */
    int64_t t;           /* updates applied so far */
    int state_placed;    /* m and v live in memory the optimizer does not own */
} herd_optim;

herd_optim *herd_optim_create(const herd_optim_params *p, size_t n);
void herd_optim_free(herd_optim *o);

/* From now on the state lives in m and v (n floats each, v NULL for sgd),
 * which hold the same values and outlive the optimizer's use of them (the
 * ranks' shared copy, comm/reduce.h). Frees the optimizer's own arrays; the
 * new ones are never freed by it. */
void herd_optim_place_state(herd_optim *o, float *m, float *v);

/* One update of params with grads at learning rate lr. decay_mask (n values,
 * 1 = decay, 0 = not; NULL = decay all) keeps biases out of weight decay.
 * The same as herd_optim_begin_step then herd_optim_update over [0, n). */
void herd_optim_step(herd_optim *o, float *params, const float *grads, const uint8_t *decay_mask,
                     float lr);
/* An update in parts: begin_step counts the update (Adam's bias correction
 * uses the count), then update applies it to [lo, hi) of params, grads,
 * decay_mask and the state; the parts of one step must not overlap. */
void herd_optim_begin_step(herd_optim *o);
void herd_optim_update(herd_optim *o, float *params, const float *grads,
                       const uint8_t *decay_mask, float lr, size_t lo, size_t hi);

/* Sum of squares of x[0..n), in a fixed order (deterministic). */
double herd_sum_squares(const float *x, size_t n);
/* x[0..n) *= s */
void herd_scale(float *x, size_t n, float s);


#endif
