/* evaluate.c - the evaluation job: inputs, predictions, sections, outputs.
 *
 * herd_evaluate reads the checkpoint (or the members of an ensemble,
 * eval/predictor.h) and this rank's shard of the evaluated
 * rows of the dataset (every row, or those of one /split role), predicts it
 * once (timed: inference latency and throughput), runs each row of
 * `sections` below on the same context, then rank 0 stores the fitted
 * recalibration in the checkpoint, logs the numbers to the experiment log
 * (eval/<section>/<key>) and writes the JSON. Sections are independent
 * files; adding one is adding a row here (see evaluate.h).
 */
#include "eval/evaluate.h"
#include "eval/checks.h"
#include "core/files.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timer.h"
#include "core/version.h"
#include "data/shard.h"
#include "track/index.h"
#include "track/runlog.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct eval_section {
    const char *name;
    int (*run)(herd_eval_ctx *ctx, cJSON *out, herd_error *err);
    int (*wanted)(const herd_eval_ctx *ctx);   /* NULL: always */
} eval_section;

static int want_threshold(const herd_eval_ctx *ctx) { return ctx->task == HERD_TASK_BINARY; }
static int want_baselines(const herd_eval_ctx *ctx) { return ctx->cfg->eval.baselines.enabled; }
static int want_conformal(const herd_eval_ctx *ctx) { return ctx->cfg->eval.conformal.enabled; }
static int want_classifier(const herd_eval_ctx *ctx) { return ctx->task != HERD_TASK_REGRESSION; }
static int want_slices(const herd_eval_ctx *ctx) { return strcmp(ctx->cfg->eval.slices, "[]") != 0; }
static int want_tests(const herd_eval_ctx *ctx)
{
    const herd_config *cfg = ctx->cfg;
    return strcmp(cfg->eval.tests.perturbation, "{}") != 0 ||
           strcmp(cfg->eval.tests.invariance, "[]") != 0 || strcmp(cfg->eval.tests.directional, "[]") != 0;
}

/* In order: a later section may read what an earlier one put in the result. */
static const eval_section sections[] = {
    { "metrics", herd_eval_metrics, NULL },
    { "baselines", herd_eval_baselines, want_baselines },
    { "threshold", herd_eval_threshold, want_threshold },
    { "calibration", herd_eval_calibration, want_classifier },
    { "conformal", herd_eval_conformal, want_conformal },
    { "selective", herd_eval_selective, want_classifier },
    { "slices", herd_eval_slices, want_slices },
    { "tests", herd_eval_tests, want_tests },
    { "gate", herd_eval_gate, NULL },   /* reads all of the above */
};

/* ---- inputs ---- */

static int check_inputs(herd_eval_ctx *ctx, herd_error *err)
{
    const herd_model_spec *spec = &ctx->ck->spec;
    const herd_eval_request *req = ctx->req;
    if (ctx->info->cols != spec->n_in)
        return herd_error_set(err, HERD_ERR_DATA, "%s: %lld columns, the model expects %d",
                              req->data, (long long)ctx->info->cols, spec->n_in);
    if (ctx->info->task != spec->task)
        return herd_error_set(err, HERD_ERR_DATA, "%s: task %s, the model is %s", req->data,
                              herd_task_name(ctx->info->task), herd_task_name(spec->task));
    if (spec->task != HERD_TASK_REGRESSION && ctx->info->n_classes != spec->n_classes)
        return herd_error_set(err, HERD_ERR_DATA, "%s: %d classes, the model has %d", req->data,
                              ctx->info->n_classes, spec->n_classes);
    if (ctx->rank == 0) {  /* the feature names; a missing name is a warning, said once */
        char what[4200];
        snprintf(what, sizeof what, "the model in %s", req->checkpoint);
        int rc = herd_predictor_check_inputs(ctx->predictor, ctx->ds, err);
        if (rc == HERD_OK && spec->task != HERD_TASK_REGRESSION)
            rc = herd_dataset_check_class_names(ctx->ds, ctx->ck->class_names, what, err);
        if (rc != HERD_OK)
            return rc;
    }
    return herd_dataset_check_labels(ctx->ds, err);
}

/* The data file's content hash: its content_sha256 attribute, or, for files
 * written without one, the hash computed by rank 0 as `herd data hash` does
 * and sent to every rank. COLLECTIVE. */
