#include "detect/cause.h"

#include <string.h>

#define BIT(d) (1u << (d))

static const uint32_t listed_for[CAUSE__COUNT] = {
	[CAUSE_UNKNOWN] = 0,
	[CAUSE_ROUTING] = BIT(DISC_BGP_FIRST) | BIT(DISC_LINK_ALIVE) | BIT(DISC_NET_UNREACH) |
			  BIT(DISC_CONTROL_OK),
	[CAUSE_ABRUPT] = BIT(DISC_SIMULTANEOUS) | BIT(DISC_NO_STRESS) | BIT(DISC_LINK_DOWN) |
			 BIT(DISC_BGP_WITHIN_HOLD) | BIT(DISC_CONTROL_OK),
	[CAUSE_CASCADE] = BIT(DISC_STRESS_BEFORE) | BIT(DISC_SPREAD) | BIT(DISC_SERVICES_FIRST) |
			  BIT(DISC_BGP_LAST) | BIT(DISC_CONTROL_OK),
	[CAUSE_DNS] = BIT(DISC_DNS_DOWN) | BIT(DISC_HOSTS_ANSWER) | BIT(DISC_ROUTES_OK) |
		      BIT(DISC_CONTROL_OK),
	[CAUSE_PARTIAL] = BIT(DISC_SERVICES_DOWN) | BIT(DISC_ROUTERS_OK) | BIT(DISC_ROUTES_OK) |
			  BIT(DISC_CONTROL_OK),
	[CAUSE_VANTAGE_LOCAL] = BIT(DISC_CONTROL_DOWN),
};

static void fire(struct detect_verdict *v, int disc, int64_t t)
{
	v->disc |= BIT(disc);
	v->disc_us[disc] = t;
}

static int popcount(uint32_t x)
{
	return __builtin_popcount(x);
}

void detect_cause_decide(const struct detect_evidence *e, struct detect_verdict *v)
{
	memset(v, 0, sizeof *v);
	const int64_t R = e->round_us;
	uint32_t dp = e->established & LAYER_DATA_PLANE;
	uint32_t fdp = e->failed & dp;
	int64_t first = 0, last = 0, first_service = 0;
	for (int l = 0; l < LAYER__COUNT; l++) {
		if (!(fdp & LAYER_BIT(l)))
			continue;
		int64_t t = e->fail_us[l];
		if (!first || t < first)
			first = t;
		if (t > last)
			last = t;
		if ((LAYER_SERVICES & LAYER_BIT(l)) && (!first_service || t < first_service))
			first_service = t;
	}
	bool withdrawn = e->bgp_known && e->withdrawn_us != 0;
	int64_t tb = e->withdrawn_us;
	int64_t origin = first ? first : (withdrawn ? tb : e->now_us);

	if (e->control_known && e->control_ok_us >= origin)
		fire(v, DISC_CONTROL_OK, e->control_ok_us);
	if (e->stress_us)
		fire(v, DISC_STRESS_BEFORE, e->stress_us);
	else if (e->baseline_ready)
		fire(v, DISC_NO_STRESS, origin);
	if (fdp && (e->down & dp) == dp && last - first <= R)
		fire(v, DISC_SIMULTANEOUS, last);
	if (popcount(fdp) >= 2 && last - first > R)
		fire(v, DISC_SPREAD, last);
	if (first_service && (fdp & LAYER_BIT(LAYER_ROUTER)) &&
	    e->fail_us[LAYER_ROUTER] > first_service + R)
		fire(v, DISC_SERVICES_FIRST, e->fail_us[LAYER_ROUTER]);
	bool bgp_first = withdrawn && (!fdp || tb <= first + R);
	bool bgp_clearly_first = withdrawn && (!fdp || tb < first - R);
	if (bgp_first)
		fire(v, DISC_BGP_FIRST, tb);
	if (e->bgp_known && fdp && (!withdrawn || (tb > first + R && tb >= last - R)))
		fire(v, DISC_BGP_LAST, withdrawn ? tb : last);
	if (withdrawn && fdp && tb >= first - R && tb <= last + e->hold_us + R)
		fire(v, DISC_BGP_WITHIN_HOLD, tb);
	bool link_alive = e->link_known && !e->link_failed;
	if (link_alive)
		fire(v, DISC_LINK_ALIVE, origin);
	if (e->link_known && e->link_failed)
		fire(v, DISC_LINK_DOWN, e->link_fail_us);
	if (e->net_unreach_us)
		fire(v, DISC_NET_UNREACH, e->net_unreach_us);
	if ((dp & LAYER_BIT(LAYER_DNS)) && (e->down & LAYER_BIT(LAYER_DNS)))
		fire(v, DISC_DNS_DOWN, e->fail_us[LAYER_DNS]);
	if (dp & ~LAYER_BIT(LAYER_DNS) & ~e->down)
		fire(v, DISC_HOSTS_ANSWER, origin);
	if (fdp & LAYER_SERVICES)
		fire(v, DISC_SERVICES_DOWN, first_service);
	if ((dp & LAYER_BIT(LAYER_ROUTER)) && !(e->failed & LAYER_BIT(LAYER_ROUTER)))
		fire(v, DISC_ROUTERS_OK, origin);
	if (e->bgp_known && !withdrawn && !(e->failed & LAYER_BIT(LAYER_BGP)))
		fire(v, DISC_ROUTES_OK, origin);
	if (e->relapse_us && e->relapse_us < last)
		fire(v, DISC_INTERMITTENT, e->relapse_us);
	if (e->stress_during_us)
		fire(v, DISC_STRESS_DURING, e->stress_during_us);

#define HAS(d) ((v->disc & BIT(d)) != 0)
	int cause = CAUSE_UNKNOWN;
	if (withdrawn && (bgp_clearly_first || (bgp_first && link_alive)))
		cause = CAUSE_ROUTING;
	else if (!e->bgp_known && fdp && HAS(DISC_NET_UNREACH) && link_alive)
		cause = CAUSE_ROUTING;
	else if (HAS(DISC_SIMULTANEOUS) && !HAS(DISC_STRESS_BEFORE) && !link_alive)
		cause = CAUSE_ABRUPT;
	else if ((HAS(DISC_STRESS_BEFORE) || HAS(DISC_STRESS_DURING) || HAS(DISC_INTERMITTENT)) &&
		 HAS(DISC_SPREAD) && !bgp_first)
		cause = CAUSE_CASCADE;
	else if (HAS(DISC_DNS_DOWN) && HAS(DISC_HOSTS_ANSWER))
		cause = CAUSE_DNS;
	else if (HAS(DISC_SERVICES_DOWN) && (dp & ~e->down) &&
		 !(e->failed & LAYER_BIT(LAYER_ROUTER)) && !withdrawn)
		cause = CAUSE_PARTIAL;
	v->cause = (uint8_t)cause;
	v->listed = listed_for[cause];
	int n = popcount(v->listed), got = popcount(v->listed & v->disc);
	if (cause == CAUSE_CASCADE && !HAS(DISC_STRESS_BEFORE))
		got++; /* stress while spreading, or intermittent failures, stand for the rise */
	v->confidence = n ? (float)got / (float)n : 0.0f;
#undef HAS
}
