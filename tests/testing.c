/* testing.c - counters and scratch folders for the C tests. */
#include "testing.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int herd_test_passed = 0;
int herd_test_failed = 0;

int herd_test_finish(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, herd_test_passed, herd_test_failed);
    fflush(stdout);
    return herd_test_failed == 0 ? 0 : 1;
}

char *herd_test_tmpdir(const char *name)
{
    size_t n = strlen(name) + 64;
    char *dir = herd_malloc(n);
    snprintf(dir, n, "tmp-%s-%d", name, (int)getpid());
    mkdir(dir, 0755);
    return dir;
}