static int data_hash(herd_eval_ctx *ctx, herd_error *err)
{
    if (ctx->rank == 0)
        herd_dataset_content_sha256(ctx->ds, ctx->data_sha256, err);  /* a failure is in err */
    int rc = herd_comm_agree(ctx->comm, err) == HERD_OK ? HERD_OK : err->code;
    return rc == HERD_OK ? herd_comm_bcast(ctx->comm, ctx->data_sha256, sizeof ctx->data_sha256, 0, err) : rc;
}

/* The request's checkpoints: several (an ensemble), else the one. */
static int request_checkpoints(const herd_eval_request *req, const char *const **paths)
{
    *paths = req->n_checkpoints > 1 ? req->checkpoints : &req->checkpoint;
    return req->n_checkpoints > 1 ? req->n_checkpoints : 1;
}

static int open_inputs(herd_eval_ctx *ctx, herd_error *err)
{
    const char *const *paths = NULL;
    int n_paths = request_checkpoints(ctx->req, &paths);
    int rc = herd_predictor_open(paths, n_paths, &ctx->predictor, err);
    if (rc == HERD_OK)
        ctx->ck = herd_predictor_first(ctx->predictor);
    if (rc == HERD_OK)
        rc = herd_dataset_open_labelled(ctx->req->data, "evaluation", &ctx->ds, err);
    if (rc == HERD_OK) {
        ctx->info = herd_dataset_get_info(ctx->ds);
        rc = check_inputs(ctx, err);
    }
    rc = herd_comm_agree(ctx->comm, err) == HERD_OK ? HERD_OK : err->code;
    if (rc == HERD_OK)
        rc = data_hash(ctx, err);
    if (rc == HERD_OK)
        rc = herd_dataset_feature_names(ctx->ds, &ctx->feature_names, err);
    if (rc == HERD_OK) {
        ctx->task = ctx->predictor->task;
        ctx->n_classes = ctx->predictor->n_classes;
        ctx->width = ctx->predictor->width;
    }
    return herd_comm_agree(ctx->comm, err) == HERD_OK ? HERD_OK : err->code;
}

/* Names of the HERD_ROLE_* values, as eval.rows and --rows spell them. */
static const char *const rows_names[] = {"train", "val", "test", "all"};

/* This rank's shard of the evaluated rows (ctx->row) and their count over
 * all ranks, the same on every rank. Not collective. */
static int select_rows(herd_eval_ctx *ctx, herd_error *err)
{
    const herd_eval_request *req = ctx->req;
    int rc = herd_rows_shard_index(ctx->ds, req->rows, 0, 0, 1, ctx->rank, ctx->size, &ctx->row,
                                   &ctx->n, &ctx->n_total, err);
    if (rc != HERD_OK)
        return rc;
    if (req->rows == HERD_ROLE_ALL && ctx->n_total < ctx->size)
        return herd_error_set(err, HERD_ERR_DATA, "%s: %lld rows for %d ranks", req->data,
                              (long long)ctx->n_total, ctx->size);
    if (ctx->n_total == 0)
        return herd_error_set(err, HERD_ERR_DATA, "%s: no rows whose /split is %s", req->data,
                              rows_names[req->rows]);
    if (ctx->n_total < ctx->size)
        return herd_error_set(err, HERD_ERR_DATA, "%s: %lld rows whose /split is %s for %d ranks",
                              req->data, (long long)ctx->n_total, rows_names[req->rows], ctx->size);
    return HERD_OK;
}

static int load_shard(herd_eval_ctx *ctx, herd_error *err)
{
    int64_t cols = ctx->info->cols;
    int rc = select_rows(ctx, err);
    if (rc == HERD_OK) {
        ctx->X = herd_alloc_aligned((size_t)(ctx->n * cols + 1) * sizeof(float));
        ctx->y = herd_malloc((size_t)(ctx->n + 1) * sizeof(float));
        ctx->prob = herd_malloc((size_t)(ctx->n * ctx->width + 1) * sizeof(float));
        ctx->calib = herd_malloc((size_t)(ctx->n + 1));
        uint64_t seed = (uint64_t)ctx->cfg->seed + 7919;
        for (int64_t i = 0; i < ctx->n; i++)
            ctx->calib[i] = (uint8_t)herd_shard_is_val_carve(seed, ctx->cfg->eval.split_fraction,
                                                             ctx->row[i]);
        /* a failure is in err */
        herd_dataset_read_index(ctx->ds, ctx->row, ctx->n, ctx->X, ctx->y, err);
    }
    return herd_comm_agree(ctx->comm, err) == HERD_OK ? HERD_OK : err->code;
}

