/* blas.h - the one place herd calls BLAS. Dense layers on whole batches.
 *
 * Shapes follow llm.c: inp (B, C), weight (OC, C) row-major, bias (OC),
 * out (B, OC). Backward OVERWRITES dinp, dweight and dbias (a step's
 * gradient is written once, so nothing zeroes it first); any of the three may be NULL (the first layer needs no
 * dinp; a model computes the weight gradient first so that it can be
 * all-reduced while dinp is still being computed).
 */
#ifndef HERD_BLAS_H
#define HERD_BLAS_H

/* out = inp @ weight^T + bias */
void herd_linear_forward(float *out, const float *inp, const float *weight, const float *bias,
                         int B, int C, int OC);

/* pre = inp @ weight^T + bias, then post = act(pre) (HERD_ACT_*), in one
 * pass over the output after the sgemm: the bias add and the activation are
 * fused, and pre is kept for the activation's backward. */
void herd_linear_act_forward(float *pre, float *post, const float *inp, const float *weight,
                             const float *bias, int B, int C, int OC, int act);

/* dinp = dout @ weight; dweight = dout^T @ inp; dbias = sum_b dout (B = 0:
 * dweight and dbias zero, dinp untouched) */
void herd_linear_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                          const float *inp, const float *weight, int B, int C, int OC);

/* Set the number of BLAS threads for this process. */
void herd_blas_set_threads(int threads);
int herd_blas_get_threads(void);
/* OpenBLAS's build config and core type, for records. */
const char *herd_blas_info(void);

#endif
