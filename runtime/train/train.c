/* train.c - the training loop.
 *
 * The state of one training job lives in a herd_trainer. herd_train reads
 * like a script: set up (topology, data shards, preprocessing, model,
 * optimizer, experiment log), then for each epoch and step
 *     next batch -> zero grads -> forward/backward -> allreduce -> update -> log
 * evaluating and checkpointing on schedule. Where a gradient is all-reduced:
 * reduce_gradients(). Where a checkpoint is written: save_checkpoint().
 * Where a metric is logged: record_metric().
 */
#include "train/train.h"
#include "comm/comm.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timer.h"
#include "core/version.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "eval/metrics.h"
#include "models/model.h"
#include "nn/blas.h"
#include "nn/optim.h"
#include "nn/schedule.h"
#include "topo/topo.h"
#include "track/runlog.h"
#include "train/batches.h"
#include "train/checkpoint.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* ------------------------------------------------------------------ log */

/* Remember the latest value and, on rank 0, write it to the experiment log. */
static int record_metric(herd_trainer *t, const char *key, double value, herd_error *err)
{
    int i = 0;
    while (i < t->n_recorded && strcmp(t->recorded_key[i], key) != 0)
        i++;
    if (i == t->n_recorded && i < MAX_RECORDED) {
        snprintf(t->recorded_key[i], sizeof t->recorded_key[i], "%s", key);
        t->n_recorded++;
    }
    if (i < MAX_RECORDED)
        t->recorded_value[i] = value;
    if (t->log == NULL || !isfinite(value))
        return HERD_OK;
    return herd_runlog_log_metric(t->log, key, t->step, value, err);
}

static void log_param(const char *key, const char *value, void *ctx)
{
    herd_trainer *t = ctx;
    herd_error ignored = { 0 };
    herd_runlog_log_param(t->log, key, value, &ignored);
}

