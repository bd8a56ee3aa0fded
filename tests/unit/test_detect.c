/*
 * Scenario tests for src/detect: synthetic observation sequences with an injected
 * truth (which targets fail how, from which round to which), fed to the detector
 * round by round; the table says what must come out (cause, start and end rounds,
 * flapping, how many events of the entity and of the monitor).
 *
 * One watched country: a border router (its upstream-facing link address), an inner
 * router, two nameservers, a mail server, two web servers and four hosts; 12 BGP
 * peers see its prefix; the monitor has two control targets. A round is 60 s; each
 * target is probed at its own offset within the round, with a little jitter, and
 * RTTs vary by 5% (a fixed-seed PRNG, so every run is the same).
 */
#include <stdlib.h>

#include "core/buf.h"
#include "core/clock.h"
#include "detect/detect.h"
#include "test.h"

#define R (60 * USEC_PER_SEC)
#define T0 (INT64_C(1642194000) * USEC_PER_SEC) /* 2022-01-14T21:00:00Z */
#define PEERS 12

/* ---- the watched network ---- */

struct tdef {
	const char *label;
	int role;
	int kind;
	unsigned flags;
	float rtt;
};

static const struct tdef net[] = {
	{"198.51.100.1", ROLE_ROUTER, PROBE_ICMP, DETECT_TARGET_BORDER_LINK, 180},
	{"203.0.113.1", ROLE_ROUTER, PROBE_ICMP, 0, 185},
	{"203.0.113.53", ROLE_DNS, PROBE_DNS, 0, 190},
	{"203.0.113.54", ROLE_DNS, PROBE_DNS, 0, 192},
	{"203.0.113.25", ROLE_MAIL, PROBE_SMTP, 0, 400},
	{"203.0.113.80", ROLE_WEB, PROBE_HTTP, 0, 600},
	{"203.0.113.81", ROLE_WEB, PROBE_HTTP, 0, 610},
	{"203.0.113.10", ROLE_HOST, PROBE_ICMP, 0, 186},
	{"203.0.113.11", ROLE_HOST, PROBE_ICMP, 0, 187},
	{"203.0.113.12", ROLE_HOST, PROBE_ICMP, 0, 188},
	{"203.0.113.13", ROLE_HOST, PROBE_ICMP, 0, 189},
	{"127.0.0.1", ROLE_CONTROL, PROBE_ICMP, 0, 5},
	{"127.0.0.2", ROLE_CONTROL, PROBE_ICMP, 0, 6},
};
#define NT ((int)(sizeof net / sizeof net[0]))

/* A /24 watched by 40 hosts (IODA-like: judged against its baseline), one router. */
static struct tdef many[41];
#define NMANY ((int)(sizeof many / sizeof many[0]))
static void many_init(void)
{
	static char labels[NMANY][32];
	many[0] = (struct tdef){"198.51.100.1", ROLE_ROUTER, PROBE_ICMP, 0, 50};
	for (int i = 1; i < NMANY; i++) {
		snprintf(labels[i], sizeof labels[i], "203.0.113.%d", i);
		many[i] = (struct tdef){labels[i], ROLE_HOST, PROBE_ICMP, 0, (float)(50 + i % 7)};
	}
}

/* the network of the scenario being played */
static const struct tdef *cur = net;
static int ncur = NT;

/* Target selectors: a mask of roles, or of target indices. */
#define ROLES(m) (m)
#define RB(r) (1u << (r))
#define DATA_PLANE (RB(ROLE_ROUTER) | RB(ROLE_DNS) | RB(ROLE_MAIL) | RB(ROLE_WEB) | RB(ROLE_HOST))
#define IDX (1u << 31) /* the rest of the mask is target indices */
#define T(i) (IDX | (1u << (i)))
#define NOT_LINK (1u << 30) /* with a role mask: except the border link */
#define FIRST(n) ((1u << 29) | (n)) /* targets 1..n */

enum fx {
	FX_NONE,
	FX_DOWN,     /* timeouts */
	FX_NOROUTE,  /* net-unreachable */
	FX_REFUSED,  /* the port refuses: host alive, service down */
	FX_RTT,      /* RTT multiplied by arg */
	FX_LOSS,     /* timeouts with probability arg */
	FX_BGP,      /* arg peers of PEERS see the prefix; sample at from + off seconds */
	FX_LOCAL,    /* local-error: the monitor's own kernel has no route (its link is down) */
};

struct inj {
	int from, to; /* rounds [from, to); to == 0: until the end */
	unsigned sel;
	int fx;
	double arg;
	int off; /* FX_BGP: seconds into the round */
};

struct scenario {
	const char *name;
	bool many; /* the 40-host network instead of the country */
	int rounds;
	double loss;  /* background loss on every target */
	double jitter; /* RTT jitter (fraction) */
	bool no_control;
	struct inj inj[12];
};

/* ---- a small fixed-seed PRNG (xorshift64*) ---- */

static double rng_next(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return (double)((*st * 0x2545f4914f6cdd1dULL) >> 11) / 9007199254740992.0;
}

/* the scenario's draws; shuffling uses its own stream so inputs stay the same */
static uint64_t rng_state;
static void rng_seed(uint64_t s)
{
	rng_state = s ? s : 0x9e3779b97f4a7c15u;
}
static double rng_unit(void)
{
	return rng_next(&rng_state);
}

