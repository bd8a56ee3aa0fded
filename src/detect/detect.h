/*
 * detect.h - outage detection: observations, BGP visibility and a clock in;
 * target states, per-bin layer signals and outage events out.
 *
 * Pure code: no sockets, no files, no clock reads. The watcher declares what is
 * watched, feeds what the probes and the BGP collector saw (in any order within
 * params.late_us), and calls detect_tick(now) from a timer; replay calls the same
 * functions over stored history, so the same inputs always give the same events.
 *
 * DOC: how detection is split
 *   chan.c    one probe channel (target x probe kind): k-of-n confirmation of a
 *             failure, a run of successes for recovery, measured noise, RTT baseline.
 *   detect.c  the model (entities, targets, prefixes), input buffering and time bins,
 *             layer signals against moving baselines, the event life cycle.
 *   cause.c   the cause table: evidence -> discriminators -> cause and confidence.
 *   render.c  an event as a timeline in words and as JSON.
 *   stats.c   median, MAD, quantiles, baseline rings, the binomial tail.
 *   vocab.c   names of the tables below; what each outcome says (outcome classes).
 *   block.c   a Trinocular-style belief that a /24 is up, for the probe scheduler
 *             (block.h; its verdict comes back here as a host observation).
 *
 * The model. Entities (a country, an AS, a prefix, a named group) own targets;
 * each target has a role (core/obs.h ROLE_*) and a probe interval, its "round".
 * Control targets (ROLE_CONTROL) belong to the monitor itself, pseudo-entity
 * DETECT_MONITOR (id 0): they should always answer, and when they stop, the
 * monitor is blind and no outage of a watched entity is declared from it. Watched
 * prefixes belong to entities; BGP samples give, per prefix, how many of the
 * collector's peers see it. A layer is what the entity's targets of one role show
 * (LAYER_* == ROLE_* for the roles), plus LAYER_BGP.
 *
 * Time. Observations and samples are buffered until their time bin
 * [k*bin_us, (k+1)*bin_us) is closed by detect_tick(now) with
 * now >= bin end + late_us; then they are applied in time order (ties broken by
 * target, kind, outcome), so arrival order never matters. An input older than the
 * last closed bin is refused (ERR_RANGE) and counted.
 *
 * Target state, per probe channel (target x probe kind):
 *
 *   UNKNOWN --ok--> UP --fail--> SUSPECT --ok--> UP
 *   UNKNOWN | UP | SUSPECT --k failures among the last N--> DOWN
 *   DOWN --ok--> RECOVERING --fail--> DOWN
 *   RECOVERING --DETECT_UP_RUN successes in a row--> UP
 *
 * SUSPECT means "the last probe failed, not confirmed". k is the smallest k >= 2
 * such that a healthy target with its measured failure rate q would see k failures
 * among N observations less than DETECT_FALSE_DOWN times per round (C(N-1,k-1) q^k):
 * a clean target confirms on its 2nd or 3rd failure, a noisy one needs up to N.
 * DOWN is backdated to the first failure of the window, UP to the first success of
 * the run. A target's state for its layer is the worst of its service channels
 * (tcp/http/dns/smtp), or of its icmp/trace channels when it has no service probe;
 * "alive" means something at its address answered.
 *
 * Outcomes (detect_outcome_class): ok is up; timeout is silence; host-unreachable
 * and admin-prohibited are "a router near it says no"; net-unreachable and
 * ttl-exceeded are routing evidence (the upstream has no usable route); refused,
 * port-unreachable, DNS rcodes, HTTP/TLS/SMTP/protocol errors mean the host is
 * alive but the service is down; local-error, prohibited and resolve-error say
 * nothing about the target and are not counted.
 *
 * Layer status per bin: OK, DEGRADED (fewer answer than the baseline allows),
 * DOWN (at most DETECT_LAYER_DOWN_FRACTION of the usual number answer), NODATA.
 * Only targets that have answered at least once count ("established"): a target
 * that never answered cannot fail.
 *
 * Event life cycle, per entity:
 *
 *   (none) --a layer fails--> CANDIDATE --control proof, no suspicion in flight--> OPEN
 *      ^                         | layers back before proof: dropped                | all layers OK
 *      |                         v                                                  v
 *      +------------------- (none) <--- CLOSE_HOLD rounds without relapse --- RECOVERING
 *                                                        relapse: back to OPEN, relapses++
 *
 * Ownership: struct detect owns everything it returns pointers to (states, signals,
 * labels, events and their steps); those pointers stay valid until the next
 * detect_feed*, detect_tick, detect_drain, detect_*_add, detect_prune or
 * detect_free call. Copy what must outlive that (a store keeps the JSON). Hooks are
 * called from inside
 * detect_tick only, with borrowed pointers valid for the call; a hook may call the
 * const getters but must not feed, tick or declare.
 *
 * One detector serves one vantage point (obs.vantage is not used); comparing
 * vantages is the job of a layer above.
 */
