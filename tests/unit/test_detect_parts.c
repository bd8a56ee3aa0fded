/*
 * Unit tests for the parts of src/detect: the channel state machine (chan.c), the
 * cause table (cause.c), the statistics (stats.c), the outcome classes, and the
 * API's input checks (detect.c).
 */
#include <stdlib.h>

#include "core/clock.h"
#include "detect/cause.h"
#include "detect/chan.h"
#include "detect/detect.h"
#include "detect/stats.h"
#include "test.h"

#define R (60 * USEC_PER_SEC)

/* ---- channel ---- */

static char state_letter(int s)
{
	return "?USDR"[s];
}

static int letter_class(char c)
{
	switch (c) {
	case 'u':
		return OCLASS_UP;
	case 'x':
		return OCLASS_SILENT;
	case 's':
		return OCLASS_SERVICE;
	case 'r':
		return OCLASS_NOROUTE;
	default:
		return OCLASS_NONE;
	}
}

/* A warm channel: 20000 clean observations (two weeks of one-minute rounds), so its
 * measured noise outweighs the prior and k is 2. */
static int64_t warm(struct detect_chan *c)
{
	for (int i = 0; i < 20000; i++)
		detect_chan_feed(c, OCLASS_UP, (int64_t)i * R);
	return 20000 * R;
}

TEST(test_chan_sequences)
{
	static const struct {
		bool warm;
		const char *in;     /* u ok, x timeout, s refused, r net-unreachable, n not counted */
		const char *states; /* after each input: ? unknown U up S suspect D down R recovering */
		int since;          /* index of the input the final state is dated from, -1: skip */
	} cases[] = {
		{false, "uuuu", "UUUU", 0},
		{false, "uxu", "USU", 0},
		{false, "xxxx", "???D", 0},         /* never answered: k = 4 for a new target */
		{false, "uxxxx", "USSSD", 1},       /* backdated to the first failure */
		{true, "xux", "SUD", 0},            /* a clean target: 2 of the last 5 */
		{true, "xuuuux", "SUUUUS", -1},     /* the first failure left the window */
		{true, "xxuuu", "SDRRU", 2},        /* recovery dated from the first success */
		{true, "xxuux", "SDRRD", 0},        /* a failure breaks the run */
		{true, "ss", "SD", 0},              /* refusals: the service is down */
		{true, "rr", "SD", 0},              /* net-unreachable counts as down */
		{true, "xnx", "SSD", 0},            /* local errors are not counted */
		{true, "xxuuuxx", "SDRRUSD", 5},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct detect_chan c;
		memset(&c, 0, sizeof c);
		int64_t t0 = cases[k].warm ? warm(&c) : 0;
		if (cases[k].warm)
			CHECK_INT(detect_chan_k(&c), 2);
		char got[32] = {0};
		size_t n = strlen(cases[k].in);
		for (size_t i = 0; i < n; i++) {
			detect_chan_feed(&c, letter_class(cases[k].in[i]), t0 + (int64_t)i * R);
			got[i] = state_letter(c.state);
		}
		if (strcmp(got, cases[k].states) != 0)
			T_FAIL("case %zu (%s%s): states %s, expected %s", k, cases[k].warm ? "warm " : "",
			       cases[k].in, got, cases[k].states);
		if (cases[k].since >= 0 && c.since != t0 + (int64_t)cases[k].since * R)
			T_FAIL("case %zu: since input %lld, expected %d", k, (long long)((c.since - t0) / R),
			       cases[k].since);
	}
}

