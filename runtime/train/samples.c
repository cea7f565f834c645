/* samples.c - the samples log: at each evaluation, the same track.samples
 * validation rows with their prediction, probabilities and ground truth.
 *
 * The rows are drawn once per (seed, number of validation rows) by selection
 * sampling (Knuth's algorithm S) on the counter-based stream
 * HERD_STREAM_SAMPLE: row i of the validation list is taken with
 * probability (wanted - taken) / (n - i) decided by draw i. The draw depends
 * on nothing else, so every evaluation, every rank and every rank count
 * picks the same rows. Each rank predicts the picked rows in its shard; the
 * records are gathered and rank 0 writes them with their row index in the
 * file.
 */
#include "train/trainer.h"
#include "core/mem.h"
#include "core/rng.h"
#include "data/shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXED 3  /* position, label, prediction; then width probabilities */

/* Predict the picked rows of this rank's shard [lo, hi) into records of
 * FIXED + width doubles; returns how many. */
static int64_t predict_mine(herd_trainer *t, const herd_rows *rows, int64_t total, int64_t lo,
                            int64_t hi, int width, double *rec)
{
    uint64_t seed = (uint64_t)t->cfg->seed;
    int64_t wanted = t->cfg->track.samples < total ? t->cfg->track.samples : total;
    int64_t taken = 0, n = 0;
    int classify = t->model->spec.task != HERD_TASK_REGRESSION;
    for (int64_t i = 0; i < hi && taken < wanted; i++) {
        double u = herd_rng_uniform(seed, HERD_STREAM_SAMPLE, (uint64_t)i);
        if (u * (double)(total - i) >= (double)(wanted - taken))
            continue;
        taken++;
        if (i < lo)
            continue;
        double *r = rec + n++ * (FIXED + width);
        herd_model_predict(t->model, rows->X + (i - lo) * rows->cols, 1, t->pred);
        int best = 0;
        for (int k = 0; k < width; k++) {
            r[FIXED + k] = t->pred[k];
            best = t->pred[k] > t->pred[best] ? k : best;
        }
        r[0] = (double)i;
        r[1] = rows->y[i - lo];
        r[2] = classify ? (double)best : t->pred[0];
    }
    return n;
}

/* "[p0,p1,...]" for a classifier's record, NULL for regression. */
static char *probabilities_text(const double *r, int width, int classify)
{
    if (!classify)
        return NULL;
    size_t cap = (size_t)width * 16 + 4, used = 1;
    char *s = herd_malloc(cap);
    s[0] = '[';
    for (int k = 0; k < width; k++)
        used += (size_t)snprintf(s + used, cap - used, "%s%.6g", k ? "," : "", r[FIXED + k]);
    snprintf(s + used, cap - used, "]");
    return s;
}

/* Rank 0: write the gathered records, positions mapped to file rows. */
static int write_samples(herd_trainer *t, const double *all, int64_t n, int width,
                         herd_error *err)
{
    const herd_config *cfg = t->cfg;
    int64_t *file_rows = NULL, n_rows = 0;
    int classify = t->model->spec.task != HERD_TASK_REGRESSION;
    int rc = t->val_ds != NULL
                 ? herd_rows_select(t->val_ds, HERD_ROLE_ALL, (uint64_t)cfg->seed, 0, &file_rows,
                                    &n_rows, err)
                 : herd_rows_select(t->train_ds, HERD_ROLE_VAL, (uint64_t)cfg->seed,
                                    cfg->data.val_fraction, &file_rows, &n_rows, err);
    herd_run_sample *s = herd_calloc((size_t)(n > 0 ? n : 1), sizeof *s);
    for (int64_t i = 0; rc == HERD_OK && i < n; i++) {
        const double *r = all + i * (FIXED + width);
        int64_t pos = (int64_t)r[0];
        s[i] = (herd_run_sample){.row = pos < n_rows ? file_rows[pos] : pos, .label = r[1],
                                 .prediction = r[2],
                                 .probabilities = probabilities_text(r, width, classify)};
    }
    if (rc == HERD_OK)
        rc = herd_runlog_log_samples(t->log, t->step, s, (int)n, err);
    for (int64_t i = 0; i < n; i++)
        free((char *)s[i].probabilities);
    free(s);
    free(file_rows);
    return rc;
}

int herd_trainer_log_samples(herd_trainer *t, const herd_rows *rows, int64_t total,
                             herd_error *err)
{
    if (!t->cfg->track.enabled || t->cfg->track.samples <= 0 || total <= 0)
        return HERD_OK;
    int64_t lo = 0, hi = 0, n_all = 0;
    herd_shard_range(total, t->rank, t->size, &lo, &hi);
    int width = herd_model_predict_width(t->model);
    int64_t cap = t->cfg->track.samples < rows->n ? t->cfg->track.samples : rows->n;
    double *mine = herd_malloc((size_t)(cap > 0 ? cap : 1) * (FIXED + (size_t)width) * sizeof(double));
    double *all = NULL;
    int64_t n = predict_mine(t, rows, total, lo, hi, width, mine);
    int rc = herd_comm_allgatherv_f64(t->comm, mine, n * (FIXED + width), &all, &n_all, err);
    if (rc == HERD_OK && t->log != NULL)
        rc = write_samples(t, all, n_all / (FIXED + width), width, err);
    free(mine);
    free(all);
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}
