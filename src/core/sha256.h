/* SHA-256 (FIPS 180-4) for checking model files against the manifest. */
#ifndef FAU_CORE_SHA256_H
#define FAU_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct fau_sha256 {
    uint32_t h[8];
    uint64_t bytes;      /* message length so far */
    unsigned char buf[64];
    size_t fill;         /* bytes in buf */
} fau_sha256;

void fau_sha256_init(fau_sha256 *s);
void fau_sha256_update(fau_sha256 *s, const void *data, size_t len);
void fau_sha256_final(fau_sha256 *s, unsigned char digest[32]);

/* One-shot digest of a buffer. */
void fau_sha256_buf(const void *data, size_t len, unsigned char digest[32]);
/* 64 lowercase hex characters and a NUL. */
void fau_sha256_hex(const unsigned char digest[32], char hex[65]);

#endif
