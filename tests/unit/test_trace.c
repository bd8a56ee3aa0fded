/* Unit tests for the traceroute's pure parts: Paris probes (src/probe/trace_wire)
 * and the hop bookkeeping (src/probe/trace_path). Answers are built as the
 * sockets deliver them and go through icmp_parse / icmp_parse_tcp first. */
#include <netinet/in.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include "core/bytes.h"
#include "core/obs.h"
#include "probe/trace.h"
#include "probe/trace_path.h"
#include "probe/trace_wire.h"
#include "test.h"
#include "watch/discover.h"

/* For golden outputs longer than test.h's message buffer: the texts go to stderr. */
#define CHECK_LONG(got, want)                                                                      \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		if (!g_ || strcmp(g_, w_)) {                                                       \
			fprintf(stderr, "got:\n%s\nwant:\n%s\n", g_ ? g_ : "(null)", w_);          \
			T_FAIL("%s:%d: %s differs (both on stderr)", __FILE__, __LINE__, #got);    \
		}                                                                                  \
	} while (0)

static struct addr A(const char *s) {
	struct addr a;
	if (addr_parse(s, &a))
		abort();
	return a;
}

static uint64_t rng = 0x1234567;
static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rng = rng * 6364136223846793005u + 1442695040888963407u;
		p[i] = (uint8_t)(rng >> 56);
	}
}

static void flow(struct trace_flow *f, enum trace_proto proto, int family, uint32_t nprobes)
{
	uint8_t rnd[16];
	fill_random(rnd, sizeof rnd);
	struct addr s = A(family == AF_INET ? "198.51.100.1" : "2001:db8:1::1");
	struct addr d = A(family == AF_INET ? "203.0.113.9" : "2001:db8:ff::9");
	if (trace_flow_init(f, proto, &s, &d, 40001, proto == TRACE_TCP ? 80 : 33434, nprobes, rnd))
		abort();
}

/* Does the checksum of probe p (len bytes) verify, pseudo-header included where due? */
static bool checksum_ok(const struct trace_flow *f, const uint8_t *p, size_t len)
{
	bool pseudo = f->proto != TRACE_ICMP || f->dst.family == AF_INET6;
	uint32_t sum = pseudo ? icmp_pseudo_sum(&f->src, &f->dst, (uint8_t)trace_flow_ipproto(f),
	                                        (uint32_t)len)
	                      : 0;
	return icmp_sum_fold(icmp_sum(sum, p, len)) == 0xffff;
}

/* Every probe of a trace, whatever its TTL, carries the same flow bytes; the
 * identifiers differ; the checksums are right (and ICMP's constant, UDP's the
 * identifier). */
TEST(test_flow_constant)
{
	for (int fam = 0; fam < 2; fam++)
		for (int proto = TRACE_ICMP; proto <= TRACE_TCP; proto++) {
			struct trace_flow f;
			flow(&f, (enum trace_proto)proto, fam ? AF_INET6 : AF_INET, 30 * 3);
			uint8_t first[TRACE_PROBE_MAX], p[TRACE_PROBE_MAX];
			int n0 = trace_probe_build(&f, 0, first, sizeof first);
			CHECK(n0 == (proto == TRACE_TCP ? 24 : 24));
			size_t hl = trace_flow_hash_len(&f);
			CHECK_INT(hl, proto == TRACE_TCP ? 4 : 6);
			uint32_t seen_ids[90];
			for (uint32_t i = 0; i < f.nprobes; i++) {
				int n = trace_probe_build(&f, i, p, sizeof p);
				if (n != n0 || memcmp(p, first, hl)) {
					T_FAIL("%s v%d probe %u: flow bytes differ",
					       trace_proto_name(f.proto), fam ? 6 : 4, i);
					break;
				}
				if (!checksum_ok(&f, p, (size_t)n))
					T_FAIL("%s v%d probe %u: bad checksum",
					       trace_proto_name(f.proto), fam ? 6 : 4, i);
				uint32_t id =
				    proto == TRACE_TCP ? be32_get(p + 4) : be16_get(p + 6);
				for (uint32_t k = 0; k < i; k++)
					if (seen_ids[k] == id)
						T_FAIL(
						    "probe %u repeats the identifier of probe %u",
						    i, k);
				seen_ids[i] = id;
				if (proto == TRACE_ICMP) {
					CHECK_INT(be16_get(p + 2), f.icmp_cksum);
					CHECK_INT(be16_get(p + 4), f.icmp_id);
					CHECK_INT(p[0],
					          fam ? ICMP6_ECHO_REQUEST : ICMP4_ECHO_REQUEST);
				} else if (proto == TRACE_UDP) {
					CHECK_INT(be16_get(p + 6), (uint16_t)(f.ident_base + i));
					CHECK_INT(be16_get(p + 4), 24);
				} else {
					CHECK_INT(p[13], ICMP_TCP_SYN);
					CHECK_INT(be32_get(p + 4), f.seq_base + i);
				}
				CHECK_INT(be16_get(p),
				          proto == TRACE_ICMP ? be16_get(first) : 40001);
			}
		}
}

