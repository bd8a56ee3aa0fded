/*
 * alert.h - telling people: a webhook and an exec hook on every event change.
 *
 * The watcher calls alert_notify() when an event opens, when its cause or
 * severity changes, and when it closes (a restoration is an alert too). For
 * each configured hook ("sink") the alert is first written to an OUTBOX that
 * the caller provides (the store's alert outbox table in the watcher; a file
 * or memory in tests), then delivered in the background on the same libuv
 * loop, so probing never waits for a slow receiver:
 *
 *   - webhook: HTTP(S) POST of the payload (JSON, Slack/Mattermost-compatible
 *     "text" field unless the hook says no_text; the hook's extra headers)
 *     through libcurl's multi interface driven by uv_poll and uv_timer;
 *     delivered = a 2xx answer within the timeout (no redirects);
 *   - exec: uv_spawn of argv with the payload on stdin; delivered = exit 0
 *     within the timeout, after which the child is killed (SIGKILL).
 *
 * Each hook gets only the kinds of alert in its `kinds` mask (open, update,
 * close); alert_notify() skips the others for it (nothing is queued).
 *
 * Delivery is at least once, in order, per sink: one alert in flight per
 * sink, the oldest first, so "restored" never overtakes "outage". A failed
 * attempt is rescheduled with exponential backoff (alert_backoff_us) and
 * recorded in the outbox; alerts are never dropped, only retried until they
 * go through, also across restarts (alert_new() reloads what is pending). An
 * alert whose delivery was under way when the program stopped is sent again.
 *
 * Per pending alert:   enqueued --try--> in flight --2xx/exit 0--> sent (mark_sent)
 *                                  ^                 |
 *                                  +--timer-- waiting <--failure (reschedule)
 *
 * The program must ignore SIGPIPE (an exec hook may exit without reading).
 */
#ifndef BLACKOUT_SERVE_ALERT_H
#define BLACKOUT_SERVE_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/buf.h"
#include "core/err.h"
#include "serve/provider.h"

enum alert_kind { ALERT_OPEN, ALERT_UPDATE, ALERT_CLOSE };
#define ALERT_KIND_BIT(k) (1u << (k)) /* for the kinds masks below */
#define ALERT_KINDS_ALL 7u

/* One undelivered alert as the outbox lists it. Pointers are borrowed for
 * the duration of the emit call. */
struct alert_pending {
	uint64_t id;         /* > 0, from enqueue; ids grow with time */
	const char *sink;    /* "webhook:NAME" or "exec:NAME" */
	const char *payload; /* the JSON body, exactly as enqueued */
	uint32_t attempts;   /* failed attempts so far */
	int64_t next_us;     /* wall clock of the next try (0 = now) */
};

typedef int (*alert_pending_emit)(void *arg, const struct alert_pending *p);

/* Where alerts wait until delivered. Every function returns 0 or a negative
 * ERR_*; all are called on the loop thread; strings are borrowed for the call.
 * The outbox must keep what it was given across a crash once the call returned. */
struct alert_outbox {
	void *ctx; /* borrowed; passed to every function; outlives the alerter */
	/* Stores a new alert for sink, sets *id (unique, > every id before it). */
	int (*enqueue)(void *ctx, const char *sink, const char *payload, int64_t created_us, uint64_t *id);
	/* A delivery attempt failed: remember the count, when to try next, and why. */
	int (*reschedule)(void *ctx, uint64_t id, uint32_t attempts, int64_t next_us, const char *why);
	/* Delivered: list_pending never lists it again. */
	int (*mark_sent)(void *ctx, uint64_t id, int64_t sent_us);
	/* Emits every undelivered alert, by increasing id. */
	int (*list_pending)(void *ctx, alert_pending_emit emit, void *arg);
};

/* An extra request header of a webhook. */
struct alert_header {
	const char *name;  /* borrowed; letters, digits, '-' and '_' only */
	const char *value; /* borrowed; no CR or LF; may be empty */
};

