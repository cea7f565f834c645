/* train.c - the training loop.
 *
 * herd_train reads like a script: set up (setup.c), then for each epoch and step
 *     next batch -> forward/backward (writes the gradient) -> allreduce -> update -> log
 * evaluating and checkpointing on schedule, and a test evaluation at the end.
 * Where a gradient is all-reduced: reduce_gradients(). Where a checkpoint is
 * written: save_checkpoint(). Where a metric is logged: herd_trainer_record()
 * in report.c.
 *
 * Fault tolerance: checkpoints every train.checkpoint_every epochs and
 * train.checkpoint_every_steps steps (the newest train.keep_checkpoints kept,
 * the best by train.keep_best linked as best.h5). A stop signal (SIGUSR1,
 * SIGUSR2, SIGTERM, SIGINT; core/stop.h) is agreed on every STOP_CHECK_EVERY steps,
 * so all ranks stop after the same step, checkpoint, and return
 * HERD_EXIT_PREEMPTED. A non-finite gradient stops training naming the step,
 * or with train.on_nonfinite: skip the step is skipped and counted.
 */
#include "train/trainer.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/stop.h"
#include "core/timer.h"
#include "eval/checks.h"
#include "eval/evaluate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Steps between agreements on a stop signal: one 8-byte allreduce each
 * (docs/ARCHITECTURE.md, "Preemption", has its measured cost). */
#define STOP_CHECK_EVERY 4

/* herd_comm_agree, watched by the collective watchdog. COLLECTIVE. */
static int agree_watched(herd_trainer *t, const char *what, herd_error *err)
{
    herd_comm_watch_enter(t->comm, what, t->step);
    int rc = herd_comm_agree(t->comm, err);
    herd_comm_watch_leave(t->comm);
    return rc == HERD_OK ? HERD_OK : err->code;
}

/* Before a fresh run's first checkpoint, an earlier run's checkpoints in
 * the folder are moved aside (herd_checkpoint_set_aside): nothing already
 * written is overwritten. Rank 0. */
static int claim_checkpoint_dir(herd_trainer *t, herd_error *err)
{
    const char *dir = t->cfg->train.checkpoint_dir;
    char moved[4300] = "";
    if (t->dir_claimed || t->resume_from != NULL)
        return HERD_OK;
    t->dir_claimed = 1;
    int rc = herd_checkpoint_set_aside(dir, moved, sizeof moved, err);
    if (rc == HERD_OK && moved[0] != '\0')
        herd_warn("%s held checkpoints of an earlier run: moved to %s (to continue a run, "
                  "use --resume auto)", dir, moved);
    return rc;
}

/* Rank 0 writes (unless this step is saved already and force is 0), prunes
 * to train.keep_checkpoints; every rank learns whether it worked. COLLECTIVE. */
static int save_checkpoint(herd_trainer *t, int force, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    if (t->saved_step == t->step && !force)
        return HERD_OK;
    if (t->rank == 0) {
        herd_checkpoint_source src = {
            .model = t->model, .optim = t->optim, .pp = t->pp, .step = t->step,
            .epoch = t->epoch, .step_in_epoch = t->step_in_epoch, .seed = cfg->seed,
            .world_size = t->size, .skipped_steps = t->skipped_steps,
            .best_metric = cfg->train.keep_best, .best_value = t->best_value,
            .best_step = t->best_step, .run_id = t->run_id,
            .data_sha256 = t->train_sha256,
            .config = cfg->canonical, .feature_names = t->feature_names,
            .class_names = t->class_names,
        };
        if (claim_checkpoint_dir(t, err) == HERD_OK &&
            herd_checkpoint_write(cfg->train.checkpoint_dir, &src, t->checkpoint,
                                  sizeof t->checkpoint, err) == HERD_OK) {
            if (t->log != NULL)
                herd_runlog_log_artifact(t->log, t->checkpoint, "checkpoint", err);
            herd_checkpoint_prune(cfg->train.checkpoint_dir, t->run_id,
                                  cfg->train.keep_checkpoints);
        }
    }
    int rc = agree_watched(t, "checkpoint agreement", err);
    if (rc == HERD_OK) {
        t->saved_step = t->step;
        herd_trainer_note_checkpoint(t);
    }
    return rc;
}

/* After a validation pass: is this the best train.keep_best value so far?
 * Metrics are reduced over ranks, so every rank decides the same. */