#ifndef BLACKOUT_DETECT_DETECT_H
#define BLACKOUT_DETECT_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/obs.h"

/* ---- Constants, and why (docs/detection.md says the same for users) ---- */
/* None is tuned to a scenario: each follows from rounds, confirmation counts or a
 * false-alarm rate, and the scenario tests use tolerances derived from them. */

/* k-of-n window: the last N observations of a channel decide a failure. 5 rounds is
 * the longest we are willing to wait to confirm an outage on a noisy target. */
#define DETECT_WINDOW_N 5
/* Never confirm a failure on one observation: one lost packet is not an outage. */
#define DETECT_K_MIN 2
/* Budget of false confirmations per target and round. With 100 targets probed every
 * minute that is about one false target failure per 70 days (1e-7 * 100 * 1440/day). */
#define DETECT_FALSE_DOWN 1e-7
/* Prior failure rate of a new target (after the probe engine's retries), until its
 * own healthy history speaks; worth 1/prior observations (the time to see one
 * failure at that rate). 1% suits a lossy path probed without retries; a watcher
 * that retries can pass a lower one in detect_params.prior_loss (e.g. 5% path
 * loss and 2 retries: 0.05^3). */
#define DETECT_NOISE_PRIOR 0.01
/* The noise estimate forgets with a time constant of this many observations (a week
 * of one-minute rounds): long enough to learn that a clean target needs only k = 2
 * (after 9116 clean results with the default prior; k = 3 after 289). */
#define DETECT_NOISE_MEMORY 10000.0
/* Successes in a row to confirm a recovery: a target in heavy loss rarely answers
 * three times running, and a false recovery is caught by the close hold below. */
#define DETECT_UP_RUN 3
/* A full down/up cycle of a target takes at least k + UP_RUN >= 5 rounds; two fit in
 * 10 rounds. 4 confirmed transitions of one target inside the window = flapping. */
#define DETECT_FLAP_WINDOW_ROUNDS 10
#define DETECT_FLAP_TRANSITIONS 4
/* An event stays open this long after every layer came back, so that a relapse is
 * the same (flapping) event, not a new one. End time is still the recovery time. */
#define DETECT_CLOSE_HOLD_ROUNDS DETECT_FLAP_WINDOW_ROUNDS
/* An event is flapping after this many relapses (a layer or the whole entity came
 * back and failed again): down-up-down-up-down is "several transitions". */
#define DETECT_FLAP_RELAPSES 2
/* A layer is DOWN when at most this fraction of what usually answers still answers:
 * with up to 3 targets only "none" qualifies, in a large layer "most are gone". */
#define DETECT_LAYER_DOWN_FRACTION 0.25
/* Layers with at least this many targets are compared to their baseline (IODA-like):
 * a drop must exceed DETECT_MANY_MIN_DROP and the baseline's own noise. Smaller
 * layers are lists of named servers: any one confirmed down is a degradation. */
#define DETECT_MANY 10
#define DETECT_MANY_MIN_DROP 0.10
/* Robust z-score for "above the baseline": median + Z * 1.4826 * MAD. At 4 a normal
 * noise exceeds it once in ~16000 bins. */
#define DETECT_Z 4.0
/* RTT rise floor, as a ratio to the target's own median RTT: a link with no jitter
 * at all (MAD 0) still needs 25% more delay to count as stressed. */
#define DETECT_RTT_MIN_RISE 0.25
/* Loss stress is a binomial test: with the healthy loss rate p (the mean over the
 * baseline bins, at least DETECT_LOSS_FLOOR), a bin with n probes and f failures is
 * stressed when P(X >= f) < DETECT_STRESS_ALPHA, the one-sided tail of a 4-sigma
 * normal deviation (so both stress tests share one false-alarm rate per bin). A bin
 * needs at least 2 failed probes: one lost packet is never stress. */
