/* fuzz_common.h - what the libFuzzer harnesses share: a scratch file per
 * process that each input is written to, because herd's loaders take paths.
 * The file lives in /dev/shm when there is one (no disk I/O per input).
 */
#ifndef HERD_FUZZ_COMMON_H
#define HERD_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* A per-process path "<dir>/herd-fuzz-<pid>-<tag>" in /dev/shm or /tmp. */
static inline void fuzz_scratch_path(char *buf, size_t cap, const char *tag)
{
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(buf, cap, "%s/herd-fuzz-%d-%s", dir, (int)getpid(), tag);
}

/* Replace path's content with bytes; aborts when the scratch file cannot be
 * written (a broken harness, not a finding). */
static inline void fuzz_write_file(const char *path, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || (n > 0 && fwrite(bytes, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

#endif
