/* test_data.c - dataset format: write/open/read round trip, hashing, layout
 * errors, label checks, files without labels, shards, the validation carve
 * and synthetic data. */
#include "tests/testing.h"
#include "data/dataset.h"
#include "data/import.h"
#include "data/shard.h"
#include "core/mem.h"
#include "core/sha256.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *dir;

static char *path_in(const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = herd_malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* A small multiclass dataset: X[i][j] = i + j/10, y = i % 3, split = i % 3. */
static void small_spec(herd_dataset_spec *s, float *X, float *y, uint8_t *split, int64_t n)
{
    static const char *names[] = { "alpha", "beta", "gamma" };
    for (int64_t i = 0; i < n; i++) {
        for (int j = 0; j < 3; j++)
            X[i * 3 + j] = (float)i + j / 10.0f;
        y[i] = (float)(i % 3);
        split[i] = (uint8_t)(i % 3);
    }
    *s = (herd_dataset_spec){ .rows = n, .cols = 3, .X = X, .y = y, .split = split,
                              .feature_names = names, .task = HERD_TASK_MULTICLASS,
                              .n_classes = 3, .source = "unit test" };
}

static void test_round_trip(void)
{
    enum { N = 50 };
    float X[N * 3], y[N];
    uint8_t split[N];
    herd_dataset_spec spec;
    small_spec(&spec, X, y, split, N);
    char *path = path_in("round.h5");
    char hex[65] = "", again[65] = "";
    herd_error err = { 0 };
    CHECK(herd_dataset_write(path, &spec, hex, &err) == HERD_OK);
    CHECK(strlen(hex) == 64);
    CHECK(access(path, F_OK) == 0);
    herd_dataset *ds = NULL;
    CHECK(herd_dataset_open(path, &ds, &err) == HERD_OK);
    if (ds == NULL)
        goto done;
    const herd_dataset_info *in = herd_dataset_get_info(ds);
    CHECK(in->rows == N && in->cols == 3);
    CHECK(in->task == HERD_TASK_MULTICLASS && in->n_classes == 3);
    CHECK(in->has_split && in->split_counts[0] == 17 && in->split_counts[1] == 17 &&
          in->split_counts[2] == 16);
    CHECK(strcmp(in->content_sha256, hex) == 0);
    CHECK(strcmp(in->source, "unit test") == 0);
    CHECK(strncmp(in->created_by, "herd ", 5) == 0);

    float Xr[N * 3], yr[N];
    CHECK(herd_dataset_read_rows(ds, 10, 20, Xr, yr, &err) == HERD_OK);
    CHECK(memcmp(Xr, X + 30, 30 * sizeof(float)) == 0 && memcmp(yr, y + 10, 10 * sizeof(float)) == 0);
    CHECK(herd_dataset_read_rows(ds, 40, 51, Xr, yr, &err) == HERD_ERR_RUNTIME);
    herd_error_clear(&err);

    int64_t idx[] = { 0, 1, 2, 7, 30, 31, 49 };
    CHECK(herd_dataset_read_index(ds, idx, 7, Xr, yr, &err) == HERD_OK);
    int same = 1;
    for (int k = 0; k < 7; k++)
        same &= Xr[k * 3 + 2] == X[idx[k] * 3 + 2] && yr[k] == y[idx[k]];
    CHECK(same);
    CHECK(herd_dataset_read_index(ds, idx, 7, NULL, yr, &err) == HERD_OK && yr[6] == y[49]);

    uint8_t sr[N];
    CHECK(herd_dataset_read_split(ds, sr, &err) == HERD_OK && memcmp(sr, split, N) == 0);
    char **names = NULL;
    CHECK(herd_dataset_feature_names(ds, &names, &err) == HERD_OK);
    CHECK(names != NULL && strcmp(names[0], "alpha") == 0 && strcmp(names[2], "gamma") == 0);
    for (int j = 0; names != NULL && j < 3; j++)
        free(names[j]);
    free(names);
    CHECK(herd_dataset_compute_sha256(ds, again, &err) == HERD_OK && strcmp(again, hex) == 0);
    CHECK(herd_dataset_check_labels(ds, &err) == HERD_OK);
    CHECK(herd_dataset_get_info(ds)->labelled);
    /* the hash is over /X, /y, /split, in that order (docs/formats.md) */
    herd_sha256 *h = herd_sha256_begin();
    herd_sha256_update(h, X, sizeof X);
    herd_sha256_update(h, y, sizeof y);
    herd_sha256_update(h, split, sizeof split);
    herd_sha256_end(h, again);
    CHECK(strcmp(again, hex) == 0);
    herd_dataset_close(ds);
done:
    free(path);
}

static void test_defaults_and_hash_change(void)
{
    enum { N = 20 };
    float X[N * 3], y[N];
    uint8_t split[N];
    herd_dataset_spec spec;
    small_spec(&spec, X, y, split, N);
    spec.split = NULL;
    spec.feature_names = NULL;
    char *path = path_in("plain.h5");
    char h1[65], h2[65], h3[65];
    herd_error err = { 0 };
    CHECK(herd_dataset_write(path, &spec, h1, &err) == HERD_OK);
    X[17] += 1e-3f;
    CHECK(herd_dataset_write(path, &spec, h2, &err) == HERD_OK);
    CHECK(strcmp(h1, h2) != 0);
    X[17] -= 1e-3f;
    CHECK(herd_dataset_write(path, &spec, h3, &err) == HERD_OK);
    CHECK(strcmp(h1, h3) == 0);

    herd_dataset *ds = NULL;
    CHECK(herd_dataset_open(path, &ds, &err) == HERD_OK);
    if (ds != NULL) {
        const herd_dataset_info *in = herd_dataset_get_info(ds);
        CHECK(!in->has_split && in->split_counts[0] == N);
        uint8_t sr[N];
        memset(sr, 9, N);
        CHECK(herd_dataset_read_split(ds, sr, &err) == HERD_OK && sr[0] == 0 && sr[N - 1] == 0);
        char **names = NULL;
        CHECK(herd_dataset_feature_names(ds, &names, &err) == HERD_OK);
        CHECK(names != NULL && strcmp(names[1], "f1") == 0);
        for (int j = 0; names != NULL && j < 3; j++)
            free(names[j]);
        free(names);
        herd_dataset_close(ds);
    }
    /* An empty table still round-trips. */
    spec.rows = 0;
    CHECK(herd_dataset_write(path, &spec, h1, &err) == HERD_OK);
    CHECK(herd_dataset_open(path, &ds, &err) == HERD_OK);
    if (ds != NULL) {
        CHECK(herd_dataset_get_info(ds)->rows == 0 && herd_dataset_get_info(ds)->cols == 3);
        CHECK(herd_dataset_compute_sha256(ds, h2, &err) == HERD_OK && strcmp(h1, h2) == 0);
        herd_dataset_close(ds);
    }
    free(path);
}

/* Write an HDF5 file by hand with the given /X rows and /y rows (0 = absent). */
static void write_raw(const char *path, hsize_t xrows, hsize_t yrows, const char *task)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    float zeros[64] = { 0 };
    if (xrows > 0) {
        hsize_t d[2] = { xrows, 2 };
        hid_t s = H5Screate_simple(2, d, NULL);
        hid_t ds = H5Dcreate2(f, "X", H5T_IEEE_F32LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros);
        H5Dclose(ds);
        H5Sclose(s);
    }
    if (yrows > 0) {
        hsize_t d[1] = { yrows };
        hid_t s = H5Screate_simple(1, d, NULL);
        hid_t ds = H5Dcreate2(f, "y", H5T_IEEE_F32LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros);
        H5Dclose(ds);
        H5Sclose(s);
    }
    if (task != NULL) {
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, strlen(task));
        hid_t s = H5Screate(H5S_SCALAR);
        hid_t a = H5Acreate2(f, "task", t, s, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, t, task);
        H5Aclose(a);
        H5Sclose(s);
        H5Tclose(t);
    }
    H5Fclose(f);
}

