/* predictor.h - the model(s) behind `herd predict` and `herd eval`.
 *
 * A predictor is one or more members, each a model with its own fitted
 * preprocessing, read from a checkpoint. Several members are an ensemble by
 * soft voting: the prediction is the mean of the members' class
 * probabilities (classifiers; the predicted class is the argmax of the mean)
 * or of their predicted values (regression). One checkpoint is an ensemble
 * of one, whose prediction is exactly that model's. Members must agree on
 * the inputs (n_in and feature names), the task, the classes (n_classes and
 * class names). Per-checkpoint extras (a stored /calibration, conformal
 * thresholds) are not the predictor's: callers apply them to one model only.
 */
#ifndef HERD_PREDICTOR_H
#define HERD_PREDICTOR_H

#include "core/status.h"
#include "data/dataset.h"
#include "models/model.h"
#include "train/checkpoint.h"

#include <stdint.h>

typedef struct herd_predictor {
    int n;                      /* members */
    char **paths;               /* n checkpoint paths, as given */
    herd_checkpoint **ck;       /* n: spec, preprocessing, names, run_id */
    herd_model **model;         /* n: each built for HERD_EVAL_CHUNK rows */
    int task, n_classes;        /* HERD_TASK_*; n_classes 0 for regression */
    int width;                  /* values per row: n_classes, or 1 for regression */
} herd_predictor;

/* Read the n checkpoints at paths and build their models. A member that
 * differs from the first in its inputs, task or classes is refused, named
 * in a one-line HERD_ERR_DATA. Errors: those of herd_checkpoint_read,
 * HERD_ERR_DATA. *out is NULL on error. */
int herd_predictor_open(const char *const *paths, int n, herd_predictor **out, herd_error *err);
void herd_predictor_free(herd_predictor *p);

/* The first member's checkpoint: feature and class names, run_id, spec
 * (the others agree with it). */
const herd_checkpoint *herd_predictor_first(const herd_predictor *p);

/* Predict n rows of raw features X (n x cols, left unchanged): each member
 * preprocesses a copy with its own preprocessing and predicts; out (n x
 * p->width) receives the mean over the members. file_rows[i] is the file's
 * index of row i, for errors (NULL when not known). Not collective. */
int herd_predictor_predict_rows(const herd_predictor *p, const float *X, int64_t n,
                                const int64_t *file_rows, int64_t cols, float *out,
                                herd_error *err);

/* Check that ds holds the inputs the predictor takes: as many columns, and,
 * when both name them, the first member's feature names in the same order
 * (herd_dataset_check_feature_names: a file without names is taken with a
 * warning). Errors: HERD_ERR_DATA naming ds's file. Not collective. */
int herd_predictor_check_inputs(const herd_predictor *p, herd_dataset *ds, herd_error *err);

/* Parameters over all members (the ensemble's size). */
size_t herd_predictor_n_params(const herd_predictor *p);

#endif
