/* Unit tests for src/probe/icmp_wire: echo requests out; replies, errors and
 * their quotes in, as raw IPv4, raw IPv6 and ping sockets deliver them. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "core/obs.h"
#include "probe/icmp_wire.h"
#include "test.h"

static struct addr A(const char *s) {
	struct addr a;
	if (addr_parse(s, &a))
		abort();
	return a;
}

/* An IPv4 header (20 bytes) + body. Returns the total length. */
static size_t
ip4(uint8_t *out, uint8_t proto, const char *src, const char *dst, uint8_t ttl, const uint8_t *body,
    size_t blen)
{
	memset(out, 0, 20);
	out[0] = 0x45;
	out[2] = (uint8_t)((20 + blen) >> 8);
	out[3] = (uint8_t)(20 + blen);
	out[8] = ttl;
	out[9] = proto;
	struct addr s = A(src), d = A(dst);
	memcpy(out + 12, s.bytes, 4);
	memcpy(out + 16, d.bytes, 4);
	memcpy(out + 20, body, blen);
	return 20 + blen;
}

/* An IPv6 header (40 bytes) + body. */
static size_t ip6(uint8_t *out, uint8_t next, const char *src, const char *dst, uint8_t hops,
                  const uint8_t *body, size_t blen)
{
	memset(out, 0, 40);
	out[0] = 0x60;
	out[4] = (uint8_t)(blen >> 8);
	out[5] = (uint8_t)blen;
	out[6] = next;
	out[7] = hops;
	struct addr s = A(src), d = A(dst);
	memcpy(out + 8, s.bytes, 16);
	memcpy(out + 24, d.bytes, 16);
	memcpy(out + 40, body, blen);
	return 40 + blen;
}

/* An ICMP header of type/code with 4 "rest" bytes + body. */
static size_t icmp(uint8_t *out, uint8_t type, uint8_t code, const uint8_t *body, size_t blen)
{
	memset(out, 0, 8);
	out[0] = type;
	out[1] = code;
	memcpy(out + 8, body, blen);
	return 8 + blen;
}

static size_t probe4(uint8_t *pkt, const struct icmp_token *tk, uint16_t id, uint16_t seq)
{
	uint8_t token[ICMP_TOKEN_LEN];
	icmp_token_write(token, tk);
	int n = icmp_echo_build(pkt, 64, AF_INET, id, seq, token, sizeof token);
	return n > 0 ? (size_t)n : 0;
}

TEST(test_checksum_known)
{
	/* RFC 1071 example bytes: sum 0xddf2, checksum 0x220d */
	static const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	uint16_t c = icmp_checksum(d, sizeof d);
	const uint8_t *cb = (const uint8_t *)&c;
	CHECK_INT(cb[0], 0x22);
	CHECK_INT(cb[1], 0x0d);
	/* odd length */
	static const uint8_t o[] = {0xff};
	c = icmp_checksum(o, 1);
	cb = (const uint8_t *)&c;
	CHECK_INT(cb[0] << 8 | cb[1], 0x00ff);
}

TEST(test_echo_build_and_parse)
{
	struct icmp_token tk = {.nonce = 0x0123456789abcdefu, .index = 4000000000u, .tag = 77};
	uint8_t pkt[64];
	size_t n = probe4(pkt, &tk, 0xbeef, 0x1234);
	CHECK_INT(n, ICMP_HDR_LEN + ICMP_TOKEN_LEN);
	CHECK_INT(pkt[0], ICMP4_ECHO_REQUEST);
	CHECK_INT(icmp_checksum(pkt, n), 0); /* a valid checksum sums to zero */
	struct icmp_msg m;
	CHECK_INT(icmp_parse_echo(pkt, n, AF_INET, &m), 0);
	CHECK_INT(m.kind, ICMP_MSG_ECHO_REQUEST);
	CHECK_INT(m.id, 0xbeef);
	CHECK_INT(m.seq, 0x1234);
	struct icmp_token back;
	CHECK(icmp_token_read(m.payload, m.payload_len, &back));
	CHECK(back.nonce == tk.nonce);
	CHECK_INT(back.index, tk.index);
	CHECK_INT(back.tag, tk.tag);
	/* IPv6: type 128, checksum left to the kernel */
	int n6 = icmp_echo_build(pkt, sizeof pkt, AF_INET6, 1, 2, NULL, 0);
	CHECK_INT(n6, 8);
	CHECK_INT(pkt[0], ICMP6_ECHO_REQUEST);
	CHECK_INT(pkt[2] | pkt[3], 0);
	CHECK_INT(icmp_echo_build(pkt, 7, AF_INET, 1, 2, NULL, 0), ERR_TOOBIG);
	CHECK_INT(icmp_echo_build(pkt, 30, AF_INET, 1, 2, pkt, 23), ERR_TOOBIG);
}

