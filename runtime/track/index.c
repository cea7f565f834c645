/* index.c - the index of runs (track.db), rebuilt from the run files.
 *
 * Index schema (user_version 1; a cache, dropped and rebuilt when the
 * version differs or the file is corrupt):
 *
 *   files(file PRIMARY KEY, mtime, size, run_id)   what was read, to spot changes
 *   runs(id PRIMARY KEY, file, <every column of a run file's run table>)
 *   params(run_id, key, value), tags(run_id, key, value)
 *   latest_metrics(run_id, key, step, time, value)  the last logged value per key
 *   artifacts(run_id, path, kind, bytes, sha256, time)
 *   deleted_runs(run_id, time)    runs marked deleted: a copy of the
 *                                 <run id>.deleted marker files, reread
 *                                 on every sync
 *
 * A run file is read by ATTACHing it read-only (a file: URI with mode=ro, so
 * a reader never rolls back or otherwise touches a live run's file) and
 * copying its rows with INSERT ... SELECT into temporary stage_* tables of
 * this connection, one transaction per file, so a file that fails half-way
 * adds nothing. Then one index transaction moves every staged run into the
 * index: one commit (and its fsyncs) per sync, not per file, which is what
 * a rebuild of thousands of runs, or a sync beside many live runs on NFS or
 * Lustre, would otherwise spend its time on.
 */
#include "track/index.h"
#include "track/query.h"
#include "track/record.h"
#include "track/runlog.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timer.h"

#include <sqlite3.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INDEX_SCHEMA_VERSION 1
#define RUN_SCHEMA_MAX 1     /* newest run-file schema this reader understands */
#define MIN_PREFIX 4

struct herd_runs {
    sqlite3 *db;
    char *db_path;
    char *folder;
};

static const char *INDEX_DROP_SQL =
    "DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS runs; DROP TABLE IF EXISTS params;"
    "DROP TABLE IF EXISTS latest_metrics; DROP TABLE IF EXISTS tags;"
    "DROP TABLE IF EXISTS artifacts; DROP TABLE IF EXISTS deleted_runs;";

static const char *INDEX_SCHEMA_SQL =
    "CREATE TABLE IF NOT EXISTS files (file TEXT PRIMARY KEY, mtime REAL, size INTEGER,"
    " run_id TEXT);"
    "CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, file TEXT, experiment TEXT, name TEXT,"
    " parent_id TEXT, status TEXT, start_time REAL, end_time REAL, heartbeat REAL, command TEXT,"
    " world_size INTEGER, hosts TEXT, config TEXT, config_sha256 TEXT, data_sha256 TEXT,"
    " git_commit TEXT, git_dirty INTEGER, versions TEXT);"
    "CREATE INDEX IF NOT EXISTS runs_experiment ON runs (experiment, start_time);"
    "CREATE INDEX IF NOT EXISTS runs_file ON runs (file);"
    "CREATE INDEX IF NOT EXISTS files_run ON files (run_id);"
    "CREATE TABLE IF NOT EXISTS params (run_id TEXT, key TEXT, value TEXT,"
    " PRIMARY KEY (run_id, key));"
    "CREATE TABLE IF NOT EXISTS latest_metrics (run_id TEXT, key TEXT, step INTEGER, time REAL,"
    " value REAL, PRIMARY KEY (run_id, key));"
    "CREATE TABLE IF NOT EXISTS tags (run_id TEXT, key TEXT, value TEXT,"
    " PRIMARY KEY (run_id, key));"
    "CREATE TABLE IF NOT EXISTS artifacts (run_id TEXT, path TEXT, kind TEXT, bytes INTEGER,"
    " sha256 TEXT, time REAL);"
    "CREATE INDEX IF NOT EXISTS artifacts_run ON artifacts (run_id);"
    "CREATE TABLE IF NOT EXISTS deleted_runs (run_id TEXT PRIMARY KEY, time REAL);"
    "PRAGMA user_version = 1;";

/* ?1 is the run id. */
static const char *DELETE_RUN_SQL[] = {
    "DELETE FROM runs WHERE id = ?1",
    "DELETE FROM params WHERE run_id = ?1",
    "DELETE FROM latest_metrics WHERE run_id = ?1",
    "DELETE FROM tags WHERE run_id = ?1",
    "DELETE FROM artifacts WHERE run_id = ?1",
    "DELETE FROM files WHERE run_id = ?1",
    NULL,
};

/* The stage: tables shaped like the index's, in this connection's temp
 * database (never synced to disk), holding the runs read by this sync. */
static const char *STAGE_SCHEMA_SQL =
    "CREATE TEMP TABLE IF NOT EXISTS stage_files AS SELECT * FROM main.files WHERE 0;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_runs AS SELECT * FROM main.runs WHERE 0;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_params AS SELECT * FROM main.params WHERE 0;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_latest_metrics AS"
    " SELECT * FROM main.latest_metrics WHERE 0;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_tags AS SELECT * FROM main.tags WHERE 0;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_artifacts AS SELECT * FROM main.artifacts WHERE 0;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_gone (id TEXT PRIMARY KEY);";

static const char *STAGE_CLEAR_SQL =
    "DELETE FROM temp.stage_files; DELETE FROM temp.stage_runs; DELETE FROM temp.stage_params;"
    "DELETE FROM temp.stage_latest_metrics; DELETE FROM temp.stage_tags;"
    "DELETE FROM temp.stage_artifacts; DELETE FROM temp.stage_gone;";

/* Every staged run into the index, in set operations (no per-run scans):
 * first out goes what the index holds for the staged files and for the
 * staged runs (stage_gone: their ids), then in go the staged rows. */
