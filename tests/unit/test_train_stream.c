/* test_train_stream.c - data.stream (train/stream.c) through the batcher, as
 * the training loop drives it: every step's rows are the right rows of the
 * file (values, labels, and the order drawn from seed, epoch, rank and
 * block), an epoch visits each shard row once, and settle reports no error.
 * The prefetch thread is started once per stream: the process's thread
 * count (/proc/self/task) is one more than before during every step of
 * several epochs and back to where it was after the stream is freed, also
 * when it is freed with a piece pending or before any step; a one-block
 * stream starts none. A non-finite value in a later block, read by the
 * prefetch thread, is reported (naming its row of the file) by the settle of
 * the step that read it.
 */
#include "tests/testing.h"

#include "config/config.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "train/batches.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* N rows, a multiple of the local batch B but not of the block */
enum { N = 1008, COLS = 5, BLOCK = 64, B = 16, EPOCHS = 3, SEED = 11 };

static char *g_dir;

/* Threads of this process: the entries of /proc/self/task. */
static int thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    if (d == NULL)
        return -1;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static float value(int64_t row, int64_t col) { return (float)row + (float)col / 8.0f; }

/* A regression file of N rows, X[r][c] = value(r, c), y[r] = r; row bad_row
 * (if >= 0) holds a NaN. Returns its path (caller frees). */
static char *write_rows(const char *name, int64_t bad_row)
{
    static float X[N * COLS], y[N];
    for (int64_t r = 0; r < N; r++) {
        y[r] = (float)r;
        for (int64_t c = 0; c < COLS; c++)
            X[r * COLS + c] = r == bad_row && c == 2 ? NAN : value(r, c);
    }
    herd_dataset_spec spec = { .rows = N, .cols = COLS, .X = X, .y = y,
                               .task = HERD_TASK_REGRESSION, .source = "unit test" };
    size_t len = strlen(g_dir) + strlen(name) + 2;
    char *path = malloc(len);
    snprintf(path, len, "%s/%s", g_dir, name);
    herd_error err = { 0 };
    CHECK(herd_dataset_write(path, &spec, NULL, &err) == HERD_OK);
    return path;
}

static herd_dataset *open_stream(const char *path, int64_t block_rows, herd_rows *rows)
{
    herd_dataset *ds = NULL;
    herd_error err = { 0 };
    int64_t total = 0;
    CHECK(herd_dataset_open(path, &ds, &err) == HERD_OK);
    if (ds == NULL)
        return NULL;
    CHECK(herd_rows_stream_shard(ds, HERD_ROLE_TRAIN, SEED, 0, 1, 0, 1, block_rows, rows, &total,
                                 &err) == HERD_OK);
    CHECK(total == N && herd_rows_shard_rows(rows) == N && rows->stream != NULL);
    return ds;
}

/* Mismatches between the batch of step and the rows it must hold. */
static int wrong_rows(const herd_batch *batch, int64_t block_rows, uint64_t epoch_seed,
                      int64_t step, int *seen)
{
    int64_t first = step * B, b = first / block_rows, pos = first % block_rows;
    int64_t len = N - b * block_rows < block_rows ? N - b * block_rows : block_rows;
    static int64_t perm[N];
    for (int64_t i = 0; i < len; i++)
        perm[i] = i;
    herd_rng r = herd_rng_make(epoch_seed, (uint64_t)b);  /* rank 0 */
    herd_rng_shuffle(&r, perm, len);
    int wrong = batch->B != B;
    for (int i = 0; i < B && !wrong; i++) {
        int64_t local = batch->idx[i], row = b * block_rows + local;
        wrong += local != perm[pos + i] || batch->y[local] != (float)row;
        for (int64_t c = 0; c < COLS; c++)
            wrong += batch->X[local * COLS + c] != value(row, c);
        seen[row]++;
    }
    return wrong;
}

