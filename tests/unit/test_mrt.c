/* Unit tests for src/bgp/mrt.c and mrt_text.c: the writer and reader round
 * trip, compressed input, damaged input (garbage, truncation, overrunning
 * lengths, missing peer table), TABLE_DUMP v1/v2 and legacy records, and the
 * bgpdump text form. Real archives are checked in tests/integration. */
#include <bzlib.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bgp/mrt.h"
#include "bgp/mrt_text.h"
#include "test.h"

struct warns {
	int n, damage;
	uint64_t offset[16];
	char msg[16][256];
};

static void on_warn(void *ctx, const struct mrt_warning *w)
{
	struct warns *ws = ctx;
	if (ws->n < 16) {
		ws->offset[ws->n] = w->offset;
		snprintf(ws->msg[ws->n], sizeof ws->msg[0], "%s", w->msg);
	}
	ws->n++;
	ws->damage += w->level == MRT_DAMAGE;
}

/* Reads everything; returns the bgpdump text (caller frees) and the count. */
static char *read_all(const uint8_t *data, size_t len, struct warns *ws, int *records)
{
	struct mrt_reader_opts opts = {on_warn, ws};
	struct mrt_reader *r = mrt_reader_new_mem(data, len, "test", &opts);
	struct mrt_text *t = mrt_text_new();
	struct buf out = {0};
	const struct mrt_record *rec;
	int rc, n = 0;
	while ((rc = mrt_next(r, &rec)) > 0) {
		mrt_text_bgpdump(t, &out, rec);
		n++;
	}
	*records = n;
	mrt_text_free(t);
	mrt_reader_free(r);
	return buf_take(&out);
}

static struct mrt_session session4(void)
{
	struct mrt_session s = {0};
	CHECK_INT(addr_parse("198.51.100.2", &s.peer_ip), 0);
	CHECK_INT(addr_parse("198.51.100.1", &s.local_ip), 0);
	s.peer_as = 4200000002u;
	s.local_as = 65001;
	return s;
}

/* UPDATE announcing 203.0.113.0/24 (AS path 4200000002 131279, communities)
 * and withdrawing 192.0.2.0/24. */
static size_t sample_update(uint8_t *m)
{
	static const uint8_t body[] = {
		0, 4, 24, 192, 0, 2,                        /* withdrawn */
		0, 35,                                      /* attributes */
		0x40, 1, 1, 0,                              /* ORIGIN IGP */
		0x40, 2, 10, 2, 2, 0xfa, 0x56, 0xea, 0x02, 0, 2, 0, 0xcf, /* AS_PATH */
		0x40, 3, 4, 198, 51, 100, 2,                /* NEXT_HOP */
		0xc0, 8, 8, 0, 100, 0, 1, 0xff, 0xff, 0xff, 2, /* COMMUNITIES */
		24, 203, 0, 113,                            /* NLRI */
	};
	memset(m, 0xff, 16);
	size_t len = 19 + sizeof body;
	m[16] = (uint8_t)(len >> 8);
	m[17] = (uint8_t)len;
	m[18] = 2;
	memcpy(m + 19, body, sizeof body);
	return len;
}

static void build_updates(struct buf *b)
{
	struct mrt_session s = session4();
	uint8_t m[128];
	size_t n = sample_update(m);
	mrt_write_state(b, INT64_C(1445565678509481), &s, 1, 2);
	mrt_write_message(b, INT64_C(1445565695000007), &s, false, m, n);
	mrt_write_state(b, INT64_C(1445565700000000), &s, 6, 1);
}

static const char expect_updates[] =
	"BGP4MP_ET|1445565678.509481|STATE|198.51.100.2|4200000002|1|2\n"
	"BGP4MP_ET|1445565695.000007|W|198.51.100.2|4200000002|192.0.2.0/24\n"
	"BGP4MP_ET|1445565695.000007|A|198.51.100.2|4200000002|203.0.113.0/24|4200000002 "
	"131279|IGP|198.51.100.2|0|0|100:1 no-advertise|NAG||\n"
	"BGP4MP_ET|1445565700.000000|STATE|198.51.100.2|4200000002|6|1\n";