/* /columns/<name> is read in blocks of the file's rows from this rank's
 * first row to its last, each block one hyperslab, keeping the rows
 * evaluated: selected rows may lie far apart. */
int herd_eval_read_column(herd_eval_ctx *ctx, const char *name, int32_t *out, herd_error *err)
{
    enum { BLOCK = 64 * HERD_EVAL_CHUNK };
    int32_t *block = herd_malloc(BLOCK * sizeof(int32_t));
    int rc = HERD_OK;
    for (int64_t i = 0; i < ctx->n && rc == HERD_OK;) {
        int64_t lo = ctx->row[i], hi = ctx->row[ctx->n - 1] + 1;
        hi = hi - lo < BLOCK ? hi : lo + BLOCK;
        rc = herd_dataset_read_column(ctx->ds, name, lo, hi, block, err);
        for (; i < ctx->n && ctx->row[i] < hi && rc == HERD_OK; i++)
            out[i] = block[ctx->row[i] - lo];
    }
    free(block);
    return rc;
}

int herd_eval_predict_rows(herd_model *model, const herd_preprocess *pp, const float *X,
                           int64_t n, const int64_t *file_rows, int64_t cols, int width,
                           float *out, herd_error *err)
{
    float *chunk = herd_alloc_aligned((size_t)(HERD_EVAL_CHUNK * cols) * sizeof(float));
    int rc = HERD_OK;
    for (int64_t lo = 0; lo < n && rc == HERD_OK; lo += HERD_EVAL_CHUNK) {
        int b = (int)(n - lo < HERD_EVAL_CHUNK ? n - lo : HERD_EVAL_CHUNK);
        memcpy(chunk, X + lo * cols, (size_t)(b * cols) * sizeof(float));
        rc = herd_preprocess_apply(pp, chunk, b, file_rows != NULL ? file_rows + lo : NULL, err);
        if (rc == HERD_OK)
            herd_model_predict(model, chunk, b, out + lo * width);
    }
    free(chunk);
    return rc;
}

static int predict_shard(herd_eval_ctx *ctx, herd_error *err)
{
    int rc = herd_comm_barrier(ctx->comm, err);
    double t0 = herd_now();
    if (rc == HERD_OK)
        rc = herd_predictor_predict_rows(ctx->predictor, ctx->X, ctx->n, ctx->row,
                                         ctx->info->cols, ctx->prob, err);
    double elapsed = herd_now() - t0;
    if (herd_comm_agree(ctx->comm, err) != HERD_OK)
        return err->code;
    if (ctx->task != HERD_TASK_REGRESSION) {
        ctx->label = herd_malloc((size_t)(ctx->n + 1) * sizeof(int));
        for (int64_t i = 0; i < ctx->n; i++)
            ctx->label[i] = herd_eval_argmax(ctx->prob + i * ctx->width, ctx->width);
    }
    rc = herd_comm_allreduce_max_f64(ctx->comm, &elapsed, 1, err);
    ctx->predict_seconds = elapsed;
    return rc;
}

/* ---- the result's header ---- */

static void add_header(herd_eval_ctx *ctx, cJSON *out)
{
    cJSON_AddStringToObject(out, "checkpoint", ctx->req->checkpoint);
    cJSON *members = cJSON_AddArrayToObject(out, "checkpoints");  /* the ensemble's, or the one */
    for (int m = 0; m < ctx->predictor->n; m++)
        cJSON_AddItemToArray(members, cJSON_CreateString(ctx->predictor->paths[m]));
    cJSON_AddStringToObject(out, "data", ctx->req->data);
    cJSON_AddStringToObject(out, "data_sha256", ctx->data_sha256);
    cJSON_AddStringToObject(out, "data_rows", rows_names[ctx->req->rows]);
    cJSON_AddStringToObject(out, "model_run_id", ctx->ck->run_id);
    cJSON_AddStringToObject(out, "task", herd_task_name(ctx->task));
    cJSON_AddNumberToObject(out, "n_classes", ctx->n_classes);
    if (ctx->ck->class_names != NULL && ctx->task != HERD_TASK_REGRESSION) {
        cJSON *names = cJSON_AddArrayToObject(out, "class_names");  /* of class ids 0.. */
        for (int k = 0; k < ctx->n_classes; k++)
            cJSON_AddItemToArray(names, cJSON_CreateString(ctx->ck->class_names[k]));
    }
    cJSON_AddNumberToObject(out, "rows", (double)ctx->n_total);
    cJSON_AddNumberToObject(out, "ranks", ctx->size);
    cJSON_AddStringToObject(out, "herd_version", herd_version());
}

