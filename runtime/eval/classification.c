/* classification.c - the "metrics" section, and the metric object every
 * other section reuses (herd_eval_score: baselines, slices).
 *
 * Counts (the confusion matrix) are merged by allreduce of integers; the
 * sums of log_loss and brier terms by fixed-point allreduce (reduce.c); the
 * ranking metrics (roc_auc, average_precision) gather (score, label) pairs
 * and are exact. Definitions follow scikit-learn: log_loss clips p to
 * [1e-15, 1 - 1e-15] and renormalises each row; zero-division gives 0;
 * multiclass roc_auc and average_precision are macro one-vs-rest; brier is
 * mean (p_1 - y)^2 for binary and the mean over rows of sum_k (p_k - [y=k])^2
 * for multiclass; macro means are over the classes that occur as a label or
 * a prediction.
 */
#include "eval/evaluate.h"
#include "eval/metrics.h"
#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct class_counts {
    int K;
    int64_t *cm;          /* K x K: row = true class, column = predicted */
    double n;             /* rows */
    double log_loss, brier;
} class_counts;

static double row_log_loss(const float *p, int K, int label)
{
    double sum = 0, mine = 0;
    for (int k = 0; k < K; k++) {
        double v = fmin(fmax((double)p[k], 1e-15), 1 - 1e-15);
        sum += v;
        if (k == label)
            mine = v;
    }
    return -log(mine / sum);
}

static double row_brier(const float *p, int K, int label)
{
    if (K == 2)
        return ((double)p[1] - label) * ((double)p[1] - label);
    double sum = 0;
    for (int k = 0; k < K; k++) {
        double d = (double)p[k] - (k == label);
        sum += d * d;
    }
    return sum;
}

static int count(herd_eval_ctx *ctx, const float *prob, const uint8_t *keep, class_counts *c,
                 herd_error *err)
{
    int K = ctx->n_classes;
    herd_eval_fx fx[2] = { 0 };
    c->K = K;
    c->cm = herd_calloc((size_t)(K * K + 1), sizeof(int64_t));
    for (int64_t i = 0; i < ctx->n; i++) {
        if (keep != NULL && !keep[i])
            continue;
        const float *p = prob + i * K;
        int label = (int)ctx->y[i];
        c->cm[label * K + herd_eval_argmax(p, K)]++;
        herd_eval_fx_add(&fx[0], row_log_loss(p, K, label));
        herd_eval_fx_add(&fx[1], row_brier(p, K, label));
    }
    double sums[2];
    int rc = herd_comm_allreduce_sum_i64(ctx->comm, c->cm, (size_t)(K * K), err);
    if (rc == HERD_OK)
        rc = herd_eval_fx_reduce(ctx->comm, fx, 2, sums, err);
    c->n = 0;
    for (int k = 0; k < K * K; k++)
        c->n += (double)c->cm[k];
    c->log_loss = c->n > 0 ? sums[0] / c->n : NAN;
    c->brier = c->n > 0 ? sums[1] / c->n : NAN;
    return rc;
}

static double ratio(double a, double b) { return b > 0 ? a / b : 0; }

/* Per-class precision, recall, F1 and support; macro and weighted means.
 * Macro means are over the classes that occur as a label or a prediction
 * (scikit-learn's labels=None): a class absent from both, as in a slice
 * without it, is not counted as a 0. */
static void add_class_scores(cJSON *m, const class_counts *c)
{
    int K = c->K;
    double macro[3] = { 0 }, weighted[3] = { 0 }, correct = 0, recall_sum = 0;
    int present = 0, seen = 0;
    cJSON *per = cJSON_AddArrayToObject(m, "per_class");
    for (int k = 0; k < K; k++) {
        double tp = (double)c->cm[k * K + k], support = 0, predicted = 0;
        for (int j = 0; j < K; j++) {
            support += (double)c->cm[k * K + j];
            predicted += (double)c->cm[j * K + k];
        }
        double s[3] = { ratio(tp, predicted), ratio(tp, support), 0 };
        s[2] = s[0] + s[1] > 0 ? 2 * s[0] * s[1] / (s[0] + s[1]) : 0;
        cJSON *row = cJSON_CreateObject();
        cJSON_AddNumberToObject(row, "class", k);
        cJSON_AddNumberToObject(row, "precision", s[0]);
        cJSON_AddNumberToObject(row, "recall", s[1]);
        cJSON_AddNumberToObject(row, "f1", s[2]);
        cJSON_AddNumberToObject(row, "support", support);
        cJSON_AddItemToArray(per, row);
        for (int j = 0; j < 3; j++) {
            macro[j] += s[j];
            weighted[j] += ratio(s[j] * support, c->n);
        }
        seen += support + predicted > 0;
        correct += tp;
        if (support > 0) {
            recall_sum += s[1];
            present++;
        }
        if (K == 2 && k == 1) {
            cJSON_AddNumberToObject(m, "precision", s[0]);
            cJSON_AddNumberToObject(m, "recall", s[1]);
            cJSON_AddNumberToObject(m, "f1", s[2]);
        }
    }
    cJSON_AddNumberToObject(m, "accuracy", ratio(correct, c->n));
    cJSON_AddNumberToObject(m, "balanced_accuracy", present ? recall_sum / present : NAN);
    const char *names[3] = { "precision", "recall", "f1" };
    char key[64];
    for (int j = 0; j < 3; j++) {
        snprintf(key, sizeof key, "%s_macro", names[j]);
        cJSON_AddNumberToObject(m, key, ratio(macro[j], seen));
        snprintf(key, sizeof key, "%s_weighted", names[j]);
        cJSON_AddNumberToObject(m, key, weighted[j]);
    }
}

