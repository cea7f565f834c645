/* reduce.c - allreduce algorithms (mpi, shm, hier) and gradient buckets.
 *
 * The shared-memory path: the ranks of a host share one window laid out as
 *     [barrier][in: local_size pieces of PIECE floats][out: PIECE floats]
 * A sum runs in rounds of up to PIECE floats (a few hundred KB, so a round
 * stays in cache): every rank copies its piece into in[local_rank], except
 * its own slice, which only it reads; barrier; rank q sums slice q of the
 * piece over all ranks in rank order (its own part straight from its
 * buffer) into out (reduce-scatter); [hier: barrier; the host's leader
 * allreduces out with the other leaders]; barrier; every rank copies out
 * back (allgather). The
 * barrier is a sense counter in the window, spun on with C11 atomics and
 * sched_yield, so it also behaves when ranks outnumber cores.
 *
 * Shared parameters (herd_comm_reducer_share): the host's ranks keep one
 * copy of the parameters and optimizer state in a second window. Buckets
 * then scatter: a round copies back only the rank's own slice, the rank
 * records it as owned, and after the step's last round it updates the
 * shared copy over its owned slices only.
 *
 * hier with scattering buckets, when every host runs the same number of
 * ranks: no leader step. Local rank q of every host holds slice q of each
 * round's host sum, and those ranks (the "cross" communicator, one per local
 * rank) sum it over the hosts with MPI_Iallreduce while backward goes on;
 * finish waits for them. Each rank then owns its slices summed over all
 * ranks, which is all a rank needs to update its share of the parameters, so
 * nothing is copied back within the host, and every rank's link carries its
 * own slices rather than one leader carrying the host's.
 */
#include "comm/reduce.h"
#include "comm/comm_impl.h"
#include "core/log.h"
#include "core/mem.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#define SLICE_FLOATS (32 * 1024)     /* each rank's share of a round: 128 KB */
#define SPINS_BEFORE_YIELD 2000

typedef struct shm_barrier {
    _Atomic int count;
    char pad[60];
    _Atomic int generation;
    char pad2[60];
} shm_barrier;

struct herd_comm_reducer {
    herd_comm *comm;
    int algorithm;
    MPI_Win win;
    MPI_Win state_win;         /* shared parameters and optimizer state, or MPI_WIN_NULL */
    MPI_Comm leaders;          /* local rank 0 of every host; MPI_COMM_NULL elsewhere */
    int n_leaders;
    MPI_Comm cross;            /* hier, same ranks per host: this local rank of every host */
    shm_barrier *barrier;
    double *totals;            /* 2 x local_size: herd_comm_buckets_total, by call parity */
    long total_calls;
    float *in;                 /* local_size x piece */
    float *out;                /* piece */
    size_t piece;              /* floats per round: local_size x SLICE_FLOATS */
};

static int mpi_error(herd_error *err, int rc, const char *call)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    return herd_error_set(err, HERD_ERR_RUNTIME, "comm: [rank %d] %s failed: %s",
                          herd_log_rank(), call, text);
}

#define TRY_MPI(call)                                      \
    do {                                                   \
        int mpi_rc_ = (call);                              \
        if (mpi_rc_ != MPI_SUCCESS) {                      \
            rc = mpi_error(err, mpi_rc_, #call);           \
            goto done;                                     \
        }                                                  \
    } while (0)

const char *herd_comm_algorithm_name(int algorithm)
{
    static const char *const names[] = { "auto", "mpi", "shm", "hier" };
    return algorithm >= 0 && algorithm <= 3 ? names[algorithm] : "unknown";
}

int herd_comm_reducer_algorithm(const herd_comm_reducer *r) { return r->algorithm; }

static void barrier_wait(shm_barrier *b, int parties)
{
    int gen = atomic_load(&b->generation);
    if (atomic_fetch_add(&b->count, 1) == parties - 1) {
        atomic_store(&b->count, 0);
        atomic_fetch_add(&b->generation, 1);
        return;
    }
    for (long spins = 0; atomic_load(&b->generation) == gen; spins++)
        if (spins > SPINS_BEFORE_YIELD)
            sched_yield();
}

/* auto -> a concrete algorithm from where the ranks run. COLLECTIVE. */
static int resolve(herd_comm *c, int algorithm, int *out, herd_error *err)
{
    int rc = HERD_OK;
    int most = c->local_size;
    TRY_MPI(MPI_Allreduce(MPI_IN_PLACE, &most, 1, MPI_INT, MPI_MAX, c->world));
    int one_host = c->local_size == c->size;
    if (algorithm == HERD_ALLREDUCE_SHM && !one_host)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "comm.algorithm: shm needs every rank on one host (this job "
                              "spans several); use hier or auto");
    if (algorithm == HERD_ALLREDUCE_AUTO)
        algorithm = c->size == 1 || most == 1 ? HERD_ALLREDUCE_MPI
                    : one_host ? HERD_ALLREDUCE_SHM : HERD_ALLREDUCE_HIER;
    *out = algorithm;
done:
    return rc;
}

