/*
 * detect.c - the detection engine: the model, input buffering and time bins,
 * per-entity layer signals against moving baselines, and the event life cycle
 * (see detect.h for the state diagrams, cause.h for the cause table).
 *
 * Invariants:
 *   - every buffered input has time >= closed_until (older ones are refused);
 *   - inputs are applied in (time, target, kind, outcome, rtt) order, bin by bin,
 *     so the result does not depend on arrival order inside the late window;
 *   - an entity has at most one open event (ent->ev >= 0), and a candidate only
 *     while it has none;
 *   - nothing here reads a clock or allocates on failure paths it cannot report
 *     (xmalloc aborts on out-of-memory, as everywhere in blackout).
 */
#include "detect/detect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/mem.h"
#include "detect/cause.h"
#include "detect/chan.h"
#include "detect/stats.h"

#define BIN_RING 64 /* recent bins kept per entity for the stress evidence */
#define MAX_TIME (INT64_C(1) << 62)
#define MAD_SIGMA 1.4826 /* MAD -> standard deviation for normal noise */

struct target {
	bool declared;
	uint8_t role;
	unsigned flags;
	uint32_t entity;
	int64_t interval_us;
	char *label; /* owned */
	struct detect_chan *chan[PROBE_KIND__COUNT]; /* owned, allocated on first use */
	struct detect_target_state st;
};

struct pfx {
	uint32_t entity;
	char *label; /* owned */
	bool have;
	uint16_t visible, peers;
};

/* A closed bin as the stress evidence needs it. "outage" counts the failed probes
 * that turned out to belong to a target confirming its failure: they are the outage
 * itself, not stress on the path, and are taken out of the loss of the survivors. */
struct bin_rec {
	int64_t start, end;
	uint32_t probes, failed, outage;
	float ratio;     /* RTT ratio (answers only: survivors by construction) */
	float loss_base; /* the healthy loss rate at the time */
	bool stress_rtt;
};

/* What an open event needs beyond its public struct. */
struct event_priv {
	uint8_t lstate[LAYER__COUNT]; /* LS_* below, within this event */
	int64_t withdrawn_us;
	int64_t stress_us;     /* stress before the first failure */
	int64_t stress_during_us; /* stress while the failure spread */
	int64_t stress_first, stress_last; /* the failure times they were judged against */
	int64_t recover_since; /* bin end when every layer was back; 0 while failing */
	bool link_failed;
	int64_t link_fail_us;
	bool net_unreach_noted;
	int64_t relapse_us;    /* first time a layer failed again after coming back */
	int64_t control_ok_us; /* first control answer seen at or after the first failure */
	uint64_t id;
};
enum { LS_NEVER, LS_FAILED, LS_DOWN, LS_BACK };

struct entity {
	char name[DETECT_LABEL_MAX];
	uint8_t kind;
	int64_t round_us;
	uint32_t *targets; /* owned array of target ids */
	size_t ntargets, captargets;
	uint32_t *prefixes; /* owned array of prefix ids */
	size_t nprefixes, capprefixes;
	/* this bin */
	uint32_t probes, failed;
	float *rtt, *ratio; /* owned, grown as needed */
	size_t nrtt, nratio, caprtt, capratio;
	/* baselines over healthy bins */
	struct detect_ring base_ratio, base_loss, base_frac[LAYER__COUNT];
	uint32_t outage; /* this bin's failed probes that confirmed a target down */
	unsigned stress_run; /* healthy stressed bins in a row */
	struct bin_rec bins[BIN_RING];
	size_t nbins, bin_pos;
	/* layers, across bins */
	uint8_t lstatus[LAYER__COUNT];
	int64_t lfail_us[LAYER__COUNT]; /* start of the layer's current failure, 0 if ok */
	int64_t lback_us[LAYER__COUNT]; /* last recovery */
	/* BGP, tracked at sample times */
	uint8_t bgp_status;
	int64_t bgp_fail_us, bgp_down_us, bgp_back_us;
	/* routing evidence */
	int64_t noroute_first, noroute_last;
	/* events */
	long ev; /* index in d->events of the open event, -1 if none */
	struct event_priv evp;
	bool candidate;
	int64_t cand_since;
	bool have_sig;
	struct detect_signals sig;
};

struct pending_rtt {
	struct detect_chan *chan;
	uint32_t entity;
	float rtt;
};

struct detect {
	struct detect_params p;
	struct detect_hooks h;
	struct target *targets; /* owned, indexed by target id */
	size_t ntargets;
	struct pfx *prefixes; /* owned */
	size_t nprefixes, capprefixes;
	struct entity *ents; /* owned; ents[0] is the monitor */
	size_t nents, capents;
	struct detect_event *events; /* owned, opening order */
	size_t nevents, capevents;
	uint64_t next_event_id;
	struct obs *pend; /* owned, buffered observations */
	size_t npend, cappend;
	struct detect_bgp_sample *bpend; /* owned, buffered BGP samples */
	size_t nbpend, capbpend;
	struct pending_rtt *prtt; /* this bin's answers, for the channels' RTT rings */
	size_t nprtt, capprtt;
	bool started;
	int64_t closed_until;
	/* the monitor */
	bool blind;
	int64_t blind_start_us, blind_end_us;
	int64_t control_ok_us;
	struct detect_stats stats;
};

/* ---- small helpers ---- */

#define GROW(arr, n, cap)                                                               \
	do {                                                                            \
		if ((n) >= (cap)) {                                                     \
			(cap) = (cap) ? (cap) * 2 : 16;                                 \
			(arr) = xreallocarray((arr), (cap), sizeof *(arr));              \
		}                                                                       \
	} while (0)

static void copy_label(char *dst, const char *src)
{
	snprintf(dst, DETECT_LABEL_MAX, "%s", src ? src : "");
}

static int tstate_rank(int s)
{
	switch (s) {
	case TSTATE_UP:
		return 1;
	case TSTATE_SUSPECT:
		return 2;
	case TSTATE_RECOVERING:
		return 3;
	case TSTATE_DOWN:
		return 4;
	default:
		return 0;
	}
}

static bool is_down(int s)
{
	return s == TSTATE_DOWN || s == TSTATE_RECOVERING;
}

static bool is_service_kind(int kind)
{
	return kind != PROBE_ICMP && kind != PROBE_TRACE;
}

/* ---- construction ---- */

void detect_params_default(struct detect_params *p)
{
	p->bin_us = 60 * USEC_PER_SEC;
	p->late_us = p->bin_us;
	p->bgp_hold_us = 180 * USEC_PER_SEC;
	p->prior_loss = DETECT_NOISE_PRIOR;
}

static uint32_t entity_new(struct detect *d, const char *name, int kind)
{
	GROW(d->ents, d->nents, d->capents);
	struct entity *e = &d->ents[d->nents];
	memset(e, 0, sizeof *e);
	copy_label(e->name, name);
	e->kind = (uint8_t)kind;
	e->ev = -1;
	e->round_us = d->p.bin_us;
	for (int l = 0; l < LAYER__COUNT; l++)
		e->lstatus[l] = LSTATUS_NODATA;
	e->bgp_status = LSTATUS_NODATA;
	return (uint32_t)d->nents++;
}

struct detect *detect_new(const struct detect_params *params, const struct detect_hooks *hooks)
{
	struct detect *d = xcalloc(1, sizeof *d);
	detect_params_default(&d->p);
	if (params) {
		if (params->bin_us > 0)
			d->p.bin_us = params->bin_us;
		d->p.late_us = params->late_us >= 0 ? params->late_us : d->p.bin_us;
		if (params->bgp_hold_us >= 0)
			d->p.bgp_hold_us = params->bgp_hold_us;
		if (params->prior_loss > 0 && params->prior_loss < 0.5)
			d->p.prior_loss = params->prior_loss;
	}
	if (hooks)
		d->h = *hooks;
	d->next_event_id = 1;
	entity_new(d, "monitor", ENTITY_MONITOR);
	return d;
}