static int judge_best(herd_trainer *t, int *best, herd_error *err)
{
    const char *key = t->cfg->train.keep_best;
    int i = 0;
    *best = 0;
    if (key[0] == '\0')
        return HERD_OK;
    while (i < t->n_recorded && strcmp(t->recorded_key[i], key) != 0)
        i++;
    if (i == t->n_recorded)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "train.keep_best: '%s' is not a validation metric of this run "
                              "(see the val/ metrics in docs/cli.md)", key);
    double v = t->recorded_value[i];
    int lower = herd_eval_lower_is_better(key);
    if (isnan(v) && t->best_step < 0 && !t->best_undefined_warned) {
        if (t->rank == 0)
            herd_warn("train.keep_best: %s is undefined on the validation rows (one class only?), "
                      "so no best checkpoint can be chosen; best.h5 is written once it is defined", key);
        t->best_undefined_warned = 1;
    }
    if (isfinite(v) && (t->best_step < 0 || (lower ? v < t->best_value : v > t->best_value))) {
        t->best_value = v;
        t->best_step = t->step;
        *best = 1;
    }
    return HERD_OK;
}

/* Write the checkpoint of this step and make it best.h5. COLLECTIVE. */
static int save_best(herd_trainer *t, herd_error *err)
{
    int rc = save_checkpoint(t, 1, err);
    if (rc == HERD_OK && t->rank == 0) {
        rc = herd_checkpoint_mark_best(t->cfg->train.checkpoint_dir, t->checkpoint, err);
        if (rc == HERD_OK)
            herd_info("best %s %.6g at step %lld: %s/best.h5", t->cfg->train.keep_best,
                      t->best_value, (long long)t->step, t->cfg->train.checkpoint_dir);
    }
    return agree_watched(t, "checkpoint agreement", err);
}

/* The model's grad_ready hook: a layer's gradients are final, so the
 * buckets they fill are reduced while backward goes on below them. */
static void gradient_ready(void *ctx, size_t offset, size_t count)
{
    herd_trainer *t = ctx;
    double t0 = herd_now();
    if (!t->reducing)
        herd_comm_watch_enter(t->comm, "gradient allreduce", t->step);
    t->reducing = 1;
    herd_error *err = &t->bucket_err;
    if (err->code == HERD_OK)
        herd_comm_buckets_ready(t->buckets, offset, count, err);
    t->comm_time += herd_now() - t0;
}

/* comm.share_params: the ranks of each host move to one shared copy of the
 * parameters and optimizer state (comm/reduce.h), taken from local rank 0
 * after setup, so a resumed run shares what it loaded. COLLECTIVE. */
static int share_parameters(herd_trainer *t, int *shared, herd_error *err)
{
    herd_model *m = t->model;
    herd_optim *o = t->optim;
    float *from[3] = { m->params, o->m, o->v }, *to[3] = { NULL, NULL, NULL };
    *shared = 0;
    if (!t->cfg->comm.share_params)
        return HERD_OK;
    int rc = herd_comm_reducer_share(t->reducer, from, to, o->v != NULL ? 3 : 2, m->n_params,
                                     shared, err);
    if (rc == HERD_OK && *shared) {
        herd_model_place_params(m, to[0]);
        herd_optim_place_state(o, to[1], to[2]);
    }
    return rc;
}

/* The reducer (comm.algorithm) and buckets (comm.bucket_mb), built at the
 * first step; every rank takes it. COLLECTIVE. */
static int start_reduction(herd_trainer *t, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    int shared = 0;
    int rc = herd_comm_reducer_create(t->comm, cfg->comm.algorithm, &t->reducer, err);
    if (rc == HERD_OK)
        rc = share_parameters(t, &shared, err);
    if (rc != HERD_OK)
        return rc;
    size_t bucket = (size_t)(cfg->comm.bucket_mb * 1048576.0 / sizeof(float));
    t->buckets = herd_comm_buckets_create(t->reducer, t->model->grads, t->model->n_params,
                                          bucket, shared);
    herd_model_set_grad_ready(t->model, gradient_ready, t);
    if (t->rank == 0 && t->size > 1)
        herd_info("gradient allreduce: %s, buckets of %.3g MB%s%s",
                  herd_comm_algorithm_name(herd_comm_reducer_algorithm(t->reducer)),
                  cfg->comm.bucket_mb, shared ? "; one shared copy of the parameters per host" : "",
                  herd_comm_buckets_across_hosts(t->buckets)
                      ? "; each local rank sums its slices over the hosts during backward" : "");
    return HERD_OK;
}

/* Sum gradients over ranks; every rank then holds the same gradient. The
 * buckets filled during backward are reduced already (gradient_ready);
 * this reduces the rest and waits for all of them. */