/* ---- running a scenario ---- */

struct rec {
	int opened, changed, closed;
	unsigned what;
	int cause_changes;
	uint8_t first_cause;
	uint64_t ids[16];
	int nids;
	int target_changes[64];
	int suspect_seen[64];
};

static void on_event(void *arg, const struct detect_event *ev, int change, unsigned what)
{
	struct rec *r = arg;
	if (change == DETECT_OPENED) {
		r->opened++;
		if (r->nids < 16)
			r->ids[r->nids++] = ev->id;
		if (ev->entity != DETECT_MONITOR && r->opened == 1)
			r->first_cause = ev->cause;
	} else if (change == DETECT_CHANGED) {
		r->changed++;
	} else {
		r->closed++;
	}
	r->what |= what;
	if (what & DETECT_WHAT_CAUSE)
		r->cause_changes++;
}

static void on_target(void *arg, const struct detect_target_state *st)
{
	struct rec *r = arg;
	if (getenv("DETECT_TRACE"))
		fprintf(stderr, "  target %u %s since %+.0f s k=%u q=%.4f\n", st->id,
			detect_tstate_name(st->state), (double)(st->since_us - T0) / USEC_PER_SEC, st->k,
			st->noise);
	if (st->id < 64) {
		r->target_changes[st->id]++;
		if (st->state == TSTATE_SUSPECT)
			r->suspect_seen[st->id]++;
	}
}

static void on_signals(void *arg, const struct detect_signals *s)
{
	(void)arg;
	if (getenv("DETECT_TRACE") && s->entity)
		fprintf(stderr, "  bin %+lld: probes %u failed %u loss %.2f (base %.3f) ratio %.2f stress %d%d\n",
			(long long)((s->bin_start_us - T0) / R), s->probes, s->failed, s->loss, s->loss_base,
			s->rtt_ratio, s->stress_rtt, s->stress_loss);
}

struct run {
	struct detect *d;
	struct rec rec;
	uint32_t ent, pfx;
};

static bool selected(unsigned sel, int i)
{
	if (sel & IDX)
		return (sel & (1u << i)) != 0;
	if (sel & (1u << 29))
		return i >= 1 && i <= (int)(sel & 0xffff);
	if ((sel & NOT_LINK) && (cur[i].flags & DETECT_TARGET_BORDER_LINK))
		return false;
	return (sel & RB(cur[i].role)) != 0;
}

static bool active(const struct inj *in, int r)
{
	return r >= in->from && (in->to == 0 || r < in->to);
}

static struct obs make_obs(const struct scenario *sc, int i, int r)
{
	/* each target has its own place in the round, +-2 s of jitter */
	int64_t off = (int64_t)((i * 7 + 3) % 50) * USEC_PER_SEC +
		      (int64_t)((rng_unit() * 4 - 2) * USEC_PER_SEC);
	if (off < 0)
		off = 0;
	struct obs o = {.time_us = T0 + (int64_t)r * R + off, .target = (uint32_t)i,
			.kind = (uint8_t)cur[i].kind, .outcome = OUTCOME_OK};
	double rtt = cur[i].rtt * (1 + sc->jitter * (rng_unit() * 2 - 1));
	if (rng_unit() < sc->loss)
		o.outcome = OUTCOME_TIMEOUT;
	for (const struct inj *in = sc->inj; in->fx; in++) {
		if (!active(in, r) || in->fx == FX_BGP || !selected(in->sel, i))
			continue;
		switch (in->fx) {
		case FX_DOWN:
			o.outcome = OUTCOME_TIMEOUT;
			break;
		case FX_NOROUTE:
			o.outcome = OUTCOME_NET_UNREACH;
			break;
		case FX_REFUSED:
			o.outcome = OUTCOME_REFUSED;
			break;
		case FX_LOCAL:
			o.outcome = OUTCOME_LOCAL_ERROR;
			break;
		case FX_RTT:
			rtt *= in->arg;
			break;
		case FX_LOSS:
			if (rng_unit() < in->arg)
				o.outcome = OUTCOME_TIMEOUT;
			break;
		}
	}
	o.rtt_ms = o.outcome == OUTCOME_OK ? (float)rtt : -1;
	return o;
}

static void setup(struct run *run, const struct scenario *sc)
{
	memset(run, 0, sizeof *run);
	struct detect_hooks h = {.arg = &run->rec, .event = on_event, .target = on_target,
				 .signals = on_signals};
	run->d = detect_new(NULL, &h);
	CHECK_INT(detect_entity_add(run->d, "North Korea", ENTITY_COUNTRY, &run->ent), 0);
	CHECK_INT(detect_prefix_add(run->d, run->ent, "175.45.176.0/22", &run->pfx), 0);
	for (int i = 0; i < ncur; i++) {
		if (sc->no_control && cur[i].role == ROLE_CONTROL)
			continue;
		struct detect_target_spec s = {.id = (uint32_t)i, .entity = run->ent, .role = cur[i].role,
					       .interval_us = R, .flags = cur[i].flags,
					       .label = cur[i].label};
		CHECK_INT(detect_target_add(run->d, &s), 0);
	}
}