void detect_free(struct detect *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->ntargets; i++) {
		free(d->targets[i].label);
		for (int k = 0; k < PROBE_KIND__COUNT; k++)
			free(d->targets[i].chan[k]);
	}
	free(d->targets);
	for (size_t i = 0; i < d->nprefixes; i++)
		free(d->prefixes[i].label);
	free(d->prefixes);
	for (size_t i = 0; i < d->nents; i++) {
		free(d->ents[i].targets);
		free(d->ents[i].prefixes);
		free(d->ents[i].rtt);
		free(d->ents[i].ratio);
	}
	free(d->ents);
	for (size_t i = 0; i < d->nevents; i++)
		free(d->events[i].steps);
	free(d->events);
	free(d->pend);
	free(d->bpend);
	free(d->prtt);
	free(d);
}

int detect_entity_add(struct detect *d, const char *name, int kind, uint32_t *id)
{
	if (!d || !name || !*name || kind <= ENTITY_MONITOR || kind >= ENTITY_KIND__COUNT)
		return ERR_INVAL;
	uint32_t e = entity_new(d, name, kind);
	if (id)
		*id = e;
	return 0;
}

int detect_target_add(struct detect *d, const struct detect_target_spec *s)
{
	if (!d || !s || s->role < 0 || s->role >= ROLE__COUNT || s->interval_us <= 0)
		return ERR_INVAL;
	if (s->id >= DETECT_MAX_TARGET)
		return ERR_RANGE;
	uint32_t ent = s->role == ROLE_CONTROL ? DETECT_MONITOR : s->entity;
	if (ent >= d->nents || (s->role != ROLE_CONTROL && ent == DETECT_MONITOR))
		return ERR_NOTFOUND;
	if (s->id >= d->ntargets) {
		size_t n = d->ntargets ? d->ntargets : 16;
		while (n <= s->id)
			n *= 2;
		d->targets = xreallocarray(d->targets, n, sizeof *d->targets);
		memset(d->targets + d->ntargets, 0, (n - d->ntargets) * sizeof *d->targets);
		d->ntargets = n;
	}
	struct target *t = &d->targets[s->id];
	if (t->declared)
		return ERR_EXISTS;
	t->declared = true;
	t->role = (uint8_t)s->role;
	t->flags = s->flags;
	t->entity = ent;
	t->interval_us = s->interval_us;
	t->label = xstrdup(s->label ? s->label : "");
	t->st.id = s->id;
	t->st.entity = ent;
	t->st.role = (uint8_t)s->role;
	t->st.noise = (float)d->p.prior_loss;
	t->st.k = (uint8_t)detect_chan_k_for(d->p.prior_loss);
	t->st.rtt_base_ms = NAN;
	struct entity *e = &d->ents[ent];
	GROW(e->targets, e->ntargets, e->captargets);
	e->targets[e->ntargets++] = s->id;
	if (e->ntargets == 1 || s->interval_us > e->round_us)
		e->round_us = s->interval_us > d->p.bin_us ? s->interval_us : d->p.bin_us;
	return 0;
}

int detect_prefix_add(struct detect *d, uint32_t entity, const char *label, uint32_t *id)
{
	if (!d)
		return ERR_INVAL;
	if (entity == DETECT_MONITOR || entity >= d->nents)
		return ERR_NOTFOUND;
	GROW(d->prefixes, d->nprefixes, d->capprefixes);
	struct pfx *p = &d->prefixes[d->nprefixes];
	memset(p, 0, sizeof *p);
	p->entity = entity;
	p->label = xstrdup(label ? label : "");
	struct entity *e = &d->ents[entity];
	GROW(e->prefixes, e->nprefixes, e->capprefixes);
	e->prefixes[e->nprefixes++] = (uint32_t)d->nprefixes;
	if (id)
		*id = (uint32_t)d->nprefixes;
	d->nprefixes++;
	return 0;
}

/* ---- inputs ---- */

static struct target *target_get(const struct detect *d, uint32_t id)
{
	if (id >= d->ntargets || !d->targets[id].declared)
		return NULL;
	return &d->targets[id];
}

int detect_feed(struct detect *d, const struct obs *o)
{
	if (!d || !o || o->kind >= PROBE_KIND__COUNT || o->outcome >= OUTCOME__COUNT ||
	    o->time_us < 0 || o->time_us >= MAX_TIME)
		return ERR_INVAL;
	if (!target_get(d, o->target)) {
		d->stats.obs_unknown++;
		return ERR_NOTFOUND;
	}
	if (d->started && o->time_us < d->closed_until) {
		d->stats.obs_late++;
		return ERR_RANGE;
	}
	GROW(d->pend, d->npend, d->cappend);
	d->pend[d->npend++] = *o;
	d->stats.obs++;
	return 0;
}

int detect_feed_bgp(struct detect *d, const struct detect_bgp_sample *s)
{
	if (!d || !s || s->time_us < 0 || s->time_us >= MAX_TIME || s->visible > s->peers)
		return ERR_INVAL;
	if (s->prefix >= d->nprefixes) {
		d->stats.bgp_unknown++;
		return ERR_NOTFOUND;
	}
	if (d->started && s->time_us < d->closed_until) {
		d->stats.bgp_late++;
		return ERR_RANGE;
	}
	GROW(d->bpend, d->nbpend, d->capbpend);
	d->bpend[d->nbpend++] = *s;
	d->stats.bgp++;
	return 0;
}

static int cmp_obs(const void *a, const void *b)
{
	const struct obs *x = a, *y = b;
	if (x->time_us != y->time_us)
		return x->time_us < y->time_us ? -1 : 1;
	if (x->target != y->target)
		return x->target < y->target ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->outcome != y->outcome)
		return x->outcome < y->outcome ? -1 : 1;
	if (x->rtt_ms != y->rtt_ms)
		return x->rtt_ms < y->rtt_ms ? -1 : 1;
	return (x->vantage > y->vantage) - (x->vantage < y->vantage);
}

static int cmp_bgp(const void *a, const void *b)
{
	const struct detect_bgp_sample *x = a, *y = b;
	if (x->time_us != y->time_us)
		return x->time_us < y->time_us ? -1 : 1;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	if (x->visible != y->visible)
		return x->visible < y->visible ? -1 : 1;
	return (x->peers > y->peers) - (x->peers < y->peers);
}

/* ---- target state ---- */

static void target_refresh(struct detect *d, struct target *t, int64_t now)
{
	struct detect_target_state old = t->st, *st = &t->st;
	bool svc = false;
	for (int k = 0; k < PROBE_KIND__COUNT; k++)
		if (t->chan[k] && t->chan[k]->used && is_service_kind(k))
			svc = true;
	const struct detect_chan *worst = NULL;
	bool established = false, alive = false, flapping = false;
	int64_t flap_since = now - DETECT_FLAP_WINDOW_ROUNDS * t->interval_us;
	for (int k = 0; k < PROBE_KIND__COUNT; k++) {
		const struct detect_chan *c = t->chan[k];
		if (!c || !c->used)
			continue;
		if (c->state == TSTATE_UP || c->state == TSTATE_SUSPECT ||
		    c->last_class == OCLASS_SERVICE)
			alive = true;
		if (svc && !is_service_kind(k))
			continue;
		if (c->ever_up)
			established = true;
		if (detect_chan_flapping(c, flap_since))
			flapping = true;
		if (!worst || tstate_rank(c->state) > tstate_rank(worst->state) ||
		    (c->state == worst->state && c->since < worst->since))
			worst = c;
	}
	if (worst) {
		st->state = worst->state;
		st->since_us = worst->since;
		st->noise = (float)detect_chan_noise(worst);
		st->k = (uint8_t)detect_chan_k(worst);
		st->rtt_base_ms = detect_chan_rtt_base(worst);
	}
	st->established = established;
	st->alive = alive;
	st->flapping = flapping;
	if (d->h.target && (old.state != st->state || old.alive != st->alive ||
			    old.flapping != st->flapping || old.established != st->established))
		d->h.target(d->h.arg, st);
}

