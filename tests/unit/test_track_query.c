/* test_track_query.c - the runs filter language: parsing (with positions in
 * errors), evaluation against run objects, LIKE, and sort orders. */
#include "tests/testing.h"
#include "core/status.h"
#include "track/query.h"

#include <stdlib.h>
#include <string.h>

/* A run object shaped like herd_runs_get_json's. */
static cJSON *make_run(const char *id, const char *status, const char *model, double acc,
                       double start)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", id);
    cJSON_AddStringToObject(r, "experiment", "fashion");
    cJSON_AddStringToObject(r, "name", id);
    cJSON_AddStringToObject(r, "status", status);
    cJSON_AddNumberToObject(r, "start_time", start);
    cJSON_AddNumberToObject(r, "world_size", 2);
    cJSON *params = cJSON_AddObjectToObject(r, "params");
    cJSON_AddStringToObject(params, "model.type", model);
    cJSON_AddStringToObject(params, "optim.lr", "0.003");
    cJSON *metrics = cJSON_AddObjectToObject(r, "metrics");
    if (acc >= 0)
        cJSON_AddNumberToObject(metrics, "val/accuracy", acc);
    cJSON_AddNumberToObject(metrics, "train/loss", 1 - acc);
    cJSON *tags = cJSON_AddObjectToObject(r, "tags");
    cJSON_AddStringToObject(tags, "cpuset.rank0", "0-3");
    return r;
}

/* 1 when expr parses and matches run. */
static int matches(const char *expr, const cJSON *run)
{
    herd_query *q = NULL;
    herd_error err = {0};
    if (herd_query_parse(expr, &q, &err) != HERD_OK) {
        fprintf(stderr, "unexpected parse error for \"%s\": %s\n", expr, err.msg);
        return -1;
    }
    int m = herd_query_match(q, run);
    herd_query_free(q);
    return m;
}

/* The error message of a bad expression ("" if it parsed). */
static const char *parse_error(const char *expr)
{
    static herd_error err;
    herd_query *q = NULL;
    memset(&err, 0, sizeof err);
    if (herd_query_parse(expr, &q, &err) == HERD_OK) {
        herd_query_free(q);
        return "";
    }
    CHECK(q == NULL && err.code == HERD_ERR_USAGE);
    return err.msg;
}

static void test_match(void)
{
    cJSON *mlp = make_run("aaaa1111", "FINISHED", "mlp", 0.9, 100);
    cJSON *soft = make_run("bbbb2222", "DEAD", "softmax", 0.8, 200);
    CHECK(matches("metrics.val/accuracy > 0.85 and params.model.type = 'mlp'", mlp) == 1);
    CHECK(matches("metrics.val/accuracy > 0.85 and params.model.type = 'mlp'", soft) == 0);
    CHECK(matches("metrics.val/accuracy > 0.85 AND params.model.type = 'softmax'", mlp) == 0);
    CHECK(matches("", mlp) == 1);
    CHECK(matches("   ", soft) == 1);
    CHECK(matches("metrics.val/accuracy >= 0.9", mlp) == 1);
    CHECK(matches("metrics.val/accuracy < 0.9", mlp) == 0);
    CHECK(matches("metrics.val/accuracy <= 0.9", mlp) == 1);
    CHECK(matches("metrics.val/accuracy != 0.9", mlp) == 0);
    CHECK(matches("metrics.val/accuracy = 0.9", mlp) == 1);
    CHECK(matches("metrics.`val/accuracy` = 0.9", mlp) == 1);
    CHECK(matches("metrics.\"val/accuracy\" = 0.9", mlp) == 1);
    CHECK(matches("metrics.test/accuracy > 0", mlp) == 0);        /* missing: no match */
    CHECK(matches("metrics.test/accuracy != 0", mlp) == 0);
    CHECK(matches("params.optim.lr < 0.01", mlp) == 1);           /* numeric text param */
    CHECK(matches("params.optim.lr = '0.003'", mlp) == 1);
    CHECK(matches("params.model.type != 'mlp'", soft) == 1);
    CHECK(matches("params.model.type <> 'mlp'", soft) == 1);
    CHECK(matches("status = 'DEAD'", soft) == 1);
    CHECK(matches("attributes.status = 'FINISHED'", mlp) == 1);
    CHECK(matches("run_name = 'aaaa1111'", mlp) == 1);
    CHECK(matches("experiment = 'fashion' and world_size = 2", mlp) == 1);
    CHECK(matches("world_size = '2'", mlp) == 1);
    CHECK(matches("start_time > 150", soft) == 1);
    CHECK(matches("start_time > 150", mlp) == 0);
    CHECK(matches("tags.cpuset.rank0 = '0-3'", mlp) == 1);
    CHECK(matches("name LIKE 'aaaa%'", mlp) == 1);
    CHECK(matches("name like 'AAAA%'", mlp) == 0);
    CHECK(matches("name ILIKE 'AAAA%'", mlp) == 1);
    CHECK(matches("params.model.type LIKE 's_ftmax'", soft) == 1);
    CHECK(matches("params.model.type LIKE '%max'", soft) == 1);
    CHECK(matches("metrics.val/accuracy > .5 and metrics.val/accuracy < 9.5e-1", mlp) == 1);
    CHECK(matches("metrics.val/accuracy > -1E+3", mlp) == 1);
    /* only decimal text is a number: "inf" and "0x10" compare as text */
    cJSON *params = cJSON_GetObjectItem(mlp, "params");
    cJSON_AddStringToObject(params, "optim.clip_norm", "inf");
    cJSON_AddStringToObject(params, "note", "0x10");
    CHECK(matches("params.optim.clip_norm > 0", mlp) == 0);
    CHECK(matches("params.optim.clip_norm = 'inf'", mlp) == 1);
    CHECK(matches("params.note = 16", mlp) == 0);
    cJSON_Delete(mlp);
    cJSON_Delete(soft);
}

