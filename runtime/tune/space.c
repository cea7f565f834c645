/* space.c - parse `--param KEY=SPACE`, check it against the config, and give
 * each trial its values (space.h). */
#include "tune/space.h"
#include "core/mem.h"
#include "core/rng.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *forms = "choice:V1|V2|..., uniform:LO:HI, loguniform:LO:HI or int:LO:HI";

static int bad_space(herd_error *err, const char *text, const char *why)
{
    return herd_error_set(err, HERD_ERR_USAGE, "sweep: --param %s: %s", text, why);
}

/* "V1|V2|..." into p->choices; every value non-empty. */
static int parse_choices(const char *list, const char *text, herd_tune_param *p, herd_error *err)
{
    int n = 1;
    for (const char *c = list; *c != '\0'; c++)
        n += *c == '|';
    p->choices = herd_calloc((size_t)n, sizeof *p->choices);
    const char *start = list;
    for (int i = 0; i < n; i++) {
        const char *end = strchr(start, '|');
        size_t len = end != NULL ? (size_t)(end - start) : strlen(start);
        if (len == 0 || len >= HERD_TUNE_VALUE_MAX)
            return bad_space(err, text, "each choice needs a value (choice:V1|V2|...)");
        p->choices[i] = herd_calloc(len + 1, 1);
        memcpy(p->choices[i], start, len);
        p->n_choices = i + 1;
        start = end != NULL ? end + 1 : start + len;
    }
    return HERD_OK;
}

/* "LO:HI" into p->lo, p->hi, checked for the kind. */
static int parse_range(const char *range, const char *text, herd_tune_param *p, herd_error *err)
{
    char *end = NULL;
    errno = 0;
    p->lo = p->kind == HERD_SPACE_INT ? (double)strtoll(range, &end, 10) : strtod(range, &end);
    const char *need = p->kind == HERD_SPACE_INT ? "LO:HI needs two integers" : "LO:HI needs two numbers";
    if (end == range || *end != ':')
        return bad_space(err, text, need);
    const char *second = end + 1;
    p->hi = p->kind == HERD_SPACE_INT ? (double)strtoll(second, &end, 10) : strtod(second, &end);
    if (end == second || *end != '\0' || errno != 0 || !isfinite(p->lo) || !isfinite(p->hi))
        return bad_space(err, text, need);
    if (p->lo >= p->hi)
        return bad_space(err, text, "LO must be below HI");
    if (p->kind == HERD_SPACE_LOGUNIFORM && p->lo <= 0)
        return bad_space(err, text, "loguniform needs LO > 0");
    return HERD_OK;
}

int herd_tune_param_parse(const char *text, herd_tune_param *p, herd_error *err)
{
    static const struct { const char *prefix; int kind; } kinds[] = {
        { "choice:", HERD_SPACE_CHOICE }, { "uniform:", HERD_SPACE_UNIFORM },
        { "loguniform:", HERD_SPACE_LOGUNIFORM }, { "int:", HERD_SPACE_INT },
    };
    memset(p, 0, sizeof *p);
    const char *eq = strchr(text, '=');
    if (eq == NULL || eq == text || (size_t)(eq - text) >= sizeof p->key)
        return herd_error_set(err, HERD_ERR_USAGE, "sweep: --param '%s': expected KEY=SPACE, SPACE one of %s",
                              text, forms);
    memcpy(p->key, text, (size_t)(eq - text));
    const char *space = eq + 1;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t len = strlen(kinds[i].prefix);
        if (strncmp(space, kinds[i].prefix, len) != 0)
            continue;
        p->kind = kinds[i].kind;
        return p->kind == HERD_SPACE_CHOICE ? parse_choices(space + len, text, p, err)
                                            : parse_range(space + len, text, p, err);
    }
    return herd_error_set(err, HERD_ERR_USAGE, "sweep: --param %s: unknown space; use %s", text, forms);
}

void herd_tune_param_free(herd_tune_param *p)
{
    for (int i = 0; p->choices != NULL && i < p->n_choices; i++)
        free(p->choices[i]);
    free(p->choices);
    p->choices = NULL;
    p->n_choices = 0;
}

/* A number of the range param p at u in [0, 1), as config text. */
static void range_value(const herd_tune_param *p, double u, char value[HERD_TUNE_VALUE_MAX])
{
    if (p->kind == HERD_SPACE_INT) {
        double v = floor(p->lo + u * (p->hi - p->lo + 1));
        snprintf(value, HERD_TUNE_VALUE_MAX, "%lld", (long long)(v > p->hi ? p->hi : v));
    } else if (p->kind == HERD_SPACE_LOGUNIFORM) {
        snprintf(value, HERD_TUNE_VALUE_MAX, "%.6g", exp(log(p->lo) + u * (log(p->hi) - log(p->lo))));
    } else {
        snprintf(value, HERD_TUNE_VALUE_MAX, "%.6g", p->lo + u * (p->hi - p->lo));
    }
}

