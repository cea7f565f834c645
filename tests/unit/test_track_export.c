/* test_track_export.c - exports: CRC32C test vectors, TFRecord framing,
 * the hand-encoded Event protos, the MLflow file-store layout, CSV cells
 * and number formatting. */
#include "tests/testing.h"
#include "core/mem.h"
#include "core/status.h"
#include "track/export.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    test_text();
    return herd_test_finish("test_track_export");
}