static int reduce_gradients(herd_trainer *t, herd_error *err)
{
    double t0 = herd_now();
    if (!t->reducing)
        herd_comm_watch_enter(t->comm, "gradient allreduce", t->step);
    int rc = herd_comm_buckets_finish(t->buckets, err);
    herd_comm_watch_leave(t->comm);
    t->reducing = 0;
    if (rc == HERD_OK && t->bucket_err.code != HERD_OK)
        rc = herd_error_set(err, t->bucket_err.code, "%s", t->bucket_err.msg);
    herd_error_clear(&t->bucket_err);
    t->comm_time += herd_now() - t0;
    return rc;
}

/* The reduced gradient (the same on every rank) is not finite: the loss
 * diverged. Stop naming the step, or skip it (train.on_nonfinite: skip). */
static int nonfinite_step(herd_trainer *t, herd_error *err)
{
    if (t->cfg->train.on_nonfinite != HERD_NONFINITE_SKIP)
        return herd_error_set(err, HERD_ERR_RUNTIME,
                              "train: step %lld (epoch %lld): loss or gradient is not finite "
                              "(diverged); try a smaller optim.lr, optim.clip_norm, or "
                              "train.on_nonfinite: skip",
                              (long long)t->step, (long long)t->epoch + 1);
    t->skipped_steps++;
    if (t->rank == 0 && (t->skipped_steps <= 10 || t->skipped_steps % 1000 == 0))
        herd_warn("step %lld: gradient is not finite; step skipped (%lld so far)",
                  (long long)t->step, (long long)t->skipped_steps);
    t->step++;
    t->step_in_epoch++;
    return HERD_OK;
}

/* The norm of the summed gradient: over the ranges this rank holds the sum
 * of (all of it, or its slices when the host shares the parameters), added
 * up over the ranks that hold the others. COLLECTIVE. */
static double gradient_norm(herd_trainer *t)
{
    const size_t *own;
    size_t n_own = herd_comm_buckets_owned(t->buckets, &own);
    double sum = 0.0;
    for (size_t i = 0; i < n_own; i++)
        sum += herd_sum_squares(t->model->grads + own[2 * i], own[2 * i + 1] - own[2 * i]);
    herd_comm_watch_enter(t->comm, "gradient norm", t->step);
    sum = herd_comm_buckets_total(t->buckets, sum);
    herd_comm_watch_leave(t->comm);
    return sqrt(sum);
}

/* Clip (optim.clip_norm) and apply the update at this step's learning rate
 * over the ranges this rank owns, then wait until the host's ranks have
 * updated theirs (shared parameters). COLLECTIVE. */
static void update_parameters(herd_trainer *t)
{
    herd_model *m = t->model;
    const size_t *own;
    size_t n_own = herd_comm_buckets_owned(t->buckets, &own);
    double clip = t->cfg->optim.clip_norm;
    float lr = (float)herd_schedule_lr(&t->schedule, t->step);
    herd_optim_begin_step(t->optim);
    for (size_t i = 0; i < n_own; i++) {
        size_t lo = own[2 * i], hi = own[2 * i + 1];
        if (clip > 0.0 && t->grad_norm > clip)
            herd_scale(m->grads + lo, hi - lo, (float)(clip / t->grad_norm));
        herd_optim_update(t->optim, m->params, m->grads, m->decay_mask, lr, lo, hi);
    }
    herd_comm_watch_enter(t->comm, "parameter update", t->step);
    herd_comm_buckets_publish(t->buckets);
    herd_comm_watch_leave(t->comm);
}

static int train_step(herd_trainer *t, herd_error *err)
{
    herd_model *m = t->model;
    if (t->reducer == NULL) {
        int rc = start_reduction(t, err);
        if (rc != HERD_OK)
            return rc;
    }
    double t0 = herd_now();
    herd_batch batch;
    herd_batcher_next(&t->batcher, t->step_in_epoch, &batch);
    t->data_time += herd_now() - t0;
    float scale = 1.0f / (float)t->cfg->train.batch_size;
    double loss = herd_model_loss_and_grad_batch(m, &batch, scale);
    int rc = reduce_gradients(t, err);
    /* streamed rows: join the prefetch read on every path, before anything else uses HDF5 */
    herd_error read_err = { 0 };
    if (herd_batcher_settle(&t->batcher, &read_err) != HERD_OK && rc == HERD_OK)
        rc = herd_error_set(err, read_err.code, "%s", read_err.msg);
    if (rc != HERD_OK)
        return rc;
    t->grad_norm = gradient_norm(t);
    if (!isfinite(t->grad_norm))
        return nonfinite_step(t, err);
    update_parameters(t);
    t->loss_sum += loss;
    t->rows_sum += (double)t->batcher.local_batch;
    t->step_time += herd_now() - t0;
    t->steps_since_log++;
    t->step++;
    t->step_in_epoch++;
    return HERD_OK;
}