/* The compensation word hits every wanted checksum, over many random flows
 * (identifier bases from 1 to 0xffff - nprobes, both families). */
TEST(test_compensation_everywhere)
{
	int bad = 0;
	for (int round = 0; round < 3000 && bad < 5; round++) {
		struct trace_flow f;
		uint32_t n = 1 + (uint32_t)(round % 7) * 600;
		flow(&f, round & 1 ? TRACE_UDP : TRACE_ICMP, round & 2 ? AF_INET6 : AF_INET, n);
		CHECK(f.ident_base >= 1 && f.ident_base + (n - 1) <= 0xfffe);
		CHECK(f.icmp_cksum >= 1 && f.icmp_cksum <= 0xfffe);
		uint8_t p[TRACE_PROBE_MAX];
		uint32_t idx[3] = {0, n / 2, n - 1};
		for (int k = 0; k < 3; k++) {
			int len = trace_probe_build(&f, idx[k], p, sizeof p);
			uint16_t want =
			    f.proto == TRACE_UDP ? (uint16_t)(f.ident_base + idx[k]) : f.icmp_cksum;
			uint16_t got = be16_get(p + (f.proto == TRACE_UDP ? 6 : 2));
			if (len < 0 || got != want || !checksum_ok(&f, p, (size_t)len)) {
				T_FAIL("round %d probe %u: checksum %04x, wanted %04x", round,
				       idx[k], got, want);
				bad++;
			}
		}
	}
	struct trace_flow f;
	flow(&f, TRACE_UDP, AF_INET, 10);
	uint8_t small[8];
	CHECK_INT(trace_probe_build(&f, 0, small, sizeof small), ERR_TOOBIG);
	uint8_t p[TRACE_PROBE_MAX];
	CHECK_INT(trace_probe_build(&f, 10, p, sizeof p), ERR_INVAL);
	struct addr s = A("198.51.100.1"), d6 = A("2001:db8::1");
	uint8_t rnd[16] = {0};
	CHECK_INT(trace_flow_init(&f, TRACE_UDP, &s, &d6, 1, 1, 10, rnd), ERR_INVAL);
	CHECK_INT(trace_flow_init(&f, TRACE_UDP, &s, &s, 0, 1, 10, rnd), ERR_INVAL);
	CHECK_INT(trace_flow_init(&f, TRACE_ICMP, &s, &s, 0, 0, 0, rnd), ERR_INVAL);
	CHECK_INT(trace_flow_init(&f, TRACE_ICMP, &s, &s, 0, 0, TRACE_MAX_PROBES + 1, rnd),
	          ERR_INVAL);
	CHECK_INT(trace_proto_parse("tcp"), TRACE_TCP);
	CHECK_INT(trace_proto_parse("TCP"), -1);
}

/* ---- answers as the sockets deliver them -------------------------------- */

/* An ICMP error from `router` quoting probe i (quote_len bytes of it after
 * the IP header: 8 is RFC 792's minimum), as the raw socket of f's family
 * gives it: IPv4 with its header, IPv6 without. Returns the length. */
static size_t error_for(const struct trace_flow *f, uint32_t i, const char *router, uint8_t type,
                        uint8_t code, size_t quote_len, uint8_t *out)
{
	uint8_t probe[TRACE_PROBE_MAX];
	int n = trace_probe_build(f, i, probe, sizeof probe);
	if (n < 0 || quote_len > (size_t)n)
		abort();
	bool v6 = f->dst.family == AF_INET6;
	struct addr r = A(router);
	uint8_t *icmp = out + (v6 ? 0 : 20);
	memset(icmp, 0, 8);
	icmp[0] = type;
	icmp[1] = code;
	uint8_t *q = icmp + 8;
	size_t qh = v6 ? 40 : 20;
	memset(q, 0, qh);
	if (v6) {
		q[0] = 0x60;
		be16_put(q + 4, (uint16_t)n);
		q[6] = (uint8_t)trace_flow_ipproto(f);
		q[7] = 1;
		memcpy(q + 8, f->src.bytes, 16);
		memcpy(q + 24, f->dst.bytes, 16);
	} else {
		q[0] = 0x45;
		be16_put(q + 2, (uint16_t)(20 + n));
		q[8] = 1;
		q[9] = (uint8_t)trace_flow_ipproto(f);
		memcpy(q + 12, f->src.bytes, 4);
		memcpy(q + 16, f->dst.bytes, 4);
	}
	memcpy(q + qh, probe, quote_len);
	size_t icmp_len = 8 + qh + quote_len;
	if (v6)
		return icmp_len;
	memset(out, 0, 20);
	out[0] = 0x45;
	be16_put(out + 2, (uint16_t)(20 + icmp_len));
	out[8] = 64;
	out[9] = IPPROTO_ICMP;
	memcpy(out + 12, r.bytes, 4);
	memcpy(out + 16, f->src.bytes, 4);
	return 20 + icmp_len;
}

