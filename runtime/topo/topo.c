/* topo.c - hwloc discovery, the placement plan, and per-rank binding.
 *
 * The machine is read once into plain structs (herd_topo_machine) so that the
 * plan is a pure function of (machine, local rank, local size, threads):
 * `herd topo` prints exactly what a rank would do. Binding turns the planned
 * core range back into an hwloc cpuset.
 */
#include "topo/topo.h"
#include "core/log.h"
#include "core/mem.h"
#include "nn/blas.h"

#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* HERD_NO_BIND, HERD_TOPO_VERBOSE: 1 is on; unset, empty or 0 off; any
 * other value is off too, named in one warning by rank 0. */
static int env_flag(const char *name, int rank)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0' || strcmp(v, "0") == 0)
        return 0;
    if (strcmp(v, "1") == 0)
        return 1;
    if (rank == 0)
        herd_warn("topo: %s=%s is not 0 or 1; ignored", name, v);
    return 0;
}

/* HERD_THREADS as threads per rank; 0 when unset, empty or not a whole
 * number >= 1 (*bad = 1 then, for a warning). */
static int env_threads(int *bad)
{
    const char *v = getenv("HERD_THREADS");
    char *end = NULL;
    long n = v != NULL && v[0] != '\0' ? strtol(v, &end, 10) : 0;
    *bad = end != NULL && (*end != '\0' || n < 1 || n > 65536);
    return end != NULL && !*bad ? (int)n : 0;
}

static int load_topology(hwloc_topology_t *topo, herd_error *err)
{
    if (hwloc_topology_init(topo) != 0)
        return herd_error_set(err, HERD_ERR_RUNTIME, "topo: hwloc could not start");
    hwloc_topology_set_icache_types_filter(*topo, HWLOC_TYPE_FILTER_KEEP_ALL);
    if (hwloc_topology_load(*topo) != 0) {
        hwloc_topology_destroy(*topo);
        return herd_error_set(err, HERD_ERR_RUNTIME, "topo: hwloc could not read the machine");
    }
    return HERD_OK;
}

/* The object type herd plans with: cores, or hardware threads when hwloc
 * reports no cores (some virtual machines). */
static hwloc_obj_type_t core_type(hwloc_topology_t topo)
{
    return hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE) > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
}

/* The NUMA domain of a core: of those whose CPUs include it, the one with
 * the fewest CPUs (the first of equals). Memory that every core of a package
 * or of the machine reaches alike (HBM beside DDR, a CXL expander) is then
 * nobody's domain, and ranks are placed by the CPUs' own domains. */
static int nearest_numa(hwloc_topology_t topo, hwloc_obj_t core)
{
    int best = 0, best_weight = -1;
    for (int d = 0; d < hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE); d++) {
        hwloc_obj_t numa = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, (unsigned)d);
        int weight = hwloc_bitmap_weight(numa->cpuset);
        if (hwloc_bitmap_isincluded(core->cpuset, numa->cpuset) &&
            (best_weight < 0 || weight < best_weight)) {
            best = d;
            best_weight = weight;
        }
    }
    return best;
}

static void read_cores(hwloc_topology_t topo, herd_topo_machine *m)
{
    hwloc_obj_type_t type = core_type(topo);
    m->n_cores = hwloc_get_nbobjs_by_type(topo, type);
    m->core = herd_calloc((size_t)(m->n_cores > 0 ? m->n_cores : 1), sizeof *m->core);
    for (int i = 0; i < m->n_cores; i++) {
        hwloc_obj_t core = hwloc_get_obj_by_type(topo, type, (unsigned)i);
        herd_topo_core *c = &m->core[i];
        unsigned id;
        hwloc_bitmap_foreach_begin(id, core->cpuset)
            if (c->n_pus < (int)(sizeof c->pu / sizeof c->pu[0]))
                c->pu[c->n_pus++] = (int)id;
        hwloc_bitmap_foreach_end();
        c->numa = nearest_numa(topo, core);
    }
}

static void read_numa(hwloc_topology_t topo, herd_topo_machine *m)
{
    int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
    m->n_numa = n < HERD_TOPO_MAX_NUMA ? n : HERD_TOPO_MAX_NUMA;
    for (int d = 0; d < m->n_numa; d++) {
        hwloc_obj_t obj = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, (unsigned)d);
        herd_topo_numa *numa = &m->numa[d];
        numa->first_core = -1;
        for (int i = 0; i < m->n_cores; i++)
            if (m->core[i].numa == d) {
                numa->first_core = numa->first_core < 0 ? i : numa->first_core;
                numa->n_cores++;
            }
        numa->memory_mb = (long long)(obj->attr->numanode.local_memory >> 20);
        hwloc_bitmap_list_snprintf(numa->cpuset, sizeof numa->cpuset, obj->cpuset);
        if (numa->n_cores > 0)
            m->domain[m->n_domains++] = d;
    }
}

