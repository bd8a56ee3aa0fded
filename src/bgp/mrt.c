#include "bgp/mrt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/mem.h"
#include "core/zread.h"

#define READ_CHUNK (256u * 1024)
#define INITIAL_CAP (1u << 20)
#define TIME_SLACK (31u * 86400) /* how far a resynchronised record may be in time */
#define TIME_MIN 631152000u      /* 1990-01-01 */
#define TIME_MAX 4102444800u     /* 2100-01-01 */

struct mrt_reader {
	struct zread *z;
	char *name; /* owned */
	struct mrt_reader_opts opts;
	uint8_t *buf; /* owned window */
	size_t cap, pos, end;
	uint64_t base;  /* stream offset of buf[0] */
	bool eof;       /* the source has no more bytes */
	bool done;      /* mrt_next returns 0 from now on */
	int io_err;
	uint32_t last_time; /* of the last good record, 0 before the first */
	unsigned damage, notes;
	uint64_t records;
	bool noted_batched, noted_generic, noted_other, noted_bgp4plus;
	/* the last PEER_INDEX_TABLE */
	struct mrt_peer *peers;
	uint16_t n_peers;
	bool have_index;
	/* arena for RIB entries, reused */
	struct mrt_rib_entry *entries;
	uint32_t entries_cap;
	struct mrt_record rec;
};

__attribute__((format(printf, 4, 5))) static void warn(struct mrt_reader *r,
						       enum mrt_warn_level lvl, uint64_t off,
						       const char *fmt, ...)
{
	if (lvl == MRT_DAMAGE)
		r->damage++;
	else
		r->notes++;
	if (!r->opts.warn)
		return;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct mrt_warning w = {r->name, off, lvl, msg};
	r->opts.warn(r->opts.ctx, &w);
}

/* ---- the window ---- */

/* Makes at least need bytes available at pos (fewer only at the end of the
 * input). Returns 0, or a negative ERR_* on a read error. */
static int ensure(struct mrt_reader *r, size_t need)
{
	while (r->end - r->pos < need && !r->eof) {
		if (r->cap - r->pos < need + READ_CHUNK / 4 || r->end == r->cap) {
			/* compact, then grow if still short */
			if (r->pos > 0) {
				memmove(r->buf, r->buf + r->pos, r->end - r->pos);
				r->base += r->pos;
				r->end -= r->pos;
				r->pos = 0;
			}
			if (r->cap < need + READ_CHUNK) {
				size_t cap = r->cap;
				while (cap < need + READ_CHUNK)
					cap *= 2;
				r->buf = xrealloc(r->buf, cap);
				r->cap = cap;
			}
		}
		ssize_t n = zread_read(r->z, r->buf + r->end, r->cap - r->end);
		if (n < 0) {
			r->eof = true;
			r->io_err = (int)n;
			warn(r, MRT_DAMAGE, r->base + r->end, "%s", zread_error(r->z));
			return (int)n;
		}
		if (n == 0)
			r->eof = true;
		r->end += (size_t)n;
	}
	return 0;
}

static inline size_t avail(const struct mrt_reader *r)
{
	return r->end - r->pos;
}

/* ---- headers ---- */

static inline bool is_et(unsigned type)
{
	return type == MRT_BGP4MP_ET || type == MRT_ISIS_ET || type == MRT_OSPFV3_ET;
}

/* Could these 12 bytes start a record? With ref_time set, the time must also
 * be close to it (used when looking for a record after damage). */
static bool header_ok(const uint8_t *h, uint32_t ref_time, bool check_time)
{
	uint32_t t = be32_get(h);
	unsigned type = be16_get(h + 4), sub = be16_get(h + 6);
	uint32_t len = be32_get(h + 8), min = 0, max = 65536 + 64;
	switch (type) {
	case MRT_BGP:
	case MRT_BGP4PLUS:
	case MRT_BGP4PLUS_01:
		if (sub > MRT_LEGACY_KEEPALIVE)
			return false;
		min = sub == MRT_LEGACY_STATE_CHANGE ? 10 : 0;
		max = 4096 + 64;
		break;
	case MRT_TABLE_DUMP:
		if (sub < 1 || sub > 4)
			return false;
		min = 22;
		max = MRT_MAX_RECORD;
		break;
	case MRT_TABLE_DUMP_V2:
		if (sub < 1 || sub > 12 || sub == 7)
			return false;
		min = sub == MRT_PEER_INDEX_TABLE ? 8 : 7;
		max = MRT_MAX_RECORD;
		break;
	case MRT_BGP4MP:
	case MRT_BGP4MP_ET:
		if (sub > MRT_BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH)
			return false;
		min = 8;
		max = 65535 + 48;
		break;
	case MRT_OSPFV2:
	case MRT_ISIS:
	case MRT_ISIS_ET:
	case MRT_OSPFV3:
	case MRT_OSPFV3_ET:
		break;
	default:
		return false;
	}
	if (is_et(type)) {
		min += 4;
		max += 4;
	}
	if (len < min || len > max)
		return false;
	if (check_time) {
		if (ref_time ? (t + TIME_SLACK < ref_time || t > ref_time + TIME_SLACK)
			     : (t < TIME_MIN || t > TIME_MAX))
			return false;
	}
	return true;
}

static inline size_t record_size(const uint8_t *h)
{
	return MRT_HEADER_LEN + (size_t)be32_get(h + 8);
}

/* Looks, within the bytes already in the window, for a position in
 * [from, to) (window indexes) where a chain of plausible headers starts: a
 * header followed by another one, or one whose record ends exactly at the end
 * of the input. Returns the index or SIZE_MAX. */
