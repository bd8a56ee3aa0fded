/* Unit tests for src/probe/targets (target words, files, ports, expansion)
 * and src/probe/rate (the packets-per-second gate). */
#include <stdlib.h>

#include "probe/rate.h"
#include "probe/targets.h"
#include "test.h"

TEST(test_target_words)
{
	static const struct {
		const char *word;
		int rc;
		const char *name; /* expected hostname, or NULL */
		uint64_t count;   /* addresses */
		const char *first, *last;
	} cases[] = {
	    {"127.0.0.1", 0, NULL, 1, "127.0.0.1", "127.0.0.1"},
	    {"::1", 0, NULL, 1, "::1", "::1"},
	    {"127.0.0.0/16", 0, NULL, 65536, "127.0.0.0", "127.0.255.255"},
	    {"127.1.2.3/30", 0, NULL, 4, "127.1.2.0", "127.1.2.3"}, /* host bits dropped */
	    {"2001:db8::/126", 0, NULL, 4, "2001:db8::", "2001:db8::3"},
	    {"10.0.0.0/0", 0, NULL, UINT64_C(1) << 32, "0.0.0.0", "255.255.255.255"},
	    {"localhost", 0, "localhost", 0, NULL, NULL},
	    {"ns1.example-1.kp", 0, "ns1.example-1.kp", 0, NULL, NULL},
	    {"127.0.0.256", ERR_PARSE, NULL, 0, NULL, NULL},
	    {"127.0.0.1/33", ERR_PARSE, NULL, 0, NULL, NULL},
	    {"127.0.0.1/", ERR_PARSE, NULL, 0, NULL, NULL},
	    {"/8", ERR_PARSE, NULL, 0, NULL, NULL},
	    {"1.2.3", ERR_PARSE, NULL, 0, NULL, NULL},
	    {"::g", ERR_PARSE, NULL, 0, NULL, NULL},
	    {"a..b", ERR_PARSE, NULL, 0, NULL, NULL},
	    {"host name", ERR_PARSE, NULL, 0, NULL, NULL},
	    {"", ERR_PARSE, NULL, 0, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct target_spec s;
		char err[256] = "";
		int rc = target_parse(cases[i].word, &s, err, sizeof err);
		if (rc != cases[i].rc) {
			T_FAIL("'%s': rc %d, expected %d (%s)", cases[i].word, rc, cases[i].rc,
			       err);
			continue;
		}
		if (rc) {
			if (!*err)
				T_FAIL("'%s': no message", cases[i].word);
			continue;
		}
		if (cases[i].name) {
			CHECK_STR(s.name, cases[i].name);
		} else {
			CHECK(s.name == NULL);
			CHECK(target_spec_count(&s) == cases[i].count);
			struct addr a;
			char buf[ADDR_STRLEN];
			target_spec_addr(&s, 0, &a);
			CHECK_STR(addr_format(&a, buf, sizeof buf), cases[i].first);
			target_spec_addr(&s, cases[i].count - 1, &a);
			CHECK_STR(addr_format(&a, buf, sizeof buf), cases[i].last);
		}
		free(s.name);
	}
}

TEST(test_target_file)
{
	const char *text = "# lab targets\n"
	                   "127.0.0.1\n"
	                   "   \n"
	                   "127.0.0.0/30   # four of them\n"
	                   "localhost\n"
	                   "::1\n";
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct target_list l = {0};
	char err[256];
	CHECK_INT(target_list_read(&l, f, "t.txt", err, sizeof err), 0);
	fclose(f);
	CHECK_INT(l.n, 4);
	CHECK_INT(l.v[1].line, 4);
	CHECK_INT(target_spec_count(&l.v[1]), 4);
	CHECK_STR(l.v[2].name, "localhost");
	char origin[128];
	CHECK_STR(target_spec_origin(&l, &l.v[1], origin, sizeof origin),
	          "t.txt:4 ('127.0.0.0/30')");
	CHECK_INT(target_list_add_arg(&l, "10.0.0.1", 3, err, sizeof err), 0);
	CHECK_STR(target_spec_origin(&l, &l.v[4], origin, sizeof origin),
	          "argument 3 ('10.0.0.1')");
	CHECK_INT(target_list_add_arg(&l, "10.0.0.300", 4, err, sizeof err), ERR_PARSE);
	CHECK(strstr(err, "argument 4") && strstr(err, "10.0.0.300"));
	target_list_free(&l);

	static const struct {
		const char *text, *want;
	} bad[] = {
	    {"127.0.0.1\n127.0.0.0/99\n", "t.txt:2: '127.0.0.0/99' is not a valid CIDR prefix"},
	    {"127.0.0.1 127.0.0.2\n", "t.txt:1: one target per line expected"},
	    {"\n\n# x\nno_such host!\n", "t.txt:4: "},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		f = fmemopen((void *)bad[i].text, strlen(bad[i].text), "r");
		struct target_list b = {0};
		CHECK_INT(target_list_read(&b, f, "t.txt", err, sizeof err), ERR_PARSE);
		if (strncmp(err, bad[i].want, strlen(bad[i].want)))
			T_FAIL("bad file %zu: '%s', expected it to start with '%s'", i, err,
			       bad[i].want);
		fclose(f);
		target_list_free(&b);
	}
	/* a NUL byte in a "text" file */
	static const char nul[] = "127.0.0.1\n12\0007.0.0.2\n";
	f = fmemopen((void *)nul, sizeof nul - 1, "r");
	struct target_list b = {0};
	CHECK_INT(target_list_read(&b, f, "t.bin", err, sizeof err), ERR_PARSE);
	CHECK(strstr(err, "t.bin:2") != NULL);
	fclose(f);
	target_list_free(&b);
}

TEST(test_ports)
{
	static const struct {
		const char *s;
		int rc;
		size_t n;
		uint16_t first, last;
	} cases[] = {
	    {"80", 0, 1, 80, 80},
	    {"22,80,443", 0, 3, 22, 443},
	    {"443,22,80,22", 0, 3, 22, 443}, /* sorted, no duplicates */
	    {"1-65535", 0, 65535, 1, 65535},
	    {"22,8000-8010", 0, 12, 22, 8010},
	    {"0", ERR_PARSE, 0, 0, 0},
	    {"65536", ERR_PARSE, 0, 0, 0},
	    {"10-5", ERR_PARSE, 0, 0, 0},
	    {"80,", ERR_PARSE, 0, 0, 0},
	    {",80", ERR_PARSE, 0, 0, 0},
	    {"http", ERR_PARSE, 0, 0, 0},
	    {"1-2-3", ERR_PARSE, 0, 0, 0},
	    {"", ERR_PARSE, 0, 0, 0},
	    {"0080", 0, 1, 80, 80},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint16_t *p = NULL;
		size_t n = 0;
		char err[256] = "";
		int rc = ports_parse(cases[i].s, &p, &n, err, sizeof err);
		if (rc != cases[i].rc) {
			T_FAIL("'%s': rc %d, expected %d", cases[i].s, rc, cases[i].rc);
		} else if (!rc) {
			CHECK_INT(n, cases[i].n);
			CHECK_INT(p[0], cases[i].first);
			CHECK_INT(p[n - 1], cases[i].last);
		} else if (!*err) {
			T_FAIL("'%s': no message", cases[i].s);
		}
		free(p);
	}
}

TEST(test_rate_gate)
{
	struct rate_gate g;
	/* 1000 pps, bucket of 10: starts full, then one token per millisecond */
	rate_gate_init(&g, 1000, 10, 0);
	CHECK_INT(rate_gate_avail(&g, 0), 10);
	rate_gate_take(&g, 10);
	CHECK_INT(rate_gate_avail(&g, 0), 0);
	CHECK_INT(rate_gate_wait_us(&g, 0, 1), 1000);
	CHECK_INT(rate_gate_wait_us(&g, 0, 3), 3000);
	CHECK_INT(rate_gate_avail(&g, 999), 0);
	CHECK_INT(rate_gate_avail(&g, 1000), 1);
	CHECK_INT(rate_gate_avail(&g, 5500), 5);
	rate_gate_take(&g, 5);
	CHECK_INT(rate_gate_wait_us(&g, 5500, 1), 500); /* the half token left counts */
	CHECK_INT(rate_gate_avail(&g, 10000000), 10);   /* never more than the bucket */
	/* over a long run the rate holds: 1 s at 1000 pps gives ~1000 tokens */
	rate_gate_init(&g, 1000, 10, 0);
	rate_gate_take(&g, 10);
	uint64_t got = 0;
	for (int64_t t = 0; t <= 1000000; t += 337) {
		uint32_t a = rate_gate_avail(&g, t);
		rate_gate_take(&g, a);
		got += a;
	}
	CHECK(got >= 998 && got <= 1001);
	/* unlimited */
	rate_gate_init(&g, 0, 0, 0);
	CHECK(rate_gate_avail(&g, 0) == UINT32_MAX);
	CHECK_INT(rate_gate_wait_us(&g, 0, 100), 0);
	/* default bucket: 10 ms worth, at least one */
	rate_gate_init(&g, 100000, 0, 0);
	CHECK_INT(g.burst, 1000);
	rate_gate_init(&g, 5, 0, 0);
	CHECK_INT(g.burst, 1);
}

int main(void)
{
	RUN(test_target_words);
	RUN(test_target_file);
	RUN(test_ports);
	RUN(test_rate_gate);
	return test_main_end();
}
