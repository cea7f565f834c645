/* error.c - the error record and version strings. */
#include "core/status.h"
#include "core/version.h"

#include <stdarg.h>
#include <stdio.h>

int herd_error_set(herd_error *err, int code, const char *fmt, ...)
{
    if (err == NULL || err->code != HERD_OK)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* one line whatever the input quoted in it held (a file name, a YAML
     * value, an override with a newline): control characters become '?' */
    for (char *p = err->msg; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return code;
}

void herd_error_clear(herd_error *err)
{
    err->code = HERD_OK;
    err->msg[0] = '\0';
}

void herd_error_print(const herd_error *err)
{
    fprintf(stderr, "herd: error: %s\n", err->msg);
    fflush(stderr);
}

const char *herd_version(void) { return HERD_VERSION; }
const char *herd_build_commit(void) { return HERD_GIT_COMMIT; }
