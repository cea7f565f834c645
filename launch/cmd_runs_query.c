/* cmd_runs_query.c - `herd runs compare | best | metrics | delete | restore`.
 *
 * Each answers from the synced index (runs_cli.h); metric series come from
 * the run files. delete only marks runs (a <run id>.deleted file beside the
 * run file); --purge removes the run file and its index rows.
 */
#include "launch/runs_cli.h"
#include "core/mem.h"
#include "eval/checks.h"
#include "track/export.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CELL 20

static const char *str_of(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* A value as text: strings as they are, numbers in shortest form, "-" when missing. */
static void value_text(const cJSON *v, char buf[64])
{
    if (cJSON_IsString(v))
        snprintf(buf, 64, "%s", v->valuestring);
    else if (cJSON_IsNumber(v))
        herd_format_double(buf, v->valuedouble);
    else
        snprintf(buf, 64, "-");
}

/* Resolve every id of a->pos and load the runs (from the index: a comparison
 * shows no record fields). */
static int load_runs(herd_runs *idx, const runs_args *a, cJSON **runs, herd_error *err)
{
    int rc = HERD_OK;
    for (int i = 0; i < a->npos && rc == HERD_OK; i++) {
        char id[33];
        rc = runs_resolve(idx, a->sub, a->pos[i], id, err);
        if (rc == HERD_OK)
            rc = herd_runs_get_summary_json(idx, id, 0, &runs[i], err);
    }
    return rc;
}

/* Sorted unique member names of group over the runs (borrowed strings). */
static int group_keys(cJSON *const *runs, int n, const char *group, const char ***keys)
{
    int k = 0, cap = 16;
    *keys = herd_malloc((size_t)cap * sizeof **keys);
    for (int i = 0; i < n; i++) {
        const cJSON *obj = cJSON_GetObjectItemCaseSensitive(runs[i], group);
        for (const cJSON *v = obj != NULL ? obj->child : NULL; v != NULL; v = v->next) {
            int seen = 0;
            for (int j = 0; j < k && !seen; j++)
                seen = strcmp((*keys)[j], v->string) == 0;
            if (seen)
                continue;
            if (k == cap)
                *keys = herd_realloc(*keys, (size_t)(cap *= 2) * sizeof **keys);
            int at = k++;
            while (at > 0 && strcmp((*keys)[at - 1], v->string) > 0) {
                (*keys)[at] = (*keys)[at - 1];
                at--;
            }
            (*keys)[at] = v->string;
        }
    }
    return k;
}

/* 1 when key of group has the same text in every run (missing counts as "-"). */
static int same_everywhere(cJSON *const *runs, int n, const char *group, const char *key)
{
    char first[64], other[64];
    value_text(runs_member(runs[0], group, key), first);
    for (int i = 1; i < n; i++) {
        value_text(runs_member(runs[i], group, key), other);
        if (strcmp(first, other) != 0)
            return 0;
    }
    return 1;
}

static void print_row(const char *label, cJSON *const *runs, int n, const char *group,
                      const char *key)
{
    char text[64];
    printf("  %-26s", label);
    for (int i = 0; i < n; i++) {
        const cJSON *v = group != NULL ? runs_member(runs[i], group, key)
                                       : cJSON_GetObjectItemCaseSensitive(runs[i], key);
        if (cJSON_IsNumber(v))
            snprintf(text, sizeof text, "%.6g", v->valuedouble);  /* display only */
        else
            value_text(v, text);
        printf("  %-*.*s", CELL, CELL, text);
    }
    printf("\n");
}

/* One group's rows: every key, or only those that differ. */
static int print_group(cJSON *const *runs, int n, const char *group, int only_different)
{
    const char **keys = NULL;
    int nk = group_keys(runs, n, group, &keys), shown = 0;
    for (int k = 0; k < nk; k++)
        if (!only_different || !same_everywhere(runs, n, group, keys[k])) {
            print_row(keys[k], runs, n, group, keys[k]);
            shown++;
        }
    free(keys);
    return shown;
}

static void compare_text(cJSON *const *runs, int n)
{
    char id8[9];
    printf("  %-26s", "run");
    for (int i = 0; i < n; i++) {
        snprintf(id8, sizeof id8, "%s", str_of(runs[i], "id"));
        printf("  %-*s", CELL, id8);
    }
    printf("\n");
    print_row("name", runs, n, NULL, "name");
    print_row("experiment", runs, n, NULL, "experiment");
    print_row("status", runs, n, NULL, "status");
    printf("\nparams that differ\n");
    if (print_group(runs, n, "params", 1) == 0)
        printf("  (none: all params are equal)\n");
    printf("\nmetrics (latest)\n");
    if (print_group(runs, n, "metrics", 0) == 0)
        printf("  (none)\n");
}

/* {key: [value per run]} for the keys of group (only differing ones if asked). */
static cJSON *group_json(cJSON *const *runs, int n, const char *group, int only_different)
{
    const char **keys = NULL;
    int nk = group_keys(runs, n, group, &keys);
    cJSON *obj = cJSON_CreateObject();
    for (int k = 0; k < nk; k++) {
        if (only_different && same_everywhere(runs, n, group, keys[k]))
            continue;
        cJSON *values = cJSON_AddArrayToObject(obj, keys[k]);
        for (int i = 0; i < n; i++) {
            const cJSON *v = runs_member(runs[i], group, keys[k]);
            cJSON_AddItemToArray(values, v != NULL ? cJSON_Duplicate(v, 0) : cJSON_CreateNull());
        }
    }
    free(keys);
    return obj;
}

static cJSON *compare_json(cJSON *const *runs, int n)
{
    static const char *FIELDS[] = {"id", "name", "experiment", "status"};
    cJSON *out = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(out, "runs");
    for (int i = 0; i < n; i++) {
        cJSON *r = cJSON_CreateObject();
        for (size_t f = 0; f < sizeof FIELDS / sizeof FIELDS[0]; f++)
            cJSON_AddStringToObject(r, FIELDS[f], str_of(runs[i], FIELDS[f]));
        cJSON_AddItemToArray(list, r);
    }
    cJSON_AddItemToObject(out, "params", group_json(runs, n, "params", 1));
    cJSON_AddItemToObject(out, "metrics", group_json(runs, n, "metrics", 0));
    return out;
}

int runs_compare(herd_runs *idx, const runs_args *a, herd_error *err)
{
    cJSON **runs = herd_calloc((size_t)a->npos, sizeof *runs);
    int rc = load_runs(idx, a, runs, err);
    if (rc == HERD_OK && a->json) {
        cJSON *out = compare_json(runs, a->npos);
        runs_print_json(out);
        cJSON_Delete(out);
    } else if (rc == HERD_OK) {
        compare_text(runs, a->npos);
    }
    for (int i = 0; i < a->npos; i++)
        cJSON_Delete(runs[i]);
    free(runs);
    return rc;
}

/* 1 to maximise: --max, --min, else by the metric's name
 * (herd_eval_lower_is_better: losses, errors, times are minimised). */
static int maximise(const runs_args *a)
{
    if (a->max || a->min)
        return a->max;
    return !herd_eval_lower_is_better(a->metric);
}

int runs_best(herd_runs *idx, const runs_args *a, herd_error *err)
{
    if (a->metric == NULL || a->metric[0] == '\0')
        return herd_error_set(err, HERD_ERR_USAGE, "runs best: --metric KEY is required");
    if (a->max && a->min)
        return herd_error_set(err, HERD_ERR_USAGE, "runs best: --max and --min exclude each other");
    cJSON **runs = NULL;
    int n = 0, compared = 0, best = -1, up = maximise(a);
    int rc = runs_select(idx, a, 0, &runs, &n, err);
    for (int i = 0; i < n && rc == HERD_OK; i++) {
        const cJSON *v = runs_member(runs[i], "metrics", a->metric);
        if (!cJSON_IsNumber(v) || isnan(v->valuedouble))
            continue;
        compared++;
        double b = best >= 0 ? runs_member(runs[best], "metrics", a->metric)->valuedouble : 0;
        if (best < 0 || (up ? v->valuedouble > b : v->valuedouble < b))
            best = i;
    }
    if (rc == HERD_OK && best < 0)
        rc = herd_error_set(err, HERD_ERR_USAGE, "runs best: no run%s has metric '%s'",
                            a->filter != NULL || a->experiment != NULL ? " selected" : "",
                            a->metric);
    if (rc == HERD_OK && a->json) {
        herd_runs_add_record(idx, runs[best]);
        runs_print_json(runs[best]);
    } else if (rc == HERD_OK) {
        char value[32];
        herd_format_double(value, runs_member(runs[best], "metrics", a->metric)->valuedouble);
        printf("%s  %s = %s (%s of %d runs)  name %s  experiment %s\n",
               str_of(runs[best], "id"), a->metric, value, up ? "max" : "min", compared,
               str_of(runs[best], "name"), str_of(runs[best], "experiment"));
    }
    runs_free(runs, n);
    return rc;
}

static void format_wall(double t, char *buf, size_t n)
{
    time_t s = (time_t)t;
    struct tm tm;
    char base[24];
    if (localtime_r(&s, &tm) == NULL) {
        snprintf(buf, n, "-");
        return;
    }
    strftime(base, sizeof base, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf, n, "%s.%03d", base, (int)((t - floor(t)) * 1000) % 1000);
}

static void print_series(const runs_args *a, const herd_run_metric *rows, int n)
{
    char t[32], v[32];
    if (a->csv)
        printf("step,time,value\n");
    if (!a->csv)
        printf("%10s  %-23s  %s\n", "STEP", "TIME", "VALUE");
    for (int i = 0; i < n; i++) {
        herd_format_double(v, rows[i].value);
        if (a->csv) {
            herd_format_double(t, rows[i].time);
            printf("%lld,%s,%s\n", (long long)rows[i].step, t, isnan(rows[i].value) ? "" : v);
        } else {
            format_wall(rows[i].time, t, sizeof t);
            printf("%10lld  %-23s  %s\n", (long long)rows[i].step, t, v);
        }
    }
}

/* Without a key: each metric of the run with its row count and last value. */
static void print_keys(const runs_args *a, const herd_run_metric *rows, int n)
{
    cJSON *keys = cJSON_CreateObject();
    for (int i = 0; i < n; i++) {
        cJSON *k = cJSON_GetObjectItemCaseSensitive(keys, rows[i].key);
        if (k == NULL) {
            k = cJSON_AddObjectToObject(keys, rows[i].key);
            cJSON_AddNumberToObject(k, "rows", 0);
        }
        cJSON *count = cJSON_GetObjectItemCaseSensitive(k, "rows");
        cJSON_SetNumberValue(count, count->valuedouble + 1);
        cJSON_DeleteItemFromObject(k, "last_step");
        cJSON_DeleteItemFromObject(k, "last_value");
        cJSON_AddNumberToObject(k, "last_step", (double)rows[i].step);
        cJSON_AddNumberToObject(k, "last_value", rows[i].value);
    }
    if (a->json) {
        runs_print_json(keys);
    } else {
        printf(a->csv ? "key,rows,last_step,last_value\n" : "%-28s %8s %10s  %s\n", "KEY",
               "ROWS", "LAST_STEP", "LAST_VALUE");
        for (const cJSON *k = keys->child; k != NULL; k = k->next) {
            char v[32];
            herd_format_double(v, cJSON_GetObjectItem(k, "last_value")->valuedouble);
            printf(a->csv ? "%s,%.0f,%.0f,%s\n" : "%-28s %8.0f %10.0f  %s\n", k->string,
                   cJSON_GetObjectItem(k, "rows")->valuedouble,
                   cJSON_GetObjectItem(k, "last_step")->valuedouble, v);
        }
    }
    cJSON_Delete(keys);
}

int runs_metrics(herd_runs *idx, const runs_args *a, herd_error *err)
{
    char id[33];
    herd_run_metric *rows = NULL;
    int n = 0;
    const char *key = a->npos > 1 ? a->pos[1] : NULL;
    int rc = runs_resolve(idx, "metrics", a->pos[0], id, err);
    if (rc == HERD_OK && key != NULL)
        rc = herd_runs_metric_series(idx, id, key, &rows, &n, err);
    else if (rc == HERD_OK)
        rc = herd_runs_metric_all(idx, id, &rows, &n, err);
    if (rc == HERD_OK && key != NULL && n == 0)
        rc = herd_error_set(err, HERD_ERR_USAGE,
                            "runs metrics: run %.8s has no metric '%s' (see herd runs metrics %.8s)",
                            id, key, id);
    if (rc == HERD_OK && key == NULL) {
        print_keys(a, rows, n);
    } else if (rc == HERD_OK && a->json) {
        cJSON *series = herd_export_series_json(rows, n);
        runs_print_json(cJSON_GetObjectItemCaseSensitive(series, key));
        cJSON_Delete(series);
    } else if (rc == HERD_OK) {
        print_series(a, rows, n);
    }
    herd_runs_metrics_free(rows, n);
    return rc;
}

/* Resolve every id first, so a typo changes nothing. Caller frees. */
static int resolve_all(herd_runs *idx, const runs_args *a, char (**ids)[33], herd_error *err)
{
    *ids = herd_calloc((size_t)a->npos, sizeof **ids);
    int rc = HERD_OK;
    for (int i = 0; i < a->npos && rc == HERD_OK; i++)
        rc = runs_resolve(idx, a->sub, a->pos[i], (*ids)[i], err);
    return rc;
}

static int mark_runs(herd_runs *idx, const runs_args *a, int deleted, herd_error *err)
{
    char (*ids)[33] = NULL;
    int rc = resolve_all(idx, a, &ids, err);
    for (int i = 0; i < a->npos && rc == HERD_OK; i++) {
        herd_error why = {0};
        if (a->purge && deleted)
            rc = herd_runs_purge(idx, ids[i], &why);
        else
            rc = herd_runs_set_deleted(idx, ids[i], deleted, &why);
        if (rc != HERD_OK)
            herd_error_set(err, rc, "runs %s: %s", a->sub, why.msg);
        else
            printf("%s %s\n", a->purge ? "purged" : deleted ? "deleted" : "restored", ids[i]);
    }
    free(ids);
    return rc;
}

int runs_delete(herd_runs *idx, const runs_args *a, herd_error *err)
{
    return mark_runs(idx, a, 1, err);
}

int runs_restore(herd_runs *idx, const runs_args *a, herd_error *err)
{
    if (a->purge)
        return herd_error_set(err, HERD_ERR_USAGE, "runs restore: --purge makes no sense here");
    return mark_runs(idx, a, 0, err);
}
