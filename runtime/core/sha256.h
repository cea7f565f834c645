/* sha256.h - SHA-256 through OpenSSL's EVP interface, streamed in pieces. */
#ifndef HERD_SHA256_H
#define HERD_SHA256_H

#include <stddef.h>

typedef struct herd_sha256 herd_sha256;

herd_sha256 *herd_sha256_begin(void);
void herd_sha256_update(herd_sha256 *h, const void *data, size_t bytes);
/* Writes 64 lowercase hex chars + NUL into hex[65] and frees h. */
void herd_sha256_end(herd_sha256 *h, char hex[65]);
/* One-shot over a buffer. */
void herd_sha256_hex(const void *data, size_t bytes, char hex[65]);

#endif