static bool match_icmp(const struct trace_flow *f, const uint8_t *pkt, size_t len, const char *from,
                       struct trace_match *m)
{
	struct icmp_msg msg;
	int fam = f->dst.family;
	if (icmp_parse(pkt, len, fam, fam == AF_INET, &msg))
		return false;
	struct addr sender = fam == AF_INET ? msg.src : A(from);
	if (fam == AF_INET && addr_cmp(&sender, &(struct addr){0}) == 0)
		return false;
	return trace_match_icmp(f, &msg, &sender, m);
}

TEST(test_match_errors)
{
	for (int fam = 0; fam < 2; fam++)
		for (int proto = TRACE_ICMP; proto <= TRACE_TCP; proto++) {
			struct trace_flow f;
			flow(&f, (enum trace_proto)proto, fam ? AF_INET6 : AF_INET, 90);
			const char *router = fam ? "2001:db8:2::2" : "203.0.113.2";
			const char *dst = fam ? "2001:db8:ff::9" : "203.0.113.9";
			uint8_t te = fam ? ICMP6_TIME_EXCEEDED : ICMP4_TIME_EXCEEDED;
			uint8_t un = fam ? ICMP6_DEST_UNREACH : ICMP4_DEST_UNREACH;
			uint8_t port_code = fam ? 4 : 3, net_code = 0;
			uint8_t pkt[256];
			struct trace_match m;
			for (size_t ql = 8; ql <= 24; ql += 16) { /* minimal and whole quotes */
				size_t n = error_for(&f, 47, router, te, 0, ql, pkt);
				CHECK(match_icmp(&f, pkt, n, router, &m));
				CHECK_INT(m.index, 47);
				CHECK_INT(m.kind, TRACE_REPLY_TTL);
				CHECK_INT(m.outcome, OUTCOME_TTL_EXCEEDED);
				CHECK_INT(m.quoted_ttl, 1);
				struct addr ra = A(router);
				CHECK(!addr_cmp(&m.from, &ra));
			}
			/* net unreachable from a router: an error that stops the path */
			size_t n = error_for(&f, 89, router, un, net_code, 8, pkt);
			CHECK(match_icmp(&f, pkt, n, router, &m));
			CHECK_INT(m.kind, TRACE_REPLY_ERROR);
			CHECK_INT(m.outcome, OUTCOME_NET_UNREACH);
			CHECK_INT(m.index, 89);
			/* port unreachable: the destination's answer for UDP only */
			n = error_for(&f, 5, dst, un, port_code, 8, pkt);
			CHECK(match_icmp(&f, pkt, n, dst, &m));
			CHECK_INT(m.kind,
			          proto == TRACE_UDP ? TRACE_REPLY_DEST : TRACE_REPLY_ERROR);
			CHECK_INT(m.outcome,
			          proto == TRACE_UDP ? OUTCOME_OK : OUTCOME_PORT_UNREACH);
			n = error_for(&f, 5, router, un, port_code, 8, pkt);
			CHECK(match_icmp(&f, pkt, n, router, &m));
			CHECK_INT(m.kind,
			          TRACE_REPLY_ERROR); /* a router's !P is not the destination */
			/* not ours: another destination, source, port, id, or out of range */
			size_t qoff = fam ? 8 : 28;
			size_t dst_off = qoff + (fam ? 24 : 16), src_off = qoff + (fam ? 8 : 12);
			size_t l4 = qoff + (fam ? 40 : 20);
			n = error_for(&f, 3, router, te, 0, 8, pkt);
			pkt[dst_off + 3] ^= 1;
			CHECK(!match_icmp(&f, pkt, n, router, &m));
			n = error_for(&f, 3, router, te, 0, 8, pkt);
			pkt[src_off + 3] ^= 1;
			CHECK(!match_icmp(&f, pkt, n, router, &m));
			n = error_for(&f, 3, router, te, 0, 8, pkt);
			pkt[l4 + (proto == TRACE_ICMP ? 5 : 1)] ^= 1; /* ICMP id / source port */
			CHECK(!match_icmp(&f, pkt, n, router, &m));
			n = error_for(&f, 3, router, te, 0, 8, pkt);
			if (proto == TRACE_TCP)
				be32_put(pkt + l4 + 4, f.seq_base + 90);
			else
				be16_put(pkt + l4 + (proto == TRACE_UDP ? 6 : 6),
				         (uint16_t)(f.ident_base + 90));
			CHECK(!match_icmp(&f, pkt, n, router, &m));
			/* a quote cut before the identifier names no probe */
			n = error_for(&f, 3, router, te, 0, 4, pkt);
			CHECK(!match_icmp(&f, pkt, n, router, &m));
		}
}