TEST(test_token_rejects)
{
	uint8_t t[ICMP_TOKEN_LEN];
	struct icmp_token tk = {1, 2, 3}, out;
	icmp_token_write(t, &tk);
	CHECK(icmp_token_read(t, sizeof t, &out));
	CHECK(!icmp_token_read(t, sizeof t - 1, &out)); /* cut short */
	t[19] ^= 1;
	CHECK(!icmp_token_read(t, sizeof t, &out)); /* no magic: someone else's ping */
	CHECK(!icmp_token_read(NULL, 0, &out));
}

TEST(test_echo_reply_raw4)
{
	struct icmp_token tk = {.nonce = 42, .index = 7, .tag = 9};
	uint8_t req[64], rep[64], pkt[128];
	size_t n = probe4(req, &tk, 0x1111, 0x0009);
	memcpy(rep, req, n);
	rep[0] = ICMP4_ECHO_REPLY;
	size_t len = ip4(pkt, IPPROTO_ICMP, "127.3.2.1", "127.0.0.1", 64, rep, n);
	struct icmp_msg m;
	CHECK_INT(icmp_parse(pkt, len, AF_INET, true, &m), 0);
	CHECK_INT(m.kind, ICMP_MSG_ECHO_REPLY);
	CHECK(m.has_ip);
	char s[ADDR_STRLEN];
	CHECK_STR(addr_format(&m.src, s, sizeof s), "127.3.2.1");
	CHECK_INT(m.ttl, 64);
	CHECK_INT(m.id, 0x1111);
	CHECK_INT(m.payload_len, ICMP_TOKEN_LEN);
	struct icmp_token back;
	CHECK(icmp_token_read(m.payload, m.payload_len, &back) && back.index == 7 && back.tag == 9);
	/* trailing bytes past the IP total length (ethernet padding) are not payload */
	pkt[len] = 0xaa;
	CHECK_INT(icmp_parse(pkt, len + 1, AF_INET, true, &m), 0);
	CHECK_INT(m.payload_len, ICMP_TOKEN_LEN);
	/* the same reply as a ping socket gives it: no IP header */
	CHECK_INT(icmp_parse(rep, n, AF_INET, false, &m), 0);
	CHECK_INT(m.kind, ICMP_MSG_ECHO_REPLY);
	CHECK(!m.has_ip);
	/* IPv6 reply (raw or ping socket: never an IPv6 header) */
	rep[0] = ICMP6_ECHO_REPLY;
	CHECK_INT(icmp_parse(rep, n, AF_INET6, false, &m), 0);
	CHECK_INT(m.kind, ICMP_MSG_ECHO_REPLY);
	CHECK_INT(m.family, AF_INET6);
	CHECK_INT(icmp_parse(rep, n, AF_INET6, true, &m), ERR_INVAL);
}

