/*
 * store_read.c - the store's read functions (status, events, reports, replay,
 * signals with downsampling). Each prepares its own statement on the read
 * connection, so they may run on any thread, also while a flush runs.
 */
#include "store/store_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"

static int prep(struct store *st, const char *sql, sqlite3_stmt **s)
{
	int rc = sqlite3_prepare_v2(st->rdb, sql, -1, s, NULL);
	if (rc != SQLITE_OK) {
		log_warn("store: %s: %s", st->path, sqlite3_errmsg(st->rdb));
		sqlite3_finalize(*s);
		*s = NULL;
		return store_err_from_sqlite(rc) ? store_err_from_sqlite(rc) : ERR_DB;
	}
	return 0;
}

/* Steps s to the end; for each row calls row(s, cb, ctx). Finalizes s. */
static int walk(struct store *st, sqlite3_stmt *s, int (*row)(sqlite3_stmt *, void *, void *),
		void *cb, void *ctx)
{
	int rc, stop = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((stop = row(s, cb, ctx)) != 0)
			break;
	if (!stop && rc != SQLITE_DONE) {
		log_warn("store: %s: %s", st->path, sqlite3_errmsg(st->rdb));
		stop = store_err_from_sqlite(rc) ? store_err_from_sqlite(rc) : ERR_DB;
	}
	sqlite3_finalize(s);
	return stop;
}

typedef int (*row_fn)(sqlite3_stmt *s, void *cb, void *ctx);

/* Prepares sql on the read connection, binds ?1.. from the arguments (one
 * letter of fmt each, see store_bind) and calls row for every row. */
static int query(struct store *st, const char *sql, row_fn row, void *cb, void *ctx, const char *fmt, ...)
{
	sqlite3_stmt *s;
	int rc = prep(st, sql, &s);
	if (rc)
		return rc;
	va_list ap;
	va_start(ap, fmt);
	int brc = store_bind(s, fmt, ap);
	va_end(ap);
	if (brc != SQLITE_OK) {
		log_warn("store: binding a query: %s", sqlite3_errstr(brc));
		sqlite3_finalize(s);
		return ERR_DB;
	}
	return walk(st, s, row, cb, ctx);
}

static const char *text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static double real_or_nan(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
}

/* ---- entities and targets --------------------------------------------------- */

static int entity_row(sqlite3_stmt *s, void *cb, void *ctx)
{
	struct store_entity_row r = {
		.id = sqlite3_column_int64(s, 0),
		.name = text(s, 1),
		.kind = text(s, 2),
		.description = text(s, 3),
		.prefixes_json = text(s, 4),
		.origin_as_json = text(s, 5),
		.n_targets = sqlite3_column_int(s, 6),
		.open_events = sqlite3_column_int(s, 7),
	};
	return ((store_entity_cb)cb)(ctx, &r);
}

int store_entities(struct store *st, store_entity_cb cb, void *ctx)
{
	return query(st,
		     "SELECT e.id, e.name, e.kind, e.description, e.prefixes, e.origin_as, "
		     " (SELECT count(*) FROM targets t WHERE t.entity_id = e.id AND t.active), "
		     " (SELECT count(*) FROM events ev WHERE ev.entity_id = e.id AND ev.end_us IS NULL) "
		     "FROM entities e ORDER BY e.name",
		     entity_row, (void *)cb, ctx, "");
}

static int target_row(sqlite3_stmt *s, void *cb, void *ctx)
{
	struct store_target_row r = {
		.id = sqlite3_column_int64(s, 0),
		.name = text(s, 1),
		.entity_id = sqlite3_column_int64(s, 2),
		.entity = text(s, 3),
		.role = text(s, 4),
		.address = text(s, 5),
		.host = text(s, 6),
		.active = sqlite3_column_int(s, 7) != 0,
		.probes = sqlite3_column_int(s, 8),
		.probes_ok = sqlite3_column_int(s, 9),
		.last_time_us = sqlite3_column_int64(s, 10),
		.state = text(s, 11),
		.state_bin_us = sqlite3_column_int64(s, 12),
		.rtt_ms = real_or_nan(s, 13),
	};
	return ((store_target_cb)cb)(ctx, &r);
}