/* The BGP samples of round r (at most one per injection edge, plus the first). */
static void feed_bgp(struct run *run, const struct scenario *sc, int r)
{
	if (r == 0) {
		struct detect_bgp_sample s = {T0 + 1 * USEC_PER_SEC, run->pfx, PEERS, PEERS};
		CHECK_INT(detect_feed_bgp(run->d, &s), 0);
	}
	for (const struct inj *in = sc->inj; in->fx; in++) {
		if (in->fx != FX_BGP)
			continue;
		if (r == in->from || (in->to && r == in->to)) {
			struct detect_bgp_sample s = {T0 + (int64_t)r * R + in->off * USEC_PER_SEC, run->pfx,
						      (uint16_t)(r == in->from ? in->arg : PEERS), PEERS};
			CHECK_INT(detect_feed_bgp(run->d, &s), 0);
		}
	}
}

/* Runs the scenario. shuffle: feed two rounds at a time in a random order. */
static void play(struct run *run, const struct scenario *sc, uint64_t seed, bool shuffle)
{
	if (sc->many) {
		many_init();
		cur = many;
		ncur = NMANY;
	} else {
		cur = net;
		ncur = NT;
	}
	setup(run, sc);
	rng_seed(seed);
	uint64_t shuffle_state = seed * 31 + 17;
	struct obs batch[2 * 64];
	int nb = 0;
	for (int r = 0; r < sc->rounds; r++) {
		for (int i = 0; i < ncur; i++) {
			if (sc->no_control && cur[i].role == ROLE_CONTROL)
				continue;
			batch[nb++] = make_obs(sc, i, r);
		}
		feed_bgp(run, sc, r);
		if (shuffle && r % 2 == 0 && r + 1 < sc->rounds)
			continue;
		if (shuffle)
			for (int i = nb - 1; i > 0; i--) {
				int j = (int)(rng_next(&shuffle_state) * (i + 1));
				struct obs t = batch[i];
				batch[i] = batch[j];
				batch[j] = t;
			}
		for (int i = 0; i < nb; i++)
			CHECK_INT(detect_feed(run->d, &batch[i]), 0);
		nb = 0;
		/* the watcher's timer: one tick per round, the default late window is a bin */
		detect_tick(run->d, T0 + (int64_t)(r + 1) * R + R);
	}
	detect_drain(run->d);
}

static int count_events(const struct detect *d, bool monitor)
{
	int n = 0;
	for (size_t i = 0; i < detect_event_count(d); i++)
		if ((detect_event_at(d, i)->entity == DETECT_MONITOR) == monitor)
			n++;
	return n;
}

static const struct detect_event *first_event(const struct detect *d, bool monitor)
{
	for (size_t i = 0; i < detect_event_count(d); i++)
		if ((detect_event_at(d, i)->entity == DETECT_MONITOR) == monitor)
			return detect_event_at(d, i);
	return NULL;
}

/* t lies in round r: [T0 + r*R, T0 + (r+1)*R). */
static bool in_round(int64_t t, int r)
{
	return t >= T0 + (int64_t)r * R && t < T0 + (int64_t)(r + 1) * R;
}

/* t lies in rounds [r - before, r + 1 + after). With background loss the model allows
 * it: the start may be backdated to a lost probe that joined the confirming window (at
 * most N-1 rounds before), and a lost probe restarts the recovery run. */
static bool in_rounds(int64_t t, int r, int before, int after)
{
	return t >= T0 + (int64_t)(r - before) * R && t < T0 + (int64_t)(r + 1 + after) * R;
}

static void dump(const struct detect *d)
{
	struct buf b = {0};
	for (size_t i = 0; i < detect_event_count(d); i++) {
		detect_event_text(&b, detect_event_at(d, i));
		buf_putc(&b, '\n');
	}
	fprintf(stderr, "%s", b.p ? b.p : "(no events)\n");
	buf_free(&b);
}

/* ---- the table ---- */

struct expect {
	int entity_events;
	int monitor_events;
	int cause;      /* of the first entity event (or the monitor's), -1: don't check */
	int start;      /* round of the injected start, -1: don't check */
	int end;        /* round of the last recovery, -1: still open, -2: don't check */
	int flapping;   /* 0, 1, or -1: don't check */
	uint32_t layers; /* LAYER_BITs that must be in the event */
};

struct ctable {
	struct scenario sc;
	struct expect ex;
};

#define L(l) LAYER_BIT(LAYER_##l)

