/* metrics.h - evaluation metrics computed over all ranks.
 *
 * Each rank adds its rows' predictions to an accumulator; finishing it is
 * COLLECTIVE: counts and sums are added by allreduce (accuracy, log_loss,
 * mse, mae, r2 are exact from these), and for binary tasks the (score,
 * label) pairs are gathered so roc_auc is exact (ties get half credit, as in
 * scikit-learn's roc_auc_score).
 */
#ifndef HERD_METRICS_H
#define HERD_METRICS_H

#include "comm/comm.h"
#include "core/status.h"

#include <stdint.h>

typedef struct herd_eval_acc {
    int task, n_classes;
    double rows, correct, log_loss_sum;    /* classification */
    double sse, sae, sum_y, sum_y2;        /* regression */
    double *pairs;                         /* binary: score, label, score, label ... */
    int64_t n_pairs, cap_pairs;
} herd_eval_acc;

#define HERD_EVAL_MAX_METRICS 8

typedef struct herd_eval_result {
    int n;
    const char *names[HERD_EVAL_MAX_METRICS];  /* "accuracy", "log_loss", ... */
    double values[HERD_EVAL_MAX_METRICS];
    double rows;
} herd_eval_result;

void herd_eval_begin(herd_eval_acc *acc, int task, int n_classes);
/* Add B rows: pred is herd_model_predict output (probabilities (B, K) for
 * classification, values (B) for regression), y the labels/targets. */
void herd_eval_add(herd_eval_acc *acc, const float *pred, const float *y, int64_t B);
/* Merge over ranks and compute. COLLECTIVE. Frees the accumulator's memory. */
int herd_eval_finish(herd_eval_acc *acc, herd_comm *comm, herd_eval_result *res, herd_error *err);

/* The names herd_eval_finish reports for a task (HERD_TASK_*), NULL-terminated;
 * static, not to be freed. */
const char *const *herd_eval_metric_names(int task);

/* Exact ROC AUC of n (score, label) pairs, interleaved; sorts pairs in
 * place. NAN when one class is absent. */
double herd_roc_auc(double *pairs, int64_t n);

/* Average precision of n (score, label) pairs as scikit-learn's
 * average_precision_score: sum over distinct thresholds, highest first, of
 * (R_i - R_{i-1}) * P_i. Sorts pairs in place. NAN when no positive. */
double herd_average_precision(double *pairs, int64_t n);

#endif
