/*
 * watch.c - the watcher's life cycle (watch.h) and the glue around the
 * detector: its hooks write events, signals and target states to the store
 * queue; events are alerted once the flush that committed them is done (so an
 * alert carries the stored event's id); BGP visibility rows feed the detector
 * and the store.
 */
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/priv.h"
#include "serve/api.h"
#include "serve/http.h"
#include "watch/watch_int.h"

#define TICK_MS 1000

/* ---- event keys: the store key of a detector event, fixed when it opens ---- */

static const char *event_key(struct watch *w, const struct detect_event *ev)
{
	for (size_t i = 0; i < w->n_keys; i++)
		if (w->keys[i].det_id == ev->id)
			return w->keys[i].key;
	if (w->n_keys == w->cap_keys) {
		w->cap_keys = w->cap_keys ? 2 * w->cap_keys : 16;
		w->keys = xreallocarray(w->keys, w->cap_keys, sizeof *w->keys);
	}
	char k[DETECT_LABEL_MAX + 32];
	watch_event_key(ev, k, sizeof k);
	w->keys[w->n_keys] = (struct watch_key){ev->id, xstrdup(k)};
	return w->keys[w->n_keys++].key;
}

static void forget_key(struct watch *w, uint64_t det_id)
{
	for (size_t i = 0; i < w->n_keys; i++)
		if (w->keys[i].det_id == det_id) {
			free(w->keys[i].key);
			w->keys[i] = w->keys[--w->n_keys];
			return;
		}
}

static int64_t store_entity_of(struct watch *w, uint32_t det_entity)
{
	if (det_entity == DETECT_MONITOR || det_entity >= w->n_det_ent || !w->ent_of_det[det_entity])
		return 0;
	return w->store_ent[w->ent_of_det[det_entity] - 1];
}

static void queue_alert(struct watch *w, enum alert_kind kind, const char *key)
{
	if (!w->n_alerters)
		return;
	if (w->n_pending == w->cap_pending) {
		w->cap_pending = w->cap_pending ? 2 * w->cap_pending : 8;
		w->pending = xreallocarray(w->pending, w->cap_pending, sizeof *w->pending);
	}
	w->pending[w->n_pending++] = (struct watch_pending_alert){kind, xstrdup(key)};
}

