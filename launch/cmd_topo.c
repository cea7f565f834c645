/* cmd_topo.c - `herd topo [--json] [-n RANKS] [--threads T]`: this host as
 * hwloc sees it (packages, NUMA domains, cores, caches) and the placement
 * herd would use for RANKS ranks on it. launch/herdrun reads the --json form
 * to print and apply its plan. A plain process: no MPI.
 */
#include "commands.h"
#include "core/mem.h"
#include "topo/topo.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: herd topo [--json] [-n RANKS] [--threads T]\n"
    "\n"
    "Show this host (packages, NUMA domains, cores, hardware threads, caches) and\n"
    "how herd places RANKS ranks on it: each rank's cores, NUMA domain and BLAS threads.\n"
    "\n"
    "  -n RANKS      ranks on this host (default: one per NUMA domain with cores)\n"
    "  --threads T   cores and BLAS threads per rank (default: an equal share)\n"
    "  --json        machine-readable output (used by launch/herdrun)\n";

typedef struct topo_args {
    int json, ranks, threads;
} topo_args;

static int parse_positive(const char *opt, const char *value, int *out)
{
    char *end = NULL;
    long v = value != NULL ? strtol(value, &end, 10) : 0;
    if (value == NULL || *end != '\0' || v < 1 || v > 100000) {
        fprintf(stderr, "herd: error: topo: %s needs a positive whole number\n", opt);
        return 2;
    }
    *out = (int)v;
    return 0;
}

static int parse_args(int argc, char **argv, topo_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--json") == 0)
            a->json = 1;
        else if (strcmp(argv[i], "-n") == 0 || strcmp(argv[i], "--ranks") == 0) {
            if (parse_positive(argv[i], value, &a->ranks) != 0)
                return 2;
            i++;
        } else if (strcmp(argv[i], "--threads") == 0) {
            if (parse_positive(argv[i], value, &a->threads) != 0)
                return 2;
            i++;
        } else {
            fprintf(stderr, "herd: error: topo: unknown argument '%s' (see herd topo --help)\n", argv[i]);
            return 2;
        }
    }
    return 0;
}

static cJSON *machine_json(const herd_topo_machine *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "host", m->host);
    cJSON_AddNumberToObject(o, "packages", m->packages);
    cJSON_AddNumberToObject(o, "numa_domains", m->n_numa);
    cJSON_AddNumberToObject(o, "cores", m->n_cores);
    cJSON_AddNumberToObject(o, "pus", m->pus);
    cJSON *numa = cJSON_AddArrayToObject(o, "numa");
    for (int d = 0; d < m->n_numa; d++) {
        cJSON *n = cJSON_CreateObject();
        cJSON_AddNumberToObject(n, "index", d);
        cJSON_AddNumberToObject(n, "cores", m->numa[d].n_cores);
        cJSON_AddStringToObject(n, "cpuset", m->numa[d].cpuset);
        cJSON_AddNumberToObject(n, "memory_mb", (double)m->numa[d].memory_mb);
        cJSON_AddItemToArray(numa, n);
    }
    cJSON *caches = cJSON_AddArrayToObject(o, "caches");
    for (int c = 0; c < m->n_caches; c++) {
        cJSON *n = cJSON_CreateObject();
        cJSON_AddStringToObject(n, "name", m->caches[c].name);
        cJSON_AddNumberToObject(n, "size_kb", (double)m->caches[c].size_kb);
        cJSON_AddNumberToObject(n, "count", m->caches[c].count);
        cJSON_AddItemToArray(caches, n);
    }
    return o;
}

static cJSON *plan_json(const herd_topo_plan *plans, int n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "ranks", n);
    cJSON_AddNumberToObject(o, "threads_per_rank", plans[0].threads);
    cJSON_AddBoolToObject(o, "oversubscribed", plans[0].oversubscribed);
    cJSON_AddBoolToObject(o, "bind", !plans[0].oversubscribed);
    cJSON *ranks = cJSON_AddArrayToObject(o, "per_rank");
    for (int r = 0; r < n; r++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "local_rank", plans[r].local_rank);
        cJSON_AddStringToObject(p, "cpuset", plans[r].cpuset);
        cJSON_AddNumberToObject(p, "cores", plans[r].rank_cores);
        cJSON_AddNumberToObject(p, "threads", plans[r].threads);
        cJSON_AddNumberToObject(p, "numa", plans[r].numa);
        cJSON_AddItemToArray(ranks, p);
    }
    return o;
}

static void print_json(const herd_topo_machine *m, const herd_topo_plan *plans, int n)
{
    cJSON *o = machine_json(m);
    cJSON_AddItemToObject(o, "plan", plan_json(plans, n));
    char *text = cJSON_Print(o);
    printf("%s\n", text);
    free(text);
    cJSON_Delete(o);
}

static void print_text(const herd_topo_machine *m, const herd_topo_plan *plans, int n)
{
    printf("host %s: %d package%s, %d NUMA domain%s, %d cores, %d hardware threads\n", m->host,
           m->packages, m->packages == 1 ? "" : "s", m->n_numa, m->n_numa == 1 ? "" : "s",
           m->n_cores, m->pus);
    for (int d = 0; d < m->n_numa; d++) {
        if (m->numa[d].n_cores > 0)
            printf("  NUMA %d: %d cores, hardware threads %s, %lld MB\n", d, m->numa[d].n_cores,
                   m->numa[d].cpuset, m->numa[d].memory_mb);
        else
            printf("  NUMA %d: memory only (near hardware threads %s), %lld MB; no rank placed here\n",
                   d, m->numa[d].cpuset, m->numa[d].memory_mb);
    }
    printf("  caches:");
    for (int c = 0; c < m->n_caches; c++)
        printf("%s %s %lld KB x%d", c ? "," : "", m->caches[c].name, m->caches[c].size_kb,
               m->caches[c].count);
    printf("\nplan for %d rank%s on this host%s:\n", n, n == 1 ? "" : "s",
           plans[0].oversubscribed ? " (OVERSUBSCRIBED: ranks x threads > cores; not bound)" : "");
    for (int r = 0; r < n; r++) {
        char numa[24] = "";
        if (plans[r].numa >= 0)
            snprintf(numa, sizeof numa, ", NUMA %d", plans[r].numa);
        printf("  local rank %d: cpuset %s (%d core%s%s), %d BLAS thread%s\n", r, plans[r].cpuset,
               plans[r].rank_cores, plans[r].rank_cores == 1 ? "" : "s", numa, plans[r].threads,
               plans[r].threads == 1 ? "" : "s");
    }
}

int herd_cmd_topo(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
    topo_args a = { 0 };
    if (parse_args(argc, argv, &a) != 0)
        return 2;
    herd_error err = { 0 };
    herd_topo_machine m;
    if (herd_topo_machine_read(&m, &err) != HERD_OK) {
        herd_error_print(&err);
        return err.code;
    }
    int n = a.ranks > 0 ? a.ranks : herd_topo_default_ranks(&m);
    herd_topo_plan *plans = herd_calloc((size_t)n, sizeof *plans);
    for (int r = 0; r < n; r++)
        herd_topo_plan_rank(&m, r, n, a.threads, &plans[r]);
    if (a.json)
        print_json(&m, plans, n);
    else
        print_text(&m, plans, n);
    free(plans);
    herd_topo_machine_free(&m);
    return 0;
}
