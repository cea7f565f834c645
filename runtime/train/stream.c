/* stream.c - data.stream: training on a shard that does not fit in memory.
 *
 * The shard is cut into blocks of block_rows rows (data.stream_block_mb; a
 * multiple of the local batch). Two block buffers exist: the block batches
 * are drawn from, and the next one, which a prefetch thread reads from the
 * HDF5 file (and preprocesses) one local batch of rows per step while the
 * step computes. Each epoch visits the blocks in order and the rows of a
 * block in a permutation drawn from (seed, epoch, rank, block), so memory is
 * two blocks plus 8 bytes of row index per shard row, whatever the size of
 * the file.
 *
 * The prefetch thread is started once with the stream and stopped by
 * herd_row_stream_free. Under a mutex it waits (cond `wake`) for a piece of
 * work, the rows [piece_lo, piece_hi) of a slot, reads them, sets the state
 * back to WORK_NONE and signals `done`; WORK_QUIT ends it. If the thread
 * cannot be started, the step reads the whole block itself instead.
 *
 * The HDF5 library is not thread-safe: the prefetch thread is the only one
 * reading while a piece is pending, and herd_row_stream_settle (called at
 * the end of every training step) waits for the piece to be done, so no
 * read is in flight outside a step (checkpoints and evaluation may use HDF5
 * freely between steps). A read error is kept in err and reported by settle.
 */
#include "train/batches.h"
#include "core/mem.h"
#include "core/rng.h"
#include "data/shard.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

enum { WORK_NONE, WORK_PIECE, WORK_QUIT };

struct herd_row_stream {
    herd_dataset *ds;
    const herd_preprocess *pp;   /* applied to every block read; NULL until set */
    int64_t *index;              /* file rows of this rank's shard, ascending */
    int64_t n, cols, block_rows, n_blocks;
    float *X[2], *y[2];          /* slot s holds rows [0, filled[s]) of block id[s] */
    int64_t id[2], filled[2];
    int cur;                     /* slot batches are drawn from */
    int64_t *perm;               /* block_rows: order of the rows of perm_block */
    int64_t perm_block;
    uint64_t epoch_seed;
    int rank;
    pthread_t thread;            /* reads [piece_lo, piece_hi) of slot piece_slot */
    pthread_mutex_t lock;        /* guards work */
    pthread_cond_t wake, done;   /* work posted or quit; piece finished */
    int work;                    /* WORK_NONE | WORK_PIECE | WORK_QUIT */
    int started;                 /* the thread runs (lock and conds initialised) */
    int busy, piece_slot;        /* busy: a piece was posted and not settled */
    int64_t piece_lo, piece_hi;
    herd_error err;              /* first read failure, reported by settle */
};

static int64_t block_len(const herd_row_stream *s, int64_t b)
{
    int64_t left = s->n - b * s->block_rows;
    return left < s->block_rows ? left : s->block_rows;
}

/* Rows [lo, hi) of the block in slot into its buffer, preprocessed. */
static void read_rows(herd_row_stream *s, int slot, int64_t lo, int64_t hi)
{
    if (hi <= lo || s->err.code != HERD_OK)
        return;
    const int64_t *rows = s->index + s->id[slot] * s->block_rows + lo;
    float *X = s->X[slot] + lo * s->cols;
    int rc = herd_dataset_read_index(s->ds, rows, hi - lo, X, s->y[slot] + lo, &s->err);
    if (rc == HERD_OK && s->pp != NULL)
        herd_preprocess_apply(s->pp, X, hi - lo, rows, &s->err);  /* a failure is in s->err */
}

/* The prefetch thread: one piece per WORK_PIECE posted, until WORK_QUIT. */
static void *prefetch_main(void *arg)
{
    herd_row_stream *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (s->work == WORK_NONE)
            pthread_cond_wait(&s->wake, &s->lock);
        if (s->work == WORK_QUIT)
            break;
        pthread_mutex_unlock(&s->lock);
        read_rows(s, s->piece_slot, s->piece_lo, s->piece_hi);
        pthread_mutex_lock(&s->lock);
        s->work = WORK_NONE;
        pthread_cond_signal(&s->done);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Start the prefetch thread with every signal blocked in it, so the stop
 * handlers (core/stop.h) run on the main thread. */
static void start_thread(herd_row_stream *s)
{
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    pthread_cond_init(&s->done, NULL);
    sigset_t block, old;
    sigfillset(&block);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    s->started = pthread_create(&s->thread, NULL, prefetch_main, s) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!s->started) {
        pthread_cond_destroy(&s->done);
        pthread_cond_destroy(&s->wake);
        pthread_mutex_destroy(&s->lock);
    }
}

/* Tell the thread what to do next (WORK_PIECE or WORK_QUIT). */
static void post(herd_row_stream *s, int work)
{
    pthread_mutex_lock(&s->lock);
    s->work = work;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

/* Wait for the posted piece: afterwards no read is in flight. */
static void settle(herd_row_stream *s)
{
    if (!s->busy)
        return;
    pthread_mutex_lock(&s->lock);
    while (s->work == WORK_PIECE)
        pthread_cond_wait(&s->done, &s->lock);
    pthread_mutex_unlock(&s->lock);
    s->filled[s->piece_slot] = s->piece_hi;
    s->busy = 0;
}

/* End the thread (settled first: no piece pending). */
static void stop_thread(herd_row_stream *s)
{
    if (!s->started)
        return;
    post(s, WORK_QUIT);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->done);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    s->started = 0;
}

