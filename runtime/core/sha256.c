/* sha256.c - SHA-256 via OpenSSL EVP (libcrypto). */
#include "core/sha256.h"
#include "core/log.h"

#include <openssl/evp.h>
#include <stdio.h>

/* herd_sha256 is an EVP_MD_CTX under an opaque name. */
herd_sha256 *herd_sha256_begin(void)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    HERD_ASSERT(ctx != NULL);
    HERD_ASSERT(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1);
    return (herd_sha256 *)ctx;
}

void herd_sha256_update(herd_sha256 *h, const void *data, size_t bytes)
{
    HERD_ASSERT(EVP_DigestUpdate((EVP_MD_CTX *)h, data, bytes) == 1);
}

void herd_sha256_end(herd_sha256 *h, char hex[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_MD_CTX *ctx = (EVP_MD_CTX *)h;
    HERD_ASSERT(EVP_DigestFinal_ex(ctx, md, &len) == 1 && len == 32);
    EVP_MD_CTX_free(ctx);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

void herd_sha256_hex(const void *data, size_t bytes, char hex[65])
{
    herd_sha256 *h = herd_sha256_begin();
    herd_sha256_update(h, data, bytes);
    herd_sha256_end(h, hex);
}
