/* batches.h - a rank's rows in memory, and the batches drawn from them.
 *
 * A dataset file's rows play roles: train, val or test. With a /split column
 * the split decides; data.val_fraction carves validation rows out of the
 * train split as a pure function of (seed, row). The rows of a role are cut
 * into contiguous shards (data/shard.h) and each rank loads only its own.
 *
 * Each epoch a rank visits its shard in a permutation drawn from
 * (seed, epoch, rank), taking local_batch rows per step. A global batch is
 * the union of every rank's local batch; local batches split the global
 * batch as evenly as possible. A batch is not copied: it is a view of the
 * rows in memory and the step's slice of the permutation (herd_batch), and
 * the model reads the rows where they lie (or gathers them itself into a
 * buffer allocated once, when it needs them contiguous), so a step
 * allocates nothing.
 */
#ifndef HERD_BATCHES_H
#define HERD_BATCHES_H

#include "core/status.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "models/model.h"

#include <stdint.h>

enum { HERD_ROLE_TRAIN = 0, HERD_ROLE_VAL = 1, HERD_ROLE_TEST = 2, HERD_ROLE_ALL = 3 };

typedef struct herd_row_stream herd_row_stream;

typedef struct herd_rows {
    int64_t n, cols;
    float *X;          /* n x cols, aligned */
    float *y;          /* n */
    herd_row_stream *stream;  /* data.stream: X, y hold the first block only (stream.c) */
} herd_rows;

/* Row indices of a file playing role (ascending). Caller frees *rows. */
int herd_rows_select(herd_dataset *ds, int role, uint64_t seed, double val_fraction,
                     int64_t **rows, int64_t *n, herd_error *err);

/* Load this rank's shard of the selected rows. *total receives the number of
 * selected rows over all ranks. Not collective (each rank reads its part). */
int herd_rows_load_shard(herd_dataset *ds, int role, uint64_t seed, double val_fraction,
                         int rank, int size, herd_rows *out, int64_t *total, herd_error *err);
/* The same for the training rows kept by data.train_fraction: a row is kept
 * when its uniform draw under (seed, its index) is below fraction, so the set
 * does not depend on the number of ranks and a smaller fraction's rows are a
 * subset of a larger one's. fraction >= 1 keeps every row. */
int herd_rows_load_shard_fraction(herd_dataset *ds, int role, uint64_t seed, double val_fraction,
                                  double fraction, int rank, int size, herd_rows *out,
                                  int64_t *total, herd_error *err);
/* This rank's row indices of the role (after data.train_fraction), in file
 * order: *index (caller frees) holds *count rows; *total counts all ranks'. */
int herd_rows_shard_index(herd_dataset *ds, int role, uint64_t seed, double val_fraction,
                          double fraction, int rank, int size, int64_t **index, int64_t *count,
                          int64_t *total, herd_error *err);
void herd_rows_free(herd_rows *r);

/* stream.c (data.stream). Like herd_rows_load_shard, but out holds only the
 * first block of the shard (block_rows rows, a multiple of the local batch);
 * the batcher reads the other blocks during training, a prefetch thread one
 * local batch ahead per step. The file stays open (ds must outlive out). */
int herd_rows_stream_shard(herd_dataset *ds, int role, uint64_t seed, double val_fraction,
                           double fraction, int rank, int size, int64_t block_rows,
                           herd_rows *out, int64_t *total, herd_error *err);
/* Rows of the whole shard (n unless streamed). */
int64_t herd_rows_shard_rows(const herd_rows *r);
/* Preprocessing applied to the blocks read later (the first block is
 * preprocessed by the caller with the other rows). No-op unless streamed. */
void herd_rows_stream_set_preprocess(herd_rows *r, const herd_preprocess *pp);
void herd_row_stream_free(herd_row_stream *s);
void herd_row_stream_shuffle(herd_row_stream *s, uint64_t epoch_seed, int rank);
void herd_row_stream_batch(herd_row_stream *s, int64_t step, int64_t local_batch,
                           herd_batch *batch);
int herd_row_stream_settle(herd_row_stream *s, herd_error *err);

typedef struct herd_batcher {
    const herd_rows *rows;
    int64_t local_batch;     /* rows this rank contributes per step */
    int64_t *perm;           /* rows->n */
} herd_batcher;

/* Local batch of rank in a global batch of global_batch rows. */
int64_t herd_local_batch(int64_t global_batch, int rank, int size);

void herd_batcher_init(herd_batcher *b, const herd_rows *rows, int64_t local_batch);
void herd_batcher_free(herd_batcher *b);
/* Draw this epoch's permutation. */
void herd_batcher_shuffle(herd_batcher *b, uint64_t seed, int64_t epoch, int rank);
/* The rows of step (0-based within the epoch): *batch is a view of the
 * rows in memory (no copy), valid until the next call. Streamed rows: the
 * block they are in is whole in memory, and the prefetch thread starts
 * reading the next block into the other buffer. */
void herd_batcher_next(herd_batcher *b, int64_t step, herd_batch *batch);
/* End of a step: wait for the prefetch read started by next (streamed
 * rows only) and report a read error. Returns HERD_OK or the error. */
int herd_batcher_settle(herd_batcher *b, herd_error *err);

#endif
