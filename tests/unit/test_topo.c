/* test_topo.c - the placement plan on synthetic machines (hwloc's
 * HWLOC_SYNTHETIC): disjoint core sets, ranks kept inside NUMA domains,
 * BLAS threads = cores of the rank, oversubscription, and this host. */
#include "tests/testing.h"

#include "topo/topo.h"

#include <stdlib.h>
#include <string.h>

static void read_synthetic(const char *desc, herd_topo_machine *m)
{
    herd_error err = { 0 };
    setenv("HWLOC_SYNTHETIC", desc, 1);
    CHECK(herd_topo_machine_read(m, &err) == HERD_OK);
    unsetenv("HWLOC_SYNTHETIC");
}

/* 2 packages x 1 NUMA x 4 cores x 2 hardware threads = PUs 0-15. */
static void test_two_numa(void)
{
    herd_topo_machine m;
    read_synthetic("pack:2 numa:1 core:4 pu:2", &m);
    CHECK(m.packages == 2 && m.n_numa == 2 && m.n_cores == 8 && m.pus == 16);
    CHECK(m.numa[1].first_core == 4 && m.numa[1].n_cores == 4);
    CHECK(herd_topo_default_ranks(&m) == 2);
    herd_topo_plan p[4];
    for (int r = 0; r < 4; r++)
        herd_topo_plan_rank(&m, r, 4, 0, &p[r]);
    CHECK(strcmp(p[0].cpuset, "0-3") == 0 && strcmp(p[3].cpuset, "12-15") == 0);
    CHECK(p[1].numa == 0 && p[2].numa == 1);
    CHECK(p[0].threads == 2 && p[0].rank_cores == 2 && !p[0].oversubscribed);
    /* two ranks with 2 threads each: one per NUMA domain, not both in domain 0 */
    herd_topo_plan_rank(&m, 1, 2, 2, &p[1]);
    CHECK(strcmp(p[1].cpuset, "8-11") == 0 && p[1].numa == 1 && p[1].threads == 2);
    /* one rank: the whole machine */
    herd_topo_plan_rank(&m, 0, 1, 0, &p[0]);
    CHECK(strcmp(p[0].cpuset, "0-15") == 0 && p[0].threads == 8);
    /* 3 ranks (not a multiple of the domains): consecutive blocks of 2 cores */
    herd_topo_plan_rank(&m, 2, 3, 0, &p[2]);
    CHECK(strcmp(p[2].cpuset, "8-11") == 0 && p[2].threads == 2);
    herd_topo_machine_free(&m);
}

/* NUMA domains without cores (HBM beside each package's DDR, a CXL memory
 * expander for the whole machine) get no rank: ranks go to the domains that
 * hold the cores, disjoint and not oversubscribed. */
static void test_memory_only_numa(void)
{
    static const char *machines[] = { "pack:2 [numa] [numa] core:4 pu:1",
                                      "[numa] pack:2 [numa] core:4 pu:1" };
    for (int i = 0; i < 2; i++) {
        herd_topo_machine m;
        read_synthetic(machines[i], &m);
        CHECK(m.n_numa == 4 - i && m.n_cores == 8 && m.n_domains == 2);
        CHECK(herd_topo_default_ranks(&m) == 2);
        herd_topo_plan p[4];
        for (int r = 0; r < 4; r++) {
            herd_topo_plan_rank(&m, r, 4, 0, &p[r]);
            CHECK(!p[r].oversubscribed && p[r].threads == 2);
        }
        CHECK(strcmp(p[0].cpuset, "0-1") == 0 && strcmp(p[3].cpuset, "6-7") == 0);
        CHECK(p[1].numa == p[0].numa && p[2].numa == p[3].numa && p[1].numa != p[2].numa);
        CHECK(m.numa[p[0].numa].n_cores == 4 && m.numa[p[3].numa].n_cores == 4);
        herd_topo_machine_free(&m);
    }
}

static void test_oversubscribed(void)
{
    herd_topo_machine m;
    read_synthetic("pack:1 core:2 pu:1", &m);
    CHECK(herd_topo_default_ranks(&m) == 1);
    herd_topo_plan p;
    herd_topo_plan_rank(&m, 2, 3, 0, &p);
    CHECK(p.oversubscribed && p.threads == 1 && strcmp(p.cpuset, "0-1") == 0);
    herd_topo_plan_rank(&m, 0, 2, 2, &p);
    CHECK(p.oversubscribed && p.threads == 2);
    herd_topo_plan_rank(&m, 1, 2, 1, &p);
    CHECK(!p.oversubscribed && strcmp(p.cpuset, "1") == 0 && p.threads == 1);
    herd_topo_machine_free(&m);
}

static void test_this_host(void)
{
    herd_topo_machine m;
    herd_error err = { 0 };
    CHECK(herd_topo_machine_read(&m, &err) == HERD_OK);
    CHECK(m.n_cores >= 1 && m.pus >= m.n_cores && m.host[0] != '\0');
    herd_topo_plan p;
    herd_topo_plan_rank(&m, 0, 1, 0, &p);
    CHECK(p.threads == m.n_cores && p.rank == -1 && p.binding == HERD_TOPO_UNBOUND);
    char line[512];
    herd_topo_plan_describe(&p, line, sizeof line);
    CHECK(strstr(line, "local rank 0 of 1") != NULL && strstr(line, "bound by none") != NULL);
    herd_topo_machine_free(&m);
}

int main(void)
{
    test_two_numa();
    test_memory_only_numa();
    test_oversubscribed();
    test_this_host();
    return herd_test_finish("test_topo");
}
