/*
 * store.h - what blackout saw, kept in one SQLite file (WAL).
 *
 * Tables (schema in store_schema.c, versioned with PRAGMA user_version and
 * migrated forward on open; a file from a newer blackout is refused):
 *   meta, vantages, entities, targets      what is watched, by whom
 *   obs            raw observations (target, probe kind, vantage, time, outcome, RTT, detail JSON)
 *   obs_agg        per-bin aggregates of raw observations past their retention
 *   latest         the newest observation per (target, kind, vantage), for status
 *   target_bins    per-bin target state, as the detector computed it
 *   signals        per-bin signals per entity, layer and metric (web/up, web/rtt_ms, bgp/visibility ...)
 *   bgp            BGP visibility samples per prefix
 *   events         outage events with cause, evidence and timeline (JSON), open or closed
 *   alerts         the alert outbox: pending / sent / failed, with attempts (written
 *                  synchronously, see "alert outbox" below)
 * Every row that records something seen carries a vantage id, so stores of
 * several monitors can be merged.
 *
 * Writing: the probing loop never touches SQLite. It appends records to an
 * in-memory queue (store_queue_*: copies, O(1), never blocks, never fails);
 * once per flush interval the queue is written in one transaction. The flush
 * is split in three so its slow middle can run on a libuv worker thread
 * (store_flusher in store_uv.h does exactly that):
 *
 *       store_queue_*()          store_flush_begin()         store_flush_run()
 *   loop ──────────────> queue ────────────────────> batch ─────────────────> SQLite
 *                          ^   (loop thread)                 (any ONE thread)   │
 *                          │        store_flush_end() (loop thread):            │
 *                          └──── on failure the batch goes back to the front ───┘
 *
 * Why a worker thread: a commit in WAL mode with synchronous=NORMAL is a
 * write() to the WAL, but every ~1000 pages SQLite checkpoints and fsyncs,
 * and a loaded disk can take hundreds of milliseconds; probe timers on the
 * loop must not wait for that.
 *
 * Failure (disk full, read-only file, I/O error, lock timeout): the flush
 * returns a negative code and store_errmsg() says what happened; the batch is
 * kept and retried at the next flush. The queue is bounded (queue_max_bytes):
 * past it the oldest raw observations are dropped and counted (events, states
 * and signals are kept). A record that SQLite rejects on its own
 * (e.g. evidence that is not JSON) is skipped and counted, so one bad record
 * never blocks the rest.
 *
 * Crash safety: WAL + synchronous=NORMAL survives a killed process (not a
 * power cut) with every committed transaction; a kill -9 loses the queue and
 * the batch in flight, i.e. at most one flush interval plus the duration of
 * the flush that was running. tests/unit/test_store.c kills a writer mid-flush
 * and checks it.
 *
 * Reading: store_* read functions may be called from any thread, also while a
 * flush runs (WAL readers do not wait for the writer). Each call prepares its
 * own statement on the read connection. Rows are passed to a callback; every
 * pointer in a row is borrowed until the callback returns. A callback returns
 * 0 to go on; anything else stops the walk and is returned by the function.
 *
 * Setup writes (store_set_vantage, store_upsert_*, store_sync_config,
 * store_meta_set, store_maintain) run synchronously on the calling thread and
 * must not overlap a flush in flight (they return ERR_STATE if one is).
 */
#ifndef BLACKOUT_STORE_STORE_H
#define BLACKOUT_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"

#define STORE_DEFAULT_PATH "blackout.db" /* every subcommand's --db default */
#define STORE_SCHEMA_VERSION 2
#define STORE_DETAIL_MAX 16384 /* longer detail JSON is replaced by {"truncated":LEN} */

struct store;
struct config;

