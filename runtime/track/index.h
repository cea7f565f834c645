/* index.h - the experiment log, reader side: the index of runs (track.db).
 *
 * Runs write their own files, <track.db>.d/<run id>.sqlite (runlog.h). The
 * index, track.db itself, is a cache of what those files hold: one row per
 * run with its fields, its params, tags and artifacts, and the latest value
 * of each metric. Only `herd runs` commands write it; herd_runs_sync brings
 * it up to date by re-reading the run files that are new or changed (by
 * mtime and size) and dropping runs whose files are gone, so deleting
 * track.db loses nothing. Full metric series stay in the run files and are
 * read from there (herd_runs_metric_series).
 *
 * Nothing here is collective: the runs commands are plain single processes.
 */
#ifndef HERD_TRACK_INDEX_H
#define HERD_TRACK_INDEX_H

#include "core/status.h"
#include "track/query.h"

#include <cjson/cJSON.h>
#include <stdint.h>

/* A RUNNING run whose heartbeat is older than this reads as DEAD. */
#define HERD_RUN_DEAD_AFTER_SECONDS 300.0
#define HERD_RUN_DEAD "DEAD"
#define HERD_TRACK_DEFAULT_DB "runs/herd.db"

typedef struct herd_runs herd_runs;

typedef struct herd_runs_sync_stats {
    int n_files;     /* run files in the folder */
    int n_read;      /* new or changed files read into the index */
    int n_skipped;   /* unreadable files and copies of a run file under another
                        name, each reported by herd_warn */
    int n_removed;   /* runs dropped because their file is gone */
} herd_runs_sync_stats;

typedef struct herd_run_metric {
    char *key;
    int64_t step;
    double time;     /* Unix seconds */
    double value;    /* NaN when the logged value was NaN (stored as NULL) */
} herd_run_metric;

typedef struct herd_run_summary {
    char id[33];
    char *experiment;
    char *name;
    char *parent_id;       /* "" when none */
    char *status;          /* as shown: DEAD for a RUNNING run with a stale heartbeat */
    char *stored_status;   /* as written by the run */
    double start_time;     /* Unix seconds */
    double end_time;       /* 0 while not ended */
    double heartbeat;
    int world_size;
    char *hosts;           /* "" when unknown */
    char *git_commit;      /* "" when unknown */
    int git_dirty;
    char *file;            /* the run file's name inside the runs folder */
    herd_run_metric *metrics;  /* latest value of each metric, sorted by key */
    int n_metrics;
    int deleted;           /* marked deleted (herd_runs_set_deleted) */
} herd_run_summary;

/* Which runs a listing holds, by their deleted mark. */
enum { HERD_RUNS_ACTIVE = 0, HERD_RUNS_DELETED = 1, HERD_RUNS_ANY = 2 };

typedef struct herd_runs_filter {
    const char *experiment;  /* NULL: any */
    const char *status;      /* NULL: any; compared with the shown status (DEAD included) */
    double now;              /* Unix seconds used to judge DEAD; 0: the wall clock */
    int deleted;             /* HERD_RUNS_ACTIVE (default), _DELETED or _ANY */
} herd_runs_filter;

/* The index path to use: explicit if not NULL, else $HERD_TRACK_DB, else
 * runs/herd.db. The returned string is not owned by the caller. */
const char *herd_runs_default_db(const char *explicit_path);

/* Seconds of heartbeat silence after which a RUNNING run reads as DEAD:
 * $HERD_RUNS_DEAD_AFTER when it is a positive number, else
 * HERD_RUN_DEAD_AFTER_SECONDS. */
double herd_runs_dead_after(void);

/* The status to show for a stored status and heartbeat at time now. */
const char *herd_runs_shown_status(const char *stored, double heartbeat, double now);

/* Open the index at db_path (creating it when missing; rebuilding it when it
 * is corrupt or from another schema version). When track.db cannot be
 * written, a warning is printed and a temporary in-memory index is used.
 * Does not sync. Errors: HERD_ERR_IO when the runs folder <db_path>.d does
 * not exist or is not a folder. Free with herd_runs_close. */
int herd_runs_open(const char *db_path, herd_runs **out, herd_error *err);

/* Safe on NULL. */
void herd_runs_close(herd_runs *idx);

