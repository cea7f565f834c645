/* sweep.c - the trial loop of `herd sweep` (sweep.h).
 *
 * Everything is checked before the first trial: the space against the
 * config (herd_tune_check), every trial's config, and that the sweep's
 * folder is new. Each trial is then an ordinary herd_train with its own
 * run name, checkpoint folder and summary JSON (<folder>/summary.json), as
 * `herd eval learning-curve` trains its points; rank 0 reads the trial's
 * run id, checkpoint and final metrics from that summary. Every rank knows
 * how each trial ended (herd_train agrees on errors), so all ranks take the
 * same path through the loop.
 */
#include "tune/sweep.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/stop.h"
#include "core/timer.h"
#include "eval/checks.h"
#include "track/runlog.h"
#include "train/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TRIAL_DIR_MAX (HERD_PATH_MAX + HERD_NAME_MAX + 32)

const char *herd_sweep_default_metric(const cJSON *metrics)
{
    static const char *const preferred[] = { "val/accuracy", "val/rmse" };
    for (size_t i = 0; i < sizeof preferred / sizeof preferred[0]; i++)
        if (cJSON_IsNumber(cJSON_GetObjectItem(metrics, preferred[i])))
            return preferred[i];
    return "train/loss";
}

/* A value as JSON: a number when the text is one, else the text. */
static void add_value(cJSON *params, const char *key, const char *value)
{
    char *end = NULL;
    double v = strtod(value, &end);
    if (end != value && *end == '\0' && isfinite(v))
        cJSON_AddNumberToObject(params, key, v);
    else
        cJSON_AddStringToObject(params, key, value);
}

static int apply(herd_config *cfg, const char *key, const char *value, herd_error *err)
{
    char override[HERD_NAME_MAX + TRIAL_DIR_MAX + 2];
    snprintf(override, sizeof override, "%s=%s", key, value);
    return herd_config_override(cfg, override, err);
}

/* Trial i's (1-based) config into *out, its folder into dir[TRIAL_DIR_MAX]
 * and, when params is not NULL, its values into params. Not collective. */
static int trial_config(const herd_config *base, const herd_sweep *s, int64_t i, herd_config **out,
                        char *dir, cJSON *params, herd_error *err)
{
    char value[HERD_TUNE_VALUE_MAX], run_name[HERD_NAME_MAX + 32];
    snprintf(dir, TRIAL_DIR_MAX, "%s/%s/trial-%lld", base->train.checkpoint_dir, s->name, (long long)i);
    snprintf(run_name, sizeof run_name, "%s-%lld", s->name, (long long)i);
    int rc = herd_config_from_canonical(base->canonical, out, err);
    for (int k = 0; k < s->n_params && rc == HERD_OK; k++) {
        herd_tune_value(s->params, s->n_params, k, s->method, s->seed, i - 1, value);
        rc = apply(*out, s->params[k].key, value, err);
        if (params != NULL)
            add_value(params, s->params[k].key, value);
    }
    if (rc == HERD_OK)
        rc = apply(*out, "run_name", run_name, err);
    if (rc == HERD_OK)
        rc = apply(*out, "train.checkpoint_dir", dir, err);
    return rc;
}

/* Before anything is trained: the space fits the config, every trial's
 * config is valid, and the sweep's folder is new (a second sweep of the
 * same name would mix its trials with the first's). COLLECTIVE. */
