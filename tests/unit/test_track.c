/* test_track.c - the experiment log: run files written by runlog, read back
 * through the index (sync, list, show JSON, metric series), resume, errors,
 * corrupt files and rebuilding the index, artifact rows of replaced files. */
#include "tests/testing.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "core/status.h"
#include "core/timer.h"
#include "track/index.h"
#include "track/runlog.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = herd_malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int is_run_id(const char *s)
{
    if (strlen(s) != 32)
        return 0;
    for (const char *c = s; *c != '\0'; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return 0;
    return 1;
}

static herd_runs *open_synced(const char *db, herd_runs_sync_stats *stats)
{
    herd_error err = {0};
    herd_runs *idx = NULL;
    CHECK(herd_runs_open(db, &idx, &err) == HERD_OK);
    if (idx != NULL)
        CHECK(herd_runs_sync(idx, stats, &err) == HERD_OK);
    return idx;
}

static double latest(const herd_run_summary *r, const char *key)
{
    for (int i = 0; i < r->n_metrics; i++)
        if (strcmp(r->metrics[i].key, key) == 0)
            return r->metrics[i].value;
    return -1;
}

static int count_series(herd_runs *idx, const char *id, const char *key)
{
    herd_error err = {0};
    herd_run_metric *m = NULL;
    int n = -1;
    CHECK(herd_runs_metric_series(idx, id, key, &m, &n, &err) == HERD_OK);
    herd_runs_metrics_free(m, n);
    return n;
}

/* Run A: params, 1500 + 1000 metrics, tags, an artifact; returns its id. */
static void first_run(const char *db, const char *dir, char id[33])
{
    herd_error err = {0};
    herd_runlog *rl = NULL;
    herd_run_info info = {.experiment = "mnist", .command = "herd train a.yaml",
                          .world_size = 2, .hosts = "n1:2", .config_text = "lr: 0.1\n",
                          .git_commit = "abc123", .git_dirty = 1};
    CHECK(herd_runlog_begin(db, &info, &rl, &err) == HERD_OK);
    if (rl == NULL)
        return;
    snprintf(id, 33, "%s", herd_runlog_id(rl));
    CHECK(is_run_id(id));
    char name[64];
    snprintf(name, sizeof name, "mnist-%.8s", id);
    CHECK(strcmp(herd_runlog_name(rl), name) == 0);
    CHECK(file_exists(herd_runlog_file(rl)));
    CHECK(herd_runlog_log_param(rl, "lr", "0.1", &err) == HERD_OK);
    CHECK(herd_runlog_log_param(rl, "batch", "64", &err) == HERD_OK);
    CHECK(herd_runlog_set_tag(rl, "purpose", "test", &err) == HERD_OK);
    for (int s = 0; s < 1500; s++)
        CHECK(herd_runlog_log_metric(rl, "train/loss", s, 0.5 * s, &err) == HERD_OK);

    /* 1000 rows went out in one batch; 500 still wait in memory. */
    herd_runs *idx = open_synced(db, NULL);
    CHECK(count_series(idx, id, "train/loss") == 1000);
    herd_runs_close(idx);

    for (int s = 1500; s < 2500; s++)
        CHECK(herd_runlog_log_metric(rl, "train/loss", s, 0.5 * s, &err) == HERD_OK);
    for (int s = 0; s < 5; s++)
        CHECK(herd_runlog_log_metric(rl, "val/accuracy", s, 0.5 + 0.1 * s, &err) == HERD_OK);
    char *art = path_in(dir, "model.txt");
    write_file(art, "weights: 1 2 3\n");
    CHECK(herd_runlog_log_artifact(rl, art, "model", &err) == HERD_OK);
    CHECK(herd_runlog_log_artifact(rl, "/nonexistent/file", "model", &err) == HERD_ERR_IO);
    herd_error_clear(&err);
    free(art);
    CHECK(herd_runlog_end(rl, HERD_RUN_FINISHED, &err) == HERD_OK);
}

static void check_show_json(herd_runs *idx, const char *id)
{
    static const char *keys[] = {"id", "experiment", "name", "parent_id", "status", "start_time",
                                 "end_time", "heartbeat", "command", "world_size", "hosts",
                                 "config", "config_sha256", "data_sha256", "git_commit",
                                 "git_dirty", "versions", "params", "metrics", "tags",
                                 "artifacts"};
    herd_error err = {0};
    cJSON *run = NULL;
    CHECK(herd_runs_get_json(idx, id, 0, &run, &err) == HERD_OK);
    if (run == NULL)
        return;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        CHECK(cJSON_HasObjectItem(run, keys[i]));
    CHECK(strcmp(cJSON_GetObjectItem(run, "id")->valuestring, id) == 0);
    CHECK(strcmp(cJSON_GetObjectItem(run, "status")->valuestring, "FINISHED") == 0);
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(run, "start_time")));
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(run, "end_time")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(run, "parent_id")));
    CHECK(cJSON_GetObjectItem(run, "world_size")->valuedouble == 2);
    CHECK(cJSON_GetObjectItem(run, "git_dirty")->valuedouble == 1);
    cJSON *metrics = cJSON_GetObjectItem(run, "metrics");
    CHECK_NEAR(cJSON_GetObjectItem(metrics, "val/accuracy")->valuedouble, 0.9, 1e-12);
    CHECK_NEAR(cJSON_GetObjectItem(metrics, "train/loss")->valuedouble, 0.5 * 2499, 1e-12);
    cJSON *params = cJSON_GetObjectItem(run, "params");
    CHECK(strcmp(cJSON_GetObjectItem(params, "lr")->valuestring, "0.1") == 0);
    CHECK(strcmp(cJSON_GetObjectItem(cJSON_GetObjectItem(run, "tags"), "purpose")->valuestring,
                 "test") == 0);
    cJSON *arts = cJSON_GetObjectItem(run, "artifacts");
    CHECK(cJSON_GetArraySize(arts) == 1);
    char hex[65];
    herd_sha256_hex("weights: 1 2 3\n", 15, hex);
    cJSON *a = cJSON_GetArrayItem(arts, 0);
    CHECK(a != NULL && cJSON_GetObjectItem(a, "bytes")->valuedouble == 15);
    CHECK(a != NULL && strcmp(cJSON_GetObjectItem(a, "sha256")->valuestring, hex) == 0);
    CHECK(a != NULL && strcmp(cJSON_GetObjectItem(a, "kind")->valuestring, "model") == 0);
    cJSON_Delete(run);
}

