/* report.c - what a training job tells its user and its experiment log:
 * metrics (herd_trainer_record is where every metric is logged), progress
 * lines or a progress bar, evaluation on validation and test rows, and the
 * summary JSON.
 */
#include "train/trainer.h"
#include "core/files.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timer.h"
#include "eval/metrics.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int herd_trainer_record(herd_trainer *t, const char *key, double value, herd_error *err)
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
    double t0 = herd_now();
    int rc = herd_runlog_log_metric(t->log, key, t->step, value, err);
    t->track_time += herd_now() - t0;
    return rc;
}

static void format_eta(double seconds, char *buf, size_t size)
{
    int s = seconds > 0 && seconds < 1e7 ? (int)seconds : 0;
    snprintf(buf, size, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
}

/* A redrawn progress bar only when a person is watching: HERD_PROGRESS=bar
 * or =lines decides; otherwise a bar when stdout is a terminal and herd was
 * not started by an MPI launcher or Slurm (Open MPI hands every rank a
 * pseudo-terminal even when mpirun's own output goes to a file, so isatty
 * cannot be trusted there; launch/herdrun sets HERD_PROGRESS=bar when its
 * own output is a terminal). */
static int progress_bar_wanted(void)
{
    static int wanted = -1;
    if (wanted >= 0)
        return wanted;
    const char *mode = getenv("HERD_PROGRESS");
    int known = mode != NULL && (strcmp(mode, "bar") == 0 || strcmp(mode, "lines") == 0);
    if (known)
        wanted = strcmp(mode, "bar") == 0;
    else
        wanted = isatty(STDOUT_FILENO) && getenv("OMPI_COMM_WORLD_SIZE") == NULL &&
                 getenv("PMI_RANK") == NULL && getenv("SLURM_PROCID") == NULL;
    if (mode != NULL && !known)  /* called on rank 0 only: one warning */
        herd_warn("HERD_PROGRESS=%s is not bar or lines; ignored (progress as %s)", mode,
                  wanted ? "a bar" : "lines");
    return wanted;
}

/* One progress report: a redrawn bar for a person, a plain line for logs. */
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
    if (progress_bar_wanted()) {
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

/* 1 when this rank's system metrics are due: track.system_every_s passed,
 * or an epoch ended without any sample yet (so short runs get one too). */
static double system_due(const herd_trainer *t)
{
    double every = t->cfg->track.system_every_s;
    int first_at_epoch_end = !t->sys_logged && t->step_in_epoch == 0;
    return t->cfg->track.enabled && every > 0 && t->sys_prev.wall > 0
           && (herd_now() - t->sys_prev.wall >= every || first_at_epoch_end);
}

/* System metrics: each rank samples /proc; mean and max over ranks, and the
 * straggler spread: slowest minus fastest rank's mean step time without the
 * wait in the gradient allreduce (which evens ranks out). COLLECTIVE. */
static int log_system(herd_trainer *t, herd_error *err)
{
    herd_proc_sample now;
    double t0 = herd_now();
    herd_sysmetrics_read(&now);
    double n = t->steps_since_log > 0 ? (double)t->steps_since_log : 1;
    double cpu = herd_sysmetrics_cpu_percent(&t->sys_prev, &now);
    double busy_ms = 1000 * (t->step_time - t->comm_time) / n;
    double sum[2] = { cpu, now.rss_mb };
    double max[4] = { cpu, now.rss_mb, busy_ms, -busy_ms };
    t->sys_prev = now;
    t->sys_logged = 1;
    int rc = herd_comm_allreduce_sum_f64(t->comm, sum, 2, err);
    if (rc == HERD_OK)
        rc = herd_comm_allreduce_max_f64(t->comm, max, 4, err);
    t->track_time += herd_now() - t0;  /* the records below count themselves */
    if (rc == HERD_OK)
        rc = herd_trainer_record(t, "system/cpu_utilization_percentage", sum[0] / t->size, err);
    if (rc == HERD_OK)
        rc = herd_trainer_record(t, "system/cpu_utilization_percentage/max", max[0], err);
    if (rc == HERD_OK)
        rc = herd_trainer_record(t, "system/process_rss_megabytes", sum[1] / t->size, err);
    if (rc == HERD_OK)
        rc = herd_trainer_record(t, "system/process_rss_megabytes/max", max[1], err);
    if (rc == HERD_OK)
        rc = herd_trainer_record(t, "system/straggler_ms", max[2] + max[3], err);
    return rc;
}

int herd_trainer_log_training(herd_trainer *t, herd_error *err)
{
    /* the third sum counts ranks whose system sample is due: any one makes all sample */
    double sums[3] = { t->loss_sum, t->rows_sum, system_due(t) };
    int rc = herd_comm_allreduce_sum_f64(t->comm, sums, 3, err);
    if (rc != HERD_OK || t->steps_since_log == 0)
        return rc;
    if (sums[2] > 0 && (rc = log_system(t, err)) != HERD_OK)
        return rc;
    double loss = sums[0] / (sums[1] > 0 ? sums[1] : 1);
    /* every rank steps in lockstep (allreduce), so all rows over one rank's step time */
    double samples_per_s = sums[1] / (t->step_time > 0 ? t->step_time : 1);
    double n = (double)t->steps_since_log;
    rc = herd_trainer_record(t, "train/loss", loss, err);
    if (rc == HERD_OK)
        rc = herd_trainer_record(t, "train/lr", herd_schedule_lr(&t->schedule, t->step - 1), err);
    if (rc == HERD_OK)
        rc = herd_trainer_record(t, "train/samples_per_s", samples_per_s, err);
    if (rc == HERD_OK)
        rc = herd_trainer_record(t, "train/step_ms", 1000 * t->step_time / n, err);
    if (rc == HERD_OK)
        rc = herd_trainer_record(t, "train/grad_norm", t->grad_norm, err);
    if (rc == HERD_OK)
        rc = herd_trainer_record(t, "comm/allreduce_ms", 1000 * t->comm_time / n, err);
    if (rc == HERD_OK)
        rc = herd_trainer_record(t, "data/read_ms", 1000 * t->data_time / n, err);
    print_progress(t, loss, samples_per_s);
    t->loss_sum = t->rows_sum = t->step_time = t->comm_time = t->data_time = 0;
    t->steps_since_log = 0;
    return rc;
}

int herd_trainer_evaluate(herd_trainer *t, const herd_rows *rows, int64_t total, const char *prefix,
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
        char key[64], value[32];
        snprintf(key, sizeof key, "%s/%s", prefix, res.names[i]);
        rc = herd_trainer_record(t, key, res.values[i], err);
        size_t used = strlen(line);
        snprintf(line + used, sizeof line - used, " %s %s", key, herd_format_metric(value, res.values[i]));
    }
    if (rc == HERD_OK) {
        if (t->rank == 0 && progress_bar_wanted())
            printf("\n");
        herd_info("epoch %lld:%s", (long long)t->epoch, line);
    }
    double t0 = herd_now();
    if (rc == HERD_OK && rows == &t->val)
        rc = herd_trainer_log_samples(t, rows, total, err);
    t->track_time += herd_now() - t0;
    return rc;
}

void herd_trainer_position_text(int64_t epoch, int64_t step_in_epoch, char *out, size_t size)
{
    if (step_in_epoch == 0 && epoch > 0)
        snprintf(out, size, "end of epoch %lld", (long long)epoch);
    else
        snprintf(out, size, "epoch %lld, %lld steps into it", (long long)epoch + 1,
                 (long long)step_in_epoch);
}

int herd_trainer_flush_log(herd_trainer *t, herd_error *err)
{
    if (t->log == NULL)
        return HERD_OK;
    double t0 = herd_now();
    int rc = herd_runlog_flush(t->log, err);
    t->track_time += herd_now() - t0;
    return rc;
}

/* The main thread and rank 0's watchdog thread (herd_trainer_write_failed_summary)
 * both write the summary: one at a time, and the main thread's is final. */
static pthread_mutex_t summary_lock = PTHREAD_MUTEX_INITIALIZER;

/* Write root as JSON to path; 0 on success, else a warning and 1. */
static int save_summary(const char *path, const cJSON *root)
{
    char *text = cJSON_Print(root);
    herd_error why = { 0 };
    int bad = herd_write_text_file(path, text, "summary", &why) != HERD_OK;
    if (bad)
        herd_warn("cannot write summary: %s", why.msg);
    free(text);
    return bad;
}

/* "track_db": the experiment log's path, or null when tracking is off (no
 * log was written). */
static void add_track_db(cJSON *root, const herd_config *cfg)
{
    if (cfg->track.enabled)
        cJSON_AddStringToObject(root, "track_db", cfg->track.db);
    else
        cJSON_AddNullToObject(root, "track_db");
}

/* The summary's first keys, the same for every way a job ends. */
static cJSON *summary_start(const herd_trainer *t, const char *status, const char *checkpoint,
                            int64_t steps)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "run_id", t->run_id);
    cJSON_AddStringToObject(root, "status", status);
    cJSON_AddStringToObject(root, "checkpoint", checkpoint);
    add_track_db(root, t->cfg);
    cJSON_AddNumberToObject(root, "steps", (double)steps);
    cJSON_AddNumberToObject(root, "train_seconds", t->started > 0 ? herd_now() - t->started : 0);
    return root;
}

