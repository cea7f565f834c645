/* eval_html.c - the self-contained HTML page of `herd eval --html` and
 * `herd eval learning-curve --html`.
 *
 * Drawn from the finished result object only: whatever members it holds get
 * their chart or table (ROC and precision-recall curves from "threshold",
 * the reliability diagram from "calibration", risk-coverage from
 * "selective", slice bars with their intervals, the perturbation curve, the
 * learning curve, the baselines table, the gate). Charts are inline SVG;
 * there is no script and nothing is fetched, so the page opens offline.
 * Every piece of text that comes from data or config (feature and slice
 * names, paths, rules, reasons) goes through herd_html_escape.
 */
#include "eval/evaluate.h"
#include "core/mem.h"
#include "track/report_html.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define W 440
#define H 300
#define L 56
#define R 16
#define T 14
#define B 44

static const char *COLORS[] = { "#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1" };

static const char *STYLE =
    "body{font-family:sans-serif;margin:24px;color:#222;background:#fff}"
    "h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}"
    "table{border-collapse:collapse;font-size:13px;margin:8px 0}"
    "td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}th{background:#f4f4f4}"
    "td.num{text-align:right;font-family:monospace}.charts{display:flex;flex-wrap:wrap;gap:12px}"
    "figure{margin:0;border:1px solid #eee;padding:6px}figcaption{font-size:13px;font-weight:bold}"
    "svg text{font-size:11px;fill:#444}.pass{color:#1a7f37}.fail{color:#c62828}";

typedef struct series {
    const char *name;
    double *x, *y;
    int n;
} series;

typedef struct frame {
    double x0, x1, y0, y1;
} frame;

static void esc(FILE *f, const char *s)
{
    char *e = herd_html_escape(s);
    fputs(e, f);
    free(e);
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static double px(const frame *fr, double x) { return L + (x - fr->x0) / (fr->x1 - fr->x0) * (W - L - R); }
static double py(const frame *fr, double y) { return H - B - (y - fr->y0) / (fr->y1 - fr->y0) * (H - T - B); }

/* Series values of array arr: x from member kx, y from member ky (rows with
 * a missing value are left out). Caller frees s->x and s->y. */
static void extract(const cJSON *arr, const char *kx, const char *ky, const char *name, series *s)
{
    int n = cJSON_GetArraySize(arr);
    s->name = name;
    s->x = herd_malloc((size_t)(n + 1) * sizeof(double));
    s->y = herd_malloc((size_t)(n + 1) * sizeof(double));
    s->n = 0;
    for (const cJSON *p = arr != NULL ? arr->child : NULL; p != NULL; p = p->next) {
        double x = num(p, kx), y = num(p, ky);
        if (isfinite(x) && isfinite(y)) {
            s->x[s->n] = x;
            s->y[s->n++] = y;
        }
    }
}

static void free_series(series *s, int n)
{
    for (int i = 0; i < n; i++) {
        free(s[i].x);
        free(s[i].y);
    }
}

static frame fit(const series *s, int n, int unit)
{
    frame fr = { 0, 1, 0, 1 };
    if (unit)
        return fr;
    fr = (frame){ INFINITY, -INFINITY, INFINITY, -INFINITY };
    for (int i = 0; i < n; i++)
        for (int k = 0; k < s[i].n; k++) {
            fr.x0 = fmin(fr.x0, s[i].x[k]);
            fr.x1 = fmax(fr.x1, s[i].x[k]);
            fr.y0 = fmin(fr.y0, s[i].y[k]);
            fr.y1 = fmax(fr.y1, s[i].y[k]);
        }
    if (!(fr.x1 > fr.x0))
        fr.x0 -= 0.5, fr.x1 = fr.x0 + 1;
    if (!(fr.y1 > fr.y0))
        fr.y0 -= 0.5, fr.y1 = fr.y0 + 1;
    double pad = 0.05 * (fr.y1 - fr.y0);
    fr.y0 -= pad;
    fr.y1 += pad;
    return fr;
}

static void axes(FILE *f, const frame *fr, const char *xlabel, const char *ylabel)
{
    fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#999'/>", L, T,
            W - L - R, H - T - B);
    for (int i = 0; i <= 4; i++) {
        double x = fr->x0 + i * (fr->x1 - fr->x0) / 4, y = fr->y0 + i * (fr->y1 - fr->y0) / 4;
        fprintf(f, "<text x='%.1f' y='%d' text-anchor='middle'>%.3g</text>", px(fr, x), H - B + 14, x);
        fprintf(f, "<text x='%d' y='%.1f' text-anchor='end'>%.3g</text>", L - 4, py(fr, y) + 4, y);
    }
    fprintf(f, "<text x='%d' y='%d' text-anchor='middle'>", (L + W - R) / 2, H - 8);
    esc(f, xlabel);
    fprintf(f, "</text><text x='12' y='%d' transform='rotate(-90 12 %d)' text-anchor='middle'>",
            (T + H - B) / 2, (T + H - B) / 2);
    esc(f, ylabel);
    fputs("</text>", f);
}

