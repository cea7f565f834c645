/* cmd_sweep.c - `herd sweep CONFIG [key=value ...] --param KEY=SPACE ...
 *               [--trials N] [--method random|grid] [--metric KEY] [--max|--min]
 *               [--seed S] [--name NAME] [--json OUT]`.
 *
 * Hyperparameter search: every rank of the job trains each trial in turn
 * (runtime/tune/sweep.h); rank 0 prints a line per trial, then the trials
 * best first, the best one and the command that retrains it.
 */
#include "commands.h"
#include "cli.h"
#include "comm/comm.h"
#include "config/config.h"
#include "core/files.h"
#include "core/log.h"
#include "core/mem.h"
#include "eval/evaluate.h"
#include "tune/sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PARAMS 32
#define NAME_MAX_LEN 64

static const char *usage =
    "usage: herd sweep CONFIG.yaml [key=value ...] --param KEY=SPACE [--param KEY=SPACE ...]\n"
    "                  [--trials N] [--method random|grid] [--metric KEY] [--max|--min]\n"
    "                  [--seed S] [--name NAME] [--json OUT.json]\n"
    "\n"
    "Search CONFIG's hyperparameters: train it once per trial, one trial after\n"
    "another on the ranks of the job, each trial an ordinary run in the experiment\n"
    "log (run_name NAME-<i>, tag sweep=NAME, checkpoints in\n"
    "<train.checkpoint_dir>/NAME/trial-<i>), and rank the trials by one metric.\n"
    "\n"
    "  --param KEY=SPACE  a config key and the values to try; SPACE is one of\n"
    "                       choice:V1|V2|...  e.g. model.hidden=choice:[64]|[128,64]\n"
    "                       uniform:LO:HI     a number in [LO, HI)\n"
    "                       loguniform:LO:HI  a number in [LO, HI), even over decades (LO > 0)\n"
    "                       int:LO:HI         an integer in [LO, HI]\n"
    "  --trials N         random: the number of trials (default 10); grid: at most N\n"
    "                     (a sweep runs at most 100000 trials)\n"
    "  --method M         random (default): values drawn from --seed, the same on any\n"
    "                     number of ranks; grid: every combination of choice params,\n"
    "                     the first param slowest\n"
    "  --metric KEY       the final metric to rank by; default val/accuracy\n"
    "                     (classification), val/rmse (regression), else train/loss\n"
    "  --max, --min       best is the highest / lowest value; default by the metric's\n"
    "                     name, as herd runs best decides (losses, errors: lowest)\n"
    "  --seed S           random sweeps: the seed of the values drawn (default 0)\n"
    "  --name NAME        letters, digits, '.', '_', '-' (default sweep-<yyyymmdd-hhmmss>)\n"
    "  --json OUT.json    write the trials and the best one\n"
    "\n"
    "A trial that fails (a diverging one, say) is recorded as FAILED and the sweep\n"
    "goes on; exit 0 when at least one trial finished. A stop signal ends the sweep\n"
    "after the running trial's checkpoint (exit 5).\n";

typedef struct sweep_args {
    const char *config, *json;
    const char **overrides;
    int n_overrides, max, min;
    char name[NAME_MAX_LEN + 1];
    herd_tune_param params[MAX_PARAMS];
    herd_sweep sweep;
} sweep_args;

static int parse_count(const char *opt, const char *text, int64_t min, int64_t *out, herd_error *err)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || v < min)
        return herd_error_set(err, HERD_ERR_USAGE, "sweep: %s needs an integer >= %lld, got '%s'",
                              opt, (long long)min, text);
    *out = v;
    return HERD_OK;
}

static int parse_name(const char *text, sweep_args *a, herd_error *err)
{
    size_t n = strlen(text);
    int ok = n > 0 && n <= NAME_MAX_LEN && strcmp(text, ".") != 0 && strcmp(text, "..") != 0;
    for (size_t i = 0; i < n && ok; i++)
        ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", text[i]) != NULL;
    if (!ok)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "sweep: --name '%s': use up to %d letters, digits, '.', '_' or '-'",
                              text, NAME_MAX_LEN);
    snprintf(a->name, sizeof a->name, "%s", text);
    return HERD_OK;
}