/* Make block b whole in slot cur (reading what the prefetch has not). */
static void ensure_block(herd_row_stream *s, int64_t b)
{
    settle(s);
    if (s->id[s->cur] != b)
        s->cur = 1 - s->cur;
    if (s->id[s->cur] != b) {
        s->id[s->cur] = b;
        s->filled[s->cur] = 0;
    }
    read_rows(s, s->cur, s->filled[s->cur], block_len(s, b));
    s->filled[s->cur] = block_len(s, b);
}

/* Start reading the next piece of the block after b into the other slot. */
static void prefetch_after(herd_row_stream *s, int64_t b, int64_t piece)
{
    int64_t next = (b + 1) % s->n_blocks;
    int slot = 1 - s->cur;
    if (next == b || !s->started)
        return;
    if (s->id[slot] != next) {
        s->id[slot] = next;
        s->filled[slot] = 0;
    }
    int64_t lo = s->filled[slot], len = block_len(s, next);
    if (lo >= len)
        return;
    s->piece_slot = slot;
    s->piece_lo = lo;
    s->piece_hi = lo + piece < len ? lo + piece : len;
    s->busy = 1;
    post(s, WORK_PIECE);
}

int herd_rows_stream_shard(herd_dataset *ds, int role, uint64_t seed, double val_fraction,
                           double fraction, int rank, int size, int64_t block_rows,
                           herd_rows *out, int64_t *total, herd_error *err)
{
    int64_t *rows = NULL, count = 0;
    memset(out, 0, sizeof *out);
    int rc = herd_rows_shard_index(ds, role, seed, val_fraction, fraction, rank, size, &rows,
                                   &count, total, err);
    if (rc != HERD_OK)
        return rc;
    herd_row_stream *s = herd_calloc(1, sizeof *s);
    s->ds = ds;
    s->n = count;
    s->cols = herd_dataset_get_info(ds)->cols;
    s->block_rows = block_rows < s->n ? (block_rows > 0 ? block_rows : 1) : (s->n > 0 ? s->n : 1);
    s->n_blocks = (s->n + s->block_rows - 1) / s->block_rows;
    s->index = rows;  /* taken over: freed with the stream */
    for (int i = 0; i < 2; i++) {
        s->X[i] = herd_alloc_aligned((size_t)s->block_rows * (size_t)s->cols * sizeof(float));
        s->y[i] = herd_alloc_aligned((size_t)s->block_rows * sizeof(float));
        s->id[i] = -1;
    }
    s->perm = herd_malloc((size_t)s->block_rows * sizeof(int64_t));
    s->perm_block = -1;
    if (s->n_blocks > 1)
        start_thread(s);         /* one block: nothing to prefetch */
    out->stream = s;
    out->cols = s->cols;
    ensure_block(s, 0);          /* block 0 is the rows the caller sees in out */
    out->n = s->filled[s->cur];
    out->X = s->X[s->cur];
    out->y = s->y[s->cur];
    if (s->err.code != HERD_OK)
        rc = herd_error_set(err, s->err.code, "%s", s->err.msg);
    return rc;
}

int64_t herd_rows_shard_rows(const herd_rows *r)
{
    return r->stream != NULL ? r->stream->n : r->n;
}

void herd_rows_stream_set_preprocess(herd_rows *r, const herd_preprocess *pp)
{
    if (r->stream != NULL)
        r->stream->pp = pp;  /* block 0 was preprocessed with the other rows */
}

void herd_row_stream_free(herd_row_stream *s)
{
    if (s == NULL)
        return;
    settle(s);
    stop_thread(s);
    for (int i = 0; i < 2; i++) {
        free(s->X[i]);
        free(s->y[i]);
    }
    free(s->perm);
    free(s->index);
    free(s);
}

void herd_row_stream_shuffle(herd_row_stream *s, uint64_t epoch_seed, int rank)
{
    s->epoch_seed = epoch_seed;
    s->rank = rank;
    s->perm_block = -1;
}

void herd_row_stream_batch(herd_row_stream *s, int64_t step, int64_t local_batch,
                           herd_batch *batch)
{
    int64_t first = step * local_batch;
    int64_t b = first / s->block_rows, pos = first - b * s->block_rows;
    ensure_block(s, b);
    if (s->perm_block != b) {
        int64_t len = block_len(s, b);
        for (int64_t i = 0; i < len; i++)
            s->perm[i] = i;
        herd_rng r = herd_rng_make(s->epoch_seed, ((uint64_t)s->rank << 32) | (uint64_t)b);
        herd_rng_shuffle(&r, s->perm, len);
        s->perm_block = b;
    }
    /* the prefetch thread writes the other slot: this one stays as it is */
    *batch = (herd_batch){ .X = s->X[s->cur], .y = s->y[s->cur], .idx = s->perm + pos,
                           .B = (int)local_batch };
    prefetch_after(s, b, local_batch);
}

int herd_row_stream_settle(herd_row_stream *s, herd_error *err)
{
    settle(s);
    if (s->err.code == HERD_OK)
        return HERD_OK;
    return herd_error_set(err, s->err.code, "%s", s->err.msg);
}
