/* reduce.c - merging evaluation figures over ranks, independent of the split.
 *
 * Floating-point sums depend on the order of their terms, so a sum merged
 * by allreduce on 2 ranks can differ in the last bits from the same sum on
 * 1 rank. herd_eval_fx keeps each sum exactly, as a fixed-point integer
 * wide enough for any finite double (a "long accumulator"): integer
 * addition is exact and associative, so every rank count gives the same
 * bits, and large values (squared errors of targets near 1e15, say) never
 * overflow. Gathers keep rank order, which is row order because shards are
 * contiguous.
 */
#include "eval/evaluate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FX_BIAS 1088                /* digit 0 holds bits 2^-1088 .. 2^-1057 */
#define FX_DIGIT_MASK 0xffffffffLL  /* a settled digit is in [0, 2^32) */
#define FX_SETTLE_EVERY (1 << 28)   /* each add moves a digit by < 2^33: settle before 2^63 */

/* Carry every digit's excess into the next one, leaving digits 0 .. top-1
 * in [0, 2^32) and the sign in the top digit. The value is unchanged. */
static void fx_settle(int64_t *digit)
{
    for (int i = 0; i < HERD_EVAL_FX_DIGITS - 1; i++) {
        int64_t low = digit[i] & FX_DIGIT_MASK;
        digit[i + 1] += (digit[i] - low) / ((int64_t)1 << 32);
        digit[i] = low;
    }
}

/* Add sign * magnitude * 2^(pos - FX_BIAS), magnitude < 2^53. */
static void fx_add_bits(int64_t *digit, int sign, uint64_t magnitude, int pos)
{
    int d = pos / 32, shift = pos % 32;
    uint64_t low = (magnitude & FX_DIGIT_MASK) << shift;   /* < 2^64 */
    uint64_t high = (magnitude >> 32) << shift;            /* < 2^53 */
    int64_t parts[3] = { (int64_t)(low & FX_DIGIT_MASK),
                         (int64_t)((low >> 32) + (high & FX_DIGIT_MASK)),
                         (int64_t)(high >> 32) };
    for (int k = 0; k < 3 && d + k < HERD_EVAL_FX_DIGITS; k++)
        digit[d + k] += sign * parts[k];
}

void herd_eval_fx_add(herd_eval_fx *s, double v)
{
    if (!isfinite(v) || v == 0)
        return;  /* callers clip terms; a non-finite one would poison the integers */
    int exp2;
    double mantissa = frexp(fabs(v), &exp2);          /* |v| = mantissa * 2^exp2 */
    uint64_t magnitude = (uint64_t)ldexp(mantissa, 53);  /* exact: 53 bits */
    int pos = exp2 - 53 + FX_BIAS;                    /* bit position of its lowest bit */
    if (pos < 0) {  /* subnormal: the bits shifted out are zero */
        magnitude >>= -pos;
        pos = 0;
    }
    fx_add_bits(s->digit, v < 0 ? -1 : 1, magnitude, pos);
    if (++s->adds >= FX_SETTLE_EVERY) {
        fx_settle(s->digit);
        s->adds = 0;
    }
}

/* The nearest double to a settled, non-negative sum, or HUGE_VAL when it
 * is 2^1024 or more. */
static double fx_magnitude_to_double(const int64_t *digit)
{
    int top = HERD_EVAL_FX_DIGITS - 1;
    while (top >= 0 && digit[top] == 0)
        top--;
    if (top < 0)
        return 0;
    if (32 * top - FX_BIAS >= 1024)
        return HUGE_VAL;
    /* The 64 bits from the highest set bit down, the bits below them folded
     * into the lowest one so that the conversion rounds as the exact value. */
    int width = 0;
    while (width < 32 && (digit[top] >> width) != 0)
        width++;
    uint64_t d1 = top >= 1 ? (uint64_t)digit[top - 1] : 0;
    uint64_t d2 = top >= 2 ? (uint64_t)digit[top - 2] : 0;
    uint64_t bits = ((uint64_t)digit[top] << 32 | d1) << (32 - width) | d2 >> width;
    int below = (d2 & ((1ULL << width) - 1)) != 0;
    for (int i = top - 3; i >= 0 && !below; i--)
        below = digit[i] != 0;
    return ldexp((double)(bits | (uint64_t)below), 32 * (top - 2) + width - FX_BIAS);
}

/* The nearest double to a settled sum. */
static double fx_to_double(int64_t *digit)
{
    if (digit[HERD_EVAL_FX_DIGITS - 1] >= 0)
        return fx_magnitude_to_double(digit);
    for (int i = 0; i < HERD_EVAL_FX_DIGITS; i++)
        digit[i] = -digit[i];
    fx_settle(digit);
    return -fx_magnitude_to_double(digit);
}

int herd_eval_fx_reduce(herd_comm *comm, herd_eval_fx *s, int n, double *out, herd_error *err)
{
    int64_t *buf = malloc((size_t)n * HERD_EVAL_FX_DIGITS * sizeof(int64_t));
    for (int i = 0; i < n; i++) {
        fx_settle(s[i].digit);
        s[i].adds = 0;
        memcpy(buf + (size_t)i * HERD_EVAL_FX_DIGITS, s[i].digit, sizeof s[i].digit);
    }
    int rc = herd_comm_allreduce_sum_i64(comm, buf, (size_t)n * HERD_EVAL_FX_DIGITS, err);
    for (int i = 0; i < n && rc == HERD_OK; i++) {
        int64_t *digit = buf + (size_t)i * HERD_EVAL_FX_DIGITS;
        fx_settle(digit);
        out[i] = fx_to_double(digit);
        if (!isfinite(out[i]))
            rc = herd_error_set(err, HERD_ERR_DATA,
                                "eval: a sum behind the figures is beyond the range of a double "
                                "(about 1.8e308): the values are too large to score");
    }
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
