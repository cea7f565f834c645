/* test_track_export.c - exports: CRC32C test vectors, TFRecord framing,
 * the hand-encoded Event protos, the MLflow file-store layout (keys that are
 * "/"-prefixes of others, failed exports), CSV cells and number formatting. */
#include "tests/testing.h"
#include "core/mem.h"
#include "core/status.h"
#include "track/export.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void test_crc32c(void)
{
    CHECK(herd_crc32c("123456789", 9) == 0xE3069283u);
    CHECK(herd_crc32c("", 0) == 0);
    uint8_t zeros[32] = {0}, ones[32];
    memset(ones, 0xff, sizeof ones);
    CHECK(herd_crc32c(zeros, 32) == 0x8A9136AAu);   /* RFC 3720 B.4 */
    CHECK(herd_crc32c(ones, 32) == 0x62A8AB43u);
    uint32_t c = 0xE3069283u;
    CHECK(herd_crc32c_masked("123456789", 9) == ((c >> 15) | (c << 17)) + 0xa282ead8u);
}

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static void test_tfrecord(void)
{
    FILE *f = tmpfile();
    const char data[] = "hello";
    CHECK(herd_tfrecord_write(f, data, 5) == 0);
    rewind(f);
    uint8_t buf[64];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    CHECK(n == 8 + 4 + 5 + 4);
    CHECK(buf[0] == 5 && buf[1] == 0 && buf[7] == 0);
    CHECK(le32(buf + 8) == herd_crc32c_masked(buf, 8));
    CHECK(memcmp(buf + 12, "hello", 5) == 0);
    CHECK(le32(buf + 17) == herd_crc32c_masked("hello", 5));
}

/* Read a varint at *p. */
static uint64_t varint(const uint8_t **p)
{
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
}

static void test_events(void)
{
    uint8_t *ev = NULL;
    size_t n = herd_tb_scalar_event(1700000000.5, 300, "val/accuracy", 0.875f, &ev);
    const uint8_t *p = ev, *end = ev + n;
    double wall;
    CHECK(*p++ == 0x09);                      /* field 1, fixed64 */
    memcpy(&wall, p, 8);
    p += 8;
    CHECK(wall == 1700000000.5);
    CHECK(*p++ == 0x10 && varint(&p) == 300); /* field 2, varint */
    CHECK(*p++ == 0x2a);                      /* field 5, summary */
    CHECK(varint(&p) == (uint64_t)(end - p));
    CHECK(*p++ == 0x0a);                      /* Summary.value */
    CHECK(varint(&p) == (uint64_t)(end - p));
    CHECK(*p++ == 0x0a && varint(&p) == 12 && memcmp(p, "val/accuracy", 12) == 0);
    p += 12;
    float v;
    CHECK(*p++ == 0x15);                      /* simple_value, fixed32 */
    memcpy(&v, p, 4);
    p += 4;
    CHECK(v == 0.875f && p == end);
    free(ev);

    n = herd_tb_version_event(1.0, &ev);
    CHECK(n == 9 + 2 + 13 && ev[9] == 0x1a && ev[10] == 13 && memcmp(ev + 11, "brain.Event:2", 13) == 0);
    free(ev);
}

