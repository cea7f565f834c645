/* files.h - folders on the local file system. */
#ifndef HERD_FILES_H
#define HERD_FILES_H

#include "core/status.h"

/* Create a folder and its missing parents, like `mkdir -p`. Errors:
 * HERD_ERR_IO "<the folder that could not be made>: cannot create folder:
 * <reason>" (a path through a regular file: Not a directory). */
int herd_make_dirs(const char *path, herd_error *err);

#endif