/* The destination's own answers: echo reply (nonce checked), SYN-ACK / RST. */
TEST(test_match_destination)
{
	for (int fam = 0; fam < 2; fam++) {
		struct trace_flow f;
		flow(&f, TRACE_ICMP, fam ? AF_INET6 : AF_INET, 30);
		const char *dst = fam ? "2001:db8:ff::9" : "203.0.113.9";
		uint8_t probe[TRACE_PROBE_MAX];
		int n = trace_probe_build(&f, 17, probe, sizeof probe);
		probe[0] = fam ? ICMP6_ECHO_REPLY : ICMP4_ECHO_REPLY; /* the echo comes back */
		struct icmp_msg msg;
		struct trace_match m;
		struct addr from = A(dst), other = A(fam ? "2001:db8:2::2" : "203.0.113.2");
		CHECK_INT(icmp_parse(probe, (size_t)n, f.dst.family, false, &msg), 0);
		CHECK(trace_match_icmp(&f, &msg, &from, &m));
		CHECK_INT(m.index, 17);
		CHECK_INT(m.kind, TRACE_REPLY_DEST);
		CHECK_INT(m.outcome, OUTCOME_OK);
		CHECK(!trace_match_icmp(&f, &msg, &other, &m)); /* from someone else */
		probe[12] ^= 0x40;                              /* the nonce */
		CHECK_INT(icmp_parse(probe, (size_t)n, f.dst.family, false, &msg), 0);
		CHECK(!trace_match_icmp(&f, &msg, &from, &m));
		probe[12] ^= 0x40;
		CHECK_INT(icmp_parse(probe, 10, f.dst.family, false, &msg), 0); /* payload cut */
		CHECK(!trace_match_icmp(&f, &msg, &from, &m));

		struct trace_flow t;
		flow(&t, TRACE_TCP, fam ? AF_INET6 : AF_INET, 30);
		struct icmp_tcp_seg s = {.sport = 80,
		                         .dport = 40001,
		                         .ack = t.seq_base + 21 + 1,
		                         .flags = ICMP_TCP_SYN | ICMP_TCP_ACK};
		CHECK(trace_match_tcp(&t, &s, &from, &m));
		CHECK_INT(m.index, 21);
		CHECK_INT(m.kind, TRACE_REPLY_DEST);
		CHECK_INT(m.tcp_flags, ICMP_TCP_SYN | ICMP_TCP_ACK);
		s.flags = ICMP_TCP_RST | ICMP_TCP_ACK; /* closed port: still the destination */
		CHECK(trace_match_tcp(&t, &s, &from, &m));
		s.flags = ICMP_TCP_RST; /* no ACK: acknowledges nothing */
		CHECK(!trace_match_tcp(&t, &s, &from, &m));
		s.flags = ICMP_TCP_SYN | ICMP_TCP_ACK;
		CHECK(!trace_match_tcp(&t, &s, &other, &m));
		s.dport = 40002;
		CHECK(!trace_match_tcp(&t, &s, &from, &m));
		s.dport = 40001;
		s.ack = t.seq_base + 31;
		CHECK(!trace_match_tcp(&t, &s, &from, &m));
		s.ack = t.seq_base;
		CHECK(!trace_match_tcp(&t, &s, &from, &m));
		CHECK(!trace_match_tcp(&f, &s, &from, &m)); /* an ICMP flow takes no TCP */
	}
}

/* ---- trace_path ---------------------------------------------------------- */

static const struct trace_path_config CFG = {.first_ttl = 1,
                                             .max_ttl = 30,
                                             .attempts = 2,
                                             .window = 16,
                                             .gap_limit = 3,
                                             .timeout_us = 1000000};

static struct trace_match reply(const struct trace_path *t, int ttl, int attempt, int kind,
                                int outcome, const char *from)
{
	struct trace_match m = {
	    .kind = (enum trace_reply)kind, .outcome = outcome, .from = A(from)};
	m.index = (uint32_t)((ttl - t->cfg.first_ttl) * t->cfg.attempts + attempt);
	return m;
}

/* Sends everything that may go at time now; returns how many. */
static int send_all(struct trace_path *t, int64_t now)
{
	int n = 0;
	int64_t i;
	while ((i = trace_path_next(t)) >= 0) {
		trace_path_sent(t, (uint32_t)i, now);
		n++;
	}
	return n;
}

static const char *R[] = {"", "198.51.100.2", "203.0.113.2", "203.0.113.6", "203.0.113.10"};
#define DST "203.0.113.100"