/* The host's shared window and the leaders' communicator. COLLECTIVE. */
static int attach_shared(herd_comm_reducer *r, herd_error *err)
{
    herd_comm *c = r->comm;
    int rc = HERD_OK;
    r->piece = (size_t)c->local_size * SLICE_FLOATS;
    size_t head = (sizeof(shm_barrier) + 2 * (size_t)c->local_size * sizeof(double) + 63) / 64 * 64;
    size_t bytes = head + ((size_t)c->local_size + 1) * r->piece * sizeof(float);
    void *base = NULL;
    MPI_Aint size = 0;
    int unit = 0;
    TRY_MPI(MPI_Win_allocate_shared(c->local_rank == 0 ? (MPI_Aint)bytes : 0, 1, MPI_INFO_NULL,
                                    c->node, &base, &r->win));
    TRY_MPI(MPI_Win_shared_query(r->win, 0, &size, &unit, &base));
    r->barrier = base;
    r->totals = (double *)((char *)base + sizeof(shm_barrier));
    r->in = (float *)((char *)base + head);
    r->out = r->in + (size_t)c->local_size * r->piece;
    if (c->local_rank == 0)
        memset(base, 0, sizeof(shm_barrier));
    TRY_MPI(MPI_Comm_split(c->world, c->local_rank == 0 ? 0 : MPI_UNDEFINED, c->rank,
                           &r->leaders));
    r->n_leaders = 1;
    if (r->leaders != MPI_COMM_NULL)
        TRY_MPI(MPI_Comm_size(r->leaders, &r->n_leaders));
    /* every rank of the host must agree on n_leaders: it decides who takes the
     * extra barrier in shm_round (found by tests/cluster/two_hosts.sh) */
    TRY_MPI(MPI_Bcast(&r->n_leaders, 1, MPI_INT, 0, c->node));
    int sizes[2] = { c->local_size, -c->local_size };   /* most and fewest ranks per host */
    TRY_MPI(MPI_Allreduce(MPI_IN_PLACE, sizes, 2, MPI_INT, MPI_MAX, c->world));
    if (r->algorithm == HERD_ALLREDUCE_HIER && r->n_leaders > 1 && sizes[0] == -sizes[1])
        TRY_MPI(MPI_Comm_split(c->world, c->local_rank, c->rank, &r->cross));
    TRY_MPI(MPI_Barrier(c->node));  /* the barrier is zeroed before anyone uses it */
done:
    return rc;
}

int herd_comm_reducer_create(herd_comm *c, int algorithm, herd_comm_reducer **out,
                             herd_error *err)
{
    herd_comm_reducer *r = herd_calloc(1, sizeof *r);
    r->comm = c;
    r->win = r->state_win = MPI_WIN_NULL;
    r->leaders = r->cross = MPI_COMM_NULL;
    int rc = resolve(c, algorithm, &r->algorithm, err);
    if (rc == HERD_OK && r->algorithm != HERD_ALLREDUCE_MPI)
        rc = attach_shared(r, err);
    if (rc != HERD_OK) {
        herd_comm_reducer_free(r);
        r = NULL;
    }
    *out = r;
    return rc;
}

void herd_comm_reducer_free(herd_comm_reducer *r)
{
    if (r == NULL)
        return;
    if (r->leaders != MPI_COMM_NULL)
        MPI_Comm_free(&r->leaders);
    if (r->cross != MPI_COMM_NULL)
        MPI_Comm_free(&r->cross);
    if (r->win != MPI_WIN_NULL)
        MPI_Win_free(&r->win);
    if (r->state_win != MPI_WIN_NULL)
        MPI_Win_free(&r->state_win);
    free(r);
}

/* out[lo, hi) = in[0][i] + in[1][i] + ... in rank order, where this rank's
 * own input is mine (its buffer: its own slice is never copied in). */
