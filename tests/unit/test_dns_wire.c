/* Unit tests for the DNS probe's pure part (src/probe/dns_wire.c): queries
 * built, answers checked, over hand-made wire bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "core/obs.h"
#include "probe/dns_wire.h"
#include "test.h"

static struct dns_query q;
static char err[256];

/* An answer to q: the query's header and question, flags set, then rr (n bytes),
 * announced as ancount records in the answer section. Returns the length. */
static size_t answer(uint8_t *out, uint8_t flags3, const uint8_t *rr, size_t n, int ancount)
{
	/* the question ends 4 bytes after the name, which starts at 12 */
	size_t qend = 12 + q.qname_len + 4;
	memcpy(out, q.wire, qend);
	out[2] = 0x84; /* QR, AA */
	out[3] = flags3;
	out[6] = 0, out[7] = (uint8_t)ancount;
	out[8] = out[9] = out[10] = out[11] = 0; /* no authority, no additional (the OPT is gone) */
	memcpy(out + qend, rr, n);
	return qend + n;
}

static void build(const char *name, const char *type)
{
	dns_query_free(&q);
	int t = dns_type_parse(type);
	CHECK(t > 0);
	CHECK_INT(dns_query_build(&q, name, (uint16_t)t, 0x1234, 1232, err, sizeof err), 0);
}

TEST(test_types_and_rcodes)
{
	char b[16];
	CHECK_INT(dns_type_parse("SOA"), 6);
	CHECK_INT(dns_type_parse("aaaa"), 28);
	CHECK_INT(dns_type_parse("MX"), 15);
	CHECK_INT(dns_type_parse("NS"), 2);
	CHECK_INT(dns_type_parse("A"), 1);
	CHECK_INT(dns_type_parse("BOGUS"), ERR_PARSE);
	CHECK_INT(dns_type_parse("AXFR"), ERR_PARSE);
	CHECK_INT(dns_type_parse(""), ERR_PARSE);
	CHECK_STR(dns_type_name(28, b, sizeof b), "AAAA");
	CHECK_STR(dns_rcode_name(0, b, sizeof b), "NOERROR");
	CHECK_STR(dns_rcode_name(5, b, sizeof b), "REFUSED");
	CHECK_STR(dns_rcode_name(23, b, sizeof b), "RCODE23");
	CHECK_INT(dns_rcode_outcome(0), OUTCOME_OK);
	CHECK_INT(dns_rcode_outcome(2), OUTCOME_DNS_SERVFAIL);
	CHECK_INT(dns_rcode_outcome(3), OUTCOME_DNS_NXDOMAIN);
	CHECK_INT(dns_rcode_outcome(5), OUTCOME_DNS_REFUSED);
	CHECK_INT(dns_rcode_outcome(1), OUTCOME_DNS_RCODE);
}

TEST(test_query_build)
{
	build("WWW.kp", "A");
	CHECK_INT(q.id, 0x1234);
	CHECK_INT(q.wire[0], 0x12);
	CHECK_INT(q.wire[1], 0x34);
	CHECK_INT(q.wire[2] & 0x01, 0); /* RD clear: we ask authoritative servers */
	CHECK_INT(q.wire[5], 1);        /* one question */
	CHECK_INT(q.wire[11], 1);       /* one additional: the EDNS OPT */
	/* name in wire form, lower case */
	CHECK_INT(q.qname_len, 8);
	CHECK(memcmp(q.qname, "\3www\2kp\0", 8) == 0);
	/* OPT: root name, type 41, class = payload size 1232 */
	size_t opt = 12 + 8 + 4;
	CHECK_INT(q.len, opt + 11);
	CHECK_INT(q.wire[opt], 0);
	CHECK_INT(q.wire[opt + 2], 41);
	CHECK_INT((q.wire[opt + 3] << 8) | q.wire[opt + 4], 1232);
	dns_query_set_id(&q, 0xbeef);
	CHECK_INT(q.wire[0], 0xbe);
	CHECK_INT(q.wire[1], 0xef);

	struct dns_query q2;
	CHECK_INT(dns_query_build(&q2, "kp.", 6, 1, 0, err, sizeof err), 0);
	CHECK_INT(q2.wire[11], 0); /* no EDNS */
	CHECK_INT(q2.len, 12 + 4 + 4);
	dns_query_free(&q2);

	char longlabel[80];
	memset(longlabel, 'a', 70);
	strcpy(longlabel + 70, ".kp");
	CHECK_INT(dns_query_build(&q2, longlabel, 1, 1, 0, err, sizeof err), ERR_PARSE);
	CHECK(strstr(err, "not a domain name") != NULL);
	CHECK_INT(dns_query_build(&q2, "a..kp", 1, 1, 0, err, sizeof err), ERR_PARSE);
	dns_query_free(&q2);
}

static const uint8_t a_rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 175, 45, 176, 71};