static const struct ctable cases[] = {
	/* a power cut: everything, the border link included, within one round; the BGP
	 * session drops when its hold timer expires a few minutes later */
	{{"abrupt", false, 200, 0, 0.05, false,
	  {{80, 120, ROLES(DATA_PLANE), FX_DOWN, 0, 0}, {83, 120, 0, FX_BGP, 0, 5}}},
	 {1, 0, CAUSE_ABRUPT, 80, 120, false, L(ROUTER) | L(DNS) | L(MAIL) | L(WEB) | L(HOST) | L(BGP)}},
	/* network stress: RTT x4 from round 70, then web, mail and DNS, hosts, routers,
	 * and the prefixes withdrawn last; all back at 130 */
	{{"cascade", false, 200, 0, 0.05, false,
	  {{70, 130, ROLES(DATA_PLANE), FX_RTT, 4, 0},
	   {75, 130, ROLES(RB(ROLE_WEB)), FX_DOWN, 0, 0},
	   {77, 130, ROLES(RB(ROLE_MAIL) | RB(ROLE_DNS)), FX_DOWN, 0, 0},
	   {79, 130, ROLES(RB(ROLE_HOST)), FX_DOWN, 0, 0},
	   {81, 130, ROLES(RB(ROLE_ROUTER)), FX_DOWN, 0, 0},
	   {83, 130, 0, FX_BGP, 0, 10}}},
	 {1, 0, CAUSE_CASCADE, 75, 130, false, L(ROUTER) | L(WEB) | L(MAIL) | L(BGP)}},
	/* the prefix is withdrawn; the border router's link address still answers and
	 * everything inside gets net-unreachable from the upstream */
	{{"routing", false, 200, 0, 0.05, false,
	  {{80, 110, 0, FX_BGP, 0, 0}, {80, 110, ROLES(DATA_PLANE) | NOT_LINK, FX_NOROUTE, 0, 0}}},
	 {1, 0, CAUSE_ROUTING, 80, 110, false, L(BGP) | L(WEB) | L(HOST)}},
	/* withdrawn three rounds before the data plane is lost (no link target needed) */
	{{"routing-bgp-first", false, 200, 0, 0.05, false,
	  {{80, 110, 0, FX_BGP, 0, 30}, {83, 110, ROLES(DATA_PLANE), FX_DOWN, 0, 0}}},
	 {1, 0, CAUSE_ROUTING, 80, 110, false, L(BGP)}},
	/* both nameservers time out; everything else answers by address */
	{{"dns", false, 200, 0, 0.05, false, {{80, 100, ROLES(RB(ROLE_DNS)), FX_DOWN, 0, 0}}},
	 {1, 0, CAUSE_DNS, 80, 100, false, L(DNS)}},
	/* one web server refuses connections: host alive, service down */
	{{"partial", false, 200, 0, 0.05, false, {{80, 100, T(5), FX_REFUSED, 0, 0}}},
	 {1, 0, CAUSE_PARTIAL, 80, 100, false, L(WEB)}},
	/* the monitor loses its uplink: control targets and everything else fail */
	{{"vantage-local", false, 200, 0, 0.05, false,
	  {{80, 95, ROLES(DATA_PLANE | RB(ROLE_CONTROL)), FX_DOWN, 0, 0}}},
	 {0, 1, CAUSE_VANTAGE_LOCAL, 80, 95, false, L(CONTROL)}},
	/* the web servers go down and up four times: one event, flapping */
	{{"flapping", false, 200, 0, 0.05, false,
	  {{80, 84, ROLES(RB(ROLE_WEB)), FX_DOWN, 0, 0},
	   {88, 92, ROLES(RB(ROLE_WEB)), FX_DOWN, 0, 0},
	   {96, 100, ROLES(RB(ROLE_WEB)), FX_DOWN, 0, 0},
	   {104, 108, ROLES(RB(ROLE_WEB)), FX_DOWN, 0, 0}}},
	 {1, 0, -1, 80, 108, true, L(WEB)}},
	/* one lost packet on one router: nothing */
	{{"single-loss", false, 200, 0, 0.05, false, {{80, 81, T(1), FX_DOWN, 0, 0}}}, {0, 0, -1, -1, -2, false, 0}},
	/* one lost packet on every target in the same round: still nothing */
	{{"one-round-blip", false, 200, 0, 0.05, false, {{80, 81, ROLES(DATA_PLANE), FX_DOWN, 0, 0}}},
	 {0, 0, -1, -1, -2, false, 0}},
	/* an outage that has not ended when the data stops */
	{{"open", false, 200, 0, 0.05, false, {{150, 0, ROLES(DATA_PLANE), FX_DOWN, 0, 0}}},
	 {1, 0, CAUSE_ABRUPT, 150, -1, false, L(ROUTER) | L(HOST)}},
	/* without control targets an outage is still declared (with less confidence) */
	{{"no-control", false, 200, 0, 0.05, true, {{80, 120, ROLES(DATA_PLANE), FX_DOWN, 0, 0}}},
	 {1, 0, CAUSE_ABRUPT, 80, 120, false, L(ROUTER)}},
	/* loss, not delay, announces the stress: 25% of probes lost from round 70 */
	{{"cascade-loss", false, 200, 0, 0.05, false,
	  {{70, 130, ROLES(DATA_PLANE), FX_LOSS, 0.25, 0},
	   {76, 130, ROLES(RB(ROLE_WEB)), FX_DOWN, 0, 0},
	   {79, 130, ROLES(RB(ROLE_MAIL) | RB(ROLE_DNS) | RB(ROLE_HOST)), FX_DOWN, 0, 0},
	   {82, 130, ROLES(RB(ROLE_ROUTER)), FX_DOWN, 0, 0}}},
	 {1, 0, CAUSE_CASCADE, -1, 130, -1, L(ROUTER) | L(WEB)}},
	/* 3 of 40 hosts switched off: within what a large layer may lose, no event */
	{{"many-churn", true, 200, 0, 0.05, true, {{80, 120, FIRST(3), FX_DOWN, 0, 0}}},
	 {0, 0, -1, -1, -2, false, 0}},
	/* 15 of 40 hosts gone, the router answers: a partial outage */
	{{"many-partial", true, 200, 0, 0.05, true, {{80, 120, FIRST(15), FX_DOWN, 0, 0}}},
	 {1, 0, CAUSE_PARTIAL, 80, 120, false, L(HOST)}},
	/* every host and the router at once */
	{{"many-abrupt", true, 200, 0, 0.05, true, {{80, 120, FIRST(40) | RB(ROLE_ROUTER), FX_DOWN, 0, 0}}},
	 {1, 0, -1, 80, 120, false, L(HOST)}},
	/* the mail server stops; with 5% background loss on everything */
	{{"partial-noisy", false, 300, 0.05, 0.1, false, {{150, 180, T(4), FX_DOWN, 0, 0}}},
	 {1, 0, CAUSE_PARTIAL, 150, 180, false, L(MAIL)}},
	/* the monitor's link is down as its own kernel tells it: every probe,
	 * the controls' included, is a local error (no route here); that blinds
	 * the monitor, and says nothing about the country */
	{{"vantage-local-noroute", false, 200, 0, 0.05, false,
	  {{80, 95, ROLES(DATA_PLANE | RB(ROLE_CONTROL)), FX_LOCAL, 0, 0}}},
	 {0, 1, CAUSE_VANTAGE_LOCAL, 80, 95, false, L(CONTROL)}},
};

