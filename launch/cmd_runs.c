/* cmd_runs.c - `herd runs`: query the experiment log.
 *
 * Every subcommand first syncs the index (track.db) from the run files in
 * <track.db>.d/, then answers from the index. Unreadable run files are
 * warned about and skipped. The index path comes from --db, else
 * $HERD_TRACK_DB, else runs/herd.db. This file parses the arguments,
 * selects runs (--experiment, --filter, --sort) and implements list and
 * show; the other subcommands live in cmd_runs_query.c, cmd_runs_export.c
 * and cmd_runs_reproduce.c (runs_cli.h).
 */
#include "launch/commands.h"
#include "launch/runs_cli.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/status.h"
#include "core/timer.h"
#include "track/export.h"
#include "track/index.h"
#include "track/query.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *USAGE =
    "usage: herd runs list [--experiment E] [--filter EXPR] [--sort KEY] [--limit N]\n"
    "                      [--json|--csv] [--deleted|--all]\n"
    "       herd runs show ID [--json]\n"
    "       herd runs compare ID ID [ID...] [--json]\n"
    "       herd runs best --metric KEY [--max|--min] [--experiment E] [--filter EXPR] [--json]\n"
    "       herd runs metrics ID [KEY] [--json|--csv]\n"
    "       herd runs delete ID... [--purge]      herd runs restore ID...\n"
    "       herd runs export [ID...] --format mlflow|tensorboard|csv|json -o DIR\n"
    "       herd runs reproduce ID [--force] [--dry-run] [--checkpoint-dir DIR] [-- LAUNCHER ARGS]\n"
    "       herd runs report ID... -o REPORT.html\n"
    "\n"
    "  list       runs, newest first: id, experiment, name, status, start, duration and\n"
    "             key metrics. A RUNNING run silent for 5 minutes shows as DEAD.\n"
    "  show       one run: fields, params, latest metrics, tags, artifacts.\n"
    "  compare    params that differ between runs, and their latest metrics side by side\n"
    "  best       the run with the highest (--max) or lowest (--min) latest value of KEY;\n"
    "             default --min for losses, errors and times (keys ending in loss, error,\n"
    "             _ms or _seconds; mse, rmse, mae, mape, brier, ece, mce, ...), else --max\n"
    "  metrics    one metric's series (step, time, value); without KEY, the keys logged\n"
    "  delete     mark runs deleted (hidden from list); --purge removes their files for good\n"
    "  restore    undo delete\n"
    "  export     write runs for MLflow (mlruns folder), TensorBoard (event files), or as\n"
    "             CSV/JSON; without IDs, the runs list would show (--experiment, --filter)\n"
    "  reproduce  train again with the run's recorded config; refuses when the data or the\n"
    "             code commit changed since (exit 2) unless --force\n"
    "  report     one self-contained HTML file: curves of the runs overlaid, params that\n"
    "             differ, final and system metrics, environment; recorded as an artifact\n"
    "\n"
    "  ID                 a run id or a unique prefix of at least 4 characters\n"
    "  --db PATH          the index (default: $HERD_TRACK_DB, else runs/herd.db);\n"
    "                     runs are read from PATH.d/\n"
    "  --experiment NAME  only runs of this experiment\n"
    "  --filter EXPR      e.g. \"metrics.val/accuracy > 0.85 and params.model.type = 'mlp'\"\n"
    "                     fields metrics.K, params.K, tags.K, status, experiment, name, id,\n"
    "                     start_time, ...; operators = != < <= > >= LIKE ILIKE; joined by and\n"
    "  --sort KEY         a field as in --filter, ascending; -KEY or \"KEY desc\" descending\n"
    "  --limit N          list and export: only the first N runs (newest, or by --sort)\n"
    "  --deleted, --all   list only deleted runs / deleted and not deleted\n"
    "  --json, --csv      machine-readable output\n";

/* Metrics shown as table columns when some listed run has them. */
static const char *KEY_METRICS[] = {"val/accuracy", "val/mse", "test/accuracy"};
#define N_KEY_METRICS 3

int runs_usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "herd: error: runs: %s%s%s (see herd runs --help)\n", what,
            arg != NULL ? " " : "", arg != NULL ? arg : "");
    return HERD_ERR_USAGE;
}