static void format_eta(double seconds, char *buf, size_t size)
{
    int s = seconds > 0 && seconds < 1e7 ? (int)seconds : 0;
    snprintf(buf, size, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
}

/* One progress report: a redrawn bar on a terminal, a plain line otherwise. */
static void print_progress(herd_trainer *t, double loss, double samples_per_s)
{
    const herd_config *cfg = t->cfg;
    int64_t total = cfg->train.epochs * t->steps_per_epoch;
    double elapsed = herd_now() - t->started;
    double frac = total > 0 ? (double)t->step / (double)total : 1.0;
    /* at an epoch boundary the report belongs to the epoch just finished */
    long long epoch = t->step_in_epoch == 0 && t->epoch > 0 ? t->epoch : t->epoch + 1;
    char eta[32];
    format_eta(frac > 0 ? elapsed * (1 - frac) / frac : 0, eta, sizeof eta);
    if (t->rank != 0)
        return;
    if (isatty(STDOUT_FILENO)) {
        char bar[31];
        int filled = (int)(frac * 30);
        for (int i = 0; i < 30; i++)
            bar[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
        bar[30] = '\0';
        printf("\repoch %lld/%lld [%s] %3.0f%% loss %.4f %.0f samples/s ETA %s ",
               epoch, (long long)cfg->train.epochs, bar, 100 * frac, loss,
               samples_per_s, eta);
        fflush(stdout);
    } else {
        herd_info("epoch %lld/%lld step %lld/%lld loss %.5f lr %.3g %.0f samples/s ETA %s",
                  epoch, (long long)cfg->train.epochs, (long long)t->step,
                  (long long)total, loss, herd_schedule_lr(&t->schedule, t->step - 1),
                  samples_per_s, eta);
    }
}

/* Reduce the loss since the last report over ranks and log train/ metrics. */
static int log_training(herd_trainer *t, herd_error *err)
{
    double sums[2] = { t->loss_sum, t->rows_sum };
    int rc = herd_comm_allreduce_sum_f64(t->comm, sums, 2, err);
    if (rc != HERD_OK || t->steps_since_log == 0)
        return rc;
    double loss = sums[0] / (sums[1] > 0 ? sums[1] : 1);
    double samples_per_s = sums[1] / (t->step_time > 0 ? t->step_time * t->size : 1);
    double n = (double)t->steps_since_log;
    rc = record_metric(t, "train/loss", loss, err);
    if (rc == HERD_OK)
        rc = record_metric(t, "train/lr", herd_schedule_lr(&t->schedule, t->step - 1), err);
    if (rc == HERD_OK)
        rc = record_metric(t, "train/samples_per_s", samples_per_s, err);
    if (rc == HERD_OK)
        rc = record_metric(t, "train/step_ms", 1000 * t->step_time / n, err);
    if (rc == HERD_OK)
        rc = record_metric(t, "train/grad_norm", t->grad_norm, err);
    if (rc == HERD_OK)
        rc = record_metric(t, "comm/allreduce_ms", 1000 * t->comm_time / n, err);
    print_progress(t, loss, samples_per_s);
    t->loss_sum = t->rows_sum = t->step_time = t->comm_time = 0;
    t->steps_since_log = 0;
    return rc;
}

/* ---------------------------------------------------------------- setup */

static int open_data(herd_trainer *t, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    int rc = herd_dataset_open(cfg->data.train, &t->train_ds, err);
    if (rc == HERD_OK && cfg->data.val[0] != '\0')
        rc = herd_dataset_open(cfg->data.val, &t->val_ds, err);
    if (rc == HERD_OK && cfg->data.test[0] != '\0')
        rc = herd_dataset_open(cfg->data.test, &t->test_ds, err);
    if (rc == HERD_OK && t->rank == 0)
        rc = herd_dataset_check_labels(t->train_ds, err);
    const herd_dataset_info *train = rc == HERD_OK ? herd_dataset_get_info(t->train_ds) : NULL;
    herd_dataset *others[2] = { t->val_ds, t->test_ds };
    for (int i = 0; i < 2 && rc == HERD_OK; i++) {
        if (others[i] == NULL)
            continue;
        const herd_dataset_info *o = herd_dataset_get_info(others[i]);
        if (o->cols != train->cols || o->task != train->task)
            rc = herd_error_set(err, HERD_ERR_DATA,
                                "%s: %lld columns, task %s; the training data has %lld, task %s",
                                herd_dataset_path(others[i]), (long long)o->cols,
                                herd_task_name(o->task), (long long)train->cols,
                                herd_task_name(train->task));
        else if (t->rank == 0)
            rc = herd_dataset_check_labels(others[i], err);
    }
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}

/* Load a role's shard from ds, or from the training file when ds is NULL. */
static int load_role(herd_trainer *t, herd_dataset *ds, int role, herd_rows *rows,
                     int64_t *total, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    if (ds != NULL)
        return herd_rows_load_shard(ds, HERD_ROLE_ALL, (uint64_t)cfg->seed, 0, t->rank, t->size,
                                    rows, total, err);
    return herd_rows_load_shard(t->train_ds, role, (uint64_t)cfg->seed, cfg->data.val_fraction,
                                t->rank, t->size, rows, total, err);
}

static int load_shards(herd_trainer *t, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    int rc = load_role(t, NULL, HERD_ROLE_TRAIN, &t->train, &t->n_train, err);
    if (rc == HERD_OK)
        rc = load_role(t, t->val_ds, HERD_ROLE_VAL, &t->val, &t->n_val, err);
    if (rc == HERD_OK)
        rc = load_role(t, t->test_ds, HERD_ROLE_TEST, &t->test, &t->n_test, err);
    if (rc == HERD_OK && t->n_train < t->size)
        rc = herd_error_set(err, HERD_ERR_DATA, "%s: %lld training rows for %d ranks",
                            cfg->data.train, (long long)t->n_train, t->size);
    if (rc == HERD_OK && cfg->train.batch_size < t->size)
        rc = herd_error_set(err, HERD_ERR_USAGE,
                            "train.batch_size: global batch %lld is smaller than the %d ranks",
                            (long long)cfg->train.batch_size, t->size);
    if (rc == HERD_OK && cfg->train.batch_size > t->n_train)
        rc = herd_error_set(err, HERD_ERR_USAGE,
                            "train.batch_size: global batch %lld is larger than the %lld training rows",
                            (long long)cfg->train.batch_size, (long long)t->n_train);
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}

static int read_resume(herd_trainer *t, herd_error *err)
{
    const char *resume = t->opt->resume;
    char path[4200];
    int rc = HERD_OK;
    if (resume == NULL)
        return HERD_OK;
    if (strcmp(resume, "auto") == 0) {
        char *chosen = NULL;
        if (t->rank == 0) {
            herd_error none = { 0 };
            if (herd_checkpoint_find_latest(t->cfg->train.checkpoint_dir, path, sizeof path,
                                            &none) == HERD_OK)
                chosen = herd_strdup(path);
            else
                herd_info("resume auto: no checkpoint in %s, starting fresh",
                          t->cfg->train.checkpoint_dir);
            chosen = chosen != NULL ? chosen : herd_strdup("");
        }
        rc = herd_comm_bcast_string(t->comm, &chosen, 0, err);
        snprintf(path, sizeof path, "%s", chosen != NULL ? chosen : "");
        free(chosen);
        if (rc != HERD_OK || path[0] == '\0')
            return rc;
    } else {
        snprintf(path, sizeof path, "%s", resume);
    }
    rc = herd_checkpoint_read(path, &t->resume_from, err);
    if (rc == HERD_OK)
        herd_info("resuming from %s (epoch %lld, step %lld)", path,
                  (long long)t->resume_from->epoch, (long long)t->resume_from->step);
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}

static int prepare_features(herd_trainer *t, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    int rc = HERD_OK;
    if (t->resume_from != NULL) {
        t->pp = t->resume_from->pp;
        t->resume_from->pp = NULL;
    } else {
        t->pp = herd_preprocess_create(t->train.cols, cfg->data.standardize, cfg->data.impute);
        rc = herd_preprocess_fit(t->pp, t->comm, t->train.X, t->train.n, err);
        if (rc != HERD_OK)
            return rc;  /* the fit agrees on errors itself */
    }
    herd_rows *all[3] = { &t->train, &t->val, &t->test };
    for (int i = 0; i < 3 && rc == HERD_OK; i++)
        rc = herd_preprocess_apply(t->pp, all[i]->X, all[i]->n, err);
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}

static void fill_spec(const herd_trainer *t, herd_model_spec *spec)
{
    const herd_config *cfg = t->cfg;
    const herd_dataset_info *info = herd_dataset_get_info(t->train_ds);
    memset(spec, 0, sizeof *spec);
    spec->type = cfg->model.type;
    spec->task = info->task;
    spec->n_in = (int)info->cols;
    spec->n_classes = info->n_classes;
    spec->n_hidden = cfg->model.n_hidden;
    memcpy(spec->hidden, cfg->model.hidden, sizeof cfg->model.hidden);
    spec->activation = cfg->model.activation;
    spec->init_scale = cfg->model.init_scale;
}

static void make_optimizer(herd_trainer *t)
{
    const herd_config *cfg = t->cfg;
    herd_optim_params p = {
        .name = cfg->optim.name, .momentum = (float)cfg->optim.momentum,
        .nesterov = cfg->optim.nesterov, .weight_decay = (float)cfg->optim.weight_decay,
        .beta1 = (float)cfg->optim.beta1, .beta2 = (float)cfg->optim.beta2,
        .eps = (float)cfg->optim.eps,
    };
    t->optim = herd_optim_create(&p, t->model->n_params);
    t->schedule = (herd_schedule){
        .kind = cfg->optim.schedule, .lr = cfg->optim.lr, .min_lr = cfg->optim.min_lr,
        .warmup_steps = cfg->optim.warmup_steps,
        .total_steps = cfg->train.epochs * t->steps_per_epoch,
        .step_every = cfg->optim.step_every, .step_gamma = cfg->optim.step_gamma,
    };
}

/* Take over parameters, optimizer state and position from the checkpoint. */
static int restore_state(herd_trainer *t, herd_error *err)
{
    herd_checkpoint *ck = t->resume_from;
    int rc = herd_checkpoint_restore_model(ck, t->model, err);
    if (rc != HERD_OK)
        return rc;
    size_t bytes = t->model->n_params * sizeof(float);
    memcpy(t->optim->m, ck->optim_m, bytes);
    if (t->optim->v != NULL && ck->optim_v != NULL)
        memcpy(t->optim->v, ck->optim_v, bytes);
    t->optim->t = ck->optim_t;
    t->step = ck->step;
    t->epoch = ck->epoch;
    t->step_in_epoch = ck->step_in_epoch;
    snprintf(t->run_id, sizeof t->run_id, "%s", ck->run_id);
    return HERD_OK;
}

static int build_model(herd_trainer *t, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    herd_model_spec spec;
    fill_spec(t, &spec);
    int64_t local_batch = herd_local_batch(cfg->train.batch_size, t->rank, t->size);
    /* every rank must take the same number of steps: the smallest shard decides */
    double steps = (double)(t->train.n / local_batch);
    int rc = herd_comm_allreduce_min_f64(t->comm, &steps, 1, err);
    if (rc != HERD_OK)
        return rc;
    t->steps_per_epoch = (int64_t)steps;
    rc = herd_model_create(&spec, (int)local_batch, (uint64_t)cfg->seed, &t->model, err);
    if (rc == HERD_OK) {
        make_optimizer(t);
        herd_batcher_init(&t->batcher, &t->train, local_batch);
        t->pred = herd_alloc_aligned((size_t)local_batch * (size_t)herd_model_predict_width(t->model)
                                     * sizeof(float));
    }
    if (rc == HERD_OK && t->resume_from != NULL)
        rc = restore_state(t, err);
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}

static char *versions_text(void)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "herd %s; OpenBLAS %s; compiler gcc %s", herd_version(),
             herd_blas_info(), __VERSION__);
    return herd_strdup(buf);
}

