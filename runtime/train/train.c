/* train.c - the training loop.
 *
 * herd_train reads like a script: set up (setup.c), then for each epoch and step
 *     next batch -> zero grads -> forward/backward -> allreduce -> update -> log
 * evaluating and checkpointing on schedule, and a test evaluation at the end.
 * Where a gradient is all-reduced: reduce_gradients(). Where a checkpoint is
 * written: save_checkpoint(). Where a metric is logged: herd_trainer_record()
 * in report.c.
 */
#include "train/trainer.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Rank 0 writes; every rank learns whether it worked. COLLECTIVE. */
static int save_checkpoint(herd_trainer *t, herd_error *err)
{
    if (t->rank == 0) {
        herd_checkpoint_source src = {
            .model = t->model, .optim = t->optim, .pp = t->pp, .step = t->step,
            .epoch = t->epoch, .step_in_epoch = t->step_in_epoch, .seed = t->cfg->seed,
            .run_id = t->run_id,
            .data_sha256 = herd_dataset_get_info(t->train_ds)->content_sha256,
            .config = t->cfg->canonical,
        };
        if (herd_checkpoint_write(t->cfg->train.checkpoint_dir, &src, t->checkpoint,
                                  sizeof t->checkpoint, err) == HERD_OK && t->log != NULL)
            herd_runlog_log_artifact(t->log, t->checkpoint, "checkpoint", err);
    }
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}

/* Sum gradients over ranks; every rank then holds the same gradient. */
static int reduce_gradients(herd_trainer *t, herd_error *err)
{
    double t0 = herd_now();
    int rc = herd_comm_allreduce_sum_f32(t->comm, t->model->grads, t->model->n_params, err);
    t->comm_time += herd_now() - t0;
    return rc;
}

static int train_step(herd_trainer *t, herd_error *err)
{
    herd_model *m = t->model;
    double t0 = herd_now();
    herd_batcher_gather(&t->batcher, t->step_in_epoch);
    herd_model_zero_grad(m);
    float scale = 1.0f / (float)t->cfg->train.batch_size;
    double loss = herd_model_loss_and_grad(m, t->batcher.X, t->batcher.y,
                                           (int)t->batcher.local_batch, scale);
    int rc = reduce_gradients(t, err);
    if (rc != HERD_OK)
        return rc;
    t->grad_norm = herd_clip_grad_norm(m->grads, m->n_params, t->cfg->optim.clip_norm);
    if (!isfinite(t->grad_norm))
        return herd_error_set(err, HERD_ERR_RUNTIME,
                              "train: step %lld: gradient is not finite (loss diverged); "
                              "try a smaller optim.lr or optim.clip_norm",
                              (long long)t->step);
    float lr = (float)herd_schedule_lr(&t->schedule, t->step);
    herd_optim_step(t->optim, m->params, m->grads, m->decay_mask, lr);
    t->loss_sum += loss;
    t->rows_sum += (double)t->batcher.local_batch;
    t->step_time += herd_now() - t0;
    t->steps_since_log++;
    t->step++;
    t->step_in_epoch++;
    return HERD_OK;
}

static int end_of_epoch(herd_trainer *t, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    int rc = herd_trainer_log_training(t, err);
    int last = t->epoch == cfg->train.epochs;
    if (rc == HERD_OK && cfg->train.eval_every > 0 && t->epoch % cfg->train.eval_every == 0)
        rc = herd_trainer_evaluate(t, &t->val, t->n_val, "val", err);
    else if (rc == HERD_OK && last)
        rc = herd_trainer_evaluate(t, &t->val, t->n_val, "val", err);
    if (rc == HERD_OK && !last && cfg->train.checkpoint_every > 0
        && t->epoch % cfg->train.checkpoint_every == 0)
        rc = save_checkpoint(t, err);
    if (rc == HERD_OK && t->log != NULL)
        rc = herd_runlog_flush(t->log, err);
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
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
            rc = train_step(t, err);
            if (rc == HERD_OK && t->steps_since_log == cfg->train.log_every)
                rc = herd_trainer_log_training(t, err);
        }
        if (rc != HERD_OK)
            break;
        t->epoch++;
        t->step_in_epoch = 0;
        rc = end_of_epoch(t, err);
    }
    if (rc == HERD_OK)
        rc = check_replicas(t, err);
    if (rc == HERD_OK)
        rc = save_checkpoint(t, err);
    if (rc == HERD_OK)
        rc = herd_trainer_evaluate(t, &t->test, t->n_test, "test", err);
    return rc;
}

int herd_train(herd_comm *comm, const herd_config *cfg, const herd_train_options *opt,
               herd_error *err)
{
    herd_trainer t = { .comm = comm, .cfg = cfg, .opt = opt };
    t.rank = herd_comm_rank(comm);
    t.size = herd_comm_size(comm);
    int rc = herd_trainer_setup(&t, err);
    if (rc == HERD_OK)
        rc = train_loop(&t, err);
    const char *status = rc == HERD_OK ? HERD_RUN_FINISHED : HERD_RUN_FAILED;
    herd_trainer_write_summary(&t, status, err);
    herd_error end_err = { 0 };
    if (herd_runlog_end(t.log, status, &end_err) != HERD_OK && rc == HERD_OK)
        rc = herd_error_set(err, end_err.code, "%s", end_err.msg);
    if (rc == HERD_OK && t.rank == 0) {
        herd_info("run %s finished: checkpoint %s, logged in %s", t.run_id, t.checkpoint,
                  cfg->track.enabled ? cfg->track.db : "(tracking off)");
    }
    herd_trainer_teardown(&t);
    return rc;
}
