/* test_eval_sums.c - the evaluation's exact sums (herd_eval_fx, reduce.c):
 * sums whose exact value is known, with the terms dealt round-robin over the
 * ranks, must come out as the nearest double to that value on any rank
 * count. Covers totals past 2^63 (squared errors of targets near 3e8 and
 * 1e15), cancellation of huge terms, subnormal terms, negative totals,
 * rounding of the last bit, the periodic carry, and a sum beyond the range
 * of a double failing with HERD_ERR_DATA. */
#include "comm/comm.h"
#include "eval/evaluate.h"
#include "testing.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

static herd_comm *comm;

/* The sum of terms[0 .. n) over ranks, term i added on rank i % size. */
static int sum_over_ranks(const double *terms, int64_t n, double *out, herd_error *err)
{
    int rank = herd_comm_rank(comm), size = herd_comm_size(comm);
    herd_eval_fx *fx = calloc(1, sizeof *fx);
    for (int64_t i = rank; i < n; i += size)
        herd_eval_fx_add(fx, terms[i]);
    int rc = herd_eval_fx_reduce(comm, fx, 1, out, err);
    free(fx);
    return rc;
}

/* n copies of term, then the extra terms. */
static double sum_of(double term, int64_t n, const double *extra, int n_extra)
{
    double *terms = malloc((size_t)(n + n_extra) * sizeof *terms);
    for (int64_t i = 0; i < n; i++)
        terms[i] = term;
    for (int i = 0; i < n_extra; i++)
        terms[n + i] = extra[i];
    double out = NAN;
    herd_error err = { 0 };
    int rc = sum_over_ranks(terms, n + n_extra, &out, &err);
    CHECK(rc == HERD_OK);
    free(terms);
    return out;
}

int main(int argc, char **argv)
{
    herd_error err = { 0 };
    if (herd_comm_init(&argc, &argv, &comm, &err) != HERD_OK)
        return 1;

    /* 500 squared errors of 3.16e8 each: 5e19, past the int64 range */
    CHECK(sum_of(1e17, 500, NULL, 0) == 5e19);
    /* squared errors of targets near 1e15: 1000 * 2^100 */
    CHECK(sum_of(ldexp(1, 100), 1000, NULL, 0) == 1000 * ldexp(1, 100));
    /* huge terms cancel exactly; the small ones survive */
    double cancel[] = { 1e300, 0.25, -1e300, 0.5 };
    CHECK(sum_of(0.25, 3, cancel, 4) == 1.5);
    /* ten tenths: the exact sum is within half an ulp of 1 */
    CHECK(sum_of(0.1, 10, NULL, 0) == 1.0);
    /* subnormal terms are kept exactly */
    CHECK(sum_of(ldexp(1, -1074), 12, NULL, 0) == ldexp(12, -1074));
    /* a negative total */
    double negative[] = { 1.0 };
    CHECK(sum_of(-ldexp(3, 200), 1, negative, 1) == -ldexp(3, 200));
    CHECK(sum_of(-0.75, 7, NULL, 0) == -5.25);
    /* 2^53 + 1 + 2^-60 is just above halfway between 2^53 and 2^53 + 2 */
    double rounding[] = { ldexp(1, 53), 1.0, ldexp(1, -60) };
    CHECK(sum_of(0, 0, rounding, 3) == ldexp(1, 53) + 2);
    /* the same sum without the tiny term is a tie, rounded to even */
    CHECK(sum_of(0, 0, rounding, 2) == ldexp(1, 53));
    /* enough terms that the carries are settled along the way */
    CHECK(sum_of(0.75, ((int64_t)1 << 28) + 3, NULL, 0) == 0.75 * (double)(((int64_t)1 << 28) + 3));
    /* the largest double is reachable; beyond it is an error, not a number */
    double largest[] = { DBL_MAX / 2, DBL_MAX / 2 };
    CHECK(sum_of(0, 0, largest, 2) == DBL_MAX);
    double too_big[] = { 1e308, 1e308, -1e307 };
    double out = 0;
    herd_error big_err = { 0 };
    CHECK(sum_over_ranks(too_big, 3, &out, &big_err) == HERD_ERR_DATA);

    int64_t failed = herd_test_failed;
    herd_comm_allreduce_sum_i64(comm, &failed, 1, &err);
    int rc = herd_comm_rank(comm) == 0 ? herd_test_finish("eval_sums") : 0;
    herd_comm_finalize(comm);
    return failed == 0 ? rc : 1;
}