static int begin_run_log(herd_trainer *t, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    char hosts[1024];
    int rc = herd_comm_hosts(t->comm, hosts, sizeof hosts, err);
    if (rc != HERD_OK || t->rank != 0 || !cfg->track.enabled)
        return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
    char *versions = versions_text();
    herd_run_info info = {
        .experiment = cfg->experiment, .name = cfg->run_name,
        .run_id = t->run_id[0] ? t->run_id : NULL, .command = t->opt->command,
        .world_size = t->size, .hosts = hosts, .config_text = cfg->canonical,
        .config_sha256 = cfg->sha256,
        .data_sha256 = herd_dataset_get_info(t->train_ds)->content_sha256,
        .git_commit = herd_build_commit(), .versions = versions,
    };
    rc = herd_runlog_begin(cfg->track.db, &info, &t->log, err);
    free(versions);
    if (rc == HERD_OK) {
        snprintf(t->run_id, sizeof t->run_id, "%s", herd_runlog_id(t->log));
        herd_config_each(cfg, log_param, t);
        herd_runlog_set_tag(t->log, "cpuset.rank0", t->topo.cpuset, err);
    }
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}

static int setup(herd_trainer *t, herd_error *err)
{
    int rc = herd_topo_setup(t->comm, &t->topo, err);
    if (rc == HERD_OK)
        rc = open_data(t, err);
    if (rc == HERD_OK)
        rc = load_shards(t, err);
    if (rc == HERD_OK)
        rc = read_resume(t, err);
    if (rc == HERD_OK)
        rc = prepare_features(t, err);
    if (rc == HERD_OK)
        rc = build_model(t, err);
    if (rc == HERD_OK)
        rc = begin_run_log(t, err);
    if (rc == HERD_OK)
        herd_info("run %s: %lld train / %lld val / %lld test rows, %zu parameters, "
                  "%d ranks x %d threads, %lld steps per epoch",
                  t->run_id, (long long)t->n_train, (long long)t->n_val, (long long)t->n_test,
                  t->model->n_params, t->size, t->topo.threads, (long long)t->steps_per_epoch);
    return rc;
}

