/* metrics.c - mergeable evaluation metrics. */
#include "eval/metrics.h"
#include "core/mem.h"
#include "data/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void herd_eval_begin(herd_eval_acc *acc, int task, int n_classes)
{
    memset(acc, 0, sizeof *acc);
    acc->task = task;
    acc->n_classes = n_classes;
}

static void add_pair(herd_eval_acc *acc, double score, double label)
{
    if (acc->n_pairs == acc->cap_pairs) {
        acc->cap_pairs = acc->cap_pairs ? 2 * acc->cap_pairs : 4096;
        acc->pairs = herd_realloc(acc->pairs, (size_t)acc->cap_pairs * 2 * sizeof(double));
    }
    acc->pairs[2 * acc->n_pairs] = score;
    acc->pairs[2 * acc->n_pairs + 1] = label;
    acc->n_pairs++;
}

static void add_classification(herd_eval_acc *acc, const float *prob, const float *y, int64_t B)
{
    int K = acc->n_classes;
    for (int64_t i = 0; i < B; i++) {
        const float *p = prob + i * K;
        int label = (int)y[i];
        int best = 0;
        for (int k = 1; k < K; k++)
            if (p[k] > p[best])
                best = k;
        acc->correct += best == label;
        double pt = p[label] < 1e-15 ? 1e-15 : p[label];
        acc->log_loss_sum -= log(pt);
        if (acc->task == HERD_TASK_BINARY)
            add_pair(acc, p[1], (double)label);
    }
}

static void add_regression(herd_eval_acc *acc, const float *pred, const float *y, int64_t B)
{
    for (int64_t i = 0; i < B; i++) {
        double e = (double)pred[i] - (double)y[i];
        acc->sse += e * e;
        acc->sae += fabs(e);
        acc->sum_y += y[i];
        acc->sum_y2 += (double)y[i] * y[i];
    }
}

void herd_eval_add(herd_eval_acc *acc, const float *pred, const float *y, int64_t B)
{
    acc->rows += (double)B;
    if (acc->task == HERD_TASK_REGRESSION)
        add_regression(acc, pred, y, B);
    else
        add_classification(acc, pred, y, B);
}

static int cmp_score(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double herd_roc_auc(double *pairs, int64_t n)
{
    qsort(pairs, (size_t)n, 2 * sizeof(double), cmp_score);
    double pos = 0, rank_sum = 0;
    for (int64_t i = 0; i < n;) {
        int64_t j = i;
        while (j < n && pairs[2 * j] == pairs[2 * i])
            j++;
        double mid_rank = 0.5 * (double)(i + 1 + j);  /* average 1-based rank of the tie group */
        for (int64_t k = i; k < j; k++)
            if (pairs[2 * k + 1] > 0.5) {
                pos += 1;
                rank_sum += mid_rank;
            }
        i = j;
    }
    double neg = (double)n - pos;
    if (pos == 0 || neg == 0)
        return NAN;
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

double herd_average_precision(double *pairs, int64_t n)
{
    qsort(pairs, (size_t)n, 2 * sizeof(double), cmp_score);
    double pos = 0, tp = 0, seen = 0, ap = 0, recall_before = 0;
    for (int64_t i = 0; i < n; i++)
        pos += pairs[2 * i + 1] > 0.5;
    if (pos == 0)
        return NAN;
    for (int64_t j = n; j > 0;) {  /* tie groups, highest score first */
        int64_t i = j;
        while (i > 0 && pairs[2 * (i - 1)] == pairs[2 * (j - 1)])
            i--;
        for (int64_t k = i; k < j; k++)
            tp += pairs[2 * k + 1] > 0.5;
        seen += (double)(j - i);
        ap += (tp / pos - recall_before) * (tp / seen);
        recall_before = tp / pos;
        j = i;
    }
    return ap;
}

const char *const *herd_eval_metric_names(int task)
{
    static const char *const binary[] = { "accuracy", "log_loss", "roc_auc", NULL };
    static const char *const multiclass[] = { "accuracy", "log_loss", NULL };
    static const char *const regression[] = { "mse", "rmse", "mae", "r2", NULL };
    return task == HERD_TASK_BINARY ? binary
         : task == HERD_TASK_MULTICLASS ? multiclass : regression;
}

static void put(herd_eval_result *res, const char *name, double value)
{
    res->names[res->n] = name;
    res->values[res->n] = value;
    res->n++;
}

int herd_eval_finish(herd_eval_acc *acc, herd_comm *comm, herd_eval_result *res, herd_error *err)
{
    double sums[8] = { acc->rows, acc->correct, acc->log_loss_sum, acc->sse,
                       acc->sae, acc->sum_y, acc->sum_y2, 0 };
    double *all = NULL;
    int64_t total = 0;
    int rc = herd_comm_allreduce_sum_f64(comm, sums, 8, err);
    if (rc == HERD_OK && acc->task == HERD_TASK_BINARY)
        rc = herd_comm_allgatherv_f64(comm, acc->pairs, 2 * acc->n_pairs, &all, &total, err);
    if (rc != HERD_OK)
        goto done;
    memset(res, 0, sizeof *res);
    double n = sums[0] > 0 ? sums[0] : 1;
    res->rows = sums[0];
    if (acc->task == HERD_TASK_REGRESSION) {
        double mse = sums[3] / n;
        double var = sums[6] / n - (sums[5] / n) * (sums[5] / n);
        put(res, "mse", mse);
        put(res, "rmse", sqrt(mse));
        put(res, "mae", sums[4] / n);
        put(res, "r2", var > 0 ? 1.0 - mse / var : NAN);
    } else {
        put(res, "accuracy", sums[1] / n);
        put(res, "log_loss", sums[2] / n);
        if (acc->task == HERD_TASK_BINARY)
            put(res, "roc_auc", herd_roc_auc(all, total / 2));
    }
done:
    free(all);
    free(acc->pairs);
    acc->pairs = NULL;
    return rc;
}
