/* log.c - rank-aware printing and the assertion path. */
#include "core/log.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

static int g_rank = 0;
static int g_size = 1;
static void (*g_abort_hook)(int) = NULL;

void herd_log_set_rank(int rank, int size)
{
    g_rank = rank;
    g_size = size;
}

int herd_log_rank(void) { return g_rank; }

void herd_info(const char *fmt, ...)
{
    if (g_rank != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}

void herd_warn(const char *fmt, ...)
{
    char line[4096];
    int n = g_size > 1 ? snprintf(line, sizeof line, "herd: warning: [rank %d] ", g_rank)
                       : snprintf(line, sizeof line, "herd: warning: ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    /* one write for the whole line: under mpirun, output of other ranks and
     * of stdout can no longer land between the prefix and the message */
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
}

const char *herd_format_metric(char buf[32], double v)
{
    if (isnan(v))
        snprintf(buf, 32, "n/a");
    else
        snprintf(buf, 32, "%.4f", v);
    return buf;
}

void herd_set_abort_hook(void (*hook)(int code)) { g_abort_hook = hook; }

_Noreturn void herd_fatal(const char *file, int line, const char *what)
{
    fprintf(stderr, "herd: internal error: [rank %d] %s:%d: assertion failed: %s\n",
            g_rank, file, line, what);
    fflush(stderr);
    if (g_abort_hook != NULL)
        g_abort_hook(HERD_INTERNAL_ABORT_CODE);
    abort();
}
