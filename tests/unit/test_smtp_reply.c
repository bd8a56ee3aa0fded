/* Unit tests for the SMTP reply parser (src/probe/smtp_reply.c). */
#include <stdlib.h>

#include "probe/smtp_reply.h"
#include "test.h"

/* Feeds s whole; returns the feed's result, and the reply's first line in first. */
static int feed_all(struct smtp_parser *p, const char *s, size_t *used, const struct smtp_reply **r)
{
	return smtp_parser_feed(p, s, strlen(s), used, r);
}

TEST(test_single_line)
{
	struct smtp_parser p;
	smtp_parser_init(&p);
	size_t used;
	const struct smtp_reply *r = NULL;
	const char *s = "220 mail.kp ESMTP ready\r\n";
	CHECK_INT(feed_all(&p, s, &used, &r), 1);
	CHECK_INT(used, strlen(s));
	CHECK(r != NULL);
	if (r) {
		CHECK_INT(r->code, 220);
		CHECK_INT(r->nlines, 1);
		CHECK_STR(r->text.p, "mail.kp ESMTP ready");
		char first[64];
		smtp_reply_first_line(r, first, sizeof first);
		CHECK_STR(first, "220 mail.kp ESMTP ready");
	}
	smtp_parser_free(&p);
}

TEST(test_multi_line_and_extensions)
{
	struct smtp_parser p;
	smtp_parser_init(&p);
	size_t used;
	const struct smtp_reply *r = NULL;
	const char *s =
	    "250-mail.kp\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-starttls\r\n250 HELP\r\n";
	CHECK_INT(feed_all(&p, s, &used, &r), 1);
	CHECK_INT(used, strlen(s));
	if (r) {
		CHECK_INT(r->code, 250);
		CHECK_INT(r->nlines, 5);
		CHECK_STR(r->text.p, "mail.kp\nPIPELINING\nSIZE 1000\nstarttls\nHELP");
		CHECK(smtp_reply_has_ext(r, "STARTTLS"));
		CHECK(smtp_reply_has_ext(r, "SIZE"));
		CHECK(smtp_reply_has_ext(r, "HELP"));
		CHECK(!smtp_reply_has_ext(r, "SIZ"));
		CHECK(!smtp_reply_has_ext(r, "mail.kp")); /* the greeting is not a keyword */
		char first[64];
		smtp_reply_first_line(r, first, sizeof first);
		CHECK_STR(first, "250 mail.kp");
	}
	smtp_parser_free(&p);
}

/* Every split of a reply into two feeds gives the same reply. */
TEST(test_split_anywhere)
{
	const char *s = "250-a.kp\r\n250-8BITMIME\r\n250 STARTTLS\r\n";
	size_t n = strlen(s);
	for (size_t cut = 0; cut <= n; cut++) {
		struct smtp_parser p;
		smtp_parser_init(&p);
		size_t used;
		const struct smtp_reply *r = NULL;
		int rc = smtp_parser_feed(&p, s, cut, &used, &r);
		if (cut < n) {
			CHECK_INT(rc, 0);
			CHECK_INT(used, cut);
			rc = smtp_parser_feed(&p, s + cut, n - cut, &used, &r);
			CHECK_INT(used, n - cut);
		}
		CHECK_INT(rc, 1);
		if (rc == 1) {
			CHECK_INT(r->nlines, 3);
			CHECK(smtp_reply_has_ext(r, "starttls"));
		}
		smtp_parser_free(&p);
	}
}

/* Two replies in one buffer: the first ends where *used says. */
TEST(test_two_replies)
{
	struct smtp_parser p;
	smtp_parser_init(&p);
	const char *s = "250 ok\r\n221 bye\r\n";
	size_t used;
	const struct smtp_reply *r = NULL;
	CHECK_INT(feed_all(&p, s, &used, &r), 1);
	CHECK_INT(used, 8);
	CHECK_INT(r ? r->code : 0, 250);
	CHECK_INT(smtp_parser_feed(&p, s + used, strlen(s) - used, &used, &r), 1);
	CHECK_INT(r ? r->code : 0, 221);
	CHECK_STR(r ? r->text.p : NULL, "bye");
	smtp_parser_free(&p);
}

struct reply_case {
	const char *in;
	int rc;          /* what the feed returns */
	int code;        /* when rc == 1 */
	const char *err; /* substring of the error, when rc < 0 */
};