static size_t find_chain(const struct mrt_reader *r, size_t from, size_t to, uint32_t ref)
{
	for (size_t p = from; p < to && p + MRT_HEADER_LEN <= r->end; p++) {
		const uint8_t *h = r->buf + p;
		if (!header_ok(h, ref, true))
			continue;
		size_t next = p + record_size(h);
		if (next == r->end && r->eof)
			return p;
		if (next + MRT_HEADER_LEN <= r->end && header_ok(r->buf + next, ref, true))
			return p;
	}
	return SIZE_MAX;
}

/* After a bad header at pos: moves pos to the next position where a plausible
 * chain starts, reading as needed. Returns 0 when found, 1 at the end of the
 * input, < 0 on a read error. */
static int resync(struct mrt_reader *r)
{
	uint64_t start = r->base + r->pos;
	uint32_t ref = r->last_time;
	r->pos++;
	for (;;) {
		int rc = ensure(r, MRT_HEADER_LEN);
		if (rc < 0)
			return rc;
		if (avail(r) < MRT_HEADER_LEN) {
			warn(r, MRT_DAMAGE, start,
			     "no valid MRT record header; no further record found, %llu bytes "
			     "skipped to the end",
			     (unsigned long long)(r->base + r->end - start));
			r->pos = r->end;
			return 1;
		}
		const uint8_t *h = r->buf + r->pos;
		if (header_ok(h, ref, true)) {
			size_t size = record_size(h);
			rc = ensure(r, size + MRT_HEADER_LEN);
			if (rc < 0)
				return rc;
			h = r->buf + r->pos;
			if ((avail(r) == size && r->eof) ||
			    (avail(r) >= size + MRT_HEADER_LEN &&
			     header_ok(h + size, ref, true))) {
				uint64_t at = r->base + r->pos;
				warn(r, MRT_DAMAGE, start,
				     "no valid MRT record header; %llu bytes skipped to the next "
				     "record at offset %llu",
				     (unsigned long long)(at - start), (unsigned long long)at);
				return 0;
			}
		}
		r->pos++;
	}
}

/* ---- decoding ---- */

static struct mrt_rib_entry *entry_slot(struct mrt_reader *r, uint32_t i)
{
	if (i >= r->entries_cap) {
		uint32_t cap = r->entries_cap ? r->entries_cap * 2 : 64;
		while (cap <= i)
			cap *= 2;
		r->entries = xreallocarray(r->entries, cap, sizeof *r->entries);
		r->entries_cap = cap;
	}
	return &r->entries[i];
}

static void set_addr(struct addr *a, int family, const uint8_t *p)
{
	memset(a, 0, sizeof *a);
	a->family = (uint8_t)family;
	memcpy(a->bytes, p, family == AF_INET ? 4 : 16);
}

/* Clears the bits past the length; the bytes past the address are zero. */
static inline void mask_prefix(struct prefix *p)
{
	unsigned len = p->len, max = p->addr.family == AF_INET ? 32 : 128;
	if (len >= max)
		return;
	unsigned byte = len / 8;
	p->addr.bytes[byte] &= (uint8_t)(0xff00 >> (len & 7));
	memset(p->addr.bytes + byte + 1, 0, max / 8 - byte - 1);
}

/* The length of the TABLE_DUMP entry at p (n bytes left), 0 if it does not fit. */
static size_t td1_entry_len(const uint8_t *p, size_t n, unsigned sub)
{
	size_t alen = sub == 2 || sub == 4 ? 16 : 4;
	size_t aslen = sub >= 3 ? 4 : 2;
	size_t fixed = alen + 1 + 1 + 4 + alen + aslen + 2;
	if (n < fixed)
		return 0;
	size_t total = fixed + be16_get(p + fixed - 2);
	return total <= n ? total : 0;
}

/* For the batched 2000-era form: when the entries of a TABLE_DUMP record
 * (declared body len) run exactly 4 bytes further, returns 4; else 0. The
 * window holds at least len + 4 + 12 bytes after the header when possible. */
static size_t td1_batched_extra(const struct mrt_reader *r, const uint8_t *h, size_t len)
{
	unsigned sub = be16_get(h + 6);
	const uint8_t *body = h + MRT_HEADER_LEN;
	size_t have = (size_t)(r->buf + r->end - body);
	if (have < len + 4)
		return 0;
	size_t at = 4;
	while (at < len + 4) {
		size_t l = td1_entry_len(body + at, len + 4 - at, sub);
		if (!l)
			return 0;
		at += l;
	}
	if (at != len + 4)
		return 0;
	/* the bytes after must be a record header, or the end */
	if (have == len + 4 && r->eof)
		return 4;
	if (have >= len + 4 + MRT_HEADER_LEN && header_ok(body + len + 4, 0, false))
		return 4;
	return 0;
}

static void decode_attrs(struct mrt_rib_entry *e, const uint8_t *p, size_t n,
			 const struct bgp_opts *o)
{
	e->attr_err = bgp_attrs_parse(p, n, o, &e->attrs, &e->attr_error);
}

