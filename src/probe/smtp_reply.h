/*
 * smtp_reply.h - the SMTP reply parser (RFC 5321 section 4.2), pure: bytes in,
 * replies out, no sockets and no clock.
 *
 * A reply is one or more lines "CODE-text" ending with a line "CODE text" (or
 * "CODE" alone); every line of one reply carries the same three-digit code
 * (first digit 2..5). Lines end with CRLF; a bare LF is accepted too (some
 * servers send it) and a CR before it is dropped.
 *
 * Limits (what keeps a hostile server from costing us memory): a line may
 * hold at most SMTP_LINE_MAX bytes before its end, a reply at most
 * SMTP_REPLY_LINES_MAX lines. Beyond either the parser fails with ERR_TOOBIG;
 * a malformed line fails with ERR_PARSE. After an error the parser stays
 * failed (every later feed returns the same error) until smtp_parser_reset().
 *
 * State:   COLLECTING --last line--> COMPLETE --next feed--> COLLECTING
 *               \--bad/too long line--> FAILED (sticky)
 *
 * Ownership: the parser owns its memory (smtp_parser_free releases it); the
 * reply returned by smtp_parser_feed is borrowed until the next feed, reset
 * or free.
 */
#ifndef BLACKOUT_PROBE_SMTP_REPLY_H
#define BLACKOUT_PROBE_SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define SMTP_LINE_MAX 1000 /* bytes before CRLF; RFC 5321 4.5.3.1.5 allows 512 with CRLF */
#define SMTP_REPLY_LINES_MAX 64

struct smtp_reply {
	int code;   /* 200..599 */
	int nlines; /* >= 1 */
	/* The text of each line after "CODE-" / "CODE ", lines separated by '\n',
	 * NUL-terminated (owned by the parser). */
	struct buf text;
};

struct smtp_parser {
	/* all private; read the reply through smtp_parser_feed */
	char line[SMTP_LINE_MAX + 1]; /* the text of a line, and room for its CR */
	size_t line_len;
	size_t offset; /* bytes consumed since init/reset, for error messages */
	int error;     /* 0 or the sticky ERR_* */
	bool complete; /* the last feed ended a reply; the next one starts over */
	struct smtp_reply reply;
	char err[160]; /* why it failed, with the byte offset */
};

void smtp_parser_init(struct smtp_parser *p);
void smtp_parser_reset(struct smtp_parser *p);
void smtp_parser_free(struct smtp_parser *p);

/*
 * Consumes bytes from data until one reply is complete.
 * Returns 1 when a reply is complete (*used = bytes consumed; bytes after
 * them belong to the next reply and must be fed again), 0 when all len bytes
 * were consumed and the reply is not complete yet, or ERR_TOOBIG / ERR_PARSE
 * (then smtp_parser_error() tells where and why). *reply is set only on 1.
 */
int smtp_parser_feed(struct smtp_parser *p, const char *data, size_t len, size_t *used,
                     const struct smtp_reply **reply) MUSTCHECK;

/* Why the parser failed ("" when it did not): "byte 1234: line longer than ...". */
const char *smtp_parser_error(const struct smtp_parser *p);

/* The first line of a reply as "CODE text", in out (truncated to n). */
void smtp_reply_first_line(const struct smtp_reply *r, char *out, size_t n);

/* true if an EHLO reply announces the extension keyword kw (case-insensitive,
 * "STARTTLS" matches the line "STARTTLS" or "STARTTLS args"); the first line
 * (the greeting) is not a keyword. */
bool smtp_reply_has_ext(const struct smtp_reply *r, const char *kw);

#endif
