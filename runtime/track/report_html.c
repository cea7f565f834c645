/* report_html.c - writes the HTML report of `herd runs report`.
 *
 * The page is built in one pass over the runs' JSON (herd_runs_get_json)
 * and their metric series (herd_runs_metric_series, read from the run
 * files). Charts are drawn here as SVG: a frame with five value ticks and
 * five step ticks, one <polyline> per run (a <circle> when a run has one
 * point, as test metrics do), long series thinned to MAX_POINTS. Run i
 * always has colour PALETTE[i % 10]. Text goes through put_esc, so a run
 * name such as "<script>" is shown, never run.
 */
#include "track/report_html.h"
#include "core/mem.h"
#include "core/timer.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_POINTS 800
#define CHART_W 520
#define CHART_H 280
#define PAD_L 64
#define PAD_R 16
#define PAD_T 16
#define PAD_B 40

static const char *PALETTE[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
#define N_COLORS 10

static const char *STYLE =
    "body{font-family:sans-serif;margin:24px;color:#222;background:#fff}"
    "h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}"
    "table{border-collapse:collapse;font-size:13px;margin:8px 0}"
    "td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}"
    "th{background:#f4f4f4}td.num{text-align:right;font-family:monospace}"
    ".swatch{display:inline-block;width:12px;height:12px;margin-right:6px}"
    ".charts{display:flex;flex-wrap:wrap;gap:12px}"
    "figure{margin:0;border:1px solid #eee;padding:6px}"
    "figcaption{font-size:13px;font-weight:bold;margin-bottom:4px}"
    "svg text{font-size:11px;fill:#444}code{font-size:12px}";

typedef struct report_run {
    char id[33];
    cJSON *json;
} report_run;

char *herd_html_escape(const char *s)
{
    if (s == NULL)
        s = "";
    size_t cap = strlen(s) * 6 + 1, n = 0;
    char *out = herd_malloc(cap);
    for (; *s != '\0'; s++) {
        const char *e = NULL;
        switch (*s) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        default: out[n++] = *s; continue;
        }
        memcpy(out + n, e, strlen(e));
        n += strlen(e);
    }
    out[n] = '\0';
    return out;
}

static void put_esc(FILE *f, const char *s)
{
    char *e = herd_html_escape(s);
    fputs(e, f);
    free(e);
}

static const char *str_of(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static double num_of(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* A JSON value as short text: strings as they are, the rest printed. */
static char *value_text(const cJSON *v)
{
    if (v == NULL)
        return herd_strdup("");
    if (cJSON_IsString(v))
        return herd_strdup(v->valuestring);
    if (cJSON_IsNumber(v)) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.6g", v->valuedouble);
        return herd_strdup(buf);
    }
    return cJSON_PrintUnformatted(v);
}

/* ---- charts ---------------------------------------------------------- */

typedef struct series {
    herd_run_metric *m;
    int n;
} series;

static void bounds(const series *s, int n, double *x0, double *x1, double *y0, double *y1)
{
    *x0 = *y0 = INFINITY;
    *x1 = *y1 = -INFINITY;
    for (int r = 0; r < n; r++)
        for (int i = 0; i < s[r].n; i++) {
            const herd_run_metric *m = &s[r].m[i];
            if (!isfinite(m->value))
                continue;
            *x0 = fmin(*x0, (double)m->step);
            *x1 = fmax(*x1, (double)m->step);
            *y0 = fmin(*y0, m->value);
            *y1 = fmax(*y1, m->value);
        }
    if (*x1 <= *x0) {
        *x0 -= 1;
        *x1 += 1;
    }
    if (*y1 <= *y0) {
        double pad = fabs(*y0) > 0 ? fabs(*y0) * 0.1 : 1;
        *y0 -= pad;
        *y1 += pad;
    }
}

typedef struct frame {
    double x0, x1, y0, y1;
} frame;

static double px(const frame *fr, double x)
{
    return PAD_L + (x - fr->x0) / (fr->x1 - fr->x0) * (CHART_W - PAD_L - PAD_R);
}

static double py(const frame *fr, double y)
{
    return CHART_H - PAD_B - (y - fr->y0) / (fr->y1 - fr->y0) * (CHART_H - PAD_T - PAD_B);
}

static void put_axes(FILE *f, const frame *fr)
{
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>",
            PAD_L, PAD_T, CHART_W - PAD_L - PAD_R, CHART_H - PAD_T - PAD_B);
    for (int i = 0; i <= 4; i++) {
        double y = fr->y0 + (fr->y1 - fr->y0) * i / 4, x = fr->x0 + (fr->x1 - fr->x0) * i / 4;
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", PAD_L,
                CHART_W - PAD_R, py(fr, y), py(fr, y));
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.4g</text>", PAD_L - 4,
                py(fr, y) + 4, y);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>", px(fr, x),
                CHART_H - PAD_B + 14, x);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">step</text>",
            (CHART_W + PAD_L) / 2, CHART_H - 6);
}

