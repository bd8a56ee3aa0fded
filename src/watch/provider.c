/*
 * provider.c - the watcher's answers to the API (serve/provider.h) and its
 * alert outbox (serve/alert.h).
 *
 * History (entities' events, signals, BGP samples, observations) comes from
 * the read-only store handle w->ro: bounded queries, WAL readers never wait
 * for the flusher. What is "now" (target states, layer fractions, engine
 * counters) comes from the live detector and the watcher's own counters.
 * The outbox is the store's alert table over the writer handle (synchronous,
 * so an alert survives a crash once enqueue returned); each config alert has
 * its own alerter and lists only its own sink's alerts.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/mem.h"
#include "watch/watch_int.h"

/* ---- events as serve shows them ---- */

struct strlist {
	char **v;
	size_t n, cap;
};

static int strlist_add(void *ctx, const char *s)
{
	struct strlist *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n++] = xstrdup(s);
	return 0;
}

static void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

int watch_serve_event(struct store *st, const struct store_event_row *row,
		      int (*emit)(void *arg, const struct serve_event *e), void *arg)
{
	struct strlist failed = {0}, back = {0}, evid = {0}, summary = {0};
	int rc = store_event_strings(st, row->id, "layers_failed", strlist_add, &failed);
	if (!rc)
		rc = store_event_strings(st, row->id, "layers_recovered", strlist_add, &back);
	if (!rc)
		rc = store_event_strings(st, row->id, "evidence", strlist_add, &evid);
	if (!rc)
		rc = store_event_strings(st, row->id, "summary", strlist_add, &summary);
	if (!rc) {
		struct serve_event e = {
		    .id = (uint64_t)row->id,
		    .entity = row->entity ? row->entity : "monitor",
		    .cause = row->cause ? row->cause : "unknown",
		    .severity = row->severity,
		    .confidence = row->confidence,
		    .start_us = row->start_us,
		    .end_us = row->open ? 0 : row->end_us,
		    .summary = summary.n ? summary.v[0] : NULL,
		    .layers_failed = (const char *const *)failed.v,
		    .n_layers_failed = failed.n,
		    .layers_recovered = (const char *const *)back.v,
		    .n_layers_recovered = back.n,
		    .evidence = (const char *const *)evid.v,
		    .n_evidence = evid.n,
		};
		rc = emit(arg, &e);
	}
	strlist_free(&failed);
	strlist_free(&back);
	strlist_free(&evid);
	strlist_free(&summary);
	return rc;
}

/* ---- lookups ---- */

static long entity_index(const struct watch *w, const char *name)
{
	for (size_t i = 0; i < w->cfg->n_entities; i++)
		if (!strcmp(w->cfg->entities[i].name, name))
			return (long)i;
	return -1;
}

static long target_index(const struct watch *w, const char *name)
{
	for (size_t i = 0; i < w->cfg->n_targets; i++)
		if (!strcmp(w->cfg->targets[i].name, name))
			return (long)i;
	return -1;
}

struct id_only {
	int64_t id;
};

static int take_id(void *ctx, const struct store_event_row *r)
{
	((struct id_only *)ctx)->id = r->id;
	return 0;
}

/* The stored id of an entity's open event (0 if none or not yet written). */
static uint64_t open_event_id(struct watch *w, uint32_t det_entity)
{
	const struct detect_event *ev = detect_event_open(w->d, det_entity);
	if (!ev)
		return 0;
	char key[DETECT_LABEL_MAX + 32];
	watch_event_key(ev, key, sizeof key);
	struct id_only r = {0};
	if (store_event(w->ro, 0, key, take_id, &r) < 0)
		return 0;
	return (uint64_t)r.id;
}

/* ---- the provider ---- */

static const char *entity_state(const struct watch *w, uint32_t det)
{
	const struct detect_signals *s = detect_signals_last(w->d, det);
	if (!s)
		return "unknown";
	int worst = LSTATUS_NODATA;
	for (int l = 0; l < LAYER__COUNT; l++) {
		if (l == LAYER_CONTROL)
			continue;
		int st = s->layer[l].status;
		if (st != LSTATUS_NODATA && (worst == LSTATUS_NODATA || st > worst))
			worst = st;
	}
	return worst == LSTATUS_DOWN	   ? "down"
	       : worst == LSTATUS_DEGRADED ? "degraded"
	       : worst == LSTATUS_OK	   ? "up"
					   : "unknown";
}