static void test_errors(void)
{
    const char *m = parse_error("metrics.val/accuracy > 0.85 and params.model.type = mlp");
    CHECK(strstr(m, "position 53") != NULL && strstr(m, "quoted") != NULL);
    m = parse_error("metrics.val/accuracy >> 0.5");
    CHECK(strstr(m, "position 23") != NULL);
    m = parse_error("metrics.x ~ 1");
    CHECK(strstr(m, "position 11") != NULL && strstr(m, "operator") != NULL);
    m = parse_error("foo = 1");
    CHECK(strstr(m, "position 1") != NULL && strstr(m, "unknown field") != NULL);
    m = parse_error("status = 'FINISHED' or name = 'x'");
    CHECK(strstr(m, "position 21") != NULL && strstr(m, "OR is not supported") != NULL);
    m = parse_error("status = 'FINISHED' name = 'x'");
    CHECK(strstr(m, "position 21") != NULL && strstr(m, "AND") != NULL);
    m = parse_error("name = 'open");
    CHECK(strstr(m, "position 8") != NULL && strstr(m, "unterminated") != NULL);
    m = parse_error("metrics.val/accuracy > 'high'");
    CHECK(strstr(m, "metric compares with a number") != NULL);
    m = parse_error("name LIKE 3");
    CHECK(strstr(m, "LIKE needs") != NULL);
    m = parse_error("status =");
    CHECK(strstr(m, "at the end") != NULL);
    m = parse_error("metrics. > 1");
    CHECK(strstr(m, "expected a key") != NULL);
    CHECK(strcmp(parse_error("status = 'a' and"), "") != 0);
    /* a number is decimal: inf, nan and hex are refused, not read by strtod */
    m = parse_error("metrics.val/accuracy > inf");
    CHECK(strstr(m, "position 24") != NULL && strstr(m, "expected a number") != NULL);
    m = parse_error("metrics.val/accuracy > nan");
    CHECK(strstr(m, "expected a number") != NULL);
    m = parse_error("metrics.val/accuracy > 0x10");
    CHECK(strstr(m, "position 24") != NULL && strstr(m, "expected a number") != NULL);
    m = parse_error("params.model.type = infinity");
    CHECK(strstr(m, "expected a number or a 'quoted' string") != NULL);
    m = parse_error("metrics.x > 1e");
    CHECK(strstr(m, "expected a number") != NULL);
}

static void test_like(void)
{
    CHECK(herd_like("abc", "abc", 0));
    CHECK(herd_like("abc", "a%", 0));
    CHECK(herd_like("abc", "%c", 0));
    CHECK(herd_like("abc", "%b%", 0));
    CHECK(herd_like("abc", "a_c", 0));
    CHECK(!herd_like("abc", "a_", 0));
    CHECK(herd_like("", "%", 0));
    CHECK(!herd_like("", "_", 0));
    CHECK(herd_like("aXbXc", "a%c", 0));
    CHECK(herd_like("mississippi", "%iss%pi", 0));
    CHECK(!herd_like("ABC", "abc", 0));
    CHECK(herd_like("ABC", "abc", 1));
}

static void test_sort(void)
{
    cJSON *a = make_run("a", "FINISHED", "mlp", 0.9, 100);
    cJSON *b = make_run("b", "FINISHED", "mlp", 0.8, 200);
    cJSON *c = make_run("c", "FINISHED", "mlp", -1, 300);   /* no val/accuracy */
    herd_sort s;
    herd_error err = {0};
    CHECK(herd_sort_parse("metrics.val/accuracy", &s, &err) == HERD_OK);
    CHECK(s.field.kind == HERD_FIELD_METRIC && strcmp(s.field.key, "val/accuracy") == 0 &&
          !s.descending);
    CHECK(herd_sort_compare(&s, b, a) < 0);
    CHECK(herd_sort_compare(&s, c, a) > 0);   /* missing last */
    herd_field_free(&s.field);
    CHECK(herd_sort_parse("-metrics.val/accuracy", &s, &err) == HERD_OK && s.descending);
    CHECK(herd_sort_compare(&s, a, b) < 0);
    CHECK(herd_sort_compare(&s, c, b) > 0);   /* missing last, descending too */
    herd_field_free(&s.field);
    CHECK(herd_sort_parse("start_time DESC", &s, &err) == HERD_OK && s.descending);
    CHECK(s.field.kind == HERD_FIELD_ATTR && strcmp(s.field.key, "start_time") == 0);
    CHECK(herd_sort_compare(&s, c, a) < 0);
    herd_field_free(&s.field);
    CHECK(herd_sort_parse("name asc", &s, &err) == HERD_OK && !s.descending);
    CHECK(herd_sort_compare(&s, a, b) < 0);
    herd_field_free(&s.field);
    CHECK(herd_sort_parse("nonsense", &s, &err) == HERD_ERR_USAGE);
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
}

int main(void)
{
    test_match();
    test_errors();
    test_like();
    test_sort();
    return herd_test_finish("test_track_query");
}
