#include "bgp/mrt_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

struct mrt_text {
	uint8_t merge[BGP_MERGE_BUF];
	struct buf tail; /* the attribute part shared by one record's lines */
};

struct mrt_text *mrt_text_new(void)
{
	return xcalloc(1, sizeof(struct mrt_text));
}

void mrt_text_free(struct mrt_text *t)
{
	if (!t)
		return;
	buf_free(&t->tail);
	free(t);
}

/* ---- number and address writers (no bounds: callers reserve) ---- */

static const char digits2[] = "00010203040506070809101112131415161718192021222324252627282930313233"
			      "34353637383940414243444546474849505152535455565758596061626364656667"
			      "6869707172737475767778798081828384858687888990919293949596979899";

static inline char *put_u32(char *o, uint32_t v)
{
	char tmp[10], *t = tmp + 10;
	while (v >= 100) {
		uint32_t q = v / 100;
		t -= 2;
		memcpy(t, digits2 + (v - q * 100) * 2, 2);
		v = q;
	}
	if (v >= 10) {
		t -= 2;
		memcpy(t, digits2 + v * 2, 2);
	} else {
		*--t = (char)('0' + v);
	}
	size_t n = (size_t)(tmp + 10 - t);
	memcpy(o, t, n);
	return o + n;
}

static inline char *put_i32(char *o, uint32_t v)
{
	if (v > INT32_MAX) {
		*o++ = '-';
		return put_u32(o, (uint32_t)(-(int64_t)(int32_t)v));
	}
	return put_u32(o, v);
}

static inline char *put_str(char *o, const char *s, size_t n)
{
	memcpy(o, s, n);
	return o + n;
}
#define PUT_LIT(o, lit) put_str(o, lit, sizeof(lit) - 1)

static inline char *put_ipv4(char *o, const uint8_t *b)
{
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (v >= 100) {
			*o++ = (char)('0' + v / 100);
			memcpy(o, digits2 + (v % 100) * 2, 2);
			o += 2;
		} else if (v >= 10) {
			memcpy(o, digits2 + v * 2, 2);
			o += 2;
		} else {
			*o++ = (char)('0' + v);
		}
		*o++ = '.';
	}
	return o - 1;
}

/* IPv6 as bgpdump's fmt_ipv6 writes it: mapped and compatible IPv4 forms,
 * and the first longest run of zero groups (even a single one) as "::". */
static char *put_ipv6(char *o, const uint8_t *b)
{
	static const char hex[] = "0123456789abcdef";
	bool zero10 = !memcmp(b, "\0\0\0\0\0\0\0\0\0\0", 10);
	if (zero10 && b[10] == 0xff && b[11] == 0xff) {
		o = PUT_LIT(o, "::ffff:");
		return put_ipv4(o, b + 12);
	}
	if (zero10 && !b[10] && !b[11] &&
	    ((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]) > 1) {
		o = PUT_LIT(o, "::");
		return put_ipv4(o, b + 12);
	}
	unsigned g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	int best = -1, bestlen = 0;
	for (int i = 0; i < 8;) {
		if (g[i]) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && !g[j])
			j++;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		i = j;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			if (i == 0)
				*o++ = ':';
			*o++ = ':';
			i += bestlen - 1;
			continue;
		}
		unsigned v = g[i];
		if (v >= 0x1000)
			*o++ = hex[v >> 12];
		if (v >= 0x100)
			*o++ = hex[(v >> 8) & 15];
		if (v >= 0x10)
			*o++ = hex[(v >> 4) & 15];
		*o++ = hex[v & 15];
		if (i != 7)
			*o++ = ':';
	}
	return o;
}

static inline char *put_addr(char *o, const struct addr *a)
{
	return a->family == AF_INET6 ? put_ipv6(o, a->bytes) : put_ipv4(o, a->bytes);
}

char *mrt_text_addr(char *dst, const struct addr *a)
{
	return put_addr(dst, a);
}

static inline char *put_prefix(char *o, const struct prefix *p)
{
	o = put_addr(o, &p->addr);
	*o++ = '/';
	return put_u32(o, p->len);
}

static inline char *put_nh(char *o, const uint8_t *nh, unsigned len)
{
	return len == 4 ? put_ipv4(o, nh) : put_ipv6(o, nh);
}

/* ---- attribute parts ---- */

static bool aspath_ok(const struct bgp_aspath *p)
{
	uint32_t c = 0;
	struct bgp_asseg s;
	while (bgp_aspath_next(p, &c, &s))
		if (s.type < BGP_AS_SET || s.type > BGP_AS_CONFED_SET)
			return false;
	return c == p->len;
}