static int decode_td1(struct mrt_reader *r, struct mrt_record *rec)
{
	const uint8_t *b = rec->body;
	size_t n = rec->body_len;
	unsigned sub = rec->subtype;
	bool v6 = sub == 2 || sub == 4;
	int fam = v6 ? AF_INET6 : AF_INET;
	size_t alen = v6 ? 16 : 4;
	struct bgp_opts o = {.as4 = sub >= 3, .mrt_rib = true};
	rec->kind = MRT_KIND_RIB;
	rec->rib.v1 = true;
	rec->rib.afi = v6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
	rec->rib.safi = BGP_SAFI_UNICAST;
	rec->rib.addpath = false;
	rec->rib.view = be16_get(b);
	rec->rib.seq = be16_get(b + 2);
	uint32_t count = 0;
	size_t at = 4;
	while (at < n) {
		size_t l = td1_entry_len(b + at, n - at, sub);
		if (!l) {
			warn(r, MRT_DAMAGE, rec->offset + MRT_HEADER_LEN + at,
			     "TABLE_DUMP entry overruns its record (%zu bytes left)", n - at);
			break;
		}
		const uint8_t *p = b + at;
		struct mrt_rib_entry *e = entry_slot(r, count);
		set_addr(&e->prefix.addr, fam, p);
		unsigned mask = p[alen];
		if (mask > (v6 ? 128u : 32u)) {
			warn(r, MRT_DAMAGE, rec->offset + MRT_HEADER_LEN + at + alen,
			     "TABLE_DUMP prefix length %u", mask);
			at += l;
			continue;
		}
		e->prefix.len = (uint8_t)mask;
		mask_prefix(&e->prefix);
		e->status = p[alen + 1];
		e->originated = be32_get(p + alen + 2);
		set_addr(&e->own_peer.ip, fam, p + alen + 6);
		const uint8_t *q = p + alen + 6 + alen;
		e->own_peer.asn = sub >= 3 ? be32_get(q) : be16_get(q);
		q += sub >= 3 ? 4 : 2;
		memset(e->own_peer.bgp_id, 0, 4);
		e->peer_index = 0;
		e->path_id = 0;
		size_t attr_len = be16_get(q);
		decode_attrs(e, q + 2, attr_len, &o);
		if (e->attr_err)
			warn(r, MRT_DAMAGE,
			     rec->offset + MRT_HEADER_LEN + (size_t)(q + 2 - b) + e->attr_error.offset,
			     "TABLE_DUMP entry: path attributes: %s", e->attr_error.msg);
		count++;
		at += l;
	}
	/* the arena may have moved while growing: point at the peers now */
	for (uint32_t i = 0; i < count; i++)
		r->entries[i].peer = &r->entries[i].own_peer;
	rec->rib.n_entries = count;
	rec->rib.entries = r->entries;
	if (count)
		rec->rib.prefix = r->entries[0].prefix;
	return 0;
}

static void decode_peer_index(struct mrt_reader *r, struct mrt_record *rec)
{
	const uint8_t *b = rec->body;
	size_t n = rec->body_len, at;
	uint64_t off0 = rec->offset + MRT_HEADER_LEN;
	rec->kind = MRT_KIND_PEER_INDEX;
	memcpy(rec->index.collector_id, b, 4);
	size_t vlen = be16_get(b + 4);
	if (6 + vlen + 2 > n) {
		warn(r, MRT_DAMAGE, off0 + 4, "PEER_INDEX_TABLE view name overruns the record");
		rec->index.n_peers = 0;
		rec->index.peers = r->peers;
		return;
	}
	rec->index.view_name = (const char *)b + 6;
	rec->index.view_len = (uint16_t)vlen;
	at = 6 + vlen;
	unsigned count = be16_get(b + at);
	at += 2;
	free(r->peers);
	r->peers = xcalloc(count ? count : 1, sizeof *r->peers);
	unsigned i;
	for (i = 0; i < count; i++) {
		if (at >= n)
			break;
		uint8_t type = b[at];
		size_t alen = type & 1 ? 16 : 4, aslen = type & 2 ? 4 : 2;
		if (n - at < 1 + 4 + alen + aslen)
			break;
		struct mrt_peer *pe = &r->peers[i];
		memcpy(pe->bgp_id, b + at + 1, 4);
		set_addr(&pe->ip, alen == 16 ? AF_INET6 : AF_INET, b + at + 5);
		pe->asn = aslen == 4 ? be32_get(b + at + 5 + alen) : be16_get(b + at + 5 + alen);
		at += 1 + 4 + alen + aslen;
	}
	if (i < count)
		warn(r, MRT_DAMAGE, off0 + at,
		     "PEER_INDEX_TABLE declares %u peers, only %u fit in the record", count, i);
	r->n_peers = (uint16_t)i;
	r->have_index = true;
	rec->index.n_peers = r->n_peers;
	rec->index.peers = r->peers;
}

