/* slices.c - the "slices" section: the model's metrics on parts of the data.
 *
 * Each entry of eval.slices cuts the evaluated rows into slices:
 *   {feature: F, bins: [e0, e1, ..., em]}  F < e0, [e0, e1), ..., [e(m-1), em]
 *                                          (last bin closed), F > em, F missing
 *   {feature: F}                           one slice per distinct value of F
 *   {column: C}                            one slice per value of /columns/C
 * (distinct values: at most MAX_SLOTS, gathered from every rank and sorted,
 * so the slices do not depend on the number of ranks). Empty slices are left
 * out. Each slice is scored with herd_eval_score (the same metric object as
 * "metrics") and gets confidence intervals at eval.slice_confidence:
 *   accuracy, recall, precision   Wilson score interval (they are proportions)
 *   roc_auc                       normal approximation with the Hanley-McNeil
 *                                 (1982) standard error
 *   mae, mse (regression)         normal approximation: mean +- z sd / sqrt(n)
 * A slice of at least eval.slice_min_rows rows is flagged when an interval
 * lies entirely on the worse side of the overall value ("worse_on" lists
 * which): significantly worse than overall at that level.
 */
#include "eval/checks.h"
#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SLOTS 64

typedef struct slicer {
    char what[HERD_NAME_MAX + 16];   /* "age" or "column group", for names */
    const char *kind;                /* "feature" or "column" */
    double edges[MAX_SLOTS];         /* bins, or the distinct values */
    int n_edges, binned;
    double *value;                   /* this rank's rows: the sliced value (NaN = missing) */
} slicer;

/* Slot of value v: binned: 0 below, 1..m-1 bins, m above; values: index.
 * The last slot (n_slots - 1) is "missing". */
static int n_slots(const slicer *s) { return (s->binned ? s->n_edges + 1 : s->n_edges) + 1; }

static int slot_of(const slicer *s, double v)
{
    int m = s->n_edges;
    if (isnan(v))
        return n_slots(s) - 1;
    if (!s->binned) {
        for (int k = 0; k < m; k++)
            if (s->edges[k] == v)
                return k;
        return n_slots(s) - 1;
    }
    if (v < s->edges[0])
        return 0;
    if (v > s->edges[m - 1])
        return m;
    for (int k = 1; k < m; k++)
        if (v < s->edges[k])
            return k;
    return m - 1;  /* v == last edge: the last bin is closed */
}

static void slot_name(const slicer *s, int k, char *out, size_t cap)
{
    int m = s->n_edges;
    if (k == n_slots(s) - 1)
        snprintf(out, cap, "%s missing", s->what);
    else if (!s->binned)
        snprintf(out, cap, "%s = %g", s->what, s->edges[k]);
    else if (k == 0)
        snprintf(out, cap, "%s < %g", s->what, s->edges[0]);
    else if (k == m)
        snprintf(out, cap, "%s > %g", s->what, s->edges[m - 1]);
    else
        snprintf(out, cap, "%s in [%g, %g%c", s->what, s->edges[k - 1], s->edges[k],
                 k == m - 1 ? ']' : ')');
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The distinct non-missing values over all ranks, sorted. COLLECTIVE. */
static int distinct_values(herd_eval_ctx *ctx, slicer *s, herd_error *err)
{
    double mine[MAX_SLOTS + 1], *all = NULL;
    int64_t n_mine = 0, n_all = 0;
    for (int64_t i = 0; i < ctx->n && n_mine <= MAX_SLOTS; i++) {
        double v = s->value[i];
        int seen = isnan(v);
        for (int64_t k = 0; k < n_mine && !seen; k++)
            seen = mine[k] == v;
        if (!seen)
            mine[n_mine++] = v;
    }
    int rc = herd_eval_gather(ctx->comm, mine, n_mine, 1, &all, &n_all, err);
    if (rc == HERD_OK)
        qsort(all, (size_t)n_all, sizeof *all, by_value);
    s->n_edges = 0;
    for (int64_t k = 0; k < n_all && rc == HERD_OK; k++) {
        if (s->n_edges > 0 && s->edges[s->n_edges - 1] == all[k])
            continue;
        if (s->n_edges == MAX_SLOTS)
            rc = herd_error_set(err, HERD_ERR_USAGE,
                                "eval.slices: %s has more than %d distinct values; give bins",
                                s->what, MAX_SLOTS);
        else
            s->edges[s->n_edges++] = all[k];
    }
    free(all);
    return rc;
}

static int read_bins(const cJSON *bins, slicer *s, herd_error *err)
{
    int m = cJSON_GetArraySize(bins);
    if (!cJSON_IsArray(bins) || m < 2 || m > MAX_SLOTS - 2)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "eval.slices: bins of %s must be a list of 2 to %d numbers", s->what,
                              MAX_SLOTS - 2);
    for (int k = 0; k < m; k++) {
        const cJSON *e = cJSON_GetArrayItem(bins, k);
        if (!cJSON_IsNumber(e) || (k > 0 && e->valuedouble <= s->edges[k - 1]))
            return herd_error_set(err, HERD_ERR_USAGE,
                                  "eval.slices: bins of %s must be increasing numbers", s->what);
        s->edges[k] = e->valuedouble;
    }
    s->n_edges = m;
    s->binned = 1;
    return HERD_OK;
}

