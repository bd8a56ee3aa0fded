#include "bgp/visibility.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

struct vpeer {
	struct vis_peer id;
	bool up;
	uint32_t *cnt; /* per watch: routes of this peer inside it (owned) */
};

/* One route inside a watched prefix; a slot of the open-addressing table. */
struct vroute {
	uint32_t peer; /* index + 1; 0 = empty slot */
	uint32_t path_id;
	struct prefix prefix;
	uint64_t mask; /* the watches it counts for */
};

enum { STATE_UNKNOWN = -1, STATE_WITHDRAWN = 0, STATE_VISIBLE = 1 };

struct vis {
	struct vis_config cfg;
	struct vpeer *peers;
	size_t n_peers, peers_cap;
	uint32_t *peer_slots; /* index + 1, 0 empty */
	size_t peer_slots_cap;
	struct vroute *routes;
	size_t n_routes, routes_cap; /* cap is a power of two */
	unsigned peers_up;
	unsigned seeing[VIS_MAX_WATCH], min[VIS_MAX_WATCH], max[VIS_MAX_WATCH];
	int state[VIS_MAX_WATCH];
	bool started;
	int64_t bin_start, last;
};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

static uint64_t hash_bytes(const uint8_t *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * UINT64_C(0x100000001b3);
	return mix(h);
}

static size_t addr_size(const struct addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

bool vis_route_matches(const struct vis_watch *w, const struct prefix *p, uint32_t origin_as)
{
	if (w->origin_as && w->origin_as != origin_as)
		return false;
	return prefix_covers(&w->prefix, p);
}

struct vis *vis_new(const struct vis_config *cfg, int *err)
{
	if (!cfg || !cfg->watch || cfg->n_watch == 0 || cfg->n_watch > VIS_MAX_WATCH ||
	    cfg->bin_us <= 0) {
		if (err)
			*err = ERR_INVAL;
		return NULL;
	}
	struct vis *v = xcalloc(1, sizeof *v);
	v->cfg = *cfg;
	v->peer_slots_cap = 64;
	v->peer_slots = xcalloc(v->peer_slots_cap, sizeof *v->peer_slots);
	v->routes_cap = 256;
	v->routes = xcalloc(v->routes_cap, sizeof *v->routes);
	for (size_t i = 0; i < VIS_MAX_WATCH; i++)
		v->state[i] = STATE_UNKNOWN;
	if (err)
		*err = 0;
	return v;
}

void vis_free(struct vis *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n_peers; i++)
		free(v->peers[i].cnt);
	free(v->peers);
	free(v->peer_slots);
	free(v->routes);
	free(v);
}

/* ---- peers ---- */

static uint64_t peer_hash(const struct vis_peer *p)
{
	return hash_bytes(p->ip.bytes, addr_size(&p->ip), p->asn * UINT64_C(31) + p->ip.family);
}

static bool peer_eq(const struct vis_peer *a, const struct vis_peer *b)
{
	return a->asn == b->asn && a->ip.family == b->ip.family &&
	       !memcmp(a->ip.bytes, b->ip.bytes, addr_size(&a->ip));
}

static void peer_slots_grow(struct vis *v)
{
	size_t cap = v->peer_slots_cap * 2;
	uint32_t *slots = xcalloc(cap, sizeof *slots);
	for (size_t i = 0; i < v->n_peers; i++) {
		size_t s = peer_hash(&v->peers[i].id) & (cap - 1);
		while (slots[s])
			s = (s + 1) & (cap - 1);
		slots[s] = (uint32_t)i + 1;
	}
	free(v->peer_slots);
	v->peer_slots = slots;
	v->peer_slots_cap = cap;
}

/* The peer's index; added (not up) if new. */
static uint32_t peer_get(struct vis *v, const struct vis_peer *p)
{
	size_t mask = v->peer_slots_cap - 1, s = peer_hash(p) & mask;
	while (v->peer_slots[s]) {
		uint32_t i = v->peer_slots[s] - 1;
		if (peer_eq(&v->peers[i].id, p))
			return i;
		s = (s + 1) & mask;
	}
	if (v->n_peers == v->peers_cap) {
		v->peers_cap = v->peers_cap ? v->peers_cap * 2 : 16;
		v->peers = xreallocarray(v->peers, v->peers_cap, sizeof *v->peers);
	}
	uint32_t i = (uint32_t)v->n_peers++;
	struct vpeer *np = &v->peers[i];
	memset(np, 0, sizeof *np);
	np->id = *p;
	np->cnt = xcalloc(v->cfg.n_watch, sizeof *np->cnt);
	v->peer_slots[s] = i + 1;
	if (v->n_peers * 2 > v->peer_slots_cap)
		peer_slots_grow(v);
	return i;
}