static void decode_td2_rib(struct mrt_reader *r, struct mrt_record *rec)
{
	const uint8_t *b = rec->body;
	size_t n = rec->body_len;
	unsigned sub = rec->subtype;
	uint64_t off0 = rec->offset + MRT_HEADER_LEN;
	bool addpath = sub >= MRT_RIB_IPV4_UNICAST_ADDPATH;
	unsigned base = addpath ? sub - 6 : sub; /* the non-add-path subtype */
	bool v6 = base == MRT_RIB_IPV6_UNICAST || base == MRT_RIB_IPV6_MULTICAST;
	rec->kind = MRT_KIND_RIB;
	rec->rib.v1 = false;
	rec->rib.afi = v6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
	rec->rib.safi = base == MRT_RIB_IPV4_MULTICAST || base == MRT_RIB_IPV6_MULTICAST
				? BGP_SAFI_MULTICAST
				: BGP_SAFI_UNICAST;
	rec->rib.addpath = addpath;
	rec->rib.view = 0;
	rec->rib.n_entries = 0;
	rec->rib.entries = r->entries;
	rec->rib.seq = be32_get(b);
	unsigned plen = b[4], max = v6 ? 128 : 32;
	size_t pbytes = (plen + 7) / 8;
	if (plen > max || 5 + pbytes + 2 > n) {
		warn(r, MRT_DAMAGE, off0 + 4, "%s prefix length %u does not fit",
		     v6 ? "RIB_IPV6" : "RIB_IPV4", plen);
		return;
	}
	memset(&rec->rib.prefix, 0, sizeof rec->rib.prefix);
	rec->rib.prefix.addr.family = v6 ? AF_INET6 : AF_INET;
	memcpy(rec->rib.prefix.addr.bytes, b + 5, pbytes);
	rec->rib.prefix.len = (uint8_t)plen;
	mask_prefix(&rec->rib.prefix);
	size_t at = 5 + pbytes;
	unsigned count = be16_get(b + at);
	at += 2;
	if (count && !r->have_index) {
		char pfx[PREFIX_STRLEN];
		warn(r, MRT_DAMAGE, rec->offset,
		     "RIB record for %s without a PEER_INDEX_TABLE before it; %u entries skipped",
		     prefix_format(&rec->rib.prefix, pfx, sizeof pfx), count);
		return;
	}
	struct bgp_opts o = {.as4 = true, .mrt_rib = true, .addpath = addpath ? 0x6 : 0};
	uint32_t k = 0;
	for (unsigned i = 0; i < count; i++) {
		size_t fixed = 2 + 4 + (addpath ? 4 : 0) + 2;
		if (n - at < fixed) {
			warn(r, MRT_DAMAGE, off0 + at, "RIB entry %u of %u overruns the record", i + 1,
			     count);
			break;
		}
		const uint8_t *p = b + at;
		struct mrt_rib_entry *e = entry_slot(r, k);
		e->prefix = rec->rib.prefix;
		e->peer_index = be16_get(p);
		e->originated = be32_get(p + 2);
		e->path_id = addpath ? be32_get(p + 6) : 0;
		e->status = 0;
		size_t alen = be16_get(p + fixed - 2);
		if (alen > n - at - fixed) {
			warn(r, MRT_DAMAGE, off0 + at + fixed - 2,
			     "RIB entry %u: attribute length %zu overruns the record", i + 1, alen);
			break;
		}
		at += fixed + alen;
		if (e->peer_index >= r->n_peers) {
			warn(r, MRT_DAMAGE, off0 + (size_t)(p - b),
			     "RIB entry %u: peer index %u, the table has %u peers", i + 1,
			     e->peer_index, r->n_peers);
			continue;
		}
		e->peer = &r->peers[e->peer_index];
		decode_attrs(e, p + fixed, alen, &o);
		if (e->attr_err) {
			char pfx[PREFIX_STRLEN];
			warn(r, MRT_DAMAGE, off0 + (size_t)(p + fixed - b) + e->attr_error.offset,
			     "RIB entry for %s: path attributes: %s",
			     prefix_format(&e->prefix, pfx, sizeof pfx), e->attr_error.msg);
		}
		k++;
	}
	rec->rib.n_entries = k;
	rec->rib.entries = r->entries;
}

static void decode_message(struct mrt_reader *r, struct mrt_record *rec, const uint8_t *p,
			   size_t n, uint64_t off)
{
	struct bgp_opts o = {.as4 = rec->bgp.as4, .addpath = rec->bgp.addpath ? 0x6 : 0,
			     .extended = true};
	rec->bgp.raw = p;
	rec->bgp.raw_len = (uint32_t)n;
	rec->bgp.err = bgp_msg_parse(p, n, &o, &rec->bgp.msg, &rec->bgp.error);
	if (rec->bgp.err)
		warn(r, MRT_DAMAGE, off + rec->bgp.error.offset, "%s %s: %s", mrt_type_name(rec->type),
		     bgp_msg_type_name(rec->bgp.msg.type), rec->bgp.error.msg);
}