/* ------------------------------------------------------------- evaluate */

static int evaluate(herd_trainer *t, const herd_rows *rows, int64_t total, const char *prefix,
                    herd_error *err)
{
    if (total == 0)
        return HERD_OK;
    herd_model *m = t->model;
    herd_eval_acc acc;
    herd_eval_result res;
    herd_eval_begin(&acc, m->spec.task, m->spec.n_classes);
    for (int64_t i = 0; i < rows->n; i += m->max_batch) {
        int b = (int)(rows->n - i < m->max_batch ? rows->n - i : m->max_batch);
        herd_model_predict(m, rows->X + i * rows->cols, b, t->pred);
        herd_eval_add(&acc, t->pred, rows->y + i, b);
    }
    int rc = herd_eval_finish(&acc, t->comm, &res, err);
    char line[512] = "";
    for (int i = 0; i < res.n && rc == HERD_OK; i++) {
        char key[64];
        snprintf(key, sizeof key, "%s/%s", prefix, res.names[i]);
        rc = record_metric(t, key, res.values[i], err);
        size_t used = strlen(line);
        snprintf(line + used, sizeof line - used, " %s %.4f", key, res.values[i]);
    }
    if (rc == HERD_OK) {
        if (t->rank == 0 && isatty(STDOUT_FILENO))
            printf("\n");
        herd_info("epoch %lld:%s", (long long)t->epoch, line);
    }
    return rc;
}

