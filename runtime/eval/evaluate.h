/* evaluate.h - `herd eval`: a checkpoint evaluated on a dataset, over MPI ranks.
 *
 * herd_evaluate is COLLECTIVE. Every rank reads the checkpoint, takes its
 * contiguous shard of the evaluated rows (every row of the dataset, or those
 * whose /split is one role; data/shard.h), applies the stored
 * preprocessing and predicts its rows once. Then each section in the table
 * in evaluate.c runs in order on the same herd_eval_ctx and adds one member
 * to the result object ("metrics", "baselines", "threshold", "calibration",
 * "conformal", "selective", ...). Sections merge over ranks by allreduce of
 * counts, histograms and fixed-point sums (herd_eval_sum_*: the merged sum
 * does not depend on how the rows are split over ranks), and gather the
 * (score, label) pairs where a definition needs every row (exact roc_auc,
 * quantiles, isotonic fits). Every rank ends with the same result object;
 * rank 0 writes the JSON file and the experiment log.
 *
 * Adding a section: write `int herd_eval_<name>(herd_eval_ctx *ctx, cJSON *out,
 * herd_error *err)` in runtime/eval/<name>.c (COLLECTIVE, adds its member to
 * out, reads earlier members of out when it needs them, e.g. a gate reads
 * "metrics"), declare it below, add a row to `sections` in evaluate.c, and its
 * config keys (eval.<name>.*) to runtime/config/schema.c.
 */
#ifndef HERD_EVALUATE_H
#define HERD_EVALUATE_H

#include "comm/comm.h"
#include "config/config.h"
#include "core/status.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "models/model.h"
#include "eval/predictor.h"
#include "eval/recal.h"
#include "train/batches.h"
#include "train/checkpoint.h"

#include <cjson/cJSON.h>
#include <stdint.h>

typedef struct herd_runlog herd_runlog;

/* What to evaluate and where the results go. */
typedef struct herd_eval_request {
    const char *checkpoint;   /* model (and preprocessing, run_id) to evaluate */
    const char *const *checkpoints; /* NULL, or n_checkpoints (> 1) checkpoints evaluated as
                                       an ensemble (eval/predictor.h); [0] is checkpoint */
    int n_checkpoints;
    const char *data;         /* HDF5 dataset */
    int rows;                 /* HERD_ROLE_* (train/batches.h): the rows of data whose /split
                                 is that role, or every row (HERD_ROLE_ALL) */
    const herd_config *cfg;   /* eval.* keys, seed, track.* */
    const char *json_out;     /* NULL or where rank 0 writes the result JSON */
    const char *html_out;     /* NULL or where rank 0 writes the HTML report */
    int gate;                 /* --gate: a failed gate makes the exit code non-zero */
    const char *command;      /* command line, for the experiment log */
    herd_runlog *log;         /* rank 0: log into this open run (end of training);
                                 NULL: open a new evaluation run linked to the
                                 checkpoint's run (parent_id) when tracking is on */
    double train_seconds;     /* training wall time when known, else < 0 */
} herd_eval_request;

/* Everything a section sees. Rows are this rank's shard of the evaluated rows
 * (req->rows), in file order; row[i] is the file's index of row i, so that
 * messages, random draws and /columns name and follow the rows of the file. */
typedef struct herd_eval_ctx {
    herd_comm *comm;
    int rank, size;
    char hosts[1024];             /* "host:ranks,..." of the job, for the run record */
    const herd_eval_request *req;
    const herd_config *cfg;

    herd_predictor *predictor;    /* the checkpoint, or the ensemble of req->checkpoints */
    const herd_checkpoint *ck;    /* its first member: spec, names, run_id (owned by predictor) */
    herd_dataset *ds;
    const herd_dataset_info *info;
    char data_sha256[65];         /* the stored content hash, else computed (herd data hash) */
    char **feature_names;         /* info->cols names (dataset's /feature_names or f0..) */

    int task, n_classes;          /* HERD_TASK_*; n_classes 0 for regression */
    int width;                    /* columns of prob: n_classes, or 1 for regression */
    int64_t n_total;              /* evaluated rows over all ranks */
    int64_t n;                    /* this rank's rows */
    int64_t *row;                 /* n: the file's index of each row (ascending) */
    float *X;                     /* n x cols raw features (before preprocessing) */
    float *y;                     /* n labels (class ids) or targets */
    float *prob;                  /* n x width: probabilities, or predicted values */
    int *label;                   /* n predicted class ids (NULL for regression) */
    uint8_t *calib;               /* n: 1 = row in the calibration split (eval.split_fraction) */
    double predict_seconds;       /* slowest rank's time to predict its shard */

    herd_recal recal;             /* fitted by calibration.c and conformal.c; stored in the
                                     checkpoint after the sections when eval.store */
    int recal_fitted;             /* something in recal to store */
    cJSON *result;                /* the object being built (same on every rank) */
    int gate_failed;              /* set by the gate section */
} herd_eval_ctx;

#define HERD_EVAL_CHUNK 1024

/* Evaluate req on every rank of comm. On success, *result (may be NULL to
 * discard) receives the result object (caller frees with cJSON_Delete) on
 * every rank. Returns HERD_OK, or the agreed error; with req->gate a failed
 * gate returns HERD_ERR_RUNTIME ("gate failed: ..."). COLLECTIVE. */
int herd_evaluate(herd_comm *comm, const herd_eval_request *req, cJSON **result,
                  herd_error *err);

/* 1 when cfg asks for the end-of-training evaluation: eval.enabled is true or
 * any other eval.* key differs from its default (an `eval:` section). */
int herd_eval_configured(const herd_config *cfg);