/* ---- outputs (rank 0) ---- */

static int write_json(const cJSON *result, const char *path, herd_error *err)
{
    char *text = cJSON_Print(result);
    int rc = herd_write_text_file(path, text, "eval", err);
    free(text);
    return rc;
}

/* Numbers of the result as eval/<path> metrics; arrays (curves, tables) are
 * left to the JSON artifact. */
static void log_numbers(herd_runlog *log, const cJSON *node, const char *prefix)
{
    for (const cJSON *c = node->child; c != NULL; c = c->next) {
        char key[256];
        snprintf(key, sizeof key, "%s/%s", prefix, c->string ? c->string : "?");
        herd_error ignored = { 0 };
        if (cJSON_IsNumber(c))
            herd_runlog_log_metric(log, key, 0, c->valuedouble, &ignored);
        else if (cJSON_IsBool(c))
            herd_runlog_log_metric(log, key, 0, cJSON_IsTrue(c) ? 1 : 0, &ignored);
        else if (cJSON_IsObject(c))
            log_numbers(log, c, key);
    }
}

/* An ensemble's checkpoints, joined by ", ", as the parameter eval.checkpoints. */
static void log_members(herd_runlog *log, const herd_predictor *p, herd_error *err)
{
    size_t size = 1;
    for (int m = 0; m < p->n; m++)
        size += strlen(p->paths[m]) + 2;
    char *joined = herd_calloc(size, 1);
    for (int m = 0; m < p->n; m++) {
        if (m > 0)
            strcat(joined, ", ");
        strcat(joined, p->paths[m]);
    }
    herd_runlog_log_param(log, "eval.checkpoints", joined, err);
    free(joined);
}

static int begin_eval_run(herd_eval_ctx *ctx, herd_runlog **log, herd_error *err)
{
    const herd_config *cfg = ctx->cfg;
    char name[HERD_NAME_MAX + 8];
    snprintf(name, sizeof name, "%s", cfg->run_name);
    herd_run_info info = {
        .experiment = cfg->experiment, .name = name, .parent_id = ctx->ck->run_id,
        .command = ctx->req->command, .world_size = ctx->size, .hosts = ctx->hosts,
        .config_text = cfg->canonical, .config_sha256 = cfg->sha256,
        .data_sha256 = ctx->data_sha256, .git_commit = herd_build_commit(),
        .versions = herd_version(),
    };
    int rc = herd_runlog_begin(cfg->track.db, &info, log, err);
    if (rc == HERD_OK) {
        herd_runlog_set_tag(*log, "kind", "evaluation", err);
        herd_runlog_log_param(*log, "eval.checkpoint", ctx->req->checkpoint, err);
        if (ctx->predictor->n > 1)
            log_members(*log, ctx->predictor, err);
        herd_runlog_log_param(*log, "eval.data", ctx->req->data, err);
        herd_runlog_log_param(*log, "eval.data_rows", rows_names[ctx->req->rows], err);
    }
    return rc;
}

/* The checkpoint was rewritten with /calibration: its artifact rows (in
 * this training run's log, or in the run that wrote it) are refreshed to the
 * file as it is now. The other run's file is only bookkeeping: a failure
 * there is a warning. */
static int refresh_checkpoint_rows(herd_eval_ctx *ctx, herd_error *err)
{
    if (ctx->req->log != NULL)
        return herd_runlog_refresh_artifact(ctx->req->log, ctx->req->checkpoint, err);
    if (!ctx->cfg->track.enabled || ctx->ck->run_id[0] == '\0')
        return HERD_OK;
    char *folder = herd_runlog_folder(ctx->cfg->track.db);
    char run_file[4400];
    snprintf(run_file, sizeof run_file, "%s/%s.sqlite", folder, ctx->ck->run_id);
    free(folder);
    herd_error ignored = { 0 };
    if (access(run_file, F_OK) == 0 &&
        herd_runlog_refresh_artifact_in(run_file, ctx->req->checkpoint, &ignored) != HERD_OK)
        herd_warn("eval: the record of %s in run %s was not updated: %s", ctx->req->checkpoint,
                  ctx->ck->run_id, ignored.msg);
    return HERD_OK;
}

/* The JSON is written whole (with run_id) before it is logged, so its
 * artifact row holds the file's final size and sha256. */
