/*
 * watch.h - the watcher: blackout's main job, `blackout watch`.
 *
 * It owns one libuv loop and every component on it, and glues them together:
 *
 *   scheduler (sched.c) --ICMP/TCP--> probe engines ---+
 *        |   one uv_timer per (target, probe),          |  probe_done / probe_done_cb
 *        +--HTTP/DNS/SMTP--> http/dns/smtp probes -----+
 *                                                      v
 *                          struct obs --> detect_feed()      (pure detector)
 *                                    \--> store_queue_obs()  (queue; flusher thread writes)
 *   BGP collector --route events--> vis --bin rows--> detect_feed_bgp(), store_queue_bgp()
 *   tick timer (1 s) --> detect_tick(now) --hooks--> store_queue_event / _signal / _target_bin
 *                                                \--> pending alerts --after the flush that
 *                                                     committed the event--> alert_notify()
 *   HTTP server --serve_api_handle--> serve_provider (provider.c): a read-only
 *                                     store handle + the live detector and engines
 *
 * Nothing on the loop blocks: probes are asynchronous, store writes go through
 * the queue and the flusher's worker thread; the only synchronous SQLite use on
 * the loop is the alert outbox (rare) and the API's bounded reads.
 *
 * Restart: watch_new replays the recent observations of the store (the last
 * hour, or since the oldest event still open) into the fresh detector, so an
 * open event stays open and keeps its key ("<entity>/<start_us>", the store row
 * and its id stay the same); no alert is sent for what the replay re-finds.
 *
 * States:
 *
 *   watch_new --> STARTING --watch_run: timers, engines, server--> RUNNING
 *                                                                    |
 *        SIGINT / SIGTERM / --duration timer / watch_stop            |
 *                                                                    v
 *   (uv_run returns) <-- every handle closed, last flush done <-- STOPPING
 *
 * In STOPPING results still arriving (cancelled probes) are dropped; the
 * flusher writes what was queued before its timer closes.
 *
 * Ownership: the config is borrowed and must outlive the watch; everything
 * else (loop, store handles, detector, engines, server, alerters, collector)
 * is owned by struct watch and released by watch_free.
 */
#ifndef BLACKOUT_WATCH_WATCH_H
#define BLACKOUT_WATCH_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/err.h"
#include "detect/detect.h"

struct store;

#define WATCH_REPLAY_DEFAULT_US (3600 * INT64_C(1000000)) /* replayed at start */

struct watch_options {
	const char *db_path;  /* borrowed; NULL: cfg->store.path */
	int64_t duration_us;  /* > 0: stop by itself after this long; 0: until a signal */
	int64_t replay_us;    /* history replayed at start; 0: WATCH_REPLAY_DEFAULT_US, < 0: none */
	bool no_http;         /* do not serve the API even if the config asks */
};

struct watch;

/* Opens the store, syncs the config into it, builds the detector and replays
 * recent history. Nothing is probed yet. On failure returns a negative ERR_*
 * with a sentence in err and *out is NULL. cfg is borrowed. */
int watch_new(const struct config *cfg, const struct watch_options *opt, struct watch **out,
	      char *err, size_t errlen) MUSTCHECK;
/* Starts probing, the BGP collector, the API and alerts, and runs the loop
 * until stopped (signal, duration, watch_stop). Returns 0 after a clean stop,
 * or a negative ERR_* (with err) when a component could not start. */
int watch_run(struct watch *w, char *err, size_t errlen) MUSTCHECK;
/* Begins the orderly stop (from a callback on the loop). */
void watch_stop(struct watch *w);
/* Where the API listens ("127.0.0.1:9797"), "" when not serving. Borrowed. */
const char *watch_api_address(const struct watch *w);
void watch_free(struct watch *w);

/* ---- shared with `blackout replay` (model.c) ---- */

/* Detector parameters for a config: bin = the smallest probe interval (the base
 * round), late = the longest a probe can take (at least one bin), BGP hold time. */
void watch_detect_params(const struct config *cfg, struct detect_params *p);

/* Declares the config's entities, targets (id = index in cfg->targets) and
 * prefixes to d. ent_ids[cfg->n_entities] receives each entity's detector id;
 * prefix_ids (may be NULL) receives, for each entity prefix in config order
 * (entity 0's prefixes first), its detector id. */
int watch_declare(struct detect *d, const struct config *cfg, uint32_t *ent_ids,
		  uint32_t *prefix_ids) MUSTCHECK;

/* Maps the store's target ids to config target indices (by name): fills
 * store_ids[cfg->n_targets] (0 when the store does not know the target). */
int watch_store_target_ids(struct store *st, const struct config *cfg, int64_t *store_ids) MUSTCHECK;

/* Feeds every stored observation of vantage in [from, until) whose target is
 * in store_ids into d, in time order, ticking the detector as time passes.
 * progress (may be NULL) is called about every 10000 rows with the row's time.
 * *fed (may be NULL) receives how many observations were fed. */
int watch_replay(struct store *st, struct detect *d, const int64_t *store_ids, size_t n_targets,
		 uint16_t vantage, int64_t from_us, int64_t until_us,
		 void (*progress)(void *arg, int64_t time_us), void *arg, uint64_t *fed) MUSTCHECK;

/* A stored event as the API shows it (serve/provider.h struct serve_event,
 * evidence lists read from its JSON with store_event_strings): calls
 * emit(arg, e) once, e borrowed for the call; returns emit's value or a
 * negative ERR_* from the store. (provider.c) */
struct store_event_row;
struct serve_event;
int watch_serve_event(struct store *st, const struct store_event_row *row,
		      int (*emit)(void *arg, const struct serve_event *e), void *arg) MUSTCHECK;

/* The stable store key of an event: "<entity name>/<start_us>". */
void watch_event_key(const struct detect_event *ev, char *buf, size_t n);

#endif
