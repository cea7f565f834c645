/* dataset.c - herd's HDF5 dataset: open and check, read rows, hash, write.
 *
 * A file is opened read-only with the default file access properties; each
 * rank reads its rows independently through hyperslab selections, so nothing
 * here is collective and no rank ever holds more than it asked for. HDF5's
 * automatic error printing is switched off: every failure becomes one
 * herd_error line naming the file.
 *
 * The content hash is SHA-256 over the little-endian bytes of /X (row-major),
 * then /y (absent in a file without labels, which only prediction reads),
 * then /split when present, then the class names (/class_names) when
 * present; feature names and attributes are not part of it, so it
 * identifies the numbers (and what the class ids mean) a model is trained on. Writing
 * builds the file in memory and writes its image to "<path>.tmp", which is
 * fsynced and renamed over path, and the directory is fsynced
 * (herd_h5_save_image): a dataset file is either whole or absent.
 */
#include "data/dataset.h"
#include "data/h5util.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "core/version.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "the content hash hashes memory as little-endian bytes");

#define READ_CHUNK_BYTES (4 << 20) /* rows read per step when hashing or checking */
#define X_CHUNK_BYTES (1 << 20)    /* target size of one stored chunk of /X */

struct herd_dataset {
    char *path;
    hid_t file, X, y, split; /* y, split < 0 when the file has none */
    herd_dataset_info info;
};

static const char *task_names[] = { "binary", "multiclass", "regression" };

const char *herd_task_name(int task)
{
    return task >= 0 && task < 3 ? task_names[task] : "unknown";
}

int herd_task_parse(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (name != NULL && strcmp(name, task_names[i]) == 0)
            return i;
    return -1;
}

/* Read count rows starting at lo of a 1-D (cols = 0) or 2-D dataset. */
static int read_block(hid_t dset, int64_t lo, int64_t count, int64_t cols, hid_t mtype, void *buf)
{
    int rank = cols > 0 ? 2 : 1;
    hsize_t start[2] = { (hsize_t)lo, 0 }, n[2] = { (hsize_t)count, (hsize_t)cols };
    hid_t fspace = H5Dget_space(dset);
    hid_t mspace = H5Screate_simple(rank, n, NULL);
    int rc = -1;
    if (fspace >= 0 && mspace >= 0 &&
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, n, NULL) >= 0 &&
        H5Dread(dset, mtype, mspace, fspace, H5P_DEFAULT, buf) >= 0)
        rc = 0;
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
    return rc;
}

/* ---- open ---- */

