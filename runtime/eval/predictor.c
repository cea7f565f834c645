/* predictor.c - one checkpoint, or an ensemble of several by soft voting.
 *
 * Members are read and checked against the first; a prediction runs each
 * member on a copy of the raw rows (herd_eval_predict_rows: its own
 * preprocessing, then its model) and averages. With one member its output
 * is written as it is, so one checkpoint predicts exactly as its model does.
 */
#include "eval/predictor.h"
#include "eval/evaluate.h"
#include "core/mem.h"
#include "data/dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when two NULL-ended name lists (either may be NULL) are the same. */
static int same_names(char *const *a, char *const *b, int n)
{
    if (a == NULL || b == NULL)
        return a == b;
    for (int k = 0; k < n; k++)
        if (strcmp(a[k], b[k]) != 0)
            return 0;
    return 1;
}

/* Member m against the first: a one-line error naming m when they differ. */
static int check_member(const herd_predictor *p, int m, herd_error *err)
{
    const herd_checkpoint *first = p->ck[0], *ck = p->ck[m];
    const char *name = p->paths[m], *first_name = p->paths[0];
    if (ck->spec.task != first->spec.task)
        return herd_error_set(err, HERD_ERR_DATA, "%s: a %s model, where %s is %s (the members of "
                              "an ensemble must agree)", name, herd_task_name(ck->spec.task),
                              first_name, herd_task_name(first->spec.task));
    if (ck->spec.n_in != first->spec.n_in)
        return herd_error_set(err, HERD_ERR_DATA, "%s: the model takes %d inputs, where %s takes %d "
                              "(the members of an ensemble must agree)", name, ck->spec.n_in,
                              first_name, first->spec.n_in);
    if (!same_names(ck->feature_names, first->feature_names, first->spec.n_in))
        return herd_error_set(err, HERD_ERR_DATA, "%s: other feature names than %s (the members of "
                              "an ensemble must agree)", name, first_name);
    if (first->spec.task == HERD_TASK_REGRESSION)
        return HERD_OK;
    if (ck->spec.n_classes != first->spec.n_classes)
        return herd_error_set(err, HERD_ERR_DATA, "%s: %d classes, where %s has %d (the members of "
                              "an ensemble must agree)", name, ck->spec.n_classes, first_name,
                              first->spec.n_classes);
    if (!same_names(ck->class_names, first->class_names, first->spec.n_classes))
        return herd_error_set(err, HERD_ERR_DATA, "%s: other class names than %s (the members of "
                              "an ensemble must agree)", name, first_name);
    return HERD_OK;
}

int herd_predictor_open(const char *const *paths, int n, herd_predictor **out, herd_error *err)
{
    herd_predictor *p = herd_calloc(1, sizeof *p);
    p->paths = herd_calloc((size_t)n, sizeof *p->paths);
    p->ck = herd_calloc((size_t)n, sizeof *p->ck);
    p->model = herd_calloc((size_t)n, sizeof *p->model);
    p->n = n;
    int rc = HERD_OK;
    for (int m = 0; m < n && rc == HERD_OK; m++) {
        p->paths[m] = herd_strdup(paths[m]);
        rc = herd_checkpoint_read(paths[m], &p->ck[m], err);
        if (rc == HERD_OK && m > 0)
            rc = check_member(p, m, err);
        if (rc == HERD_OK)
            rc = herd_model_create(&p->ck[m]->spec, HERD_EVAL_CHUNK, 0, &p->model[m], err);
        if (rc == HERD_OK)
            rc = herd_checkpoint_restore_model(p->ck[m], p->model[m], err);
    }
    if (rc != HERD_OK) {
        herd_predictor_free(p);
        *out = NULL;
        return rc;
    }
    p->task = p->ck[0]->spec.task;
    p->n_classes = p->task == HERD_TASK_REGRESSION ? 0 : p->ck[0]->spec.n_classes;
    p->width = p->task == HERD_TASK_REGRESSION ? 1 : p->n_classes;
    *out = p;
    return HERD_OK;
}

void herd_predictor_free(herd_predictor *p)
{
    if (p == NULL)
        return;
    for (int m = 0; m < p->n; m++) {
        free(p->paths[m]);
        herd_model_free(p->model[m]);
        herd_checkpoint_free(p->ck[m]);
    }
    free(p->paths);
    free(p->model);
    free(p->ck);
    free(p);
}

const herd_checkpoint *herd_predictor_first(const herd_predictor *p)
{
    return p->ck[0];
}

int herd_predictor_predict_rows(const herd_predictor *p, const float *X, int64_t n,
                                const int64_t *file_rows, int64_t cols, float *out,
                                herd_error *err)
{
    size_t values = (size_t)n * (size_t)p->width;
    int rc = herd_eval_predict_rows(p->model[0], p->ck[0]->pp, X, n, file_rows, cols, p->width,
                                    out, err);
    if (p->n == 1 || rc != HERD_OK)
        return rc;
    float *member = herd_malloc((values + 1) * sizeof(float));
    for (int m = 1; m < p->n && rc == HERD_OK; m++) {
        rc = herd_eval_predict_rows(p->model[m], p->ck[m]->pp, X, n, file_rows, cols, p->width,
                                    member, err);
        for (size_t i = 0; i < values && rc == HERD_OK; i++)
            out[i] += member[i];
    }
    for (size_t i = 0; i < values; i++)
        out[i] /= (float)p->n;
    free(member);
    return rc;
}

size_t herd_predictor_n_params(const herd_predictor *p)
{
    size_t total = 0;
    for (int m = 0; m < p->n; m++)
        total += p->model[m]->n_params;
    return total;
}

int herd_predictor_check_inputs(const herd_predictor *p, herd_dataset *ds, herd_error *err)
{
    const herd_checkpoint *first = p->ck[0];
    int64_t cols = herd_dataset_get_info(ds)->cols;
    if (cols != first->spec.n_in)
        return herd_error_set(err, HERD_ERR_DATA, "%s: %lld columns, the model expects %d",
                              herd_dataset_path(ds), (long long)cols, first->spec.n_in);
    char what[4200];
    snprintf(what, sizeof what, "the model in %s", p->paths[0]);
    return herd_dataset_check_feature_names(ds, first->feature_names, what, err);
}
