/* synth.c - reproducible synthetic datasets for tests, demos and benchmarks.
 *
 * Every number is a pure function of the seed: each part (features, teacher
 * weights, nonlinearity weights, noise, split) draws from its own sub-seed
 * on HERD_STREAM_SYNTH with the element index as counter, so the same spec
 * gives the same bytes (and content hash) on any machine.
 *
 * Features are standard normal. Classification: class k scores
 * m w_k.x + 0.5 ((v_k.x)^2 - 1) with w_k, v_k ~ N(0, 1/d) and margin
 * m = sqrt(2 K) (the gap between the best two of K random scores shrinks as
 * K grows); the label is the argmax, then with probability `noise` replaced
 * by a uniformly drawn class. The linear part alone agrees with the label
 * for about 93% (K = 2) to 88% (K = 10) of rows before noise, so a linear
 * model reaches roughly 80-90% at the default noise 0.1 and a nonlinear one
 * can approach 1 - noise (K - 1) / K. Regression:
 * y = w.x + 0.5 sin(2 v.x) + noise * N(0, 1).
 *
 * Credit (herd_synth_credit): eleven named features drawn per row from a
 * latent distress z (which drives the late-payment counts), true log-odds
 * linear in them with positive weights on every late count, an intercept
 * found by bisection so the mean default probability is 0.07, and a
 * protected `group` drawn on its own that the label never sees.
 */
#include "data/dataset.h"
#include "data/import.h"
#include "core/mem.h"
#include "core/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PART_FEATURES = 1, PART_W = 2, PART_V = 3, PART_NOISE = 4, PART_SPLIT = 5, PART_FLIP = 6 };

#define QUAD_WEIGHT 0.5
#define SIN_WEIGHT 0.5

static uint64_t part_seed(uint64_t seed, int part)
{
    return herd_rng_u64(seed, HERD_STREAM_SYNTH, (uint64_t)part);
}

/* n x d standard normals / sqrt(scale_d) from part's sub-seed. */
static float *normals(uint64_t seed, int part, int64_t n, int64_t d, double scale_d)
{
    uint64_t s = part_seed(seed, part);
    double f = 1.0 / sqrt(scale_d);
    float *a = herd_malloc((size_t)(n * d + 1) * sizeof *a);
    for (int64_t i = 0; i < n * d; i++)
        a[i] = (float)(herd_rng_normal(s, HERD_STREAM_SYNTH, (uint64_t)i) * f);
    return a;
}

static double dot(const float *a, const float *b, int64_t d)
{
    double s = 0;
    for (int64_t j = 0; j < d; j++)
        s += (double)a[j] * b[j];
    return s;
}

static void class_labels(const herd_synth_spec *sp, const float *X, float *y)
{
    int64_t d = sp->features;
    int K = sp->classes;
    float *W = normals(sp->seed, PART_W, K, d, (double)d);
    float *V = normals(sp->seed, PART_V, K, d, (double)d);
    uint64_t flip = part_seed(sp->seed, PART_FLIP);
    double margin = sqrt(2.0 * K);
    for (int64_t i = 0; i < sp->rows; i++) {
        const float *x = X + i * d;
        int best = 0;
        double best_score = -INFINITY;
        for (int k = 0; k < K; k++) {
            double q = dot(V + k * d, x, d);
            double score = margin * dot(W + k * d, x, d) + QUAD_WEIGHT * (q * q - 1.0);
            if (score > best_score) {
                best_score = score;
                best = k;
            }
        }
        if (herd_rng_uniform(flip, HERD_STREAM_SYNTH, 2 * (uint64_t)i) < sp->noise)
            best = (int)(herd_rng_u64(flip, HERD_STREAM_SYNTH, 2 * (uint64_t)i + 1) % (uint64_t)K);
        y[i] = (float)best;
    }
    free(V);
    free(W);
}

static void regression_targets(const herd_synth_spec *sp, const float *X, float *y)
{
    int64_t d = sp->features;
    float *w = normals(sp->seed, PART_W, 1, d, (double)d);
    float *v = normals(sp->seed, PART_V, 1, d, (double)d);
    uint64_t noise = part_seed(sp->seed, PART_NOISE);
    for (int64_t i = 0; i < sp->rows; i++) {
        const float *x = X + i * d;
        double t = dot(w, x, d) + SIN_WEIGHT * sin(2.0 * dot(v, x, d));
        y[i] = (float)(t + sp->noise * herd_rng_normal(noise, HERD_STREAM_SYNTH, (uint64_t)i));
    }
    free(v);
    free(w);
}

/* /split per row: test with probability test_fraction, else val with
 * val_fraction, else train. NULL when both fractions are 0. */
