/* gate.c - the "gate" section: should this model ship? It reads what the
 * earlier sections put in the result (so it runs last) and checks:
 *   eval.gate.min / eval.gate.max   {metric: limit}: a metric name is looked
 *        up in "metrics", then "calibration", "selective", "conformal" (and
 *        their objects one level down, e.g. metrics.timing); a dotted path
 *        ("baselines.heuristic.roc_auc") is followed from the top
 *   eval.gate.must_beat_baselines    every baselines.model_beats is true
 *   eval.gate.slice_min / eval.gate.slice_max {metric: limit}  in every
 *        slice of at least eval.slice_min_rows rows
 *   eval.gate.flagged_slices         no slice significantly worse than overall
 *        (each slice check fails when no slices were scored)
 *   eval.gate.tests                  every configured behavioural test passed
 * Each failed check adds one human-readable line to "reasons"; "passed" is
 * true when there are none. A metric the result does not hold, or holds as
 * null (undefined on this data, e.g. roc_auc with one class), fails the gate
 * (a gate that cannot be checked must not pass); a slice metric that is
 * undefined in that slice (no positives) is listed in "undefined" instead and
 * does not fail it. The result is the same on
 * every rank, so this section needs no communication.
 */
#include "eval/checks.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct gate {
    cJSON *reasons;
    cJSON *undefined;      /* slice metrics undefined in their slice: listed, not failed */
    int checks;
} gate;

static void fail(gate *g, const char *fmt, const char *a, double x, double y)
{
    char line[512];
    snprintf(line, sizeof line, fmt, a, x, y);
    cJSON_AddItemToArray(g->reasons, cJSON_CreateString(line));
}

/* A metric's value: a number, or null (NaN before printing) when it is
 * undefined on this data. */
static int is_metric(const cJSON *v)
{
    return cJSON_IsNumber(v) || cJSON_IsNull(v);
}

static double metric_value(const cJSON *v)
{
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const cJSON *find_in(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (is_metric(v))
        return v;
    for (const cJSON *c = obj != NULL ? obj->child : NULL; c != NULL; c = c->next) {
        v = cJSON_IsObject(c) ? cJSON_GetObjectItemCaseSensitive(c, name) : NULL;
        if (is_metric(v))
            return v;
    }
    return NULL;
}

/* The metric named name in the result, or NULL when the result does not hold it. */
static const cJSON *lookup(const cJSON *result, const char *name)
{
    if (strchr(name, '.') != NULL) {
        char path[256];
        snprintf(path, sizeof path, "%s", name);
        const cJSON *node = result;
        for (char *part = strtok(path, "."); part != NULL && node != NULL; part = strtok(NULL, "."))
            node = cJSON_GetObjectItemCaseSensitive(node, part);
        return is_metric(node) ? node : NULL;
    }
    static const char *const sections[] = { "metrics", "calibration", "selective", "conformal", NULL };
    for (int i = 0; sections[i] != NULL; i++) {
        const cJSON *v = find_in(cJSON_GetObjectItem(result, sections[i]), name);
        if (v != NULL)
            return v;
    }
    return NULL;
}

static int check_limits(const cJSON *result, const char *text, const char *key, int is_min,
                        gate *g, herd_error *err)
{
    cJSON *limits = herd_eval_key_json(text, key, cJSON_Object, err);
    if (limits == NULL)
        return err->code;
    for (const cJSON *l = limits->child; l != NULL; l = l->next, g->checks++) {
        const cJSON *found = lookup(result, l->string);
        double v = metric_value(found);
        if (!cJSON_IsNumber(l))
            fail(g, "%s: limit is not a number", l->string, 0, 0);
        else if (found == NULL)
            fail(g, "%s: not in the result (section off, or not defined for this task)", l->string, 0, 0);
        else if (isnan(v))
            fail(g, "%s: undefined on this data (one class only?), so the gate cannot check it",
                 l->string, 0, 0);
        else if (is_min ? v < l->valuedouble : v > l->valuedouble)
            fail(g, is_min ? "%s %.6g is below the minimum %.6g" : "%s %.6g is above the maximum %.6g",
                 l->string, v, l->valuedouble);
    }
    cJSON_Delete(limits);
    return HERD_OK;
}

static void check_baselines(const cJSON *result, gate *g)
{
    const cJSON *section = cJSON_GetObjectItem(result, "baselines");
    const cJSON *beats = cJSON_GetObjectItem(section, "model_beats");
    const char *metric = cJSON_GetStringValue(cJSON_GetObjectItem(section, "primary_metric"));
    if (beats == NULL) {
        fail(g, "%s: no baselines in the result (eval.baselines.enabled is false)", "must_beat_baselines", 0, 0);
        g->checks++;
    }
    for (const cJSON *b = beats != NULL ? beats->child : NULL; b != NULL; b = b->next, g->checks++) {
        char what[300];
        snprintf(what, sizeof what, "%s baseline on %s", b->string, metric ? metric : "?");
        if (cJSON_IsNull(b))
            fail(g, "the model cannot be compared with the %s: the metric is undefined on this "
                    "data (one class only?)", what, 0, 0);
        else if (!cJSON_IsTrue(b))
            fail(g, "the model does not beat the %s", what, 0, 0);
    }
}

/* The limits of eval.gate.slice_min (is_min) or slice_max in slice s. */
static void check_slice_limits(const cJSON *s, const char *name, const cJSON *limits, int is_min,
                               gate *g)
{
    for (const cJSON *m = limits->child; m != NULL; m = m->next, g->checks++) {
        const cJSON *found = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(s, "metrics"), m->string);
        double v = metric_value(found);
        char what[300];
        snprintf(what, sizeof what, "slice '%s' %s", name, m->string);
        if (!cJSON_IsNumber(m))
            fail(g, "%s: limit is not a number", what, 0, 0);
        else if (!is_metric(found))
            fail(g, "%s: not in the slice's metrics", what, 0, 0);
        else if (isnan(v))
            cJSON_AddItemToArray(g->undefined, cJSON_CreateString(what));
        else if (is_min ? v < m->valuedouble : v > m->valuedouble)
            fail(g, is_min ? "%s %.6g is below the minimum %.6g" : "%s %.6g is above the maximum %.6g",
                 what, v, m->valuedouble);
    }
}

