/* cmd_predict.c - `herd predict CHECKPOINT... --data FILE.h5 -o OUT.csv|OUT.h5`.
 *
 * Loads the model and its preprocessing from the checkpoint (several: an
 * ensemble whose probabilities or values are the mean of its members',
 * eval/predictor.h), reads the
 * features of the data in chunks (labels are neither needed nor read, so a
 * file without /y works), and writes one row per input row, in order:
 * `prediction` (the class id, or the value for regression) and, for
 * classifiers, the class probabilities p_0..p_{K-1}. The output is written
 * to a temporary name and renamed, so a failed run leaves no half file. Runs
 * as a single process.
 */
#include "commands.h"
#include "cli.h"
#include "core/files.h"
#include "core/mem.h"
#include "data/dataset.h"
#include "data/h5util.h"
#include "data/preprocess.h"
#include "models/model.h"
#include "train/checkpoint.h"
#include "eval/predictor.h"
#include "eval/recal.h"
#include "config/config.h"

#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK_ROWS 1024

static const char *usage =
    "usage: herd predict CHECKPOINT... --data FILE.h5 -o OUT.csv|OUT.h5 [--conformal]\n"
    "                    [--abstain-below P]\n"
    "\n"
    "Predict every row of FILE.h5 with the model in CHECKPOINT (its preprocessing\n"
    "included). Several checkpoints are an ensemble: each member preprocesses the\n"
    "rows its own way, and p_k (or the value, for regression) is the mean of the\n"
    "members'; they must take the same columns and have the same task and classes\n"
    "(exit 3). FILE.h5 needs no labels: `herd data import-csv` without --target\n"
    "writes one without /y (a /y, when present, is not read). Its columns must be\n"
    "those the model was trained on, in the same order: when both files name them\n"
    "(/feature_names), other names are refused (exit 3).\n"
    "Output columns: prediction, then p_0..p_{K-1} for classifiers. A model trained\n"
    "on named classes (/class_names) writes class names for predictions and sets.\n"
    "HDF5 output holds /prediction [n] and, for classifiers, /probabilities [n, K]\n"
    "(and /class_names when the classes are named).\n"
    "A recalibration stored by `herd eval` (/calibration) is applied to p_k (with one\n"
    "checkpoint; an ensemble's p_k are the plain mean).\n"
    "\n"
    "  --conformal        add the conformal set (column set: class ids joined by |;\n"
    "                     HDF5 /conformal_set [n, K] of 0/1) or, for regression, the\n"
    "                     interval (columns lower, upper); needs `herd eval` first;\n"
    "                     one checkpoint only\n"
    "  --abstain-below P  prediction -1 (abstain) when the top probability is < P\n"
    "                     (classifiers only)\n";

typedef struct predict_job {
    herd_predictor *predictor;
    const herd_checkpoint *ck;  /* the predictor's first member: feature and class names */
    herd_dataset *ds;
    int64_t rows, cols;
    int width;             /* probability columns (0 for regression) */
    float *prediction;     /* rows */
    float *probabilities;  /* rows x width */
    int conformal;         /* --conformal */
    double abstain_below;  /* --abstain-below, 0 = never */
    herd_recal recal;      /* the checkpoint's /calibration (method none when absent) */
    uint8_t *sets;         /* rows x width conformal set membership (classifiers) */
    float *lower, *upper;  /* rows: conformal interval (regression) */
} predict_job;

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int open_job(predict_job *job, const char *const *ckpts, int n_ckpts, const char *data,
                    herd_error *err)
{
    const char *ckpt = ckpts[0];
    int rc = herd_predictor_open(ckpts, n_ckpts, &job->predictor, err);
    if (rc == HERD_OK)
        rc = herd_dataset_open(data, &job->ds, err);
    if (rc != HERD_OK)
        return rc;
    job->ck = herd_predictor_first(job->predictor);
    const herd_dataset_info *info = herd_dataset_get_info(job->ds);
    rc = herd_predictor_check_inputs(job->predictor, job->ds, err);
    if (rc != HERD_OK)
        return rc;
    job->rows = info->rows;
    job->cols = info->cols;
    job->width = job->predictor->task == HERD_TASK_REGRESSION ? 0 : job->predictor->width;
    if (job->width == 0 && job->abstain_below > 0)
        rc = herd_error_set(err, HERD_ERR_USAGE, "predict: --abstain-below needs class "
                            "probabilities, and %s is a regression model", ckpt);
    return rc;
}

