/* files.c - folders on the local file system. */
#include "core/files.h"
#include "core/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
