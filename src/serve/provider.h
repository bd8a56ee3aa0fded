/*
 * provider.h - what the HTTP API, /metrics and the dashboard ask of the watcher.
 *
 * The serve module owns no data. Everything it shows comes through one
 * struct serve_provider: a context pointer and one function per question. The
 * watcher implements it over the store and the detector; tests implement it
 * over a fixture file (tests/helpers/serve_fixture.c).
 *
 * Shape of every query: the provider walks its rows and calls the EMIT
 * callback it was given once per row, with a struct whose pointers are
 * BORROWED FOR THE DURATION OF THAT EMIT CALL ONLY (the provider may reuse one
 * struct and one row buffer for every row; serve copies what it keeps).
 * Rules for all query functions:
 *   - they are called on the loop thread, from the HTTP handler, and must not
 *     block for long: answer from memory or with bounded store queries;
 *   - they return 0 after emitting every row (possibly none), ERR_NOTFOUND when
 *     the entity/target/event named does not exist (-> HTTP 404), or another
 *     negative ERR_* when they could not answer (-> HTTP 500, message logged);
 *   - when emit returns non-zero the provider stops walking and returns 0
 *     (serve uses this to stop at a limit);
 *   - any function pointer may be NULL: the endpoint then answers 501
 *     "not available" and /metrics leaves that family out.
 * Times are wall-clock UTC microseconds (core/clock.h); 0 means "none/unknown".
 * Strings may hold anything a config or a remote server put there: serve
 * escapes them wherever they go (JSON, Prometheus labels, Slack text, HTML).
 */
#ifndef BLACKOUT_SERVE_PROVIDER_H
#define BLACKOUT_SERVE_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

/* A watched thing: a country, an AS, a prefix, a named group. */
struct serve_entity {
	const char *id;    /* stable key used in URLs ("kp", "AS131279"); never NULL */
	const char *name;  /* for people ("North Korea"); NULL = use id */
	const char *kind;  /* "country", "as", "prefix", "group"; NULL = unknown */
	const char *state; /* "up", "down", "degraded", "unknown"; NULL = unknown */
	uint32_t n_targets;
	uint64_t open_event; /* id of the entity's open event, 0 = none */
};

/* A probed target and its current state (from the detector's k-of-n state). */
struct serve_target {
	const char *id;      /* stable key used in URLs (the config's target name); never NULL */
	const char *entity;  /* owning entity's id; never NULL */
	const char *address; /* what is probed: address, URL or name; may be NULL */
	const char *role;    /* role_name() from core/obs.h: "router", "dns", ... */
	const char *probe;   /* probe_kind_name(): "icmp", "tcp", ... */
	const char *state;   /* "up", "down", "suspect", "unknown" */
	int64_t since_us;    /* when the current state began; 0 unknown */
	int64_t last_us;     /* time of the last observation; 0 never */
	int last_outcome;    /* enum outcome of the last observation; -1 none */
	double rtt_ms;       /* last round-trip time; < 0 when the last probe got no answer */
	uint64_t sent;       /* probes sent to this target since the watcher started */
	uint64_t answered;   /* of those, answered as expected */
};

/* One signal of one entity's layer over time, in native bins. Layers are
 * "router", "dns", "mail", "web", "host" (role names) and "bgp"; metrics are
 * "up" (fraction of the layer's targets answering, 0..1), "rtt_ms" (median
 * RTT), "loss" (fraction of probes lost, 0..1), "visibility" (bgp: fraction of
 * peers that see the entity's prefixes, 0..1). */
struct serve_series {
	const char *layer;    /* never NULL */
	const char *metric;   /* never NULL */
	int64_t start_us;     /* start of the bin of values[0] */
	int64_t step_us;      /* native bin width, > 0 */
	size_t n;             /* number of bins */
	const double *values; /* n values, NaN = no data in that bin */
};

/* Current value of each (entity, layer): what /metrics exports. NaN = no data. */
struct serve_layer_now {
	const char *entity; /* never NULL */
	const char *layer;  /* never NULL */
	double up;          /* fraction answering, 0..1 */
	double rtt_ms;      /* median RTT */
	double loss;        /* fraction lost, 0..1 */
};

/* One line of an event's timeline: what changed when. */
struct serve_step {
	int64_t time_us;
	const char *layer;  /* "router", "dns", "mail", "web", "host", "bgp", "control" */
	const char *target; /* target id, or NULL when the step is about the whole layer */
	const char *change; /* "rtt-rise", "loss-rise", "down", "up", "withdrawn", "announced", ... */
	const char *text;   /* one sentence for people, or NULL ("mail servers stopped answering") */
};

/* An outage event as the detector describes it. */
struct serve_event {
	uint64_t id;         /* > 0, stable (URLs, alerts) */
	const char *entity;  /* never NULL */
	const char *cause;   /* "cascade", "abrupt", "routing", "dns", "partial", "vantage-local", "unknown" */
	double severity;     /* peak fraction of the entity's layers/targets down, 0..1 */
	double confidence;   /* 0..1 */
	int64_t start_us;
	int64_t end_us;      /* 0 while the event is open */
	const char *summary; /* one sentence, or NULL */
	const char *const *layers_failed;    /* layers in the order they failed; n_layers_failed */
	size_t n_layers_failed;
	const char *const *layers_recovered; /* layers in the order they came back */
	size_t n_layers_recovered;
	const char *const *evidence; /* sentences that led to the cause; n_evidence */
	size_t n_evidence;
};