static void put_series(FILE *f, const frame *fr, const series *s, const char *color)
{
    int stride = s->n > MAX_POINTS ? (s->n + MAX_POINTS - 1) / MAX_POINTS : 1, shown = 0;
    for (int i = 0; i < s->n; i++)
        shown += isfinite(s->m[i].value);
    if (shown == 1) {
        for (int i = 0; i < s->n; i++)
            if (isfinite(s->m[i].value))
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>",
                        px(fr, (double)s->m[i].step), py(fr, s->m[i].value), color);
        return;
    }
    if (shown == 0)
        return;
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\" points=\"", color);
    for (int i = 0; i < s->n; i++)
        if (isfinite(s->m[i].value) && (i % stride == 0 || i == s->n - 1))
            fprintf(f, "%.1f,%.1f ", px(fr, (double)s->m[i].step), py(fr, s->m[i].value));
    fprintf(f, "\"/>");
}

/* One chart of metric key over steps, the runs overlaid. */
static int put_chart(FILE *f, herd_runs *idx, const report_run *runs, int n, const char *key,
                     herd_error *err)
{
    series *s = herd_calloc((size_t)n, sizeof *s);
    int rc = HERD_OK;
    for (int r = 0; r < n && rc == HERD_OK; r++)
        rc = herd_runs_metric_series(idx, runs[r].id, key, &s[r].m, &s[r].n, err);
    if (rc == HERD_OK) {
        frame fr;
        bounds(s, n, &fr.x0, &fr.x1, &fr.y0, &fr.y1);
        fputs("<figure class=\"chart\"><figcaption>", f);
        put_esc(f, key);
        fprintf(f, "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                   "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">", CHART_W, CHART_H, CHART_W,
                CHART_H);
        put_axes(f, &fr);
        for (int r = 0; r < n; r++)
            put_series(f, &fr, &s[r], PALETTE[r % N_COLORS]);
        fputs("</svg></figure>\n", f);
    }
    for (int r = 0; r < n; r++)
        herd_runs_metrics_free(s[r].m, s[r].n);
    free(s);
    return rc;
}

/* ---- metric keys ------------------------------------------------------ */

/* Sort rank of a metric key: train/loss, val, other train, comm, data, test. */
static int key_group(const char *k)
{
    static const char *order[] = {"train/loss", "val/", "train/", "comm/", "data/", "test/"};
    for (int i = 0; i < 6; i++)
        if (strncmp(k, order[i], strlen(order[i])) == 0)
            return i;
    return 6;
}

static int compare_keys(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int gx = key_group(x), gy = key_group(y);
    return gx != gy ? gx - gy : strcmp(x, y);
}

/* Union of the runs' keys in member `part` (an object), sorted; the strings
 * belong to the runs' JSON. Caller frees the array. */
static const char **union_keys(const report_run *runs, int n, const char *part, int *count)
{
    int cap = 16;
    const char **keys = herd_malloc((size_t)cap * sizeof *keys);
    *count = 0;
    for (int r = 0; r < n; r++) {
        const cJSON *obj = cJSON_GetObjectItemCaseSensitive(runs[r].json, part);
        for (const cJSON *v = obj != NULL ? obj->child : NULL; v != NULL; v = v->next) {
            int seen = 0;
            for (int i = 0; i < *count && !seen; i++)
                seen = strcmp(keys[i], v->string) == 0;
            if (seen)
                continue;
            if (*count == cap)
                keys = herd_realloc(keys, (size_t)(cap *= 2) * sizeof *keys);
            keys[(*count)++] = v->string;
        }
    }
    qsort(keys, (size_t)*count, sizeof *keys, compare_keys);
    return keys;
}

static int is_system(const char *key) { return strncmp(key, "system/", 7) == 0; }

static int put_charts(FILE *f, herd_runs *idx, const report_run *runs, int n, int system,
                      herd_error *err)
{
    int count = 0, drawn = 0, rc = HERD_OK;
    const char **keys = union_keys(runs, n, "metrics", &count);
    fputs("<div class=\"charts\">\n", f);
    for (int i = 0; i < count && rc == HERD_OK; i++)
        if (is_system(keys[i]) == system) {
            rc = put_chart(f, idx, runs, n, keys[i], err);
            drawn++;
        }
    fputs("</div>\n", f);
    if (drawn == 0)
        fputs("<p>No metrics of this kind were logged.</p>\n", f);
    free(keys);
    return rc;
}

