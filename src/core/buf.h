/*
 * buf.h - a growable byte buffer, and JSON string output on top of it.
 *
 * struct buf owns its bytes (p); p is always NUL-terminated when len > 0 or
 * after any append, so it can be printed as a string. buf_free() releases the
 * bytes and leaves an empty buffer; an all-zero struct buf is a valid empty one.
 */
#ifndef BLACKOUT_CORE_BUF_H
#define BLACKOUT_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *p; /* owned; NULL while nothing was ever appended */
	size_t len;
	size_t cap;
};

void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_reset(struct buf *b); /* len = 0, keeps the memory */
void buf_free(struct buf *b);
/* Hands the bytes to the caller (who frees them) and empties b. Never NULL. */
char *buf_take(struct buf *b);

/* Appends s as a JSON string literal with quotes, escaping what JSON requires;
 * bytes that are not valid UTF-8 become U+FFFD, so the output is always valid
 * JSON whatever a remote server sent. s == NULL appends null. */
void json_str(struct buf *b, const char *s);
void json_strn(struct buf *b, const char *s, size_t n);
/* Length of the valid UTF-8 sequence at p (n > 0 bytes available), or 0 when
 * the bytes there are not valid UTF-8 (overlong, surrogate, truncated...). */
size_t utf8_seq_len(const void *p, size_t n);
/* Appends a number, or null for NaN/infinity. */
void json_num(struct buf *b, double v);

#endif
