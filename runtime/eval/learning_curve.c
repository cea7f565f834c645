/* learning_curve.c - `herd eval learning-curve`: would more data help?
 *
 * For each fraction f (ascending) the config is trained again with
 * data.train_fraction = f (a subset drawn from the seed, nested: the rows of
 * a smaller fraction are among those of a larger one) and without its test
 * evaluation or eval: section, in its own checkpoint folder. The trained checkpoint is then
 * scored, data-parallel, on the training rows it saw and on the validation
 * rows (data.val, or the data.val_fraction carve), with the accumulators of
 * eval/metrics.h, and the wall time of training is recorded, as
 * scikit-learn's learning_curve reports train and validation scores per
 * training-set size.
 */
#include "eval/learning_curve.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timer.h"
#include "data/dataset.h"
#include "eval/evaluate.h"
#include "eval/metrics.h"
#include "train/batches.h"
#include "train/checkpoint.h"
#include "train/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *herd_learning_curve_default_metric(int task)
{
    return task == HERD_TASK_BINARY ? "roc_auc" : task == HERD_TASK_MULTICLASS ? "accuracy" : "rmse";
}

/* Metrics of model on rows (this rank's shard) into a new object. COLLECTIVE. */
static cJSON *score_rows(herd_comm *comm, const herd_checkpoint *ck, herd_model *model,
                         const herd_rows *rows, herd_error *err)
{
    const herd_model_spec *spec = &ck->spec;
    int width = spec->task == HERD_TASK_REGRESSION ? 1 : spec->n_classes;
    float *pred = herd_malloc((size_t)(rows->n * width + 1) * sizeof(float));
    int rc = herd_eval_predict_rows(model, ck->pp, rows->X, rows->n, NULL, rows->cols, width, pred,
                                    err);
    herd_eval_acc acc;
    herd_eval_result res = { 0 };
    herd_eval_begin(&acc, spec->task, spec->n_classes);
    if (rc == HERD_OK)
        herd_eval_add(&acc, pred, rows->y, rows->n);
    rc = herd_comm_agree(comm, err) == HERD_OK ? herd_eval_finish(&acc, comm, &res, err) : err->code;
    free(pred);
    if (rc != HERD_OK)
        return NULL;
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "rows", res.rows);
    for (int i = 0; i < res.n; i++)
        cJSON_AddNumberToObject(m, res.names[i], res.values[i]);
    return m;
}

/* Load the training subset and the validation rows of cfg. COLLECTIVE. */
static int load_rows(herd_comm *comm, const herd_config *cfg, herd_rows *train, herd_rows *val,
                     int64_t *n_train, int64_t *n_val, herd_error *err)
{
    herd_dataset *ds = NULL, *vds = NULL;
    int rank = herd_comm_rank(comm), size = herd_comm_size(comm);
    uint64_t seed = (uint64_t)cfg->seed;
    int rc = herd_dataset_open_labelled(cfg->data.train, "a learning curve", &ds, err);
    if (rc == HERD_OK)
        rc = herd_rows_load_shard_fraction(ds, HERD_ROLE_TRAIN, seed, cfg->data.val_fraction,
                                           cfg->data.train_fraction, rank, size, train, n_train, err);
    if (rc == HERD_OK && cfg->data.val[0] != '\0')
        rc = herd_dataset_open_labelled(cfg->data.val, "a learning curve", &vds, err);
    if (rc == HERD_OK)
        rc = herd_rows_load_shard_fraction(vds != NULL ? vds : ds, vds != NULL ? HERD_ROLE_ALL : HERD_ROLE_VAL,
                                           seed, vds != NULL ? 0 : cfg->data.val_fraction, 1, rank,
                                           size, val, n_val, err);
    if (rc == HERD_OK && *n_val == 0)
        rc = herd_error_set(err, HERD_ERR_USAGE,
                            "learning-curve: no validation rows; set data.val or data.val_fraction");
    herd_dataset_close(vds);
    herd_dataset_close(ds);
    return herd_comm_agree(comm, err) == HERD_OK ? HERD_OK : err->code;
}

