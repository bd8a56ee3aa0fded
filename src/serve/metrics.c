/*
 * metrics.c - see metrics.h. One pass over each provider query; samples go
 * into one buffer per family, and the families are then written in order with
 * their HELP and TYPE lines.
 */
#include "serve/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"

struct family {
	const char *name, *type, *help;
	struct buf samples;
	int count;
};

enum {
	F_TARGET_UP,
	F_TARGET_RTT,
	F_TARGET_PROBES,
	F_TARGET_ANSWERED,
	F_TARGET_LAST,
	F_ENTITY_OUTAGE,
	F_LAYER_UP,
	F_LAYER_RTT,
	F_LAYER_LOSS,
	F_EVENTS_OPEN,
	F_BGP_VIS,
	F_BGP_PEERS,
	F_BGP_SEEING,
	F_SENT,
	F_ANSWERED,
	F_TIMEOUTS,
	F_IN_FLIGHT,
	F_RATE,
	F_START,
	F_PENDING,
	F_SKIPPED,
	F_ALERTS_QUEUED,
	F_ALERT_DELIVERIES,
	F_ALERTS_PENDING,
	F__COUNT
};

static const struct {
	const char *name, *type, *help;
} FAMILIES[F__COUNT] = {
	[F_TARGET_UP] = {"blackout_target_up", "gauge", "1 if the target answers (confirmed state up), 0 if confirmed down"},
	[F_TARGET_RTT] = {"blackout_target_rtt_seconds", "gauge", "Round-trip time of the target's last answered probe"},
	[F_TARGET_PROBES] = {"blackout_target_probes_total", "counter", "Probes sent to the target"},
	[F_TARGET_ANSWERED] = {"blackout_target_probes_answered_total", "counter", "Probes the target answered as expected"},
	[F_TARGET_LAST] = {"blackout_target_last_probe_timestamp_seconds", "gauge", "Unix time of the target's last observation"},
	[F_ENTITY_OUTAGE] = {"blackout_entity_outage", "gauge", "1 while the entity has an open outage event"},
	[F_LAYER_UP] = {"blackout_layer_up_ratio", "gauge", "Fraction of the layer's targets answering"},
	[F_LAYER_RTT] = {"blackout_layer_rtt_seconds", "gauge", "Median round-trip time of the layer's targets"},
	[F_LAYER_LOSS] = {"blackout_layer_loss_ratio", "gauge", "Fraction of the layer's probes lost"},
	[F_EVENTS_OPEN] = {"blackout_events_open", "gauge", "Outage events open now, by cause"},
	[F_BGP_VIS] = {"blackout_bgp_visibility_ratio", "gauge", "Fraction of BGP peers that have a route to the prefix"},
	[F_BGP_PEERS] = {"blackout_bgp_peers", "gauge", "BGP peers reporting on the prefix"},
	[F_BGP_SEEING] = {"blackout_bgp_peers_seeing", "gauge", "BGP peers that have a route to the prefix"},
	[F_SENT] = {"blackout_probes_sent_total", "counter", "Probes sent by the engine"},
	[F_ANSWERED] = {"blackout_probes_answered_total", "counter", "Probes answered"},
	[F_TIMEOUTS] = {"blackout_probe_timeouts_total", "counter", "Probes that timed out"},
	[F_IN_FLIGHT] = {"blackout_probes_in_flight", "gauge", "Probes sent and not yet answered or timed out"},
	[F_RATE] = {"blackout_probes_per_second", "gauge", "Recent probe send rate"},
	[F_START] = {"blackout_start_time_seconds", "gauge", "Unix time the watcher started"},
	[F_PENDING] = {"blackout_probes_pending", "gauge", "Probes accepted and not yet final (waiting for the rate limit, or in flight)"},
	[F_SKIPPED] = {"blackout_probe_rounds_skipped_total", "counter", "Probe rounds not started because the target's previous round was still running"},
	[F_ALERTS_QUEUED] = {"blackout_alerts_queued_total", "counter", "Alerts queued for the hook since start"},
	[F_ALERT_DELIVERIES] = {"blackout_alert_deliveries_total", "counter", "Delivery attempts to the hook, by result (ok, failed)"},
	[F_ALERTS_PENDING] = {"blackout_alerts_pending", "gauge", "Alerts waiting in the outbox for the hook"},
};

/* Causes known to the detector (DESIGN.md's cause table), always exported so
 * that a rule on blackout_events_open{cause="abrupt"} has a series to read. */
static const char *const KNOWN_CAUSES[] = {"cascade", "abrupt", "routing", "dns", "partial", "vantage-local", "unknown"};
#define N_KNOWN (sizeof KNOWN_CAUSES / sizeof KNOWN_CAUSES[0])
#define MAX_OTHER 16