TEST(test_table)
{
	static const struct reply_case cases[] = {
	    {"220\r\n", 1, 220, NULL},       /* code alone */
	    {"220 bare lf\n", 1, 220, NULL}, /* LF without CR */
	    {"554 5.7.1 go away\r\n", 1, 554, NULL},
	    {"421-busy\r\n421 later\r\n", 1, 421, NULL},
	    {"220 no end yet", 0, 0, NULL},
	    {"", 0, 0, NULL},
	    {"22 short\r\n", ERR_PARSE, 0, "reply code"},
	    {"120 too low\r\n", ERR_PARSE, 0, "reply code"},
	    {"620 too high\r\n", ERR_PARSE, 0, "reply code"},
	    {"2a0 letters\r\n", ERR_PARSE, 0, "reply code"},
	    {"270 second digit over 5\r\n", ERR_PARSE, 0, "reply code"},
	    {"220x bad separator\r\n", ERR_PARSE, 0, "after the reply code"},
	    {"250-first\r\n251 other code\r\n", ERR_PARSE, 0, "changed"},
	    {"HTTP/1.1 200 OK\r\n", ERR_PARSE, 0, "byte 16"},
	    {"\r\n", ERR_PARSE, 0, "reply code"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct smtp_parser p;
		smtp_parser_init(&p);
		size_t used;
		const struct smtp_reply *r = NULL;
		int rc = feed_all(&p, cases[i].in, &used, &r);
		if (rc != cases[i].rc)
			T_FAIL("case %zu (%s): rc %d, expected %d", i, cases[i].in, rc,
			       cases[i].rc);
		if (rc == 1 && r->code != cases[i].code)
			T_FAIL("case %zu: code %d, expected %d", i, r->code, cases[i].code);
		if (rc < 0 && !strstr(smtp_parser_error(&p), cases[i].err))
			T_FAIL("case %zu: error '%s' lacks '%s'", i, smtp_parser_error(&p),
			       cases[i].err);
		smtp_parser_free(&p);
	}
}

/* The line cap: 1000 bytes of text pass, 1001 fail, even without a line end. */
TEST(test_line_cap)
{
	char line[1100];
	for (int extra = 0; extra <= 1; extra++) {
		struct smtp_parser p;
		smtp_parser_init(&p);
		size_t n = 1000 + (size_t)extra;
		memset(line, 'a', n);
		memcpy(line, "220 ", 4);
		memcpy(line + n, "\r\n", 2);
		size_t used;
		const struct smtp_reply *r = NULL;
		int rc = smtp_parser_feed(&p, line, n + 2, &used, &r);
		CHECK_INT(rc, extra ? ERR_TOOBIG : 1);
		smtp_parser_free(&p);
	}
	/* a line that never ends fails as soon as it passes the cap, whatever comes after */
	struct smtp_parser p;
	smtp_parser_init(&p);
	memset(line, 'x', sizeof line);
	memcpy(line, "220 ", 4);
	size_t used;
	const struct smtp_reply *r = NULL;
	CHECK_INT(smtp_parser_feed(&p, line, 1001, &used, &r), 0);
	CHECK_INT(smtp_parser_feed(&p, line, 1, &used, &r), ERR_TOOBIG);
	CHECK(strstr(smtp_parser_error(&p), "byte 1001") != NULL);
	/* sticky until reset */
	CHECK_INT(smtp_parser_feed(&p, "220 ok\r\n", 8, &used, &r), ERR_TOOBIG);
	smtp_parser_reset(&p);
	CHECK_INT(smtp_parser_feed(&p, "220 ok\r\n", 8, &used, &r), 1);
	smtp_parser_free(&p);
}

TEST(test_line_count_cap)
{
	struct smtp_parser p;
	smtp_parser_init(&p);
	size_t used;
	const struct smtp_reply *r = NULL;
	int rc = 0;
	for (int i = 0; i < SMTP_REPLY_LINES_MAX + 1 && rc == 0; i++)
		rc = feed_all(&p, "250-more\r\n", &used, &r);
	CHECK_INT(rc, ERR_TOOBIG);
	CHECK(strstr(smtp_parser_error(&p), "64 lines") != NULL);
	smtp_parser_free(&p);
}

int main(void)
{
	RUN(test_single_line);
	RUN(test_multi_line_and_extensions);
	RUN(test_split_anywhere);
	RUN(test_two_replies);
	RUN(test_table);
	RUN(test_line_cap);
	RUN(test_line_count_cap);
	return test_main_end();
}