static const char *APPLY_STAGE_SQL =
    "INSERT OR IGNORE INTO temp.stage_gone"
    " SELECT id FROM runs WHERE file IN (SELECT file FROM temp.stage_files);"
    "INSERT OR IGNORE INTO temp.stage_gone SELECT run_id FROM temp.stage_files;"
    "DELETE FROM runs WHERE id IN (SELECT id FROM temp.stage_gone);"
    "DELETE FROM params WHERE run_id IN (SELECT id FROM temp.stage_gone);"
    "DELETE FROM latest_metrics WHERE run_id IN (SELECT id FROM temp.stage_gone);"
    "DELETE FROM tags WHERE run_id IN (SELECT id FROM temp.stage_gone);"
    "DELETE FROM artifacts WHERE run_id IN (SELECT id FROM temp.stage_gone);"
    "DELETE FROM files WHERE run_id IN (SELECT id FROM temp.stage_gone)"
    " OR file IN (SELECT file FROM temp.stage_files);"
    "INSERT INTO runs SELECT * FROM temp.stage_runs;"
    "INSERT INTO params SELECT * FROM temp.stage_params;"
    "INSERT INTO latest_metrics SELECT * FROM temp.stage_latest_metrics;"
    "INSERT INTO tags SELECT * FROM temp.stage_tags;"
    "INSERT INTO artifacts SELECT * FROM temp.stage_artifacts ORDER BY rowid;"
    "INSERT INTO files SELECT * FROM temp.stage_files;";

/* ?1 is the run id, ?2 the file name; r is the attached run file. The latest
 * value of each metric is found through the run file's (key, step) index:
 * the keys one by one (each the next larger key), then each key's last row
 * by step, then rowid, so a live run's file with millions of rows, read
 * again at every sync, costs a few seeks per key rather than a sort. */
static const char *COPY_RUN_SQL[] = {
    "INSERT INTO temp.stage_runs (id, file, experiment, name, parent_id, status, start_time,"
    " end_time, heartbeat, command, world_size, hosts, config, config_sha256, data_sha256,"
    " git_commit, git_dirty, versions)"
    " SELECT id, ?2, experiment, name, parent_id, status, start_time, end_time, heartbeat,"
    " command, world_size, hosts, config, config_sha256, data_sha256, git_commit, git_dirty,"
    " versions FROM r.run",
    "INSERT INTO temp.stage_params (run_id, key, value) SELECT ?1, key, value FROM r.params",
    "INSERT INTO temp.stage_latest_metrics (run_id, key, step, time, value)"
    " WITH RECURSIVE k(key) AS (SELECT min(key) FROM r.metrics"
    " UNION ALL SELECT (SELECT min(key) FROM r.metrics WHERE key > k.key) FROM k"
    " WHERE k.key IS NOT NULL)"
    " SELECT ?1, m.key, m.step, m.time, m.value FROM k JOIN r.metrics m ON m.rowid ="
    " (SELECT rowid FROM r.metrics WHERE key = k.key ORDER BY step DESC, rowid DESC LIMIT 1)",
    "INSERT INTO temp.stage_tags (run_id, key, value) SELECT ?1, key, value FROM r.tags",
    "INSERT INTO temp.stage_artifacts (run_id, path, kind, bytes, sha256, time)"
    " SELECT ?1, path, kind, bytes, sha256, time FROM r.artifacts ORDER BY rowid",
    NULL,
};

const char *herd_runs_default_db(const char *explicit_path)
{
    if (explicit_path != NULL && explicit_path[0] != '\0')
        return explicit_path;
    const char *env = getenv("HERD_TRACK_DB");
    return env != NULL && env[0] != '\0' ? env : HERD_TRACK_DEFAULT_DB;
}

double herd_runs_dead_after(void)
{
    const char *env = getenv("HERD_RUNS_DEAD_AFTER");
    char *end = NULL;
    double v = env != NULL ? strtod(env, &end) : 0;
    return env != NULL && end != env && *end == '\0' && v > 0 ? v : HERD_RUN_DEAD_AFTER_SECONDS;
}

const char *herd_runs_shown_status(const char *stored, double heartbeat, double now)
{
    if (stored == NULL)
        return "";
    if (strcmp(stored, HERD_RUN_RUNNING) == 0 && now - heartbeat > herd_runs_dead_after())
        return HERD_RUN_DEAD;
    return stored;
}

const char *herd_runs_folder(const herd_runs *idx) { return idx->folder; }

static char *join_path(const char *folder, const char *name)
{
    size_t n = strlen(folder) + strlen(name) + 2;
    char *p = herd_malloc(n);
    snprintf(p, n, "%s/%s", folder, name);
    return p;
}

/* "file:<percent-encoded path>?mode=ro", for a read-only ATTACH. */
static char *readonly_uri(const char *path)
{
    size_t n = strlen(path);
    char *uri = herd_malloc(3 * n + 16);
    char *o = uri + sprintf(uri, "file:");
    for (const unsigned char *c = (const unsigned char *)path; *c != '\0'; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            strchr("/-._~", *c) != NULL)
            *o++ = (char)*c;
        else
            o += sprintf(o, "%%%02X", *c);
    }
    strcpy(o, "?mode=ro");
    return uri;
}

/* Prepare sql, bind ?1 = a and ?2 = b where the statement has them. */
static int prepare_ab(sqlite3 *db, const char *sql, const char *a, const char *b,
                      sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    int n = sqlite3_bind_parameter_count(*st);
    if (n >= 1)
        sqlite3_bind_text(*st, 1, a, -1, SQLITE_TRANSIENT);
    if (n >= 2)
        sqlite3_bind_text(*st, 2, b, -1, SQLITE_TRANSIENT);
    return SQLITE_OK;
}

