/* selective.c - the "selective" section: predicting only when confident.
 *
 * Confidence is the top-label probability. Rows sorted by confidence,
 * highest first, are accepted down to a threshold; coverage is the accepted
 * fraction and risk the error rate among them. Rows of equal confidence are
 * accepted or refused together, so the curve has one point per distinct
 * confidence. AURC = sum over those points of (rows in the group / N) *
 * risk after accepting the group (the area under the step curve). The
 * threshold for eval.selective.target_accuracy is the lowest confidence at
 * which the accepted rows still reach that accuracy (the most coverage);
 * `herd predict --abstain-below P` applies such a threshold. The
 * (confidence, correct) pairs are gathered: the curve needs the global order.
 */
#include "eval/evaluate.h"
#include "core/mem.h"

#include <math.h>
#include <stdlib.h>

#define CURVE_POINTS 100

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

static void add_point(cJSON *curve, double t, double coverage, double risk)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "threshold", t);
    cJSON_AddNumberToObject(o, "coverage", coverage);
    cJSON_AddNumberToObject(o, "risk", risk);
    cJSON_AddItemToArray(curve, o);
}

static void summarise(herd_eval_ctx *ctx, cJSON *section, const double *pairs, int64_t n)
{
    double target = ctx->cfg->eval.selective.target_accuracy, aurc = 0, wrong = 0;
    double best_t = NAN, best_cov = 0, best_acc = NAN, next_point = 0;
    cJSON *curve = cJSON_AddArrayToObject(section, "curve");
    for (int64_t i = 0; i < n;) {
        int64_t j = i;
        while (j < n && pairs[2 * j] == pairs[2 * i])
            wrong += pairs[2 * j++ + 1] < 0.5;
        double coverage = (double)j / (double)n, risk = wrong / (double)j;
        aurc += (double)(j - i) / (double)n * risk;
        if (1 - risk >= target) {
            best_t = pairs[2 * i];
            best_cov = coverage;
            best_acc = 1 - risk;
        }
        if (coverage >= next_point || j == n) {  /* about CURVE_POINTS points */
            add_point(curve, pairs[2 * i], coverage, risk);
            next_point = coverage + 1.0 / CURVE_POINTS;
        }
        i = j;
    }
    cJSON_AddNumberToObject(section, "aurc", aurc);
    cJSON_AddNumberToObject(section, "full_coverage_risk", n > 0 ? wrong / (double)n : NAN);
    cJSON *t = cJSON_AddObjectToObject(section, "target");
    cJSON_AddNumberToObject(t, "accuracy", target);
    cJSON_AddNumberToObject(t, "threshold", best_t);  /* null when unreachable */
    cJSON_AddNumberToObject(t, "coverage", best_cov);
    cJSON_AddNumberToObject(t, "achieved_accuracy", best_acc);
}

int herd_eval_selective(herd_eval_ctx *ctx, cJSON *out, herd_error *err)
{
    double *mine = herd_malloc((size_t)(2 * ctx->n + 1) * sizeof(double)), *all = NULL;
    int64_t n = 0;
    for (int64_t i = 0; i < ctx->n; i++) {
        const float *p = ctx->prob + i * ctx->width;
        mine[2 * i] = p[ctx->label[i]];
        mine[2 * i + 1] = ctx->label[i] == (int)ctx->y[i];
    }
    int rc = herd_eval_gather(ctx->comm, mine, ctx->n, 2, &all, &n, err);
    if (rc == HERD_OK) {
        qsort(all, (size_t)n, 2 * sizeof(double), cmp_desc);
        summarise(ctx, cJSON_AddObjectToObject(out, "selective"), all, n);
    }
    free(all);
    free(mine);
    return rc;
}