struct store_options {
	int64_t raw_retention_us;   /* 0: CONFIG_DEFAULT_RAW_RETENTION_US; INT64_MAX: forever */
	int64_t agg_retention_us;   /* 0: default; INT64_MAX: forever */
	int64_t agg_bin_us;         /* 0: default (5 min) */
	uint64_t queue_max_bytes;   /* 0: default (64 MiB) */
	int64_t maintain_every_us;  /* a retention step after a flush this often: 0 = every
				       minute, < 0 = never (then call store_maintain) */
	bool readonly;              /* reading only (CLI, API); no migration, no writes */
	int max_version;            /* tests: migrate no further than this (0: latest) */
};

/* Opens (creating if needed, unless readonly) and migrates the store at path.
 * opt may be NULL. On failure returns a negative code and writes why into err
 * (ERR_UNSUPPORTED: the file's schema is newer than this program's). */
int store_open(const char *path, const struct store_options *opt, struct store **out, char *err,
	       size_t errlen) MUSTCHECK;
/* Closes without flushing (call store_flush first if the queue matters).
 * A flush must not be in flight. NULL is a no-op. */
void store_close(struct store *st);
/* The last error, for people; "" if none. Borrowed until the next store call. */
const char *store_errmsg(const struct store *st);
int store_schema_version(const struct store *st);

/* ---- setup writes (synchronous) ---------------------------------------- */

struct store_entity {
	const char *name;            /* unique key */
	const char *kind;            /* "country", "as", "prefix", "group" */
	const char *description;     /* may be NULL */
	const char *prefixes_json;   /* may be NULL: ["175.45.176.0/22"] */
	const char *origin_as_json;  /* may be NULL: [131279] */
};

struct store_target {
	const char *name;            /* unique key */
	int64_t entity_id;           /* 0: none (controls) */
	int role;                    /* enum role */
	const char *address;         /* may be NULL */
	const char *host;            /* may be NULL */
};

int store_set_vantage(struct store *st, uint16_t id, const char *name) MUSTCHECK;
int store_upsert_entity(struct store *st, const struct store_entity *e, int64_t *id) MUSTCHECK;
int store_upsert_target(struct store *st, const struct store_target *t, int64_t *id) MUSTCHECK;
/* Upserts the config's vantage, entities and targets (by name) in one
 * transaction and marks targets no longer in it inactive. Fills
 * entity_ids[cfg->n_entities] and target_ids[cfg->n_targets] (caller-owned). */
int store_sync_config(struct store *st, const struct config *cfg, int64_t *entity_ids,
		      int64_t *target_ids) MUSTCHECK;
int store_meta_set(struct store *st, const char *key, const char *value) MUSTCHECK;
/* *value is owned by the caller; ERR_NOTFOUND if the key is absent. */
int store_meta_get(struct store *st, const char *key, char **value) MUSTCHECK;

/* ---- queued writes (loop thread) ----------------------------------------
 * Every struct is borrowed for the call only; strings are copied. */

struct store_obs {
	int64_t time_us;             /* wall clock UTC */
	int64_t target_id;
	uint16_t vantage;
	uint8_t kind;                /* enum probe_kind */
	uint8_t outcome;             /* enum outcome */
	double rtt_ms;               /* < 0 or NaN: no answer */
	const char *detail_json;     /* may be NULL */
};

struct store_target_bin {
	int64_t target_id;
	uint16_t vantage;
	int64_t bin_us, width_us;    /* bin start and width */
	const char *state;           /* "up", "down", "degraded", "unknown", ... */
	int n, n_ok;                 /* probes in the bin, answered */
	double rtt_ms;               /* median RTT of answers, NaN if none */
	double loss;                 /* 0..1 */
};

struct store_signal {
	int64_t entity_id;
	const char *layer;           /* "router", "dns", "mail", "web", "host", "bgp" */
	const char *metric;          /* "up" (NULL), "rtt_ms", "loss", "visibility" */
	uint16_t vantage;
	int64_t bin_us, width_us;
	double value;                /* e.g. fraction of the layer's targets answering */
	double baseline;             /* NaN if none */
	int n;                       /* targets (or peers) counted */
};