#define DETECT_LOSS_FLOOR 0.01
#define DETECT_LOSS_MIN_FAILS 2
#define DETECT_STRESS_ALPHA 3.2e-5
/* Baselines: median and MAD over the last BASE_BINS healthy bins (an hour of
 * one-minute rounds), trusted after BASE_MIN bins. */
#define DETECT_BASE_BINS 60
#define DETECT_BASE_MIN 10
/* Per-channel RTT baseline: median of the last RTT_RING answers while up. */
#define DETECT_RTT_RING 16
#define DETECT_RTT_MIN 4
/* How far back before the first failure an RTT/loss rise still belongs to it. */
#define DETECT_STRESS_LOOKBACK_ROUNDS 10

#define DETECT_MONITOR 0u /* the pseudo-entity owning control targets */
#define DETECT_LABEL_MAX 64

/* ---- Vocabulary (X-macro tables; append, never renumber) ---- */

#define DETECT_LAYER_TABLE(X)                       \
	X(LAYER_ROUTER, "router", "routers")        \
	X(LAYER_DNS, "dns", "DNS")                  \
	X(LAYER_MAIL, "mail", "mail")               \
	X(LAYER_WEB, "web", "web")                  \
	X(LAYER_HOST, "host", "hosts")              \
	X(LAYER_CONTROL, "control", "control targets") \
	X(LAYER_BGP, "bgp", "prefixes")

enum detect_layer {
#define X(name, code, text) name,
	DETECT_LAYER_TABLE(X)
#undef X
	LAYER__COUNT
};
#define LAYER_BIT(l) (1u << (l))
/* Layers of the watched entity's data plane (not control, not BGP). */
#define LAYER_DATA_PLANE                                                                  \
	(LAYER_BIT(LAYER_ROUTER) | LAYER_BIT(LAYER_DNS) | LAYER_BIT(LAYER_MAIL) |         \
	 LAYER_BIT(LAYER_WEB) | LAYER_BIT(LAYER_HOST))
#define LAYER_SERVICES                                                                    \
	(LAYER_BIT(LAYER_DNS) | LAYER_BIT(LAYER_MAIL) | LAYER_BIT(LAYER_WEB) |            \
	 LAYER_BIT(LAYER_HOST))

#define DETECT_ENTITY_KIND_TABLE(X)       \
	X(ENTITY_MONITOR, "monitor")      \
	X(ENTITY_COUNTRY, "country")      \
	X(ENTITY_AS, "as")                \
	X(ENTITY_PREFIX, "prefix")        \
	X(ENTITY_GROUP, "group")

enum detect_entity_kind {
#define X(name, code) name,
	DETECT_ENTITY_KIND_TABLE(X)
#undef X
	ENTITY_KIND__COUNT
};

#define DETECT_TSTATE_TABLE(X)             \
	X(TSTATE_UNKNOWN, "unknown")       \
	X(TSTATE_UP, "up")                 \
	X(TSTATE_SUSPECT, "suspect")       \
	X(TSTATE_DOWN, "down")             \
	X(TSTATE_RECOVERING, "recovering")

enum detect_tstate {
#define X(name, code) name,
	DETECT_TSTATE_TABLE(X)
#undef X
	TSTATE__COUNT
};

#define DETECT_LSTATUS_TABLE(X)            \
	X(LSTATUS_NODATA, "nodata")        \
	X(LSTATUS_OK, "ok")                \
	X(LSTATUS_DEGRADED, "degraded")    \
	X(LSTATUS_DOWN, "down")

enum detect_lstatus {
#define X(name, code) name,
	DETECT_LSTATUS_TABLE(X)
#undef X
	LSTATUS__COUNT
};

/* What an outcome says about the target. */
#define DETECT_OCLASS_TABLE(X)                                                     \
	X(OCLASS_UP, "up", "the target answered")                                  \
	X(OCLASS_SILENT, "silent", "no answer at all")                             \
	X(OCLASS_UNREACH, "unreachable", "a router near the target says no")       \
	X(OCLASS_NOROUTE, "no-route", "routing evidence: the upstream has no route") \
	X(OCLASS_SERVICE, "service-down", "the host is alive, the service is down") \
	X(OCLASS_NONE, "none", "says nothing about the target (not counted)")

