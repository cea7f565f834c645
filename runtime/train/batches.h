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
 * batch as evenly as possible. Batches are gathered into one aligned buffer
 * allocated once, so a step allocates nothing.
 */
#ifndef HERD_BATCHES_H
#define HERD_BATCHES_H

#include "core/status.h"
#include "data/dataset.h"

#include <stdint.h>

enum { HERD_ROLE_TRAIN = 0, HERD_ROLE_VAL = 1, HERD_ROLE_TEST = 2, HERD_ROLE_ALL = 3 };

typedef struct herd_rows {
    int64_t n, cols;
    float *X;          /* n x cols, aligned */
    float *y;          /* n */
} herd_rows;

/* Row indices of a file playing role (ascending). Caller frees *rows. */
int herd_rows_select(herd_dataset *ds, int role, uint64_t seed, double val_fraction,
                     int64_t **rows, int64_t *n, herd_error *err);

/* Load this rank's shard of the selected rows. *total receives the number of
 * selected rows over all ranks. Not collective (each rank reads its part). */
int herd_rows_load_shard(herd_dataset *ds, int role, uint64_t seed, double val_fraction,
                         int rank, int size, herd_rows *out, int64_t *total, herd_error *err);
void herd_rows_free(herd_rows *r);

typedef struct herd_batcher {
    const herd_rows *rows;
    int64_t local_batch;     /* rows this rank contributes per step */
    int64_t *perm;           /* rows->n */
    float *X, *y;            /* the current batch: local_batch rows */
} herd_batcher;

/* Local batch of rank in a global batch of global_batch rows. */
int64_t herd_local_batch(int64_t global_batch, int rank, int size);

void herd_batcher_init(herd_batcher *b, const herd_rows *rows, int64_t local_batch);
void herd_batcher_free(herd_batcher *b);
/* Draw this epoch's permutation. */
void herd_batcher_shuffle(herd_batcher *b, uint64_t seed, int64_t epoch, int rank);
/* Copy the rows of step (0-based within the epoch) into b->X, b->y. */
void herd_batcher_gather(herd_batcher *b, int64_t step);

#endif
