/* checks.c - helpers for the slices, behavioural tests and gate sections,
 * and the checks of the eval.* keys against the data: before the sections
 * run (herd_eval_check_options), and before training starts when the config
 * has an eval: section (herd_eval_check_config), so a misspelt key does not
 * fail a run after its training. */
#include "eval/checks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

/* HERD_OK when every member of the mapping entry is named in allowed
 * (NULL-terminated); else HERD_ERR_USAGE naming key, the member and the
 * keys allowed. */
static int check_keys(const cJSON *entry, const char *key, const char *const *allowed,
                      herd_error *err)
{
    for (const cJSON *c = entry->child; c != NULL; c = c->next) {
        int known = 0;
        for (int i = 0; allowed[i] != NULL && !known; i++)
            known = strcmp(c->string, allowed[i]) == 0;
        if (known)
            continue;
        char names[256] = "";
        for (int i = 0; allowed[i] != NULL; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i > 0 ? ", " : "",
                     allowed[i]);
        return herd_error_set(err, HERD_ERR_USAGE, "%s: unknown key '%.100s' (the keys are %s)", key,
                              c->string, names);
    }
    return HERD_OK;
}

/* ---- keys of sections that do not run for the model's task ---- */

typedef struct unused_key {
    const char *prefix;    /* a key, or keys under a section ("eval.threshold.") */
    const char *why;
} unused_key;

typedef struct key_search {
    const unused_key *unused;   /* ends with { NULL } */
    herd_config *defaults;
    const char *key, *value;    /* the key being compared with its default */
    const unused_key *found;    /* the first unused key set, or NULL */
    char found_key[128];
} key_search;

static void differs_from_default(const char *key, const char *value, void *arg)
{
    key_search *s = arg;
    if (strcmp(key, s->key) == 0 && strcmp(value, s->value) != 0)
        snprintf(s->found_key, sizeof s->found_key, "%s", key);
}

static void check_unused(const char *key, const char *value, void *arg)
{
    key_search *s = arg;
    for (const unused_key *u = s->unused; u->prefix != NULL && s->found == NULL; u++) {
        if (strncmp(key, u->prefix, strlen(u->prefix)) != 0)
            continue;
        s->key = key;
        s->value = value;
        herd_config_each(s->defaults, differs_from_default, s);
        if (s->found_key[0] != '\0')
            s->found = u;
    }
}

static int check_task_keys(const herd_eval_ctx *ctx, herd_error *err)
{
    static const unused_key multiclass[] = {
        { "eval.threshold.", "the threshold trade-offs are for binary models" },
        { NULL, NULL },
    };
    static const unused_key regression[] = {
        { "eval.threshold.", "the threshold trade-offs are for binary models" },
        { "eval.calibration.", "calibration and recalibration are for classifiers" },
        { "eval.selective.", "selective prediction is for classifiers" },
        { "eval.conformal.method", "a regression model's conformal prediction is an interval "
                                   "(lac and aps are sets of classes)" },
        { NULL, NULL },
    };
    if (ctx->task == HERD_TASK_BINARY)
        return HERD_OK;
    key_search s = { .unused = ctx->task == HERD_TASK_REGRESSION ? regression : multiclass,
                     .defaults = herd_config_defaults() };
    herd_config_each(ctx->cfg, check_unused, &s);
    herd_config_free(s.defaults);
    if (s.found == NULL)
        return HERD_OK;
    return herd_error_set(err, HERD_ERR_USAGE, "%s: %s, and the model is a %s model (leave the key "
                          "at its default)", s.found_key, s.found->why, herd_task_name(ctx->task));
}

/* ---- the entries of eval.slices and eval.tests.* ---- */

/* The keys each entry of the list (or the one mapping) `key` takes, and the
 * features they name. Entries that are not mappings are left to the section. */
static int check_entries(const herd_eval_ctx *ctx, const char *text, const char *key, int want,
                         const char *const *allowed, herd_error *err)
{
    cJSON *v = herd_eval_key_json(text, key, want, err);
    if (v == NULL)
        return err->code;
    int rc = HERD_OK;
    const cJSON *e = want == cJSON_Array ? v->child : v;
    for (; e != NULL && rc == HERD_OK; e = want == cJSON_Array ? e->next : NULL) {
        if (!cJSON_IsObject(e))
            continue;
        rc = check_keys(e, key, allowed, err);
        const char *feature = cJSON_GetStringValue(cJSON_GetObjectItem(e, "feature"));
        if (rc == HERD_OK && feature != NULL && herd_eval_feature_index(ctx, feature, key, err) < 0)
            rc = err->code;
    }
    cJSON_Delete(v);
    return rc;
}

int herd_eval_check_options(const herd_eval_ctx *ctx, herd_error *err)
{
    static const char *const slice[] = { "feature", "column", "bins", NULL };
    static const char *const perturbation[] = { "levels", "metric", "at", "max_drop", NULL };
    static const char *const invariance[] = { "feature", "values", "tolerance", "max_score_change", NULL };
    static const char *const directional[] = { "feature", "delta", "direction", "tolerance", "class", NULL };
    const herd_config *cfg = ctx->cfg;
    int rc = check_task_keys(ctx, err);
    if (rc == HERD_OK)
        rc = check_entries(ctx, cfg->eval.slices, "eval.slices", cJSON_Array, slice, err);
    if (rc == HERD_OK)
        rc = check_entries(ctx, cfg->eval.tests.perturbation, "eval.tests.perturbation", cJSON_Object,
                           perturbation, err);
    if (rc == HERD_OK)
        rc = check_entries(ctx, cfg->eval.tests.invariance, "eval.tests.invariance", cJSON_Array,
                           invariance, err);
    if (rc == HERD_OK)
        rc = check_entries(ctx, cfg->eval.tests.directional, "eval.tests.directional", cJSON_Array,
                           directional, err);
    return rc;
}

/* Rank 0 checks the options against the file the evaluation will read. */
static int check_config_on(const herd_config *cfg, const char *path, herd_error *err)
{
    herd_dataset *ds = NULL;
    char **names = NULL;
    herd_eval_request req = { .data = path, .cfg = cfg };
    herd_eval_ctx ctx = { .req = &req, .cfg = cfg };
    int rc = herd_dataset_open(path, &ds, err);
    if (rc == HERD_OK) {
        ctx.info = herd_dataset_get_info(ds);
        ctx.task = ctx.info->task;
        rc = herd_dataset_feature_names(ds, &names, err);
    }
    ctx.feature_names = names;
    if (rc == HERD_OK)
        rc = herd_eval_check_options(&ctx, err);
    for (int64_t j = 0; names != NULL && j < ctx.info->cols; j++)
        free(names[j]);
    free(names);
    herd_dataset_close(ds);
    return rc;
}

int herd_eval_check_config(herd_comm *comm, const herd_config *cfg, herd_error *err)
{
    if (!herd_eval_configured(cfg))
        return HERD_OK;
    if (herd_comm_rank(comm) == 0)  /* a failure is in err, agreed next */
        check_config_on(cfg, cfg->data.test[0] != '\0' ? cfg->data.test : cfg->data.train, err);
    return herd_comm_agree(comm, err) == HERD_OK ? HERD_OK : err->code;
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
