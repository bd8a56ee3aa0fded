/*
 * serve_fixture - runs the real HTTP server (API, /metrics, dashboard) and the
 * real alerter on a loopback port, with a data provider filled from a fixture
 * file instead of the store and the detector.
 *
 * THIS STANDS IN ONLY UNTIL THE WATCHER PLUGS THE STORE IN: it lets the
 * interface tests (tests/integration/test_serve*.sh) run a real Prometheus,
 * a real Chromium and real webhook receivers against the real server code
 * today. Everything under src/serve/ is the code under test; this file is only
 * the provider and an outbox kept in a plain file.
 *
 * Usage: serve_fixture --fixture FILE [--port N] [--port-file F] [--address A]
 *          [--token T] [--outbox FILE] [--webhook URL]... [--exec PROG]...
 *          [--backoff-ms N] [--hook-timeout-ms N] [--dashboard-url URL]
 * SIGUSR1 re-reads the fixture: events that appeared, changed cause or
 * severity, or closed raise alerts, as the detector will. SIGTERM/SIGINT stop.
 *
 * Fixture lines (times in seconds relative to the fixture's start T0; '#' comments):
 *   bins STEP SPAN                  signal bins of STEP s from T0-SPAN until now
 *   entity ID KIND NAME...
 *   target ID ENTITY ROLE PROBE ADDRESS STATE RTT_MS
 *   layer ENTITY LAYER UP RTT_MS LOSS          baseline of the layer's signals
 *   set ENTITY LAYER METRIC FROM UNTIL VALUE   the signal over [FROM, UNTIL)
 *   event ID ENTITY CAUSE SEVERITY CONFIDENCE START END|open SUMMARY...
 *   failed ID LAYER...  /  recovered ID LAYER...  /  evidence ID TEXT...
 *   step ID T LAYER CHANGE TEXT...
 *   bgp PREFIX ENTITY ORIGIN_AS PEERS SEEING
 *   obs TARGET T PROBE OUTCOME RTT_MS DETAIL...
 *   engine SENT ANSWERED TIMEOUTS IN_FLIGHT RATE
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/obs.h"
#include "serve/alert.h"
#include "serve/api.h"
#include "serve/http.h"

#define MAXN 64
#define MAXSTR 256

struct f_entity { char id[MAXSTR], kind[MAXSTR], name[MAXSTR]; };
struct f_target { char id[MAXSTR], entity[MAXSTR], role[32], probe[32], address[MAXSTR], state[32]; double rtt; };
struct f_layer { char entity[MAXSTR], layer[32]; double up, rtt, loss; };
struct f_set { char entity[MAXSTR], layer[32], metric[32]; int64_t from, until; double v; };
struct f_step { int64_t t; char layer[32], change[32], text[MAXSTR]; };
struct f_event {
	uint64_t id;
	char entity[MAXSTR], cause[64], summary[MAXSTR];
	double severity, confidence;
	int64_t start, end; /* relative seconds; end = INT64_MIN while open */
	char failed[8][32], recovered[8][32], evidence[8][MAXSTR];
	size_t n_failed, n_recovered, n_evidence;
	struct f_step steps[32];
	size_t n_steps;
};
struct f_bgp { char prefix[64], entity[MAXSTR]; uint32_t origin, peers, seeing; };
struct f_obs { char target[MAXSTR], probe[32], detail[MAXSTR]; int64_t t; int outcome; double rtt; };

struct fixture {
	int64_t step_s, span_s;
	struct f_entity ent[MAXN]; size_t n_ent;
	struct f_target tgt[MAXN]; size_t n_tgt;
	struct f_layer lay[MAXN]; size_t n_lay;
	struct f_set set[MAXN]; size_t n_set;
	struct f_event ev[MAXN]; size_t n_ev;
	struct f_bgp bgp[MAXN]; size_t n_bgp;
	struct f_obs obs[MAXN]; size_t n_obs;
	struct serve_engine_stats engine;
};