int store_targets(struct store *st, int64_t entity_id, store_target_cb cb, void *ctx)
{
	return query(st,
		     "SELECT t.id, t.name, coalesce(t.entity_id, 0), e.name, t.role, t.address, t.host, "
		     " t.active, "
		     " (SELECT count(*) FROM latest l WHERE l.target_id = t.id), "
		     " (SELECT count(*) FROM latest l WHERE l.target_id = t.id AND l.outcome = 0), "
		     " coalesce((SELECT max(time_us) FROM latest l WHERE l.target_id = t.id), 0), "
		     " b.state, coalesce(b.bin_us, 0), b.rtt_ms "
		     "FROM targets t LEFT JOIN entities e ON e.id = t.entity_id "
		     "LEFT JOIN target_bins b ON b.target_id = t.id AND b.bin_us = "
		     " (SELECT max(bin_us) FROM target_bins b2 WHERE b2.target_id = t.id) "
		     "WHERE ?1 = 0 OR t.entity_id = ?1 "
		     "GROUP BY t.id ORDER BY e.name IS NULL, e.name, t.name",
		     target_row, (void *)cb, ctx, "I", entity_id);
}

/* ---- observations ------------------------------------------------------------ */

static int obs_row(sqlite3_stmt *s, void *cb, void *ctx)
{
	struct store_obs_row r = {
		.time_us = sqlite3_column_int64(s, 0),
		.target_id = sqlite3_column_int64(s, 1),
		.vantage = (uint16_t)sqlite3_column_int(s, 2),
		.kind = sqlite3_column_int(s, 3),
		.outcome = sqlite3_column_int(s, 4),
		.rtt_ms = real_or_nan(s, 5),
		.detail_json = text(s, 6),
	};
	return ((store_obs_cb)cb)(ctx, &r);
}

int store_latest(struct store *st, int64_t target_id, store_obs_cb cb, void *ctx)
{
	return query(st,
		     "SELECT time_us, target_id, vantage, kind, outcome, rtt_ms, detail FROM latest "
		     "WHERE target_id = ?1 ORDER BY kind, vantage",
		     obs_row, (void *)cb, ctx, "I", target_id);
}

int store_observations(struct store *st, int64_t target_id, int64_t from_us, int64_t until_us,
		       size_t limit, unsigned flags, store_obs_cb cb, void *ctx)
{
	return query(st,
		     flags & STORE_NEWEST_FIRST
			     ? "SELECT time_us, target_id, vantage, kind, outcome, rtt_ms, detail FROM obs "
			       "WHERE target_id = ?1 AND time_us >= ?2 AND time_us < ?3 "
			       "ORDER BY time_us DESC, rowid DESC LIMIT ?4"
			     : "SELECT time_us, target_id, vantage, kind, outcome, rtt_ms, detail FROM "
			       " (SELECT rowid AS r, * FROM obs WHERE target_id = ?1 AND time_us >= ?2 "
			       "  AND time_us < ?3 ORDER BY time_us DESC, rowid DESC LIMIT ?4) "
			       "ORDER BY time_us, r",
		     obs_row, (void *)cb, ctx, "IIII", target_id, from_us, until_us,
		     limit ? (int64_t)limit : (int64_t)-1);
}

int store_replay(struct store *st, int64_t from_us, int64_t until_us, store_obs_cb cb, void *ctx)
{
	return query(st,
		     "SELECT time_us, target_id, vantage, kind, outcome, rtt_ms, detail FROM obs "
		     "WHERE time_us >= ?1 AND time_us < ?2 ORDER BY time_us, rowid",
		     obs_row, (void *)cb, ctx, "II", from_us, until_us);
}

/* ---- signals -------------------------------------------------------------------- */

struct signal_walk {
	store_signal_cb cb;
	void *ctx;
	const char *layer, *metric;
	int64_t entity_id, from_us, until_us;
	size_t points; /* 0: raw bins */
};

static int signal_row(sqlite3_stmt *s, void *w_, void *unused)
{
	const struct signal_walk *w = w_;
	struct store_signal_row r = {
		.entity_id = w->entity_id,
		.layer = w->layer,
		.metric = w->metric,
		.value = real_or_nan(s, 1),
		.min = real_or_nan(s, 2),
		.max = real_or_nan(s, 3),
		.baseline = real_or_nan(s, 4),
		.bins = sqlite3_column_int(s, 5),
	};
	if (w->points) {
		double span = (double)(w->until_us - w->from_us) / (double)w->points;
		int64_t b = sqlite3_column_int64(s, 0);
		r.time_us = w->from_us + (int64_t)((double)b * span);
		r.span_us = (int64_t)span;
	} else {
		r.time_us = sqlite3_column_int64(s, 0);
		r.span_us = sqlite3_column_int64(s, 6);
	}
	return w->cb(w->ctx, &r);
}