struct store_bgp_sample {
	int64_t time_us;
	struct prefix prefix;
	uint16_t vantage;
	int peers_seeing, peers_total;
	uint32_t origin_as;          /* 0 if unknown / withdrawn */
	const char *detail_json;     /* may be NULL */
};

/* An event is inserted or, when its key exists, replaced with these values.
 * The JSON columns are free-form, but store_event_steps() and
 * store_event_strings() read this shape (what serve/provider.h shows):
 *   timeline: [{"time_us":1642194300000000,"layer":"web","target":"www",
 *               "change":"down","text":"web servers stopped answering"}, ...]
 *   evidence: {"summary":"...","layers_failed":["rtt","web","router","bgp"],
 *              "layers_recovered":[...],"evidence":["RTT rose 2 rounds before ...", ...]} */
struct store_event {
	const char *key;             /* caller-chosen unique key, stable across updates */
	int64_t entity_id;
	uint16_t vantage;
	const char *cause;           /* "cascade", "abrupt", ... */
	int64_t start_us;
	int64_t end_us;              /* 0: still open */
	double severity, confidence; /* 0..1 */
	const char *evidence_json;   /* may be NULL; must be JSON */
	const char *timeline_json;   /* may be NULL; must be JSON */
	int64_t updated_us;
};

void store_queue_obs(struct store *st, const struct store_obs *o);
void store_queue_target_bin(struct store *st, const struct store_target_bin *b);
void store_queue_signal(struct store *st, const struct store_signal *s);
void store_queue_bgp(struct store *st, const struct store_bgp_sample *b);
void store_queue_event(struct store *st, const struct store_event *e);

/* ---- flushing ------------------------------------------------------------ */

/* Loop thread: moves the queue into the batch. Returns 1 if there is a batch
 * to write, 0 if the queue was empty, ERR_STATE if a flush is in flight. */
int store_flush_begin(struct store *st) MUSTCHECK;
/* Any one thread, between begin and end: writes the batch in one transaction. */
void store_flush_run(struct store *st);
/* Loop thread: 0 if the batch was written (and freed); a negative code if not
 * (the batch is back at the front of the queue; store_errmsg() says why). */
int store_flush_end(struct store *st) MUSTCHECK;
/* All three on the calling thread. 0 also when there was nothing to write. */
int store_flush(struct store *st) MUSTCHECK;

struct store_stats {
	size_t queued;               /* records waiting */
	uint64_t queued_bytes;
	uint64_t written;            /* records committed, ever */
	uint64_t dropped;            /* observations dropped because the queue was full */
	uint64_t rejected;           /* records SQLite refused (bad JSON, ...) */
	uint64_t flushes, failures;  /* flush transactions committed / failed */
	int64_t last_flush_us;       /* duration of the last flush_run, microseconds */
	int last_error;              /* code of the last failed flush, 0 after a success */
};
void store_get_stats(const struct store *st, struct store_stats *out);

/* Retention: folds raw observations older than now - raw_retention into
 * obs_agg bins (per target, kind, vantage), deletes them, and deletes bins,
 * states, signals and BGP samples older than now - agg_retention. Works on at
 * most max_rows raw rows per call (0: no limit), so it can run in small steps;
 * returns the number of raw rows folded, or a negative code. Synchronous. */
int store_maintain(struct store *st, int64_t now_us, size_t max_rows) MUSTCHECK;

/* ---- reads ----------------------------------------------------------------
 * Row pointers are borrowed until the callback returns. */

struct store_entity_row {
	int64_t id;
	const char *name, *kind, *description, *prefixes_json, *origin_as_json;
	int n_targets;
	int open_events;
};
typedef int (*store_entity_cb)(void *ctx, const struct store_entity_row *row);
int store_entities(struct store *st, store_entity_cb cb, void *ctx) MUSTCHECK;