static int open_fails(const char *path, int code, const char *needle)
{
    herd_error err = { 0 };
    herd_dataset *ds = NULL;
    int rc = herd_dataset_open(path, &ds, &err);
    int ok = rc == code && err.code == code && ds == NULL && strstr(err.msg, needle) != NULL &&
             strchr(err.msg, '\n') == NULL;
    if (!ok)
        fprintf(stderr, "open %s: rc %d msg '%s' (want %d, '%s')\n", path, rc, err.msg, code,
                needle);
    herd_dataset_close(ds);
    return ok;
}

static void test_open_errors(void)
{
    char *missing = path_in("nope.h5"), *text = path_in("text.h5");
    char *nox = path_in("nox.h5"), *mism = path_in("mismatch.h5"), *fixed = path_in("fixed.h5");
    FILE *f = fopen(text, "w");
    fputs("not hdf5 at all\n", f);
    fclose(f);
    write_raw(nox, 0, 4, "regression");
    write_raw(mism, 4, 3, "regression");
    write_raw(fixed, 4, 4, "regression");
    CHECK(open_fails(missing, HERD_ERR_IO, "no such file"));
    CHECK(open_fails(text, HERD_ERR_DATA, "not an HDF5 file"));
    CHECK(open_fails(nox, HERD_ERR_DATA, "missing /X"));
    CHECK(open_fails(mism, HERD_ERR_DATA, "/y has 3 rows but /X has 4"));
    /* A fixed-length task string written by another tool opens fine. */
    herd_error err = { 0 };
    herd_dataset *ds = NULL;
    CHECK(herd_dataset_open(fixed, &ds, &err) == HERD_OK);
    CHECK(ds != NULL && herd_dataset_get_info(ds)->task == HERD_TASK_REGRESSION);
    herd_dataset_close(ds);
    free(missing), free(text), free(nox), free(mism), free(fixed);
}

