/* test_allreduce.c - every allreduce algorithm (mpi, shm, hier, auto) and
 * the gradient buckets give the sum MPI_Allreduce gives (the mpi
 * algorithm), on random buffers of awkward sizes: empty, shorter than the
 * ranks, one round, several rounds with a ragged tail. On 1 and 2 ranks the
 * results must be bitwise equal (a + b == b + a); on more ranks the order of
 * the additions may differ, so within float rounding. Repeated sums must be
 * bitwise identical (determinism), and every rank must hold the same bits.
 * Shared parameters: scattering buckets leave each rank the sum over its
 * own ranges, which cover the buffer once over the ranks, and updates each
 * rank writes there into the shared copy add up to the whole sum. */
#include "comm/comm.h"
#include "comm/reduce.h"
#include "core/mem.h"
#include "core/rng.h"
#include "testing.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void fill(float *buf, size_t n, int rank, uint64_t salt)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (float)herd_rng_normal(salt, (uint64_t)rank, i) * (float)(1 + i % 7);
}

/* Bitwise agreement of buf over ranks (FNV-1a of the bits, min == max). */
static int same_on_all_ranks(herd_comm *comm, const float *buf, size_t n)
{
    const unsigned char *p = (const unsigned char *)buf;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n * sizeof(float); i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    double lo[2] = { (double)(h >> 32), (double)(h & 0xffffffffu) }, hi[2] = { lo[0], lo[1] };
    herd_error err = { 0 };
    herd_comm_allreduce_min_f64(comm, lo, 2, &err);
    herd_comm_allreduce_max_f64(comm, hi, 2, &err);
    return lo[0] == hi[0] && lo[1] == hi[1];
}

static void compare(const float *got, const float *want, size_t n, int exact)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        float tol = exact ? 0.0f : 1e-5f * (1.0f + fabsf(want[i]));
        bad += !(fabsf(got[i] - want[i]) <= tol);
    }
    CHECK(bad == 0);
}

static void check_algorithm(herd_comm *comm, herd_comm_reducer *ref, int algorithm, size_t n)
{
    herd_error err = { 0 };
    herd_comm_reducer *r = NULL;
    int rank = herd_comm_rank(comm), exact = herd_comm_size(comm) <= 2;
    CHECK(herd_comm_reducer_create(comm, algorithm, &r, &err) == HERD_OK);
    CHECK(herd_comm_reducer_algorithm(r) != HERD_ALLREDUCE_AUTO);
    float *want = herd_alloc_aligned((n + 1) * sizeof(float));
    float *got = herd_alloc_aligned((n + 1) * sizeof(float));
    float *again = herd_alloc_aligned((n + 1) * sizeof(float));
    fill(want, n, rank, n);
    memcpy(got, want, n * sizeof(float));
    memcpy(again, want, n * sizeof(float));
    CHECK(herd_comm_reducer_sum(ref, want, n, &err) == HERD_OK);
    CHECK(herd_comm_reducer_sum(r, got, n, &err) == HERD_OK);
    CHECK(herd_comm_reducer_sum(r, again, n, &err) == HERD_OK);
    compare(got, want, n, exact);
    CHECK(memcmp(got, again, n * sizeof(float)) == 0);
    CHECK(same_on_all_ranks(comm, got, n));
    free(again);
    free(got);
    free(want);
    herd_comm_reducer_free(r);
}

/* Buckets fed layer by layer from the top down, as backward does. */
static void check_buckets(herd_comm *comm, herd_comm_reducer *ref, int algorithm)
{
    const size_t layers[] = { 10, 1030, 70000, 5, 300000 };  /* bottom-up sizes */
    size_t n = 0;
    for (int i = 0; i < 5; i++)
        n += layers[i];
    herd_error err = { 0 };
    herd_comm_reducer *r = NULL;
    CHECK(herd_comm_reducer_create(comm, algorithm, &r, &err) == HERD_OK);
    float *want = herd_alloc_aligned(n * sizeof(float));
    float *got = herd_alloc_aligned(n * sizeof(float));
    fill(want, n, herd_comm_rank(comm), 99);
    memcpy(got, want, n * sizeof(float));
    CHECK(herd_comm_reducer_sum(ref, want, n, &err) == HERD_OK);
    herd_comm_buckets *b = herd_comm_buckets_create(r, got, n, 50000, 0);
    for (int step = 0; step < 2; step++) {  /* the second step reuses the buckets */
        if (step == 1) {
            fill(got, n, herd_comm_rank(comm), 99);
        }
        size_t top = n;
        for (int i = 4; i >= 0; i--) {
            top -= layers[i];
            CHECK(herd_comm_buckets_ready(b, top, layers[i], &err) == HERD_OK);
        }
        CHECK(herd_comm_buckets_finish(b, &err) == HERD_OK);
        compare(got, want, n, herd_comm_size(comm) <= 2);
    }
    herd_comm_buckets_free(b);
    free(got);
    free(want);
    herd_comm_reducer_free(r);
}