static char seg_open(unsigned type)
{
	return type == BGP_AS_SET ? '{' : type == BGP_AS_CONFED_SET ? '[' : '(';
}

static char seg_close(unsigned type)
{
	return type == BGP_AS_SET ? '}' : type == BGP_AS_CONFED_SET ? ']' : ')';
}

/* bgpdump's AS path text: sequences space-separated, {sets} and [confed
 * sets] comma-separated, (confed sequences). Needs 11 bytes per ASN + 3 per
 * segment. */
static char *put_aspath(char *o, const struct bgp_aspath *p)
{
	if (!aspath_ok(p))
		return PUT_LIT(o, "! Error !");
	uint32_t c = 0;
	struct bgp_asseg s;
	unsigned prev = BGP_AS_SEQUENCE;
	bool space = false;
	while (bgp_aspath_next(p, &c, &s)) {
		if (prev != BGP_AS_SEQUENCE)
			*o++ = seg_close(prev);
		if (space)
			*o++ = ' ';
		if (s.type != BGP_AS_SEQUENCE)
			*o++ = seg_open(s.type);
		space = false;
		char sep = s.type == BGP_AS_SET || s.type == BGP_AS_CONFED_SET ? ',' : ' ';
		for (unsigned i = 0; i < s.count; i++) {
			if (space)
				*o++ = sep;
			space = true;
			o = put_u32(o, bgp_asseg_asn(&s, i));
		}
		prev = s.type;
	}
	if (prev != BGP_AS_SEQUENCE)
		*o++ = seg_close(prev);
	return o;
}

static size_t aspath_bound(const struct bgp_aspath *p)
{
	return (size_t)p->len * (p->asn_size == 2 ? 6 : 3) + 16;
}

static char *put_communities(char *o, const struct bgp_attrs *a)
{
	for (unsigned i = 0; i < a->n_communities; i++) {
		const uint8_t *c = a->communities + 4 * i;
		if (i)
			*o++ = ' ';
		if (c[0] == 0xff && c[1] == 0xff && c[2] == 0xff && c[3] >= 1 && c[3] <= 3) {
			if (c[3] == 1)
				o = PUT_LIT(o, "no-export");
			else if (c[3] == 2)
				o = PUT_LIT(o, "no-advertise");
			else
				o = PUT_LIT(o, "local-AS");
			continue;
		}
		o = put_u32(o, (uint32_t)c[0] << 8 | c[1]);
		*o++ = ':';
		o = put_u32(o, (uint32_t)c[2] << 8 | c[3]);
	}
	return o;
}

enum tail_kind {
	TAIL_STD,    /* aspath|origin|nh|lp|med|comms|AG|aggr| */
	TAIL_LEGACY, /* the same, without the comms field when there are none */
	TAIL_MP4,    /* aspath|origin|[nh|lp|med|]comms|AG|aggr| with signed lp/med */
	TAIL_MP6,    /* [aspath|origin|nh|lp|med|]comms|AG|aggr| */
};

static size_t tail_bound(const struct bgp_attrs *a, const struct bgp_effective *eff)
{
	return 160 + aspath_bound(&eff->path) + (size_t)a->n_communities * 13;
}

/* Writes the attribute part of a line (after "prefix|"), with the newline, at
 * o (tail_bound bytes available). nh NULL means "the record has no next hop of
 * the needed kind". */
