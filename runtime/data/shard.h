/* shard.h - which rows a rank owns.
 *
 * The training rows of a file are those whose split is train (all rows when
 * the file has no /split), minus the rows carved off for validation by
 * data.val_fraction. The carve is a pure function of (seed, row index), so
 * it does not depend on the rank count. The list of training rows is then cut
 * into `size` contiguous, disjoint pieces that differ in length by at most one
 * row; rank r reads only piece r.
 */
#ifndef HERD_SHARD_H
#define HERD_SHARD_H

#include <stdint.h>

/* Rows [*lo, *hi) of n for rank of size: contiguous, disjoint, covering. */
void herd_shard_range(int64_t n, int rank, int size, int64_t *lo, int64_t *hi);

/* True when row is carved into validation by val_fraction under seed. */
int herd_shard_is_val_carve(uint64_t seed, double val_fraction, int64_t row);

#endif