TEST(test_path_in_order)
{
	struct trace_path t;
	CHECK_INT(trace_path_init(&t, &CFG), 0);
	/* before any answer: TTLs 1..gap_limit, 2 attempts each */
	CHECK_INT(send_all(&t, 0), 6);
	CHECK_INT(trace_path_limit(&t), 3);
	struct trace_match m;
	for (int ttl = 1; ttl <= 2; ttl++)
		for (int a = 0; a < 2; a++) {
			m = reply(&t, ttl, a, TRACE_REPLY_TTL, OUTCOME_TTL_EXCEEDED, R[ttl]);
			CHECK(trace_path_answer(&t, &m, 100 * ttl + a));
		}
	CHECK_INT(trace_path_limit(&t), 5);
	CHECK_INT(send_all(&t, 300), 4); /* TTLs 4 and 5 */
	m = reply(&t, 3, 0, TRACE_REPLY_DEST, OUTCOME_OK, DST);
	CHECK(trace_path_answer(&t, &m, 350));
	CHECK(!trace_path_answer(&t, &m, 360)); /* a duplicate */
	CHECK_INT(trace_path_limit(&t), 3);
	CHECK_INT(t.inflight, 1); /* TTL 3 attempt 1; TTLs 4, 5 cancelled */
	m = reply(&t, 4, 0, TRACE_REPLY_DEST, OUTCOME_OK, DST);
	CHECK(!trace_path_answer(&t, &m, 370)); /* cancelled: ignored */
	CHECK(!trace_path_done(&t));
	m = reply(&t, 3, 1, TRACE_REPLY_DEST, OUTCOME_OK, DST);
	CHECK(trace_path_answer(&t, &m, 320));
	CHECK(trace_path_done(&t));
	struct trace_result r = {0};
	struct addr dst = A(DST);
	trace_path_result(&t, &dst, NULL, 0, &r);
	CHECK_INT(r.nhops, 3);
	CHECK_INT(r.outcome, OUTCOME_OK);
	CHECK(r.reached);
	CHECK_INT(r.stop_ttl, 3);
	CHECK_INT(r.rtt_us, 320); /* TTL 3 went at 0: the faster of 350 and 320 */
	CHECK_INT(r.hops[0].outcome, OUTCOME_TTL_EXCEEDED);
	CHECK_INT(r.hops[0].nattempts, 2);
	CHECK_INT(r.hops[0].attempt[1].rtt_us, 101);
	CHECK_INT(r.hops[2].outcome, OUTCOME_OK);
	char s[200];
	trace_result_summary(&r, s, sizeof s);
	CHECK_STR(s, "reached in 3 hops");
	trace_result_free(&r);
	trace_path_free(&t);
}

/* Answers out of order: the destination first (at TTL 5, then at 4), the
 * routers after; a silent hop in the middle; late answers ignored. */
TEST(test_path_out_of_order)
{
	struct trace_path t;
	struct trace_path_config cfg = CFG;
	cfg.attempts = 1;
	cfg.gap_limit = 5;
	CHECK_INT(trace_path_init(&t, &cfg), 0);
	CHECK_INT(send_all(&t, 0), 5);
	struct trace_match m = reply(&t, 5, 0, TRACE_REPLY_DEST, OUTCOME_OK, DST);
	CHECK(trace_path_answer(&t, &m, 50));
	CHECK_INT(trace_path_limit(&t), 5);
	m = reply(&t, 4, 0, TRACE_REPLY_DEST, OUTCOME_OK, DST);
	CHECK(trace_path_answer(&t, &m, 40));
	CHECK_INT(trace_path_limit(&t), 4);
	m = reply(&t, 1, 0, TRACE_REPLY_TTL, OUTCOME_TTL_EXCEEDED, R[1]);
	CHECK(trace_path_answer(&t, &m, 60));
	m = reply(&t, 3, 0, TRACE_REPLY_TTL, OUTCOME_TTL_EXCEEDED, R[3]);
	CHECK(trace_path_answer(&t, &m, 70));
	CHECK_INT(send_all(&t, 80), 0);
	CHECK(!trace_path_done(&t)); /* TTL 2 still waits */
	CHECK_INT(trace_path_expire(&t, 999999), 1000000);
	CHECK_INT(trace_path_expire(&t, 1000000), INT64_MAX);
	CHECK(trace_path_done(&t));
	m = reply(&t, 2, 0, TRACE_REPLY_TTL, OUTCOME_TTL_EXCEEDED, R[2]);
	CHECK(!trace_path_answer(&t, &m, 1000001)); /* too late */
	struct trace_result r = {0};
	struct addr dst = A(DST);
	trace_path_result(&t, &dst, NULL, 0, &r);
	CHECK_INT(r.nhops, 4);
	CHECK_INT(r.hops[1].outcome, OUTCOME_TIMEOUT);
	CHECK(!r.hops[1].answered);
	CHECK_INT(r.hops[1].attempt[0].rtt_us, -1);
	CHECK_INT(r.hops[3].outcome, OUTCOME_OK);
	CHECK(r.reached);
	CHECK_INT(r.stop_ttl, 4);
	trace_result_free(&r);
	trace_path_free(&t);
}