static void decode_bgp4mp(struct mrt_reader *r, struct mrt_record *rec)
{
	const uint8_t *b = rec->body;
	size_t n = rec->body_len;
	unsigned sub = rec->subtype;
	uint64_t off0 = rec->offset + (is_et(rec->type) ? 16 : 12);
	bool state = sub == MRT_BGP4MP_STATE_CHANGE || sub == MRT_BGP4MP_STATE_CHANGE_AS4;
	if (!state && sub != MRT_BGP4MP_MESSAGE && sub < MRT_BGP4MP_MESSAGE_AS4) {
		rec->kind = MRT_KIND_OTHER; /* ENTRY, SNAPSHOT: deprecated */
		if (!r->noted_other) {
			r->noted_other = true;
			warn(r, MRT_NOTE, rec->offset, "%s subtype %u records skipped",
			     mrt_type_name(rec->type), sub);
		}
		return;
	}
	bool as4 = sub == MRT_BGP4MP_STATE_CHANGE_AS4 || sub == MRT_BGP4MP_MESSAGE_AS4 ||
		   sub == MRT_BGP4MP_MESSAGE_AS4_LOCAL || sub == MRT_BGP4MP_MESSAGE_AS4_ADDPATH ||
		   sub == MRT_BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH;
	size_t asl = as4 ? 4 : 2;
	rec->kind = state ? MRT_KIND_STATE : MRT_KIND_MESSAGE;
	rec->bgp.as4 = as4;
	rec->bgp.addpath = sub >= MRT_BGP4MP_MESSAGE_ADDPATH;
	rec->bgp.local = sub == MRT_BGP4MP_MESSAGE_LOCAL || sub == MRT_BGP4MP_MESSAGE_AS4_LOCAL ||
			 sub == MRT_BGP4MP_MESSAGE_LOCAL_ADDPATH ||
			 sub == MRT_BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH;
	rec->bgp.legacy = false;
	rec->bgp.no_address = false;
	rec->bgp.err = 0;
	rec->bgp.msg.type = 0; /* nothing stale from the last record */
	rec->bgp.msg.u.update.nlri_ok = false;
	rec->bgp.raw = NULL;
	rec->bgp.raw_len = 0;
	rec->bgp.old_state = rec->bgp.new_state = 0;
	rec->bgp.ifindex = 0;
	memset(&rec->bgp.peer_ip, 0, sizeof rec->bgp.peer_ip);
	rec->bgp.peer_ip.family = AF_INET;
	rec->bgp.local_ip = rec->bgp.peer_ip;
	rec->bgp.afi = BGP_AFI_IPV4;
	if (n < 2 * asl) {
		rec->bgp.err = ERR_TRUNC;
		warn(r, MRT_DAMAGE, off0, "%s record of %zu bytes", mrt_type_name(rec->type), n);
		return;
	}
	rec->bgp.peer_as = as4 ? be32_get(b) : be16_get(b);
	rec->bgp.local_as = as4 ? be32_get(b + asl) : be16_get(b + asl);
	size_t at = 2 * asl;
	if (state && n == at + 4) {
		/* Zebra wrote state changes without interface and addresses */
		rec->bgp.no_address = true;
		rec->bgp.old_state = be16_get(b + at);
		rec->bgp.new_state = be16_get(b + at + 2);
		return;
	}
	if (n < at + 4) {
		rec->bgp.err = ERR_TRUNC;
		warn(r, MRT_DAMAGE, off0, "%s record of %zu bytes", mrt_type_name(rec->type), n);
		return;
	}
	rec->bgp.ifindex = be16_get(b + at);
	rec->bgp.afi = be16_get(b + at + 2);
	if (!state && rec->bgp.afi == 0xffff && rec->bgp.ifindex == 0xffff) {
		/* Zebra OPENs: no interface or addresses, the marker starts early */
		rec->bgp.no_address = true;
		rec->bgp.ifindex = 0;
		rec->bgp.afi = BGP_AFI_IPV4;
		decode_message(r, rec, b + at, n - at, off0 + at);
		return;
	}
	size_t alen;
	if (rec->bgp.afi == BGP_AFI_IPV4)
		alen = 4;
	else if (rec->bgp.afi == BGP_AFI_IPV6)
		alen = 16;
	else {
		rec->bgp.err = ERR_UNSUPPORTED;
		warn(r, MRT_DAMAGE, off0 + at + 2, "%s: address family %u",
		     mrt_type_name(rec->type), rec->bgp.afi);
		return;
	}
	at += 4;
	if (n < at + 2 * alen + (state ? 4 : 0)) {
		rec->bgp.err = ERR_TRUNC;
		warn(r, MRT_DAMAGE, off0, "%s record of %zu bytes", mrt_type_name(rec->type), n);
		return;
	}
	int fam = alen == 4 ? AF_INET : AF_INET6;
	set_addr(&rec->bgp.peer_ip, fam, b + at);
	set_addr(&rec->bgp.local_ip, fam, b + at + alen);
	at += 2 * alen;
	if (state) {
		rec->bgp.old_state = be16_get(b + at);
		rec->bgp.new_state = be16_get(b + at + 2);
		return;
	}
	decode_message(r, rec, b + at, n - at, off0 + at);
}

static void decode_legacy(struct mrt_reader *r, struct mrt_record *rec)
{
	const uint8_t *b = rec->body;
	size_t n = rec->body_len;
	unsigned sub = rec->subtype;
	uint64_t off0 = rec->offset + MRT_HEADER_LEN;
	size_t alen = rec->type == MRT_BGP ? 4 : 16;
	int fam = alen == 4 ? AF_INET : AF_INET6;
	rec->bgp.as4 = false;
	rec->bgp.addpath = false;
	rec->bgp.local = false;
	rec->bgp.legacy = true;
	rec->bgp.no_address = false;
	rec->bgp.err = 0;
	rec->bgp.msg.type = 0;
	rec->bgp.msg.u.update.nlri_ok = false;
	rec->bgp.ifindex = 0;
	rec->bgp.afi = alen == 4 ? BGP_AFI_IPV4 : BGP_AFI_IPV6;
	rec->bgp.raw = NULL;
	rec->bgp.raw_len = 0;
	if (rec->type != MRT_BGP && !r->noted_bgp4plus) {
		r->noted_bgp4plus = true;
		warn(r, MRT_NOTE, rec->offset,
		     "BGP4PLUS records (pre-RFC IPv6) are decoded but not printed in bgpdump form");
	}
	if (sub == MRT_LEGACY_STATE_CHANGE) {
		rec->kind = MRT_KIND_STATE;
		if (n < 2 + alen + 4) {
			rec->bgp.err = ERR_TRUNC;
			warn(r, MRT_DAMAGE, off0, "BGP STATE_CHANGE record of %zu bytes", n);
			return;
		}
		rec->bgp.peer_as = be16_get(b);
		set_addr(&rec->bgp.peer_ip, fam, b + 2);
		memset(&rec->bgp.local_ip, 0, sizeof rec->bgp.local_ip);
		rec->bgp.local_ip.family = (uint8_t)fam;
		rec->bgp.local_as = 0;
		rec->bgp.old_state = be16_get(b + 2 + alen);
		rec->bgp.new_state = be16_get(b + 4 + alen);
		return;
	}
	uint8_t type;
	switch (sub) {
	case MRT_LEGACY_UPDATE:
		type = BGP_MSG_UPDATE;
		break;
	case MRT_LEGACY_OPEN:
		type = BGP_MSG_OPEN;
		break;
	case MRT_LEGACY_NOTIFY:
		type = BGP_MSG_NOTIFICATION;
		break;
	case MRT_LEGACY_KEEPALIVE:
		type = BGP_MSG_KEEPALIVE;
		break;
	default:
		rec->kind = MRT_KIND_OTHER;
		return;
	}
	rec->kind = MRT_KIND_MESSAGE;
	if (n < 2 * (2 + alen)) {
		rec->bgp.err = ERR_TRUNC;
		warn(r, MRT_DAMAGE, off0, "BGP record of %zu bytes", n);
		return;
	}
	rec->bgp.peer_as = be16_get(b);
	set_addr(&rec->bgp.peer_ip, fam, b + 2);
	rec->bgp.local_as = be16_get(b + 2 + alen);
	set_addr(&rec->bgp.local_ip, fam, b + 4 + alen);
	size_t at = 2 * (2 + alen);
	const uint8_t *p = b + at;
	size_t len = n - at;
	struct bgp_msg *m = &rec->bgp.msg;
	memset(&rec->bgp.error, 0, sizeof rec->bgp.error);
	m->type = type;
	m->len = (uint16_t)(len + BGP_HEADER_LEN);
	m->body = p;
	m->body_len = (uint16_t)len;
	rec->bgp.raw = p;
	rec->bgp.raw_len = (uint32_t)len;
	struct bgp_opts o = {0};
	int rc = 0;
	if (type == BGP_MSG_UPDATE)
		rc = bgp_update_parse(p, len, &o, &m->u.update, &rec->bgp.error);
	else if (type == BGP_MSG_OPEN)
		rc = bgp_open_parse(p, len, &m->u.open, &rec->bgp.error);
	else if (type == BGP_MSG_NOTIFICATION)
		rc = bgp_notification_parse(p, len, &m->u.notification, &rec->bgp.error);
	rec->bgp.err = rc;
	if (rc)
		warn(r, MRT_DAMAGE, off0 + at + rec->bgp.error.offset, "BGP %s: %s",
		     bgp_msg_type_name(type), rec->bgp.error.msg);
}