struct app {
	uv_loop_t *loop;
	const char *path;
	int64_t t0_us; /* wall clock of relative time 0 */
	struct fixture *fx;
	struct http_server *http;
	struct alerter *alerter;
	uv_signal_t sig_usr1, sig_term, sig_int;
	/* file outbox */
	int ob_fd;
	struct ob_row { uint64_t id; char *sink, *payload; uint32_t attempts; int64_t next; int sent; } *ob;
	size_t ob_n;
	uint64_t ob_next_id;
};

/* ---- fixture parsing ---- */

static char *word(char **p)
{
	while (isspace((unsigned char)**p))
		(*p)++;
	if (!**p)
		return NULL;
	char *w = *p;
	while (**p && !isspace((unsigned char)**p))
		(*p)++;
	if (**p)
		*(*p)++ = '\0';
	return w;
}

static char *rest(char **p)
{
	while (isspace((unsigned char)**p))
		(*p)++;
	char *r = *p;
	size_t n = strlen(r);
	while (n && isspace((unsigned char)r[n - 1]))
		r[--n] = '\0';
	return r;
}

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

static struct f_event *find_event(struct fixture *fx, uint64_t id)
{
	for (size_t i = 0; i < fx->n_ev; i++)
		if (fx->ev[i].id == id)
			return &fx->ev[i];
	return NULL;
}

static int load_fixture(const char *path, struct fixture *fx)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "serve_fixture: %s: %s\n", path, strerror(errno));
		return -1;
	}
	memset(fx, 0, sizeof *fx);
	fx->step_s = 60;
	fx->span_s = 6 * 3600;
	char line[1024];
	int lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *p = line, *k = word(&p);
		if (!k || k[0] == '#')
			continue;
		char *a[8] = {0};
		int bad = 0;
