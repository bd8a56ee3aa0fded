/* Unit tests for src/core: error table, clock, buffers and JSON, addresses. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/obs.h"
#include "test.h"

TEST(test_err_str)
{
	CHECK_STR(err_str(0), "ok");
	CHECK_STR(err_str(ERR_PARSE), "malformed input");
	CHECK_STR(err_str(-9999), "unknown error");
}

TEST(test_clock_roundtrip)
{
	static const struct {
		const char *in;
		int64_t want_s;
		const char *out;
	} cases[] = {
		{"1970-01-01T00:00:00Z", 0, "1970-01-01T00:00:00Z"},
		{"2022-01-14T21:05:00Z", 1642194300, "2022-01-14T21:05:00Z"},
		{"2022-01-14 21:05", 1642194300, "2022-01-14T21:05:00Z"},
		{"2022-01-14T22:05:00+01:00", 1642194300, "2022-01-14T21:05:00Z"},
		{"2000-02-29", 951782400, "2000-02-29T00:00:00Z"},
		{"@1642194300", 1642194300, "2022-01-14T21:05:00Z"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t us = 0;
		CHECK_INT(clock_parse_iso(cases[i].in, &us), 0);
		CHECK_INT(us / USEC_PER_SEC, cases[i].want_s);
		char buf[40];
		CHECK_STR(clock_format_iso(us, 0, buf, sizeof buf), cases[i].out);
	}
	int64_t us;
	CHECK_INT(clock_parse_iso("2022-01-14T21:05:00.250Z", &us), 0);
	char buf[40];
	CHECK_STR(clock_format_iso(us, 1, buf, sizeof buf), "2022-01-14T21:05:00.250Z");
	const char *bad[] = {"", "2022", "2022-13-01", "2022-01-14T25:00", "2022-01-14Tx", "@", "yesterday"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_INT(clock_parse_iso(bad[i], &us), ERR_PARSE);
}

TEST(test_json_escape)
{
	struct buf b = {0};
	json_str(&b, "a\"b\\c\n\x01");
	CHECK_STR(b.p, "\"a\\\"b\\\\c\\n\\u0001\"");
	buf_reset(&b);
	json_strn(&b, "ok\xff\xc3\xa9", 5); /* invalid byte, then a valid é */
	CHECK_STR(b.p, "\"ok\\ufffd\xc3\xa9\"");
	buf_reset(&b);
	json_str(&b, NULL);
	json_num(&b, 0.04);
	json_num(&b, 12);
	json_num(&b, NAN);
	CHECK_STR(b.p, "null0.0412null");
	buf_free(&b);
	CHECK(b.p == NULL);
}

TEST(test_buf_growth)
{
	struct buf b = {0};
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%04d", i);
	CHECK_INT(b.len, 4000);
	CHECK(b.p[4000] == '\0');
	CHECK(!strncmp(b.p + 3996, "0999", 4));
	char *s = buf_take(&b);
	CHECK(b.p == NULL && b.len == 0);
	free(s);
}

TEST(test_addr_parse_format)
{
	const char *good[] = {"127.0.0.1", "198.51.100.7", "::1", "2001:db8::1"};
	for (size_t i = 0; i < 4; i++) {
		struct addr a;
		char buf[ADDR_STRLEN];
		CHECK_INT(addr_parse(good[i], &a), 0);
		CHECK_STR(addr_format(&a, buf, sizeof buf), good[i]);
	}
	const char *bad[] = {"", "1.2.3", "1.2.3.256", "localhost", "::g", "1.2.3.4/8"};
	for (size_t i = 0; i < 6; i++) {
		struct addr a;
		CHECK_INT(addr_parse(bad[i], &a), ERR_PARSE);
	}
	struct addr lo;
	CHECK_INT(addr_parse("127.9.8.7", &lo), 0);
	CHECK(addr_is_loopback(&lo));
	CHECK_INT(addr_parse("198.51.100.1", &lo), 0);
	CHECK(!addr_is_loopback(&lo));
}

TEST(test_prefix)
{
	struct prefix p, q;
	struct addr a;
	char buf[PREFIX_STRLEN];
	CHECK_INT(prefix_parse("175.45.176.0/22", &p), 0);
	CHECK_INT(p.len, 22);
	CHECK_INT(prefix_size(&p), 1024);
	CHECK_INT(addr_parse("175.45.179.255", &a), 0);
	CHECK(prefix_contains(&p, &a));
	CHECK_INT(addr_parse("175.45.180.0", &a), 0);
	CHECK(!prefix_contains(&p, &a));
	CHECK_INT(prefix_parse("175.45.177.0/24", &q), 0);
	CHECK(prefix_covers(&p, &q));
	CHECK(!prefix_covers(&q, &p));
	prefix_nth(&p, 1023, &a);
	CHECK_STR(addr_format(&a, buf, sizeof buf), "175.45.179.255");
	prefix_nth(&p, 256 + 15, &a);
	CHECK_STR(addr_format(&a, buf, sizeof buf), "175.45.177.15");
	CHECK_INT(prefix_parse("11.13.0.0/13", &q), 0);
	prefix_normalize(&q);
	CHECK_STR(prefix_format(&q, buf, sizeof buf), "11.8.0.0/13");
	CHECK_INT(prefix_parse("2001:db8::/32", &q), 0);
	CHECK(prefix_size(&q) == UINT64_MAX);
	CHECK_INT(prefix_parse("127.0.0.1", &q), 0);
	CHECK_INT(q.len, 32);
	const char *bad[] = {"1.2.3.0/33", "1.2.3.0/", "/8", "1.2.3.0/x", "::/129", "1.2.3.0/-1"};
	for (size_t i = 0; i < 6; i++)
		CHECK_INT(prefix_parse(bad[i], &q), ERR_PARSE);
}

TEST(test_outcome_table)
{
	CHECK_STR(outcome_code(OUTCOME_OK), "ok");
	CHECK_STR(outcome_code(OUTCOME_NET_UNREACH), "net-unreachable");
	CHECK_INT(outcome_from_code("port-unreachable"), OUTCOME_PORT_UNREACH);
	CHECK_INT(outcome_from_code("nope"), -1);
	CHECK_STR(outcome_code(999), "unknown");
	CHECK_INT(role_from_name("mail"), ROLE_MAIL);
	CHECK_STR(probe_kind_name(PROBE_DNS), "dns");
}

int main(void)
{
	RUN(test_err_str);
	RUN(test_clock_roundtrip);
	RUN(test_json_escape);
	RUN(test_buf_growth);
	RUN(test_addr_parse_format);
	RUN(test_prefix);
	RUN(test_outcome_table);
	return test_main_end();
}