static int open_file(herd_dataset *ds, herd_error *err)
{
    struct stat st;
    if (stat(ds->path, &st) != 0)
        return errno == ENOENT
                   ? herd_error_set(err, HERD_ERR_IO, "%s: no such file", ds->path)
                   : herd_error_set(err, HERD_ERR_IO, "%s: %s", ds->path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return herd_error_set(err, HERD_ERR_IO, "%s: is a directory", ds->path);
    if (access(ds->path, R_OK) != 0)
        return herd_error_set(err, HERD_ERR_IO, "%s: %s", ds->path, strerror(errno));
    herd_h5_quiet();
    if (H5Fis_hdf5(ds->path) <= 0)
        return herd_error_set(err, HERD_ERR_DATA, "%s: not an HDF5 file", ds->path);
    ds->file = H5Fopen(ds->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (ds->file < 0)
        return herd_error_set(err, HERD_ERR_IO, "%s: cannot open (damaged or locked HDF5 file)",
                              ds->path);
    return HERD_OK;
}

/* Open /name as a dataset of nd dimensions whose elements are float (or, for
 * labels and split, integer when allow_int). */
static int open_array(herd_dataset *ds, const char *name, int nd, int allow_int, hid_t *out,
                      hsize_t dims[2], herd_error *err)
{
    if (H5Lexists(ds->file, name, H5P_DEFAULT) <= 0)
        return herd_error_set(err, HERD_ERR_DATA, "%s: missing /%s", ds->path, name);
    *out = H5Dopen2(ds->file, name, H5P_DEFAULT);
    hid_t dcpl = *out >= 0 ? H5Dget_create_plist(*out) : -1;
    if (dcpl >= 0 && H5Pget_nfilters(dcpl) == 0) {
        /* unfiltered: no chunk cache, so rows go straight from the file into
         * the caller's buffer (one copy less; they are read once anyway) */
        hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
        H5Pset_chunk_cache(dapl, 0, 0, 1.0);
        H5Dclose(*out);
        *out = H5Dopen2(ds->file, name, dapl);
        H5Pclose(dapl);
    }
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (*out < 0)
        return herd_error_set(err, HERD_ERR_DATA, "%s: /%s is not a dataset", ds->path, name);
    H5T_class_t c = herd_h5_class(*out);
    int type_ok = c == H5T_FLOAT || (allow_int && c == H5T_INTEGER);
    if (herd_h5_shape(*out, dims) != nd || !type_ok)
        return herd_error_set(err, HERD_ERR_DATA, "%s: /%s must be a %d-D %s array", ds->path,
                              name, nd, allow_int ? "numeric" : "float");
    return HERD_OK;
}

static int open_arrays(herd_dataset *ds, herd_error *err)
{
    hsize_t xd[2] = { 0, 0 }, yd[2] = { 0, 0 }, sd[2] = { 0, 0 };
    int rc = open_array(ds, "X", 2, 0, &ds->X, xd, err);
    ds->info.labelled = rc == HERD_OK && H5Lexists(ds->file, "y", H5P_DEFAULT) > 0;
    if (ds->info.labelled)
        rc = open_array(ds, "y", 1, 1, &ds->y, yd, err);
    if (rc != HERD_OK)
        return rc;
    ds->info.rows = (int64_t)xd[0];
    ds->info.cols = (int64_t)xd[1];
    if (ds->info.labelled && yd[0] != xd[0])
        return herd_error_set(err, HERD_ERR_DATA, "%s: /y has %lld rows but /X has %lld",
                              ds->path, (long long)yd[0], (long long)xd[0]);
    if (H5Lexists(ds->file, "split", H5P_DEFAULT) <= 0)
        return HERD_OK;
    rc = open_array(ds, "split", 1, 1, &ds->split, sd, err);
    if (rc == HERD_OK && herd_h5_class(ds->split) != H5T_INTEGER)
        rc = herd_error_set(err, HERD_ERR_DATA, "%s: /split must be integer", ds->path);
    if (rc == HERD_OK && sd[0] != xd[0])
        rc = herd_error_set(err, HERD_ERR_DATA, "%s: /split has %lld rows but /X has %lld",
                            ds->path, (long long)sd[0], (long long)xd[0]);
    ds->info.has_split = rc == HERD_OK;
    return rc;
}

static int read_task(herd_dataset *ds, herd_error *err)
{
    char task[64];
    int r = herd_h5_read_str_attr(ds->file, "task", task, sizeof task);
    if (r <= 0)
        return herd_error_set(err, HERD_ERR_DATA, "%s: %s attribute 'task'", ds->path,
                              r == 0 ? "missing" : "unreadable (not a string)");
    ds->info.task = herd_task_parse(task);
    if (ds->info.task < 0)
        return herd_error_set(err, HERD_ERR_DATA,
                              "%s: unknown task '%s' (binary, multiclass or regression)",
                              ds->path, task);
    int nc = 0;
    r = herd_h5_read_int_attr(ds->file, "n_classes", &nc);
    if (r < 0)
        return herd_error_set(err, HERD_ERR_DATA, "%s: attribute 'n_classes' is not an integer",
                              ds->path);
    if (ds->info.task == HERD_TASK_BINARY && r == 1 && nc != 2)
        return herd_error_set(err, HERD_ERR_DATA, "%s: task binary but n_classes is %d",
                              ds->path, nc);
    if (ds->info.task == HERD_TASK_MULTICLASS && (r == 0 || nc < 2))
        return herd_error_set(err, HERD_ERR_DATA,
                              "%s: task multiclass needs attribute n_classes >= 2", ds->path);
    ds->info.n_classes = ds->info.task == HERD_TASK_BINARY       ? 2
                         : ds->info.task == HERD_TASK_MULTICLASS ? nc
                                                                 : 0;
    return HERD_OK;
}

static int read_text_attrs(herd_dataset *ds, herd_error *err)
{
    herd_dataset_info *in = &ds->info;
    if (herd_h5_read_str_attr(ds->file, "content_sha256", in->content_sha256,
                              sizeof in->content_sha256) < 0 ||
        herd_h5_read_str_attr(ds->file, "source", in->source, sizeof in->source) < 0 ||
        herd_h5_read_str_attr(ds->file, "created_by", in->created_by, sizeof in->created_by) < 0)
        return herd_error_set(err, HERD_ERR_DATA,
                              "%s: attributes content_sha256, source, created_by must be strings",
                              ds->path);
    return HERD_OK;
}

/* Count rows per split value, rejecting values other than 0, 1, 2. */
static int count_splits(herd_dataset *ds, herd_error *err)
{
    herd_dataset_info *in = &ds->info;
    if (!in->has_split) {
        in->split_counts[HERD_SPLIT_TRAIN] = in->rows;
        return HERD_OK;
    }
    uint8_t *split = herd_malloc((size_t)in->rows + 1);
    int rc = herd_dataset_read_split(ds, split, err);
    for (int64_t i = 0; rc == HERD_OK && i < in->rows; i++) {
        if (split[i] > 2)
            rc = herd_error_set(err, HERD_ERR_DATA,
                                "%s: row %lld: /split is %u (0 train, 1 val, 2 test)", ds->path,
                                (long long)i, split[i]);
        else
            in->split_counts[split[i]]++;
    }
    free(split);
    return rc;
}

int herd_dataset_open(const char *path, herd_dataset **out, herd_error *err)
{
    herd_dataset *ds = herd_calloc(1, sizeof *ds);
    ds->file = ds->X = ds->y = ds->split = -1;
    ds->path = herd_strdup(path);
    int rc = open_file(ds, err);
    if (rc == HERD_OK)
        rc = open_arrays(ds, err);
    ds->info.task = -1; /* stays so without labels: the task describes /y */
    if (rc == HERD_OK && ds->info.labelled)
        rc = read_task(ds, err);
    if (rc == HERD_OK)
        rc = read_text_attrs(ds, err);
    if (rc == HERD_OK)
        rc = count_splits(ds, err);
    if (rc != HERD_OK) {
        herd_dataset_close(ds);
        ds = NULL;
    }
    *out = ds;
    return rc;
}

int herd_dataset_open_labelled(const char *path, const char *what, herd_dataset **out,
                               herd_error *err)
{
    int rc = herd_dataset_open(path, out, err);
    if (rc != HERD_OK || (*out)->info.labelled)
        return rc;
    herd_dataset_close(*out);
    *out = NULL;
    return herd_error_set(err, HERD_ERR_DATA,
                          "%s: has no labels (/y); %s needs labelled data (it can be used with "
                          "herd predict)",
                          path, what);
}

void herd_dataset_close(herd_dataset *ds)
{
    if (ds == NULL)
        return;
    if (ds->split >= 0)
        H5Dclose(ds->split);
    if (ds->y >= 0)
        H5Dclose(ds->y);
    if (ds->X >= 0)
        H5Dclose(ds->X);
    if (ds->file >= 0)
        H5Fclose(ds->file);
    free(ds->path);
    free(ds);
}

const herd_dataset_info *herd_dataset_get_info(const herd_dataset *ds) { return &ds->info; }

const char *herd_dataset_path(const herd_dataset *ds) { return ds->path; }

/* ---- read ---- */

int herd_dataset_read_rows(herd_dataset *ds, int64_t lo, int64_t hi, float *X, float *y,
                           herd_error *err)
{
    if (lo < 0 || hi < lo || hi > ds->info.rows)
        return herd_error_set(err, HERD_ERR_RUNTIME, "%s: rows [%lld, %lld) outside [0, %lld)",
                              ds->path, (long long)lo, (long long)hi, (long long)ds->info.rows);
    if (y != NULL && !ds->info.labelled)
        return herd_error_set(err, HERD_ERR_DATA, "%s: has no labels (/y)", ds->path);
    if (hi == lo)
        return HERD_OK;
    if (X != NULL && read_block(ds->X, lo, hi - lo, ds->info.cols, H5T_NATIVE_FLOAT, X) < 0)
        return herd_error_set(err, HERD_ERR_IO, "%s: cannot read /X rows [%lld, %lld)", ds->path,
                              (long long)lo, (long long)hi);
    if (y != NULL && read_block(ds->y, lo, hi - lo, 0, H5T_NATIVE_FLOAT, y) < 0)
        return herd_error_set(err, HERD_ERR_IO, "%s: cannot read /y rows [%lld, %lld)", ds->path,
                              (long long)lo, (long long)hi);
    return HERD_OK;
}

int herd_dataset_read_index(herd_dataset *ds, const int64_t *rows, int64_t n, float *X,
                            float *y, herd_error *err)
{
    int64_t cols = ds->info.cols;
    int rc = HERD_OK;
    for (int64_t i = 0, j; rc == HERD_OK && i < n; i = j) {
        for (j = i + 1; j < n && rows[j] == rows[j - 1] + 1; j++)
            ;
        rc = herd_dataset_read_rows(ds, rows[i], rows[i] + (j - i),
                                    X != NULL ? X + i * cols : NULL, y != NULL ? y + i : NULL,
                                    err);
    }
    return rc;
}

int herd_dataset_read_split(herd_dataset *ds, uint8_t *split, herd_error *err)
{
    if (ds->split < 0) {
        memset(split, HERD_SPLIT_TRAIN, (size_t)ds->info.rows);
        return HERD_OK;
    }
    if (ds->info.rows > 0 &&
        H5Dread(ds->split, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, split) < 0)
        return herd_error_set(err, HERD_ERR_IO, "%s: cannot read /split", ds->path);
    return HERD_OK;
}

static char **generated_names(int64_t cols)
{
    char **names = herd_calloc((size_t)cols + 1, sizeof *names);
    for (int64_t i = 0; i < cols; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "f%lld", (long long)i);
        names[i] = herd_strdup(buf);
    }
    return names;
}

int herd_dataset_stored_feature_names(herd_dataset *ds, char ***out, herd_error *err)
{
    int64_t cols = ds->info.cols;
    *out = NULL;
    if (H5Lexists(ds->file, "feature_names", H5P_DEFAULT) <= 0)
        return HERD_OK;
    char **names = herd_calloc((size_t)cols + 1, sizeof *names);
    int rc = herd_h5_read_strings(ds->file, "feature_names", names, cols);
    if (rc < 0) {
        free(names);
        if (rc == -2)
            return herd_error_set(err, HERD_ERR_DATA, "%s: /feature_names must hold %lld strings",
                                  ds->path, (long long)cols);
        return herd_error_set(err, HERD_ERR_IO, "%s: cannot read /feature_names", ds->path);
    }
    *out = names;
    return HERD_OK;
}

int herd_dataset_feature_names(herd_dataset *ds, char ***out, herd_error *err)
{
    int rc = herd_dataset_stored_feature_names(ds, out, err);
    if (rc == HERD_OK && *out == NULL)
        *out = generated_names(ds->info.cols);
    return rc;
}

void herd_names_free(char **names)
{
    for (size_t i = 0; names != NULL && names[i] != NULL; i++)
        free(names[i]);
    free(names);
}

/* The id of the first of names[0..k) that repeats an earlier one (that
 * one's id into *earlier), or -1. */
static int repeated_name(char *const *names, int k, int *earlier)
{
    for (int i = 1; i < k; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0) {
                *earlier = j;
                return i;
            }
    return -1;
}

int herd_dataset_class_names(herd_dataset *ds, char ***out, herd_error *err)
{
    int k = ds->info.n_classes;
    *out = NULL;
    if (H5Lexists(ds->file, "class_names", H5P_DEFAULT) <= 0)
        return HERD_OK;
    if (k == 0)
        return herd_error_set(err, HERD_ERR_DATA, "%s: has /class_names, but %s", ds->path,
                              ds->info.labelled ? "its labels are values (task regression)"
                                                : "no labels (/y)");
    char **names = herd_calloc((size_t)k + 1, sizeof *names);
    int rc = herd_h5_read_strings(ds->file, "class_names", names, k);
    if (rc < 0) {
        free(names);
        if (rc == -2)
            return herd_error_set(err, HERD_ERR_DATA, "%s: /class_names must hold %d strings "
                                  "(one per class)", ds->path, k);
        return herd_error_set(err, HERD_ERR_IO, "%s: cannot read /class_names", ds->path);
    }
    int earlier = 0, twice = repeated_name(names, k, &earlier);
    if (twice >= 0) {
        rc = herd_error_set(err, HERD_ERR_DATA, "%s: /class_names names classes %d and %d both "
                            "'%s'; each class needs a name of its own", ds->path, earlier,
                            twice, names[twice]);
        herd_names_free(names);
        return rc;
    }
    *out = names;
    return HERD_OK;
}

int herd_dataset_check_class_names(herd_dataset *ds, char *const *expected, const char *what,
                                   herd_error *err)
{
    char **names = NULL;
    int rc = herd_dataset_class_names(ds, &names, err);
    if (rc != HERD_OK || (names == NULL && expected == NULL))
        return rc;
    if (names == NULL || expected == NULL)
        rc = herd_error_set(err, HERD_ERR_DATA, "%s: %s, while %s %s", ds->path,
                            names != NULL ? "its classes are named (/class_names)"
                                          : "its labels are class ids without names",
                            what, names != NULL ? "has class ids without names"
                                                : "names its classes");
    int k = 0;
    while (rc == HERD_OK && names[k] != NULL && expected[k] != NULL &&
           strcmp(names[k], expected[k]) == 0)
        k++;
    if (rc == HERD_OK && (names[k] != NULL || expected[k] != NULL))
        rc = herd_error_set(err, HERD_ERR_DATA, "%s: class %d is '%s' where %s has '%s'",
                            ds->path, k, names[k] != NULL ? names[k] : "(none)", what,
                            expected[k] != NULL ? expected[k] : "(none)");
    herd_names_free(names);
    return rc;
}

/* Does every name of a appear in b (n each)? */
static int same_names(char *const *a, char *const *b, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        int64_t j = 0;
        while (j < n && strcmp(a[i], b[j]) != 0)
            j++;
        if (j == n)
            return 0;
    }
    return 1;
}