/* Every element of [0, n) is in how many ranks' owned ranges. */
static void count_owners(herd_comm *comm, herd_comm_buckets *b, int64_t *count, size_t n)
{
    const size_t *own;
    size_t n_own = herd_comm_buckets_owned(b, &own);
    herd_error err = { 0 };
    memset(count, 0, n * sizeof *count);
    for (size_t i = 0; i < n_own; i++)
        for (size_t j = own[2 * i]; j < own[2 * i + 1]; j++)
            count[j]++;
    CHECK(herd_comm_allreduce_sum_i64(comm, count, n, &err) == HERD_OK);
}

static void check_shared(herd_comm *comm, herd_comm_reducer *ref, int algorithm)
{
    const size_t layers[] = { 10, 1030, 70000, 5, 300000 };
    size_t n = 0;
    for (int i = 0; i < 5; i++)
        n += layers[i];
    herd_error err = { 0 };
    herd_comm_reducer *r = NULL;
    int rank = herd_comm_rank(comm), size = herd_comm_size(comm), shared = -1;
    CHECK(herd_comm_reducer_create(comm, algorithm, &r, &err) == HERD_OK);
    float *want = herd_alloc_aligned(n * sizeof(float)), *got = herd_alloc_aligned(n * sizeof(float));
    float *mine[2] = { herd_alloc_aligned(n * sizeof(float)), herd_alloc_aligned(n * sizeof(float)) };
    float *copy[2] = { NULL, NULL };
    int64_t *count = herd_alloc_aligned(n * sizeof(int64_t));
    fill(mine[0], n, rank, 5);
    fill(mine[1], n, rank, 6);
    CHECK(herd_comm_reducer_share(r, mine, copy, 2, n, &shared, &err) == HERD_OK);
    CHECK(shared == (size > 1 && algorithm != HERD_ALLREDUCE_MPI));
    if (shared) {       /* every rank sees local rank 0's (here: rank 0's) values */
        fill(want, n, 0, 6);
        CHECK(memcmp(copy[1], want, n * sizeof(float)) == 0);
    }
    herd_comm_buckets *b = herd_comm_buckets_create(r, got, n, 50000, shared);
    for (int step = 0; step < 2; step++) {
        fill(want, n, rank, 77 + step);
        memcpy(got, want, n * sizeof(float));
        CHECK(herd_comm_reducer_sum(ref, want, n, &err) == HERD_OK);
        size_t top = n;
        for (int i = 4; i >= 0; i--) {
            top -= layers[i];
            CHECK(herd_comm_buckets_ready(b, top, layers[i], &err) == HERD_OK);
        }
        CHECK(herd_comm_buckets_finish(b, &err) == HERD_OK);
        count_owners(comm, b, count, n);
        size_t bad = 0;
        for (size_t i = 0; i < n; i++)
            bad += count[i] != (shared ? 1 : size);
        CHECK(bad == 0);
        const size_t *own;
        size_t n_own = herd_comm_buckets_owned(b, &own);
        for (size_t i = 0; i < n_own; i++) {
            compare(got + own[2 * i], want + own[2 * i], own[2 * i + 1] - own[2 * i], size <= 2);
            if (shared)     /* the update of the owned ranges goes to the shared copy */
                memcpy(copy[0] + own[2 * i], got + own[2 * i],
                       (own[2 * i + 1] - own[2 * i]) * sizeof(float));
        }
        herd_comm_buckets_publish(b);
        if (shared)
            compare(copy[0], want, n, size <= 2);
        double total = herd_comm_buckets_total(b, rank + 1.0);
        CHECK(total == (shared ? size * (size + 1) / 2.0 : rank + 1.0));
    }
    herd_comm_buckets_free(b);
    free(count);
    free(mine[1]);
    free(mine[0]);
    free(got);
    free(want);
    herd_comm_reducer_free(r);
}

int main(int argc, char **argv)
{
    herd_comm *comm = NULL;
    herd_error err = { 0 };
    if (herd_comm_init(&argc, &argv, &comm, &err) != HERD_OK)
        return 1;
    herd_comm_reducer *ref = NULL;
    CHECK(herd_comm_reducer_create(comm, HERD_ALLREDUCE_MPI, &ref, &err) == HERD_OK);
    const size_t sizes[] = { 0, 1, 3, 1000, 32768, 65536 + 7, 400001 };
    const int algorithms[] = { HERD_ALLREDUCE_AUTO, HERD_ALLREDUCE_SHM, HERD_ALLREDUCE_HIER };
    for (int a = 0; a < 3; a++) {
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            check_algorithm(comm, ref, algorithms[a], sizes[i]);
        check_buckets(comm, ref, algorithms[a]);
    }
    check_buckets(comm, ref, HERD_ALLREDUCE_MPI);
    for (int a = 0; a < 3; a++)
        check_shared(comm, ref, algorithms[a]);
    check_shared(comm, ref, HERD_ALLREDUCE_MPI);
    herd_comm_reducer_free(ref);
    int64_t failed = herd_test_failed;
    herd_comm_allreduce_sum_i64(comm, &failed, 1, &err);
    int rc = herd_comm_rank(comm) == 0 ? herd_test_finish("allreduce") : 0;
    herd_comm_finalize(comm);
    return failed == 0 ? rc : 1;
}
