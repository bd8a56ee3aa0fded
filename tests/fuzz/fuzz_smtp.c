/*
 * fuzz_smtp.c - the SMTP reply parser (probe/smtp_reply.c) over arbitrary bytes.
 *
 * The first byte picks a chunk size (1..256) so replies split at every place a
 * socket might split them; the rest is fed chunk by chunk, every complete
 * reply is inspected (first line, extensions), and after an error the parser
 * must stay failed. Invariants checked: codes 200..599, 1..64 lines, no line
 * over the cap, *used within what was fed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/smtp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t chunk = (size_t)data[0] + 1;
	const char *p = (const char *)data + 1;
	size_t left = size - 1;
	struct smtp_parser sp;
	smtp_parser_init(&sp);
	int err = 0;
	while (left > 0) {
		size_t n = left < chunk ? left : chunk, used = 0;
		const struct smtp_reply *r;
		int rc = smtp_parser_feed(&sp, p, n, &used, &r);
		if (used > n)
			abort();
		if (rc < 0) {
			err = rc;
			break;
		}
		if (rc == 1) {
			if (r->code < 200 || r->code > 599 || r->nlines < 1 ||
			    r->nlines > SMTP_REPLY_LINES_MAX)
				abort();
			char first[SMTP_LINE_MAX + 8];
			smtp_reply_first_line(r, first, sizeof first);
			(void)smtp_reply_has_ext(r, "STARTTLS");
		} else if (used != n) {
			abort(); /* an incomplete reply consumes everything */
		}
		p += used;
		left -= used;
	}
	if (err) {
		size_t used;
		const struct smtp_reply *r;
		if (smtp_parser_feed(&sp, "250 ok\r\n", 8, &used, &r) != err ||
		    !smtp_parser_error(&sp)[0])
			abort(); /* errors are sticky and explained */
	}
	smtp_parser_free(&sp);
	return 0;
}