int herd_dataset_check_feature_names(herd_dataset *ds, char *const *expected, const char *what,
                                     herd_error *err)
{
    if (expected == NULL)
        return HERD_OK;
    char **names = NULL;
    int rc = herd_dataset_stored_feature_names(ds, &names, err);
    if (rc != HERD_OK)
        return rc;
    if (names == NULL) {
        herd_warn("%s has no feature names: its columns are taken to be %s's, in the same order",
                  ds->path, what);
        return HERD_OK;
    }
    int64_t cols = ds->info.cols, j = 0;
    while (j < cols && strcmp(names[j], expected[j]) == 0)
        j++;
    if (j < cols)
        rc = herd_error_set(err, HERD_ERR_DATA, "%s: column %lld is '%s' where %s has '%s'%s",
                            ds->path, (long long)j, names[j], what, expected[j],
                            same_names(names, expected, cols)
                                ? " (the same names in another order: write the columns in "
                                  "the order of the training data)"
                                : "");
    herd_names_free(names);
    return rc;
}

int herd_dataset_read_column(herd_dataset *ds, const char *name, int64_t lo, int64_t hi,
                             int32_t *out, herd_error *err)
{
    char path[300];
    snprintf(path, sizeof path, "columns/%s", name);
    if (strchr(name, '/') != NULL || H5Lexists(ds->file, "columns", H5P_DEFAULT) <= 0 ||
        H5Lexists(ds->file, path, H5P_DEFAULT) <= 0)
        return herd_error_set(err, HERD_ERR_DATA, "%s: no column /%s", ds->path, path);
    hsize_t dims[2] = { 0, 0 };
    hid_t dset = H5Dopen2(ds->file, path, H5P_DEFAULT);
    int rc = HERD_OK;
    if (dset < 0 || herd_h5_shape(dset, dims) != 1 || dims[0] != (hsize_t)ds->info.rows ||
        herd_h5_class(dset) != H5T_INTEGER)
        rc = herd_error_set(err, HERD_ERR_DATA, "%s: /%s must be integers, one per row (%lld)",
                            ds->path, path, (long long)ds->info.rows);
    else if (lo < 0 || hi < lo || hi > ds->info.rows)
        rc = herd_error_set(err, HERD_ERR_RUNTIME, "%s: rows [%lld, %lld) outside [0, %lld)",
                            ds->path, (long long)lo, (long long)hi, (long long)ds->info.rows);
    else if (hi > lo && read_block(dset, lo, hi - lo, 0, H5T_NATIVE_INT32, out) < 0)
        rc = herd_error_set(err, HERD_ERR_IO, "%s: cannot read /%s", ds->path, path);
    if (dset >= 0)
        H5Dclose(dset);
    return rc;
}

