/*
 * store_read.c - the store's read functions (status, events, reports, replay,
 * signals with downsampling). Each prepares its own statement on the read
 * connection, so they may run on any thread, also while a flush runs.
 */
#include "store/store_internal.h"

#include <math.h>
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
		.signals_json = text(s, 7),
		.signals_bin_us = sqlite3_column_int64(s, 8),
		.open_events = sqlite3_column_int(s, 9),
	};
	return ((store_entity_cb)cb)(ctx, &r);
}

int store_entities(struct store *st, store_entity_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	/* newest value per layer: within the hour before the entity's newest bin */
	int rc = prep(st,
		      "SELECT e.id, e.name, e.kind, e.description, e.prefixes, e.origin_as, "
		      " (SELECT count(*) FROM targets t WHERE t.entity_id = e.id AND t.active), "
		      " (SELECT json_group_object(layer, value) FROM "
		      "   (SELECT layer, value, max(bin_us) FROM signals s "
		      "    WHERE s.entity_id = e.id AND s.bin_us >= m.newest - 3600000000 GROUP BY layer)), "
		      " coalesce(m.newest, 0), "
		      " (SELECT count(*) FROM events ev WHERE ev.entity_id = e.id AND ev.end_us IS NULL) "
		      "FROM entities e "
		      "LEFT JOIN (SELECT entity_id, max(bin_us) AS newest FROM signals GROUP BY entity_id) m "
		      " ON m.entity_id = e.id ORDER BY e.name",
		      &s);
	if (rc)
		return rc;
	return walk(st, s, entity_row, (void *)cb, ctx);
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
	sqlite3_stmt *s;
	int rc = prep(st,
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
		      &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, entity_id);
	return walk(st, s, target_row, (void *)cb, ctx);
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
	sqlite3_stmt *s;
	int rc = prep(st,
		      "SELECT time_us, target_id, vantage, kind, outcome, rtt_ms, detail FROM latest "
		      "WHERE target_id = ?1 ORDER BY kind, vantage",
		      &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, target_id);
	return walk(st, s, obs_row, (void *)cb, ctx);
}

int store_observations(struct store *st, int64_t target_id, int64_t from_us, int64_t until_us,
		       size_t limit, store_obs_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc = prep(st,
		      "SELECT time_us, target_id, vantage, kind, outcome, rtt_ms, detail FROM "
		      " (SELECT rowid AS r, * FROM obs WHERE target_id = ?1 AND time_us >= ?2 "
		      "  AND time_us < ?3 ORDER BY time_us DESC, rowid DESC LIMIT ?4) "
		      "ORDER BY time_us, r",
		      &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, target_id);
	sqlite3_bind_int64(s, 2, from_us);
	sqlite3_bind_int64(s, 3, until_us);
	sqlite3_bind_int64(s, 4, limit ? (int64_t)limit : -1);
	return walk(st, s, obs_row, (void *)cb, ctx);
}

int store_replay(struct store *st, int64_t from_us, int64_t until_us, store_obs_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc = prep(st,
		      "SELECT time_us, target_id, vantage, kind, outcome, rtt_ms, detail FROM obs "
		      "WHERE time_us >= ?1 AND time_us < ?2 ORDER BY time_us, rowid",
		      &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, from_us);
	sqlite3_bind_int64(s, 2, until_us);
	return walk(st, s, obs_row, (void *)cb, ctx);
}

/* ---- signals -------------------------------------------------------------------- */

struct signal_walk {
	store_signal_cb cb;
	void *ctx;
	const char *layer;
	int64_t from_us, until_us;
	size_t points; /* 0: raw bins */
};