struct store_target_row {
	int64_t id;
	const char *name;
	int64_t entity_id;           /* 0 for controls */
	const char *entity;          /* NULL for controls */
	const char *role, *address, *host;
	bool active;
	int probes, probes_ok;       /* newest outcome per probe kind: how many kinds, how many ok */
	int64_t last_time_us;        /* newest observation, 0 if none */
	const char *state;           /* newest per-bin state, NULL if none */
	int64_t state_bin_us;
	double rtt_ms;               /* of that bin, NaN if none */
};
typedef int (*store_target_cb)(void *ctx, const struct store_target_row *row);
/* Every target (entity_id 0: all), ordered by entity then name. */
int store_targets(struct store *st, int64_t entity_id, store_target_cb cb, void *ctx) MUSTCHECK;

struct store_obs_row {
	int64_t time_us;
	int64_t target_id;
	uint16_t vantage;
	int kind, outcome;
	double rtt_ms;               /* NaN when there was no answer */
	const char *detail_json;     /* may be NULL */
};
typedef int (*store_obs_cb)(void *ctx, const struct store_obs_row *row);
/* The newest observation of each probe kind of a target. */
int store_latest(struct store *st, int64_t target_id, store_obs_cb cb, void *ctx) MUSTCHECK;
#define STORE_NEWEST_FIRST 1u
/* Raw observations of one target in [from, until), oldest first (or newest
 * first with STORE_NEWEST_FIRST), at most limit (0: all; with a limit, the
 * newest ones either way). */
int store_observations(struct store *st, int64_t target_id, int64_t from_us, int64_t until_us,
		       size_t limit, unsigned flags, store_obs_cb cb, void *ctx) MUSTCHECK;
/* Every raw observation in [from, until) in time order (replay). */
int store_replay(struct store *st, int64_t from_us, int64_t until_us, store_obs_cb cb,
		 void *ctx) MUSTCHECK;

struct store_signal_row {
	int64_t entity_id;
	const char *entity;          /* its name (store_signals_now only; NULL otherwise) */
	const char *layer, *metric;
	int64_t time_us;             /* start of the point's time span */
	int64_t span_us;             /* width the point stands for */
	double value, min, max;      /* mean, min and max of the bins it stands for */
	double baseline;             /* mean baseline, NaN if none */
	int bins;                    /* bins averaged */
};
typedef int (*store_signal_cb)(void *ctx, const struct store_signal_row *row);
/* Signals of an entity in [from, until), each (layer, metric) (or only those
 * of `layer`) at most max_points points (0: every bin): when there are more
 * bins, the range is cut into max_points equal spans and each span's bins are
 * averaged. Ordered by layer, metric, then time. */
int store_signals(struct store *st, int64_t entity_id, const char *layer, int64_t from_us,
		  int64_t until_us, size_t max_points, store_signal_cb cb, void *ctx) MUSTCHECK;
/* The newest bin of every (entity, layer, metric) (from the last hour that
 * entity has signals for), ordered by entity, layer, metric. */
int store_signals_now(struct store *st, store_signal_cb cb, void *ctx) MUSTCHECK;

struct store_bgp_row {
	int64_t time_us;
	const char *prefix;
	uint16_t vantage;
	int peers_seeing, peers_total;
	uint32_t origin_as;
	const char *detail_json;
};
typedef int (*store_bgp_cb)(void *ctx, const struct store_bgp_row *row);
/* Samples in [from, until), for one prefix ("175.45.176.0/24") or all (NULL). */
int store_bgp(struct store *st, const char *prefix, int64_t from_us, int64_t until_us,
	      store_bgp_cb cb, void *ctx) MUSTCHECK;
/* The newest sample of every prefix (per vantage), ordered by prefix. */
int store_bgp_now(struct store *st, store_bgp_cb cb, void *ctx) MUSTCHECK;

