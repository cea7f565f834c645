/* behaviour.c - the "tests" section: behavioural tests in the spirit of
 * CheckList (Ribeiro et al., 2020). Each changes the raw features of the
 * evaluated rows, predicts again (same preprocessing) and compares:
 *
 *   perturbation  Gaussian noise of level * std_j on every feature j (std_j
 *                 over the evaluated rows; missing values stay missing); the
 *                 metric at each level; passes when the metric at level `at`
 *                 (default the smallest) is at most max_drop worse than
 *                 without noise. The noise of row r, feature j is the same
 *                 standard normal at every level (seed, row, j), so the curve
 *                 is smooth and does not depend on the number of ranks.
 *   invariance    the feature set to each listed value; changed_fraction =
 *                 rows whose predicted label changes / (rows x values) and
 *                 the largest change of any class probability; passes when
 *                 changed_fraction <= tolerance (and max_score_change <=
 *                 max_score_change when given). Regression has no label: a
 *                 row changes when its prediction moves by more than
 *                 max_score_change (default 0), and passes when
 *                 changed_fraction <= tolerance.
 *   directional   the feature increased by delta; the score (probability of
 *                 `class`, default the last class; regression: the
 *                 prediction) must not move against `direction`;
 *                 violation_rate = such rows / rows with the feature present;
 *                 passes when violation_rate <= tolerance.
 * Counts merge by integer allreduce and maxima by max-allreduce, so results
 * are the same on any number of ranks.
 */
#include "eval/checks.h"
#include "core/mem.h"
#include "core/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { STREAM_NOISE = 201 };

/* Predictions of modified rows Xm (this rank's n rows) into out (n x width). */
static int predict(herd_eval_ctx *ctx, const float *Xm, float *out, herd_error *err)
{
    int rc = herd_predictor_predict_rows(ctx->predictor, Xm, ctx->n, ctx->row, ctx->info->cols,
                                         out, err);
    return herd_comm_agree(ctx->comm, err) == HERD_OK ? rc : err->code;
}

static float *copy_X(const herd_eval_ctx *ctx)
{
    size_t bytes = (size_t)(ctx->n * ctx->info->cols + 1) * sizeof(float);
    float *X = herd_alloc_aligned(bytes);
    memcpy(X, ctx->X, bytes - sizeof(float));
    return X;
}

/* ---- perturbation ---- */

static const char *default_metric(int task)
{
    return task == HERD_TASK_BINARY ? "roc_auc" : task == HERD_TASK_MULTICLASS ? "accuracy" : "rmse";
}

/* Standard deviation of each feature over every rank's present values. COLLECTIVE. */
static int feature_std(herd_eval_ctx *ctx, double *std, herd_error *err)
{
    int64_t d = ctx->info->cols;
    herd_eval_fx *fx = herd_calloc((size_t)(3 * d), sizeof *fx);
    double *s = herd_malloc((size_t)(3 * d) * sizeof *s);
    for (int64_t i = 0; i < ctx->n; i++)
        for (int64_t j = 0; j < d; j++) {
            double x = ctx->X[i * d + j];
            if (isnan(x))
                continue;
            herd_eval_fx_add(&fx[3 * j], x);
            herd_eval_fx_add(&fx[3 * j + 1], x * x);
            herd_eval_fx_add(&fx[3 * j + 2], 1);
        }
    int rc = herd_eval_fx_reduce(ctx->comm, fx, (int)(3 * d), s, err);
    for (int64_t j = 0; j < d && rc == HERD_OK; j++) {
        double n = s[3 * j + 2], mean = n > 0 ? s[3 * j] / n : 0;
        std[j] = n > 1 ? sqrt(fmax(s[3 * j + 1] / n - mean * mean, 0)) : 0;
    }
    free(s);
    free(fx);
    return rc;
}