/* The failed probes in a channel's window that just confirmed it down were the outage,
 * not loss: move them to the outage count of their bins. */
static void attribute_outage(struct entity *e, const bool *fail, const int64_t *times, int n,
			     int64_t cur_start)
{
	for (int i = 0; i < n; i++) {
		if (!fail[i])
			continue;
		if (times[i] >= cur_start) {
			e->outage++;
			continue;
		}
		for (size_t k = 0; k < e->nbins; k++)
			if (times[i] >= e->bins[k].start && times[i] < e->bins[k].end) {
				e->bins[k].outage++;
				break;
			}
	}
}

static void apply_obs(struct detect *d, const struct obs *o)
{
	struct target *t = target_get(d, o->target);
	if (!t)
		return;
	int oc = detect_outcome_class(o->outcome);
	/* A local error says nothing about a target, except a control: when the
	 * monitor cannot even send to the addresses that always answer (its link
	 * is down, no route here), it is blind, as when they go silent. */
	if (oc == OCLASS_NONE && o->outcome == OUTCOME_LOCAL_ERROR && t->entity == DETECT_MONITOR)
		oc = OCLASS_SILENT;
	t->st.last_us = o->time_us;
	t->st.last_outcome = o->outcome;
	if (oc == OCLASS_NONE)
		return;
	struct entity *e = &d->ents[t->entity];
	if (!t->chan[o->kind]) {
		t->chan[o->kind] = xcalloc(1, sizeof *t->chan[o->kind]);
		t->chan[o->kind]->prior = (float)d->p.prior_loss;
	}
	struct detect_chan *c = t->chan[o->kind];
	bool healthy = c->state == TSTATE_UP || c->state == TSTATE_SUSPECT;

	if (healthy && c->ever_up) {
		e->probes++;
		if (oc == OCLASS_SILENT || oc == OCLASS_UNREACH || oc == OCLASS_NOROUTE)
			e->failed++;
	}
	if (oc == OCLASS_UP && o->rtt_ms >= 0 && !isinf(o->rtt_ms)) {
		if (healthy || c->state == TSTATE_UNKNOWN) {
			GROW(e->rtt, e->nrtt, e->caprtt);
			e->rtt[e->nrtt++] = o->rtt_ms;
			float base = detect_chan_rtt_base(c);
			if (base > 0) {
				GROW(e->ratio, e->nratio, e->capratio);
				e->ratio[e->nratio++] = o->rtt_ms / base;
			}
			GROW(d->prtt, d->nprtt, d->capprtt);
			d->prtt[d->nprtt++] = (struct pending_rtt){c, t->entity, o->rtt_ms};
		}
	}
	if (oc == OCLASS_NOROUTE) {
		if (!e->noroute_first)
			e->noroute_first = o->time_us;
		e->noroute_last = o->time_us;
	}
	if (oc == OCLASS_UP && t->role == ROLE_CONTROL && o->time_us > d->control_ok_us)
		d->control_ok_us = o->time_us;
	bool win_fail[DETECT_WINDOW_N + 1];
	int64_t win_time[DETECT_WINDOW_N + 1];
	int nwin = c->nwin;
	memcpy(win_fail, c->win_fail, sizeof c->win_fail);
	memcpy(win_time, c->win_time, sizeof c->win_time);
	win_fail[nwin] = oc != OCLASS_UP;
	win_time[nwin] = o->time_us;
	detect_chan_feed(c, oc, o->time_us);
	if (healthy && c->ever_up && c->state == TSTATE_DOWN)
		attribute_outage(e, win_fail, win_time, nwin + 1, d->closed_until);
	target_refresh(d, t, o->time_us);
}

/* ---- layers ---- */

static float layer_baseline(const struct detect_ring *r, float *mad)
{
	if (r->n < DETECT_BASE_MIN) {
		*mad = 0;
		return 1.0f; /* until known, everything that answered once should answer */
	}
	float m = detect_ring_median(r, mad);
	return m;
}

static int layer_status(int n, int up, int down, float base, float mad)
{
	if (n == 0)
		return LSTATUS_NODATA;
	if (down == 0)
		return LSTATUS_OK;
	float frac = (float)up / (float)n;
	if (frac <= DETECT_LAYER_DOWN_FRACTION * base)
		return LSTATUS_DOWN;
	if (n < DETECT_MANY)
		return LSTATUS_DEGRADED;
	float drop = fmaxf((float)(DETECT_Z * MAD_SIGMA) * mad, (float)DETECT_MANY_MIN_DROP);
	return frac < base - drop ? LSTATUS_DEGRADED : LSTATUS_OK;
}

static void bgp_totals(const struct detect *d, const struct entity *e, unsigned *vis, unsigned *peers)
{
	*vis = *peers = 0;
	for (size_t i = 0; i < e->nprefixes; i++) {
		const struct pfx *p = &d->prefixes[e->prefixes[i]];
		if (p->have && p->peers) {
			*vis += p->visible;
			*peers += p->peers;
		}
	}
}

static int bgp_status_now(const struct detect *d, const struct entity *e)
{
	unsigned vis, peers;
	bgp_totals(d, e, &vis, &peers);
	if (!peers)
		return LSTATUS_NODATA;
	float mad, base = layer_baseline(&e->base_frac[LAYER_BGP], &mad);
	float frac = (float)vis / (float)peers;
	if (frac <= DETECT_LAYER_DOWN_FRACTION * base)
		return LSTATUS_DOWN;
	float drop = fmaxf((float)(DETECT_Z * MAD_SIGMA) * mad, 1.0f / (float)peers * 0.999f);
	return frac < base - drop ? LSTATUS_DEGRADED : LSTATUS_OK;
}

static void apply_bgp(struct detect *d, const struct detect_bgp_sample *s)
{
	struct pfx *p = &d->prefixes[s->prefix];
	p->have = true;
	p->visible = s->visible;
	p->peers = s->peers;
	struct entity *e = &d->ents[p->entity];
	int st = bgp_status_now(d, e), old = e->bgp_status;
	if (st == old)
		return;
	bool was_failed = old == LSTATUS_DEGRADED || old == LSTATUS_DOWN;
	bool failed = st == LSTATUS_DEGRADED || st == LSTATUS_DOWN;
	if (failed && !was_failed)
		e->bgp_fail_us = s->time_us;
	if (st == LSTATUS_DOWN)
		e->bgp_down_us = s->time_us;
	else
		e->bgp_down_us = 0;
	if (!failed) {
		if (was_failed)
			e->bgp_back_us = s->time_us;
		e->bgp_fail_us = 0;
	}
	e->bgp_status = (uint8_t)st;
}

/* ---- signals of one bin ---- */

