/* rng.c - counter-based generator: hash of (seed, stream, counter). */
#include "core/rng.h"

#include <math.h>

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t herd_rng_u64(uint64_t seed, uint64_t stream, uint64_t counter)
{
    return mix64(mix64(mix64(seed) ^ stream) ^ counter);
}

double herd_rng_uniform(uint64_t seed, uint64_t stream, uint64_t counter)
{
    return (double)(herd_rng_u64(seed, stream, counter) >> 11) * 0x1.0p-53;
}

double herd_rng_normal(uint64_t seed, uint64_t stream, uint64_t counter)
{
    double u1 = herd_rng_uniform(seed, stream, 2 * counter);
    double u2 = herd_rng_uniform(seed, stream, 2 * counter + 1);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

herd_rng herd_rng_make(uint64_t seed, uint64_t stream)
{
    herd_rng r = { seed, stream, 0 };
    return r;
}

uint64_t herd_rng_next(herd_rng *r) { return herd_rng_u64(r->seed, r->stream, r->counter++); }

double herd_rng_next_uniform(herd_rng *r) { return herd_rng_uniform(r->seed, r->stream, r->counter++); }

double herd_rng_next_normal(herd_rng *r) { return herd_rng_normal(r->seed, r->stream, r->counter++); }

void herd_rng_shuffle(herd_rng *r, int64_t *idx, int64_t n)
{
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)(herd_rng_next(r) % (uint64_t)(i + 1));
        int64_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}