static char *put_tail(char *o, const struct bgp_attrs *a, const struct bgp_effective *eff,
		      enum tail_kind kind, const uint8_t *nh, unsigned nh_len)
{
	static const uint8_t none[4] = {255, 255, 255, 255};
	bool with_nh = nh_len == 4 || nh_len == 16 || nh_len == 32;
	uint32_t lp = bgp_has(a, BGP_ATTR_LOCAL_PREF) ? a->local_pref : 0;
	uint32_t med = bgp_has(a, BGP_ATTR_MED) ? a->med : 0;
	if (kind != TAIL_MP6 || with_nh) {
		o = put_aspath(o, &eff->path);
		*o++ = '|';
		unsigned origin = bgp_has(a, BGP_ATTR_ORIGIN) ? a->origin : 2;
		o = origin == 0 ? PUT_LIT(o, "IGP|") : origin == 1 ? PUT_LIT(o, "EGP|")
								   : PUT_LIT(o, "INCOMPLETE|");
	}
	if (kind == TAIL_STD || kind == TAIL_LEGACY) {
		o = with_nh ? put_nh(o, nh, nh_len) : put_ipv4(o, none);
		*o++ = '|';
		o = put_u32(o, lp);
		*o++ = '|';
		o = put_u32(o, med);
		*o++ = '|';
	} else if (with_nh) {
		o = put_nh(o, nh, nh_len);
		*o++ = '|';
		o = kind == TAIL_MP4 ? put_i32(o, lp) : put_u32(o, lp);
		*o++ = '|';
		o = kind == TAIL_MP4 ? put_i32(o, med) : put_u32(o, med);
		*o++ = '|';
	}
	if (bgp_has(a, BGP_ATTR_COMMUNITIES)) {
		o = put_communities(o, a);
		*o++ = '|';
	} else if (kind != TAIL_LEGACY) {
		*o++ = '|';
	}
	o = bgp_has(a, BGP_ATTR_ATOMIC_AGGREGATE) ? PUT_LIT(o, "AG|") : PUT_LIT(o, "NAG|");
	if (eff->has_aggregator && memcmp(eff->aggregator_ip, none, 4)) {
		o = put_u32(o, eff->aggregator_as);
		*o++ = ' ';
		o = put_ipv4(o, eff->aggregator_ip);
	}
	*o++ = '|';
	*o++ = '\n';
	return o;
}

/* The tail shared by the lines of one UPDATE, into t->tail. */
static void make_tail(struct mrt_text *t, const struct bgp_attrs *a, enum tail_kind kind,
		      const uint8_t *nh, unsigned nh_len)
{
	struct bgp_effective eff;
	bgp_attrs_effective(a, t->merge, sizeof t->merge, &eff);
	buf_reset(&t->tail);
	buf_reserve(&t->tail, tail_bound(a, &eff));
	t->tail.len = (size_t)(put_tail(t->tail.p, a, &eff, kind, nh, nh_len) - t->tail.p);
}

/* The MP_REACH next hop a RIB entry shows, else NEXT_HOP (see mrt_record_routes). */
static void rib_nh(const struct bgp_attrs *a, const uint8_t **nh, unsigned *len)
{
	const struct bgp_mp_reach *mp = &a->mp_reach;
	if (bgp_has(a, BGP_ATTR_MP_REACH) &&
	    (mp->short_form || ((mp->afi == 1 || mp->afi == 2) && mp->safi == 1)) &&
	    (mp->nh_len == 4 || mp->nh_len == 16 || mp->nh_len == 32)) {
		*nh = mp->nh;
		*len = mp->nh_len;
	} else if (bgp_has(a, BGP_ATTR_NEXT_HOP)) {
		*nh = a->next_hop;
		*len = 4;
	} else {
		*nh = NULL;
		*len = 0;
	}
}

static inline char *reserve(struct buf *out, size_t n)
{
	if (out->len + n + 1 > out->cap)
		buf_reserve(out, n);
	return out->p + out->len;
}

static char *put_time(char *o, const struct mrt_record *rec, bool usec)
{
	o = put_u32(o, rec->time);
	if (usec) {
		*o++ = '.';
		uint32_t us = rec->usec;
		char d[6];
		for (int i = 5; i >= 0; i--) {
			d[i] = (char)('0' + us % 10);
			us /= 10;
		}
		o = put_str(o, d, 6);
	}
	return o;
}

/* ---- the bgpdump lines ---- */

static size_t rib_lines(struct mrt_text *t, struct buf *out, const struct mrt_record *rec)
{
	char head[64];
	size_t count = 0;
	char *h = head;
	if (rec->rib.v1)
		h = PUT_LIT(h, "TABLE_DUMP|");
	else if (rec->rib.addpath)
		h = PUT_LIT(h, "TABLE_DUMP2_AP|");
	else
		h = PUT_LIT(h, "TABLE_DUMP2|");
	h = put_time(h, rec, false);
	h = PUT_LIT(h, "|B|");
	size_t hl = (size_t)(h - head);
	for (uint32_t i = 0; i < rec->rib.n_entries; i++) {
		const struct mrt_rib_entry *e = &rec->rib.entries[i];
		const uint8_t *nh;
		unsigned nhl;
		rib_nh(&e->attrs, &nh, &nhl);
		struct bgp_effective eff;
		bgp_attrs_effective(&e->attrs, t->merge, sizeof t->merge, &eff);
		char *o = reserve(out, hl + 128 + tail_bound(&e->attrs, &eff)), *o0 = o;
		o = put_str(o, head, hl);
		o = put_addr(o, &e->peer->ip);
		*o++ = '|';
		o = put_u32(o, e->peer->asn);
		*o++ = '|';
		o = put_prefix(o, &e->prefix);
		*o++ = '|';
		if (rec->rib.addpath) {
			o = put_u32(o, e->path_id);
			*o++ = '|';
		}
		o = put_tail(o, &e->attrs, &eff, TAIL_STD, nh, nhl);
		out->len += (size_t)(o - o0);
		count++;
	}
	if (out->p)
		out->p[out->len] = '\0';
	return count;
}