/* ---- tables ----------------------------------------------------------- */

static void put_run_header(FILE *f, const report_run *runs, int n)
{
    for (int r = 0; r < n; r++) {
        fprintf(f, "<th><span class=\"swatch\" style=\"background:%s\"></span>",
                PALETTE[r % N_COLORS]);
        put_esc(f, str_of(runs[r].json, "name"));
        fputs("</th>", f);
    }
}

static void format_time(double t, char *buf, size_t size)
{
    time_t s = (time_t)t;
    struct tm tm;
    if (!(t > 0) || localtime_r(&s, &tm) == NULL)
        snprintf(buf, size, "-");
    else
        strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
}

static void put_runs(FILE *f, const report_run *runs, int n)
{
    fputs("<h2 id=\"runs\">Runs</h2>\n<table><tr><th>run</th><th>id</th><th>experiment</th>"
          "<th>status</th><th>started</th><th>duration (s)</th><th>ranks</th><th>git</th></tr>\n",
          f);
    for (int r = 0; r < n; r++) {
        const cJSON *j = runs[r].json;
        char start[32];
        double t0 = num_of(j, "start_time"), t1 = num_of(j, "end_time");
        double last = isfinite(t1) && t1 > 0 ? t1 : num_of(j, "heartbeat");
        format_time(t0, start, sizeof start);
        fprintf(f, "<tr><td><span class=\"swatch\" style=\"background:%s\"></span>",
                PALETTE[r % N_COLORS]);
        put_esc(f, str_of(j, "name"));
        fprintf(f, "</td><td><code>%s</code></td><td>", runs[r].id);
        put_esc(f, str_of(j, "experiment"));
        fputs("</td><td>", f);
        put_esc(f, str_of(j, "status"));
        fprintf(f, "</td><td>%s</td><td class=\"num\">%.1f</td><td class=\"num\">%.0f</td><td><code>",
                start, last - t0, num_of(j, "world_size"));
        put_esc(f, str_of(j, "git_commit"));
        fprintf(f, "</code>%s</td></tr>\n", num_of(j, "git_dirty") > 0 ? " (dirty)" : "");
    }
    fputs("</table>\n", f);
}

/* A table of keys of `part` (rows) by runs (columns); only_differing keeps
 * the rows whose values are not all equal. Returns the rows written. */
static int put_key_table(FILE *f, const report_run *runs, int n, const char *part,
                         int only_differing)
{
    int count = 0, written = 0;
    const char **keys = union_keys(runs, n, part, &count);
    fputs("<table><tr><th>key</th>", f);
    put_run_header(f, runs, n);
    fputs("</tr>\n", f);
    for (int i = 0; i < count; i++) {
        char **text = herd_calloc((size_t)n, sizeof *text);
        int same = 1;
        for (int r = 0; r < n; r++) {
            const cJSON *obj = cJSON_GetObjectItemCaseSensitive(runs[r].json, part);
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, keys[i]);
            text[r] = v != NULL ? value_text(v) : NULL;
            same = same && (text[r] != NULL) == (text[0] != NULL) &&
                   (text[r] == NULL || strcmp(text[r], text[0]) == 0);
        }
        if (!only_differing || !same) {
            fputs("<tr><td>", f);
            put_esc(f, keys[i]);
            for (int r = 0; r < n; r++) {
                fputs(only_differing ? "</td><td>" : "</td><td class=\"num\">", f);
                put_esc(f, text[r] != NULL ? text[r] : "-");
            }
            fputs("</td></tr>\n", f);
            written++;
        }
        for (int r = 0; r < n; r++)
            free(text[r]);
        free(text);
    }
    fputs("</table>\n", f);
    free(keys);
    return written;
}

static void put_params(FILE *f, const report_run *runs, int n)
{
    fputs("<h2 id=\"params\">Parameters</h2>\n", f);
    if (n > 1) {
        fputs("<p>Parameters that differ between the runs:</p>\n", f);
        if (put_key_table(f, runs, n, "params", 1) == 0)
            fputs("<p>None: every parameter is the same.</p>\n", f);
    }
    fputs(n > 1 ? "<details><summary>All parameters</summary>\n" : "<details open><summary>"
          "All parameters</summary>\n", f);
    put_key_table(f, runs, n, "params", 0);
    fputs("</details>\n", f);
}