static void sum_slice(float *restrict out, const float *in, size_t stride, int parties,
                      int me, const float *mine, size_t lo, size_t hi)
{
#define SOURCE(q) ((q) == me ? mine : in + (size_t)(q) * stride)
    const float *restrict a = SOURCE(0) + lo;
    float *restrict o = out + lo;
    size_t n = hi - lo;
    if (parties == 1) {
        memcpy(o, a, n * sizeof(float));
        return;
    }
    const float *restrict b = SOURCE(1) + lo;
    for (size_t i = 0; i < n; i++)
        o[i] = a[i] + b[i];
    for (int q = 2; q < parties; q++) {
        const float *restrict x = SOURCE(q) + lo;
        for (size_t i = 0; i < n; i++)
            o[i] += x[i];
    }
#undef SOURCE
}

/* One round over k <= piece floats of buf. Afterwards buf holds the sum
 * (scatter: only buf[*own_lo, *own_hi), this rank's slice; with the cross
 * communicator only this host's sum of it, which the caller sums over the
 * hosts). COLLECTIVE over the host. */
static int shm_round(herd_comm_reducer *r, float *buf, size_t k, int scatter, size_t *own_lo,
                     size_t *own_hi, herd_error *err)
{
    herd_comm *c = r->comm;
    int L = c->local_size, me = c->local_rank, rc = HERD_OK;
    size_t slice = (k + (size_t)L - 1) / (size_t)L;
    size_t lo = (size_t)me * slice < k ? (size_t)me * slice : k;
    size_t hi = lo + slice < k ? lo + slice : k;
    /* the others read every slice of my piece but mine, which only I sum */
    float *in = r->in + (size_t)me * r->piece;
    memcpy(in, buf, lo * sizeof(float));
    memcpy(in + hi, buf + hi, (k - hi) * sizeof(float));
    barrier_wait(r->barrier, L);
    if (lo < hi)
        sum_slice(r->out, r->in, r->piece, L, me, buf, lo, hi);
    if (r->algorithm == HERD_ALLREDUCE_HIER && r->n_leaders > 1
        && !(scatter && r->cross != MPI_COMM_NULL)) {
        barrier_wait(r->barrier, L);
        if (r->leaders != MPI_COMM_NULL)
            TRY_MPI(MPI_Allreduce(MPI_IN_PLACE, r->out, (int)k, MPI_FLOAT, MPI_SUM, r->leaders));
    }
done:
    /* every rank reaches the last barrier, even after a failure, so none hangs */
    barrier_wait(r->barrier, L);
    if (scatter)
        memcpy(buf + lo, r->out + lo, (hi - lo) * sizeof(float));
    else
        memcpy(buf, r->out, k * sizeof(float));
    *own_lo = lo;
    *own_hi = hi;
    return rc;
}

static int mpi_sum(herd_comm_reducer *r, float *buf, size_t n, herd_error *err)
{
    int rc = HERD_OK;
    const size_t most = (size_t)1 << 30;
    for (size_t at = 0; at < n; at += most) {
        size_t k = n - at < most ? n - at : most;
        TRY_MPI(MPI_Allreduce(MPI_IN_PLACE, buf + at, (int)k, MPI_FLOAT, MPI_SUM, r->comm->world));
    }
done:
    return rc;
}

int herd_comm_reducer_sum(herd_comm_reducer *r, float *buf, size_t n, herd_error *err)
{
    int rc = HERD_OK;
    if (r->comm->size == 1 || n == 0)
        return HERD_OK;
    if (r->algorithm == HERD_ALLREDUCE_MPI)
        return mpi_sum(r, buf, n, err);
    for (size_t at = 0, lo, hi; at < n && rc == HERD_OK; at += r->piece)
        rc = shm_round(r, buf + at, n - at < r->piece ? n - at : r->piece, 0, &lo, &hi, err);
    return rc;
}

/* ---- shared parameters ---- */

/* Open MPI backs shared windows with files in /dev/shm (osc_sm's default
 * backing directory); a tmpfs with too little room would fault on first
 * touch instead of failing the allocation, so ask first. */
static int host_has_room(size_t bytes)
{
    struct statvfs fs;
    if (statvfs("/dev/shm", &fs) != 0)
        return 1;
    double avail = (double)fs.f_bavail * (double)fs.f_frsize;
    return (double)bytes <= avail / 2;
}

