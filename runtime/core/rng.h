/* rng.h - counter-based random numbers.
 *
 * Every random draw in herd is a pure function of (seed, stream, counter), so
 * results do not depend on call order, thread count or rank count, and a
 * checkpoint restores the generator by storing a counter. The mixer is
 * SplitMix64's finalizer applied to a combination of the three inputs.
 */
#ifndef HERD_RNG_H
#define HERD_RNG_H

#include <stdint.h>

/* Named streams keep unrelated uses from sharing numbers. */
enum {
    HERD_STREAM_INIT = 1,     /* parameter initialisation */
    HERD_STREAM_SHUFFLE = 2,  /* per-epoch permutation */
    HERD_STREAM_VAL_SPLIT = 3,/* carving data.val_fraction */
    HERD_STREAM_SYNTH = 4,    /* synthetic datasets */
    HERD_STREAM_SAMPLE = 5,   /* sampled rows for logs and evaluation */
    HERD_STREAM_TRAIN_FRACTION = 6, /* data.train_fraction: the training rows kept */
    HERD_STREAM_TUNE = 7      /* herd sweep: the values of random trials */
};

uint64_t herd_rng_u64(uint64_t seed, uint64_t stream, uint64_t counter);
/* Uniform in [0, 1). */
double herd_rng_uniform(uint64_t seed, uint64_t stream, uint64_t counter);
/* Standard normal (Box-Muller on counters 2*counter and 2*counter+1). */
double herd_rng_normal(uint64_t seed, uint64_t stream, uint64_t counter);

/* Sequential generator over one stream: a (seed, stream, counter) triple. */
typedef struct herd_rng {
    uint64_t seed, stream, counter;
} herd_rng;

herd_rng herd_rng_make(uint64_t seed, uint64_t stream);
uint64_t herd_rng_next(herd_rng *r);
double herd_rng_next_uniform(herd_rng *r);
double herd_rng_next_normal(herd_rng *r);
/* Fisher-Yates permutation of idx[0..n) in place. */
void herd_rng_shuffle(herd_rng *r, int64_t *idx, int64_t n);

#endif