static int check_sweep(herd_comm *comm, const herd_config *cfg, const herd_sweep *s, int64_t n,
                       herd_error *err)
{
    char dir[TRIAL_DIR_MAX];
    struct stat st;
    int rc = herd_tune_check(cfg, s->params, s->n_params, s->method, err);
    if (rc == HERD_OK && n > HERD_TUNE_MAX_TRIALS)
        rc = herd_error_set(err, HERD_ERR_USAGE, "sweep: %s; a sweep runs at most %d trials",
                            s->trials > HERD_TUNE_MAX_TRIALS ? "--trials is too large"
                                                             : "the grid has too many combinations "
                                                               "(take the first N with --trials N)",
                            HERD_TUNE_MAX_TRIALS);
    for (int64_t i = 1; i <= n && rc == HERD_OK; i++) {
        herd_config *trial = NULL;
        herd_error why = { 0 };
        if (trial_config(cfg, s, i, &trial, dir, NULL, &why) != HERD_OK)
            rc = herd_error_set(err, HERD_ERR_USAGE, "sweep: trial %lld: %s", (long long)i, why.msg);
        herd_config_free(trial);
    }
    snprintf(dir, sizeof dir, "%s/%s", cfg->train.checkpoint_dir, s->name);
    if (rc == HERD_OK && herd_comm_rank(comm) == 0 && stat(dir, &st) == 0)
        herd_error_set(err, HERD_ERR_USAGE, "sweep: %s exists (a sweep named %s ran before); "
                       "choose another --name", dir, s->name);
    return herd_comm_agree(comm, err) == HERD_OK ? HERD_OK : err->code;
}

/* The value of the sweep's metric in a finished trial's metrics; the first
 * finished trial fixes the default metric. A metric the first finished trial
 * (first) does not log is a usage error naming those it logs; a later trial
 * without it (one with no validation rows, say) has no value. Rank 0. */
static double trial_value(const cJSON *metrics, int first, char metric[HERD_NAME_MAX],
                          herd_error *err)
{
    if (metric[0] == '\0')
        snprintf(metric, HERD_NAME_MAX, "%s", herd_sweep_default_metric(metrics));
    const cJSON *v = cJSON_GetObjectItem(metrics, metric);
    if (cJSON_IsNumber(v))
        return v->valuedouble;
    if (!first) {
        herd_warn("sweep: this trial does not log %s; it is not ranked", metric);
        return NAN;
    }
    char known[256] = "";
    for (const cJSON *m = metrics != NULL ? metrics->child : NULL; m != NULL; m = m->next)
        if (strncmp(m->string, "system/", 7) != 0 && strlen(known) + strlen(m->string) + 8 < sizeof known)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", known[0] ? ", " : "", m->string);
    herd_error_set(err, HERD_ERR_USAGE, "sweep: --metric %s: the trials do not log it; they log %s",
                   metric, known[0] ? known : "no metrics");
    return NAN;
}

/* One line per trial as it ends. Rank 0. */
static void print_trial(const herd_sweep *s, int64_t n, const cJSON *trial, const char *metric)
{
    char values[1024] = "", number[32];
    for (const cJSON *p = cJSON_GetObjectItem(trial, "params")->child; p != NULL; p = p->next) {
        char *text = cJSON_IsString(p) ? NULL : cJSON_PrintUnformatted(p);
        snprintf(values + strlen(values), sizeof values - strlen(values), " %s=%s", p->string,
                 text != NULL ? text : p->valuestring);
        free(text);
    }
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(trial, "status"));
    double seconds = cJSON_GetNumberValue(cJSON_GetObjectItem(trial, "seconds"));
    long long i = (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(trial, "trial"));
    if (strcmp(status, HERD_RUN_FINISHED) == 0)
        herd_info("sweep %s: trial %lld/%lld%s: %s %s (%.1f s)", s->name, i, (long long)n, values,
                  metric, herd_format_metric(number, cJSON_GetNumberValue(cJSON_GetObjectItem(trial, "value"))),
                  seconds);
    else
        herd_info("sweep %s: trial %lld/%lld%s: %s: %s (%.1f s)", s->name, i, (long long)n, values,
                  status, cJSON_GetStringValue(cJSON_GetObjectItem(trial, "error")), seconds);
}

/* 1 when no trial in trials finished (the next one to finish is the first). */
static int none_finished(const cJSON *trials)
{
    for (const cJSON *t = trials->child; t != NULL; t = t->next)
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(t, "status")), HERD_RUN_FINISHED) == 0)
            return 0;
    return 1;
}

/* The trial's record from how training ended (rc, why) and rank 0's
 * reading of its summary; a usage error when the first finished trial
 * (first) lacks the metric. */