static void check_first_run(const char *db, const char *id)
{
    herd_error err = {0};
    herd_runs_sync_stats stats = {0};
    herd_runs *idx = open_synced(db, &stats);
    CHECK(stats.n_files == 1 && stats.n_skipped == 0);
    herd_run_summary *runs = NULL;
    int n = 0;
    CHECK(herd_runs_list(idx, NULL, &runs, &n, &err) == HERD_OK);
    CHECK(n == 1);
    if (n == 1) {
        CHECK(strcmp(runs[0].id, id) == 0);
        CHECK(strcmp(runs[0].status, "FINISHED") == 0);
        CHECK(strcmp(runs[0].experiment, "mnist") == 0);
        CHECK(runs[0].end_time >= runs[0].start_time && runs[0].start_time > 0);
        CHECK_NEAR(latest(&runs[0], "val/accuracy"), 0.9, 1e-12);
    }
    herd_runs_list_free(runs, n);
    CHECK(count_series(idx, id, "train/loss") == 2500);
    char found[33] = "";
    char prefix[7];
    snprintf(prefix, sizeof prefix, "%.6s", id);
    CHECK(herd_runs_find(idx, prefix, found, &err) == HERD_OK && strcmp(found, id) == 0);
    snprintf(prefix, sizeof prefix, "%.3s", id);   /* names the run, but too short */
    CHECK(herd_runs_find(idx, prefix, found, &err) == HERD_ERR_USAGE);
    CHECK(strstr(err.msg, "prefix") != NULL && strstr(err.msg, "too short") != NULL &&
          strstr(err.msg, "at least 4 characters") != NULL);
    herd_error_clear(&err);
    char other[5] = "0000";
    other[0] = id[0] == '0' ? '1' : '0';   /* the one run starts otherwise */
    CHECK(herd_runs_find(idx, other, found, &err) == HERD_ERR_USAGE);
    CHECK(strstr(err.msg, "no run '") != NULL);
    herd_error_clear(&err);
    check_show_json(idx, id);
    herd_runs_close(idx);
}