static void hook_event(void *arg, const struct detect_event *ev, int change, unsigned what)
{
	struct watch *w = arg;
	const char *key = event_key(w, ev);
	struct buf tl = {0}, evd = {0};
	detect_event_timeline_json(&tl, ev);
	detect_event_evidence_json(&evd, ev);
	struct store_event se = {
	    .key = key,
	    .entity_id = store_entity_of(w, ev->entity),
	    .vantage = w->cfg->vantage.id,
	    .cause = detect_cause_name(ev->cause),
	    .start_us = ev->start_us,
	    .end_us = ev->open ? 0 : ev->end_us,
	    .severity = ev->peak_severity,
	    .confidence = ev->confidence,
	    .evidence_json = evd.p,
	    .timeline_json = tl.p,
	    .updated_us = clock_wall_us(),
	};
	store_queue_event(w->st, &se);
	buf_free(&tl);
	buf_free(&evd);
	if (!w->replaying) {
		struct buf s = {0};
		detect_event_summary(&s, ev);
		log_info("event %s %s: %s", key,
			 change == DETECT_OPENED ? "opened" : change == DETECT_CLOSED ? "closed" : "changed",
			 s.p ? s.p : "");
		buf_free(&s);
		if (change == DETECT_OPENED)
			queue_alert(w, ALERT_OPEN, key);
		else if (change == DETECT_CLOSED)
			queue_alert(w, ALERT_CLOSE, key);
		else if (what & (DETECT_WHAT_CAUSE | DETECT_WHAT_FLAPPING))
			queue_alert(w, ALERT_UPDATE, key);
	}
	if (change == DETECT_CLOSED)
		forget_key(w, ev->id);
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

static void queue_signal(struct watch *w, int64_t ent, const char *layer, const char *metric,
			 const struct detect_signals *s, double value, double baseline, int n)
{
	struct store_signal sig = {
	    .entity_id = ent,
	    .layer = layer,
	    .metric = metric,
	    .vantage = w->cfg->vantage.id,
	    .bin_us = s->bin_start_us,
	    .width_us = s->bin_end_us - s->bin_start_us,
	    .value = value,
	    .baseline = baseline,
	    .n = n,
	};
	store_queue_signal(w->st, &sig);
}

static void hook_signals(void *arg, const struct detect_signals *s)
{
	struct watch *w = arg;
	if (w->replaying)
		return;
	/* the monitor (DETECT_MONITOR) has no row in the store's entities: its
	 * signals would point at entity 0 and the store refuses them (foreign
	 * key); its control targets' bins and its vantage-local events are kept */
	int64_t ent = store_entity_of(w, s->entity);
	if (!ent)
		return;
	size_t slot = w->ent_of_det[s->entity];
	int64_t bin = s->bin_start_us / w->params.bin_us;
	for (int l = 0; l < LAYER__COUNT; l++) {
		const struct detect_layer_signal *ls = &s->layer[l];
		if (l == LAYER_BGP) {
			if (ls->targets)
				queue_signal(w, ent, "bgp", "visibility", s, ls->fraction, ls->baseline,
					     ls->targets);
			continue;
		}
		/* LAYER_* == ROLE_* for the roles */
		if (l >= ROLE__COUNT || (!ls->targets && ls->status == LSTATUS_NODATA))
			continue;
		const char *name = detect_layer_name(l);
		queue_signal(w, ent, name, "up", s, ls->fraction, ls->baseline, ls->targets);
		struct watch_lacc *a = &w->lacc[(slot * ROLE__COUNT + (size_t)l) * w->lacc_ring +
						(size_t)(bin % (int64_t)w->lacc_ring)];
		if (a->bin != bin || !a->n)
			continue;
		queue_signal(w, ent, name, "loss", s, (double)a->failed / a->n, NAN, (int)a->n);
		if (a->nrtt) {
			qsort(a->rtt, a->nrtt, sizeof a->rtt[0], cmp_float);
			double med = a->nrtt % 2 ? a->rtt[a->nrtt / 2]
						 : (a->rtt[a->nrtt / 2 - 1] + a->rtt[a->nrtt / 2]) / 2.0;
			queue_signal(w, ent, name, "rtt_ms", s, med, NAN, (int)a->nrtt);
		}
	}
}

static void hook_target(void *arg, const struct detect_target_state *st)
{
	struct watch *w = arg;
	if (w->replaying || st->id >= w->cfg->n_targets)
		return;
	struct watch_tstat *ts = &w->ts[st->id];
	int64_t bin = st->last_us - st->last_us % w->params.bin_us;
	struct store_target_bin b = {
	    .target_id = w->store_tgt[st->id],
	    .vantage = w->cfg->vantage.id,
	    .bin_us = bin,
	    .width_us = w->params.bin_us,
	    .state = detect_tstate_name(st->state),
	    .n = (int)ts->bin_n,
	    .n_ok = (int)ts->bin_ok,
	    .rtt_ms = ts->rtt_ms >= 0 ? ts->rtt_ms : NAN,
	    .loss = ts->bin_n ? 1.0 - (double)ts->bin_ok / ts->bin_n : NAN,
	};
	store_queue_target_bin(w->st, &b);
	ts->bin_n = ts->bin_ok = 0;
}

/* ---- alerts, after the flush that committed their event ---- */

struct alert_call {
	struct watch *w;
	enum alert_kind kind;
};

/* config_alert.on is passed to the alerter as its kinds mask: same bits */
_Static_assert(ALERT_ON_OPEN == ALERT_KIND_BIT(ALERT_OPEN) && ALERT_ON_UPDATE == ALERT_KIND_BIT(ALERT_UPDATE) &&
		       ALERT_ON_CLOSE == ALERT_KIND_BIT(ALERT_CLOSE) && ALERT_ON_ALL == ALERT_KINDS_ALL,
	       "config's ALERT_ON_* are the alerter's kind bits");

static int emit_alert(void *arg, const struct serve_event *e)
{
	struct alert_call *c = arg;
	for (size_t i = 0; i < c->w->n_alerters; i++) {
		struct watch_alerter *wa = &c->w->alerters[i];
		if (wa->a) /* the alerter skips the kinds its hook does not get */
			(void)alert_notify(wa->a, c->kind, e, clock_wall_us());
	}
	return 0;
}

static int on_event_row(void *arg, const struct store_event_row *row)
{
	struct alert_call *c = arg;
	return watch_serve_event(c->w->st, row, emit_alert, c);
}

static void on_flushed(struct store_flusher *fl, int rc)
{
	struct watch *w = fl->data;
	if (rc < 0) {
		log_warn("store: flush failed (kept, retried): %s", store_errmsg(w->st));
		return;
	}
	for (size_t i = 0; i < w->n_pending; i++) {
		struct alert_call c = {w, w->pending[i].kind};
		int r = store_event(w->st, 0, w->pending[i].key, on_event_row, &c);
		if (r < 0)
			log_warn("alert: event %s not found in the store: %s", w->pending[i].key, err_str(r));
		free(w->pending[i].key);
	}
	w->n_pending = 0;
}

/* ---- BGP ---- */

/* The detector gets each change of a prefix's visibility at its moment
 * (withdrawn by every peer, visible again), and each bin's state at the
 * bin's end, where that state was read: dated at the bin's start, a
 * withdrawal would seem to happen up to a bin before it did. The store keeps
 * the bin rows. */
static void feed_bgp(struct watch *w, const struct vis_row *r, int64_t time_us)
{
	struct detect_bgp_sample s = {
	    .time_us = time_us,
	    .prefix = w->vw_prefix[r->watch],
	    .visible = (uint16_t)r->seeing,
	    .peers = (uint16_t)r->peers_up,
	};
	int rc = detect_feed_bgp(w->d, &s);
	if (rc < 0)
		log_debug("watch: detector refused a BGP sample: %s", err_str(rc));
}

static void on_vis_row(void *ctx, const struct vis_row *r)
{
	struct watch *w = ctx;
	if (w->state == WATCH_STOPPING)
		return;
	bool declared = w->vw_prefix[r->watch] != UINT32_MAX;
	if (r->kind != VIS_ROW_BIN) {
		if (declared)
			feed_bgp(w, r, r->time_us);
		return;
	}
	/* A session that came up in this bin may not have sent its table yet: a
	 * peer counts from Established, its routes follow within milliseconds to
	 * seconds, so the bin ends with "up, seeing nothing", which is not a
	 * withdrawal. The detector gets the next bin, when the table is in. */
	bool peer_joined = r->peers_up > w->vw_peers_up[r->watch];
	w->vw_peers_up[r->watch] = r->peers_up;
	if (declared && !peer_joined)
		feed_bgp(w, r, r->end_us - 1);
	struct store_bgp_sample b = {
	    .time_us = r->time_us,
	    .prefix = *r->prefix,
	    .vantage = w->cfg->vantage.id,
	    .peers_seeing = (int)r->seeing,
	    .peers_total = (int)r->peers_up,
	    .origin_as = w->vw[r->watch].origin_as,
	};
	store_queue_bgp(w->st, &b);
}

static void on_route(void *ctx, const struct vis_event *e)
{
	struct watch *w = ctx;
	if (w->vis && w->state == WATCH_RUNNING)
		vis_feed(w->vis, e);
}

static void on_bgp_state(void *ctx, const struct collector_state_change *s)
{
	char ab[ADDR_STRLEN];
	log_info("bgp: peer %s AS%" PRIu32 ": %s -> %s (%s)", addr_format(s->ip, ab, sizeof ab), s->asn,
		 collector_fsm_name(s->old_state), collector_fsm_name(s->new_state),
		 s->reason ? s->reason : "");
}

static int bgp_prepare(struct watch *w, const uint32_t *prefix_ids, char *err, size_t errlen)
{
	const struct config *cfg = w->cfg;
	size_t n = cfg->bgp.n_prefixes;
	for (size_t i = 0; i < cfg->n_entities; i++)
		n += cfg->entities[i].n_prefixes;
	if (n > VIS_MAX_WATCH) {
		log_warn("bgp: %zu prefixes watched, only the first %d are followed", n, VIS_MAX_WATCH);
		n = VIS_MAX_WATCH;
	}
	w->vw = xcalloc(n + 1, sizeof *w->vw);
	w->vw_prefix = xcalloc(n + 1, sizeof *w->vw_prefix);
	w->vw_entity = xcalloc(n + 1, sizeof *w->vw_entity);
	w->vw_peers_up = xcalloc(n + 1, sizeof *w->vw_peers_up);
	size_t k = 0, pi = 0;
	for (size_t i = 0; i < cfg->n_entities; i++) {
		const struct config_entity *e = &cfg->entities[i];
		for (size_t j = 0; j < e->n_prefixes; j++, pi++) {
			if (k == n)
				continue;
			w->vw[k].prefix = e->prefixes[j];
			w->vw[k].origin_as = e->n_origin_as == 1 ? e->origin_as[0] : 0;
			w->vw_prefix[k] = prefix_ids[pi];
			w->vw_entity[k] = i;
			k++;
		}
	}
	for (size_t j = 0; j < cfg->bgp.n_prefixes && k < n; j++, k++) {
		w->vw[k].prefix = cfg->bgp.prefixes[j];
		w->vw_prefix[k] = UINT32_MAX;
		w->vw_entity[k] = CONFIG_NO_ENTITY;
	}
	w->n_vw = k;
	if (!k)
		return 0;
	struct vis_config vc = {w->vw, k, w->params.bin_us, on_vis_row, w};
	int rc = 0;
	w->vis = vis_new(&vc, &rc);
	if (!w->vis) {
		snprintf(err, errlen, "bgp: cannot follow the prefixes: %s", err_str(rc));
		return rc ? rc : ERR_INVAL;
	}
	return 0;
}

static int bgp_start(struct watch *w, char *err, size_t errlen)
{
	const struct config_bgp *b = &w->cfg->bgp;
	struct collector_peer_config *peers = xcalloc(b->n_peers + 1, sizeof *peers);
	for (size_t i = 0; i < b->n_peers; i++) {
		peers[i].ip = b->peers[i].addr;
		peers[i].asn = b->peers[i].asn;
		/* the peer connects to us; a port other than the default means we connect too */
		peers[i].port = b->peers[i].port != CONFIG_DEFAULT_BGP_PORT ? b->peers[i].port : 0;
	}
	struct collector_config cc = {
	    .listen_ip = b->listen_addr,
	    .listen_port = b->listen_port,
	    .asn = b->local_as,
	    .hold_time = (uint16_t)(b->hold_time_us / 1000000),
	    .message_timeout = (uint16_t)(b->message_timeout_us / 1000000),
	    .peers = peers,
	    .n_peers = b->n_peers,
	    .mrt_path = b->mrt_path,
	    .on_route = on_route,
	    .on_state = on_bgp_state,
	    .ctx = w,
	};
	cc.router_id[0] = (uint8_t)(b->router_id >> 24);
	cc.router_id[1] = (uint8_t)(b->router_id >> 16);
	cc.router_id[2] = (uint8_t)(b->router_id >> 8);
	cc.router_id[3] = (uint8_t)b->router_id;
	int rc = collector_start(&w->loop, &cc, &w->col, err, errlen);
	free(peers);
	return rc;
}

/* ---- timers and signals ---- */

static void on_tick(uv_timer_t *tm)
{
	struct watch *w = tm->data;
	if (w->state != WATCH_RUNNING)
		return;
	int64_t now = clock_wall_us();
	if (w->vis)
		vis_advance(w->vis, now);
	detect_tick(w->d, now);
	/* forget closed events a day old: memory stays bounded on long runs */
	detect_prune(w->d, now - 86400 * INT64_C(1000000));
	/* recent send rate for the API */
	uint64_t sent = 0;
	for (size_t i = 0; i < w->n_engines; i++) {
		struct probe_stats ps;
		if (!w->engines[i].e)
			continue;
		probe_engine_stats(w->engines[i].e, &ps);
		sent += ps.sent;
	}
	int64_t mono = clock_mono_us();
	if (w->eng_rate_mono_us && mono > w->eng_rate_mono_us)
		w->probes_per_s = (double)(sent - w->eng_sent_prev) * 1e6 / (double)(mono - w->eng_rate_mono_us);
	w->eng_sent_prev = sent;
	w->eng_rate_mono_us = mono;
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct watch *w = s->data;
	log_info("watch: %s, stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
	watch_stop(w);
}

static void on_stop_timer(uv_timer_t *tm)
{
	struct watch *w = tm->data;
	log_info("watch: --duration reached, stopping");
	watch_stop(w);
}

static void on_collector_stopped(void *arg)
{
	struct watch *w = arg;
	collector_free(w->col);
	w->col = NULL;
}

void watch_stop(struct watch *w)
{
	if (w->state == WATCH_STOPPING)
		return;
	w->state = WATCH_STOPPING;
	watch_sched_stop(w);
	if (w->timers_on) {
		uv_close((uv_handle_t *)&w->tick, NULL);
		w->timers_on = false;
	}
	if (w->stop_timer_on) {
		uv_close((uv_handle_t *)&w->stop_timer, NULL);
		w->stop_timer_on = false;
	}
	if (w->signals_on) {
		uv_close((uv_handle_t *)&w->sigint, NULL);
		uv_close((uv_handle_t *)&w->sigterm, NULL);
		w->signals_on = false;
	}
	if (w->col)
		collector_stop(w->col, on_collector_stopped, w);
	if (w->srv) {
		http_server_stop(w->srv);
		w->srv = NULL;
	}
	for (size_t i = 0; i < w->n_alerters; i++) {
		alert_free(w->alerters[i].a);
		w->alerters[i].a = NULL;
	}
	/* last: what was queued is written before the flusher's timer closes */
	if (w->flusher_on) {
		store_flusher_stop(&w->flusher, NULL);
		w->flusher_on = false;
	}
}

/* ---- set-up ---- */

static int on_open_event(void *ctx, const struct store_event_row *r)
{
	int64_t *oldest = ctx;
	if (!*oldest || r->start_us < *oldest)
		*oldest = r->start_us;
	return 0;
}

static int replay_history(struct watch *w, char *err, size_t errlen)
{
	if (w->opt.replay_us < 0)
		return 0;
	int64_t now = clock_wall_us();
	int64_t span = w->opt.replay_us ? w->opt.replay_us : WATCH_REPLAY_DEFAULT_US;
	int64_t from = now - span, oldest = 0;
	int rc = store_events(w->ro, now, STORE_EVENTS_OPEN_ONLY, on_open_event, &oldest);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read the open events: %s", store_errmsg(w->ro));
		return rc;
	}
	/* from a little before the oldest open event, so its start is seen again */
	if (oldest && oldest - DETECT_WINDOW_N * w->params.bin_us < from)
		from = oldest - (DETECT_BASE_MIN + DETECT_WINDOW_N) * w->params.bin_us;
	uint64_t fed = 0;
	w->replaying = true;
	rc = watch_replay(w->ro, w->d, w->store_tgt, w->cfg->n_targets, w->cfg->vantage.id, from, now,
			  NULL, NULL, &fed);
	detect_tick(w->d, now);
	w->replaying = false;
	if (rc < 0) {
		snprintf(err, errlen, "cannot replay the stored observations: %s", store_errmsg(w->ro));
		return rc;
	}
	if (fed)
		log_info("watch: replayed %" PRIu64 " stored observations (%zu event%s open)", fed,
			 w->n_keys, w->n_keys == 1 ? "" : "s");
	return 0;
}

int watch_new(const struct config *cfg, const struct watch_options *opt, struct watch **out,
	      char *err, size_t errlen)
{
	struct watch *w = xcalloc(1, sizeof *w);
	int rc;
	uint32_t *prefix_ids = NULL;
	*out = NULL;
	w->cfg = cfg;
	if (opt)
		w->opt = *opt;
	w->db_path = xstrdup(w->opt.db_path ? w->opt.db_path : cfg->store.path);
	w->state = WATCH_STARTING;
	if ((rc = uv_loop_init(&w->loop)) < 0) {
		snprintf(err, errlen, "uv_loop_init: %s", uv_strerror(rc));
		rc = ERR_SYS;
		goto fail;
	}
	w->loop_inited = true;

	struct store_options so = {
	    .raw_retention_us = cfg->store.raw_retention_us,
	    .agg_retention_us = cfg->store.agg_retention_us,
	    .agg_bin_us = cfg->store.agg_bin_us,
	    .queue_max_bytes = cfg->store.queue_max_bytes,
	};
	/* before the store exists, so a run that cannot work as the user leaves nothing behind */
	if (w->opt.user && (rc = priv_prepare_dir(w->opt.user, w->db_path, err, errlen)) < 0)
		goto fail;
	char serr[256];
	if ((rc = store_open(w->db_path, &so, &w->st, serr, sizeof serr)) < 0) {
		snprintf(err, errlen, "%s: %s", w->db_path, serr);
		goto fail;
	}
	struct store_options ro = {.readonly = true};
	if ((rc = store_open(w->db_path, &ro, &w->ro, serr, sizeof serr)) < 0) {
		snprintf(err, errlen, "%s (read-only): %s", w->db_path, serr);
		goto fail;
	}
	w->store_ent = xcalloc(cfg->n_entities + 1, sizeof *w->store_ent);
	w->store_tgt = xcalloc(cfg->n_targets + 1, sizeof *w->store_tgt);
	if ((rc = store_sync_config(w->st, cfg, w->store_ent, w->store_tgt)) < 0) {
		snprintf(err, errlen, "%s: cannot record the watchlist: %s", w->db_path, store_errmsg(w->st));
		goto fail;
	}

	w->ts = xcalloc(cfg->n_targets + 1, sizeof *w->ts);
	for (size_t i = 0; i < cfg->n_targets; i++) {
		w->ts[i].last_outcome = -1;
		w->ts[i].rtt_ms = -1;
	}
	watch_detect_params(cfg, &w->params);
	w->lacc_ring = (size_t)(w->params.late_us / w->params.bin_us) + 4;
	size_t nl = (cfg->n_entities + 1) * ROLE__COUNT * w->lacc_ring;
	w->lacc = xcalloc(nl, sizeof *w->lacc);
	for (size_t i = 0; i < nl; i++)
		w->lacc[i].bin = -1;
	struct detect_hooks hooks = {.arg = w, .event = hook_event, .signals = hook_signals,
				     .target = hook_target};
	w->d = detect_new(&w->params, &hooks);
	w->det_ent = xcalloc(cfg->n_entities + 1, sizeof *w->det_ent);
	size_t np = 0;
	for (size_t i = 0; i < cfg->n_entities; i++)
		np += cfg->entities[i].n_prefixes;
	prefix_ids = xcalloc(np + 1, sizeof *prefix_ids);
	if ((rc = watch_declare(w->d, cfg, w->det_ent, prefix_ids)) < 0) {
		snprintf(err, errlen, "cannot set up the detector: %s", err_str(rc));
		goto fail;
	}
	w->n_det_ent = detect_entity_count(w->d);
	w->ent_of_det = xcalloc(w->n_det_ent + 1, sizeof *w->ent_of_det);
	for (size_t i = 0; i < cfg->n_entities; i++)
		if (w->det_ent[i] < w->n_det_ent)
			w->ent_of_det[w->det_ent[i]] = i + 1;
	if (cfg->bgp.enabled && (rc = bgp_prepare(w, prefix_ids, err, errlen)) < 0)
		goto fail;
	free(prefix_ids);
	prefix_ids = NULL;

	if ((rc = replay_history(w, err, errlen)) < 0)
		goto fail;
	*out = w;
	return 0;
fail:
	free(prefix_ids);
	watch_free(w);
	return rc;
}

static int start_serving(struct watch *w, char *err, size_t errlen)
{
	const struct config *cfg = w->cfg;
	int rc;
	if (cfg->n_alerts) {
		w->alerters = xcalloc(cfg->n_alerts, sizeof *w->alerters);
		for (size_t i = 0; i < cfg->n_alerts; i++) {
			const struct config_alert *ca = &cfg->alerts[i];
			struct watch_alerter *wa = &w->alerters[i];
			wa->w = w;
			wa->ca = ca;
			snprintf(wa->sink, sizeof wa->sink, "%s:%s",
				 ca->kind == ALERT_WEBHOOK ? "webhook" : "exec", ca->name);
			watch_outbox_init(wa);
			struct alert_header *hdr = xcalloc(ca->n_headers + 1, sizeof *hdr);
			for (size_t k = 0; k < ca->n_headers; k++)
				hdr[k] = (struct alert_header){ca->headers[k].name, ca->headers[k].value};
			struct alert_webhook hook = {ca->name, ca->url, (unsigned)(ca->timeout_us / 1000), ca->on,
						     !ca->text, hdr, ca->n_headers};
			struct alert_exec ex = {ca->name, ca->argv, (unsigned)(ca->timeout_us / 1000), ca->on};
			struct alert_config ac = {0};
			if (ca->kind == ALERT_WEBHOOK) {
				ac.webhooks = &hook;
				ac.n_webhooks = 1;
			} else {
				ac.execs = &ex;
				ac.n_execs = 1;
			}
			char dash[ADDR_PORT_STRLEN + 16] = "";
			if (w->api_addr[0]) {
				snprintf(dash, sizeof dash, "http://%s", w->api_addr);
				ac.dashboard_url = dash;
			}
			rc = alert_new(&w->loop, &ac, &wa->outbox, &wa->a, err, errlen);
			free(hdr); /* the alerter copied the headers */
			if (rc < 0)
				return rc;
			w->n_alerters = i + 1;
		}
	}
	return 0;
}

/* The store's files were created as root by watch_new: give them to the user
 * (SQLite writes the -wal and -shm through the descriptors already open, and
 * the next start opens them as that user), then leave root. */
static int drop_privileges(struct watch *w, char *err, size_t errlen)
{
	size_t n = strlen(w->db_path) + 8;
	char *wal = xmalloc(n), *shm = xmalloc(n);
	snprintf(wal, n, "%s-wal", w->db_path);
	snprintf(shm, n, "%s-shm", w->db_path);
	const char *files[] = {w->db_path, wal, shm, NULL};
	int rc = priv_chown(w->opt.user, files, err, errlen);
	if (rc == 0)
		rc = priv_drop(w->opt.user, w->opt.keep_net_raw, err, errlen);
	if (rc == 0)
		log_info("watch: running as %s (uid %u, gid %u)%s", w->opt.user, (unsigned)getuid(),
			 (unsigned)getgid(), w->opt.keep_net_raw ? " with CAP_NET_RAW" : ", no capabilities");
	free(wal);
	free(shm);
	return rc;
}

int watch_run(struct watch *w, char *err, size_t errlen)
{
	const struct config *cfg = w->cfg;
	int rc;
	w->started_wall_us = clock_wall_us();
	w->flusher.data = w;
	w->flusher.on_flush = on_flushed;
	if ((rc = store_flusher_start(&w->flusher, &w->loop, w->st, cfg->store.flush_interval_us)) < 0) {
		snprintf(err, errlen, "cannot start the store flusher: %s", err_str(rc));
		return rc;
	}
	w->flusher_on = true;
	w->state = WATCH_RUNNING;
	uv_signal_init(&w->loop, &w->sigint);
	uv_signal_init(&w->loop, &w->sigterm);
	w->sigint.data = w->sigterm.data = w;
	uv_signal_start(&w->sigint, on_signal, SIGINT);
	uv_signal_start(&w->sigterm, on_signal, SIGTERM);
	w->signals_on = true;
	uv_timer_init(&w->loop, &w->tick);
	w->tick.data = w;
	uv_timer_start(&w->tick, on_tick, TICK_MS, TICK_MS);
	w->timers_on = true;
	if (w->opt.duration_us > 0) {
		uv_timer_init(&w->loop, &w->stop_timer);
		w->stop_timer.data = w;
		uv_timer_start(&w->stop_timer, on_stop_timer, (uint64_t)(w->opt.duration_us / 1000), 0);
		w->stop_timer_on = true;
	}
	if (cfg->http.enabled && !w->opt.no_http) {
		watch_provider_init(w);
		char ab[ADDR_STRLEN];
		struct http_config hc = {
		    .address = addr_format(&cfg->http.listen_addr, ab, sizeof ab),
		    .port = cfg->http.listen_port,
		    .token = cfg->http.token,
		    .conn_timeout_s = (unsigned)(cfg->http.idle_timeout_us / 1000000),
		    .request_timeout_s = (unsigned)(cfg->http.request_timeout_us / 1000000),
		    .max_connections = cfg->http.max_connections,
		    .max_per_ip = cfg->http.max_per_ip,
		};
		if ((rc = http_server_start(&w->loop, &hc, serve_api_handle, &w->prov, &w->srv, err, errlen)) < 0)
			goto fail;
		addr_port_format(&cfg->http.listen_addr, http_server_port(w->srv), w->api_addr,
				 sizeof w->api_addr);
		log_info("watch: API and dashboard on http://%s/", w->api_addr);
	}
	if ((rc = start_serving(w, err, errlen)) < 0)
		goto fail;
	if (w->vis && cfg->bgp.enabled && (rc = bgp_start(w, err, errlen)) < 0)
		goto fail;
	if ((rc = watch_sched_start(w, err, errlen)) < 0)
		goto fail;
	if (w->opt.user && (rc = drop_privileges(w, err, errlen)) < 0)
		goto fail;
	uv_run(&w->loop, UV_RUN_DEFAULT);
	return 0;
fail:
	watch_stop(w);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	return rc;
}

const char *watch_api_address(const struct watch *w)
{
	return w->api_addr;
}

void watch_free(struct watch *w)
{
	if (!w)
		return;
	if (w->loop_inited) {
		if (w->state != WATCH_STOPPING)
			watch_stop(w);
		uv_run(&w->loop, UV_RUN_DEFAULT);
		if (uv_loop_close(&w->loop) == UV_EBUSY)
			log_warn("watch: handles still open at exit");
	}
	collector_free(w->col);
	vis_free(w->vis);
	detect_free(w->d);
	store_close(w->ro);
	store_close(w->st);
	for (size_t i = 0; i < w->n_keys; i++)
		free(w->keys[i].key);
	for (size_t i = 0; i < w->n_pending; i++)
		free(w->pending[i].key);
	free(w->keys);
	free(w->pending);
	free(w->alerters);
	free(w->jobs);
	free(w->engines);
	free(w->ts);
	free(w->lacc);
	free(w->vw);
	free(w->vw_prefix);
	free(w->vw_entity);
	free(w->vw_peers_up);
	free(w->det_ent);
	free(w->ent_of_det);
	free(w->store_ent);
	free(w->store_tgt);
	free(w->db_path);
	free(w);
}
