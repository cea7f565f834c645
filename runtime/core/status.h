/* status.h - status codes and the error record every recoverable failure fills.
 *
 * A function that can fail for reasons outside the program (bad input, I/O,
 * a peer rank) returns one of these codes and writes a one-line message into a
 * herd_error. The CLI prints it as `herd: error: <message>` and exits with the
 * code, so the codes double as the documented exit codes.
 */
#ifndef HERD_STATUS_H
#define HERD_STATUS_H

enum {
    HERD_OK = 0,
    HERD_ERR_RUNTIME = 1, /* training failed (divergence, lost rank, internal) */
    HERD_ERR_USAGE = 2,   /* bad command line or config */
    HERD_ERR_DATA = 3,    /* bad or missing data */
    HERD_ERR_IO = 4,      /* file system: unwritable, full, truncated */
    HERD_EXIT_PREEMPTED = 5 /* stopped by SIGUSR1/SIGTERM after checkpointing */
};

#define HERD_ERROR_MAX 512

typedef struct herd_error {
    int code;                  /* one of the codes above, HERD_OK when clear */
    char msg[HERD_ERROR_MAX];  /* "<where>: <what>", no trailing newline */
} herd_error;

/* Fill err (if not NULL) with code and a printf-style message; returns code.
 * Control characters in the result (a newline inside a quoted value) become
 * '?', so the message stays one line. The first error wins: a later call
 * does not overwrite a set error. */
int herd_error_set(herd_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clear err back to HERD_OK. */
void herd_error_clear(herd_error *err);

/* Print `herd: error: <msg>` on stderr. */
void herd_error_print(const herd_error *err);

#endif