static int p_entities(void *ctx, serve_entity_emit emit, void *arg)
{
	struct watch *w = ctx;
	for (size_t i = 0; i < w->cfg->n_entities; i++) {
		const struct config_entity *ce = &w->cfg->entities[i];
		struct serve_entity e = {
		    .id = ce->name,
		    .name = ce->description,
		    .kind = config_entity_kind_name(ce->kind),
		    .state = entity_state(w, w->det_ent[i]),
		    .n_targets = (uint32_t)ce->n_targets,
		    .open_event = open_event_id(w, w->det_ent[i]),
		};
		if (emit(arg, &e))
			break;
	}
	return 0;
}

static int p_targets(void *ctx, const char *entity, serve_target_emit emit, void *arg)
{
	struct watch *w = ctx;
	long want = -1;
	if (entity && (want = entity_index(w, entity)) < 0)
		return ERR_NOTFOUND;
	for (size_t i = 0; i < w->cfg->n_targets; i++) {
		const struct config_target *ct = &w->cfg->targets[i];
		if (entity && ct->entity != (size_t)want)
			continue;
		const struct detect_target_state *ds = detect_target(w->d, (uint32_t)i);
		const struct watch_tstat *ts = &w->ts[i];
		char ab[ADDR_STRLEN];
		struct serve_target t = {
		    .id = ct->name,
		    .entity = ct->entity == CONFIG_NO_ENTITY ? "monitor" : w->cfg->entities[ct->entity].name,
		    .address = ct->has_addr ? addr_format(&ct->addr, ab, sizeof ab) : ct->host,
		    .role = role_name(ct->role),
		    .probe = probe_kind_name(ct->probes[0].kind),
		    .state = ds ? detect_tstate_name(ds->state) : "unknown",
		    .since_us = ds ? ds->since_us : 0,
		    .last_us = ts->last_us,
		    .last_outcome = ts->last_outcome,
		    .rtt_ms = ts->rtt_ms,
		    .sent = ts->sent,
		    .answered = ts->answered,
		};
		if (emit(arg, &t))
			break;
	}
	return 0;
}

struct series_acc {
	serve_series_emit emit;
	void *arg;
	char layer[32], metric[32];
	int64_t *t;
	double *v;
	size_t n, cap;
	int64_t step;
	int stop;
};

static void series_flush(struct series_acc *a)
{
	if (!a->n || a->stop)
		goto done;
	int64_t step = a->step > 0 ? a->step : 1;
	size_t n = (size_t)((a->t[a->n - 1] - a->t[0]) / step) + 1;
	if (n > 200000)
		n = 200000;
	double *vals = xmalloc(n * sizeof *vals);
	for (size_t i = 0; i < n; i++)
		vals[i] = NAN;
	for (size_t i = 0; i < a->n; i++) {
		size_t k = (size_t)((a->t[i] - a->t[0]) / step);
		if (k < n)
			vals[k] = a->v[i];
	}
	struct serve_series s = {a->layer, a->metric, a->t[0], step, n, vals};
	a->stop = a->emit(a->arg, &s);
	free(vals);
done:
	a->n = 0;
	a->step = 0;
}

static int on_signal_row(void *ctx, const struct store_signal_row *r)
{
	struct series_acc *a = ctx;
	if (strcmp(a->layer, r->layer) || strcmp(a->metric, r->metric)) {
		series_flush(a);
		snprintf(a->layer, sizeof a->layer, "%s", r->layer);
		snprintf(a->metric, sizeof a->metric, "%s", r->metric);
	}
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 256;
		a->t = xreallocarray(a->t, a->cap, sizeof *a->t);
		a->v = xreallocarray(a->v, a->cap, sizeof *a->v);
	}
	a->t[a->n] = r->time_us;
	a->v[a->n++] = r->value;
	if (r->span_us > 0 && (!a->step || r->span_us < a->step))
		a->step = r->span_us;
	return a->stop;
}

static int p_signals(void *ctx, const char *entity, int64_t from_us, int64_t until_us,
		     serve_series_emit emit, void *arg)
{
	struct watch *w = ctx;
	long i = entity_index(w, entity);
	if (i < 0)
		return ERR_NOTFOUND;
	struct series_acc a = {.emit = emit, .arg = arg};
	int rc = store_signals(w->ro, w->store_ent[i], NULL, from_us, until_us, 0, on_signal_row, &a);
	if (rc >= 0) {
		series_flush(&a);
		rc = 0;
	}
	free(a.t);
	free(a.v);
	return rc;
}