/* One line per prefix of b: head, prefix, [|path id], then either "\n"
 * (tail NULL: withdrawals) or "|" and the tail. */
static size_t block_lines(struct buf *out, const char *head, size_t hl,
			  const struct bgp_nlri_block *b, const struct buf *tail)
{
	struct bgp_nlri_iter it;
	struct bgp_nlri n;
	size_t count = 0, tl = tail ? tail->len : 0;
	bgp_nlri_iter_init(&it, b);
	while (bgp_nlri_next(&it, &n) > 0) {
		char *o = reserve(out, hl + 80 + tl), *o0 = o;
		o = put_str(o, head, hl);
		o = put_prefix(o, &n.prefix);
		if (b->addpath) {
			*o++ = '|';
			o = put_u32(o, n.path_id);
		}
		if (tail) {
			*o++ = '|';
			o = put_str(o, tail->p, tl);
		} else {
			*o++ = '\n';
		}
		out->len += (size_t)(o - o0);
		count++;
	}
	if (out->p && count)
		out->p[out->len] = '\0';
	return count;
}

static bool printed_family(uint16_t afi, uint8_t safi)
{
	return (afi == BGP_AFI_IPV4 || afi == BGP_AFI_IPV6) && safi >= 1 && safi <= 3;
}

static size_t update_lines(struct mrt_text *t, struct buf *out, const struct mrt_record *rec)
{
	const struct bgp_update *u = &rec->bgp.msg.u.update;
	const struct bgp_attrs *a = &u->attrs;
	char head[160];
	char *h = head;
	bool et = rec->type == MRT_BGP4MP_ET;
	if (rec->bgp.legacy) {
		h = PUT_LIT(h, "BGP|");
	} else {
		h = et ? PUT_LIT(h, "BGP4MP_ET") : PUT_LIT(h, "BGP4MP");
		if (rec->bgp.local)
			h = PUT_LIT(h, "_LOCAL");
		if (rec->bgp.addpath)
			h = PUT_LIT(h, "_AP");
		*h++ = '|';
	}
	h = put_time(h, rec, et);
	char *kind_at = h;
	h = PUT_LIT(h, "|W|");
	h = put_addr(h, &rec->bgp.peer_ip);
	*h++ = '|';
	h = put_u32(h, rec->bgp.peer_as);
	*h++ = '|';
	size_t hl = (size_t)(h - head), count = 0;

	count += block_lines(out, head, hl, &u->withdrawn, NULL);
	if (bgp_has(a, BGP_ATTR_MP_UNREACH) && printed_family(a->mp_unreach.afi, a->mp_unreach.safi))
		count += block_lines(out, head, hl, &a->mp_unreach.nlri, NULL);

	kind_at[1] = 'A';
	if (u->nlri.len) {
		bool nh = bgp_has(a, BGP_ATTR_NEXT_HOP);
		make_tail(t, a, rec->bgp.legacy ? TAIL_LEGACY : TAIL_STD, nh ? a->next_hop : NULL,
			  nh ? 4 : 0);
		count += block_lines(out, head, hl, &u->nlri, &t->tail);
	}
	const struct bgp_mp_reach *mp = &a->mp_reach;
	if (bgp_has(a, BGP_ATTR_MP_REACH) && !mp->short_form && printed_family(mp->afi, mp->safi) &&
	    mp->nlri.len) {
		make_tail(t, a, mp->afi == BGP_AFI_IPV4 ? TAIL_MP4 : TAIL_MP6, mp->nh, mp->nh_len);
		count += block_lines(out, head, hl, &mp->nlri, &t->tail);
	}
	return count;
}

