/* conformal.c - the "conformal" section: split conformal prediction.
 *
 * The calibration split (evaluate.h: calib) gives n nonconformity scores; the
 * threshold q is the k-th smallest with k = ceil((n + 1)(1 - alpha)), so a
 * new exchangeable row's set (or interval) contains its truth with
 * probability >= 1 - alpha. k > n (n < 1/alpha - 1) is an error. Scores:
 *   LAC  1 - p_y                       set {k : 1 - p_k <= q}
 *   APS  mass of the classes ranked above y (by p, index breaking ties)
 *        plus u * p_y, u uniform per row (randomised APS, Romano et al. 2020)
 *                                       set {k : that score for k <= q}
 *   regression |y - prediction|         interval prediction +- q
 * Coverage and mean set size (interval width) are measured on the held-out
 * rows (calib = 0). Scores are gathered (the quantile needs them all) and
 * sorted on every rank, so the threshold is the same for any rank count.
 */
#include "eval/evaluate.h"
#include "core/mem.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double row_score(const herd_eval_ctx *ctx, int method, int64_t i)
{
    if (ctx->task == HERD_TASK_REGRESSION)
        return fabs((double)ctx->y[i] - (double)ctx->prob[i]);
    const float *p = ctx->prob + i * ctx->width;
    int y = (int)ctx->y[i];
    if (method == HERD_CONFORMAL_LAC)
        return 1 - (double)p[y];
    return herd_recal_aps_score(p, ctx->width, y, herd_recal_aps_u(ctx->row[i]));
}

/* The finite-sample quantile of the calibration scores. COLLECTIVE. */
static int quantile(herd_eval_ctx *ctx, int method, double alpha, double *q, int64_t *n_cal,
                    herd_error *err)
{
    double *mine = herd_malloc((size_t)(ctx->n + 1) * sizeof(double)), *all = NULL;
    int64_t n_mine = 0, n = 0;
    for (int64_t i = 0; i < ctx->n; i++)
        if (ctx->calib[i])
            mine[n_mine++] = row_score(ctx, method, i);
    int rc = herd_eval_gather(ctx->comm, mine, n_mine, 1, &all, &n, err);
    int64_t k = (int64_t)ceil((double)(n + 1) * (1 - alpha) - 1e-9);
    if (rc == HERD_OK && (k > n || n == 0))
        rc = herd_error_set(err, HERD_ERR_DATA,
                            "eval.conformal.alpha: %g needs at least %lld calibration rows, there are %lld "
                            "(raise alpha, eval.split_fraction or the number of rows)",
                            alpha, (long long)ceil(1 / alpha - 1), (long long)n);
    if (rc == HERD_OK) {
        qsort(all, (size_t)n, sizeof(double), cmp_double);
        *q = all[k - 1];
        *n_cal = n;
    }
    free(all);
    free(mine);
    return rc;
}

/* Coverage and mean set size (or width) over the held-out rows. COLLECTIVE. */
static int measure(herd_eval_ctx *ctx, int method, double *covered, double *size, double *n_held,
                   herd_error *err)
{
    int64_t c[3] = { 0, 0, 0 };  /* held-out rows, covered, total set size */
    uint8_t *in_set = herd_malloc((size_t)ctx->width + 1);
    for (int64_t i = 0; i < ctx->n; i++) {
        if (ctx->calib[i])
            continue;
        c[0]++;
        if (ctx->task == HERD_TASK_REGRESSION) {
            c[1] += fabs((double)ctx->y[i] - (double)ctx->prob[i]) <= ctx->recal.q_abs;
            continue;
        }
        c[2] += herd_recal_conformal_set(&ctx->recal, method, ctx->prob + i * ctx->width, ctx->width,
                                         herd_recal_aps_u(ctx->row[i]), in_set);
        c[1] += in_set[(int)ctx->y[i]];
    }
    free(in_set);
    int rc = herd_comm_allreduce_sum_i64(ctx->comm, c, 3, err);
    *n_held = (double)c[0];
    *covered = c[0] > 0 ? (double)c[1] / (double)c[0] : NAN;
    *size = c[0] > 0 ? (double)c[2] / (double)c[0] : NAN;
    if (ctx->task == HERD_TASK_REGRESSION)
        *size = 2 * ctx->recal.q_abs;
    return rc;
}

static int one_score(herd_eval_ctx *ctx, cJSON *section, int method, const char *name, herd_error *err)
{
    double q = 0, covered = 0, size = 0, n_held = 0;
    int64_t n_cal = 0;
    int rc = quantile(ctx, method, ctx->cfg->eval.conformal.alpha, &q, &n_cal, err);
    if (rc != HERD_OK)
        return rc;
    if (ctx->task == HERD_TASK_REGRESSION)
        ctx->recal.q_abs = q;
    else if (method == HERD_CONFORMAL_LAC)
        ctx->recal.q_lac = q;
    else
        ctx->recal.q_aps = q;
    rc = measure(ctx, method, &covered, &size, &n_held, err);
    cJSON *o = name != NULL ? cJSON_AddObjectToObject(section, name) : section;
    if (cJSON_GetObjectItem(section, "n_calibration") == NULL) {
        cJSON_AddNumberToObject(section, "n_calibration", (double)n_cal);
        cJSON_AddNumberToObject(section, "n_holdout", n_held);
    }
    cJSON_AddNumberToObject(o, "quantile", q);
    cJSON_AddNumberToObject(o, "coverage", covered);
    cJSON_AddNumberToObject(o, ctx->task == HERD_TASK_REGRESSION ? "interval_width" : "avg_set_size", size);
    return rc;
}

int herd_eval_conformal(herd_eval_ctx *ctx, cJSON *out, herd_error *err)
{
    cJSON *section = cJSON_AddObjectToObject(out, "conformal");
    cJSON_AddNumberToObject(section, "alpha", ctx->cfg->eval.conformal.alpha);
    cJSON_AddNumberToObject(section, "target_coverage", 1 - ctx->cfg->eval.conformal.alpha);
    int rc;
    if (ctx->task == HERD_TASK_REGRESSION)
        rc = one_score(ctx, section, 0, NULL, err);
    else {
        rc = one_score(ctx, section, HERD_CONFORMAL_LAC, "lac", err);
        if (rc == HERD_OK)
            rc = one_score(ctx, section, HERD_CONFORMAL_APS, "aps", err);
    }
    if (rc == HERD_OK) {
        ctx->recal.has_conformal = 1;
        ctx->recal.alpha = ctx->cfg->eval.conformal.alpha;
        ctx->recal.conformal_method = ctx->cfg->eval.conformal.method;
        ctx->recal_fitted = 1;
    }
    return rc;
}