/* The runs folder (<db_path>.d) of an open index; owned by idx. */
const char *herd_runs_folder(const herd_runs *idx);

/* Bring the index up to date with the run files. A file that cannot be read
 * is reported with herd_warn and skipped (never an error). stats may be
 * NULL. Errors: HERD_ERR_IO when the folder cannot be listed or the index
 * cannot be written. */
int herd_runs_sync(herd_runs *idx, herd_runs_sync_stats *stats, herd_error *err);

/* Runs matching filter (NULL: all), newest start first. *out is an array of
 * *n summaries the caller frees with herd_runs_list_free. */
int herd_runs_list(herd_runs *idx, const herd_runs_filter *filter, herd_run_summary **out,
                   int *n, herd_error *err);
void herd_runs_list_free(herd_run_summary *runs, int n);

/* Resolve a run id or a unique prefix of at least 4 characters into id.
 * Errors (HERD_ERR_USAGE): "no run '<prefix>'", "run prefix '<p>' is
 * ambiguous (<n> runs)", "run id prefix '<p>' is too short: give at least 4
 * characters". */
int herd_runs_find(herd_runs *idx, const char *prefix, char id[33], herd_error *err);

/* One run as a JSON object: every run column (id, experiment, name,
 * parent_id, status (as shown), start_time, end_time, heartbeat, command,
 * world_size, hosts, config, config_sha256, data_sha256, git_commit,
 * git_dirty, versions, file), plus params {key: value}, metrics {key: latest
 * value}, tags {key: value} and artifacts [{path, kind, bytes, sha256,
 * time}]. Missing values are null. now as in herd_runs_filter. The caller
 * frees *out with cJSON_Delete. Errors: HERD_ERR_USAGE for an unknown id. */
int herd_runs_get_json(herd_runs *idx, const char *id, double now, cJSON **out,
                       herd_error *err);

/* The same object from the index alone, without opening the run file: no
 * record fields (bindings, cpu_model, datasets, version_info) and no
 * samples. Everything a filter, a sort, a table or a comparison reads is
 * there; herd_runs_add_record completes it later. */
int herd_runs_get_summary_json(herd_runs *idx, const char *id, double now, cJSON **out,
                               herd_error *err);

/* The runs herd_runs_list gives that also match q (query.h; NULL: all), in
 * its order, as herd_runs_get_summary_json objects, read in one pass over
 * the index. *out is an array of *n objects (also on error: those read so
 * far); the caller deletes each and frees the array. */
int herd_runs_list_json(herd_runs *idx, const herd_runs_filter *filter, const herd_query *q,
                        cJSON ***out, int *n, herd_error *err);

/* Complete a herd_runs_get_summary_json object into what herd_runs_get_json
 * gives (same members, same order) by reading the run file's record and
 * samples; a file that cannot be read is warned about, as there. */
void herd_runs_add_record(herd_runs *idx, cJSON *run);

/* Every logged value of one metric of a run, read from its run file, in
 * step order (rows logged twice for one step, as after a resume, come in
 * logging order). The caller frees *out with herd_runs_metrics_free. */
int herd_runs_metric_series(herd_runs *idx, const char *id, const char *key,
                            herd_run_metric **out, int *n, herd_error *err);
void herd_runs_metrics_free(herd_run_metric *metrics, int n);

/* Every metric row of a run, in logging order. Free with
 * herd_runs_metrics_free. Errors as herd_runs_metric_series. */
int herd_runs_metric_all(herd_runs *idx, const char *id, herd_run_metric **out, int *n,
                         herd_error *err);

/* Mark run id deleted (deleted = 1) or not (0). The mark is a file,
 * <runs folder>/<id>.deleted, so it survives rebuilding the index; the run
 * file itself is not touched. Deleted runs are left out of listings unless
 * asked for (herd_runs_filter.deleted) and show "deleted": true. Errors:
 * HERD_ERR_USAGE for an unknown run or one still RUNNING (not DEAD);
 * HERD_ERR_IO when the mark cannot be written or removed. */
int herd_runs_set_deleted(herd_runs *idx, const char *id, int deleted, herd_error *err);

/* Remove run id for good: its run file (and journal and deleted mark) and
 * its rows in the index. Errors as herd_runs_set_deleted. */
int herd_runs_purge(herd_runs *idx, const char *id, herd_error *err);

#endif
