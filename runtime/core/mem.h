/* mem.h - checked allocation. Running out of memory is fatal (HERD_ASSERT path). */
#ifndef HERD_MEM_H
#define HERD_MEM_H

#include <stddef.h>

void *herd_malloc(size_t bytes);
void *herd_calloc(size_t count, size_t size);
void *herd_realloc(void *p, size_t bytes);
/* 64-byte aligned, zeroed; release with free(). Buffers of 4 MB and more
 * are 2 MB aligned and offered to the kernel as transparent huge pages. */
void *herd_alloc_aligned(size_t bytes);
/* The same without zeroing, for buffers the caller overwrites whole before
 * reading (a shard read from a file): saves a pass over the memory. */
void *herd_alloc_aligned_uninit(size_t bytes);
char *herd_strdup(const char *s);

#endif
