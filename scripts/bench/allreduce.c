/* allreduce.c - herd's allreduce algorithms timed the way the peer
 * mpi_allreduce.c times MPI_Allreduce: float sums from 4 KiB to 64 MiB,
 * median of repeated runs after a barrier, one JSON line per size.
 * Usage: mpirun -np N herd-bench-allreduce [mpi|shm|hier|auto ...]
 * (built with -DHERD_BENCH=ON; scripts/bench/run runs it). */
#include "comm/comm.h"
#include "comm/reduce.h"
#include "core/mem.h"
#include "core/timer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void run(herd_comm *comm, int algorithm)
{
    herd_error err = { 0 };
    herd_comm_reducer *r = NULL;
    if (herd_comm_reducer_create(comm, algorithm, &r, &err) != HERD_OK) {
        herd_error_print(&err);
        return;
    }
    int p = herd_comm_size(comm);
    for (size_t n = 1024; n <= ((size_t)16 << 20); n *= 4) {
        float *buf = herd_alloc_aligned(n * sizeof(float));
        memset(buf, 0, n * sizeof(float));
        int reps = n <= 65536 ? 200 : 20;
        double *t = herd_malloc((size_t)reps * sizeof(double));
        herd_comm_reducer_sum(r, buf, n, &err);
        for (int i = 0; i < reps; i++) {
            herd_comm_barrier(comm, &err);
            double t0 = herd_now();
            herd_comm_reducer_sum(r, buf, n, &err);
            t[i] = herd_now() - t0;
        }
        qsort(t, (size_t)reps, sizeof(double), cmp);
        double med = t[reps / 2], algbw = 4.0 * (double)n / med / 1e9;
        if (herd_comm_rank(comm) == 0)
            printf("{\"peer\": \"herd-%s\", \"ranks\": %d, \"bytes\": %zu, \"median_us\": %.1f, "
                   "\"algbw_gbs\": %.2f, \"busbw_gbs\": %.2f}\n",
                   herd_comm_algorithm_name(herd_comm_reducer_algorithm(r)), p, 4 * n,
                   med * 1e6, algbw, algbw * 2.0 * (p - 1) / p);
        free(t);
        free(buf);
    }
    herd_comm_reducer_free(r);
}

int main(int argc, char **argv)
{
    herd_comm *comm = NULL;
    herd_error err = { 0 };
    if (herd_comm_init(&argc, &argv, &comm, &err) != HERD_OK)
        return 1;
    for (int i = 1; i < argc; i++) {
        const char *names[] = { "auto", "mpi", "shm", "hier" };
        for (int a = 0; a < 4; a++)
            if (strcmp(argv[i], names[a]) == 0)
                run(comm, a);
    }
    if (argc < 2)
        run(comm, HERD_ALLREDUCE_AUTO);
    herd_comm_finalize(comm);
    return 0;
}