static char *slurp(const char *dir, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *text = herd_calloc(1, 65536);
    size_t n = fread(text, 1, 65535, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void test_mlflow(void)
{
    char *root = herd_test_tmpdir("track_export");
    cJSON *run = cJSON_CreateObject();
    cJSON_AddStringToObject(run, "id", "0123456789abcdef0123456789abcdef");
    cJSON_AddStringToObject(run, "experiment", "it's");
    cJSON_AddStringToObject(run, "name", "first");
    cJSON_AddStringToObject(run, "status", "FINISHED");
    cJSON_AddStringToObject(run, "parent_id", "fedcba9876543210fedcba9876543210");
    cJSON_AddStringToObject(run, "git_commit", "abc123");
    cJSON_AddNumberToObject(run, "start_time", 1700000000.25);
    cJSON_AddNumberToObject(run, "end_time", 1700000010.5);
    cJSON_AddStringToObject(run, "config", "seed: 1\n");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(run, "params"), "model.type", "mlp");
    cJSON *tags = cJSON_AddObjectToObject(run, "tags");
    cJSON_AddStringToObject(tags, "../evil", "x");
    herd_run_metric rows[] = {
        {"val/accuracy", 20, 1700000002.0, 0.5}, {"train/loss", 10, 1700000001.0, 2.0},
        {"val/accuracy", 10, 1700000001.5, 0.25},
    };
    herd_error err = {0};
    CHECK(herd_export_mlflow(run, rows, 3, root, &err) == HERD_OK);
    char *s = slurp(root, "0/meta.yaml");
    CHECK(s != NULL && strstr(s, "name: 'Default'") != NULL);
    free(s);
    s = slurp(root, "1/meta.yaml");
    CHECK(s != NULL && strstr(s, "name: 'it''s'") != NULL && strstr(s, "experiment_id: '1'"));
    free(s);
    const char *rd = "1/0123456789abcdef0123456789abcdef";
    char rel[256];
    snprintf(rel, sizeof rel, "%s/meta.yaml", rd);
    s = slurp(root, rel);
    CHECK(s != NULL && strstr(s, "status: 3\n") && strstr(s, "start_time: 1700000000250\n") &&
          strstr(s, "end_time: 1700000010500\n") && strstr(s, "run_name: 'first'"));
    free(s);
    snprintf(rel, sizeof rel, "%s/metrics/val/accuracy", rd);
    s = slurp(root, rel);
    CHECK(s != NULL && strcmp(s, "1700000001500 0.25 10\n1700000002000 0.5 20\n") == 0);
    free(s);
    snprintf(rel, sizeof rel, "%s/params/model.type", rd);
    s = slurp(root, rel);
    CHECK(s != NULL && strcmp(s, "mlp") == 0);
    free(s);
    snprintf(rel, sizeof rel, "%s/tags/mlflow.parentRunId", rd);
    s = slurp(root, rel);
    CHECK(s != NULL && strcmp(s, "fedcba9876543210fedcba9876543210") == 0);
    free(s);
    snprintf(rel, sizeof rel, "%s/tags/mlflow.source.git.commit", rd);
    s = slurp(root, rel);
    CHECK(s != NULL && strcmp(s, "abc123") == 0);
    free(s);
    CHECK(slurp(root, "1/0123456789abcdef0123456789abcdef/evil") == NULL);  /* unsafe key */
    CHECK(slurp(root, "1/evil") == NULL);
    /* the same experiment is found again; another gets the next id */
    cJSON_ReplaceItemInObject(run, "id", cJSON_CreateString("11111111111111111111111111111111"));
    CHECK(herd_export_mlflow(run, rows, 0, root, &err) == HERD_OK);
    s = slurp(root, "1/11111111111111111111111111111111/meta.yaml");
    CHECK(s != NULL);
    free(s);
    cJSON_ReplaceItemInObject(run, "experiment", cJSON_CreateString("other"));
    CHECK(herd_export_mlflow(run, rows, 0, root, &err) == HERD_OK);
    s = slurp(root, "2/meta.yaml");
    CHECK(s != NULL && strstr(s, "name: 'other'") != NULL);
    free(s);
    cJSON_Delete(run);
    free(root);
}

/* A finished run of experiment "keys" with id id and no rows. */
static cJSON *plain_run(const char *id)
{
    cJSON *run = cJSON_CreateObject();
    cJSON_AddStringToObject(run, "id", id);
    cJSON_AddStringToObject(run, "experiment", "keys");
    cJSON_AddStringToObject(run, "name", "n");
    cJSON_AddStringToObject(run, "status", "FINISHED");
    cJSON_AddNumberToObject(run, "start_time", 1700000000);
    return run;
}

static int exists(const char *dir, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    struct stat st;
    return stat(path, &st) == 0;
}

/* 1 when folder dir/rel holds exactly n entries besides . and .. */
static int entries(const char *dir, const char *rel, int n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    DIR *d = opendir(path);
    int k = 0;
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
        k += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d != NULL)
        closedir(d);
    return d != NULL && k == n;
}

/* A key that is a "/"-prefix of another is a file; the other's "/" after
 * it is written as "_"; a key already named so keeps its file. */
