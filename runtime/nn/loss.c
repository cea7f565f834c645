/* loss.c - losses fused with their gradients, one pass over a batch.
 *
 * All three are written to be stable for any logit: softmax subtracts the
 * row maximum before exp, binary cross-entropy uses
 * max(z,0) - z*y + log1p(exp(-|z|)). Sums are kept in double so the loss of
 * a large batch does not depend on float rounding order more than needed.
 * Labels are class ids stored as floats; the data layer has checked them.
 */
#include "nn/loss.h"

#include "core/log.h"

#include <math.h>
#include <stddef.h>

float herd_sigmoid(float z)
{
    if (z >= 0.0f)
        return 1.0f / (1.0f + expf(-z));
    float e = expf(z);
    return e / (1.0f + e);
}

/* log(sum_k exp(z[k])) of one row, computed as max + log(sum exp(z - max)). */
static double log_partition(const float *z, int K)
{
    float mx = z[0];
    for (int k = 1; k < K; k++)
        mx = z[k] > mx ? z[k] : mx;
    double sum = 0.0;
    for (int k = 0; k < K; k++)
        sum += expf(z[k] - mx);
    return mx + log(sum);
}

void herd_softmax_rows(float *probs, const float *logits, int B, int K)
{
    for (int b = 0; b < B; b++) {
        const float *z = logits + (size_t)b * K;
        float *p = probs + (size_t)b * K;
        float lse = (float)log_partition(z, K);
        for (int k = 0; k < K; k++)
            p[k] = expf(z[k] - lse);
    }
}

double herd_loss_softmax_xent(const float *logits, const float *labels, int B, int K,
                              float scale, float *dlogits, float *probs)
{
    double total = 0.0;
    for (int b = 0; b < B; b++) {
        const float *z = logits + (size_t)b * K;
        int y = (int)labels[b];
        HERD_ASSERT(y >= 0 && y < K);
        double lse_d = log_partition(z, K);
        float lse = (float)lse_d;
        total += lse_d - z[y];
        if (probs)
            for (int k = 0; k < K; k++)
                probs[(size_t)b * K + k] = expf(z[k] - lse);
        if (dlogits) {
            float *d = dlogits + (size_t)b * K;
            for (int k = 0; k < K; k++)
                d[k] = expf(z[k] - lse) * scale;
            d[y] -= scale;
        }
    }
    return total;
}

double herd_loss_binary_xent(const float *logits, const float *labels, int B, float scale,
                             float *dlogits)
{
    double total = 0.0;
    for (int b = 0; b < B; b++) {
        float z = logits[b], y = labels[b];
        total += (z > 0.0f ? z : 0.0f) - z * y + log1pf(expf(-fabsf(z)));
        if (dlogits)
            dlogits[b] = (herd_sigmoid(z) - y) * scale;
    }
    return total;
}

double herd_loss_mse(const float *pred, const float *target, int B, float scale, float *dpred)
{
    double total = 0.0;
    for (int b = 0; b < B; b++) {
        float d = pred[b] - target[b];
        total += 0.5 * (double)d * d;
        if (dpred)
            dpred[b] = d * scale;
    }
    return total;
}
