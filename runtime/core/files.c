/* files.c - folders and whole files on the local file system. */
#include "core/files.h"
#include "core/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int herd_make_dirs(const char *path, herd_error *err)
{
    char *p = herd_strdup(path);
    int rc = HERD_OK;
    for (char *s = p + (p[0] != '\0');; s++) {  /* "/a/b": not "" first */
        if (*s != '/' && *s != '\0')
            continue;
        char saved = *s;
        *s = '\0';
        struct stat st;
        if (mkdir(p, 0775) != 0 && errno != EEXIST) {
            rc = herd_error_set(err, HERD_ERR_IO, "%s: cannot create folder: %s", p, strerror(errno));
            goto done;
        }
        if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
            rc = herd_error_set(err, HERD_ERR_IO, "%s: cannot create folder: %s", p,
                                strerror(errno != EEXIST ? errno : ENOTDIR));
            goto done;
        }
        *s = saved;
        if (saved == '\0')
            break;
    }
done:
    free(p);
    return rc;
}

int herd_write_text_file(const char *path, const char *text, const char *what, herd_error *err)
{
    size_t n = strlen(path) + 8;
    char *tmp = herd_malloc(n);
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = HERD_OK;
    if (f == NULL) {
        rc = herd_error_set(err, HERD_ERR_IO, "%s: cannot create %s: %s", what, path,
                            strerror(errno));
    } else {
        int bad = fputs(text, f) < 0 || fputc('\n', f) == EOF;
        bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
        bad |= fclose(f) != 0;
        if (bad || rename(tmp, path) != 0) {
            unlink(tmp);
            rc = herd_error_set(err, HERD_ERR_IO, "%s: writing %s failed (disk full?)", what, path);
        }
    }
    free(tmp);
    return rc;
}

int herd_file_is_input(const char *out, const char *input)
{
    struct stat o, i;
    return out != NULL && input != NULL && stat(out, &o) == 0 && stat(input, &i) == 0 &&
           o.st_dev == i.st_dev && o.st_ino == i.st_ino;
}