#define W(n) for (int i_ = 0; i_ < (n); i_++) if (!(a[i_] = word(&p))) bad = 1
		if (!strcmp(k, "bins")) {
			W(2);
			if (!bad) fx->step_s = atoll(a[0]), fx->span_s = atoll(a[1]);
		} else if (!strcmp(k, "entity") && fx->n_ent < MAXN) {
			W(2);
			if (!bad) {
				struct f_entity *e = &fx->ent[fx->n_ent++];
				COPY(e->id, a[0]); COPY(e->kind, a[1]); COPY(e->name, rest(&p));
			}
		} else if (!strcmp(k, "target") && fx->n_tgt < MAXN) {
			W(7);
			if (!bad) {
				struct f_target *t = &fx->tgt[fx->n_tgt++];
				COPY(t->id, a[0]); COPY(t->entity, a[1]); COPY(t->role, a[2]); COPY(t->probe, a[3]);
				COPY(t->address, a[4]); COPY(t->state, a[5]); t->rtt = atof(a[6]);
			}
		} else if (!strcmp(k, "layer") && fx->n_lay < MAXN) {
			W(5);
			if (!bad) {
				struct f_layer *l = &fx->lay[fx->n_lay++];
				COPY(l->entity, a[0]); COPY(l->layer, a[1]);
				l->up = atof(a[2]); l->rtt = atof(a[3]); l->loss = atof(a[4]);
			}
		} else if (!strcmp(k, "set") && fx->n_set < MAXN) {
			W(6);
			if (!bad) {
				struct f_set *s = &fx->set[fx->n_set++];
				COPY(s->entity, a[0]); COPY(s->layer, a[1]); COPY(s->metric, a[2]);
				s->from = atoll(a[3]); s->until = atoll(a[4]); s->v = atof(a[5]);
			}
		} else if (!strcmp(k, "event") && fx->n_ev < MAXN) {
			W(7);
			if (!bad) {
				struct f_event *e = &fx->ev[fx->n_ev++];
				e->id = strtoull(a[0], NULL, 10);
				COPY(e->entity, a[1]); COPY(e->cause, a[2]);
				e->severity = atof(a[3]); e->confidence = atof(a[4]);
				e->start = atoll(a[5]);
				e->end = !strcmp(a[6], "open") ? INT64_MIN : atoll(a[6]);
				COPY(e->summary, rest(&p));
			}
		} else if (!strcmp(k, "failed") || !strcmp(k, "recovered") || !strcmp(k, "evidence") ||
			   !strcmp(k, "step")) {
			W(1);
			struct f_event *e = bad ? NULL : find_event(fx, strtoull(a[0], NULL, 10));
			if (!e) {
				bad = 1;
			} else if (!strcmp(k, "evidence")) {
				if (e->n_evidence < 8)
					COPY(e->evidence[e->n_evidence++], rest(&p));
			} else if (!strcmp(k, "step")) {
				char *t = word(&p), *l = word(&p), *c = word(&p);
				if (!t || !l || !c || e->n_steps == 32) {
					bad = 1;
				} else {
					struct f_step *s = &e->steps[e->n_steps++];
					s->t = atoll(t); COPY(s->layer, l); COPY(s->change, c); COPY(s->text, rest(&p));
				}
			} else {
				char *w;
				while ((w = word(&p))) {
					if (k[0] == 'f' && e->n_failed < 8)
						COPY(e->failed[e->n_failed++], w);
					else if (k[0] == 'r' && e->n_recovered < 8)
						COPY(e->recovered[e->n_recovered++], w);
				}
			}
		} else if (!strcmp(k, "bgp") && fx->n_bgp < MAXN) {
			W(5);
			if (!bad) {
				struct f_bgp *g = &fx->bgp[fx->n_bgp++];
				COPY(g->prefix, a[0]); COPY(g->entity, a[1]);
				g->origin = (uint32_t)atol(a[2]); g->peers = (uint32_t)atol(a[3]); g->seeing = (uint32_t)atol(a[4]);
			}
		} else if (!strcmp(k, "obs") && fx->n_obs < MAXN) {
			W(5);
			if (!bad) {
				struct f_obs *o = &fx->obs[fx->n_obs++];
				COPY(o->target, a[0]); o->t = atoll(a[1]); COPY(o->probe, a[2]);
				o->outcome = outcome_from_code(a[3]); o->rtt = atof(a[4]); COPY(o->detail, rest(&p));
				if (o->outcome < 0)
					bad = 1;
			}
		} else if (!strcmp(k, "engine")) {
			W(5);
			if (!bad) {
				fx->engine.sent = strtoull(a[0], NULL, 10); fx->engine.answered = strtoull(a[1], NULL, 10);
				fx->engine.timeouts = strtoull(a[2], NULL, 10); fx->engine.in_flight = (uint32_t)atol(a[3]);
				fx->engine.probes_per_s = atof(a[4]);
			}
		} else {
			bad = 1;
		}