static void decode(struct mrt_reader *r, struct mrt_record *rec)
{
	switch (rec->type) {
	case MRT_TABLE_DUMP:
		decode_td1(r, rec);
		return;
	case MRT_TABLE_DUMP_V2:
		switch (rec->subtype) {
		case MRT_PEER_INDEX_TABLE:
			decode_peer_index(r, rec);
			return;
		case MRT_RIB_GENERIC:
		case MRT_RIB_GENERIC_ADDPATH:
			if (!r->noted_generic) {
				r->noted_generic = true;
				warn(r, MRT_NOTE, rec->offset,
				     "RIB_GENERIC records (other address families) skipped");
			}
			rec->kind = MRT_KIND_OTHER;
			return;
		default:
			decode_td2_rib(r, rec);
			return;
		}
	case MRT_BGP4MP:
	case MRT_BGP4MP_ET:
		decode_bgp4mp(r, rec);
		return;
	case MRT_BGP:
	case MRT_BGP4PLUS:
	case MRT_BGP4PLUS_01:
		decode_legacy(r, rec);
		return;
	default:
		rec->kind = MRT_KIND_OTHER;
		if (!r->noted_other) {
			r->noted_other = true;
			warn(r, MRT_NOTE, rec->offset, "%s (type %u) records skipped",
			     mrt_type_name(rec->type), rec->type);
		}
	}
}

/* ---- the reader ---- */

static struct mrt_reader *reader_new(struct zread *z, const char *name,
				     const struct mrt_reader_opts *opts)
{
	struct mrt_reader *r = xcalloc(1, sizeof *r);
	r->z = z;
	r->name = xstrdup(name);
	if (opts)
		r->opts = *opts;
	r->cap = INITIAL_CAP;
	r->buf = xmalloc(r->cap);
	return r;
}

int mrt_reader_open(const char *path, const struct mrt_reader_opts *opts,
		    struct mrt_reader **out, char *err, size_t errlen)
{
	struct zread *z;
	int rc = zread_open(path, &z, err, errlen);
	if (rc) {
		*out = NULL;
		return rc;
	}
	*out = reader_new(z, path, opts);
	return 0;
}

struct mrt_reader *mrt_reader_new_mem(const uint8_t *data, size_t len, const char *name,
				      const struct mrt_reader_opts *opts)
{
	return reader_new(zread_new_mem(data, len), name ? name : "memory", opts);
}

void mrt_reader_free(struct mrt_reader *r)
{
	if (!r)
		return;
	zread_free(r->z);
	free(r->name);
	free(r->buf);
	free(r->peers);
	free(r->entries);
	free(r);
}

static int finish(struct mrt_reader *r)
{
	r->done = true;
	if (zread_truncated(r->z))
		warn(r, MRT_DAMAGE, r->base + r->end,
		     "the %s stream ends without its end marker (truncated file)",
		     zread_format_name(zread_format(r->z)));
	return 0;
}

/* The record at pos overruns the next record found at window index p. */
static size_t cut_at(struct mrt_reader *r, const uint8_t *h, uint64_t off, size_t p)
{
	warn(r, MRT_DAMAGE, off,
	     "%s record declares %u bytes but the next record starts at offset %llu; record "
	     "cut there",
	     mrt_type_name(be16_get(h + 4)), be32_get(h + 8), (unsigned long long)(r->base + p));
	return p - r->pos;
}