/* One (layer, metric) of store_signals: its bins raw, or averaged into w->points spans. */
static int signal_series(sqlite3_stmt *series, void *w_, void *st_)
{
	struct signal_walk w = *(struct signal_walk *)w_;
	struct store *st = st_;
	w.layer = text(series, 0);
	w.metric = text(series, 1);
	if (w.points && (uint64_t)sqlite3_column_int64(series, 2) > w.points)
		return query(st,
			     "SELECT CAST((bin_us - ?2) * 1.0 / (?3 - ?2) * ?6 AS INTEGER) AS b, avg(value), "
			     " min(value), max(value), avg(baseline), count(DISTINCT bin_us) FROM signals "
			     "WHERE entity_id = ?1 AND layer = ?4 AND metric = ?5 AND bin_us >= ?2 AND bin_us < ?3 "
			     "GROUP BY b ORDER BY b",
			     signal_row, &w, NULL, "IIIttI", w.entity_id, w.from_us, w.until_us, w.layer, w.metric,
			     (int64_t)w.points);
	w.points = 0;
	return query(st,
		     "SELECT bin_us, avg(value), min(value), max(value), avg(baseline), 1, max(width_us) "
		     "FROM signals WHERE entity_id = ?1 AND layer = ?4 AND metric = ?5 AND bin_us >= ?2 "
		     "AND bin_us < ?3 GROUP BY bin_us ORDER BY bin_us",
		     signal_row, &w, NULL, "IIItt", w.entity_id, w.from_us, w.until_us, w.layer, w.metric);
}

int store_signals(struct store *st, int64_t entity_id, const char *layer, int64_t from_us,
		  int64_t until_us, size_t max_points, store_signal_cb cb, void *ctx)
{
	if (until_us <= from_us)
		return ERR_INVAL;
	struct signal_walk w = {cb, ctx, NULL, NULL, entity_id, from_us, until_us, max_points};
	return query(st,
		     "SELECT layer, metric, count(DISTINCT bin_us) FROM signals WHERE entity_id = ?1 "
		     "AND bin_us >= ?2 AND bin_us < ?3 AND (?4 IS NULL OR layer = ?4) "
		     "GROUP BY layer, metric ORDER BY layer, metric",
		     signal_series, &w, st, "IIIt", entity_id, from_us, until_us, layer);
}

static int signal_now_row(sqlite3_stmt *s, void *cb, void *ctx)
{
	struct store_signal_row r = {
		.entity_id = sqlite3_column_int64(s, 0),
		.entity = text(s, 1),
		.layer = text(s, 2),
		.metric = text(s, 3),
		.time_us = sqlite3_column_int64(s, 4),
		.span_us = sqlite3_column_int64(s, 5),
		.value = real_or_nan(s, 6),
		.baseline = real_or_nan(s, 7),
		.bins = 1,
	};
	r.min = r.max = r.value;
	return ((store_signal_cb)cb)(ctx, &r);
}

int store_signals_now(struct store *st, store_signal_cb cb, void *ctx)
{
	/* SQLite: with max(), the bare columns come from the row holding the max */
	return query(st,
		     "SELECT s.entity_id, e.name, s.layer, s.metric, max(s.bin_us), s.width_us, s.value, "
		     " s.baseline FROM entities e "
		     "JOIN (SELECT entity_id, max(bin_us) AS newest FROM signals GROUP BY entity_id) m "
		     " ON m.entity_id = e.id "
		     "JOIN signals s ON s.entity_id = e.id AND s.bin_us >= m.newest - 3600000000 "
		     "GROUP BY s.entity_id, s.layer, s.metric ORDER BY e.name, s.layer, s.metric",
		     signal_now_row, (void *)cb, ctx, "");
}

/* ---- BGP ------------------------------------------------------------------------- */

