/* resilience.c - the parts of a training job that deal with things going
 * wrong: the collective watchdog and its run-log hook, the checks of
 * train.keep_best, the test hooks that make a rank stall, and what a resume
 * restores beyond parameters and optimizer state (skipped steps, the best
 * value so far, and resuming on a different number of ranks).
 * train.c holds the loop side: stop agreement, preemption checkpoints,
 * non-finite steps, scheduled and best checkpoints.
 */
#include "train/trainer.h"
#include "core/log.h"
#include "eval/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs on rank 0's watchdog thread: the job may be killed any moment now
 * (a lost rank, a stalled collective), so record the run as FAILED through a
 * connection of its own, and write a FAILED summary. A run that then stops
 * cleanly overwrites both with PREEMPTED or FINISHED. */
static void on_trouble(void *ctx, const char *why)
{
    herd_trainer *t = ctx;
    herd_error err = { 0 };
    int timed_out = strncmp(why, "comm: ", 6) == 0;  /* the watchdog's own error */
    char error[512];
    snprintf(error, sizeof error, "%s%s%s", timed_out ? "" : "train: ", why,
             timed_out ? "" : ": another rank is gone (killed or lost), or the job is being ended");
    herd_trainer_write_failed_summary(t, error);
    if (t->run_file[0] == '\0')
        return;
    if (herd_runlog_mark_status(t->run_file, t->run_id, HERD_RUN_FAILED, &err) != HERD_OK)
        herd_warn("cannot mark run %s FAILED: %s", t->run_id, err.msg);
    else
        herd_warn("run %s marked FAILED (%s)", t->run_id, timed_out ? "collective timed out" : why);
}

/* HERD_TEST_STALL_RANK=r HERD_TEST_STALL_AT_STEP=s: rank r stops taking
 * part before step s (tests of comm.timeout_s). Read once, here. */
static void read_test_hooks(herd_trainer *t)
{
    const char *rank = getenv("HERD_TEST_STALL_RANK");
    const char *step = getenv("HERD_TEST_STALL_AT_STEP");
    if (rank != NULL && step != NULL && rank[0] != '\0' && step[0] != '\0') {
        t->stall_rank = strtoll(rank, NULL, 10);
        t->stall_step = strtoll(step, NULL, 10);
    }
}

/* Is key val/<a metric of the task>? allowed receives "val/accuracy, ...". */
static int is_validation_metric(int task, const char *key, char *allowed, size_t size)
{
    const char *const *names = herd_eval_metric_names(task);
    int found = 0;
    size_t used = 0;
    allowed[0] = '\0';
    for (int i = 0; names[i] != NULL && used < size; i++) {
        found |= strncmp(key, "val/", 4) == 0 && strcmp(key + 4, names[i]) == 0;
        used += (size_t)snprintf(allowed + used, size - used, "%sval/%s", i ? ", " : "", names[i]);
    }
    return found;
}

int herd_trainer_check_keep_best(const herd_trainer *t, herd_error *err)
{
    const char *key = t->cfg->train.keep_best;
    int task = herd_dataset_get_info(t->train_ds)->task;
    char allowed[256];
    if (key[0] == '\0')
        return HERD_OK;
    int known = is_validation_metric(task, key, allowed, sizeof allowed);
    if (strncmp(key, "val/", 4) != 0 || key[4] == '\0')
        return herd_error_set(err, HERD_ERR_USAGE,
                              "train.keep_best: '%s' is not a validation metric; use val/<metric>, "
                              "one of %s", key, allowed);
    if (!known)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "train.keep_best: '%s' is not a validation metric of a %s task; "
                              "use one of %s", key, herd_task_name(task), allowed);
    if (t->n_val == 0)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "train.keep_best: %s needs validation rows (data.val or "
                              "data.val_fraction)", key);
    return HERD_OK;
}

int herd_trainer_watch(herd_trainer *t, herd_error *err)
{
    int rc;
    read_test_hooks(t);
    if (t->rank == 0 && t->log != NULL)
        snprintf(t->run_file, sizeof t->run_file, "%s", herd_runlog_file(t->log));
    rc = herd_comm_watchdog_start(t->comm, t->cfg->comm.timeout_s, on_trouble, t, err);
    return herd_comm_agree(t->comm, err) == HERD_OK ? rc : err->code;
}

/* The checkpoint was written by another number of ranks: allowed when this
 * rank count divides the global batch (every rank then takes the same local
 * batch, and the global batch, learning-rate schedule and optimizer state
 * carry over); the batches from here on differ from either straight run. */
static int check_rank_count(herd_trainer *t, const herd_checkpoint *ck, herd_error *err)
{
    int64_t batch = t->cfg->train.batch_size;
    if (ck->world_size == 0 || ck->world_size == t->size)
        return HERD_OK;
    if (batch % t->size != 0)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "resume: the checkpoint was written by %lld ranks; resuming on %d "
                              "needs a global batch that %d divides (train.batch_size is %lld)",
                              (long long)ck->world_size, t->size, t->size, (long long)batch);
    if (t->step_in_epoch > t->steps_per_epoch)
        t->step_in_epoch = t->steps_per_epoch;  /* the epoch is done on this rank count */
    if (t->rank == 0)
        herd_warn("resuming a %lld-rank checkpoint on %d ranks: same global batch and "
                  "optimizer state, but the batches from here differ from a %lld-rank run",
                  (long long)ck->world_size, t->size, (long long)ck->world_size);
    return HERD_OK;
}

int herd_trainer_restore_progress(herd_trainer *t, herd_error *err)
{
    const herd_checkpoint *ck = t->resume_from;
    t->skipped_steps = ck->skipped_steps;
    t->saved_step = ck->step;
    if (ck->best_step >= 0 && strcmp(ck->best_metric, t->cfg->train.keep_best) == 0) {
        t->best_value = ck->best_value;
        t->best_step = ck->best_step;
    }
    return check_rank_count(t, ck, err);
}

/* Line by line, canonical texts list the same keys in the same order. */
static void append_changed_keys(const char *a, const char *b, char *keys, size_t size)
{
    size_t used = 0;
    while (*a != '\0' && *b != '\0' && used < size) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        if (la != lb || memcmp(a, b, la) != 0)
            used += (size_t)snprintf(keys + used, size - used, "%s%.*s", used ? ", " : "",
                                     (int)strcspn(a, ":"), a);
        a += la + (a[la] == '\n');
        b += lb + (b[lb] == '\n');
    }
}

void herd_trainer_config_changes(const herd_trainer *t, char *keys, size_t size)
{
    const herd_checkpoint *ck = t->resume_from;
    herd_config *then = NULL;
    herd_error why = { 0 };
    keys[0] = '\0';
    if (ck->config == NULL || ck->config[0] == '\0')
        return;  /* an old checkpoint without its config: nothing to compare */
    /* read back and written again, so a change in how herd writes a value is no change */
    if (herd_config_from_canonical(ck->config, &then, &why) != HERD_OK)
        snprintf(keys, size, "its config cannot be read: %s", why.msg);
    else
        append_changed_keys(then->canonical, t->cfg->canonical, keys, size);
    herd_config_free(then);
}
