/* shard.c - which rows a rank owns, and which rows are carved off for validation.
 *
 * Both are pure functions of their arguments: the shard of rank r depends only
 * on (n, r, size), and whether a row is carved into validation only on
 * (seed, val_fraction, row), never on the number of ranks.
 */
#include "data/shard.h"
#include "core/rng.h"

void herd_shard_range(int64_t n, int rank, int size, int64_t *lo, int64_t *hi)
{
    if (size < 1 || rank < 0 || rank >= size || n <= 0) {
        *lo = *hi = 0;
        return;
    }
    /* The first n % size ranks get one extra row. */
    int64_t base = n / size, extra = n % size;
    *lo = (int64_t)rank * base + (rank < extra ? rank : extra);
    *hi = *lo + base + (rank < extra ? 1 : 0);
}

int herd_shard_is_val_carve(uint64_t seed, double val_fraction, int64_t row)
{
    if (val_fraction <= 0.0)
        return 0;
    return herd_rng_uniform(seed, HERD_STREAM_VAL_SPLIT, (uint64_t)row) < val_fraction;
}