static cJSON *trial_record(int64_t i, cJSON *params, int rc, const herd_error *why, const char *summary,
                           double seconds, int first, char metric[HERD_NAME_MAX], herd_error *err)
{
    cJSON *s = herd_train_read_summary(summary), *trial = cJSON_CreateObject();
    const char *run_id = cJSON_GetStringValue(cJSON_GetObjectItem(s, "run_id"));
    const char *checkpoint = cJSON_GetStringValue(cJSON_GetObjectItem(s, "checkpoint"));
    cJSON_AddNumberToObject(trial, "trial", (double)i);
    if (run_id != NULL && run_id[0] != '\0')
        cJSON_AddStringToObject(trial, "run_id", run_id);
    else
        cJSON_AddNullToObject(trial, "run_id");
    cJSON_AddStringToObject(trial, "status", rc == HERD_OK ? HERD_RUN_FINISHED
                                             : rc == HERD_EXIT_PREEMPTED ? HERD_RUN_PREEMPTED : HERD_RUN_FAILED);
    cJSON_AddItemToObject(trial, "params", params);
    double value = rc == HERD_OK ? trial_value(cJSON_GetObjectItem(s, "metrics"), first, metric, err)
                                 : NAN;
    cJSON_AddItemToObject(trial, "value", isnan(value) ? cJSON_CreateNull() : cJSON_CreateNumber(value));
    cJSON_AddNumberToObject(trial, "seconds", seconds);
    if (checkpoint != NULL && checkpoint[0] != '\0')
        cJSON_AddStringToObject(trial, "checkpoint", checkpoint);
    else
        cJSON_AddNullToObject(trial, "checkpoint");
    if (rc != HERD_OK)
        cJSON_AddStringToObject(trial, "error", why->msg);
    cJSON_Delete(s);
    return trial;
}

/* Train trial i (1-based) of n and add its record to trials (rank 0).
 * Returns how training ended (why: its error). A usage error in err when
 * the first finished trial lacks the metric. COLLECTIVE. */
static int run_trial(herd_comm *comm, const herd_config *base, const herd_sweep *s, int64_t i,
                     int64_t n, char metric[HERD_NAME_MAX], cJSON *trials, herd_error *why,
                     herd_error *err)
{
    herd_config *cfg = NULL;
    char dir[TRIAL_DIR_MAX], summary[TRIAL_DIR_MAX + 16];
    cJSON *params = cJSON_CreateObject();
    int rc = trial_config(base, s, i, &cfg, dir, params, why);
    snprintf(summary, sizeof summary, "%s/summary.json", dir);
    herd_train_options opt = { .summary_json = summary, .command = s->command, .sweep = s->name };
    double seconds = herd_now();
    if (rc == HERD_OK)
        rc = herd_train(comm, cfg, &opt, why);
    seconds = herd_now() - seconds;
    herd_config_free(cfg);
    if (herd_comm_allreduce_max_f64(comm, &seconds, 1, err) != HERD_OK || herd_comm_rank(comm) != 0) {
        cJSON_Delete(params);
        return rc;  /* a failed allreduce is in err, for the caller's agreement */
    }
    cJSON *trial = trial_record(i, params, rc, why, summary, seconds, none_finished(trials),
                                metric, err);
    cJSON_AddItemToArray(trials, trial);
    print_trial(s, n, trial, metric);
    return rc;
}

/* The finished trial with the best value, or NULL. Rank 0. */
static const cJSON *best_trial(const cJSON *trials, int maximise)
{
    const cJSON *best = NULL;
    for (const cJSON *t = trials->child; t != NULL; t = t->next) {
        const cJSON *v = cJSON_GetObjectItem(t, "value");
        if (!cJSON_IsNumber(v))
            continue;
        double b = best != NULL ? cJSON_GetObjectItem(best, "value")->valuedouble : 0;
        if (best == NULL || (maximise ? v->valuedouble > b : v->valuedouble < b))
            best = t;
    }
    return best;
}

