/*
 * model.c - what the watcher and `blackout replay` share: the detector's
 * parameters and declarations for a config, the store-id mapping, and the
 * replay of stored observations into a detector.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/store.h"
#include "watch/watch.h"

/* The longest one probe can take before its result is final. */
static int64_t probe_max_us(const struct config_probe *p)
{
	int64_t one = p->timing.timeout_us * (p->timing.retries + 1);
	if (p->kind == PROBE_SMTP)
		return 4 * one; /* connect, banner, EHLO, QUIT each have the timeout */
	return one;
}

void watch_detect_params(const struct config *cfg, struct detect_params *p)
{
	detect_params_default(p);
	int64_t bin = 0, longest = 0;
	for (size_t i = 0; i < cfg->n_targets; i++)
		for (size_t k = 0; k < cfg->targets[i].n_probes; k++) {
			const struct config_probe *pr = &cfg->targets[i].probes[k];
			if (!bin || pr->timing.interval_us < bin)
				bin = pr->timing.interval_us;
			if (probe_max_us(pr) > longest)
				longest = probe_max_us(pr);
		}
	if (bin > 0)
		p->bin_us = bin;
	/* a result is final at most `longest` after its send time; a margin of a
	 * quarter bin for the loop's own latency */
	int64_t late = longest + p->bin_us / 4;
	p->late_us = late > p->bin_us ? late : p->bin_us;
	if (cfg->bgp.enabled && cfg->bgp.hold_time_us > 0)
		p->bgp_hold_us = cfg->bgp.hold_time_us;
	/* the watcher retries inside a round: a healthy target fails a round
	 * far less often than one packet is lost */
	int retries = cfg->defaults.retries;
	p->prior_loss = retries > 0 ? pow(0.05, retries + 1) : 0;
	if (p->prior_loss > 0 && p->prior_loss < 1e-4)
		p->prior_loss = 1e-4;
}

static int detect_kind(int cfg_kind)
{
	switch (cfg_kind) {
	case CFG_ENTITY_COUNTRY: return ENTITY_COUNTRY;
	case CFG_ENTITY_AS: return ENTITY_AS;
	case CFG_ENTITY_PREFIX: return ENTITY_PREFIX;
	default: return ENTITY_GROUP;
	}
}

int watch_declare(struct detect *d, const struct config *cfg, uint32_t *ent_ids, uint32_t *prefix_ids)
{
	int rc;
	size_t np = 0;
	for (size_t i = 0; i < cfg->n_entities; i++) {
		const struct config_entity *e = &cfg->entities[i];
		if ((rc = detect_entity_add(d, e->name, detect_kind(e->kind), &ent_ids[i])) < 0)
			return rc;
		for (size_t k = 0; k < e->n_prefixes; k++) {
			char pb[PREFIX_STRLEN];
			uint32_t id;
			prefix_format(&e->prefixes[k], pb, sizeof pb);
			if ((rc = detect_prefix_add(d, ent_ids[i], pb, &id)) < 0)
				return rc;
			if (prefix_ids)
				prefix_ids[np] = id;
			np++;
		}
	}
	for (size_t i = 0; i < cfg->n_targets; i++) {
		const struct config_target *t = &cfg->targets[i];
		int64_t interval = 0;
		for (size_t k = 0; k < t->n_probes; k++)
			if (!interval || t->probes[k].timing.interval_us < interval)
				interval = t->probes[k].timing.interval_us;
		struct detect_target_spec spec = {
		    .id = (uint32_t)i,
		    .entity = t->entity == CONFIG_NO_ENTITY ? DETECT_MONITOR : ent_ids[t->entity],
		    .role = t->role,
		    .interval_us = interval,
		    .flags = t->border_link ? DETECT_TARGET_BORDER_LINK : 0,
		    .label = t->name,
		};
		if ((rc = detect_target_add(d, &spec)) < 0)
			return rc;
	}
	return 0;
}

struct name_map {
	const struct config *cfg;
	int64_t *ids;
};

static int on_target_row(void *ctx, const struct store_target_row *r)
{
	struct name_map *m = ctx;
	for (size_t i = 0; i < m->cfg->n_targets; i++)
		if (!strcmp(m->cfg->targets[i].name, r->name)) {
			m->ids[i] = r->id;
			break;
		}
	return 0;
}

int watch_store_target_ids(struct store *st, const struct config *cfg, int64_t *store_ids)
{
	memset(store_ids, 0, cfg->n_targets * sizeof *store_ids);
	struct name_map m = {cfg, store_ids};
	return store_targets(st, 0, on_target_row, &m);
}

struct id_pair {
	int64_t store_id;
	uint32_t index;
};

static int pair_cmp(const void *a, const void *b)
{
	int64_t x = ((const struct id_pair *)a)->store_id, y = ((const struct id_pair *)b)->store_id;
	return x < y ? -1 : x > y;
}

struct replay_ctx {
	struct detect *d;
	struct id_pair *pairs;
	size_t n;
	uint16_t vantage;
	int64_t last_tick;
	uint64_t rows, fed;
	void (*progress)(void *, int64_t);
	void *arg;
};

static int on_replay_row(void *ctx, const struct store_obs_row *r)
{
	struct replay_ctx *c = ctx;
	if (c->progress && ++c->rows % 10000 == 0)
		c->progress(c->arg, r->time_us);
	if (r->vantage != c->vantage)
		return 0;
	struct id_pair key = {.store_id = r->target_id};
	const struct id_pair *p = bsearch(&key, c->pairs, c->n, sizeof key, pair_cmp);
	if (!p || r->kind < 0 || r->kind >= PROBE_KIND__COUNT || r->outcome < 0 ||
	    r->outcome >= OUTCOME__COUNT)
		return 0;
	/* close bins as time passes, so the buffers stay small */
	if (r->time_us - c->last_tick >= INT64_C(1000000)) {
		detect_tick(c->d, r->time_us);
		c->last_tick = r->time_us;
	}
	struct obs o = {
	    .time_us = r->time_us,
	    .target = p->index,
	    .vantage = r->vantage,
	    .kind = (uint8_t)r->kind,
	    .outcome = (uint8_t)r->outcome,
	    .rtt_ms = isnan(r->rtt_ms) ? -1.0f : (float)r->rtt_ms,
	};
	if (detect_feed(c->d, &o) == 0)
		c->fed++;
	return 0;
}

int watch_replay(struct store *st, struct detect *d, const int64_t *store_ids, size_t n_targets,
		 uint16_t vantage, int64_t from_us, int64_t until_us,
		 void (*progress)(void *arg, int64_t time_us), void *arg, uint64_t *fed)
{
	struct replay_ctx c = {.d = d, .vantage = vantage, .progress = progress, .arg = arg};
	c.pairs = xcalloc(n_targets + 1, sizeof *c.pairs);
	for (size_t i = 0; i < n_targets; i++)
		if (store_ids[i] > 0)
			c.pairs[c.n++] = (struct id_pair){store_ids[i], (uint32_t)i};
	qsort(c.pairs, c.n, sizeof *c.pairs, pair_cmp);
	int rc = store_replay(st, from_us, until_us, on_replay_row, &c);
	free(c.pairs);
	if (fed)
		*fed = c.fed;
	return rc;
}

void watch_event_key(const struct detect_event *ev, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%" PRId64, ev->entity_name, ev->start_us);
}