/* Run B stays RUNNING; judged DEAD once its heartbeat is 10 minutes old. */
static void second_run(const char *db, const char *id_a)
{
    herd_error err = {0};
    herd_runlog *rl = NULL;
    herd_run_info info = {.experiment = "fashion", .name = "fa-1", .parent_id = id_a};
    CHECK(herd_runlog_begin(db, &info, &rl, &err) == HERD_OK);
    CHECK(herd_runlog_log_metric(rl, "val/mse", 1, 0.25, &err) == HERD_OK);
    CHECK(herd_runlog_flush(rl, &err) == HERD_OK);

    herd_runs_sync_stats stats = {0};
    herd_runs *idx = open_synced(db, &stats);
    CHECK(stats.n_files == 2 && stats.n_read == 1);  /* A is unchanged: not re-read */
    herd_run_summary *runs = NULL;
    int n = 0;
    herd_runs_filter f = {.experiment = "fashion"};
    CHECK(herd_runs_list(idx, &f, &runs, &n, &err) == HERD_OK && n == 1);
    if (n == 1) {
        CHECK(strcmp(runs[0].name, "fa-1") == 0 && strcmp(runs[0].status, "RUNNING") == 0);
        CHECK(strcmp(runs[0].parent_id, id_a) == 0);
        CHECK_NEAR(latest(&runs[0], "val/mse"), 0.25, 1e-12);
    }
    herd_runs_list_free(runs, n);
    herd_runs_filter later = {.now = herd_wall_time() + 600, .status = "DEAD"};
    CHECK(herd_runs_list(idx, &later, &runs, &n, &err) == HERD_OK && n == 1);
    if (n == 1)
        CHECK(strcmp(runs[0].status, "DEAD") == 0 && strcmp(runs[0].stored_status, "RUNNING") == 0);
    herd_runs_list_free(runs, n);
    CHECK(herd_runs_list(idx, NULL, &runs, &n, &err) == HERD_OK && n == 2);
    if (n == 2)  /* newest first */
        CHECK(strcmp(runs[0].experiment, "fashion") == 0 && strcmp(runs[1].id, id_a) == 0);
    herd_runs_list_free(runs, n);
    herd_runs_close(idx);
    CHECK(herd_runlog_end(rl, HERD_RUN_KILLED, &err) == HERD_OK);
}

static void resume_run(const char *db, const char *id)
{
    herd_error err = {0};
    herd_runs *idx = open_synced(db, NULL);
    cJSON *before = NULL;
    CHECK(herd_runs_get_json(idx, id, 0, &before, &err) == HERD_OK);
    double start = cJSON_GetObjectItem(before, "start_time")->valuedouble;
    cJSON_Delete(before);
    herd_runs_close(idx);

    herd_runlog *rl = NULL;
    herd_run_info info = {.experiment = "mnist", .run_id = id};
    CHECK(herd_runlog_begin(db, &info, &rl, &err) == HERD_OK);
    if (rl == NULL)
        return;
    CHECK(strncmp(herd_runlog_name(rl), "mnist-", 6) == 0);
    idx = open_synced(db, NULL);
    cJSON *during = NULL;
    CHECK(herd_runs_get_json(idx, id, 0, &during, &err) == HERD_OK);
    CHECK(strcmp(cJSON_GetObjectItem(during, "status")->valuestring, "RUNNING") == 0);
    CHECK(cJSON_GetObjectItem(during, "start_time")->valuedouble == start);
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(during, "end_time")));
    cJSON_Delete(during);
    herd_runs_close(idx);
    CHECK(herd_runlog_log_metric(rl, "val/accuracy", 5, 0.95, &err) == HERD_OK);
    CHECK(herd_runlog_end(rl, HERD_RUN_FINISHED, &err) == HERD_OK);

    idx = open_synced(db, NULL);
    CHECK(count_series(idx, id, "val/accuracy") == 6);
    CHECK(count_series(idx, id, "train/loss") == 2500);
    herd_runs_close(idx);

    /* Resuming an id with no file yet creates it under that id. */
    const char *fresh = "0123456789abcdef0123456789abcdef";
    herd_run_info again = {.experiment = "mnist", .run_id = fresh};
    CHECK(herd_runlog_begin(db, &again, &rl, &err) == HERD_OK);
    CHECK(rl != NULL && strcmp(herd_runlog_id(rl), fresh) == 0);
    CHECK(herd_runlog_end(rl, HERD_RUN_FAILED, &err) == HERD_OK);
    herd_run_info bad = {.experiment = "mnist", .run_id = "../etc"};
    CHECK(herd_runlog_begin(db, &bad, &rl, &err) == HERD_ERR_USAGE && rl == NULL);
}