static void peer_up(struct vis *v, uint32_t i)
{
	if (!v->peers[i].up) {
		v->peers[i].up = true;
		v->peers_up++;
	}
}

/* ---- routes ---- */

static uint64_t route_hash(uint32_t peer, uint32_t path_id, const struct prefix *p)
{
	uint64_t h = (uint64_t)peer << 32 ^ path_id ^ (uint64_t)p->len << 56 ^
		     (uint64_t)p->addr.family << 48;
	return hash_bytes(p->addr.bytes, addr_size(&p->addr), h);
}

static bool route_eq(const struct vroute *r, uint32_t peer, uint32_t path_id,
		     const struct prefix *p)
{
	return r->peer == peer && r->path_id == path_id && r->prefix.len == p->len &&
	       r->prefix.addr.family == p->addr.family &&
	       !memcmp(r->prefix.addr.bytes, p->addr.bytes, addr_size(&p->addr));
}

static size_t route_find(const struct vis *v, uint32_t peer, uint32_t path_id,
			 const struct prefix *p, bool *found)
{
	size_t mask = v->routes_cap - 1, s = route_hash(peer, path_id, p) & mask;
	while (v->routes[s].peer) {
		if (route_eq(&v->routes[s], peer, path_id, p)) {
			*found = true;
			return s;
		}
		s = (s + 1) & mask;
	}
	*found = false;
	return s;
}

static void routes_grow(struct vis *v)
{
	size_t cap = v->routes_cap * 2;
	struct vroute *old = v->routes;
	size_t old_cap = v->routes_cap;
	v->routes = xcalloc(cap, sizeof *v->routes);
	v->routes_cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		if (!old[i].peer)
			continue;
		bool found;
		size_t s = route_find(v, old[i].peer, old[i].path_id, &old[i].prefix, &found);
		v->routes[s] = old[i];
	}
	free(old);
}

/* Linear probing deletion by shifting later entries back (no tombstones). */
static void route_delete(struct vis *v, size_t s)
{
	size_t mask = v->routes_cap - 1, hole = s, i = s;
	v->routes[hole].peer = 0;
	for (;;) {
		i = (i + 1) & mask;
		if (!v->routes[i].peer)
			break;
		size_t home = route_hash(v->routes[i].peer, v->routes[i].path_id,
					 &v->routes[i].prefix) & mask;
		/* move i to the hole if its home is not between hole and i (cyclically) */
		bool between = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
		if (!between) {
			v->routes[hole] = v->routes[i];
			v->routes[i].peer = 0;
			hole = i;
		}
	}
	v->n_routes--;
}

/* ---- counting and rows ---- */

static void emit(struct vis *v, int kind, int64_t t, int64_t end, size_t w)
{
	struct vis_row row = {.kind = kind,
			      .time_us = t,
			      .end_us = end,
			      .watch = w,
			      .prefix = &v->cfg.watch[w].prefix,
			      .peers_up = v->peers_up,
			      .seeing = v->seeing[w],
			      .min_seeing = kind == VIS_ROW_BIN ? v->min[w] : v->seeing[w],
			      .max_seeing = kind == VIS_ROW_BIN ? v->max[w] : v->seeing[w]};
	if (v->cfg.on_row)
		v->cfg.on_row(v->cfg.ctx, &row);
}

/* Adds delta (+1/-1) to peer i's count for every watch in mask. */
static void count(struct vis *v, uint32_t i, uint64_t mask, int delta)
{
	struct vpeer *p = &v->peers[i];
	for (size_t w = 0; w < v->cfg.n_watch; w++) {
		if (!(mask >> w & 1))
			continue;
		if (delta > 0) {
			if (p->cnt[w]++ == 0 && p->up)
				v->seeing[w]++;
		} else if (p->cnt[w] > 0) {
			if (--p->cnt[w] == 0 && p->up)
				v->seeing[w]--;
		}
	}
}

/* After an event: min/max, and the visible/withdrawn changes. by_route is
 * false when the count changed because a session went down. */