/* An option's value, from "--opt=VALUE" or the next argument. */
static const char *option_value(const char *opt, int argc, char **argv, int *i)
{
    size_t n = strlen(opt);
    if (strncmp(argv[*i], opt, n) == 0 && argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (strcmp(argv[*i], opt) != 0 || *i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static int is_option(const char *arg, const char *opt)
{
    size_t n = strlen(opt);
    return strncmp(arg, opt, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* Options that take a value -> where the value goes. */
static const char **value_slot(runs_args *a, const char *arg, const char **name)
{
    static const char *names[] = {"--db", "--experiment", "--filter", "--sort", "--metric",
                                  "--format", "--out", "-o", "--checkpoint-dir", "--limit"};
    const char **slots[] = {&a->db, &a->experiment, &a->filter, &a->sort, &a->metric,
                            &a->format, &a->out, &a->out, &a->checkpoint_dir, &a->limit};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (is_option(arg, names[i])) {
            *name = names[i];
            return slots[i];
        }
    return NULL;
}

/* Flags -> the int they set to 1 (--deleted and --all set a->deleted). */
static int set_flag(runs_args *a, const char *arg)
{
    static const char *names[] = {"--json", "--csv", "--purge", "--force", "--max", "--min",
                                  "--dry-run"};
    int *flags[] = {&a->json, &a->csv, &a->purge, &a->force, &a->max, &a->min, &a->dry_run};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(arg, names[i]) == 0) {
            *flags[i] = 1;
            return 1;
        }
    if (strcmp(arg, "--deleted") == 0 || strcmp(arg, "--all") == 0) {
        a->deleted = strcmp(arg, "--all") == 0 ? HERD_RUNS_ANY : HERD_RUNS_DELETED;
        return 1;
    }
    return 0;
}

/* Returns HERD_OK, HERD_ERR_USAGE (message printed) or -1 for --help. */
static int parse_args(int argc, char **argv, runs_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *name = NULL;
        const char **slot = arg[0] == '-' ? value_slot(a, arg, &name) : NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return -1;
        if (strcmp(arg, "--") == 0) {
            a->rest = argv + i + 1;
            a->nrest = argc - i - 1;
            break;
        }
        if (slot != NULL) {
            if ((*slot = option_value(name, argc, argv, &i)) == NULL)
                return runs_usage_error("option needs a value:", name);
        } else if (set_flag(a, arg)) {
            continue;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return runs_usage_error("unknown option", arg);
        } else if (a->sub == NULL) {
            a->sub = arg;
        } else if (a->npos < RUNS_MAX_POS) {
            a->pos[a->npos++] = arg;
        } else {
            return runs_usage_error("too many arguments at", arg);
        }
    }
    return HERD_OK;
}

static void format_time(double t, char *buf, size_t n)
{
    time_t s = (time_t)t;
    struct tm tm;
    if (t <= 0 || localtime_r(&s, &tm) == NULL)
        snprintf(buf, n, "-");
    else
        strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static void format_duration(double seconds, char *buf, size_t n)
{
    long s = (long)(seconds + 0.5);
    if (seconds < 0)
        snprintf(buf, n, "-");
    else if (seconds < 60)
        snprintf(buf, n, "%.1fs", seconds);
    else if (s < 3600)
        snprintf(buf, n, "%ldm%02lds", s / 60, s % 60);
    else
        snprintf(buf, n, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
}

/* How long the run took, or has been going until its last heartbeat. */
static double run_duration(double start, double end, double heartbeat)
{
    double last = end > 0 ? end : heartbeat;
    return start > 0 && last >= start ? last - start : -1;
}

const cJSON *runs_member(const cJSON *run, const char *group, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(run, group), key);
    return cJSON_IsNumber(v) || cJSON_IsString(v) ? v : NULL;
}

static double member_num(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *member_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* The metric columns of the table: the key metrics some run has, plus the
 * --sort metric. Returns how many (at most N_KEY_METRICS + 1). */
static int table_metrics(cJSON *const *runs, int n, const herd_sort *sort, const char **cols)
{
    int k = 0;
    for (int m = 0; m < N_KEY_METRICS; m++)
        for (int i = 0; i < n; i++)
            if (runs_member(runs[i], "metrics", KEY_METRICS[m]) != NULL) {
                cols[k++] = KEY_METRICS[m];
                break;
            }
    int listed = 0;
    for (int m = 0; m < k; m++)
        listed |= sort != NULL && strcmp(cols[m], sort->field.key) == 0;
    if (sort != NULL && sort->field.kind == HERD_FIELD_METRIC && !listed)
        cols[k++] = sort->field.key;
    return k;
}

/* with_deleted (list --all): a DELETED column says which runs are marked. */
static void print_table(cJSON *const *runs, int n, const herd_sort *sort, int with_deleted)
{
    const char *cols[N_KEY_METRICS + 1];
    int ncols = table_metrics(runs, n, sort, cols);
    printf("%-8s  %-16s  %-24s  %-9s  %-19s  %-8s", "ID", "EXPERIMENT", "NAME", "STATUS",
           "STARTED", "DURATION");
    if (with_deleted)
        printf("  %-7s", "DELETED");
    for (int k = 0; k < ncols; k++)
        printf("  %13s", cols[k]);
    printf("\n");
    for (int i = 0; i < n; i++) {
        const cJSON *r = runs[i];
        char start[32], dur[32];
        double t0 = member_num(r, "start_time");
        format_time(t0, start, sizeof start);
        format_duration(run_duration(t0, member_num(r, "end_time"), member_num(r, "heartbeat")),
                        dur, sizeof dur);
        printf("%-8.8s  %-16s  %-24s  %-9s  %-19s  %-8s", member_str(r, "id"),
               member_str(r, "experiment"), member_str(r, "name"), member_str(r, "status"),
               start, dur);
        const cJSON *deleted = cJSON_GetObjectItemCaseSensitive(r, "deleted");
        if (with_deleted)
            printf("  %-7s", cJSON_IsTrue(deleted) ? "yes" : "no");
        for (int k = 0; k < ncols; k++) {
            const cJSON *m = runs_member(r, "metrics", cols[k]);
            if (cJSON_IsNumber(m))
                printf("  %13.6g", m->valuedouble);
            else
                printf("  %13s", "-");
        }
        printf("\n");
    }
}

void runs_print_json(const cJSON *item)
{
    char *text = cJSON_Print(item);
    printf("%s\n", text);
    free(text);
}

void runs_free(cJSON **runs, int n)
{
    for (int i = 0; runs != NULL && i < n; i++)
        cJSON_Delete(runs[i]);
    free(runs);
}

/* qsort has no context argument: the order being applied, for by_sort. */
static const herd_sort *active_sort;

typedef struct ranked_run {
    cJSON *run;
    int index;   /* position before sorting: ties keep it (newest first) */
} ranked_run;

static int by_sort(const void *a, const void *b)
{
    const ranked_run *x = a, *y = b;
    int c = herd_sort_compare(active_sort, x->run, y->run);
    return c != 0 ? c : x->index - y->index;
}

static void sort_runs(cJSON **runs, int n, const herd_sort *sort)
{
    ranked_run *r = herd_malloc((size_t)(n > 0 ? n : 1) * sizeof *r);
    for (int i = 0; i < n; i++)
        r[i] = (ranked_run){runs[i], i};
    active_sort = sort;
    qsort(r, (size_t)n, sizeof *r, by_sort);
    active_sort = NULL;
    for (int i = 0; i < n; i++)
        runs[i] = r[i].run;
    free(r);
}

/* The listed runs that match q, as JSON objects from the index alone
 * (herd_runs_get_summary_json): a filter never needs the run files. */
static int matching_runs(herd_runs *idx, const runs_args *a, const herd_query *q, cJSON ***out,
                         int *n, herd_error *err)
{
    herd_runs_filter filter = {.experiment = a->experiment, .deleted = a->deleted};
    return herd_runs_list_json(idx, &filter, q, out, n, err);
}

/* --limit N as a count of runs; INT_MAX without it. */
static int parse_limit(const runs_args *a, int *limit, herd_error *err)
{
    *limit = INT_MAX;
    if (a->limit == NULL)
        return HERD_OK;
    char *end = NULL;
    errno = 0;
    long v = strtol(a->limit, &end, 10);
    if (end == a->limit || *end != '\0' || errno != 0 || v < 1 || v > INT_MAX)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "runs %s: --limit: '%s' is not a whole number of runs (1 or more)",
                              a->sub, a->limit);
    *limit = (int)v;
    return HERD_OK;
}

int runs_select(herd_runs *idx, const runs_args *a, int with_record, cJSON ***runs, int *n,
                herd_error *err)
{
    herd_query *q = NULL;
    herd_sort sort = {0};
    herd_error why = {0};
    int limit = INT_MAX;
    *runs = NULL;
    *n = 0;
    if (herd_query_parse(a->filter, &q, &why) != HERD_OK)
        return herd_error_set(err, why.code, "runs %s: --filter: %s", a->sub, why.msg);
    int rc = parse_limit(a, &limit, err);
    if (rc == HERD_OK && a->sort != NULL && herd_sort_parse(a->sort, &sort, &why) != HERD_OK)
        rc = herd_error_set(err, why.code, "runs %s: --sort: %s", a->sub, why.msg);
    if (rc == HERD_OK)
        rc = matching_runs(idx, a, q, runs, n, err);
    if (rc == HERD_OK && a->sort != NULL)
        sort_runs(*runs, *n, &sort);
    while (rc == HERD_OK && *n > limit)  /* the rest are not shown */
        cJSON_Delete((*runs)[--*n]);
    for (int i = 0; rc == HERD_OK && with_record && i < *n; i++)
        herd_runs_add_record(idx, (*runs)[i]);
    if (rc != HERD_OK) {
        runs_free(*runs, *n);
        *runs = NULL;
        *n = 0;
    }
    herd_field_free(&sort.field);
    herd_query_free(q);
    return rc;
}

/* An empty listing says whether the log is empty or the selection left
 * nothing out of it. */
static void print_no_runs(herd_runs *idx, const runs_args *a)
{
    printf("no runs in %s", herd_runs_folder(idx));
    if (a->experiment != NULL || a->filter != NULL || a->deleted == HERD_RUNS_DELETED)
        printf(" match");
    if (a->experiment != NULL)
        printf(" --experiment %s", a->experiment);
    if (a->filter != NULL)
        printf(" --filter \"%s\"", a->filter);
    if (a->deleted == HERD_RUNS_DELETED)
        printf(" --deleted");
    printf("\n");
}

static int runs_list(herd_runs *idx, const runs_args *a, herd_error *err)
{
    cJSON **runs = NULL;
    int n = 0;
    herd_sort sort = {0};
    herd_error ignored = {0};
    int rc = runs_select(idx, a, a->json, &runs, &n, err);
    if (rc == HERD_OK && a->json) {
        cJSON *array = cJSON_CreateArray();
        for (int i = 0; i < n; i++)
            cJSON_AddItemReferenceToArray(array, runs[i]);
        runs_print_json(array);
        cJSON_Delete(array);
    } else if (rc == HERD_OK && a->csv) {
        herd_export_runs_csv(stdout, runs, n);
    } else if (rc == HERD_OK && n == 0) {
        print_no_runs(idx, a);
    } else if (rc == HERD_OK) {
        int sorted = a->sort != NULL && herd_sort_parse(a->sort, &sort, &ignored) == HERD_OK;
        print_table(runs, n, sorted ? &sort : NULL, a->deleted == HERD_RUNS_ANY);
    }
    herd_field_free(&sort.field);
    runs_free(runs, n);
    return rc;
}

static const char *json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : "-";
}

static double json_num(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* "  key = value" for each member of an object. */
static void print_members(const char *title, const cJSON *obj)
{
    printf("\n%s\n", title);
    if (cJSON_GetArraySize(obj) == 0)
        printf("  (none)\n");
    for (const cJSON *v = obj != NULL ? obj->child : NULL; v != NULL; v = v->next) {
        if (cJSON_IsNumber(v))
            printf("  %-28s %.9g\n", v->string, v->valuedouble);
        else if (cJSON_IsString(v))
            printf("  %-28s %s\n", v->string, v->valuestring);
        else
            printf("  %-28s -\n", v->string);
    }
}

static void print_artifacts(const cJSON *arts)
{
    printf("\nartifacts\n");
    if (cJSON_GetArraySize(arts) == 0)
        printf("  (none)\n");
    for (const cJSON *a = arts != NULL ? arts->child : NULL; a != NULL; a = a->next)
        printf("  %-40s %-10s %12.0f  sha256 %.16s\n", json_str(a, "path"), json_str(a, "kind"),
               json_num(a, "bytes"), json_str(a, "sha256"));
}

static void print_run(const cJSON *run)
{
    char start[32], end[32], beat[32], dur[32];
    double t0 = json_num(run, "start_time"), t1 = json_num(run, "end_time");
    double hb = json_num(run, "heartbeat");
    format_time(t0, start, sizeof start);
    format_time(t1, end, sizeof end);
    format_time(hb, beat, sizeof beat);
    format_duration(run_duration(t0, t1, hb), dur, sizeof dur);
    printf("id          %s\n", json_str(run, "id"));
    printf("experiment  %s\n", json_str(run, "experiment"));
    printf("name        %s\n", json_str(run, "name"));
    printf("status      %s\n", json_str(run, "status"));
    printf("parent      %s\n", json_str(run, "parent_id"));
    printf("started     %s\n", start);
    printf("ended       %s\n", end);
    printf("duration    %s\n", dur);
    printf("heartbeat   %s\n", beat);
    printf("command     %s\n", json_str(run, "command"));
    printf("world size  %.0f\n", json_num(run, "world_size"));
    printf("hosts       %s\n", json_str(run, "hosts"));
    printf("git         %s%s\n", json_str(run, "git_commit"),
           json_num(run, "git_dirty") != 0 ? " (dirty)" : "");
    printf("config      sha256 %s\n", json_str(run, "config_sha256"));
    printf("data        sha256 %s\n", json_str(run, "data_sha256"));
    printf("versions    %s\n", json_str(run, "versions"));
    printf("file        %s\n", json_str(run, "file"));
    print_members("params", cJSON_GetObjectItemCaseSensitive(run, "params"));
    print_members("metrics (latest)", cJSON_GetObjectItemCaseSensitive(run, "metrics"));
    print_members("tags", cJSON_GetObjectItemCaseSensitive(run, "tags"));
    print_artifacts(cJSON_GetObjectItemCaseSensitive(run, "artifacts"));
    herd_cmd_runs_print_record(run);
}

int runs_resolve(herd_runs *idx, const char *sub, const char *prefix, char id[33],
                 herd_error *err)
{
    herd_error why = {0};
    if (herd_runs_find(idx, prefix, id, &why) != HERD_OK)
        return herd_error_set(err, why.code, "runs %s: %s", sub, why.msg);
    return HERD_OK;
}

static int runs_show(herd_runs *idx, const runs_args *a, herd_error *err)
{
    char id[33];
    cJSON *run = NULL;
    int rc = runs_resolve(idx, "show", a->pos[0], id, err);
    if (rc == HERD_OK)
        rc = herd_runs_get_json(idx, id, 0, &run, err);
    if (rc == HERD_OK && a->json)
        runs_print_json(run);
    else if (rc == HERD_OK)
        print_run(run);
    cJSON_Delete(run);
    return rc;
}

typedef struct runs_sub {
    const char *name;
    int (*run)(herd_runs *idx, const runs_args *a, herd_error *err);
    int min_pos, max_pos;   /* positional arguments it takes */
} runs_sub;

static const runs_sub SUBCOMMANDS[] = {
    {"list", runs_list, 0, 0},
    {"show", runs_show, 1, 1},
    {"compare", runs_compare, 2, RUNS_MAX_POS},
    {"best", runs_best, 0, 0},
    {"metrics", runs_metrics, 1, 2},
    {"delete", runs_delete, 1, RUNS_MAX_POS},
    {"restore", runs_restore, 1, RUNS_MAX_POS},
    {"export", runs_export, 0, RUNS_MAX_POS},
    {"reproduce", runs_reproduce, 1, 1},
    {"report", runs_report, 1, RUNS_MAX_POS},
};

static const runs_sub *find_sub(const runs_args *a, int *rc)
{
    for (size_t i = 0; i < sizeof SUBCOMMANDS / sizeof SUBCOMMANDS[0]; i++) {
        const runs_sub *s = &SUBCOMMANDS[i];
        if (strcmp(a->sub, s->name) != 0)
            continue;
        if (a->npos < s->min_pos)
            *rc = runs_usage_error(s->min_pos == 1 ? "needs a run id:" : "needs more run ids:",
                                   a->sub);
        else if (a->npos > s->max_pos)
            *rc = runs_usage_error("unexpected argument", a->pos[s->max_pos]);
        else if (a->json && a->csv)
            *rc = runs_usage_error("--json and --csv exclude each other", NULL);
        return *rc == HERD_OK ? s : NULL;
    }
    *rc = runs_usage_error("unknown subcommand", a->sub);
    return NULL;
}

int herd_cmd_runs(int argc, char **argv)
{
    runs_args a;
    herd_error err = {0};
    herd_runs *idx = NULL;
    int rc = parse_args(argc, argv, &a);
    if (rc < 0 || (rc == HERD_OK && a.sub == NULL)) {
        fputs(USAGE, rc < 0 ? stdout : stderr);
        return rc < 0 ? HERD_OK : HERD_ERR_USAGE;
    }
    const runs_sub *sub = rc == HERD_OK ? find_sub(&a, &rc) : NULL;
    if (sub == NULL)
        return rc;
    const char *db = herd_runs_default_db(a.db);
    rc = herd_runs_open(db, &idx, &err);
    if (rc == HERD_OK)
        rc = herd_runs_sync(idx, NULL, &err);
    if (rc == HERD_OK)
        rc = sub->run(idx, &a, &err);
    if (rc != HERD_OK)
        herd_error_print(&err);
    herd_runs_close(idx);
    return rc;
}