/* Run each statement of a NULL-terminated list with ?1 = a, ?2 = b. */
static int run_all(sqlite3 *db, const char **sqls, const char *a, const char *b)
{
    for (int i = 0; sqls[i] != NULL; i++) {
        sqlite3_stmt *st = NULL;
        int rc = prepare_ab(db, sqls[i], a, b, &st);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
        sqlite3_finalize(st);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

/* The first column of the first row of sql, as an int. */
static int query_int(sqlite3 *db, const char *sql, int *value)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *value = sqlite3_column_int(st, 0);
            rc = SQLITE_OK;
        } else {
            rc = sqlite3_errcode(db);
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
}

/* Create the index tables, dropping those of another schema version. */
static int setup_index(sqlite3 *db)
{
    int version = -1;
    int rc = sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = query_int(db, "PRAGMA user_version", &version);
    if (rc == SQLITE_OK && version != INDEX_SCHEMA_VERSION)
        rc = sqlite3_exec(db, INDEX_DROP_SQL, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, INDEX_SCHEMA_SQL, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Open path (a file or ":memory:") as the index; on failure *db is NULL and
 * why holds SQLite's message. */
static int open_index(const char *path, sqlite3 **db, char *why, size_t why_len)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI;
    int rc = sqlite3_open_v2(path, db, flags, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(*db, 5000);
        rc = setup_index(*db);
    }
    if (rc != SQLITE_OK) {
        snprintf(why, why_len, "%s", *db != NULL ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
        sqlite3_close(*db);
        *db = NULL;
    }
    return rc;
}

/* The index file itself, or, when it cannot be used, a rebuilt one (if it
 * is corrupt) or an in-memory one (if it cannot be written). */
static int open_best_index(herd_runs *idx, herd_error *err)
{
    char why[256];
    int rc = open_index(idx->db_path, &idx->db, why, sizeof why);
    if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
        herd_warn("%s: %s; rebuilding the index from the run files", idx->db_path, why);
        if (unlink(idx->db_path) == 0)
            rc = open_index(idx->db_path, &idx->db, why, sizeof why);
    }
    if (rc != SQLITE_OK) {
        herd_warn("%s: cannot write the index (%s); using a temporary one", idx->db_path, why);
        rc = open_index(":memory:", &idx->db, why, sizeof why);
    }
    if (rc != SQLITE_OK)
        return herd_error_set(err, HERD_ERR_IO, "%s: %s", idx->db_path, why);
    return HERD_OK;
}

int herd_runs_open(const char *db_path, herd_runs **out, herd_error *err)
{
    *out = NULL;
    herd_runs *idx = herd_calloc(1, sizeof *idx);
    idx->db_path = herd_strdup(db_path);
    idx->folder = herd_runlog_folder(db_path);
    struct stat st;
    int rc = HERD_OK;
    if (stat(idx->folder, &st) != 0)
        rc = herd_error_set(err, HERD_ERR_IO, "%s: %s (no runs logged with this index)",
                            idx->folder, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = herd_error_set(err, HERD_ERR_IO, "%s: not a folder", idx->folder);
    if (rc == HERD_OK)
        rc = open_best_index(idx, err);
    if (rc == HERD_OK && sqlite3_exec(idx->db, STAGE_SCHEMA_SQL, NULL, NULL, NULL) != SQLITE_OK)
        rc = herd_error_set(err, HERD_ERR_IO, "%s: %s", idx->db_path, sqlite3_errmsg(idx->db));
    if (rc != HERD_OK)
        herd_runs_close(idx);
    else
        *out = idx;
    return rc;
}

void herd_runs_close(herd_runs *idx)
{
    if (idx == NULL)
        return;
    sqlite3_close(idx->db);
    free(idx->db_path);
    free(idx->folder);
    free(idx);
}

/* The single run id in the attached run file r. */
static int attached_run_id(sqlite3 *db, char id[33], char *why, size_t why_len)
{
    sqlite3_stmt *st = NULL;
    int rows = 0;
    int rc = sqlite3_prepare_v2(db, "SELECT id FROM r.run", -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        if (rows++ == 0)
            snprintf(id, 33, "%s", s != NULL ? s : "");
        rc = SQLITE_OK;
    }
    if (rc == SQLITE_DONE && rows == 1 && strlen(id) == 32) {
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_ERROR;
        snprintf(why, why_len, "expected one run row with a 32-char id, found %d rows", rows);
    } else {
        snprintf(why, why_len, "%s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return rc;
}

static int stage_file(sqlite3 *db, const char *name, double mtime, int64_t size, const char *id)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare_ab(db, "INSERT INTO temp.stage_files (run_id, file, mtime, size)"
                        " VALUES (?1, ?2, ?3, ?4)", id, name, &st);
    if (rc == SQLITE_OK) {
        sqlite3_bind_double(st, 3, mtime);
        sqlite3_bind_int64(st, 4, size);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
    }
    sqlite3_finalize(st);
    return rc;
}

/* A run's file is <run id>.sqlite. A copy under another name holds the
 * same run: reading both would have each replace the other in the index at
 * every sync, and show whichever was read last, stale or not. */
static int check_file_name(const char *name, const char *id, char *why, size_t why_len)
{
    char want[48];
    snprintf(want, sizeof want, "%s.sqlite", id);
    if (strcmp(name, want) == 0)
        return SQLITE_OK;
    snprintf(why, why_len, "holds run %s, whose file is %s (a copy?)", id, want);
    return SQLITE_ERROR;
}

/* Stage the attached run file (file name) for the index, all or nothing:
 * the transaction writes only this connection's temp tables. */
static int stage_attached(sqlite3 *db, const char *name, double mtime, int64_t size, char *why,
                          size_t why_len)
{
    char id[33];
    int rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(why, why_len, "%s", sqlite3_errmsg(db));
        return rc;
    }
    rc = attached_run_id(db, id, why, why_len);
    if (rc == SQLITE_OK)
        rc = check_file_name(name, id, why, why_len);
    if (rc == SQLITE_OK && (rc = run_all(db, COPY_RUN_SQL, id, name)) == SQLITE_OK &&
        (rc = stage_file(db, name, mtime, size, id)) == SQLITE_OK)
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        if (why[0] == '\0')
            snprintf(why, why_len, "%s", sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    return rc;
}

/* Read one run file into the index; on failure why says what was wrong. */
static int read_run_file(herd_runs *idx, const char *path, const char *name, double mtime,
                         int64_t size, char *why, size_t why_len)
{
    const char *attach[] = {"ATTACH ?1 AS r", NULL};
    const char *detach[] = {"DETACH r", NULL};
    char *uri = readonly_uri(path);
    int version = 0;
    why[0] = '\0';
    int rc = run_all(idx->db, attach, uri, NULL);
    free(uri);
    if (rc != SQLITE_OK) {
        snprintf(why, why_len, "%s", sqlite3_errmsg(idx->db));
        return rc;
    }
    rc = query_int(idx->db, "PRAGMA r.user_version", &version);
    if (rc != SQLITE_OK)
        snprintf(why, why_len, "%s", sqlite3_errmsg(idx->db));
    else if (version < 1 || version > RUN_SCHEMA_MAX) {
        rc = SQLITE_ERROR;
        snprintf(why, why_len, "not a herd run file (schema version %d)", version);
    }
    if (rc == SQLITE_OK)
        rc = stage_attached(idx->db, name, mtime, size, why, why_len);
    run_all(idx->db, detach, NULL, NULL);
    return rc;
}

/* 1 when the index already holds name at this mtime and size. */
static int file_unchanged(herd_runs *idx, const char *name, double mtime, int64_t size)
{
    sqlite3_stmt *st = NULL;
    int same = 0;
    if (prepare_ab(idx->db, "SELECT mtime, size FROM files WHERE file = ?1", name, NULL, &st) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        same = sqlite3_column_double(st, 0) == mtime && sqlite3_column_int64(st, 1) == size;
    sqlite3_finalize(st);
    return same;
}

static int transient(int rc)
{
    return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

/* A run killed mid-write leaves a hot journal, which a read-only reader
 * cannot roll back (SQLITE_READONLY). Once the file and its journal have
 * been silent for the DEAD time, the writer is gone, so opening the file
 * read-write once lets SQLite roll the journal back. Returns 1 if done. */
static int recover_dead_file(const char *path, double mtime)
{
    size_t n = strlen(path) + 16;
    char *journal = herd_malloc(n);
    snprintf(journal, n, "%s-journal", path);
    struct stat st;
    double last = mtime;
    if (stat(journal, &st) == 0)
        last = fmax(last, (double)st.st_mtim.tv_sec + 1e-9 * (double)st.st_mtim.tv_nsec);
    free(journal);
    if (herd_wall_time() - last <= herd_runs_dead_after())
        return 0;
    sqlite3 *db = NULL;
    int ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
             sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) ==
                 SQLITE_OK;
    sqlite3_close(db);
    return ok;
}

static void sync_file(herd_runs *idx, const char *name, herd_runs_sync_stats *stats)
{
    char *path = join_path(idx->folder, name);
    struct stat st;
    char why[512];
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        goto done;  /* vanished or not a file: nothing to read */
    stats->n_files++;
    double mtime = (double)st.st_mtim.tv_sec + 1e-9 * (double)st.st_mtim.tv_nsec;
    if (file_unchanged(idx, name, mtime, (int64_t)st.st_size))
        goto done;
    int rc = read_run_file(idx, path, name, mtime, (int64_t)st.st_size, why, sizeof why);
    /* A live run's file can be caught mid-write (busy): retry briefly. */
    for (int tries = 0; tries < 20 && transient(rc); tries++) {
        usleep(25000);
        rc = read_run_file(idx, path, name, mtime, (int64_t)st.st_size, why, sizeof why);
    }
    if ((rc & 0xff) == SQLITE_READONLY && recover_dead_file(path, mtime))
        rc = read_run_file(idx, path, name, mtime, (int64_t)st.st_size, why, sizeof why);
    if (rc == SQLITE_OK) {
        stats->n_read++;
    } else if ((rc & 0xff) == SQLITE_READONLY) {
        herd_warn("%s: has an unfinished write (its run was killed mid-write, or is writing);"
                  " showing what the index had; it is read again once silent for %.0f s",
                  path, herd_runs_dead_after());
        stats->n_skipped++;
    } else {
        herd_warn("%s: %s; skipped", path, why);
        stats->n_skipped++;
    }
done:
    free(path);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* Drop the runs whose files are no longer in the folder. */
static int drop_missing(herd_runs *idx, herd_runs_sync_stats *stats)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(idx->db, "SELECT file, run_id FROM files", -1, &st, NULL);
    while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        char *path = join_path(idx->folder, (const char *)sqlite3_column_text(st, 0));
        struct stat sb;
        if (stat(path, &sb) != 0 && errno == ENOENT) {
            rc = run_all(idx->db, DELETE_RUN_SQL, (const char *)sqlite3_column_text(st, 1), NULL);
            stats->n_removed++;
        }
        free(path);
    }
    sqlite3_finalize(st);
    return rc;
}

/* The marker file that says run id is deleted; caller frees. */
static char *deleted_marker(const herd_runs *idx, const char *id)
{
    char name[48];
    snprintf(name, sizeof name, "%s.deleted", id);
    return join_path(idx->folder, name);
}

/* Rebuild deleted_runs from the <run id>.deleted markers in the folder. */
static int reload_deleted(herd_runs *idx)
{
    const char *clear[] = {"DELETE FROM deleted_runs", NULL};
    const char *add[] = {"INSERT OR REPLACE INTO deleted_runs (run_id, time)"
                         " VALUES (?1, CAST(?2 AS REAL))", NULL};
    int rc = run_all(idx->db, clear, NULL, NULL);
    DIR *dir = rc == SQLITE_OK ? opendir(idx->folder) : NULL;
    struct dirent *e;
    while (dir != NULL && rc == SQLITE_OK && (e = readdir(dir)) != NULL) {
        if (!ends_with(e->d_name, ".deleted") || strlen(e->d_name) != 40)
            continue;
        char id[33], when[32];
        struct stat st;
        char *path = join_path(idx->folder, e->d_name);
        snprintf(id, sizeof id, "%.32s", e->d_name);
        snprintf(when, sizeof when, "%lld", stat(path, &st) == 0 ? (long long)st.st_mtime : 0LL);
        rc = run_all(idx->db, add, id, when);
        free(path);
    }
    if (dir != NULL)
        closedir(dir);
    return rc;
}

/* Replace what the index holds for each staged file by its staged run.
 * Inside the caller's transaction. */
static int apply_staged(herd_runs *idx)
{
    int rc = sqlite3_exec(idx->db, APPLY_STAGE_SQL, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(idx->db, STAGE_CLEAR_SQL, NULL, NULL, NULL);
    return rc;
}

int herd_runs_sync(herd_runs *idx, herd_runs_sync_stats *stats, herd_error *err)
{
    herd_runs_sync_stats local = {0};
    DIR *dir = opendir(idx->folder);
    if (dir == NULL)
        return herd_error_set(err, HERD_ERR_IO, "%s: %s", idx->folder, strerror(errno));
    struct dirent *e;
    int rc = HERD_OK;
    if (sqlite3_exec(idx->db, STAGE_CLEAR_SQL, NULL, NULL, NULL) != SQLITE_OK)
        rc = herd_error_set(err, HERD_ERR_IO, "%s: %s", idx->db_path, sqlite3_errmsg(idx->db));
    while (rc == HERD_OK && (e = readdir(dir)) != NULL)
        if (ends_with(e->d_name, ".sqlite"))
            sync_file(idx, e->d_name, &local);
    closedir(dir);
    if (rc == HERD_OK &&
        (sqlite3_exec(idx->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
         (local.n_read > 0 && apply_staged(idx) != SQLITE_OK) ||
         drop_missing(idx, &local) != SQLITE_OK ||
         reload_deleted(idx) != SQLITE_OK ||
         sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)) {
        rc = herd_error_set(err, HERD_ERR_IO, "%s: %s", idx->db_path, sqlite3_errmsg(idx->db));
        sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
    }
    if (stats != NULL)
        *stats = local;
    return rc;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return herd_strdup(s != NULL ? s : "");
}

static void read_metric_row(sqlite3_stmt *st, herd_run_metric *m)
{
    m->key = col_dup(st, 0);
    m->step = sqlite3_column_int64(st, 1);
    m->time = sqlite3_column_double(st, 2);
    m->value = sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 3);
}

/* All rows of a prepared (key, step, time, value) query. */
static int read_metrics(sqlite3 *db, sqlite3_stmt *st, herd_run_metric **out, int *n)
{
    int cap = 0, rc;
    *out = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap == 0 ? 16 : 2 * cap;
            *out = herd_realloc(*out, (size_t)cap * sizeof **out);
        }
        read_metric_row(st, &(*out)[(*n)++]);
    }
    return rc == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
}

void herd_runs_metrics_free(herd_run_metric *metrics, int n)
{
    for (int i = 0; i < n; i++)
        free(metrics[i].key);
    free(metrics);
}

static const char *LIST_SQL =
    "SELECT id, experiment, name, parent_id, status, start_time, end_time, heartbeat,"
    " world_size, hosts, git_commit, git_dirty, file,"
    " id IN (SELECT run_id FROM deleted_runs) AS deleted FROM runs"
    " WHERE (?1 IS NULL OR experiment = ?1)"
    " AND (CAST(?2 AS INTEGER) = 2 OR deleted = CAST(?2 AS INTEGER))"
    " ORDER BY start_time DESC, id";

static void read_summary(sqlite3_stmt *st, double now, herd_run_summary *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", (const char *)sqlite3_column_text(st, 0));
    r->experiment = col_dup(st, 1);
    r->name = col_dup(st, 2);
    r->parent_id = col_dup(st, 3);
    r->stored_status = col_dup(st, 4);
    r->start_time = sqlite3_column_double(st, 5);
    r->end_time = sqlite3_column_double(st, 6);
    r->heartbeat = sqlite3_column_double(st, 7);
    r->world_size = sqlite3_column_int(st, 8);
    r->hosts = col_dup(st, 9);
    r->git_commit = col_dup(st, 10);
    r->git_dirty = sqlite3_column_int(st, 11);
    r->file = col_dup(st, 12);
    r->deleted = sqlite3_column_int(st, 13);
    r->status = herd_strdup(herd_runs_shown_status(r->stored_status, r->heartbeat, now));
}

static void summary_free(herd_run_summary *r)
{
    free(r->experiment);
    free(r->name);
    free(r->parent_id);
    free(r->status);
    free(r->stored_status);
    free(r->hosts);
    free(r->git_commit);
    free(r->file);
    herd_runs_metrics_free(r->metrics, r->n_metrics);
}

void herd_runs_list_free(herd_run_summary *runs, int n)
{
    for (int i = 0; runs != NULL && i < n; i++)
        summary_free(&runs[i]);
    free(runs);
}

static int summary_metrics(sqlite3 *db, herd_run_summary *r)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare_ab(db, "SELECT key, step, time, value FROM latest_metrics"
                        " WHERE run_id = ?1 ORDER BY key", r->id, NULL, &st);
    if (rc == SQLITE_OK)
        rc = read_metrics(db, st, &r->metrics, &r->n_metrics);
    sqlite3_finalize(st);
    return rc;
}

int herd_runs_list(herd_runs *idx, const herd_runs_filter *filter, herd_run_summary **out,
                   int *n, herd_error *err)
{
    herd_runs_filter none = {0};
    const herd_runs_filter *f = filter != NULL ? filter : &none;
    double now = f->now > 0 ? f->now : herd_wall_time();
    sqlite3_stmt *st = NULL;
    int cap = 0, rc;
    *out = NULL;
    *n = 0;
    char which[2] = {(char)('0' + (f->deleted >= 0 && f->deleted <= 2 ? f->deleted : 0)), '\0'};
    rc = prepare_ab(idx->db, LIST_SQL, f->experiment, which, &st);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        if (*n == cap) {
            cap = cap == 0 ? 16 : 2 * cap;
            *out = herd_realloc(*out, (size_t)cap * sizeof **out);
        }
        herd_run_summary *r = &(*out)[*n];
        read_summary(st, now, r);
        if (f->status != NULL && strcmp(f->status, r->status) != 0) {
            summary_free(r);
            continue;
        }
        (*n)++;
        rc = summary_metrics(idx->db, r);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE || rc == SQLITE_OK)
        return HERD_OK;
    herd_runs_list_free(*out, *n);
    *out = NULL;
    *n = 0;
    return herd_error_set(err, HERD_ERR_IO, "%s: %s", idx->db_path, sqlite3_errmsg(idx->db));
}

static int is_hex_prefix(const char *s)
{
    for (; *s != '\0'; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

int herd_runs_find(herd_runs *idx, const char *prefix, char id[33], herd_error *err)
{
    size_t len = strlen(prefix);
    if (len < MIN_PREFIX)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "run id prefix '%s' is too short: give at least %d characters",
                              prefix, MIN_PREFIX);
    if (len > 32 || !is_hex_prefix(prefix))
        return herd_error_set(err, HERD_ERR_USAGE, "no run '%s'", prefix);
    sqlite3_stmt *st = NULL;
    int count = 0;
    int rc = prepare_ab(idx->db, "SELECT count(*), min(id) FROM runs"
                        " WHERE substr(id, 1, length(?1)) = ?1", prefix, NULL, &st);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        count = sqlite3_column_int(st, 0);
        if (count == 1)
            snprintf(id, 33, "%s", (const char *)sqlite3_column_text(st, 1));
    } else {
        rc = herd_error_set(err, HERD_ERR_IO, "%s: %s", idx->db_path, sqlite3_errmsg(idx->db));
    }
    sqlite3_finalize(st);
    if (rc != HERD_OK)
        return rc;
    if (count == 0)
        return herd_error_set(err, HERD_ERR_USAGE, "no run '%s'", prefix);
    if (count > 1)
        return herd_error_set(err, HERD_ERR_USAGE, "run prefix '%s' is ambiguous (%d runs)",
                              prefix, count);
    return HERD_OK;
}

/* Column i of the current row as a JSON value (number, string or null). */
static cJSON *column_json(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
        return cJSON_CreateNumber(sqlite3_column_double(st, i));
    case SQLITE_NULL:
        return cJSON_CreateNull();
    default:
        return cJSON_CreateString((const char *)sqlite3_column_text(st, i));
    }
}