/* Silence: never more than gap_limit TTLs past the last answer. */
TEST(test_path_gap_limit)
{
	struct trace_path t;
	CHECK_INT(trace_path_init(&t, &CFG), 0); /* gap 3, 2 attempts */
	CHECK_INT(send_all(&t, 0), 6);
	struct trace_match m = reply(&t, 1, 1, TRACE_REPLY_TTL, OUTCOME_TTL_EXCEEDED, R[1]);
	CHECK(trace_path_answer(&t, &m, 10));
	CHECK_INT(send_all(&t, 10), 2); /* TTL 4 */
	CHECK_INT(trace_path_expire(&t, 1000000), 1000010);
	CHECK_INT(send_all(&t, 1000000), 0);
	CHECK(!trace_path_done(&t));
	CHECK_INT(trace_path_expire(&t, 1000010), INT64_MAX);
	CHECK(trace_path_done(&t));
	struct trace_result r = {0};
	struct addr dst = A(DST);
	trace_path_result(&t, &dst, NULL, 0, &r);
	CHECK_INT(r.nhops, 4);
	CHECK_INT(r.outcome, OUTCOME_TIMEOUT);
	CHECK(!r.reached);
	CHECK_INT(r.stop_ttl, 1);
	CHECK_INT(r.rtt_us, -1);
	CHECK_INT(r.hops[0].attempt[0].kind, TRACE_REPLY_NONE); /* attempt 0 was silent */
	CHECK_INT(r.hops[0].outcome, OUTCOME_TTL_EXCEEDED);
	char s[200];
	trace_result_summary(&r, s, sizeof s);
	CHECK_STR(s, "no answer past hop 1 (198.51.100.2) up to hop 4");
	trace_result_free(&r);
	trace_path_free(&t);

	/* nothing answers at all; and max_ttl below the gap */
	struct trace_path_config cfg = CFG;
	cfg.max_ttl = 2;
	CHECK_INT(trace_path_init(&t, &cfg), 0);
	CHECK_INT(send_all(&t, 0), 4);
	(void)trace_path_expire(&t, 2000000);
	CHECK(trace_path_done(&t));
	trace_path_result(&t, &dst, NULL, 0, &r);
	CHECK_INT(r.nhops, 2);
	CHECK_INT(r.stop_ttl, 0);
	trace_result_summary(&r, s, sizeof s);
	CHECK_STR(s, "no hop answered (hops 1 to 2)");
	trace_result_free(&r);
	trace_path_free(&t);
}

/* The window caps probes in flight; first_ttl > 1; stop() cancels. */
TEST(test_path_window_and_stop)
{
	struct trace_path t;
	struct trace_path_config cfg = CFG;
	cfg.window = 3;
	cfg.first_ttl = 4;
	cfg.gap_limit = 10;
	CHECK_INT(trace_path_init(&t, &cfg), 0);
	CHECK_INT(send_all(&t, 0), 3);
	CHECK_INT(trace_path_ttl(&t, 0), 4);
	CHECK_INT(trace_path_ttl(&t, 2), 5);
	CHECK_INT(trace_path_attempt(&t, 2), 0);
	struct trace_match m = reply(&t, 4, 0, TRACE_REPLY_TTL, OUTCOME_TTL_EXCEEDED, R[1]);
	CHECK(trace_path_answer(&t, &m, 5));
	CHECK_INT(trace_path_next(&t), 3);
	CHECK_INT(send_all(&t, 6), 1);
	trace_path_stop(&t);
	CHECK(trace_path_done(&t));
	CHECK_INT(trace_path_next(&t), -1);
	m = reply(&t, 4, 1, TRACE_REPLY_TTL, OUTCOME_TTL_EXCEEDED, R[1]);
	CHECK(!trace_path_answer(&t, &m, 7));
	struct trace_result r = {0};
	struct addr dst = A(DST);
	trace_path_result(&t, &dst, NULL, 0, &r);
	CHECK_INT(r.nhops, 1);
	CHECK_INT(r.hops[0].ttl, 4);
	CHECK_INT(r.hops[0].nattempts, 1); /* the cancelled attempt is not reported */
	trace_result_free(&r);
	trace_path_free(&t);
	cfg.first_ttl = 31;
	CHECK_INT(trace_path_init(&t, &cfg), ERR_INVAL);
	cfg = CFG;
	cfg.attempts = TRACE_MAX_ATTEMPTS + 1;
	CHECK_INT(trace_path_init(&t, &cfg), ERR_INVAL);
	cfg = CFG;
	cfg.max_ttl = 256;
	CHECK_INT(trace_path_init(&t, &cfg), ERR_INVAL);
}

/* A router's error ends the path; per-packet load balancing shows; watched
 * prefixes mark hops and name the key routers; JSON and text golden. */