/* KEY=VALUE applied to cfg (unchanged on error), the error naming the --param. */
static int try_value(herd_config *cfg, const herd_tune_param *p, const char *value, herd_error *err)
{
    char override[HERD_NAME_MAX + HERD_TUNE_VALUE_MAX + 2];
    herd_error why = { 0 };
    snprintf(override, sizeof override, "%s=%s", p->key, value);
    if (herd_config_override(cfg, override, &why) != HERD_OK)
        return herd_error_set(err, HERD_ERR_USAGE, "sweep: --param %s: %s", p->key, why.msg);
    return HERD_OK;
}

/* Each choice, or LO and HI, applied to the config. (herd_sweep_run then
 * checks every trial's values, which catches a real number for an integer key.) */
static int check_param(herd_config *copy, const herd_tune_param *p, herd_error *err)
{
    int rc = HERD_OK;
    char value[HERD_TUNE_VALUE_MAX];
    for (int i = 0; i < p->n_choices && rc == HERD_OK; i++)
        rc = try_value(copy, p, p->choices[i], err);
    if (p->kind == HERD_SPACE_CHOICE)
        return rc;
    range_value(p, 0, value);
    rc = try_value(copy, p, value, err);
    snprintf(value, sizeof value, p->kind == HERD_SPACE_INT ? "%.0f" : "%.17g", p->hi);
    if (rc == HERD_OK)
        rc = try_value(copy, p, value, err);
    return rc;
}

int herd_tune_check(const herd_config *cfg, const herd_tune_param *params, int n, int method,
                    herd_error *err)
{
    herd_config *copy = NULL;
    int rc = n > 0 ? herd_config_from_canonical(cfg->canonical, &copy, err)
                   : herd_error_set(err, HERD_ERR_USAGE, "sweep: no --param KEY=SPACE given");
    for (int k = 0; k < n && rc == HERD_OK; k++) {
        const herd_tune_param *p = &params[k];
        for (int j = 0; j < k && rc == HERD_OK; j++)
            if (strcmp(params[j].key, p->key) == 0)
                rc = herd_error_set(err, HERD_ERR_USAGE, "sweep: --param %s given twice", p->key);
        if (rc == HERD_OK && (strcmp(p->key, "run_name") == 0 || strcmp(p->key, "train.checkpoint_dir") == 0))
            rc = herd_error_set(err, HERD_ERR_USAGE,
                                "sweep: --param %s: the sweep sets it for each trial (see --name)", p->key);
        if (rc == HERD_OK && method == HERD_SWEEP_GRID && p->kind != HERD_SPACE_CHOICE)
            rc = herd_error_set(err, HERD_ERR_USAGE,
                                "sweep: --method grid needs choice:V1|V2|... params; %s is a range",
                                p->key);
        if (rc == HERD_OK)
            rc = check_param(copy, p, err);
    }
    herd_config_free(copy);
    return rc;
}

int64_t herd_tune_trial_count(const herd_tune_param *params, int n, int method, int64_t trials)
{
    if (method == HERD_SWEEP_RANDOM)
        return trials > 0 ? trials : 10;
    int64_t combinations = 1;
    for (int k = 0; k < n; k++)
        if (combinations <= HERD_TUNE_MAX_TRIALS)
            combinations *= params[k].n_choices;
    return trials > 0 && trials < combinations ? trials : combinations;
}

/* The choice of param k in combination i of a grid: the last param changes fastest. */
static int grid_choice(const herd_tune_param *params, int n, int k, int64_t i)
{
    for (int j = n - 1; j > k; j--)
        i /= params[j].n_choices;
    return (int)(i % params[k].n_choices);
}

void herd_tune_value(const herd_tune_param *params, int n, int k, int method, uint64_t seed,
                     int64_t i, char value[HERD_TUNE_VALUE_MAX])
{
    const herd_tune_param *p = &params[k];
    if (method == HERD_SWEEP_GRID) {
        snprintf(value, HERD_TUNE_VALUE_MAX, "%s", p->choices[grid_choice(params, n, k, i)]);
        return;
    }
    /* one counter per (trial, param): a trial's values do not depend on the others' */
    double u = herd_rng_uniform(seed, HERD_STREAM_TUNE, ((uint64_t)i << 16) | (uint64_t)k);
    if (p->kind == HERD_SPACE_CHOICE) {
        int c = (int)(u * p->n_choices);
        snprintf(value, HERD_TUNE_VALUE_MAX, "%s", p->choices[c < p->n_choices ? c : p->n_choices - 1]);
    } else {
        range_value(p, u, value);
    }
}
