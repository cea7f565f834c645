/* reduce.c - merging evaluation figures over ranks, independent of the split.
 *
 * Floating-point sums depend on the order of their terms, so a sum merged
 * by allreduce on 2 ranks can differ in the last bits from the same sum on
 * 1 rank. herd_eval_fx keeps each term in fixed point (whole part plus a
 * 32-bit fraction, both integers): integer addition is exact and
 * associative, so every rank count gives the same bits. Gathers keep rank
 * order, which is row order because shards are contiguous.
 */
#include "eval/evaluate.h"

#include <math.h>
#include <stdlib.h>

#define FX_ONE 4294967296.0  /* 2^32 */

void herd_eval_fx_add(herd_eval_fx *s, double v)
{
    if (!isfinite(v))
        v = 0;  /* callers clip terms; a non-finite one would poison the integers */
    double whole = floor(v);
    s->whole += (int64_t)whole;
    s->frac += (int64_t)llround((v - whole) * FX_ONE);
    if (s->frac >= ((int64_t)1 << 40)) {  /* carry well before the 63-bit limit */
        s->whole += s->frac >> 32;
        s->frac &= ((int64_t)1 << 32) - 1;
    }
}

int herd_eval_fx_reduce(herd_comm *comm, herd_eval_fx *s, int n, double *out, herd_error *err)
{
    int64_t *buf = malloc((size_t)(2 * n + 1) * sizeof(int64_t));
    for (int i = 0; i < n; i++) {
        buf[2 * i] = s[i].whole + (s[i].frac >> 32);
        buf[2 * i + 1] = s[i].frac & (((int64_t)1 << 32) - 1);
    }
    int rc = herd_comm_allreduce_sum_i64(comm, buf, (size_t)(2 * n), err);
    for (int i = 0; i < n && rc == HERD_OK; i++)
        out[i] = (double)buf[2 * i] + (double)buf[2 * i + 1] / FX_ONE;
    free(buf);
    return rc;
}

int herd_eval_gather(herd_comm *comm, const double *mine, int64_t n_mine, int stride,
                     double **all, int64_t *n_all, herd_error *err)
{
    int64_t total = 0;
    *all = NULL;
    int rc = herd_comm_allgatherv_f64(comm, mine, n_mine * stride, all, &total, err);
    *n_all = rc == HERD_OK ? total / stride : 0;
    return rc;
}

int herd_eval_argmax(const float *p, int K)
{
    int best = 0;
    for (int k = 1; k < K; k++)
        if (p[k] > p[best])
            best = k;
    return best;
}
