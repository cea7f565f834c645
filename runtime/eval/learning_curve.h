/* learning_curve.h - train on growing fractions of the training rows and
 * score each model on the rows it saw and on validation rows. */
#ifndef HERD_LEARNING_CURVE_H
#define HERD_LEARNING_CURVE_H

#include "comm/comm.h"
#include "config/config.h"
#include "core/status.h"

#include <cjson/cJSON.h>

/* Train cfg once per fraction (n of them, each in (0, 1]) with
 * data.train_fraction set, in <train.checkpoint_dir>/learning-curve/f<F>,
 * and score it. *out (always set; caller deletes) is
 * {"learning_curve": {metric, data, ranks, points: [{fraction, train_rows,
 * validation_rows, train, validation, seconds, checkpoint, train_metrics,
 * validation_metrics}]}}; metric NULL picks roc_auc (binary), accuracy
 * (multiclass) or rmse (regression); a metric the task does not report is a
 * usage error before anything is trained. Returns HERD_OK or the agreed error.
 * COLLECTIVE. */
int herd_learning_curve(herd_comm *comm, const herd_config *cfg, const double *fractions, int n,
                        const char *metric, cJSON **out, herd_error *err);

const char *herd_learning_curve_default_metric(int task);

#endif
