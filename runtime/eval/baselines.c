/* baselines.c - the "baselines" section: what the model must beat.
 *
 * Each baseline is a set of predictions for this rank's rows, scored with
 * the same code as the model (herd_eval_score):
 *   zero_rule   the most frequent class (one-hot), or the mean target
 *   stratified  a class drawn from the class frequencies, or a value from
 *               N(mean, std) of the target
 *   uniform     a class drawn uniformly, or a value uniform in [min, max]
 *   heuristic   eval.baselines.heuristic "feature OP value" (binary: class 1
 *               where the comparison holds on the raw feature)
 *   checkpoint  eval.baselines.checkpoint, another model with its own
 *               preprocessing
 * Frequencies, mean and range come from the evaluated rows' labels (merged by
 * allreduce), which flatters the random baselines slightly. Draws are a
 * function of (seed, row), so they do not depend on the number of ranks.
 * "model_beats" compares the model's primary metric with each baseline's.
 */
#include "eval/evaluate.h"
#include "core/mem.h"
#include "core/rng.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { STREAM_STRATIFIED = 101, STREAM_UNIFORM = 102 };

typedef struct label_stats {
    double *freq;          /* K class frequencies (classification) */
    double mean, std, lo, hi;
} label_stats;

static int label_statistics(herd_eval_ctx *ctx, label_stats *s, herd_error *err)
{
    int K = ctx->n_classes;
    s->freq = herd_calloc((size_t)K + 1, sizeof(double));
    int64_t *counts = herd_calloc((size_t)K + 1, sizeof(int64_t));
    herd_eval_fx fx[2] = { 0 };
    double sums[2], range[2] = { INFINITY, INFINITY };  /* min y, -max y */
    for (int64_t i = 0; i < ctx->n; i++) {
        double y = ctx->y[i];
        if (K > 0)
            counts[(int)y]++;
        herd_eval_fx_add(&fx[0], y);
        herd_eval_fx_add(&fx[1], y * y);
        range[0] = fmin(range[0], y);
        range[1] = fmin(range[1], -y);
    }
    int rc = herd_comm_allreduce_sum_i64(ctx->comm, counts, (size_t)K, err);
    if (rc == HERD_OK)
        rc = herd_eval_fx_reduce(ctx->comm, fx, 2, sums, err);
    if (rc == HERD_OK)
        rc = herd_comm_allreduce_min_f64(ctx->comm, range, 2, err);
    double n = (double)ctx->n_total;
    for (int k = 0; k < K; k++)
        s->freq[k] = (double)counts[k] / n;
    s->mean = sums[0] / n;
    s->std = sqrt(fmax(sums[1] / n - s->mean * s->mean, 0));
    s->lo = range[0];
    s->hi = -range[1];
    free(counts);
    return rc;
}

/* A class drawn from cumulative frequencies at u in [0, 1). */
static int draw_class(const double *freq, int K, double u)
{
    double cum = 0;
    for (int k = 0; k < K - 1; k++) {
        cum += freq[k];
        if (u < cum)
            return k;
    }
    return K - 1;
}

static void fill_random(herd_eval_ctx *ctx, const label_stats *s, int stratified, float *prob)
{
    int K = ctx->n_classes;
    uint64_t seed = (uint64_t)ctx->cfg->seed, stream = stratified ? STREAM_STRATIFIED : STREAM_UNIFORM;
    for (int64_t i = 0; i < ctx->n; i++) {
        uint64_t row = (uint64_t)ctx->row[i];
        if (K == 0) {
            prob[i] = stratified ? (float)(s->mean + s->std * herd_rng_normal(seed, stream, row))
                                 : (float)(s->lo + (s->hi - s->lo) * herd_rng_uniform(seed, stream, row));
            continue;
        }
        double u = herd_rng_uniform(seed, stream, row);
        int k = stratified ? draw_class(s->freq, K, u) : (int)fmin(floor(u * K), K - 1);
        for (int j = 0; j < K; j++)
            prob[i * K + j] = j == k;
    }
}