static void settle(struct vis *v, int64_t t, const unsigned *before, bool by_route)
{
	for (size_t w = 0; w < v->cfg.n_watch; w++) {
		unsigned s = v->seeing[w];
		if (s < v->min[w])
			v->min[w] = s;
		if (s > v->max[w])
			v->max[w] = s;
		if (s == before[w])
			continue;
		if (s > 0 && v->state[w] != STATE_VISIBLE) {
			v->state[w] = STATE_VISIBLE;
			emit(v, VIS_ROW_VISIBLE, t, t, w);
		} else if (s == 0 && v->state[w] == STATE_VISIBLE) {
			if (by_route && v->peers_up > 0) {
				v->state[w] = STATE_WITHDRAWN;
				emit(v, VIS_ROW_WITHDRAWN, t, t, w);
			} else {
				v->state[w] = STATE_UNKNOWN; /* sessions lost, not a withdrawal */
			}
		}
	}
}

static void open_bin(struct vis *v)
{
	for (size_t w = 0; w < v->cfg.n_watch; w++)
		v->min[w] = v->max[w] = v->seeing[w];
}

void vis_advance(struct vis *v, int64_t now)
{
	if (!v->started)
		return;
	int64_t bin = v->cfg.bin_us;
	while (now >= v->bin_start + bin) {
		for (size_t w = 0; w < v->cfg.n_watch; w++)
			emit(v, VIS_ROW_BIN, v->bin_start, v->bin_start + bin, w);
		v->bin_start += bin;
		open_bin(v);
	}
}

void vis_finish(struct vis *v, int64_t end)
{
	if (!v->started)
		return;
	if (end < v->last)
		end = v->last;
	vis_advance(v, end);
	for (size_t w = 0; w < v->cfg.n_watch; w++)
		emit(v, VIS_ROW_BIN, v->bin_start, v->bin_start + v->cfg.bin_us, w);
	v->bin_start += v->cfg.bin_us;
	open_bin(v);
}

void vis_feed(struct vis *v, const struct vis_event *e)
{
	int64_t t = e->time_us;
	if (!v->started) {
		int64_t bin = v->cfg.bin_us;
		v->bin_start = (t >= 0 ? t : t - bin + 1) / bin * bin;
		v->started = true;
		v->last = t;
		open_bin(v);
	}
	if (t < v->last)
		t = v->last;
	v->last = t;
	vis_advance(v, t);
	unsigned before[VIS_MAX_WATCH];
	memcpy(before, v->seeing, sizeof before);
	uint32_t i = peer_get(v, &e->peer);
	switch (e->kind) {
	case VIS_PEER_UP:
		peer_up(v, i);
		break;
	case VIS_PEER_DOWN: {
		struct vpeer *p = &v->peers[i];
		if (!p->up)
			break;
		for (size_t s = 0; s < v->routes_cap;) {
			if (v->routes[s].peer == i + 1) {
				route_delete(v, s); /* may move a later entry into s */
				continue;
			}
			s++;
		}
		for (size_t w = 0; w < v->cfg.n_watch; w++) {
			if (p->cnt[w])
				v->seeing[w]--;
			p->cnt[w] = 0;
		}
		p->up = false;
		v->peers_up--;
		settle(v, t, before, false);
		return;
	}
	case VIS_ANNOUNCE:
	case VIS_WITHDRAW: {
		peer_up(v, i);
		uint64_t mask = 0;
		if (e->kind == VIS_ANNOUNCE)
			for (size_t w = 0; w < v->cfg.n_watch; w++)
				if (vis_route_matches(&v->cfg.watch[w], &e->prefix, e->origin_as))
					mask |= UINT64_C(1) << w;
		struct prefix p = e->prefix;
		prefix_normalize(&p);
		bool found;
		size_t s = route_find(v, i + 1, e->path_id, &p, &found);
		uint64_t old = found ? v->routes[s].mask : 0;
		if (old == mask)
			break;
		count(v, i, old & ~mask, -1);
		count(v, i, mask & ~old, +1);
		if (!mask) {
			route_delete(v, s);
		} else if (found) {
			v->routes[s].mask = mask;
		} else {
			v->routes[s] = (struct vroute){i + 1, e->path_id, p, mask};
			if (++v->n_routes * 2 > v->routes_cap)
				routes_grow(v);
		}
		break;
	}
	}
	settle(v, t, before, true);
}

unsigned vis_peers_up(const struct vis *v)
{
	return v->peers_up;
}

unsigned vis_seeing(const struct vis *v, size_t watch)
{
	return watch < v->cfg.n_watch ? v->seeing[watch] : 0;
}