TEST(test_chan_k_from_noise)
{
	static const struct {
		double q;
		int k;
	} cases[] = {{1e-5, 2}, {1e-4, 2}, {1e-3, 3}, {1e-2, 4}, {0.05, 5}, {0.5, 5}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK_INT(detect_chan_k_for(cases[i].q), cases[i].k);
	/* a new channel starts from the prior */
	struct detect_chan c;
	memset(&c, 0, sizeof c);
	CHECK_NEAR(detect_chan_noise(&c), DETECT_NOISE_PRIOR, 1e-9);
	/* a clean channel needs 2 failures once it has a long clean history, 3 before */
	for (int i = 0; i < 500; i++)
		detect_chan_feed(&c, OCLASS_UP, (int64_t)i * R);
	CHECK_INT(detect_chan_k(&c), 3);
	/* a channel losing 5% of its probes at random learns it (the estimate corrects
	 * for losses that fall together by chance), needs 5 in a row, and stays up */
	memset(&c, 0, sizeof c);
	uint64_t x = 12345;
	int downs = 0;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		detect_chan_feed(&c, x % 1000 < 50 ? OCLASS_SILENT : OCLASS_UP, (int64_t)i * R);
		downs += c.state == TSTATE_DOWN;
	}
	CHECK_INT(downs, 0);
	CHECK_NEAR(detect_chan_noise(&c), 0.05, 0.01);
	CHECK_INT(detect_chan_k(&c), 5);
	/* a flapping channel (3 down, 3 up) is not mistaken for noise: it keeps going down */
	memset(&c, 0, sizeof c);
	int64_t t = warm(&c);
	downs = 0;
	for (int i = 0; i < 60; i++) {
		int before = c.state;
		detect_chan_feed(&c, (i / 3) % 2 ? OCLASS_SILENT : OCLASS_UP, t + (int64_t)i * R);
		downs += c.state == TSTATE_DOWN && before != TSTATE_DOWN && before != TSTATE_RECOVERING;
	}
	CHECK_INT(downs, 10);
}

TEST(test_chan_flapping_and_rtt)
{
	struct detect_chan c;
	memset(&c, 0, sizeof c);
	int64_t t = warm(&c);
	CHECK(!detect_chan_flapping(&c, 0));
	const char *seq = "xxuuuxxuuu";
	for (size_t i = 0; seq[i]; i++)
		detect_chan_feed(&c, letter_class(seq[i]), t + (int64_t)i * R);
	CHECK(detect_chan_flapping(&c, t));
	CHECK(!detect_chan_flapping(&c, t + 5 * R));
	CHECK(isnan(detect_chan_rtt_base(&c)));
	for (int i = 0; i < 9; i++)
		detect_chan_rtt_push(&c, (float)(10 + i));
	detect_chan_rtt_push(&c, -1); /* no answer: ignored */
	CHECK_NEAR(detect_chan_rtt_base(&c), 14, 1e-6);
}

/* ---- stats ---- */

TEST(test_stats)
{
	float v[] = {5, 1, 4, 2, 3};
	CHECK_NEAR(detect_quantile(v, 5, 0.5), 3, 1e-6);
	CHECK_NEAR(detect_quantile(v, 5, 0.9), 4.6, 1e-5);
	CHECK(isnan(detect_quantile(v, 0, 0.5)));
	float w[] = {1, 1, 2, 2, 4, 6, 9};
	float mad;
	CHECK_NEAR(detect_median_mad(w, 7, &mad), 2, 1e-6);
	CHECK_NEAR(mad, 1, 1e-6);
	struct detect_ring r;
	memset(&r, 0, sizeof r);
	CHECK(isnan(detect_ring_median(&r, NULL)));
	for (int i = 0; i < DETECT_BASE_BINS + 10; i++)
		detect_ring_push(&r, (float)i);
	detect_ring_push(&r, NAN);
	CHECK_INT(r.n, DETECT_BASE_BINS);
	CHECK_NEAR(detect_ring_median(&r, NULL), 39.5, 1e-5); /* 10..69 */
	CHECK_NEAR(detect_ring_mean(&r), 39.5, 1e-5);
	CHECK_NEAR(detect_binomial_tail(1, 1, 0.5), 0.5, 1e-9);
	CHECK_NEAR(detect_binomial_tail(2, 3, 0.5), 0.5, 1e-9);
	CHECK_NEAR(detect_binomial_tail(0, 3, 0.1), 1, 1e-9);
	CHECK_NEAR(detect_binomial_tail(4, 3, 0.1), 0, 1e-12);
	CHECK_NEAR(detect_binomial_tail(3, 3, 0.1), 0.001, 1e-9);
	/* against a direct sum of the pmf */
	static const struct {
		unsigned k, n;
		double p;
	} bt[] = {{4, 13, 0.01}, {6, 13, 0.05}, {30, 1000, 0.01}, {1, 5000, 0.001}, {600, 2000, 0.25}};
	for (size_t i = 0; i < sizeof bt / sizeof bt[0]; i++) {
		double want = 0;
		for (unsigned j = bt[i].k; j <= bt[i].n; j++)
			want += exp(lgamma(bt[i].n + 1.0) - lgamma(j + 1.0) - lgamma(bt[i].n - j + 1.0) +
				    j * log(bt[i].p) + (bt[i].n - j) * log1p(-bt[i].p));
		double got = detect_binomial_tail(bt[i].k, bt[i].n, bt[i].p);
		if (fabs(got - want) > 1e-12 + 1e-9 * want)
			T_FAIL("tail(%u, %u, %g) = %g, expected %g", bt[i].k, bt[i].n, bt[i].p, got, want);
	}
}

