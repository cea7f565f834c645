/* files.h - folders and whole files on the local file system. */
#ifndef HERD_FILES_H
#define HERD_FILES_H

#include "core/status.h"

/* Create a folder and its missing parents, like `mkdir -p`. Errors:
 * HERD_ERR_IO "<the folder that could not be made>: cannot create folder:
 * <reason>" (a path through a regular file: Not a directory). */
int herd_make_dirs(const char *path, herd_error *err);

/* Write text and a final newline to path atomically: "<path>.tmp" is
 * written, fsynced and renamed over path, so a reader sees the old file or
 * the new one, never part of it. On failure the .tmp is removed and path is
 * untouched. Errors: HERD_ERR_IO "<what>: cannot create <path>: <reason>"
 * or "<what>: writing <path> failed (disk full?)". */
int herd_write_text_file(const char *path, const char *text, const char *what, herd_error *err);

/* 1 when out names an existing file that is also input (under any spelling:
 * the same device and inode), so writing out would replace the input; else 0.
 * NULL names nothing. */
int herd_file_is_input(const char *out, const char *input);

#endif
