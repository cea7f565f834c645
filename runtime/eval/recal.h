/* recal.h - what `herd eval` fits and stores with a model, and `herd predict` applies.
 *
 * A checkpoint's optional /calibration group (docs/formats.md) holds a
 * recalibration map of the model's scores (Platt scaling of the
 * positive-class logit, isotonic regression of the positive-class
 * probability, or temperature scaling of all logits) and the split-conformal
 * thresholds (LAC and APS for classifiers, the absolute-residual quantile for
 * regression). Applying these is not collective; fitting is in
 * calibration.c and conformal.c.
 */
#ifndef HERD_RECAL_H
#define HERD_RECAL_H

#include "core/status.h"

#include <stdint.h>

typedef struct herd_recal {
    int method;              /* HERD_RECAL_* (config.h) */
    double platt_a, platt_b; /* p' = 1 / (1 + exp(-(a * logit(p) + b))) */
    double temperature;      /* p' = softmax(log(p) / T) */
    int64_t n_iso;           /* isotonic: p' = piecewise linear through (iso_x, iso_y) */
    double *iso_x, *iso_y;

    int has_conformal;
    double alpha;            /* miscoverage the thresholds were fitted for */
    int conformal_method;    /* HERD_CONFORMAL_* used by herd predict --conformal */
    double q_lac;            /* classification: include class k when 1 - p_k <= q_lac */
    double q_aps;            /* classification: include class k when its APS score <= q_aps */
    double q_abs;            /* regression: interval prediction +- q_abs */
} herd_recal;

/* Recalibrate n rows of K class probabilities in place (K = 2 binary:
 * Platt and isotonic change p_1 and set p_0 = 1 - p_1). No-op for method none
 * or regression (K <= 1). */
void herd_recal_apply(const herd_recal *r, float *prob, int64_t n, int K);

/* APS score of class k: the mass of the classes ranked above k (by p, the
 * lower index first on ties) plus u * p_k, u uniform in [0, 1) per row
 * (randomised APS: without u, the ties at the top make sets too large). */
double herd_recal_aps_score(const float *p, int K, int k, double u);

/* Uniform u of row (its index in the file) for randomised APS. */
double herd_recal_aps_u(int64_t row);

/* Conformal set of one row of K probabilities into in_set[K] (1 = member);
 * returns the set size. method HERD_CONFORMAL_LAC or _APS (u from
 * herd_recal_aps_u). */
int herd_recal_conformal_set(const herd_recal *r, int method, const float *p, int K,
                             double u, uint8_t *in_set);

/* Replace the /calibration group of the checkpoint at path: copy to
 * path.tmp, write, fsync, rename (the file is whole before and after); other
 * names of the old file in the same folder (hard links: best.h5) are then
 * made names of the new one, each replaced atomically.
 * Errors: HERD_ERR_IO naming the path. Not collective (rank 0). */
int herd_recal_store(const char *path, const herd_recal *r, herd_error *err);

/* Complete r, about to be stored in the checkpoint at path, with what this
 * evaluation did not fit from the group stored there: its recalibration map
 * when r->method is none, its conformal thresholds when r->has_conformal is
 * 0, so a later `herd eval` without eval.calibration.method (or with
 * eval.conformal.enabled false) keeps what an earlier one stored. Errors as
 * herd_recal_load. Not collective (rank 0). */
int herd_recal_keep_stored(const char *path, herd_recal *r, herd_error *err);

/* Read path's /calibration group into *r; *found = 0 (and r zeroed, method
 * none) when the checkpoint has none. Errors: HERD_ERR_IO, HERD_ERR_DATA. */
int herd_recal_load(const char *path, herd_recal *r, int *found, herd_error *err);

/* Free the isotonic arrays; r itself is the caller's. Safe on zeroed r. */
void herd_recal_clear(herd_recal *r);

#endif