static int p_layers_now(void *ctx, serve_layer_emit emit, void *arg)
{
	struct watch *w = ctx;
	for (size_t i = 0; i < w->cfg->n_entities; i++) {
		const struct detect_signals *s = detect_signals_last(w->d, w->det_ent[i]);
		if (!s)
			continue;
		for (int l = 0; l < LAYER__COUNT; l++) {
			const struct detect_layer_signal *ls = &s->layer[l];
			if (l == LAYER_CONTROL || !ls->targets)
				continue;
			struct serve_layer_now n = {
			    .entity = w->cfg->entities[i].name,
			    .layer = detect_layer_name(l),
			    .up = ls->fraction,
			    .rtt_ms = l == LAYER_BGP ? NAN : s->rtt_p50_ms,
			    .loss = l == LAYER_BGP ? NAN : s->loss,
			};
			if (emit(arg, &n))
				return 0;
		}
	}
	return 0;
}

struct ev_ids {
	int64_t *v;
	size_t n, cap;
};

static int collect_id(void *ctx, const struct store_event_row *r)
{
	struct ev_ids *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n++] = r->id;
	return 0;
}

struct ev_emit {
	struct store *st;
	serve_event_emit emit;
	void *arg;
};

static int on_ev_row(void *ctx, const struct store_event_row *r)
{
	struct ev_emit *e = ctx;
	return watch_serve_event(e->st, r, e->emit, e->arg);
}

static int p_events(void *ctx, int64_t since_us, serve_event_emit emit, void *arg)
{
	struct watch *w = ctx;
	struct ev_ids ids = {0};
	int rc = store_events(w->ro, since_us, 0, collect_id, &ids);
	struct ev_emit e = {w->ro, emit, arg};
	for (size_t i = ids.n; rc >= 0 && i-- > 0;) {
		rc = store_event(w->ro, ids.v[i], NULL, on_ev_row, &e);
		if (rc > 0) { /* emit asked to stop */
			rc = 0;
			break;
		}
	}
	free(ids.v);
	return rc < 0 ? rc : 0;
}

struct step_emit {
	serve_step_emit emit;
	void *arg;
};

static int on_step(void *ctx, const struct store_step_row *r)
{
	struct step_emit *s = ctx;
	struct serve_step st = {r->time_us, r->layer ? r->layer : "", r->target, r->change ? r->change : "",
				r->text};
	return s->emit(s->arg, &st);
}

static int p_event(void *ctx, uint64_t id, serve_event_emit emit_event, serve_step_emit emit_step,
		   void *arg)
{
	struct watch *w = ctx;
	if (id > INT64_MAX)
		return ERR_NOTFOUND;
	struct ev_emit e = {w->ro, emit_event, arg};
	int rc = store_event(w->ro, (int64_t)id, NULL, on_ev_row, &e);
	if (rc)
		return rc < 0 ? rc : 0;
	struct step_emit s = {emit_step, arg};
	rc = store_event_steps(w->ro, (int64_t)id, on_step, &s);
	return rc < 0 ? rc : 0;
}

static int on_bgp_row(void *ctx, const struct store_bgp_row *r)
{
	void **c = ctx;
	struct watch *w = c[0];
	const char *entity = NULL;
	for (size_t i = 0; i < w->n_vw; i++) {
		char pb[PREFIX_STRLEN];
		prefix_format(&w->vw[i].prefix, pb, sizeof pb);
		if (!strcmp(pb, r->prefix) && w->vw_entity[i] != CONFIG_NO_ENTITY)
			entity = w->cfg->entities[w->vw_entity[i]].name;
	}
	struct serve_bgp b = {
	    .prefix = r->prefix,
	    .entity = entity,
	    .origin_as = r->origin_as,
	    .peers = (uint32_t)r->peers_total,
	    .peers_seeing = (uint32_t)r->peers_seeing,
	    .changed_us = r->time_us,
	};
	return ((serve_bgp_emit)c[1])(c[2], &b);
}

static int p_bgp(void *ctx, serve_bgp_emit emit, void *arg)
{
	struct watch *w = ctx;
	void *c[3] = {w, (void *)emit, arg};
	int rc = store_bgp_now(w->ro, on_bgp_row, c);
	return rc < 0 ? rc : 0;
}