static herr_t add_column_name(hid_t group, const char *name, const H5L_info_t *info, void *arg)
{
    (void)group;
    (void)info;
    char ***names = arg;
    size_t n = 0;
    while ((*names)[n] != NULL)
        n++;
    *names = herd_realloc(*names, (n + 2) * sizeof **names);
    (*names)[n] = herd_strdup(name);
    (*names)[n + 1] = NULL;
    return 0;
}

char **herd_dataset_column_names(herd_dataset *ds)
{
    char **names = herd_calloc(1, sizeof *names);
    if (H5Lexists(ds->file, "columns", H5P_DEFAULT) <= 0)
        return names;
    hid_t group = H5Gopen2(ds->file, "columns", H5P_DEFAULT);
    if (group >= 0) {
        H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, NULL, add_column_name, &names);
        H5Gclose(group);
    }
    return names;
}

/* Rows per read step for arrays of row_bytes per row. */
static int64_t step_rows(int64_t row_bytes)
{
    int64_t n = READ_CHUNK_BYTES / (row_bytes > 0 ? row_bytes : 1);
    return n > 0 ? n : 1;
}

static int check_label(const herd_dataset *ds, int64_t row, float v, herd_error *err)
{
    const herd_dataset_info *in = &ds->info;
    if (in->task == HERD_TASK_REGRESSION) {
        if (!isfinite(v))
            return herd_error_set(err, HERD_ERR_DATA, "%s: row %lld: target %g is not finite",
                                  ds->path, (long long)row, (double)v);
        return HERD_OK;
    }
    if (!isfinite(v) || v != floorf(v))
        return herd_error_set(err, HERD_ERR_DATA, "%s: row %lld: label %g is not a class id",
                              ds->path, (long long)row, (double)v);
    if (v < 0 || v >= (float)in->n_classes)
        return herd_error_set(err, HERD_ERR_DATA, "%s: row %lld: label %g outside [0, %d)",
                              ds->path, (long long)row, (double)v, in->n_classes);
    return HERD_OK;
}

