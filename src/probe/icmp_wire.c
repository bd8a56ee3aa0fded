#include "probe/icmp_wire.h"

#include <netinet/in.h>
#include <string.h>

#include "core/obs.h"

#define TOKEN_MAGIC 0x626c6b6fu /* "blko" */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t icmp_sum(uint32_t sum, const void *data, size_t n)
{
	const uint8_t *p = data;
	for (; n >= 2; p += 2, n -= 2) {
		sum += (uint32_t)(p[0] << 8 | p[1]);
		if (sum >> 31) /* fold before it can overflow (inputs of gigabytes) */
			sum = (sum & 0xffff) + (sum >> 16);
	}
	if (n)
		sum += (uint32_t)(p[0] << 8);
	return sum;
}

uint16_t icmp_sum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint32_t icmp_pseudo_sum(const struct addr *src, const struct addr *dst, uint8_t proto,
                         uint32_t len)
{
	size_t alen = src->family == AF_INET6 ? 16 : 4;
	uint32_t sum = icmp_sum(0, src->bytes, alen);
	sum = icmp_sum(sum, dst->bytes, alen);
	if (alen == 4)
		return sum + proto + (len & 0xffff);
	return sum + proto + (len >> 16) + (len & 0xffff);
}

uint16_t icmp_checksum(const void *data, size_t n)
{
	uint16_t c = (uint16_t)~icmp_sum_fold(icmp_sum(0, data, n));
	/* return it so that storing the two bytes high-first is right on any host */
	uint8_t be[2] = {(uint8_t)(c >> 8), (uint8_t)c};
	uint16_t out;
	memcpy(&out, be, 2);
	return out;
}

int icmp_echo_build(uint8_t *buf, size_t cap, int family, uint16_t id, uint16_t seq,
                    const void *payload, size_t plen)
{
	if (cap < ICMP_HDR_LEN || plen > cap - ICMP_HDR_LEN)
		return ERR_TOOBIG;
	buf[0] = family == AF_INET6 ? ICMP6_ECHO_REQUEST : ICMP4_ECHO_REQUEST;
	buf[1] = 0;
	buf[2] = buf[3] = 0;
	buf[4] = (uint8_t)(id >> 8);
	buf[5] = (uint8_t)id;
	buf[6] = (uint8_t)(seq >> 8);
	buf[7] = (uint8_t)seq;
	if (plen)
		memcpy(buf + ICMP_HDR_LEN, payload, plen);
	if (family != AF_INET6) {
		uint16_t c = icmp_checksum(buf, ICMP_HDR_LEN + plen);
		memcpy(buf + 2, &c, 2);
	}
	return (int)(ICMP_HDR_LEN + plen);
}

void icmp_token_write(uint8_t *out, const struct icmp_token *t)
{
	wr32(out, (uint32_t)(t->nonce >> 32));
	wr32(out + 4, (uint32_t)t->nonce);
	wr32(out + 8, t->index);
	wr32(out + 12, t->tag);
	wr32(out + 16, TOKEN_MAGIC);
}

bool icmp_token_read(const uint8_t *p, size_t n, struct icmp_token *t)
{
	if (!p || n < ICMP_TOKEN_LEN || rd32(p + 16) != TOKEN_MAGIC)
		return false;
	t->nonce = (uint64_t)rd32(p) << 32 | rd32(p + 4);
	t->index = rd32(p + 8);
	t->tag = rd32(p + 12);
	return true;
}

int icmp_error_outcome(int family, uint8_t type, uint8_t code)
{
	if (family == AF_INET6) {
		if (type == ICMP6_TIME_EXCEEDED)
			return OUTCOME_TTL_EXCEEDED;
		if (type != ICMP6_DEST_UNREACH)
			return -1; /* packet too big, parameter problem: not an answer about
			              reachability */
		switch (code) {
		case 0: /* no route to destination */
		case 2: /* beyond scope of source address */
		case 7: /* error in source routing header */
			return OUTCOME_NET_UNREACH;
		case 1: /* administratively prohibited */
		case 5: /* source address failed ingress/egress policy */
		case 6: /* reject route to destination */
			return OUTCOME_ADMIN_PROHIB;
		case 4:
			return OUTCOME_PORT_UNREACH;
		case 3: /* address unreachable */
		default:
			return OUTCOME_HOST_UNREACH;
		}
	}
	if (type == ICMP4_TIME_EXCEEDED)
		return OUTCOME_TTL_EXCEEDED;
	if (type != ICMP4_DEST_UNREACH)
		return -1;
	switch (code) {
	case 0:  /* net unreachable */
	case 5:  /* source route failed */
	case 6:  /* destination network unknown */
	case 11: /* network unreachable for TOS */
		return OUTCOME_NET_UNREACH;
	case 2: /* protocol unreachable: the host is there, the protocol is not */
	case 3:
		return OUTCOME_PORT_UNREACH;
	case 4: /* fragmentation needed: path MTU, not reachability */
		return -1;
	case 9:  /* network administratively prohibited */
	case 10: /* host administratively prohibited */
	case 13: /* communication administratively prohibited (filtered) */
	case 14: /* host precedence violation */
	case 15: /* precedence cutoff in effect */
		return OUTCOME_ADMIN_PROHIB;
	case 1:  /* host unreachable */
	case 7:  /* destination host unknown */
	case 8:  /* source host isolated */
	case 12: /* host unreachable for TOS */
	default:
		return OUTCOME_HOST_UNREACH;
	}
}

