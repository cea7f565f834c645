/* recal_fit.c - fitting a recalibration map on the calibration split.
 *
 * The calibration rows (ctx->calib) of every rank are gathered in row order,
 * so each rank fits the same map from the same data in the same order: the
 * result does not depend on the number of ranks.
 *   platt        p' = sigmoid(a * logit(p_1) + b), a and b by Newton's method
 *                on the log loss (a small ridge keeps separable data finite)
 *   isotonic     pool adjacent violators on (p_1, y) sorted by p_1; stored as
 *                the (x, y) corners of the blocks, applied by linear
 *                interpolation and clipped at the ends (as scikit-learn)
 *   temperature  p' = softmax(log p / T), T in [0.05, 20] by golden-section
 *                search on log T
 */
#include "eval/evaluate.h"
#include "core/mem.h"

#include <math.h>
#include <stdlib.h>

typedef struct calib_rows {
    double *v;       /* n x (K + 1): p_0..p_{K-1}, label */
    int64_t n;
    int K;
} calib_rows;

static int gather_calibration(herd_eval_ctx *ctx, calib_rows *c, herd_error *err)
{
    int K = ctx->width, stride = K + 1;
    double *mine = herd_malloc((size_t)(ctx->n * stride + 1) * sizeof(double));
    int64_t n_mine = 0;
    for (int64_t i = 0; i < ctx->n; i++) {
        if (!ctx->calib[i])
            continue;
        for (int k = 0; k < K; k++)
            mine[n_mine * stride + k] = ctx->prob[i * K + k];
        mine[n_mine * stride + K] = ctx->y[i];
        n_mine++;
    }
    c->K = K;
    int rc = herd_eval_gather(ctx->comm, mine, n_mine, stride, &c->v, &c->n, err);
    free(mine);
    if (rc == HERD_OK && c->n < 2)
        rc = herd_error_set(err, HERD_ERR_DATA, "eval: %lld calibration rows; too few to recalibrate",
                            (long long)c->n);
    return rc;
}

static double logit(double p)
{
    p = fmin(fmax(p, 1e-12), 1 - 1e-12);
    return log(p / (1 - p));
}

static void fit_platt(const calib_rows *c, herd_recal *r)
{
    double a = 1, b = 0;
    for (int iter = 0; iter < 100; iter++) {
        double ga = 1e-6 * a, gb = 0, haa = 1e-6, hab = 0, hbb = 1e-12;
        for (int64_t i = 0; i < c->n; i++) {
            double x = logit(c->v[i * 3 + 1]), y = c->v[i * 3 + 2] > 0.5;
            double q = 1 / (1 + exp(-(a * x + b))), w = q * (1 - q);
            ga += (q - y) * x;
            gb += q - y;
            haa += w * x * x;
            hab += w * x;
            hbb += w;
        }
        double det = haa * hbb - hab * hab;
        if (!(det > 0))
            break;
        double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
        a -= da;
        b -= db;
        if (fabs(da) + fabs(db) < 1e-12)
            break;
    }
    r->platt_a = a;
    r->platt_b = b;
}

static int cmp_pair(const void *x, const void *y)
{
    const double *a = x, *b = y;
    return (a[0] > b[0]) - (a[0] < b[0]);
}

static void fit_isotonic(const calib_rows *c, herd_recal *r)
{
    int64_t n = c->n, blocks = 0;
    double *xy = herd_malloc((size_t)(2 * n) * sizeof(double));
    double *lo = herd_malloc((size_t)n * sizeof(double)), *hi = herd_malloc((size_t)n * sizeof(double));
    double *sum = herd_malloc((size_t)n * sizeof(double)), *w = herd_malloc((size_t)n * sizeof(double));
    for (int64_t i = 0; i < n; i++) {
        xy[2 * i] = c->v[i * 3 + 1];
        xy[2 * i + 1] = c->v[i * 3 + 2] > 0.5;
    }
    qsort(xy, (size_t)n, 2 * sizeof(double), cmp_pair);
    for (int64_t i = 0; i < n; i++) {
        if (blocks > 0 && xy[2 * i] == hi[blocks - 1]) {  /* equal x: one point */
            sum[blocks - 1] += xy[2 * i + 1];
            w[blocks - 1] += 1;
        } else {
            lo[blocks] = hi[blocks] = xy[2 * i];
            sum[blocks] = xy[2 * i + 1];
            w[blocks++] = 1;
        }
        while (blocks > 1 && sum[blocks - 2] / w[blocks - 2] >= sum[blocks - 1] / w[blocks - 1]) {
            sum[blocks - 2] += sum[blocks - 1];
            w[blocks - 2] += w[blocks - 1];
            hi[blocks - 2] = hi[blocks - 1];
            blocks--;
        }
    }
    r->iso_x = herd_malloc((size_t)(2 * blocks) * sizeof(double));
    r->iso_y = herd_malloc((size_t)(2 * blocks) * sizeof(double));
    r->n_iso = 0;
    for (int64_t b = 0; b < blocks; b++) {
        r->iso_x[r->n_iso] = lo[b];
        r->iso_y[r->n_iso++] = sum[b] / w[b];
        if (hi[b] > lo[b]) {
            r->iso_x[r->n_iso] = hi[b];
            r->iso_y[r->n_iso++] = sum[b] / w[b];
        }
    }
    free(xy);
    free(lo);
    free(hi);
    free(sum);
    free(w);
}

static double temperature_loss(const calib_rows *c, double T)
{
    int K = c->K;
    double loss = 0;
    for (int64_t i = 0; i < c->n; i++) {
        const double *p = c->v + i * (K + 1);
        double mx = -INFINITY, z = 0;
        for (int k = 0; k < K; k++)
            mx = fmax(mx, log(fmax(p[k], 1e-12)) / T);
        for (int k = 0; k < K; k++)
            z += exp(log(fmax(p[k], 1e-12)) / T - mx);
        loss -= log(fmax(p[(int)p[K]], 1e-12)) / T - mx - log(z);
    }
    return loss;
}

static void fit_temperature(const calib_rows *c, herd_recal *r)
{
    const double g = (sqrt(5.0) - 1) / 2;
    double a = log(0.05), b = log(20.0);
    double x1 = b - g * (b - a), x2 = a + g * (b - a);
    double f1 = temperature_loss(c, exp(x1)), f2 = temperature_loss(c, exp(x2));
    for (int iter = 0; iter < 80; iter++) {
        if (f1 < f2) {
            b = x2; x2 = x1; f2 = f1;
            x1 = b - g * (b - a);
            f1 = temperature_loss(c, exp(x1));
        } else {
            a = x1; x1 = x2; f1 = f2;
            x2 = a + g * (b - a);
            f2 = temperature_loss(c, exp(x2));
        }
    }
    r->temperature = exp((a + b) / 2);
}

int herd_eval_fit_recal(herd_eval_ctx *ctx, int method, herd_recal *r, herd_error *err)
{
    calib_rows c = { 0 };
    int rc = gather_calibration(ctx, &c, err);
    r->method = method;
    if (rc == HERD_OK && method == HERD_RECAL_PLATT)
        fit_platt(&c, r);
    else if (rc == HERD_OK && method == HERD_RECAL_ISOTONIC)
        fit_isotonic(&c, r);
    else if (rc == HERD_OK && method == HERD_RECAL_TEMPERATURE)
        fit_temperature(&c, r);
    free(c.v);
    return rc;
}