TEST(test_roundtrip)
{
	struct buf b = {0};
	build_updates(&b);
	struct warns ws = {0};
	int n;
	char *txt = read_all((const uint8_t *)b.p, b.len, &ws, &n);
	CHECK_INT(n, 3);
	CHECK_INT(ws.n, 0);
	CHECK_STR(txt, expect_updates); /* an ET time always has 6 digits of usec */
	free(txt);

	/* the decoded record itself */
	struct mrt_reader *r = mrt_reader_new_mem((const uint8_t *)b.p, b.len, "t", NULL);
	const struct mrt_record *rec;
	CHECK_INT(mrt_next(r, &rec), 1);
	CHECK_INT(rec->kind, MRT_KIND_STATE);
	CHECK_INT(rec->usec, 509481);
	CHECK_INT(mrt_next(r, &rec), 1);
	CHECK_INT(rec->kind, MRT_KIND_MESSAGE);
	CHECK_INT(rec->type, MRT_BGP4MP_ET);
	CHECK_INT(rec->subtype, MRT_BGP4MP_MESSAGE_AS4);
	CHECK(rec->bgp.as4);
	CHECK_INT(rec->bgp.local_as, 65001);
	CHECK_INT(rec->bgp.msg.type, BGP_MSG_UPDATE);
	CHECK_INT(bgp_aspath_origin(&rec->bgp.msg.u.update.attrs.as_path), 131279);
	CHECK_INT(rec->offset, 12 + 4 + 20 + 4);
	mrt_reader_free(r);
	buf_free(&b);
}

