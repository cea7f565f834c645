/* runlog.c - writes one run's SQLite file, <track.db>.d/<run id>.sqlite.
 *
 * The file has one writer, rank 0 of the run, so it never needs locks to be
 * trustworthy across hosts. Its schema (user_version 1):
 *
 *   run(id, experiment, name, parent_id, status, start_time, end_time,
 *       heartbeat, command, world_size, hosts, config, config_sha256,
 *       data_sha256, git_commit, git_dirty, versions)     exactly one row
 *   params(key PRIMARY KEY, value)
 *   metrics(key, step, time, value)                      index on (key, step)
 *   tags(key PRIMARY KEY, value)
 *   artifacts(path, kind, bytes, sha256, time)
 *   record(key PRIMARY KEY, value)    structured fields of the run record as
 *                                      JSON text: bindings, cpu_model,
 *                                      datasets, version_info (added in place, so
 *                                      still user_version 1; readers treat a
 *                                      missing table as empty)
 *   samples(step, row, label, prediction, probabilities)  sampled validation
 *                                      rows at each evaluation
 *
 * Times are Unix seconds (REAL). Metrics wait in a growable array and go to
 * disk in one transaction when 1000 rows are pending or a second has passed
 * since the last flush; each flush also refreshes run.heartbeat, which is how
 * readers tell a live run from a dead one. Every write that touches more than
 * one row is a transaction, so a crash never leaves a half-written run row.
 */
#include "track/runlog.h"
#include "core/files.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "core/timer.h"

#include <sqlite3.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RUNLOG_SCHEMA_VERSION 1
#define FLUSH_ROWS 1000
#define FLUSH_SECONDS 1.0
#define HASH_CHUNK (1u << 20)

typedef struct pending_metric {
    char *key;
    int64_t step;
    double time;
    double value;
} pending_metric;

struct herd_runlog {
    sqlite3 *db;
    char id[33];
    char *name;
    char *file;
    pending_metric *pending;  /* metrics not yet written, oldest first */
    size_t n_pending;
    size_t cap_pending;
    double last_flush;        /* herd_now() of the last flush attempt */
    int flush_failed;         /* the last flush failed: retry only after FLUSH_SECONDS */
};

static const char *SCHEMA_SQL =
    "CREATE TABLE IF NOT EXISTS run (id TEXT PRIMARY KEY, experiment TEXT NOT NULL, name TEXT,"
    " parent_id TEXT, status TEXT NOT NULL, start_time REAL, end_time REAL, heartbeat REAL,"
    " command TEXT, world_size INTEGER, hosts TEXT, config TEXT, config_sha256 TEXT,"
    " data_sha256 TEXT, git_commit TEXT, git_dirty INTEGER, versions TEXT);"
    "CREATE TABLE IF NOT EXISTS params (key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS metrics (key TEXT NOT NULL, step INTEGER NOT NULL,"
    " time REAL NOT NULL, value REAL);"
    "CREATE INDEX IF NOT EXISTS metrics_key_step ON metrics (key, step);"
    "CREATE TABLE IF NOT EXISTS tags (key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS artifacts (path TEXT NOT NULL, kind TEXT, bytes INTEGER,"
    " sha256 TEXT, time REAL);"
    "CREATE TABLE IF NOT EXISTS record (key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS samples (step INTEGER NOT NULL, row INTEGER NOT NULL,"
    " label REAL, prediction REAL, probabilities TEXT);"
    "PRAGMA user_version = 1;";

char *herd_runlog_folder(const char *db_path)
{
    size_t n = strlen(db_path) + 3;
    char *folder = herd_malloc(n);
    snprintf(folder, n, "%s.d", db_path);
    return folder;
}

const char *herd_runlog_id(const herd_runlog *rl) { return rl->id; }
const char *herd_runlog_name(const herd_runlog *rl) { return rl->name; }
const char *herd_runlog_file(const herd_runlog *rl) { return rl->file; }


