/* activation.h - elementwise activations on n values.
 * Backward: din = dout * f'(x), using the saved pre-activation x. */
#ifndef HERD_ACTIVATION_H
#define HERD_ACTIVATION_H

#include <stddef.h>

void herd_activation_forward(int act, float *out, const float *x, size_t n);
/* For each of B rows of OC values: pre += bias (when bias is not NULL),
 * post = act(pre); one pass over the rows. */
void herd_bias_activation_forward(int act, float *post, float *pre, const float *bias, int B,
                                  int OC);
void herd_activation_backward(int act, float *din, const float *dout, const float *x, size_t n);
/* "relu" | "tanh" | "gelu" -> HERD_ACT_*, or -1 */
int herd_activation_parse(const char *name);
const char *herd_activation_name(int act);

#endif
