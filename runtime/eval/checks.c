/* checks.c - helpers for the slices, behavioural tests and gate sections. */
#include "eval/checks.h"

#include <math.h>
#include <string.h>

cJSON *herd_eval_key_json(const char *text, const char *key, int want, herd_error *err)
{
    cJSON *v = cJSON_Parse(text);
    if (v == NULL || (v->type & 0xff) != want) {
        cJSON_Delete(v);
        herd_error_set(err, HERD_ERR_USAGE, "%s: expected a %s", key,
                       want == cJSON_Array ? "list" : "mapping");
        return NULL;
    }
    return v;
}

int herd_eval_feature_index(const herd_eval_ctx *ctx, const char *name, const char *key,
                            herd_error *err)
{
    for (int64_t j = 0; name != NULL && j < ctx->info->cols; j++)
        if (strcmp(ctx->feature_names[j], name) == 0)
            return (int)j;
    herd_error_set(err, HERD_ERR_USAGE, "%s: no feature '%s' in %s", key,
                   name != NULL ? name : "(missing 'feature')", ctx->req->data);
    return -1;
}

double herd_eval_json_number(const cJSON *obj, const char *name, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

double herd_eval_normal_quantile(double p)
{
    double lo = -40, hi = 40;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (0.5 * erfc(-mid / sqrt(2.0)) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

void herd_eval_wilson(double k, double n, double confidence, double *lo, double *hi)
{
    if (n <= 0) {
        *lo = *hi = NAN;
        return;
    }
    double z = herd_eval_normal_quantile(1 - (1 - confidence) / 2), p = k / n;
    double denom = 1 + z * z / n, center = (p + z * z / (2 * n)) / denom;
    double half = z / denom * sqrt(p * (1 - p) / n + z * z / (4 * n * n));
    /* all or none of the n: the bound on that side is exact (rounding left
     * 0.9999999999999999 for some n, which flagged perfect slices as worse) */
    *lo = k <= 0 ? 0 : fmax(0, center - half);
    *hi = k >= n ? 1 : fmin(1, center + half);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int herd_eval_lower_is_better(const char *name)
{
    static const char *const lower[] = { "brier", "mse", "rmse", "mae", "mape", "ece", "mce",
                                         "aurc", "avg_set_size", "latency_ms_per_row",
                                         "parameters", "bytes", "error_rate", NULL };
    static const char *const lower_endings[] = { "loss", "error", "_ms", "_seconds", NULL };
    /* the last part of a metric's path: val/log_loss, eval/calibration/ece, slices.worst.mae */
    const char *leaf = name;
    for (const char *p = name; *p != '\0'; p++)
        if (*p == '/' || *p == '.')
            leaf = p + 1;
    for (int i = 0; lower[i] != NULL; i++)
        if (strcmp(leaf, lower[i]) == 0)
            return 1;
    for (int i = 0; lower_endings[i] != NULL; i++)
        if (ends_with(leaf, lower_endings[i]))
            return 1;
    return 0;
}