/* Run the configured evaluation of checkpoint at the end of training, on
 * the rows eval.rows of cfg->data.test or, when it is not set, of
 * cfg->data.train (all meaning its /split test rows; skipped with a warning
 * when there are none), logging into log (rank 0) as eval/<section>/<metric>
 * and writing eval.json when set. COLLECTIVE. */
int herd_evaluate_after_training(herd_comm *comm, const herd_config *cfg, const char *checkpoint,
                                 herd_runlog *log, double train_seconds, herd_error *err);

/* Check the eval: section of cfg, when it has one, against the file it will
 * evaluate (data.test, else data.train): the keys herd_eval_check_options
 * checks (eval/checks.h), so `herd train` stops before training, not after
 * it, on a misspelt key or feature. HERD_OK or HERD_ERR_USAGE (or the error
 * opening the file). COLLECTIVE (rank 0 reads the file). checks.c */
int herd_eval_check_config(herd_comm *comm, const herd_config *cfg, herd_error *err);

/* Sections (one file each). COLLECTIVE; each adds its member to out. */
int herd_eval_metrics(herd_eval_ctx *ctx, cJSON *out, herd_error *err);      /* classification.c, regression.c */
int herd_eval_baselines(herd_eval_ctx *ctx, cJSON *out, herd_error *err);    /* baselines.c */
int herd_eval_threshold(herd_eval_ctx *ctx, cJSON *out, herd_error *err);    /* threshold.c */
int herd_eval_calibration(herd_eval_ctx *ctx, cJSON *out, herd_error *err);  /* calibration.c */
int herd_eval_conformal(herd_eval_ctx *ctx, cJSON *out, herd_error *err);    /* conformal.c */
int herd_eval_selective(herd_eval_ctx *ctx, cJSON *out, herd_error *err);    /* selective.c */
int herd_eval_slices(herd_eval_ctx *ctx, cJSON *out, herd_error *err);       /* slices.c */
int herd_eval_tests(herd_eval_ctx *ctx, cJSON *out, herd_error *err);        /* behaviour.c */
int herd_eval_gate(herd_eval_ctx *ctx, cJSON *out, herd_error *err);         /* gate.c */

/* Write result (an evaluation, or a learning curve: any of their members
 * may be absent) as a self-contained HTML page at path: inline SVG charts,
 * no scripts or network, all text escaped; atomic (tmp, fsync, rename).
 * Not collective (rank 0). eval_html.c */
int herd_eval_write_html(const cJSON *result, const char *path, herd_error *err);

/* Metric object of predictions: probabilities prob (n x ctx->width, or values
 * for regression) for this rank's rows, as in "metrics" (also used for each
 * baseline, and by slices on a subset: keep[i] = 0 leaves row i out; keep may
 * be NULL). Returns a new cJSON object or NULL with err set. COLLECTIVE. */
cJSON *herd_eval_score(herd_eval_ctx *ctx, const float *prob, const uint8_t *keep,
                       herd_error *err);

/* The same for regression (regression.c): mse, rmse, mae, r2, mape. */
cJSON *herd_eval_score_regression(herd_eval_ctx *ctx, const float *pred, const uint8_t *keep,
                                  herd_error *err);

/* Fit recalibration method (HERD_RECAL_*) on the calibration split into r
 * (recal_fit.c). HERD_ERR_DATA when the split has too few rows. COLLECTIVE. */
int herd_eval_fit_recal(herd_eval_ctx *ctx, int method, herd_recal *r, herd_error *err);

/* ---- helpers for sections (reduce.c) ---- */

/* An exact sum of doubles kept as integers, so the sum over ranks is
 * independent of how rows are split: 1, 2 or 4 ranks give bitwise-identical
 * results. The sum is a fixed-point number wide enough for every finite
 * double (bits 2^-1088 to 2^1087), in 32-bit digits held in int64 words so
 * that additions can carry. Start from { 0 }. */
#define HERD_EVAL_FX_DIGITS 68

typedef struct herd_eval_fx {
    int64_t digit[HERD_EVAL_FX_DIGITS];  /* value = sum digit[i] * 2^(32 i - 1088) */
    int64_t adds;                        /* additions since the carries were last settled */
} herd_eval_fx;

/* Add v exactly; a non-finite v is skipped (callers clip terms). */
void herd_eval_fx_add(herd_eval_fx *s, double v);
/* Add n sums over ranks and convert them to doubles in out[n], each the
 * nearest double to the exact sum. HERD_ERR_DATA when a sum is beyond the
 * range of a double. COLLECTIVE. */
int herd_eval_fx_reduce(herd_comm *comm, herd_eval_fx *s, int n, double *out, herd_error *err);

/* Gather every rank's items (stride doubles each, n_mine of them) in rank
 * order, which is row order: *all (caller frees) holds *n_all items.
 * COLLECTIVE. */
int herd_eval_gather(herd_comm *comm, const double *mine, int64_t n_mine, int stride,
                     double **all, int64_t *n_all, herd_error *err);

/* Predict n rows of raw features X (n x cols): preprocess a copy of each
 * chunk with pp, run model (built for HERD_EVAL_CHUNK rows), write n x width
 * values to out. file_rows[i] is the file's index of row i, for errors (NULL
 * when not known). Not collective. */
int herd_eval_predict_rows(herd_model *model, const herd_preprocess *pp, const float *X,
                           int64_t n, const int64_t *file_rows, int64_t cols, int width,
                           float *out, herd_error *err);

/* This rank's rows of the int32 array /columns/<name> of the evaluated file
 * into out (ctx->n values). Not collective. */
int herd_eval_read_column(herd_eval_ctx *ctx, const char *name, int32_t *out, herd_error *err);

/* Index of the largest of K values (first on ties). */
int herd_eval_argmax(const float *p, int K);

#endif