static void test_mlflow_prefix_keys(void)
{
    char *root = herd_test_tmpdir("track_export_prefix");
    cJSON *run = plain_run("22222222222222222222222222222222");
    cJSON *tags = cJSON_AddObjectToObject(run, "tags");
    cJSON_AddStringToObject(tags, "team", "a");
    cJSON_AddStringToObject(tags, "team/lead", "b");
    herd_run_metric rows[] = {
        {"sys/cpu/max", 1, 1700000001.0, 90}, {"sys/cpu", 1, 1700000001.0, 40},
        {"a/b/c", 2, 1700000002.0, 3}, {"a", 2, 1700000002.0, 1}, {"a/b", 2, 1700000002.0, 2},
        {"x/y", 3, 1700000003.0, 5}, {"x", 3, 1700000003.0, 4}, {"x_y", 3, 1700000003.0, 6},
    };
    herd_error err = {0};
    CHECK(herd_export_mlflow(run, rows, 8, root, &err) == HERD_OK);
    static const char *const files[][2] = {
        {"sys/cpu", "1700000001000 40 1\n"}, {"sys/cpu_max", "1700000001000 90 1\n"},
        {"a", "1700000002000 1 2\n"}, {"a_b", "1700000002000 2 2\n"},
        {"a_b_c", "1700000002000 3 2\n"}, {"x", "1700000003000 4 3\n"},
        {"x_y", "1700000003000 6 3\n"},
    };
    char rel[256];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(rel, sizeof rel, "1/22222222222222222222222222222222/metrics/%s", files[i][0]);
        char *s = slurp(root, rel);
        CHECK(s != NULL && strcmp(s, files[i][1]) == 0);
        free(s);
    }
    CHECK(entries(root, "1/22222222222222222222222222222222/metrics", 6));   /* x/y skipped */
    CHECK(entries(root, "1/22222222222222222222222222222222/metrics/sys", 2));
    char *s = slurp(root, "1/22222222222222222222222222222222/tags/team");
    CHECK(s != NULL && strcmp(s, "a") == 0);
    free(s);
    s = slurp(root, "1/22222222222222222222222222222222/tags/team_lead");
    CHECK(s != NULL && strcmp(s, "b") == 0);
    free(s);
    cJSON_Delete(run);
    free(root);
}

/* A run that cannot be written leaves no trace: not in a new store, and an
 * earlier export of it stays as it was. Exporting again replaces the folder. */
static void test_mlflow_failure(void)
{
    char *root = herd_test_tmpdir("track_export_failure");
    const char *id = "33333333333333333333333333333333";
    cJSON *run = plain_run(id);
    char long_key[300] = "bad/";
    memset(long_key + 4, 'k', 290);   /* longer than a file name may be */
    long_key[294] = '\0';
    herd_run_metric bad[] = {{"good", 1, 1700000001.0, 1}, {long_key, 1, 1700000001.0, 2}};
    herd_run_metric good[] = {{"good", 1, 1700000001.0, 1}, {"stale", 1, 1700000001.0, 7}};
    herd_error err = {0};
    CHECK(herd_export_mlflow(run, bad, 2, root, &err) == HERD_ERR_IO);
    CHECK(!exists(root, "1"));   /* neither the run nor the experiment added for it */
    CHECK(entries(root, "", 2)); /* .trash and 0 */
    CHECK(herd_export_mlflow(run, good, 2, root, &err) == HERD_OK);
    CHECK(herd_export_mlflow(run, bad, 2, root, &err) == HERD_ERR_IO);
    CHECK(entries(root, "1", 2));   /* meta.yaml and the run, nothing partial */
    char *s = slurp(root, "1/33333333333333333333333333333333/metrics/stale");
    CHECK(s != NULL && strcmp(s, "1700000001000 7 1\n") == 0);
    free(s);
    CHECK(herd_export_mlflow(run, good, 1, root, &err) == HERD_OK);
    CHECK(!exists(root, "1/33333333333333333333333333333333/metrics/stale"));
    CHECK(exists(root, "1/33333333333333333333333333333333/metrics/good"));
    CHECK(entries(root, "1", 2));
    s = slurp(root, "1/33333333333333333333333333333333/meta.yaml");
    CHECK(s != NULL && strstr(s, "/1/33333333333333333333333333333333/artifacts\n") != NULL);
    free(s);
    cJSON_Delete(run);
    free(root);
}

static void test_text(void)
{
    char buf[32];
    herd_format_double(buf, 0.1);
    CHECK(strcmp(buf, "0.1") == 0);
    herd_format_double(buf, 1.0 / 3.0);
    CHECK(strtod(buf, NULL) == 1.0 / 3.0);
    herd_format_double(buf, NAN);
    CHECK(strcmp(buf, "nan") == 0);
    FILE *f = tmpfile();
    herd_csv_cell(f, "plain");
    fputc('|', f);
    herd_csv_cell(f, "a,\"b\"");
    rewind(f);
    char line[64] = "";
    CHECK(fgets(line, sizeof line, f) != NULL && strcmp(line, "plain|\"a,\"\"b\"\"\"") == 0);
    fclose(f);
}

int main(void)
{
    test_crc32c();
    test_tfrecord();
    test_events();
    test_mlflow();
    test_mlflow_prefix_keys();
    test_mlflow_failure();
    test_text();
    return herd_test_finish("test_track_export");
}