static void compute_signals(struct detect *d, struct entity *e, uint32_t id, int64_t b0, int64_t b1)
{
	struct detect_signals *s = &e->sig;
	memset(s, 0, sizeof *s);
	s->entity = id;
	s->bin_start_us = b0;
	s->bin_end_us = b1;
	int n[LAYER__COUNT] = {0}, up[LAYER__COUNT] = {0}, down[LAYER__COUNT] = {0};
	for (size_t i = 0; i < e->ntargets; i++) {
		const struct target *t = &d->targets[e->targets[i]];
		if (!t->st.established)
			continue;
		n[t->role]++;
		if (t->st.state == TSTATE_UP || t->st.state == TSTATE_SUSPECT)
			up[t->role]++;
		else if (is_down(t->st.state))
			down[t->role]++;
	}
	double expected = 0, answering = 0;
	for (int l = 0; l < LAYER_BGP; l++) {
		struct detect_layer_signal *ls = &s->layer[l];
		ls->targets = (uint16_t)(n[l] > UINT16_MAX ? UINT16_MAX : n[l]);
		ls->up = (uint16_t)(up[l] > UINT16_MAX ? UINT16_MAX : up[l]);
		ls->fraction = n[l] ? (float)up[l] / (float)n[l] : NAN;
		float mad, base = layer_baseline(&e->base_frac[l], &mad);
		ls->baseline = e->base_frac[l].n >= DETECT_BASE_MIN ? base : NAN;
		ls->mad = e->base_frac[l].n >= DETECT_BASE_MIN ? mad : NAN;
		ls->status = (uint8_t)layer_status(n[l], up[l], down[l], base, mad);
		/* the monitor's severity is its control layer's; an entity's, its data plane's */
		if (n[l] && (l == LAYER_CONTROL) == (id == DETECT_MONITOR)) {
			expected += base * n[l];
			answering += up[l];
		}
	}
	unsigned vis, peers;
	bgp_totals(d, e, &vis, &peers);
	struct detect_layer_signal *bs = &s->layer[LAYER_BGP];
	bs->targets = (uint16_t)(peers > UINT16_MAX ? UINT16_MAX : peers);
	bs->up = (uint16_t)(vis > UINT16_MAX ? UINT16_MAX : vis);
	bs->fraction = peers ? (float)vis / (float)peers : NAN;
	float bmad, bbase = layer_baseline(&e->base_frac[LAYER_BGP], &bmad);
	bs->baseline = e->base_frac[LAYER_BGP].n >= DETECT_BASE_MIN ? bbase : NAN;
	bs->mad = e->base_frac[LAYER_BGP].n >= DETECT_BASE_MIN ? bmad : NAN;
	bs->status = e->bgp_status;

	s->probes = e->probes;
	s->failed = e->failed;
	s->loss = e->probes ? (float)e->failed / (float)e->probes : NAN;
	s->rtt_p50_ms = detect_quantile(e->rtt, e->nrtt, 0.5);
	s->rtt_p90_ms = detect_quantile(e->rtt, e->nrtt, 0.9);
	s->rtt_ratio = detect_quantile(e->ratio, e->nratio, 0.5);
	s->rtt_ratio_base = detect_ring_median(&e->base_ratio, &s->rtt_ratio_mad);
	s->loss_base = detect_ring_mean(&e->base_loss);
	s->baseline_ready = e->base_ratio.n >= DETECT_BASE_MIN && e->base_loss.n >= DETECT_BASE_MIN;
	if (s->baseline_ready) {
		if (e->nratio >= 2) {
			float thr = fmaxf(s->rtt_ratio_base * (float)(1 + DETECT_RTT_MIN_RISE),
					  s->rtt_ratio_base +
						  (float)(DETECT_Z * MAD_SIGMA) * s->rtt_ratio_mad);
			s->stress_rtt = s->rtt_ratio > thr;
		}
		if (e->failed >= DETECT_LOSS_MIN_FAILS && e->probes) {
			double p = fmax(s->loss_base, DETECT_LOSS_FLOOR);
			s->stress_loss = detect_binomial_tail(e->failed, e->probes, p) < DETECT_STRESS_ALPHA;
		}
	}
	s->stressed = s->stress_rtt || s->stress_loss;
	s->blind = d->blind;
	double sev = expected > 0 ? 1.0 - answering / expected : 0;
	if (peers && bbase > 0)
		sev = fmax(sev, 1.0 - bs->fraction / bbase);
	s->severity = (float)(sev < 0 ? 0 : sev > 1 ? 1 : sev);
	e->have_sig = true;

	struct bin_rec *br = &e->bins[e->bin_pos];
	*br = (struct bin_rec){b0, b1, e->probes, e->failed, e->outage, s->rtt_ratio,
			       (float)fmax(isnan(s->loss_base) ? 0 : s->loss_base, DETECT_LOSS_FLOOR),
			       s->stress_rtt};
	e->bin_pos = (e->bin_pos + 1) % BIN_RING;
	if (e->nbins < BIN_RING)
		e->nbins++;
}


/* Layer transitions with backdated times, kept across bins. */
static void track_layers(struct detect *d, struct entity *e)
{
	for (int l = 0; l < LAYER_BGP; l++) {
		int st = e->sig.layer[l].status;
		bool failed = st == LSTATUS_DEGRADED || st == LSTATUS_DOWN;
		if (failed && !e->lfail_us[l]) {
			int64_t first = 0;
			for (size_t i = 0; i < e->ntargets; i++) {
				const struct target *t = &d->targets[e->targets[i]];
				if (t->role == l && t->st.established && is_down(t->st.state) &&
				    (!first || t->st.since_us < first))
					first = t->st.since_us;
			}
			e->lfail_us[l] = first ? first : e->sig.bin_end_us;
		} else if (!failed && e->lfail_us[l]) {
			int64_t back = 0;
			for (size_t i = 0; i < e->ntargets; i++) {
				const struct target *t = &d->targets[e->targets[i]];
				if (t->role == l && t->st.state == TSTATE_UP &&
				    t->st.since_us >= e->lfail_us[l] && t->st.since_us > back)
					back = t->st.since_us;
			}
			e->lback_us[l] = back ? back : e->sig.bin_end_us;
			e->lfail_us[l] = 0;
		}
		e->lstatus[l] = (uint8_t)st;
	}
	e->lstatus[LAYER_BGP] = e->bgp_status;
	e->lfail_us[LAYER_BGP] = e->bgp_fail_us;
	e->lback_us[LAYER_BGP] = e->bgp_back_us;
}

/* The label of the earliest target of layer l that is down (want_down) or that came
 * back at or after since. */
static const char *layer_label(const struct detect *d, const struct entity *e, int l, bool want_down,
			       int64_t since)
{
	const struct target *best = NULL;
	if (l == LAYER_BGP)
		return e->nprefixes ? d->prefixes[e->prefixes[0]].label : "";
	for (size_t i = 0; i < e->ntargets; i++) {
		const struct target *t = &d->targets[e->targets[i]];
		if (t->role != l || !t->st.established)
			continue;
		bool match = want_down ? is_down(t->st.state)
				       : t->st.state == TSTATE_UP && t->st.since_us >= since;
		if (match && (!best || t->st.since_us < best->st.since_us))
			best = t;
	}
	return best ? best->label : "";
}

/* ---- events ---- */

static struct detect_step *add_step(struct detect_event *ev, int kind, int64_t t)
{
	GROW(ev->steps, ev->nsteps, ev->capsteps);
	struct detect_step *s = &ev->steps[ev->nsteps++];
	memset(s, 0, sizeof *s);
	s->time_us = t;
	s->kind = (uint8_t)kind;
	return s;
}

static void add_layer_step(struct detect *d, struct entity *e, struct detect_event *ev, int l, int kind,
			   int64_t t)
{
	struct detect_step *s = add_step(ev, kind, t);
	s->layer = (uint8_t)l;
	s->count = e->sig.layer[l].up;
	s->total = e->sig.layer[l].targets;
	copy_label(s->label, layer_label(d, e, l, kind != STEP_LAYER_BACK, t));
}