void metrics_label_escape(struct buf *b, const char *s)
{
	if (!s)
		return;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\') {
			buf_puts(b, "\\\\");
		} else if (c == '"') {
			buf_puts(b, "\\\"");
		} else if (c == '\n') {
			buf_puts(b, "\\n");
		} else if (c < 0x80) {
			buf_putc(b, (char)c);
		} else {
			size_t l = utf8_seq_len(s + i, n - i);
			if (l == 0) {
				buf_puts(b, "\xef\xbf\xbd"); /* U+FFFD */
				i++;
			} else {
				buf_append(b, s + i, l);
				i += l;
			}
			continue;
		}
		i++;
	}
}

void metrics_help_escape(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\')
			buf_puts(b, "\\\\");
		else if (*s == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, *s);
	}
}

void metrics_value(struct buf *b, double v)
{
	if (isnan(v))
		buf_puts(b, "NaN");
	else if (isinf(v))
		buf_puts(b, v > 0 ? "+Inf" : "-Inf");
	else {
		/* the shortest of %.15g and %.17g that reads back as v */
		char t[40];
		snprintf(t, sizeof t, "%.15g", v);
		if (strtod(t, NULL) != v)
			snprintf(t, sizeof t, "%.17g", v);
		buf_puts(b, t);
	}
}

/* Starts a sample: NAME{ */
static struct buf *sample_begin(struct family *f)
{
	f->count++;
	buf_puts(&f->samples, f->name);
	return &f->samples;
}

static void label(struct buf *b, int *nth, const char *name, const char *value)
{
	buf_puts(b, *nth ? ",": "{");
	(*nth)++;
	buf_puts(b, name);
	buf_puts(b, "=\"");
	metrics_label_escape(b, value);
	buf_putc(b, '"');
}

static void sample_end(struct buf *b, int nlabels, double v)
{
	if (nlabels)
		buf_putc(b, '}');
	buf_putc(b, ' ');
	metrics_value(b, v);
	buf_putc(b, '\n');
}

struct ctx {
	struct family *f;
	const char *other_causes[MAX_OTHER];
	int other_counts[MAX_OTHER];
	int known_counts[N_KNOWN];
	int n_other;
};

static void target_labels(struct buf *b, int *n, const struct serve_target *t)
{
	label(b, n, "entity", t->entity);
	label(b, n, "target", t->id);
	label(b, n, "role", t->role);
	label(b, n, "probe", t->probe);
	label(b, n, "address", t->address);
}

static void target_sample(struct family *f, const struct serve_target *t, double v)
{
	int n = 0;
	struct buf *b = sample_begin(f);
	target_labels(b, &n, t);
	sample_end(b, n, v);
}

static int on_target(void *arg, const struct serve_target *t)
{
	struct ctx *c = arg;
	if (t->state && (!strcmp(t->state, "up") || !strcmp(t->state, "suspect")))
		target_sample(&c->f[F_TARGET_UP], t, 1);
	else if (t->state && !strcmp(t->state, "down"))
		target_sample(&c->f[F_TARGET_UP], t, 0);
	if (t->rtt_ms >= 0)
		target_sample(&c->f[F_TARGET_RTT], t, t->rtt_ms / 1000.0);
	target_sample(&c->f[F_TARGET_PROBES], t, (double)t->sent);
	target_sample(&c->f[F_TARGET_ANSWERED], t, (double)t->answered);
	if (t->last_us > 0)
		target_sample(&c->f[F_TARGET_LAST], t, (double)t->last_us / 1e6);
	return 0;
}

static int on_entity(void *arg, const struct serve_entity *e)
{
	struct ctx *c = arg;
	int n = 0;
	struct buf *b = sample_begin(&c->f[F_ENTITY_OUTAGE]);
	label(b, &n, "entity", e->id);
	label(b, &n, "kind", e->kind ? e->kind : "unknown");
	sample_end(b, n, e->open_event ? 1 : 0);
	return 0;
}

static void layer_sample(struct family *f, const struct serve_layer_now *l, double v)
{
	if (isnan(v))
		return;
	int n = 0;
	struct buf *b = sample_begin(f);
	label(b, &n, "entity", l->entity);
	label(b, &n, "layer", l->layer);
	sample_end(b, n, v);
}

static int on_layer(void *arg, const struct serve_layer_now *l)
{
	struct ctx *c = arg;
	layer_sample(&c->f[F_LAYER_UP], l, l->up);
	layer_sample(&c->f[F_LAYER_RTT], l, l->rtt_ms / 1000.0);
	layer_sample(&c->f[F_LAYER_LOSS], l, l->loss);
	return 0;
}

static int on_event(void *arg, const struct serve_event *e)
{
	struct ctx *c = arg;
	if (e->end_us)
		return 0;
	const char *cause = e->cause ? e->cause : "unknown";
	for (size_t i = 0; i < N_KNOWN; i++)
		if (!strcmp(cause, KNOWN_CAUSES[i])) {
			c->known_counts[i]++;
			return 0;
		}
	/* A cause this build does not know (a newer detector): exported as is.
	 * Borrowed strings die after this call, so the label is written now. */
	for (int i = 0; i < c->n_other; i++)
		if (!strcmp(c->other_causes[i], cause)) {
			c->other_counts[i]++;
			return 0;
		}
	if (c->n_other == MAX_OTHER)
		return 0;
	struct buf tmp = {0};
	metrics_label_escape(&tmp, cause);
	c->other_causes[c->n_other] = buf_take(&tmp);
	c->other_counts[c->n_other++] = 1;
	return 0;
}

