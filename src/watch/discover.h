/*
 * discover.h - discover_routers: the routers in front of and inside an
 * entity's prefixes, found by traceroute when the watcher starts, added to the
 * watchlist as `router` targets (one ICMP probe each, the entity's timing).
 *
 * For every entity with `discover_routers: true`, one Paris traceroute (ICMP)
 * goes toward each of its prefixes (at most DISCOVER_MAX_PREFIXES): toward the
 * prefix's first host (the address itself for a /32 or /128). From each trace
 * (discover_pick, pure):
 *   - every answering hop inside the entity's prefixes (the country's border
 *     and core routers, the "key routers"), destination included;
 *   - the last answering hop before the first inside one: the upstream side of
 *     the border, which stays reachable when the country's routes are
 *     withdrawn (or, if the path never enters the prefixes, where it stops).
 * At most DISCOVER_MAX_PER_TRACE per trace; addresses already in the watchlist
 * are not added twice. Each becomes "<entity>-hop-<address>" with a note
 * saying which trace found it at which hop.
 *
 * When: once, before the watcher opens its store, while it may still be root
 * (traceroute needs raw sockets). Rediscovery needs a restart; routers found
 * then are new targets, those not found again stay in the store's history.
 * Every trace ends within its own timeouts (hops x attempts x timeout, bounded
 * by max_hops); the whole discovery is also cut at budget_us.
 *
 * Ownership: cfg is borrowed and modified (config_add_router); nothing is kept.
 */
#ifndef BLACKOUT_WATCH_DISCOVER_H
#define BLACKOUT_WATCH_DISCOVER_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/addr.h"
#include "probe/trace_path.h"

#define DISCOVER_MAX_PREFIXES 16 /* traced per entity */
#define DISCOVER_MAX_PER_TRACE 4 /* routers kept per trace */

struct discover_pick {
	struct addr addr;
	int ttl;
	bool inside; /* in one of the traced entity's prefixes */
};

/* The routers worth watching in one trace, in path order; returns how many
 * (at most max) were written to out. Pure. */
size_t discover_pick(const struct trace_result *t, struct discover_pick *out, size_t max);

/* Runs the discovery for every entity of cfg that asks for it and adds the
 * routers found. Returns the number of targets added (>= 0); failures of
 * single traces (no raw socket, no route) are logged and skipped. budget_us
 * <= 0: 60 s. */
int watch_discover_routers(struct config *cfg, int64_t budget_us);

#endif
