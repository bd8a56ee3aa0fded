/* Unit tests for src/bgp/visibility.c: peers seeing watched prefixes, bins,
 * withdrawn/visible changes, sessions going down, add-path, and the route
 * table under many insertions and deletions. */
#include <stdlib.h>
#include <string.h>

#include "bgp/visibility.h"
#include "test.h"

#define S(x) ((int64_t)(x) * 1000000)

struct rows {
	int n;
	struct vis_row r[64];
};

static void on_row(void *ctx, const struct vis_row *row)
{
	struct rows *rs = ctx;
	if (rs->n < 64)
		rs->r[rs->n] = *row;
	rs->n++;
}

static struct vis_peer peer(const char *ip, uint32_t asn)
{
	struct vis_peer p;
	CHECK_INT(addr_parse(ip, &p.ip), 0);
	p.asn = asn;
	return p;
}

static void ev(struct vis *v, int64_t t, enum vis_kind k, struct vis_peer p, const char *pfx,
	       uint32_t origin, uint32_t path_id)
{
	struct vis_event e = {.time_us = t, .kind = k, .peer = p, .origin_as = origin,
			      .path_id = path_id};
	if (pfx)
		CHECK_INT(prefix_parse(pfx, &e.prefix), 0);
	vis_feed(v, &e);
}

static struct vis *make(struct vis_watch *w, size_t n, int64_t bin, struct rows *rs)
{
	struct vis_config cfg = {w, n, bin, on_row, rs};
	int err;
	struct vis *v = vis_new(&cfg, &err);
	CHECK(v != NULL);
	return v;
}

/* "kind time seeing peers_up min max" for row i */
static void check_row(struct rows *rs, int i, int kind, int64_t t, unsigned seeing, unsigned up,
		      unsigned min, unsigned max)
{
	if (i >= rs->n) {
		T_FAIL("row %d missing (%d rows)", i, rs->n);
		return;
	}
	const struct vis_row *r = &rs->r[i];
	if ((int)r->kind != kind || r->time_us != t || r->seeing != seeing || r->peers_up != up ||
	    r->min_seeing != min || r->max_seeing != max)
		T_FAIL("row %d: kind %d t %lld seeing %u up %u min %u max %u; want %d %lld %u %u %u %u",
		       i, r->kind, (long long)r->time_us, r->seeing, r->peers_up, r->min_seeing,
		       r->max_seeing, kind, (long long)t, seeing, up, min, max);
}

TEST(test_story)
{
	struct vis_watch w = {.origin_as = 131279};
	CHECK_INT(prefix_parse("175.45.176.0/22", &w.prefix), 0);
	struct rows rs = {0};
	struct vis *v = make(&w, 1, S(60), &rs);
	struct vis_peer a = peer("198.51.100.1", 64500), b = peer("2001:db8::2", 64501);
	ev(v, S(600), VIS_PEER_UP, a, NULL, 0, 0);
	ev(v, S(601), VIS_PEER_UP, b, NULL, 0, 0);
	ev(v, S(610), VIS_ANNOUNCE, a, "175.45.177.0/24", 131279, 0); /* visible */
	ev(v, S(620), VIS_ANNOUNCE, b, "175.45.177.0/24", 4837, 0);   /* wrong origin */
	ev(v, S(630), VIS_ANNOUNCE, b, "175.45.176.0/21", 131279, 0); /* covers, not inside */
	CHECK_INT(vis_seeing(v, 0), 1);
	CHECK_INT(vis_peers_up(v), 2);
	ev(v, S(670), VIS_WITHDRAW, a, "175.45.177.0/24", 0, 0); /* withdrawn by all */
	ev(v, S(730), VIS_ANNOUNCE, b, "175.45.176.0/22", 131279, 0); /* visible again */
	ev(v, S(800), VIS_PEER_DOWN, b, NULL, 0, 0); /* session lost: no "withdrawn" */
	CHECK_INT(vis_seeing(v, 0), 0);
	CHECK_INT(vis_peers_up(v), 1);
	vis_finish(v, S(810));
	int i = 0;
	check_row(&rs, i++, VIS_ROW_VISIBLE, S(610), 1, 2, 1, 1);
	check_row(&rs, i++, VIS_ROW_BIN, S(600), 1, 2, 0, 1);
	check_row(&rs, i++, VIS_ROW_WITHDRAWN, S(670), 0, 2, 0, 0);
	check_row(&rs, i++, VIS_ROW_BIN, S(660), 0, 2, 0, 1);
	check_row(&rs, i++, VIS_ROW_VISIBLE, S(730), 1, 2, 1, 1);
	check_row(&rs, i++, VIS_ROW_BIN, S(720), 1, 2, 0, 1);
	check_row(&rs, i++, VIS_ROW_BIN, S(780), 0, 1, 0, 1);
	CHECK_INT(rs.n, i);
	vis_free(v);
}