/* One chart: the series as polylines with points; diag draws y = x. */
static void line_chart(FILE *f, const char *title, const char *xlabel, const char *ylabel,
                       const series *s, int n, int unit, int diag)
{
    frame fr = fit(s, n, unit);
    fputs("<figure><figcaption>", f);
    esc(f, title);
    fprintf(f, "</figcaption><svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d'>", W, H);
    axes(f, &fr, xlabel, ylabel);
    if (diag)
        fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#bbb' stroke-dasharray='4'/>",
                px(&fr, 0), py(&fr, 0), px(&fr, 1), py(&fr, 1));
    for (int i = 0; i < n; i++) {
        const char *c = COLORS[i % 5];
        fprintf(f, "<polyline class='series' fill='none' stroke='%s' stroke-width='1.5' points='", c);
        for (int k = 0; k < s[i].n; k++)
            fprintf(f, "%.1f,%.1f ", px(&fr, s[i].x[k]), py(&fr, s[i].y[k]));
        fputs("'/>", f);
        for (int k = 0; k < s[i].n && s[i].n <= 40; k++)
            fprintf(f, "<circle cx='%.1f' cy='%.1f' r='2.5' fill='%s'/>", px(&fr, s[i].x[k]),
                    py(&fr, s[i].y[k]), c);
        fprintf(f, "<text x='%d' y='%d' style='fill:%s'>", L + 8, T + 14 + 14 * i, c);
        esc(f, s[i].name);
        fputs("</text>", f);
    }
    fputs("</svg></figure>\n", f);
}

/* ---- sections ---- */

static void curves(FILE *f, const cJSON *r)
{
    const cJSON *roc = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "threshold"), "curve");
    const cJSON *cal = cJSON_GetObjectItem(r, "calibration");
    const cJSON *table = cJSON_GetObjectItem(cal, "table");
    for (const cJSON *c = cal != NULL ? cal->child : NULL; table == NULL && c != NULL; c = c->next)
        table = cJSON_GetObjectItem(c, "table");
    const cJSON *rc = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "selective"), "curve");
    const cJSON *pert = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "tests"), "perturbation"), "levels");
    series s[1];
    if (roc == NULL && table == NULL && rc == NULL && pert == NULL)
        return;
    fputs("<h2>Curves</h2><div class='charts'>\n", f);
    if (roc != NULL) {
        extract(roc, "fpr", "recall", "model", s);
        line_chart(f, "ROC curve", "false positive rate", "true positive rate", s, 1, 1, 1);
        free_series(s, 1);
        extract(roc, "recall", "precision", "model", s);
        line_chart(f, "Precision-recall curve", "recall", "precision", s, 1, 1, 0);
        free_series(s, 1);
    }
    if (table != NULL) {
        extract(table, "mean_score", "mean_outcome", "model", s);
        line_chart(f, "Reliability diagram", "mean predicted probability", "observed frequency", s, 1, 1, 1);
        free_series(s, 1);
    }
    if (rc != NULL) {
        extract(rc, "coverage", "risk", "model", s);
        line_chart(f, "Risk-coverage curve", "coverage", "risk (error rate)", s, 1, 0, 0);
        free_series(s, 1);
    }
    if (pert != NULL) {
        const char *metric = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "tests"), "perturbation"), "metric"));
        extract(pert, "level", "value", metric != NULL ? metric : "metric", s);
        line_chart(f, "Perturbation: metric vs noise (feature std units)", "noise level", metric ? metric : "", s, 1, 0, 0);
        free_series(s, 1);
    }
    fputs("</div>\n", f);
}