/* Every column of the current row, named as in the query. */
static cJSON *row_object(sqlite3_stmt *st)
{
    cJSON *obj = cJSON_CreateObject();
    for (int i = 0; i < sqlite3_column_count(st); i++)
        cJSON_AddItemToObject(obj, sqlite3_column_name(st, i), column_json(st, i));
    return obj;
}

/* A query of (key, value) rows for run id as one object {key: value}, or
 * with as_rows, an array of row objects. */
static int query_json(sqlite3 *db, const char *sql, const char *id, int as_rows, cJSON **out)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare_ab(db, sql, id, NULL, &st);
    *out = as_rows ? cJSON_CreateArray() : cJSON_CreateObject();
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        if (as_rows)
            cJSON_AddItemToArray(*out, row_object(st));
        else
            cJSON_AddItemToObject(*out, (const char *)sqlite3_column_text(st, 0),
                                  column_json(st, 1));
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The run's own columns, with status as shown; *obj NULL when no such run. */
static int run_object(herd_runs *idx, const char *id, double now, cJSON **obj)
{
    sqlite3_stmt *st = NULL;
    *obj = NULL;
    int rc = prepare_ab(idx->db, "SELECT id, experiment, name, parent_id, status, start_time,"
                        " end_time, heartbeat, command, world_size, hosts, config, config_sha256,"
                        " data_sha256, git_commit, git_dirty, versions, file"
                        " FROM runs WHERE id = ?1", id, NULL, &st);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        *obj = row_object(st);
        const char *shown = herd_runs_shown_status((const char *)sqlite3_column_text(st, 4),
                                                   sqlite3_column_double(st, 7), now);
        cJSON_ReplaceItemInObject(*obj, "status", cJSON_CreateString(shown));
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static char *run_file_path(herd_runs *idx, const char *id);

/* Add the run file's structured record and latest samples (record.h); the
 * index alone still answers when the file cannot be read, with a warning. */
static void merge_run_file_record(herd_runs *idx, const char *id, cJSON *obj)
{
    char *path = run_file_path(idx, id);
    herd_error err = {0};
    if (path != NULL && herd_track_record_merge(path, obj, &err) != HERD_OK)
        herd_warn("%s", err.msg);
    free(path);
}

static int run_is_deleted(herd_runs *idx, const char *id)
{
    sqlite3_stmt *st = NULL;
    int deleted = 0;
    if (prepare_ab(idx->db, "SELECT 1 FROM deleted_runs WHERE run_id = ?1", id, NULL, &st) ==
        SQLITE_OK)
        deleted = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return deleted;
}

/* The run as the index holds it: columns, params, metrics, tags, artifacts. */
static int index_json(herd_runs *idx, const char *id, double now, cJSON **out, herd_error *err)
{
    static const struct { const char *name, *sql; int as_rows; } parts[] = {
        {"params", "SELECT key, value FROM params WHERE run_id = ?1 ORDER BY key", 0},
        {"metrics", "SELECT key, value FROM latest_metrics WHERE run_id = ?1 ORDER BY key", 0},
        {"tags", "SELECT key, value FROM tags WHERE run_id = ?1 ORDER BY key", 0},
        {"artifacts", "SELECT path, kind, bytes, sha256, time FROM artifacts"
                      " WHERE run_id = ?1 ORDER BY rowid", 1},
    };
    cJSON *obj = NULL;
    *out = NULL;
    int rc = run_object(idx, id, now > 0 ? now : herd_wall_time(), &obj);
    if (rc == SQLITE_OK && obj == NULL)
        return herd_error_set(err, HERD_ERR_USAGE, "no run '%s'", id);
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof parts / sizeof parts[0]; i++) {
        cJSON *part = NULL;
        rc = query_json(idx->db, parts[i].sql, id, parts[i].as_rows, &part);
        cJSON_AddItemToObject(obj, parts[i].name, part);
    }
    if (rc != SQLITE_OK) {
        cJSON_Delete(obj);
        return herd_error_set(err, HERD_ERR_IO, "%s: %s", idx->db_path, sqlite3_errmsg(idx->db));
    }
    *out = obj;
    return HERD_OK;
}