TEST(test_replace_and_addpath)
{
	struct vis_watch w[2] = {{.origin_as = 0}, {.origin_as = 65010}};
	CHECK_INT(prefix_parse("203.0.113.0/24", &w[0].prefix), 0);
	CHECK_INT(prefix_parse("2001:db8::/32", &w[1].prefix), 0);
	struct rows rs = {0};
	struct vis *v = make(w, 2, S(10), &rs);
	struct vis_peer a = peer("198.51.100.1", 64500);
	/* the same route announced twice counts once */
	ev(v, S(1), VIS_ANNOUNCE, a, "203.0.113.0/25", 1, 0);
	ev(v, S(1), VIS_ANNOUNCE, a, "203.0.113.0/25", 1, 0);
	CHECK_INT(vis_seeing(v, 0), 1);
	/* add-path: two paths, one withdrawn, still seen */
	ev(v, S(2), VIS_ANNOUNCE, a, "2001:db8:1::/48", 65010, 1);
	ev(v, S(2), VIS_ANNOUNCE, a, "2001:db8:1::/48", 65010, 2);
	ev(v, S(3), VIS_WITHDRAW, a, "2001:db8:1::/48", 0, 1);
	CHECK_INT(vis_seeing(v, 1), 1);
	/* re-announced with another origin: no longer counts for watch 1 */
	ev(v, S(4), VIS_ANNOUNCE, a, "2001:db8:1::/48", 65011, 2);
	CHECK_INT(vis_seeing(v, 1), 0);
	/* host bits in the announcement are cleared before matching */
	ev(v, S(5), VIS_ANNOUNCE, a, "2001:db8:1::1/48", 65010, 2);
	CHECK_INT(vis_seeing(v, 1), 1);
	ev(v, S(5), VIS_WITHDRAW, a, "2001:db8:1::/48", 0, 2);
	CHECK_INT(vis_seeing(v, 1), 0);
	/* an event older than the last one counts at the last one's time */
	ev(v, S(2), VIS_WITHDRAW, a, "203.0.113.0/25", 0, 0);
	CHECK_INT(vis_seeing(v, 0), 0);
	CHECK_INT(rs.r[rs.n - 1].time_us, S(5));
	vis_free(v);
}

TEST(test_bad_config)
{
	int err = 0;
	struct vis_config cfg = {0};
	CHECK(vis_new(&cfg, &err) == NULL);
	CHECK_INT(err, ERR_INVAL);
	struct vis_watch w = {0};
	struct vis_config cfg2 = {&w, 1, 0, NULL, NULL};
	CHECK(vis_new(&cfg2, &err) == NULL);
}

TEST(test_many_routes)
{
	/* 3 peers x 4000 host routes inside a /16, withdrawn in a scrambled
	 * order: the counts follow exactly (exercises table growth and deletion) */
	struct vis_watch w = {0};
	CHECK_INT(prefix_parse("10.20.0.0/16", &w.prefix), 0);
	struct rows rs = {0};
	struct vis *v = make(&w, 1, S(3600), &rs);
	struct vis_peer p[3] = {peer("198.51.100.1", 1), peer("198.51.100.2", 2),
				peer("198.51.100.3", 3)};
	char s[32];
	enum { N = 4000 };
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < N; i++) {
			snprintf(s, sizeof s, "10.20.%d.%d/32", i / 256, i % 256);
			ev(v, S(1), VIS_ANNOUNCE, p[k], s, 7, 0);
		}
	CHECK_INT(vis_seeing(v, 0), 3);
	for (int k = 0; k < 3; k++) {
		for (int j = 0; j < N; j++) {
			int i = (j * 761) % N; /* 761 is prime to N: a permutation */
			snprintf(s, sizeof s, "10.20.%d.%d/32", i / 256, i % 256);
			ev(v, S(2), VIS_WITHDRAW, p[k], s, 0, 0);
			if (j == N - 2 && vis_seeing(v, 0) != (unsigned)(3 - k))
				T_FAIL("peer %d: seeing %u before its last withdrawal", k,
				       vis_seeing(v, 0));
		}
		CHECK_INT(vis_seeing(v, 0), (unsigned)(2 - k));
	}
	/* a peer going down drops everything it had */
	for (int i = 0; i < N; i++) {
		snprintf(s, sizeof s, "10.20.%d.%d/32", i / 256, i % 256);
		ev(v, S(3), VIS_ANNOUNCE, p[1], s, 7, 0);
	}
	ev(v, S(4), VIS_ANNOUNCE, p[2], "10.20.0.0/16", 7, 0);
	ev(v, S(5), VIS_PEER_DOWN, p[1], NULL, 0, 0);
	CHECK_INT(vis_seeing(v, 0), 1);
	ev(v, S(6), VIS_PEER_UP, p[1], NULL, 0, 0);
	ev(v, S(6), VIS_ANNOUNCE, p[1], "10.20.0.1/32", 7, 0);
	CHECK_INT(vis_seeing(v, 0), 2);
	ev(v, S(7), VIS_WITHDRAW, p[1], "10.20.0.1/32", 0, 0);
	CHECK_INT(vis_seeing(v, 0), 1); /* nothing stale from before the session drop */
	vis_free(v);
}

int main(void)
{
	RUN(test_story);
	RUN(test_replace_and_addpath);
	RUN(test_bad_config);
	RUN(test_many_routes);
	return test_main_end();
}
