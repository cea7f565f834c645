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
#include "comm/reduce.h"
#include "config/config.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "models/model.h"
#include "nn/optim.h"
#include "nn/schedule.h"
#include "topo/topo.h"
#include "track/runlog.h"
#include "track/sysmetrics.h"
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
    /* rank 0: their content hashes, stored or computed (herd_dataset_content_sha256) */
    char train_sha256[65], val_sha256[65], test_sha256[65];
    char **feature_names;                 /* rank 0: data.train's stored names, or NULL */
    char **class_names;                   /* rank 0: data.train's class names, or NULL */
    herd_rows train, val, test;
    int64_t n_train, n_val, n_test;       /* rows over all ranks */
    herd_preprocess *pp;

    herd_model *model;
    herd_optim *optim;
    herd_schedule schedule;
    herd_batcher batcher;
    herd_comm_reducer *reducer;           /* comm.algorithm; built at the first step */
    herd_comm_buckets *buckets;           /* gradient buckets over model->grads */
    herd_error bucket_err;                /* first failure inside the grad_ready hook */
    float *pred;                          /* max_batch x predict width */

    int64_t steps_per_epoch;
    int64_t step, epoch, step_in_epoch;   /* position: next step to run */
    herd_checkpoint *resume_from;
    int dir_claimed;                      /* earlier runs' checkpoints set aside */
    int nothing_to_train;                 /* resumed a run that finished train.epochs */
    int resume_as_new_run;                /* resumed with another config: a child run */
    char resume_path[4200];               /* the checkpoint resumed from */
    const char *summary_json;             /* --summary-json, once checked writable */
    herd_checkpoint_lock *dir_lock;       /* rank 0: this run owns checkpoint_dir */

    /* fault tolerance (train.c): scheduled and best checkpoints, stops, divergence */
    int64_t saved_step;                   /* step of the last checkpoint written; -1 none */
    int64_t skipped_steps;                /* non-finite steps skipped (train.on_nonfinite: skip) */
    double best_value;                    /* train.keep_best: best value so far */
    int64_t best_step;                    /* the step of best.h5; -1 none */
    int best_undefined_warned;            /* said once that keep_best's metric is undefined */
    int stop_signal;                      /* the signal all ranks agreed to stop for; 0 none */
    int reducing;                         /* inside this step's gradient allreduce (watchdog) */
    int64_t stall_rank, stall_step;       /* test hook HERD_TEST_STALL_RANK/_AT_STEP; -1 off */
    char run_file[4200];                  /* rank 0: the run's SQLite file (watchdog hook) */
    /* rank 0, for the summary the watchdog thread writes when the job is being
     * ended (report.c); guarded by the summary lock there */
    char agreed_checkpoint[4200];         /* the last checkpoint every rank agreed on */
    int64_t agreed_step;                  /* its step */
    int summary_written;                  /* the main thread wrote the summary: final */

    herd_runlog *log;                     /* rank 0 only */
    char run_id[33];
    char parent_id[128];                  /* --parent, resolved in the run log when there */
    char checkpoint[4200];                /* last checkpoint written */

    /* running figures between log lines */
    double loss_sum, rows_sum, step_time, comm_time, grad_norm;
    double data_time;                     /* gathering batches since the last log point */
    int64_t steps_since_log;
    double started;

    /* system metrics (report.c): the sample they are measured from */
    herd_proc_sample sys_prev;
    int sys_logged;                       /* a system sample was logged */
    double load_time;                     /* seconds loading this rank's shards */
    double track_time;                    /* seconds spent logging (rank 0: writes too) */

    /* the last value of every metric, for the summary */
    int n_recorded;
    char recorded_key[MAX_RECORDED][64];
    double recorded_value[MAX_RECORDED];
} herd_trainer;

/* setup.c */
int herd_trainer_setup(herd_trainer *t, herd_error *err);      /* COLLECTIVE */
void herd_trainer_teardown(herd_trainer *t);
/* resilience.c */
/* Read the test hooks, start the collective watchdog (comm.timeout_s;
 * rank 0's hook marks the run FAILED). COLLECTIVE. */
int herd_trainer_watch(herd_trainer *t, herd_error *err);
/* After restore_state: skipped steps, best so far, and the checks and
 * adjustments for resuming on a different number of ranks. */
int herd_trainer_restore_progress(herd_trainer *t, herd_error *err);
/* The keys whose values differ between the resumed checkpoint's config and
 * this job's, as "optim.lr, train.epochs" into keys ("" when none; all keys
 * when the checkpoint's config cannot be read). */
void herd_trainer_config_changes(const herd_trainer *t, char *keys, size_t size);
/* Check train.keep_best against the validation metrics this run will log
 * (its task; val/ metrics only with validation rows). Every rank decides
 * the same; callers agree. */
int herd_trainer_check_keep_best(const herd_trainer *t, herd_error *err);

/* report.c */
/* Remember a metric's latest value; rank 0 also writes it to the run log. */
int herd_trainer_record(herd_trainer *t, const char *key, double value, herd_error *err);
/* Reduce the loss since the last report, log train/ metrics, print progress. COLLECTIVE. */
int herd_trainer_log_training(herd_trainer *t, herd_error *err);
/* Evaluate rows (this rank's shard of total) and log <prefix>/<metric>. COLLECTIVE. */
int herd_trainer_evaluate(herd_trainer *t, const herd_rows *rows, int64_t total,
                          const char *prefix, herd_error *err);
/* Where training stands, as the stop and resume messages say it: "epoch 2,
 * 61 steps into it" (epochs counted from 1, as the "epoch N:" lines), or
 * "end of epoch 2" between epochs. epoch is the number of finished epochs. */
void herd_trainer_position_text(int64_t epoch, int64_t step_in_epoch, char *out, size_t size);
/* Write rank 0's buffered metrics now (end of epoch), counted as logging time. */
int herd_trainer_flush_log(herd_trainer *t, herd_error *err);
/* Rank 0 writes the summary JSON when asked for. */
void herd_trainer_write_summary(herd_trainer *t, const char *status, const herd_error *err);
/* After a checkpoint every rank agreed on: remember it for the summary below. Rank 0. */
void herd_trainer_note_checkpoint(herd_trainer *t);
/* Rank 0's watchdog thread, when the job may be killed any moment (a rank
 * lost, a collective stalled): write a FAILED summary with error why, the
 * last agreed checkpoint and no metrics, unless the main thread wrote the
 * summary already (it overwrites this one if it gets to the end). */
void herd_trainer_write_failed_summary(herd_trainer *t, const char *why);

/* provenance.c */
/* The run record beyond the run row: per-rank bindings, CPU model,
 * datasets, library versions (version_info); rank 0 writes them with
 * herd_runlog_set_record, and logs data/load_ms. COLLECTIVE. */
int herd_trainer_record_provenance(herd_trainer *t, herd_error *err);
/* git_commit and git_dirty of the checkout herd runs in (`git rev-parse
 * HEAD`, `git status --porcelain` in the current folder), else the build's
 * own commit and dirty 0. Rank 0 only (runs git). */
void herd_trainer_git_state(char *commit, size_t size, int *dirty);
/* "herd 0.1.0; Open MPI v4.1.4; ..." for the run row's versions column. */
char *herd_trainer_versions_text(void);

/* samples.c */
/* Log track.samples fixed validation rows (drawn from the seed) with their
 * predictions, for the evaluation at the current step. COLLECTIVE. */
int herd_trainer_log_samples(herd_trainer *t, const herd_rows *rows, int64_t total,
                             herd_error *err);

#endif
