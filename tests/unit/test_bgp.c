/* Unit tests for src/bgp/bgp.c: framing, OPEN, UPDATE attributes, NLRI,
 * AS paths and RFC 6793 merging, errors with offsets and NOTIFICATION codes. */
#include <string.h>

#include "bgp/bgp.h"
#include "test.h"

/* A message builder for the tests: header + body. */
struct msg {
	uint8_t b[4096];
	size_t n;
};

static void m_start(struct msg *m, uint8_t type)
{
	memset(m->b, 0xff, 16);
	m->b[18] = type;
	m->n = 19;
}

static void m_put(struct msg *m, const void *p, size_t n)
{
	if (n)
		memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void m_u8(struct msg *m, uint8_t v)
{
	m->b[m->n++] = v;
}

static void m_u16(struct msg *m, uint16_t v)
{
	m_u8(m, (uint8_t)(v >> 8));
	m_u8(m, (uint8_t)v);
}

static void m_u32(struct msg *m, uint32_t v)
{
	m_u16(m, (uint16_t)(v >> 16));
	m_u16(m, (uint16_t)v);
}

static void m_end(struct msg *m)
{
	m->b[16] = (uint8_t)(m->n >> 8);
	m->b[17] = (uint8_t)m->n;
}

/* An attribute: flags, type, then the value bytes. */
static void m_attr(struct msg *m, uint8_t flags, uint8_t type, const void *v, size_t len)
{
	m_u8(m, flags);
	m_u8(m, type);
	m_u8(m, (uint8_t)len);
	m_put(m, v, len);
}

/* An OPEN up to its optional parameters length. */
static void m_open(struct msg *m, uint16_t as, uint8_t optlen)
{
	m_start(m, BGP_MSG_OPEN);
	m_u8(m, 4);
	m_u16(m, as);
	m_u16(m, 90);
	m_u32(m, 0x0a000001);
	m_u8(m, optlen);
}

static const char *pfx(const struct prefix *p, char *buf)
{
	return prefix_format(p, buf, PREFIX_STRLEN);
}

TEST(test_frame)
{
	struct bgp_error e = {0};
	uint8_t ka[19];
	CHECK_INT(bgp_build_keepalive(ka, sizeof ka), 19);
	CHECK_INT(bgp_frame(ka, 10, false, &e), 0); /* needs more */
	CHECK_INT(bgp_frame(ka, 19, false, &e), 19);
	ka[5] = 0;
	CHECK_INT(bgp_frame(ka, 19, false, &e), ERR_PARSE);
	CHECK_INT(e.code, BGP_ERR_HEADER);
	CHECK_INT(e.subcode, 1);
	CHECK_INT(e.offset, 5);
	memset(ka, 0xff, 16);
	ka[16] = 0x10; /* 4096 + 1 */
	ka[17] = 0x01;
	e.err = 0;
	CHECK_INT(bgp_frame(ka, 19, false, &e), ERR_PARSE);
	CHECK_INT(e.subcode, 2);
	CHECK_INT(bgp_frame(ka, 19, true, &e), 0); /* extended: fine, needs more */
}

TEST(test_keepalive_and_type)
{
	struct msg m;
	struct bgp_msg bm;
	struct bgp_error e;
	struct bgp_opts o = {0};
	m_start(&m, BGP_MSG_KEEPALIVE);
	m_end(&m);
	CHECK_INT(bgp_msg_parse(m.b, m.n, &o, &bm, &e), 0);
	CHECK_INT(bm.type, BGP_MSG_KEEPALIVE);
	m_u8(&m, 0);
	m_end(&m);
	CHECK_INT(bgp_msg_parse(m.b, m.n, &o, &bm, &e), ERR_PARSE);
	CHECK_INT(e.code, 1);
	CHECK_INT(e.subcode, 2);
	m_start(&m, 9);
	m_end(&m);
	CHECK_INT(bgp_msg_parse(m.b, m.n, &o, &bm, &e), ERR_UNSUPPORTED);
	CHECK_INT(e.subcode, 3);
	CHECK_INT(e.offset, 18);
	/* the stored bytes are fewer than the length says */
	m_start(&m, BGP_MSG_UPDATE);
	m_u32(&m, 0);
	m_end(&m);
	CHECK_INT(bgp_msg_parse(m.b, m.n - 2, &o, &bm, &e), ERR_TRUNC);
}

TEST(test_open_roundtrip)
{
	uint8_t buf[128];
	struct bgp_open_params p = {.asn = 4200000001u, .hold_time = 90, .bgp_id = {192, 0, 2, 1},
				    .ipv4_unicast = true, .ipv6_unicast = true,
				    .addpath_receive = true, .route_refresh = true};
	int n = bgp_build_open(buf, sizeof buf, &p);
	CHECK(n > 29);
	struct bgp_msg m;
	struct bgp_error e;
	struct bgp_opts o = {0};
	CHECK_INT(bgp_msg_parse(buf, (size_t)n, &o, &m, &e), 0);
	CHECK_INT(m.type, BGP_MSG_OPEN);
	const struct bgp_open *op = &m.u.open;
	CHECK_INT(op->version, 4);
	CHECK_INT(op->my_as, BGP_AS_TRANS);
	CHECK_INT(op->hold_time, 90);
	CHECK(op->has_as4);
	CHECK_INT(bgp_open_asn(op), 4200000001u);
	CHECK(op->route_refresh);
	CHECK_INT(op->n_mp, 2);
	CHECK_INT(op->mp[0].afi, 1);
	CHECK_INT(op->mp[1].afi, 2);
	CHECK_INT(op->mp[1].safi, 1);
	CHECK_INT(op->n_addpath, 2);
	CHECK_INT(op->addpath[0].mode, 1);
	CHECK(!memcmp(op->bgp_id, p.bgp_id, 4));
	/* a small ASN goes in the 2-byte field too */
	p.asn = 65001;
	n = bgp_build_open(buf, sizeof buf, &p);
	CHECK_INT(bgp_msg_parse(buf, (size_t)n, &o, &m, &e), 0);
	CHECK_INT(m.u.open.my_as, 65001);
}

TEST(test_open_errors)
{
	struct msg m;
	struct bgp_msg bm;
	struct bgp_error e;
	struct bgp_opts o = {0};
	/* optional parameter type 1 (authentication, deprecated) */
	m_open(&m, 65001, 3);
	m_u8(&m, 1);
	m_u8(&m, 1);
	m_u8(&m, 0);
	m_end(&m);
	CHECK_INT(bgp_msg_parse(m.b, m.n, &o, &bm, &e), ERR_UNSUPPORTED);
	CHECK_INT(e.code, 2);
	CHECK_INT(e.subcode, 4);
	CHECK_INT(e.offset, 29);
	/* capability overrunning its parameter */
	m_open(&m, 65001, 4);
	m_u8(&m, 2);
	m_u8(&m, 2);
	m_u8(&m, 65);
	m_u8(&m, 4);
	m_end(&m);
	CHECK_INT(bgp_msg_parse(m.b, m.n, &o, &bm, &e), ERR_PARSE);
	CHECK_INT(e.offset, 31);
	/* RFC 9072 extended optional parameters */
	m_open(&m, 23456, 255);
	m_u8(&m, 255);
	m_u16(&m, 9);
	m_u8(&m, 2);
	m_u16(&m, 6);
	m_u8(&m, 65);
	m_u8(&m, 4);
	m_u32(&m, 400000);
	m_end(&m);
	CHECK_INT(bgp_msg_parse(m.b, m.n, &o, &bm, &e), 0);
	CHECK_INT(bgp_open_asn(&bm.u.open), 400000);
}

/* A full 2-byte UPDATE with every attribute the decoder knows. */
static void full_update(struct msg *m)
{
	m_start(m, BGP_MSG_UPDATE);
	/* withdrawn: 10.1.0.0/16, 192.0.2.128/25 */
	const uint8_t wd[] = {16, 10, 1, 25, 192, 0, 2, 128};
	m_u16(m, sizeof wd);
	m_put(m, wd, sizeof wd);
	size_t alen_at = m->n;
	m_u16(m, 0);
	const uint8_t origin = 1;
	m_attr(m, 0x40, BGP_ATTR_ORIGIN, &origin, 1);
	/* AS_PATH (2-byte): SEQ 65001 23456, SET {7,8}, CONFED_SEQ (9), CONFED_SET [10,11] */
	const uint8_t path[] = {2, 2, 0xfd, 0xe9, 0x5b, 0xa0, 1, 2, 0, 7, 0, 8,
				3, 1, 0, 9,    4,    2,    0, 10, 0, 11};
	m_attr(m, 0x40, BGP_ATTR_AS_PATH, path, sizeof path);
	const uint8_t nh[] = {198, 51, 100, 1};
	m_attr(m, 0x40, BGP_ATTR_NEXT_HOP, nh, 4);
	const uint8_t med[] = {0x80, 0, 0, 1};
	m_attr(m, 0x80, BGP_ATTR_MED, med, 4);
	const uint8_t lp[] = {0, 0, 0, 200};
	m_attr(m, 0x40, BGP_ATTR_LOCAL_PREF, lp, 4);
	m_attr(m, 0x40, BGP_ATTR_ATOMIC_AGGREGATE, NULL, 0);
	const uint8_t agg[] = {0x5b, 0xa0, 203, 0, 113, 9};
	m_attr(m, 0xc0, BGP_ATTR_AGGREGATOR, agg, 6);
	const uint8_t comm[] = {0xfd, 0xe9, 0, 100, 0xff, 0xff, 0xff, 1};
	m_attr(m, 0xc0, BGP_ATTR_COMMUNITIES, comm, 8);
	const uint8_t large[] = {0, 6, 0x1a, 0x80, 0, 0, 0, 1, 0, 0, 0, 2};
	m_attr(m, 0xc0, BGP_ATTR_LARGE_COMMUNITIES, large, 12);
	/* AS4_PATH: SEQ 400000 (replaces the trailing AS_TRANS) */
	const uint8_t as4[] = {2, 1, 0, 6, 0x1a, 0x80};
	m_attr(m, 0xc0, BGP_ATTR_AS4_PATH, as4, sizeof as4);
	const uint8_t as4agg[] = {0, 6, 0x1a, 0x80, 203, 0, 113, 9};
	m_attr(m, 0xc0, BGP_ATTR_AS4_AGGREGATOR, as4agg, 8);
	const uint8_t unknown[] = {1, 2, 3};
	m_attr(m, 0xc0, 99, unknown, 3);
	/* MP_REACH IPv6 unicast, next hop global + link-local, 2001:db8::/32 */
	uint8_t mp[4 + 32 + 1 + 5];
	memset(mp, 0, sizeof mp);
	mp[1] = 2;
	mp[2] = 1;
	mp[3] = 32;
	mp[4] = 0x20;
	mp[5] = 0x01;
	mp[6] = 0x0d;
	mp[7] = 0xb8;
	mp[4 + 15] = 1;
	mp[4 + 16] = 0xfe;
	mp[4 + 17] = 0x80;
	mp[4 + 31] = 1;
	mp[36] = 0; /* reserved */
	mp[37] = 32;
	mp[38] = 0x20;
	mp[39] = 0x01;
	mp[40] = 0x0d;
	mp[41] = 0xb8;
	m_attr(m, 0x80, BGP_ATTR_MP_REACH, mp, sizeof mp);
	/* MP_UNREACH IPv6: 2001:db8:1::/48 */
	const uint8_t mpu[] = {0, 2, 1, 48, 0x20, 0x01, 0x0d, 0xb8, 0, 1};
	m_attr(m, 0x80, BGP_ATTR_MP_UNREACH, mpu, sizeof mpu);
	size_t alen = m->n - alen_at - 2;
	m->b[alen_at] = (uint8_t)(alen >> 8);
	m->b[alen_at + 1] = (uint8_t)alen;
	/* NLRI: 203.0.113.0/24 and 11.13.0.0/13 (trailing bits set) */
	const uint8_t nlri[] = {24, 203, 0, 113, 13, 11, 13};
	m_put(m, nlri, sizeof nlri);
	m_end(m);
}

TEST(test_update_full)
{
	struct msg m;
	struct bgp_msg bm;
	struct bgp_error e;
	struct bgp_opts o = {0};
	char s[PREFIX_STRLEN];
	full_update(&m);
	CHECK_INT(bgp_msg_parse(m.b, m.n, &o, &bm, &e), 0);
	const struct bgp_update *u = &bm.u.update;
	const struct bgp_attrs *a = &u->attrs;
	CHECK(u->nlri_ok);
	CHECK(a->complete);
	CHECK_INT(a->origin, BGP_ORIGIN_EGP);
	CHECK_INT(a->as_path.asn_size, 2);
	CHECK(bgp_has(a, BGP_ATTR_ATOMIC_AGGREGATE));
	CHECK(!memcmp(a->next_hop, "\xc6\x33\x64\x01", 4));
	CHECK_INT(a->med, 0x80000001u);
	CHECK_INT(a->local_pref, 200);
	CHECK_INT(a->aggregator_as, 23456);
	CHECK_INT(a->n_communities, 2);
	CHECK_INT(a->n_large_communities, 1);
	CHECK_INT(a->n_unknown, 1);
	CHECK_INT(a->unknown[0].type, 99);
	CHECK_INT(a->unknown[0].len, 3);
	CHECK_INT(a->mp_reach.afi, 2);
	CHECK_INT(a->mp_reach.nh_len, 32);
	CHECK_INT(a->mp_unreach.afi, 2);
	/* NLRI, trailing bits cleared */
	struct bgp_nlri_iter it;
	struct bgp_nlri n;
	bgp_nlri_iter_init(&it, &u->nlri);
	CHECK_INT(bgp_nlri_next(&it, &n), 1);
	CHECK_STR(pfx(&n.prefix, s), "203.0.113.0/24");
	CHECK_INT(bgp_nlri_next(&it, &n), 1);
	CHECK_STR(pfx(&n.prefix, s), "11.8.0.0/13");
	CHECK_INT(bgp_nlri_next(&it, &n), 0);
	CHECK_INT(bgp_nlri_count(&u->withdrawn), 2);
	bgp_nlri_iter_init(&it, &u->withdrawn);
	CHECK_INT(bgp_nlri_next(&it, &n), 1);
	CHECK_INT(bgp_nlri_next(&it, &n), 1);
	CHECK_STR(pfx(&n.prefix, s), "192.0.2.128/25");
	bgp_nlri_iter_init(&it, &a->mp_reach.nlri);
	CHECK_INT(bgp_nlri_next(&it, &n), 1);
	CHECK_STR(pfx(&n.prefix, s), "2001:db8::/32");
	bgp_nlri_iter_init(&it, &a->mp_unreach.nlri);
	CHECK_INT(bgp_nlri_next(&it, &n), 1);
	CHECK_STR(pfx(&n.prefix, s), "2001:db8:1::/48");
	/* AS path walk and lengths */
	CHECK_INT(bgp_aspath_length(&a->as_path), 3); /* 2 + set; confeds count 0 */
	CHECK_INT(bgp_aspath_origin(&a->as_path), 0); /* ends in a confed set */
	uint32_t c = 0;
	struct bgp_asseg seg;
	int segs = 0;
	while (bgp_aspath_next(&a->as_path, &c, &seg))
		segs++;
	CHECK_INT(segs, 4);
}

TEST(test_as4_merge)
{
	struct msg m;
	struct bgp_msg bm;
	struct bgp_error e;
	struct bgp_opts o = {0};
	static uint8_t buf[BGP_MERGE_BUF];
	full_update(&m);
	CHECK_INT(bgp_msg_parse(m.b, m.n, &o, &bm, &e), 0);
	struct bgp_effective eff;
	bgp_attrs_effective(&bm.u.update.attrs, buf, sizeof buf, &eff);
	/* n(AS_PATH) = 3, n(AS4_PATH) = 1: keep 2 leading ASNs then AS4_PATH */
	CHECK_INT(eff.path.asn_size, 4);
	CHECK_INT(bgp_aspath_length(&eff.path), 3);
	CHECK_INT(bgp_aspath_origin(&eff.path), 400000);
	uint32_t c = 0;
	struct bgp_asseg s;
	CHECK(bgp_aspath_next(&eff.path, &c, &s));
	CHECK_INT(s.count, 2);
	CHECK_INT(bgp_asseg_asn(&s, 0), 65001);
	CHECK_INT(bgp_asseg_asn(&s, 1), 23456);
	CHECK(bgp_aspath_next(&eff.path, &c, &s)); /* the rest is AS4_PATH */
	CHECK_INT(s.type, BGP_AS_SEQUENCE);
	CHECK_INT(s.count, 1);
	CHECK(!bgp_aspath_next(&eff.path, &c, &s));
	/* aggregator from AS4_AGGREGATOR since AGGREGATOR is AS_TRANS */
	CHECK(eff.has_aggregator);
	CHECK_INT(eff.aggregator_as, 400000);

	/* a 4-byte session: AS_PATH is taken as is */
	struct bgp_attrs a = bm.u.update.attrs;
	a.as_path.asn_size = 4;
	bgp_attrs_effective(&a, buf, sizeof buf, &eff);
	CHECK(eff.path.p == a.as_path.p);

	/* AGGREGATOR not AS_TRANS with AS4_AGGREGATOR: AS4 attributes ignored */
	a = bm.u.update.attrs;
	a.aggregator_as = 65001;
	bgp_attrs_effective(&a, buf, sizeof buf, &eff);
	CHECK(eff.path.p == a.as_path.p);
	CHECK_INT(eff.aggregator_as, 65001);

	/* AS4_PATH longer than AS_PATH: ignored */
	const uint8_t path[] = {2, 1, 0x5b, 0xa0};
	const uint8_t as4[] = {2, 2, 0, 6, 0x1a, 0x80, 0, 6, 0x1a, 0x81};
	struct bgp_attrs b = {0};
	b.present = BGP_ATTR_BIT(BGP_ATTR_AS_PATH) | BGP_ATTR_BIT(BGP_ATTR_AS4_PATH);
	b.as_path = (struct bgp_aspath){path, sizeof path, 2};
	b.as4_path = (struct bgp_aspath){as4, sizeof as4, 4};
	bgp_attrs_effective(&b, buf, sizeof buf, &eff);
	CHECK(eff.path.p == path);
	/* equal lengths: AS4_PATH replaces it all */
	b.as4_path.len = 6;
	b.as4_path.p = (const uint8_t *)"\x02\x01\x00\x06\x1a\x80";
	bgp_attrs_effective(&b, buf, sizeof buf, &eff);
	CHECK_INT(bgp_aspath_origin(&eff.path), 400000);
	CHECK_INT(bgp_aspath_length(&eff.path), 1);
}

struct err_case {
	const char *name;
	uint8_t attr[16];
	size_t len;
	int err;
	uint8_t subcode;
	uint32_t offset; /* in the message */
};

TEST(test_attribute_errors)
{
	/* each attribute block is placed after a 23-byte prefix (19 header +
	 * 2 withdrawn length + 2 attribute length), so offsets are 23 + ... */
	static const struct err_case cases[] = {
		{"origin value", {0x40, 1, 1, 7}, 4, ERR_PARSE, 6, 23},
		{"origin length", {0x40, 1, 2, 0, 0}, 5, ERR_PARSE, 5, 23},
		{"next hop length", {0x40, 3, 3, 1, 2, 3}, 6, ERR_PARSE, 5, 23},
		{"as path segment type", {0x40, 2, 4, 9, 1, 0, 1}, 7, ERR_PARSE, 11, 26},
		{"as path segment overrun", {0x40, 2, 4, 2, 2, 0, 1}, 7, ERR_PARSE, 11, 27},
		{"attribute overruns block", {0x40, 1, 9, 0}, 4, ERR_PARSE, 5, 23},
		{"header truncated", {0x40, 1}, 2, ERR_PARSE, 1, 23},
		{"communities length", {0xc0, 8, 3, 1, 2, 3}, 6, ERR_PARSE, 5, 23},
		{"mp_unreach prefix too long", {0x80, 15, 4, 0, 1, 1, 33}, 7, ERR_PARSE, 10, 29},
		{"repeated origin", {0x40, 1, 1, 0, 0x40, 1, 1, 0}, 8, ERR_PARSE, 1, 27},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct err_case *c = &cases[i];
		struct msg m;
		struct bgp_msg bm;
		struct bgp_error e;
		struct bgp_opts o = {0};
		m_start(&m, BGP_MSG_UPDATE);
		m_u16(&m, 0);
		m_u16(&m, (uint16_t)c->len);
		m_put(&m, c->attr, c->len);
		m_end(&m);
		int rc = bgp_msg_parse(m.b, m.n, &o, &bm, &e);
		if (rc != c->err || e.subcode != c->subcode || e.offset != c->offset)
			T_FAIL("%s: rc %d subcode %u offset %u (%s), want %d %u %u", c->name, rc,
			       e.subcode, e.offset, e.msg, c->err, c->subcode, c->offset);
		if (e.code != BGP_ERR_UPDATE)
			T_FAIL("%s: code %u", c->name, e.code);
	}
}

TEST(test_partial_decode)
{
	/* a bad ORIGIN does not hide the NEXT_HOP after it; a cut NLRI keeps the
	 * sound prefixes before the bad one */
	struct msg m;
	struct bgp_msg bm;
	struct bgp_error e;
	struct bgp_opts o = {0};
	m_start(&m, BGP_MSG_UPDATE);
	m_u16(&m, 0);
	m_u16(&m, 11);
	const uint8_t bad[] = {0x40, 1, 1, 9, 0x40, 3, 4, 10, 0, 0, 1};
	m_put(&m, bad, sizeof bad);
	const uint8_t nlri[] = {13, 11, 13, 11};
	m_put(&m, nlri, sizeof nlri);
	m_end(&m);
	CHECK_INT(bgp_msg_parse(m.b, m.n, &o, &bm, &e), ERR_PARSE);
	CHECK_INT(e.subcode, 6); /* the first error is the one reported */
	CHECK(bgp_has(&bm.u.update.attrs, BGP_ATTR_NEXT_HOP));
	CHECK(bm.u.update.nlri_ok);
	CHECK_INT(bgp_nlri_count(&bm.u.update.nlri), 1);
}

TEST(test_addpath_and_mrt_rib)
{
	struct msg m;
	struct bgp_msg bm;
	struct bgp_error e;
	struct bgp_opts o = {.as4 = true, .addpath = 1 << BGP_AFI_IPV4};
	m_start(&m, BGP_MSG_UPDATE);
	const uint8_t wd[] = {0, 0, 0, 7, 24, 198, 51, 100};
	m_u16(&m, sizeof wd);
	m_put(&m, wd, sizeof wd);
	m_u16(&m, 0);
	m_end(&m);
	CHECK_INT(bgp_msg_parse(m.b, m.n, &o, &bm, &e), 0);
	struct bgp_nlri_iter it;
	struct bgp_nlri n;
	bgp_nlri_iter_init(&it, &bm.u.update.withdrawn);
	CHECK_INT(bgp_nlri_next(&it, &n), 1);
	CHECK_INT(n.path_id, 7);
	CHECK_INT(n.prefix.len, 24);
	/* RIB short form MP_REACH: next hop only */
	const uint8_t attrs[] = {0x80, 14, 17, 16, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0,
				 0,    0,  0,  0,  0,    0, 0,   1};
	struct bgp_attrs a;
	struct bgp_opts ro = {.as4 = true, .mrt_rib = true};
	CHECK_INT(bgp_attrs_parse(attrs, sizeof attrs, &ro, &a, &e), 0);
	CHECK(a.mp_reach.short_form);
	CHECK_INT(a.mp_reach.nh_len, 16);
	/* the same bytes in a message are a malformed full form */
	ro.mrt_rib = false;
	CHECK(bgp_attrs_parse(attrs, sizeof attrs, &ro, &a, &e) < 0);
}

TEST(test_notification_refresh)
{
	uint8_t buf[64];
	const uint8_t data[] = {0, 0x14};
	int n = bgp_build_notification(buf, sizeof buf, BGP_ERR_UPDATE, 1, data, 2);
	CHECK_INT(n, 23);
	struct bgp_msg m;
	struct bgp_error e;
	struct bgp_opts o = {0};
	CHECK_INT(bgp_msg_parse(buf, (size_t)n, &o, &m, &e), 0);
	CHECK_INT(m.u.notification.code, 3);
	CHECK_INT(m.u.notification.subcode, 1);
	CHECK_INT(m.u.notification.len, 2);
	CHECK_STR(bgp_notify_name(4), "Hold Timer Expired");
	struct msg r;
	m_start(&r, BGP_MSG_ROUTE_REFRESH);
	m_u16(&r, 2);
	m_u8(&r, 0);
	m_u8(&r, 1);
	m_end(&r);
	CHECK_INT(bgp_msg_parse(r.b, r.n, &o, &m, &e), 0);
	CHECK_INT(m.u.route_refresh.afi, 2);
	CHECK_INT(m.u.route_refresh.safi, 1);
	r.n--;
	m_end(&r);
	CHECK_INT(bgp_msg_parse(r.b, r.n, &o, &m, &e), ERR_PARSE);
}

int main(void)
{
	RUN(test_frame);
	RUN(test_keepalive_and_type);
	RUN(test_open_roundtrip);
	RUN(test_open_errors);
	RUN(test_update_full);
	RUN(test_as4_merge);
	RUN(test_attribute_errors);
	RUN(test_partial_decode);
	RUN(test_addpath_and_mrt_rib);
	RUN(test_notification_refresh);
	return test_main_end();
}