static uint8_t *make_split(const herd_synth_spec *sp)
{
    if (sp->val_fraction <= 0 && sp->test_fraction <= 0)
        return NULL;
    uint64_t s = part_seed(sp->seed, PART_SPLIT);
    uint8_t *split = herd_malloc((size_t)sp->rows + 1);
    for (int64_t i = 0; i < sp->rows; i++) {
        double u = herd_rng_uniform(s, HERD_STREAM_SYNTH, (uint64_t)i);
        split[i] = u < sp->test_fraction                       ? HERD_SPLIT_TEST
                   : u < sp->test_fraction + sp->val_fraction ? HERD_SPLIT_VAL
                                                               : HERD_SPLIT_TRAIN;
    }
    return split;
}

static int check_spec(const herd_synth_spec *sp, herd_error *err)
{
    int classify = sp->kind == HERD_TASK_BINARY || sp->kind == HERD_TASK_MULTICLASS;
    if (!classify && sp->kind != HERD_TASK_REGRESSION)
        return herd_error_set(err, HERD_ERR_USAGE, "synth: unknown kind %d", sp->kind);
    if (sp->rows < 1 || sp->features < 1)
        return herd_error_set(err, HERD_ERR_USAGE, "synth: need rows >= 1 and features >= 1");
    if (classify && (sp->classes < 2 || sp->classes > 1000000))
        return herd_error_set(err, HERD_ERR_USAGE, "synth: classes must be 2..1000000, got %d",
                              sp->classes);
    if (!(sp->noise >= 0) || (classify && sp->noise > 1))
        return herd_error_set(err, HERD_ERR_USAGE, "synth: noise %g outside %s", sp->noise,
                              classify ? "[0, 1]" : "[0, inf)");
    if (!(sp->val_fraction >= 0) || !(sp->test_fraction >= 0) ||
        !(sp->val_fraction + sp->test_fraction < 1))
        return herd_error_set(err, HERD_ERR_USAGE,
                              "synth: val and test fractions must be >= 0 and sum below 1");
    return HERD_OK;
}

int herd_synth(const herd_synth_spec *sp, const char *out, herd_error *err)
{
    int rc = check_spec(sp, err);
    if (rc != HERD_OK)
        return rc;
    int regression = sp->kind == HERD_TASK_REGRESSION;
    float *X = normals(sp->seed, PART_FEATURES, sp->rows, sp->features, 1.0);
    float *y = herd_malloc((size_t)sp->rows * sizeof *y);
    if (regression)
        regression_targets(sp, X, y);
    else
        class_labels(sp, X, y);
    uint8_t *split = make_split(sp);
    char source[256];
    snprintf(source, sizeof source,
             "synth: kind=%s rows=%lld features=%lld classes=%d seed=%llu noise=%g val=%g test=%g",
             regression ? "regression" : "classification", (long long)sp->rows,
             (long long)sp->features, regression ? 0 : sp->classes,
             (unsigned long long)sp->seed, sp->noise, sp->val_fraction, sp->test_fraction);
    herd_dataset_spec spec = {
        .rows = sp->rows, .cols = sp->features, .X = X, .y = y, .split = split,
        .feature_names = NULL,
        .task = regression ? HERD_TASK_REGRESSION
                           : (sp->classes == 2 ? HERD_TASK_BINARY : HERD_TASK_MULTICLASS),
        .n_classes = regression ? 0 : sp->classes, .source = source
    };
    rc = herd_dataset_write(out, &spec, NULL, err);
    free(split);
    free(y);
    free(X);
    return rc;
}

/* ---- credit: a 'Give Me Some Credit'-like set with known structure ---- */

enum { CREDIT_COLS = 11, CREDIT_GROUP = 10 };

static const char *const credit_names[CREDIT_COLS] = {
    "revolving_utilization", "age", "num_30_59_days_late", "debt_ratio", "monthly_income",
    "num_open_lines", "num_90_days_late", "num_real_estate_loans", "num_60_89_days_late",
    "dependents", "group",
};

/* Poisson(lambda) by inversion of one uniform (small lambdas only). */
static double poisson(double lambda, double u)
{
    double p = exp(-lambda), cum = p;
    int k = 0;
    while (u > cum && k < 50) {
        k++;
        p *= lambda / k;
        cum += p;
    }
    return k;
}

/* Draw row i's features into x and return its true log-odds before the
 * intercept. The latent distress z drives the late-payment counts (so they
 * correlate) and adds risk no feature shows, as in real credit data. */