/* A file without /y (written by another tool, with a task attribute) opens
 * as not labelled; whatever needs labels refuses it with one line. */
static void test_open_without_labels(void)
{
    char *noy = path_in("noy.h5");
    write_raw(noy, 4, 0, "regression");
    herd_error err = { 0 };
    herd_dataset *ds = NULL;
    CHECK(herd_dataset_open(noy, &ds, &err) == HERD_OK);
    if (ds == NULL) {
        fprintf(stderr, "open %s: %s\n", noy, err.msg);
        free(noy);
        return;
    }
    const herd_dataset_info *in = herd_dataset_get_info(ds);
    CHECK(!in->labelled && in->rows == 4 && in->cols == 2);
    CHECK(in->task == -1 && in->n_classes == 0);  /* the task describes labels it has not */
    float X[8], y[4];
    CHECK(herd_dataset_read_rows(ds, 0, 4, X, NULL, &err) == HERD_OK && X[7] == 0.0f);
    CHECK(herd_dataset_read_rows(ds, 0, 4, X, y, &err) == HERD_ERR_DATA);
    CHECK(strstr(err.msg, "noy.h5: has no labels (/y)") != NULL);
    herd_error_clear(&err);
    CHECK(herd_dataset_check_labels(ds, &err) == HERD_ERR_DATA);
    CHECK(strstr(err.msg, "has no labels") != NULL);
    herd_error_clear(&err);
    char hex[65], want[65];
    float zeros[8] = { 0 };
    herd_sha256_hex(zeros, sizeof zeros, want);  /* /X alone */
    CHECK(herd_dataset_compute_sha256(ds, hex, &err) == HERD_OK && strcmp(hex, want) == 0);
    herd_dataset_close(ds);
    ds = NULL;
    CHECK(herd_dataset_open_labelled(noy, "training", &ds, &err) == HERD_ERR_DATA && ds == NULL);
    CHECK(strstr(err.msg, "noy.h5: has no labels (/y); training needs labelled data") != NULL);
    CHECK(strchr(err.msg, '\n') == NULL);
    free(noy);
}

/* herd's writer without labels: no /y, no task; the hash covers /X then
 * /split, so it changes with the features and differs from the labelled
 * file's. */