static int log_result(herd_eval_ctx *ctx, herd_error *err)
{
    herd_runlog *log = ctx->req->log, *own = NULL;
    int rc = HERD_OK;
    if (log == NULL && ctx->cfg->track.enabled) {
        rc = begin_eval_run(ctx, &own, err);
        log = own;
    }
    if (rc == HERD_OK && log != NULL) {
        log_numbers(log, ctx->result, "eval");
        cJSON_AddStringToObject(ctx->result, "run_id", herd_runlog_id(log));
    }
    if (rc == HERD_OK && ctx->req->json_out != NULL)
        rc = write_json(ctx->result, ctx->req->json_out, err);
    if (rc == HERD_OK && log != NULL && ctx->req->json_out != NULL)
        rc = herd_runlog_log_artifact(log, ctx->req->json_out, "evaluation", err);
    if (own != NULL) {
        herd_error end_err = { 0 };
        int end_rc = herd_runlog_end(own, rc == HERD_OK ? HERD_RUN_FINISHED : HERD_RUN_FAILED, &end_err);
        if (rc == HERD_OK && end_rc != HERD_OK)
            rc = herd_error_set(err, end_err.code, "%s", end_err.msg);
    }
    return rc;
}

static int write_outputs(herd_eval_ctx *ctx, herd_error *err)
{
    int rc = HERD_OK;
    int store = ctx->rank == 0 && ctx->recal_fitted && ctx->cfg->eval.store;
    if (store && ctx->predictor->n > 1) {
        herd_info("eval: eval.store is off for an ensemble: the fitted recalibration and conformal "
                  "thresholds belong to no one checkpoint, and none is written");
        store = 0;
    }
    if (store)
        rc = herd_recal_keep_stored(ctx->req->checkpoint, &ctx->recal, err);
    if (rc == HERD_OK && store)
        rc = herd_recal_store(ctx->req->checkpoint, &ctx->recal, err);
    if (rc == HERD_OK && store)
        rc = refresh_checkpoint_rows(ctx, err);
    if (rc == HERD_OK && ctx->rank == 0)
        rc = log_result(ctx, err);
    if (rc == HERD_OK && ctx->rank == 0 && ctx->req->html_out != NULL)
        rc = herd_eval_write_html(ctx->result, ctx->req->html_out, err);
    return herd_comm_agree(ctx->comm, err) == HERD_OK ? HERD_OK : err->code;
}

/* ---- the job ---- */

static int run_sections(herd_eval_ctx *ctx, herd_error *err)
{
    herd_eval_check_options(ctx, err);  /* a failure is in err, agreed next */
    int rc = herd_comm_agree(ctx->comm, err) == HERD_OK ? HERD_OK : err->code;
    size_t n = sizeof sections / sizeof sections[0];
    for (size_t i = 0; i < n && rc == HERD_OK; i++) {
        if (sections[i].wanted != NULL && !sections[i].wanted(ctx))
            continue;
        sections[i].run(ctx, ctx->result, err);  /* a failure is in err, agreed next */
        rc = herd_comm_agree(ctx->comm, err) == HERD_OK ? HERD_OK : err->code;
    }
    return rc;
}

static void free_ctx(herd_eval_ctx *ctx)
{
    if (ctx->feature_names != NULL)
        for (int64_t j = 0; j < ctx->info->cols; j++)
            free(ctx->feature_names[j]);
    free(ctx->feature_names);
    free(ctx->row);
    free(ctx->X);
    free(ctx->y);
    free(ctx->prob);
    free(ctx->label);
    free(ctx->calib);
    herd_recal_clear(&ctx->recal);
    herd_predictor_free(ctx->predictor);
    herd_dataset_close(ctx->ds);
}

