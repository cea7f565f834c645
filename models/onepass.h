/* onepass.h - loss and gradient of a one-layer dense model (linear,
 * logistic, softmax) in one pass over the rows of a batch (internal to
 * models/: dense.c calls it when the net has no hidden layer). */
#ifndef HERD_ONEPASS_H
#define HERD_ONEPASS_H

#include "models/model.h"

/* Rows handled together: their logits go through the loss in one call. */
#define HERD_ONEPASS_TILE 8

typedef struct herd_onepass {
    int n_in, n_out;          /* C, OC */
    const float *w, *b;       /* (OC, C), (OC) */
    float *dw, *db;           /* their gradients */
    float *z, *dz;            /* scratch: HERD_ONEPASS_TILE x OC floats each */
} herd_onepass;

/* Sum of the row losses of batch (the task's loss of m, model.c), writing
 * scale * its gradient to dw and db (zeroed first, then added up row by row); each row is read once, where it lies.
 * Rows are taken in batch order and every sum has a fixed order, so the
 * result is the same on every run. */
double herd_onepass_loss_and_grad(const herd_model *m, const herd_onepass *p,
                                  const herd_batch *batch, float scale);

#endif
