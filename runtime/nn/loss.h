/* loss.h - losses on a batch of model outputs, fused with their gradients.
 *
 * Each returns the SUM of per-row losses over the B rows (so ranks can add
 * their sums) and writes dlogits = d(sum loss)/d(logits) * scale, where the
 * caller passes scale = 1 / global_batch_rows so that the gradient is of the
 * mean loss over the global batch. dlogits may be NULL (loss only).
 */
#ifndef HERD_LOSS_H
#define HERD_LOSS_H

/* Softmax cross-entropy: logits (B, K), labels are class ids; probs (B, K)
 * receives softmax(logits) if not NULL. */
double herd_loss_softmax_xent(const float *logits, const float *labels, int B, int K,
                              float scale, float *dlogits, float *probs);

/* Binary cross-entropy with logits: logits (B), labels 0/1. */
double herd_loss_binary_xent(const float *logits, const float *labels, int B, float scale,
                             float *dlogits);

/* Squared error: pred (B), target (B); per-row loss = 0.5 * (pred - y)^2. */
double herd_loss_mse(const float *pred, const float *target, int B, float scale,
                     float *dpred);

/* probs (B, K) = softmax of each row of logits, max-subtracted so large
 * logits do not overflow. probs may be the same buffer as logits. */
void herd_softmax_rows(float *probs, const float *logits, int B, int K);

/* Logistic function, computed without overflow for any z. */
float herd_sigmoid(float z);

#endif