static void store_chunk(predict_job *job, int64_t first, int b, const float *out)
{
    for (int i = 0; i < b; i++) {
        const float *row = out + (size_t)i * (job->width ? job->width : 1);
        if (job->width == 0) {
            job->prediction[first + i] = row[0];
            continue;
        }
        int best = 0;
        for (int k = 1; k < job->width; k++)
            if (row[k] > row[best])
                best = k;
        job->prediction[first + i] = (float)best;
        memcpy(job->probabilities + (first + i) * job->width, row, (size_t)job->width * sizeof(float));
    }
}

static int predict_all(predict_job *job, herd_error *err)
{
    int out_width = job->width ? job->width : 1;
    float *X = herd_alloc_aligned((size_t)CHUNK_ROWS * (size_t)job->cols * sizeof(float));
    float *out = herd_alloc_aligned((size_t)CHUNK_ROWS * (size_t)out_width * sizeof(float));
    int64_t *file_rows = herd_malloc(CHUNK_ROWS * sizeof *file_rows);  /* named in errors */
    job->prediction = herd_malloc((size_t)(job->rows ? job->rows : 1) * sizeof(float));
    job->probabilities = herd_malloc((size_t)(job->rows ? job->rows : 1) * (size_t)out_width * sizeof(float));
    int rc = HERD_OK;
    for (int64_t lo = 0; lo < job->rows && rc == HERD_OK; lo += CHUNK_ROWS) {
        int b = (int)(job->rows - lo < CHUNK_ROWS ? job->rows - lo : CHUNK_ROWS);
        rc = herd_dataset_read_rows(job->ds, lo, lo + b, X, NULL, err);
        for (int i = 0; i < b; i++)
            file_rows[i] = lo + i;
        if (rc == HERD_OK)
            rc = herd_predictor_predict_rows(job->predictor, X, b, file_rows, job->cols, out, err);
        if (rc == HERD_OK)
            store_chunk(job, lo, b, out);
    }
    free(file_rows);
    free(out);
    free(X);
    return rc;
}

/* Conformal sets (on the model's own probabilities, as herd eval fitted
 * them), then the stored recalibration, then abstention. An ensemble has
 * neither: its members' are their own, so its p_k are the plain mean. */
static int apply_calibration(predict_job *job, const char *ckpt, herd_error *err)
{
    int found = 0, K = job->width;
    int rc = job->predictor->n == 1 ? herd_recal_load(ckpt, &job->recal, &found, err) : HERD_OK;
    if (rc == HERD_OK && job->conformal && !job->recal.has_conformal)
        rc = herd_error_set(err, HERD_ERR_USAGE, "predict: %s has no conformal thresholds "
                            "(run herd eval on a calibration set first)", ckpt);
    if (rc != HERD_OK)
        return rc;
    if (job->conformal && K == 0) {
        job->lower = herd_malloc((size_t)(job->rows + 1) * sizeof(float));
        job->upper = herd_malloc((size_t)(job->rows + 1) * sizeof(float));
        for (int64_t i = 0; i < job->rows; i++) {
            job->lower[i] = (float)(job->prediction[i] - job->recal.q_abs);
            job->upper[i] = (float)(job->prediction[i] + job->recal.q_abs);
        }
    } else if (job->conformal) {
        job->sets = herd_malloc((size_t)(job->rows * K + 1));
        for (int64_t i = 0; i < job->rows; i++)
            herd_recal_conformal_set(&job->recal, job->recal.conformal_method,
                                     job->probabilities + i * K, K, herd_recal_aps_u(i),
                                     job->sets + i * K);
    }
    herd_recal_apply(&job->recal, job->probabilities, job->rows, K);
    for (int64_t i = 0; i < job->rows && K > 0; i++) {
        const float *p = job->probabilities + i * K;
        int best = 0;
        for (int k = 1; k < K; k++)
            best = p[k] > p[best] ? k : best;
        job->prediction[i] = p[best] < job->abstain_below ? -1.0f : (float)best;
    }
    return HERD_OK;
}

/* A cell as CSV writes text: quoted when it holds a comma, quote or line
 * break, a quote doubled. */