static void errors(const char *dir)
{
    herd_error err = {0};
    herd_runlog *rl = NULL;
    char *plain = path_in(dir, "plain.txt");
    write_file(plain, "not a folder\n");
    char *db = path_in(plain, "herd.db");
    herd_run_info info = {.experiment = "x"};
    CHECK(herd_runlog_begin(db, &info, &rl, &err) == HERD_ERR_IO);
    CHECK(rl == NULL && strstr(err.msg, plain) != NULL);
    herd_error_clear(&err);
    herd_runs *idx = NULL;
    char *missing = path_in(dir, "nowhere/herd.db");
    CHECK(herd_runs_open(missing, &idx, &err) == HERD_ERR_IO && idx == NULL);
    CHECK(herd_runlog_end(NULL, HERD_RUN_FINISHED, &err) == HERD_OK);
    free(missing);
    free(db);
    free(plain);
}

/* A garbage file is skipped with a warning; a deleted index is rebuilt. */
static void corrupt_and_rebuild(const char *db)
{
    herd_error err = {0};
    char *folder = herd_runlog_folder(db);
    char *bad = path_in(folder, "bad.sqlite");
    write_file(bad, "this is not an SQLite database, just some text that is long enough\n");
    herd_runs_sync_stats stats = {0};
    herd_runs *idx = open_synced(db, &stats);
    CHECK(stats.n_files == 4 && stats.n_skipped == 1);
    herd_run_summary *runs = NULL;
    int n = 0;
    CHECK(herd_runs_list(idx, NULL, &runs, &n, &err) == HERD_OK && n == 3);
    herd_runs_list_free(runs, n);
    herd_runs_close(idx);

    CHECK(unlink(db) == 0);
    idx = open_synced(db, &stats);
    CHECK(stats.n_read == 3 && stats.n_skipped == 1);
    CHECK(herd_runs_list(idx, NULL, &runs, &n, &err) == HERD_OK && n == 3);
    herd_runs_list_free(runs, n);
    herd_runs_close(idx);

    /* A corrupt index is rebuilt too; a removed run file drops its run. */
    write_file(db, "garbage index garbage index garbage index garbage index\n");
    char *fresh = path_in(folder, "0123456789abcdef0123456789abcdef.sqlite");
    CHECK(unlink(fresh) == 0);
    idx = open_synced(db, &stats);
    CHECK(herd_runs_list(idx, NULL, &runs, &n, &err) == HERD_OK && n == 2);
    herd_runs_list_free(runs, n);
    herd_runs_close(idx);
    free(fresh);
    free(bad);
    free(folder);
}

/* The latest value of a metric is its row of the highest step, the last
 * logged of that step; a NaN there reads as null. A run's JSON from the
 * index alone, completed from its file, is the full JSON, member for
 * member. */
