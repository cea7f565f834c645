/* test_train_load.c - loading a shard into memory (herd_rows_load_shard*,
 * train/batches.c): every loaded row holds the values and label of the file
 * row it stands for, in the order herd_rows_shard_index gives, for the whole
 * file, a carved validation set (rows scattered in many runs), a train
 * fraction, each rank's shard of three, and a file whose /split marks every
 * fifth row a test row (a file without /split is read as ranges of rows,
 * one with it through the index).
 */
#include "tests/testing.h"

#include "core/mem.h"
#include "data/dataset.h"
#include "data/shard.h"
#include "train/batches.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* X[r][c] = r + c and y[r] = r, exact in float32 */
enum { COLS = 100, SEED = 3 };

static float value(int64_t row, int64_t col) { return (float)(row + col); }

static char *write_file(const char *dir, const char *name, int64_t rows, int with_split)
{
    uint8_t *split = with_split ? herd_malloc((size_t)rows) : NULL;
    for (int64_t r = 0; split != NULL && r < rows; r++)
        split[r] = r % 5 == 4 ? HERD_SPLIT_TEST : HERD_SPLIT_TRAIN;
    float *X = herd_malloc((size_t)rows * COLS * sizeof(float));
    float *y = herd_malloc((size_t)rows * sizeof(float));
    for (int64_t r = 0; r < rows; r++) {
        y[r] = (float)r;
        for (int64_t c = 0; c < COLS; c++)
            X[r * COLS + c] = value(r, c);
    }
    herd_dataset_spec spec = { .rows = rows, .cols = COLS, .X = X, .y = y, .split = split,
                               .task = HERD_TASK_REGRESSION, .source = "unit test" };
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = herd_malloc(len);
    snprintf(path, len, "%s/%s", dir, name);
    herd_error err = { 0 };
    CHECK(herd_dataset_write(path, &spec, NULL, &err) == HERD_OK);
    free(split);
    free(X);
    free(y);
    return path;
}

/* Load rank's shard and compare every row with the file row it must be. */
static void check_load(herd_dataset *ds, double val_fraction, double fraction, int rank,
                       int size)
{
    herd_rows rows;
    herd_error err = { 0 };
    int64_t total = 0, *index = NULL, count = 0, total2 = 0;
    CHECK(herd_rows_load_shard_fraction(ds, HERD_ROLE_TRAIN, SEED, val_fraction, fraction, rank,
                                        size, &rows, &total, &err) == HERD_OK);
    CHECK(herd_rows_shard_index(ds, HERD_ROLE_TRAIN, SEED, val_fraction, fraction, rank, size,
                                &index, &count, &total2, &err) == HERD_OK);
    CHECK(rows.n == count && total == total2 && rows.cols == COLS);
    CHECK(rows.n > 0);
    int64_t wrong = 0, runs = 0;
    for (int64_t i = 0; i < rows.n && i < count; i++) {
        wrong += rows.y[i] != (float)index[i];
        for (int64_t c = 0; c < COLS; c++)
            wrong += rows.X[i * COLS + c] != value(index[i], c);
        runs += i > 0 && index[i] != index[i - 1] + 1;
    }
    CHECK(wrong == 0);
    CHECK(val_fraction == 0 || runs > 100); /* scattered rows, read in many runs */
    free(index);
    herd_rows_free(&rows);
}

int main(void)
{
    char *dir = herd_test_tmpdir("test_train_load");
    int64_t n = 20000;
    char *path = write_file(dir, "big.h5", n, 0);
    char *split_path = write_file(dir, "split.h5", n, 1);
    herd_dataset *ds = NULL;
    herd_error err = { 0 };
    CHECK(herd_dataset_open(path, &ds, &err) == HERD_OK);
    if (ds != NULL) {
        check_load(ds, 0, 1, 0, 1);
        check_load(ds, 0.1, 1, 0, 1);
        check_load(ds, 0.1, 0.5, 0, 1);
        for (int rank = 0; rank < 3; rank++) {
            check_load(ds, 0, 1, rank, 3);
            check_load(ds, 0.05, 1, rank, 3);
        }
        herd_dataset_close(ds);
    }
    CHECK(herd_dataset_open(split_path, &ds, &err) == HERD_OK);
    for (int rank = 0; ds != NULL && rank < 3; rank++)
        check_load(ds, 0, 1, rank, 3);
    herd_dataset_close(ds);
    remove(path);
    remove(split_path);
    remove(dir);
    free(split_path);
    free(path);
    free(dir);
    return herd_test_finish("test_train_load");
}