static double credit_row(uint64_t s, int64_t i, float *x)
{
    uint64_t c = (uint64_t)i * 16;
    double z = herd_rng_normal(s, HERD_STREAM_SYNTH, c);
    double util = fmin(1.5, -log(1 - herd_rng_uniform(s, HERD_STREAM_SYNTH, c + 1)) * 0.3);
    double age = fmin(95, fmax(21, round(48 + 14 * herd_rng_normal(s, HERD_STREAM_SYNTH, c + 2))));
    double debt = exp(-1 + 0.8 * herd_rng_normal(s, HERD_STREAM_SYNTH, c + 3));
    double income = round(exp(8.5 + 0.6 * herd_rng_normal(s, HERD_STREAM_SYNTH, c + 4)));
    int missing = herd_rng_uniform(s, HERD_STREAM_SYNTH, c + 5) < 0.2;
    double late30 = poisson(0.25 * exp(0.8 * z), herd_rng_uniform(s, HERD_STREAM_SYNTH, c + 6));
    double late60 = poisson(0.12 * exp(0.8 * z), herd_rng_uniform(s, HERD_STREAM_SYNTH, c + 7));
    double late90 = poisson(0.10 * exp(0.9 * z), herd_rng_uniform(s, HERD_STREAM_SYNTH, c + 8));
    float row[CREDIT_COLS] = {
        (float)util, (float)age, (float)late30, (float)debt, missing ? NAN : (float)income,
        (float)poisson(8, herd_rng_uniform(s, HERD_STREAM_SYNTH, c + 9)), (float)late90,
        (float)poisson(1, herd_rng_uniform(s, HERD_STREAM_SYNTH, c + 10)), (float)late60,
        (float)poisson(0.8, herd_rng_uniform(s, HERD_STREAM_SYNTH, c + 11)),
        (float)(herd_rng_uniform(s, HERD_STREAM_SYNTH, c + 12) < 0.4),
    };
    memcpy(x, row, sizeof row);
    double income_term = missing ? 0.2 : -0.4 * log(income / 5000);
    return 1.6 * util - 0.03 * (age - 48) + 0.5 * late30 + 0.7 * late60 + 0.9 * late90 +
           0.4 * log(debt + 0.1) + income_term + 0.6 * z;
}

/* Intercept putting the mean probability at 0.07 (bisection; deterministic). */
static double credit_intercept(const double *logit, int64_t n)
{
    double lo = -20, hi = 5;
    for (int it = 0; it < 60; it++) {
        double mid = 0.5 * (lo + hi), mean = 0;
        for (int64_t i = 0; i < n; i++)
            mean += 1 / (1 + exp(-(logit[i] + mid)));
        if (mean / (double)n > 0.07)
            hi = mid;
        else
            lo = mid;
    }
    return 0.5 * (lo + hi);
}

int herd_synth_credit(const herd_synth_spec *sp, const char *out, herd_error *err)
{
    herd_synth_spec check = *sp;
    check.kind = HERD_TASK_BINARY;
    check.features = CREDIT_COLS;
    check.classes = 2;
    check.noise = 0;
    int rc = check_spec(&check, err);
    if (rc != HERD_OK)
        return rc;
    uint64_t s = part_seed(sp->seed, PART_FEATURES), flip = part_seed(sp->seed, PART_FLIP);
    float *X = herd_malloc((size_t)(sp->rows * CREDIT_COLS) * sizeof *X);
    float *y = herd_malloc((size_t)sp->rows * sizeof *y);
    double *logit = herd_malloc((size_t)sp->rows * sizeof *logit);
    int32_t *group = herd_malloc((size_t)sp->rows * sizeof *group);
    for (int64_t i = 0; i < sp->rows; i++) {
        logit[i] = credit_row(s, i, X + i * CREDIT_COLS);
        group[i] = (int32_t)X[i * CREDIT_COLS + CREDIT_GROUP];
    }
    double b0 = credit_intercept(logit, sp->rows);
    for (int64_t i = 0; i < sp->rows; i++)
        y[i] = herd_rng_uniform(flip, HERD_STREAM_SYNTH, (uint64_t)i) < 1 / (1 + exp(-(logit[i] + b0)));
    uint8_t *split = make_split(sp);
    char source[200];
    snprintf(source, sizeof source, "synth: kind=credit rows=%lld seed=%llu val=%g test=%g",
             (long long)sp->rows, (unsigned long long)sp->seed, sp->val_fraction, sp->test_fraction);
    const char *column_names[1] = { "group" };
    const int32_t *columns[1] = { group };
    herd_dataset_spec spec = {
        .rows = sp->rows, .cols = CREDIT_COLS, .X = X, .y = y, .split = split,
        .feature_names = credit_names, .task = HERD_TASK_BINARY, .n_classes = 2, .source = source,
        .n_columns = 1, .column_names = column_names, .columns = columns,
    };
    rc = herd_dataset_write(out, &spec, NULL, err);
    free(split);
    free(group);
    free(logit);
    free(y);
    free(X);
    return rc;
}