static void write_text_cell(FILE *f, const char *text)
{
    if (strpbrk(text, ",\"\r\n") == NULL) {
        fputs(text, f);
        return;
    }
    fputc('"', f);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

/* Class k by its name when the training data named its classes, else its
 * id (into id[16]). */
static const char *class_text(const predict_job *job, int k, char id[16])
{
    snprintf(id, 16, "%d", k);
    return job->ck->class_names != NULL && k >= 0 ? job->ck->class_names[k] : id;
}

/* Row i's conformal set, its classes joined by |, as one cell: quoted as a
 * whole when a name needs it. */
static void write_set(const predict_job *job, FILE *f, int64_t i)
{
    size_t size = 1;
    char id[16];
    for (int k = 0; k < job->width; k++)
        size += strlen(class_text(job, k, id)) + 1;
    char *set = herd_calloc(size, 1);
    for (int k = 0; k < job->width; k++)
        if (job->sets[i * job->width + k]) {
            if (set[0] != '\0')
                strcat(set, "|");
            strcat(set, class_text(job, k, id));
        }
    write_text_cell(f, set);
    free(set);
}

static void write_csv_extras(const predict_job *job, FILE *f, int64_t i)
{
    if (job->lower != NULL)
        fprintf(f, ",%.9g,%.9g", (double)job->lower[i], (double)job->upper[i]);
    if (job->sets != NULL) {
        fputc(',', f);
        write_set(job, f, i);
    }
}

/* Written to tmp; errors name out, the file the user asked for. */
static int write_csv(const predict_job *job, const char *tmp, const char *out, herd_error *err)
{
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return herd_error_set(err, HERD_ERR_IO, "predict: cannot create %s: %s", out,
                              strerror(errno));
    fprintf(f, "prediction");
    for (int k = 0; k < job->width; k++)
        fprintf(f, ",p_%d", k);
    fputs(job->lower != NULL ? ",lower,upper" : job->sets != NULL ? ",set" : "", f);
    fputc('\n', f);
    char id[16];
    for (int64_t i = 0; i < job->rows; i++) {
        if (job->width)
            write_text_cell(f, class_text(job, (int)job->prediction[i], id));
        else
            fprintf(f, "%.9g", (double)job->prediction[i]);
        for (int k = 0; k < job->width; k++)
            fprintf(f, ",%.9g", (double)job->probabilities[i * job->width + k]);
        write_csv_extras(job, f, i);
        fputc('\n', f);
    }
    int failed = ferror(f) | (fflush(f) != 0) | (fsync(fileno(f)) != 0);
    failed |= fclose(f) != 0;
    return failed ? herd_error_set(err, HERD_ERR_IO, "predict: writing %s failed (disk full?)", out)
                  : HERD_OK;
}

/* Built in memory, then written atomically to out (herd_h5_save_image). */
/* --conformal: /conformal_set [n, K] (1 = in the set) or /lower, /upper [n]. */
static int write_h5_extras(const predict_job *job, hid_t file)
{
    int bad = 0;
    if (job->lower != NULL)
        bad |= herd_h5_write_f32(file, "lower", job->lower, job->rows) |
               herd_h5_write_f32(file, "upper", job->upper, job->rows);
    if (job->sets != NULL) {
        float *v = herd_malloc((size_t)(job->rows * job->width + 1) * sizeof(float));
        for (int64_t i = 0; i < job->rows * job->width; i++)
            v[i] = job->sets[i];
        bad |= herd_h5_write_f32_2d(file, "conformal_set", v, job->rows, job->width);
        free(v);
    }
    return bad;
}

static int write_h5(const predict_job *job, const char *out, herd_error *err)
{
    hid_t file = herd_h5_create_in_memory();
    if (file < 0)
        return herd_error_set(err, HERD_ERR_IO, "%s: cannot create the file in memory", out);
    hsize_t dims[2] = { (hsize_t)job->rows, (hsize_t)job->width };
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t ds = H5Dcreate2(file, "prediction", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t st = H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, job->prediction);
    H5Dclose(ds);
    H5Sclose(space);
    if (job->width > 0 && st >= 0) {
        space = H5Screate_simple(2, dims, NULL);
        ds = H5Dcreate2(file, "probabilities", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        st = H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, job->probabilities);
        H5Dclose(ds);
        H5Sclose(space);
    }
    if (st >= 0 && write_h5_extras(job, file) != 0)
        st = -1;
    if (st >= 0 && job->width > 0 && job->ck->class_names != NULL &&
        herd_h5_write_strings(file, "class_names", (const char *const *)job->ck->class_names,
                              job->width) != 0)
        st = -1;
    if (st < 0) {
        H5Fclose(file);
        return herd_error_set(err, HERD_ERR_IO, "%s: cannot build the HDF5 file", out);
    }
    return herd_h5_save_image(file, out, "predict", err);
}

static int write_output(const predict_job *job, const char *out, herd_error *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%d.tmp", out, (int)getpid()); /* unique per writer */
    if (ends_with(out, ".h5"))
        return write_h5(job, out, err);
    int rc = write_csv(job, tmp, out, err);
    if (rc == HERD_OK && rename(tmp, out) != 0)
        rc = herd_error_set(err, HERD_ERR_IO, "predict: %s: %s", out, strerror(errno));
    if (rc != HERD_OK)
        unlink(tmp);
    return rc;
}

static int parse_args(int argc, char **argv, const char **ckpts, int *n_ckpts, const char **data,
                      const char **out, predict_job *job, herd_error *err)
{
    for (int i = 1; i < argc; i++) {
        int has_value = i + 1 < argc;
        if (strcmp(argv[i], "--conformal") == 0) {
            job->conformal = 1;
            continue;
        }
        if (strcmp(argv[i], "--abstain-below") == 0) {
            char *end = NULL;
            job->abstain_below = has_value ? strtod(argv[++i], &end) : -1;
            if (end == NULL || *end != '\0' || !(job->abstain_below >= 0 && job->abstain_below <= 1))
                return herd_error_set(err, HERD_ERR_USAGE, "predict: --abstain-below needs a probability in [0, 1]");
            continue;
        }
        if ((strcmp(argv[i], "--data") == 0 || strcmp(argv[i], "-o") == 0) && !has_value)
            return herd_error_set(err, HERD_ERR_USAGE, "predict: %s needs a value", argv[i]);
        if (strcmp(argv[i], "--data") == 0)
            *data = argv[++i];
        else if (strcmp(argv[i], "-o") == 0)
            *out = argv[++i];
        else if (argv[i][0] == '-')
            return herd_error_set(err, HERD_ERR_USAGE, "predict: unexpected argument '%s'", argv[i]);
        else
            ckpts[(*n_ckpts)++] = argv[i];
    }
    if (*n_ckpts == 0 || *data == NULL || *out == NULL)
        return herd_error_set(err, HERD_ERR_USAGE, "predict: need CHECKPOINT, --data FILE.h5 and -o OUT");
    if (!ends_with(*out, ".csv") && !ends_with(*out, ".h5"))
        return herd_error_set(err, HERD_ERR_USAGE, "predict: output must end in .csv or .h5: '%s'", *out);
    if (job->conformal && *n_ckpts > 1)
        return herd_error_set(err, HERD_ERR_USAGE, "predict: --conformal takes one checkpoint, got "
                              "%d (conformal thresholds belong to one model, not an ensemble)", *n_ckpts);
    int is_input = herd_file_is_input(*out, *data);
    for (int k = 0; k < *n_ckpts; k++)
        is_input |= herd_file_is_input(*out, ckpts[k]);
    if (is_input)
        return herd_error_set(err, HERD_ERR_USAGE, "predict: -o %s is an input file (it would be "
                              "overwritten)", *out);
    return HERD_OK;
}

int herd_cmd_predict(int argc, char **argv)
{
    if (herd_cli_wants_help(argc, argv, usage))
        return 0;
    herd_error err = { 0 };
    predict_job job = { 0 };
    const char *data = NULL, *out = NULL;
    const char **ckpts = herd_calloc((size_t)argc + 1, sizeof *ckpts);
    int n_ckpts = 0;
    int rc = parse_args(argc, argv, ckpts, &n_ckpts, &data, &out, &job, &err);
    if (rc == HERD_OK)
        rc = open_job(&job, ckpts, n_ckpts, data, &err);
    if (rc == HERD_OK)
        rc = predict_all(&job, &err);
    if (rc == HERD_OK)
        rc = apply_calibration(&job, ckpts[0], &err);
    if (rc == HERD_OK)
        rc = write_output(&job, out, &err);
    if (rc == HERD_OK)
        printf("wrote %lld predictions to %s\n", (long long)job.rows, out);
    else
        herd_error_print(&err);
    free(job.probabilities);
    free(job.prediction);
    free(job.sets);
    free(job.lower);
    free(job.upper);
    herd_recal_clear(&job.recal);
    herd_predictor_free(job.predictor);
    herd_dataset_close(job.ds);
    free(ckpts);
    return rc;
}