enum detect_oclass {
#define X(name, code, text) name,
	DETECT_OCLASS_TABLE(X)
#undef X
	OCLASS__COUNT
};

#define DETECT_CAUSE_TABLE(X)                                                                \
	X(CAUSE_UNKNOWN, "unknown", "the pattern matches no known cause")                    \
	X(CAUSE_CASCADE, "cascade", "network stress, e.g. a DDoS")                           \
	X(CAUSE_ABRUPT, "abrupt", "power or link cut")                                       \
	X(CAUSE_ROUTING, "routing", "routes withdrawn while the equipment was alive")       \
	X(CAUSE_DNS, "dns", "nameservers down while hosts answer")                           \
	X(CAUSE_PARTIAL, "partial", "some services down, routers and routes fine")           \
	X(CAUSE_VANTAGE_LOCAL, "vantage-local", "the monitor lost its own connectivity")

enum detect_cause {
#define X(name, code, text) name,
	DETECT_CAUSE_TABLE(X)
#undef X
	CAUSE__COUNT
};

/* The discriminators of the cause table (DESIGN.md), each a fact with a time. */
#define DETECT_DISC_TABLE(X)                                                                   \
	X(DISC_CONTROL_OK, "control-ok", "the control targets answered after the failure began")    \
	X(DISC_CONTROL_DOWN, "control-down", "the control targets failed: the monitor is blind")    \
	X(DISC_STRESS_BEFORE, "stress-before", "RTT or loss rose at least one round before the first failure") \
	X(DISC_NO_STRESS, "no-stress", "no RTT or loss rise before the first failure (baseline known)") \
	X(DISC_SIMULTANEOUS, "simultaneous", "every data-plane layer failed within one round")      \
	X(DISC_SPREAD, "spread", "failures spread over more than one round")                        \
	X(DISC_SERVICES_FIRST, "services-first", "services failed before the routers")              \
	X(DISC_BGP_FIRST, "bgp-first", "prefixes withdrawn at or before the first data-plane failure") \
	X(DISC_BGP_LAST, "bgp-last", "prefixes withdrawn after the data plane failed, or never")    \
	X(DISC_BGP_WITHIN_HOLD, "bgp-within-hold", "prefixes withdrawn within the BGP hold time")   \
	X(DISC_LINK_ALIVE, "link-alive", "the border router's upstream-facing address still answered") \
	X(DISC_LINK_DOWN, "link-down", "the border router's upstream-facing address stopped answering") \
	X(DISC_NET_UNREACH, "net-unreachable", "probes got net-unreachable (no route upstream)")    \
	X(DISC_DNS_DOWN, "dns-down", "every nameserver failed")                                     \
	X(DISC_HOSTS_ANSWER, "hosts-answer", "other targets still answered by address")             \
	X(DISC_SERVICES_DOWN, "services-down", "some services failed")                              \
	X(DISC_ROUTERS_OK, "routers-ok", "the routers kept answering")                              \
	X(DISC_ROUTES_OK, "routes-ok", "the prefixes stayed visible")                              \
	X(DISC_INTERMITTENT, "intermittent", "a layer came back and failed again before the last layer failed (a congested path)") \
	X(DISC_STRESS_DURING, "stress-during", "RTT or loss of the targets still answering rose while the failure spread")

enum detect_disc {
#define X(name, code, text) name,
	DETECT_DISC_TABLE(X)
#undef X
	DISC__COUNT
};

#define DETECT_STEP_TABLE(X)                                                    \
	X(STEP_STRESS, "stress")                 /* value: RTT ratio, value2: loss */ \
	X(STEP_LAYER_DEGRADED, "layer-degraded") /* count/total answering */          \
	X(STEP_LAYER_DOWN, "layer-down")                                             \
	X(STEP_LAYER_BACK, "layer-back")                                             \
	X(STEP_NET_UNREACH, "net-unreachable")   /* label: first target */            \
	X(STEP_MONITOR_BLIND, "monitor-blind")                                       \
	X(STEP_MONITOR_BACK, "monitor-back")                                         \
	X(STEP_RELAPSE, "relapse")                                                   \
	X(STEP_CAUSE, "cause")                   /* cause, prev_cause */             \
	X(STEP_FLAPPING, "flapping")

