/* setup.c - everything a training job needs before its first step:
 * topology and binding, data shards, preprocessing fitted over all ranks,
 * the model and optimizer (or their state from a checkpoint), and the run in
 * the experiment log. Each stage ends with herd_comm_agree, so an error on
 * any rank stops every rank at the same point with the same message.
 */
#include "train/trainer.h"
#include "core/files.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timer.h"
#include "track/index.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Rank 0: the content hash of each data file, recorded with the run and its
 * checkpoints. A file written by another tool has none stored: it is
 * computed here (a full read, said once), so `herd runs reproduce` can still
 * check that the data is the same. */
static int hash_data(herd_trainer *t, herd_error *err)
{
    herd_dataset *files[3] = { t->train_ds, t->val_ds, t->test_ds };
    char *hashes[3] = { t->train_sha256, t->val_sha256, t->test_sha256 };
    int rc = HERD_OK;
    for (int i = 0; i < 3 && rc == HERD_OK; i++) {
        if (files[i] == NULL)
            continue;
        double t0 = herd_now();
        rc = herd_dataset_content_sha256(files[i], hashes[i], err);
        if (rc == HERD_OK && herd_dataset_get_info(files[i])->content_sha256[0] == '\0')
            herd_info("%s has no stored content hash: computed sha256 %.12s in %.1f s",
                      herd_dataset_path(files[i]), hashes[i], herd_now() - t0);
    }
    return rc;
}

static int open_data(herd_trainer *t, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    if (cfg->data.val[0] != '\0' && cfg->data.val_fraction > 0)  /* same on every rank */
        return herd_error_set(err, HERD_ERR_USAGE,
                              "data.val_fraction: %g would hold rows of data.train out for "
                              "validation, but data.val (%s) is the validation set; set one of them",
                              cfg->data.val_fraction, cfg->data.val);
    int rc = herd_dataset_open_labelled(cfg->data.train, "training", &t->train_ds, err);
    if (rc == HERD_OK && cfg->data.val[0] != '\0')
        rc = herd_dataset_open_labelled(cfg->data.val, "training", &t->val_ds, err);
    if (rc == HERD_OK && cfg->data.test[0] != '\0')
        rc = herd_dataset_open_labelled(cfg->data.test, "training", &t->test_ds, err);
    if (rc == HERD_OK && t->rank == 0)
        rc = herd_dataset_check_labels(t->train_ds, err);
    if (rc == HERD_OK && t->rank == 0)  /* stored with the model, checked against new data */
        rc = herd_dataset_stored_feature_names(t->train_ds, &t->feature_names, err);
    if (rc == HERD_OK && t->rank == 0)
        rc = herd_dataset_class_names(t->train_ds, &t->class_names, err);
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
        if (rc == HERD_OK && t->rank == 0)
            rc = herd_dataset_check_feature_names(others[i], t->feature_names, "data.train",
                                                  err);
        if (rc == HERD_OK && t->rank == 0)
            rc = herd_dataset_check_class_names(others[i], t->class_names, "data.train", err);
    }
    if (rc == HERD_OK && t->rank == 0)
        rc = hash_data(t, err);
    rc = herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
    if (rc == HERD_OK)  /* every rank decides alike whether a resume changed the data */
        rc = herd_comm_bcast(t->comm, t->train_sha256, sizeof t->train_sha256, 0, err);
    return rc;
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

/* Which rows of which file a role's shard holds: all rows of ds, or, when
 * ds is NULL, the role's rows of the training file. */
typedef struct shard_source {
    herd_dataset *ds;
    int role;
    double val_fraction, fraction;
} shard_source;

static shard_source role_source(const herd_trainer *t, herd_dataset *ds, int role)
{
    const herd_config *cfg = t->cfg;
    if (ds != NULL)
        return (shard_source){ .ds = ds, .role = HERD_ROLE_ALL, .val_fraction = 0, .fraction = 1 };
    return (shard_source){
        .ds = t->train_ds, .role = role, .val_fraction = cfg->data.val_fraction,
        .fraction = role == HERD_ROLE_TRAIN ? cfg->data.train_fraction : 1,
    };
}

