/* checks.h - helpers shared by the slices, behavioural tests and gate
 * sections: reading their structured config keys (compact JSON text, see
 * config.h), finding a feature by name, normal quantiles and the intervals
 * built from them. Nothing here is collective.
 */
#ifndef HERD_EVAL_CHECKS_H
#define HERD_EVAL_CHECKS_H

#include "eval/evaluate.h"

/* Parse the JSON text of config key `key` (always valid: the config loader
 * wrote it). Returns a new cJSON (caller deletes) or NULL with err set
 * (HERD_ERR_USAGE) when it is not of type want (cJSON_Array/cJSON_Object). */
cJSON *herd_eval_key_json(const char *text, const char *key, int want, herd_error *err);

/* The eval.* keys that need the data to be checked, before any section
 * runs: a key of a section that does not run for the task (eval.threshold.*
 * without a binary model; eval.calibration.*, eval.selective.* or
 * eval.conformal.method with a regression model) differs from its default;
 * an entry of eval.slices or eval.tests.* has a key it does not take ("bin",
 * "tolerence": the message lists those it takes) or names a feature the data
 * does not have. Reads ctx->cfg, task, info, feature_names and req->data
 * only. HERD_OK or HERD_ERR_USAGE. */
int herd_eval_check_options(const herd_eval_ctx *ctx, herd_error *err);

/* Column of the feature named name, or -1 with err set (HERD_ERR_USAGE,
 * naming key and the dataset). */
int herd_eval_feature_index(const herd_eval_ctx *ctx, const char *name, const char *key,
                            herd_error *err);

/* A number member of obj, or def when absent or not a number. */
double herd_eval_json_number(const cJSON *obj, const char *name, double def);

/* z with P(N(0,1) <= z) = p, for p in (0, 1). */
double herd_eval_normal_quantile(double p);

/* Wilson score interval of k successes in n at level confidence. */
void herd_eval_wilson(double k, double n, double confidence, double *lo, double *hi);

/* 1 when a smaller value of the metric named name is better: losses, errors,
 * calibration errors, times, sizes; judged by the last part of its path
 * ("val/log_loss", "eval/calibration/ece", "train/step_ms"). The one rule for
 * train.keep_best, herd runs best and the evaluation's checks. */
int herd_eval_lower_is_better(const char *name);

#endif