/* Training metrics since the last log point, and the skipped-step count. COLLECTIVE. */
static int log_training(herd_trainer *t, herd_error *err)
{
    int rc = herd_trainer_log_training(t, err);
    if (rc == HERD_OK && t->cfg->train.on_nonfinite == HERD_NONFINITE_SKIP)
        rc = herd_trainer_record(t, "train/skipped_steps", (double)t->skipped_steps, err);
    return rc;
}

/* A checkpoint is due after this step (train.checkpoint_every_steps); at
 * the end of an epoch, end_of_epoch writes it. */
static int steps_checkpoint_due(const herd_trainer *t)
{
    int64_t every = t->cfg->train.checkpoint_every_steps;
    return every > 0 && t->step % every == 0;
}

static int end_of_epoch(herd_trainer *t, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    int rc = log_training(t, err);
    int last = t->epoch == cfg->train.epochs;
    int best = 0;
    if (rc == HERD_OK && ((cfg->train.eval_every > 0 && t->epoch % cfg->train.eval_every == 0)
                          || last)) {
        rc = herd_trainer_evaluate(t, &t->val, t->n_val, "val", err);
        if (rc == HERD_OK)
            rc = judge_best(t, &best, err);
    }
    int due = (cfg->train.checkpoint_every > 0 && t->epoch % cfg->train.checkpoint_every == 0)
              || steps_checkpoint_due(t);
    if (rc == HERD_OK && best)
        rc = save_best(t, err);
    else if (rc == HERD_OK && !last && due)
        rc = save_checkpoint(t, 0, err);
    if (rc == HERD_OK)
        rc = herd_trainer_flush_log(t, err);
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}

/* Does any rank have a stop signal? Every rank learns the same answer at
 * the same step, so all stop after the same step. COLLECTIVE (every
 * STOP_CHECK_EVERY steps). */
static int agree_on_stop(herd_trainer *t, herd_error *err)
{
    if (t->size == 1 || t->step % STOP_CHECK_EVERY != 0) {
        t->stop_signal = t->size == 1 ? herd_stop_requested() : 0;
        return HERD_OK;
    }
    double sig = (double)herd_stop_requested();
    herd_comm_watch_enter(t->comm, "stop agreement", t->step);
    int rc = herd_comm_allreduce_max_f64(t->comm, &sig, 1, err);
    herd_comm_watch_leave(t->comm);
    t->stop_signal = (int)sig;
    return rc;
}

/* Test hook (HERD_TEST_STALL_RANK / HERD_TEST_STALL_AT_STEP, read at setup):
 * this rank stops taking part, as a hung rank would, until the job ends. */
static void maybe_stall(const herd_trainer *t)
{
    if (t->rank != t->stall_rank || t->step != t->stall_step)
        return;
    herd_warn("test hook: rank %d stalls at step %lld", t->rank, (long long)t->step);
    for (;;)
        sleep(60);
}

/* Stopped by a signal: checkpoint where every rank stands, then end with
 * HERD_EXIT_PREEMPTED. COLLECTIVE. */
static int preempt(herd_trainer *t, herd_error *err)
{
    char where[96];
    int rc = save_checkpoint(t, 0, err);
    if (rc != HERD_OK)
        return rc;
    herd_trainer_position_text(t->epoch, t->step_in_epoch, where, sizeof where);
    return herd_error_set(err, HERD_EXIT_PREEMPTED,
                          "train: stopped by %s after step %lld (%s); "
                          "checkpoint %s; continue with --resume auto",
                          herd_stop_signal_name(t->stop_signal), (long long)t->step, where,
                          t->checkpoint);
}

/* Every rank applies the same update to the same reduced gradient, so the
 * replicas must be bitwise equal; check it once at the end (FNV-1a of the
 * parameter bits, compared by min/max over ranks). COLLECTIVE. */
