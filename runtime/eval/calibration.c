/* calibration.c - the "calibration" section: are the scores probabilities?
 *
 * The score of a row is p_1 for binary models (the outcome is y) and the
 * top-label confidence max_k p_k for multiclass (the outcome is "the top
 * label is right"). Rows are put in eval.calibration.bins bins: uniform bins
 * of equal width (bin b holds b/B <= s < (b+1)/B, s = 1 in the last), or
 * quantile bins whose edges are the percentiles of the gathered scores
 * (linear interpolation, as numpy.percentile), a score going to the bin
 * whose lower edge it reaches (scikit-learn's calibration_curve). Per bin:
 * count, mean score, mean outcome, merged by allreduce (integer counts and
 * fixed-point sums). ece = sum_b |B_b|/N |mean outcome - mean score|,
 * mce = max over non-empty bins.
 *
 * With eval.calibration.method, a recalibration map is fitted on the
 * calibration split (evaluate.h: calib) and judged on the held-out rows:
 * platt (logistic regression on logit p_1, Newton), isotonic (pool adjacent
 * violators on p_1) or temperature (softmax(log p / T), T by golden-section
 * search on the log loss). It is stored with the model for herd predict.
 */
#include "eval/evaluate.h"
#include "core/mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct reliability {
    int B;
    double *edges;           /* B + 1 */
    double *count, *score, *outcome;
    double ece, mce, n;
} reliability;

static double row_score(const herd_eval_ctx *ctx, const float *p)
{
    return ctx->task == HERD_TASK_BINARY ? p[1] : p[herd_eval_argmax(p, ctx->width)];
}

static double row_outcome(const herd_eval_ctx *ctx, const float *p, float y)
{
    return ctx->task == HERD_TASK_BINARY ? (y > 0.5) : (herd_eval_argmax(p, ctx->width) == (int)y);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentile edges of the scores of rows with keep (all when NULL). COLLECTIVE. */
static int quantile_edges(herd_eval_ctx *ctx, const float *prob, const uint8_t *keep, reliability *r,
                          herd_error *err)
{
    double *mine = herd_malloc((size_t)(ctx->n + 1) * sizeof(double)), *all = NULL;
    int64_t n_mine = 0, n_all = 0;
    for (int64_t i = 0; i < ctx->n; i++)
        if (keep == NULL || keep[i])
            mine[n_mine++] = row_score(ctx, prob + i * ctx->width);
    int rc = herd_eval_gather(ctx->comm, mine, n_mine, 1, &all, &n_all, err);
    if (rc == HERD_OK && n_all > 0) {
        qsort(all, (size_t)n_all, sizeof(double), cmp_double);
        for (int b = 0; b <= r->B; b++) {
            double pos = (double)b / r->B * (double)(n_all - 1);
            int64_t lo = (int64_t)floor(pos);
            int64_t hi = lo + 1 < n_all ? lo + 1 : lo;
            r->edges[b] = all[lo] + (pos - (double)lo) * (all[hi] - all[lo]);
        }
    }
    free(all);
    free(mine);
    return rc;
}

static int bin_of(const reliability *r, double s)
{
    int b = 0;  /* number of inner edges <= s (searchsorted side='right') */
    for (int j = 1; j < r->B; j++)
        b += r->edges[j] <= s;
    return b;
}

static int build_table(herd_eval_ctx *ctx, const float *prob, const uint8_t *keep, reliability *r,
                       herd_error *err)
{
    int B = r->B, rc = HERD_OK;
    herd_eval_fx *fx = herd_calloc((size_t)(3 * B), sizeof *fx);
    for (int b = 0; b <= B; b++)
        r->edges[b] = (double)b / B;
    if (ctx->cfg->eval.calibration.binning == HERD_BINNING_QUANTILE)
        rc = quantile_edges(ctx, prob, keep, r, err);
    for (int64_t i = 0; i < ctx->n && rc == HERD_OK; i++) {
        if (keep != NULL && !keep[i])
            continue;
        const float *p = prob + i * ctx->width;
        double s = row_score(ctx, p);
        int b = bin_of(r, s);
        herd_eval_fx_add(&fx[3 * b], 1);
        herd_eval_fx_add(&fx[3 * b + 1], s);
        herd_eval_fx_add(&fx[3 * b + 2], row_outcome(ctx, p, ctx->y[i]));
    }
    double *sums = herd_malloc((size_t)(3 * B) * sizeof(double));
    if (rc == HERD_OK)
        rc = herd_eval_fx_reduce(ctx->comm, fx, 3 * B, sums, err);
    r->n = r->ece = r->mce = 0;
    for (int b = 0; b < B && rc == HERD_OK; b++) {
        r->count[b] = sums[3 * b];
        r->score[b] = r->count[b] > 0 ? sums[3 * b + 1] / r->count[b] : NAN;
        r->outcome[b] = r->count[b] > 0 ? sums[3 * b + 2] / r->count[b] : NAN;
        r->n += r->count[b];
    }
    for (int b = 0; b < B && rc == HERD_OK; b++)
        if (r->count[b] > 0) {
            double gap = fabs(r->outcome[b] - r->score[b]);
            r->ece += r->count[b] / r->n * gap;
            r->mce = fmax(r->mce, gap);
        }
    free(sums);
    free(fx);
    return rc;
}

static void table_init(reliability *r, int B)
{
    r->B = B;
    r->edges = herd_calloc((size_t)B + 1, sizeof(double));
    r->count = herd_calloc((size_t)B, sizeof(double));
    r->score = herd_calloc((size_t)B, sizeof(double));
    r->outcome = herd_calloc((size_t)B, sizeof(double));
}

static void table_free(reliability *r)
{
    free(r->edges);
    free(r->count);
    free(r->score);
    free(r->outcome);
}

static cJSON *table_json(const reliability *r)
{
    cJSON *rows = cJSON_CreateArray();
    for (int b = 0; b < r->B; b++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "lower", r->edges[b]);
        cJSON_AddNumberToObject(o, "upper", r->edges[b + 1]);
        cJSON_AddNumberToObject(o, "count", r->count[b]);
        cJSON_AddNumberToObject(o, "mean_score", r->score[b]);
        cJSON_AddNumberToObject(o, "mean_outcome", r->outcome[b]);
        cJSON_AddItemToArray(rows, o);
    }
    return rows;
}

