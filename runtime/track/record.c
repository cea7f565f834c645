/* record.c - merges a run file's record and samples tables into its JSON.
 *
 * The file is opened read-only, as metric series are, so a reader never
 * touches a live run's file. Tables missing from older run files read as
 * empty.
 */
#include "track/record.h"

#include <sqlite3.h>

#include <stdio.h>
#include <string.h>

/* The latest evaluation's samples; rows logged twice for one step (after a
 * resume) count once, the last logged. */
static const char *SAMPLES_SQL =
    "SELECT step, row, label, prediction, probabilities FROM samples"
    " WHERE rowid IN (SELECT max(rowid) FROM samples"
    " WHERE step = (SELECT max(step) FROM samples) GROUP BY row) ORDER BY row";

/* *found = 1 when the file has table name; an unreadable file is an error,
 * not a file without the table. */
static int has_table(sqlite3 *db, const char *name, int *found)
{
    sqlite3_stmt *st = NULL;
    *found = 0;
    int rc = sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table'"
                                " AND name = ?1", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        *found = rc == SQLITE_ROW;
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Text column i parsed as JSON; a string when it is not JSON; null if NULL. */
static cJSON *json_column(sqlite3_stmt *st, int i)
{
    const char *text = (const char *)sqlite3_column_text(st, i);
    if (text == NULL)
        return cJSON_CreateNull();
    cJSON *v = cJSON_Parse(text);
    return v != NULL ? v : cJSON_CreateString(text);
}

static void set_member(cJSON *obj, const char *key, cJSON *value)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL)
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, value);
    else
        cJSON_AddItemToObject(obj, key, value);
}

static int merge_record(sqlite3 *db, cJSON *run)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT key, value FROM record ORDER BY key", -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        set_member(run, (const char *)sqlite3_column_text(st, 0), json_column(st, 1));
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static cJSON *sample_object(sqlite3_stmt *st)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddNumberToObject(s, "step", (double)sqlite3_column_int64(st, 0));
    cJSON_AddNumberToObject(s, "row", (double)sqlite3_column_int64(st, 1));
    cJSON_AddNumberToObject(s, "label", sqlite3_column_double(st, 2));
    cJSON_AddNumberToObject(s, "prediction", sqlite3_column_double(st, 3));
    cJSON_AddItemToObject(s, "probabilities", json_column(st, 4));
    return s;
}

static int merge_samples(sqlite3 *db, cJSON *run)
{
    cJSON *samples = cJSON_CreateArray();
    set_member(run, "samples", samples);
    int found = 0;
    int rc = has_table(db, "samples", &found);
    if (rc != SQLITE_OK || !found)
        return rc;
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(db, SAMPLES_SQL, -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        cJSON_AddItemToArray(samples, sample_object(st));
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int herd_track_record_merge(const char *run_file, cJSON *run, herd_error *err)
{
    sqlite3 *db = NULL;
    int found = 0;
    int rc = sqlite3_open_v2(run_file, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        rc = has_table(db, "record", &found);
    }
    if (rc == SQLITE_OK && found)
        rc = merge_record(db, run);
    if (rc == SQLITE_OK)
        rc = merge_samples(db, run);
    int code = HERD_OK;
    if (rc != SQLITE_OK)
        code = herd_error_set(err, HERD_ERR_IO, "%s: %s", run_file,
                              db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    if (cJSON_GetObjectItemCaseSensitive(run, "samples") == NULL)
        cJSON_AddItemToObject(run, "samples", cJSON_CreateArray());  /* same shape on error */
    sqlite3_close(db);
    return code;
}