static struct detect_event *event_new(struct detect *d, struct entity *e, uint32_t id, int64_t start,
				      int64_t now)
{
	GROW(d->events, d->nevents, d->capevents);
	struct detect_event *ev = &d->events[d->nevents];
	memset(ev, 0, sizeof *ev);
	ev->id = d->next_event_id++;
	ev->entity = id;
	ev->entity_kind = e->kind;
	copy_label(ev->entity_name, e->name);
	ev->start_us = start;
	ev->opened_us = now;
	ev->round_us = e->round_us;
	ev->open = true;
	ev->cause = ev->prev_cause = CAUSE_UNKNOWN;
	e->ev = (long)d->nevents++;
	memset(&e->evp, 0, sizeof e->evp);
	e->evp.id = ev->id;
	d->stats.events_opened++;
	return ev;
}

static void emit(struct detect *d, const struct detect_event *ev, int change, unsigned what)
{
	if (d->h.event)
		d->h.event(d->h.arg, ev, change, what);
}

/* Failed layers right now that make (or keep) an event: any data-plane layer
 * degraded or down, or the prefixes down. */
static uint32_t failing_layers(const struct entity *e, uint32_t dp)
{
	uint32_t m = 0;
	for (int l = 0; l < LAYER_BGP; l++)
		if ((dp & LAYER_BIT(l)) &&
		    (e->lstatus[l] == LSTATUS_DEGRADED || e->lstatus[l] == LSTATUS_DOWN))
			m |= LAYER_BIT(l);
	if (e->lstatus[LAYER_BGP] == LSTATUS_DOWN)
		m |= LAYER_BIT(LAYER_BGP);
	return m;
}

/* Layer changes inside an open event; returns DETECT_WHAT_* bits. */
static unsigned event_layers(struct detect *d, struct entity *e, struct detect_event *ev, uint32_t layers)
{
	unsigned what = 0;
	for (int l = 0; l < LAYER__COUNT; l++) {
		if (!(layers & LAYER_BIT(l)))
			continue;
		uint8_t *ls = &e->evp.lstate[l];
		int st = e->lstatus[l];
		bool failed = st == LSTATUS_DOWN || (st == LSTATUS_DEGRADED && l != LAYER_BGP);
		bool down = st == LSTATUS_DOWN;
		int64_t t_fail = l == LAYER_BGP && down ? e->bgp_down_us : e->lfail_us[l];
		if (failed && (*ls == LS_NEVER || *ls == LS_BACK)) {
			if (*ls == LS_BACK) {
				ev->relapses++;
				what |= DETECT_WHAT_RELAPSE;
				if (!e->evp.relapse_us)
					e->evp.relapse_us = t_fail;
			}
			if (!(ev->layers & LAYER_BIT(l)) || t_fail < ev->layer_fail_us[l])
				ev->layer_fail_us[l] = t_fail;
			ev->layers |= LAYER_BIT(l);
			*ls = down ? LS_DOWN : LS_FAILED;
			if (down)
				ev->layers_down |= LAYER_BIT(l);
			add_layer_step(d, e, ev, l, down ? STEP_LAYER_DOWN : STEP_LAYER_DEGRADED, t_fail);
			if (l == LAYER_BGP)
				e->evp.withdrawn_us = t_fail;
			what |= DETECT_WHAT_LAYERS;
		} else if (down && *ls == LS_FAILED) {
			*ls = LS_DOWN;
			ev->layers_down |= LAYER_BIT(l);
			int64_t t = l == LAYER_BGP ? e->bgp_down_us : e->sig.bin_end_us;
			if (l != LAYER_BGP) {
				/* the moment the last answering target of the layer failed */
				t = 0;
				for (size_t i = 0; i < e->ntargets; i++) {
					const struct target *tg = &d->targets[e->targets[i]];
					if (tg->role == l && tg->st.established &&
					    is_down(tg->st.state) && tg->st.since_us > t)
						t = tg->st.since_us;
				}
			}
			add_layer_step(d, e, ev, l, STEP_LAYER_DOWN, t);
			what |= DETECT_WHAT_LAYERS;
		} else if (!failed && (*ls == LS_FAILED || *ls == LS_DOWN)) {
			*ls = LS_BACK;
			int64_t t = e->lback_us[l] ? e->lback_us[l] : e->sig.bin_end_us;
			ev->layer_back_us[l] = t;
			add_layer_step(d, e, ev, l, STEP_LAYER_BACK, t);
			what |= DETECT_WHAT_LAYERS;
		}
	}
	return what;
}

static int64_t event_first_failure(const struct detect_event *ev)
{
	int64_t first = 0;
	for (int l = 0; l < LAYER__COUNT; l++)
		if ((ev->layers & LAYER_BIT(l)) && (!first || ev->layer_fail_us[l] < first))
			first = ev->layer_fail_us[l];
	return first ? first : ev->start_us;
}

static int64_t event_last_failure(const struct detect_event *ev)
{
	int64_t last = 0;
	for (int l = 0; l < LAYER__COUNT; l++)
		if ((ev->layers & LAYER_BIT(l) & LAYER_DATA_PLANE) && ev->layer_fail_us[l] > last)
			last = ev->layer_fail_us[l];
	return last;
}

/* The entity's recent bins in time order (oldest first). Returns how many. */
static size_t bins_in_order(const struct entity *e, const struct bin_rec **out)
{
	size_t start = e->nbins < BIN_RING ? 0 : e->bin_pos;
	for (size_t i = 0; i < e->nbins; i++)
		out[i] = &e->bins[(start + i) % BIN_RING];
	return e->nbins;
}

/* Stress over the bins b[0..n) (contiguous, in time order), judged on the survivors:
 * an RTT rise in any bin, or a loss rise sustained to the end of the run (the
 * binomial test over the last j bins together, for any j, so that a loss spread thin
 * over several rounds counts). Failed probes that were the outage itself (targets
 * that went on to confirm their failure) are not loss. Returns the start of the
 * rise, 0 if none; *ratio and *loss describe it. */
static int64_t run_stress(const struct bin_rec **b, size_t n, float *ratio, float *loss)
{
	int64_t onset = 0;
	uint32_t f = 0, p = 0;
	for (size_t j = n; j-- > 0;) {
		uint32_t out = b[j]->outage < b[j]->failed ? b[j]->outage : b[j]->failed;
		f += b[j]->failed - out;
		p += b[j]->probes - out;
		double base = b[n - 1]->loss_base;
		if (f >= DETECT_LOSS_MIN_FAILS && p &&
		    detect_binomial_tail(f, p, base) < DETECT_STRESS_ALPHA) {
			onset = b[j]->start;
			*loss = (float)f / (float)p;
		}
	}
	for (size_t j = 0; j < n; j++)
		if (b[j]->stress_rtt) {
			if (!onset || b[j]->start < onset)
				onset = b[j]->start;
			if (b[j]->ratio > *ratio)
				*ratio = b[j]->ratio;
		}
	return onset;
}

/* Stress before the first failure (within the lookback), and stress while the failure
 * spread (ending at least one round before the last layer failed); the earliest of
 * them is the "network stress" step of the timeline. */
