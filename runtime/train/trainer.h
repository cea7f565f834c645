/* trainer.h - the state of one training job, shared by the files of the
 * train module (not a public interface: callers use train.h).
 *
 *   train.c   the loop: steps, gradient allreduce, checkpoints on schedule
 *   setup.c   topology, data shards, preprocessing, model, optimizer, run log
 *   report.c  metrics (record_metric), progress lines, evaluation, summary JSON
 */
#ifndef HERD_TRAINER_H
#define HERD_TRAINER_H

#include "comm/comm.h"
#include "config/config.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "models/model.h"
#include "nn/optim.h"
#include "nn/schedule.h"
#include "topo/topo.h"
#include "track/runlog.h"
#include "train/batches.h"
#include "train/checkpoint.h"
#include "train/train.h"

#define MAX_RECORDED 64

typedef struct herd_trainer {
    herd_comm *comm;
    const herd_config *cfg;
    const herd_train_options *opt;
    int rank, size;
    herd_topo_plan topo;

    herd_dataset *train_ds, *val_ds, *test_ds;
    herd_rows train, val, test;
    int64_t n_train, n_val, n_test;       /* rows over all ranks */
    herd_preprocess *pp;

    herd_model *model;
    herd_optim *optim;
    herd_schedule schedule;
    herd_batcher batcher;
    float *pred;                          /* max_batch x predict width */

    int64_t steps_per_epoch;
    int64_t step, epoch, step_in_epoch;   /* position: next step to run */
    herd_checkpoint *resume_from;

    herd_runlog *log;                     /* rank 0 only */
    char run_id[33];
    char checkpoint[4200];                /* last checkpoint written */

    /* running figures between log lines */
    double loss_sum, rows_sum, step_time, comm_time, grad_norm;
    int64_t steps_since_log;
    double started;

    /* the last value of every metric, for the summary */
    int n_recorded;
    char recorded_key[MAX_RECORDED][64];
    double recorded_value[MAX_RECORDED];
} herd_trainer;

/* setup.c */
int herd_trainer_setup(herd_trainer *t, herd_error *err);      /* COLLECTIVE */
void herd_trainer_teardown(herd_trainer *t);

/* report.c */
/* Remember a metric's latest value; rank 0 also writes it to the run log. */
int herd_trainer_record(herd_trainer *t, const char *key, double value, herd_error *err);
/* Reduce the loss since the last report, log train/ metrics, print progress. COLLECTIVE. */
int herd_trainer_log_training(herd_trainer *t, herd_error *err);
/* Evaluate rows (this rank's shard of total) and log <prefix>/<metric>. COLLECTIVE. */
int herd_trainer_evaluate(herd_trainer *t, const herd_rows *rows, int64_t total,
                          const char *prefix, herd_error *err);
/* Rank 0 writes the summary JSON when asked for. */
void herd_trainer_write_summary(herd_trainer *t, const char *status, const herd_error *err);

#endif
