/*
 * fuzz_icmp.c - libFuzzer harness for src/probe/icmp_wire.
 *
 * The first byte picks how the rest is read: bit 0 the family (IPv4/IPv6),
 * bit 1 whether an IPv4 header comes first (raw IPv4 socket), bit 2 the bare
 * echo parser (a ping socket's error queue), bit 3 a TCP segment (a
 * traceroute's raw TCP socket: icmp_parse_tcp). Whatever parses must keep its
 * pointers inside the input, and a token found anywhere must read back.
 * What parses then goes through the traceroute's matcher (trace_wire.h) with
 * a flow made from the packet itself (so it gets past the address and port
 * checks): a match must name a probe of the flow.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/icmp_wire.h"
#include "probe/trace_wire.h"

static void inside(const uint8_t *base, size_t n, const uint8_t *p, size_t len)
{
	if (p && (p < base || p + len > base + n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A flow of 64 probes whose identifier base is the packet's own identifier
 * minus 3, so a well-formed answer matches probe 3. */
static void flow_from(struct trace_flow *f, enum trace_proto proto, const struct addr *src,
                      const struct addr *dst, uint16_t sport, uint16_t dport, uint32_t ident)
{
	memset(f, 0, sizeof *f);
	f->proto = proto;
	f->src = *src;
	f->dst = *dst;
	f->sport = sport;
	f->dport = dport;
	f->icmp_id = sport;
	f->ident_base = (uint16_t)(ident - 3);
	f->seq_base = ident - 3;
	f->nprobes = 64;
}

static void check_match(bool matched, const struct trace_match *m, const struct trace_flow *f)
{
	if (matched && (m->index >= f->nprobes || m->kind == TRACE_REPLY_NONE))
		abort();
}

static void fuzz_tcp(const uint8_t *p, size_t n, int family, bool with_ip)
{
	struct icmp_tcp_seg s;
	if (icmp_parse_tcp(p, n, family, with_ip, &s))
		return;
	struct addr from = s.src;
	if (!with_ip)
		from.family = (uint8_t)family;
	struct trace_flow f;
	struct trace_match m;
	flow_from(&f, TRACE_TCP, &s.dst, &from, s.dport, s.sport, s.ack - 1);
	check_match(trace_match_tcp(&f, &s, &from, &m), &m, &f);
}

static void fuzz_trace(const struct icmp_msg *m, int family)
{
	struct trace_flow f;
	struct trace_match tm;
	struct addr from = m->src;
	if (!m->has_ip)
		from.family = (uint8_t)family;
	if (m->kind == ICMP_MSG_ECHO_REPLY) {
		flow_from(&f, TRACE_ICMP, &m->dst, &from, m->id, 0, m->seq);
		check_match(trace_match_icmp(&f, m, &from, &tm), &tm, &f);
	} else if (m->kind == ICMP_MSG_ERROR) {
		const struct icmp_quote *q = &m->quote;
		for (int p = TRACE_ICMP; p <= TRACE_TCP; p++) {
			uint32_t ident = p == TRACE_TCP   ? q->tcp_seq
			                 : p == TRACE_UDP ? q->cksum
			                                  : q->seq;
			flow_from(&f, (enum trace_proto)p, &q->src, &q->dst,
			          p == TRACE_ICMP ? q->id : q->sport, q->dport, ident);
			check_match(trace_match_icmp(&f, m, &from, &tm), &tm, &f);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	int family = mode & 1 ? AF_INET6 : AF_INET;
	if (mode & 8) {
		fuzz_tcp(p, n, family, (mode & 2) != 0);
		return 0;
	}
	struct icmp_msg m;
	int rc = mode & 4 ? icmp_parse_echo(p, n, family, &m)
	                  : icmp_parse(p, n, family, (mode & 2) != 0, &m);
	if (rc)
		return 0;
	inside(p, n, m.payload, m.payload_len);
	inside(p, n, m.quote.payload, m.quote.payload_len);
	struct icmp_token t;
	if (icmp_token_read(m.payload, m.payload_len, &t) ||
	    icmp_token_read(m.quote.payload, m.quote.payload_len, &t)) {
		uint8_t again[ICMP_TOKEN_LEN];
		struct icmp_token back;
		icmp_token_write(again, &t);
		if (!icmp_token_read(again, sizeof again, &back) || back.nonce != t.nonce ||
		    back.index != t.index || back.tag != t.tag)
			abort();
	}
	if (m.kind == ICMP_MSG_ERROR && icmp_error_outcome(family, m.type, m.code) != m.outcome)
		abort();
	fuzz_trace(&m, family);
	return 0;
}