static void event_stress(struct entity *e, struct detect_event *ev)
{
	int64_t first = event_first_failure(ev), last = event_last_failure(ev);
	int64_t from = first - DETECT_STRESS_LOOKBACK_ROUNDS * e->round_us;
	const struct bin_rec *all[BIN_RING], *run[BIN_RING];
	size_t n = bins_in_order(e, all), nb = 0, nd = 0;
	for (size_t i = 0; i < n; i++)
		if (all[i]->start >= from && all[i]->end <= first)
			run[nb++] = all[i];
	float ratio = 0, loss = 0;
	int64_t before = run_stress(run, nb, &ratio, &loss), during = 0;
	for (size_t i = 0; last && i < n; i++)
		if (all[i]->end > first && all[i]->end <= last - e->round_us)
			run[nd++] = all[i];
	if (nd)
		during = run_stress(run, nd, &ratio, &loss);
	/* the ring of recent bins rolls on during a long event: what was established for
	 * the same first (and last) failure stays established */
	if (first == e->evp.stress_first && e->evp.stress_us &&
	    (!before || e->evp.stress_us < before))
		before = e->evp.stress_us;
	if (first == e->evp.stress_first && last == e->evp.stress_last && e->evp.stress_during_us &&
	    (!during || e->evp.stress_during_us < during))
		during = e->evp.stress_during_us;
	int64_t onset = before ? before : during;
	int64_t old = e->evp.stress_us ? e->evp.stress_us : e->evp.stress_during_us;
	e->evp.stress_us = before;
	e->evp.stress_during_us = during;
	e->evp.stress_first = first;
	e->evp.stress_last = last;
	for (size_t i = 0; i < ev->nsteps; i++)
		if (ev->steps[i].kind == STEP_STRESS) {
			if (onset == old) {
				ratio = fmaxf(ratio, ev->steps[i].value);
				loss = fmaxf(loss, ev->steps[i].value2);
			}
			memmove(ev->steps + i, ev->steps + i + 1,
				(ev->nsteps - i - 1) * sizeof ev->steps[0]);
			ev->nsteps--;
			break;
		}
	if (onset) {
		struct detect_step *s = add_step(ev, STEP_STRESS, onset);
		s->value = isnan(ratio) ? 0 : ratio;
		s->value2 = isnan(loss) ? 0 : loss;
	}
}

static void event_links(struct detect *d, struct entity *e, struct detect_event *ev,
			bool *known)
{
	*known = false;
	int64_t from = event_first_failure(ev) - e->round_us;
	for (size_t i = 0; i < e->ntargets; i++) {
		const struct target *t = &d->targets[e->targets[i]];
		if (!(t->flags & DETECT_TARGET_BORDER_LINK) || !t->st.established)
			continue;
		*known = true;
		if (is_down(t->st.state) && t->st.since_us >= from && !e->evp.link_failed) {
			e->evp.link_failed = true;
			e->evp.link_fail_us = t->st.since_us;
		}
	}
}

static unsigned event_decide(struct detect *d, struct entity *e, struct detect_event *ev, int64_t now)
{
	unsigned what = 0;
	event_stress(e, ev);
	struct detect_evidence ein;
	memset(&ein, 0, sizeof ein);
	ein.round_us = e->round_us;
	ein.hold_us = d->p.bgp_hold_us;
	for (int l = 0; l < LAYER_BGP; l++)
		if (e->sig.layer[l].targets)
			ein.established |= LAYER_BIT(l);
	ein.bgp_known = e->sig.layer[LAYER_BGP].targets > 0;
	if (ein.bgp_known)
		ein.established |= LAYER_BIT(LAYER_BGP);
	ein.failed = ev->layers;
	ein.down = ev->layers_down;
	memcpy(ein.fail_us, ev->layer_fail_us, sizeof ein.fail_us);
	ein.baseline_ready = e->sig.baseline_ready;
	ein.stress_us = e->evp.stress_us;
	ein.stress_during_us = e->evp.stress_during_us;
	ein.withdrawn_us = e->evp.withdrawn_us;
	ein.relapse_us = e->evp.relapse_us;
	event_links(d, e, ev, &ein.link_known);
	ein.link_failed = e->evp.link_failed;
	ein.link_fail_us = e->evp.link_fail_us;
	int64_t first = event_first_failure(ev);
	if (e->noroute_first && e->noroute_last >= first - e->round_us)
		ein.net_unreach_us = e->noroute_first >= first - e->round_us ? e->noroute_first : first;
	ein.control_known = d->ents[DETECT_MONITOR].sig.layer[LAYER_CONTROL].targets > 0;
	if (!e->evp.control_ok_us && d->control_ok_us >= first)
		e->evp.control_ok_us = d->control_ok_us;
	ein.control_ok_us = e->evp.control_ok_us;
	ein.now_us = now;
	struct detect_verdict v;
	detect_cause_decide(&ein, &v);

	if (ein.net_unreach_us && !e->evp.net_unreach_noted) {
		e->evp.net_unreach_noted = true;
		struct detect_step *s = add_step(ev, STEP_NET_UNREACH, ein.net_unreach_us);
		for (size_t i = 0; i < e->ntargets; i++) {
			const struct target *t = &d->targets[e->targets[i]];
			struct detect_chan *c = t->chan[PROBE_ICMP];
			for (int k = 0; !c && k < PROBE_KIND__COUNT; k++)
				c = t->chan[k];
			if (c && c->last_class == OCLASS_NOROUTE) {
				copy_label(s->label, t->label);
				break;
			}
		}
	}
	ev->disc = v.disc;
	ev->disc_listed = v.listed;
	memcpy(ev->disc_us, v.disc_us, sizeof ev->disc_us);
	ev->confidence = v.confidence;
	if (v.cause != ev->cause) {
		bool initial = ev->revisions == 0 && ev->nsteps && ev->opened_us == now;
		if (!initial) {
			ev->prev_cause = ev->cause;
			ev->revisions++;
			d->stats.cause_revisions++;
			struct detect_step *s = add_step(ev, STEP_CAUSE, now);
			s->cause = v.cause;
			s->prev_cause = ev->cause;
			what |= DETECT_WHAT_CAUSE;
		} else {
			ev->prev_cause = v.cause;
		}
		ev->cause = v.cause;
	}
	return what;
}

static void event_close(struct detect *d, struct entity *e, struct detect_event *ev, int64_t now)
{
	int64_t end = 0;
	for (int l = 0; l < LAYER__COUNT; l++)
		if ((ev->layers & LAYER_BIT(l)) && ev->layer_back_us[l] > end)
			end = ev->layer_back_us[l];
	ev->end_us = end > ev->start_us ? end : ev->start_us;
	ev->closed_us = now;
	ev->open = false;
	e->ev = -1;
	d->stats.events_closed++;
	emit(d, ev, DETECT_CLOSED, 0);
}

static void monitor_mark(struct detect *d, int kind, int64_t t)
{
	for (size_t i = 1; i < d->nents; i++) {
		struct entity *e = &d->ents[i];
		if (e->ev >= 0) {
			add_step(&d->events[e->ev], kind, t);
			emit(d, &d->events[e->ev], DETECT_CHANGED, DETECT_WHAT_MONITOR);
		}
	}
}