static size_t gzip_mem(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream z = {0};
	CHECK_INT(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (uint8_t *)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	CHECK_INT(deflate(&z, Z_FINISH), Z_STREAM_END);
	size_t len = z.total_out;
	deflateEnd(&z);
	return len;
}

TEST(test_compressed)
{
	struct buf b = {0};
	build_updates(&b);
	static uint8_t gz[8192], bz[8192], two[16384];
	struct warns ws = {0};
	int n;
	char *plain = read_all((const uint8_t *)b.p, b.len, &ws, &n);

	size_t gl = gzip_mem((const uint8_t *)b.p, b.len, gz, sizeof gz);
	char *txt = read_all(gz, gl, &ws, &n);
	CHECK_STR(txt, plain);
	CHECK_INT(ws.n, 0);
	free(txt);

	/* two gzip members one after the other read as one stream */
	memcpy(two, gz, gl);
	memcpy(two + gl, gz, gl);
	txt = read_all(two, 2 * gl, &ws, &n);
	CHECK_INT(n, 6);
	CHECK_INT(ws.n, 0);
	free(txt);

	unsigned bl = sizeof bz;
	CHECK_INT(BZ2_bzBuffToBuffCompress((char *)bz, &bl, b.p, (unsigned)b.len, 9, 0, 0), BZ_OK);
	txt = read_all(bz, bl, &ws, &n);
	CHECK_STR(txt, plain);
	CHECK_INT(ws.n, 0);
	free(txt);

	/* a bzip2 file cut short: no crash, a warning, whatever was recoverable */
	txt = read_all(bz, bl - 8, &ws, &n);
	CHECK(ws.damage >= 1);
	CHECK(strstr(ws.msg[ws.n - 1], "truncated") != NULL);
	free(txt);
	free(plain);
	buf_free(&b);
}

TEST(test_garbage_between_records)
{
	struct buf b = {0};
	build_updates(&b);
	/* 37 bytes of junk after the first record (40 bytes long) */
	struct buf g = {0};
	buf_append(&g, b.p, 40);
	for (int i = 0; i < 37; i++)
		buf_putc(&g, (char)(i * 37 + 5));
	buf_append(&g, b.p + 40, b.len - 40);
	struct warns ws = {0};
	int n;
	char *txt = read_all((const uint8_t *)g.p, g.len, &ws, &n);
	CHECK_INT(n, 3);
	CHECK_INT(ws.damage, 1);
	CHECK_INT(ws.offset[0], 40);
	CHECK(strstr(ws.msg[0], "37 bytes skipped") != NULL);
	CHECK(strstr(txt, "|A|198.51.100.2|") != NULL);
	free(txt);
	buf_free(&g);
	buf_free(&b);
}

TEST(test_truncated_and_overrun)
{
	struct buf b = {0};
	build_updates(&b);
	struct warns ws = {0};
	int n;
	/* cut at every length: never crashes, never loops, warns unless the cut
	 * falls on a record boundary */
	size_t bounds[] = {0, 40, b.len - 40, b.len}; /* the state records are 40 bytes */
	for (size_t cut = 0; cut <= b.len; cut++) {
		memset(&ws, 0, sizeof ws);
		char *txt = read_all((const uint8_t *)b.p, cut, &ws, &n);
		bool boundary = false;
		for (size_t k = 0; k < 4; k++)
			boundary |= cut == bounds[k];
		if (boundary != (ws.damage == 0))
			T_FAIL("cut at %zu: %d warnings", cut, ws.damage);
		free(txt);
	}
	/* the first record's length made 20 bytes longer: cut at the next record */
	struct buf c = {0};
	buf_append(&c, b.p, b.len);
	c.p[11] = (char)(c.p[11] + 20);
	memset(&ws, 0, sizeof ws);
	char *txt = read_all((const uint8_t *)c.p, c.len, &ws, &n);
	CHECK_INT(n, 3);
	CHECK_INT(ws.damage, 1);
	CHECK_INT(ws.offset[0], 0);
	CHECK(strstr(ws.msg[0], "record cut") != NULL);
	free(txt);
	/* a length far beyond the file: the record is cut where the next starts */
	memcpy(c.p, b.p, b.len);
	c.p[9] = 0x10;
	memset(&ws, 0, sizeof ws);
	txt = read_all((const uint8_t *)c.p, c.len, &ws, &n);
	CHECK_INT(n, 2);
	CHECK(ws.damage >= 1);
	free(txt);
	buf_free(&c);
	buf_free(&b);
}

TEST(test_not_mrt_and_empty)
{
	struct warns ws = {0};
	int n;
	const char text[] = "this is not an MRT file, just some words for the reader to skip\n";
	char *txt = read_all((const uint8_t *)text, sizeof text - 1, &ws, &n);
	CHECK_INT(n, 0);
	CHECK_INT(ws.damage, 1);
	CHECK_INT(ws.offset[0], 0);
	free(txt);
	memset(&ws, 0, sizeof ws);
	txt = read_all((const uint8_t *)"", 0, &ws, &n);
	CHECK_INT(n, 0);
	CHECK_INT(ws.n, 0);
	free(txt);
}

static void put_hdr(struct buf *b, uint32_t t, uint16_t type, uint16_t sub, uint32_t len)
{
	uint8_t h[12] = {(uint8_t)(t >> 24), (uint8_t)(t >> 16), (uint8_t)(t >> 8), (uint8_t)t,
			 (uint8_t)(type >> 8), (uint8_t)type, (uint8_t)(sub >> 8), (uint8_t)sub,
			 (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
	buf_append(b, h, 12);
}

TEST(test_table_dump_v2)
{
	struct buf b = {0};
	/* PEER_INDEX_TABLE: collector 10.0.0.1, view "", 2 peers:
	 * IPv4 AS2 198.51.100.9 AS 64500; IPv6 AS4 2001:db8::9 AS 4200000009 */
	static const uint8_t idx[] = {10, 0, 0, 1, 0, 0, 0, 2,
				      0, 1, 1, 1, 1, 198, 51, 100, 9, 0xfb, 0xf4,
				      3, 2, 2, 2, 2, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				      0, 0, 9, 0xfa, 0x56, 0xea, 0x09};
	put_hdr(&b, 1446357600, MRT_TABLE_DUMP_V2, MRT_PEER_INDEX_TABLE, sizeof idx);
	buf_append(&b, idx, sizeof idx);
	/* RIB_IPV6_UNICAST 2001:db8:1::/48, entry from peer 1 with short-form
	 * MP_REACH (next hop 2001:db8::9) and AS_PATH 4200000009 */
	static const uint8_t rib[] = {
		0, 0, 0, 5, 48, 0x20, 1, 0xd, 0xb8, 0, 1, 0, 1,                   /* seq, prefix, count */
		0, 1, 0x56, 0x36, 0x28, 0x60, 0, 33,                               /* peer 1, time, attr len */
		0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0xfa, 0x56, 0xea, 0x09,           /* ORIGIN, AS_PATH */
		0x80, 14, 17, 16, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, /* MP_REACH */
	};
	put_hdr(&b, 1446357600, MRT_TABLE_DUMP_V2, MRT_RIB_IPV6_UNICAST, sizeof rib);
	buf_append(&b, rib, sizeof rib);
	struct warns ws = {0};
	int n;
	char *txt = read_all((const uint8_t *)b.p, b.len, &ws, &n);
	CHECK_INT(n, 2);
	CHECK_INT(ws.n, 0);
	CHECK_STR(txt, "TABLE_DUMP2|1446357600|B|2001:db8::9|4200000009|2001:db8:1::/48|4200000009|"
		       "IGP|2001:db8::9|0|0||NAG||\n");
	free(txt);

	/* without the index: a warning, the RIB record comes out empty */
	memset(&ws, 0, sizeof ws);
	txt = read_all((const uint8_t *)b.p + 12 + sizeof idx, sizeof rib + 12, &ws, &n);
	CHECK_INT(n, 1);
	CHECK_INT(ws.damage, 1);
	CHECK(strstr(ws.msg[0], "without a PEER_INDEX_TABLE") != NULL);
	CHECK_STR(txt, "");
	free(txt);

	/* a peer index out of range: that entry is left out, with a warning */
	struct buf c = {0};
	buf_append(&c, b.p, b.len);
	c.p[12 + sizeof idx + 12 + 13 + 1] = 7;
	memset(&ws, 0, sizeof ws);
	txt = read_all((const uint8_t *)c.p, c.len, &ws, &n);
	CHECK_INT(ws.damage, 1);
	CHECK(strstr(ws.msg[0], "peer index 7") != NULL);
	CHECK_STR(txt, "");
	free(txt);
	buf_free(&c);
	buf_free(&b);
}

/* One TABLE_DUMP entry: prefix/len, peer, AS, ORIGIN+AS_PATH(AS)+NEXT_HOP. */
static void td1_entry(struct buf *b, uint8_t a, uint8_t len, uint16_t as)
{
	uint8_t e[] = {a, 0, 0, 0, len, 1, 0x38, 0x79, 0xc8, 0xb4, 204, 152, 166, 29,
		       (uint8_t)(as >> 8), (uint8_t)as, 0, 18,
		       0x40, 1, 1, 0, 0x40, 2, 4, 2, 1, (uint8_t)(as >> 8), (uint8_t)as,
		       0x40, 3, 4, 204, 152, 166, 29};
	buf_append(b, e, sizeof e);
}

TEST(test_table_dump_v1_batched)
{
	/* RIPE RIS 2000 form: view, seq, then several entries; the length field
	 * leaves out the 4 bytes of view and seq */
	struct buf b = {0};
	put_hdr(&b, 947550744, MRT_TABLE_DUMP, 1, 2 * 36);
	buf_append(&b, "\0\0\0\0", 4);
	td1_entry(&b, 3, 8, 3549);
	td1_entry(&b, 4, 8, 3549);
	put_hdr(&b, 947550744, MRT_TABLE_DUMP, 1, 36);
	buf_append(&b, "\0\0\0\0", 4);
	td1_entry(&b, 6, 7, 701); /* 6.0.0.0/7: the bits past /7 are cleared */
	struct warns ws = {0};
	int n;
	char *txt = read_all((const uint8_t *)b.p, b.len, &ws, &n);
	CHECK_INT(n, 2);
	CHECK_INT(ws.damage, 0);
	CHECK_INT(ws.n, 1); /* one note per file */
	CHECK_STR(txt, "TABLE_DUMP|947550744|B|204.152.166.29|3549|3.0.0.0/8|3549|IGP|204.152.166.29|0|0||NAG||\n"
		       "TABLE_DUMP|947550744|B|204.152.166.29|3549|4.0.0.0/8|3549|IGP|204.152.166.29|0|0||NAG||\n"
		       "TABLE_DUMP|947550744|B|204.152.166.29|701|6.0.0.0/7|701|IGP|204.152.166.29|0|0||NAG||\n");
	free(txt);
	buf_free(&b);
}

TEST(test_legacy_bgp)
{
	struct buf b = {0};
	/* STATE_CHANGE: AS 3333, 193.0.0.56, 5 -> 6 */
	static const uint8_t st[] = {0x0d, 0x05, 193, 0, 0, 56, 0, 5, 0, 6};
	put_hdr(&b, 936348099, MRT_BGP, MRT_LEGACY_STATE_CHANGE, sizeof st);
	buf_append(&b, st, sizeof st);
	/* UPDATE: withdraw 157.100.47.0/24; announce 62.0.0.0/16 with a community */
	static const uint8_t up[] = {0x0d, 0x05, 193, 0,   0, 56, 0x31, 0x6e, 193, 0, 0, 1,
				     0,    4,    24,  157, 100, 47, 0,    25,
				     0x40, 1,    1,   0,   0x40, 2, 4, 2, 1, 0x0d, 0x05,
				     0x40, 3,    4,   193, 0,    0, 56,
				     0xc0, 8,    4,   0x0d, 0x05, 0, 1,
				     16,   62,   0};
	put_hdr(&b, 936348242, MRT_BGP, MRT_LEGACY_UPDATE, sizeof up);
	buf_append(&b, up, sizeof up);
	struct warns ws = {0};
	int n;
	char *txt = read_all((const uint8_t *)b.p, b.len, &ws, &n);
	CHECK_INT(n, 2);
	CHECK_INT(ws.n, 0);
	CHECK_STR(txt, "BGP|936348099|STATE|193.0.0.56|3333|5|6\n"
		       "BGP|936348242|W|193.0.0.56|3333|157.100.47.0/24\n"
		       "BGP|936348242|A|193.0.0.56|3333|62.0.0.0/16|3333|IGP|193.0.0.56|0|0|3333:1|NAG||\n");
	free(txt);
	buf_free(&b);
}

TEST(test_addresses)
{
	static const char *const cases[][2] = {
		{"::ffff:192.0.2.1", "::ffff:192.0.2.1"},
		{"::192.0.2.1", "::192.0.2.1"},
		{"::1", "::1"},
		{"::", "::"},
		{"2001:db8:0:1:1:1:1:1", "2001:db8::1:1:1:1:1"}, /* bgpdump compresses one group */
		{"2001:db8::", "2001:db8::"},
		{"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
		{"1:0:0:2:0:0:3:4", "1::2:0:0:3:4"},
		{"fe80::1:2", "fe80::1:2"},
		{"198.51.100.255", "198.51.100.255"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct addr a;
		char out[ADDR_STRLEN];
		CHECK_INT(addr_parse(cases[i][0], &a), 0);
		*mrt_text_addr(out, &a) = '\0';
		CHECK_STR(out, cases[i][1]);
	}
}

int main(void)
{
	RUN(test_roundtrip);
	RUN(test_compressed);
	RUN(test_garbage_between_records);
	RUN(test_truncated_and_overrun);
	RUN(test_not_mrt_and_empty);
	RUN(test_table_dump_v2);
	RUN(test_table_dump_v1_batched);
	RUN(test_legacy_bgp);
	RUN(test_addresses);
	return test_main_end();
}