/* DETECT_SEEDS=N plays every scenario with N seeds (a robustness check by hand;
 * make check plays one). */
/* A scenario failure, printed at once (the harness keeps only the first message). */
#define SFAIL(...) (fprintf(stderr, "  fail: " __VA_ARGS__), fputc('\n', stderr), t_case_failed = 1)

TEST(test_scenarios)
{
	int nseeds = getenv("DETECT_SEEDS") ? atoi(getenv("DETECT_SEEDS")) : 1;
	for (int k = 0; k < (nseeds > 0 ? nseeds : 1) * (int)(sizeof cases / sizeof cases[0]); k++) {
		size_t c = (size_t)k % (sizeof cases / sizeof cases[0]);
		const struct scenario *sc = &cases[c].sc;
		if (getenv("DETECT_ONLY") && strcmp(getenv("DETECT_ONLY"), sc->name) != 0)
			continue;
		const struct expect *ex = &cases[c].ex;
		struct run run;
		uint64_t seed = getenv("DETECT_SEED") ? strtoull(getenv("DETECT_SEED"), NULL, 10) : 42 + (uint64_t)k;
		play(&run, sc, seed, false);
		int fails_before = t_case_failed;
		t_case_failed = 0;

		int ne = count_events(run.d, false), nm = count_events(run.d, true);
		if (ne != ex->entity_events || nm != ex->monitor_events)
			SFAIL("%s: %d entity / %d monitor events, expected %d / %d", sc->name, ne, nm,
			       ex->entity_events, ex->monitor_events);
		const struct detect_event *ev = first_event(run.d, ex->monitor_events > 0 && !ex->entity_events);
		if (ev && ex->cause >= 0 && ev->cause != ex->cause)
			SFAIL("%s: cause %s, expected %s", sc->name, detect_cause_name(ev->cause),
			       detect_cause_name(ex->cause));
		int early = sc->loss > 0 ? DETECT_WINDOW_N - 1 : 0;
		int late = sc->loss > 0 ? 2 * DETECT_UP_RUN : 0;
		if (ev && ex->start >= 0 && !in_rounds(ev->start_us, ex->start, early, 0))
			SFAIL("%s: start %+.0f s from round %d", sc->name,
			       (double)(ev->start_us - T0 - (int64_t)ex->start * R) / USEC_PER_SEC, ex->start);
		if (ev && ex->end >= 0 && (ev->open || !in_rounds(ev->end_us, ex->end, 0, late)))
			SFAIL("%s: end %+.0f s from round %d (open %d)", sc->name,
			       (double)(ev->end_us - T0 - (int64_t)ex->end * R) / USEC_PER_SEC, ex->end,
			       ev->open);
		if (ev && ex->end == -1 && (!ev->open || ev->end_us != 0))
			SFAIL("%s: expected the event to be still open", sc->name);
		if (ev && ex->flapping >= 0 && ev->flapping != ex->flapping)
			SFAIL("%s: flapping %d, expected %d", sc->name, ev->flapping, ex->flapping);
		if (ev && (ev->layers & ex->layers) != ex->layers)
			SFAIL("%s: layers %#x, expected at least %#x", sc->name, ev->layers, ex->layers);
		if (ev && !ev->open && ev->start_us > ev->end_us)
			SFAIL("%s: start after end", sc->name);
		if (t_case_failed || getenv("DETECT_DUMP")) {
			fprintf(stderr, "--- %s (seed %llu)\n", sc->name, (unsigned long long)seed);
			dump(run.d);
		}
		if (t_case_failed && !fails_before)
			snprintf(t_first_failure, sizeof t_first_failure, "scenario %s failed (see stderr)",
				 sc->name);
		t_case_failed |= fails_before;
		detect_free(run.d);
	}
}