TEST(test_path_result_forms)
{
	struct trace_path t;
	struct trace_path_config cfg = CFG;
	cfg.attempts = 3;
	cfg.max_ttl = 5;
	CHECK_INT(trace_path_init(&t, &cfg), 0);
	send_all(&t, 0);
	struct trace_match m;
	m = reply(&t, 1, 0, TRACE_REPLY_TTL, OUTCOME_TTL_EXCEEDED, R[1]);
	CHECK(trace_path_answer(&t, &m, 1000));
	m = reply(&t, 1, 1, TRACE_REPLY_TTL, OUTCOME_TTL_EXCEEDED, R[1]);
	CHECK(trace_path_answer(&t, &m, 1500));
	m = reply(&t, 1, 2, TRACE_REPLY_TTL, OUTCOME_TTL_EXCEEDED, R[1]);
	CHECK(trace_path_answer(&t, &m, 2250));
	m = reply(&t, 2, 0, TRACE_REPLY_TTL, OUTCOME_TTL_EXCEEDED, R[2]);
	CHECK(trace_path_answer(&t, &m, 2000));
	m = reply(&t, 2, 1, TRACE_REPLY_TTL, OUTCOME_TTL_EXCEEDED, R[4]); /* another router */
	CHECK(trace_path_answer(&t, &m, 2100));
	m = reply(&t, 3, 1, TRACE_REPLY_ERROR, OUTCOME_NET_UNREACH, R[3]);
	CHECK(trace_path_answer(&t, &m, 3000));
	(void)trace_path_expire(&t, 5000000);
	CHECK(trace_path_done(&t));
	struct prefix p[2];
	CHECK_INT(prefix_parse("192.0.2.0/24", &p[0]), 0);
	CHECK_INT(prefix_parse("203.0.113.0/24", &p[1]), 0);
	struct trace_result r = {.target = "example",
	                         .proto = TRACE_UDP,
	                         .src = A("198.51.100.1"),
	                         .sport = 40001,
	                         .dport = 33434};
	struct addr dst = A(DST);
	trace_path_result(&t, &dst, p, 2, &r);
	CHECK_INT(r.outcome, OUTCOME_NET_UNREACH);
	CHECK(!r.reached);
	CHECK_INT(r.stop_ttl, 3);
	CHECK_INT(r.nhops, 3);
	CHECK(r.hops[1].several_addrs);
	CHECK_INT(r.hops[0].prefix, -1);
	CHECK_INT(r.hops[1].prefix, 1);
	struct addr keys[1];
	CHECK_INT(trace_key_routers(&r, keys, 1), 3); /* .2, .10, .6: counted past max */
	char s[ADDR_STRLEN];
	CHECK_STR(addr_format(&keys[0], s, sizeof s), "203.0.113.2");
	struct buf b = {0};
	trace_result_json(&b, &r);
	CHECK_LONG(b.p,
	           "{\"proto\":\"udp\",\"src\":\"198.51.100.1\",\"dst\":\"203.0.113.100\","
	           "\"sport\":40001,\"dport\":33434,\"first_ttl\":1,\"max_ttl\":5,\"attempts\":3,"
	           "\"reached\":false,\"stop_ttl\":3,\"stop_addr\":\"203.0.113.6\",\"hops\":["
	           "{\"ttl\":1,\"addr\":\"198.51.100.2\",\"outcome\":\"ttl-exceeded\","
	           "\"rtt_ms\":[1.000,1.500,2.250]},"
	           "{\"ttl\":2,\"addr\":\"203.0.113.2\",\"outcome\":\"ttl-exceeded\","
	           "\"rtt_ms\":[2.000,2.100,null],\"from\":[\"203.0.113.2\",\"203.0.113.10\",null],"
	           "\"prefix\":\"203.0.113.0/24\"},"
	           "{\"ttl\":3,\"addr\":\"203.0.113.6\",\"outcome\":\"net-unreachable\","
	           "\"rtt_ms\":[null,3.000,null],\"prefix\":\"203.0.113.0/24\"}],"
	           "\"key_routers\":[\"203.0.113.2\",\"203.0.113.10\",\"203.0.113.6\"]}");
	buf_reset(&b);
	trace_result_text(&b, &r);
	CHECK_LONG(b.p,
	           "trace to example (203.0.113.100), udp port 33434 from 198.51.100.1, 5 hops "
	           "max, 3 probes per hop\n"
	           " 1  198.51.100.2  1.000 ms  1.500 ms  2.250 ms\n"
	           " 2  203.0.113.2  2.000 ms 203.0.113.10  2.100 ms *  [watched "
	           "203.0.113.0/24]\n"
	           " 3  * 203.0.113.6  3.000 ms !N *  [watched 203.0.113.0/24]\n");
	char sum[200];
	trace_result_summary(&r, sum, sizeof sum);
	CHECK_STR(sum, "the path stops at hop 3 (203.0.113.6): net-unreachable");
	buf_free(&b);
	trace_result_free(&r);
	trace_path_free(&t);
}

/* ---- the loop contract (trace.h), on loopback; raw sockets need root ----- */

struct calls {
	int n;
	int outcome;
	bool reached;
	size_t nhops;
	char message[128];
	bool has_detail;
};

static void on_trace(void *arg, const struct trace_result *t, const struct probe_result *r)
{
	struct calls *c = arg;
	c->n++;
	c->outcome = r->outcome;
	c->reached = t->reached;
	c->nhops = t->nhops;
	snprintf(c->message, sizeof c->message, "%s", r->message ? r->message : "");
	c->has_detail = r->detail_json && r->detail_json[0] == '{' && r->kind == PROBE_TRACE;
}

