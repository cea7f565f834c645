/* dense.h - the dense net behind linear, logistic, softmax and mlp (internal
 * to models/: other code goes through model.h). */
#ifndef HERD_DENSE_H
#define HERD_DENSE_H

#include "models/model.h"

/* Lay out and initialise the parameters of m (spec, n_out and max_batch
 * already set and checked) and allocate every activation buffer; sets
 * m->ops and m->impl. */
void herd_dense_build(herd_model *m, uint64_t seed);

#endif
