/* test_tune.c - herd sweep's search space (runtime/tune/space.h): every form
 * of --param and every way to get it wrong, the check against a config,
 * values inside their space, loguniform spread evenly over the decades,
 * the same values for the same seed (in any order of asking) and others for
 * another seed, and a grid's order and count. */
#include "tests/testing.h"

#include "tune/space.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int parses(const char *text, herd_tune_param *p)
{
    herd_error err = { 0 };
    int rc = herd_tune_param_parse(text, p, &err);
    if (rc != HERD_OK)
        fprintf(stderr, "%s: %s\n", text, err.msg);
    return rc == HERD_OK;
}

/* text is refused with a one-line usage error mentioning want. */
static void refused(const char *text, const char *want)
{
    herd_tune_param p;
    herd_error err = { 0 };
    int rc = herd_tune_param_parse(text, &p, &err);
    if (rc != HERD_ERR_USAGE || strstr(err.msg, want) == NULL)
        fprintf(stderr, "%s: rc %d, '%s' (wanted '%s')\n", text, rc, err.msg, want);
    CHECK(rc == HERD_ERR_USAGE);
    CHECK(strstr(err.msg, want) != NULL && strchr(err.msg, '\n') == NULL);
    herd_tune_param_free(&p);
}

static void test_parse(void)
{
    herd_tune_param p;
    CHECK(parses("model.hidden=choice:[64]|[128,64]|[8]", &p));
    CHECK(strcmp(p.key, "model.hidden") == 0 && p.kind == HERD_SPACE_CHOICE && p.n_choices == 3);
    CHECK(p.n_choices == 3 && strcmp(p.choices[0], "[64]") == 0 && strcmp(p.choices[1], "[128,64]") == 0 &&
          strcmp(p.choices[2], "[8]") == 0);
    herd_tune_param_free(&p);
    CHECK(parses("optim.name=choice:sgd", &p) && p.n_choices == 1 && strcmp(p.choices[0], "sgd") == 0);
    herd_tune_param_free(&p);
    CHECK(parses("optim.momentum=uniform:-0.5:0.9", &p));
    CHECK(p.kind == HERD_SPACE_UNIFORM && p.lo == -0.5 && p.hi == 0.9);
    CHECK(parses("optim.lr=loguniform:1e-5:0.1", &p));
    CHECK(p.kind == HERD_SPACE_LOGUNIFORM && p.lo == 1e-5 && p.hi == 0.1);
    CHECK(parses("train.epochs=int:2:7", &p));
    CHECK(p.kind == HERD_SPACE_INT && p.lo == 2 && p.hi == 7);

    refused("optim.lr", "expected KEY=SPACE");
    refused("=choice:1|2", "expected KEY=SPACE");
    refused("optim.lr=normal:0:1", "unknown space");
    refused("optim.lr=0.1", "unknown space");
    refused("optim.lr=choice:", "each choice needs a value");
    refused("optim.lr=choice:0.1||0.2", "each choice needs a value");
    refused("optim.lr=choice:0.1|", "each choice needs a value");
    refused("optim.lr=uniform:0.1", "two numbers");
    refused("optim.lr=uniform:a:1", "two numbers");
    refused("optim.lr=uniform:0.1:1x", "two numbers");
    refused("optim.lr=uniform:0.1:nan", "two numbers");
    refused("optim.lr=uniform:1:1", "LO must be below HI");
    refused("optim.lr=uniform:2:1", "LO must be below HI");
    refused("optim.lr=loguniform:0:1", "LO > 0");
    refused("optim.lr=loguniform:-1:1", "LO > 0");
    refused("train.epochs=int:1.5:4", "two integers");
    refused("train.epochs=int:1:4.5", "two integers");
    refused("train.epochs=int:5:5", "LO must be below HI");
}

/* herd_tune_check on the default config: HERD_OK, or a usage error mentioning want. */
static void check_space(const char *const *texts, int n, int method, const char *want)
{
    herd_tune_param p[4];
    herd_config *cfg = herd_config_defaults();
    herd_error err = { 0 };
    CHECK(herd_config_override(cfg, "data.train=train.h5", &err) == HERD_OK);
    for (int i = 0; i < n; i++)
        CHECK(parses(texts[i], &p[i]));
    int rc = herd_tune_check(cfg, p, n, method, &err);
    if (want == NULL ? rc != HERD_OK : rc != HERD_ERR_USAGE || strstr(err.msg, want) == NULL)
        fprintf(stderr, "check %s...: rc %d '%s' (wanted %s)\n", n ? texts[0] : "", rc, err.msg,
                want ? want : "ok");
    CHECK(want == NULL ? rc == HERD_OK : rc == HERD_ERR_USAGE && strstr(err.msg, want) != NULL);
    for (int i = 0; i < n; i++)
        herd_tune_param_free(&p[i]);
    herd_config_free(cfg);
}