static double metric_at(herd_eval_ctx *ctx, const float *X, double level, const double *std,
                        const char *metric, float *Xm, float *out, herd_error *err)
{
    int64_t d = ctx->info->cols;
    uint64_t seed = (uint64_t)ctx->cfg->seed;
    for (int64_t i = 0; i < ctx->n; i++)
        for (int64_t j = 0; j < d; j++) {
            uint64_t counter = (uint64_t)ctx->row[i] * (uint64_t)d + (uint64_t)j;
            Xm[i * d + j] = (float)(X[i * d + j] + level * std[j] * herd_rng_normal(seed, STREAM_NOISE, counter));
        }
    double v = NAN;
    cJSON *m = predict(ctx, Xm, out, err) == HERD_OK ? herd_eval_score(ctx, out, NULL, err) : NULL;
    if (m != NULL)
        v = herd_eval_json_number(m, metric, NAN);
    cJSON_Delete(m);
    return v;
}

/* 1 when v is one of the n levels: those listed, or def when levels is NULL. */
static int is_level(const cJSON *levels, const double *def, int n, double v)
{
    for (int k = 0; k < n; k++) {
        const cJSON *item = levels != NULL ? cJSON_GetArrayItem(levels, k) : NULL;
        if ((levels != NULL ? (cJSON_IsNumber(item) ? item->valuedouble : NAN) : def[k]) == v)
            return 1;
    }
    return 0;
}

static int perturbation(herd_eval_ctx *ctx, const cJSON *spec, cJSON *out, herd_error *err)
{
    const cJSON *levels = cJSON_GetObjectItem(spec, "levels");
    const char *metric = cJSON_GetStringValue(cJSON_GetObjectItem(spec, "metric"));
    metric = metric != NULL ? metric : default_metric(ctx->task);
    if (levels != NULL && (!cJSON_IsArray(levels) || cJSON_GetArraySize(levels) < 1))
        return herd_error_set(err, HERD_ERR_USAGE, "eval.tests.perturbation: levels must be a list of numbers");
    const cJSON *metrics = cJSON_GetObjectItem(ctx->result, "metrics");
    const cJSON *found = cJSON_GetObjectItemCaseSensitive(metrics, metric);
    double base = herd_eval_json_number(metrics, metric, NAN);
    if (isnan(base) && (cJSON_IsNumber(found) || cJSON_IsNull(found)))  /* null: undefined here */
        return herd_error_set(err, HERD_ERR_USAGE,
                              "eval.tests.perturbation: metric '%s' is undefined on this data (one class "
                              "only?); choose another with eval.tests.perturbation.metric", metric);
    if (isnan(base))
        return herd_error_set(err, HERD_ERR_USAGE, "eval.tests.perturbation: no metric '%s'", metric);
    static const double def[] = { 0.1, 0.25, 0.5, 1 };
    int n_levels = levels != NULL ? cJSON_GetArraySize(levels) : 4, lower = herd_eval_lower_is_better(metric);
    double at = herd_eval_json_number(spec, "at", NAN), max_drop = herd_eval_json_number(spec, "max_drop", 0.05);
    if (!isnan(at) && !is_level(levels, def, n_levels, at))
        return herd_error_set(err, HERD_ERR_USAGE,
                              "eval.tests.perturbation: at: %g is not one of the levels (the test is "
                              "decided by the drop at one of them)", at);
    double *std = herd_malloc((size_t)ctx->info->cols * sizeof(double)), drop_at = NAN;
    float *Xm = copy_X(ctx), *pred = herd_malloc((size_t)(ctx->n * ctx->width + 1) * sizeof(float));
    cJSON *o = cJSON_AddObjectToObject(out, "perturbation");
    cJSON_AddStringToObject(o, "metric", metric);
    cJSON_AddNumberToObject(o, "base", base);
    cJSON *rows = cJSON_AddArrayToObject(o, "levels");
    int rc = feature_std(ctx, std, err);
    for (int k = 0; k < n_levels && rc == HERD_OK; k++) {
        const cJSON *item = levels != NULL ? cJSON_GetArrayItem(levels, k) : NULL;
        double level = item != NULL ? item->valuedouble : def[k];
        if (levels != NULL && !cJSON_IsNumber(item))
            rc = herd_error_set(err, HERD_ERR_USAGE, "eval.tests.perturbation: levels must be numbers");
        double v = rc == HERD_OK ? metric_at(ctx, ctx->X, level, std, metric, Xm, pred, err) : NAN;
        rc = rc == HERD_OK ? herd_comm_agree(ctx->comm, err) == HERD_OK ? HERD_OK : err->code : rc;
        double drop = lower ? v - base : base - v;
        if (isnan(at))
            at = level;
        if (level == at)
            drop_at = drop;
        cJSON *row = cJSON_CreateObject();
        cJSON_AddNumberToObject(row, "level", level);
        cJSON_AddNumberToObject(row, "value", v);
        cJSON_AddNumberToObject(row, "drop", drop);
        cJSON_AddItemToArray(rows, row);
    }
    cJSON_AddNumberToObject(o, "at", at);
    cJSON_AddNumberToObject(o, "max_drop", max_drop);
    cJSON_AddNumberToObject(o, "drop_at", drop_at);
    cJSON_AddBoolToObject(o, "passed", !isnan(drop_at) && drop_at <= max_drop);
    free(pred);
    free(Xm);
    free(std);
    return rc;
}

