/* blas.c - the one place herd calls BLAS (OpenBLAS through cblas).
 *
 * Dense layers work on whole batches in row-major layout as llm.c does:
 * inp (B, C), weight (OC, C), bias (OC), out (B, OC). Every matmul is one
 * sgemm; the bias goes in by seeding out with bias rows and running sgemm
 * with beta = 1, which costs one streaming pass and no extra buffer.
 */
#include "nn/blas.h"
#include "nn/activation.h"

#include <cblas.h>
#include <stdio.h>
#include <string.h>

void herd_linear_forward(float *out, const float *inp, const float *weight, const float *bias,
                         int B, int C, int OC)
{
    float beta = 0.0f;
    if (B <= 0)
        return;
    if (bias) {
        for (int b = 0; b < B; b++)
            memcpy(out + (size_t)b * OC, bias, (size_t)OC * sizeof(float));
        beta = 1.0f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, OC, C, 1.0f, inp, C, weight, C,
                beta, out, OC);
}

void herd_linear_act_forward(float *pre, float *post, const float *inp, const float *weight,
                             const float *bias, int B, int C, int OC, int act)
{
    if (B <= 0)
        return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, OC, C, 1.0f, inp, C, weight, C,
                0.0f, pre, OC);
    herd_bias_activation_forward(act, post, pre, bias, B, OC);
}

/* dbias[o] = sum over rows of dout[b, o] (B >= 1); rows are contiguous, so
 * the inner loop vectorises. */
static void column_sums(float *restrict dbias, const float *restrict dout, int B, int OC)
{
    memcpy(dbias, dout, (size_t)OC * sizeof(float));
    for (int b = 1; b < B; b++) {
        const float *row = dout + (size_t)b * OC;
        for (int o = 0; o < OC; o++)
            dbias[o] += row[o];
    }
}

void herd_linear_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                          const float *inp, const float *weight, int B, int C, int OC)
{
    if (B <= 0) {               /* no rows: the gradients are zero */
        if (dweight)
            memset(dweight, 0, (size_t)OC * (size_t)C * sizeof(float));
        if (dbias)
            memset(dbias, 0, (size_t)OC * sizeof(float));
        return;
    }
    if (dinp)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, C, OC, 1.0f, dout, OC,
                    weight, C, 0.0f, dinp, C);
    if (dweight)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, B, 1.0f, dout, OC, inp, C,
                    0.0f, dweight, C);
    if (dbias)
        column_sums(dbias, dout, B, OC);
}

void herd_blas_set_threads(int threads)
{
    if (threads >= 1)
        openblas_set_num_threads(threads);
}

int herd_blas_get_threads(void) { return openblas_get_num_threads(); }

const char *herd_blas_info(void)
{
    static char info[512];
    snprintf(info, sizeof info, "%s (core %s)", openblas_get_config(), openblas_get_corename());
    return info;
}