/* EPOCHS epochs of N / B steps, checked row by row and thread by thread. */
static void test_epochs(const char *path, int64_t block_rows, int extra_threads)
{
    int before = thread_count();
    herd_rows rows;
    herd_dataset *ds = open_stream(path, block_rows, &rows);
    if (ds == NULL)
        return;
    herd_batcher bt;
    herd_batcher_init(&bt, &rows, B);
    int wrong = 0, bad_threads = 0, bad_settle = 0, bad_visits = 0;
    for (int64_t epoch = 0; epoch < EPOCHS; epoch++) {
        static int seen[N];
        memset(seen, 0, sizeof seen);
        herd_batcher_shuffle(&bt, SEED, epoch, 0);
        uint64_t epoch_seed = herd_rng_u64(SEED, HERD_STREAM_SHUFFLE, (uint64_t)epoch);
        for (int64_t step = 0; step < N / B; step++) {
            herd_batch batch;
            herd_batcher_next(&bt, step, &batch);
            wrong += wrong_rows(&batch, block_rows, epoch_seed, step, seen);
            bad_threads += thread_count() != before + extra_threads;  /* piece pending */
            herd_error err = { 0 };
            bad_settle += herd_batcher_settle(&bt, &err) != HERD_OK;
            bad_threads += thread_count() != before + extra_threads;
        }
        for (int64_t r = 0; r < N; r++)
            bad_visits += seen[r] != 1;
    }
    CHECK(wrong == 0);
    CHECK(bad_visits == 0);
    CHECK(bad_settle == 0);
    CHECK(bad_threads == 0);
    herd_batcher_free(&bt);
    herd_rows_free(&rows);
    herd_dataset_close(ds);
    CHECK(thread_count() == before);
}

/* Freed before any step, and freed with a piece pending (no settle). */
static void test_free(const char *path)
{
    int before = thread_count();
    for (int i = 0; i < 20; i++) {
        herd_rows rows;
        herd_dataset *ds = open_stream(path, BLOCK, &rows);
        if (ds == NULL)
            return;
        CHECK(thread_count() == before + 1);
        if (i % 2 == 1) {
            herd_batch batch;
            herd_row_stream_shuffle(rows.stream, 1, 0);
            herd_row_stream_batch(rows.stream, i, B, &batch);
        }
        herd_rows_free(&rows);
        herd_dataset_close(ds);
        CHECK(thread_count() == before);
    }
}

/* A NaN at row 20 of block 1: the prefetch thread reads it during step 1
 * (rows 16..31 of the next block), and that step's settle reports it. */
static void test_read_error(void)
{
    char *path = write_rows("nan.h5", BLOCK + 20);
    int before = thread_count();
    herd_rows rows;
    herd_dataset *ds = open_stream(path, BLOCK, &rows);
    if (ds == NULL)
        goto done;
    herd_preprocess *pp = herd_preprocess_create(COLS, 0, HERD_IMPUTE_NONE);
    herd_rows_stream_set_preprocess(&rows, pp);
    herd_batcher bt;
    herd_batcher_init(&bt, &rows, B);
    herd_batcher_shuffle(&bt, SEED, 0, 0);
    herd_batch batch;
    herd_error err = { 0 };
    herd_batcher_next(&bt, 0, &batch);
    CHECK(herd_batcher_settle(&bt, &err) == HERD_OK);
    herd_batcher_next(&bt, 1, &batch);
    CHECK(herd_batcher_settle(&bt, &err) == HERD_ERR_DATA);
    CHECK(strstr(err.msg, "not finite") != NULL && strchr(err.msg, '\n') == NULL);
    CHECK(strstr(err.msg, "column 2, row 84 of the file") != NULL);  /* BLOCK + 20 */
    herd_error again = { 0 };
    CHECK(herd_batcher_settle(&bt, &again) == HERD_ERR_DATA);  /* it stays reported */
    herd_batcher_free(&bt);
    herd_rows_free(&rows);
    herd_preprocess_free(pp);
    herd_dataset_close(ds);
    CHECK(thread_count() == before);
done:
    free(path);
}

int main(void)
{
    g_dir = herd_test_tmpdir("train_stream");
    char *path = write_rows("rows.h5", -1);
    CHECK(thread_count() >= 1);
    test_epochs(path, BLOCK, 1);
    test_epochs(path, N, 0);           /* one block: no thread */
    test_free(path);
    test_read_error();
    free(path);
    free(g_dir);
    return herd_test_finish("test_train_stream");
}
