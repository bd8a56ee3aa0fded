/*
 * fuzz_bgp.c - the BGP decoder on arbitrary bytes.
 *
 * The first byte picks the reading options (bit 0 4-byte ASNs, bit 1 add-path
 * IPv4, bit 2 add-path IPv6, bit 3 RIB short form, bit 4 extended messages);
 * the rest is decoded as a whole message, as an UPDATE body, as an attribute
 * block and as an OPEN body; every NLRI block that came out is walked and the
 * effective AS path built. Seeds in tests/fuzz/corpus/bgp are messages cut
 * from the real archives, with an options byte in front.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bgp/bgp.h"

static uint8_t merge[BGP_MERGE_BUF];

static void walk(const struct bgp_nlri_block *b)
{
	struct bgp_nlri_iter it;
	struct bgp_nlri n;
	bgp_nlri_iter_init(&it, b);
	while (bgp_nlri_next(&it, &n) > 0)
		;
	(void)bgp_nlri_count(b);
}

static void attrs(const struct bgp_attrs *a)
{
	if (bgp_has(a, BGP_ATTR_MP_REACH))
		walk(&a->mp_reach.nlri);
	if (bgp_has(a, BGP_ATTR_MP_UNREACH))
		walk(&a->mp_unreach.nlri);
	struct bgp_effective eff;
	bgp_attrs_effective(a, merge, sizeof merge, &eff);
	(void)bgp_aspath_length(&eff.path);
	(void)bgp_aspath_origin(&eff.path);
}

static void update(const struct bgp_update *u)
{
	walk(&u->withdrawn);
	walk(&u->nlri);
	attrs(&u->attrs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct bgp_opts o = {.as4 = data[0] & 1,
			     .addpath = (uint8_t)(((data[0] >> 1) & 3) << 1),
			     .mrt_rib = (data[0] >> 3) & 1,
			     .extended = (data[0] >> 4) & 1};
	data++;
	size--;
	struct bgp_error e;
	struct bgp_msg m;
	memset(&m, 0, sizeof m);
	int rc = bgp_frame(data, size, o.extended, &e);
	rc = bgp_msg_parse(data, size, &o, &m, &e);
	if (m.type == BGP_MSG_UPDATE && (rc == 0 || m.u.update.nlri_ok))
		update(&m.u.update);
	struct bgp_update u;
	if (bgp_update_parse(data, size, &o, &u, &e) == 0 || u.nlri_ok)
		update(&u);
	struct bgp_attrs a;
	if (bgp_attrs_parse(data, size, &o, &a, &e) <= 0)
		attrs(&a);
	struct bgp_open op;
	rc = bgp_open_parse(data, size, &op, &e);
	struct bgp_notification no;
	rc = bgp_notification_parse(data, size, &no, &e);
	(void)rc;
	return 0;
}