static void add_confusion(cJSON *m, const class_counts *c)
{
    cJSON *rows = cJSON_AddArrayToObject(m, "confusion_matrix");
    for (int k = 0; k < c->K; k++) {
        cJSON *row = cJSON_CreateArray();
        for (int j = 0; j < c->K; j++)
            cJSON_AddItemToArray(row, cJSON_CreateNumber((double)c->cm[k * c->K + j]));
        cJSON_AddItemToArray(rows, row);
    }
}

/* Exact ranking metrics from the gathered (p_0..p_{K-1}, label) rows. */
static int add_ranking(herd_eval_ctx *ctx, cJSON *m, const float *prob, const uint8_t *keep,
                       herd_error *err)
{
    int K = ctx->n_classes, stride = K + 1;
    double *mine = herd_malloc((size_t)(ctx->n * stride + 1) * sizeof(double)), *all = NULL;
    int64_t n_mine = 0, n_all = 0;
    for (int64_t i = 0; i < ctx->n; i++) {
        if (keep != NULL && !keep[i])
            continue;
        for (int k = 0; k < K; k++)
            mine[n_mine * stride + k] = prob[i * K + k];
        mine[n_mine * stride + K] = ctx->y[i];
        n_mine++;
    }
    int rc = herd_eval_gather(ctx->comm, mine, n_mine, stride, &all, &n_all, err);
    double *pairs = herd_malloc((size_t)(2 * n_all + 1) * sizeof(double));
    double auc = 0, ap = 0;
    int first = K == 2 ? 1 : 0, used = 0;
    for (int k = first; k < K && rc == HERD_OK; k++, used++) {
        for (int64_t i = 0; i < n_all; i++) {
            pairs[2 * i] = all[i * stride + k];
            pairs[2 * i + 1] = (int)all[i * stride + K] == k;
        }
        ap += herd_average_precision(pairs, n_all);
        auc += herd_roc_auc(pairs, n_all);
    }
    if (rc == HERD_OK) {
        cJSON_AddNumberToObject(m, "roc_auc", used ? auc / used : NAN);
        cJSON_AddNumberToObject(m, "average_precision", used ? ap / used : NAN);
    }
    free(pairs);
    free(all);
    free(mine);
    return rc;
}

static cJSON *score_classifier(herd_eval_ctx *ctx, const float *prob, const uint8_t *keep,
                               herd_error *err)
{
    class_counts c = { 0 };
    cJSON *m = cJSON_CreateObject();
    int rc = count(ctx, prob, keep, &c, err);
    if (rc == HERD_OK) {
        cJSON_AddNumberToObject(m, "rows", c.n);
        add_class_scores(m, &c);
        cJSON_AddNumberToObject(m, "log_loss", c.log_loss);
        cJSON_AddNumberToObject(m, "brier", c.brier);
        rc = add_ranking(ctx, m, prob, keep, err);
        add_confusion(m, &c);
    }
    free(c.cm);
    if (rc != HERD_OK) {
        cJSON_Delete(m);
        m = NULL;
    }
    return m;
}

cJSON *herd_eval_score(herd_eval_ctx *ctx, const float *prob, const uint8_t *keep,
                       herd_error *err)
{
    if (ctx->task == HERD_TASK_REGRESSION)
        return herd_eval_score_regression(ctx, prob, keep, err);
    return score_classifier(ctx, prob, keep, err);
}

/* Size of the model and the cost of running it. */
static void add_model_figures(herd_eval_ctx *ctx, cJSON *m)
{
    cJSON *model = cJSON_AddObjectToObject(m, "model");
    size_t n_params = herd_predictor_n_params(ctx->predictor);  /* over the members */
    cJSON_AddNumberToObject(model, "parameters", (double)n_params);
    cJSON_AddNumberToObject(model, "bytes", (double)n_params * sizeof(float));
    cJSON *timing = cJSON_AddObjectToObject(m, "timing");
    double per_rank = (double)ctx->n_total / ctx->size;
    if (ctx->req->train_seconds >= 0)
        cJSON_AddNumberToObject(timing, "training_seconds", ctx->req->train_seconds);
    else
        cJSON_AddNullToObject(timing, "training_seconds");
    cJSON_AddNumberToObject(timing, "predict_seconds", ctx->predict_seconds);
    cJSON_AddNumberToObject(timing, "latency_ms_per_row", 1000 * ctx->predict_seconds / per_rank);
    cJSON_AddNumberToObject(timing, "throughput_rows_per_s",
                            ctx->predict_seconds > 0 ? (double)ctx->n_total / ctx->predict_seconds : 0);
}

int herd_eval_metrics(herd_eval_ctx *ctx, cJSON *out, herd_error *err)
{
    cJSON *m = herd_eval_score(ctx, ctx->prob, NULL, err);
    if (m == NULL)
        return err->code;
    add_model_figures(ctx, m);
    cJSON_AddItemToObject(out, "metrics", m);
    return HERD_OK;
}