int herd_comm_reducer_share(herd_comm_reducer *r, float *const *from, float **to, int n_arrays,
                            size_t n, int *shared, herd_error *err)
{
    herd_comm *c = r->comm;
    int rc = HERD_OK;
    size_t stride = (n + 15) / 16 * 16;    /* floats: every array on a 64-byte line */
    size_t bytes = (size_t)n_arrays * stride * sizeof(float);
    *shared = 0;
    if (r->algorithm == HERD_ALLREDUCE_MPI || c->size == 1)
        return HERD_OK;
    int room = c->local_rank == 0 ? host_has_room(bytes) : 1;
    TRY_MPI(MPI_Allreduce(MPI_IN_PLACE, &room, 1, MPI_INT, MPI_MIN, c->world));
    if (!room) {
        if (c->rank == 0)
            herd_warn("comm: /dev/shm has too little room for one shared copy of the parameters "
                      "(%.1f MB); every rank keeps its own", (double)bytes / 1e6);
        return HERD_OK;
    }
    void *base = NULL;
    MPI_Aint size = 0;
    int unit = 0;
    TRY_MPI(MPI_Win_allocate_shared(c->local_rank == 0 ? (MPI_Aint)bytes : 0, 1, MPI_INFO_NULL,
                                    c->node, &base, &r->state_win));
    TRY_MPI(MPI_Win_shared_query(r->state_win, 0, &size, &unit, &base));
    for (int i = 0; i < n_arrays; i++) {
        to[i] = (float *)base + (size_t)i * stride;
        if (c->local_rank == 0)
            memcpy(to[i], from[i], n * sizeof(float));
    }
    TRY_MPI(MPI_Barrier(c->node));  /* the copy is in place before anyone reads it */
    *shared = 1;
done:
    return rc;
}

/* ---- gradient buckets ---- */

struct herd_comm_buckets {
    herd_comm_reducer *reducer;
    float *buf;
    size_t n, bucket;
    int scatter;               /* keep only this rank's slices of each round */
    size_t *owned;             /* scatter: (lo, hi) pairs of this step's own slices */
    size_t n_owned, cap_owned;
    size_t ready_lo;           /* buf[ready_lo, n) is final */
    size_t launched_lo;        /* buf[launched_lo, n) is reduced or in flight */
    int cross;                 /* scatter over several hosts with the cross communicator */
    MPI_Request *reqs;         /* in-flight MPI_Iallreduce (mpi; hier across hosts) */
    int n_reqs, cap_reqs;
};

herd_comm_buckets *herd_comm_buckets_create(herd_comm_reducer *r, float *buf, size_t n,
                                            size_t bucket_floats, int scatter)
{
    herd_comm_buckets *b = herd_calloc(1, sizeof *b);
    b->reducer = r;
    b->buf = buf;
    b->n = n;
    b->bucket = bucket_floats > 0 ? bucket_floats : 1;
    b->scatter = scatter && r->algorithm != HERD_ALLREDUCE_MPI && r->comm->size > 1;
    b->cross = b->scatter && r->cross != MPI_COMM_NULL;
    /* every bucket but the last holds >= bucket floats, and each Iallreduce
     * holds < 2^30 of them */
    size_t buckets = n / b->bucket + n / ((size_t)1 << 30) + 2;
    /* a round per piece of every bucket: at most n / piece + one per bucket */
    b->cap_owned = (b->scatter ? n / r->piece : 0) + buckets + 1;
    /* mpi: an Iallreduce per bucket; cross: one per round */
    b->cap_reqs = (int)(b->cross ? b->cap_owned : buckets);
    b->reqs = herd_calloc((size_t)b->cap_reqs, sizeof *b->reqs);
    b->owned = herd_calloc(2 * b->cap_owned, sizeof *b->owned);
    b->ready_lo = b->launched_lo = n;
    return b;
}

void herd_comm_buckets_free(herd_comm_buckets *b)
{
    if (b == NULL)
        return;
    free(b->reqs);
    free(b->owned);
    free(b);
}

/* shm/hier: reduce buf[lo, lo + n) now, in rounds; when scattering, note
 * the slices this rank holds the sum of, and across hosts start summing
 * them over the hosts. */
