/* test_data_import.c - IDX (gzipped, plain, truncated, mismatched) and CSV
 * import (happy path, each error naming its line). */
#include "tests/testing.h"
#include "data/dataset.h"
#include "data/import.h"
#include "core/mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static char *dir;

static char *path_in(const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = herd_malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* Write an IDX file: magic, dims, then `bytes` data bytes (i * 7 % 256, or
 * i % classes for labels); gz picks gzip. */
static void write_idx(const char *path, uint32_t magic, int nd, const uint32_t *dims,
                      size_t bytes, int classes, int gz)
{
    uint8_t head[16];
    put_u32(head, magic);
    for (int i = 0; i < nd; i++)
        put_u32(head + 4 + 4 * i, dims[i]);
    uint8_t *data = herd_malloc(bytes + 1);
    for (size_t i = 0; i < bytes; i++)
        data[i] = classes > 0 ? (uint8_t)(i % (size_t)classes) : (uint8_t)(i * 7 % 256);
    if (gz) {
        gzFile f = gzopen(path, "wb");
        gzwrite(f, head, 4 * (unsigned)(nd + 1));
        if (bytes > 0)
            gzwrite(f, data, (unsigned)bytes);
        gzclose(f);
    } else {
        FILE *f = fopen(path, "wb");
        fwrite(head, 1, 4 * (size_t)(nd + 1), f);
        fwrite(data, 1, bytes, f);
        fclose(f);
    }
    free(data);
}

static void check_idx_output(const char *out, int has_split)
{
    herd_error err = { 0 };
    herd_dataset *ds = NULL;
    CHECK(herd_dataset_open(out, &ds, &err) == HERD_OK);
    if (ds == NULL)
        return;
    const herd_dataset_info *in = herd_dataset_get_info(ds);
    CHECK(in->rows == 6 && in->cols == 12 && in->task == HERD_TASK_MULTICLASS);
    CHECK(in->n_classes == 4 && in->has_split == has_split);
    CHECK(!has_split || in->split_counts[HERD_SPLIT_TEST] == 6);
    float X[72], y[6];
    CHECK(herd_dataset_read_rows(ds, 0, 6, X, y, &err) == HERD_OK);
    CHECK_NEAR(X[13], (13 * 7 % 256) / 255.0, 1e-6);
    CHECK(y[5] == 1.0f && y[3] == 3.0f);
    CHECK(herd_dataset_check_labels(ds, &err) == HERD_OK);
    char **names = NULL;
    CHECK(herd_dataset_feature_names(ds, &names, &err) == HERD_OK);
    CHECK(names != NULL && strcmp(names[5], "px_1_1") == 0); /* 3 x 4 images */
    for (int i = 0; names != NULL && i < 12; i++)
        free(names[i]);
    free(names);
    herd_dataset_close(ds);
}

static void test_idx(void)
{
    const uint32_t idims[3] = { 6, 3, 4 }, ldims[1] = { 6 }, lshort[1] = { 5 };
    char *img = path_in("img.gz"), *lab = path_in("lab.gz"), *imgp = path_in("img.idx");
    char *labp = path_in("lab.idx"), *out = path_in("idx.h5"), *trunc = path_in("trunc.gz");
    char *lab5 = path_in("lab5.idx");
    herd_error err = { 0 };
    write_idx(img, 0x803, 3, idims, 72, 0, 1);
    write_idx(lab, 0x801, 1, ldims, 6, 4, 1);
    write_idx(imgp, 0x803, 3, idims, 72, 0, 0);
    write_idx(labp, 0x801, 1, ldims, 6, 4, 0);
    write_idx(trunc, 0x803, 3, idims, 50, 0, 1);
    write_idx(lab5, 0x801, 1, lshort, 5, 4, 0);

    CHECK(herd_import_idx(img, lab, out, -1, &err) == HERD_OK);
    check_idx_output(out, 0);
    CHECK(herd_import_idx(imgp, labp, out, HERD_SPLIT_TEST, &err) == HERD_OK);
    check_idx_output(out, 1);

    CHECK(herd_import_idx(trunc, lab, out, -1, &err) == HERD_ERR_DATA);
    CHECK(strstr(err.msg, "truncated") != NULL && strstr(err.msg, "trunc.gz") != NULL);
    herd_error_clear(&err);
    CHECK(herd_import_idx(lab, img, out, -1, &err) == HERD_ERR_DATA); /* swapped: bad magic */
    CHECK(strstr(err.msg, "magic") != NULL);
    herd_error_clear(&err);
    CHECK(herd_import_idx(img, lab5, out, -1, &err) == HERD_ERR_DATA);
    CHECK(strstr(err.msg, "6 images") != NULL && strstr(err.msg, "5 labels") != NULL);
    herd_error_clear(&err);
    CHECK(herd_import_idx("no/such/images", lab, out, -1, &err) == HERD_ERR_IO);
    CHECK(strstr(err.msg, "no such file") != NULL);
    free(img), free(lab), free(imgp), free(labp), free(out), free(trunc), free(lab5);
}

static char *write_text(const char *name, const char *text)
{
    char *p = path_in(name);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
    return p;
}

static void test_csv_ok(void)
{
    char *csv = write_text("ok.csv", "a, label ,\"c,d\"\n1.5,1,2\n\n,0,-3e2\n4,1,  7  \n");
    char *out = path_in("csv.h5");
    herd_error err = { 0 };
    herd_dataset *ds = NULL;
    CHECK(herd_import_csv(csv, "label", -1, out, &err) == HERD_OK);
    CHECK(herd_dataset_open(out, &ds, &err) == HERD_OK);
    if (ds != NULL) {
        const herd_dataset_info *in = herd_dataset_get_info(ds);
        CHECK(in->rows == 3 && in->cols == 2 && in->task == HERD_TASK_BINARY && in->n_classes == 2);
        float X[6], y[3];
        CHECK(herd_dataset_read_rows(ds, 0, 3, X, y, &err) == HERD_OK);
        CHECK(X[0] == 1.5f && X[1] == 2.0f && isnan(X[2]) && X[3] == -300.0f && X[5] == 7.0f);
        CHECK(y[0] == 1.0f && y[1] == 0.0f && y[2] == 1.0f);
        char **names = NULL;
        CHECK(herd_dataset_feature_names(ds, &names, &err) == HERD_OK);
        CHECK(names != NULL && strcmp(names[0], "a") == 0 && strcmp(names[1], "c,d") == 0);
        for (int i = 0; names != NULL && i < 2; i++)
            free(names[i]);
        free(names);
        herd_dataset_close(ds);
    }
    /* Task inference: 3 integer classes -> multiclass; fractions -> regression. */
    char *multi = write_text("multi.csv", "x,y\n1,0\n2,2\n3,1\n");
    char *reg = write_text("reg.csv", "x,y\n1,0.5\n2,2\n");
    CHECK(herd_import_csv(multi, "y", -1, out, &err) == HERD_OK);
    CHECK(herd_dataset_open(out, &ds, &err) == HERD_OK);
    CHECK(ds != NULL && herd_dataset_get_info(ds)->task == HERD_TASK_MULTICLASS &&
          herd_dataset_get_info(ds)->n_classes == 3);
    herd_dataset_close(ds);
    CHECK(herd_import_csv(reg, "y", -1, out, &err) == HERD_OK);
    CHECK(herd_dataset_open(out, &ds, &err) == HERD_OK);
    CHECK(ds != NULL && herd_dataset_get_info(ds)->task == HERD_TASK_REGRESSION);
    herd_dataset_close(ds);
    /* Explicit task that the labels do not fit. */
    CHECK(herd_import_csv(multi, "y", HERD_TASK_BINARY, out, &err) == HERD_ERR_DATA);
    CHECK(strstr(err.msg, "multi.csv:3:") != NULL);
    free(csv), free(out), free(multi), free(reg);
}

/* Without a target every column is a feature and the file has no /y; a
 * task then has no column to describe. */
static void test_csv_without_target(void)
{
    char *csv = write_text("features.csv", "a,label,c\n1.5,1,2\n,0,-3e2\n");
    char *out = path_in("features.h5");
    herd_error err = { 0 };
    herd_dataset *ds = NULL;
    CHECK(herd_import_csv(csv, NULL, -1, out, &err) == HERD_OK);
    CHECK(herd_dataset_open(out, &ds, &err) == HERD_OK);
    if (ds != NULL) {
        const herd_dataset_info *in = herd_dataset_get_info(ds);
        CHECK(!in->labelled && in->rows == 2 && in->cols == 3 && in->task == -1);
        float X[6];
        CHECK(herd_dataset_read_rows(ds, 0, 2, X, NULL, &err) == HERD_OK);
        CHECK(X[0] == 1.5f && X[1] == 1.0f && X[2] == 2.0f && isnan(X[3]) && X[5] == -300.0f);
        char **names = NULL;
        CHECK(herd_dataset_feature_names(ds, &names, &err) == HERD_OK);
        CHECK(names != NULL && strcmp(names[1], "label") == 0 && strcmp(names[2], "c") == 0);
        for (int i = 0; names != NULL && i < 3; i++)
            free(names[i]);
        free(names);
        herd_dataset_close(ds);
    }
    CHECK(herd_import_csv(csv, NULL, HERD_TASK_BINARY, out, &err) == HERD_ERR_USAGE);
    CHECK(strstr(err.msg, "needs a target") != NULL);
    free(csv), free(out);
}

/* A target of words: class ids in sorted order of the names, which the file
 * keeps (and hashes); numbers among the words are refused. */
static void test_csv_class_names(void)
{
    char *csv = write_text("words.csv", "a,kind\n1,dog\n2,\"bird, small\"\n3,cat\n4,dog\n");
    char *mixed = write_text("mixed.csv", "a,kind\n1,dog\n2,7\n");
    char *out = path_in("words.h5");
    herd_error err = { 0 };
    herd_dataset *ds = NULL;
    CHECK(herd_import_csv(csv, "kind", -1, out, &err) == HERD_OK);
    CHECK(herd_dataset_open(out, &ds, &err) == HERD_OK);
    if (ds != NULL) {
        const herd_dataset_info *in = herd_dataset_get_info(ds);
        CHECK(in->task == HERD_TASK_MULTICLASS && in->n_classes == 3);
        float y[4];
        CHECK(herd_dataset_read_rows(ds, 0, 4, NULL, y, &err) == HERD_OK);
        CHECK(y[0] == 2.0f && y[1] == 0.0f && y[2] == 1.0f && y[3] == 2.0f);
        char **names = NULL;
        CHECK(herd_dataset_class_names(ds, &names, &err) == HERD_OK);
        CHECK(names != NULL && strcmp(names[0], "bird, small") == 0 &&
              strcmp(names[1], "cat") == 0 && strcmp(names[2], "dog") == 0 && names[3] == NULL);
        char *same[] = { "bird, small", "cat", "dog", NULL }, *other[] = { "ant", "cat", "dog", NULL };
        CHECK(herd_dataset_check_class_names(ds, same, "the model", &err) == HERD_OK);
        CHECK(herd_dataset_check_class_names(ds, other, "the model", &err) == HERD_ERR_DATA);
        CHECK(strstr(err.msg, "class 0 is 'bird, small' where the model has 'ant'") != NULL);
        herd_error_clear(&err);
        CHECK(herd_dataset_check_class_names(ds, NULL, "the model", &err) == HERD_ERR_DATA);
        herd_error_clear(&err);
        char stored[65], again[65];
        memcpy(stored, in->content_sha256, sizeof stored);
        CHECK(herd_dataset_compute_sha256(ds, again, &err) == HERD_OK && strcmp(again, stored) == 0);
        herd_names_free(names);
        herd_dataset_close(ds);
    }
    CHECK(herd_import_csv(mixed, "kind", -1, out, &err) == HERD_ERR_DATA);
    CHECK(strstr(err.msg, ":3: column 'kind': '7' is a number") != NULL);
    free(csv), free(mixed), free(out);
}

/* A quoted cell may run over lines (CRLF too); rows after it keep their line
 * numbers in errors. */
static void test_csv_quoted_line_breaks(void)
{
    char *csv = write_text("multiline.csv", "\"a\r\nb\",y\r\n\"1\r\n\",0\r\n\"2\",1\r\n3,1\r\n");
    char *out = path_in("multiline.h5");
    herd_error err = { 0 };
    herd_dataset *ds = NULL;
    CHECK(herd_import_csv(csv, "y", -1, out, &err) == HERD_OK);
    CHECK(herd_dataset_open(out, &ds, &err) == HERD_OK);
    if (ds != NULL) {
        CHECK(herd_dataset_get_info(ds)->rows == 3 && herd_dataset_get_info(ds)->cols == 1);
        float X[3], y[3];
        CHECK(herd_dataset_read_rows(ds, 0, 3, X, y, &err) == HERD_OK);
        CHECK(X[0] == 1.0f && X[1] == 2.0f && X[2] == 3.0f);
        CHECK(y[0] == 0.0f && y[1] == 1.0f && y[2] == 1.0f);
        char **names = NULL;
        CHECK(herd_dataset_feature_names(ds, &names, &err) == HERD_OK);
        CHECK(names != NULL && strcmp(names[0], "a\nb") == 0);
        free(names != NULL ? names[0] : NULL);
        free(names);
        herd_dataset_close(ds);
    }
    char *bad = write_text("late.csv", "a,y\n\"1\n\",0\n2,x\n");
    CHECK(herd_import_csv(bad, "y", -1, out, &err) == HERD_ERR_DATA);
    CHECK(strstr(err.msg, "late.csv:4: column 'y'") != NULL);
    free(csv), free(out), free(bad);
}

/* Import text with target "y"; expect code and a message containing needle. */
static int csv_fails(const char *name, const char *text, const char *target, int code,
                     const char *needle)
{
    char *csv = write_text(name, text), *out = path_in("bad.h5");
    herd_error err = { 0 };
    int rc = herd_import_csv(csv, target, -1, out, &err);
    int ok = rc == code && strstr(err.msg, needle) != NULL;
    if (!ok)
        fprintf(stderr, "%s: rc %d msg '%s' (want %d, '%s')\n", name, rc, err.msg, code, needle);
    free(csv), free(out);
    return ok;
}

static void test_csv_errors(void)
{
    CHECK(csv_fails("empty.csv", "", "y", HERD_ERR_DATA, "empty.csv:1: empty file"));
    CHECK(csv_fails("ragged.csv", "a,b,y\n1,2,0\n3,4\n", "y", HERD_ERR_DATA,
                    "ragged.csv:3: column 'y': missing"));
    CHECK(csv_fails("long.csv", "a,y\n1,0\n1,2,3\n", "y", HERD_ERR_DATA, "long.csv:3:"));
    CHECK(csv_fails("nan.csv", "a,b,y\n1,2,0\n1,x2,1\n", "y", HERD_ERR_DATA,
                    "nan.csv:3: column 'b': not a number: 'x2'"));
    CHECK(csv_fails("partial.csv", "a,y\n1,0\n1.5abc,1\n", "y", HERD_ERR_DATA,
                    "partial.csv:3: column 'a': not a number"));
    CHECK(csv_fails("target.csv", "a,b\n1,2\n", "y", HERD_ERR_DATA,
                    "target.csv:1: column 'y': not in the header (a, b)"));
    CHECK(csv_fails("notarget.csv", "a,y\n1,0\n2,\n", "y", HERD_ERR_DATA,
                    "notarget.csv:3: column 'y': missing target value"));
    CHECK(csv_fails("header.csv", "a,y\n", "y", HERD_ERR_DATA, "no data rows"));
    CHECK(csv_fails("open.csv", "a,y\n1,0\n\"2,1\n3,0\n", "y", HERD_ERR_DATA,
                    "open.csv:3: quote not closed"));
    CHECK(csv_fails("twice.csv", "a,b,a,y\n1,2,3,0\n", "y", HERD_ERR_DATA,
                    "twice.csv:1: column 'a': name used twice in the header (columns 1 and 3)"));
    CHECK(csv_fails("twotargets.csv", "a,y,y\n1,0,0\n", "y", HERD_ERR_DATA,
                    "twotargets.csv:1: column 'y': name used twice"));
    CHECK(csv_fails("index.csv", ",a,y\n0,1,0\n", "y", HERD_ERR_DATA,
                    "index.csv:1: column 1: no name in the header (an index column"));
    CHECK(csv_fails("trailing.csv", "a,y,\n1,0,\n", "y", HERD_ERR_DATA,
                    "trailing.csv:1: column 3: no name in the header (a comma at the end"));
    CHECK(csv_fails("afterquote.csv", "a,y\n\"1\" kg,0\n", "y", HERD_ERR_DATA,
                    "afterquote.csv:2: column 'a': not a number: '1 kg'"));
    CHECK(csv_fails("oneword.csv", "a,y\n1,yes\n", "y", HERD_ERR_DATA,
                    "oneword.csv: column 'y': every label is 'yes'; a classifier needs two"));
    herd_error err = { 0 };
    CHECK(herd_import_csv("no/such.csv", "y", -1, "x.h5", &err) == HERD_ERR_IO);
}

int main(void)
{
    dir = herd_test_tmpdir("data-import");
    test_idx();
    test_csv_ok();
    test_csv_without_target();
    test_csv_class_names();
    test_csv_quoted_line_breaks();
    test_csv_errors();
    free(dir);
    return herd_test_finish("test_data_import");
}