static int check_replicas(herd_trainer *t, herd_error *err)
{
    const uint8_t *bytes = (const uint8_t *)t->model->params;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < t->model->n_params * sizeof(float); i++)
        h = (h ^ bytes[i]) * 1099511628211ULL;
    double lo[2] = { (double)(h >> 32), (double)(h & 0xffffffffu) };
    double hi[2] = { lo[0], lo[1] };
    int rc = herd_comm_allreduce_min_f64(t->comm, lo, 2, err);
    if (rc == HERD_OK)
        rc = herd_comm_allreduce_max_f64(t->comm, hi, 2, err);
    if (rc == HERD_OK && (lo[0] != hi[0] || lo[1] != hi[1]))
        rc = herd_error_set(err, HERD_ERR_RUNTIME,
                            "train: parameters differ between ranks after step %lld",
                            (long long)t->step);
    return rc;
}

static int train_loop(herd_trainer *t, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    int rc = HERD_OK;
    t->started = herd_now();
    while (t->epoch < cfg->train.epochs && rc == HERD_OK) {
        herd_batcher_shuffle(&t->batcher, (uint64_t)cfg->seed, t->epoch, t->rank);
        while (t->step_in_epoch < t->steps_per_epoch && rc == HERD_OK) {
            rc = agree_on_stop(t, err);
            if (rc != HERD_OK || t->stop_signal)
                break;
            maybe_stall(t);
            rc = train_step(t, err);
            if (rc == HERD_OK && t->steps_since_log == cfg->train.log_every)
                rc = log_training(t, err);
            if (rc == HERD_OK && steps_checkpoint_due(t) && t->step_in_epoch < t->steps_per_epoch)
                rc = save_checkpoint(t, 0, err);
        }
        if (rc != HERD_OK || t->stop_signal)
            break;
        t->epoch++;
        t->step_in_epoch = 0;
        rc = end_of_epoch(t, err);
    }
    if (rc == HERD_OK && t->stop_signal)
        return preempt(t, err);
    if (rc == HERD_OK)
        rc = check_replicas(t, err);
    /* training is over: the shard's memory goes back before rank 0 builds
     * the final checkpoint in memory (the job's peak otherwise) */
    herd_batcher_free(&t->batcher);
    herd_rows_free(&t->train);
    if (rc == HERD_OK)
        rc = save_checkpoint(t, 0, err);
    if (rc == HERD_OK)
        rc = herd_trainer_evaluate(t, &t->test, t->n_test, "test", err);
    return rc;
}

/* The last line of a job that trained. Rank 0. */
static void announce_finish(const herd_trainer *t)
{
    const char *id = t->run_id;
    if (t->cfg->track.enabled)
        herd_info("run %s finished: checkpoint %s, logged in %s", id, t->checkpoint,
                  t->cfg->track.db);
    else
        herd_info("%s%s finished: checkpoint %s (tracking off)",
                  id[0] != '\0' ? "run " : "training", id, t->checkpoint);
}

/* A trial of herd sweep carries the sweep's name as its run's tag "sweep". COLLECTIVE. */
static int tag_sweep(herd_trainer *t, herd_error *err)
{
    if (t->log != NULL)
        herd_runlog_set_tag(t->log, "sweep", t->opt->sweep, err);
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}

int herd_train(herd_comm *comm, const herd_config *cfg, const herd_train_options *opt,
               herd_error *err)
{
    herd_trainer t = { .comm = comm, .cfg = cfg, .opt = opt, .saved_step = -1, .best_step = -1,
                       .stall_rank = -1, .stall_step = -1 };
    t.rank = herd_comm_rank(comm);
    t.size = herd_comm_size(comm);
    herd_stop_watch_signals();
    int rc = herd_trainer_setup(&t, err);
    int training = rc == HERD_OK && !t.nothing_to_train;  /* else: the log stays untouched */
    if (training)
        rc = herd_trainer_watch(&t, err);
    if (training && rc == HERD_OK && opt->sweep != NULL)
        rc = tag_sweep(&t, err);
    if (training && rc == HERD_OK)
        rc = train_loop(&t, err);
    /* the config's eval: section, on data.test (runtime/eval/evaluate.h) */
    if (training && rc == HERD_OK && !opt->skip_eval)
        rc = herd_evaluate_after_training(comm, cfg, t.checkpoint, t.log, herd_now() - t.started, err);
    const char *status = rc == HERD_OK ? HERD_RUN_FINISHED
                         : rc == HERD_EXIT_PREEMPTED ? HERD_RUN_PREEMPTED : HERD_RUN_FAILED;
    herd_trainer_write_summary(&t, status, err);
    herd_error end_err = { 0 };
    if (herd_runlog_end(t.log, status, &end_err) != HERD_OK && rc == HERD_OK)
        rc = herd_error_set(err, end_err.code, "%s", end_err.msg);
    if (training && rc == HERD_OK && t.rank == 0)
        announce_finish(&t);
    herd_trainer_teardown(&t);
    return rc;
}