static int signal_row(sqlite3_stmt *s, void *w_, void *unused)
{
	const struct signal_walk *w = w_;
	struct store_signal_row r = {
		.layer = w->layer,
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

int store_signals(struct store *st, int64_t entity_id, const char *layer, int64_t from_us,
		  int64_t until_us, size_t max_points, store_signal_cb cb, void *ctx)
{
	if (until_us <= from_us)
		return ERR_INVAL;
	sqlite3_stmt *layers;
	int rc = prep(st,
		      "SELECT layer, count(DISTINCT bin_us) FROM signals WHERE entity_id = ?1 "
		      "AND bin_us >= ?2 AND bin_us < ?3 AND (?4 IS NULL OR layer = ?4) "
		      "GROUP BY layer ORDER BY layer",
		      &layers);
	if (rc)
		return rc;
	sqlite3_bind_int64(layers, 1, entity_id);
	sqlite3_bind_int64(layers, 2, from_us);
	sqlite3_bind_int64(layers, 3, until_us);
	if (layer)
		sqlite3_bind_text(layers, 4, layer, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(layers, 4);
	int step;
	while ((step = sqlite3_step(layers)) == SQLITE_ROW) {
		struct signal_walk w = {cb, ctx, text(layers, 0), from_us, until_us, 0};
		int64_t bins = sqlite3_column_int64(layers, 1);
		sqlite3_stmt *s;
		if (max_points && (uint64_t)bins > max_points) {
			w.points = max_points;
			rc = prep(st,
				  "SELECT CAST((bin_us - ?2) * 1.0 / (?3 - ?2) * ?5 AS INTEGER) AS b, avg(value), "
				  " min(value), max(value), avg(baseline), count(DISTINCT bin_us) FROM signals "
				  "WHERE entity_id = ?1 AND layer = ?4 AND bin_us >= ?2 AND bin_us < ?3 "
				  "GROUP BY b ORDER BY b",
				  &s);
		} else {
			rc = prep(st,
				  "SELECT bin_us, avg(value), min(value), max(value), avg(baseline), 1, "
				  " max(width_us) FROM signals "
				  "WHERE entity_id = ?1 AND layer = ?4 AND bin_us >= ?2 AND bin_us < ?3 "
				  "AND ?5 = ?5 GROUP BY bin_us ORDER BY bin_us",
				  &s);
		}
		if (rc)
			break;
		sqlite3_bind_int64(s, 1, entity_id);
		sqlite3_bind_int64(s, 2, from_us);
		sqlite3_bind_int64(s, 3, until_us);
		sqlite3_bind_text(s, 4, w.layer, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 5, (int64_t)max_points);
		if ((rc = walk(st, s, signal_row, &w, NULL)) != 0)
			break;
	}
	if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
		rc = store_err_from_sqlite(step) ? store_err_from_sqlite(step) : ERR_DB;
	sqlite3_finalize(layers);
	return rc;
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
	sqlite3_stmt *s;
	int rc = prep(st,
		      prefix ? "SELECT time_us, prefix, vantage, peers_seeing, peers_total, "
			       "coalesce(origin_as, 0), detail FROM bgp WHERE prefix = ?3 "
			       "AND time_us >= ?1 AND time_us < ?2 ORDER BY time_us, rowid"
			     : "SELECT time_us, prefix, vantage, peers_seeing, peers_total, "
			       "coalesce(origin_as, 0), detail FROM bgp "
			       "WHERE time_us >= ?1 AND time_us < ?2 ORDER BY time_us, rowid",
		      &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, from_us);
	sqlite3_bind_int64(s, 2, until_us);
	if (prefix)
		sqlite3_bind_text(s, 3, prefix, -1, SQLITE_TRANSIENT);
	return walk(st, s, bgp_row, (void *)cb, ctx);
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
	sqlite3_stmt *s;
	int rc = prep(st,
		      flags & STORE_EVENTS_OPEN_ONLY
			      ? EVENT_COLUMNS "WHERE ev.end_us IS NULL AND ?1 = ?1 ORDER BY ev.start_us, ev.id"
			      : EVENT_COLUMNS "WHERE ev.end_us IS NULL OR ev.end_us >= ?1 "
					      "ORDER BY ev.start_us, ev.id",
		      &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, since_us);
	return walk(st, s, event_row, (void *)cb, ctx);
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
	sqlite3_stmt *s;
	int rc = prep(st, key ? EVENT_COLUMNS "WHERE ev.key = ?1" : EVENT_COLUMNS "WHERE ev.id = ?1", &s);
	if (rc)
		return rc;
	if (key)
		sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(s, 1, id);
	struct found f = {cb, ctx, false};
	rc = walk(st, s, event_row, (void *)found_row, &f);
	return rc ? rc : f.any ? 0 : ERR_NOTFOUND;
}

/* ---- alerts ---------------------------------------------------------------------- */

static int alert_row(sqlite3_stmt *s, void *cb, void *ctx)
{
	const char *state = text(s, 5);
	struct store_alert_row r = {
		.id = sqlite3_column_int64(s, 0),
		.event_key = text(s, 1),
		.hook = text(s, 2),
		.what = text(s, 3),
		.payload_json = text(s, 4),
		.state = !strcmp(state, "sent")	    ? STORE_ALERT_SENT
			 : !strcmp(state, "failed") ? STORE_ALERT_FAILED
						    : STORE_ALERT_PENDING,
		.attempts = sqlite3_column_int(s, 6),
		.next_us = sqlite3_column_int64(s, 7),
		.created_us = sqlite3_column_int64(s, 8),
		.sent_us = sqlite3_column_int64(s, 9),
		.last_error = text(s, 10),
	};
	return ((store_alert_cb)cb)(ctx, &r);
}

int store_alerts_due(struct store *st, int64_t now_us, size_t limit, store_alert_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	int rc = prep(st,
		      "SELECT id, event_key, hook, what, payload, state, attempts, next_us, created_us, "
		      "coalesce(sent_us, 0), last_error FROM alerts "
		      "WHERE state = 'pending' AND next_us <= ?1 ORDER BY next_us, id LIMIT ?2",
		      &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, now_us);
	sqlite3_bind_int64(s, 2, limit ? (int64_t)limit : -1);
	return walk(st, s, alert_row, (void *)cb, ctx);
}

int store_alert_count(struct store *st, enum store_alert_state state, int64_t *count)
{
	static const char *const names[] = {"pending", "sent", "failed"};
	sqlite3_stmt *s;
	int rc = prep(st, "SELECT count(*) FROM alerts WHERE state = ?1", &s);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, names[state], -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	*count = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : ERR_DB;
}
