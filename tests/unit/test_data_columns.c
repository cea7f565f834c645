/* test_data_columns.c - /columns/<name> int32 arrays: written with a
 * dataset, read back by row range, clear errors for a missing or malformed
 * column; and the credit synth: its shape, prevalence and protected column. */
#include "data/dataset.h"
#include "data/import.h"
#include "core/mem.h"
#include "tests/testing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_roundtrip(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/cols.h5", dir);
    float X[10], y[5] = { 0, 1, 0, 1, 1 };
    int32_t g[5] = { 3, -1, 7, 3, 0 };
    for (int i = 0; i < 10; i++)
        X[i] = (float)i;
    const char *names[1] = { "region" };
    const int32_t *cols[1] = { g };
    herd_dataset_spec spec = { .rows = 5, .cols = 2, .X = X, .y = y, .task = HERD_TASK_BINARY,
                               .n_classes = 2, .n_columns = 1, .column_names = names, .columns = cols };
    herd_error err = { 0 };
    CHECK(herd_dataset_write(path, &spec, NULL, &err) == HERD_OK);
    herd_dataset *ds = NULL;
    CHECK(herd_dataset_open(path, &ds, &err) == HERD_OK);
    if (ds == NULL)
        return;
    int32_t out[5] = { 0 };
    CHECK(herd_dataset_read_column(ds, "region", 1, 4, out, &err) == HERD_OK);
    CHECK(out[0] == -1 && out[1] == 7 && out[2] == 3);
    CHECK(herd_dataset_read_column(ds, "nope", 0, 5, out, &err) == HERD_ERR_DATA);
    CHECK(strstr(err.msg, "no column /columns/nope") != NULL);
    CHECK(herd_dataset_read_column(ds, "../X", 0, 5, out, &err) == HERD_ERR_DATA);
    CHECK(herd_dataset_read_column(ds, "region", 3, 9, out, &err) != HERD_OK);
    herd_dataset_close(ds);
}

static void test_credit(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/credit.h5", dir);
    herd_synth_spec sp = { .rows = 20000, .seed = 5, .test_fraction = 0.2 };
    herd_error err = { 0 };
    CHECK(herd_synth_credit(&sp, path, &err) == HERD_OK);
    herd_dataset *ds = NULL;
    CHECK(herd_dataset_open(path, &ds, &err) == HERD_OK);
    if (ds == NULL)
        return;
    const herd_dataset_info *in = herd_dataset_get_info(ds);
    CHECK(in->rows == 20000 && in->cols == 11 && in->task == HERD_TASK_BINARY && in->has_split);
    float *X = herd_malloc(20000 * 11 * sizeof(float)), *y = herd_malloc(20000 * sizeof(float));
    int32_t *g = herd_malloc(20000 * sizeof(int32_t));
    CHECK(herd_dataset_read_rows(ds, 0, 20000, X, y, &err) == HERD_OK);
    CHECK(herd_dataset_read_column(ds, "group", 0, 20000, g, &err) == HERD_OK);
    double pos = 0, missing = 0, late[2] = { 0 }, n_late[2] = { 0 };
    int same = 1;
    for (int i = 0; i < 20000; i++) {
        pos += y[i];
        missing += isnan(X[i * 11 + 4]);
        same &= g[i] == (int32_t)X[i * 11 + 10];
        int k = X[i * 11 + 6] > 0;
        late[k] += y[i];
        n_late[k]++;
    }
    CHECK(fabs(pos / 20000 - 0.07) < 0.01);
    CHECK(fabs(missing / 20000 - 0.2) < 0.02);
    CHECK(same);
    CHECK(late[1] / n_late[1] > 2 * late[0] / n_late[0]);  /* risk rises with late payments */
    free(g);
    free(y);
    free(X);
    herd_dataset_close(ds);
}

int main(void)
{
    char *dir = herd_test_tmpdir("data_columns");
    test_roundtrip(dir);
    test_credit(dir);
    free(dir);
    return herd_test_finish("data_columns");
}