/* The checkpoint rank 0's training summary names, on every rank. COLLECTIVE. */
static int trained_checkpoint(herd_comm *comm, const char *summary, char **path, herd_error *err)
{
    *path = NULL;
    if (herd_comm_rank(comm) == 0) {
        cJSON *j = herd_train_read_summary(summary);
        const char *ck = cJSON_GetStringValue(cJSON_GetObjectItem(j, "checkpoint"));
        if (ck != NULL)
            *path = herd_strdup(ck);
        else
            herd_error_set(err, HERD_ERR_RUNTIME, "learning-curve: %s names no checkpoint", summary);
        cJSON_Delete(j);
    }
    if (herd_comm_agree(comm, err) != HERD_OK)
        return err->code;
    return herd_comm_bcast_string(comm, path, 0, err);
}

/* HERD_OK when cfg's training data has labels and metric (NULL: the
 * default) is one that herd_eval_finish reports for its task, checked before
 * anything is trained; else a data error, or a usage error naming the
 * metrics of the task. COLLECTIVE. */
static int check_metric(herd_comm *comm, const herd_config *cfg, const char *metric,
                        herd_error *err)
{
    herd_dataset *ds = NULL;
    if (herd_comm_rank(comm) == 0 &&
        herd_dataset_open_labelled(cfg->data.train, "a learning curve", &ds, err) == HERD_OK &&
        metric != NULL) {
        int task = herd_dataset_get_info(ds)->task, known = 0;
        char list[256] = "";
        for (const char *const *m = herd_eval_metric_names(task); *m != NULL; m++) {
            known |= strcmp(*m, metric) == 0;
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                     list[0] ? ", " : "", *m);
        }
        if (!known)
            herd_error_set(err, HERD_ERR_USAGE,
                           "eval learning-curve: --metric '%s' is not a metric of a %s task; "
                           "use one of %s",
                           metric, herd_task_name(task), list);
    }
    herd_dataset_close(ds);
    return herd_comm_agree(comm, err) == HERD_OK ? HERD_OK : err->code;
}

/* cfg with the overrides of one point of the curve. Not collective. */
static int point_config(const herd_config *base, double fraction, herd_config **out, char *dir,
                        size_t dir_cap, herd_error *err)
{
    char o[4][2 * HERD_PATH_MAX];
    snprintf(dir, dir_cap, "%s/learning-curve/f%g", base->train.checkpoint_dir, fraction);
    snprintf(o[0], sizeof o[0], "data.train_fraction=%.17g", fraction);
    snprintf(o[1], sizeof o[1], "train.checkpoint_dir=%s", dir);
    snprintf(o[2], sizeof o[2], "run_name=%.60s%slearning-curve-f%g", base->run_name,
             base->run_name[0] ? "-" : "", fraction);
    snprintf(o[3], sizeof o[3], "data.test=");
    int rc = herd_config_from_canonical(base->canonical, out, err);
    for (int i = 0; i < 4 && rc == HERD_OK; i++)
        rc = herd_config_override(*out, o[i], err);
    return rc;
}

static int score_point(herd_comm *comm, const herd_config *cfg, const char *ckpt, cJSON *point,
                       herd_error *err)
{
    herd_checkpoint *ck = NULL;
    herd_model *model = NULL;
    herd_rows train = { 0 }, val = { 0 };
    int64_t n_train = 0, n_val = 0;
    int rc = herd_checkpoint_read(ckpt, &ck, err);
    if (rc == HERD_OK)
        rc = herd_model_create(&ck->spec, HERD_EVAL_CHUNK, 0, &model, err);
    if (rc == HERD_OK)
        rc = herd_checkpoint_restore_model(ck, model, err);
    rc = herd_comm_agree(comm, err) == HERD_OK ? HERD_OK : err->code;
    if (rc == HERD_OK)
        rc = load_rows(comm, cfg, &train, &val, &n_train, &n_val, err);
    cJSON *mt = rc == HERD_OK ? score_rows(comm, ck, model, &train, err) : NULL;
    cJSON *mv = mt != NULL ? score_rows(comm, ck, model, &val, err) : NULL;
    if (mv != NULL) {
        cJSON_AddNumberToObject(point, "train_rows", (double)n_train);
        cJSON_AddNumberToObject(point, "validation_rows", (double)n_val);
        cJSON_AddItemToObject(point, "train_metrics", mt);
        cJSON_AddItemToObject(point, "validation_metrics", mv);
    } else {
        cJSON_Delete(mt);
        rc = rc != HERD_OK ? rc : err->code;
    }
    herd_rows_free(&train);
    herd_rows_free(&val);
    herd_model_free(model);
    herd_checkpoint_free(ck);
    return rc;
}