enum detect_step_kind {
#define X(name, code) name,
	DETECT_STEP_TABLE(X)
#undef X
	STEP__COUNT
};

const char *detect_layer_name(int layer);  /* "router"; "unknown" out of range */
const char *detect_layer_text(int layer);  /* "routers", for sentences */
int detect_layer_from_name(const char *name); /* -1 if unknown */
const char *detect_entity_kind_name(int kind);
int detect_entity_kind_from_name(const char *name);
const char *detect_tstate_name(int state);
const char *detect_lstatus_name(int status);
const char *detect_oclass_name(int oclass);
const char *detect_cause_name(int cause);
const char *detect_cause_text(int cause);
int detect_cause_from_name(const char *name);
const char *detect_disc_name(int disc);
const char *detect_disc_text(int disc);
const char *detect_step_name(int kind);

/* What an outcome (enum outcome) says about the target: enum detect_oclass. */
int detect_outcome_class(int outcome);

/* ---- Parameters ---- */

struct detect_params {
	int64_t bin_us;      /* width of a time bin; default 60 s; set it to the base round */
	int64_t late_us;     /* how late an input may arrive; default one bin */
	int64_t bgp_hold_us; /* BGP hold time of the collector's sessions; default 180 s */
	double prior_loss;   /* a new target's assumed failure rate; 0: DETECT_NOISE_PRIOR */
};
void detect_params_default(struct detect_params *p);

/* ---- Outputs ---- */

struct detect_target_state {
	uint32_t id;
	uint32_t entity;
	uint8_t role;        /* enum role */
	uint8_t state;       /* enum detect_tstate, over the channels that decide the layer */
	uint8_t last_outcome; /* enum outcome of the last observation */
	uint8_t k;           /* failures among the last DETECT_WINDOW_N that confirm a failure */
	bool established;    /* answered at least once */
	bool alive;          /* something at its address answers (even a refusal) */
	bool flapping;       /* >= DETECT_FLAP_TRANSITIONS transitions in the flap window */
	int64_t since_us;    /* when the current state began, backdated */
	int64_t last_us;     /* time of the last observation */
	float noise;         /* measured failure rate while up (q) */
	float rtt_base_ms;   /* median RTT while up, NAN until known */
};

struct detect_layer_signal {
	uint16_t targets;  /* established targets (BGP: peers) */
	uint16_t up;       /* of which answering at bin end (BGP: peers seeing the prefixes) */
	uint8_t status;    /* enum detect_lstatus */
	float fraction;    /* up / targets; NAN without data */
	float baseline;    /* moving median of fraction over healthy bins; NAN until known */
	float mad;         /* its median absolute deviation */
};

struct detect_signals {
	uint32_t entity;
	int64_t bin_start_us, bin_end_us;
	struct detect_layer_signal layer[LAYER__COUNT];
	uint32_t probes;      /* observations in the bin from targets not confirmed down */
	uint32_t failed;      /* of which failed */
	float loss;           /* failed / probes; NAN without probes */
	float loss_base;      /* mean loss of the baseline bins */
	float rtt_p50_ms, rtt_p90_ms;  /* raw RTT quantiles of the bin's answers */
	float rtt_ratio;      /* median of (RTT / that channel's baseline RTT) */
	float rtt_ratio_base, rtt_ratio_mad;
	bool baseline_ready;  /* enough healthy bins to judge RTT and loss */
	bool stressed;        /* RTT or loss above its baseline this bin */
	bool stress_rtt, stress_loss;
	bool blind;           /* the monitor's control layer was down */
	float severity;       /* 0..1: share of the usual answers (or peers) gone */
};

struct detect_step {
	int64_t time_us;
	uint8_t kind;       /* enum detect_step_kind */
	uint8_t layer;      /* enum detect_layer, for layer steps */
	uint8_t cause, prev_cause; /* STEP_CAUSE */
	uint16_t count, total;     /* answering / established at that moment (BGP: peers) */
	float value, value2;       /* STEP_STRESS: RTT ratio and loss fraction */
	char label[DETECT_LABEL_MAX]; /* the first target to fail or come back, or "" */
};