/* Fill s->value from a feature or a /columns array. Not collective. */
static int read_values(herd_eval_ctx *ctx, const cJSON *spec, slicer *s, herd_error *err)
{
    const char *feature = cJSON_GetStringValue(cJSON_GetObjectItem(spec, "feature"));
    const char *column = cJSON_GetStringValue(cJSON_GetObjectItem(spec, "column"));
    if ((feature == NULL) == (column == NULL))
        return herd_error_set(err, HERD_ERR_USAGE,
                              "eval.slices: each entry needs one of feature: NAME or column: NAME");
    snprintf(s->what, sizeof s->what, "%.*s", HERD_NAME_MAX, feature != NULL ? feature : column);
    s->kind = feature != NULL ? "feature" : "column";
    s->value = herd_malloc((size_t)(ctx->n + 1) * sizeof(double));
    if (feature != NULL) {
        int col = herd_eval_feature_index(ctx, feature, "eval.slices", err);
        for (int64_t i = 0; i < ctx->n && col >= 0; i++)
            s->value[i] = ctx->X[i * ctx->info->cols + col];
        return col >= 0 ? HERD_OK : err->code;
    }
    int32_t *v = herd_malloc((size_t)(ctx->n + 1) * sizeof(int32_t));
    int rc = herd_eval_read_column(ctx, column, v, err);
    for (int64_t i = 0; i < ctx->n && rc == HERD_OK; i++)
        s->value[i] = v[i];
    free(v);
    return rc;
}

/* ---- intervals ---- */

static void add_interval(cJSON *ci, const char *metric, double lo, double hi, const char *method)
{
    if (isnan(lo) || isnan(hi))
        return;
    cJSON *o = cJSON_AddObjectToObject(ci, metric);
    cJSON_AddNumberToObject(o, "low", lo);
    cJSON_AddNumberToObject(o, "high", hi);
    cJSON_AddStringToObject(o, "method", method);
}

static double cm_at(const cJSON *m, int r, int c)
{
    return cJSON_GetArrayItem(cJSON_GetArrayItem(cJSON_GetObjectItem(m, "confusion_matrix"), r), c)
        ->valuedouble;
}

