/*
 * trace_wire.c - Paris traceroute probes and their answers; see trace_wire.h.
 */
#include "probe/trace_wire.h"

#include <netinet/in.h>
#include <string.h>

#include "core/bytes.h"
#include "core/obs.h"

static const uint8_t TAIL[6] = {'b', 'l', 'k', 'o', 't', 'r'};

static bool addr_eq(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

int trace_flow_init(struct trace_flow *f, enum trace_proto proto, const struct addr *src,
                    const struct addr *dst, uint16_t sport, uint16_t dport, uint32_t nprobes,
                    const uint8_t rnd[16])
{
	memset(f, 0, sizeof *f);
	if (proto != TRACE_ICMP && proto != TRACE_UDP && proto != TRACE_TCP)
		return ERR_INVAL;
	if (src->family != dst->family || (dst->family != AF_INET && dst->family != AF_INET6))
		return ERR_INVAL;
	if (!nprobes || nprobes > TRACE_MAX_PROBES)
		return ERR_INVAL;
	if (proto != TRACE_ICMP && (!sport || !dport))
		return ERR_INVAL;
	f->proto = proto;
	f->src = *src;
	f->dst = *dst;
	f->sport = proto == TRACE_ICMP ? 0 : sport;
	f->dport = proto == TRACE_ICMP ? 0 : dport;
	f->nprobes = nprobes;
	f->icmp_id = be16_get(rnd);
	f->icmp_cksum = (uint16_t)(1 + be16_get(rnd + 2) % 0xfffe); /* 1..0xfffe */
	/* identifiers base .. base + nprobes - 1 stay within 1..0xfffe: a UDP
	 * checksum of 0 means "none", and 0xffff is how 0 is sent */
	f->ident_base = (uint16_t)(1 + be16_get(rnd + 4) % (0xffffu - nprobes));
	f->seq_base = be32_get(rnd + 4) ^ be32_get(rnd + 8);
	f->nonce = (uint64_t)be32_get(rnd + 8) << 32 | be32_get(rnd + 12);
	return 0;
}

int trace_flow_ipproto(const struct trace_flow *f)
{
	switch (f->proto) {
	case TRACE_UDP:
		return IPPROTO_UDP;
	case TRACE_TCP:
		return IPPROTO_TCP;
	default:
		return f->dst.family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	}
}

size_t trace_flow_hash_len(const struct trace_flow *f)
{
	return f->proto == TRACE_TCP ? 4 : 6;
}

const char *trace_proto_name(enum trace_proto p)
{
	return p == TRACE_UDP ? "udp" : p == TRACE_TCP ? "tcp" : "icmp";
}

int trace_proto_parse(const char *s)
{
	if (!strcmp(s, "icmp"))
		return TRACE_ICMP;
	if (!strcmp(s, "udp"))
		return TRACE_UDP;
	if (!strcmp(s, "tcp"))
		return TRACE_TCP;
	return -1;
}

/* The word that, added to a packet whose other bytes sum to `sum` (unfolded,
 * pseudo-header included, checksum field 0), makes its checksum `want`
 * (1..0xfffe). One's-complement subtraction: (~want) - sum. */
static uint16_t compensate(uint32_t sum, uint16_t want)
{
	uint16_t s = icmp_sum_fold(sum);
	return icmp_sum_fold((uint32_t)(uint16_t)~want + (uint16_t)~s);
}

static void put_payload(uint8_t *p, uint64_t nonce)
{
	p[0] = p[1] = 0; /* the compensation word, filled in last */
	be32_put(p + 2, (uint32_t)(nonce >> 32));
	be32_put(p + 6, (uint32_t)nonce);
	memcpy(p + 10, TAIL, sizeof TAIL);
}

int trace_probe_build(const struct trace_flow *f, uint32_t i, uint8_t *buf, size_t cap)
{
	if (cap < TRACE_PROBE_MAX)
		return ERR_TOOBIG;
	if (i >= f->nprobes)
		return ERR_INVAL;
	bool v6 = f->dst.family == AF_INET6;
	uint8_t proto = (uint8_t)trace_flow_ipproto(f);
	if (f->proto == TRACE_TCP) {
		memset(buf, 0, 24);
		be16_put(buf, f->sport);
		be16_put(buf + 2, f->dport);
		be32_put(buf + 4, f->seq_base + i);
		buf[12] = 6 << 4; /* 24 bytes: the header and one option */
		buf[13] = ICMP_TCP_SYN;
		be16_put(buf + 14, 65535);
		buf[20] = 2; /* MSS, as every real SYN carries one */
		buf[21] = 4;
		be16_put(buf + 22, v6 ? 1440 : 1460);
		uint32_t sum = icmp_pseudo_sum(&f->src, &f->dst, proto, 24);
		be16_put(buf + 16, (uint16_t)~icmp_sum_fold(icmp_sum(sum, buf, 24)));
		return 24;
	}
	size_t len = 8 + TRACE_PAYLOAD_LEN;
	uint16_t want;
	if (f->proto == TRACE_UDP) {
		be16_put(buf, f->sport);
		be16_put(buf + 2, f->dport);
		be16_put(buf + 4, (uint16_t)len);
		be16_put(buf + 6, 0);
		want = (uint16_t)(f->ident_base + i);
	} else {
		buf[0] = v6 ? ICMP6_ECHO_REQUEST : ICMP4_ECHO_REQUEST;
		buf[1] = 0;
		be16_put(buf + 2, 0);
		be16_put(buf + 4, f->icmp_id);
		be16_put(buf + 6, (uint16_t)(f->ident_base + i));
		want = f->icmp_cksum;
	}
	put_payload(buf + 8, f->nonce);
	/* ICMPv4's checksum has no pseudo-header; UDP's and ICMPv6's do */
	uint32_t sum = f->proto == TRACE_ICMP && !v6
	                   ? 0
	                   : icmp_pseudo_sum(&f->src, &f->dst, proto, (uint32_t)len);
	sum = icmp_sum(sum, buf, len);
	be16_put(buf + 8, compensate(sum, want));
	be16_put(buf + (f->proto == TRACE_UDP ? 6 : 2), want);
	return (int)len;
}

/* Probe index for identifier id, or -1 when it is not one of ours. */
static int64_t index16(const struct trace_flow *f, uint16_t id)
{
	uint16_t k = (uint16_t)(id - f->ident_base);
	return k < f->nprobes ? k : -1;
}

bool trace_match_icmp(const struct trace_flow *f, const struct icmp_msg *m, const struct addr *from,
                      struct trace_match *out)
{
	memset(out, 0, sizeof *out);
	if (m->family != f->dst.family)
		return false;
	int64_t k = -1;
	if (m->kind == ICMP_MSG_ECHO_REPLY) {
		if (f->proto != TRACE_ICMP || !addr_eq(from, &f->dst) || m->id != f->icmp_id)
			return false;
		if (m->payload_len < 10 || be32_get(m->payload + 2) != (uint32_t)(f->nonce >> 32) ||
		    be32_get(m->payload + 6) != (uint32_t)f->nonce)
			return false; /* not our echo request that came back */
		k = index16(f, m->seq);
		if (k < 0)
			return false;
		out->kind = TRACE_REPLY_DEST;
		out->outcome = OUTCOME_OK;
	} else if (m->kind == ICMP_MSG_ERROR) {
		const struct icmp_quote *q = &m->quote;
		if (q->proto != trace_flow_ipproto(f) || !q->has_l4 || !addr_eq(&q->dst, &f->dst) ||
		    !addr_eq(&q->src, &f->src))
			return false;
		switch (f->proto) {
		case TRACE_ICMP:
			if (q->id == f->icmp_id &&
			    q->icmp_type == (f->dst.family == AF_INET6 ? ICMP6_ECHO_REQUEST
			                                               : ICMP4_ECHO_REQUEST))
				k = index16(f, q->seq);
			break;
		case TRACE_UDP:
			if (q->sport == f->sport && q->dport == f->dport)
				k = index16(f, q->cksum);
			break;
		case TRACE_TCP:
			if (q->sport == f->sport && q->dport == f->dport &&
			    q->tcp_seq - f->seq_base < f->nprobes)
				k = q->tcp_seq - f->seq_base;
			break;
		}
		if (k < 0)
			return false;
		out->outcome = m->outcome;
		out->quoted_ttl = q->ttl;
		if (m->outcome == OUTCOME_TTL_EXCEEDED)
			out->kind = TRACE_REPLY_TTL;
		else if (f->proto == TRACE_UDP && m->outcome == OUTCOME_PORT_UNREACH &&
		         addr_eq(from, &f->dst))
			out->kind = TRACE_REPLY_DEST, out->outcome = OUTCOME_OK;
		else
			out->kind = TRACE_REPLY_ERROR;
	} else {
		return false;
	}
	out->index = (uint32_t)k;
	out->from = *from;
	out->icmp_type = m->type;
	out->icmp_code = m->code;
	return true;
}

bool trace_match_tcp(const struct trace_flow *f, const struct icmp_tcp_seg *s,
                     const struct addr *from, struct trace_match *out)
{
	memset(out, 0, sizeof *out);
	if (f->proto != TRACE_TCP || !addr_eq(from, &f->dst) || s->sport != f->dport ||
	    s->dport != f->sport)
		return false;
	bool synack = (s->flags & (ICMP_TCP_SYN | ICMP_TCP_ACK)) == (ICMP_TCP_SYN | ICMP_TCP_ACK);
	bool rst = (s->flags & (ICMP_TCP_RST | ICMP_TCP_ACK)) == (ICMP_TCP_RST | ICMP_TCP_ACK);
	if (!synack && !rst)
		return false;
	uint32_t k = s->ack - 1 - f->seq_base;
	if (k >= f->nprobes)
		return false;
	out->index = k;
	out->kind = TRACE_REPLY_DEST;
	out->outcome = OUTCOME_OK;
	out->from = *from;
	out->tcp_flags = s->flags;
	return true;
}
