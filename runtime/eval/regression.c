/* regression.c - regression metrics: mse, rmse, mae, r2, mape.
 *
 * Sums are fixed-point allreduces (reduce.c), so every rank count gives the
 * same bits. r2 takes two passes (the mean of y first, then the sum of
 * squares around it) instead of sum(y^2) - n*mean^2, which cancels badly.
 * Definitions follow scikit-learn: mape divides by max(|y|, 2^-52); r2 of a
 * constant target is 1 when the predictions are exact and 0 otherwise.
 */
#include "eval/evaluate.h"

#include <float.h>
#include <math.h>

static int around_mean(herd_eval_ctx *ctx, const uint8_t *keep, double mean, double *sst,
                       herd_error *err)
{
    herd_eval_fx fx = { 0 };
    for (int64_t i = 0; i < ctx->n; i++)
        if (keep == NULL || keep[i])
            herd_eval_fx_add(&fx, ((double)ctx->y[i] - mean) * ((double)ctx->y[i] - mean));
    return herd_eval_fx_reduce(ctx->comm, &fx, 1, sst, err);
}

cJSON *herd_eval_score_regression(herd_eval_ctx *ctx, const float *pred, const uint8_t *keep,
                                  herd_error *err)
{
    enum { ROWS, SSE, SAE, SUM_Y, APE, N_SUMS };
    herd_eval_fx fx[N_SUMS] = { 0 };
    double s[N_SUMS], sst = 0;
    for (int64_t i = 0; i < ctx->n; i++) {
        if (keep != NULL && !keep[i])
            continue;
        double y = ctx->y[i], e = (double)pred[i] - y;
        herd_eval_fx_add(&fx[ROWS], 1);
        herd_eval_fx_add(&fx[SSE], e * e);
        herd_eval_fx_add(&fx[SAE], fabs(e));
        herd_eval_fx_add(&fx[SUM_Y], y);
        herd_eval_fx_add(&fx[APE], fabs(e) / fmax(fabs(y), DBL_EPSILON));
    }
    int rc = herd_eval_fx_reduce(ctx->comm, fx, N_SUMS, s, err);
    double n = s[ROWS] > 0 ? s[ROWS] : NAN;
    if (rc == HERD_OK)
        rc = around_mean(ctx, keep, s[SUM_Y] / n, &sst, err);
    if (rc != HERD_OK)
        return NULL;
    cJSON *m = cJSON_CreateObject();
    double mse = s[SSE] / n;
    cJSON_AddNumberToObject(m, "rows", s[ROWS]);
    cJSON_AddNumberToObject(m, "mse", mse);
    cJSON_AddNumberToObject(m, "rmse", sqrt(mse));
    cJSON_AddNumberToObject(m, "mae", s[SAE] / n);
    cJSON_AddNumberToObject(m, "r2", sst > 0 ? 1 - s[SSE] / sst : (s[SSE] == 0 ? 1 : 0));
    cJSON_AddNumberToObject(m, "mape", s[APE] / n);
    return m;
}