static void test_write_without_labels(void)
{
    enum { N = 30 };
    float X[N * 3], y[N];
    uint8_t split[N];
    herd_dataset_spec spec;
    small_spec(&spec, X, y, split, N);
    char *path = path_in("unlabelled.h5");
    char labelled[65], hex[65], again[65], want[65];
    herd_error err = { 0 };
    CHECK(herd_dataset_write(path, &spec, labelled, &err) == HERD_OK);
    spec.unlabelled = 1;
    spec.y = NULL;
    spec.task = -1;  /* not used without labels */
    CHECK(herd_dataset_write(path, &spec, hex, &err) == HERD_OK);
    CHECK(strcmp(hex, labelled) != 0);
    herd_sha256 *h = herd_sha256_begin();
    herd_sha256_update(h, X, sizeof X);
    herd_sha256_update(h, split, sizeof split);
    herd_sha256_end(h, want);
    CHECK(strcmp(hex, want) == 0);
    herd_dataset *ds = NULL;
    CHECK(herd_dataset_open(path, &ds, &err) == HERD_OK);
    if (ds != NULL) {
        const herd_dataset_info *in = herd_dataset_get_info(ds);
        CHECK(!in->labelled && in->task == -1 && in->n_classes == 0 && in->rows == N);
        CHECK(in->has_split && in->split_counts[HERD_SPLIT_VAL] == 10);
        CHECK(strcmp(in->content_sha256, hex) == 0);
        CHECK(herd_dataset_compute_sha256(ds, again, &err) == HERD_OK && strcmp(again, hex) == 0);
        float Xr[N * 3];
        CHECK(herd_dataset_read_rows(ds, 0, N, Xr, NULL, &err) == HERD_OK &&
              memcmp(Xr, X, sizeof X) == 0);
        herd_dataset_close(ds);
    }
    X[40] += 1.0f;
    CHECK(herd_dataset_write(path, &spec, again, &err) == HERD_OK && strcmp(again, hex) != 0);
    free(path);
}

static void test_check_labels(void)
{
    enum { N = 30 };
    float X[N * 3], y[N];
    uint8_t split[N];
    herd_dataset_spec spec;
    small_spec(&spec, X, y, split, N);
    y[17] = 12;
    char *path = path_in("badlabel.h5");
    herd_error err = { 0 };
    herd_dataset *ds = NULL;
    CHECK(herd_dataset_write(path, &spec, NULL, &err) == HERD_OK);
    CHECK(herd_dataset_open(path, &ds, &err) == HERD_OK);
    if (ds != NULL) {
        CHECK(herd_dataset_check_labels(ds, &err) == HERD_ERR_DATA);
        CHECK(strstr(err.msg, "row 17: label 12 outside [0, 3)") != NULL);
        herd_dataset_close(ds);
    }
    herd_error_clear(&err);
    y[17] = 2;
    y[5] = 1.5f;
    CHECK(herd_dataset_write(path, &spec, NULL, &err) == HERD_OK);
    CHECK(herd_dataset_open(path, &ds, &err) == HERD_OK);
    if (ds != NULL) {
        CHECK(herd_dataset_check_labels(ds, &err) == HERD_ERR_DATA && strstr(err.msg, "row 5") != NULL);
        herd_dataset_close(ds);
    }
    herd_error_clear(&err);
    spec.task = HERD_TASK_BINARY; /* binary needs n_classes 2 */
    CHECK(herd_dataset_write(path, &spec, NULL, &err) == HERD_ERR_DATA);
    free(path);
}

static void test_shards(void)
{
    const int64_t ns[] = { 0, 1, 5, 60000 };
    for (int a = 0; a < 4; a++)
        for (int size = 1; size <= 4; size++) {
            int64_t expect = 0, minlen = INT64_MAX, maxlen = 0;
            int ok = 1;
            for (int r = 0; r < size; r++) {
                int64_t lo, hi;
                herd_shard_range(ns[a], r, size, &lo, &hi);
                ok &= lo == expect && hi >= lo; /* contiguous, disjoint, in order */
                expect = hi;
                minlen = hi - lo < minlen ? hi - lo : minlen;
                maxlen = hi - lo > maxlen ? hi - lo : maxlen;
            }
            CHECK(ok && expect == ns[a]);  /* covering */
            CHECK(maxlen - minlen <= 1);
        }
}