static void read_caches(hwloc_topology_t topo, herd_topo_machine *m)
{
    static const struct { hwloc_obj_type_t type; const char *name; } kinds[] = {
        { HWLOC_OBJ_L1CACHE, "L1d" }, { HWLOC_OBJ_L1ICACHE, "L1i" }, { HWLOC_OBJ_L2CACHE, "L2" },
        { HWLOC_OBJ_L3CACHE, "L3" }, { HWLOC_OBJ_L4CACHE, "L4" },
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        int count = hwloc_get_nbobjs_by_type(topo, kinds[k].type);
        if (count <= 0 || m->n_caches >= HERD_TOPO_MAX_CACHES)
            continue;
        hwloc_obj_t first = hwloc_get_obj_by_type(topo, kinds[k].type, 0);
        herd_topo_cache *c = &m->caches[m->n_caches++];
        snprintf(c->name, sizeof c->name, "%s", kinds[k].name);
        c->size_kb = (long long)(first->attr->cache.size >> 10);
        c->count = count;
    }
}

static void describe_machine(hwloc_topology_t topo, herd_topo_machine *m)
{
    memset(m, 0, sizeof *m);
    if (gethostname(m->host, sizeof m->host - 1) != 0)
        snprintf(m->host, sizeof m->host, "localhost");
    m->packages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
    m->pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    read_cores(topo, m);
    read_numa(topo, m);
    read_caches(topo, m);
}

int herd_topo_machine_read(herd_topo_machine *m, herd_error *err)
{
    hwloc_topology_t topo;
    memset(m, 0, sizeof *m);
    int rc = load_topology(&topo, err);
    if (rc != HERD_OK)
        return rc;
    describe_machine(topo, m);
    hwloc_topology_destroy(topo);
    return HERD_OK;
}

void herd_topo_machine_free(herd_topo_machine *m)
{
    if (m == NULL)
        return;
    free(m->core);
    m->core = NULL;
}

int herd_topo_default_ranks(const herd_topo_machine *m)
{
    return m->n_domains > 1 && m->n_domains <= m->n_cores ? m->n_domains : 1;
}

/* First core of a rank; *per (cores per rank, 0 = equal share) is settled.
 * With K ranks a multiple of the D NUMA domains that hold cores, each domain
 * holds K/D whole ranks; otherwise ranks take consecutive blocks of cores. */
static int first_core(const herd_topo_machine *m, int local_rank, int local_size, int *per)
{
    if (m->n_domains > 1 && local_size % m->n_domains == 0) {
        int k = local_size / m->n_domains;
        const herd_topo_numa *dom = &m->numa[m->domain[local_rank / k]];
        int share = *per > 0 ? *per : dom->n_cores / k;
        if (share >= 1 && share * k <= dom->n_cores && dom->first_core >= 0) {
            *per = share;
            return dom->first_core + (local_rank % k) * share;
        }
    }
    if (*per <= 0)
        *per = m->n_cores / local_size > 0 ? m->n_cores / local_size : 1;
    return local_rank * *per;
}

static void cores_to_list(const herd_topo_machine *m, int first, int n, char *buf, size_t size)
{
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    for (int i = first; i < first + n && i < m->n_cores; i++)
        for (int p = 0; p < m->core[i].n_pus; p++)
            hwloc_bitmap_set(set, (unsigned)m->core[i].pu[p]);
    hwloc_bitmap_list_snprintf(buf, size, set);
    hwloc_bitmap_free(set);
}

void herd_topo_plan_rank(const herd_topo_machine *m, int local_rank, int local_size,
                         int threads, herd_topo_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    snprintf(plan->host, sizeof plan->host, "%s", m->host);
    plan->rank = -1;
    plan->cores = m->n_cores;
    plan->pus = m->pus;
    plan->local_rank = local_rank;
    plan->local_size = local_size > 0 ? local_size : 1;
    plan->numa = -1;
    int per = threads > 0 ? threads : 0;
    int first = first_core(m, local_rank, plan->local_size, &per);
    plan->oversubscribed = plan->local_size * per > m->n_cores || first + per > m->n_cores;
    if (plan->oversubscribed) {
        plan->threads = threads > 0 ? threads : 1;
        plan->rank_cores = m->n_cores;
        cores_to_list(m, 0, m->n_cores, plan->cpuset, sizeof plan->cpuset);
        return;
    }
    plan->threads = per;
    plan->rank_cores = per;
    plan->numa = m->n_numa > 0 ? m->core[first].numa : -1;
    cores_to_list(m, first, per, plan->cpuset, sizeof plan->cpuset);
}

