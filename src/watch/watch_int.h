/*
 * watch_int.h - the watcher's private state, shared by its files:
 *   watch.c     life cycle, detector hooks, store, BGP, signals, alerts
 *   sched.c     the scheduler and the probes
 *   provider.c  the API's serve_provider and the alert outbox
 *   model.c     detector set-up and replay (also used by `blackout replay`)
 * Not for other modules: use watch.h.
 */
#ifndef BLACKOUT_WATCH_INT_H
#define BLACKOUT_WATCH_INT_H

#include <uv.h>

#include "bgp/collector.h"
#include "bgp/visibility.h"
#include "probe/engine.h"
#include "serve/alert.h"
#include "serve/provider.h"
#include "store/store.h"
#include "store/store_uv.h"
#include "watch/watch.h"

enum watch_state { WATCH_STARTING, WATCH_RUNNING, WATCH_STOPPING };

struct http_client;
struct http_server;
struct dns_probe;
struct smtp_probe;
struct http_probe;

/* One (target, probe) pair: its timer and the probe in flight. */
struct watch_job {
	struct watch *w;
	size_t target, probe;    /* indices into cfg->targets / target.probes */
	uv_timer_t timer;
	size_t engine;           /* ICMP/TCP: index into watch.engines */
	bool busy;               /* a probe of this job is in flight */
	bool warned;             /* trace: a start failure was logged already */
	int attempt;             /* HTTP/SMTP: attempts made in this round */
	int64_t sent_wall_us;    /* first attempt of the round */
	void *inflight;          /* http/dns/smtp probe handle, to cancel at stop */
};

/* Per target: what the API shows and what the hostname resolver knows. */
struct watch_tstat {
	uint64_t sent, answered;
	int64_t last_us;
	int last_outcome;        /* -1: none yet */
	double rtt_ms;
	uint32_t bin_n, bin_ok;  /* since the last target-state row */
	/* host name only targets */
	bool resolving, resolved, resolve_failed;
	struct addr addr;
	uv_getaddrinfo_t gai;
};

struct watch_engine {
	int64_t timeout_us;
	int retries;
	struct probe_engine *e;
};

/* Per-layer RTT and loss of one entity in one bin (the detector gives only
 * entity-wide figures); a small ring indexed by bin number. */
#define WATCH_RTT_KEEP 32
struct watch_lacc {
	int64_t bin;             /* bin number, -1 unused */
	uint32_t n, failed, nrtt;
	float rtt[WATCH_RTT_KEEP];
};

struct watch_alerter {
	struct watch *w;
	const struct config_alert *ca;
	char sink[160];          /* "webhook:NAME" / "exec:NAME" */
	struct alert_outbox outbox;
	struct alerter *a;
};

struct watch_key {
	uint64_t det_id;
	char *key;               /* owned */
};

struct watch_pending_alert {
	enum alert_kind kind;
	char *key;               /* owned */
};

struct watch {
	const struct config *cfg; /* borrowed */
	struct watch_options opt;
	char *db_path;           /* owned */
	uv_loop_t loop;
	bool loop_inited;
	enum watch_state state;
	int64_t started_wall_us;

	/* store */
	struct store *st, *ro;   /* writer (queue, flusher, outbox) and API reader */
	struct store_flusher flusher;
	bool flusher_on;
	int64_t *store_ent;      /* cfg entity index -> store id */
	int64_t *store_tgt;      /* cfg target index -> store id */

	/* detector */
	struct detect *d;
	struct detect_params params;
	uint32_t *det_ent;       /* cfg entity index -> detector id */
	size_t *ent_of_det;      /* detector entity id -> cfg entity index (+1; 0 monitor) */
	size_t n_det_ent;
	bool replaying;          /* hooks write events only, no alerts, no signals */
	struct watch_key *keys;
	size_t n_keys, cap_keys;
	struct watch_lacc *lacc; /* [n_entities + 1][ROLE__COUNT][lacc_ring] */
	size_t lacc_ring;

	/* probing */
	struct watch_job *jobs;
	size_t n_jobs;
	struct watch_engine *engines;
	size_t n_engines;
	struct http_client *http;
	struct watch_tstat *ts;  /* [cfg->n_targets] */
	uint64_t eng_sent_prev;
	int64_t eng_rate_mono_us;
	double probes_per_s;
	uint64_t rounds_skipped;  /* a job's timer fired while its last round still ran */

	uv_timer_t tick, stop_timer;
	uv_signal_t sigint, sigterm;
	bool timers_on, stop_timer_on, signals_on;

	/* BGP */
	struct collector *col;
	struct vis *vis;
	struct vis_watch *vw;
	uint32_t *vw_prefix;     /* detector prefix id, UINT32_MAX: not declared */
	size_t *vw_entity;       /* cfg entity index, CONFIG_NO_ENTITY for bgp.prefixes */
	unsigned *vw_peers_up;   /* peers up at the last bin row of each watched prefix */
	size_t n_vw;

	/* serve */
	struct http_server *srv;
	struct serve_provider prov;
	char api_addr[ADDR_PORT_STRLEN];
	struct watch_alerter *alerters;
	size_t n_alerters;
	struct watch_pending_alert *pending;
	size_t n_pending, cap_pending;
};

/* sched.c */
int watch_sched_start(struct watch *w, char *err, size_t errlen) MUSTCHECK;
void watch_sched_stop(struct watch *w);
/* one result, whoever produced it */
void watch_record(struct watch *w, size_t target, int kind, int64_t sent_us, int outcome,
		  double rtt_ms, const char *detail_json);

/* provider.c */
void watch_provider_init(struct watch *w);
void watch_outbox_init(struct watch_alerter *wa);

#endif