/* ----------------------------------------------------------- checkpoint */

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

/* ----------------------------------------------------------------- step */

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
    int rc = log_training(t, err);
    int last = t->epoch == cfg->train.epochs;
    if (rc == HERD_OK && cfg->train.eval_every > 0 && t->epoch % cfg->train.eval_every == 0)
        rc = evaluate(t, &t->val, t->n_val, "val", err);
    else if (rc == HERD_OK && last)
        rc = evaluate(t, &t->val, t->n_val, "val", err);
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
                rc = log_training(t, err);
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
        rc = evaluate(t, &t->test, t->n_test, "test", err);
    return rc;
}

/* ------------------------------------------------------------- finish */

static void write_summary(herd_trainer *t, const char *status, const herd_error *err)
{
    const char *path = t->opt->summary_json;
    if (t->rank != 0 || path == NULL)
        return;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "run_id", t->run_id);
    cJSON_AddStringToObject(root, "status", status);
    cJSON_AddStringToObject(root, "checkpoint", t->checkpoint);
    cJSON_AddStringToObject(root, "track_db", t->cfg->track.db);
    if (err->code != HERD_OK)
        cJSON_AddStringToObject(root, "error", err->msg);
    cJSON *metrics = cJSON_AddObjectToObject(root, "metrics");
    for (int i = 0; i < t->n_recorded; i++)
        cJSON_AddNumberToObject(metrics, t->recorded_key[i], t->recorded_value[i]);
    char *text = cJSON_Print(root);
    FILE *f = fopen(path, "w");
    if (f == NULL || fprintf(f, "%s\n", text) < 0 || fclose(f) != 0)
        herd_warn("cannot write summary %s", path);
    free(text);
    cJSON_Delete(root);
}

static void teardown(herd_trainer *t)
{
    herd_checkpoint_free(t->resume_from);
    free(t->pred);
    herd_batcher_free(&t->batcher);
    herd_optim_free(t->optim);
    herd_model_free(t->model);
    herd_preprocess_free(t->pp);
    herd_rows_free(&t->test);
    herd_rows_free(&t->val);
    herd_rows_free(&t->train);
    herd_dataset_close(t->test_ds);
    herd_dataset_close(t->val_ds);
    herd_dataset_close(t->train_ds);
}

int herd_train(herd_comm *comm, const herd_config *cfg, const herd_train_options *opt,
               herd_error *err)
{
    herd_trainer t = { .comm = comm, .cfg = cfg, .opt = opt };
    t.rank = herd_comm_rank(comm);
    t.size = herd_comm_size(comm);
    int rc = setup(&t, err);
    if (rc == HERD_OK)
        rc = train_loop(&t, err);
    const char *status = rc == HERD_OK ? HERD_RUN_FINISHED : HERD_RUN_FAILED;
    write_summary(&t, status, err);
    herd_error end_err = { 0 };
    if (herd_runlog_end(t.log, status, &end_err) != HERD_OK && rc == HERD_OK)
        rc = herd_error_set(err, end_err.code, "%s", end_err.msg);
    if (rc == HERD_OK && t.rank == 0) {
        herd_info("run %s finished: checkpoint %s, logged in %s", t.run_id, t.checkpoint,
                  cfg->track.enabled ? cfg->track.db : "(tracking off)");
    }
    teardown(&t);
    return rc;
}