/* One option that takes a value. */
static int parse_option(const char *opt, const char *value, sweep_args *a, herd_error *err)
{
    herd_sweep *s = &a->sweep;
    int64_t number = 0;
    if (strcmp(opt, "--param") == 0) {
        if (s->n_params == MAX_PARAMS)
            return herd_error_set(err, HERD_ERR_USAGE, "sweep: at most %d --param", MAX_PARAMS);
        return herd_tune_param_parse(value, &a->params[s->n_params++], err);
    }
    if (strcmp(opt, "--method") == 0) {
        if (strcmp(value, "random") != 0 && strcmp(value, "grid") != 0)
            return herd_error_set(err, HERD_ERR_USAGE, "sweep: --method must be random or grid, got '%s'", value);
        s->method = strcmp(value, "grid") == 0 ? HERD_SWEEP_GRID : HERD_SWEEP_RANDOM;
    } else if (strcmp(opt, "--trials") == 0) {
        return parse_count(opt, value, 1, &s->trials, err);
    } else if (strcmp(opt, "--seed") == 0) {
        int rc = parse_count(opt, value, 0, &number, err);
        s->seed = (uint64_t)number;
        return rc;
    } else if (strcmp(opt, "--name") == 0) {
        return parse_name(value, a, err);
    } else if (strcmp(opt, "--metric") == 0) {
        s->metric = value;
    } else {
        a->json = value;
    }
    return HERD_OK;
}

static int parse_args(int argc, char **argv, sweep_args *a, herd_error *err)
{
    static const char *const with_value[] = { "--param", "--trials", "--method", "--metric",
                                              "--seed", "--name", "--json", NULL };
    a->overrides = herd_calloc((size_t)argc + 1, sizeof *a->overrides);
    int rc = HERD_OK;
    for (int i = 1; i < argc && rc == HERD_OK; i++) {
        const char *arg = argv[i];
        int takes_value = 0;
        for (int k = 0; with_value[k] != NULL; k++)
            takes_value |= strcmp(arg, with_value[k]) == 0;
        if (takes_value && i + 1 >= argc)
            rc = herd_error_set(err, HERD_ERR_USAGE, "sweep: %s needs a value", arg);
        else if (takes_value)
            rc = parse_option(arg, argv[++i], a, err);
        else if (strcmp(arg, "--max") == 0 || strcmp(arg, "--min") == 0)
            *(strcmp(arg, "--max") == 0 ? &a->max : &a->min) = 1;
        else if (arg[0] == '-')
            rc = herd_error_set(err, HERD_ERR_USAGE, "sweep: unknown option '%s' (see herd sweep --help)", arg);
        else if (strchr(arg, '=') != NULL)
            a->overrides[a->n_overrides++] = arg;
        else if (a->config == NULL)
            a->config = arg;
        else
            rc = herd_error_set(err, HERD_ERR_USAGE, "sweep: unexpected argument '%s'", arg);
    }
    if (rc == HERD_OK && a->config == NULL)
        rc = herd_error_set(err, HERD_ERR_USAGE, "sweep: no config file given (see herd sweep --help)");
    if (rc == HERD_OK && a->max && a->min)
        rc = herd_error_set(err, HERD_ERR_USAGE, "sweep: --max and --min exclude each other");
    if (rc == HERD_OK && herd_file_is_input(a->json, a->config))
        rc = herd_error_set(err, HERD_ERR_USAGE, "sweep: --json %s is the config file (it would "
                            "be overwritten)", a->json);
    a->sweep.goal = a->max ? 1 : a->min ? 0 : -1;
    a->sweep.params = a->params;
    return rc;
}