int herd_dataset_check_labels(herd_dataset *ds, herd_error *err)
{
    if (!ds->info.labelled)
        return herd_error_set(err, HERD_ERR_DATA, "%s: has no labels (/y)", ds->path);
    int64_t step = step_rows(sizeof(float));
    float *y = herd_malloc((size_t)step * sizeof *y);
    int rc = HERD_OK;
    for (int64_t lo = 0; rc == HERD_OK && lo < ds->info.rows; lo += step) {
        int64_t hi = lo + step < ds->info.rows ? lo + step : ds->info.rows;
        rc = herd_dataset_read_rows(ds, lo, hi, NULL, y, err);
        for (int64_t i = lo; rc == HERD_OK && i < hi; i++)
            rc = check_label(ds, i, y[i - lo], err);
    }
    free(y);
    return rc;
}

int herd_dataset_compute_sha256(herd_dataset *ds, char hex[65], herd_error *err)
{
    int64_t rows = ds->info.rows, cols = ds->info.cols;
    int64_t step = step_rows(cols * (int64_t)sizeof(float));
    float *buf = herd_malloc((size_t)(step * cols + 1) * sizeof *buf);
    uint8_t *split = NULL;
    herd_sha256 *h = herd_sha256_begin();
    int rc = HERD_OK;
    int64_t y_rows = ds->info.labelled ? rows : 0;
    for (int64_t lo = 0; rc == HERD_OK && lo < rows; lo += step) {
        int64_t hi = lo + step < rows ? lo + step : rows;
        rc = herd_dataset_read_rows(ds, lo, hi, buf, NULL, err);
        if (rc == HERD_OK)
            herd_sha256_update(h, buf, (size_t)((hi - lo) * cols) * sizeof *buf);
    }
    for (int64_t lo = 0; rc == HERD_OK && lo < y_rows; lo += step * cols) {
        int64_t hi = lo + step * cols < y_rows ? lo + step * cols : y_rows;
        rc = herd_dataset_read_rows(ds, lo, hi, NULL, buf, err);
        if (rc == HERD_OK)
            herd_sha256_update(h, buf, (size_t)(hi - lo) * sizeof *buf);
    }
    if (rc == HERD_OK && ds->info.has_split) {
        split = herd_malloc((size_t)rows + 1);
        rc = herd_dataset_read_split(ds, split, err);
        if (rc == HERD_OK)
            herd_sha256_update(h, split, (size_t)rows);
    }
    char **classes = NULL;
    if (rc == HERD_OK)
        rc = herd_dataset_class_names(ds, &classes, err);
    for (int k = 0; classes != NULL && classes[k] != NULL; k++)
        herd_sha256_update(h, classes[k], strlen(classes[k]) + 1);
    herd_names_free(classes);
    herd_sha256_end(h, hex);
    if (rc != HERD_OK)
        hex[0] = '\0';
    free(split);
    free(buf);
    return rc;
}