/* ---- invariance ---- */

/* Changes between pred and the model's own predictions: *changed rows (whose
 * predicted label changes; regression: whose prediction moves by more than
 * moved_by) and the largest score change; merged over ranks. COLLECTIVE. */
static int compare(herd_eval_ctx *ctx, const float *pred, double moved_by, int64_t *changed,
                   double *max_change, herd_error *err)
{
    int W = ctx->width;
    *changed = 0;
    *max_change = 0;
    for (int64_t i = 0; i < ctx->n; i++) {
        double row_max = 0;
        for (int k = 0; k < W; k++)
            row_max = fmax(row_max, fabs((double)pred[i * W + k] - ctx->prob[i * W + k]));
        *max_change = fmax(*max_change, row_max);
        if (ctx->label != NULL ? herd_eval_argmax(pred + i * W, W) != ctx->label[i] : row_max > moved_by)
            (*changed)++;
    }
    int rc = herd_comm_allreduce_sum_i64(ctx->comm, changed, 1, err);
    return rc == HERD_OK ? herd_comm_allreduce_max_f64(ctx->comm, max_change, 1, err) : rc;
}

static int invariance_one(herd_eval_ctx *ctx, const cJSON *spec, cJSON *list, herd_error *err)
{
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(spec, "feature"));
    const cJSON *values = cJSON_GetObjectItem(spec, "values");
    int col = herd_eval_feature_index(ctx, name, "eval.tests.invariance", err);
    if (col < 0)
        return err->code;
    if (!cJSON_IsArray(values) || cJSON_GetArraySize(values) < 1)
        return herd_error_set(err, HERD_ERR_USAGE, "eval.tests.invariance: %s needs values: [v1, ...]", name);
    for (const cJSON *v = values->child; v != NULL; v = v->next)
        if (!cJSON_IsNumber(v) && !cJSON_IsNull(v)) {  /* yes/no would silently test "missing" */
            char *text = cJSON_PrintUnformatted(v);
            herd_error_set(err, HERD_ERR_USAGE, "eval.tests.invariance: the values of %s must be "
                           "numbers (null for missing), got %.100s", name, text);
            free(text);
            return err->code;
        }
    double tol = herd_eval_json_number(spec, "tolerance", 0.01);
    double max_allowed = herd_eval_json_number(spec, "max_score_change", INFINITY);
    float *Xm = copy_X(ctx), *pred = herd_malloc((size_t)(ctx->n * ctx->width + 1) * sizeof(float));
    cJSON *o = cJSON_CreateObject(), *per = cJSON_CreateArray();
    int64_t d = ctx->info->cols, total_changed = 0;
    double worst = 0;
    int rc = HERD_OK;
    for (const cJSON *v = values->child; v != NULL && rc == HERD_OK; v = v->next) {
        int64_t changed = 0;
        double max_change = 0;
        for (int64_t i = 0; i < ctx->n; i++)
            Xm[i * d + col] = cJSON_IsNumber(v) ? (float)v->valuedouble : NAN;
        rc = predict(ctx, Xm, pred, err);
        if (rc == HERD_OK)
            rc = compare(ctx, pred, isfinite(max_allowed) ? max_allowed : 0, &changed, &max_change, err);
        total_changed += changed;
        worst = fmax(worst, max_change);
        cJSON *row = cJSON_CreateObject();
        cJSON_AddNumberToObject(row, "value", cJSON_IsNumber(v) ? v->valuedouble : NAN);
        cJSON_AddNumberToObject(row, "changed_fraction", (double)changed / (double)ctx->n_total);
        cJSON_AddNumberToObject(row, "max_score_change", max_change);
        cJSON_AddItemToArray(per, row);
    }
    double fraction = (double)total_changed / ((double)ctx->n_total * cJSON_GetArraySize(values));
    cJSON_AddStringToObject(o, "feature", name);
    cJSON_AddNumberToObject(o, "rows", (double)ctx->n_total);
    cJSON_AddNumberToObject(o, "changed_fraction", fraction);
    cJSON_AddNumberToObject(o, "max_score_change", worst);
    cJSON_AddNumberToObject(o, "tolerance", tol);
    if (isfinite(max_allowed))
        cJSON_AddNumberToObject(o, "max_score_change_allowed", max_allowed);
    /* regression: max_score_change is what counts as a change, tolerance how often */
    cJSON_AddBoolToObject(o, "passed", fraction <= tol && (ctx->label == NULL || worst <= max_allowed));
    cJSON_AddItemToObject(o, "per_value", per);
    cJSON_AddItemToArray(list, o);
    free(pred);
    free(Xm);
    return rc;
}