int herd_runs_get_summary_json(herd_runs *idx, const char *id, double now, cJSON **out,
                               herd_error *err)
{
    int rc = index_json(idx, id, now, out, err);
    if (rc == HERD_OK)
        cJSON_AddBoolToObject(*out, "deleted", run_is_deleted(idx, id));
    return rc;
}

int herd_runs_list_json(herd_runs *idx, const herd_runs_filter *filter, const herd_query *q,
                        cJSON ***out, int *n, herd_error *err)
{
    herd_run_summary *sums = NULL;
    int ns = 0;
    *out = NULL;
    *n = 0;
    /* One read transaction for all the queries: without it each takes and
     * drops the index's lock, which is most of the time with many runs. */
    int in_read = sqlite3_exec(idx->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    int rc = herd_runs_list(idx, filter, &sums, &ns, err);
    if (rc == HERD_OK)
        *out = herd_calloc((size_t)(ns > 0 ? ns : 1), sizeof **out);
    for (int i = 0; i < ns && rc == HERD_OK; i++) {
        cJSON *run = NULL;
        rc = herd_runs_get_summary_json(idx, sums[i].id, filter != NULL ? filter->now : 0, &run,
                                        err);
        if (rc == HERD_OK && herd_query_match(q, run))
            (*out)[(*n)++] = run;
        else
            cJSON_Delete(run);
    }
    if (in_read)
        sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL);
    herd_runs_list_free(sums, ns);
    return rc;
}

