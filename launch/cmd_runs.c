/* cmd_runs.c - `herd runs`: list and show the runs of the experiment log.
 *
 * Every subcommand first syncs the index (track.db) from the run files in
 * <track.db>.d/, then answers from the index. Unreadable run files are
 * warned about and skipped. The index path comes from --db, else
 * $HERD_TRACK_DB, else runs/herd.db.
 */
#include "launch/commands.h"
#include "core/log.h"
#include "core/status.h"
#include "core/timer.h"
#include "track/index.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *USAGE =
    "usage: herd runs list [--db PATH] [--experiment NAME] [--json]\n"
    "       herd runs show ID [--db PATH] [--json]\n"
    "\n"
    "  list   runs, newest first: id, experiment, name, status, start, duration and\n"
    "         key metrics. A RUNNING run silent for 5 minutes shows as DEAD.\n"
    "  show   one run: fields, params, latest metrics, tags, artifacts. ID may be\n"
    "         a unique prefix of at least 4 characters.\n"
    "\n"
    "  --db PATH          the index (default: $HERD_TRACK_DB, else runs/herd.db);\n"
    "                     runs are read from PATH.d/\n"
    "  --experiment NAME  only runs of this experiment\n"
    "  --json             machine-readable output\n";

/* Metrics shown as table columns when some listed run has them. */
static const char *KEY_METRICS[] = {"val/accuracy", "val/mse", "test/accuracy"};
#define N_KEY_METRICS 3

typedef struct runs_args {
    const char *sub;
    const char *id;
    const char *db;
    const char *experiment;
    int json;
} runs_args;

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "herd: error: runs: %s%s%s\n", what, arg != NULL ? " " : "",
            arg != NULL ? arg : "");
    fprintf(stderr, "hint: see `herd runs --help`\n");
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

/* Returns HERD_OK, HERD_ERR_USAGE (message printed) or -1 for --help. */
static int parse_args(int argc, char **argv, runs_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return -1;
        if (strcmp(arg, "--json") == 0) {
            a->json = 1;
        } else if (is_option(arg, "--db")) {
            if ((a->db = option_value("--db", argc, argv, &i)) == NULL)
                return usage_error("--db needs a path", NULL);
        } else if (is_option(arg, "--experiment")) {
            if ((a->experiment = option_value("--experiment", argc, argv, &i)) == NULL)
                return usage_error("--experiment needs a name", NULL);
        } else if (arg[0] == '-') {
            return usage_error("unknown option", arg);
        } else if (a->sub == NULL) {
            a->sub = arg;
        } else if (a->id == NULL && strcmp(a->sub, "show") == 0) {
            a->id = arg;
        } else {
            return usage_error("unexpected argument", arg);
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

static const herd_run_metric *find_metric(const herd_run_summary *r, const char *key)
{
    for (int i = 0; i < r->n_metrics; i++)
        if (strcmp(r->metrics[i].key, key) == 0)
            return &r->metrics[i];
    return NULL;
}

static void print_table(const herd_run_summary *runs, int n)
{
    int shown[N_KEY_METRICS] = {0};
    for (int k = 0; k < N_KEY_METRICS; k++)
        for (int i = 0; i < n && !shown[k]; i++)
            shown[k] = find_metric(&runs[i], KEY_METRICS[k]) != NULL;
    printf("%-8s  %-16s  %-24s  %-9s  %-19s  %-8s", "ID", "EXPERIMENT", "NAME", "STATUS",
           "STARTED", "DURATION");
    for (int k = 0; k < N_KEY_METRICS; k++)
        if (shown[k])
            printf("  %13s", KEY_METRICS[k]);
    printf("\n");
    for (int i = 0; i < n; i++) {
        const herd_run_summary *r = &runs[i];
        char start[32], dur[32];
        format_time(r->start_time, start, sizeof start);
        format_duration(run_duration(r->start_time, r->end_time, r->heartbeat), dur, sizeof dur);
        printf("%-8.8s  %-16s  %-24s  %-9s  %-19s  %-8s", r->id, r->experiment, r->name, r->status,
               start, dur);
        for (int k = 0; k < N_KEY_METRICS; k++) {
            const herd_run_metric *m = shown[k] ? find_metric(r, KEY_METRICS[k]) : NULL;
            if (m != NULL)
                printf("  %13.6g", m->value);
            else if (shown[k])
                printf("  %13s", "-");
        }
        printf("\n");
    }
}

static int print_json(cJSON *item)
{
    char *text = cJSON_Print(item);
    printf("%s\n", text);
    free(text);
    return HERD_OK;
}

static int list_json(herd_runs *idx, const herd_run_summary *runs, int n, herd_error *err)
{
    cJSON *array = cJSON_CreateArray();
    int rc = HERD_OK;
    for (int i = 0; i < n && rc == HERD_OK; i++) {
        cJSON *obj = NULL;
        rc = herd_runs_get_json(idx, runs[i].id, 0, &obj, err);
        if (rc == HERD_OK)
            cJSON_AddItemToArray(array, obj);
    }
    if (rc == HERD_OK)
        print_json(array);
    cJSON_Delete(array);
    return rc;
}

static int runs_list(herd_runs *idx, const runs_args *a, herd_error *err)
{
    herd_runs_filter filter = {.experiment = a->experiment};
    herd_run_summary *runs = NULL;
    int n = 0;
    int rc = herd_runs_list(idx, &filter, &runs, &n, err);
    if (rc == HERD_OK && a->json)
        rc = list_json(idx, runs, n, err);
    else if (rc == HERD_OK && n == 0)
        printf("no runs in %s\n", herd_runs_folder(idx));
    else if (rc == HERD_OK)
        print_table(runs, n);
    herd_runs_list_free(runs, n);
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
}

static int runs_show(herd_runs *idx, const runs_args *a, herd_error *err)
{
    char id[33];
    cJSON *run = NULL;
    herd_error find_err = {0};
    if (herd_runs_find(idx, a->id, id, &find_err) != HERD_OK)
        return herd_error_set(err, find_err.code, "runs show: %s", find_err.msg);
    int rc = herd_runs_get_json(idx, id, 0, &run, err);
    if (rc == HERD_OK && a->json)
        print_json(run);
    else if (rc == HERD_OK)
        print_run(run);
    cJSON_Delete(run);
    return rc;
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
    if (rc != HERD_OK)
        return rc;
    int list = strcmp(a.sub, "list") == 0, show = strcmp(a.sub, "show") == 0;
    if (!list && !show)
        return usage_error("unknown subcommand", a.sub);
    if (list && a.id != NULL)
        return usage_error("unexpected argument", a.id);
    if (show && a.id == NULL)
        return usage_error("show needs a run id", NULL);
    const char *db = herd_runs_default_db(a.db);
    rc = herd_runs_open(db, &idx, &err);
    if (rc == HERD_OK)
        rc = herd_runs_sync(idx, NULL, &err);
    if (rc == HERD_OK)
        rc = list ? runs_list(idx, &a, &err) : runs_show(idx, &a, &err);
    if (rc != HERD_OK)
        herd_error_print(&err);
    herd_runs_close(idx);
    return rc;
}
