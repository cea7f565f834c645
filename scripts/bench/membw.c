/* membw.c - case (c)'s memory-bandwidth limit: every rank streams (reads
 * and sums) its own buffer of MB megabytes at the same time; prints the
 * aggregate read bandwidth over all ranks (best of repeated passes).
 * mpicc -O2 membw.c -o membw && mpirun -np 2 ./membw [MB] */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, p;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &p);
    size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 256, n = mb << 18;
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(i & 7);
    double best = 1e30, sink = 0;
    for (int pass = 0; pass < 8; pass++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (size_t i = 0; i + 4 <= n; i += 4) {
            s0 += x[i]; s1 += x[i + 1]; s2 += x[i + 2]; s3 += x[i + 3];
        }
        sink += s0 + s1 + s2 + s3;
        double dt = MPI_Wtime() - t0;
        MPI_Allreduce(MPI_IN_PLACE, &dt, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        best = dt < best ? dt : best;
    }
    if (rank == 0)
        printf("{\"peer\": \"read-bandwidth\", \"ranks\": %d, \"bytes_per_rank\": %zu, "
               "\"gbs\": %.2f, \"sink\": %g}\n", p, n * sizeof(float),
               (double)p * (double)(n * sizeof(float)) / best / 1e9, sink);
    free(x);
    MPI_Finalize();
    return 0;
}