static cJSON *sweep_result(const herd_sweep *s, const char *metric, cJSON *trials)
{
    int maximise = s->goal >= 0 ? s->goal : !herd_eval_lower_is_better(metric);
    const cJSON *best = best_trial(trials, maximise);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "sweep", s->name);
    cJSON_AddItemToObject(out, "metric", metric[0] ? cJSON_CreateString(metric) : cJSON_CreateNull());
    if (metric[0] != '\0' || s->goal >= 0)
        cJSON_AddStringToObject(out, "goal", maximise ? "max" : "min");
    else  /* no trial finished to tell which metric */
        cJSON_AddNullToObject(out, "goal");
    cJSON_AddStringToObject(out, "method", s->method == HERD_SWEEP_GRID ? "grid" : "random");
    cJSON_AddNumberToObject(out, "seed", (double)s->seed);
    cJSON_AddItemToObject(out, "trials", trials);
    cJSON_AddItemToObject(out, "best", best != NULL ? cJSON_Duplicate(best, 1) : cJSON_CreateNull());
    return out;
}

/* A sweep does not resume: what a stop leaves is the trials logged so far. */
static const char *const no_resume = "the trials so far are in the experiment log (a sweep "
                                     "does not resume: start a new one with another --name)";

/* A stop signal that came after a trial's last step (during its final
 * evaluation, say) ends the sweep before the next trial starts. COLLECTIVE. */
static int stop_between_trials(herd_comm *comm, const herd_sweep *s, int64_t i, int64_t n,
                               herd_error *err)
{
    double sig = (double)herd_stop_requested();
    int rc = herd_comm_allreduce_max_f64(comm, &sig, 1, err);
    if (rc == HERD_OK && sig > 0)
        rc = herd_error_set(err, HERD_EXIT_PREEMPTED, "sweep %s: stopped by %s after trial "
                            "%lld/%lld; %s", s->name, herd_stop_signal_name((int)sig),
                            (long long)i, (long long)n, no_resume);
    return rc;
}

int herd_sweep_run(herd_comm *comm, const herd_config *cfg, const herd_sweep *s, cJSON **out,
                   herd_error *err)
{
    int64_t n = herd_tune_trial_count(s->params, s->n_params, s->method, s->trials), finished = 0;
    char metric[HERD_NAME_MAX];
    snprintf(metric, sizeof metric, "%s", s->metric != NULL ? s->metric : "");
    herd_error first = { 0 };
    cJSON *trials = cJSON_CreateArray();
    int rc = check_sweep(comm, cfg, s, n, err);
    for (int64_t i = 1; i <= n && rc == HERD_OK; i++) {
        herd_error why = { 0 };
        int trained = run_trial(comm, cfg, s, i, n, metric, trials, &why, err);
        rc = herd_comm_agree(comm, err) == HERD_OK ? HERD_OK : err->code;  /* the metric check */
        finished += trained == HERD_OK;
        if (trained != HERD_OK && first.code == HERD_OK)
            first = why;
        /* a runtime or data error ends the trial, not the sweep */
        if (rc == HERD_OK && trained == HERD_EXIT_PREEMPTED)
            rc = herd_error_set(err, trained, "sweep %s: stopped in trial %lld/%lld (its run is "
                                "PREEMPTED, its checkpoint kept); %s", s->name, (long long)i,
                                (long long)n, no_resume);
        else if (rc == HERD_OK && trained != HERD_OK && trained != HERD_ERR_RUNTIME &&
                 trained != HERD_ERR_DATA)
            rc = herd_error_set(err, trained, "sweep %s: trial %lld/%lld: %s", s->name, (long long)i,
                                (long long)n, why.msg);
        if (rc == HERD_OK && i < n)
            rc = stop_between_trials(comm, s, i, n, err);
    }
    *out = sweep_result(s, metric, trials);
    if (rc == HERD_OK && finished == 0 && first.code != HERD_OK)
        rc = herd_error_set(err, first.code, "sweep %s: no trial finished; trial 1: %s", s->name, first.msg);
    return rc;
}
