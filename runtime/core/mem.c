/* mem.c - checked allocation: failure is a programmer/resource error, not recoverable. */
#include "core/mem.h"
#include "core/log.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

void *herd_alloc_aligned_uninit(size_t bytes)
{
    /* large buffers (shards, parameters) on 2 MB boundaries, offered as
     * transparent huge pages: first touch then faults 2 MB at a time instead
     * of 4 KB, which was most of the cost of loading a shard */
    const size_t huge = (size_t)2 << 20;
    size_t align = bytes >= 2 * huge ? huge : 64;
    size_t rounded = bytes ? (bytes + align - 1) / align * align : 64;
    void *p = aligned_alloc(align, rounded);
    HERD_ASSERT(p != NULL);
#ifdef MADV_HUGEPAGE
    if (align == huge)
        madvise(p, rounded, MADV_HUGEPAGE);
#endif
    return p;
}

void *herd_alloc_aligned(size_t bytes)
{
    void *p = herd_alloc_aligned_uninit(bytes);
    memset(p, 0, bytes ? bytes : 1);
    return p;
}

char *herd_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = herd_malloc(n);
    memcpy(p, s, n);
    return p;
}