static void test_check(void)
{
    const char *ok[] = { "optim.lr=loguniform:1e-4:1", "model.hidden=choice:[64]|[128,64]",
                         "optim.name=choice:sgd|adam", "train.epochs=int:1:3" };
    check_space(ok, 4, HERD_SWEEP_RANDOM, NULL);
    const char *unknown[] = { "optim.lrr=uniform:0.1:1" };
    check_space(unknown, 1, HERD_SWEEP_RANDOM, "unknown key 'optim.lrr'");
    const char *bad_choice[] = { "optim.name=choice:sgd|adamx" };
    check_space(bad_choice, 1, HERD_SWEEP_RANDOM, "adamx");
    const char *bad_hi[] = { "optim.lr=uniform:0.1:20" };  /* optim.lr is in (0, 10] */
    check_space(bad_hi, 1, HERD_SWEEP_RANDOM, "optim.lr=20");
    const char *bad_lo[] = { "train.epochs=int:0:3" };
    check_space(bad_lo, 1, HERD_SWEEP_RANDOM, "train.epochs=0");
    const char *twice[] = { "optim.lr=choice:0.1", "optim.lr=uniform:0.1:1" };
    check_space(twice, 2, HERD_SWEEP_RANDOM, "given twice");
    const char *grid_range[] = { "optim.name=choice:sgd|adam", "optim.lr=uniform:0.1:1" };
    check_space(grid_range, 2, HERD_SWEEP_GRID, "--method grid needs choice");
    check_space(ok, 2, HERD_SWEEP_GRID, "--method grid needs choice");
    check_space(ok + 1, 2, HERD_SWEEP_GRID, NULL);
    check_space(NULL, 0, HERD_SWEEP_RANDOM, "no --param");
    const char *own[] = { "train.checkpoint_dir=choice:a|b" };
    check_space(own, 1, HERD_SWEEP_RANDOM, "the sweep sets it");
}

static void test_sampling(void)
{
    herd_tune_param p[4];
    CHECK(parses("optim.momentum=uniform:-0.5:0.9", &p[0]));
    CHECK(parses("optim.lr=loguniform:1e-5:0.1", &p[1]));
    CHECK(parses("train.epochs=int:2:7", &p[2]));
    CHECK(parses("optim.name=choice:sgd|adam|adamw", &p[3]));
    enum { N = 4000 };
    int outside = 0, decades[4] = { 0 }, ints[8] = { 0 }, names[3] = { 0 };
    double lo = INFINITY, hi = -INFINITY;
    char v[HERD_TUNE_VALUE_MAX];
    for (int64_t i = 0; i < N; i++) {
        herd_tune_value(p, 4, 0, HERD_SWEEP_RANDOM, 7, i, v);
        double u = atof(v);
        outside += !(u >= -0.5 && u <= 0.9);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
        herd_tune_value(p, 4, 1, HERD_SWEEP_RANDOM, 7, i, v);
        double lr = atof(v);
        outside += !(lr >= 1e-5 && lr <= 0.1);
        int d = (int)floor(log10(lr) + 5);
        decades[d < 0 ? 0 : d > 3 ? 3 : d]++;
        herd_tune_value(p, 4, 2, HERD_SWEEP_RANDOM, 7, i, v);
        char *end;
        long e = strtol(v, &end, 10);
        outside += *end != '\0' || e < 2 || e > 7;
        ints[e >= 0 && e < 8 ? e : 0]++;
        herd_tune_value(p, 4, 3, HERD_SWEEP_RANDOM, 7, i, v);
        for (int c = 0; c < 3; c++)
            names[c] += strcmp(v, p[3].choices[c]) == 0;
    }
    CHECK(outside == 0);
    CHECK(lo < -0.45 && hi > 0.85);  /* the whole range is used */
    /* loguniform: each of the 4 decades gets about a quarter (uniform would
     * put 90% in the last one) */
    for (int d = 0; d < 4; d++) {
        if (decades[d] < N / 4 * 0.85 || decades[d] > N / 4 * 1.15)
            fprintf(stderr, "decade %d: %d of %d values\n", d, decades[d], N);
        CHECK(decades[d] > N / 4 * 0.85 && decades[d] < N / 4 * 1.15);
    }
    for (int e = 2; e <= 7; e++)  /* both ends included, evenly */
        CHECK(ints[e] > N / 6 * 0.85 && ints[e] < N / 6 * 1.15);
    CHECK(names[0] + names[1] + names[2] == N);
    for (int c = 0; c < 3; c++)
        CHECK(names[c] > N / 3 * 0.85 && names[c] < N / 3 * 1.15);
    for (int k = 0; k < 4; k++)
        herd_tune_param_free(&p[k]);
}