int herd_evaluate(herd_comm *comm, const herd_eval_request *req, cJSON **result,
                  herd_error *err)
{
    herd_eval_ctx ctx = { .comm = comm, .req = req, .cfg = req->cfg };
    ctx.rank = herd_comm_rank(comm);
    ctx.size = herd_comm_size(comm);
    ctx.result = cJSON_CreateObject();
    int rc = herd_comm_hosts(comm, ctx.hosts, sizeof ctx.hosts, err);
    if (rc == HERD_OK)
        rc = open_inputs(&ctx, err);
    if (rc == HERD_OK)
        rc = load_shard(&ctx, err);
    if (rc == HERD_OK)
        rc = predict_shard(&ctx, err);
    if (rc == HERD_OK) {
        add_header(&ctx, ctx.result);
        rc = run_sections(&ctx, err);
    }
    if (rc == HERD_OK)
        rc = write_outputs(&ctx, err);
    if (rc == HERD_OK && ctx.rank == 0 && ctx.predictor->n > 1)
        herd_info("evaluated the ensemble of %d checkpoints (first %s) on %lld rows of %s",
                  ctx.predictor->n, req->checkpoint, (long long)ctx.n_total, req->data);
    else if (rc == HERD_OK && ctx.rank == 0 && req->rows == HERD_ROLE_ALL)
        herd_info("evaluated %s on %lld rows of %s", req->checkpoint, (long long)ctx.n_total, req->data);
    else if (rc == HERD_OK && ctx.rank == 0)
        herd_info("evaluated %s on %lld rows of %s whose /split is %s", req->checkpoint,
                  (long long)ctx.n_total, req->data, rows_names[req->rows]);
    if (rc == HERD_OK && req->gate && ctx.gate_failed)
        rc = herd_error_set(err, HERD_ERR_RUNTIME, "eval: gate failed (see \"gate\" in the result)");
    if (result != NULL && rc == HERD_OK) {
        *result = ctx.result;
        ctx.result = NULL;
    }
    cJSON_Delete(ctx.result);
    free_ctx(&ctx);
    return rc;
}

/* ---- the end of training ---- */

typedef struct differs_ctx {
    const herd_config *defaults;
    const char *key;
    const char *value;
    int differs;
} differs_ctx;

static void find_default(const char *key, const char *value, void *arg)
{
    differs_ctx *d = arg;
    if (strcmp(key, d->key) == 0 && strcmp(value, d->value) != 0)
        d->differs = 1;
}

static void compare_key(const char *key, const char *value, void *arg)
{
    differs_ctx *d = arg;
    if (strncmp(key, "eval.", 5) != 0 || d->differs)
        return;
    d->key = key;
    d->value = value;
    herd_config_each(d->defaults, find_default, d);
}

int herd_eval_configured(const herd_config *cfg)
{
    if (cfg->eval.enabled)
        return 1;
    differs_ctx d = { .defaults = herd_config_defaults() };
    herd_config_each(cfg, compare_key, &d);
    herd_config_free((herd_config *)d.defaults);
    return d.differs;
}

/* Without data.test, the section evaluates data.train's rows of eval.rows,
 * all meaning its /split test rows (the others were trained on). Sets
 * *count to how many there are, the same on every rank. COLLECTIVE. */
static int count_train_rows(herd_comm *comm, const herd_config *cfg, int role, int64_t *count,
                            herd_error *err)
{
    herd_dataset *ds = NULL;
    int64_t *rows = NULL;
    *count = 0;
    int rc = herd_dataset_open(cfg->data.train, &ds, err);
    if (rc == HERD_OK)
        rc = herd_rows_select(ds, role, 0, 0, &rows, count, err);
    free(rows);
    herd_dataset_close(ds);
    return herd_comm_agree(comm, err) == HERD_OK ? HERD_OK : err->code;
}

int herd_evaluate_after_training(herd_comm *comm, const herd_config *cfg, const char *checkpoint,
                                 herd_runlog *log, double train_seconds, herd_error *err)
{
    if (!herd_eval_configured(cfg))
        return HERD_OK;
    int on_test_file = cfg->data.test[0] != '\0';
    int role = on_test_file || cfg->eval.rows != HERD_ROLE_ALL ? cfg->eval.rows : HERD_ROLE_TEST;
    int64_t count = 1;
    int rc = on_test_file ? HERD_OK : count_train_rows(comm, cfg, role, &count, err);
    if (rc == HERD_OK && count == 0) {
        if (herd_comm_rank(comm) == 0)
            herd_warn("eval: the eval section was skipped: data.test is not set and data.train "
                      "has no rows whose /split is %s", rows_names[role]);
        return HERD_OK;
    }
    char *path = herd_comm_rank(comm) == 0 ? herd_strdup(checkpoint) : NULL;
    if (rc == HERD_OK)
        rc = herd_comm_bcast_string(comm, &path, 0, err);
    herd_eval_request req = {
        .checkpoint = path, .data = on_test_file ? cfg->data.test : cfg->data.train,
        .rows = role, .cfg = cfg, .json_out = cfg->eval.json[0] ? cfg->eval.json : NULL,
        .command = "end of training", .log = log, .train_seconds = train_seconds,
    };
    if (rc == HERD_OK)
        rc = herd_evaluate(comm, &req, NULL, err);
    free(path);
    return rc;
}