struct store_event_row {
	int64_t id;
	const char *key;
	int64_t entity_id;
	const char *entity;
	uint16_t vantage;
	const char *cause;
	int64_t start_us, end_us;    /* end 0: open */
	bool open;
	double severity, confidence;
	const char *evidence_json, *timeline_json; /* may be NULL */
	int64_t updated_us;
};
typedef int (*store_event_cb)(void *ctx, const struct store_event_row *row);
#define STORE_EVENTS_OPEN_ONLY 1u
/* Events still open or ended at or after since_us, oldest start first. */
int store_events(struct store *st, int64_t since_us, unsigned flags, store_event_cb cb,
		 void *ctx) MUSTCHECK;
/* One event by id (or, if key is not NULL, by key); ERR_NOTFOUND if none. */
int store_event(struct store *st, int64_t id, const char *key, store_event_cb cb, void *ctx) MUSTCHECK;

/* The elements of an event's timeline JSON array, oldest first (SQLite's
 * json_each: no JSON parser needed here). Missing fields read as NULL / 0;
 * a timeline that is not an array emits nothing. ERR_NOTFOUND: no such event. */
struct store_step_row {
	int64_t time_us;
	const char *layer, *target, *change, *text;
};
typedef int (*store_step_cb)(void *ctx, const struct store_step_row *row);
int store_event_steps(struct store *st, int64_t id, store_step_cb cb, void *ctx) MUSTCHECK;
/* The strings of the array `key` of an event's evidence object
 * ("layers_failed", "layers_recovered", "evidence"; key is [a-z_]+), in order;
 * when `key` holds one string ("summary"), that string. */
typedef int (*store_string_cb)(void *ctx, const char *s);
int store_event_strings(struct store *st, int64_t id, const char *key, store_string_cb cb,
			void *ctx) MUSTCHECK;

/* ---- the alert outbox ------------------------------------------------------
 * Synchronous, unlike the queue: when a call returns, its change is committed
 * (and survives a crash of the process). They run on the loop thread over a
 * connection of their own and may wait for a flush in progress to commit (its
 * write lock): tens of milliseconds typically, and alerts are rare. They match
 * serve/alert.h's struct alert_outbox one for one. */

struct store_alert {
	const char *sink;            /* "webhook:NAME" / "exec:NAME" */
	const char *payload_json;    /* the body as it will be sent; must be JSON */
	const char *event_key;       /* may be NULL: the event it is about */
	const char *what;            /* may be NULL: "open", "update", "close" */
	uint16_t vantage;
	int64_t created_us;
};

enum store_alert_state { STORE_ALERT_PENDING, STORE_ALERT_SENT, STORE_ALERT_FAILED };

/* Stores a pending alert; *id grows with every call. */
int store_alert_enqueue(struct store *st, const struct store_alert *a, int64_t *id) MUSTCHECK;
/* A failed attempt: the count so far, when to try next, and why. */
int store_alert_reschedule(struct store *st, int64_t id, int attempts, int64_t next_us,
			   const char *why) MUSTCHECK;
/* Delivered (STORE_ALERT_SENT) or given up (STORE_ALERT_FAILED) at when_us. */
int store_alert_finish(struct store *st, int64_t id, enum store_alert_state state,
		       int64_t when_us) MUSTCHECK;

struct store_alert_row {
	int64_t id;
	const char *sink, *payload_json, *event_key, *what; /* event_key, what may be NULL */
	enum store_alert_state state;
	int attempts;
	int64_t next_us, created_us, done_us;
	const char *last_error;
};
typedef int (*store_alert_cb)(void *ctx, const struct store_alert_row *row);
/* Every pending alert, by increasing id. */
int store_alerts_pending(struct store *st, store_alert_cb cb, void *ctx) MUSTCHECK;
/* How many alerts are in a state. */
int store_alert_count(struct store *st, enum store_alert_state state, int64_t *count) MUSTCHECK;

#endif