static int random_id(char id[33], herd_error *err)
{
    unsigned char bytes[16];
    FILE *f = fopen("/dev/urandom", "rb");
    if (f == NULL || fread(bytes, 1, sizeof bytes, f) != sizeof bytes) {
        if (f != NULL)
            fclose(f);
        return herd_error_set(err, HERD_ERR_IO, "/dev/urandom: cannot read a run id");
    }
    fclose(f);
    for (int i = 0; i < 16; i++)
        snprintf(id + 2 * i, 3, "%02x", bytes[i]);
    return HERD_OK;
}

/* 1 when s is a run id: exactly 32 lowercase hex characters. */
static int valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n != 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int db_error(herd_runlog *rl, herd_error *err)
{
    return herd_error_set(err, HERD_ERR_IO, "%s: %s", rl->file, sqlite3_errmsg(rl->db));
}

static int exec_sql(herd_runlog *rl, const char *sql, herd_error *err)
{
    if (sqlite3_exec(rl->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_error(rl, err);
    return HERD_OK;
}

/* Bind s, or NULL when s is NULL or empty. */
static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s == NULL || s[0] == '\0')
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* Run one prepared statement to completion and finalize it. */
static int step_done(herd_runlog *rl, sqlite3_stmt *st, herd_error *err)
{
    int rc = sqlite3_step(st) == SQLITE_DONE ? HERD_OK : db_error(rl, err);
    sqlite3_finalize(st);
    return rc;
}

static int prepare(herd_runlog *rl, const char *sql, sqlite3_stmt **st, herd_error *err)
{
    if (sqlite3_prepare_v2(rl->db, sql, -1, st, NULL) != SQLITE_OK)
        return db_error(rl, err);
    return HERD_OK;
}

static int insert_run(herd_runlog *rl, const herd_run_info *info, double now, herd_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(rl,
                     "INSERT INTO run (id, experiment, name, parent_id, status, start_time,"
                     " heartbeat, command, world_size, hosts, config, config_sha256, data_sha256,"
                     " git_commit, git_dirty, versions)"
                     " VALUES (?1, ?2, ?3, ?4, 'RUNNING', ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
                     " ?13, ?14)",
                     &st, err);
    if (rc != HERD_OK)
        return rc;
    bind_text(st, 1, rl->id);
    bind_text(st, 2, info->experiment);
    bind_text(st, 3, rl->name);
    bind_text(st, 4, info->parent_id);
    sqlite3_bind_double(st, 5, now);
    bind_text(st, 6, info->command);
    sqlite3_bind_int(st, 7, info->world_size);
    bind_text(st, 8, info->hosts);
    bind_text(st, 9, info->config_text);
    bind_text(st, 10, info->config_sha256);
    bind_text(st, 11, info->data_sha256);
    bind_text(st, 12, info->git_commit);
    sqlite3_bind_int(st, 13, info->git_dirty);
    bind_text(st, 14, info->versions);
    return step_done(rl, st, err);
}

/* Resuming: back to RUNNING, start_time and name kept; where and how it now
 * runs (command, ranks, hosts) may have changed, so those are refreshed. */
static int reopen_run(herd_runlog *rl, const herd_run_info *info, double now, herd_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(rl,
                     "UPDATE run SET status = 'RUNNING', end_time = NULL, heartbeat = ?1,"
                     " command = coalesce(?2, command), world_size = ?3,"
                     " hosts = coalesce(?4, hosts) WHERE id = ?5",
                     &st, err);
    if (rc != HERD_OK)
        return rc;
    sqlite3_bind_double(st, 1, now);
    bind_text(st, 2, info->command);
    sqlite3_bind_int(st, 3, info->world_size);
    bind_text(st, 4, info->hosts);
    bind_text(st, 5, rl->id);
    return step_done(rl, st, err);
}

/* The name of the run already in the file (NULL if there is none) and
 * whether the file holds some other run. */
static int existing_run(herd_runlog *rl, char **name, int *other, herd_error *err)
{
    sqlite3_stmt *st = NULL;
    *name = NULL;
    *other = 0;
    int rc = prepare(rl, "SELECT id, name FROM run", &st, err);
    if (rc != HERD_OK)
        return rc;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *nm = (const char *)sqlite3_column_text(st, 1);
        if (id != NULL && strcmp(id, rl->id) == 0 && *name == NULL)
            *name = herd_strdup(nm != NULL ? nm : "");
        else
            *other = 1;
    }
    if (s != SQLITE_DONE)
        rc = db_error(rl, err);
    sqlite3_finalize(st);
    return rc;
}

