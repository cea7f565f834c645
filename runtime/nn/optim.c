/* optim.c - SGD (momentum, Nesterov), Adam and AdamW over the flat buffer,
 * with PyTorch's semantics so results can be compared against torch.optim:
 *
 *   sgd:   g = grad + wd*p;  buf = mu*buf + g;  g = nesterov ? g + mu*buf : buf
 *          p -= lr * g   (with mu = 0 simply p -= lr * g)
 *   adam:  g = grad + wd*p;  m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2
 *          p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
 *   adamw: p *= 1 - lr*wd first, then the adam update on the raw gradient.
 *
 * Weight decay applies where decay_mask is 1 (or everywhere when it is NULL).
 * Each update is elementwise, so it is identical on every rank.
 */
#include "nn/optim.h"

#include "config/config.h"
#include "core/mem.h"

#include <math.h>
#include <stdlib.h>

herd_optim *herd_optim_create(const herd_optim_params *p, size_t n)
{
    herd_optim *o = herd_calloc(1, sizeof *o);
    o->p = *p;
    o->n = n;
    o->m = herd_alloc_aligned(n * sizeof(float));
    if (p->name == HERD_OPT_ADAM || p->name == HERD_OPT_ADAMW)
        o->v = herd_alloc_aligned(n * sizeof(float));
    return o;
}

void herd_optim_free(herd_optim *o)
{
    if (!o)
        return;
    if (!o->state_placed) {
        free(o->m);
        free(o->v);
    }
    free(o);
}

void herd_optim_place_state(herd_optim *o, float *m, float *v)
{
    if (!o->state_placed) {
        free(o->m);
        free(o->v);
    }
    o->m = m;
    o->v = v;
    o->state_placed = 1;
}

/* The update runs over chunks: first the chunk's weight-decay rates (from
 * decay_mask) go into a small stack array, then one branch-free loop per
 * optimizer updates the chunk, which the compiler can vectorise. */
#define CHUNK 2048

static void decay_rates(float *restrict wd_out, const uint8_t *mask, size_t len, float wd)
{
    for (size_t i = 0; i < len; i++)
        wd_out[i] = mask ? wd * (float)mask[i] : wd;
}

/* With mu = 0 the buffer just holds g, so one loop covers plain SGD too. */
static void sgd_chunk(float *restrict p, const float *restrict g, float *restrict buf,
                      const float *restrict wd, size_t len, float lr, float mu, int nesterov)
{
    for (size_t i = 0; i < len; i++) {
        float d = g[i] + wd[i] * p[i];
        buf[i] = mu * buf[i] + d;
        float step = nesterov ? d + mu * buf[i] : buf[i];
        p[i] -= lr * step;
    }
}

typedef struct adam_consts {
    float b1, b2, eps, lr, step_size, bc2_sqrt;
    int decoupled;
} adam_consts;

static void adam_chunk(float *restrict p, const float *restrict g, float *restrict m,
                       float *restrict v, const float *restrict wd, size_t len,
                       const adam_consts *c)
{
    float b1 = c->b1, b2 = c->b2, eps = c->eps, lr = c->lr;
    float step_size = c->step_size, bc2_sqrt = c->bc2_sqrt;
    float keep = c->decoupled ? 1.0f : 0.0f, l2 = c->decoupled ? 0.0f : 1.0f;
    for (size_t i = 0; i < len; i++) {
        float pi = p[i] * (1.0f - keep * lr * wd[i]);
        float gi = g[i] + l2 * wd[i] * p[i];
        m[i] = b1 * m[i] + (1.0f - b1) * gi;
        v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
        p[i] = pi - step_size * m[i] / (sqrtf(v[i]) / bc2_sqrt + eps);
    }
}

static adam_consts adam_consts_at(const herd_optim *o, float lr)
{
    double t = (double)o->t;
    adam_consts c = { .b1 = o->p.beta1, .b2 = o->p.beta2, .eps = o->p.eps, .lr = lr,
                      .decoupled = o->p.name == HERD_OPT_ADAMW };
    c.step_size = (float)(lr / (1.0 - pow(o->p.beta1, t)));
    c.bc2_sqrt = (float)sqrt(1.0 - pow(o->p.beta2, t));
    return c;
}

void herd_optim_begin_step(herd_optim *o) { o->t++; }

void herd_optim_update(herd_optim *o, float *params, const float *grads,
                       const uint8_t *decay_mask, float lr, size_t lo, size_t hi)
{
    float wd[CHUNK];
    adam_consts c = adam_consts_at(o, lr);
    for (size_t at = lo; at < hi; at += CHUNK) {
        size_t len = hi - at < CHUNK ? hi - at : CHUNK;
        decay_rates(wd, decay_mask ? decay_mask + at : NULL, len, o->p.weight_decay);
        if (o->p.name == HERD_OPT_SGD)
            sgd_chunk(params + at, grads + at, o->m + at, wd, len, lr, o->p.momentum,
                      o->p.nesterov);
        else
            adam_chunk(params + at, grads + at, o->m + at, o->v + at, wd, len, &c);
    }
}

void herd_optim_step(herd_optim *o, float *params, const float *grads, const uint8_t *decay_mask,
                     float lr)
{
    herd_optim_begin_step(o);
    herd_optim_update(o, params, grads, decay_mask, lr, 0, o->n);
}

/* Sum of squares of x[0..n), n <= 4096: 16 float lanes (the loop the
 * compiler vectorises), added up in double. Fixed order: deterministic. */
static double sum_squares_block(const float *restrict x, size_t n)
{
    float lane[16] = { 0 };
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int k = 0; k < 16; k++)
            lane[k] += x[i + k] * x[i + k];
    double sum = 0.0;
    for (int k = 0; k < 16; k++)
        sum += lane[k];
    for (; i < n; i++)
        sum += (double)x[i] * x[i];
    return sum;
}

double herd_sum_squares(const float *x, size_t n)
{
    /* float partial sums over blocks of 4096 keep the relative error near
     * 1e-6 while running at memory speed; the blocks add up in double */
    double sum = 0.0;
    for (size_t i = 0; i < n; i += 4096)
        sum += sum_squares_block(x + i, n - i < 4096 ? n - i : 4096);
    return sum;
}

void herd_scale(float *x, size_t n, float s)
{
    for (size_t i = 0; i < n; i++)
        x[i] *= s;
}

