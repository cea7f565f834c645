/* threshold.c - the "threshold" section (binary models): what each decision
 * threshold on p_1 trades.
 *
 * Thresholds are eval.threshold.points evenly spaced values t_j = j/(m-1) in
 * [0, 1]; a row is predicted positive when p_1 >= t_j. Each rank histograms
 * its rows by the highest threshold they reach, the histograms are added by
 * allreduce (exact integer counts), and cumulative sums give TP/FP/FN/TN at
 * every threshold. From the curve: the threshold of best F1, the threshold
 * of least expected cost cost_fp * FP + cost_fn * FN, and the thresholds
 * meeting target_recall (the highest) and target_precision (the lowest).
 */
#include "eval/evaluate.h"
#include "core/mem.h"

#include <math.h>
#include <stdlib.h>

typedef struct point {
    double t, tp, fp, fn, tn;
} point;

/* Highest j with j/(m-1) <= p, or -1 when p < 0 (exact at the edges). */
static int64_t reached(double p, int64_t m)
{
    int64_t j = (int64_t)floor(p * (double)(m - 1));
    if (j > m - 1)
        j = m - 1;
    while (j + 1 <= m - 1 && (double)(j + 1) / (double)(m - 1) <= p)
        j++;
    while (j >= 0 && (double)j / (double)(m - 1) > p)
        j--;
    return j;
}

static int build_curve(herd_eval_ctx *ctx, int64_t m, point *curve, herd_error *err)
{
    int64_t *hist = herd_calloc((size_t)(2 * m), sizeof(int64_t));  /* [j][label] */
    for (int64_t i = 0; i < ctx->n; i++) {
        int64_t j = reached(ctx->prob[2 * i + 1], m);
        if (j >= 0)
            hist[2 * j + (ctx->y[i] > 0.5)]++;
    }
    int64_t totals[2] = { 0, 0 };
    for (int64_t i = 0; i < ctx->n; i++)
        totals[ctx->y[i] > 0.5]++;
    int rc = herd_comm_allreduce_sum_i64(ctx->comm, hist, (size_t)(2 * m), err);
    if (rc == HERD_OK)
        rc = herd_comm_allreduce_sum_i64(ctx->comm, totals, 2, err);
    double tp = 0, fp = 0;
    for (int64_t j = m - 1; j >= 0 && rc == HERD_OK; j--) {
        tp += (double)hist[2 * j + 1];
        fp += (double)hist[2 * j];
        curve[j] = (point){ (double)j / (double)(m - 1), tp, fp, (double)totals[1] - tp,
                            (double)totals[0] - fp };
    }
    free(hist);
    return rc;
}

static double ratio(double a, double b) { return b > 0 ? a / b : 0; }

static cJSON *describe(const point *p)
{
    double precision = ratio(p->tp, p->tp + p->fp), recall = ratio(p->tp, p->tp + p->fn);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "threshold", p->t);
    cJSON_AddNumberToObject(o, "precision", precision);
    cJSON_AddNumberToObject(o, "recall", recall);
    cJSON_AddNumberToObject(o, "f1", precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0);
    cJSON_AddNumberToObject(o, "fpr", ratio(p->fp, p->fp + p->tn));
    cJSON_AddNumberToObject(o, "fnr", ratio(p->fn, p->fn + p->tp));
    cJSON_AddNumberToObject(o, "tp", p->tp);
    cJSON_AddNumberToObject(o, "fp", p->fp);
    cJSON_AddNumberToObject(o, "fn", p->fn);
    cJSON_AddNumberToObject(o, "tn", p->tn);
    return o;
}

static double f1_of(const point *p)
{
    double precision = ratio(p->tp, p->tp + p->fp), recall = ratio(p->tp, p->tp + p->fn);
    return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
}

static void add_choices(herd_eval_ctx *ctx, cJSON *section, const point *curve, int64_t m)
{
    const herd_config *cfg = ctx->cfg;
    int64_t best_f1 = 0, cheapest = 0, by_recall = -1, by_precision = -1;
    for (int64_t j = 0; j < m; j++) {
        const point *p = &curve[j];
        double cost = cfg->eval.threshold.cost_fp * p->fp + cfg->eval.threshold.cost_fn * p->fn;
        double best_cost = cfg->eval.threshold.cost_fp * curve[cheapest].fp +
                           cfg->eval.threshold.cost_fn * curve[cheapest].fn;
        if (f1_of(p) > f1_of(&curve[best_f1]))
            best_f1 = j;
        if (cost < best_cost)
            cheapest = j;
        if (ratio(p->tp, p->tp + p->fn) >= cfg->eval.threshold.target_recall)
            by_recall = j;  /* recall falls as t rises: keep the highest that still reaches it */
        if (by_precision < 0 && p->tp + p->fp > 0 &&
            ratio(p->tp, p->tp + p->fp) >= cfg->eval.threshold.target_precision)
            by_precision = j;
    }
    cJSON_AddItemToObject(section, "best_f1", describe(&curve[best_f1]));
    cJSON *cost = describe(&curve[cheapest]);
    cJSON_AddNumberToObject(cost, "cost_fp", cfg->eval.threshold.cost_fp);
    cJSON_AddNumberToObject(cost, "cost_fn", cfg->eval.threshold.cost_fn);
    cJSON_AddNumberToObject(cost, "cost_per_row",
                            (cfg->eval.threshold.cost_fp * curve[cheapest].fp +
                             cfg->eval.threshold.cost_fn * curve[cheapest].fn) / (double)ctx->n_total);
    cJSON_AddItemToObject(section, "min_cost", cost);
    if (cfg->eval.threshold.target_recall > 0)
        cJSON_AddItemToObject(section, "target_recall",
                              by_recall >= 0 ? describe(&curve[by_recall]) : cJSON_CreateNull());
    if (cfg->eval.threshold.target_precision > 0)
        cJSON_AddItemToObject(section, "target_precision",
                              by_precision >= 0 ? describe(&curve[by_precision]) : cJSON_CreateNull());
}

int herd_eval_threshold(herd_eval_ctx *ctx, cJSON *out, herd_error *err)
{
    int64_t m = ctx->cfg->eval.threshold.points;
    point *curve = herd_calloc((size_t)m, sizeof *curve);
    int rc = build_curve(ctx, m, curve, err);
    if (rc == HERD_OK) {
        cJSON *section = cJSON_AddObjectToObject(out, "threshold");
        cJSON *list = cJSON_AddArrayToObject(section, "curve");
        for (int64_t j = 0; j < m; j++)
            cJSON_AddItemToArray(list, describe(&curve[j]));
        add_choices(ctx, section, curve, m);
    }
    free(curve);
    return rc;
}
