/* cmd_runs_export.c - `herd runs export [ID...] --format F -o DIR`.
 *
 * Writes the runs named (or, without ids, the runs `herd runs list` would
 * show with the same --experiment/--filter/--sort) in a format another tool
 * opens; the formats are in track/export.h and docs/formats.md:
 *   mlflow       DIR is an MLflow file store (mlruns)
 *   tensorboard  DIR/<run>/events.out.tfevents.*
 *   csv          DIR/runs.csv (one row per run) and DIR/metrics.csv (every row)
 *   json         DIR/runs.json: the run objects with their full metric series
 */
#include "launch/runs_cli.h"
#include "core/files.h"
#include "core/mem.h"
#include "track/export.h"
#include "track/runlog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { FORMAT_MLFLOW, FORMAT_TENSORBOARD, FORMAT_CSV, FORMAT_JSON } export_format;

static int parse_format(const char *s, export_format *f)
{
    static const char *NAMES[] = {"mlflow", "tensorboard", "csv", "json"};
    for (int i = 0; i < 4; i++)
        if (s != NULL && strcmp(s, NAMES[i]) == 0) {
            *f = (export_format)i;
            return 1;
        }
    return 0;
}

/* The runs to export: those named, else the listing's selection; only
 * runs.json holds the run files' record fields (herd_runs_add_record). */
static int export_runs(herd_runs *idx, const runs_args *a, int with_record, cJSON ***runs,
                       int *n, herd_error *err)
{
    if (a->npos == 0)
        return runs_select(idx, a, with_record, runs, n, err);
    *runs = herd_calloc((size_t)a->npos, sizeof **runs);
    *n = 0;
    int rc = HERD_OK;
    for (int i = 0; i < a->npos && rc == HERD_OK; i++) {
        char id[33];
        rc = runs_resolve(idx, "export", a->pos[i], id, err);
        if (rc == HERD_OK)
            rc = herd_runs_get_summary_json(idx, id, 0, &(*runs)[*n], err);
        if (rc == HERD_OK && with_record)
            herd_runs_add_record(idx, (*runs)[*n]);
        if (rc == HERD_OK)
            (*n)++;
    }
    return rc;
}

static FILE *open_out(const char *dir, const char *name, char **path, herd_error *err)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    *path = herd_malloc(len);
    snprintf(*path, len, "%s/%s", dir, name);
    FILE *f = fopen(*path, "wb");
    if (f == NULL)
        herd_error_set(err, HERD_ERR_IO, "runs export: %s: %s", *path, strerror(errno));
    return f;
}

static int close_out(FILE *f, char *path, herd_error *err)
{
    int rc = HERD_OK;
    if (f != NULL && (ferror(f) || fclose(f) != 0))
        rc = herd_error_set(err, HERD_ERR_IO, "runs export: %s: write failed", path);
    free(path);
    return rc;
}

/* One run into the open CSV/JSON outputs, or into the MLflow/TensorBoard tree. */
static int export_one(herd_runs *idx, cJSON *run, export_format fmt, const char *dir,
                      FILE *out, cJSON *all, herd_error *err)
{
    const char *id = cJSON_GetObjectItemCaseSensitive(run, "id")->valuestring;
    herd_run_metric *rows = NULL;
    int n = 0;
    char path[4096];
    int rc = herd_runs_metric_all(idx, id, &rows, &n, err);
    if (rc == HERD_OK && fmt == FORMAT_MLFLOW)
        rc = herd_export_mlflow(run, rows, n, dir, err);
    else if (rc == HERD_OK && fmt == FORMAT_TENSORBOARD)
        rc = herd_export_tensorboard(run, rows, n, dir, path, sizeof path, err);
    else if (rc == HERD_OK && fmt == FORMAT_CSV)
        herd_export_metrics_csv(out, id, rows, n, 0);
    else if (rc == HERD_OK && fmt == FORMAT_JSON) {
        cJSON *copy = cJSON_Duplicate(run, 1);
        cJSON_AddItemToObject(copy, "series", herd_export_series_json(rows, n));
        cJSON_AddItemToArray(all, copy);
    }
    if (rc == HERD_OK && fmt == FORMAT_TENSORBOARD)
        printf("%s\n", path);
    herd_runs_metrics_free(rows, n);
    return rc;
}

/* csv: runs.csv now, metrics.csv row by row; json: runs.json at the end. */
static int export_all(herd_runs *idx, cJSON **runs, int n, export_format fmt, const char *dir,
                      herd_error *err)
{
    char *path = NULL;
    FILE *out = NULL;
    cJSON *all = fmt == FORMAT_JSON ? cJSON_CreateArray() : NULL;
    int rc = HERD_OK;
    if (fmt == FORMAT_CSV) {
        if ((out = open_out(dir, "runs.csv", &path, err)) != NULL) {
            herd_export_runs_csv(out, runs, n);
            rc = close_out(out, path, err);
        } else {
            free(path);
            rc = err->code;
        }
        out = rc == HERD_OK ? open_out(dir, "metrics.csv", &path, err) : NULL;
        if (rc == HERD_OK && out == NULL) {
            free(path);
            rc = err->code;
        } else if (out != NULL) {
            herd_export_metrics_csv(out, "", NULL, 0, 1);
        }
    }
    for (int i = 0; i < n && rc == HERD_OK; i++)
        rc = export_one(idx, runs[i], fmt, dir, out, all, err);
    if (fmt == FORMAT_CSV && out != NULL && close_out(out, path, err) != HERD_OK)
        rc = err->code;
    if (rc == HERD_OK && fmt == FORMAT_JSON) {
        if ((out = open_out(dir, "runs.json", &path, err)) == NULL)
            rc = err->code;
        char *text = rc == HERD_OK ? cJSON_Print(all) : NULL;
        if (out != NULL)
            fprintf(out, "%s\n", text);
        free(text);
        if (out != NULL)
            rc = close_out(out, path, err);
        else
            free(path);
    }
    cJSON_Delete(all);
    return rc;
}

int runs_export(herd_runs *idx, const runs_args *a, herd_error *err)
{
    export_format fmt;
    if (!parse_format(a->format, &fmt))
        return herd_error_set(err, HERD_ERR_USAGE,
                              "runs export: --format must be mlflow, tensorboard, csv or json%s%s",
                              a->format != NULL ? ", not " : "", a->format != NULL ? a->format : "");
    if (a->out == NULL || a->out[0] == '\0')
        return herd_error_set(err, HERD_ERR_USAGE, "runs export: -o DIR is required");
    cJSON **runs = NULL;
    int n = 0;
    herd_error why = {0};
    int rc = export_runs(idx, a, fmt == FORMAT_JSON, &runs, &n, err);
    if (rc == HERD_OK && herd_make_dirs(a->out, &why) != HERD_OK)
        rc = herd_error_set(err, why.code, "runs export: %s", why.msg);
    if (rc == HERD_OK)
        rc = export_all(idx, runs, n, fmt, a->out, err);
    if (rc == HERD_OK)
        fprintf(stderr, "herd: exported %d run%s to %s (%s)\n", n, n == 1 ? "" : "s", a->out,
                a->format);
    runs_free(runs, n);
    return rc;
}