static size_t state_line(struct buf *out, const struct mrt_record *rec)
{
	char *o = reserve(out, 160), *o0 = o;
	bool et = rec->type == MRT_BGP4MP_ET;
	if (rec->bgp.legacy)
		o = PUT_LIT(o, "BGP|");
	else
		o = et ? PUT_LIT(o, "BGP4MP_ET|") : PUT_LIT(o, "BGP4MP|");
	o = put_time(o, rec, et);
	o = PUT_LIT(o, "|STATE|");
	o = put_addr(o, &rec->bgp.peer_ip);
	*o++ = '|';
	o = put_u32(o, rec->bgp.peer_as);
	*o++ = '|';
	o = put_u32(o, rec->bgp.old_state);
	*o++ = '|';
	o = put_u32(o, rec->bgp.new_state);
	*o++ = '\n';
	out->len += (size_t)(o - o0);
	out->p[out->len] = '\0';
	return 1;
}

size_t mrt_text_bgpdump(struct mrt_text *t, struct buf *out, const struct mrt_record *rec)
{
	switch (rec->kind) {
	case MRT_KIND_RIB:
		return rib_lines(t, out, rec);
	case MRT_KIND_STATE:
		if (rec->type == MRT_BGP4PLUS || rec->type == MRT_BGP4PLUS_01 || rec->bgp.err)
			return 0;
		return state_line(out, rec);
	case MRT_KIND_MESSAGE:
		if (rec->type == MRT_BGP4PLUS || rec->type == MRT_BGP4PLUS_01 ||
		    rec->bgp.msg.type != BGP_MSG_UPDATE ||
		    (rec->bgp.err && !rec->bgp.msg.u.update.nlri_ok))
			return 0;
		return update_lines(t, out, rec);
	default:
		return 0;
	}
}

/* ---- JSON ---- */

struct json_ctx {
	struct mrt_text *t;
	struct buf *out;
	const struct mrt_record *rec;
	const char *type;
};

static void json_addr(struct buf *b, const struct addr *a)
{
	char tmp[ADDR_STRLEN + 2], *o = tmp;
	*o++ = '"';
	o = put_addr(o, a);
	*o++ = '"';
	buf_append(b, tmp, (size_t)(o - tmp));
}

static void json_bytes_addr(struct buf *b, const uint8_t *p, unsigned len)
{
	char tmp[ADDR_STRLEN + 2], *o = tmp;
	*o++ = '"';
	o = put_nh(o, p, len);
	*o++ = '"';
	buf_append(b, tmp, (size_t)(o - tmp));
}

static void json_head(struct json_ctx *c, const char *entry)
{
	struct buf *b = c->out;
	const struct mrt_record *rec = c->rec;
	buf_printf(b, "{\"type\":\"%s\",\"time\":", c->type);
	if (rec->type == MRT_BGP4MP_ET || rec->type == MRT_ISIS_ET || rec->type == MRT_OSPFV3_ET)
		buf_printf(b, "%u.%06u", rec->time, rec->usec);
	else
		buf_printf(b, "%u", rec->time);
	buf_printf(b, ",\"entry\":\"%s\"", entry);
}