/* "label: value" rows for one run's environment. */
static void env_row(FILE *f, const char *label, const char *value)
{
    fputs("<tr><th>", f);
    put_esc(f, label);
    fputs("</th><td>", f);
    put_esc(f, value);
    fputs("</td></tr>\n", f);
}

static void env_json_rows(FILE *f, const char *prefix, const cJSON *v)
{
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        int i = 0;
        for (const cJSON *e = v->child; e != NULL; e = e->next, i++) {
            char label[256];
            if (e->string != NULL)
                snprintf(label, sizeof label, "%s%s%s", prefix, prefix[0] ? "." : "", e->string);
            else
                snprintf(label, sizeof label, "%s[%d]", prefix, i);
            if (cJSON_IsObject(e) && !cJSON_IsArray(v)) {
                env_json_rows(f, label, e);
                continue;
            }
            char *text = value_text(e);
            env_row(f, label, text);
            free(text);
        }
        return;
    }
    char *text = value_text(v);
    env_row(f, prefix, text);
    free(text);
}

static void put_environment(FILE *f, const report_run *runs, int n)
{
    static const char *fields[] = {"command", "world_size", "hosts", "bindings", "cpu_model",
                                   "git_commit", "git_dirty", "config_sha256", "data_sha256",
                                   "datasets", "version_info"};
    fputs("<h2 id=\"environment\">Environment</h2>\n", f);
    for (int r = 0; r < n; r++) {
        fprintf(f, "<h3><span class=\"swatch\" style=\"background:%s\"></span>",
                PALETTE[r % N_COLORS]);
        put_esc(f, str_of(runs[r].json, "name"));
        fputs("</h3>\n<table>\n", f);
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(runs[r].json, fields[i]);
            if (v != NULL && !cJSON_IsNull(v))
                env_json_rows(f, fields[i], v);
        }
        fputs("</table>\n", f);
    }
}

/* ---- the page --------------------------------------------------------- */

static int put_page(FILE *f, herd_runs *idx, const report_run *runs, int n, herd_error *err)
{
    char now[32];
    format_time(herd_wall_time(), now, sizeof now);
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\"><title>herd report: ", f);
    for (int r = 0; r < n; r++) {
        fputs(r ? ", " : "", f);
        put_esc(f, str_of(runs[r].json, "name"));
    }
    fprintf(f, "</title><style>%s</style></head><body>\n<h1>herd runs report</h1>\n"
               "<p>%d run%s, written %s.</p>\n", STYLE, n, n == 1 ? "" : "s", now);
    put_runs(f, runs, n);
    fputs("<h2 id=\"curves\">Curves</h2>\n", f);
    int rc = put_charts(f, idx, runs, n, 0, err);
    if (rc == HERD_OK) {
        put_params(f, runs, n);
        fputs("<h2 id=\"metrics\">Final metrics</h2>\n", f);
        put_key_table(f, runs, n, "metrics", 0);
        fputs("<h2 id=\"system\">System metrics</h2>\n", f);
        rc = put_charts(f, idx, runs, n, 1, err);
    }
    if (rc == HERD_OK)
        put_environment(f, runs, n);
    fputs("</body></html>\n", f);
    return rc;
}

static int write_file(herd_runs *idx, const report_run *runs, int n, const char *path,
                      herd_error *err)
{
    size_t len = strlen(path) + 32;
    char *tmp = herd_malloc(len);
    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int rc = HERD_OK;
    if (f == NULL) {
        rc = herd_error_set(err, HERD_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
        goto done;
    }
    rc = put_page(f, idx, runs, n, err);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        rc = rc != HERD_OK ? rc : herd_error_set(err, HERD_ERR_IO, "%s: write failed", tmp);
    if (rc == HERD_OK && rename(tmp, path) != 0)
        rc = herd_error_set(err, HERD_ERR_IO, "%s: cannot rename into place: %s", path,
                            strerror(errno));
    if (rc != HERD_OK)
        unlink(tmp);
done:
    free(tmp);
    return rc;
}

int herd_report_html_write(herd_runs *idx, const char (*ids)[33], int n, const char *path,
                           herd_error *err)
{
    report_run *runs = herd_calloc((size_t)(n > 0 ? n : 1), sizeof *runs);
    int rc = HERD_OK;
    for (int r = 0; r < n && rc == HERD_OK; r++) {
        snprintf(runs[r].id, sizeof runs[r].id, "%s", ids[r]);
        rc = herd_runs_get_json(idx, ids[r], 0, &runs[r].json, err);
    }
    if (rc == HERD_OK)
        rc = write_file(idx, runs, n, path, err);
    for (int r = 0; r < n; r++)
        cJSON_Delete(runs[r].json);
    free(runs);
    return rc;
}