/* ---- directional ---- */

static int directional_one(herd_eval_ctx *ctx, const cJSON *spec, cJSON *list, herd_error *err)
{
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(spec, "feature"));
    const char *dir = cJSON_GetStringValue(cJSON_GetObjectItem(spec, "direction"));
    int col = herd_eval_feature_index(ctx, name, "eval.tests.directional", err);
    if (col < 0)
        return err->code;
    if (dir != NULL && strcmp(dir, "increase") != 0 && strcmp(dir, "decrease") != 0)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "eval.tests.directional: direction must be increase or decrease, got '%s'", dir);
    int up = dir == NULL || strcmp(dir, "increase") == 0, W = ctx->width;
    int cls = (int)herd_eval_json_number(spec, "class", W - 1);
    if (cls < 0 || cls >= W)
        return herd_error_set(err, HERD_ERR_USAGE, "eval.tests.directional: class %d outside [0, %d)", cls, W);
    double delta = herd_eval_json_number(spec, "delta", 1), tol = herd_eval_json_number(spec, "tolerance", 0.05);
    int64_t d = ctx->info->cols, counts[2] = { 0, 0 };  /* rows tested, violations */
    herd_eval_fx change = { 0 };
    float *Xm = copy_X(ctx), *pred = herd_malloc((size_t)(ctx->n * W + 1) * sizeof(float));
    for (int64_t i = 0; i < ctx->n; i++)
        Xm[i * d + col] = (float)(ctx->X[i * d + col] + delta);
    int rc = predict(ctx, Xm, pred, err);
    for (int64_t i = 0; i < ctx->n && rc == HERD_OK; i++) {
        if (isnan(ctx->X[i * d + col]))
            continue;
        double moved = (double)pred[i * W + cls] - ctx->prob[i * W + cls];
        counts[0]++;
        counts[1] += up ? moved < 0 : moved > 0;
        herd_eval_fx_add(&change, moved);
    }
    double sum_change = 0;
    if (rc == HERD_OK)
        rc = herd_comm_allreduce_sum_i64(ctx->comm, counts, 2, err);
    if (rc == HERD_OK)
        rc = herd_eval_fx_reduce(ctx->comm, &change, 1, &sum_change, err);
    double rate = counts[0] > 0 ? (double)counts[1] / (double)counts[0] : 0;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "feature", name);
    cJSON_AddNumberToObject(o, "delta", delta);
    cJSON_AddStringToObject(o, "direction", up ? "increase" : "decrease");
    cJSON_AddNumberToObject(o, "class", cls);
    cJSON_AddNumberToObject(o, "rows", (double)counts[0]);
    cJSON_AddNumberToObject(o, "violations", (double)counts[1]);
    cJSON_AddNumberToObject(o, "violation_rate", rate);
    cJSON_AddNumberToObject(o, "mean_score_change", counts[0] > 0 ? sum_change / (double)counts[0] : 0);
    cJSON_AddNumberToObject(o, "tolerance", tol);
    cJSON_AddBoolToObject(o, "passed", rate <= tol);
    cJSON_AddItemToArray(list, o);
    free(pred);
    free(Xm);
    return rc;
}