/* The cascade first looks like a partial outage (only the web is down, routers
 * fine); when mail and DNS follow a round later, the cause is revised, and the
 * change is reported to the hook so alerts can say so. */
TEST(test_cause_revision)
{
	static const struct scenario sc = {
		"slow-cascade", false, 200, 0, 0.05, false,
		{{70, 130, ROLES(DATA_PLANE), FX_RTT, 4, 0},
		 {75, 130, ROLES(RB(ROLE_WEB)), FX_DOWN, 0, 0},
		 {85, 130, ROLES(RB(ROLE_MAIL) | RB(ROLE_DNS)), FX_DOWN, 0, 0},
		 {90, 130, ROLES(RB(ROLE_ROUTER) | RB(ROLE_HOST)), FX_DOWN, 0, 0},
		 {92, 130, 0, FX_BGP, 0, 10}}};
	struct run run;
	play(&run, &sc, 43, false);
	const struct detect_event *ev = first_event(run.d, false);
	CHECK(ev != NULL);
	if (ev) {
		CHECK_INT(ev->cause, CAUSE_CASCADE);
		CHECK(ev->revisions >= 1);
		CHECK_INT(run.rec.first_cause, CAUSE_PARTIAL);
		CHECK(run.rec.cause_changes >= 1);
		CHECK(run.rec.what & DETECT_WHAT_CAUSE);
		bool step = false;
		for (size_t i = 0; i < ev->nsteps; i++)
			if (ev->steps[i].kind == STEP_CAUSE && ev->steps[i].prev_cause == CAUSE_PARTIAL &&
			    ev->steps[i].cause == CAUSE_CASCADE)
				step = true;
		CHECK(step);
		struct buf b = {0};
		detect_event_text(&b, ev);
		CHECK(strstr(b.p, "cause revised: partial -> cascade") != NULL);
		CHECK(strstr(b.p, "network stress: RTT") != NULL);
		buf_free(&b);
	}
	detect_free(run.d);
}

/* The cascade's timeline in words, as `blackout report` and alerts show it: each
 * step at the round it was injected. */
TEST(test_cascade_timeline)
{
	struct run run;
	play(&run, &cases[1].sc, 5, false);
	const struct detect_event *ev = first_event(run.d, false);
	CHECK(ev != NULL);
	if (ev) {
		static const struct {
			int kind, layer, round;
		} want[] = {
			{STEP_STRESS, 0, 70},
			{STEP_LAYER_DOWN, LAYER_WEB, 75},
			{STEP_LAYER_DOWN, LAYER_MAIL, 77},
			{STEP_LAYER_DOWN, LAYER_HOST, 79},
			{STEP_LAYER_DOWN, LAYER_ROUTER, 81},
			{STEP_LAYER_DOWN, LAYER_BGP, 83},
		};
		for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
			const struct detect_step *found = NULL;
			for (size_t i = 0; i < ev->nsteps && !found; i++)
				if (ev->steps[i].kind == want[w].kind &&
				    (want[w].kind == STEP_STRESS || ev->steps[i].layer == want[w].layer))
					found = &ev->steps[i];
			if (!found || !in_round(found->time_us, want[w].round))
				T_FAIL("step %s %s not in round %d", detect_step_name(want[w].kind),
				       detect_layer_name(want[w].layer), want[w].round);
		}
		struct buf b = {0};
		detect_event_summary(&b, ev);
		CHECK(strncmp(b.p, "22:10 network stress: RTT 4.", 28) == 0);
		CHECK(strstr(b.p, "; 22:15 web down; ") != NULL);
		CHECK(strstr(b.p, "; 22:21 routers unresponsive; ") != NULL);
		CHECK(strstr(b.p, "; 22:23 prefixes withdrawn (0/12 peers); ") != NULL);
		CHECK(strstr(b.p, "cause: cascade (network stress, e.g. a DDoS)") != NULL);
		/* the shape store/store.h reads: the rise leads the layers that failed */
		buf_reset(&b);
		detect_event_evidence_json(&b, ev);
		CHECK(strstr(b.p, "\"layers_failed\":[\"rtt\",\"web\",") != NULL);
		buf_reset(&b);
		detect_event_timeline_json(&b, ev);
		CHECK(strstr(b.p, "\"layer\":\"web\",\"target\":\"203.0.113.80\",\"change\":\"down\"") != NULL);
		buf_free(&b);
	}
	detect_free(run.d);
}

