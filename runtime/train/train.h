/* train.h - data-parallel training: the loop every rank runs.
 *
 * herd_train is COLLECTIVE: every rank calls it with the same config. Each
 * rank loads its shard, the preprocessing is fitted by allreduce, and every
 * step is
 *     next batch -> forward+backward (writes the gradient) -> allreduce grads
 *     -> clip -> optimizer update (with shared parameters, each rank its slices) -> log
 * with evaluation every train.eval_every epochs, checkpoints every
 * train.checkpoint_every epochs, every train.checkpoint_every_steps steps
 * and at the end, and a test evaluation last.
 * Rank 0 writes the experiment log and checkpoints. Errors seen by any rank
 * are agreed on (herd_comm_agree) so all ranks return the same error.
 * SIGUSR1/SIGUSR2/SIGTERM/SIGINT stop every rank after the same step with a
 * checkpoint: herd_train then returns HERD_EXIT_PREEMPTED (run PREEMPTED).
 */
#ifndef HERD_TRAIN_H
#define HERD_TRAIN_H

#include "comm/comm.h"
#include "config/config.h"
#include "core/status.h"

#include <cjson/cJSON.h>

typedef struct herd_train_options {
    const char *resume;        /* NULL, a checkpoint path, or "auto" */
    const char *summary_json;  /* NULL, or where rank 0 writes the summary */
    const char *command;       /* the command line, for the record */
    const char *parent_id;     /* NULL, or the run this one derives from (runs reproduce) */
    int skip_eval;             /* 1: do not run the config's eval: section at the end
                                * (the learning curve trains without data.test) */
    const char *sweep;         /* NULL, or the herd sweep this run is a trial of (tag "sweep") */
} herd_train_options;

int herd_train(herd_comm *comm, const herd_config *cfg, const herd_train_options *opt,
               herd_error *err);

/* The summary herd_train wrote to opt->summary_json (status, run_id,
 * checkpoint, metrics, ...; docs/cli.md), or NULL when the file cannot be
 * read or parsed. Caller deletes. Not collective. */
cJSON *herd_train_read_summary(const char *path);

#endif