int mrt_next(struct mrt_reader *r, const struct mrt_record **out)
{
	*out = NULL;
	if (r->done)
		return 0;
	for (;;) {
		int rc = ensure(r, MRT_HEADER_LEN);
		if (rc < 0) {
			r->done = true;
			return rc;
		}
		size_t have = avail(r);
		if (have == 0)
			return finish(r);
		if (have < MRT_HEADER_LEN) {
			warn(r, MRT_DAMAGE, r->base + r->pos,
			     "truncated record header: %zu of 12 bytes at the end", have);
			r->pos = r->end;
			return finish(r);
		}
		const uint8_t *h = r->buf + r->pos;
		if (!header_ok(h, 0, false)) {
			rc = resync(r);
			if (rc < 0) {
				r->done = true;
				return rc;
			}
			if (rc > 0)
				return finish(r);
			continue;
		}
		size_t size = record_size(h);
		rc = ensure(r, size + 4 + MRT_HEADER_LEN);
		if (rc < 0) {
			r->done = true;
			return rc;
		}
		h = r->buf + r->pos;
		uint64_t off = r->base + r->pos;
		unsigned type = be16_get(h + 4);
		uint32_t t = be32_get(h);
		size_t hl = is_et(type) ? 16 : 12;
		if (avail(r) < size) {
			/* the input ends inside the record: a corrupt length, or truncation */
			size_t p = find_chain(r, r->pos + hl + 1, r->end, t);
			if (p != SIZE_MAX) {
				size = cut_at(r, h, off, p);
			} else {
				warn(r, MRT_DAMAGE, off,
				     "truncated %s record: %zu bytes declared, %zu present",
				     mrt_type_name(type), size - MRT_HEADER_LEN, avail(r) - MRT_HEADER_LEN);
				r->pos = r->end;
				return finish(r);
			}
		} else {
			if (type == MRT_TABLE_DUMP && td1_batched_extra(r, h, size - MRT_HEADER_LEN)) {
				size += 4;
				if (!r->noted_batched) {
					r->noted_batched = true;
					warn(r, MRT_NOTE, off,
					     "TABLE_DUMP records batch several entries and declare "
					     "lengths 4 bytes short (RIPE RIS 1999-2000 format); read "
					     "whole");
				}
			}
			if (avail(r) >= size + MRT_HEADER_LEN &&
			    !header_ok(h + size, t, true)) {
				/* the length may overrun: is there a record inside? */
				size_t p = find_chain(r, r->pos + hl + 1, r->pos + size, t);
				if (p != SIZE_MAX)
					size = cut_at(r, h, off, p);
			}
		}
		if (size < hl) {
			/* an ET record too short for its microseconds: skip it */
			warn(r, MRT_DAMAGE, off, "%s record of %zu bytes", mrt_type_name(type), size);
			r->pos += size;
			continue;
		}
		struct mrt_record *rec = &r->rec;
		rec->time = t;
		rec->type = (uint16_t)type;
		rec->subtype = be16_get(h + 6);
		rec->length = be32_get(h + 8);
		rec->usec = hl == 16 ? be32_get(h + 12) : 0;
		rec->offset = off;
		rec->body = h + hl;
		rec->body_len = (uint32_t)(size - hl);
		rec->kind = MRT_KIND_OTHER;
		r->pos += size;
		r->last_time = t;
		decode(r, rec);
		r->records++;
		*out = rec;
		return 1;
	}
}

unsigned mrt_reader_damage(const struct mrt_reader *r)
{
	return r->damage;
}

unsigned mrt_reader_notes(const struct mrt_reader *r)
{
	return r->notes;
}

uint64_t mrt_reader_records(const struct mrt_reader *r)
{
	return r->records;
}

const struct mrt_peer *mrt_reader_peers(const struct mrt_reader *r, uint16_t *n)
{
	*n = r->n_peers;
	return r->have_index ? r->peers : NULL;
}

const char *mrt_type_name(unsigned type)
{
	switch (type) {
	case MRT_BGP:
		return "BGP";
	case MRT_BGP4PLUS:
		return "BGP4PLUS";
	case MRT_BGP4PLUS_01:
		return "BGP4PLUS_01";
	case MRT_OSPFV2:
		return "OSPFv2";
	case MRT_TABLE_DUMP:
		return "TABLE_DUMP";
	case MRT_TABLE_DUMP_V2:
		return "TABLE_DUMP_V2";
	case MRT_BGP4MP:
		return "BGP4MP";
	case MRT_BGP4MP_ET:
		return "BGP4MP_ET";
	case MRT_ISIS:
		return "ISIS";
	case MRT_ISIS_ET:
		return "ISIS_ET";
	case MRT_OSPFV3:
		return "OSPFv3";
	case MRT_OSPFV3_ET:
		return "OSPFv3_ET";
	default:
		return "UNKNOWN";
	}
}

const char *mrt_state_name(unsigned state)
{
	static const char *const names[] = {"Unknown",     "Idle",        "Connect",
					    "Active",      "Opensent",    "Openconfirm",
					    "Established", "Clearing",    "Deleted"};
	return state < sizeof names / sizeof names[0] ? names[state] : "Unknown";
}

/* ---- writing ---- */

