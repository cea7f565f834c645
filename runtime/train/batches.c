/* batches.c - shard loading and per-epoch batches. */
#include "train/batches.h"
#include "core/mem.h"
#include "core/rng.h"
#include "data/shard.h"

#include <stdlib.h>
#include <string.h>

static int plays_role(uint8_t split, int carved, int role)
{
    switch (role) {
    case HERD_ROLE_TRAIN: return split == HERD_SPLIT_TRAIN && !carved;
    case HERD_ROLE_VAL: return split == HERD_SPLIT_VAL || (split == HERD_SPLIT_TRAIN && carved);
    case HERD_ROLE_TEST: return split == HERD_SPLIT_TEST;
    default: return 1;
    }
}

int herd_rows_select(herd_dataset *ds, int role, uint64_t seed, double val_fraction,
                     int64_t **rows, int64_t *n, herd_error *err)
{
    int64_t total = herd_dataset_get_info(ds)->rows;
    uint8_t *split = herd_malloc((size_t)(total > 0 ? total : 1));
    int rc = herd_dataset_read_split(ds, split, err);
    *rows = NULL;
    *n = 0;
    if (rc != HERD_OK)
        goto done;
    *rows = herd_malloc((size_t)(total > 0 ? total : 1) * sizeof(int64_t));
    for (int64_t i = 0; i < total; i++) {
        int carved = val_fraction > 0 && herd_shard_is_val_carve(seed, val_fraction, i);
        if (plays_role(split[i], carved, role))
            (*rows)[(*n)++] = i;
    }
done:
    free(split);
    return rc;
}

static void keep_fraction(int64_t *rows, int64_t *n, uint64_t seed, double fraction)
{
    int64_t kept = 0;
    for (int64_t i = 0; i < *n && fraction < 1; i++)
        if (herd_rng_uniform(seed, HERD_STREAM_TRAIN_FRACTION, (uint64_t)rows[i]) < fraction)
            rows[kept++] = rows[i];
    if (fraction < 1)
        *n = kept;
}

int herd_rows_load_shard(herd_dataset *ds, int role, uint64_t seed, double val_fraction,
                         int rank, int size, herd_rows *out, int64_t *total, herd_error *err)
{
    return herd_rows_load_shard_fraction(ds, role, seed, val_fraction, 1, rank, size, out, total,
                                         err);
}

int herd_rows_shard_index(herd_dataset *ds, int role, uint64_t seed, double val_fraction,
                          double fraction, int rank, int size, int64_t **index, int64_t *count,
                          int64_t *total, herd_error *err)
{
    int64_t *rows = NULL, n = 0, lo = 0, hi = 0;
    *index = NULL;
    *count = *total = 0;
    int rc = herd_rows_select(ds, role, seed, val_fraction, &rows, &n, err);
    if (rc != HERD_OK) {
        free(rows);
        return rc;
    }
    keep_fraction(rows, &n, seed, fraction);
    herd_shard_range(n, rank, size, &lo, &hi);
    memmove(rows, rows + lo, (size_t)(hi - lo) * sizeof *rows);
    *index = rows;
    *count = hi - lo;
    *total = n;
    return HERD_OK;
}

/* Every row of the file plays the role: no /split to consult, nothing carved
 * or left out. The shard is then a range of rows, read without an index. */
static int every_row_plays(herd_dataset *ds, int role, double val_fraction, double fraction)
{
    int has_split = herd_dataset_get_info(ds)->has_split;
    if (fraction < 1)
        return 0;
    return role == HERD_ROLE_ALL || (role == HERD_ROLE_TRAIN && val_fraction <= 0 && !has_split);
}

int herd_rows_load_shard_fraction(herd_dataset *ds, int role, uint64_t seed, double val_fraction,
                                  double fraction, int rank, int size, herd_rows *out,
                                  int64_t *total, herd_error *err)
{
    int64_t *rows = NULL, lo = 0, hi = 0;
    memset(out, 0, sizeof *out);
    int rc = HERD_OK;
    if (every_row_plays(ds, role, val_fraction, fraction)) {
        *total = herd_dataset_get_info(ds)->rows;
        herd_shard_range(*total, rank, size, &lo, &hi);
        out->n = hi - lo;
    } else {
        rc = herd_rows_shard_index(ds, role, seed, val_fraction, fraction, rank, size, &rows,
                                   &out->n, total, err);
    }
    if (rc != HERD_OK)
        return rc;
    out->cols = herd_dataset_get_info(ds)->cols;
    /* every byte is read from the file below */
    out->X = herd_alloc_aligned_uninit((size_t)out->n * (size_t)out->cols * sizeof(float));
    out->y = herd_alloc_aligned_uninit((size_t)out->n * sizeof(float));
    if (rows == NULL)
        rc = herd_dataset_read_rows(ds, lo, hi, out->X, out->y, err);
    else
        rc = herd_dataset_read_index(ds, rows, out->n, out->X, out->y, err);
    free(rows);
    return rc;
}

void herd_rows_free(herd_rows *r)
{
    if (r->stream != NULL) {    /* X and y are the stream's block buffers */
        herd_row_stream_free(r->stream);
        r->X = r->y = NULL;
    }
    free(r->X);
    free(r->y);
    memset(r, 0, sizeof *r);
}

int64_t herd_local_batch(int64_t global_batch, int rank, int size)
{
    return global_batch / size + (rank < global_batch % size ? 1 : 0);
}

void herd_batcher_init(herd_batcher *b, const herd_rows *rows, int64_t local_batch)
{
    b->rows = rows;
    b->local_batch = local_batch;
    /* streamed rows are permuted block by block inside the stream */
    b->perm = herd_malloc((size_t)(rows->n > 0 && rows->stream == NULL ? rows->n : 1)
                          * sizeof(int64_t));
}

void herd_batcher_free(herd_batcher *b)
{
    free(b->perm);
    memset(b, 0, sizeof *b);
}

void herd_batcher_shuffle(herd_batcher *b, uint64_t seed, int64_t epoch, int rank)
{
    uint64_t epoch_seed = herd_rng_u64(seed, HERD_STREAM_SHUFFLE, (uint64_t)epoch);
    if (b->rows->stream != NULL) {
        herd_row_stream_shuffle(b->rows->stream, epoch_seed, rank);
        return;
    }
    for (int64_t i = 0; i < b->rows->n; i++)
        b->perm[i] = i;
    herd_rng r = herd_rng_make(epoch_seed, (uint64_t)rank);
    herd_rng_shuffle(&r, b->perm, b->rows->n);
}

void herd_batcher_next(herd_batcher *b, int64_t step, herd_batch *batch)
{
    if (b->rows->stream != NULL) {
        herd_row_stream_batch(b->rows->stream, step, b->local_batch, batch);
        return;
    }
    *batch = (herd_batch){ .X = b->rows->X, .y = b->rows->y,
                           .idx = b->perm + step * b->local_batch, .B = (int)b->local_batch };
}

int herd_batcher_settle(herd_batcher *b, herd_error *err)
{
    return b->rows->stream != NULL ? herd_row_stream_settle(b->rows->stream, err) : HERD_OK;
}