static void bgp_sample(struct family *f, const struct serve_bgp *g, double v)
{
	int n = 0;
	struct buf *b = sample_begin(f);
	label(b, &n, "prefix", g->prefix);
	label(b, &n, "entity", g->entity);
	sample_end(b, n, v);
}

static int on_bgp(void *arg, const struct serve_bgp *g)
{
	struct ctx *c = arg;
	if (g->peers)
		bgp_sample(&c->f[F_BGP_VIS], g, (double)g->peers_seeing / g->peers);
	bgp_sample(&c->f[F_BGP_PEERS], g, g->peers);
	bgp_sample(&c->f[F_BGP_SEEING], g, g->peers_seeing);
	return 0;
}

static void sink_sample(struct family *f, const char *sink, const char *result, double v)
{
	int n = 0;
	struct buf *b = sample_begin(f);
	label(b, &n, "sink", sink);
	if (result)
		label(b, &n, "result", result);
	sample_end(b, n, v);
}

static int on_alert_sink(void *arg, const struct serve_alert_sink *s)
{
	struct ctx *c = arg;
	sink_sample(&c->f[F_ALERTS_QUEUED], s->sink, NULL, (double)s->queued);
	sink_sample(&c->f[F_ALERT_DELIVERIES], s->sink, "ok", (double)s->delivered);
	sink_sample(&c->f[F_ALERT_DELIVERIES], s->sink, "failed", (double)s->failed);
	sink_sample(&c->f[F_ALERTS_PENDING], s->sink, NULL, (double)s->pending);
	return 0;
}

static void plain_sample(struct family *f, double v)
{
	sample_end(sample_begin(f), 0, v);
}

int metrics_write(struct buf *b, const struct serve_provider *p, int64_t now_us, bool per_target)
{
	struct family f[F__COUNT];
	struct ctx c = {.f = f};
	int rc = 0;
	for (int i = 0; i < F__COUNT; i++)
		f[i] = (struct family){FAMILIES[i].name, FAMILIES[i].type, FAMILIES[i].help, {0}, 0};
	if (per_target && p->targets && (rc = p->targets(p->ctx, NULL, on_target, &c)) < 0)
		goto fail;
	if (p->entities && (rc = p->entities(p->ctx, on_entity, &c)) < 0)
		goto fail;
	if (p->layers_now && (rc = p->layers_now(p->ctx, on_layer, &c)) < 0)
		goto fail;
	if (p->events) {
		if ((rc = p->events(p->ctx, now_us, on_event, &c)) < 0)
			goto fail;
		for (size_t i = 0; i < N_KNOWN; i++) {
			int n = 0;
			struct buf *s = sample_begin(&f[F_EVENTS_OPEN]);
			label(s, &n, "cause", KNOWN_CAUSES[i]);
			sample_end(s, n, c.known_counts[i]);
		}
		for (int i = 0; i < c.n_other; i++) {
			struct buf *s = sample_begin(&f[F_EVENTS_OPEN]);
			buf_printf(s, "{cause=\"%s\"", c.other_causes[i]);
			sample_end(s, 1, c.other_counts[i]);
		}
	}
	if (p->bgp && (rc = p->bgp(p->ctx, on_bgp, &c)) < 0)
		goto fail;
	if (p->engine) {
		struct serve_engine_stats st = {0};
		if ((rc = p->engine(p->ctx, &st)) < 0)
			goto fail;
		plain_sample(&f[F_SENT], (double)st.sent);
		plain_sample(&f[F_ANSWERED], (double)st.answered);
		plain_sample(&f[F_TIMEOUTS], (double)st.timeouts);
		plain_sample(&f[F_IN_FLIGHT], st.in_flight);
		plain_sample(&f[F_RATE], st.probes_per_s);
		plain_sample(&f[F_PENDING], st.pending);
		plain_sample(&f[F_SKIPPED], (double)st.rounds_skipped);
		if (st.started_us)
			plain_sample(&f[F_START], (double)st.started_us / 1e6);
	}
	if (p->alerts && (rc = p->alerts(p->ctx, on_alert_sink, &c)) < 0)
		goto fail;
	for (int i = 0; i < F__COUNT; i++) {
		if (!f[i].count)
			continue;
		buf_printf(b, "# HELP %s ", f[i].name);
		metrics_help_escape(b, f[i].help);
		buf_printf(b, "\n# TYPE %s %s\n", f[i].name, f[i].type);
		buf_append(b, f[i].samples.p, f[i].samples.len);
	}
	rc = 0;
fail:
	for (int i = 0; i < F__COUNT; i++)
		buf_free(&f[i].samples);
	for (int i = 0; i < c.n_other; i++)
		free((void *)c.other_causes[i]);
	return rc;
}