/* Every ICMP/ICMPv6 error type and code, and what it means for a probe. */
TEST(test_outcomes)
{
	enum { V4 = AF_INET, V6 = AF_INET6 };
	static const struct {
		int family;
		uint8_t type, code;
		int outcome;
	} cases[] = {
	    {V4, 3, 0, OUTCOME_NET_UNREACH},
	    {V4, 3, 1, OUTCOME_HOST_UNREACH},
	    {V4, 3, 2, OUTCOME_PORT_UNREACH},
	    {V4, 3, 3, OUTCOME_PORT_UNREACH},
	    {V4, 3, 4, -1},
	    {V4, 3, 5, OUTCOME_NET_UNREACH},
	    {V4, 3, 6, OUTCOME_NET_UNREACH},
	    {V4, 3, 7, OUTCOME_HOST_UNREACH},
	    {V4, 3, 8, OUTCOME_HOST_UNREACH},
	    {V4, 3, 9, OUTCOME_ADMIN_PROHIB},
	    {V4, 3, 10, OUTCOME_ADMIN_PROHIB},
	    {V4, 3, 11, OUTCOME_NET_UNREACH},
	    {V4, 3, 12, OUTCOME_HOST_UNREACH},
	    {V4, 3, 13, OUTCOME_ADMIN_PROHIB},
	    {V4, 3, 14, OUTCOME_ADMIN_PROHIB},
	    {V4, 3, 15, OUTCOME_ADMIN_PROHIB},
	    {V4, 3, 99, OUTCOME_HOST_UNREACH},
	    {V4, 11, 0, OUTCOME_TTL_EXCEEDED},
	    {V4, 11, 1, OUTCOME_TTL_EXCEEDED},
	    {V4, 12, 0, -1},
	    {V4, 5, 0, -1},
	    {V4, 0, 0, -1},
	    {V4, 8, 0, -1},
	    {V6, 1, 0, OUTCOME_NET_UNREACH},
	    {V6, 1, 1, OUTCOME_ADMIN_PROHIB},
	    {V6, 1, 2, OUTCOME_NET_UNREACH},
	    {V6, 1, 3, OUTCOME_HOST_UNREACH},
	    {V6, 1, 4, OUTCOME_PORT_UNREACH},
	    {V6, 1, 5, OUTCOME_ADMIN_PROHIB},
	    {V6, 1, 6, OUTCOME_ADMIN_PROHIB},
	    {V6, 1, 7, OUTCOME_NET_UNREACH},
	    {V6, 3, 0, OUTCOME_TTL_EXCEEDED},
	    {V6, 2, 0, -1},
	    {V6, 4, 1, -1},
	    {V6, 129, 0, -1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int got = icmp_error_outcome(cases[i].family, cases[i].type, cases[i].code);
		if (got != cases[i].outcome)
			T_FAIL("%s type %u code %u: outcome %d, expected %d",
			       cases[i].family == V4 ? "v4" : "v6", cases[i].type, cases[i].code,
			       got, cases[i].outcome);
	}
}

/* A router's host-unreachable about our echo request, as a raw IPv4 socket sees it. */
TEST(test_error_quote_icmp4)
{
	struct icmp_token tk = {.nonce = 5, .index = 123456, .tag = 0x10002};
	uint8_t probe[64], inner[128], body[256], pkt[512];
	size_t pn = probe4(probe, &tk, 0xabcd, 0x0002);
	size_t in = ip4(inner, IPPROTO_ICMP, "198.51.100.1", "203.0.113.9", 63, probe, pn);
	size_t bn = icmp(body, ICMP4_DEST_UNREACH, 1, inner, in);
	size_t len = ip4(pkt, IPPROTO_ICMP, "198.51.100.2", "198.51.100.1", 64, body, bn);
	struct icmp_msg m;
	CHECK_INT(icmp_parse(pkt, len, AF_INET, true, &m), 0);
	CHECK_INT(m.kind, ICMP_MSG_ERROR);
	CHECK_INT(m.outcome, OUTCOME_HOST_UNREACH);
	char s[ADDR_STRLEN];
	CHECK_STR(addr_format(&m.src, s, sizeof s), "198.51.100.2");
	CHECK_STR(addr_format(&m.quote.dst, s, sizeof s), "203.0.113.9");
	CHECK_STR(addr_format(&m.quote.src, s, sizeof s), "198.51.100.1");
	CHECK_INT(m.quote.proto, IPPROTO_ICMP);
	CHECK_INT(m.quote.ttl, 63);
	CHECK(m.quote.has_l4);
	CHECK_INT(m.quote.icmp_type, ICMP4_ECHO_REQUEST);
	CHECK_INT(m.quote.id, 0xabcd);
	CHECK_INT(m.quote.seq, 2);
	struct icmp_token back;
	CHECK(icmp_token_read(m.quote.payload, m.quote.payload_len, &back));
	CHECK_INT(back.index, 123456);
	CHECK_INT(back.tag, 0x10002);

	/* RFC 792 minimum quote: IP header + 8 bytes; id/seq survive, the token does not */
	bn = icmp(body, ICMP4_TIME_EXCEEDED, 0, inner, 20 + 8);
	len = ip4(pkt, IPPROTO_ICMP, "198.51.100.2", "198.51.100.1", 64, body, bn);
	CHECK_INT(icmp_parse(pkt, len, AF_INET, true, &m), 0);
	CHECK_INT(m.outcome, OUTCOME_TTL_EXCEEDED);
	CHECK(m.quote.has_l4);
	CHECK_INT(m.quote.seq, 2);
	CHECK_INT(m.quote.payload_len, 0);
	CHECK(!icmp_token_read(m.quote.payload, m.quote.payload_len, &back));

	/* quote cut inside the 8 bytes: addresses only */
	bn = icmp(body, ICMP4_DEST_UNREACH, 0, inner, 20 + 4);
	len = ip4(pkt, IPPROTO_ICMP, "198.51.100.2", "198.51.100.1", 64, body, bn);
	CHECK_INT(icmp_parse(pkt, len, AF_INET, true, &m), 0);
	CHECK_INT(m.outcome, OUTCOME_NET_UNREACH);
	CHECK(!m.quote.has_l4);
	CHECK_STR(addr_format(&m.quote.dst, s, sizeof s), "203.0.113.9");

	/* the quote's IP header itself cut: an error, not a crash */
	bn = icmp(body, ICMP4_DEST_UNREACH, 0, inner, 12);
	len = ip4(pkt, IPPROTO_ICMP, "198.51.100.2", "198.51.100.1", 64, body, bn);
	CHECK_INT(icmp_parse(pkt, len, AF_INET, true, &m), ERR_TRUNC);
}

/* Quotes of TCP and UDP probes (a traceroute's, or a TCP connect's). */
TEST(test_error_quote_tcp_udp4)
{
	uint8_t l4[8] = {0x9c, 0x40, 0x00, 0x50, 0xde, 0xad, 0xbe, 0xef}; /* 40000 -> 80, seq */
	uint8_t inner[64], body[128], pkt[256];
	size_t in = ip4(inner, IPPROTO_TCP, "198.51.100.1", "203.0.113.4", 64, l4, sizeof l4);
	size_t bn = icmp(body, ICMP4_DEST_UNREACH, 3, inner, in);
	size_t len = ip4(pkt, IPPROTO_ICMP, "203.0.113.4", "198.51.100.1", 64, body, bn);
	struct icmp_msg m;
	CHECK_INT(icmp_parse(pkt, len, AF_INET, true, &m), 0);
	CHECK_INT(m.outcome, OUTCOME_PORT_UNREACH);
	CHECK_INT(m.quote.proto, IPPROTO_TCP);
	CHECK_INT(m.quote.sport, 40000);
	CHECK_INT(m.quote.dport, 80);
	CHECK(m.quote.tcp_seq == 0xdeadbeefu);
	uint8_t udp[8] = {0x82, 0x9a, 0x82, 0x9b, 0, 8, 0, 0}; /* 33434 -> 33435 */
	in = ip4(inner, IPPROTO_UDP, "198.51.100.1", "203.0.113.200", 1, udp, sizeof udp);
	bn = icmp(body, ICMP4_TIME_EXCEEDED, 0, inner, in);
	len = ip4(pkt, IPPROTO_ICMP, "198.51.100.2", "198.51.100.1", 64, body, bn);
	CHECK_INT(icmp_parse(pkt, len, AF_INET, true, &m), 0);
	CHECK_INT(m.outcome, OUTCOME_TTL_EXCEEDED);
	CHECK_INT(m.quote.proto, IPPROTO_UDP);
	CHECK_INT(m.quote.sport, 33434);
	CHECK_INT(m.quote.dport, 33435);
	CHECK_INT(m.quote.ttl, 1);
	/* a later fragment quoted: no upper-layer header to read */
	in = ip4(inner, IPPROTO_UDP, "198.51.100.1", "203.0.113.200", 1, udp, sizeof udp);
	inner[6] = 0x00;
	inner[7] = 0x10; /* fragment offset 16 */
	bn = icmp(body, ICMP4_DEST_UNREACH, 1, inner, in);
	len = ip4(pkt, IPPROTO_ICMP, "198.51.100.2", "198.51.100.1", 64, body, bn);
	CHECK_INT(icmp_parse(pkt, len, AF_INET, true, &m), 0);
	CHECK(!m.quote.has_l4);
}

TEST(test_error_quote_icmp6)
{
	struct icmp_token tk = {.nonce = 9, .index = 3, .tag = 4};
	uint8_t probe[64], inner[256], body[512];
	uint8_t token[ICMP_TOKEN_LEN];
	icmp_token_write(token, &tk);
	int pn = icmp_echo_build(probe, sizeof probe, AF_INET6, 0x2222, 4, token, sizeof token);
	CHECK(pn > 0);
	size_t in =
	    ip6(inner, IPPROTO_ICMPV6, "2001:db8:1::1", "2001:db8:2::9", 63, probe, (size_t)pn);
	size_t bn = icmp(body, ICMP6_DEST_UNREACH, 3, inner, in);
	struct icmp_msg m;
	CHECK_INT(icmp_parse(body, bn, AF_INET6, false, &m), 0);
	CHECK_INT(m.kind, ICMP_MSG_ERROR);
	CHECK_INT(m.outcome, OUTCOME_HOST_UNREACH);
	char s[ADDR_STRLEN];
	CHECK_STR(addr_format(&m.quote.dst, s, sizeof s), "2001:db8:2::9");
	CHECK_INT(m.quote.proto, IPPROTO_ICMPV6);
	CHECK_INT(m.quote.icmp_type, ICMP6_ECHO_REQUEST);
	CHECK_INT(m.quote.id, 0x2222);
	struct icmp_token back;
	CHECK(icmp_token_read(m.quote.payload, m.quote.payload_len, &back) && back.index == 3);

	/* behind a hop-by-hop header (8 bytes), a UDP probe */
	uint8_t ext[16] = {IPPROTO_UDP, 0, 0, 0, 0, 0, 0, 0, 0x82, 0x9a, 0x82, 0x9b, 0, 8, 0, 0};
	in = ip6(inner, 0, "2001:db8:1::1", "2001:db8:2::9", 1, ext, sizeof ext);
	bn = icmp(body, ICMP6_TIME_EXCEEDED, 0, inner, in);
	CHECK_INT(icmp_parse(body, bn, AF_INET6, false, &m), 0);
	CHECK_INT(m.outcome, OUTCOME_TTL_EXCEEDED);
	CHECK_INT(m.quote.proto, IPPROTO_UDP);
	CHECK_INT(m.quote.dport, 33435);
	/* extension header claiming more than is there */
	ext[1] = 200;
	in = ip6(inner, 0, "2001:db8:1::1", "2001:db8:2::9", 1, ext, sizeof ext);
	bn = icmp(body, ICMP6_DEST_UNREACH, 0, inner, in);
	CHECK_INT(icmp_parse(body, bn, AF_INET6, false, &m), 0);
	CHECK(!m.quote.has_l4);
	/* packet too big is not an outcome */
	bn = icmp(body, ICMP6_PACKET_TOO_BIG, 0, inner, in);
	CHECK_INT(icmp_parse(body, bn, AF_INET6, false, &m), 0);
	CHECK_INT(m.kind, ICMP_MSG_OTHER);
}

TEST(test_malformed)
{
	uint8_t pkt[64] = {0};
	struct icmp_msg m;
	CHECK_INT(icmp_parse(pkt, 0, AF_INET, true, &m), ERR_TRUNC);
	CHECK_INT(icmp_parse(pkt, 7, AF_INET, false, &m), ERR_TRUNC);
	pkt[0] = 0x65; /* version 6 in an IPv4 socket */
	CHECK_INT(icmp_parse(pkt, 40, AF_INET, true, &m), ERR_PARSE);
	pkt[0] = 0x44; /* IHL 4 < 5 */
	CHECK_INT(icmp_parse(pkt, 40, AF_INET, true, &m), ERR_PARSE);
	pkt[0] = 0x4f; /* IHL 60 > 40 bytes there */
	CHECK_INT(icmp_parse(pkt, 40, AF_INET, true, &m), ERR_TRUNC);
	pkt[0] = 0x45;
	pkt[9] = IPPROTO_UDP; /* not ICMP */
	CHECK_INT(icmp_parse(pkt, 40, AF_INET, true, &m), ERR_PARSE);
	CHECK_INT(icmp_parse(pkt, 40, 99, false, &m), ERR_INVAL);
	/* a router advertisement: well-formed, not for us */
	uint8_t ra[16] = {134, 0};
	CHECK_INT(icmp_parse(ra, sizeof ra, AF_INET6, false, &m), 0);
	CHECK_INT(m.kind, ICMP_MSG_OTHER);
	CHECK_INT(icmp_parse_echo(ra, sizeof ra, AF_INET6, &m), ERR_PARSE);
}

/* Every prefix of a valid error packet parses or fails cleanly (ASan checks the reads). */
TEST(test_every_truncation)
{
	struct icmp_token tk = {.nonce = 1, .index = 2, .tag = 3};
	uint8_t probe[64], inner[128], body[256], pkt[512];
	size_t pn = probe4(probe, &tk, 1, 3);
	size_t in = ip4(inner, IPPROTO_ICMP, "198.51.100.1", "203.0.113.9", 63, probe, pn);
	size_t bn = icmp(body, ICMP4_DEST_UNREACH, 13, inner, in);
	size_t len = ip4(pkt, IPPROTO_ICMP, "198.51.100.2", "198.51.100.1", 64, body, bn);
	int ok = 0;
	for (size_t n = 0; n <= len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, pkt, n);
		struct icmp_msg m;
		int rc = icmp_parse(copy, n, AF_INET, true, &m);
		if (rc == 0 && m.kind == ICMP_MSG_ERROR && m.outcome == OUTCOME_ADMIN_PROHIB)
			ok++;
		else if (rc != ERR_TRUNC && rc != 0)
			T_FAIL("length %zu: unexpected %d", n, rc);
		free(copy);
	}
	/* errors parse once the outer header, ICMP header and inner IP header are there */
	CHECK_INT(ok, (int)(len - (20 + 8 + 20) + 1));
}