/* After an abrupt cut, mail comes back before the web, and the report says so. */
TEST(test_recovery_order)
{
	static const struct scenario sc = {
		"recovery-order", false, 200, 0, 0.05, false,
		{{80, 100, ROLES(DATA_PLANE & ~RB(ROLE_WEB)), FX_DOWN, 0, 0},
		 {100, 105, ROLES(DATA_PLANE & ~RB(ROLE_WEB) & ~RB(ROLE_MAIL)), FX_DOWN, 0, 0},
		 {80, 110, ROLES(RB(ROLE_WEB)), FX_DOWN, 0, 0}}};
	struct run run;
	play(&run, &sc, 7, false);
	const struct detect_event *ev = first_event(run.d, false);
	CHECK_INT(count_events(run.d, false), 1);
	if (ev) {
		CHECK_INT(ev->cause, CAUSE_ABRUPT);
		CHECK(in_round(ev->layer_back_us[LAYER_MAIL], 100));
		CHECK(in_round(ev->layer_back_us[LAYER_ROUTER], 105));
		CHECK(in_round(ev->layer_back_us[LAYER_WEB], 110));
		CHECK(in_round(ev->end_us, 110));
		struct buf b = {0};
		detect_event_text(&b, ev);
		const char *mail = strstr(b.p, "mail back"), *web = strstr(b.p, "web back");
		CHECK(mail && web && mail < web);
		const char *order = strstr(b.p, "came back in order: mail");
		CHECK(order != NULL);
		buf_reset(&b);
		detect_event_json(&b, ev);
		const char *jm = strstr(b.p, "\"recovered_order\":[{\"layer\":\"mail\"");
		CHECK(jm != NULL);
		buf_free(&b);
	}
	detect_free(run.d);
}

/* 5% random loss and 10% RTT jitter on every target for 1000 rounds: no event. */
TEST(test_noise_no_event)
{
	static const struct scenario sc = {"noise", false, 1000, 0.05, 0.10, false, {{0}}};
	uint64_t nseeds = getenv("DETECT_SEEDS") ? strtoull(getenv("DETECT_SEEDS"), NULL, 10) : 3;
	for (uint64_t seed = 1; seed <= nseeds; seed++) {
		struct run run;
		play(&run, &sc, seed, false);
		CHECK_INT(detect_event_count(run.d), 0);
		if (detect_event_count(run.d))
			dump(run.d);
		/* the detector measured the noise and asks for more evidence */
		const struct detect_target_state *st = detect_target(run.d, 7);
		CHECK(st && st->noise > 0.02 && st->noise < 0.10);
		CHECK(st && st->k == DETECT_WINDOW_N);
		detect_free(run.d);
	}
}

/* One lost packet makes its target suspect for a round, and nothing more. */
TEST(test_single_loss_suspect)
{
	struct run run;
	play(&run, &cases[8].sc, 9, false);
	CHECK_INT(detect_event_count(run.d), 0);
	CHECK(run.rec.suspect_seen[1] == 1);
	const struct detect_target_state *st = detect_target(run.d, 1);
	CHECK(st && st->state == TSTATE_UP);
	struct detect_stats s;
	detect_stats(run.d, &s);
	CHECK_INT(s.candidates_dropped, 0);
	detect_free(run.d);
}

/* The flapping web servers give one event, opened once and closed once. */
TEST(test_flapping_one_event)
{
	struct run run;
	play(&run, &cases[7].sc, 11, false);
	CHECK_INT(run.rec.opened, 1);
	CHECK_INT(run.rec.closed, 1);
	CHECK(run.rec.what & DETECT_WHAT_FLAPPING);
	const struct detect_event *ev = first_event(run.d, false);
	CHECK(ev && ev->relapses >= 2);
	detect_free(run.d);
}

/* The monitor's blindness is an event about the monitor; the country's targets
 * were down as seen from here, but no outage of the country is declared. */
TEST(test_vantage_local)
{
	struct run run;
	play(&run, &cases[6].sc, 13, false);
	CHECK_INT(count_events(run.d, false), 0);
	const struct detect_event *ev = first_event(run.d, true);
	CHECK(ev != NULL);
	if (ev) {
		CHECK_INT(ev->cause, CAUSE_VANTAGE_LOCAL);
		CHECK_STR(ev->entity_name, "monitor");
		CHECK_NEAR(ev->peak_severity, 1.0, 1e-6);
		CHECK(ev->disc & (1u << DISC_CONTROL_DOWN));
	}
	detect_free(run.d);
}

/* The monitor is blind from round 80 to 90, and the country is still down after the
 * monitor is back: the outage is declared once the monitor has seen its control
 * targets again, and its start is marked uncertain. */
TEST(test_blind_then_down)
{
	static const struct scenario sc = {
		"blind-then-down", false, 200, 0, 0.05, false,
		{{80, 90, ROLES(RB(ROLE_CONTROL)), FX_DOWN, 0, 0},
		 {80, 130, ROLES(DATA_PLANE), FX_DOWN, 0, 0}}};
	struct run run;
	play(&run, &sc, 21, false);
	CHECK_INT(count_events(run.d, true), 1);
	CHECK_INT(count_events(run.d, false), 1);
	const struct detect_event *ev = first_event(run.d, false), *mon = first_event(run.d, true);
	if (ev && mon) {
		CHECK(ev->start_uncertain);
		CHECK(in_round(ev->start_us, 80) && in_round(mon->start_us, 80));
		CHECK(ev->opened_us > mon->end_us);
		CHECK(in_round(ev->end_us, 130));
		struct buf b = {0};
		detect_event_text(&b, ev);
		CHECK(strstr(b.p, "start uncertain: the monitor was blind") != NULL);
		buf_free(&b);
	}
	detect_free(run.d);
}

/* ---- a strict JSON syntax check (RFC 8259 grammar, no semantics) ---- */

static const char *js_value(const char *p);

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!strchr("\"\\/bfnrt", *p) || !*p) {
				return NULL;
			}
		}
		p++;
	}
	return p + 1;
}

