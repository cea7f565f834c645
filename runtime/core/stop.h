/* stop.h - a polite stop requested by a signal (preemption).
 *
 * Schedulers announce the end of a job with a signal: Slurm sends SIGTERM to
 * every task (and, with --signal, SIGUSR1 some time before the limit), and
 * mpirun forwards SIGUSR1/SIGUSR2 to its ranks; a person at a terminal
 * presses Ctrl-C (SIGINT). herd_stop_watch_signals installs handlers that
 * only record the signal in a sig_atomic_t; the training loop reads it at
 * step boundaries and the ranks agree on stopping at the same step (train.c).
 * A second signal of the same kind restores the default action and re-raises
 * it, so a stuck process can still be ended (a second Ctrl-C ends it at once).
 */
#ifndef HERD_STOP_H
#define HERD_STOP_H

/* Install the handlers for SIGUSR1, SIGUSR2, SIGTERM and SIGINT (once per
 * process); SIGINT stays ignored when the process was started ignoring it. */
void herd_stop_watch_signals(void);

/* The signal that asked for a stop, or 0. Async-signal-safe to read. */
int herd_stop_requested(void);

/* "SIGUSR1", "SIGTERM", ... for messages. */
const char *herd_stop_signal_name(int sig);

/* Forget a recorded request (tests). */
void herd_stop_reset(void);

#endif