/* The default name, sweep-<yyyymmdd-hhmmss> of rank 0's clock, on every rank. COLLECTIVE. */
static int share_name(herd_comm *comm, sweep_args *a, herd_error *err)
{
    char *name = NULL;
    if (a->name[0] == '\0' && herd_comm_rank(comm) == 0) {
        time_t now = time(NULL);
        struct tm tm;
        name = herd_calloc(NAME_MAX_LEN + 1, 1);
        strftime(name, NAME_MAX_LEN + 1, "sweep-%Y%m%d-%H%M%S", localtime_r(&now, &tm));
    }
    int rc = a->name[0] == '\0' ? herd_comm_bcast_string(comm, &name, 0, err) : HERD_OK;
    if (name != NULL)
        snprintf(a->name, sizeof a->name, "%s", name);
    free(name);
    a->sweep.name = a->name;
    return rc;
}

static int load_config(herd_comm *comm, const sweep_args *a, herd_config **cfg, herd_error *err)
{
    int rc = herd_cli_load_config(comm, a->config, a->overrides, a->n_overrides, cfg, err);
    if (rc == HERD_OK)  /* the eval: section, checked before any trial rather than after it */
        rc = herd_eval_check_config(comm, *cfg, err);
    return rc;
}

/* A param's value as config text. Caller frees. */
static char *value_text(const cJSON *v)
{
    return cJSON_IsString(v) ? herd_strdup(v->valuestring) : cJSON_PrintUnformatted(v);
}

/* " KEY=VALUE" for each of trial's params, shell-quoted when quote is set. */
static void params_text(const cJSON *trial, int quote, char *out, size_t cap)
{
    out[0] = '\0';
    for (const cJSON *p = cJSON_GetObjectItem(trial, "params")->child; p != NULL; p = p->next) {
        char *text = value_text(p);
        int plain = strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") == strlen(text);
        snprintf(out + strlen(out), cap - strlen(out), quote && !plain ? " '%s=%s'" : " %s=%s", p->string, text);
        free(text);
    }
}

static int by_value(const void *x, const void *y, int maximise)
{
    const cJSON *a = *(const cJSON *const *)x, *b = *(const cJSON *const *)y;
    const cJSON *va = cJSON_GetObjectItem(a, "value"), *vb = cJSON_GetObjectItem(b, "value");
    if (!cJSON_IsNumber(va) || !cJSON_IsNumber(vb))
        return cJSON_IsNumber(vb) - cJSON_IsNumber(va);  /* trials without a value last */
    double d = maximise ? vb->valuedouble - va->valuedouble : va->valuedouble - vb->valuedouble;
    return d < 0 ? -1 : d > 0;
}
static int best_first_max(const void *x, const void *y) { return by_value(x, y, 1); }
static int best_first_min(const void *x, const void *y) { return by_value(x, y, 0); }

/* The trials, best first. Rank 0. */
static void print_table(const cJSON *result)
{
    const cJSON *trials = cJSON_GetObjectItem(result, "trials");
    const char *goal = cJSON_GetStringValue(cJSON_GetObjectItem(result, "goal"));
    int n = cJSON_GetArraySize(trials), maximise = goal != NULL && strcmp(goal, "max") == 0;
    const char *metric = cJSON_GetStringValue(cJSON_GetObjectItem(result, "metric"));
    const cJSON **sorted = herd_calloc((size_t)n + 1, sizeof *sorted);
    int k = 0;
    for (const cJSON *t = trials->child; t != NULL; t = t->next)
        sorted[k++] = t;
    qsort(sorted, (size_t)n, sizeof *sorted, maximise ? best_first_max : best_first_min);
    printf("\n%5s  %-9s  %14s  %8s  %-36s  %s\n", "trial", "status", metric != NULL ? metric : "value",
           "seconds", "run", "params");
    for (int i = 0; i < n; i++) {
        char value[32], params[1024];
        const cJSON *run = cJSON_GetObjectItem(sorted[i], "run_id");
        params_text(sorted[i], 0, params, sizeof params);
        printf("%5.0f  %-9s  %14s  %8.1f  %-36s %s\n", cJSON_GetNumberValue(cJSON_GetObjectItem(sorted[i], "trial")),
               cJSON_GetStringValue(cJSON_GetObjectItem(sorted[i], "status")),
               herd_format_metric(value, cJSON_GetNumberValue(cJSON_GetObjectItem(sorted[i], "value"))),
               cJSON_GetNumberValue(cJSON_GetObjectItem(sorted[i], "seconds")),
               cJSON_IsString(run) ? run->valuestring : "-", params);
    }
    free(sorted);
}

