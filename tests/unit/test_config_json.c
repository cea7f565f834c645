/* test_config_json.c - list/mapping keys (eval.slices, eval.tests.*,
 * eval.gate.*): YAML block and flow values, key=value overrides and the
 * canonical text all give the same compact JSON, which parses back to the
 * same config; scalars and bad text are usage errors. */
#include "config/config.h"
#include "core/mem.h"
#include "tests/testing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

static int load(const char *text, const char *const *ov, int n_ov, herd_config **cfg,
                herd_error *err)
{
    char path[512];
    snprintf(path, sizeof path, "%s/cfg.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    *cfg = NULL;
    return herd_config_load(path, ov, n_ov, cfg, err);
}

static void test_block_and_flow(void)
{
    const char *block =
        "data: {train: x.h5}\n"
        "eval:\n"
        "  slices:\n"
        "    - feature: age\n"
        "      bins: [21, 35.5, 1e3]\n"
        "    - {column: 'group'}\n"
        "  gate:\n"
        "    min: {roc_auc: 0.70}\n"
        "    max: {ece: .05}\n"
        "  tests:\n"
        "    invariance: [{feature: \"a\\\"b\", values: [0, yes, null, x]}]\n";
    herd_config *c = NULL;
    herd_error err = {0};
    CHECK(load(block, NULL, 0, &c, &err) == HERD_OK);
    if (c == NULL)
        return;
    CHECK(strcmp(c->eval.slices, "[{\"feature\":\"age\",\"bins\":[21,35.5,1000]},{\"column\":\"group\"}]") == 0);
    CHECK(strcmp(c->eval.gate.min, "{\"roc_auc\":0.7}") == 0);
    CHECK(strcmp(c->eval.gate.max, "{\"ece\":0.05}") == 0);
    CHECK(strcmp(c->eval.tests.invariance, "[{\"feature\":\"a\\\"b\",\"values\":[0,true,null,\"x\"]}]") == 0);
    CHECK(strcmp(c->eval.tests.directional, "[]") == 0 && strcmp(c->eval.tests.perturbation, "{}") == 0);
    herd_config *back = NULL;
    CHECK(herd_config_from_canonical(c->canonical, &back, &err) == HERD_OK);
    CHECK(back != NULL && strcmp(back->canonical, c->canonical) == 0);
    CHECK(back != NULL && strcmp(back->eval.slices, c->eval.slices) == 0);
    CHECK(strstr(c->canonical, "eval.gate.min: {\"roc_auc\":0.7}\n") != NULL);
    herd_config_free(back);
    herd_config_free(c);
}

static void test_overrides(void)
{
    const char *ov[] = { "eval.slices=[{feature: age, bins: [1, 2]}]", "eval.gate.min={accuracy: 0.9}" };
    herd_config *c = NULL;
    herd_error err = {0};
    CHECK(load("data: {train: x.h5}\n", ov, 2, &c, &err) == HERD_OK);
    CHECK(c != NULL && strcmp(c->eval.slices, "[{\"feature\":\"age\",\"bins\":[1,2]}]") == 0);
    CHECK(c != NULL && strcmp(c->eval.gate.min, "{\"accuracy\":0.9}") == 0);
    CHECK(c != NULL && herd_config_override(c, "eval.gate.max={ece: 0.1}", &err) == HERD_OK);
    CHECK(c != NULL && strcmp(c->eval.gate.max, "{\"ece\":0.1}") == 0);
    herd_config_free(c);
}

static void test_errors(void)
{
    herd_config *c = NULL;
    herd_error err = {0};
    const char *scalar[] = { "eval.slices=oops" };
    CHECK(load("data: {train: x.h5}\n", scalar, 1, &c, &err) == HERD_ERR_USAGE);
    CHECK(strstr(err.msg, "eval.slices") != NULL && strstr(err.msg, "list or mapping") != NULL);
    const char *broken[] = { "eval.gate.min={roc_auc: [}" };
    CHECK(load("data: {train: x.h5}\n", broken, 1, &c, &err) == HERD_ERR_USAGE);
    err = (herd_error){0};
    CHECK(load("data: {train: x.h5}\neval: {slices: 3}\n", NULL, 0, &c, &err) == HERD_ERR_USAGE);
    CHECK(strstr(err.msg, "cfg.yaml:2") != NULL);
    char *big = herd_malloc(4 * HERD_EVAL_JSON_MAX);
    strcpy(big, "eval.slices=[");
    for (int i = 0; i < 300; i++)
        strcat(big, "{feature: abcdef},");
    strcat(big, "{feature: x}]");
    const char *too_long[] = { big };
    err = (herd_error){0};
    CHECK(load("data: {train: x.h5}\n", too_long, 1, &c, &err) == HERD_ERR_USAGE);
    CHECK(strstr(err.msg, "longer than") != NULL);
    free(big);
}

static void test_train_fraction(void)
{
    herd_config *c = herd_config_defaults();
    herd_error err = {0};
    CHECK(c->data.train_fraction == 1);
    CHECK(herd_config_override(c, "data.train_fraction=0.25", &err) == HERD_OK && c->data.train_fraction == 0.25);
    CHECK(herd_config_override(c, "data.train_fraction=0", &err) == HERD_ERR_USAGE);
    herd_config_free(c);
}

int main(void)
{
    dir = herd_test_tmpdir("config_json");
    test_block_and_flow();
    test_overrides();
    test_errors();
    test_train_fraction();
    free(dir);
    return herd_test_finish("config_json");
}