int herd_dataset_content_sha256(herd_dataset *ds, char hex[65], herd_error *err)
{
    if (ds->info.content_sha256[0] == '\0')
        return herd_dataset_compute_sha256(ds, hex, err);
    memcpy(hex, ds->info.content_sha256, sizeof ds->info.content_sha256);
    return HERD_OK;
}

/* ---- write ---- */

static void hash_spec(const herd_dataset_spec *s, char hex[65])
{
    herd_sha256 *h = herd_sha256_begin();
    if (s->rows > 0) {
        herd_sha256_update(h, s->X, (size_t)(s->rows * s->cols) * sizeof(float));
        if (!s->unlabelled)
            herd_sha256_update(h, s->y, (size_t)s->rows * sizeof(float));
        if (s->split != NULL)
            herd_sha256_update(h, s->split, (size_t)s->rows);
    }
    for (int k = 0; s->class_names != NULL && k < s->n_classes; k++)
        herd_sha256_update(h, s->class_names[k], strlen(s->class_names[k]) + 1);
    herd_sha256_end(h, hex);
}

static int check_spec(const char *path, const herd_dataset_spec *s, herd_error *err)
{
    if (s->rows < 0 || s->cols < 1)
        return herd_error_set(err, HERD_ERR_DATA, "%s: need at least one column, got %lld x %lld",
                              path, (long long)s->rows, (long long)s->cols);
    if (s->rows > 0 && (s->X == NULL || (s->y == NULL && !s->unlabelled)))
        return herd_error_set(err, HERD_ERR_DATA, "%s: no data to write", path);
    if (s->unlabelled)
        return HERD_OK;
    if (s->task < 0 || s->task > 2)
        return herd_error_set(err, HERD_ERR_DATA, "%s: unknown task %d", path, s->task);
    if ((s->task == HERD_TASK_BINARY && s->n_classes != 2) ||
        (s->task == HERD_TASK_MULTICLASS && s->n_classes < 2))
        return herd_error_set(err, HERD_ERR_DATA, "%s: task %s with n_classes %d", path,
                              herd_task_name(s->task), s->n_classes);
    return HERD_OK;
}