/* Reads an IPv4 header at p; sets *hl to its length and *total to the bytes
 * that belong to the packet (n, or less if the header says so). */
static int ip4_header(const uint8_t *p, size_t n, size_t *hl, size_t *total)
{
	if (n < 20)
		return ERR_TRUNC;
	if (p[0] >> 4 != 4)
		return ERR_PARSE;
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20)
		return ERR_PARSE;
	if (ihl > n)
		return ERR_TRUNC;
	size_t tot = rd16(p + 2);
	*hl = ihl;
	*total = tot >= ihl && tot < n ? tot : n;
	return 0;
}

static void addr_set(struct addr *a, int family, const uint8_t *bytes)
{
	memset(a, 0, sizeof *a);
	a->family = (uint8_t)family;
	memcpy(a->bytes, bytes, family == AF_INET ? 4 : 16);
}

/* The upper-layer header of a quoted packet (what follows its IP header). */
static void quote_l4(struct icmp_quote *q, const uint8_t *p, size_t n)
{
	if (n < 8)
		return;
	q->has_l4 = true;
	if (q->proto == IPPROTO_ICMP || q->proto == IPPROTO_ICMPV6) {
		q->icmp_type = p[0];
		q->cksum = rd16(p + 2);
		q->id = rd16(p + 4);
		q->seq = rd16(p + 6);
		q->payload = p + 8;
		q->payload_len = n - 8;
	} else if (q->proto == IPPROTO_TCP || q->proto == IPPROTO_UDP) {
		q->sport = rd16(p);
		q->dport = rd16(p + 2);
		if (q->proto == IPPROTO_TCP) {
			q->tcp_seq = rd32(p + 4);
		} else {
			q->udp_len = rd16(p + 4);
			q->cksum = rd16(p + 6);
		}
	}
}

static int quote4(struct icmp_quote *q, const uint8_t *p, size_t n)
{
	size_t hl, total;
	int rc = ip4_header(p, n, &hl, &total);
	if (rc)
		return rc;
	q->proto = p[9];
	q->ttl = p[8];
	q->ip_id = rd16(p + 4);
	addr_set(&q->src, AF_INET, p + 12);
	addr_set(&q->dst, AF_INET, p + 16);
	/* only the first fragment carries the upper-layer header */
	if ((rd16(p + 6) & 0x1fff) == 0)
		quote_l4(q, p + hl, total - hl);
	return 0;
}

static int quote6(struct icmp_quote *q, const uint8_t *p, size_t n)
{
	if (n < 40)
		return ERR_TRUNC;
	if (p[0] >> 4 != 6)
		return ERR_PARSE;
	addr_set(&q->src, AF_INET6, p + 8);
	addr_set(&q->dst, AF_INET6, p + 24);
	q->ttl = p[7];
	q->flow_label = rd32(p) & 0xfffff;
	uint8_t next = p[6];
	size_t off = 40;
	/* walk the extension headers, a bounded number of them */
	for (int i = 0; i < 8; i++) {
		size_t len;
		if (next == 0 || next == 43 || next == 60) { /* hop-by-hop, routing, destination */
			if (n - off < 2)
				return 0;
			len = ((size_t)p[off + 1] + 1) * 8;
		} else if (next == 44) { /* fragment */
			if (n - off < 8)
				return 0;
			if (rd16(p + off + 2) & 0xfff8) {
				q->proto = 44; /* a later fragment: no upper-layer header */
				return 0;
			}
			len = 8;
		} else if (next == 51) { /* authentication header */
			if (n - off < 2)
				return 0;
			len = ((size_t)p[off + 1] + 2) * 4;
		} else {
			break;
		}
		if (len > n - off)
			return 0;
		next = p[off];
		off += len;
	}
	q->proto = next;
	quote_l4(q, p + off, n - off);
	return 0;
}