/* Load a role's shard from ds, or from the training file when ds is NULL. */
static int load_role(herd_trainer *t, herd_dataset *ds, int role, herd_rows *rows,
                     int64_t *total, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    shard_source src = role_source(t, ds, role);
    if (ds == NULL && role == HERD_ROLE_TRAIN && cfg->data.stream)
        return herd_rows_stream_shard(src.ds, src.role, (uint64_t)cfg->seed, src.val_fraction,
                                      src.fraction, t->rank, t->size, stream_block_rows(t), rows,
                                      total, err);
    return herd_rows_load_shard_fraction(src.ds, src.role, (uint64_t)cfg->seed, src.val_fraction,
                                         src.fraction, t->rank, t->size, rows, total, err);
}

/* With data.impute none, a missing (non-finite) feature is an error naming
 * its row of the file. A streamed shard's later blocks are checked as they
 * are read (stream.c). Not collective. */
static int reject_missing(herd_trainer *t, herd_error *err)
{
    herd_rows *rows[3] = { &t->train, &t->val, &t->test };
    herd_dataset *files[3] = { NULL, t->val_ds, t->test_ds };
    int roles[3] = { HERD_ROLE_TRAIN, HERD_ROLE_VAL, HERD_ROLE_TEST };
    for (int r = 0; r < 3; r++) {
        int64_t col = 0, i = herd_preprocess_first_missing(rows[r]->X, rows[r]->n, rows[r]->cols,
                                                          &col);
        if (i < 0)
            continue;
        shard_source src = role_source(t, files[r], roles[r]);
        int64_t *index = NULL, count = 0, total = 0;
        int rc = herd_rows_shard_index(src.ds, src.role, (uint64_t)t->cfg->seed, src.val_fraction,
                                       src.fraction, t->rank, t->size, &index, &count, &total,
                                       err);
        if (rc == HERD_OK)
            rc = herd_error_set(err, HERD_ERR_DATA,
                                "preprocess: column %lld, row %lld of %s: value %g is missing or "
                                "not finite (set data.impute to mean or median)",
                                (long long)col, (long long)index[i], herd_dataset_path(src.ds),
                                (double)rows[r]->X[i * rows[r]->cols + col]);
        free(index);
        return rc;
    }
    return HERD_OK;
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

/* "run <id>" of the checkpoint, or "the run" when it was not tracked. */
static void checkpoint_run(const herd_checkpoint *ck, char *out, size_t size)
{
    snprintf(out, size, "%s%s", ck->run_id[0] != '\0' ? "run " : "the run", ck->run_id);
}

/* What resuming from the checkpoint at path means; every rank holds the
 * checkpoint and decides the same. Its run finished train.epochs already:
 * nothing to train (said once the checkpoint is known to fit this job's
 * data and model: nothing_to_train). Its config differs from this job's, or
 * the training data's content hash from the one it recorded: training goes
 * on as a new run whose parent is the checkpoint's run, so the old run's
 * record (config, params, command, data hash) stays what that run trained
 * with. Otherwise the same run goes on (a preempted or failed job started
 * again). */
static void plan_resume(herd_trainer *t, const char *path)
{
    const herd_checkpoint *ck = t->resume_from;
    char run[48], where[96], changed[1024];
    checkpoint_run(ck, run, sizeof run);
    snprintf(t->resume_path, sizeof t->resume_path, "%s", path);
    if (ck->epoch >= t->cfg->train.epochs) {
        t->nothing_to_train = 1;
        return;
    }
    herd_trainer_config_changes(t, changed, sizeof changed);
    int data_changed = ck->data_sha256[0] != '\0' && strcmp(ck->data_sha256, t->train_sha256) != 0;
    t->resume_as_new_run = changed[0] != '\0' || data_changed;
    herd_trainer_position_text(ck->epoch, ck->step_in_epoch, where, sizeof where);
    if (t->rank != 0)
        return;
    herd_info("resuming from %s after step %lld (%s)", path, (long long)ck->step, where);
    if (data_changed)
        herd_info("resume: the content of data.train differs from what %s trained on (sha256 "
                  "%.12s now, %.12s then)%s%s%s: training goes on as a new run with that run as "
                  "its parent", run, t->train_sha256, ck->data_sha256,
                  changed[0] != '\0' ? "; the config differs too (" : "", changed,
                  changed[0] != '\0' ? ")" : "");
    else if (t->resume_as_new_run)
        herd_info("resume: the config differs from the one %s recorded (%s): training goes on "
                  "as a new run with that run as its parent", run, changed);
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
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        rc = herd_error_set(err, HERD_ERR_USAGE,
                            "--resume: %s is a folder; give a checkpoint file (ckpt-*.h5), or "
                            "--resume auto for the newest valid one in train.checkpoint_dir", path);
    else
        rc = herd_checkpoint_read(path, &t->resume_from, err);
    if (rc == HERD_OK)
        plan_resume(t, path);
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}

static int prepare_features(herd_trainer *t, herd_error *err)
{
    const herd_config *cfg = t->cfg;
    const herd_checkpoint *ck = t->resume_from;
    if (ck != NULL && ck->spec.n_in != t->train.cols)
        return herd_error_set(err, HERD_ERR_DATA,  /* every rank sees the same: no agree */
                              "resume: the checkpoint was trained on %d columns, %s has %lld",
                              ck->spec.n_in, cfg->data.train, (long long)t->train.cols);
    if (ck != NULL) {
        t->pp = t->resume_from->pp;  /* fitted when the run started */
        t->resume_from->pp = NULL;
    } else {
        t->pp = herd_preprocess_create(t->train.cols, cfg->data.standardize, cfg->data.impute);
    }
    if (t->pp->impute == HERD_IMPUTE_NONE)
        reject_missing(t, err);  /* a failure is in err */
    int rc = herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
    if (rc == HERD_OK && ck == NULL)
        rc = herd_preprocess_fit(t->pp, t->comm, t->train.X, t->train.n, err);
    herd_rows *all[3] = { &t->train, &t->val, &t->test };
    for (int i = 0; i < 3 && rc == HERD_OK; i++)
        rc = herd_preprocess_apply(t->pp, all[i]->X, all[i]->n, NULL, err);
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
    if (!t->resume_as_new_run)
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

/* --parent as the full id of a run in this run log (a unique prefix is
 * enough). A parent that is not there (a typo, or another run log) is kept
 * as given, with a warning. Rank 0. */
static void resolve_parent(herd_trainer *t)
{
    herd_runs *idx = NULL;
    herd_error why = { 0 };
    const char *given = t->opt->parent_id;
    int rc = herd_runs_open(t->cfg->track.db, &idx, &why);
    if (rc == HERD_OK)
        rc = herd_runs_sync(idx, NULL, &why);
    if (rc == HERD_OK)
        rc = herd_runs_find(idx, given, t->parent_id, &why);
    herd_runs_close(idx);
    if (rc != HERD_OK) {
        herd_warn("--parent %s: %s; recorded as given", given, why.msg);
        snprintf(t->parent_id, sizeof t->parent_id, "%s", given);
    }
}

/* The parent of this run: --parent, else the run a changed-config resume
 * goes on from. */
static const char *parent_run(const herd_trainer *t)
{
    if (t->opt->parent_id != NULL)
        return t->parent_id;
    if (t->resume_as_new_run && t->resume_from->run_id[0] != '\0')
        return t->resume_from->run_id;
    return NULL;
}

/* A run that went on from another run's checkpoint says where it started
 * (herd runs reproduce cannot redo that from scratch). */
static void tag_resume(herd_trainer *t, herd_error *err)
{
    char step[32];
    if (!t->resume_as_new_run)
        return;
    snprintf(step, sizeof step, "%lld", (long long)t->resume_from->step);
    herd_runlog_set_tag(t->log, "resume.checkpoint", t->resume_path, err);
    herd_runlog_set_tag(t->log, "resume.step", step, err);
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
    if (t->opt->parent_id != NULL)
        resolve_parent(t);
    herd_run_info info = {
        .experiment = cfg->experiment, .name = cfg->run_name,
        .run_id = t->run_id[0] ? t->run_id : NULL, .command = t->opt->command,
        .parent_id = parent_run(t),
        .world_size = t->size, .hosts = hosts, .config_text = cfg->canonical,
        .config_sha256 = cfg->sha256,
        .data_sha256 = t->train_sha256,
        .git_commit = commit, .git_dirty = dirty, .versions = versions,
    };
    rc = herd_runlog_begin(cfg->track.db, &info, &t->log, err);
    free(versions);
    if (rc == HERD_OK) {
        snprintf(t->run_id, sizeof t->run_id, "%s", herd_runlog_id(t->log));
        herd_config_each(cfg, log_param, t);
        herd_runlog_set_tag(t->log, "cpuset.rank0", t->topo.cpuset, err);
        tag_resume(t, err);
    }
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}

/* The checkpoint folder is this run's alone until it ends: a second
 * training on it fails here, before reading or moving anything in it. An
 * unwritable folder fails now too, not after the first epoch. */
static int own_checkpoint_dir(herd_trainer *t, herd_error *err)
{
    const char *dir = t->cfg->train.checkpoint_dir;
    if (t->rank == 0 && herd_checkpoint_check_dir(dir, err) == HERD_OK)
        herd_checkpoint_lock_dir(dir, &t->dir_lock, err);
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}

/* The resumed checkpoint's run finished train.epochs: say so, and leave
 * the experiment log alone. The summary names that checkpoint. */
static int nothing_to_train(herd_trainer *t)
{
    char run[48];
    checkpoint_run(t->resume_from, run, sizeof run);
    snprintf(t->checkpoint, sizeof t->checkpoint, "%s", t->resume_path);
    if (t->rank == 0)
        herd_info("nothing to train: %s already finished all its %lld epochs (checkpoint %s); "
                  "raise train.epochs to train on", run, (long long)t->resume_from->epoch,
                  t->resume_path);
    return HERD_OK;
}

/* --summary-json is written when the job ends: its folder is made now (as
 * checkpoint and run-log folders are), and a path that cannot be written
 * (a folder that cannot be made or written, a folder itself) fails now,
 * before anything is trained or logged. */
static int check_summary_path(herd_trainer *t, herd_error *err)
{
    const char *path = t->opt->summary_json;
    struct stat st;
    if (t->rank == 0 && path != NULL) {
        char *copy = herd_strdup(path);
        const char *folder = dirname(copy);
        herd_error why = { 0 };
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            herd_error_set(err, HERD_ERR_IO, "--summary-json: %s is a folder", path);
        else if (herd_make_dirs(folder, &why) != HERD_OK)
            herd_error_set(err, HERD_ERR_IO, "--summary-json: cannot write %s: %s", path,
                           why.msg);
        else if (access(folder, W_OK | X_OK) != 0)
            herd_error_set(err, HERD_ERR_IO, "--summary-json: cannot write %s: %s: %s", path,
                           folder, strerror(errno));
        free(copy);
    }
    if (herd_comm_agree(t->comm, err) != HERD_OK)
        return err->code;
    t->summary_json = path;
    return HERD_OK;
}

/* train.keep_best names a metric this run logs: checked before the run
 * starts (resilience.c). */
static int check_keep_best(herd_trainer *t, herd_error *err)
{
    herd_trainer_check_keep_best(t, err);
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}

int herd_trainer_setup(herd_trainer *t, herd_error *err)
{
    int rc = check_summary_path(t, err);
    if (rc == HERD_OK)
        rc = herd_topo_setup(t->comm, &t->topo, err);
    if (rc == HERD_OK)
        rc = own_checkpoint_dir(t, err);
    if (rc == HERD_OK)
        rc = open_data(t, err);
    double t0 = herd_now();
    if (rc == HERD_OK)
        rc = load_shards(t, err);
    t->load_time = herd_now() - t0;
    if (rc == HERD_OK)
        rc = check_keep_best(t, err);
    if (rc == HERD_OK)
        rc = read_resume(t, err);
    if (rc == HERD_OK)
        rc = prepare_features(t, err);
    if (rc == HERD_OK)
        rc = build_model(t, err);
    if (rc == HERD_OK && t->nothing_to_train)
        return nothing_to_train(t);
    if (rc == HERD_OK)
        rc = begin_run_log(t, err);
    if (rc == HERD_OK)
        rc = herd_trainer_record_provenance(t, err);
    if (rc == HERD_OK)
        herd_info("%s%s%s: %lld train / %lld val / %lld test rows, %zu parameters, "
                  "%d ranks x %d threads, %lld steps per epoch",
                  t->run_id[0] != '\0' ? "run " : "training", t->run_id,
                  t->cfg->track.enabled ? "" : " (tracking off)", (long long)t->n_train,
                  (long long)t->n_val, (long long)t->n_test, t->model->n_params, t->size,
                  t->topo.threads, (long long)t->steps_per_epoch);
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
    herd_names_free(t->feature_names);
    herd_names_free(t->class_names);
    herd_checkpoint_unlock_dir(t->dir_lock);
}

