/* watchdog.c - turns a collective that does not complete into an error that
 * names the ranks that did not arrive.
 *
 * The training loop marks where each rank is: herd_comm_watch_enter before a
 * collective it must wait in (gradient allreduce, stop agreement, error
 * agreement) and herd_comm_watch_leave after it. A position counts the
 * collectives entered (2n + 1 while waiting in the n-th, 2n after it), so a
 * rank that is behind has a smaller position.
 *
 * A helper thread per rank (MPI_THREAD_MULTIPLE, on its own duplicate of the
 * world communicator, so its messages never mix with the job's) wakes every
 * 20 ms. When its rank has waited in the same collective for comm.timeout_s,
 * it asks every other rank for its position (a census: the other ranks'
 * watchdog threads answer even when their main thread is stuck or asleep)
 * and waits up to a second for the answers. Ranks behind the furthest
 * position, and ranks that do not answer at all, did not arrive. The lowest
 * rank that did arrive prints the one-line error and ends the job with
 * MPI_Abort; rank 0's hook (the run log) runs first. Every other thread
 * leaves the abort to that rank.
 *
 * The same thread notices a stop signal while its rank waits: under mpirun a
 * lost rank shows up as a SIGTERM followed a second later by SIGKILL, with
 * the survivors stuck in a collective that can never complete. Rank 0 calls
 * the hook when, after the signal, it has waited in one collective for
 * STOP_GRACE_SECONDS: in a clean stop (preemption) every rank got the signal
 * too and the collective completes well before that, so the run is not
 * marked FAILED on the way to PREEMPTED.
 */
#include "comm/comm.h"
#include "comm/comm_impl.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/stop.h"
#include "core/timer.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TAG_ASK = 7001, TAG_ANSWER = 7002 };
#define TICK_SECONDS 0.02
#define CENSUS_SECONDS 1.0
#define STOP_GRACE_SECONDS 0.5

typedef struct watchdog {
    herd_comm *comm;
    MPI_Comm wcomm;
    double timeout;
    pthread_t thread;
    atomic_int running;
    atomic_llong position;      /* 2n + 1 while waiting in the n-th watched collective */
    atomic_llong since_us;      /* when the position last changed */
    atomic_llong step;          /* the step the collective belongs to */
    const char *_Atomic what;   /* static text naming the collective */
    long long entered;          /* n, main thread only */
    int64_t *answer;            /* per-peer reply buffers (size ranks) */
    int64_t asked;              /* the position sent with a census question */
    herd_comm_watch_hook hook;
    void *hook_ctx;
    long long stop_seen_us;     /* when this thread first saw a stop signal, 0 before */
    int stop_noted, verdict_given;
} watchdog;

static watchdog g_dog;

static long long now_us(void) { return (long long)(herd_now() * 1e6); }

static void nap(double seconds)
{
    struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
    nanosleep(&ts, NULL);
}

void herd_comm_watch_enter(herd_comm *c, const char *what, int64_t step)
{
    (void)c;
    g_dog.entered++;
    atomic_store(&g_dog.what, what);
    atomic_store(&g_dog.step, (long long)step);
    atomic_store(&g_dog.since_us, now_us());
    atomic_store(&g_dog.position, 2 * g_dog.entered + 1);
}

void herd_comm_watch_leave(herd_comm *c)
{
    (void)c;
    atomic_store(&g_dog.since_us, now_us());
    atomic_store(&g_dog.position, 2 * g_dog.entered);
}

/* Answer every census question waiting for this rank with its position. */
static void answer_questions(watchdog *w)
{
    int flag = 1;
    while (flag) {
        MPI_Status st;
        if (MPI_Iprobe(MPI_ANY_SOURCE, TAG_ASK, w->wcomm, &flag, &st) != MPI_SUCCESS || !flag)
            return;
        int64_t asked = 0;
        MPI_Recv(&asked, 1, MPI_INT64_T, st.MPI_SOURCE, TAG_ASK, w->wcomm, MPI_STATUS_IGNORE);
        MPI_Request req;
        w->answer[st.MPI_SOURCE] = (int64_t)atomic_load(&w->position);
        if (MPI_Isend(&w->answer[st.MPI_SOURCE], 1, MPI_INT64_T, st.MPI_SOURCE, TAG_ANSWER,
                      w->wcomm, &req) == MPI_SUCCESS)
            MPI_Request_free(&req);
    }
}

