/* version.h - herd's version and the commit the binary was built from. */
#ifndef HERD_VERSION_H
#define HERD_VERSION_H

const char *herd_version(void);
const char *herd_build_commit(void);

#endif