/* Writes the ET header and the common BGP4MP part; returns where it ends. */
static uint8_t *et_start(struct buf *out, int64_t time_us, uint16_t subtype, size_t body,
			 const struct mrt_session *s)
{
	size_t alen = s->peer_ip.family == AF_INET6 ? 16 : 4;
	size_t common = 4 + 4 + 2 + 2 + 2 * alen;
	size_t len = 4 + common + body; /* the length counts the microseconds */
	buf_reserve(out, MRT_HEADER_LEN + len);
	uint8_t *p = (uint8_t *)out->p + out->len;
	int64_t sec = time_us / 1000000, us = time_us % 1000000;
	if (us < 0) {
		us += 1000000;
		sec--;
	}
	be32_put(p, (uint32_t)sec);
	be16_put(p + 4, MRT_BGP4MP_ET);
	be16_put(p + 6, subtype);
	be32_put(p + 8, (uint32_t)len);
	be32_put(p + 12, (uint32_t)us);
	p += 16;
	be32_put(p, s->peer_as);
	be32_put(p + 4, s->local_as);
	be16_put(p + 8, 0);
	be16_put(p + 10, alen == 16 ? BGP_AFI_IPV6 : BGP_AFI_IPV4);
	memcpy(p + 12, s->peer_ip.bytes, alen);
	memcpy(p + 12 + alen, s->local_ip.bytes, alen);
	out->len += MRT_HEADER_LEN + len;
	out->p[out->len] = '\0';
	return p + common;
}

void mrt_write_message(struct buf *out, int64_t time_us, const struct mrt_session *s,
		       bool addpath, const uint8_t *msg, size_t len)
{
	uint8_t *p = et_start(out, time_us,
			      addpath ? MRT_BGP4MP_MESSAGE_AS4_ADDPATH : MRT_BGP4MP_MESSAGE_AS4, len,
			      s);
	memcpy(p, msg, len);
}

void mrt_write_state(struct buf *out, int64_t time_us, const struct mrt_session *s,
		     uint16_t old_state, uint16_t new_state)
{
	uint8_t *p = et_start(out, time_us, MRT_BGP4MP_STATE_CHANGE_AS4, 4, s);
	be16_put(p, old_state);
	be16_put(p + 2, new_state);
}

/* ---- route entries ---- */

static bool listed_family(uint16_t afi, uint8_t safi)
{
	return (afi == BGP_AFI_IPV4 || afi == BGP_AFI_IPV6) && safi >= 1 && safi <= 3;
}

static void rib_next_hop(const struct bgp_attrs *a, struct mrt_route *out)
{
	const struct bgp_mp_reach *mp = &a->mp_reach;
	if (bgp_has(a, BGP_ATTR_MP_REACH) &&
	    (mp->short_form || (listed_family(mp->afi, mp->safi) && mp->safi == 1)) &&
	    (mp->nh_len == 4 || mp->nh_len == 16 || mp->nh_len == 32)) {
		out->next_hop = mp->nh;
		out->nh_len = mp->nh_len;
	} else if (bgp_has(a, BGP_ATTR_NEXT_HOP)) {
		out->next_hop = a->next_hop;
		out->nh_len = 4;
	} else {
		out->next_hop = NULL;
		out->nh_len = 0;
	}
}

static size_t block_routes(const struct bgp_nlri_block *b, struct mrt_route *r,
			   void (*fn)(void *, const struct mrt_route *), void *ctx)
{
	struct bgp_nlri_iter it;
	struct bgp_nlri n;
	size_t count = 0;
	bgp_nlri_iter_init(&it, b);
	r->addpath = b->addpath;
	r->safi = b->safi;
	while (bgp_nlri_next(&it, &n) > 0) {
		r->prefix = n.prefix;
		r->path_id = n.path_id;
		fn(ctx, r);
		count++;
	}
	return count;
}

size_t mrt_record_routes(const struct mrt_record *rec,
			 void (*fn)(void *ctx, const struct mrt_route *r), void *ctx)
{
	struct mrt_route r;
	size_t count = 0;
	memset(&r, 0, sizeof r);
	if (rec->kind == MRT_KIND_RIB) {
		r.kind = MRT_ROUTE_RIB;
		r.addpath = rec->rib.addpath;
		r.safi = rec->rib.safi;
		for (uint32_t i = 0; i < rec->rib.n_entries; i++) {
			const struct mrt_rib_entry *e = &rec->rib.entries[i];
			r.peer_ip = &e->peer->ip;
			r.peer_as = e->peer->asn;
			r.prefix = e->prefix;
			r.path_id = e->path_id;
			r.attrs = &e->attrs;
			r.originated = e->originated;
			rib_next_hop(&e->attrs, &r);
			fn(ctx, &r);
			count++;
		}
		return count;
	}
	if (rec->kind != MRT_KIND_MESSAGE || rec->bgp.msg.type != BGP_MSG_UPDATE ||
	    (rec->bgp.err && !rec->bgp.msg.u.update.nlri_ok))
		return 0;
	const struct bgp_update *u = &rec->bgp.msg.u.update;
	const struct bgp_attrs *a = &u->attrs;
	r.peer_ip = &rec->bgp.peer_ip;
	r.peer_as = rec->bgp.peer_as;
	r.kind = MRT_ROUTE_WITHDRAW;
	count += block_routes(&u->withdrawn, &r, fn, ctx);
	if (bgp_has(a, BGP_ATTR_MP_UNREACH) &&
	    listed_family(a->mp_unreach.afi, a->mp_unreach.safi))
		count += block_routes(&a->mp_unreach.nlri, &r, fn, ctx);
	r.kind = MRT_ROUTE_ANNOUNCE;
	r.attrs = a;
	if (bgp_has(a, BGP_ATTR_NEXT_HOP)) {
		r.next_hop = a->next_hop;
		r.nh_len = 4;
	}
	count += block_routes(&u->nlri, &r, fn, ctx);
	if (bgp_has(a, BGP_ATTR_MP_REACH) && !a->mp_reach.short_form &&
	    listed_family(a->mp_reach.afi, a->mp_reach.safi)) {
		r.next_hop = a->mp_reach.nh_len ? a->mp_reach.nh : NULL;
		r.nh_len = a->mp_reach.nh_len;
		count += block_routes(&a->mp_reach.nlri, &r, fn, ctx);
	}
	return count;
}