/* The monitor's own event: the control layer is down, the monitor is blind. */
static void monitor_bin(struct detect *d, int64_t now)
{
	struct entity *m = &d->ents[DETECT_MONITOR];
	bool down = m->lstatus[LAYER_CONTROL] == LSTATUS_DOWN;
	uint32_t ctl = LAYER_BIT(LAYER_CONTROL);
	if (m->ev < 0) {
		if (!down)
			return;
		struct detect_event *ev = event_new(d, m, DETECT_MONITOR, m->lfail_us[LAYER_CONTROL], now);
		event_layers(d, m, ev, ctl);
		ev->cause = ev->prev_cause = CAUSE_VANTAGE_LOCAL;
		ev->disc = ev->disc_listed = 1u << DISC_CONTROL_DOWN;
		ev->disc_us[DISC_CONTROL_DOWN] = m->lfail_us[LAYER_CONTROL];
		ev->confidence = 1;
		ev->peak_severity = m->sig.severity;
		d->blind = true;
		d->blind_start_us = ev->start_us;
		monitor_mark(d, STEP_MONITOR_BLIND, ev->start_us);
		emit(d, ev, DETECT_OPENED, 0);
		return;
	}
	struct detect_event *ev = &d->events[m->ev];
	unsigned what = event_layers(d, m, ev, ctl);
	if (m->sig.severity > ev->peak_severity)
		ev->peak_severity = m->sig.severity;
	if (down && !d->blind) {
		d->blind = true;
		d->blind_start_us = m->lfail_us[LAYER_CONTROL];
		m->evp.recover_since = 0;
		monitor_mark(d, STEP_MONITOR_BLIND, d->blind_start_us);
	} else if (!down && d->blind) {
		d->blind = false;
		d->blind_end_us = ev->layer_back_us[LAYER_CONTROL] ? ev->layer_back_us[LAYER_CONTROL] : now;
		m->evp.recover_since = now;
		monitor_mark(d, STEP_MONITOR_BACK, d->blind_end_us);
	}
	if (!ev->flapping && ev->relapses >= DETECT_FLAP_RELAPSES) {
		ev->flapping = true;
		add_step(ev, STEP_FLAPPING, now);
		what |= DETECT_WHAT_FLAPPING;
	}
	if (!d->blind && m->evp.recover_since &&
	    now - m->evp.recover_since >= DETECT_CLOSE_HOLD_ROUNDS * m->round_us) {
		event_close(d, m, ev, now);
		return;
	}
	if (what)
		emit(d, ev, DETECT_CHANGED, what);
}

static bool entity_inflight(const struct detect *d, const struct entity *e)
{
	for (size_t i = 0; i < e->ntargets; i++) {
		const struct target *t = &d->targets[e->targets[i]];
		if (t->st.established && t->st.state == TSTATE_SUSPECT)
			return true;
	}
	return false;
}

static bool entity_flapping(const struct detect *d, const struct entity *e)
{
	for (size_t i = 0; i < e->ntargets; i++)
		if (d->targets[e->targets[i]].st.flapping)
			return true;
	return false;
}

static void entity_bin(struct detect *d, struct entity *e, uint32_t id, int64_t now)
{
	uint32_t dp = 0;
	for (int l = 0; l < LAYER_BGP; l++)
		if (e->sig.layer[l].targets)
			dp |= LAYER_BIT(l);
	dp &= LAYER_DATA_PLANE;
	uint32_t failing = failing_layers(e, dp);

	if (e->ev < 0) {
		if (!failing) {
			if (e->candidate)
				d->stats.candidates_dropped++;
			e->candidate = false;
			return;
		}
		if (!e->candidate) {
			e->candidate = true;
			e->cand_since = now;
		}
		int64_t start = 0;
		for (int l = 0; l < LAYER__COUNT; l++)
			if ((failing & LAYER_BIT(l)) && (!start || e->lfail_us[l] < start))
				start = e->lfail_us[l];
		/* Proof that the monitor could see: a control target answered after the
		 * failure began, and after the monitor's last blindness had settled. */
		const struct entity *m = &d->ents[DETECT_MONITOR];
		bool control_known = m->sig.layer[LAYER_CONTROL].targets > 0;
		int64_t settle = d->blind_end_us ? d->blind_end_us + (DETECT_UP_RUN + 1) * e->round_us : 0;
		int64_t need = start > settle ? start : settle;
		if (d->blind || (control_known && d->control_ok_us < need))
			return;
		/* wait while other targets have an unconfirmed failure in flight, at most one
		 * confirmation window, so the first report has the whole picture */
		if (entity_inflight(d, e) && now - e->cand_since < DETECT_WINDOW_N * e->round_us)
			return;
		e->candidate = false;
		struct detect_event *ev = event_new(d, e, id, start, now);
		ev->start_uncertain = d->blind_end_us && start < settle;
		event_layers(d, e, ev, failing);
		ev->peak_severity = e->sig.severity;
		event_decide(d, e, ev, now);
		if (entity_flapping(d, e)) {
			ev->flapping = true;
			add_step(ev, STEP_FLAPPING, now);
		}
		emit(d, ev, DETECT_OPENED, 0);
		return;
	}

	struct detect_event *ev = &d->events[e->ev];
	unsigned what = event_layers(d, e, ev, dp | LAYER_BIT(LAYER_BGP));
	if (e->sig.severity > ev->peak_severity)
		ev->peak_severity = e->sig.severity;
	if (failing && e->evp.recover_since) {
		int64_t again = now;
		for (int l = 0; l < LAYER__COUNT; l++)
			if ((failing & LAYER_BIT(l)) && e->lfail_us[l] && e->lfail_us[l] < again)
				again = e->lfail_us[l];
		e->evp.recover_since = 0;
		add_step(ev, STEP_RELAPSE, again);
		what |= DETECT_WHAT_RELAPSE;
	} else if (!failing && !e->evp.recover_since) {
		e->evp.recover_since = now;
	}
	if (!d->blind)
		what |= event_decide(d, e, ev, now);
	if (!ev->flapping && (ev->relapses >= DETECT_FLAP_RELAPSES || entity_flapping(d, e))) {
		ev->flapping = true;
		add_step(ev, STEP_FLAPPING, now);
		what |= DETECT_WHAT_FLAPPING;
	}
	if (!failing && now - e->evp.recover_since >= DETECT_CLOSE_HOLD_ROUNDS * e->round_us) {
		if (what)
			emit(d, ev, DETECT_CHANGED, what);
		event_close(d, e, ev, now);
		return;
	}
	if (what)
		emit(d, ev, DETECT_CHANGED, what);
}

/* Baselines learn only from healthy bins: no event, no candidate, monitor not blind. */
static void learn(struct detect *d, struct entity *e)
{
	if (e->ev >= 0 || e->candidate || d->blind)
		return;
	const struct detect_signals *s = &e->sig;
	/* a rise is not "normal" until it has lasted half the baseline window without an
	 * outage; then it is the new level */
	e->stress_run = s->stressed ? e->stress_run + 1 : 0;
	if (s->stressed && e->stress_run <= DETECT_BASE_BINS / 2)
		return;
	detect_ring_push(&e->base_ratio, s->rtt_ratio);
	detect_ring_push(&e->base_loss, s->loss);
	for (int l = 0; l < LAYER__COUNT; l++)
		detect_ring_push(&e->base_frac[l], s->layer[l].fraction);
	/* the NOROUTE trail restarts from a healthy state */
	if (e->noroute_last < s->bin_start_us)
		e->noroute_first = 0;
}