static void test_val_carve(void)
{
    int64_t n = 20000, carved = 0;
    int same = 1;
    for (int64_t i = 0; i < n; i++) {
        int c = herd_shard_is_val_carve(7, 0.2, i);
        carved += c;
        same &= c == herd_shard_is_val_carve(7, 0.2, i);
    }
    CHECK(same);
    CHECK(carved > 0.18 * n && carved < 0.22 * n);
    int differ = 0;
    for (int64_t i = 0; i < 100; i++)
        differ |= herd_shard_is_val_carve(7, 0.5, i) != herd_shard_is_val_carve(8, 0.5, i);
    CHECK(differ);
    CHECK(!herd_shard_is_val_carve(7, 0.0, 3));
}

static void stored_hash(const char *path, char hex[65], herd_dataset_info *info)
{
    herd_error err = { 0 };
    herd_dataset *ds = NULL;
    hex[0] = '\0';
    if (herd_dataset_open(path, &ds, &err) != HERD_OK)
        return;
    *info = *herd_dataset_get_info(ds);
    herd_dataset_compute_sha256(ds, hex, &err);
    CHECK(strcmp(hex, info->content_sha256) == 0);
    CHECK(herd_dataset_check_labels(ds, &err) == HERD_OK);
    herd_dataset_close(ds);
}

static void test_synth(void)
{
    herd_synth_spec s = { .kind = HERD_TASK_MULTICLASS, .rows = 2000, .features = 8,
                          .classes = 4, .seed = 3, .noise = 0.1, .val_fraction = 0.2,
                          .test_fraction = 0.1 };
    char *a = path_in("s1.h5"), *b = path_in("s2.h5"), *c = path_in("s3.h5");
    char ha[65], hb[65], hc[65];
    herd_dataset_info ia = { 0 }, ic = { 0 };
    herd_error err = { 0 };
    CHECK(herd_synth(&s, a, &err) == HERD_OK);
    CHECK(herd_synth(&s, b, &err) == HERD_OK);
    s.seed = 4;
    CHECK(herd_synth(&s, c, &err) == HERD_OK);
    stored_hash(a, ha, &ia);
    stored_hash(b, hb, &ia);
    stored_hash(c, hc, &ic);
    CHECK(ha[0] != '\0' && strcmp(ha, hb) == 0);
    CHECK(strcmp(ha, hc) != 0);
    CHECK(ia.rows == 2000 && ia.cols == 8 && ia.n_classes == 4 && ia.task == HERD_TASK_MULTICLASS);
    CHECK(ia.has_split && ia.split_counts[1] > 300 && ia.split_counts[1] < 500);
    CHECK(ia.split_counts[2] > 120 && ia.split_counts[2] < 280);

    herd_synth_spec r = { .kind = HERD_TASK_REGRESSION, .rows = 100, .features = 3, .seed = 1,
                          .noise = 0.1 };
    CHECK(herd_synth(&r, a, &err) == HERD_OK);
    stored_hash(a, ha, &ia);
    CHECK(ia.task == HERD_TASK_REGRESSION && ia.n_classes == 0 && !ia.has_split);
    r.classes = 0;
    r.kind = HERD_TASK_BINARY; /* classification needs classes >= 2 */
    CHECK(herd_synth(&r, a, &err) == HERD_ERR_USAGE);
    free(a), free(b), free(c);
}