/* Keep the launcher's binding: size threads to the cores inside it. */
static void adopt_binding(hwloc_topology_t topo, const herd_topo_machine *m,
                          hwloc_const_cpuset_t current, herd_topo_plan *plan)
{
    int n = hwloc_get_nbobjs_inside_cpuset_by_type(topo, current, core_type(topo));
    hwloc_obj_t first = hwloc_get_next_obj_inside_cpuset_by_type(topo, current, core_type(topo), NULL);
    plan->rank_cores = n > 0 ? n : 1;
    plan->threads = plan->rank_cores;
    plan->numa = first != NULL && m->n_numa > 0 ? m->core[first->logical_index].numa : -1;
    plan->oversubscribed = 0;
    plan->bound = 1;
    plan->binding = HERD_TOPO_BOUND_BY_LAUNCHER;
    hwloc_bitmap_list_snprintf(plan->cpuset, sizeof plan->cpuset, current);
}

static void bind_to_plan(hwloc_topology_t topo, herd_topo_plan *plan)
{
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    if (hwloc_bitmap_list_sscanf(set, plan->cpuset) == 0 &&
        hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) == 0) {
        plan->bound = 1;
        plan->binding = HERD_TOPO_BOUND_BY_HERD;
    } else {
        herd_warn("topo: could not bind rank to cpuset %s; running unbound", plan->cpuset);
    }
    hwloc_bitmap_free(set);
}

/* Decide and apply: adopt, bind, or leave unbound (no_bind: HERD_NO_BIND=1);
 * threads > 0 (HERD_THREADS) sets the BLAS threads whatever the binding. */
static void place(hwloc_topology_t topo, const herd_topo_machine *m, int threads, int no_bind,
                  herd_topo_plan *plan)
{
    hwloc_bitmap_t current = hwloc_bitmap_alloc();
    hwloc_get_cpubind(topo, current, HWLOC_CPUBIND_PROCESS);
    int launcher_bound = !hwloc_bitmap_iszero(current) &&
        !hwloc_bitmap_isequal(current, hwloc_topology_get_topology_cpuset(topo));
    if (launcher_bound)
        adopt_binding(topo, m, current, plan);
    else if (!plan->oversubscribed && !no_bind)
        bind_to_plan(topo, plan);
    if (!plan->bound) {
        plan->rank_cores = m->n_cores;
        hwloc_bitmap_list_snprintf(plan->cpuset, sizeof plan->cpuset,
                                   hwloc_topology_get_topology_cpuset(topo));
    }
    if (threads > 0)
        plan->threads = threads;
    hwloc_bitmap_free(current);
}

int herd_topo_setup(herd_comm *comm, herd_topo_plan *plan, herd_error *err)
{
    hwloc_topology_t topo;
    herd_topo_machine m;
    int rc = load_topology(&topo, err);
    if (rc != HERD_OK)
        return rc;
    describe_machine(topo, &m);
    int bad_threads, threads = env_threads(&bad_threads);
    herd_topo_plan_rank(&m, herd_comm_local_rank(comm), herd_comm_local_size(comm), threads, plan);
    snprintf(plan->host, sizeof plan->host, "%s", herd_comm_host(comm));
    plan->rank = herd_comm_rank(comm);
    place(topo, &m, threads, env_flag("HERD_NO_BIND", plan->rank), plan);
    if (bad_threads && plan->rank == 0)
        herd_warn("topo: HERD_THREADS=%s is not a whole number >= 1; ignored, threads per rank "
                  "from the placement plan (%d on rank 0)", getenv("HERD_THREADS"), plan->threads);
    if (plan->oversubscribed && plan->local_rank == 0)
        herd_warn("topo: %d ranks x %d threads on %d cores of %s: oversubscribed, not binding",
                  plan->local_size, plan->threads, plan->cores, plan->host);
    herd_blas_set_threads(plan->threads);
    if (env_flag("HERD_TOPO_VERBOSE", plan->rank)) {
        char line[512];
        herd_topo_plan_describe(plan, line, sizeof line);
        printf("herd: topo: %s\n", line);
        fflush(stdout);
    }
    herd_topo_machine_free(&m);
    hwloc_topology_destroy(topo);
    return HERD_OK;
}

const char *herd_topo_binding_name(herd_topo_binding b)
{
    return b == HERD_TOPO_BOUND_BY_HERD ? "herd" : b == HERD_TOPO_BOUND_BY_LAUNCHER ? "launcher" : "none";
}

void herd_topo_plan_describe(const herd_topo_plan *plan, char *buf, size_t size)
{
    char numa[32] = "";
    if (plan->numa >= 0)
        snprintf(numa, sizeof numa, ", NUMA %d", plan->numa);
    snprintf(buf, size, "rank %d on %s: local rank %d of %d, cpuset %s (%d core%s%s), "
             "%d BLAS thread%s, bound by %s%s", plan->rank, plan->host, plan->local_rank,
             plan->local_size, plan->cpuset, plan->rank_cores, plan->rank_cores == 1 ? "" : "s",
             numa, plan->threads, plan->threads == 1 ? "" : "s",
             herd_topo_binding_name(plan->binding), plan->oversubscribed ? ", oversubscribed" : "");
}