/* ---- outcome classes ---- */

TEST(test_outcome_classes)
{
	static const struct {
		int outcome, oclass;
	} cases[] = {
		{OUTCOME_OK, OCLASS_UP},
		{OUTCOME_TIMEOUT, OCLASS_SILENT},
		{OUTCOME_HOST_UNREACH, OCLASS_UNREACH},
		{OUTCOME_ADMIN_PROHIB, OCLASS_UNREACH},
		{OUTCOME_NET_UNREACH, OCLASS_NOROUTE},
		{OUTCOME_TTL_EXCEEDED, OCLASS_NOROUTE},
		{OUTCOME_REFUSED, OCLASS_SERVICE},
		{OUTCOME_PORT_UNREACH, OCLASS_SERVICE},
		{OUTCOME_DNS_SERVFAIL, OCLASS_SERVICE},
		{OUTCOME_HTTP_STATUS, OCLASS_SERVICE},
		{OUTCOME_SMTP_REJECT, OCLASS_SERVICE},
		{OUTCOME_SMTP_TEMPFAIL, OCLASS_SERVICE},
		{OUTCOME_TLS, OCLASS_SERVICE},
		{OUTCOME_LOCAL_ERROR, OCLASS_NONE},
		{OUTCOME_RESOLVE, OCLASS_NONE},
		{OUTCOME_PROHIBITED, OCLASS_NONE},
		{-1, OCLASS_NONE},
		{OUTCOME__COUNT, OCLASS_NONE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (detect_outcome_class(cases[i].outcome) != cases[i].oclass)
			T_FAIL("outcome %s: class %s, expected %s", outcome_code(cases[i].outcome),
			       detect_oclass_name(detect_outcome_class(cases[i].outcome)),
			       detect_oclass_name(cases[i].oclass));
	CHECK_STR(detect_cause_name(CAUSE_VANTAGE_LOCAL), "vantage-local");
	CHECK_INT(detect_cause_from_name("cascade"), CAUSE_CASCADE);
	CHECK_INT(detect_cause_from_name("nope"), -1);
	CHECK_INT(detect_layer_from_name("bgp"), LAYER_BGP);
	CHECK_STR(detect_layer_name(LAYER_MAIL), "mail");
	CHECK_STR(detect_layer_name(99), "unknown");
	CHECK_STR(detect_disc_name(DISC_BGP_FIRST), "bgp-first");
	CHECK_INT(detect_entity_kind_from_name("as"), ENTITY_AS);
}

/* ---- the cause table ---- */

#define L(x) LAYER_BIT(LAYER_##x)
#define DP (L(ROUTER) | L(DNS) | L(MAIL) | L(WEB) | L(HOST))
#define NONE -1.0 /* a time that did not happen */

struct ecase {
	const char *name;
	uint32_t established, failed, down;
	double fail[LAYER__COUNT]; /* in rounds; only for failed layers */
	double stress;             /* round, NONE */
	int bgp;                   /* 0: no BGP data, 1: data */
	double withdrawn;          /* round, NONE */
	int link;                  /* 0: no link target, 1: alive, 2: failed */
	double net_unreach;        /* round, NONE */
	int control;               /* 0: none, 1: answered after the failure */
	int cause;
	float confidence;
};

static const struct ecase ecases[] = {
	{"abrupt, all evidence", DP, DP, DP, {10, 10.2, 10.5, 10.1, 10.9}, NONE, 1, 12, 2, NONE, 1,
	 CAUSE_ABRUPT, 1.0f},
	{"abrupt, no bgp/link/control", DP, DP, DP, {10, 10, 10, 10, 10}, NONE, 0, NONE, 0, NONE, 0,
	 CAUSE_ABRUPT, 0.4f},
	{"stress then all at once: neither", DP, DP, DP, {10, 10, 10, 10, 10}, 8, 1, NONE, 2, NONE, 1,
	 CAUSE_UNKNOWN, 0},
	{"cascade", DP, DP, DP, {15, 12, 12, 10, 13}, 8, 1, 16, 2, NONE, 1, CAUSE_CASCADE, 1.0f},
	{"cascade without routers failing", DP, L(WEB) | L(MAIL), L(WEB) | L(MAIL),
	 {0, 0, 12, 10, 0}, 8, 1, NONE, 1, NONE, 1, CAUSE_CASCADE, 0.8f},
	{"stress, but prefixes withdrawn first: routing", DP, DP, DP, {15, 12, 12, 10, 13}, 8, 1, 9, 1,
	 NONE, 1, CAUSE_ROUTING, 0.75f},
	{"routing, link alive, net-unreachable", DP, DP, DP, {10.3, 10.3, 10.3, 10.3, 10.3}, NONE, 1, 10, 1,
	 10.3, 1, CAUSE_ROUTING, 1.0f},
	{"routing in the same round, no link target: looks abrupt", DP, DP, DP,
	 {10.3, 10.3, 10.3, 10.3, 10.3}, NONE, 1, 10, 0, 10.3, 1, CAUSE_ABRUPT, 0.8f},
	{"routing, clearly first", DP, DP, DP, {13, 13, 13, 13, 13}, NONE, 1, 10, 0, NONE, 1, CAUSE_ROUTING,
	 0.5f},
	{"routing, data plane still answers", DP | L(BGP), L(BGP), L(BGP), {0}, NONE, 1, 10, 1, NONE, 1,
	 CAUSE_ROUTING, 0.75f},
	{"routing without BGP data", DP, DP & ~L(ROUTER), DP & ~L(ROUTER), {0, 10, 10, 10, 10}, NONE, 0,
	 NONE, 1, 10, 1, CAUSE_ROUTING, 0.75f},
	{"dns", DP, L(DNS), L(DNS), {0, 10}, NONE, 1, NONE, 1, NONE, 1, CAUSE_DNS, 1.0f},
	{"dns without BGP data", DP, L(DNS), L(DNS), {0, 10}, NONE, 0, NONE, 0, NONE, 1, CAUSE_DNS, 0.75f},
	{"one nameserver of two: partial", DP, L(DNS), 0, {0, 10}, NONE, 1, NONE, 1, NONE, 1,
	 CAUSE_PARTIAL, 1.0f},
	{"partial", DP, L(WEB), 0, {0, 0, 0, 10}, NONE, 1, NONE, 1, NONE, 1, CAUSE_PARTIAL, 1.0f},
	{"partial, no routers watched", DP & ~L(ROUTER), L(WEB), 0, {0, 0, 0, 10}, NONE, 0, NONE, 0, NONE,
	 1, CAUSE_PARTIAL, 0.5f},
	{"all down, spread, no stress: unknown", DP, DP, DP, {10, 12, 14, 16, 18}, NONE, 1, NONE, 2, NONE,
	 1, CAUSE_UNKNOWN, 0},
	{"web then routers, no stress: unknown", DP, L(WEB) | L(ROUTER), L(WEB) | L(ROUTER),
	 {14, 0, 0, 10}, NONE, 1, NONE, 2, NONE, 1, CAUSE_UNKNOWN, 0},
};

static int64_t rt(double rounds)
{
	return (int64_t)(rounds * (double)R) + 1000 * R;
}

TEST(test_cause_table)
{
	for (size_t i = 0; i < sizeof ecases / sizeof ecases[0]; i++) {
		const struct ecase *c = &ecases[i];
		struct detect_evidence e;
		memset(&e, 0, sizeof e);
		e.round_us = R;
		e.hold_us = 180 * USEC_PER_SEC;
		e.established = c->established | (c->bgp ? L(BGP) : 0);
		e.failed = c->failed;
		e.down = c->down;
		for (int l = 0; l < LAYER__COUNT; l++)
			if (c->failed & LAYER_BIT(l))
				e.fail_us[l] = rt(l == LAYER_BGP ? c->withdrawn : c->fail[l]);
		e.baseline_ready = true;
		e.stress_us = c->stress >= 0 ? rt(c->stress) : 0;
		e.bgp_known = c->bgp;
		e.withdrawn_us = c->bgp && c->withdrawn >= 0 ? rt(c->withdrawn) : 0;
		e.link_known = c->link != 0;
		e.link_failed = c->link == 2;
		e.link_fail_us = c->link == 2 ? rt(10) : 0;
		e.net_unreach_us = c->net_unreach >= 0 ? rt(c->net_unreach) : 0;
		e.control_known = c->control != 0;
		e.control_ok_us = c->control ? rt(30) : 0;
		e.now_us = rt(40);
		struct detect_verdict v;
		detect_cause_decide(&e, &v);
		if (v.cause != c->cause)
			T_FAIL("%s: cause %s, expected %s", c->name, detect_cause_name(v.cause),
			       detect_cause_name(c->cause));
		else if (fabsf(v.confidence - c->confidence) > 0.01f)
			T_FAIL("%s: confidence %.2f, expected %.2f", c->name, v.confidence, c->confidence);
		for (int k = 0; k < DISC__COUNT; k++)
			if ((v.disc & (1u << k)) && !v.disc_us[k] && k != DISC_BGP_LAST)
				T_FAIL("%s: %s fired without a time", c->name, detect_disc_name(k));
	}
}

/* ---- API input checks ---- */

TEST(test_api_errors)
{
	struct detect *d = detect_new(NULL, NULL);
	uint32_t e = 0, p = 0;
	CHECK_INT(detect_entity_add(d, "", ENTITY_AS, &e), ERR_INVAL);
	CHECK_INT(detect_entity_add(d, "x", ENTITY_MONITOR, &e), ERR_INVAL);
	CHECK_INT(detect_entity_add(d, "AS131279", ENTITY_AS, &e), 0);
	CHECK_INT(e, 1);
	CHECK_STR(detect_entity_name(d, 0), "monitor");
	CHECK_STR(detect_entity_name(d, e), "AS131279");
	CHECK_INT(detect_entity_count(d), 2);
	struct detect_target_spec s = {.id = 3, .entity = e, .role = ROLE_WEB, .interval_us = R, .label = "w"};
	CHECK_INT(detect_target_add(d, &s), 0);
	CHECK_INT(detect_target_add(d, &s), ERR_EXISTS);
	s.id = 4;
	s.entity = 7;
	CHECK_INT(detect_target_add(d, &s), ERR_NOTFOUND);
	s.entity = DETECT_MONITOR;
	CHECK_INT(detect_target_add(d, &s), ERR_NOTFOUND); /* only control targets belong to it */
	s.entity = e;
	s.role = 99;
	CHECK_INT(detect_target_add(d, &s), ERR_INVAL);
	s.role = ROLE_WEB;
	s.interval_us = 0;
	CHECK_INT(detect_target_add(d, &s), ERR_INVAL);
	s.interval_us = R;
	s.id = DETECT_MAX_TARGET;
	CHECK_INT(detect_target_add(d, &s), ERR_RANGE);
	s.id = 5;
	s.role = ROLE_CONTROL;
	s.entity = 12345; /* ignored for control targets */
	CHECK_INT(detect_target_add(d, &s), 0);
	CHECK_INT(detect_target(d, 5)->entity, DETECT_MONITOR);
	CHECK(detect_target(d, 6) == NULL);
	CHECK_STR(detect_target_label(d, 3), "w");
	CHECK_INT(detect_prefix_add(d, DETECT_MONITOR, "x", &p), ERR_NOTFOUND);
	CHECK_INT(detect_prefix_add(d, e, "175.45.176.0/22", &p), 0);

	int64_t t0 = INT64_C(1642194000) * USEC_PER_SEC;
	struct obs o = {.time_us = t0, .target = 3, .kind = PROBE_HTTP, .outcome = OUTCOME_OK, .rtt_ms = 5};
	CHECK_INT(detect_feed(d, &o), 0);
	o.target = 9;
	CHECK_INT(detect_feed(d, &o), ERR_NOTFOUND);
	o.target = 3;
	o.kind = 200;
	CHECK_INT(detect_feed(d, &o), ERR_INVAL);
	o.kind = PROBE_HTTP;
	o.outcome = 200;
	CHECK_INT(detect_feed(d, &o), ERR_INVAL);
	o.outcome = OUTCOME_OK;
	o.time_us = -5;
	CHECK_INT(detect_feed(d, &o), ERR_INVAL);
	struct detect_bgp_sample b = {t0, p, 3, 2};
	CHECK_INT(detect_feed_bgp(d, &b), ERR_INVAL); /* more visible than peers */
	b.visible = 2;
	b.prefix = 9;
	CHECK_INT(detect_feed_bgp(d, &b), ERR_NOTFOUND);
	b.prefix = p;
	CHECK_INT(detect_feed_bgp(d, &b), 0);

	/* nothing closes before the late window has passed */
	CHECK_INT(detect_tick(d, t0 + R), 0);
	CHECK(detect_signals_last(d, e) == NULL);
	CHECK_INT(detect_tick(d, t0 + 2 * R), 1);
	const struct detect_signals *sig = detect_signals_last(d, e);
	CHECK(sig != NULL);
	if (sig) {
		CHECK_INT(sig->layer[LAYER_WEB].targets, 1);
		CHECK_INT(sig->layer[LAYER_WEB].up, 1);
		CHECK_INT(sig->layer[LAYER_WEB].status, LSTATUS_OK);
		CHECK_INT(sig->layer[LAYER_BGP].up, 2);
		CHECK_INT(sig->bin_end_us, t0 + R);
	}
	CHECK_INT(detect_closed_until(d), t0 + R);
	/* a late observation for a closed bin is refused and counted */
	o.time_us = t0 + 10 * USEC_PER_SEC;
	CHECK_INT(detect_feed(d, &o), ERR_RANGE);
	b.time_us = t0;
	CHECK_INT(detect_feed_bgp(d, &b), ERR_RANGE);
	struct detect_stats st;
	detect_stats(d, &st);
	CHECK_INT(st.obs, 1);
	CHECK_INT(st.obs_late, 1);
	CHECK_INT(st.obs_unknown, 1);
	CHECK_INT(st.bgp_late, 1);
	CHECK_INT(st.bins, 1);
	/* time does not go back */
	CHECK_INT(detect_tick(d, t0), 0);
	/* a long silence with nothing open is skipped, not walked bin by bin */
	CHECK(detect_tick(d, t0 + 1000000 * R) <= 1);
	detect_free(d);
	detect_free(NULL);
}

/* Routers found later (by traceroute) can be added while running. */
TEST(test_target_added_later)
{
	struct detect *d = detect_new(NULL, NULL);
	uint32_t e;
	CHECK_INT(detect_entity_add(d, "AS131279", ENTITY_AS, &e), 0);
	int64_t t0 = INT64_C(1642194000) * USEC_PER_SEC;
	struct detect_target_spec s = {.id = 0, .entity = e, .role = ROLE_HOST, .interval_us = R, .label = "h"};
	CHECK_INT(detect_target_add(d, &s), 0);
	for (int r = 0; r < 40; r++) {
		if (r == 20) {
			struct detect_target_spec rs = {.id = 1, .entity = e, .role = ROLE_ROUTER,
							.interval_us = R, .label = "rt"};
			CHECK_INT(detect_target_add(d, &rs), 0);
		}
		struct obs o = {.time_us = t0 + r * R, .target = 0, .kind = PROBE_ICMP, .rtt_ms = 3};
		CHECK_INT(detect_feed(d, &o), 0);
		if (r >= 20) {
			o.target = 1;
			CHECK_INT(detect_feed(d, &o), 0);
		}
		detect_tick(d, t0 + (r + 2) * R);
	}
	const struct detect_signals *sig = detect_signals_last(d, e);
	CHECK(sig && sig->layer[LAYER_ROUTER].targets == 1 && sig->layer[LAYER_ROUTER].up == 1);
	CHECK_INT(detect_event_count(d), 0);
	detect_free(d);
}

int main(void)
{
	RUN(test_chan_sequences);
	RUN(test_chan_k_from_noise);
	RUN(test_chan_flapping_and_rtt);
	RUN(test_stats);
	RUN(test_outcome_classes);
	RUN(test_cause_table);
	RUN(test_api_errors);
	RUN(test_target_added_later);
	return test_main_end();
}
