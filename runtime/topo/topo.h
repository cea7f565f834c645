/* topo.h - where this rank runs: hwloc discovery, binding, BLAS thread plan.
 *
 * Each rank on a host gets a disjoint, contiguous set of cores
 * (cores / local ranks of them) and as many BLAS threads as cores. When the
 * launcher already bound the rank (mpirun --bind-to, srun --cpu-bind) herd
 * keeps that binding and only sizes the BLAS threads to it. When there are
 * more ranks than cores on a host, herd warns (oversubscribed), does not bind,
 * and uses one BLAS thread per rank.
 */
#ifndef HERD_TOPO_H
#define HERD_TOPO_H

#include "comm/comm.h"
#include "core/status.h"

typedef struct herd_topo_plan {
    int cores;            /* physical cores on this host */
    int pus;              /* hardware threads on this host */
    int local_rank, local_size;
    int threads;          /* BLAS threads for this rank */
    int bound;            /* 1 if the rank is bound to cpuset */
    int oversubscribed;   /* more ranks than cores on this host */
    char cpuset[128];     /* this rank's cpuset as a list, e.g. "0-3" */
} herd_topo_plan;

/* Discover the host, bind this rank (unless already bound or env
 * HERD_NO_BIND=1), set BLAS threads (env HERD_THREADS overrides). Not
 * collective beyond reading comm's node-local rank. */
int herd_topo_setup(herd_comm *comm, herd_topo_plan *plan, herd_error *err);

#endif