struct detect_event {
	uint64_t id;            /* 1, 2, ... in opening order */
	uint32_t entity;
	uint8_t entity_kind;    /* enum detect_entity_kind */
	char entity_name[DETECT_LABEL_MAX];
	int64_t start_us;       /* first failure, backdated to the first failed probe */
	int64_t end_us;         /* last layer back, backdated; 0 while open */
	int64_t opened_us;      /* bin end at which it was announced */
	int64_t closed_us;      /* bin end at which it was closed; 0 while open */
	int64_t round_us;       /* the entity's probe round (resolution of the times) */
	bool open;
	bool flapping;
	bool start_uncertain;   /* began while the monitor was blind */
	uint16_t relapses;
	uint32_t layers;        /* LAYER_BIT of every layer that failed */
	uint32_t layers_down;   /* of which went fully DOWN */
	int64_t layer_fail_us[LAYER__COUNT]; /* first failure of each layer, 0 if none */
	int64_t layer_back_us[LAYER__COUNT]; /* last recovery of each layer, 0 if none */
	float peak_severity;    /* 0..1 */
	float confidence;       /* share of the cause's discriminators that fired, 0..1 */
	uint8_t cause;          /* enum detect_cause */
	uint8_t prev_cause;     /* before the last revision (== cause if none) */
	uint16_t revisions;
	uint32_t disc;          /* bit per discriminator that fired */
	uint32_t disc_listed;   /* bits of the discriminators the cause is judged on */
	int64_t disc_us[DISC__COUNT]; /* when each fired */
	struct detect_step *steps; /* owned by the detector; in the order recorded */
	size_t nsteps, capsteps;
};

enum detect_change { DETECT_OPENED, DETECT_CHANGED, DETECT_CLOSED };
#define DETECT_WHAT_CAUSE 1u    /* the cause was revised: prev_cause -> cause */
#define DETECT_WHAT_LAYERS 2u   /* a layer failed or came back */
#define DETECT_WHAT_FLAPPING 4u /* the event became flapping */
#define DETECT_WHAT_RELAPSE 8u  /* the entity failed again before the close */
#define DETECT_WHAT_MONITOR 16u /* the monitor went blind or came back meanwhile */

struct detect_hooks {
	void *arg; /* borrowed, passed back */
	/* An event opened, changed (what: DETECT_WHAT_* bits) or closed. */
	void (*event)(void *arg, const struct detect_event *ev, int change, unsigned what);
	/* One entity's signals for a closed bin (the monitor's too, entity 0). */
	void (*signals)(void *arg, const struct detect_signals *s);
	/* A target's layer state changed. */
	void (*target)(void *arg, const struct detect_target_state *st);
};

/* ---- The API ---- */

struct detect;

/* params and hooks are copied; either may be NULL (defaults, no hooks). */
struct detect *detect_new(const struct detect_params *params, const struct detect_hooks *hooks);
void detect_free(struct detect *d);

/* Declares an entity; name is copied (truncated to DETECT_LABEL_MAX-1). Ids start at 1. */
int detect_entity_add(struct detect *d, const char *name, int kind, uint32_t *id) MUSTCHECK;

struct detect_target_spec {
	uint32_t id;          /* the watcher's target index, as in struct obs.target */
	uint32_t entity;      /* owning entity; ignored (DETECT_MONITOR) for ROLE_CONTROL */
	int role;             /* enum role */
	int64_t interval_us;  /* probe interval: the target's round */
	unsigned flags;       /* DETECT_TARGET_* */
	const char *label;    /* borrowed for the call: "198.51.100.1" or a name */
};
/* A router address on the upstream side of the border link: it stays reachable when
 * the entity's prefixes are withdrawn, so it tells "equipment alive" from "cut". */
#define DETECT_TARGET_BORDER_LINK 1u

/* Targets may be added at any time (e.g. routers found by traceroute). ERR_EXISTS if
 * the id is taken, ERR_NOTFOUND for an unknown entity, ERR_INVAL for a bad role or
 * interval, ERR_RANGE for an id >= DETECT_MAX_TARGET. */
#define DETECT_MAX_TARGET (1u << 22)
int detect_target_add(struct detect *d, const struct detect_target_spec *spec) MUSTCHECK;

/* Declares a watched prefix of an entity; label copied ("175.45.176.0/22"). */
int detect_prefix_add(struct detect *d, uint32_t entity, const char *label, uint32_t *id) MUSTCHECK;