cJSON *herd_train_read_summary(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    char buf[8192];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, got, mem);
    fclose(mem);
    cJSON *summary = ferror(f) ? NULL : cJSON_Parse(text);
    fclose(f);
    free(text);
    return summary;
}

void herd_trainer_write_summary(herd_trainer *t, const char *status, const herd_error *err)
{
    const char *path = t->summary_json;  /* NULL: not asked for, or not writable */
    if (t->rank != 0 || path == NULL)
        return;
    cJSON *root = summary_start(t, status, t->checkpoint, t->step);
    cJSON_AddNumberToObject(root, "track_seconds", t->track_time);
    if (err->code != HERD_OK)
        cJSON_AddStringToObject(root, "error", err->msg);
    cJSON *metrics = cJSON_AddObjectToObject(root, "metrics");
    for (int i = 0; i < t->n_recorded; i++)
        cJSON_AddNumberToObject(metrics, t->recorded_key[i], t->recorded_value[i]);
    pthread_mutex_lock(&summary_lock);
    t->summary_written = 1;
    int bad = save_summary(path, root);
    pthread_mutex_unlock(&summary_lock);
    herd_error ignored = { 0 };
    if (!bad && t->log != NULL)
        herd_runlog_log_artifact(t->log, path, "summary", &ignored);
    cJSON_Delete(root);
}

void herd_trainer_note_checkpoint(herd_trainer *t)
{
    if (t->rank != 0)
        return;
    pthread_mutex_lock(&summary_lock);
    snprintf(t->agreed_checkpoint, sizeof t->agreed_checkpoint, "%s", t->checkpoint);
    t->agreed_step = t->step;
    pthread_mutex_unlock(&summary_lock);
}

/* Runs on rank 0's watchdog thread while the main thread may still train:
 * it reads only what the main thread no longer changes (run id, config,
 * start time) and what it hands over under the lock (the agreed checkpoint).
 * No artifact is logged: the run log's connection is the main thread's. */
void herd_trainer_write_failed_summary(herd_trainer *t, const char *why)
{
    const char *path = t->summary_json;
    if (t->rank != 0 || path == NULL)
        return;
    pthread_mutex_lock(&summary_lock);
    if (!t->summary_written) {
        cJSON *root = summary_start(t, HERD_RUN_FAILED, t->agreed_checkpoint, t->agreed_step);
        cJSON_AddStringToObject(root, "error", why);
        cJSON_AddObjectToObject(root, "metrics");
        save_summary(path, root);
        cJSON_Delete(root);
    }
    pthread_mutex_unlock(&summary_lock);
}