static void default_name(herd_runlog *rl, const herd_run_info *info)
{
    if (info->name != NULL && info->name[0] != '\0') {
        rl->name = herd_strdup(info->name);
        return;
    }
    size_t n = strlen(info->experiment) + 10;
    rl->name = herd_malloc(n);
    snprintf(rl->name, n, "%s-%.8s", info->experiment, rl->id);
}

/* Schema plus the run row, in one transaction. */
static int write_run_row(herd_runlog *rl, const herd_run_info *info, herd_error *err)
{
    char *name = NULL;
    int other = 0;
    double now = herd_wall_time();
    int rc = exec_sql(rl, "BEGIN IMMEDIATE", err);
    if (rc != HERD_OK)
        return rc;
    if ((rc = exec_sql(rl, SCHEMA_SQL, err)) != HERD_OK ||
        (rc = existing_run(rl, &name, &other, err)) != HERD_OK)
        goto done;
    if (other) {
        rc = herd_error_set(err, HERD_ERR_DATA, "%s: holds a run other than %s", rl->file, rl->id);
        goto done;
    }
    if (name != NULL) {
        rl->name = name;
        name = NULL;
        rc = reopen_run(rl, info, now, err);
    } else {
        default_name(rl, info);
        rc = insert_run(rl, info, now, err);
    }
    if (rc == HERD_OK)
        rc = exec_sql(rl, "COMMIT", err);
done:
    if (rc != HERD_OK)
        sqlite3_exec(rl->db, "ROLLBACK", NULL, NULL, NULL);
    free(name);
    return rc;
}

static int open_file(herd_runlog *rl, herd_error *err)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(rl->file, &rl->db, flags, NULL) != SQLITE_OK)
        return db_error(rl, err);
    sqlite3_busy_timeout(rl->db, 5000);
    /* journal_mode answers with a row; sqlite3_exec ignores it. */
    int rc = exec_sql(rl, "PRAGMA journal_mode = DELETE", err);
    if (rc == HERD_OK)
        rc = exec_sql(rl, "PRAGMA synchronous = NORMAL", err);
    return rc;
}

static void runlog_free(herd_runlog *rl)
{
    if (rl == NULL)
        return;
    for (size_t i = 0; i < rl->n_pending; i++)
        free(rl->pending[i].key);
    free(rl->pending);
    if (rl->db != NULL)
        sqlite3_close(rl->db);
    free(rl->name);
    free(rl->file);
    free(rl);
}

int herd_runlog_begin(const char *db_path, const herd_run_info *info, herd_runlog **out,
                      herd_error *err)
{
    *out = NULL;
    if (info == NULL || info->experiment == NULL || info->experiment[0] == '\0')
        return herd_error_set(err, HERD_ERR_USAGE, "%s: a run needs an experiment name", db_path);
    int resume = info->run_id != NULL && info->run_id[0] != '\0';
    if (resume && !valid_id(info->run_id))
        return herd_error_set(err, HERD_ERR_USAGE,
                              "%s: run id '%s' is not 32 lowercase hex characters", db_path,
                              info->run_id);
    herd_runlog *rl = herd_calloc(1, sizeof *rl);
    char *folder = herd_runlog_folder(db_path);
    int rc = herd_make_dirs(folder, err);
    if (rc != HERD_OK)
        goto done;
    if (resume)
        memcpy(rl->id, info->run_id, 33);
    else if ((rc = random_id(rl->id, err)) != HERD_OK)
        goto done;
    size_t n = strlen(folder) + 48;
    rl->file = herd_malloc(n);
    snprintf(rl->file, n, "%s/%s.sqlite", folder, rl->id);
    if ((rc = open_file(rl, err)) != HERD_OK)
        goto done;
    rc = write_run_row(rl, info, err);
    rl->last_flush = herd_now();
done:
    free(folder);
    if (rc != HERD_OK)
        runlog_free(rl);
    else
        *out = rl;
    return rc;
}