struct detect_bgp_sample {
	int64_t time_us;   /* when the collector saw this visibility */
	uint32_t prefix;   /* id from detect_prefix_add */
	uint16_t visible;  /* peers that have a route to the prefix */
	uint16_t peers;    /* peers in the session set (0: no data) */
};

/* Feed inputs. 0, or ERR_NOTFOUND (undeclared target/prefix), ERR_RANGE (older than
 * the last closed bin: counted in stats and dropped), ERR_INVAL (bad values). */
int detect_feed(struct detect *d, const struct obs *o) MUSTCHECK;
int detect_feed_bgp(struct detect *d, const struct detect_bgp_sample *s) MUSTCHECK;

/* Closes every bin that ends at or before now - late_us: applies its inputs, computes
 * signals, opens/changes/closes events, calls the hooks. Returns the number of bins
 * closed (>= 0). Time never goes back: an earlier now closes nothing. */
int detect_tick(struct detect *d, int64_t now_us);
/* Closes every bin that holds a buffered input (end of a replay). Returns bins closed. */
int detect_drain(struct detect *d);

/* Getters (pointers owned by d, see the ownership note above). */
const struct detect_target_state *detect_target(const struct detect *d, uint32_t id);
const char *detect_target_label(const struct detect *d, uint32_t id); /* NULL if unknown */
size_t detect_entity_count(const struct detect *d); /* including the monitor, id 0 */
const char *detect_entity_name(const struct detect *d, uint32_t entity);
/* The last closed bin's signals of an entity; NULL before the first bin. */
const struct detect_signals *detect_signals_last(const struct detect *d, uint32_t entity);
size_t detect_event_count(const struct detect *d);
const struct detect_event *detect_event_at(const struct detect *d, size_t i);
const struct detect_event *detect_event_find(const struct detect *d, uint64_t id);
/* The entity's open event, or NULL. */
const struct detect_event *detect_event_open(const struct detect *d, uint32_t entity);
/* Forgets closed events that ended before t (memory bound for long runs). */
void detect_prune(struct detect *d, int64_t before_us);
/* End of the last closed bin (0 before the first). */
int64_t detect_closed_until(const struct detect *d);

struct detect_stats {
	uint64_t obs, obs_late, obs_unknown, bgp, bgp_late, bgp_unknown;
	uint64_t bins, candidates_dropped, events_opened, events_closed, cause_revisions;
};
void detect_stats(const struct detect *d, struct detect_stats *out);

/* ---- Rendering (render.c): self-contained, an event needs no detector ---- */

/* The timeline in words, one line per step, then the cause with its evidence:
 *   "21:05 network stress (RTT 3.1x baseline, loss 12%)\n21:08 mail down ..." */
void detect_event_text(struct buf *b, const struct detect_event *ev);
/* One line for alerts: "21:05 network stress (RTT 3.1x baseline); 21:08 mail down;
 * ...; cause: cascade (network stress, e.g. a DDoS)". No newline. */
void detect_event_summary(struct buf *b, const struct detect_event *ev);
/* One JSON object (no newline). */
void detect_event_json(struct buf *b, const struct detect_event *ev);
/* The two JSON columns of store/store.h's struct store_event, in the shape it reads:
 *   timeline: [{"time_us":...,"layer":"web","target":"203.0.113.80","change":"down",
 *               "text":"web down (0/2 answering; ...)"}, ...]   (oldest first)
 *   evidence: {"summary":"...","layers_failed":["rtt","web",...],"layers_recovered":[...],
 *              "evidence":["stress-before at 22:10: ...", ...], "not_seen":[...],
 *              "discriminators":[{"name","time_us","for_cause"}], "previous_cause",
 *              "revisions", "flapping", "relapses", "start_uncertain", "event":{...}}
 * "change" is down, degraded or back for layer steps, else the step kind; "rtt" or
 * "loss" leads layers_failed when a rise came first. A stable store key for an event
 * is "<entity name>/<start_us>": replaying the same observations gives the same. */
void detect_event_timeline_json(struct buf *b, const struct detect_event *ev);
void detect_event_evidence_json(struct buf *b, const struct detect_event *ev);
void detect_signals_json(struct buf *b, const struct detect_signals *s);
void detect_target_json(struct buf *b, const struct detect_target_state *st, const char *label);

#endif