/* A file's columns against the names a model was trained on. */
static void test_check_feature_names(void)
{
    enum { N = 10 };
    float X[N * 3], y[N];
    uint8_t split[N];
    herd_dataset_spec spec;
    small_spec(&spec, X, y, split, N);
    char *named = path_in("named.h5"), *plain = path_in("unnamed.h5");
    herd_error err = { 0 };
    CHECK(herd_dataset_write(named, &spec, NULL, &err) == HERD_OK);
    spec.feature_names = NULL;
    CHECK(herd_dataset_write(plain, &spec, NULL, &err) == HERD_OK);
    char *same[] = { "alpha", "beta", "gamma", NULL };
    char *reordered[] = { "alpha", "gamma", "beta", NULL };
    char *other[] = { "alpha", "beta", "delta", NULL };
    herd_dataset *ds = NULL;
    CHECK(herd_dataset_open(named, &ds, &err) == HERD_OK);
    if (ds != NULL) {
        char **stored = NULL;
        CHECK(herd_dataset_stored_feature_names(ds, &stored, &err) == HERD_OK);
        CHECK(stored != NULL && strcmp(stored[2], "gamma") == 0 && stored[3] == NULL);
        herd_names_free(stored);
        CHECK(herd_dataset_check_feature_names(ds, same, "the model", &err) == HERD_OK);
        CHECK(herd_dataset_check_feature_names(ds, NULL, "the model", &err) == HERD_OK);
        CHECK(herd_dataset_check_feature_names(ds, reordered, "the model", &err) == HERD_ERR_DATA);
        CHECK(strstr(err.msg, "column 1 is 'beta' where the model has 'gamma'") != NULL &&
              strstr(err.msg, "another order") != NULL);
        herd_error_clear(&err);
        CHECK(herd_dataset_check_feature_names(ds, other, "the model", &err) == HERD_ERR_DATA);
        CHECK(strstr(err.msg, "column 2 is 'gamma'") != NULL && strstr(err.msg, "another order") == NULL);
        herd_error_clear(&err);
        herd_dataset_close(ds);
    }
    CHECK(herd_dataset_open(plain, &ds, &err) == HERD_OK);
    if (ds != NULL) {
        char **stored = same;
        CHECK(herd_dataset_stored_feature_names(ds, &stored, &err) == HERD_OK && stored == NULL);
        /* nothing to compare: taken as it is (with a warning) */
        CHECK(herd_dataset_check_feature_names(ds, reordered, "the model", &err) == HERD_OK);
        herd_dataset_close(ds);
    }
    free(named);
    free(plain);
}

/* /class_names as a file written by another tool may hold them: one name
 * per class, each its own; none for values. */
static void test_class_names(void)
{
    enum { N = 9 };
    float X[N * 3], y[N];
    uint8_t split[N];
    herd_dataset_spec spec;
    small_spec(&spec, X, y, split, N);
    static const char *good[] = { "bird", "cat", "dog" }, *twice[] = { "cat", "dog", "cat" };
    const char *const *names[] = { good, twice, good };
    int task[] = { HERD_TASK_MULTICLASS, HERD_TASK_MULTICLASS, HERD_TASK_REGRESSION };
    const char *why[] = { NULL, "names classes 0 and 2 both 'cat'", "its labels are values" };
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "classes-%d.h5", i);
        char *path = path_in(name), **read = NULL;
        herd_error err = { 0 };
        herd_dataset *ds = NULL;
        spec.class_names = names[i];
        spec.task = task[i];
        CHECK(herd_dataset_write(path, &spec, NULL, &err) == HERD_OK);
        CHECK(herd_dataset_open(path, &ds, &err) == HERD_OK);
        int rc = ds != NULL ? herd_dataset_class_names(ds, &read, &err) : -1;
        if (why[i] == NULL)
            CHECK(rc == HERD_OK && read != NULL && strcmp(read[2], "dog") == 0 && read[3] == NULL);
        else
            CHECK(rc == HERD_ERR_DATA && read == NULL && strstr(err.msg, why[i]) != NULL);
        herd_names_free(read);
        herd_dataset_close(ds);
        free(path);
    }
}

int main(void)
{
    dir = herd_test_tmpdir("data");
    test_round_trip();
    test_defaults_and_hash_change();
    test_open_errors();
    test_open_without_labels();
    test_write_without_labels();
    test_check_labels();
    test_shards();
    test_val_carve();
    test_synth();
    test_check_feature_names();
    test_class_names();
    free(dir);
    return herd_test_finish("test_data");
}