/* BGP visibility of one watched prefix. */
struct serve_bgp {
	const char *prefix;  /* "175.45.176.0/22"; never NULL */
	const char *entity;  /* owning entity id, or NULL */
	uint32_t origin_as;  /* 0 unknown */
	uint32_t peers;      /* peers (collectors' sessions) that report on it */
	uint32_t peers_seeing; /* of those, how many have a route now */
	int64_t changed_us;  /* last announce/withdraw seen; 0 unknown */
};

/* One raw observation of one target. */
struct serve_obs {
	int64_t time_us;
	const char *probe;  /* probe_kind_name() */
	int outcome;        /* enum outcome */
	double rtt_ms;      /* < 0 when no answer */
	uint16_t vantage;   /* monitor id, 0 = this one */
	const char *detail; /* short text (probe message), or NULL */
};

/* Counters of the probe engine since start. */
struct serve_engine_stats {
	uint64_t sent, answered, timeouts;
	uint32_t in_flight;
	uint32_t pending;    /* accepted and not final: waiting for the rate limit or in flight */
	uint64_t rounds_skipped; /* rounds not started because the last was still running */
	double probes_per_s; /* recent send rate */
	int64_t started_us;  /* wall clock at start */
};

/* One alert hook's counters since start (serve/alert.h fills them). */
struct serve_alert_sink {
	const char *sink;   /* "webhook:NAME" or "exec:NAME" */
	uint64_t queued;    /* alerts queued for it */
	uint64_t delivered; /* delivery attempts that went through */
	uint64_t failed;    /* delivery attempts that failed (each retry counts) */
	size_t pending;     /* alerts waiting for it: its depth of the outbox */
};

typedef int (*serve_entity_emit)(void *arg, const struct serve_entity *e);
typedef int (*serve_target_emit)(void *arg, const struct serve_target *t);
typedef int (*serve_series_emit)(void *arg, const struct serve_series *s);
typedef int (*serve_layer_emit)(void *arg, const struct serve_layer_now *l);
typedef int (*serve_event_emit)(void *arg, const struct serve_event *e);
typedef int (*serve_step_emit)(void *arg, const struct serve_step *s);
typedef int (*serve_bgp_emit)(void *arg, const struct serve_bgp *b);
typedef int (*serve_obs_emit)(void *arg, const struct serve_obs *o);
typedef int (*serve_alert_sink_emit)(void *arg, const struct serve_alert_sink *s);

/* Every entity, in the order the config lists them. */
typedef int (*serve_entities_fn)(void *ctx, serve_entity_emit emit, void *arg);

/* Every target (entity == NULL) or the targets of one entity (ERR_NOTFOUND if
 * there is no such entity), with their current state. */
typedef int (*serve_targets_fn)(void *ctx, const char *entity, serve_target_emit emit, void *arg);

/* The signals of one entity whose bins overlap [from_us, until_us]: one emit
 * per (layer, metric), values in native bins, oldest first. serve downsamples.
 * The provider should not return more than a few days of bins per call; serve
 * asks for at most SERVE_MAX_RANGE_S (api.h). ERR_NOTFOUND: no such entity. */
typedef int (*serve_signals_fn)(void *ctx, const char *entity, int64_t from_us, int64_t until_us,
				serve_series_emit emit, void *arg);

/* The latest value of every (entity, layer). */
typedef int (*serve_layers_now_fn)(void *ctx, serve_layer_emit emit, void *arg);

/* Events that were open at some time at or after since_us (open ones, and
 * closed ones with end_us >= since_us), newest start first. */
typedef int (*serve_events_fn)(void *ctx, int64_t since_us, serve_event_emit emit, void *arg);

/* One event: emit_event once, then emit_step for each line of its timeline,
 * oldest first. ERR_NOTFOUND when there is no such event. */
typedef int (*serve_event_fn)(void *ctx, uint64_t id, serve_event_emit emit_event,
			      serve_step_emit emit_step, void *arg);

/* Every watched prefix with its visibility now. */
typedef int (*serve_bgp_fn)(void *ctx, serve_bgp_emit emit, void *arg);

/* Observations of one target in [from_us, until_us], newest first, at most
 * limit of them. ERR_NOTFOUND: no such target. */
typedef int (*serve_observations_fn)(void *ctx, const char *target, int64_t from_us,
				     int64_t until_us, size_t limit, serve_obs_emit emit, void *arg);

/* Fills the engine counters. */
typedef int (*serve_engine_fn)(void *ctx, struct serve_engine_stats *out);

/* Every alert hook's counters, in configuration order. */
typedef int (*serve_alerts_fn)(void *ctx, serve_alert_sink_emit emit, void *arg);

struct serve_provider {
	void *ctx; /* borrowed: passed to every function; outlives the server */
	serve_entities_fn entities;
	serve_targets_fn targets;
	serve_signals_fn signals;
	serve_layers_now_fn layers_now;
	serve_events_fn events;
	serve_event_fn event;
	serve_bgp_fn bgp;
	serve_observations_fn observations;
	serve_engine_fn engine;
	serve_alerts_fn alerts; /* may be NULL: no alert series */
};

#endif