/* INSERT OR REPLACE key/value into a two-column table (params or tags). */
static int put_pair(herd_runlog *rl, const char *sql, const char *key, const char *value,
                    herd_error *err)
{
    if (key == NULL || key[0] == '\0')
        return herd_error_set(err, HERD_ERR_USAGE, "%s: empty key", rl->file);
    sqlite3_stmt *st = NULL;
    int rc = prepare(rl, sql, &st, err);
    if (rc != HERD_OK)
        return rc;
    bind_text(st, 1, key);
    bind_text(st, 2, value);
    return step_done(rl, st, err);
}

int herd_runlog_log_param(herd_runlog *rl, const char *key, const char *value, herd_error *err)
{
    return put_pair(rl, "INSERT OR REPLACE INTO params (key, value) VALUES (?1, ?2)", key, value,
                    err);
}

int herd_runlog_set_tag(herd_runlog *rl, const char *key, const char *value, herd_error *err)
{
    return put_pair(rl, "INSERT OR REPLACE INTO tags (key, value) VALUES (?1, ?2)", key, value,
                    err);
}

static int write_pending(herd_runlog *rl, double wall, herd_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(rl, "INSERT INTO metrics (key, step, time, value) VALUES (?1, ?2, ?3, ?4)",
                     &st, err);
    for (size_t i = 0; rc == HERD_OK && i < rl->n_pending; i++) {
        const pending_metric *m = &rl->pending[i];
        sqlite3_bind_text(st, 1, m->key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, m->step);
        sqlite3_bind_double(st, 3, m->time);
        sqlite3_bind_double(st, 4, m->value);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_error(rl, err);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (rc != HERD_OK)
        return rc;
    if ((rc = prepare(rl, "UPDATE run SET heartbeat = ?1 WHERE id = ?2", &st, err)) != HERD_OK)
        return rc;
    sqlite3_bind_double(st, 1, wall);
    bind_text(st, 2, rl->id);
    return step_done(rl, st, err);
}

int herd_runlog_flush(herd_runlog *rl, herd_error *err)
{
    rl->last_flush = herd_now();
    int rc = exec_sql(rl, "BEGIN IMMEDIATE", err);
    if (rc == HERD_OK && (rc = write_pending(rl, herd_wall_time(), err)) == HERD_OK)
        rc = exec_sql(rl, "COMMIT", err);
    rl->flush_failed = rc != HERD_OK;
    if (rc != HERD_OK) {
        /* Rows stay buffered and are written by the next successful flush. */
        sqlite3_exec(rl->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    for (size_t i = 0; i < rl->n_pending; i++)
        free(rl->pending[i].key);
    rl->n_pending = 0;
    return HERD_OK;
}

int herd_runlog_log_metric(herd_runlog *rl, const char *key, int64_t step, double value,
                           herd_error *err)
{
    if (key == NULL || key[0] == '\0')
        return herd_error_set(err, HERD_ERR_USAGE, "%s: metric with an empty key", rl->file);
    if (rl->n_pending == rl->cap_pending) {
        rl->cap_pending = rl->cap_pending == 0 ? 256 : 2 * rl->cap_pending;
        rl->pending = herd_realloc(rl->pending, rl->cap_pending * sizeof *rl->pending);
    }
    rl->pending[rl->n_pending++] =
        (pending_metric){herd_strdup(key), step, herd_wall_time(), value};
    double since = herd_now() - rl->last_flush;
    int due = since >= FLUSH_SECONDS || (rl->n_pending >= FLUSH_ROWS && !rl->flush_failed);
    return due ? herd_runlog_flush(rl, err) : HERD_OK;
}

/* Size and SHA-256 of a file, read in 1 MiB pieces. */
static int hash_file(const char *path, int64_t *bytes, char hex[65], herd_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return herd_error_set(err, HERD_ERR_IO, "%s: %s", path, strerror(errno));
    unsigned char *buf = herd_malloc(HASH_CHUNK);
    herd_sha256 *h = herd_sha256_begin();
    size_t got;
    *bytes = 0;
    while ((got = fread(buf, 1, HASH_CHUNK, f)) > 0) {
        herd_sha256_update(h, buf, got);
        *bytes += (int64_t)got;
    }
    int rc = ferror(f) ? herd_error_set(err, HERD_ERR_IO, "%s: read failed", path) : HERD_OK;
    herd_sha256_end(h, hex);
    free(buf);
    fclose(f);
    return rc;
}

int herd_runlog_log_artifact(herd_runlog *rl, const char *path, const char *kind,
                             herd_error *err)
{
    int64_t bytes = 0;
    char hex[65];
    int rc = hash_file(path, &bytes, hex, err);
    if (rc != HERD_OK)
        return rc;
    sqlite3_stmt *st = NULL;
    rc = prepare(rl,
                 "INSERT INTO artifacts (path, kind, bytes, sha256, time)"
                 " VALUES (?1, ?2, ?3, ?4, ?5)",
                 &st, err);
    if (rc != HERD_OK)
        return rc;
    bind_text(st, 1, path);
    bind_text(st, 2, kind);
    sqlite3_bind_int64(st, 3, bytes);
    bind_text(st, 4, hex);
    sqlite3_bind_double(st, 5, herd_wall_time());
    return step_done(rl, st, err);
}

/* Set bytes, sha256 and time of the rows naming the file whose identity is
 * now (device and inode), however their path is spelled. */
static int update_rows_of(herd_runlog *rl, const struct stat *now, int64_t bytes,
                          const char *hex, herd_error *err)
{
    sqlite3_stmt *rows = NULL, *update = NULL;
    int rc = prepare(rl, "SELECT rowid, path FROM artifacts", &rows, err);
    if (rc == HERD_OK)
        rc = prepare(rl, "UPDATE artifacts SET bytes = ?1, sha256 = ?2, time = ?3 WHERE rowid = ?4",
                     &update, err);
    while (rc == HERD_OK && sqlite3_step(rows) == SQLITE_ROW) {
        const char *path = (const char *)sqlite3_column_text(rows, 1);
        struct stat st;
        if (path == NULL || stat(path, &st) != 0 || st.st_dev != now->st_dev ||
            st.st_ino != now->st_ino)
            continue;
        sqlite3_bind_int64(update, 1, bytes);
        bind_text(update, 2, hex);
        sqlite3_bind_double(update, 3, herd_wall_time());
        sqlite3_bind_int64(update, 4, sqlite3_column_int64(rows, 0));
        if (sqlite3_step(update) != SQLITE_DONE)
            rc = db_error(rl, err);
        sqlite3_reset(update);
    }
    sqlite3_finalize(update);
    sqlite3_finalize(rows);
    return rc;
}

int herd_runlog_refresh_artifact(herd_runlog *rl, const char *path, herd_error *err)
{
    struct stat now;
    int64_t bytes = 0;
    char hex[65];
    if (stat(path, &now) != 0)
        return herd_error_set(err, HERD_ERR_IO, "%s: %s", path, strerror(errno));
    int rc = hash_file(path, &bytes, hex, err);
    if (rc == HERD_OK)
        rc = update_rows_of(rl, &now, bytes, hex, err);
    return rc;
}

static int set_status(herd_runlog *rl, const char *status, herd_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(rl, "UPDATE run SET status = ?1, end_time = ?2, heartbeat = ?2 WHERE id = ?3",
                     &st, err);
    if (rc != HERD_OK)
        return rc;
    bind_text(st, 1, status);
    sqlite3_bind_double(st, 2, herd_wall_time());
    bind_text(st, 3, rl->id);
    return step_done(rl, st, err);
}

int herd_runlog_end(herd_runlog *rl, const char *status, herd_error *err)
{
    if (rl == NULL)
        return HERD_OK;
    if (status == NULL || status[0] == '\0')
        status = HERD_RUN_FINISHED;
    int rc = herd_runlog_flush(rl, err);
    /* Record the final status even when the last metrics could not be written. */
    int rc2 = set_status(rl, status, err);
    runlog_free(rl);
    return rc != HERD_OK ? rc : rc2;
}

int herd_runlog_set_record(herd_runlog *rl, const char *key, const char *json, herd_error *err)
{
    return put_pair(rl, "INSERT OR REPLACE INTO record (key, value) VALUES (?1, ?2)", key, json,
                    err);
}

static int insert_samples(herd_runlog *rl, int64_t step, const herd_run_sample *s, int n,
                          herd_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(rl,
                     "INSERT INTO samples (step, row, label, prediction, probabilities)"
                     " VALUES (?1, ?2, ?3, ?4, ?5)",
                     &st, err);
    for (int i = 0; rc == HERD_OK && i < n; i++) {
        sqlite3_bind_int64(st, 1, step);
        sqlite3_bind_int64(st, 2, s[i].row);
        sqlite3_bind_double(st, 3, s[i].label);
        sqlite3_bind_double(st, 4, s[i].prediction);
        bind_text(st, 5, s[i].probabilities);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_error(rl, err);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

int herd_runlog_log_samples(herd_runlog *rl, int64_t step, const herd_run_sample *samples, int n,
                            herd_error *err)
{
    int rc = exec_sql(rl, "BEGIN IMMEDIATE", err);
    if (rc == HERD_OK && (rc = insert_samples(rl, step, samples, n, err)) == HERD_OK)
        rc = exec_sql(rl, "COMMIT", err);
    if (rc != HERD_OK)
        sqlite3_exec(rl->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Open an existing run file for one change from outside the run's writer
 * (another command, the watchdog thread). Close rl->db afterwards, also on
 * failure. */
static int open_run_file(herd_runlog *rl, const char *run_file, herd_error *err)
{
    rl->file = (char *)run_file;
    if (sqlite3_open_v2(run_file, &rl->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        return db_error(rl, err);
    sqlite3_busy_timeout(rl->db, 5000);
    return HERD_OK;
}

int herd_runlog_add_artifact(const char *run_file, const char *path, const char *kind,
                             herd_error *err)
{
    herd_runlog rl = {0};
    int rc = open_run_file(&rl, run_file, err);
    if (rc == HERD_OK)
        rc = herd_runlog_log_artifact(&rl, path, kind, err);
    sqlite3_close(rl.db);
    return rc;
}

int herd_runlog_refresh_artifact_in(const char *run_file, const char *path, herd_error *err)
{
    herd_runlog rl = {0};
    int rc = open_run_file(&rl, run_file, err);
    if (rc == HERD_OK)
        rc = herd_runlog_refresh_artifact(&rl, path, err);
    sqlite3_close(rl.db);
    return rc;
}

int herd_runlog_mark_status(const char *run_file, const char *run_id, const char *status,
                            herd_error *err)
{
    herd_runlog rl = {0};
    snprintf(rl.id, sizeof rl.id, "%s", run_id);
    int rc = open_run_file(&rl, run_file, err);
    if (rc == HERD_OK)
        rc = set_status(&rl, status, err);
    sqlite3_close(rl.db);
    return rc;
}

const char *herd_runlog_sqlite_version(void) { return sqlite3_libversion(); }