static int bgp_row(sqlite3_stmt *s, void *cb, void *ctx)
{
	struct store_bgp_row r = {
		.time_us = sqlite3_column_int64(s, 0),
		.prefix = text(s, 1),
		.vantage = (uint16_t)sqlite3_column_int(s, 2),
		.peers_seeing = sqlite3_column_int(s, 3),
		.peers_total = sqlite3_column_int(s, 4),
		.origin_as = (uint32_t)sqlite3_column_int64(s, 5),
		.detail_json = text(s, 6),
	};
	return ((store_bgp_cb)cb)(ctx, &r);
}

int store_bgp(struct store *st, const char *prefix, int64_t from_us, int64_t until_us, store_bgp_cb cb,
	      void *ctx)
{
	if (prefix)
		return query(st,
			     "SELECT time_us, prefix, vantage, peers_seeing, peers_total, coalesce(origin_as, 0), "
			     "detail FROM bgp WHERE time_us >= ?1 AND time_us < ?2 AND prefix = ?3 "
			     "ORDER BY time_us, rowid",
			     bgp_row, (void *)cb, ctx, "IIt", from_us, until_us, prefix);
	return query(st,
		     "SELECT time_us, prefix, vantage, peers_seeing, peers_total, coalesce(origin_as, 0), "
		     "detail FROM bgp WHERE time_us >= ?1 AND time_us < ?2 ORDER BY time_us, rowid",
		     bgp_row, (void *)cb, ctx, "II", from_us, until_us);
}

int store_bgp_now(struct store *st, store_bgp_cb cb, void *ctx)
{
	return query(st,
		     "SELECT max(time_us), prefix, vantage, peers_seeing, peers_total, coalesce(origin_as, 0), "
		     "detail FROM bgp GROUP BY prefix, vantage ORDER BY prefix, vantage",
		     bgp_row, (void *)cb, ctx, "");
}

/* ---- events ---------------------------------------------------------------------- */

#define EVENT_COLUMNS                                                                          \
	"SELECT ev.id, ev.key, coalesce(ev.entity_id, 0), e.name, ev.vantage, ev.cause, "      \
	"ev.start_us, coalesce(ev.end_us, 0), ev.severity, ev.confidence, ev.evidence, "       \
	"ev.timeline, ev.updated_us FROM events ev LEFT JOIN entities e ON e.id = ev.entity_id "

static int event_row(sqlite3_stmt *s, void *cb, void *ctx)
{
	struct store_event_row r = {
		.id = sqlite3_column_int64(s, 0),
		.key = text(s, 1),
		.entity_id = sqlite3_column_int64(s, 2),
		.entity = text(s, 3),
		.vantage = (uint16_t)sqlite3_column_int(s, 4),
		.cause = text(s, 5),
		.start_us = sqlite3_column_int64(s, 6),
		.end_us = sqlite3_column_int64(s, 7),
		.severity = real_or_nan(s, 8),
		.confidence = real_or_nan(s, 9),
		.evidence_json = text(s, 10),
		.timeline_json = text(s, 11),
		.updated_us = sqlite3_column_int64(s, 12),
	};
	r.open = r.end_us == 0;
	return ((store_event_cb)cb)(ctx, &r);
}

int store_events(struct store *st, int64_t since_us, unsigned flags, store_event_cb cb, void *ctx)
{
	if (flags & STORE_EVENTS_OPEN_ONLY)
		return query(st, EVENT_COLUMNS "WHERE ev.end_us IS NULL ORDER BY ev.start_us, ev.id", event_row,
			     (void *)cb, ctx, "");
	return query(st, EVENT_COLUMNS "WHERE ev.end_us IS NULL OR ev.end_us >= ?1 ORDER BY ev.start_us, ev.id",
		     event_row, (void *)cb, ctx, "I", since_us);
}

struct found {
	store_event_cb cb;
	void *ctx;
	bool any;
};

static int found_row(void *ctx, const struct store_event_row *r)
{
	struct found *f = ctx;
	f->any = true;
	return f->cb(f->ctx, r);
}

int store_event(struct store *st, int64_t id, const char *key, store_event_cb cb, void *ctx)
{
	struct found f = {cb, ctx, false};
	int rc = key ? query(st, EVENT_COLUMNS "WHERE ev.key = ?1", event_row, (void *)found_row, &f, "t", key)
		     : query(st, EVENT_COLUMNS "WHERE ev.id = ?1", event_row, (void *)found_row, &f, "I", id);
	return rc ? rc : f.any ? 0 : ERR_NOTFOUND;
}