/* Ask every rank for its position; pos[r] = -1 for ranks that do not answer. */
static void take_census(watchdog *w, int64_t mine, int64_t *pos)
{
    herd_comm *c = w->comm;
    int answers = 0;
    for (int r = 0; r < c->size; r++) {
        pos[r] = r == c->rank ? mine : -1;
        MPI_Request req;
        w->asked = mine;  /* a buffer that outlives the sends */
        if (r != c->rank && MPI_Isend(&w->asked, 1, MPI_INT64_T, r, TAG_ASK, w->wcomm, &req)
                                == MPI_SUCCESS)
            MPI_Request_free(&req);
    }
    double deadline = herd_now() + CENSUS_SECONDS;
    while (answers < c->size - 1 && herd_now() < deadline) {
        int flag = 0;
        MPI_Status st;
        answer_questions(w);
        if (MPI_Iprobe(MPI_ANY_SOURCE, TAG_ANSWER, w->wcomm, &flag, &st) == MPI_SUCCESS && flag) {
            MPI_Recv(&pos[st.MPI_SOURCE], 1, MPI_INT64_T, st.MPI_SOURCE, TAG_ANSWER, w->wcomm,
                     MPI_STATUS_IGNORE);
            answers++;
        } else {
            nap(0.005);
        }
    }
}

/* "1,3" of the ranks whose position is (or is not) the furthest. */
static void rank_list(const int64_t *pos, int size, int64_t furthest, int arrived, char *buf,
                      size_t n)
{
    buf[0] = '\0';
    for (int r = 0; r < size; r++) {
        size_t used = strlen(buf);
        if ((pos[r] == furthest) == arrived && used + 16 < n)
            snprintf(buf + used, n - used, "%s%d", used ? "," : "", r);
    }
}

/* The collective this rank waits in has not completed in time: find out
 * who is missing, report once, and end the job. */
static void give_verdict(watchdog *w, int64_t mine)
{
    herd_comm *c = w->comm;
    int64_t *pos = herd_calloc((size_t)c->size, sizeof *pos);
    take_census(w, mine, pos);
    int64_t furthest = mine;
    for (int r = 0; r < c->size; r++)
        furthest = pos[r] > furthest ? pos[r] : furthest;
    char missing[256], waited[256];
    rank_list(pos, c->size, furthest, 0, missing, sizeof missing);
    rank_list(pos, c->size, furthest, 1, waited, sizeof waited);
    int reporter = 0;
    while (reporter < c->size && pos[reporter] != furthest)
        reporter++;
    herd_error e = { 0 };
    if (missing[0] != '\0')
        herd_error_set(&e, HERD_ERR_RUNTIME,
                       "comm: %s (step %lld) did not complete within %g s: rank(s) %s did not "
                       "arrive (stalled or gone); rank(s) %s waited",
                       atomic_load(&w->what), (long long)atomic_load(&w->step), w->timeout,
                       missing, waited);
    else
        herd_error_set(&e, HERD_ERR_RUNTIME,
                       "comm: %s (step %lld) did not complete within %g s on any rank, although "
                       "every rank arrived (network failure?)",
                       atomic_load(&w->what), (long long)atomic_load(&w->step), w->timeout);
    free(pos);
    if (c->rank == 0 && w->hook != NULL)
        w->hook(w->hook_ctx, e.msg);
    if (c->rank == reporter) {
        herd_error_print(&e);
        if (c->rank != 0)
            nap(CENSUS_SECONDS);  /* let rank 0 record the failure in the run log */
        MPI_Abort(c->world, HERD_ERR_RUNTIME);
    }
}