/* "best: trial ..." and the command that retrains it. Rank 0. */
static void print_best(const sweep_args *a, const cJSON *result)
{
    const cJSON *best = cJSON_GetObjectItem(result, "best");
    if (!cJSON_IsObject(best)) {
        printf("best: none (no trial finished with a value of %s)\n",
               cJSON_IsString(cJSON_GetObjectItem(result, "metric"))
                   ? cJSON_GetStringValue(cJSON_GetObjectItem(result, "metric")) : "the metric");
        return;
    }
    char value[32], params[1024];
    const cJSON *run = cJSON_GetObjectItem(best, "run_id");
    printf("best: trial %.0f run %s %s %s\n", cJSON_GetNumberValue(cJSON_GetObjectItem(best, "trial")),
           cJSON_IsString(run) ? run->valuestring : "-",
           cJSON_GetStringValue(cJSON_GetObjectItem(result, "metric")),
           herd_format_metric(value, cJSON_GetNumberValue(cJSON_GetObjectItem(best, "value"))));
    params_text(best, 1, params, sizeof params);
    printf("retrain: herd train %s", a->config);
    for (int i = 0; i < a->n_overrides; i++)
        printf(" '%s'", a->overrides[i]);
    printf("%s\n", params);
}

static int write_json(const cJSON *result, const char *path, herd_error *err)
{
    char *text = cJSON_Print(result);
    int rc = herd_write_text_file(path, text, "sweep", err);
    free(text);
    return rc;
}

/* Table, best and JSON once any trial ran, whatever ended the sweep. COLLECTIVE. */
static int write_outputs(herd_comm *comm, const sweep_args *a, const cJSON *result, int rc,
                         herd_error *err)
{
    herd_error io = { 0 };
    if (herd_comm_rank(comm) == 0 && cJSON_GetArraySize(cJSON_GetObjectItem(result, "trials")) > 0) {
        print_table(result);
        print_best(a, result);
        if (a->json != NULL)
            write_json(result, a->json, &io);
    }
    if (herd_comm_agree(comm, &io) != HERD_OK && rc == HERD_OK)
        return herd_error_set(err, io.code, "%s", io.msg);
    return rc;
}

int herd_cmd_sweep(int argc, char **argv)
{
    if (herd_cli_wants_help(argc, argv, usage))
        return 0;
    herd_error err = { 0 };
    herd_comm *comm = NULL;
    herd_config *cfg = NULL;
    cJSON *result = NULL;
    sweep_args a = { 0 };
    if (herd_comm_init(&argc, &argv, &comm, &err) != HERD_OK) {
        herd_error_print(&err);
        return err.code;
    }
    int rc = parse_args(argc, argv, &a, &err);
    a.sweep.command = herd_cli_command_line(argc, argv);
    if (rc == HERD_OK)
        rc = load_config(comm, &a, &cfg, &err);
    if (rc == HERD_OK)
        rc = share_name(comm, &a, &err);
    if (rc == HERD_OK)
        rc = herd_sweep_run(comm, cfg, &a.sweep, &result, &err);
    if (result != NULL)
        rc = write_outputs(comm, &a, result, rc, &err);
    cJSON_Delete(result);
    herd_config_free(cfg);
    for (int i = 0; i < a.sweep.n_params; i++)
        herd_tune_param_free(&a.params[i]);
    free((void *)a.sweep.command);
    free(a.overrides);
    return herd_cli_finish(comm, rc, &err);
}
