/* sweep.h - `herd sweep`: train a config once per trial of a search space,
 * one trial after another inside the same job, and rank the trials by one
 * metric.
 *
 * Trial i (1-based) is the base config with the trial's values (space.h),
 * run_name <name>-<i> and train.checkpoint_dir <checkpoint_dir>/<name>/trial-<i>
 * (a checkpoint folder belongs to one run); its run carries the tag
 * sweep=<name>, so `herd runs list --filter "tags.sweep = '<name>'"` lists
 * the sweep. A trial that fails with a runtime or data error (divergence,
 * say) is recorded as FAILED and the sweep goes on; any other error, or a
 * preemption, ends the sweep with that error.
 */
#ifndef HERD_TUNE_SWEEP_H
#define HERD_TUNE_SWEEP_H

#include "comm/comm.h"
#include "config/config.h"
#include "core/status.h"
#include "tune/space.h"

#include <cjson/cJSON.h>

typedef struct herd_sweep {
    const char *name;               /* run names, tag and checkpoint folder of the trials */
    const herd_tune_param *params;  /* n_params of them, checked (herd_tune_check) */
    int n_params;
    int method;                     /* HERD_SWEEP_RANDOM or HERD_SWEEP_GRID */
    int64_t trials;                 /* <= 0: the default of herd_tune_trial_count */
    uint64_t seed;                  /* random sweeps: the values drawn */
    const char *metric;             /* NULL: the default (herd_sweep_default_metric) */
    int goal;                       /* 1 maximise, 0 minimise, -1 by the metric's name */
    const char *command;            /* the command line, for each run's record */
} herd_sweep;

/* The metric a sweep ranks by when none is given, among the metrics of a
 * finished trial's summary: val/accuracy (classification), else val/rmse
 * (regression), else train/loss (no validation rows). */
const char *herd_sweep_default_metric(const cJSON *metrics);

/* Run every trial of s on cfg. *out (always set, complete on rank 0; caller
 * deletes) is {sweep, metric, goal, method, seed, trials: [{trial, run_id,
 * status, params, value, seconds, checkpoint, error?}], best}. Returns
 * HERD_OK when at least one trial finished, else the first trial's error (a
 * preemption: HERD_EXIT_PREEMPTED); a used folder <checkpoint_dir>/<name>
 * or a metric the trials do not log is a usage error. COLLECTIVE. */
int herd_sweep_run(herd_comm *comm, const herd_config *cfg, const herd_sweep *s, cJSON **out,
                   herd_error *err);

#endif
