/* test_core_files.c - herd_make_dirs (core/files.c), the one `mkdir -p` of
 * the experiment log, checkpoints, exports and --summary-json: it makes
 * missing parents, accepts folders that exist, and a path through a regular
 * file or an empty path is an error naming the part that could not be made.
 */
#include "tests/testing.h"

#include "core/files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int main(void)
{
    char *root = herd_test_tmpdir("core_files");
    char path[2048];
    herd_error err = { 0 };

    snprintf(path, sizeof path, "%s/a/b/c", root);
    CHECK(herd_make_dirs(path, &err) == HERD_OK && is_dir(path));
    CHECK(herd_make_dirs(path, &err) == HERD_OK);            /* exists: fine */
    snprintf(path, sizeof path, "%s/a/b/c/", root);
    CHECK(herd_make_dirs(path, &err) == HERD_OK);            /* trailing slash */

    char file[1024], expected[1200];
    snprintf(file, sizeof file, "%s/a/plain", root);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    if (f != NULL)
        fclose(f);
    snprintf(path, sizeof path, "%s/x/y", file);
    CHECK(herd_make_dirs(path, &err) == HERD_ERR_IO);
    snprintf(expected, sizeof expected, "%s: cannot create folder: Not a directory", file);
    CHECK(strcmp(err.msg, expected) == 0);
    herd_error_clear(&err);
    CHECK(herd_make_dirs(file, &err) == HERD_ERR_IO);        /* the file itself */
    CHECK(strcmp(err.msg, expected) == 0);
    herd_error_clear(&err);
    CHECK(herd_make_dirs("", &err) == HERD_ERR_IO);

    free(root);
    return herd_test_finish("test_core_files");
}