/* eval.gate.slice_min, slice_max or flagged_slices set, but no slices were
 * scored: each fails, as a check with nothing to check must not pass. */
static void check_without_slices(gate *g, const cJSON *mins, const cJSON *maxs, int flagged)
{
    const char *set[] = { mins->child != NULL ? "slice_min" : NULL,
                          maxs->child != NULL ? "slice_max" : NULL, flagged ? "flagged_slices" : NULL };
    for (int i = 0; i < 3; i++) {
        if (set[i] == NULL)
            continue;
        g->checks++;
        fail(g, "eval.gate.%s: no slices in the result (eval.slices is empty), so the gate cannot "
                "check it", set[i], 0, 0);
    }
}

static int check_slices(const herd_eval_ctx *ctx, gate *g, herd_error *err)
{
    const herd_config *cfg = ctx->cfg;
    cJSON *mins = herd_eval_key_json(cfg->eval.gate.slice_min, "eval.gate.slice_min", cJSON_Object, err);
    cJSON *maxs = mins != NULL ? herd_eval_key_json(cfg->eval.gate.slice_max, "eval.gate.slice_max",
                                                    cJSON_Object, err) : NULL;
    if (maxs == NULL) {
        cJSON_Delete(mins);
        return err->code;
    }
    const cJSON *slices = cJSON_GetObjectItem(ctx->result, "slices");
    if (slices == NULL)
        check_without_slices(g, mins, maxs, cfg->eval.gate.flagged_slices);
    for (const cJSON *s = slices != NULL ? slices->child : NULL; s != NULL; s = s->next) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(s, "name"));
        if (herd_eval_json_number(s, "n", 0) < (double)cfg->eval.slice_min_rows)
            continue;
        check_slice_limits(s, name, mins, 1, g);
        check_slice_limits(s, name, maxs, 0, g);
        if (!cfg->eval.gate.flagged_slices)
            continue;
        g->checks++;
        if (cJSON_IsTrue(cJSON_GetObjectItem(s, "flagged")))
            fail(g, "slice '%s' is significantly worse than overall", name, 0, 0);
    }
    cJSON_Delete(maxs);
    cJSON_Delete(mins);
    return HERD_OK;
}

static void check_tests(const cJSON *result, gate *g)
{
    const cJSON *tests = cJSON_GetObjectItem(result, "tests");
    for (const cJSON *t = tests != NULL ? tests->child : NULL; t != NULL; t = t->next) {
        const cJSON *one = cJSON_IsArray(t) ? t->child : cJSON_IsObject(t) ? t : NULL;
        for (; one != NULL; one = cJSON_IsArray(t) ? one->next : NULL, g->checks++) {
            const char *feature = cJSON_GetStringValue(cJSON_GetObjectItem(one, "feature"));
            char what[300];
            snprintf(what, sizeof what, "%s test%s%s", t->string, feature ? " on " : "",
                     feature ? feature : "");
            if (!cJSON_IsTrue(cJSON_GetObjectItem(one, "passed")))
                fail(g, "%s failed", what, 0, 0);
        }
    }
}

int herd_eval_gate(herd_eval_ctx *ctx, cJSON *out, herd_error *err)
{
    const herd_config *cfg = ctx->cfg;
    gate g = { .reasons = cJSON_CreateArray(), .undefined = cJSON_CreateArray() };
    int rc = check_limits(ctx->result, cfg->eval.gate.min, "eval.gate.min", 1, &g, err);
    if (rc == HERD_OK)
        rc = check_limits(ctx->result, cfg->eval.gate.max, "eval.gate.max", 0, &g, err);
    if (rc == HERD_OK && cfg->eval.gate.must_beat_baselines)
        check_baselines(ctx->result, &g);
    if (rc == HERD_OK)
        rc = check_slices(ctx, &g, err);
    if (rc == HERD_OK && cfg->eval.gate.tests)
        check_tests(ctx->result, &g);
    int passed = cJSON_GetArraySize(g.reasons) == 0;
    cJSON *o = cJSON_AddObjectToObject(out, "gate");
    cJSON_AddBoolToObject(o, "passed", passed);
    cJSON_AddNumberToObject(o, "checks", g.checks);
    cJSON_AddItemToObject(o, "reasons", g.reasons);
    cJSON_AddItemToObject(o, "undefined", g.undefined);
    ctx->gate_failed = !passed;
    return rc;
}
