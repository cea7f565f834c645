/* topo.h - where this rank runs: hwloc discovery, binding, BLAS thread plan.
 *
 * The machine (packages, NUMA domains, cores, caches) is read with hwloc. The
 * plan for K ranks on a host cuts the cores, in hwloc's logical order, into K
 * disjoint contiguous sets: when K is a multiple of the NUMA domains each
 * domain gets K/D ranks and no rank straddles two domains. Each rank gets as
 * many BLAS threads as it has cores. `herd topo` and launch/herdrun print the
 * same plan the runtime applies.
 *
 * At run time herd_topo_setup keeps a binding the launcher already made
 * (mpirun --bind-to, srun --cpu-bind, taskset) and only sizes the BLAS threads
 * to it. When there are more ranks (x threads) than cores on a host, herd
 * warns (oversubscribed), does not bind, and uses one BLAS thread per rank.
 *
 * Environment: HERD_THREADS=T gives each rank T cores and T BLAS threads (a
 * T that is not a whole number >= 1 is ignored, with a warning on rank 0);
 * HERD_NO_BIND=1 leaves the rank unbound; HERD_TOPO_VERBOSE=1 makes every rank
 * print its placement line (rank, host, local rank/size, cores, threads).
 */
#ifndef HERD_TOPO_H
#define HERD_TOPO_H

#include "comm/comm.h"
#include "core/status.h"

#include <stddef.h>

#define HERD_TOPO_MAX_NUMA 64
#define HERD_TOPO_MAX_CACHES 8
#define HERD_TOPO_SET 128   /* room for a cpuset list such as "0-15,64-79" */

/* One core: its NUMA domain and its hardware threads (OS indexes). */
typedef struct herd_topo_core {
    int numa;
    int n_pus;
    int pu[8];
} herd_topo_core;

typedef struct herd_topo_cache {
    char name[8];         /* "L1d", "L1i", "L2", "L3" */
    long long size_kb;    /* size of one cache */
    int count;            /* how many on the host */
} herd_topo_cache;

typedef struct herd_topo_numa {
    int first_core, n_cores;   /* logical core range [first, first + n) */
    long long memory_mb;
    char cpuset[HERD_TOPO_SET]; /* its hardware threads, e.g. "0-7" */
} herd_topo_numa;

/* What hwloc sees on this host (restricted to the CPUs this process may use,
 * so inside a Slurm job it is the allocation). Owns core[]. */
typedef struct herd_topo_machine {
    char host[64];
    int packages, n_numa, n_cores, pus;
    herd_topo_numa numa[HERD_TOPO_MAX_NUMA];
    int n_domains;             /* the NUMA domains that hold cores, where ranks go: */
    int domain[HERD_TOPO_MAX_NUMA]; /* their indexes in numa[] (memory-only ones, such
                                  as HBM or CXL memory, hold none and get no rank) */
    int n_caches;
    herd_topo_cache caches[HERD_TOPO_MAX_CACHES];
    herd_topo_core *core;      /* n_cores entries, logical order */
} herd_topo_machine;

/* How a rank came to run where it runs. */
typedef enum herd_topo_binding {
    HERD_TOPO_UNBOUND = 0,     /* free to run on any core (oversubscribed, HERD_NO_BIND) */
    HERD_TOPO_BOUND_BY_HERD,   /* herd bound it to its planned cpuset */
    HERD_TOPO_BOUND_BY_LAUNCHER /* mpirun/srun/taskset had bound it already */
} herd_topo_binding;

/* One rank's placement. The runtime fills every field; a plan computed for
 * `herd topo` leaves rank -1 and binding UNBOUND. The trainer keeps its plan
 * in herd_trainer.topo for the run record. */
typedef struct herd_topo_plan {
    char host[64];
    int rank;             /* world rank, -1 when planning outside a job */
    int cores;            /* physical cores on this host */
    int pus;              /* hardware threads on this host */
    int local_rank, local_size;
    int rank_cores;       /* cores in this rank's cpuset */
    int threads;          /* BLAS threads for this rank */
    int numa;             /* NUMA domain of the rank's first core, -1 if unknown */
    int bound;            /* 1 if the rank is bound to cpuset */
    herd_topo_binding binding;
    int oversubscribed;   /* more ranks x threads than cores on this host */
    char cpuset[HERD_TOPO_SET]; /* this rank's hardware threads, e.g. "0-3" */
} herd_topo_plan;

/* Read this host with hwloc into *m (zeroed first). Not collective.
 * Returns HERD_OK or HERD_ERR_RUNTIME; free with herd_topo_machine_free. */
int herd_topo_machine_read(herd_topo_machine *m, herd_error *err);
void herd_topo_machine_free(herd_topo_machine *m);

/* Ranks per host herd topo and herdrun use when the user gives none: one
 * per NUMA domain (one when hwloc reports none), each with all the cores of
 * its domain as BLAS threads; measured fastest in docs/running.md. */
int herd_topo_default_ranks(const herd_topo_machine *m);

/* The placement of local rank `local_rank` of `local_size` ranks on machine
 * m, each with `threads` cores (0: an equal share of the cores). Pure: binds
 * nothing. Fills *plan (rank -1, binding UNBOUND). */
void herd_topo_plan_rank(const herd_topo_machine *m, int local_rank, int local_size,
                         int threads, herd_topo_plan *plan);

/* Discover the host, plan this rank from comm's node-local rank and size,
 * bind it (unless already bound, oversubscribed or HERD_NO_BIND=1), set the
 * BLAS threads. Fills *plan. Not collective (reads comm's node-local rank). */
int herd_topo_setup(herd_comm *comm, herd_topo_plan *plan, herd_error *err);

/* One line describing plan, e.g. "rank 2 on hostB: local rank 0 of 2,
 * cpuset 0 (1 core, NUMA 0), 1 BLAS thread, bound by herd". Writes into buf. */
void herd_topo_plan_describe(const herd_topo_plan *plan, char *buf, size_t size);

/* "herd", "launcher" or "none". */
const char *herd_topo_binding_name(herd_topo_binding b);

#endif