TEST(test_good_answer)
{
	build("www.kp", "A");
	uint8_t w[512];
	size_t n = answer(w, 0, a_rr, sizeof a_rr, 1);
	struct dns_answer a = {0};
	CHECK_INT(dns_answer_check(&q, w, n, &a, err, sizeof err), 0);
	CHECK_INT(a.rcode, 0);
	CHECK(a.aa);
	CHECK(!a.tc);
	CHECK_INT(a.ancount, 1);
	CHECK_INT(a.matching, 1);
	CHECK(!a.has_serial);
	CHECK_INT(a.size, n);
	CHECK_STR(a.records.p,
	          "{\"name\":\"www.kp.\",\"type\":\"A\",\"ttl\":3600,\"data\":\"175.45.176.71\"}");
	/* the name's case in the answer does not matter */
	w[13] = 'W';
	CHECK_INT(dns_answer_check(&q, w, n, &a, err, sizeof err), 0);
	dns_answer_free(&a);
}

TEST(test_soa_serial_in_authority)
{
	build("nothere.kp", "A");
	/* NXDOMAIN with the zone's SOA in the authority section */
	static const uint8_t soa[] = {
	    /* name: "kp." = pointer to the "kp" label of the question (12 + 8) */
	    0xc0, 20,   0,    6,    0, 1, 0, 0,    1, 0x2c, 0,    29,   2, 'n', 's', 0xc0,
	    20,                     /* mname ns.kp. */
	    1,    'h',  0xc0, 20,   /* rname h.kp. */
	    0x78, 0x88, 0x67, 0xa9, /* serial 2022205353 */
	    0,    0,    0x0e, 0x10, 0, 0, 3, 0x84, 0, 9,    0x3a, 0x80, 0, 0,   1,   0x2c};
	uint8_t w[512];
	size_t n = answer(w, 3, soa, sizeof soa, 0);
	w[9] = 1; /* nscount = 1 */
	struct dns_answer a = {0};
	CHECK_INT(dns_answer_check(&q, w, n, &a, err, sizeof err), 0);
	CHECK_INT(a.rcode, 3);
	CHECK(a.has_serial);
	CHECK_INT(a.serial, 2022205353u);
	CHECK_INT(a.nscount, 1);
	CHECK_INT(a.matching, 0);
	dns_answer_free(&a);
}

struct bad_case {
	const char *what;
	int rc;
	const char *err;
};

TEST(test_bad_answers)
{
	build("www.kp", "A");
	uint8_t good[512], w[512];
	size_t n = answer(good, 0, a_rr, sizeof a_rr, 1);
	struct dns_answer a = {0};
	static const struct bad_case cases[] = {
	    {"short", ERR_TRUNC, "shorter than a DNS header"},
	    {"wrong id", ERR_INVAL, "answer ID 0x1235 does not match the query's 0x1234"},
	    {"not an answer", ERR_INVAL, "not an answer"},
	    {"other type", ERR_INVAL, "type 28"},
	    {"other name", ERR_INVAL, "another domain"},
	    {"cut", ERR_TRUNC, "truncated answer"},
	    {"loop", ERR_PARSE, "malformed"},
	    {"count too high", ERR_TRUNC, "truncated"},
	    {"two questions", ERR_TRUNC, "truncated"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memcpy(w, good, n);
		size_t len = n;
		switch (i) {
		case 0:
			len = 11;
			break;
		case 1:
			w[1]++;
			break;
		case 2:
			w[2] &= 0x7f;
			break;
		case 3:
			w[12 + 8 + 1] = 28;
			break;
		case 4:
			w[13] = 'x';
			break;
		case 5:
			len -= 5;
			break;
		case 6:
			w[n - 16] = 0xc0, w[n - 15] = (uint8_t)(n - 16);
			break; /* points at itself */
		case 7:
			w[7] = 2;
			break;
		case 8:
			w[5] = 2;
			break;
		}
		int rc = dns_answer_check(&q, w, len, &a, err, sizeof err);
		if (rc != cases[i].rc)
			T_FAIL("%s: rc %d, expected %d (%s)", cases[i].what, rc, cases[i].rc, err);
		if (!strstr(err, cases[i].err))
			T_FAIL("%s: error '%s' lacks '%s'", cases[i].what, err, cases[i].err);
	}
	/* an error answer may leave the question out; a NOERROR one may not */
	memcpy(w, good, 12);
	w[3] = 5; /* REFUSED */
	w[5] = 0, w[7] = 0;
	CHECK_INT(dns_answer_check(&q, w, 12, &a, err, sizeof err), 0);
	CHECK_INT(a.rcode, 5);
	w[3] = 0;
	CHECK_INT(dns_answer_check(&q, w, 12, &a, err, sizeof err), ERR_INVAL);
	dns_answer_free(&a);
}

int main(void)
{
	RUN(test_types_and_rcodes);
	RUN(test_query_build);
	RUN(test_good_answer);
	RUN(test_soa_serial_in_authority);
	RUN(test_bad_answers);
	dns_query_free(&q);
	return test_main_end();
}