void herd_runs_add_record(herd_runs *idx, cJSON *run)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(run, "id");
    cJSON *deleted = cJSON_DetachItemFromObjectCaseSensitive(run, "deleted");
    if (cJSON_IsString(id))
        merge_run_file_record(idx, id->valuestring, run);
    if (deleted != NULL)
        cJSON_AddItemToObject(run, "deleted", deleted);  /* last, as herd_runs_get_json has it */
}

int herd_runs_get_json(herd_runs *idx, const char *id, double now, cJSON **out,
                       herd_error *err)
{
    int rc = herd_runs_get_summary_json(idx, id, now, out, err);
    if (rc == HERD_OK)
        herd_runs_add_record(idx, *out);
    return rc;
}

/* The path of run id's file, from the index; caller frees. */
static char *run_file_path(herd_runs *idx, const char *id)
{
    sqlite3_stmt *st = NULL;
    char *path = NULL;
    if (prepare_ab(idx->db, "SELECT file FROM runs WHERE id = ?1", id, NULL, &st) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        path = join_path(idx->folder, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return path;
}

/* Rows of run id's file for sql (key, step, time, value; ?1 = key). */
static int read_run_metrics(herd_runs *idx, const char *id, const char *sql, const char *key,
                            herd_run_metric **out, int *n, herd_error *err)
{
    *out = NULL;
    *n = 0;
    char *path = run_file_path(idx, id);
    if (path == NULL)
        return herd_error_set(err, HERD_ERR_USAGE, "no run '%s'", id);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        rc = prepare_ab(db, sql, key, NULL, &st);
    }
    if (rc == SQLITE_OK)
        rc = read_metrics(db, st, out, n);
    sqlite3_finalize(st);
    int code = HERD_OK;
    if (rc != SQLITE_OK) {
        code = herd_error_set(err, HERD_ERR_IO, "%s: %s", path,
                              db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        herd_runs_metrics_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    sqlite3_close(db);
    free(path);
    return code;
}

int herd_runs_metric_series(herd_runs *idx, const char *id, const char *key,
                            herd_run_metric **out, int *n, herd_error *err)
{
    return read_run_metrics(idx, id, "SELECT key, step, time, value FROM metrics WHERE key = ?1"
                            " ORDER BY step, rowid", key, out, n, err);
}

int herd_runs_metric_all(herd_runs *idx, const char *id, herd_run_metric **out, int *n,
                         herd_error *err)
{
    return read_run_metrics(idx, id, "SELECT key, step, time, value FROM metrics ORDER BY rowid",
                            NULL, out, n, err);
}

/* Refuse to delete or purge a run that is still alive. */
static int check_not_live(herd_runs *idx, const char *id, const char *what, herd_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = HERD_OK;
    if (prepare_ab(idx->db, "SELECT status, heartbeat FROM runs WHERE id = ?1", id, NULL, &st) !=
        SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        rc = herd_error_set(err, HERD_ERR_USAGE, "no run '%s'", id);
    } else {
        double beat = sqlite3_column_double(st, 1);
        const char *shown = herd_runs_shown_status((const char *)sqlite3_column_text(st, 0), beat,
                                                   herd_wall_time());
        if (strcmp(shown, HERD_RUN_RUNNING) == 0)
            rc = herd_error_set(err, HERD_ERR_USAGE,
                                "run %s is still running (heartbeat %.0f s ago); cannot %s it",
                                id, herd_wall_time() - beat, what);
    }
    sqlite3_finalize(st);
    return rc;
}

static int write_marker(const char *path, herd_error *err)
{
    size_t n = strlen(path) + 8;
    char *tmp = herd_malloc(n);
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = HERD_OK;
    if (f == NULL || fprintf(f, "%.3f\n", herd_wall_time()) < 0 || fclose(f) != 0 ||
        rename(tmp, path) != 0) {
        rc = herd_error_set(err, HERD_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

int herd_runs_set_deleted(herd_runs *idx, const char *id, int deleted, herd_error *err)
{
    int rc = check_not_live(idx, id, deleted ? "delete" : "restore", err);
    if (rc != HERD_OK)
        return rc;
    char *marker = deleted_marker(idx, id);
    if (deleted)
        rc = write_marker(marker, err);
    else if (unlink(marker) != 0 && errno != ENOENT)
        rc = herd_error_set(err, HERD_ERR_IO, "%s: cannot remove: %s", marker, strerror(errno));
    const char *mark[] = {"INSERT OR REPLACE INTO deleted_runs (run_id, time)"
                          " VALUES (?1, CAST(?2 AS REAL))", NULL};
    const char *unmark[] = {"DELETE FROM deleted_runs WHERE run_id = ?1", NULL};
    char when[32];
    snprintf(when, sizeof when, "%.3f", herd_wall_time());
    if (rc == HERD_OK && run_all(idx->db, deleted ? mark : unmark, id, when) != SQLITE_OK)
        rc = herd_error_set(err, HERD_ERR_IO, "%s: %s", idx->db_path, sqlite3_errmsg(idx->db));
    free(marker);
    return rc;
}

/* Remove path; a file that is already gone is fine. */
static int remove_file(const char *path, herd_error *err)
{
    if (unlink(path) != 0 && errno != ENOENT)
        return herd_error_set(err, HERD_ERR_IO, "%s: cannot remove: %s", path, strerror(errno));
    return HERD_OK;
}

int herd_runs_purge(herd_runs *idx, const char *id, herd_error *err)
{
    int rc = check_not_live(idx, id, "purge", err);
    char *file = rc == HERD_OK ? run_file_path(idx, id) : NULL;
    if (rc != HERD_OK || file == NULL)
        return rc != HERD_OK ? rc : herd_error_set(err, HERD_ERR_USAGE, "no run '%s'", id);
    size_t n = strlen(file) + 16;
    char *journal = herd_malloc(n), *marker = deleted_marker(idx, id);
    snprintf(journal, n, "%s-journal", file);
    const char *unmark[] = {"DELETE FROM deleted_runs WHERE run_id = ?1", NULL};
    rc = remove_file(file, err);
    if (rc == HERD_OK)
        rc = remove_file(journal, err);
    if (rc == HERD_OK)
        rc = remove_file(marker, err);
    if (rc == HERD_OK && (sqlite3_exec(idx->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
                          run_all(idx->db, DELETE_RUN_SQL, id, NULL) != SQLITE_OK ||
                          run_all(idx->db, unmark, id, NULL) != SQLITE_OK ||
                          sqlite3_exec(idx->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)) {
        rc = herd_error_set(err, HERD_ERR_IO, "%s: %s", idx->db_path, sqlite3_errmsg(idx->db));
        sqlite3_exec(idx->db, "ROLLBACK", NULL, NULL, NULL);
    }
    free(marker);
    free(journal);
    free(file);
    return rc;
}