static void learning_curve(FILE *f, const cJSON *r)
{
    const cJSON *lc = cJSON_GetObjectItem(r, "learning_curve");
    const cJSON *pts = cJSON_GetObjectItem(lc, "points");
    if (pts == NULL)
        return;
    const char *metric = cJSON_GetStringValue(cJSON_GetObjectItem(lc, "metric"));
    series s[2];
    fputs("<h2>Learning curve</h2><div class='charts'>\n", f);
    extract(pts, "train_rows", "train", "train", &s[0]);
    extract(pts, "train_rows", "validation", "validation", &s[1]);
    line_chart(f, "Metric vs training rows", "training rows", metric ? metric : "", s, 2, 0, 0);
    free_series(s, 2);
    extract(pts, "train_rows", "seconds", "training time", &s[0]);
    line_chart(f, "Training time vs training rows", "training rows", "seconds", s, 1, 0, 0);
    free_series(s, 1);
    fputs("</div>\n", f);
}

/* The metric the slice bars show: the first with an interval. */
static const char *bar_metric(const cJSON *slices)
{
    static const char *const order[] = { "roc_auc", "accuracy", "mae", NULL };
    for (int i = 0; order[i] != NULL; i++)
        for (const cJSON *s = slices->child; s != NULL; s = s->next)
            if (cJSON_GetObjectItem(cJSON_GetObjectItem(s, "ci"), order[i]) != NULL)
                return order[i];
    return NULL;
}

static void slice_bars(FILE *f, const cJSON *r, const cJSON *slices, const char *m)
{
    int n = cJSON_GetArraySize(slices), row = 22, h = 30 + n * row, x0 = 220, w = 300;
    double hi = 0, overall = num(cJSON_GetObjectItem(r, "metrics"), m);
    for (const cJSON *s = slices->child; s != NULL; s = s->next)
        hi = fmax(hi, fmax(num(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "ci"), m), "high"),
                           num(cJSON_GetObjectItem(s, "metrics"), m)));
    hi = hi > 0 && isfinite(hi) ? hi : 1;
    fprintf(f, "<figure><figcaption>%s by slice, with intervals (red: flagged)</figcaption>", m);
    fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d'>", x0 + w + 60, h);
    int i = 0;
    for (const cJSON *s = slices->child; s != NULL; s = s->next, i++) {
        const cJSON *ci = cJSON_GetObjectItem(cJSON_GetObjectItem(s, "ci"), m);
        double v = num(cJSON_GetObjectItem(s, "metrics"), m), lo = num(ci, "low"), up = num(ci, "high");
        int y = 10 + i * row;
        fprintf(f, "<text x='%d' y='%d' text-anchor='end'>", x0 - 6, y + 13);
        esc(f, cJSON_GetStringValue(cJSON_GetObjectItem(s, "name")));
        fputs("</text>", f);
        if (isfinite(v))
            fprintf(f, "<rect class='bar' x='%d' y='%d' width='%.1f' height='14' fill='%s'/>", x0, y + 2,
                    fmax(0, v) / hi * w, cJSON_IsTrue(cJSON_GetObjectItem(s, "flagged")) ? "#e15759" : "#4e79a7");
        if (isfinite(lo) && isfinite(up))
            fprintf(f, "<line x1='%.1f' x2='%.1f' y1='%d' y2='%d' stroke='#222' stroke-width='1.5'/>",
                    x0 + fmax(0, lo) / hi * w, x0 + up / hi * w, y + 9, y + 9);
        fprintf(f, "<text x='%d' y='%d'>%.3f</text>", x0 + w + 6, y + 13, v);
    }
    if (isfinite(overall))
        fprintf(f, "<line x1='%.1f' x2='%.1f' y1='4' y2='%d' stroke='#59a14f' stroke-dasharray='4'/>",
                x0 + overall / hi * w, x0 + overall / hi * w, h - 10);
    fputs("</svg></figure>\n", f);
}

static void cell(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "<td class='num'>%.4f</td>", v);
    else
        fputs("<td class='num'>-</td>", f);
}

