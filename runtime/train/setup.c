/* setup.c - everything a training job needs before its first step:
 * topology and binding, data shards, preprocessing fitted over all ranks,
 * the model and optimizer (or their state from a checkpoint), and the run in
 * the experiment log. Each stage ends with herd_comm_agree, so an error on
 * any rank stops every rank at the same point with the same message.
 */
#include "train/trainer.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* data.stream: rows per block, a whole number of local batches. */
static int64_t stream_block_rows(const herd_trainer *t)
{
    const herd_config *cfg = t->cfg;
    int64_t local = herd_local_batch(cfg->train.batch_size, t->rank, t->size);
    double row_bytes = (double)(herd_dataset_get_info(t->train_ds)->cols + 1) * sizeof(float);
    int64_t batches = (int64_t)(cfg->data.stream_block_mb * 1048576.0 / row_bytes) / local;
    return (batches > 0 ? batches : 1) * local;
}

/* Load a role's shard from ds, or from the training file when ds is NULL. */
static int load_role(herd_trainer *t, herd_dataset *ds, int role, herd_rows *rows,
                     int64_t *total, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    if (ds != NULL)
        return herd_rows_load_shard(ds, HERD_ROLE_ALL, (uint64_t)cfg->seed, 0, t->rank, t->size,
                                    rows, total, err);
    double fraction = role == HERD_ROLE_TRAIN ? cfg->data.train_fraction : 1;
    if (role == HERD_ROLE_TRAIN && cfg->data.stream)
        return herd_rows_stream_shard(t->train_ds, role, (uint64_t)cfg->seed,
                                      cfg->data.val_fraction, fraction, t->rank, t->size,
                                      stream_block_rows(t), rows, total, err);
    return herd_rows_load_shard_fraction(t->train_ds, role, (uint64_t)cfg->seed,
                                         cfg->data.val_fraction, fraction, t->rank, t->size, rows,
                                         total, err);
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
    if (t->resume_from != NULL && t->resume_from->spec.n_in != t->train.cols) {
        return herd_error_set(err, HERD_ERR_DATA,  /* every rank sees the same: no agree */
                              "resume: the checkpoint was trained on %d columns, %s has %lld",
                              t->resume_from->spec.n_in, cfg->data.train,
                              (long long)t->train.cols);
    } else if (t->resume_from != NULL) {
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
    return herd_trainer_restore_progress(t, err);
}

static int build_model(herd_trainer *t, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    herd_model_spec spec;
    fill_spec(t, &spec);
    int64_t local_batch = herd_local_batch(cfg->train.batch_size, t->rank, t->size);
    /* every rank must take the same number of steps: the smallest shard decides */
    double steps = (double)(herd_rows_shard_rows(&t->train) / local_batch);
    int rc = herd_comm_allreduce_min_f64(t->comm, &steps, 1, err);
    if (rc != HERD_OK)
        return rc;
    t->steps_per_epoch = (int64_t)steps;
    rc = herd_model_create(&spec, (int)local_batch, (uint64_t)cfg->seed, &t->model, err);
    if (rc == HERD_OK) {
        make_optimizer(t);
        herd_batcher_init(&t->batcher, &t->train, local_batch);
        herd_rows_stream_set_preprocess(&t->train, t->pp);
        t->pred = herd_alloc_aligned((size_t)local_batch * (size_t)herd_model_predict_width(t->model)
                                     * sizeof(float));
    }
    if (rc == HERD_OK && t->resume_from != NULL)
        rc = restore_state(t, err);
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}

static void log_param(const char *key, const char *value, void *ctx)
{
    herd_trainer *t = ctx;
    herd_error ignored = { 0 };
    herd_runlog_log_param(t->log, key, value, &ignored);
}

static int begin_run_log(herd_trainer *t, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    char hosts[1024];
    int rc = herd_comm_hosts(t->comm, hosts, sizeof hosts, err);
    if (rc != HERD_OK || t->rank != 0 || !cfg->track.enabled)
        return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
    char *versions = herd_trainer_versions_text();
    char commit[128];
    int dirty = 0;
    herd_trainer_git_state(commit, sizeof commit, &dirty);
    herd_run_info info = {
        .experiment = cfg->experiment, .name = cfg->run_name,
        .run_id = t->run_id[0] ? t->run_id : NULL, .command = t->opt->command,
        .parent_id = t->opt->parent_id,
        .world_size = t->size, .hosts = hosts, .config_text = cfg->canonical,
        .config_sha256 = cfg->sha256,
        .data_sha256 = herd_dataset_get_info(t->train_ds)->content_sha256,
        .git_commit = commit, .git_dirty = dirty, .versions = versions,
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

/* An unwritable checkpoint folder fails now, not after the first epoch. */
static int check_checkpoint_dir(herd_trainer *t, herd_error *err)
{
    if (t->rank == 0)
        herd_checkpoint_check_dir(t->cfg->train.checkpoint_dir, err);
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}

int herd_trainer_setup(herd_trainer *t, herd_error *err)
{
    int rc = herd_topo_setup(t->comm, &t->topo, err);
    if (rc == HERD_OK)
        rc = open_data(t, err);
    double t0 = herd_now();
    if (rc == HERD_OK)
        rc = load_shards(t, err);
    t->load_time = herd_now() - t0;
    if (rc == HERD_OK)
        rc = read_resume(t, err);
    if (rc == HERD_OK)
        rc = prepare_features(t, err);
    if (rc == HERD_OK)
        rc = build_model(t, err);
    if (rc == HERD_OK)
        rc = check_checkpoint_dir(t, err);
    if (rc == HERD_OK)
        rc = begin_run_log(t, err);
    if (rc == HERD_OK)
        rc = herd_trainer_record_provenance(t, err);
    if (rc == HERD_OK)
        herd_info("run %s: %lld train / %lld val / %lld test rows, %zu parameters, "
                  "%d ranks x %d threads, %lld steps per epoch",
                  t->run_id, (long long)t->n_train, (long long)t->n_val, (long long)t->n_test,
                  t->model->n_params, t->size, t->topo.threads, (long long)t->steps_per_epoch);
    return rc;
}

void herd_trainer_teardown(herd_trainer *t)
{
    herd_comm_watchdog_stop(t->comm);
    herd_checkpoint_free(t->resume_from);
    free(t->pred);
    herd_batcher_free(&t->batcher);
    herd_comm_buckets_free(t->buckets);
    herd_comm_reducer_free(t->reducer);  /* collective: every rank tears down */
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