static int shm_rounds(herd_comm_buckets *b, size_t lo, size_t n, herd_error *err)
{
    herd_comm_reducer *r = b->reducer;
    int rc = HERD_OK;
    for (size_t at = lo; at < lo + n && rc == HERD_OK; at += r->piece) {
        size_t k = lo + n - at < r->piece ? lo + n - at : r->piece, own_lo = 0, own_hi = 0;
        rc = shm_round(r, b->buf + at, k, b->scatter, &own_lo, &own_hi, err);
        if (rc != HERD_OK || !b->scatter || own_lo == own_hi)
            continue;
        HERD_ASSERT(b->n_owned < b->cap_owned);
        b->owned[2 * b->n_owned] = at + own_lo;
        b->owned[2 * b->n_owned + 1] = at + own_hi;
        b->n_owned++;
        /* every host cuts the round alike: this local rank's slice has the
         * same place and size on every host */
        if (b->cross) {
            HERD_ASSERT(b->n_reqs < b->cap_reqs);
            TRY_MPI(MPI_Iallreduce(MPI_IN_PLACE, b->buf + at + own_lo, (int)(own_hi - own_lo),
                                   MPI_FLOAT, MPI_SUM, r->cross, &b->reqs[b->n_reqs++]));
        }
    }
done:
    return rc;
}

/* Reduce buf[ready_lo, launched_lo): MPI starts it, shm/hier do it now. */
static int launch(herd_comm_buckets *b, herd_error *err)
{
    herd_comm_reducer *r = b->reducer;
    size_t lo = b->ready_lo, n = b->launched_lo - b->ready_lo;
    int rc = HERD_OK;
    if (b->launched_lo == b->n)
        b->n_owned = 0;        /* the step's first bucket */
    b->launched_lo = lo;
    if (n == 0 || r->comm->size == 1)
        return HERD_OK;
    if (r->algorithm != HERD_ALLREDUCE_MPI)
        return shm_rounds(b, lo, n, err);
    const size_t most = (size_t)1 << 30;
    for (size_t at = 0; at < n; at += most) {
        size_t k = n - at < most ? n - at : most;
        HERD_ASSERT(b->n_reqs < b->cap_reqs);
        TRY_MPI(MPI_Iallreduce(MPI_IN_PLACE, b->buf + lo + at, (int)k, MPI_FLOAT, MPI_SUM,
                               r->comm->world, &b->reqs[b->n_reqs++]));
    }
done:
    return rc;
}

int herd_comm_buckets_ready(herd_comm_buckets *b, size_t offset, size_t count,
                            herd_error *err)
{
    HERD_ASSERT(offset + count == b->ready_lo);
    b->ready_lo = offset;
    int rc = HERD_OK;
    if (b->n_reqs > 0) {       /* let Open MPI move the buckets in flight */
        int flag = 0;
        TRY_MPI(MPI_Testall(b->n_reqs, b->reqs, &flag, MPI_STATUSES_IGNORE));
    }
    if (b->launched_lo - b->ready_lo >= b->bucket)
        rc = launch(b, err);
done:
    return rc;
}

int herd_comm_buckets_finish(herd_comm_buckets *b, herd_error *err)
{
    int rc = HERD_OK;
    b->ready_lo = 0;
    rc = launch(b, err);
    if (b->n_reqs > 0) {
        int wrc = MPI_Waitall(b->n_reqs, b->reqs, MPI_STATUSES_IGNORE);
        if (wrc != MPI_SUCCESS && rc == HERD_OK)
            rc = mpi_error(err, wrc, "MPI_Waitall");
    }
    b->n_reqs = 0;
    b->ready_lo = b->launched_lo = b->n;
    return rc;
}

int herd_comm_buckets_across_hosts(const herd_comm_buckets *b) { return b->cross; }

size_t herd_comm_buckets_owned(herd_comm_buckets *b, const size_t **ranges)
{
    if (!b->scatter) {
        b->owned[0] = 0;
        b->owned[1] = b->n;
        b->n_owned = 1;
    }
    *ranges = b->owned;
    return b->n_owned;
}

double herd_comm_buckets_total(herd_comm_buckets *b, double x)
{
    herd_comm_reducer *r = b->reducer;
    if (!b->scatter)
        return x;
    int L = r->comm->local_size;
    /* two sets of slots by call parity: a rank can only write this set again
     * two calls on, after every rank has passed the next call's barrier, so
     * after every rank has read it */
    double *slot = r->totals + (size_t)(r->total_calls++ & 1) * (size_t)L;
    slot[r->comm->local_rank] = x;
    barrier_wait(r->barrier, L);
    double sum = 0.0;
    for (int q = 0; q < L; q++)
        sum += slot[q];
    return sum;
}

void herd_comm_buckets_publish(herd_comm_buckets *b)
{
    if (b->scatter)
        barrier_wait(b->reducer->barrier, b->reducer->comm->local_size);
}