#undef W
		if (bad) {
			fprintf(stderr, "serve_fixture: %s:%d: cannot read '%s' line (or too many)\n", path, lineno, k);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

/* ---- the provider ---- */

static int64_t abs_us(struct app *a, int64_t rel_s)
{
	return a->t0_us + rel_s * USEC_PER_SEC;
}

static struct f_event *open_event_of(struct fixture *fx, const char *entity)
{
	for (size_t i = 0; i < fx->n_ev; i++)
		if (fx->ev[i].end == INT64_MIN && !strcmp(fx->ev[i].entity, entity))
			return &fx->ev[i];
	return NULL;
}

static struct f_entity *find_entity(struct fixture *fx, const char *id)
{
	for (size_t i = 0; i < fx->n_ent; i++)
		if (!strcmp(fx->ent[i].id, id))
			return &fx->ent[i];
	return NULL;
}

static int p_entities(void *ctx, serve_entity_emit emit, void *arg)
{
	struct app *a = ctx;
	for (size_t i = 0; i < a->fx->n_ent; i++) {
		struct f_entity *e = &a->fx->ent[i];
		struct f_event *ev = open_event_of(a->fx, e->id);
		uint32_t n = 0;
		for (size_t k = 0; k < a->fx->n_tgt; k++)
			n += !strcmp(a->fx->tgt[k].entity, e->id);
		struct serve_entity se = {.id = e->id, .name = e->name, .kind = e->kind,
					  .state = ev ? "down" : "up", .n_targets = n,
					  .open_event = ev ? ev->id : 0};
		if (emit(arg, &se))
			break;
	}
	return 0;
}

static int p_targets(void *ctx, const char *entity, serve_target_emit emit, void *arg)
{
	struct app *a = ctx;
	if (entity && !find_entity(a->fx, entity))
		return ERR_NOTFOUND;
	int64_t now = clock_wall_us(), age_s = (now - a->t0_us) / USEC_PER_SEC + a->fx->span_s;
	for (size_t i = 0; i < a->fx->n_tgt; i++) {
		struct f_target *t = &a->fx->tgt[i];
		if (entity && strcmp(entity, t->entity))
			continue;
		bool up = !strcmp(t->state, "up");
		uint64_t sent = (uint64_t)(age_s / 10 + 1);
		struct serve_target st = {.id = t->id, .entity = t->entity, .address = t->address, .role = t->role,
					  .probe = t->probe, .state = t->state, .since_us = abs_us(a, -3600),
					  .last_us = now - 2 * USEC_PER_SEC,
					  .last_outcome = up ? OUTCOME_OK : OUTCOME_TIMEOUT,
					  .rtt_ms = up ? t->rtt : -1, .sent = sent, .answered = up ? sent * 9 / 10 : sent / 2};
		if (emit(arg, &st))
			break;
	}
	return 0;
}

/* The value of a signal at relative time t: the baseline, a 'set' override,
 * and a little deterministic wobble on RTT so plots look like data. */
static double signal_at(struct fixture *fx, const struct f_layer *l, const char *metric, int64_t t)
{
	double v = !strcmp(metric, "up") || !strcmp(metric, "visibility") ? l->up
		   : !strcmp(metric, "rtt_ms")                            ? l->rtt * (1 + 0.05 * sin((double)t / 300.0))
									  : l->loss;
	for (size_t i = 0; i < fx->n_set; i++) {
		const struct f_set *s = &fx->set[i];
		if (!strcmp(s->entity, l->entity) && !strcmp(s->layer, l->layer) && !strcmp(s->metric, metric) &&
		    t >= s->from && t < s->until)
			v = s->v;
	}
	return v < 0 ? NAN : v;
}

static int p_signals(void *ctx, const char *entity, int64_t from_us, int64_t until_us,
		     serve_series_emit emit, void *arg)
{
	struct app *a = ctx;
	struct fixture *fx = a->fx;
	if (!find_entity(fx, entity))
		return ERR_NOTFOUND;
	int64_t step = fx->step_s * USEC_PER_SEC;
	int64_t first = abs_us(a, -fx->span_s), last = clock_wall_us();
	if (from_us > first)
		first = a->t0_us + ((from_us - a->t0_us) / step) * step - (from_us < a->t0_us ? step : 0);
	if (until_us < last)
		last = until_us;
	if (last < first)
		return 0;
	size_t n = (size_t)((last - first) / step + 1);
	double *v = xcalloc(n, sizeof *v);
	for (size_t i = 0; i < fx->n_lay; i++) {
		const struct f_layer *l = &fx->lay[i];
		if (strcmp(l->entity, entity))
			continue;
		static const char *const metrics[] = {"up", "rtt_ms", "loss"};
		bool bgp = !strcmp(l->layer, "bgp");
		for (size_t m = 0; m < (bgp ? 1 : 3); m++) {
			const char *metric = bgp ? "visibility" : metrics[m];
			for (size_t k = 0; k < n; k++)
				v[k] = signal_at(fx, l, metric, (first - a->t0_us) / USEC_PER_SEC + (int64_t)k * fx->step_s);
			struct serve_series s = {.layer = l->layer, .metric = metric, .start_us = first,
						 .step_us = step, .n = n, .values = v};
			if (emit(arg, &s))
				goto done;
		}
	}
done:
	free(v);
	return 0;
}

static int p_layers_now(void *ctx, serve_layer_emit emit, void *arg)
{
	struct app *a = ctx;
	int64_t t = (clock_wall_us() - a->t0_us) / USEC_PER_SEC;
	for (size_t i = 0; i < a->fx->n_lay; i++) {
		const struct f_layer *l = &a->fx->lay[i];
		bool bgp = !strcmp(l->layer, "bgp");
		struct serve_layer_now ln = {.entity = l->entity, .layer = l->layer,
					     .up = signal_at(a->fx, l, bgp ? "visibility" : "up", t),
					     .rtt_ms = bgp ? NAN : signal_at(a->fx, l, "rtt_ms", t),
					     .loss = bgp ? NAN : signal_at(a->fx, l, "loss", t)};
		if (emit(arg, &ln))
			break;
	}
	return 0;
}

static void to_serve_event(struct app *a, const struct f_event *e, struct serve_event *se,
			   const char **failed, const char **recovered, const char **evidence)
{
	for (size_t i = 0; i < e->n_failed; i++)
		failed[i] = e->failed[i];
	for (size_t i = 0; i < e->n_recovered; i++)
		recovered[i] = e->recovered[i];
	for (size_t i = 0; i < e->n_evidence; i++)
		evidence[i] = e->evidence[i];
	*se = (struct serve_event){.id = e->id, .entity = e->entity, .cause = e->cause,
				   .severity = e->severity, .confidence = e->confidence,
				   .start_us = abs_us(a, e->start),
				   .end_us = e->end == INT64_MIN ? 0 : abs_us(a, e->end),
				   .summary = e->summary[0] ? e->summary : NULL,
				   .layers_failed = failed, .n_layers_failed = e->n_failed,
				   .layers_recovered = recovered, .n_layers_recovered = e->n_recovered,
				   .evidence = evidence, .n_evidence = e->n_evidence};
}

static int p_events(void *ctx, int64_t since_us, serve_event_emit emit, void *arg)
{
	struct app *a = ctx;
	/* newest start first */
	for (size_t n = a->fx->n_ev; n > 0; n--) {
		const struct f_event *e = &a->fx->ev[n - 1];
		if (e->end != INT64_MIN && abs_us(a, e->end) < since_us)
			continue;
		const char *f[8], *r[8], *ev[8];
		struct serve_event se;
		to_serve_event(a, e, &se, f, r, ev);
		if (emit(arg, &se))
			break;
	}
	return 0;
}

static int p_event(void *ctx, uint64_t id, serve_event_emit emit_event, serve_step_emit emit_step, void *arg)
{
	struct app *a = ctx;
	const struct f_event *e = find_event(a->fx, id);
	if (!e)
		return ERR_NOTFOUND;
	const char *f[8], *r[8], *ev[8];
	struct serve_event se;
	to_serve_event(a, e, &se, f, r, ev);
	if (emit_event(arg, &se))
		return 0;
	for (size_t i = 0; i < e->n_steps; i++) {
		const struct f_step *s = &e->steps[i];
		struct serve_step ss = {.time_us = abs_us(a, s->t), .layer = s->layer, .change = s->change,
					.text = s->text[0] ? s->text : NULL};
		if (emit_step(arg, &ss))
			break;
	}
	return 0;
}

static int p_bgp(void *ctx, serve_bgp_emit emit, void *arg)
{
	struct app *a = ctx;
	for (size_t i = 0; i < a->fx->n_bgp; i++) {
		const struct f_bgp *g = &a->fx->bgp[i];
		struct serve_bgp sb = {.prefix = g->prefix, .entity = g->entity, .origin_as = g->origin,
				       .peers = g->peers, .peers_seeing = g->seeing, .changed_us = abs_us(a, -3600)};
		if (emit(arg, &sb))
			break;
	}
	return 0;
}

static int p_observations(void *ctx, const char *target, int64_t from_us, int64_t until_us, size_t limit,
			  serve_obs_emit emit, void *arg)
{
	struct app *a = ctx;
	bool known = false;
	for (size_t i = 0; i < a->fx->n_tgt; i++)
		known |= !strcmp(a->fx->tgt[i].id, target);
	if (!known)
		return ERR_NOTFOUND;
	size_t sent = 0;
	for (size_t n = a->fx->n_obs; n > 0 && sent < limit; n--) {
		const struct f_obs *o = &a->fx->obs[n - 1];
		int64_t t = abs_us(a, o->t);
		if (strcmp(o->target, target) || t < from_us || t > until_us)
			continue;
		struct serve_obs so = {.time_us = t, .probe = o->probe, .outcome = o->outcome, .rtt_ms = o->rtt,
				       .detail = o->detail[0] ? o->detail : NULL};
		sent++;
		if (emit(arg, &so))
			break;
	}
	return 0;
}

static int p_engine(void *ctx, struct serve_engine_stats *out)
{
	struct app *a = ctx;
	*out = a->fx->engine;
	out->started_us = a->t0_us;
	return 0;
}

static int p_alerts(void *ctx, serve_alert_sink_emit emit, void *arg)
{
	struct app *a = ctx;
	return a->alerter ? alert_each_sink(a->alerter, emit, arg) : 0;
}

/* ---- a file-backed outbox: an append-only log, fsync'd, replayed at start ---- */

static int ob_append(struct app *a, const char *line)
{
	size_t n = strlen(line);
	if (write(a->ob_fd, line, n) != (ssize_t)n || fdatasync(a->ob_fd) != 0)
		return ERR_IO;
	return 0;
}

static struct ob_row *ob_find(struct app *a, uint64_t id)
{
	for (size_t i = 0; i < a->ob_n; i++)
		if (a->ob[i].id == id)
			return &a->ob[i];
	return NULL;
}

static int ob_enqueue(void *ctx, const char *sink, const char *payload, int64_t created_us, uint64_t *id)
{
	struct app *a = ctx;
	char *line = xasprintf("E %" PRIu64 " %s %s\n", a->ob_next_id, sink, payload);
	int rc = ob_append(a, line);
	free(line);
	if (rc < 0)
		return rc;
	a->ob = xreallocarray(a->ob, a->ob_n + 1, sizeof *a->ob);
	a->ob[a->ob_n++] = (struct ob_row){.id = a->ob_next_id, .sink = xstrdup(sink), .payload = xstrdup(payload)};
	*id = a->ob_next_id++;
	return 0;
}

static int ob_reschedule(void *ctx, uint64_t id, uint32_t attempts, int64_t next_us, const char *why)
{
	struct app *a = ctx;
	char line[128];
	snprintf(line, sizeof line, "R %" PRIu64 " %" PRIu32 " %" PRId64 "\n", id, attempts, next_us);
	struct ob_row *r = ob_find(a, id);
	if (r)
		r->attempts = attempts, r->next = next_us;
	return ob_append(a, line);
}

static int ob_mark_sent(void *ctx, uint64_t id, int64_t sent_us)
{
	struct app *a = ctx;
	char line[64];
	snprintf(line, sizeof line, "S %" PRIu64 "\n", id);
	struct ob_row *r = ob_find(a, id);
	if (r)
		r->sent = 1;
	return ob_append(a, line);
}

static int ob_list_pending(void *ctx, alert_pending_emit emit, void *arg)
{
	struct app *a = ctx;
	for (size_t i = 0; i < a->ob_n; i++) {
		struct ob_row *r = &a->ob[i];
		if (r->sent)
			continue;
		struct alert_pending p = {.id = r->id, .sink = r->sink, .payload = r->payload,
					  .attempts = r->attempts, .next_us = r->next};
		if (emit(arg, &p))
			break;
	}
	return 0;
}

static int ob_open(struct app *a, const char *path)
{
	a->ob_next_id = 1;
	FILE *f = fopen(path, "r");
	if (f) {
		char *line = NULL;
		size_t cap = 0;
		while (getline(&line, &cap, f) > 0) {
			line[strcspn(line, "\n")] = '\0';
			char *p = line + 2;
			if (line[0] == 'E') {
				char *idw = word(&p), *sink = word(&p);
				if (!idw || !sink)
					continue;
				uint64_t id = strtoull(idw, NULL, 10);
				a->ob = xreallocarray(a->ob, a->ob_n + 1, sizeof *a->ob);
				a->ob[a->ob_n++] = (struct ob_row){.id = id, .sink = xstrdup(sink), .payload = xstrdup(p)};
				if (id >= a->ob_next_id)
					a->ob_next_id = id + 1;
			} else if (line[0] == 'R') {
				uint64_t id;
				uint32_t att;
				int64_t next;
				struct ob_row *r;
				if (sscanf(p, "%" SCNu64 " %" SCNu32 " %" SCNd64, &id, &att, &next) == 3 && (r = ob_find(a, id)))
					r->attempts = att, r->next = next;
			} else if (line[0] == 'S') {
				struct ob_row *r = ob_find(a, strtoull(p, NULL, 10));
				if (r)
					r->sent = 1;
			}
		}
		free(line);
		fclose(f);
	}
	a->ob_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	return a->ob_fd < 0 ? ERR_IO : 0;
}

/* ---- reload and alerts ---- */

static void diff_and_alert(struct app *a, struct fixture *old, struct fixture *now)
{
	for (size_t i = 0; i < now->n_ev; i++) {
		const struct f_event *e = &now->ev[i], *o = find_event(old, e->id);
		const char *f[8], *r[8], *ev[8];
		struct serve_event se;
		to_serve_event(a, e, &se, f, r, ev);
		int64_t t = clock_wall_us();
		if (!o) {
			alert_notify(a->alerter, ALERT_OPEN, &se, t);
			if (e->end != INT64_MIN)
				alert_notify(a->alerter, ALERT_CLOSE, &se, t);
		} else if (o->end == INT64_MIN && e->end != INT64_MIN) {
			alert_notify(a->alerter, ALERT_CLOSE, &se, t);
		} else if (strcmp(o->cause, e->cause) || o->severity != e->severity) {
			alert_notify(a->alerter, ALERT_UPDATE, &se, t);
		}
	}
}

static void on_usr1(uv_signal_t *h, int sig)
{
	struct app *a = h->data;
	struct fixture *fx = xmalloc(sizeof *fx);
	if (load_fixture(a->path, fx) != 0) {
		free(fx);
		return;
	}
	if (a->alerter)
		diff_and_alert(a, a->fx, fx);
	free(a->fx);
	a->fx = fx;
	fprintf(stderr, "serve_fixture: reloaded %s (%zu events)\n", a->path, fx->n_ev);
}

static void on_stop(uv_signal_t *h, int sig)
{
	struct app *a = h->data;
	http_server_stop(a->http);
	a->http = NULL;
	alert_free(a->alerter);
	a->alerter = NULL;
	uv_close((uv_handle_t *)&a->sig_usr1, NULL);
	uv_close((uv_handle_t *)&a->sig_term, NULL);
	uv_close((uv_handle_t *)&a->sig_int, NULL);
}

int main(int argc, char **argv)
{
	struct app a = {.loop = uv_default_loop(), .ob_fd = -1};
	struct http_config hc = {0};
	struct alert_config ac = {0};
	struct alert_webhook hooks[4];
	struct alert_exec execs[4];
	char *exec_argv[4][2];
	char names[8][16];
	const char *port_file = NULL, *outbox = NULL;
	unsigned hook_timeout = 0;
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_INFO);
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v) {
			fprintf(stderr, "serve_fixture: %s needs a value\n", o);
			return 2;
		}
		i++;
		if (!strcmp(o, "--fixture")) a.path = v;
		else if (!strcmp(o, "--port")) hc.port = (uint16_t)atoi(v);
		else if (!strcmp(o, "--port-file")) port_file = v;
		else if (!strcmp(o, "--address")) hc.address = v;
		else if (!strcmp(o, "--token")) hc.token = v;
		else if (!strcmp(o, "--outbox")) outbox = v;
		else if (!strcmp(o, "--backoff-ms")) ac.backoff_base_us = atoll(v) * 1000, ac.backoff_max_us = 8 * ac.backoff_base_us;
		else if (!strcmp(o, "--hook-timeout-ms")) hook_timeout = (unsigned)atoi(v);
		else if (!strcmp(o, "--dashboard-url")) ac.dashboard_url = v;
		else if (!strcmp(o, "--webhook") && ac.n_webhooks < 4) {
			snprintf(names[ac.n_webhooks], 16, "hook%zu", ac.n_webhooks + 1);
			hooks[ac.n_webhooks] = (struct alert_webhook){.name = names[ac.n_webhooks], .url = v};
			ac.n_webhooks++;
		} else if (!strcmp(o, "--exec") && ac.n_execs < 4) {
			snprintf(names[4 + ac.n_execs], 16, "run%zu", ac.n_execs + 1);
			exec_argv[ac.n_execs][0] = (char *)v;
			exec_argv[ac.n_execs][1] = NULL;
			execs[ac.n_execs] = (struct alert_exec){.name = names[4 + ac.n_execs], .argv = exec_argv[ac.n_execs]};
			ac.n_execs++;
		} else {
			fprintf(stderr, "serve_fixture: unknown option %s\n", o);
			return 2;
		}
	}
	for (size_t i = 0; i < ac.n_webhooks; i++)
		hooks[i].timeout_ms = hook_timeout;
	for (size_t i = 0; i < ac.n_execs; i++)
		execs[i].timeout_ms = hook_timeout;
	ac.webhooks = hooks;
	ac.execs = execs;
	if (!a.path) {
		fprintf(stderr, "usage: serve_fixture --fixture FILE [options] (see the source)\n");
		return 2;
	}
	a.t0_us = clock_wall_us();
	a.fx = xmalloc(sizeof *a.fx);
	if (load_fixture(a.path, a.fx) != 0) {
		free(a.fx);
		return 2;
	}
	struct serve_provider prov = {.ctx = &a, .entities = p_entities, .targets = p_targets,
				      .signals = p_signals, .layers_now = p_layers_now, .events = p_events,
				      .event = p_event, .bgp = p_bgp, .observations = p_observations,
				      .engine = p_engine, .alerts = p_alerts};
	char err[512];
	if (http_server_start(a.loop, &hc, serve_api_handle, &prov, &a.http, err, sizeof err) != 0) {
		fprintf(stderr, "serve_fixture: %s\n", err);
		free(a.fx);
		return 2;
	}
	if (outbox) {
		if (ob_open(&a, outbox) != 0) {
			fprintf(stderr, "serve_fixture: cannot open outbox %s\n", outbox);
			return 2;
		}
		struct alert_outbox ob = {&a, ob_enqueue, ob_reschedule, ob_mark_sent, ob_list_pending};
		if (alert_new(a.loop, &ac, &ob, &a.alerter, err, sizeof err) != 0) {
			fprintf(stderr, "serve_fixture: %s\n", err);
			return 2;
		}
	}
	uint16_t port = http_server_port(a.http);
	printf("listening on port %u\n", port);
	fflush(stdout);
	if (port_file) {
		FILE *f = fopen(port_file, "w");
		if (f) {
			fprintf(f, "%u\n", port);
			fclose(f);
		}
	}
	uv_signal_init(a.loop, &a.sig_usr1);
	uv_signal_init(a.loop, &a.sig_term);
	uv_signal_init(a.loop, &a.sig_int);
	a.sig_usr1.data = a.sig_term.data = a.sig_int.data = &a;
	uv_signal_start(&a.sig_usr1, on_usr1, SIGUSR1);
	uv_signal_start(&a.sig_term, on_stop, SIGTERM);
	uv_signal_start(&a.sig_int, on_stop, SIGINT);
	uv_run(a.loop, UV_RUN_DEFAULT);
	uv_loop_close(a.loop);
	for (size_t i = 0; i < a.ob_n; i++)
		free(a.ob[i].sink), free(a.ob[i].payload);
	free(a.ob);
	if (a.ob_fd >= 0)
		close(a.ob_fd);
	free(a.fx);
	return 0;
}
