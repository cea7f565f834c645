/* mem.c - checked allocation: failure is a programmer/resource error, not recoverable. */
#include "core/mem.h"
#include "core/log.h"

#include <stdlib.h>
#include <string.h>

void *herd_malloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    HERD_ASSERT(p != NULL);
    return p;
}

void *herd_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    HERD_ASSERT(p != NULL);
    return p;
}

void *herd_realloc(void *p, size_t bytes)
{
    void *q = realloc(p, bytes ? bytes : 1);
    HERD_ASSERT(q != NULL);
    return q;
}

void *herd_alloc_aligned(size_t bytes)
{
    size_t rounded = (bytes + 63) / 64 * 64;
    void *p = aligned_alloc(64, rounded ? rounded : 64);
    HERD_ASSERT(p != NULL);
    memset(p, 0, rounded ? rounded : 64);
    return p;
}

char *herd_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = herd_malloc(n);
    memcpy(p, s, n);
    return p;
}