/* Write rows x cols (cols = 0: a vector of rows) of data in file type ftype;
 * chunked by about X_CHUNK_BYTES of rows when chunked. */
static int write_array(hid_t file, const char *name, hid_t ftype, hid_t mtype, int64_t rows,
                       int64_t cols, int chunked, const void *data)
{
    int nd = cols > 0 ? 2 : 1;
    hsize_t dims[2] = { (hsize_t)rows, (hsize_t)cols };
    hsize_t maxd[2] = { rows > 0 ? (hsize_t)rows : H5S_UNLIMITED, (hsize_t)cols };
    int64_t per = X_CHUNK_BYTES / ((cols > 0 ? cols : 1) * (int64_t)H5Tget_size(ftype));
    per = per < 1 ? 1 : (rows > 0 && per > rows ? rows : per);
    hsize_t chunk[2] = { (hsize_t)per, (hsize_t)cols };
    hid_t space = H5Screate_simple(nd, dims, (chunked || rows == 0) ? maxd : NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (chunked || rows == 0)
        H5Pset_chunk(dcpl, nd, chunk);
    hid_t dset = H5Dcreate2(file, name, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    int rc = dset < 0 ? -1 : 0;
    if (rc == 0 && rows > 0 && H5Dwrite(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        rc = -1;
    if (dset >= 0)
        H5Dclose(dset);
    H5Pclose(dcpl);
    H5Sclose(space);
    return rc;
}

static int write_columns(hid_t file, const herd_dataset_spec *s)
{
    if (s->n_columns <= 0)
        return 0;
    hid_t group = H5Gcreate2(file, "columns", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int bad = group < 0;
    for (int c = 0; c < s->n_columns && !bad; c++)
        bad |= write_array(group, s->column_names[c], H5T_STD_I32LE, H5T_NATIVE_INT32, s->rows,
                           0, 0, s->columns[c]);
    if (group >= 0)
        H5Gclose(group);
    return bad ? -1 : 0;
}

static int write_contents(hid_t file, const herd_dataset_spec *s, const char *hex)
{
    char created_by[64];
    snprintf(created_by, sizeof created_by, "herd %s", herd_version());
    int bad = 0;
    bad |= write_array(file, "X", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, s->rows, s->cols, 1, s->X);
    if (!s->unlabelled)
        bad |= write_array(file, "y", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, s->rows, 0, 0, s->y);
    if (s->split != NULL)
        bad |= write_array(file, "split", H5T_STD_U8LE, H5T_NATIVE_UINT8, s->rows, 0, 0,
                           s->split);
    if (s->feature_names != NULL)
        bad |= herd_h5_write_strings(file, "feature_names", s->feature_names, s->cols);
    if (s->class_names != NULL)
        bad |= herd_h5_write_strings(file, "class_names", s->class_names, s->n_classes);
    bad |= write_columns(file, s);
    if (!s->unlabelled) {
        bad |= herd_h5_write_str_attr(file, "task", herd_task_name(s->task));
        bad |= herd_h5_write_int_attr(file, "n_classes",
                                      s->task == HERD_TASK_REGRESSION ? 0 : s->n_classes);
    }
    bad |= herd_h5_write_str_attr(file, "content_sha256", hex);
    bad |= herd_h5_write_str_attr(file, "source", s->source != NULL ? s->source : "");
    bad |= herd_h5_write_str_attr(file, "created_by", created_by);
    return bad ? -1 : 0;
}

int herd_dataset_write(const char *path, const herd_dataset_spec *spec, char hex[65],
                       herd_error *err)
{
    char digest[65];
    int rc = check_spec(path, spec, err);
    if (rc != HERD_OK)
        return rc;
    hash_spec(spec, digest);
    hid_t file = herd_h5_create_in_memory();
    if (file < 0)
        return herd_error_set(err, HERD_ERR_IO, "%s: cannot create the file in memory", path);
    if (write_contents(file, spec, digest) != 0) {
        H5Fclose(file);
        return herd_error_set(err, HERD_ERR_IO, "%s: cannot build the HDF5 file", path);
    }
    rc = herd_h5_save_image(file, path, path, err);
    if (rc == HERD_OK && hex != NULL)
        memcpy(hex, digest, sizeof digest);
    return rc;
}
