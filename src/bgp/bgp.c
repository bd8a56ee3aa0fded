#include "bgp/bgp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/bytes.h"

/* Records the first error only; returns its code for "return fail(...)". */
__attribute__((format(printf, 6, 7), cold)) static int fail(struct bgp_error *e, int err,
							     size_t off, uint8_t code,
							     uint8_t sub, const char *fmt, ...)
{
	if (e && !e->err) {
		e->err = err;
		e->offset = (uint32_t)off;
		e->code = code;
		e->subcode = sub;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	return err;
}

static void clear_error(struct bgp_error *e)
{
	if (e) {
		e->err = 0;
		e->offset = 0;
		e->code = e->subcode = 0;
		e->msg[0] = '\0';
	}
}

/* ---- NLRI ---- */

static inline unsigned afi_bits(uint16_t afi)
{
	return afi == BGP_AFI_IPV6 ? 128 : 32;
}

/* Walks a block; returns the prefix count or ERR_PARSE with e at the bad byte
 * (offset base + position in the block). On error, *valid (if given) is the
 * length of the sound prefixes before the bad one. */
static int nlri_walk(const struct bgp_nlri_block *b, size_t base, struct bgp_error *e,
		     uint32_t *valid)
{
	const uint8_t *p = b->p, *end = b->p + b->len;
	unsigned max = afi_bits(b->afi);
	int count = 0;
	while (p < end) {
		const uint8_t *start = p;
		if (valid)
			*valid = (uint32_t)(start - b->p);
		if (b->addpath) {
			if (end - p < 5)
				return fail(e, ERR_PARSE, base + (size_t)(p - b->p), BGP_ERR_UPDATE, 10,
					    "add-path NLRI truncated");
			p += 4;
		}
		unsigned bits = *p;
		if (bits > max)
			return fail(e, ERR_PARSE, base + (size_t)(p - b->p), BGP_ERR_UPDATE, 10,
				    "prefix length %u exceeds %u", bits, max);
		size_t bytes = (bits + 7) / 8;
		if ((size_t)(end - p - 1) < bytes)
			return fail(e, ERR_PARSE, base + (size_t)(p - b->p), BGP_ERR_UPDATE, 10,
				    "prefix /%u needs %zu bytes, %zu left", bits, bytes,
				    (size_t)(end - p - 1));
		p += 1 + bytes;
		count++;
	}
	if (valid)
		*valid = b->len;
	return count;
}

/* Validates a block; on error keeps only its sound leading prefixes. */
static int nlri_check(struct bgp_nlri_block *b, size_t base, struct bgp_error *e)
{
	uint32_t valid;
	int rc = nlri_walk(b, base, e, &valid);
	if (rc < 0) {
		b->len = valid;
		return rc;
	}
	return 0;
}

void bgp_nlri_iter_init(struct bgp_nlri_iter *it, const struct bgp_nlri_block *b)
{
	it->p = b->p;
	it->end = b->p + b->len;
	it->afi = b->afi;
	it->addpath = b->addpath;
}

int bgp_nlri_next(struct bgp_nlri_iter *it, struct bgp_nlri *out)
{
	const uint8_t *p = it->p;
	if (p >= it->end)
		return 0;
	uint32_t id = 0;
	if (it->addpath) {
		if (it->end - p < 5)
			return ERR_PARSE;
		id = be32_get(p);
		p += 4;
	}
	unsigned bits = *p++;
	unsigned max = afi_bits(it->afi);
	size_t bytes = (bits + 7) / 8;
	if (bits > max || (size_t)(it->end - p) < bytes) {
		it->p = it->end;
		return ERR_PARSE;
	}
	memset(&out->prefix, 0, sizeof out->prefix);
	out->prefix.addr.family = it->afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET;
	out->prefix.len = (uint8_t)bits;
	memcpy(out->prefix.addr.bytes, p, bytes);
	if (bits & 7)
		out->prefix.addr.bytes[bytes - 1] &= (uint8_t)(0xff << (8 - (bits & 7)));
	out->path_id = id;
	it->p = p + bytes;
	return 1;
}

int bgp_nlri_count(const struct bgp_nlri_block *b)
{
	return nlri_walk(b, 0, NULL, NULL);
}

static inline bool known_family(uint16_t afi, uint8_t safi)
{
	return (afi == BGP_AFI_IPV4 || afi == BGP_AFI_IPV6) && safi >= 1 && safi <= 3;
}

/* ---- AS paths ---- */

bool bgp_aspath_next(const struct bgp_aspath *path, uint32_t *cursor, struct bgp_asseg *out)
{
	uint32_t c = *cursor;
	if (c >= path->len || path->len - c < 2)
		return false;
	uint8_t count = path->p[c + 1];
	uint32_t need = 2 + (uint32_t)count * path->asn_size;
	if (need > path->len - c)
		return false;
	out->type = path->p[c];
	out->count = count;
	out->asn_size = path->asn_size;
	out->asns = path->p + c + 2;
	*cursor = c + need;
	return true;
}

/* Checks segment types and lengths; returns the offset of the first bad byte
 * or -1 when the path is well formed. */
static long aspath_check(const struct bgp_aspath *path)
{
	uint32_t c = 0;
	while (c < path->len) {
		if (path->len - c < 2)
			return c;
		uint8_t t = path->p[c];
		if (t < BGP_AS_SET || t > BGP_AS_CONFED_SET)
			return c;
		uint32_t need = 2 + (uint32_t)path->p[c + 1] * path->asn_size;
		if (need > path->len - c)
			return c + 1;
		c += need;
	}
	return -1;
}

unsigned bgp_aspath_length(const struct bgp_aspath *path)
{
	unsigned n = 0;
	uint32_t c = 0;
	struct bgp_asseg s;
	while (bgp_aspath_next(path, &c, &s)) {
		if (s.type == BGP_AS_SEQUENCE)
			n += s.count;
		else if (s.type == BGP_AS_SET)
			n += 1;
	}
	return n;
}

uint32_t bgp_aspath_origin(const struct bgp_aspath *path)
{
	uint32_t c = 0, origin = 0;
	struct bgp_asseg s;
	while (bgp_aspath_next(path, &c, &s)) {
		if ((s.type == BGP_AS_SEQUENCE && s.count > 0) ||
		    (s.type == BGP_AS_SET && s.count == 1))
			origin = bgp_asseg_asn(&s, s.count - 1u);
		else if (s.type == BGP_AS_SET)
			origin = 0;
	}
	return origin;
}

static size_t put_segment(uint8_t *buf, size_t at, const struct bgp_asseg *s, unsigned n)
{
	buf[at] = s->type;
	buf[at + 1] = (uint8_t)n;
	at += 2;
	for (unsigned i = 0; i < n; i++, at += 4)
		be32_put(buf + at, bgp_asseg_asn(s, i));
	return at;
}

void bgp_attrs_effective(const struct bgp_attrs *a, uint8_t *buf, size_t cap,
			 struct bgp_effective *out)
{
	static const uint8_t empty[1];
	out->path = bgp_has(a, BGP_ATTR_AS_PATH) ? a->as_path
						  : (struct bgp_aspath){empty, 0, 4};
	out->has_aggregator = bgp_has(a, BGP_ATTR_AGGREGATOR);
	if (out->has_aggregator) {
		out->aggregator_as = a->aggregator_as;
		memcpy(out->aggregator_ip, a->aggregator_ip, 4);
	}
	/* RFC 6793 4.2.3 applies only to what a 2-byte speaker sent. */
	if (!bgp_has(a, BGP_ATTR_AS_PATH) || a->as_path.asn_size != 2)
		return;
	if (bgp_has(a, BGP_ATTR_AGGREGATOR) && bgp_has(a, BGP_ATTR_AS4_AGGREGATOR)) {
		if (a->aggregator_as != BGP_AS_TRANS)
			return; /* AS4_AGGREGATOR and AS4_PATH are ignored */
		out->aggregator_as = a->as4_aggregator_as;
		memcpy(out->aggregator_ip, a->as4_aggregator_ip, 4);
	}
	if (!bgp_has(a, BGP_ATTR_AS4_PATH) || aspath_check(&a->as4_path) >= 0 ||
	    aspath_check(&a->as_path) >= 0)
		return;
	unsigned n2 = bgp_aspath_length(&a->as_path), n4 = bgp_aspath_length(&a->as4_path);
	if (n2 < n4)
		return;
	if (cap < (size_t)a->as_path.len * 2 + a->as4_path.len)
		return;
	unsigned need = n2 - n4;
	size_t at = 0;
	uint32_t c = 0;
	struct bgp_asseg s;
	while (need > 0 && bgp_aspath_next(&a->as_path, &c, &s)) {
		unsigned take = s.count;
		if (s.type == BGP_AS_SEQUENCE) {
			if (take > need)
				take = need;
			need -= take;
		} else if (s.type == BGP_AS_SET) {
			need -= 1;
		}
		at = put_segment(buf, at, &s, take);
	}
	c = 0;
	while (bgp_aspath_next(&a->as4_path, &c, &s))
		if (s.type == BGP_AS_SEQUENCE || s.type == BGP_AS_SET)
			at = put_segment(buf, at, &s, s.count);
	out->path = (struct bgp_aspath){buf, (uint32_t)at, 4};
}

/* ---- attributes ---- */

static int parse_mp_reach(const uint8_t *v, size_t len, size_t base, const struct bgp_opts *o,
			  struct bgp_mp_reach *mp, struct bgp_error *e)
{
	if (o->mrt_rib && len >= 1 && v[0] != 0) {
		/* RFC 6396 4.3.4: in RIB entries only the next hop is kept. */
		if ((size_t)v[0] + 1 > len)
			return fail(e, ERR_PARSE, base, BGP_ERR_UPDATE, 9,
				    "MP_REACH_NLRI next hop length %u overruns %zu bytes", v[0], len);
		mp->afi = 0;
		mp->safi = 0;
		mp->nh_len = v[0];
		mp->nh = v + 1;
		mp->short_form = true;
		mp->nlri = (struct bgp_nlri_block){v + len, 0, 0, 0, false};
		return 0;
	}
	if (len < 5)
		return fail(e, ERR_PARSE, base, BGP_ERR_UPDATE, 9, "MP_REACH_NLRI of %zu bytes", len);
	mp->afi = be16_get(v);
	mp->safi = v[2];
	mp->nh_len = v[3];
	mp->short_form = false;
	size_t at = 4;
	if (at + mp->nh_len + 1 > len)
		return fail(e, ERR_PARSE, base + 3, BGP_ERR_UPDATE, 9,
			    "MP_REACH_NLRI next hop length %u overruns %zu bytes", mp->nh_len, len);
	mp->nh = v + at;
	at += mp->nh_len;
	unsigned snpa = v[at++]; /* reserved since RFC 4760; old RFC 2858 SNPAs */
	while (snpa-- > 0) {
		if (at >= len)
			return fail(e, ERR_PARSE, base + at, BGP_ERR_UPDATE, 9, "SNPA overruns");
		size_t l = (v[at] + 1u) / 2u; /* length in semi-octets */
		if (at + 1 + l > len)
			return fail(e, ERR_PARSE, base + at, BGP_ERR_UPDATE, 9, "SNPA overruns");
		at += 1 + l;
	}
	mp->nlri = (struct bgp_nlri_block){v + at, (uint32_t)(len - at), mp->afi, mp->safi,
					   (o->addpath >> (mp->afi & 15)) & 1};
	return known_family(mp->afi, mp->safi) ? nlri_check(&mp->nlri, base + at, e) : 0;
}

static int parse_mp_unreach(const uint8_t *v, size_t len, size_t base, const struct bgp_opts *o,
			    struct bgp_mp_unreach *mp, struct bgp_error *e)
{
	if (len < 3)
		return fail(e, ERR_PARSE, base, BGP_ERR_UPDATE, 9, "MP_UNREACH_NLRI of %zu bytes",
			    len);
	mp->afi = be16_get(v);
	mp->safi = v[2];
	mp->nlri = (struct bgp_nlri_block){v + 3, (uint32_t)(len - 3), mp->afi, mp->safi,
					   (o->addpath >> (mp->afi & 15)) & 1};
	return known_family(mp->afi, mp->safi) ? nlri_check(&mp->nlri, base + 3, e) : 0;
}

static int attr_len_error(struct bgp_error *e, size_t off, unsigned type, size_t len)
{
	return fail(e, ERR_PARSE, off, BGP_ERR_UPDATE, 5, "attribute %u has a bad length %zu",
		    type, len);
}

/* Decodes one attribute value; returns 0 or the error (already recorded).
 * off is where the attribute starts, voff where its value starts. */
static int attr_value(struct bgp_attrs *a, uint8_t flags, uint8_t type, const uint8_t *v,
		      size_t len, size_t off, size_t voff, const struct bgp_opts *o,
		      struct bgp_error *e)
{
	switch (type) {
	case BGP_ATTR_ORIGIN:
		if (len != 1)
			return attr_len_error(e, off, type, len);
		a->origin = v[0];
		if (v[0] > BGP_ORIGIN_INCOMPLETE) {
			a->present |= BGP_ATTR_BIT(type);
			return fail(e, ERR_PARSE, off, BGP_ERR_UPDATE, 6, "ORIGIN value %u", v[0]);
		}
		break;
	case BGP_ATTR_AS_PATH:
	case BGP_ATTR_AS4_PATH: {
		struct bgp_aspath *ap = type == BGP_ATTR_AS_PATH ? &a->as_path : &a->as4_path;
		ap->p = v;
		ap->len = (uint32_t)len;
		ap->asn_size = type == BGP_ATTR_AS4_PATH || o->as4 ? 4 : 2;
		a->present |= BGP_ATTR_BIT(type);
		long bad = aspath_check(ap);
		if (bad >= 0)
			return fail(e, ERR_PARSE, voff + (size_t)bad, BGP_ERR_UPDATE, 11,
				    "malformed %s segment", type == BGP_ATTR_AS_PATH ? "AS_PATH"
										  : "AS4_PATH");
		return 0;
	}
	case BGP_ATTR_NEXT_HOP:
		if (len != 4)
			return attr_len_error(e, off, type, len);
		memcpy(a->next_hop, v, 4);
		break;
	case BGP_ATTR_MED:
	case BGP_ATTR_LOCAL_PREF:
		if (len != 4)
			return attr_len_error(e, off, type, len);
		*(type == BGP_ATTR_MED ? &a->med : &a->local_pref) = be32_get(v);
		break;
	case BGP_ATTR_ATOMIC_AGGREGATE:
		if (len != 0)
			return attr_len_error(e, off, type, len);
		break;
	case BGP_ATTR_AGGREGATOR:
		if (len == 8) {
			a->aggregator_as = be32_get(v);
			memcpy(a->aggregator_ip, v + 4, 4);
		} else if (len == 6) {
			a->aggregator_as = be16_get(v);
			memcpy(a->aggregator_ip, v + 2, 4);
		} else {
			return attr_len_error(e, off, type, len);
		}
		break;
	case BGP_ATTR_AS4_AGGREGATOR:
		if (len != 8)
			return attr_len_error(e, off, type, len);
		a->as4_aggregator_as = be32_get(v);
		memcpy(a->as4_aggregator_ip, v + 4, 4);
		break;
	case BGP_ATTR_COMMUNITIES:
		if (len % 4)
			return attr_len_error(e, off, type, len);
		a->communities = v;
		a->n_communities = (uint16_t)(len / 4);
		break;
	case BGP_ATTR_LARGE_COMMUNITIES:
		if (len % 12)
			return attr_len_error(e, off, type, len);
		a->large_communities = v;
		a->n_large_communities = (uint16_t)(len / 12);
		break;
	case BGP_ATTR_EXT_COMMUNITIES:
		if (len % 8)
			return attr_len_error(e, off, type, len);
		a->ext_communities = v;
		a->n_ext_communities = (uint16_t)(len / 8);
		break;
	case BGP_ATTR_ORIGINATOR_ID:
		if (len != 4)
			return attr_len_error(e, off, type, len);
		memcpy(a->originator_id, v, 4);
		break;
	case BGP_ATTR_CLUSTER_LIST:
		if (len % 4)
			return attr_len_error(e, off, type, len);
		a->cluster_list = v;
		a->n_cluster = (uint16_t)(len / 4);
		break;
	case BGP_ATTR_MP_REACH:
	case BGP_ATTR_MP_UNREACH: {
		/* present when the NLRI could be located, even if cut short */
		struct bgp_nlri_block *blk =
			type == BGP_ATTR_MP_REACH ? &a->mp_reach.nlri : &a->mp_unreach.nlri;
		blk->p = NULL;
		int rc = type == BGP_ATTR_MP_REACH
				 ? parse_mp_reach(v, len, voff, o, &a->mp_reach, e)
				 : parse_mp_unreach(v, len, voff, o, &a->mp_unreach, e);
		if (blk->p)
			a->present |= BGP_ATTR_BIT(type);
		return rc;
	}
	default:
		if (a->n_unknown < BGP_MAX_UNKNOWN)
			a->unknown[a->n_unknown] =
				(struct bgp_unknown_attr){flags, type, (uint16_t)len, v};
		if (a->n_unknown < UINT16_MAX)
			a->n_unknown++;
		return 0;
	}
	a->present |= BGP_ATTR_BIT(type);
	return 0;
}

static int attrs_parse(const uint8_t *p, size_t n, size_t base, const struct bgp_opts *o,
		       struct bgp_attrs *a, struct bgp_error *e)
{
	a->present = 0;
	a->n_unknown = 0;
	/* the counts are read as bounds whether or not their attribute came (valgrind) */
	a->n_communities = a->n_large_communities = a->n_ext_communities = a->n_cluster = 0;
	a->raw = p;
	a->raw_len = (uint32_t)n;
	a->complete = false;
	int first = 0;
	size_t off = 0;
	while (off < n) {
		if (n - off < 3)
			return fail(e, ERR_PARSE, base + off, BGP_ERR_UPDATE, 1,
				    "attribute header truncated (%zu bytes left)", n - off);
		uint8_t flags = p[off], type = p[off + 1];
		size_t hl = 3, len = p[off + 2];
		if (flags & BGP_ATTR_F_EXTLEN) {
			if (n - off < 4)
				return fail(e, ERR_PARSE, base + off, BGP_ERR_UPDATE, 1,
					    "attribute header truncated (%zu bytes left)", n - off);
			hl = 4;
			len = be16_get(p + off + 2);
		}
		if (len > n - off - hl)
			return fail(e, ERR_PARSE, base + off, BGP_ERR_UPDATE, 5,
				    "attribute %u of %zu bytes overruns the %zu left", type, len,
				    n - off - hl);
		if (type < 64 && (a->present & BGP_ATTR_BIT(type))) {
			/* RFC 7606 3.g: keep the first, except for the MP ones */
			if (type == BGP_ATTR_MP_REACH || type == BGP_ATTR_MP_UNREACH)
				return fail(e, ERR_PARSE, base + off, BGP_ERR_UPDATE, 1,
					    "attribute %u repeated", type);
			if (!first)
				first = fail(e, ERR_PARSE, base + off, BGP_ERR_UPDATE, 1,
					     "attribute %u repeated", type);
		} else {
			int rc = attr_value(a, flags, type, p + off + hl, len, base + off,
					    base + off + hl, o, e);
			if (rc && !first)
				first = rc;
		}
		off += hl + len;
	}
	a->complete = true;
	return first;
}

int bgp_attrs_parse(const uint8_t *p, size_t n, const struct bgp_opts *o, struct bgp_attrs *out,
		    struct bgp_error *e)
{
	clear_error(e);
	return attrs_parse(p, n, 0, o, out, e);
}

/* ---- messages ---- */

static int update_parse(const uint8_t *p, size_t n, size_t base, const struct bgp_opts *o,
			struct bgp_update *u, struct bgp_error *e)
{
	bool ap4 = (o->addpath >> BGP_AFI_IPV4) & 1;
	u->attrs.present = 0;
	u->attrs.n_unknown = 0;
	u->attrs.n_communities = u->attrs.n_large_communities = 0;
	u->attrs.n_ext_communities = u->attrs.n_cluster = 0;
	u->attrs.complete = false;
	u->nlri_ok = false;
	u->withdrawn = (struct bgp_nlri_block){p, 0, BGP_AFI_IPV4, BGP_SAFI_UNICAST, ap4};
	u->nlri = u->withdrawn;
	if (n < 4)
		return fail(e, ERR_PARSE, base, BGP_ERR_HEADER, 2, "UPDATE body of %zu bytes", n);
	size_t wlen = be16_get(p);
	if (wlen > n - 4)
		return fail(e, ERR_PARSE, base, BGP_ERR_UPDATE, 1,
			    "withdrawn routes length %zu overruns the message", wlen);
	u->withdrawn.p = p + 2;
	u->withdrawn.len = (uint32_t)wlen;
	int first = nlri_check(&u->withdrawn, base + 2, e);
	size_t alen = be16_get(p + 2 + wlen);
	size_t at = 4 + wlen;
	if (alen > n - at)
		return fail(e, ERR_PARSE, base + 2 + wlen, BGP_ERR_UPDATE, 1,
			    "path attribute length %zu overruns the message", alen);
	u->nlri.p = p + at + alen;
	u->nlri.len = (uint32_t)(n - at - alen);
	int rc = attrs_parse(p + at, alen, base + at, o, &u->attrs, e);
	if (!first)
		first = rc;
	rc = nlri_check(&u->nlri, base + at + alen, e);
	if (!first)
		first = rc;
	u->nlri_ok = true;
	return first;
}

int bgp_update_parse(const uint8_t *p, size_t n, const struct bgp_opts *o, struct bgp_update *out,
		     struct bgp_error *e)
{
	clear_error(e);
	return update_parse(p, n, 0, o, out, e);
}

static void add_family(struct bgp_afi_safi *arr, uint8_t *n, uint16_t afi, uint8_t safi,
		       uint8_t mode)
{
	if (*n < BGP_MAX_FAMILIES)
		arr[(*n)++] = (struct bgp_afi_safi){afi, safi, mode};
}

static int parse_caps(const uint8_t *p, size_t n, size_t base, struct bgp_open *o,
		      struct bgp_error *e)
{
	size_t at = 0;
	while (at < n) {
		if (n - at < 2 || (size_t)p[at + 1] > n - at - 2)
			return fail(e, ERR_PARSE, base + at, BGP_ERR_OPEN, 0,
				    "capability overruns its parameter");
		uint8_t code = p[at], len = p[at + 1];
		const uint8_t *v = p + at + 2;
		switch (code) {
		case 1: /* multiprotocol */
			if (len != 4)
				return fail(e, ERR_PARSE, base + at, BGP_ERR_OPEN, 0,
					    "multiprotocol capability of %u bytes", len);
			add_family(o->mp, &o->n_mp, be16_get(v), v[3], 0);
			break;
		case 2:
		case 128:
			o->route_refresh = true;
			break;
		case 6:
			o->extended_msg = true;
			break;
		case 64:
			o->graceful_restart = true;
			break;
		case 65:
			if (len != 4)
				return fail(e, ERR_PARSE, base + at, BGP_ERR_OPEN, 0,
					    "4-byte ASN capability of %u bytes", len);
			o->has_as4 = true;
			o->as4 = be32_get(v);
			break;
		case 69:
			if (len % 4)
				return fail(e, ERR_PARSE, base + at, BGP_ERR_OPEN, 0,
					    "add-path capability of %u bytes", len);
			for (unsigned i = 0; i < len; i += 4)
				add_family(o->addpath, &o->n_addpath, be16_get(v + i), v[i + 2],
					   v[i + 3]);
			break;
		default:
			o->n_unknown_caps++;
		}
		at += 2u + len;
	}
	return 0;
}

static int open_parse(const uint8_t *p, size_t n, size_t base, struct bgp_open *o,
		      struct bgp_error *e)
{
	memset(o, 0, sizeof *o);
	if (n < 10)
		return fail(e, ERR_PARSE, base, BGP_ERR_HEADER, 2, "OPEN body of %zu bytes", n);
	o->version = p[0];
	o->my_as = be16_get(p + 1);
	o->hold_time = be16_get(p + 3);
	memcpy(o->bgp_id, p + 5, 4);
	size_t optlen = p[9], at = 10;
	bool ext = false;
	if (optlen == 255 && n >= 13 && p[10] == 255) {
		/* RFC 9072 extended optional parameters */
		ext = true;
		optlen = be16_get(p + 11);
		at = 13;
	}
	if (optlen != n - at)
		return fail(e, ERR_PARSE, base + 9, BGP_ERR_OPEN, 0,
			    "optional parameters length %zu, %zu bytes follow", optlen, n - at);
	size_t end = at + optlen;
	while (at < end) {
		size_t hl = ext ? 3 : 2;
		if (end - at < hl)
			return fail(e, ERR_PARSE, base + at, BGP_ERR_OPEN, 0,
				    "optional parameter header truncated");
		uint8_t type = p[at];
		size_t len = ext ? be16_get(p + at + 1) : p[at + 1];
		if (len > end - at - hl)
			return fail(e, ERR_PARSE, base + at, BGP_ERR_OPEN, 0,
				    "optional parameter overruns the message");
		if (type != 2)
			return fail(e, ERR_UNSUPPORTED, base + at, BGP_ERR_OPEN, 4,
				    "optional parameter type %u", type);
		int rc = parse_caps(p + at + hl, len, base + at + hl, o, e);
		if (rc)
			return rc;
		at += hl + len;
	}
	return 0;
}

int bgp_open_parse(const uint8_t *p, size_t n, struct bgp_open *out, struct bgp_error *e)
{
	clear_error(e);
	return open_parse(p, n, 0, out, e);
}

static int notification_parse(const uint8_t *p, size_t n, size_t base,
			      struct bgp_notification *out, struct bgp_error *e)
{
	if (n < 2)
		return fail(e, ERR_PARSE, base, BGP_ERR_HEADER, 2, "NOTIFICATION body of %zu bytes",
			    n);
	out->code = p[0];
	out->subcode = p[1];
	out->data = p + 2;
	out->len = (uint16_t)(n - 2);
	return 0;
}

int bgp_notification_parse(const uint8_t *p, size_t n, struct bgp_notification *out,
			   struct bgp_error *e)
{
	clear_error(e);
	return notification_parse(p, n, 0, out, e);
}

static int route_refresh_parse(const uint8_t *p, size_t n, size_t base,
			       struct bgp_route_refresh *out, struct bgp_error *e)
{
	if (n != 4)
		return fail(e, ERR_PARSE, base, BGP_ERR_HEADER, 2, "ROUTE-REFRESH body of %zu bytes",
			    n);
	out->afi = be16_get(p);
	out->subtype = p[2];
	out->safi = p[3];
	return 0;
}

int bgp_route_refresh_parse(const uint8_t *p, size_t n, struct bgp_route_refresh *out,
			    struct bgp_error *e)
{
	clear_error(e);
	return route_refresh_parse(p, n, 0, out, e);
}

int bgp_frame(const uint8_t *p, size_t n, bool extended, struct bgp_error *e)
{
	if (n < BGP_HEADER_LEN)
		return 0;
	for (int i = 0; i < BGP_MARKER_LEN; i++)
		if (p[i] != 0xff)
			return fail(e, ERR_PARSE, (size_t)i, BGP_ERR_HEADER, 1,
				    "marker byte %d is 0x%02x, not 0xff", i, p[i]);
	unsigned len = be16_get(p + 16);
	if (len < BGP_HEADER_LEN || len > (extended ? BGP_EXT_MAX_LEN : BGP_MAX_LEN))
		return fail(e, ERR_PARSE, 16, BGP_ERR_HEADER, 2, "message length %u", len);
	return n >= len ? (int)len : 0;
}

int bgp_msg_parse(const uint8_t *p, size_t n, const struct bgp_opts *o, struct bgp_msg *m,
		  struct bgp_error *e)
{
	clear_error(e);
	m->type = 0;
	m->u.update.nlri_ok = false; /* whatever fails below, no stale blocks */
	m->u.update.attrs.present = 0;
	if (n < BGP_HEADER_LEN)
		return fail(e, ERR_TRUNC, 0, BGP_ERR_HEADER, 2, "message of %zu bytes", n);
	for (int i = 0; i < BGP_MARKER_LEN; i++)
		if (p[i] != 0xff)
			return fail(e, ERR_PARSE, (size_t)i, BGP_ERR_HEADER, 1,
				    "marker byte %d is 0x%02x, not 0xff", i, p[i]);
	unsigned len = be16_get(p + 16);
	m->type = p[18];
	m->len = (uint16_t)len;
	if (len < BGP_HEADER_LEN || len > (o->extended ? BGP_EXT_MAX_LEN : BGP_MAX_LEN))
		return fail(e, ERR_PARSE, 16, BGP_ERR_HEADER, 2, "message length %u", len);
	if (len > n)
		return fail(e, ERR_TRUNC, 16, BGP_ERR_HEADER, 2,
			    "message length %u, only %zu bytes stored", len, n);
	m->body = p + BGP_HEADER_LEN;
	m->body_len = (uint16_t)(len - BGP_HEADER_LEN);
	switch (m->type) {
	case BGP_MSG_OPEN:
		return open_parse(m->body, m->body_len, BGP_HEADER_LEN, &m->u.open, e);
	case BGP_MSG_UPDATE:
		return update_parse(m->body, m->body_len, BGP_HEADER_LEN, o, &m->u.update, e);
	case BGP_MSG_NOTIFICATION:
		return notification_parse(m->body, m->body_len, BGP_HEADER_LEN,
					  &m->u.notification, e);
	case BGP_MSG_KEEPALIVE:
		if (m->body_len)
			return fail(e, ERR_PARSE, 16, BGP_ERR_HEADER, 2, "KEEPALIVE of %u bytes",
				    len);
		return 0;
	case BGP_MSG_ROUTE_REFRESH:
		return route_refresh_parse(m->body, m->body_len, BGP_HEADER_LEN,
					   &m->u.route_refresh, e);
	default:
		return fail(e, ERR_UNSUPPORTED, 18, BGP_ERR_HEADER, 3, "message type %u", m->type);
	}
}

/* ---- builders ---- */

static void header(uint8_t *buf, size_t len, uint8_t type)
{
	memset(buf, 0xff, BGP_MARKER_LEN);
	be16_put(buf + 16, (uint16_t)len);
	buf[18] = type;
}

int bgp_build_open(uint8_t *buf, size_t cap, const struct bgp_open_params *p)
{
	uint8_t caps[64];
	size_t c = 0;
	const uint16_t afis[2] = {BGP_AFI_IPV4, BGP_AFI_IPV6};
	const bool on[2] = {p->ipv4_unicast, p->ipv6_unicast};
	for (int i = 0; i < 2; i++) {
		if (!on[i])
			continue;
		caps[c++] = 1;
		caps[c++] = 4;
		be16_put(caps + c, afis[i]);
		caps[c + 2] = 0;
		caps[c + 3] = BGP_SAFI_UNICAST;
		c += 4;
	}
	if (p->route_refresh) {
		caps[c++] = 2;
		caps[c++] = 0;
	}
	caps[c++] = 65;
	caps[c++] = 4;
	be32_put(caps + c, p->asn);
	c += 4;
	if (p->addpath_receive && (on[0] || on[1])) {
		caps[c++] = 69;
		size_t lenat = c++;
		caps[lenat] = 0;
		for (int i = 0; i < 2; i++) {
			if (!on[i])
				continue;
			be16_put(caps + c, afis[i]);
			caps[c + 2] = BGP_SAFI_UNICAST;
			caps[c + 3] = 1; /* receive */
			c += 4;
			caps[lenat] = (uint8_t)(caps[lenat] + 4);
		}
	}
	size_t len = BGP_HEADER_LEN + 10 + 2 + c;
	if (len > cap)
		return ERR_TOOBIG;
	header(buf, len, BGP_MSG_OPEN);
	uint8_t *b = buf + BGP_HEADER_LEN;
	b[0] = 4;
	be16_put(b + 1, p->asn > 65535 ? BGP_AS_TRANS : (uint16_t)p->asn);
	be16_put(b + 3, p->hold_time);
	memcpy(b + 5, p->bgp_id, 4);
	b[9] = (uint8_t)(2 + c);
	b[10] = 2; /* capabilities */
	b[11] = (uint8_t)c;
	memcpy(b + 12, caps, c);
	return (int)len;
}

int bgp_build_keepalive(uint8_t *buf, size_t cap)
{
	if (cap < BGP_HEADER_LEN)
		return ERR_TOOBIG;
	header(buf, BGP_HEADER_LEN, BGP_MSG_KEEPALIVE);
	return BGP_HEADER_LEN;
}

int bgp_build_notification(uint8_t *buf, size_t cap, uint8_t code, uint8_t subcode,
			   const uint8_t *data, size_t len)
{
	size_t total = BGP_HEADER_LEN + 2 + len;
	if (total > cap || total > BGP_MAX_LEN)
		return ERR_TOOBIG;
	header(buf, total, BGP_MSG_NOTIFICATION);
	buf[19] = code;
	buf[20] = subcode;
	if (len)
		memcpy(buf + 21, data, len);
	return (int)total;
}

/* ---- names ---- */

const char *bgp_msg_type_name(unsigned type)
{
	static const char *const names[] = {NULL, "OPEN", "UPDATE", "NOTIFICATION", "KEEPALIVE",
					    "ROUTE-REFRESH"};
	return type < 6 && names[type] ? names[type] : "UNKNOWN";
}

const char *bgp_origin_name(unsigned origin)
{
	return origin == 0 ? "IGP" : origin == 1 ? "EGP" : "INCOMPLETE";
}

const char *bgp_notify_name(unsigned code)
{
	static const char *const names[] = {NULL,
					    "Message Header Error",
					    "OPEN Message Error",
					    "UPDATE Message Error",
					    "Hold Timer Expired",
					    "Finite State Machine Error",
					    "Cease",
					    "ROUTE-REFRESH Message Error"};
	return code < 8 && names[code] ? names[code] : "Unknown Error";
}