/* The same seed gives the same values whatever the order of asking;
 * another seed gives other values; params do not share draws. */
static void test_reproducible(void)
{
    herd_tune_param p[2];
    CHECK(parses("optim.lr=loguniform:1e-5:0.1", &p[0]));
    CHECK(parses("optim.momentum=uniform:0:0.9", &p[1]));
    char a[HERD_TUNE_VALUE_MAX], b[HERD_TUNE_VALUE_MAX], forward[20][HERD_TUNE_VALUE_MAX];
    for (int64_t i = 0; i < 20; i++)
        herd_tune_value(p, 2, 0, HERD_SWEEP_RANDOM, 11, i, forward[i]);
    int same = 0, other_seed_same = 0, distinct = 0, params_same = 0;
    for (int64_t i = 19; i >= 0; i--) {
        herd_tune_value(p, 2, 0, HERD_SWEEP_RANDOM, 11, i, a);
        same += strcmp(a, forward[i]) == 0;
        herd_tune_value(p, 2, 0, HERD_SWEEP_RANDOM, 12, i, b);
        other_seed_same += strcmp(a, b) == 0;
        distinct += i == 0 || strcmp(forward[i], forward[i - 1]) != 0;
        herd_tune_value(p, 2, 1, HERD_SWEEP_RANDOM, 11, i, b);
        params_same += fabs(log(atof(a) / 1e-5) / log(1e4) - atof(b) / 0.9) < 1e-6;
    }
    CHECK(same == 20);
    CHECK(other_seed_same == 0);
    CHECK(distinct == 20);
    CHECK(params_same == 0);
    herd_tune_param_free(&p[0]);
    herd_tune_param_free(&p[1]);
}

static void test_grid(void)
{
    herd_tune_param p[3];
    CHECK(parses("optim.name=choice:sgd|adam|adamw", &p[0]));
    CHECK(parses("model.hidden=choice:[8]|[16,8]", &p[1]));
    CHECK(parses("seed=choice:1|2", &p[2]));
    CHECK(herd_tune_trial_count(p, 3, HERD_SWEEP_GRID, 0) == 12);
    CHECK(herd_tune_trial_count(p, 3, HERD_SWEEP_GRID, 5) == 5);
    CHECK(herd_tune_trial_count(p, 3, HERD_SWEEP_GRID, 50) == 12);
    CHECK(herd_tune_trial_count(p, 3, HERD_SWEEP_RANDOM, 0) == 10);
    CHECK(herd_tune_trial_count(p, 3, HERD_SWEEP_RANDOM, 3) == 3);
    /* every combination once, the first param slowest */
    char seen[12][3 * HERD_TUNE_VALUE_MAX + 4], v[3][HERD_TUNE_VALUE_MAX];
    int in_order = 0, repeated = 0;
    for (int64_t i = 0; i < 12; i++) {
        for (int k = 0; k < 3; k++)
            herd_tune_value(p, 3, k, HERD_SWEEP_GRID, 99, i, v[k]);
        snprintf(seen[i], sizeof seen[i], "%s %s %s", v[0], v[1], v[2]);
        in_order += strcmp(v[0], p[0].choices[i / 4]) == 0 && strcmp(v[1], p[1].choices[i / 2 % 2]) == 0 &&
                    strcmp(v[2], p[2].choices[i % 2]) == 0;
        for (int64_t j = 0; j < i; j++)
            repeated += strcmp(seen[i], seen[j]) == 0;
    }
    CHECK(in_order == 12);
    CHECK(repeated == 0);
    CHECK(strcmp(seen[0], "sgd [8] 1") == 0 && strcmp(seen[1], "sgd [8] 2") == 0 &&
          strcmp(seen[11], "adamw [16,8] 2") == 0);
    for (int k = 0; k < 3; k++)
        herd_tune_param_free(&p[k]);
}

/* A grid larger than a sweep runs: its count stays above the limit instead
 * of overflowing (8^24 = 2^72 wraps to 0 in 64 bits), and --trials takes
 * its first combinations. */
static void test_huge_grid(void)
{
    enum { N = 24 };
    herd_tune_param p[N];
    int parsed = 0;
    for (int k = 0; k < N; k++)
        parsed += parses("seed=choice:1|2|3|4|5|6|7|8", &p[k]);
    CHECK(parsed == N);
    CHECK(herd_tune_trial_count(p, N, HERD_SWEEP_GRID, 0) > HERD_TUNE_MAX_TRIALS);
    CHECK(herd_tune_trial_count(p, N, HERD_SWEEP_GRID, 5) == 5);
    for (int k = 0; k < N; k++)
        herd_tune_param_free(&p[k]);
}

int main(void)
{
    test_parse();
    test_check();
    test_sampling();
    test_reproducible();
    test_grid();
    test_huge_grid();
    return herd_test_finish("test_tune");
}