static void json_route(void *ctx, const struct mrt_route *r)
{
	struct json_ctx *c = ctx;
	struct buf *b = c->out;
	static const char *const kinds[] = {"rib", "announce", "withdraw"};
	json_head(c, kinds[r->kind]);
	buf_puts(b, ",\"peer\":");
	json_addr(b, r->peer_ip);
	buf_printf(b, ",\"peer_as\":%u,\"prefix\":\"", r->peer_as);
	char tmp[PREFIX_STRLEN + 8];
	buf_append(b, tmp, (size_t)(put_prefix(tmp, &r->prefix) - tmp));
	buf_putc(b, '"');
	if (r->addpath)
		buf_printf(b, ",\"path_id\":%u", r->path_id);
	else
		buf_puts(b, ",\"path_id\":null");
	if (r->kind == MRT_ROUTE_RIB)
		buf_printf(b, ",\"originated\":%u", r->originated);
	if (r->kind != MRT_ROUTE_WITHDRAW) {
		const struct bgp_attrs *a = r->attrs;
		struct bgp_effective eff;
		bgp_attrs_effective(a, c->t->merge, sizeof c->t->merge, &eff);
		buf_puts(b, ",\"as_path\":");
		if (bgp_has(a, BGP_ATTR_AS_PATH)) {
			buf_putc(b, '"');
			char *o = reserve(b, aspath_bound(&eff.path) + 16);
			char *e = put_aspath(o, &eff.path);
			b->len += (size_t)(e - o);
			buf_putc(b, '"');
			uint32_t oas = bgp_aspath_origin(&eff.path);
			if (oas)
				buf_printf(b, ",\"origin_as\":%u", oas);
			else
				buf_puts(b, ",\"origin_as\":null");
		} else {
			buf_puts(b, "null,\"origin_as\":null");
		}
		if (bgp_has(a, BGP_ATTR_ORIGIN))
			buf_printf(b, ",\"origin\":\"%s\"", bgp_origin_name(a->origin));
		else
			buf_puts(b, ",\"origin\":null");
		buf_puts(b, ",\"next_hop\":");
		if (r->next_hop && (r->nh_len == 4 || r->nh_len == 16 || r->nh_len == 32))
			json_bytes_addr(b, r->next_hop, r->nh_len);
		else
			buf_puts(b, "null");
		if (bgp_has(a, BGP_ATTR_LOCAL_PREF))
			buf_printf(b, ",\"local_pref\":%u", a->local_pref);
		else
			buf_puts(b, ",\"local_pref\":null");
		if (bgp_has(a, BGP_ATTR_MED))
			buf_printf(b, ",\"med\":%u", a->med);
		else
			buf_puts(b, ",\"med\":null");
		buf_puts(b, ",\"communities\":[");
		for (unsigned i = 0; bgp_has(a, BGP_ATTR_COMMUNITIES) && i < a->n_communities; i++) {
			const uint8_t *q = a->communities + 4 * i;
			buf_printf(b, "%s\"%u:%u\"", i ? "," : "", q[0] << 8 | q[1], q[2] << 8 | q[3]);
		}
		buf_puts(b, "],\"large_communities\":[");
		for (unsigned i = 0; bgp_has(a, BGP_ATTR_LARGE_COMMUNITIES) &&
				     i < a->n_large_communities;
		     i++) {
			const uint8_t *q = a->large_communities + 12 * i;
			buf_printf(b, "%s\"%u:%u:%u\"", i ? "," : "",
				   (unsigned)q[0] << 24 | q[1] << 16 | q[2] << 8 | q[3],
				   (unsigned)q[4] << 24 | q[5] << 16 | q[6] << 8 | q[7],
				   (unsigned)q[8] << 24 | q[9] << 16 | q[10] << 8 | q[11]);
		}
		buf_printf(b, "],\"atomic_aggregate\":%s",
			   bgp_has(a, BGP_ATTR_ATOMIC_AGGREGATE) ? "true" : "false");
		if (eff.has_aggregator) {
			char ip[16];
			*put_ipv4(ip, eff.aggregator_ip) = '\0';
			buf_printf(b, ",\"aggregator\":{\"as\":%u,\"ip\":\"%s\"}", eff.aggregator_as,
				   ip);
		} else {
			buf_puts(b, ",\"aggregator\":null");
		}
	}
	buf_puts(b, "}\n");
}

size_t mrt_text_json(struct mrt_text *t, struct buf *out, const struct mrt_record *rec)
{
	struct json_ctx c = {t, out, rec, NULL};
	char type[40];
	if (rec->kind == MRT_KIND_RIB) {
		c.type = rec->rib.v1 ? "TABLE_DUMP" : rec->rib.addpath ? "TABLE_DUMP2_AP" : "TABLE_DUMP2";
	} else if (rec->kind == MRT_KIND_MESSAGE || rec->kind == MRT_KIND_STATE) {
		if (rec->bgp.legacy)
			snprintf(type, sizeof type, "%s", mrt_type_name(rec->type));
		else
			snprintf(type, sizeof type, "%s%s%s",
				 rec->type == MRT_BGP4MP_ET ? "BGP4MP_ET" : "BGP4MP",
				 rec->kind == MRT_KIND_MESSAGE && rec->bgp.local ? "_LOCAL" : "",
				 rec->kind == MRT_KIND_MESSAGE && rec->bgp.addpath ? "_AP" : "");
		c.type = type;
	} else {
		return 0;
	}
	if (rec->kind == MRT_KIND_STATE) {
		if (rec->bgp.err)
			return 0;
		json_head(&c, "state");
		buf_puts(out, ",\"peer\":");
		json_addr(out, &rec->bgp.peer_ip);
		buf_printf(out, ",\"peer_as\":%u,\"old_state\":\"%s\",\"new_state\":\"%s\"}\n",
			   rec->bgp.peer_as, mrt_state_name(rec->bgp.old_state),
			   mrt_state_name(rec->bgp.new_state));
		return 1;
	}
	return mrt_record_routes(rec, json_route, &c);
}
