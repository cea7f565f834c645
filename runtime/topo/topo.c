/* topo.c - hwloc discovery and per-rank binding. */
#include "topo/topo.h"
#include "core/log.h"
#include "nn/blas.h"

#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>

/* True when the process cpuset is smaller than the whole machine: someone
 * (mpirun, srun, taskset) bound it already. */
static int already_bound(hwloc_topology_t topo, hwloc_cpuset_t current)
{
    hwloc_const_cpuset_t all = hwloc_topology_get_topology_cpuset(topo);
    return !hwloc_bitmap_isequal(current, all);
}

static void bind_to_cores(hwloc_topology_t topo, herd_topo_plan *plan, hwloc_cpuset_t set)
{
    int per_rank = plan->cores / plan->local_size;
    int first = plan->local_rank * per_rank;
    hwloc_bitmap_zero(set);
    for (int i = first; i < first + per_rank; i++) {
        hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, (unsigned)i);
        if (core != NULL)
            hwloc_bitmap_or(set, set, core->cpuset);
    }
    if (hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) == 0)
        plan->bound = 1;
    else
        herd_warn("topo: could not bind rank to cores %d-%d", first, first + per_rank - 1);
}

int herd_topo_setup(herd_comm *comm, herd_topo_plan *plan, herd_error *err)
{
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0 || hwloc_topology_load(topo) != 0)
        return herd_error_set(err, HERD_ERR_RUNTIME, "topo: hwloc could not read the machine");
    hwloc_cpuset_t set = hwloc_bitmap_alloc();
    plan->cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    plan->pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    if (plan->cores < 1)
        plan->cores = 1;
    plan->local_rank = herd_comm_local_rank(comm);
    plan->local_size = herd_comm_local_size(comm);
    plan->oversubscribed = plan->local_size > plan->cores;
    plan->bound = 0;
    hwloc_get_cpubind(topo, set, HWLOC_CPUBIND_PROCESS);
    const char *no_bind = getenv("HERD_NO_BIND");
    if (already_bound(topo, set)) {
        plan->bound = 1;
        plan->threads = hwloc_get_nbobjs_inside_cpuset_by_type(topo, set, HWLOC_OBJ_CORE);
    } else if (plan->oversubscribed || (no_bind != NULL && atoi(no_bind) == 1)) {
        plan->threads = plan->oversubscribed ? 1 : plan->cores / plan->local_size;
    } else {
        bind_to_cores(topo, plan, set);
        plan->threads = plan->cores / plan->local_size;
    }
    if (plan->oversubscribed && plan->local_rank == 0)
        herd_warn("topo: %d ranks on %d cores of %s: oversubscribed, one BLAS thread each",
                  plan->local_size, plan->cores, herd_comm_host(comm));
    const char *threads = getenv("HERD_THREADS");
    if (threads != NULL && atoi(threads) > 0)
        plan->threads = atoi(threads);
    if (plan->threads < 1)
        plan->threads = 1;
    hwloc_bitmap_list_snprintf(plan->cpuset, sizeof plan->cpuset, set);
    herd_blas_set_threads(plan->threads);
    hwloc_bitmap_free(set);
    hwloc_topology_destroy(topo);
    return HERD_OK;
}
