/* comm.h - the communicator: the only module that talks MPI.
 *
 * Everything collective in herd goes through here: gradient allreduce,
 * broadcasts of the config, agreement on errors. The world communicator is a
 * duplicate of MPI_COMM_WORLD with MPI_ERRORS_RETURN, so a failing call comes
 * back as a status with rank, file:line and MPI_Error_string instead of
 * killing the job silently. A single process without mpirun is a world of 1.
 *
 * Functions marked COLLECTIVE must be called by every rank of the communicator
 * in the same order.
 */
#ifndef HERD_COMM_H
#define HERD_COMM_H

#include "core/status.h"

#include <stddef.h>
#include <stdint.h>

typedef struct herd_comm herd_comm;

/* Initialise MPI (MPI_THREAD_MULTIPLE, for the watchdog thread) and the world
 * communicator; installs the abort hook for HERD_ASSERT. Safe to call once per
 * process. */
int herd_comm_init(int *argc, char ***argv, herd_comm **world, herd_error *err);
/* Finalise MPI. COLLECTIVE. */
void herd_comm_finalize(herd_comm *world);
/* End the whole job now with the exit code (MPI_Abort). */
_Noreturn void herd_comm_abort(herd_comm *c, int code);

int herd_comm_rank(const herd_comm *c);
int herd_comm_size(const herd_comm *c);
/* Rank among the processes on this host, and how many share the host. */
int herd_comm_local_rank(const herd_comm *c);
int herd_comm_local_size(const herd_comm *c);

/* Sum buf[0..n) over all ranks in place. COLLECTIVE. Fixed reduction order
 * for a given rank count, so results are reproducible run to run. */
int herd_comm_allreduce_sum_f32(herd_comm *c, float *buf, size_t n, herd_error *err);
int herd_comm_allreduce_sum_f64(herd_comm *c, double *buf, size_t n, herd_error *err);
int herd_comm_allreduce_sum_i64(herd_comm *c, int64_t *buf, size_t n, herd_error *err);
int herd_comm_allreduce_max_f64(herd_comm *c, double *buf, size_t n, herd_error *err);
int herd_comm_allreduce_min_f64(herd_comm *c, double *buf, size_t n, herd_error *err);

/* Concatenate each rank's count doubles on every rank, in rank order.
 * *out is allocated (caller frees), *total set. COLLECTIVE. */
int herd_comm_allgatherv_f64(herd_comm *c, const double *mine, int64_t count,
                             double **out, int64_t *total, herd_error *err);

/* Broadcast bytes from root. COLLECTIVE. */
int herd_comm_bcast(herd_comm *c, void *buf, size_t bytes, int root, herd_error *err);
/* Broadcast a heap string from root: on other ranks *text is replaced by a
 * new allocation (caller frees). COLLECTIVE. */
int herd_comm_bcast_string(herd_comm *c, char **text, int root, herd_error *err);
int herd_comm_barrier(herd_comm *c, herd_error *err);

/* Error agreement. Every rank passes its local err; afterwards every rank
 * holds the same error: the one of the lowest failing rank (code and message),
 * or HERD_OK when no rank failed. Returns that code. COLLECTIVE.
 * This is how an input error seen by one rank ends all ranks cleanly. */
int herd_comm_agree(herd_comm *c, herd_error *err);

/* Each rank's `bytes` bytes at mine, concatenated in rank order into all
 * (size * bytes, caller-owned) on every rank. COLLECTIVE. */
int herd_comm_allgather_bytes(herd_comm *c, const void *mine, size_t bytes, void *all,
                              herd_error *err);

/* The MPI library and its version (MPI_Get_library_version, first part,
 * e.g. "Open MPI v4.1.4") into buf. Not collective. */
void herd_comm_library_version(char *buf, size_t size);

/* Host name of this process (for records). */
const char *herd_comm_host(const herd_comm *c);

/* "host:ranks,host:ranks" over the job, in order of first rank; written
 * into buf on every rank. COLLECTIVE. */
int herd_comm_hosts(herd_comm *c, char *buf, size_t size, herd_error *err);

/* Watchdog (comm/watchdog.c): a collective that has not completed within
 * timeout_s becomes an error naming the ranks that did not arrive, printed
 * once, and the job ends (MPI_Abort, exit code 1). Only collectives between
 * herd_comm_watch_enter and herd_comm_watch_leave are watched. The hook runs
 * on rank 0, on the watchdog's own thread, before the job ends (message of
 * the failure), and when a stop signal arrives while rank 0 waits in a
 * watched collective; it must not use the main thread's resources.
 * timeout_s <= 0 or a single rank: nothing is started. COLLECTIVE. */
typedef void (*herd_comm_watch_hook)(void *ctx, const char *why);
int herd_comm_watchdog_start(herd_comm *c, double timeout_s, herd_comm_watch_hook hook,
                             void *ctx, herd_error *err);
/* Stop the watchdog thread and free its communicator. COLLECTIVE. */
void herd_comm_watchdog_stop(herd_comm *c);
/* This rank waits in a collective (what: static text) of step / is past it.
 * Cheap (a few atomic stores); harmless when no watchdog runs. */
void herd_comm_watch_enter(herd_comm *c, const char *what, int64_t step);
void herd_comm_watch_leave(herd_comm *c);

#endif