static int parse_icmp(const uint8_t *p, size_t n, int family, struct icmp_msg *out)
{
	if (n < ICMP_HDR_LEN)
		return ERR_TRUNC;
	out->type = p[0];
	out->code = p[1];
	bool v6 = family == AF_INET6;
	uint8_t reply = v6 ? ICMP6_ECHO_REPLY : ICMP4_ECHO_REPLY;
	uint8_t request = v6 ? ICMP6_ECHO_REQUEST : ICMP4_ECHO_REQUEST;
	if (out->type == reply || out->type == request) {
		out->kind = out->type == reply ? ICMP_MSG_ECHO_REPLY : ICMP_MSG_ECHO_REQUEST;
		out->id = rd16(p + 4);
		out->seq = rd16(p + 6);
		out->payload = p + ICMP_HDR_LEN;
		out->payload_len = n - ICMP_HDR_LEN;
		return 0;
	}
	int outcome = icmp_error_outcome(family, out->type, out->code);
	if (outcome < 0)
		return 0; /* ICMP_MSG_OTHER */
	int rc = v6 ? quote6(&out->quote, p + ICMP_HDR_LEN, n - ICMP_HDR_LEN)
	            : quote4(&out->quote, p + ICMP_HDR_LEN, n - ICMP_HDR_LEN);
	if (rc)
		return rc;
	out->kind = ICMP_MSG_ERROR;
	out->outcome = outcome;
	return 0;
}

int icmp_parse(const uint8_t *p, size_t n, int family, bool with_ip, struct icmp_msg *out)
{
	memset(out, 0, sizeof *out);
	if (family != AF_INET && family != AF_INET6)
		return ERR_INVAL;
	out->family = (uint8_t)family;
	if (!with_ip)
		return parse_icmp(p, n, family, out);
	if (family != AF_INET)
		return ERR_INVAL; /* IPv6 raw sockets never deliver the IPv6 header */
	size_t hl, total;
	int rc = ip4_header(p, n, &hl, &total);
	if (rc)
		return rc;
	if (p[9] != IPPROTO_ICMP)
		return ERR_PARSE;
	out->has_ip = true;
	out->ttl = p[8];
	addr_set(&out->src, AF_INET, p + 12);
	addr_set(&out->dst, AF_INET, p + 16);
	if (rd16(p + 6) & 0x1fff)
		return 0; /* a later fragment: nothing we can read */
	return parse_icmp(p + hl, total - hl, family, out);
}

int icmp_parse_echo(const uint8_t *p, size_t n, int family, struct icmp_msg *out)
{
	memset(out, 0, sizeof *out);
	if (family != AF_INET && family != AF_INET6)
		return ERR_INVAL;
	out->family = (uint8_t)family;
	int rc = parse_icmp(p, n, family, out);
	if (rc)
		return rc;
	if (out->kind != ICMP_MSG_ECHO_REPLY && out->kind != ICMP_MSG_ECHO_REQUEST)
		return ERR_PARSE;
	return 0;
}

int icmp_parse_tcp(const uint8_t *p, size_t n, int family, bool with_ip, struct icmp_tcp_seg *out)
{
	memset(out, 0, sizeof *out);
	if (family != AF_INET && family != AF_INET6)
		return ERR_INVAL;
	if (with_ip) {
		if (family != AF_INET)
			return ERR_INVAL;
		size_t hl, total;
		int rc = ip4_header(p, n, &hl, &total);
		if (rc)
			return rc;
		if (p[9] != IPPROTO_TCP || (rd16(p + 6) & 0x1fff))
			return ERR_PARSE;
		out->has_ip = true;
		out->ttl = p[8];
		addr_set(&out->src, AF_INET, p + 12);
		addr_set(&out->dst, AF_INET, p + 16);
		p += hl;
		n = total - hl;
	}
	if (n < 20)
		return ERR_TRUNC;
	size_t doff = (size_t)(p[12] >> 4) * 4;
	if (doff < 20)
		return ERR_PARSE;
	if (doff > n)
		return ERR_TRUNC;
	out->sport = rd16(p);
	out->dport = rd16(p + 2);
	out->seq = rd32(p + 4);
	out->ack = rd32(p + 8);
	out->flags = p[13];
	return 0;
}
