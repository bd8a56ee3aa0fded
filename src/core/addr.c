#include "core/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t addr_len(const struct addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

int addr_parse(const char *s, struct addr *out)
{
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, s, out->bytes) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->bytes) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return ERR_PARSE;
}

char *addr_format(const struct addr *a, char *buf, size_t n)
{
	if (a->family == AF_INET && n >= 16) {
		/* dotted quad without sprintf (glibc's inet_ntop uses it): scans print many */
		char *p = buf;
		for (int i = 0; i < 4; i++) {
			unsigned v = a->bytes[i];
			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
			*p++ = i < 3 ? '.' : '\0';
		}
		return buf;
	}
	if (!inet_ntop(a->family == AF_INET ? AF_INET : AF_INET6, a->bytes, buf, (socklen_t)n))
		snprintf(buf, n, "?");
	return buf;
}

int addr_cmp(const struct addr *a, const struct addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, addr_len(a));
}

bool addr_is_loopback(const struct addr *a)
{
	static const uint8_t v6lo[16] = {[15] = 1};
	if (a->family == AF_INET)
		return a->bytes[0] == 127;
	return memcmp(a->bytes, v6lo, 16) == 0;
}

socklen_t addr_to_sockaddr(const struct addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->bytes, 4);
		return sizeof *sin;
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, a->bytes, 16);
	return sizeof *sin6;
}

int addr_from_sockaddr(const struct sockaddr *sa, struct addr *out, uint16_t *port)
{
	memset(out, 0, sizeof *out);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		out->family = AF_INET;
		memcpy(out->bytes, &sin->sin_addr, 4);
		if (port)
			*port = ntohs(sin->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		out->family = AF_INET6;
		memcpy(out->bytes, &sin6->sin6_addr, 16);
		if (port)
			*port = ntohs(sin6->sin6_port);
		return 0;
	}
	return ERR_UNSUPPORTED;
}

static int port_parse(const char *s, uint16_t *port)
{
	if (*s < '0' || *s > '9' || strlen(s) > 5)
		return ERR_PARSE;
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || v == 0 || v > 65535)
		return ERR_PARSE;
	*port = (uint16_t)v;
	return 0;
}

int addr_port_parse(const char *s, uint16_t default_port, struct addr *out, uint16_t *port)
{
	char tmp[ADDR_STRLEN];
	const char *a = s, *p = NULL;
	size_t alen;
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close || (close[1] && close[1] != ':'))
			return ERR_PARSE;
		a = s + 1;
		alen = (size_t)(close - a);
		p = close[1] ? close + 2 : NULL;
	} else {
		const char *colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* two colons or more: a bare IPv6 address */
		alen = colon ? (size_t)(colon - s) : strlen(s);
		p = colon ? colon + 1 : NULL;
	}
	if (alen == 0 || alen >= sizeof tmp)
		return ERR_PARSE;
	memcpy(tmp, a, alen);
	tmp[alen] = '\0';
	if (addr_parse(tmp, out))
		return ERR_PARSE;
	if (*s == '[' && out->family != AF_INET6)
		return ERR_PARSE;
	*port = default_port;
	return p ? port_parse(p, port) : 0;
}

char *addr_port_format(const struct addr *a, uint16_t port, char *buf, size_t n)
{
	char t[ADDR_STRLEN];
	addr_format(a, t, sizeof t);
	snprintf(buf, n, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", t, port);
	return buf;
}

int prefix_parse(const char *s, struct prefix *out)
{
	char tmp[PREFIX_STRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof tmp)
		return ERR_PARSE;
	memcpy(tmp, s, alen);
	tmp[alen] = '\0';
	if (addr_parse(tmp, &out->addr))
		return ERR_PARSE;
	unsigned max = out->addr.family == AF_INET ? 32 : 128;
	if (!slash) {
		out->len = (uint8_t)max;
		return 0;
	}
	const char *p = slash + 1;
	if (*p < '0' || *p > '9')
		return ERR_PARSE;
	char *end;
	unsigned long v = strtoul(p, &end, 10);
	if (*end || v > max || end - p > 3)
		return ERR_PARSE;
	out->len = (uint8_t)v;
	return 0;
}

char *prefix_format(const struct prefix *p, char *buf, size_t n)
{
	char a[ADDR_STRLEN];
	snprintf(buf, n, "%s/%u", addr_format(&p->addr, a, sizeof a), p->len);
	return buf;
}

void prefix_normalize(struct prefix *p)
{
	size_t total = addr_len(&p->addr);
	for (size_t i = 0; i < total; i++) {
		int keep = (int)p->len - (int)(i * 8);
		if (keep >= 8)
			continue;
		p->addr.bytes[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
	}
}

static bool bits_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(a, b, whole))
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

bool prefix_contains(const struct prefix *p, const struct addr *a)
{
	return p->addr.family == a->family && bits_equal(p->addr.bytes, a->bytes, p->len);
}

bool prefix_covers(const struct prefix *outer, const struct prefix *inner)
{
	return outer->addr.family == inner->addr.family && outer->len <= inner->len &&
	       bits_equal(outer->addr.bytes, inner->addr.bytes, outer->len);
}

uint64_t prefix_size(const struct prefix *p)
{
	unsigned host = (p->addr.family == AF_INET ? 32u : 128u) - p->len;
	return host >= 64 ? UINT64_MAX : (UINT64_C(1) << host);
}

void prefix_nth(const struct prefix *p, uint64_t i, struct addr *out)
{
	*out = p->addr;
	size_t n = addr_len(out);
	/* add i to the address as a big-endian integer */
	for (size_t k = n; k-- > 0 && i;) {
		unsigned sum = out->bytes[k] + (unsigned)(i & 0xff);
		out->bytes[k] = (uint8_t)sum;
		i >>= 8;
		if (sum > 0xff)
			i += 1;
	}
}
