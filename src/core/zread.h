/*
 * zread.h - a byte stream from a plain, gzip or bzip2 file, detected by content.
 *
 * MRT archives come as .gz (RIPE RIS), .bz2 (RouteViews) or raw (BIRD, tests);
 * names lie, so the format is read from the first bytes: 1f 8b is gzip,
 * "BZh1".."BZh9" is bzip2, anything else is read as is. Concatenated gzip
 * members and bzip2 streams are read one after the other, like zcat does.
 *
 * Memory is flat: one input chunk (256 KiB) and the codec's state, whatever
 * the file size. A compressed stream that stops before its end marker (a
 * truncated download) is not an error: every byte that could be recovered is
 * returned, then end of stream, and zread_truncated() says so. Corrupt
 * compressed data returns the good bytes first, then a negative ERR_* with
 * zread_error() naming the compressed byte offset.
 *
 * Ownership: struct zread owns its file descriptor (closed by zread_free,
 * except stdin) and buffers; zread_new_mem borrows the caller's bytes, which
 * must outlive the stream.
 */
#ifndef BLACKOUT_CORE_ZREAD_H
#define BLACKOUT_CORE_ZREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"

enum zread_format { ZREAD_PLAIN, ZREAD_GZIP, ZREAD_BZIP2 };

struct zread;

/* Opens path ("-" is stdin). On failure returns a negative ERR_* and writes
 * the reason (with the path) into err. */
int zread_open(const char *path, struct zread **out, char *err, size_t errlen) MUSTCHECK;
/* A stream over memory (borrowed); the format is detected the same way. */
struct zread *zread_new_mem(const void *data, size_t len);
void zread_free(struct zread *z);

/* Reads up to n bytes: > 0 bytes read, 0 at the end, < 0 an ERR_* code
 * (zread_error() tells what). After an error or the end, it returns 0. */
ssize_t zread_read(struct zread *z, void *buf, size_t n) MUSTCHECK;

enum zread_format zread_format(const struct zread *z);
const char *zread_format_name(enum zread_format f);
/* True once the end was reached inside a compressed stream (no end marker). */
bool zread_truncated(const struct zread *z);
/* The last error's description, "" if none. */
const char *zread_error(const struct zread *z);

#endif
