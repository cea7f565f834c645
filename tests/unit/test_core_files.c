/* test_core_files.c - herd_make_dirs (core/files.c), the one `mkdir -p` of
 * the experiment log, checkpoints, exports and --summary-json: it makes
 * missing parents, accepts folders that exist, and a path through a regular
 * file or an empty path is an error naming the part that could not be made.
 * herd_write_text_file replaces a file whole, or leaves it as it was.
 */
#include "tests/testing.h"

#include "core/files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The whole content of path, or "" when it cannot be read. */
static void read_all(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    size_t n = f != NULL ? fread(buf, 1, size - 1, f) : 0;
    buf[n] = '\0';
    if (f != NULL)
        fclose(f);
}

static void test_write_text_file(const char *root)
{
    char path[2048], tmp[2100], got[64], expected[2200];
    herd_error err = { 0 };
    snprintf(path, sizeof path, "%s/out.json", root);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    CHECK(herd_write_text_file(path, "{\"a\": 1}", "test", &err) == HERD_OK);
    read_all(path, got, sizeof got);
    CHECK(strcmp(got, "{\"a\": 1}\n") == 0);
    CHECK(herd_write_text_file(path, "second", "test", &err) == HERD_OK);
    read_all(path, got, sizeof got);
    CHECK(strcmp(got, "second\n") == 0);
    struct stat st;
    CHECK(stat(tmp, &st) != 0);                              /* no .tmp left */
    snprintf(path, sizeof path, "%s/no/such/folder/out.json", root);
    CHECK(herd_write_text_file(path, "x", "test", &err) == HERD_ERR_IO);
    snprintf(expected, sizeof expected, "test: cannot create %s: No such file or directory", path);
    CHECK(strcmp(err.msg, expected) == 0);
}

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
    test_write_text_file(root);

    free(root);
    return herd_test_finish("test_core_files");
}