static void fill_zero_rule(herd_eval_ctx *ctx, const label_stats *s, float *prob)
{
    int K = ctx->n_classes, best = 0;
    for (int k = 1; k < K; k++)
        if (s->freq[k] > s->freq[best])
            best = k;
    for (int64_t i = 0; i < ctx->n; i++)
        for (int j = 0; j < (K ? K : 1); j++)
            prob[i * (K ? K : 1) + j] = K ? (float)(j == best) : (float)s->mean;
}

/* ---- heuristic rule: "feature OP value" ---- */

typedef struct rule {
    int col, op;           /* op: 0 >, 1 >=, 2 <, 3 <=, 4 ==, 5 != */
    double value;
} rule;

/* "feature OP number", read from the right end: the number after the last
 * operator character, the longest operator that ends there, and the rest
 * (without surrounding blanks) is the feature name, so a name may hold any
 * character, operators included ("a<b > 2" is a<b, >, 2). */
static int parse_rule(herd_eval_ctx *ctx, const char *text, rule *r, herd_error *err)
{
    static const char *const ops[] = { ">=", "<=", "==", "!=", ">", "<" };
    static const int codes[] = { 1, 3, 4, 5, 0, 2 };
    const char *num = text + strlen(text);
    char *stop;
    r->col = -1;
    while (num > text && strchr("<>=!", num[-1]) == NULL)
        num--;
    r->value = strtod(num, &stop);
    while (isspace((unsigned char)*stop))
        stop++;
    r->op = -1;
    size_t op_len = 0;
    for (int i = 0; i < 6 && r->op < 0; i++) {
        size_t len = strlen(ops[i]);
        if ((size_t)(num - text) >= len && strncmp(num - len, ops[i], len) == 0) {
            r->op = codes[i];
            op_len = len;
        }
    }
    const char *name = text, *name_end = num - op_len;
    while (name < name_end && isspace((unsigned char)*name))
        name++;
    while (name_end > name && isspace((unsigned char)name_end[-1]))
        name_end--;
    int name_len = (int)(name_end - name);
    if (r->op < 0 || name_len == 0 || stop == num || *stop != '\0' || !isfinite(r->value))
        return herd_error_set(err, HERD_ERR_USAGE,
                              "eval.baselines.heuristic: '%s' is not `feature OP number` "
                              "(OP one of > >= < <= == !=)", text);
    for (int64_t j = 0; j < ctx->info->cols; j++)
        if (strlen(ctx->feature_names[j]) == (size_t)name_len &&
            strncmp(ctx->feature_names[j], name, (size_t)name_len) == 0)
            r->col = (int)j;
    if (r->col < 0)
        return herd_error_set(err, HERD_ERR_USAGE, "eval.baselines.heuristic: no feature '%.*s' in %s",
                              name_len, name, ctx->req->data);
    return HERD_OK;
}

static int rule_holds(const rule *r, double x)
{
    switch (r->op) {
    case 0: return x > r->value;
    case 1: return x >= r->value;
    case 2: return x < r->value;
    case 3: return x <= r->value;
    case 4: return x == r->value;
    default: return x != r->value && !isnan(x);
    }
}

static int fill_heuristic(herd_eval_ctx *ctx, float *prob, herd_error *err)
{
    rule r;
    if (ctx->task != HERD_TASK_BINARY)
        return herd_error_set(err, HERD_ERR_USAGE, "eval.baselines.heuristic needs a binary model");
    int rc = parse_rule(ctx, ctx->cfg->eval.baselines.heuristic, &r, err);
    for (int64_t i = 0; i < ctx->n && rc == HERD_OK; i++) {
        int hit = rule_holds(&r, ctx->X[i * ctx->info->cols + r.col]);
        prob[2 * i] = (float)!hit;
        prob[2 * i + 1] = (float)hit;
    }
    return rc;
}