/* Closes the bin [closed_until, closed_until + bin) with its inputs, in order. */
static void close_bin(struct detect *d, const struct obs *obs, size_t nobs,
		      const struct detect_bgp_sample *bgp, size_t nbgp)
{
	int64_t b0 = d->closed_until, b1 = b0 + d->p.bin_us;
	for (size_t i = 0; i < d->nents; i++) {
		struct entity *e = &d->ents[i];
		e->probes = e->failed = e->outage = 0;
		e->nrtt = e->nratio = 0;
	}
	d->nprtt = 0;
	for (size_t i = 0; i < nobs; i++)
		apply_obs(d, &obs[i]);
	for (size_t i = 0; i < nbgp; i++)
		apply_bgp(d, &bgp[i]);
	/* targets whose flapping window ran out without new observations */
	for (size_t i = 0; i < d->nents; i++) {
		struct entity *e = &d->ents[i];
		for (size_t k = 0; k < e->ntargets; k++) {
			struct target *t = &d->targets[e->targets[k]];
			if (t->st.flapping)
				target_refresh(d, t, b1);
		}
	}
	for (size_t i = 0; i < d->nents; i++) {
		compute_signals(d, &d->ents[i], (uint32_t)i, b0, b1);
		track_layers(d, &d->ents[i]);
	}
	monitor_bin(d, b1);
	for (size_t i = 1; i < d->nents; i++)
		d->ents[i].sig.blind = d->blind;
	for (size_t i = 1; i < d->nents; i++)
		entity_bin(d, &d->ents[i], (uint32_t)i, b1);
	if (d->h.signals)
		for (size_t i = 0; i < d->nents; i++)
			d->h.signals(d->h.arg, &d->ents[i].sig);
	/* channel RTT baselines learn from answers of unstressed healthy bins (and from
	 * the first few answers, to get started) */
	for (size_t i = 0; i < d->nprtt; i++) {
		struct detect_chan *c = d->prtt[i].chan;
		const struct entity *e = &d->ents[d->prtt[i].entity];
		bool healthy = e->ev < 0 && !e->candidate && !d->blind && !e->sig.stressed;
		if (healthy || c->rtt_n < DETECT_RTT_MIN)
			detect_chan_rtt_push(c, d->prtt[i].rtt);
	}
	for (size_t i = 0; i < d->nents; i++)
		learn(d, &d->ents[i]);
	d->closed_until = b1;
	d->stats.bins++;
}

static bool anything_open(const struct detect *d)
{
	for (size_t i = 0; i < d->nents; i++)
		if (d->ents[i].ev >= 0 || d->ents[i].candidate)
			return true;
	return false;
}

static int64_t floor_bin(int64_t t, int64_t bin)
{
	return t / bin * bin; /* times are >= 0 */
}

/* Bins in a row without any input that are still closed one by one while something
 * is open; beyond that nothing can change but time, and the next bin with input sees
 * the elapsed time (holds are measured in time, not in bins). */
#define EMPTY_RUN (2 * (DETECT_CLOSE_HOLD_ROUNDS + DETECT_WINDOW_N + DETECT_UP_RUN))

int detect_tick(struct detect *d, int64_t now_us)
{
	if (!d || now_us < 0)
		return 0;
	if (now_us >= MAX_TIME)
		now_us = MAX_TIME - 1;
	const int64_t bin = d->p.bin_us;
	int64_t end = now_us - d->p.late_us;
	if (end < 0)
		return 0;
	if (d->npend)
		qsort(d->pend, d->npend, sizeof *d->pend, cmp_obs);
	if (d->nbpend)
		qsort(d->bpend, d->nbpend, sizeof *d->bpend, cmp_bgp);
	if (!d->started) {
		int64_t first = end;
		if (d->npend && d->pend[0].time_us < first)
			first = d->pend[0].time_us;
		if (d->nbpend && d->bpend[0].time_us < first)
			first = d->bpend[0].time_us;
		d->closed_until = floor_bin(first, bin);
		d->started = true;
	}
	int closed = 0, empty = 0;
	size_t io = 0, ib = 0;
	while (d->closed_until + bin <= end) {
		int64_t b1 = d->closed_until + bin;
		size_t no = io, nb = ib;
		while (no < d->npend && d->pend[no].time_us < b1)
			no++;
		while (nb < d->nbpend && d->bpend[nb].time_us < b1)
			nb++;
		if (no == io && nb == ib) {
			empty++;
			if (!anything_open(d) || empty > EMPTY_RUN) {
				/* jump to the bin of the next input, or as far as allowed */
				int64_t next = end;
				if (io < d->npend && d->pend[io].time_us < next)
					next = d->pend[io].time_us;
				if (ib < d->nbpend && d->bpend[ib].time_us < next)
					next = d->bpend[ib].time_us;
				int64_t to = floor_bin(next, bin);
				if (to + bin > end)
					to = floor_bin(end, bin) - bin;
				if (to > d->closed_until) {
					d->closed_until = to;
					empty = 0;
					continue;
				}
			}
		} else {
			empty = 0;
		}
		close_bin(d, d->pend ? d->pend + io : NULL, no - io, d->bpend ? d->bpend + ib : NULL, nb - ib);
		io = no;
		ib = nb;
		closed++;
	}
	if (io) {
		memmove(d->pend, d->pend + io, (d->npend - io) * sizeof *d->pend);
		d->npend -= io;
	}
	if (ib) {
		memmove(d->bpend, d->bpend + ib, (d->nbpend - ib) * sizeof *d->bpend);
		d->nbpend -= ib;
	}
	return closed;
}

int detect_drain(struct detect *d)
{
	if (!d)
		return 0;
	int64_t last = -1;
	for (size_t i = 0; i < d->npend; i++)
		if (d->pend[i].time_us > last)
			last = d->pend[i].time_us;
	for (size_t i = 0; i < d->nbpend; i++)
		if (d->bpend[i].time_us > last)
			last = d->bpend[i].time_us;
	if (last < 0)
		return 0;
	return detect_tick(d, floor_bin(last, d->p.bin_us) + d->p.bin_us + d->p.late_us);
}

/* ---- getters ---- */

const struct detect_target_state *detect_target(const struct detect *d, uint32_t id)
{
	const struct target *t = d ? target_get(d, id) : NULL;
	return t ? &t->st : NULL;
}

const char *detect_target_label(const struct detect *d, uint32_t id)
{
	const struct target *t = d ? target_get(d, id) : NULL;
	return t ? t->label : NULL;
}

size_t detect_entity_count(const struct detect *d)
{
	return d ? d->nents : 0;
}

const char *detect_entity_name(const struct detect *d, uint32_t entity)
{
	return d && entity < d->nents ? d->ents[entity].name : NULL;
}

const struct detect_signals *detect_signals_last(const struct detect *d, uint32_t entity)
{
	if (!d || entity >= d->nents || !d->ents[entity].have_sig)
		return NULL;
	return &d->ents[entity].sig;
}

size_t detect_event_count(const struct detect *d)
{
	return d ? d->nevents : 0;
}

const struct detect_event *detect_event_at(const struct detect *d, size_t i)
{
	return d && i < d->nevents ? &d->events[i] : NULL;
}

const struct detect_event *detect_event_find(const struct detect *d, uint64_t id)
{
	for (size_t i = 0; d && i < d->nevents; i++)
		if (d->events[i].id == id)
			return &d->events[i];
	return NULL;
}

const struct detect_event *detect_event_open(const struct detect *d, uint32_t entity)
{
	if (!d || entity >= d->nents || d->ents[entity].ev < 0)
		return NULL;
	return &d->events[d->ents[entity].ev];
}

void detect_prune(struct detect *d, int64_t before_us)
{
	if (!d)
		return;
	size_t w = 0;
	for (size_t i = 0; i < d->nevents; i++) {
		struct detect_event *ev = &d->events[i];
		if (!ev->open && ev->end_us < before_us) {
			free(ev->steps);
			continue;
		}
		if (w != i)
			d->events[w] = *ev;
		w++;
	}
	d->nevents = w;
	for (size_t i = 0; i < d->nents; i++)
		d->ents[i].ev = -1;
	for (size_t i = 0; i < d->nevents; i++)
		if (d->events[i].open)
			d->ents[d->events[i].entity].ev = (long)i;
}

int64_t detect_closed_until(const struct detect *d)
{
	return d && d->started ? d->closed_until : 0;
}

void detect_stats(const struct detect *d, struct detect_stats *out)
{
	if (d)
		*out = d->stats;
	else
		memset(out, 0, sizeof *out);
}
