/* mem.h - checked allocation. Running out of memory is fatal (HERD_ASSERT path). */
#ifndef HERD_MEM_H
#define HERD_MEM_H

#include <stddef.h>

void *herd_malloc(size_t bytes);
void *herd_calloc(size_t count, size_t size);
void *herd_realloc(void *p, size_t bytes);
/* 64-byte aligned, zeroed; release with free(). */
void *herd_alloc_aligned(size_t bytes);
char *herd_strdup(const char *s);

#endif
