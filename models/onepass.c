/* onepass.c - a one-layer dense model's loss and gradient in one pass over
 * the rows of a batch.
 *
 * The batched path (dense.c) gathers the batch from the shard into a
 * buffer, multiplies it by W (sgemm), computes the loss, then multiplies it
 * again for dW: every row crosses the memory bus three times. A model with
 * one layer and a few outputs does only a few dot products per row, so its
 * step is bound by memory, not arithmetic. Here each row is read once,
 * where it lies in the shard, and all the work on it is done while it is in
 * L1:
 *     z = W x + b  ->  loss and dz (the task's loss, herd_model_output_loss)
 *                  ->  dW += dz x^T,  db += dz
 * Rows go in tiles of HERD_ONEPASS_TILE: the logits of the tile, one call of
 * the loss on them (vectorised over the tile), then the tile's gradient
 * updates. Rows in random order defeat the hardware prefetcher, so as row r
 * is taken, row r + AHEAD and its label are prefetched by hand: without it
 * a step of case (c) (2048 rows of 100 features) takes 2.4 times as long.
 * 8-row tiles and 16 rows ahead measured best (of tiles of 4-16 rows,
 * prefetching 12-32 rows ahead).
 *
 * Determinism: rows are added in batch order and each dot product sums 16
 * float lanes then adds them pairwise, an order fixed by the code, not by
 * alignment or the compiler. The loops are written so gcc -O2 vectorises
 * them (no intrinsics).
 */
#include "models/onepass.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define LANES 16
#define AHEAD 16

/* a . x over n floats: lane k sums the products at j = k (mod 16), then the
 * lanes are added pairwise, then the tail. */
static float dot(const float *restrict a, const float *restrict x, int n)
{
    float lane[LANES] = { 0 };
    int j = 0;
    for (; j + LANES <= n; j += LANES)
        for (int k = 0; k < LANES; k++)
            lane[k] += a[j + k] * x[j + k];
    for (int half = LANES / 2; half > 0; half /= 2)
        for (int k = 0; k < half; k++)
            lane[k] += lane[k + half];
    float sum = lane[0];
    for (; j < n; j++)
        sum += a[j] * x[j];
    return sum;
}

/* y += a * x over n floats (in blocks of 16: a loop of fixed length gcc
 * vectorises at -O2 as at -O3). */
static void axpy(float *restrict y, float a, const float *restrict x, int n)
{
    int j = 0;
    for (; j + LANES <= n; j += LANES)
        for (int k = 0; k < LANES; k++)
            y[j + k] += a * x[j + k];
    for (; j < n; j++)
        y[j] += a * x[j];
}

/* Rows [lo, lo + n) of the batch: their addresses, labels and logits z (n,
 * OC), W's row o reused over the tile. As row lo + t is taken, every 64-byte
 * line of row lo + t + AHEAD and its label are prefetched. (The prefetch is
 * written out here, not in a helper: gcc deletes the calls of a function
 * that does nothing but prefetch.) */
static void tile_logits(const herd_onepass *p, const herd_batch *batch, int lo, int n,
                        const float **rows, float *y)
{
    int C = p->n_in, OC = p->n_out;
    for (int t = 0; t < n; t++) {
        int64_t r = batch->idx != NULL ? batch->idx[lo + t] : lo + t;
        rows[t] = batch->X + r * C;
        y[t] = batch->y[r];
        if (batch->idx == NULL || lo + t + AHEAD >= batch->B)
            continue;
        int64_t next = batch->idx[lo + t + AHEAD];
        const char *row = (const char *)(batch->X + next * C);
        for (const char *line = row - ((uintptr_t)row & 63);
             line < row + (size_t)C * sizeof(float); line += 64)
            __builtin_prefetch(line);
        __builtin_prefetch(batch->y + next);
    }
    for (int o = 0; o < OC; o++)
        for (int t = 0; t < n; t++)
            p->z[t * OC + o] = p->b[o] + dot(p->w + (size_t)o * C, rows[t], C);
}

/* dW += dz^T rows, db += column sums of dz; each dW row takes the tile's
 * rows in order. */
static void tile_gradient(const herd_onepass *p, const float *const *rows, int n)
{
    int C = p->n_in, OC = p->n_out;
    for (int o = 0; o < OC; o++)
        for (int t = 0; t < n; t++) {
            axpy(p->dw + (size_t)o * C, p->dz[t * OC + o], rows[t], C);
            p->db[o] += p->dz[t * OC + o];
        }
}

double herd_onepass_loss_and_grad(const herd_model *m, const herd_onepass *p,
                                  const herd_batch *batch, float scale)
{
    const float *rows[HERD_ONEPASS_TILE];
    float y[HERD_ONEPASS_TILE];
    double loss = 0.0;
    memset(p->dw, 0, (size_t)p->n_out * (size_t)p->n_in * sizeof(float));
    memset(p->db, 0, (size_t)p->n_out * sizeof(float));
    for (int lo = 0; lo < batch->B; lo += HERD_ONEPASS_TILE) {
        int n = batch->B - lo < HERD_ONEPASS_TILE ? batch->B - lo : HERD_ONEPASS_TILE;
        tile_logits(p, batch, lo, n, rows, y);
        loss += herd_model_output_loss(m, p->z, y, n, scale, p->dz);
        tile_gradient(p, rows, n);
    }
    return loss;
}