/* The new quote fields (IP id, flow label, quoted checksums) and the sums. */
TEST(test_quote_fields_and_sums)
{
	uint8_t udp[8] = {0x82, 0x9a, 0x82, 0x9b, 0x00, 0x18, 0x12, 0x34};
	uint8_t inner[64], body[128], pkt[256];
	size_t in = ip4(inner, IPPROTO_UDP, "198.51.100.1", "203.0.113.9", 1, udp, sizeof udp);
	inner[4] = 0xbe, inner[5] = 0xef; /* identification */
	size_t bn = icmp(body, ICMP4_TIME_EXCEEDED, 0, inner, in);
	size_t len = ip4(pkt, IPPROTO_ICMP, "198.51.100.2", "198.51.100.1", 64, body, bn);
	struct icmp_msg m;
	CHECK_INT(icmp_parse(pkt, len, AF_INET, true, &m), 0);
	CHECK_INT(m.quote.ip_id, 0xbeef);
	CHECK_INT(m.quote.udp_len, 0x18);
	CHECK_INT(m.quote.cksum, 0x1234);
	CHECK_INT(m.quote.sport, 0x829a);
	CHECK_INT(m.quote.ttl, 1);
	/* IPv6: flow label 0xabcde, quoted ICMPv6 echo checksum */
	uint8_t echo[8] = {ICMP6_ECHO_REQUEST, 0, 0x55, 0x66, 0, 7, 0, 9};
	in = ip6(inner, IPPROTO_ICMPV6, "2001:db8::1", "2001:db8:2::9", 1, echo, sizeof echo);
	inner[1] = 0x0a, inner[2] = 0xbc, inner[3] = 0xde;
	bn = icmp(body, ICMP6_TIME_EXCEEDED, 0, inner, in);
	CHECK_INT(icmp_parse(body, bn, AF_INET6, false, &m), 0);
	CHECK_INT(m.quote.flow_label, 0xabcde);
	CHECK_INT(m.quote.cksum, 0x5566);
	CHECK_INT(m.quote.id, 7);
	CHECK_INT(m.quote.seq, 9);
	/* the pseudo-header: a UDP datagram whose checksum verifies to 0xffff */
	struct addr s4 = A("198.51.100.1"), d4 = A("203.0.113.9");
	uint8_t dg[10] = {0x12, 0x34, 0x00, 0x35, 0x00, 0x0a, 0x00, 0x00, 0xab, 0xcd};
	uint32_t sum = icmp_sum(icmp_pseudo_sum(&s4, &d4, IPPROTO_UDP, 10), dg, 10);
	uint16_t c = (uint16_t)~icmp_sum_fold(sum);
	dg[6] = (uint8_t)(c >> 8), dg[7] = (uint8_t)c;
	CHECK_INT(icmp_sum_fold(icmp_sum(icmp_pseudo_sum(&s4, &d4, IPPROTO_UDP, 10), dg, 10)),
	          0xffff);
	/* the same by hand: 198.51+100.1+203.0+113.9, 17, 10, the datagram */
	uint32_t hand =
	    0xc633 + 0x6401 + 0xcb00 + 0x7109 + 17 + 10 + 0x1234 + 0x0035 + 0x000a + 0xabcd;
	CHECK_INT(c, (uint16_t)~icmp_sum_fold(hand));
	/* icmp_checksum is icmp_sum folded and inverted, odd lengths too */
	const uint8_t odd[3] = {0x01, 0x02, 0x03};
	uint16_t ck = icmp_checksum(odd, 3);
	const uint8_t *cb = (const uint8_t *)&ck;
	CHECK_INT(cb[0] << 8 | cb[1], (uint16_t)~icmp_sum_fold(0x0102 + 0x0300));
}