struct alert_webhook {
	const char *name;    /* borrowed; unique among webhooks; names the sink */
	const char *url;     /* borrowed; http:// or https:// */
	unsigned timeout_ms; /* per attempt; 0 = 10000 */
	unsigned kinds;      /* ALERT_KIND_BIT()s this hook gets; 0 = all */
	bool no_text;        /* leave out the "text" field */
	const struct alert_header *headers; /* borrowed array of n_headers, sent after Content-Type
					     * (a Content-Type here replaces ours) */
	size_t n_headers;
};

struct alert_exec {
	const char *name;    /* borrowed; unique among exec hooks */
	char *const *argv;   /* borrowed; argv[0] is the program (a path), NULL-terminated */
	unsigned timeout_ms; /* per attempt; 0 = 10000 */
	unsigned kinds;      /* ALERT_KIND_BIT()s this hook gets; 0 = all */
};

struct alert_config {
	const struct alert_webhook *webhooks; /* borrowed array of n_webhooks */
	size_t n_webhooks;
	const struct alert_exec *execs; /* borrowed array of n_execs */
	size_t n_execs;
	int64_t backoff_base_us; /* first retry delay; 0 = 5 s */
	int64_t backoff_max_us;  /* cap; 0 = 1 h */
	const char *dashboard_url; /* borrowed, or NULL: "http://host:port", for links in the text */
};

struct alerter;

/* Creates the alerter, copies cfg (strings included), loads every pending
 * alert from the outbox and starts delivering them. Returns 0, or ERR_INVAL
 * (bad config: message in err) or the outbox's error. */
int alert_new(uv_loop_t *loop, const struct alert_config *cfg, const struct alert_outbox *outbox,
	      struct alerter **out, char *err, size_t errlen) MUSTCHECK;

/* Queues one alert for event e (copied) on every sink whose kinds include
 * kind, and starts delivery.
 * Returns 0, or the outbox's error (the alert is then still tried from memory
 * but would not survive a restart; the error is logged). */
int alert_notify(struct alerter *a, enum alert_kind kind, const struct serve_event *e, int64_t now_us);

/* Counts since alert_new, for tests and /metrics: in total or per sink.
 * pending counts what waits in memory (loaded from the outbox at start
 * included); queued counts what alert_notify queued. */
struct alert_stats {
	uint64_t queued, delivered, failed_attempts;
	size_t pending;
};
void alert_get_stats(const struct alerter *a, struct alert_stats *out);

/* Calls emit with each sink's counts (the sink name is borrowed for the
 * call), in configuration order; stops at and returns the first non-zero
 * return of emit, else 0. The shape of serve_provider.alerts. */
int alert_each_sink(const struct alerter *a, serve_alert_sink_emit emit, void *arg);

/* Stops every attempt under way (they stay pending in the outbox) and frees
 * the alerter once its handles are closed (run the loop). NULL is a no-op. */
void alert_free(struct alerter *a);

/* ---- pure parts, for tests ---- */

/* The delay before retry number `attempts` (attempts >= 1 failed so far):
 * base * 2^(attempts-1), at most max. */
int64_t alert_backoff_us(uint32_t attempts, int64_t base_us, int64_t max_us);

/* Appends the one-line message for people (Slack/Mattermost mrkdwn; &, <, >
 * in names escaped as Slack requires). */
void alert_text(struct buf *b, enum alert_kind kind, const struct serve_event *e,
		const char *dashboard_url, int64_t now_us);

/* Appends the JSON payload: {"text":...,"kind":"open|update|close",
 * "event":{serve_event_json},"url":... or null}; without "text" if !with_text. */
void alert_payload(struct buf *b, enum alert_kind kind, const struct serve_event *e,
		   const char *dashboard_url, int64_t now_us, bool with_text);

const char *alert_kind_name(enum alert_kind k);

#endif