static int on_obs_row(void *ctx, const struct store_obs_row *r)
{
	void **c = ctx;
	struct serve_obs o = {
	    .time_us = r->time_us,
	    .probe = probe_kind_name(r->kind),
	    .outcome = r->outcome,
	    .rtt_ms = isnan(r->rtt_ms) ? -1 : r->rtt_ms,
	    .vantage = r->vantage,
	    .detail = r->detail_json,
	};
	return ((serve_obs_emit)c[0])(c[1], &o);
}

static int p_observations(void *ctx, const char *target, int64_t from_us, int64_t until_us,
			  size_t limit, serve_obs_emit emit, void *arg)
{
	struct watch *w = ctx;
	long i = target_index(w, target);
	if (i < 0)
		return ERR_NOTFOUND;
	void *c[2] = {(void *)emit, arg};
	int rc = store_observations(w->ro, w->store_tgt[i], from_us, until_us + 1, limit,
				    STORE_NEWEST_FIRST, on_obs_row, c);
	return rc < 0 ? rc : 0;
}

static int p_engine(void *ctx, struct serve_engine_stats *out)
{
	struct watch *w = ctx;
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < w->n_engines; i++) {
		struct probe_stats ps;
		if (!w->engines[i].e)
			continue;
		probe_engine_stats(w->engines[i].e, &ps);
		out->sent += ps.sent;
		out->answered += ps.answered;
		out->timeouts += ps.timeouts;
		out->in_flight += ps.in_flight;
		out->pending += ps.pending;
	}
	out->rounds_skipped = w->rounds_skipped;
	out->probes_per_s = w->probes_per_s;
	out->started_us = w->started_wall_us;
	return 0;
}

static int p_alerts(void *ctx, serve_alert_sink_emit emit, void *arg)
{
	struct watch *w = ctx;
	for (size_t i = 0; i < w->n_alerters; i++) {
		int rc = w->alerters[i].a ? alert_each_sink(w->alerters[i].a, emit, arg) : 0;
		if (rc)
			return rc;
	}
	return 0;
}

void watch_provider_init(struct watch *w)
{
	w->prov = (struct serve_provider){
	    .ctx = w,
	    .entities = p_entities,
	    .targets = p_targets,
	    .signals = p_signals,
	    .layers_now = p_layers_now,
	    .events = p_events,
	    .event = p_event,
	    .bgp = p_bgp,
	    .observations = p_observations,
	    .engine = p_engine,
	    .alerts = p_alerts,
	};
}

/* ---- the alert outbox over the store ---- */

static int ob_enqueue(void *ctx, const char *sink, const char *payload, int64_t created_us, uint64_t *id)
{
	struct watch_alerter *wa = ctx;
	struct store_alert a = {.sink = sink, .payload_json = payload,
				.vantage = wa->w->cfg->vantage.id, .created_us = created_us};
	int64_t sid = 0;
	int rc = store_alert_enqueue(wa->w->st, &a, &sid);
	*id = (uint64_t)sid;
	return rc;
}

static int ob_reschedule(void *ctx, uint64_t id, uint32_t attempts, int64_t next_us, const char *why)
{
	struct watch_alerter *wa = ctx;
	return store_alert_reschedule(wa->w->st, (int64_t)id, (int)attempts, next_us, why);
}

static int ob_mark_sent(void *ctx, uint64_t id, int64_t sent_us)
{
	struct watch_alerter *wa = ctx;
	return store_alert_finish(wa->w->st, (int64_t)id, STORE_ALERT_SENT, sent_us);
}

struct pend_ctx {
	struct watch_alerter *wa;
	alert_pending_emit emit;
	void *arg;
};

static int on_pending(void *ctx, const struct store_alert_row *r)
{
	struct pend_ctx *c = ctx;
	if (strcmp(r->sink, c->wa->sink))
		return 0; /* another hook's */
	struct alert_pending p = {(uint64_t)r->id, r->sink, r->payload_json, (uint32_t)r->attempts,
				  r->next_us};
	return c->emit(c->arg, &p);
}

static int ob_list(void *ctx, alert_pending_emit emit, void *arg)
{
	struct pend_ctx c = {ctx, emit, arg};
	return store_alerts_pending(((struct watch_alerter *)ctx)->w->st, on_pending, &c);
}

void watch_outbox_init(struct watch_alerter *wa)
{
	wa->outbox = (struct alert_outbox){wa, ob_enqueue, ob_reschedule, ob_mark_sent, ob_list};
}
