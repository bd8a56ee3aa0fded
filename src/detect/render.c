/*
 * render.c - an event in words (the timeline `blackout report` prints and alerts
 * quote) and as JSON. Works from the event alone: names and labels were copied into
 * it, so events read back from the store render the same way.
 *
 * Times are UTC, HH:MM when the entity's round is a minute or more (finer would
 * claim a precision the probes do not have), HH:MM:SS otherwise; the date is
 * repeated when it changes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/mem.h"
#include "detect/detect.h"

static bool with_seconds(const struct detect_event *ev)
{
	return ev->round_us < 60 * USEC_PER_SEC;
}

/* "2022-01-14" and "21:05[:00]" parts of t. */
static void split_time(int64_t t, bool seconds, char date[16], char hm[16])
{
	char iso[40];
	clock_format_iso(t, 0, iso, sizeof iso); /* YYYY-MM-DDTHH:MM:SSZ */
	memcpy(date, iso, 10);
	date[10] = '\0';
	memcpy(hm, iso + 11, seconds ? 8 : 5);
	hm[seconds ? 8 : 5] = '\0';
}

static void put_iso(struct buf *b, int64_t t)
{
	char iso[40];
	json_str(b, clock_format_iso(t, 0, iso, sizeof iso));
}

static void put_duration(struct buf *b, int64_t us)
{
	int64_t s = us / USEC_PER_SEC;
	if (s < 0)
		s = 0;
	if (s >= 86400)
		buf_printf(b, "%lldd%02lldh%02lldm", (long long)(s / 86400), (long long)(s % 86400 / 3600),
			   (long long)(s % 3600 / 60));
	else if (s >= 3600)
		buf_printf(b, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else if (s >= 60)
		buf_printf(b, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else
		buf_printf(b, "%llds", (long long)s);
}

static void put_counts(struct buf *b, const struct detect_step *s, const char *sep)
{
	const char *first = s->kind == STEP_LAYER_BACK ? "first back" : "first";
	if (s->layer == LAYER_BGP) {
		buf_printf(b, " (%u/%u peers)", s->count, s->total);
		return;
	}
	if (s->total)
		buf_printf(b, " (%u/%u answering", s->count, s->total);
	else
		buf_puts(b, " (");
	if (s->label[0])
		buf_printf(b, "%s%s: %s", s->total ? sep : "", first, s->label);
	buf_putc(b, ')');
}

/* One step as words, without the time. */
static void step_words(struct buf *b, const struct detect_step *s, bool counts)
{
	const char *lt = detect_layer_text(s->layer);
	switch ((enum detect_step_kind)s->kind) {
	case STEP_STRESS:
		buf_puts(b, "network stress:");
		if (s->value > 0)
			buf_printf(b, " RTT %.1fx baseline", s->value);
		if (s->value2 > 0)
			buf_printf(b, "%s loss %.0f%%", s->value > 0 ? "," : "", s->value2 * 100);
		return;
	case STEP_LAYER_DEGRADED:
		if (s->layer == LAYER_BGP)
			buf_puts(b, "prefixes partly withdrawn");
		else if (s->layer == LAYER_ROUTER && s->label[0])
			buf_printf(b, "router %s unresponsive", s->label);
		else
			buf_printf(b, "%s degraded", lt);
		break;
	case STEP_LAYER_DOWN:
		if (s->layer == LAYER_BGP)
			buf_puts(b, "prefixes withdrawn");
		else if (s->layer == LAYER_ROUTER)
			buf_puts(b, "routers unresponsive");
		else
			buf_printf(b, "%s down", lt);
		break;
	case STEP_LAYER_BACK:
		if (s->layer == LAYER_BGP)
			buf_puts(b, "prefixes announced again");
		else
			buf_printf(b, "%s back", lt);
		break;
	case STEP_NET_UNREACH:
		buf_puts(b, "net-unreachable from upstream");
		if (s->label[0] && counts)
			buf_printf(b, " (first: %s)", s->label);
		return;
	case STEP_MONITOR_BLIND:
		buf_puts(b, "monitor lost its own connectivity (blind)");
		return;
	case STEP_MONITOR_BACK:
		buf_puts(b, "monitor connectivity back");
		return;
	case STEP_RELAPSE:
		buf_puts(b, "failed again after coming back (relapse)");
		return;
	case STEP_CAUSE:
		buf_printf(b, "cause revised: %s -> %s", detect_cause_name(s->prev_cause),
			   detect_cause_name(s->cause));
		return;
	case STEP_FLAPPING:
		buf_puts(b, "flapping");
		return;
	case STEP__COUNT:
		return;
	}
	if (counts || s->layer == LAYER_BGP)
		put_counts(b, s, "; ");
}

struct order {
	size_t i;
	int64_t t;
};

static int cmp_order(const void *a, const void *b)
{
	const struct order *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* Step indices sorted by time (stable: ties keep the order recorded). */
static struct order *sorted_steps(const struct detect_event *ev)
{
	struct order *o = xcalloc(ev->nsteps ? ev->nsteps : 1, sizeof *o);
	for (size_t i = 0; i < ev->nsteps; i++)
		o[i] = (struct order){i, ev->steps[i].time_us};
	qsort(o, ev->nsteps, sizeof *o, cmp_order);
	return o;
}

/* Layers in the order they failed (back == false) or came back. */
static int layer_order(const struct detect_event *ev, bool back, int out[LAYER__COUNT])
{
	struct order o[LAYER__COUNT];
	int n = 0;
	for (int l = 0; l < LAYER__COUNT; l++) {
		int64_t t = back ? ev->layer_back_us[l] : ev->layer_fail_us[l];
		if ((ev->layers & LAYER_BIT(l)) && t)
			o[n++] = (struct order){(size_t)l, t};
	}
	qsort(o, (size_t)n, sizeof o[0], cmp_order);
	for (int i = 0; i < n; i++)
		out[i] = (int)o[i].i;
	return n;
}

/* "failed in order: web 22:15, dns 22:17" (or the recoveries), nothing if none. */
static void put_order(struct buf *b, const struct detect_event *ev, bool back, const char *head)
{
	int order[LAYER__COUNT], n = layer_order(ev, back, order);
	if (!n)
		return;
	buf_puts(b, head);
	for (int i = 0; i < n; i++) {
		char date[16], hm[16];
		split_time(back ? ev->layer_back_us[order[i]] : ev->layer_fail_us[order[i]],
			   with_seconds(ev), date, hm);
		buf_printf(b, "%s %s %s", i ? "," : "", detect_layer_name(order[i]), hm);
	}
	buf_putc(b, '\n');
}

static void put_disc_list(struct buf *b, const char *head, uint32_t mask)
{
	if (!mask)
		return;
	buf_puts(b, head);
	bool first = true;
	for (int k = 0; k < DISC__COUNT; k++)
		if (mask & (1u << k)) {
			buf_printf(b, "%s%s", first ? "" : ", ", detect_disc_name(k));
			first = false;
		}
	buf_putc(b, '\n');
}

static void put_cause(struct buf *b, const struct detect_event *ev)
{
	buf_printf(b, "%s (%s)", detect_cause_name(ev->cause), detect_cause_text(ev->cause));
}

void detect_event_summary(struct buf *b, const struct detect_event *ev)
{
	bool sec = with_seconds(ev);
	struct order *o = sorted_steps(ev);
	for (size_t k = 0; k < ev->nsteps; k++) {
		const struct detect_step *s = &ev->steps[o[k].i];
		if (s->kind == STEP_CAUSE || s->kind == STEP_FLAPPING)
			continue;
		char date[16], hm[16];
		split_time(s->time_us, sec, date, hm);
		buf_printf(b, "%s ", hm);
		step_words(b, s, false);
		buf_puts(b, "; ");
	}
	free(o);
	buf_puts(b, "cause: ");
	put_cause(b, ev);
	if (ev->flapping)
		buf_puts(b, ", flapping");
	if (ev->open)
		buf_puts(b, "; still open");
}

void detect_event_text(struct buf *b, const struct detect_event *ev)
{
	bool sec = with_seconds(ev);
	char date[16], hm[16], date2[16], hm2[16];
	buf_printf(b, "event %llu: %s (%s): ", (unsigned long long)ev->id, ev->entity_name,
		   detect_entity_kind_name(ev->entity_kind));
	put_cause(b, ev);
	buf_printf(b, ", confidence %.2f", ev->confidence);
	if (ev->flapping)
		buf_printf(b, ", flapping (%u relapses)", ev->relapses);
	buf_putc(b, '\n');
	split_time(ev->start_us, sec, date, hm);
	if (ev->open) {
		buf_printf(b, "since %s %s UTC%s, still open\n", date, hm,
			   ev->start_uncertain ? " (start uncertain: the monitor was blind)" : "");
	} else {
		split_time(ev->end_us, sec, date2, hm2);
		buf_printf(b, "from %s %s UTC to %s %s UTC (", date, hm, date2, hm2);
		put_duration(b, ev->end_us - ev->start_us);
		buf_printf(b, ")%s\n",
			   ev->start_uncertain ? ", start uncertain: the monitor was blind" : "");
	}
	char last_date[16];
	memcpy(last_date, date, sizeof last_date);
	struct order *o = sorted_steps(ev);
	for (size_t k = 0; k < ev->nsteps; k++) {
		const struct detect_step *s = &ev->steps[o[k].i];
		split_time(s->time_us, sec, date2, hm2);
		if (strcmp(date2, last_date) != 0) {
			buf_printf(b, "  %s %s ", date2, hm2);
			memcpy(last_date, date2, sizeof last_date);
		} else {
			buf_printf(b, "  %s ", hm2);
		}
		step_words(b, s, true);
		buf_putc(b, '\n');
	}
	free(o);
	put_order(b, ev, false, "failed in order:");
	put_order(b, ev, true, "came back in order:");
	buf_printf(b, "peak severity %.0f%%\n", ev->peak_severity * 100);
	buf_puts(b, "cause: ");
	put_cause(b, ev);
	if (ev->revisions)
		buf_printf(b, " (revised %u time%s, before: %s)", ev->revisions,
			   ev->revisions > 1 ? "s" : "", detect_cause_name(ev->prev_cause));
	buf_putc(b, '\n');
	for (int k = 0; k < DISC__COUNT; k++) {
		if (!(ev->disc & ev->disc_listed & (1u << k)))
			continue;
		split_time(ev->disc_us[k], sec, date2, hm2);
		buf_printf(b, "  evidence: %s at %s: %s\n", detect_disc_name(k), hm2, detect_disc_text(k));
	}
	put_disc_list(b, "  not seen: ", ev->disc_listed & ~ev->disc);
	put_disc_list(b, "  also seen: ", ev->disc & ~ev->disc_listed);
}

static void json_layers(struct buf *b, uint32_t mask)
{
	buf_putc(b, '[');
	bool first = true;
	for (int l = 0; l < LAYER__COUNT; l++)
		if (mask & LAYER_BIT(l)) {
			if (!first)
				buf_putc(b, ',');
			json_str(b, detect_layer_name(l));
			first = false;
		}
	buf_putc(b, ']');
}

static void json_order(struct buf *b, const struct detect_event *ev, bool back)
{
	int order[LAYER__COUNT], n = layer_order(ev, back, order);
	buf_putc(b, '[');
	for (int i = 0; i < n; i++) {
		buf_puts(b, i ? ",{\"layer\":" : "{\"layer\":");
		json_str(b, detect_layer_name(order[i]));
		buf_puts(b, ",\"time\":");
		put_iso(b, back ? ev->layer_back_us[order[i]] : ev->layer_fail_us[order[i]]);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

static void json_step(struct buf *b, const struct detect_step *s)
{
	buf_puts(b, "{\"time\":");
	put_iso(b, s->time_us);
	buf_puts(b, ",\"kind\":");
	json_str(b, detect_step_name(s->kind));
	if (s->kind >= STEP_LAYER_DEGRADED && s->kind <= STEP_LAYER_BACK) {
		buf_puts(b, ",\"layer\":");
		json_str(b, detect_layer_name(s->layer));
		buf_printf(b, ",\"answering\":%u,\"total\":%u", s->count, s->total);
	}
	if (s->kind == STEP_STRESS) {
		buf_puts(b, ",\"rtt_ratio\":");
		json_num(b, s->value);
		buf_puts(b, ",\"loss\":");
		json_num(b, s->value2);
	}
	if (s->kind == STEP_CAUSE) {
		buf_puts(b, ",\"cause\":");
		json_str(b, detect_cause_name(s->cause));
		buf_puts(b, ",\"previous\":");
		json_str(b, detect_cause_name(s->prev_cause));
	}
	if (s->label[0]) {
		buf_puts(b, ",\"label\":");
		json_str(b, s->label);
	}
	buf_puts(b, ",\"text\":");
	struct buf w = {0};
	step_words(&w, s, true);
	json_str(b, w.p ? w.p : "");
	buf_free(&w);
	buf_putc(b, '}');
}

void detect_event_json(struct buf *b, const struct detect_event *ev)
{
	buf_printf(b, "{\"id\":%llu,\"entity\":", (unsigned long long)ev->id);
	json_str(b, ev->entity_name);
	buf_puts(b, ",\"entity_kind\":");
	json_str(b, detect_entity_kind_name(ev->entity_kind));
	buf_puts(b, ",\"start\":");
	put_iso(b, ev->start_us);
	buf_puts(b, ",\"end\":");
	if (ev->open)
		buf_puts(b, "null");
	else
		put_iso(b, ev->end_us);
	buf_printf(b, ",\"open\":%s,\"duration_s\":", ev->open ? "true" : "false");
	if (ev->open)
		buf_puts(b, "null");
	else
		buf_printf(b, "%lld", (long long)((ev->end_us - ev->start_us) / USEC_PER_SEC));
	buf_printf(b, ",\"round_s\":%g", (double)ev->round_us / USEC_PER_SEC);
	buf_puts(b, ",\"announced\":");
	put_iso(b, ev->opened_us);
	buf_puts(b, ",\"closed\":");
	if (ev->open)
		buf_puts(b, "null");
	else
		put_iso(b, ev->closed_us);
	buf_puts(b, ",\"cause\":");
	json_str(b, detect_cause_name(ev->cause));
	buf_puts(b, ",\"cause_text\":");
	json_str(b, detect_cause_text(ev->cause));
	buf_puts(b, ",\"previous_cause\":");
	json_str(b, ev->revisions ? detect_cause_name(ev->prev_cause) : NULL);
	buf_printf(b, ",\"revisions\":%u,\"confidence\":", ev->revisions);
	json_num(b, round(ev->confidence * 100) / 100);
	buf_puts(b, ",\"peak_severity\":");
	json_num(b, round(ev->peak_severity * 100) / 100);
	buf_printf(b, ",\"flapping\":%s,\"relapses\":%u,\"start_uncertain\":%s",
		   ev->flapping ? "true" : "false", ev->relapses, ev->start_uncertain ? "true" : "false");
	buf_puts(b, ",\"layers\":");
	json_layers(b, ev->layers);
	buf_puts(b, ",\"layers_down\":");
	json_layers(b, ev->layers_down);
	buf_puts(b, ",\"failed_order\":");
	json_order(b, ev, false);
	buf_puts(b, ",\"recovered_order\":");
	json_order(b, ev, true);
	buf_puts(b, ",\"evidence\":[");
	bool first = true;
	for (int k = 0; k < DISC__COUNT; k++) {
		if (!(ev->disc & (1u << k)))
			continue;
		buf_puts(b, first ? "{\"name\":" : ",{\"name\":");
		first = false;
		json_str(b, detect_disc_name(k));
		buf_puts(b, ",\"time\":");
		put_iso(b, ev->disc_us[k]);
		buf_printf(b, ",\"for_cause\":%s,\"text\":", ev->disc_listed & (1u << k) ? "true" : "false");
		json_str(b, detect_disc_text(k));
		buf_putc(b, '}');
	}
	buf_puts(b, "],\"not_seen\":[");
	first = true;
	for (int k = 0; k < DISC__COUNT; k++)
		if ((ev->disc_listed & (1u << k)) && !(ev->disc & (1u << k))) {
			if (!first)
				buf_putc(b, ',');
			first = false;
			json_str(b, detect_disc_name(k));
		}
	buf_puts(b, "],\"steps\":[");
	struct order *o = sorted_steps(ev);
	for (size_t k = 0; k < ev->nsteps; k++) {
		if (k)
			buf_putc(b, ',');
		json_step(b, &ev->steps[o[k].i]);
	}
	free(o);
	buf_puts(b, "],\"summary\":");
	struct buf s = {0};
	detect_event_summary(&s, ev);
	json_str(b, s.p ? s.p : "");
	buf_free(&s);
	buf_putc(b, '}');
}

static void json_float(struct buf *b, const char *key, float v)
{
	buf_printf(b, ",\"%s\":", key);
	json_num(b, isnan(v) ? NAN : round((double)v * 1000) / 1000);
}

void detect_signals_json(struct buf *b, const struct detect_signals *s)
{
	buf_printf(b, "{\"entity\":%u,\"bin_start\":", s->entity);
	put_iso(b, s->bin_start_us);
	buf_puts(b, ",\"bin_end\":");
	put_iso(b, s->bin_end_us);
	buf_puts(b, ",\"layers\":{");
	bool first = true;
	for (int l = 0; l < LAYER__COUNT; l++) {
		const struct detect_layer_signal *ls = &s->layer[l];
		if (ls->status == LSTATUS_NODATA)
			continue;
		if (!first)
			buf_putc(b, ',');
		first = false;
		json_str(b, detect_layer_name(l));
		buf_printf(b, ":{\"status\":\"%s\",\"up\":%u,\"total\":%u", detect_lstatus_name(ls->status),
			   ls->up, ls->targets);
		json_float(b, "fraction", ls->fraction);
		json_float(b, "baseline", ls->baseline);
		buf_putc(b, '}');
	}
	buf_printf(b, "},\"probes\":%u,\"failed\":%u", s->probes, s->failed);
	json_float(b, "loss", s->loss);
	json_float(b, "loss_baseline", s->loss_base);
	json_float(b, "rtt_p50_ms", s->rtt_p50_ms);
	json_float(b, "rtt_p90_ms", s->rtt_p90_ms);
	json_float(b, "rtt_ratio", s->rtt_ratio);
	json_float(b, "rtt_ratio_baseline", s->rtt_ratio_base);
	json_float(b, "severity", s->severity);
	buf_printf(b, ",\"baseline_ready\":%s,\"stressed\":%s,\"stress_rtt\":%s,\"stress_loss\":%s,"
		      "\"blind\":%s}",
		   s->baseline_ready ? "true" : "false", s->stressed ? "true" : "false",
		   s->stress_rtt ? "true" : "false", s->stress_loss ? "true" : "false",
		   s->blind ? "true" : "false");
}

void detect_target_json(struct buf *b, const struct detect_target_state *st, const char *label)
{
	buf_printf(b, "{\"id\":%u,\"label\":", st->id);
	json_str(b, label);
	buf_printf(b, ",\"entity\":%u,\"role\":", st->entity);
	json_str(b, role_name(st->role));
	buf_puts(b, ",\"state\":");
	json_str(b, detect_tstate_name(st->state));
	buf_puts(b, ",\"since\":");
	if (st->since_us)
		put_iso(b, st->since_us);
	else
		buf_puts(b, "null");
	buf_puts(b, ",\"last_outcome\":");
	json_str(b, st->last_us ? outcome_code(st->last_outcome) : NULL);
	buf_printf(b, ",\"established\":%s,\"alive\":%s,\"flapping\":%s,\"k\":%u",
		   st->established ? "true" : "false", st->alive ? "true" : "false",
		   st->flapping ? "true" : "false", st->k);
	json_float(b, "noise", st->noise);
	json_float(b, "rtt_base_ms", st->rtt_base_ms);
	buf_putc(b, '}');
}

static const char *step_change(const struct detect_step *s)
{
	switch (s->kind) {
	case STEP_LAYER_DOWN:
		return "down";
	case STEP_LAYER_DEGRADED:
		return "degraded";
	case STEP_LAYER_BACK:
		return "back";
	default:
		return detect_step_name(s->kind);
	}
}

void detect_event_timeline_json(struct buf *b, const struct detect_event *ev)
{
	struct order *o = sorted_steps(ev);
	buf_putc(b, '[');
	for (size_t k = 0; k < ev->nsteps; k++) {
		const struct detect_step *s = &ev->steps[o[k].i];
		bool layer = s->kind >= STEP_LAYER_DEGRADED && s->kind <= STEP_LAYER_BACK;
		buf_printf(b, "%s{\"time_us\":%lld,\"layer\":", k ? "," : "", (long long)s->time_us);
		json_str(b, layer ? detect_layer_name(s->layer) : NULL);
		buf_puts(b, ",\"target\":");
		json_str(b, s->label[0] ? s->label : NULL);
		buf_puts(b, ",\"change\":");
		json_str(b, step_change(s));
		buf_puts(b, ",\"text\":");
		struct buf w = {0};
		step_words(&w, s, true);
		json_str(b, w.p ? w.p : "");
		buf_free(&w);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
	free(o);
}

static void json_layer_order(struct buf *b, const struct detect_event *ev, bool back)
{
	int order[LAYER__COUNT], n = layer_order(ev, back, order);
	buf_putc(b, '[');
	bool first = true;
	if (!back)
		for (size_t i = 0; i < ev->nsteps; i++)
			if (ev->steps[i].kind == STEP_STRESS) {
				json_str(b, ev->steps[i].value > 0 ? "rtt" : "loss");
				first = false;
				break;
			}
	for (int i = 0; i < n; i++) {
		if (!first)
			buf_putc(b, ',');
		first = false;
		json_str(b, detect_layer_name(order[i]));
	}
	buf_putc(b, ']');
}

void detect_event_evidence_json(struct buf *b, const struct detect_event *ev)
{
	bool sec = with_seconds(ev);
	struct buf t = {0};
	detect_event_summary(&t, ev);
	buf_puts(b, "{\"summary\":");
	json_str(b, t.p ? t.p : "");
	buf_free(&t);
	buf_puts(b, ",\"layers_failed\":");
	json_layer_order(b, ev, false);
	buf_puts(b, ",\"layers_recovered\":");
	json_layer_order(b, ev, true);
	buf_puts(b, ",\"evidence\":[");
	bool first = true;
	for (int k = 0; k < DISC__COUNT; k++) {
		if (!(ev->disc & ev->disc_listed & (1u << k)))
			continue;
		char date[16], hm[16];
		split_time(ev->disc_us[k], sec, date, hm);
		struct buf w = {0};
		buf_printf(&w, "%s at %s: %s", detect_disc_name(k), hm, detect_disc_text(k));
		if (!first)
			buf_putc(b, ',');
		first = false;
		json_str(b, w.p);
		buf_free(&w);
	}
	buf_puts(b, "],\"not_seen\":[");
	first = true;
	for (int k = 0; k < DISC__COUNT; k++)
		if ((ev->disc_listed & (1u << k)) && !(ev->disc & (1u << k))) {
			if (!first)
				buf_putc(b, ',');
			first = false;
			json_str(b, detect_disc_name(k));
		}
	buf_puts(b, "],\"discriminators\":[");
	first = true;
	for (int k = 0; k < DISC__COUNT; k++) {
		if (!(ev->disc & (1u << k)))
			continue;
		buf_puts(b, first ? "{\"name\":" : ",{\"name\":");
		first = false;
		json_str(b, detect_disc_name(k));
		buf_printf(b, ",\"time_us\":%lld,\"for_cause\":%s}", (long long)ev->disc_us[k],
			   ev->disc_listed & (1u << k) ? "true" : "false");
	}
	buf_puts(b, "],\"previous_cause\":");
	json_str(b, ev->revisions ? detect_cause_name(ev->prev_cause) : NULL);
	buf_printf(b, ",\"revisions\":%u,\"flapping\":%s,\"relapses\":%u,\"start_uncertain\":%s",
		   ev->revisions, ev->flapping ? "true" : "false", ev->relapses,
		   ev->start_uncertain ? "true" : "false");
	buf_puts(b, ",\"event\":");
	detect_event_json(b, ev);
	buf_putc(b, '}');
}