/* ---- the section ---- */

typedef int (*one_test)(herd_eval_ctx *, const cJSON *, cJSON *, herd_error *);

static int run_list(herd_eval_ctx *ctx, const char *text, const char *key, const char *name,
                    one_test fn, cJSON *tests, herd_error *err)
{
    cJSON *specs = herd_eval_key_json(text, key, cJSON_Array, err);
    if (specs == NULL)
        return err->code;
    int rc = HERD_OK;
    if (cJSON_GetArraySize(specs) > 0) {
        cJSON *list = cJSON_AddArrayToObject(tests, name);
        for (const cJSON *s = specs->child; s != NULL && rc == HERD_OK; s = s->next)
            rc = cJSON_IsObject(s) ? fn(ctx, s, list, err)
                                   : herd_error_set(err, HERD_ERR_USAGE, "%s: each test must be a mapping", key);
    }
    cJSON_Delete(specs);
    return rc;
}

/* passed = every test in tests passed. */
static void summarise(cJSON *tests)
{
    int passed = 1, n = 0;
    for (const cJSON *t = tests->child; t != NULL; t = t->next) {
        const cJSON *one = cJSON_IsArray(t) ? t->child : t;
        for (; one != NULL; one = cJSON_IsArray(t) ? one->next : NULL, n++)
            passed &= cJSON_IsTrue(cJSON_GetObjectItem(one, "passed"));
    }
    cJSON_AddNumberToObject(tests, "count", n);
    cJSON_AddBoolToObject(tests, "passed", passed);
}

int herd_eval_tests(herd_eval_ctx *ctx, cJSON *out, herd_error *err)
{
    const herd_config *cfg = ctx->cfg;
    cJSON *tests = cJSON_AddObjectToObject(out, "tests");
    cJSON *pert = herd_eval_key_json(cfg->eval.tests.perturbation, "eval.tests.perturbation",
                                     cJSON_Object, err);
    int rc = pert != NULL ? HERD_OK : err->code;
    if (rc == HERD_OK && pert->child != NULL)
        rc = perturbation(ctx, pert, tests, err);
    cJSON_Delete(pert);
    if (rc == HERD_OK)
        rc = run_list(ctx, cfg->eval.tests.invariance, "eval.tests.invariance", "invariance",
                      invariance_one, tests, err);
    if (rc == HERD_OK)
        rc = run_list(ctx, cfg->eval.tests.directional, "eval.tests.directional", "directional",
                      directional_one, tests, err);
    if (rc == HERD_OK)
        summarise(tests);
    return rc;
}