static int fill_checkpoint(herd_eval_ctx *ctx, float *prob, herd_error *err)
{
    herd_checkpoint *ck = NULL;
    herd_model *model = NULL;
    const char *path = ctx->cfg->eval.baselines.checkpoint;
    int rc = herd_checkpoint_read(path, &ck, err);
    if (rc == HERD_OK && (ck->spec.n_in != ctx->ck->spec.n_in || ck->spec.task != ctx->task ||
                          (ctx->task != HERD_TASK_REGRESSION && ck->spec.n_classes != ctx->n_classes)))
        rc = herd_error_set(err, HERD_ERR_USAGE,
                            "eval.baselines.checkpoint: %s does not take the same inputs and task", path);
    if (rc == HERD_OK)
        rc = herd_model_create(&ck->spec, HERD_EVAL_CHUNK, 0, &model, err);
    if (rc == HERD_OK)
        rc = herd_checkpoint_restore_model(ck, model, err);
    if (rc == HERD_OK)
        rc = herd_eval_predict_rows(model, ck->pp, ctx->X, ctx->n, ctx->row, ctx->info->cols,
                                    ctx->width, prob, err);
    herd_model_free(model);
    herd_checkpoint_free(ck);
    return rc;
}

/* ---- the section ---- */

static const char *primary_metric(int task)
{
    return task == HERD_TASK_BINARY ? "roc_auc" : task == HERD_TASK_MULTICLASS ? "balanced_accuracy" : "mse";
}

static int add_baseline(herd_eval_ctx *ctx, cJSON *section, const char *name, const float *prob,
                        herd_error *err)
{
    cJSON *m = herd_eval_score(ctx, prob, NULL, err);
    if (m == NULL)
        return err->code;
    cJSON_AddItemToObject(section, name, m);
    const char *key = primary_metric(ctx->task);
    double model = cJSON_GetObjectItem(cJSON_GetObjectItem(ctx->result, "metrics"), key)->valuedouble;
    double base = cJSON_GetObjectItem(m, key)->valuedouble;
    cJSON *beats = cJSON_GetObjectItem(section, "model_beats");
    if (isnan(model)) {        /* undefined on this data (one class, say): no comparison */
        cJSON_AddNullToObject(beats, name);
        return HERD_OK;
    }
    int better = ctx->task == HERD_TASK_REGRESSION ? model < base : model > base || isnan(base);
    cJSON_AddBoolToObject(beats, name, better);
    return HERD_OK;
}

int herd_eval_baselines(herd_eval_ctx *ctx, cJSON *out, herd_error *err)
{
    label_stats s = { 0 };
    float *prob = herd_malloc((size_t)(ctx->n * ctx->width + 1) * sizeof(float));
    cJSON *section = cJSON_AddObjectToObject(out, "baselines");
    cJSON_AddStringToObject(section, "primary_metric", primary_metric(ctx->task));
    cJSON_AddObjectToObject(section, "model_beats");
    int rc = label_statistics(ctx, &s, err);
    if (rc == HERD_OK) {
        fill_zero_rule(ctx, &s, prob);
        rc = add_baseline(ctx, section, "zero_rule", prob, err);
    }
    for (int stratified = 1; stratified >= 0 && rc == HERD_OK; stratified--) {
        fill_random(ctx, &s, stratified, prob);
        rc = add_baseline(ctx, section, stratified ? "stratified" : "uniform", prob, err);
    }
    if (rc == HERD_OK && ctx->cfg->eval.baselines.heuristic[0] != '\0') {
        rc = fill_heuristic(ctx, prob, err);
        rc = herd_comm_agree(ctx->comm, err) == HERD_OK ? add_baseline(ctx, section, "heuristic", prob, err) : err->code;
        if (rc == HERD_OK)
            cJSON_AddStringToObject(cJSON_GetObjectItem(section, "heuristic"), "rule",
                                    ctx->cfg->eval.baselines.heuristic);
    }
    if (rc == HERD_OK && ctx->cfg->eval.baselines.checkpoint[0] != '\0') {
        rc = fill_checkpoint(ctx, prob, err);
        rc = herd_comm_agree(ctx->comm, err) == HERD_OK ? add_baseline(ctx, section, "checkpoint", prob, err) : err->code;
        if (rc == HERD_OK)
            cJSON_AddStringToObject(cJSON_GetObjectItem(section, "checkpoint"), "path",
                                    ctx->cfg->eval.baselines.checkpoint);
    }
    free(prob);
    free(s.freq);
    return rc;
}