static void number_cells(FILE *f, const cJSON *m, const char *const *keys)
{
    for (int k = 0; keys[k] != NULL; k++)
        cell(f, num(m, keys[k]));
}

static void slices(FILE *f, const cJSON *r)
{
    const cJSON *list = cJSON_GetObjectItem(r, "slices");
    if (cJSON_GetArraySize(list) == 0)
        return;
    const char *m = bar_metric(list);
    fputs("<h2>Slices</h2><div class='charts'>", f);
    if (m != NULL)
        slice_bars(f, r, list, m);
    static const char *const cls[] = { "accuracy", "roc_auc", "recall", "precision", NULL };
    static const char *const reg[] = { "mae", "rmse", "r2", NULL };
    const char *const *keys = m != NULL && strcmp(m, "mae") == 0 ? reg : cls;
    fputs("</div><table><tr><th>slice</th><th>n</th>", f);
    for (int k = 0; keys[k] != NULL; k++)
        fprintf(f, "<th>%s</th>", keys[k]);
    fputs("<th>flagged</th><th>worse on</th></tr>\n", f);
    for (const cJSON *s = list->child; s != NULL; s = s->next) {
        fputs("<tr><td>", f);
        esc(f, cJSON_GetStringValue(cJSON_GetObjectItem(s, "name")));
        fprintf(f, "</td><td class='num'>%.0f</td>", num(s, "n"));
        number_cells(f, cJSON_GetObjectItem(s, "metrics"), keys);
        fprintf(f, "<td>%s</td><td>",
                cJSON_IsTrue(cJSON_GetObjectItem(s, "flagged")) ? "<b class='fail'>yes</b>" : "no");
        for (const cJSON *w = cJSON_GetObjectItem(s, "worse_on") ? cJSON_GetObjectItem(s, "worse_on")->child : NULL;
             w != NULL; w = w->next) {
            esc(f, cJSON_GetStringValue(w));
            fputs(" ", f);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void baselines(FILE *f, const cJSON *r)
{
    static const char *const cls[] = { "accuracy", "balanced_accuracy", "f1_macro", "roc_auc",
                                       "average_precision", "log_loss", "brier", NULL };
    static const char *const reg[] = { "mse", "rmse", "mae", "r2", "mape", NULL };
    const cJSON *b = cJSON_GetObjectItem(r, "baselines"), *metrics = cJSON_GetObjectItem(r, "metrics");
    if (metrics == NULL)
        return;
    const char *const *keys = cJSON_GetObjectItem(metrics, "mse") != NULL ? reg : cls;
    fputs("<h2>Model and baselines</h2><table><tr><th>predictor</th>", f);
    for (int k = 0; keys[k] != NULL; k++)
        fprintf(f, "<th>%s</th>", keys[k]);
    fputs("<th>model beats it</th></tr>\n<tr><td><b>model</b></td>", f);
    number_cells(f, metrics, keys);
    fputs("<td></td></tr>\n", f);
    const cJSON *beats = cJSON_GetObjectItem(b, "model_beats");
    for (const cJSON *c = b != NULL ? b->child : NULL; c != NULL; c = c->next) {
        if (!cJSON_IsObject(c) || c == beats)
            continue;
        fputs("<tr><td>", f);
        esc(f, c->string);
        const char *rule = cJSON_GetStringValue(cJSON_GetObjectItem(c, "rule"));
        if (rule != NULL) {
            fputs(": <code>", f);
            esc(f, rule);
            fputs("</code>", f);
        }
        fputs("</td>", f);
        number_cells(f, c, keys);
        const cJSON *beat = cJSON_GetObjectItem(beats, c->string);
        fprintf(f, "<td>%s</td></tr>\n", cJSON_IsTrue(beat)   ? "yes"
                                         : cJSON_IsNull(beat) ? "n/a (metric undefined)"
                                                              : "<b class='fail'>no</b>");
    }
    fputs("</table>\n", f);
}

static void tests_table(FILE *f, const cJSON *r)
{
    const cJSON *tests = cJSON_GetObjectItem(r, "tests");
    if (tests == NULL)
        return;
    fputs("<h2>Behavioural tests</h2><table><tr><th>test</th><th>feature</th><th>measure</th>"
          "<th>value</th><th>limit</th><th>result</th></tr>\n", f);
    for (const cJSON *t = tests->child; t != NULL; t = t->next) {
        const cJSON *one = cJSON_IsArray(t) ? t->child : cJSON_IsObject(t) ? t : NULL;
        for (; one != NULL; one = cJSON_IsArray(t) ? one->next : NULL) {
            int inv = strcmp(t->string, "invariance") == 0, dir = strcmp(t->string, "directional") == 0;
            const char *measure = inv ? "changed_fraction" : dir ? "violation_rate" : "drop_at";
            fprintf(f, "<tr><td>%s</td><td>", t->string);
            esc(f, cJSON_GetStringValue(cJSON_GetObjectItem(one, "feature")));
            fprintf(f, "</td><td>%s</td><td class='num'>%.4g</td><td class='num'>%.4g</td><td>%s</td></tr>\n",
                    measure, num(one, measure), num(one, inv || dir ? "tolerance" : "max_drop"),
                    cJSON_IsTrue(cJSON_GetObjectItem(one, "passed")) ? "<b class='pass'>pass</b>"
                                                                     : "<b class='fail'>fail</b>");
        }
    }
    fputs("</table>\n", f);
}

static void gate(FILE *f, const cJSON *r)
{
    const cJSON *g = cJSON_GetObjectItem(r, "gate");
    if (g == NULL)
        return;
    int passed = cJSON_IsTrue(cJSON_GetObjectItem(g, "passed"));
    fprintf(f, "<h2>Gate</h2><p id='gate' class='%s'><b>%s</b> (%.0f checks)</p><ul>\n",
            passed ? "pass" : "fail", passed ? "PASSED" : "FAILED", num(g, "checks"));
    for (const cJSON *c = cJSON_GetObjectItem(g, "reasons")->child; c != NULL; c = c->next) {
        fputs("<li>", f);
        esc(f, cJSON_GetStringValue(c));
        fputs("</li>\n", f);
    }
    const cJSON *undefined = cJSON_GetObjectItem(g, "undefined");
    for (const cJSON *c = undefined != NULL ? undefined->child : NULL; c != NULL; c = c->next) {
        fputs("<li class='undefined'>", f);
        esc(f, cJSON_GetStringValue(c));
        fputs(": undefined in the slice, not checked</li>\n", f);
    }
    fputs("</ul>\n", f);
}

static void header(FILE *f, const cJSON *r)
{
    static const char *const keys[] = { "checkpoint", "data", "data_rows", "task", "model_run_id",
                                        "run_id", "config", NULL };
    fprintf(f, "<!DOCTYPE html><html><head><meta charset='utf-8'><title>herd evaluation</title>"
               "<style>%s</style></head><body><h1>herd evaluation</h1><table>\n", STYLE);
    for (int k = 0; keys[k] != NULL; k++) {
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(r, keys[k]));
        if (v == NULL)
            continue;
        fprintf(f, "<tr><th>%s</th><td>", keys[k]);
        esc(f, v);
        fputs("</td></tr>\n", f);
    }
    if (isfinite(num(r, "rows")))
        fprintf(f, "<tr><th>rows</th><td>%.0f</td></tr><tr><th>ranks</th><td>%.0f</td></tr>\n",
                num(r, "rows"), num(r, "ranks"));
    fputs("</table>\n", f);
}

static int write_page(FILE *f, const cJSON *r)
{
    header(f, r);
    gate(f, r);
    baselines(f, r);
    curves(f, r);
    slices(f, r);
    tests_table(f, r);
    learning_curve(f, r);
    fputs("</body></html>\n", f);
    return ferror(f) ? -1 : 0;
}

int herd_eval_write_html(const cJSON *result, const char *path, herd_error *err)
{
    char *tmp = herd_malloc(strlen(path) + 8);
    sprintf(tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = HERD_OK;
    if (f == NULL)
        rc = herd_error_set(err, HERD_ERR_IO, "eval: cannot create %s: %s", path, strerror(errno));
    else {
        int bad = write_page(f, result) != 0;
        bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
        bad |= fclose(f) != 0;
        if (bad || rename(tmp, path) != 0) {
            unlink(tmp);
            rc = herd_error_set(err, HERD_ERR_IO, "eval: writing %s failed (disk full?)", path);
        }
    }
    free(tmp);
    return rc;
}
