/*
 * token.h - bearer token comparison, in constant time.
 *
 * Kept apart from the API code so the OpenSSL use (SHA-256, CRYPTO_memcmp) stays in one file.
 */
#ifndef BLACKOUT_SERVE_TOKEN_H
#define BLACKOUT_SERVE_TOKEN_H

#include <stdbool.h>

/* true when the two NUL-terminated tokens are equal. Both are hashed with
 * SHA-256 first and the digests compared with CRYPTO_memcmp, so the time taken
 * says nothing about where they differ or how long the secret is. */
bool http_token_equal(const char *a, const char *b);

#endif
