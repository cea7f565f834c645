/* runs_cli.h - what the `herd runs` subcommands share: parsed arguments, the
 * opened and synced index, run selection (experiment, --filter, --sort,
 * deleted runs) and output helpers. cmd_runs.c parses and dispatches;
 * cmd_runs_query.c (compare, best, metrics, delete, restore),
 * cmd_runs_export.c and cmd_runs_reproduce.c implement the rest.
 */
#ifndef HERD_RUNS_CLI_H
#define HERD_RUNS_CLI_H

#include "core/status.h"
#include "track/index.h"

#include <cjson/cJSON.h>

#define RUNS_MAX_POS 256

typedef struct runs_args {
    const char *sub;
    const char *pos[RUNS_MAX_POS];   /* positional arguments after the subcommand */
    int npos;
    const char *db, *experiment, *filter, *sort, *metric, *format, *out, *checkpoint_dir;
    const char *limit;               /* --limit N: at most N runs, after --sort */
    int json, csv, purge, force, max, min, dry_run;
    int deleted;                     /* HERD_RUNS_ACTIVE, _DELETED (--deleted) or _ANY (--all) */
    char **rest;                     /* arguments after "--" (reproduce: launcher options) */
    int nrest;
} runs_args;

/* Print the one line "herd: error: runs: <what> <arg> (see herd runs --help)"
 * for an error found before a subcommand runs; returns HERD_ERR_USAGE.
 * Subcommands report errors through their herd_error instead. */
int runs_usage_error(const char *what, const char *arg);

/* Resolve an id or prefix; errors say "runs <sub>: no run '<p>'". */
int runs_resolve(herd_runs *idx, const char *sub, const char *prefix, char id[33],
                 herd_error *err);

/* The runs a listing shows: a->experiment, a->deleted, a->filter applied, in
 * a->sort order (default newest first), the first a->limit of them. *runs is an array of *n run objects
 * freed with runs_free: as herd_runs_get_json gives them when with_record,
 * else from the index alone (herd_runs_get_summary_json), which does not
 * open every run file. */
int runs_select(herd_runs *idx, const runs_args *a, int with_record, cJSON ***runs, int *n,
                herd_error *err);
void runs_free(cJSON **runs, int n);

/* Print item as indented JSON on stdout. */
void runs_print_json(const cJSON *item);

/* The member key of object group ("metrics", "params") of run, or NULL. */
const cJSON *runs_member(const cJSON *run, const char *group, const char *key);

int runs_compare(herd_runs *idx, const runs_args *a, herd_error *err);
int runs_best(herd_runs *idx, const runs_args *a, herd_error *err);
int runs_metrics(herd_runs *idx, const runs_args *a, herd_error *err);
int runs_delete(herd_runs *idx, const runs_args *a, herd_error *err);
int runs_restore(herd_runs *idx, const runs_args *a, herd_error *err);
int runs_export(herd_runs *idx, const runs_args *a, herd_error *err);
int runs_reproduce(herd_runs *idx, const runs_args *a, herd_error *err);
/* cmd_runs_report.c: `herd runs report ID... -o REPORT.html` */
int runs_report(herd_runs *idx, const runs_args *a, herd_error *err);

#endif