static void latest_and_summary(const char *dir)
{
    herd_error err = {0};
    herd_runlog *rl = NULL;
    char *db = path_in(dir, "latest/herd.db");
    char id[33] = "";
    herd_run_info info = {.experiment = "latest"};
    CHECK(herd_runlog_begin(db, &info, &rl, &err) == HERD_OK);
    if (rl != NULL) {
        snprintf(id, sizeof id, "%s", herd_runlog_id(rl));
        CHECK(herd_runlog_log_metric(rl, "b/x", 5, 1.0, &err) == HERD_OK);
        CHECK(herd_runlog_log_metric(rl, "b/x", 3, 2.0, &err) == HERD_OK);  /* lower step, later */
        CHECK(herd_runlog_log_metric(rl, "b/x", 5, 3.0, &err) == HERD_OK);  /* same step, later */
        CHECK(herd_runlog_log_metric(rl, "a", 1, 4.0, &err) == HERD_OK);
        CHECK(herd_runlog_log_metric(rl, "c", 1, 5.0, &err) == HERD_OK);
        CHECK(herd_runlog_log_metric(rl, "c", 2, NAN, &err) == HERD_OK);
        CHECK(herd_runlog_set_record(rl, "cpu_model", "\"test cpu\"", &err) == HERD_OK);
        CHECK(herd_runlog_end(rl, HERD_RUN_FINISHED, &err) == HERD_OK);
    }
    herd_runs *idx = open_synced(db, NULL);
    cJSON *full = NULL, *summary = NULL;
    CHECK(idx != NULL && herd_runs_get_json(idx, id, 0, &full, &err) == HERD_OK);
    CHECK(idx != NULL && herd_runs_get_summary_json(idx, id, 0, &summary, &err) == HERD_OK);
    if (full != NULL && summary != NULL) {
        cJSON *m = cJSON_GetObjectItem(full, "metrics");
        CHECK(cJSON_GetArraySize(m) == 3);
        CHECK_NEAR(cJSON_GetObjectItem(m, "b/x")->valuedouble, 3.0, 0);
        CHECK_NEAR(cJSON_GetObjectItem(m, "a")->valuedouble, 4.0, 0);
        CHECK(cJSON_IsNull(cJSON_GetObjectItem(m, "c")));
        CHECK(cJSON_GetObjectItem(summary, "cpu_model") == NULL);
        CHECK(cJSON_GetObjectItem(summary, "samples") == NULL);
        herd_runs_add_record(idx, summary);
        char *a = cJSON_PrintUnformatted(full), *b = cJSON_PrintUnformatted(summary);
        CHECK(strcmp(a, b) == 0);
        CHECK(strstr(b, "\"test cpu\"") != NULL);
        free(a);
        free(b);
    }
    cJSON_Delete(full);
    cJSON_Delete(summary);
    herd_runs_close(idx);
    free(db);
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[4096];
    size_t n;
    while (in != NULL && out != NULL && (n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    if (in != NULL)
        fclose(in);
    if (out != NULL)
        fclose(out);
}

/* A copy of a run file under another name is skipped with a warning: the
 * index keeps the run as its own file has it, whichever is read last. */
static void misnamed_copy(const char *dir)
{
    herd_error err = {0};
    herd_runlog *rl = NULL;
    char *db = path_in(dir, "copies/herd.db");
    herd_run_info info = {.experiment = "copies"};
    CHECK(herd_runlog_begin(db, &info, &rl, &err) == HERD_OK);
    if (rl == NULL) {
        free(db);
        return;
    }
    char *folder = herd_runlog_folder(db), *copy = path_in(folder, "aaaa-copy.sqlite");
    char id[33], file[48];
    snprintf(id, sizeof id, "%s", herd_runlog_id(rl));
    snprintf(file, sizeof file, "%s.sqlite", id);
    CHECK(herd_runlog_end(rl, HERD_RUN_KILLED, &err) == HERD_OK);  /* the copy: KILLED */
    char *original = path_in(folder, file);
    copy_file(original, copy);
    free(original);
    herd_runlog *again = NULL;
    herd_run_info resume = {.experiment = "copies", .run_id = id};
    CHECK(herd_runlog_begin(db, &resume, &again, &err) == HERD_OK);
    CHECK(herd_runlog_end(again, HERD_RUN_FINISHED, &err) == HERD_OK);
    for (int sync = 0; sync < 2; sync++) {
        herd_runs_sync_stats stats = {0};
        herd_runs *idx = open_synced(db, &stats);
        CHECK(stats.n_files == 2 && stats.n_skipped == 1);
        cJSON *run = NULL;
        CHECK(idx != NULL && herd_runs_get_json(idx, id, 0, &run, &err) == HERD_OK);
        if (run != NULL) {
            CHECK(strcmp(cJSON_GetObjectItem(run, "file")->valuestring, file) == 0);
            CHECK(strcmp(cJSON_GetObjectItem(run, "status")->valuestring, "FINISHED") == 0);
        }
        cJSON_Delete(run);
        herd_runs_close(idx);
    }
    free(copy);
    free(folder);
    free(db);
}

/* The file change counter of an SQLite file (header bytes 24..27): one more
 * for every transaction that changed it. */
static unsigned change_counter(const char *path)
{
    unsigned char h[28] = {0};
    FILE *f = fopen(path, "rb");
    if (f != NULL) {
        CHECK(fread(h, 1, sizeof h, f) == sizeof h);
        fclose(f);
    }
    return (unsigned)h[24] << 24 | (unsigned)h[25] << 16 | (unsigned)h[26] << 8 | h[27];
}

/* New run files go into the index in one commit per sync, not one per file
 * (each commit syncs the disk, slow on a shared file system). */
static void one_commit_per_sync(const char *dir)
{
    herd_error err = {0};
    char *db = path_in(dir, "batch/herd.db");
    for (int i = 0; i < 3; i++) {
        herd_runlog *rl = NULL;
        herd_run_info info = {.experiment = "batch"};
        CHECK(herd_runlog_begin(db, &info, &rl, &err) == HERD_OK);
        CHECK(herd_runlog_log_metric(rl, "val/accuracy", 1, 0.5 + 0.1 * i, &err) == HERD_OK);
        CHECK(herd_runlog_end(rl, HERD_RUN_FINISHED, &err) == HERD_OK);
    }
    herd_runs *idx = NULL;
    CHECK(herd_runs_open(db, &idx, &err) == HERD_OK);
    unsigned before = change_counter(db);
    herd_runs_sync_stats stats = {0};
    CHECK(idx != NULL && herd_runs_sync(idx, &stats, &err) == HERD_OK);
    CHECK(stats.n_read == 3);
    CHECK(change_counter(db) == before + 1);
    herd_run_summary *runs = NULL;
    int n = 0;
    CHECK(idx != NULL && herd_runs_list(idx, NULL, &runs, &n, &err) == HERD_OK && n == 3);
    for (int i = 0; i < n; i++)
        CHECK(runs[i].n_metrics == 1 && strcmp(runs[i].status, "FINISHED") == 0);
    herd_runs_list_free(runs, n);
    herd_runs_close(idx);
    free(db);
}

/* The artifact row of path in run id's JSON, or NULL. */
static const cJSON *artifact_row(const cJSON *run, const char *path)
{
    const cJSON *a = NULL;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(run, "artifacts"))
        if (strcmp(cJSON_GetObjectItem(a, "path")->valuestring, path) == 0)
            return a;
    return NULL;
}

static int row_matches(const cJSON *row, const char *text)
{
    char hex[65];
    herd_sha256_hex(text, strlen(text), hex);
    return row != NULL && cJSON_GetObjectItem(row, "bytes")->valuedouble == (double)strlen(text) &&
           strcmp(cJSON_GetObjectItem(row, "sha256")->valuestring, hex) == 0;
}

/* A logged file replaced by rename (a checkpoint given /calibration):
 * refreshing by another spelling of its path updates its row, no other. */
static void refresh_artifact(const char *dir)
{
    herd_error err = {0};
    herd_runlog *rl = NULL;
    char *db = path_in(dir, "refresh/herd.db"), *ckpt = path_in(dir, "ckpt.h5");
    char *other = path_in(dir, "other.txt"), *tmp = path_in(dir, "ckpt.h5.tmp");
    char *spelled = path_in(dir, "./ckpt.h5");
    char id[33] = "";
    herd_run_info info = {.experiment = "refresh"};
    write_file(ckpt, "weights\n");
    write_file(other, "other\n");
    CHECK(herd_runlog_begin(db, &info, &rl, &err) == HERD_OK);
    if (rl != NULL) {
        snprintf(id, sizeof id, "%s", herd_runlog_id(rl));
        CHECK(herd_runlog_log_artifact(rl, ckpt, "checkpoint", &err) == HERD_OK);
        CHECK(herd_runlog_log_artifact(rl, other, "summary", &err) == HERD_OK);
        write_file(tmp, "weights and calibration\n");
        CHECK(rename(tmp, ckpt) == 0);
        CHECK(herd_runlog_refresh_artifact(rl, spelled, &err) == HERD_OK);
        CHECK(herd_runlog_refresh_artifact(rl, "/nonexistent/file", &err) == HERD_ERR_IO);
        herd_error_clear(&err);
        CHECK(herd_runlog_end(rl, HERD_RUN_FINISHED, &err) == HERD_OK);
    }
    herd_runs *idx = open_synced(db, NULL);
    cJSON *run = NULL;
    CHECK(idx != NULL && herd_runs_get_json(idx, id, 0, &run, &err) == HERD_OK);
    if (run != NULL) {
        CHECK(row_matches(artifact_row(run, ckpt), "weights and calibration\n"));
        CHECK(row_matches(artifact_row(run, other), "other\n"));
    }
    cJSON_Delete(run);
    herd_runs_close(idx);
    free(spelled);
    free(tmp);
    free(other);
    free(ckpt);
    free(db);
}

int main(void)
{
    char *dir = herd_test_tmpdir("track");
    char *db = path_in(dir, "runs/herd.db");
    char id_a[33] = "";
    herd_error err = {0};
    herd_runs *idx = NULL;
    CHECK(herd_runs_open(db, &idx, &err) == HERD_ERR_IO);  /* nothing logged yet */

    first_run(db, dir, id_a);
    check_first_run(db, id_a);
    second_run(db, id_a);
    resume_run(db, id_a);
    errors(dir);
    corrupt_and_rebuild(db);
    refresh_artifact(dir);
    latest_and_summary(dir);
    misnamed_copy(dir);
    one_commit_per_sync(dir);

    free(db);
    free(dir);
    return herd_test_finish("test_track");
}
