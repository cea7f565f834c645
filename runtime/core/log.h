/* log.h - rank-aware printing and programmer-error assertions.
 *
 * Only rank 0 prints informational lines (herd_info); warnings print on every
 * rank with the rank prefixed. HERD_ASSERT is for programmer errors only: it
 * prints the rank and file:line and aborts the whole job through the hook the
 * communicator installs (MPI_Abort), so no rank is left hanging.
 */
#ifndef HERD_LOG_H
#define HERD_LOG_H

#include <stdio.h>

void herd_log_set_rank(int rank, int size);
int herd_log_rank(void);

void herd_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void herd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A metric value as the console shows it: "%.4f", or "n/a" when it is
 * undefined on the data (NaN, e.g. roc_auc with one class). Returns buf. */
const char *herd_format_metric(char buf[32], double v);

/* Called by HERD_ASSERT; the abort hook defaults to abort(). */
void herd_set_abort_hook(void (*hook)(int code));
_Noreturn void herd_fatal(const char *file, int line, const char *what);

#define HERD_INTERNAL_ABORT_CODE 70

#define HERD_ASSERT(cond) \
    do { if (!(cond)) herd_fatal(__FILE__, __LINE__, #cond); } while (0)

#endif