/* TCP segments as a raw TCP socket delivers them. */
TEST(test_parse_tcp)
{
	uint8_t seg[24] = {0}, pkt[64];
	seg[0] = 0x00, seg[1] = 0x50;  /* sport 80 */
	seg[2] = 0x9c, seg[3] = 0x40;  /* dport 40000 */
	seg[4] = 1, seg[7] = 2;        /* seq 0x01000002 */
	seg[8] = 0xaa, seg[11] = 0xbb; /* ack 0xaa0000bb */
	seg[12] = 6 << 4;              /* 24-byte header */
	seg[13] = ICMP_TCP_SYN | ICMP_TCP_ACK;
	size_t len = ip4(pkt, IPPROTO_TCP, "203.0.113.9", "198.51.100.1", 61, seg, sizeof seg);
	struct icmp_tcp_seg s;
	CHECK_INT(icmp_parse_tcp(pkt, len, AF_INET, true, &s), 0);
	CHECK(s.has_ip);
	char a[ADDR_STRLEN];
	CHECK_STR(addr_format(&s.src, a, sizeof a), "203.0.113.9");
	CHECK_INT(s.ttl, 61);
	CHECK_INT(s.sport, 80);
	CHECK_INT(s.dport, 40000);
	CHECK_INT(s.seq, 0x01000002);
	CHECK_INT(s.ack, 0xaa0000bbu);
	CHECK_INT(s.flags, ICMP_TCP_SYN | ICMP_TCP_ACK);
	/* IPv6: no IP header */
	CHECK_INT(icmp_parse_tcp(seg, sizeof seg, AF_INET6, false, &s), 0);
	CHECK(!s.has_ip);
	CHECK_INT(s.ack, 0xaa0000bbu);
	CHECK_INT(icmp_parse_tcp(seg, sizeof seg, AF_INET6, true, &s), ERR_INVAL);
	CHECK_INT(icmp_parse_tcp(seg, sizeof seg, 99, false, &s), ERR_INVAL);
	/* every cut short of the header is ERR_TRUNC; a header longer than the data too */
	for (size_t n = 0; n < 24; n++)
		if (icmp_parse_tcp(seg, n, AF_INET6, false, &s) != ERR_TRUNC)
			T_FAIL("a %zu-byte segment is not ERR_TRUNC", n);
	for (size_t n = 0; n < 20 + 20; n++)
		if (icmp_parse_tcp(pkt, n, AF_INET, true, &s) != ERR_TRUNC)
			T_FAIL("a %zu-byte packet is not ERR_TRUNC", n);
	seg[12] = 4 << 4; /* data offset 16: not TCP */
	CHECK_INT(icmp_parse_tcp(seg, sizeof seg, AF_INET6, false, &s), ERR_PARSE);
	/* not TCP, or a later fragment */
	pkt[9] = IPPROTO_UDP;
	CHECK_INT(icmp_parse_tcp(pkt, len, AF_INET, true, &s), ERR_PARSE);
	pkt[9] = IPPROTO_TCP;
	pkt[7] = 8;
	CHECK_INT(icmp_parse_tcp(pkt, len, AF_INET, true, &s), ERR_PARSE);
}

int main(void)
{
	RUN(test_checksum_known);
	RUN(test_echo_build_and_parse);
	RUN(test_token_rejects);
	RUN(test_echo_reply_raw4);
	RUN(test_outcomes);
	RUN(test_error_quote_icmp4);
	RUN(test_error_quote_tcp_udp4);
	RUN(test_error_quote_icmp6);
	RUN(test_malformed);
	RUN(test_every_truncation);
	RUN(test_quote_fields_and_sums);
	RUN(test_parse_tcp);
	return test_main_end();
}
