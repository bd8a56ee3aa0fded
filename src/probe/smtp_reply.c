#include "probe/smtp_reply.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void smtp_parser_init(struct smtp_parser *p)
{
	memset(p, 0, sizeof *p);
}

void smtp_parser_reset(struct smtp_parser *p)
{
	struct buf keep = p->reply.text;
	buf_reset(&keep);
	memset(p, 0, sizeof *p);
	p->reply.text = keep;
}

void smtp_parser_free(struct smtp_parser *p)
{
	buf_free(&p->reply.text);
	memset(p, 0, sizeof *p);
}

const char *smtp_parser_error(const struct smtp_parser *p)
{
	return p->err;
}

static int fail(struct smtp_parser *p, int code, size_t at, const char *why)
{
	snprintf(p->err, sizeof p->err, "byte %zu: %s", at, why);
	p->error = code;
	return code;
}

/* Takes the finished line in p->line (CR already dropped). Returns 1 if it was
 * the reply's last line, 0 if more lines follow, or an error; at = the offset
 * of the line's end, for the message. */
static int end_line(struct smtp_parser *p, size_t at)
{
	const char *l = p->line;
	size_t n = p->line_len;
	if (n > SMTP_LINE_MAX)
		return fail(p, ERR_TOOBIG, at, "reply line longer than 1000 bytes");
	if (n < 3 || l[0] < '2' || l[0] > '5' || l[1] < '0' || l[1] > '5' || l[2] < '0' ||
	    l[2] > '9')
		return fail(p, ERR_PARSE, at, "expected a reply code (3 digits, 2xx to 5xx)");
	if (n > 3 && l[3] != ' ' && l[3] != '-')
		return fail(p, ERR_PARSE, at, "expected ' ' or '-' after the reply code");
	int code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
	struct smtp_reply *r = &p->reply;
	if (r->nlines > 0 && code != r->code)
		return fail(p, ERR_PARSE, at, "reply code changed inside a multi-line reply");
	if (r->nlines >= SMTP_REPLY_LINES_MAX)
		return fail(p, ERR_TOOBIG, at, "reply longer than 64 lines");
	r->code = code;
	if (r->nlines++ > 0)
		buf_putc(&r->text, '\n');
	if (n > 4)
		buf_append(&r->text, l + 4, n - 4);
	else
		buf_append(&r->text, "", 0); /* keeps text NUL-terminated */
	return n == 3 || l[3] == ' ';
}

int smtp_parser_feed(struct smtp_parser *p, const char *data, size_t len, size_t *used,
                     const struct smtp_reply **reply)
{
	*used = 0;
	if (p->error)
		return p->error;
	if (p->complete) {
		p->complete = false;
		p->reply.code = 0;
		p->reply.nlines = 0;
		buf_reset(&p->reply.text);
	}
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (c != '\n') {
			if (p->line_len > SMTP_LINE_MAX)
				return fail(p, ERR_TOOBIG, p->offset + i,
				            "reply line longer than 1000 bytes");
			p->line[p->line_len++] = c;
			continue;
		}
		if (p->line_len > 0 && p->line[p->line_len - 1] == '\r')
			p->line_len--;
		int last = end_line(p, p->offset + i);
		p->line_len = 0;
		if (last < 0)
			return last;
		if (last) {
			p->complete = true;
			*used = i + 1;
			p->offset += i + 1;
			*reply = &p->reply;
			return 1;
		}
	}
	*used = len;
	p->offset += len;
	return 0;
}

void smtp_reply_first_line(const struct smtp_reply *r, char *out, size_t n)
{
	const char *t = r->text.p ? r->text.p : "";
	const char *nl = strchr(t, '\n');
	int tl = (int)(nl ? (size_t)(nl - t) : strlen(t));
	snprintf(out, n, tl ? "%03d %.*s" : "%03d", r->code, tl, t);
}

bool smtp_reply_has_ext(const struct smtp_reply *r, const char *kw)
{
	size_t kl = strlen(kw);
	const char *t = r->text.p;
	if (!t)
		return false;
	const char *line = strchr(t, '\n'); /* skip the greeting line */
	while (line) {
		line++;
		if (!strncasecmp(line, kw, kl) &&
		    (line[kl] == '\0' || line[kl] == '\n' || line[kl] == ' '))
			return true;
		line = strchr(line, '\n');
	}
	return false;
}