static int run_point(herd_comm *comm, const herd_config *base, double fraction, cJSON *point,
                     herd_error *err)
{
    herd_config *cfg = NULL;
    char dir[HERD_PATH_MAX + 64], summary[HERD_PATH_MAX + 96], *ckpt = NULL;
    int rc = point_config(base, fraction, &cfg, dir, sizeof dir, err);
    snprintf(summary, sizeof summary, "%s/summary.json", dir);
    herd_train_options opt = { .summary_json = summary, .command = "herd eval learning-curve",
                               .skip_eval = 1 };
    /* the summary goes into dir, which must exist before training */
    if (rc == HERD_OK && herd_comm_rank(comm) == 0)
        herd_checkpoint_check_dir(dir, err);
    if (rc == HERD_OK)
        rc = herd_comm_agree(comm, err) == HERD_OK ? HERD_OK : err->code;
    double t0 = herd_now();
    if (rc == HERD_OK)
        rc = herd_train(comm, cfg, &opt, err);
    double seconds = herd_now() - t0;
    if (rc == HERD_OK)
        rc = herd_comm_allreduce_max_f64(comm, &seconds, 1, err);
    if (rc == HERD_OK)
        rc = trained_checkpoint(comm, summary, &ckpt, err);
    cJSON_AddNumberToObject(point, "fraction", fraction);
    if (rc == HERD_OK)
        rc = score_point(comm, cfg, ckpt, point, err);
    cJSON_AddNumberToObject(point, "seconds", seconds);
    if (ckpt != NULL)
        cJSON_AddStringToObject(point, "checkpoint", ckpt);
    free(ckpt);
    herd_config_free(cfg);
    return rc;
}

int herd_learning_curve(herd_comm *comm, const herd_config *cfg, const double *fractions, int n,
                        const char *metric, cJSON **out, herd_error *err)
{
    cJSON *lc = cJSON_CreateObject(), *points = cJSON_CreateArray();
    int rc = check_metric(comm, cfg, metric, err);
    for (int i = 0; i < n && rc == HERD_OK; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddItemToArray(points, p);
        rc = run_point(comm, cfg, fractions[i], p, err);
        const char *m = metric;
        if (rc == HERD_OK && m == NULL)
            m = herd_learning_curve_default_metric(
                cJSON_GetObjectItem(cJSON_GetObjectItem(p, "train_metrics"), "roc_auc") != NULL ? HERD_TASK_BINARY
                : cJSON_GetObjectItem(cJSON_GetObjectItem(p, "train_metrics"), "accuracy") != NULL ? HERD_TASK_MULTICLASS
                : HERD_TASK_REGRESSION);
        if (rc == HERD_OK && i == 0)
            cJSON_AddStringToObject(lc, "metric", m);
        const char *key = cJSON_GetStringValue(cJSON_GetObjectItem(lc, "metric"));
        double tv = rc == HERD_OK ? cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "train_metrics"), key)) : NAN;
        double vv = rc == HERD_OK ? cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "validation_metrics"), key)) : NAN;
        cJSON_AddNumberToObject(p, "train", tv);
        cJSON_AddNumberToObject(p, "validation", vv);
        char tbuf[32], vbuf[32];
        if (rc == HERD_OK && herd_comm_rank(comm) == 0)
            herd_info("learning curve: fraction %g: %.0f rows, train %s %s, validation %s, %.2f s",
                      fractions[i], cJSON_GetNumberValue(cJSON_GetObjectItem(p, "train_rows")), key,
                      herd_format_metric(tbuf, tv), herd_format_metric(vbuf, vv),
                      cJSON_GetNumberValue(cJSON_GetObjectItem(p, "seconds")));
    }
    cJSON_AddStringToObject(lc, "data", cfg->data.train);
    cJSON_AddNumberToObject(lc, "ranks", herd_comm_size(comm));
    cJSON_AddItemToObject(lc, "points", points);
    *out = cJSON_CreateObject();
    cJSON_AddItemToObject(*out, "learning_curve", lc);
    return rc;
}