static int step_row(sqlite3_stmt *s, void *cb, void *ctx)
{
	struct store_step_row r = {
		.time_us = sqlite3_column_int64(s, 0),
		.layer = text(s, 1),
		.target = text(s, 2),
		.change = text(s, 3),
		.text = text(s, 4),
	};
	return ((store_step_cb)cb)(ctx, &r);
}

static int exists_row(sqlite3_stmt *s, void *found, void *unused)
{
	*(bool *)found = true;
	return 0;
}

static int event_exists(struct store *st, int64_t id)
{
	bool found = false;
	int rc = query(st, "SELECT 1 FROM events WHERE id = ?1", exists_row, &found, NULL, "I", id);
	return rc ? rc : found ? 0 : ERR_NOTFOUND;
}

int store_event_steps(struct store *st, int64_t id, store_step_cb cb, void *ctx)
{
	int rc = event_exists(st, id);
	if (rc)
		return rc;
	return query(st,
		     "SELECT coalesce(json_extract(j.value, '$.time_us'), 0), "
		     " json_extract(j.value, '$.layer'), json_extract(j.value, '$.target'), "
		     " json_extract(j.value, '$.change'), json_extract(j.value, '$.text') "
		     "FROM events ev, json_each(ev.timeline) j "
		     "WHERE ev.id = ?1 AND json_type(ev.timeline) = 'array' ORDER BY j.key",
		     step_row, (void *)cb, ctx, "I", id);
}

static int string_row(sqlite3_stmt *s, void *cb, void *ctx)
{
	return ((store_string_cb)cb)(ctx, text(s, 0));
}

int store_event_strings(struct store *st, int64_t id, const char *key, store_string_cb cb, void *ctx)
{
	char path[64];
	size_t n = strlen(key);
	if (n == 0 || n > 40 || strspn(key, "abcdefghijklmnopqrstuvwxyz_") != n)
		return ERR_INVAL;
	snprintf(path, sizeof path, "$.%s", key);
	int rc = event_exists(st, id);
	if (rc)
		return rc;
	return query(st,
		     "SELECT j.value FROM events ev, json_each(ev.evidence, ?2) j "
		     "WHERE ev.id = ?1 AND json_valid(ev.evidence) AND json_type(ev.evidence, ?2) IN ('array', 'text') "
		     "AND j.type = 'text' ORDER BY j.key",
		     string_row, (void *)cb, ctx, "It", id, path);
}

/* ---- alerts ---------------------------------------------------------------------- */

static int alert_row(sqlite3_stmt *s, void *cb, void *ctx)
{
	const char *state = text(s, 5);
	struct store_alert_row r = {
		.id = sqlite3_column_int64(s, 0),
		.sink = text(s, 1),
		.payload_json = text(s, 2),
		.event_key = text(s, 3),
		.what = text(s, 4),
		.state = !strcmp(state, "sent")	    ? STORE_ALERT_SENT
			 : !strcmp(state, "failed") ? STORE_ALERT_FAILED
						    : STORE_ALERT_PENDING,
		.attempts = sqlite3_column_int(s, 6),
		.next_us = sqlite3_column_int64(s, 7),
		.created_us = sqlite3_column_int64(s, 8),
		.done_us = sqlite3_column_int64(s, 9),
		.last_error = text(s, 10),
	};
	return ((store_alert_cb)cb)(ctx, &r);
}

int store_alerts_pending(struct store *st, store_alert_cb cb, void *ctx)
{
	return query(st,
		     "SELECT id, sink, payload, event_key, what, state, attempts, next_us, created_us, "
		     "coalesce(done_us, 0), last_error FROM alerts WHERE state = 'pending' ORDER BY id",
		     alert_row, (void *)cb, ctx, "");
}

static int count_row(sqlite3_stmt *s, void *count, void *unused)
{
	*(int64_t *)count = sqlite3_column_int64(s, 0);
	return 0;
}

int store_alert_count(struct store *st, enum store_alert_state state, int64_t *count)
{
	static const char *const names[] = {"pending", "sent", "failed"};
	*count = 0;
	return query(st, "SELECT count(*) FROM alerts WHERE state = ?1", count_row, count, NULL, "t",
		     names[state]);
}