/* ece, mce, brier, log_loss of prob over rows with keep, into o. COLLECTIVE. */
static int judge(herd_eval_ctx *ctx, const float *prob, const uint8_t *keep, cJSON *o,
                 herd_error *err)
{
    reliability r = { 0 };
    table_init(&r, (int)ctx->cfg->eval.calibration.bins);
    int rc = build_table(ctx, prob, keep, &r, err);
    cJSON *m = rc == HERD_OK ? herd_eval_score(ctx, prob, keep, err) : NULL;
    if (m != NULL) {
        cJSON_AddNumberToObject(o, "ece", r.ece);
        cJSON_AddNumberToObject(o, "mce", r.mce);
        cJSON_AddNumberToObject(o, "brier", cJSON_GetObjectItem(m, "brier")->valuedouble);
        cJSON_AddNumberToObject(o, "log_loss", cJSON_GetObjectItem(m, "log_loss")->valuedouble);
        cJSON_AddNumberToObject(o, "rows", r.n);
        cJSON_AddItemToObject(o, "table", table_json(&r));
        cJSON_Delete(m);
    }
    table_free(&r);
    return m != NULL ? HERD_OK : (rc != HERD_OK ? rc : err->code);
}

/* ---- recalibration ---- */

static int recalibrate(herd_eval_ctx *ctx, cJSON *section, herd_error *err)
{
    static const char *const names[] = { "none", "platt", "isotonic", "temperature" };
    int method = ctx->cfg->eval.calibration.method;
    if (method != HERD_RECAL_TEMPERATURE && ctx->task != HERD_TASK_BINARY)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "eval.calibration.method: %s needs a binary model (use temperature)",
                              names[method]);
    uint8_t *held = herd_malloc((size_t)ctx->n + 1);
    float *fixed = herd_malloc((size_t)(ctx->n * ctx->width + 1) * sizeof(float));
    for (int64_t i = 0; i < ctx->n; i++)
        held[i] = !ctx->calib[i];
    int rc = herd_eval_fit_recal(ctx, method, &ctx->recal, err);
    cJSON *o = cJSON_AddObjectToObject(section, "recalibrated");
    cJSON *before = cJSON_AddObjectToObject(o, "before"), *after = cJSON_AddObjectToObject(o, "after");
    if (rc == HERD_OK) {
        ctx->recal_fitted = 1;
        cJSON_AddStringToObject(o, "method", names[method]);
        memcpy(fixed, ctx->prob, (size_t)(ctx->n * ctx->width) * sizeof(float));
        herd_recal_apply(&ctx->recal, fixed, ctx->n, ctx->width);
        rc = judge(ctx, ctx->prob, held, before, err);
    }
    if (rc == HERD_OK)
        rc = judge(ctx, fixed, held, after, err);
    if (rc == HERD_OK && method == HERD_RECAL_PLATT) {
        cJSON_AddNumberToObject(o, "platt_a", ctx->recal.platt_a);
        cJSON_AddNumberToObject(o, "platt_b", ctx->recal.platt_b);
    }
    if (rc == HERD_OK && method == HERD_RECAL_TEMPERATURE)
        cJSON_AddNumberToObject(o, "temperature", ctx->recal.temperature);
    if (rc == HERD_OK && method == HERD_RECAL_ISOTONIC)
        cJSON_AddNumberToObject(o, "isotonic_points", (double)ctx->recal.n_iso);
    free(fixed);
    free(held);
    return rc;
}

int herd_eval_calibration(herd_eval_ctx *ctx, cJSON *out, herd_error *err)
{
    cJSON *section = cJSON_AddObjectToObject(out, "calibration");
    cJSON_AddNumberToObject(section, "bins", (double)ctx->cfg->eval.calibration.bins);
    cJSON_AddStringToObject(section, "binning",
                            ctx->cfg->eval.calibration.binning == HERD_BINNING_QUANTILE ? "quantile" : "uniform");
    cJSON_AddStringToObject(section, "score", ctx->task == HERD_TASK_BINARY ? "p_1" : "top_label");
    int rc = judge(ctx, ctx->prob, NULL, section, err);
    if (rc == HERD_OK && ctx->cfg->eval.calibration.method != HERD_RECAL_NONE)
        rc = recalibrate(ctx, section, err);
    return rc;
}