static const char *js_number(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		if (!(*++p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

static const char *js_value(const char *p)
{
	p = js_ws(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';
		p = js_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				p = js_string(js_ws(p));
				if (!p || *(p = js_ws(p)) != ':')
					return NULL;
				p++;
			}
			p = js_value(p);
			if (!p)
				return NULL;
			p = js_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return js_string(p);
	if (!strncmp(p, "true", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	if (!strncmp(p, "null", 4))
		return p + 4;
	return js_number(p);
}

static bool json_valid(const char *s)
{
	const char *end = s ? js_value(s) : NULL;
	return end && *js_ws(end) == '\0';
}

static void on_signals_json(void *arg, const struct detect_signals *s)
{
	int *bad = arg;
	struct buf b = {0};
	detect_signals_json(&b, s);
	if (!json_valid(b.p))
		(*bad)++;
	buf_free(&b);
}

/* Every event, signal and target of every scenario renders as valid JSON. */
TEST(test_json_valid)
{
	CHECK(json_valid("{\"a\":[1,-2.5e3,true,null,\"x\\u00e9\"]}"));
	CHECK(!json_valid("{\"a\":01}"));
	CHECK(!json_valid("{\"a\":nan}"));
	CHECK(!json_valid("[1,]"));
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct run run;
		play(&run, &cases[c].sc, 3, false);
		for (size_t i = 0; i < detect_event_count(run.d); i++) {
			struct buf b = {0};
			detect_event_json(&b, detect_event_at(run.d, i));
			if (!json_valid(b.p))
				T_FAIL("%s: event JSON invalid: %s", cases[c].sc.name, b.p);
			buf_free(&b);
		}
		for (size_t i = 0; i < detect_event_count(run.d); i++) {
			const struct detect_event *ev = detect_event_at(run.d, i);
			struct buf b = {0};
			detect_event_timeline_json(&b, ev);
			if (!json_valid(b.p) || (ev->nsteps && !strstr(b.p, "\"time_us\":")))
				T_FAIL("%s: timeline JSON invalid: %s", cases[c].sc.name, b.p);
			buf_reset(&b);
			detect_event_evidence_json(&b, ev);
			if (!json_valid(b.p) || !strstr(b.p, "\"layers_failed\":[") ||
			    !strstr(b.p, "\"evidence\":["))
				T_FAIL("%s: evidence JSON invalid: %s", cases[c].sc.name, b.p);
			buf_free(&b);
		}
		for (uint32_t id = 0; id < NT; id++) {
			const struct detect_target_state *st = detect_target(run.d, id);
			if (!st)
				continue;
			struct buf b = {0};
			detect_target_json(&b, st, detect_target_label(run.d, id));
			if (!json_valid(b.p))
				T_FAIL("%s: target JSON invalid: %s", cases[c].sc.name, b.p);
			buf_free(&b);
		}
		detect_free(run.d);
	}
	/* all signals of one scenario, bin by bin */
	int bad = 0;
	struct detect_hooks h = {.arg = &bad, .signals = on_signals_json};
	struct detect *d = detect_new(NULL, &h);
	uint32_t e;
	CHECK_INT(detect_entity_add(d, "x", ENTITY_AS, &e), 0);
	struct detect_target_spec s = {.id = 0, .entity = e, .role = ROLE_WEB, .interval_us = R, .label = "w\"1"};
	CHECK_INT(detect_target_add(d, &s), 0);
	for (int r = 0; r < 50; r++) {
		struct obs o = {.time_us = T0 + r * R, .kind = PROBE_HTTP,
				.outcome = r > 30 ? OUTCOME_TIMEOUT : OUTCOME_OK, .rtt_ms = r > 30 ? -1 : 3};
		CHECK_INT(detect_feed(d, &o), 0);
		detect_tick(d, T0 + (r + 2) * R);
	}
	CHECK_INT(bad, 0);
	CHECK_INT(detect_event_count(d), 1);
	detect_free(d);
}

/* Same inputs, same events: in order, shuffled within the late window, and again. */
TEST(test_replay_deterministic)
{
	for (size_t c = 0; c < 3; c++) {
		struct buf out[3] = {{0}};
		for (int k = 0; k < 3; k++) {
			struct run run;
			play(&run, &cases[c].sc, 1234, k == 1);
			for (size_t i = 0; i < detect_event_count(run.d); i++) {
				detect_event_json(&out[k], detect_event_at(run.d, i));
				buf_putc(&out[k], '\n');
			}
			detect_free(run.d);
		}
		CHECK(out[0].len > 0);
		CHECK(out[0].p && out[1].p && strcmp(out[0].p, out[1].p) == 0);
		CHECK(out[0].p && out[2].p && strcmp(out[0].p, out[2].p) == 0);
		for (int k = 0; k < 3; k++)
			buf_free(&out[k]);
	}
}

int main(void)
{
	RUN(test_scenarios);
	RUN(test_cause_revision);
	RUN(test_cascade_timeline);
	RUN(test_recovery_order);
	RUN(test_noise_no_event);
	RUN(test_single_loss_suspect);
	RUN(test_flapping_one_event);
	RUN(test_vantage_local);
	RUN(test_blind_then_down);
	RUN(test_json_valid);
	RUN(test_replay_deterministic);
	return test_main_end();
}