TEST(test_trace_contract)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct calls c = {0};
	char err[256];
	struct trace *t;
	struct trace_spec bad = {.target = A("127.0.0.1"), .attempts = TRACE_MAX_ATTEMPTS + 1};
	CHECK_INT(trace_start(&loop, &bad, on_trace, &c, &t, err, sizeof err), ERR_INVAL);
	CHECK(strstr(err, "attempts per hop") != NULL);
	bad = (struct trace_spec){.proto = TRACE_UDP};
	CHECK_INT(trace_start(&loop, &bad, on_trace, &c, NULL, NULL, 0), ERR_INVAL);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(c.n, 0); /* never called after a failed start */
	if (geteuid() != 0) {
		printf("skip - test_trace_contract_raw: needs root for raw sockets\n");
		uv_loop_close(&loop);
		return;
	}
	for (int proto = TRACE_ICMP; proto <= TRACE_TCP; proto++) {
		/* a whole trace to loopback: one hop, the destination */
		memset(&c, 0, sizeof c);
		struct trace_spec s = {.target = A(proto == TRACE_UDP ? "::1" : "127.0.0.1"),
		                       .proto = (enum trace_proto)proto,
		                       .timeout_ms = 3000};
		CHECK_INT(trace_start(&loop, &s, on_trace, &c, &t, err, sizeof err), 0);
		CHECK_INT(c.n, 0); /* not from inside start */
		uv_run(&loop, UV_RUN_DEFAULT);
		CHECK_INT(c.n, 1);
		CHECK_INT(c.outcome, OUTCOME_OK);
		CHECK(c.reached);
		CHECK_INT(c.nhops, 1);
		CHECK(c.has_detail);
		CHECK_STR(c.message, "reached in 1 hop");
		/* cancelled: the callback runs inside cancel, once */
		memset(&c, 0, sizeof c);
		CHECK_INT(trace_start(&loop, &s, on_trace, &c, &t, err, sizeof err), 0);
		trace_cancel(t);
		CHECK_INT(c.n, 1);
		CHECK_INT(c.outcome, OUTCOME_LOCAL_ERROR);
		CHECK_STR(c.message, "cancelled");
		uv_run(&loop, UV_RUN_DEFAULT);
		CHECK_INT(c.n, 1);
	}
	/* a source port that is taken */
	struct trace_spec s = {.target = A("127.0.0.1"), .proto = TRACE_UDP, .sport = 0};
	uv_udp_t u;
	uv_udp_init(&loop, &u);
	struct sockaddr_in sin;
	uv_ip4_addr("127.0.0.1", 0, &sin);
	uv_udp_bind(&u, (struct sockaddr *)&sin, 0);
	int len = sizeof sin;
	uv_udp_getsockname(&u, (struct sockaddr *)&sin, &len);
	s.sport = ntohs(sin.sin_port);
	CHECK_INT(trace_start(&loop, &s, on_trace, &c, &t, err, sizeof err), ERR_EXISTS);
	CHECK(strstr(err, "source port") != NULL);
	uv_close((uv_handle_t *)&u, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(uv_loop_close(&loop), 0);
}

/* discover_routers' choice in one trace: the last answering hop before the
 * watched prefixes, then each distinct answering hop inside them; silent hops
 * skipped; a path that never enters the prefixes gives where it stops. */
static struct trace_hop hop(int ttl, const char *a, int prefix)
{
	struct trace_hop h = {.ttl = ttl, .prefix = prefix, .outcome = OUTCOME_TIMEOUT};
	if (a) {
		h.answered = true;
		h.outcome = OUTCOME_TTL_EXCEEDED;
		if (addr_parse(a, &h.addr))
			abort();
	}
	return h;
}

TEST(test_discover_pick)
{
	struct trace_hop hops[] = {hop(1, "198.51.100.2", -1), hop(2, "203.0.113.2", -1), hop(3, NULL, -1),
				   hop(4, "203.0.113.9", 0), hop(5, "203.0.113.9", 0), hop(6, "203.0.113.100", 0)};
	struct trace_result t = {.nhops = 6, .hops = hops};
	struct discover_pick p[DISCOVER_MAX_PER_TRACE];
	char a[ADDR_STRLEN];
	CHECK_INT((int)discover_pick(&t, p, DISCOVER_MAX_PER_TRACE), 3);
	CHECK_STR(addr_format(&p[0].addr, a, sizeof a), "203.0.113.2");
	CHECK(!p[0].inside && p[0].ttl == 2);
	CHECK_STR(addr_format(&p[1].addr, a, sizeof a), "203.0.113.9");
	CHECK(p[1].inside && p[1].ttl == 4);
	CHECK_STR(addr_format(&p[2].addr, a, sizeof a), "203.0.113.100");
	CHECK_INT((int)discover_pick(&t, p, 2), 2); /* bounded */
	/* never inside: the last hop that answered, only */
	struct trace_result out = {.nhops = 3, .hops = hops};
	CHECK_INT((int)discover_pick(&out, p, DISCOVER_MAX_PER_TRACE), 1);
	CHECK_STR(addr_format(&p[0].addr, a, sizeof a), "203.0.113.2");
	/* nothing answered */
	struct trace_hop silent[] = {hop(1, NULL, -1), hop(2, NULL, -1)};
	struct trace_result none = {.nhops = 2, .hops = silent};
	CHECK_INT((int)discover_pick(&none, p, DISCOVER_MAX_PER_TRACE), 0);
}

int main(void)
{
	RUN(test_flow_constant);
	RUN(test_compensation_everywhere);
	RUN(test_match_errors);
	RUN(test_match_destination);
	RUN(test_path_in_order);
	RUN(test_path_out_of_order);
	RUN(test_path_gap_limit);
	RUN(test_path_window_and_stop);
	RUN(test_path_result_forms);
	RUN(test_trace_contract);
	RUN(test_discover_pick);
	return test_main_end();
}