/* Hanley & McNeil (1982) standard error of an AUC from n1 positives, n0 negatives. */
static double auc_se(double a, double n1, double n0)
{
    double q1 = a / (2 - a), q2 = 2 * a * a / (1 + a);
    double v = (a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / (n1 * n0);
    return sqrt(fmax(v, 0));
}

static void classifier_intervals(herd_eval_ctx *ctx, const cJSON *m, cJSON *ci)
{
    double c = ctx->cfg->eval.slice_confidence, lo, hi, n = herd_eval_json_number(m, "rows", 0);
    double correct = 0;
    for (int k = 0; k < ctx->n_classes; k++)
        correct += cm_at(m, k, k);
    herd_eval_wilson(correct, n, c, &lo, &hi);
    add_interval(ci, "accuracy", lo, hi, "wilson");
    if (ctx->task != HERD_TASK_BINARY)
        return;
    double tp = cm_at(m, 1, 1), pos = tp + cm_at(m, 1, 0), pred = tp + cm_at(m, 0, 1);
    herd_eval_wilson(tp, pos, c, &lo, &hi);
    add_interval(ci, "recall", lo, hi, "wilson");
    herd_eval_wilson(tp, pred, c, &lo, &hi);
    add_interval(ci, "precision", lo, hi, "wilson");
    double auc = herd_eval_json_number(m, "roc_auc", NAN), z = herd_eval_normal_quantile(1 - (1 - c) / 2);
    if (!isnan(auc) && pos > 0 && n - pos > 0) {
        double se = auc_se(auc, pos, n - pos);
        add_interval(ci, "roc_auc", fmax(0, auc - z * se), fmin(1, auc + z * se), "hanley_mcneil");
    }
}

/* Regression: mae and mse +- z sd / sqrt(n) from fixed-point sums. COLLECTIVE. */
static int regression_intervals(herd_eval_ctx *ctx, const uint8_t *keep, cJSON *ci, herd_error *err)
{
    herd_eval_fx fx[4] = { 0 };
    double s[4];
    for (int64_t i = 0; i < ctx->n; i++) {
        if (!keep[i])
            continue;
        double e = (double)ctx->prob[i] - ctx->y[i];
        herd_eval_fx_add(&fx[0], fabs(e));
        herd_eval_fx_add(&fx[1], e * e);
        herd_eval_fx_add(&fx[2], e * e * e * e);
        herd_eval_fx_add(&fx[3], 1);
    }
    int rc = herd_eval_fx_reduce(ctx->comm, fx, 4, s, err);
    double n = s[3], c = ctx->cfg->eval.slice_confidence;
    double z = herd_eval_normal_quantile(1 - (1 - c) / 2);
    if (rc == HERD_OK && n > 1) {
        double mae = s[0] / n, mse = s[1] / n;
        double sd_abs = sqrt(fmax(s[1] / n - mae * mae, 0)), sd_sq = sqrt(fmax(s[2] / n - mse * mse, 0));
        add_interval(ci, "mae", mae - z * sd_abs / sqrt(n), mae + z * sd_abs / sqrt(n), "normal");
        add_interval(ci, "mse", mse - z * sd_sq / sqrt(n), mse + z * sd_sq / sqrt(n), "normal");
    }
    return rc;
}

/* Flag the slice when an interval is entirely worse than the overall value. */
static void flag(herd_eval_ctx *ctx, cJSON *slice, const cJSON *ci, double n)
{
    const cJSON *overall = cJSON_GetObjectItem(ctx->result, "metrics");
    cJSON *worse = cJSON_CreateArray();
    for (const cJSON *c = ci->child; c != NULL; c = c->next) {
        double v = herd_eval_json_number(overall, c->string, NAN);
        int lower = herd_eval_lower_is_better(c->string);
        double lo = herd_eval_json_number(c, "low", NAN), hi = herd_eval_json_number(c, "high", NAN);
        if (!isnan(v) && (lower ? lo > v : hi < v))
            cJSON_AddItemToArray(worse, cJSON_CreateString(c->string));
    }
    int flagged = n >= (double)ctx->cfg->eval.slice_min_rows && cJSON_GetArraySize(worse) > 0;
    cJSON_AddBoolToObject(slice, "flagged", flagged);
    cJSON_AddItemToObject(slice, "worse_on", worse);
}

/* ---- the section ---- */

static int score_slot(herd_eval_ctx *ctx, const slicer *s, int k, int64_t count, uint8_t *keep,
                      cJSON *list, herd_error *err)
{
    char name[2 * HERD_NAME_MAX];
    for (int64_t i = 0; i < ctx->n; i++)
        keep[i] = slot_of(s, s->value[i]) == k;
    cJSON *m = herd_eval_score(ctx, ctx->prob, keep, err);
    if (m == NULL)
        return err->code;
    cJSON *slice = cJSON_CreateObject();
    slot_name(s, k, name, sizeof name);
    cJSON_AddStringToObject(slice, "name", name);
    cJSON_AddStringToObject(slice, s->kind, s->what);
    cJSON_AddNumberToObject(slice, "n", (double)count);
    cJSON_AddItemToObject(slice, "metrics", m);
    cJSON *ci = cJSON_AddObjectToObject(slice, "ci");
    int rc = HERD_OK;
    if (ctx->task == HERD_TASK_REGRESSION)
        rc = regression_intervals(ctx, keep, ci, err);
    else
        classifier_intervals(ctx, m, ci);
    flag(ctx, slice, ci, (double)count);
    cJSON_AddItemToArray(list, slice);
    return rc;
}

static int run_slicer(herd_eval_ctx *ctx, const cJSON *spec, cJSON *list, herd_error *err)
{
    slicer s = { 0 };
    int rc = read_values(ctx, spec, &s, err);
    rc = herd_comm_agree(ctx->comm, err) == HERD_OK ? HERD_OK : err->code;
    const cJSON *bins = cJSON_GetObjectItem(spec, "bins");
    if (rc == HERD_OK)
        rc = bins != NULL ? read_bins(bins, &s, err) : distinct_values(ctx, &s, err);
    int slots = n_slots(&s);
    int64_t *count = herd_calloc((size_t)slots + 1, sizeof(int64_t));
    uint8_t *keep = herd_malloc((size_t)ctx->n + 1);
    for (int64_t i = 0; i < ctx->n && rc == HERD_OK; i++)
        count[slot_of(&s, s.value[i])]++;
    if (rc == HERD_OK)
        rc = herd_comm_allreduce_sum_i64(ctx->comm, count, (size_t)slots, err);
    for (int k = 0; k < slots && rc == HERD_OK; k++)
        if (count[k] > 0)
            rc = score_slot(ctx, &s, k, count[k], keep, list, err);
    free(keep);
    free(count);
    free(s.value);
    return rc;
}

int herd_eval_slices(herd_eval_ctx *ctx, cJSON *out, herd_error *err)
{
    cJSON *specs = herd_eval_key_json(ctx->cfg->eval.slices, "eval.slices", cJSON_Array, err);
    if (specs == NULL)
        return err->code;
    cJSON *list = cJSON_AddArrayToObject(out, "slices");
    int rc = HERD_OK;
    for (const cJSON *spec = specs->child; spec != NULL && rc == HERD_OK; spec = spec->next)
        rc = cJSON_IsObject(spec) ? run_slicer(ctx, spec, list, err)
                                  : herd_error_set(err, HERD_ERR_USAGE,
                                                   "eval.slices: each entry must be a mapping");
    cJSON_Delete(specs);
    return rc;
}
