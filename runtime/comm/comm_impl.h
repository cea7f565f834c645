/* comm_impl.h - the insides of herd_comm, shared by the files of comm/ only
 * (comm.c: world and node communicators; reduce.c: allreduce algorithms and
 * gradient buckets). Nothing outside runtime/comm/ includes this. */
#ifndef HERD_COMM_IMPL_H
#define HERD_COMM_IMPL_H

#include <mpi.h>

struct herd_comm {
    MPI_Comm world;
    MPI_Comm node;       /* ranks sharing this host (MPI_COMM_TYPE_SHARED) */
    int rank, size;
    int local_rank, local_size;
    char host[MPI_MAX_PROCESSOR_NAME];
};

#endif