/* Seconds this rank has waited in its current collective since the stop
 * signal was seen; 0 when it is not waiting or there is no signal. */
static double waited_since_stop(watchdog *w, int64_t pos)
{
    if (herd_stop_requested() && w->stop_seen_us == 0)
        w->stop_seen_us = now_us();
    if (w->stop_seen_us == 0 || !(pos & 1))
        return 0;
    long long since = atomic_load(&w->since_us);
    return (double)(now_us() - (since > w->stop_seen_us ? since : w->stop_seen_us)) / 1e6;
}

static void *watch_loop(void *arg)
{
    watchdog *w = arg;
    double verdict_at = 0;
    while (atomic_load(&w->running)) {
        nap(TICK_SECONDS);
        answer_questions(w);
        int64_t pos = (int64_t)atomic_load(&w->position);
        double waited = (double)(now_us() - atomic_load(&w->since_us)) / 1e6;
        if (waited_since_stop(w, pos) > STOP_GRACE_SECONDS && !w->stop_noted &&
            w->comm->rank == 0) {
            char why[160];
            snprintf(why, sizeof why, "stop signal received while waiting in %s (step %lld)",
                     atomic_load(&w->what), (long long)atomic_load(&w->step));
            w->stop_noted = 1;
            if (w->hook != NULL)
                w->hook(w->hook_ctx, why);
        }
        if ((pos & 1) && waited > w->timeout && !w->verdict_given) {
            w->verdict_given = 1;
            verdict_at = herd_now();
            give_verdict(w, pos);
        }
        /* the reporting rank ends the job; should it be gone too, end it here */
        if (w->verdict_given && herd_now() - verdict_at > 4 * CENSUS_SECONDS)
            MPI_Abort(w->comm->world, HERD_ERR_RUNTIME);
    }
    return NULL;
}

int herd_comm_watchdog_start(herd_comm *c, double timeout_s, herd_comm_watch_hook hook,
                             void *ctx, herd_error *err)
{
    int level = MPI_THREAD_SINGLE;
    MPI_Query_thread(&level);
    if (timeout_s <= 0 || c->size < 2 || atomic_load(&g_dog.running))
        return HERD_OK;
    if (level < MPI_THREAD_MULTIPLE) {
        if (c->rank == 0)
            herd_warn("comm.timeout_s: the MPI library gives no MPI_THREAD_MULTIPLE; "
                      "collectives are not watched");
        return HERD_OK;
    }
    watchdog *w = &g_dog;
    w->comm = c;
    w->timeout = timeout_s;
    w->hook = hook;
    w->hook_ctx = ctx;
    w->stop_noted = w->verdict_given = 0;
    w->stop_seen_us = 0;
    atomic_store(&w->since_us, now_us());
    if (MPI_Comm_dup(c->world, &w->wcomm) != MPI_SUCCESS)
        return herd_error_set(err, HERD_ERR_RUNTIME,
                              "comm: cannot create the watchdog communicator");
    w->answer = herd_calloc((size_t)c->size, sizeof *w->answer);
    atomic_store(&w->running, 1);
    /* signals go to the main thread, whose handlers record stop requests */
    sigset_t block, old;
    sigfillset(&block);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = pthread_create(&w->thread, NULL, watch_loop, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        atomic_store(&w->running, 0);
        MPI_Comm_free(&w->wcomm);
        free(w->answer);
        return herd_error_set(err, HERD_ERR_RUNTIME, "comm: cannot start the watchdog thread");
    }
    return HERD_OK;
}

void herd_comm_watchdog_stop(herd_comm *c)
{
    (void)c;
    watchdog *w = &g_dog;
    if (!atomic_load(&w->running))
        return;
    atomic_store(&w->running, 0);
    pthread_join(w->thread, NULL);
    MPI_Comm_free(&w->wcomm);
    free(w->answer);
    w->answer = NULL;
}
