/*
 * discover.c - discover_routers (see discover.h): traces toward the prefixes
 * of the entities that ask for it, on a private loop, before the watcher
 * starts; the routers found join the watchlist.
 */
#include "watch/discover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/log.h"
#include "core/obs.h"
#include "core/mem.h"
#include "probe/trace.h"

size_t discover_pick(const struct trace_result *t, struct discover_pick *out, size_t max)
{
	size_t n = 0, first_inside = t->nhops;
	for (size_t i = 0; i < t->nhops; i++)
		if (t->hops[i].answered && t->hops[i].prefix >= 0) {
			first_inside = i;
			break;
		}
	/* the last answering hop before the prefixes (or before the end) */
	for (size_t i = first_inside; i-- > 0;)
		if (t->hops[i].answered) {
			if (n < max)
				out[n++] = (struct discover_pick){t->hops[i].addr, t->hops[i].ttl, false};
			break;
		}
	for (size_t i = first_inside; i < t->nhops && n < max; i++) {
		const struct trace_hop *h = &t->hops[i];
		if (!h->answered || h->prefix < 0)
			continue;
		bool seen = false;
		for (size_t k = 0; k < n; k++)
			seen |= addr_cmp(&out[k].addr, &h->addr) == 0;
		if (!seen)
			out[n++] = (struct discover_pick){h->addr, h->ttl, true};
	}
	return n;
}

struct dtrace {
	struct discover *d;
	size_t entity;
	struct addr dst;
	struct trace *tr;   /* running, or NULL once done */
	struct discover_pick pick[DISCOVER_MAX_PER_TRACE];
	size_t n_pick;
	int outcome;
};

struct discover {
	struct dtrace *tr; /* owned */
	size_t n, running;
	uv_timer_t budget;
};

static void on_trace(void *arg, const struct trace_result *t, const struct probe_result *r)
{
	struct dtrace *x = arg;
	x->tr = NULL;
	x->outcome = r->outcome;
	x->n_pick = discover_pick(t, x->pick, DISCOVER_MAX_PER_TRACE);
	if (--x->d->running == 0)
		uv_timer_stop(&x->d->budget);
}

static void on_budget(uv_timer_t *tm)
{
	struct discover *d = tm->data;
	log_warn("watch: router discovery: out of time, the traces still running are cut short");
	for (size_t i = 0; i < d->n; i++)
		if (d->tr[i].tr)
			trace_cancel(d->tr[i].tr); /* calls on_trace now, with the hops so far */
}

int watch_discover_routers(struct config *cfg, int64_t budget_us)
{
	struct discover d = {0};
	uv_loop_t loop;
	if (uv_loop_init(&loop) < 0) {
		log_warn("watch: router discovery: cannot make an event loop");
		return 0;
	}
	for (size_t e = 0; e < cfg->n_entities; e++)
		if (cfg->entities[e].discover_routers)
			d.n += cfg->entities[e].n_prefixes < DISCOVER_MAX_PREFIXES ? cfg->entities[e].n_prefixes
										 : DISCOVER_MAX_PREFIXES;
	d.tr = xcalloc(d.n + 1, sizeof *d.tr);
	uv_timer_init(&loop, &d.budget);
	d.budget.data = &d;
	size_t k = 0;
	for (size_t e = 0; e < cfg->n_entities; e++) {
		const struct config_entity *ent = &cfg->entities[e];
		if (!ent->discover_routers)
			continue;
		for (size_t p = 0; p < ent->n_prefixes && p < DISCOVER_MAX_PREFIXES; p++) {
			struct dtrace *x = &d.tr[k++];
			x->d = &d;
			x->entity = e;
			struct prefix pf = ent->prefixes[p];
			prefix_normalize(&pf);
			prefix_nth(&pf, prefix_size(&pf) > 1 ? 1 : 0, &x->dst);
			struct trace_spec spec = {.target = x->dst, .proto = TRACE_ICMP, .attempts = 2,
						  .timeout_ms = 1000, .prefixes = ent->prefixes,
						  .nprefixes = ent->n_prefixes};
			char err[256], ab[ADDR_STRLEN];
			if (trace_start(&loop, &spec, on_trace, x, &x->tr, err, sizeof err) < 0) {
				log_warn("watch: %s: router discovery toward %s: %s", ent->name,
					 addr_format(&x->dst, ab, sizeof ab), err);
				x->tr = NULL;
				x->outcome = -1;
				continue;
			}
			d.running++;
		}
	}
	if (d.running)
		uv_timer_start(&d.budget, on_budget, (uint64_t)((budget_us > 0 ? budget_us : 60000000) / 1000), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&d.budget, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	(void)uv_loop_close(&loop);

	int added = 0;
	for (size_t i = 0; i < d.n; i++) {
		const struct dtrace *x = &d.tr[i];
		const char *ename = cfg->entities[x->entity].name;
		char dst[ADDR_STRLEN], a[ADDR_STRLEN], name[256], note[512];
		addr_format(&x->dst, dst, sizeof dst);
		if (x->outcome >= 0 && x->n_pick == 0)
			log_info("watch: %s: router discovery toward %s found no router (%s)", ename, dst,
				 outcome_code(x->outcome));
		for (size_t j = 0; j < x->n_pick; j++) {
			const struct discover_pick *p = &x->pick[j];
			addr_format(&p->addr, a, sizeof a);
			snprintf(name, sizeof name, "%s-hop-%s", ename, a);
			snprintf(note, sizeof note, "discovered at start: hop %d of a traceroute toward %s, %s",
				 p->ttl, dst, p->inside ? "inside the prefixes" : "the last hop before them");
			int rc = config_add_router(cfg, x->entity, name, &p->addr, note);
			if (rc == 0) {
				added++;
				log_info("watch: %s: discovered router %s: hop %d toward %s, %s", ename, a, p->ttl,
					 dst, p->inside ? "inside the prefixes" : "the last hop before them");
			} else if (rc != ERR_EXISTS) {
				log_warn("watch: %s: cannot add router %s: %s", ename, a, err_str(rc));
			}
		}
	}
	free(d.tr);
	return added;
}
