/* reduce.h - allreduce algorithms and gradient buckets.
 *
 * A reducer sums float buffers over all ranks with one of three algorithms
 * (config key comm.algorithm):
 *   mpi   MPI_Allreduce on the world communicator;
 *   shm   ranks of one host reduce through an MPI-3 shared-memory window:
 *         each round copies a cache-sized piece in, every rank sums its own
 *         slice of it over all ranks (reduce-scatter), and every rank copies
 *         the summed piece out (allgather);
 *   hier  shm inside each host, then MPI_Allreduce among one leader per host
 *         on the host's summed piece, then shm copy-out; with scattering
 *         buckets (shared parameters) and the same number of ranks on every
 *         host, local rank q of every host sums slice q over the hosts with
 *         MPI_Iallreduce instead, during backward, and no copy-out follows.
 *   auto  shm when all ranks share one host, hier when several hosts and
 *         some host runs more than one rank, mpi otherwise.
 *
 * Results: shm and hier add the ranks of a host in local-rank order, so a
 * given algorithm and rank placement give bitwise-identical results run to
 * run, on every rank. Against MPI_Allreduce they agree bitwise on 2 ranks
 * (a + b == b + a) and within float rounding otherwise (the order of the
 * additions differs).
 *
 * Buckets overlap the gradient allreduce with backward, as PyTorch DDP does:
 * the model reports gradient ranges as they become final (last layer first,
 * so the ranges arrive from the top of the buffer down); once a bucket's
 * worth of floats is ready it is reduced (mpi: MPI_Iallreduce, progressed at
 * each later report; shm/hier: reduced at once while the bucket is still in
 * cache, and across hosts with MPI_Iallreduce as above when scattering), and
 * finish reduces what is left and waits for all of it.
 *
 * Shared parameters: with shm and hier the ranks of a host can keep ONE
 * copy of the parameters and optimizer state, in a window they all map
 * (herd_comm_reducer_share). Buckets made to scatter then stop after the
 * reduce-scatter: each rank keeps the sum of its own slices only
 * (herd_comm_buckets_owned), updates the shared copy over those slices, and
 * herd_comm_buckets_publish waits until every rank of the host has. A step
 * then neither copies the summed gradient back to every rank nor runs the
 * optimizer over every parameter on every rank.
 */
#ifndef HERD_COMM_REDUCE_H
#define HERD_COMM_REDUCE_H

#include "comm/comm.h"

#include <stddef.h>

enum {
    HERD_ALLREDUCE_AUTO = 0,
    HERD_ALLREDUCE_MPI = 1,
    HERD_ALLREDUCE_SHM = 2,
    HERD_ALLREDUCE_HIER = 3
};

typedef struct herd_comm_reducer herd_comm_reducer;

/* Build a reducer for comm with algorithm (HERD_ALLREDUCE_*; auto picks from
 * the placement of the ranks). shm needs every rank on one host
 * (HERD_ERR_USAGE otherwise). Allocates the node's shared window. The caller
 * owns *out (herd_comm_reducer_free). COLLECTIVE. */
int herd_comm_reducer_create(herd_comm *c, int algorithm, herd_comm_reducer **out,
                             herd_error *err);
/* Free the reducer and its window; safe on NULL. COLLECTIVE. */
void herd_comm_reducer_free(herd_comm_reducer *r);
/* The algorithm in use (never auto). */
int herd_comm_reducer_algorithm(const herd_comm_reducer *r);
/* "auto" | "mpi" | "shm" | "hier". */
const char *herd_comm_algorithm_name(int algorithm);

/* Sum buf[0..n) over all ranks in place. COLLECTIVE. */
int herd_comm_reducer_sum(herd_comm_reducer *r, float *buf, size_t n, herd_error *err);

/* Put n_arrays arrays of n floats, from[i], in one window shared by the
 * ranks of each host (local rank 0's values are copied in) and point to[i]
 * at them: the same memory on every rank of a host, valid until
 * herd_comm_reducer_free. *shared is 0 (and to untouched) with the mpi
 * algorithm, on one rank, or when /dev/shm has too little room (a warning
 * says so); the caller then keeps its own arrays. COLLECTIVE. */
int herd_comm_reducer_share(herd_comm_reducer *r, float *const *from, float **to, int n_arrays,
                            size_t n, int *shared, herd_error *err);

typedef struct herd_comm_buckets herd_comm_buckets;

/* Buckets of about bucket_floats floats (>= 1) over buf[0..n), which the
 * caller keeps alive. scatter (only with shm and hier; ignored otherwise):
 * each rank keeps the sum of its own slices only, for parameters shared with
 * herd_comm_reducer_share. The caller owns the result (herd_comm_buckets_free). */
herd_comm_buckets *herd_comm_buckets_create(herd_comm_reducer *r, float *buf, size_t n,
                                            size_t bucket_floats, int scatter);
void herd_comm_buckets_free(herd_comm_buckets *b);
/* buf[offset..offset+count) is final for this step. Ranges must arrive from
 * the top of the buffer down without gaps, the same on every rank.
 * May reduce a bucket. COLLECTIVE (same calls on every rank). */
int herd_comm_buckets_ready(herd_comm_buckets *b, size_t offset, size_t count,
                            herd_error *err);
/* Reduce whatever is not yet reduced, wait for every bucket, and rearm for
 * the next step. Afterwards buf holds the sum over ranks (scattering: over
 * this rank's owned ranges). COLLECTIVE. */
int herd_comm_buckets_finish(herd_comm_buckets *b, herd_error *err);
/* The ranges of buf this rank holds the sum over ranks of after finish, as
 * *ranges[2i] <= x < *ranges[2i+1]; returns their number. All of buf unless
 * the buckets scatter; then this rank's slices, which together with the other
 * ranks' of the host cover buf once. Valid until the next step's reduction. */
size_t herd_comm_buckets_owned(herd_comm_buckets *b, const size_t **ranges);
/* 1 when the buckets sum each local rank's slices over the hosts with
 * MPI_Iallreduce during backward (hier, scatter, same ranks per host). */
int herd_comm_buckets_across_hosts(const herd_comm_buckets *b);
/* x added up over the host's ranks when the buckets scatter (each rank's x
 * computed over its owned ranges gives the total over buf), x otherwise;
 * the same on every rank. COLLECTIVE. */
double herd_comm_buckets_total(herd_comm_buckets *b, double x);
/* After this rank updated its owned ranges of the shared parameters: wait
 * until every rank of the host has, so the next step reads them whole
 * (scatter only; no-op otherwise). COLLECTIVE. */
void herd_comm_buckets_publish(herd_comm_buckets *b);

#endif
