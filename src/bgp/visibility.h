/*
 * visibility.h - how many BGP peers see the watched prefixes, over time.
 *
 * A country vanishes from the internet when its prefixes are withdrawn; this
 * module turns per-peer route events into the signal blackout reasons about:
 * for each watched prefix, how many of the peers that are up have a route to
 * it or to a more-specific prefix inside it (optionally only routes whose AS
 * path ends in a given origin AS), per time bin, and the moments it went from
 * visible to withdrawn by every peer and back.
 *
 * It is pure: events and their times come in (from MRT files through
 * `blackout bgp visibility`, from the live collector, from tests), rows come
 * out through callbacks; no I/O, no clock. The same code serves archives and
 * live sessions.
 *
 * Events must come in time order; an event older than the last one is taken
 * as happening at the last one's time (RIB entries carry their dump's time).
 *
 * Peers: a peer is identified by (address, ASN). It counts (is "up") from its
 * first event — a RIB entry, an UPDATE, or a state change to Established — and
 * stops counting when its session leaves Established (VIS_PEER_DOWN), which
 * also drops all its routes: a dead session is not a withdrawal by that peer,
 * so it leaves both the numerator and the denominator.
 *
 * Rows, for each watched prefix:
 *   bin rows: at the end of each bin of bin_us (bins aligned on multiples of
 *     bin_us since the Unix epoch, from the first event's bin), the peers up,
 *     the peers seeing it at the bin's end, and the least and most seeing
 *     during the bin. Bins with no events repeat the state.
 *   change rows: when the count of peers seeing it goes from > 0 to 0 while
 *     peers are up ("withdrawn", by every peer), and from 0 to > 0
 *     ("visible"; the first one marks when it was first seen).
 * Rows come out in time order: bins close before a later event is applied.
 *
 * Limits: at most VIS_MAX_WATCH watched prefixes per instance. Memory grows with
 * the peers and with the routes inside watched prefixes only (other routes
 * just mark their peer as up). O(1) per event except VIS_PEER_DOWN (O(routes)).
 */
#ifndef BLACKOUT_BGP_VISIBILITY_H
#define BLACKOUT_BGP_VISIBILITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"

#define VIS_MAX_WATCH 64

struct vis_watch {
	struct prefix prefix; /* more-specifics count too */
	uint32_t origin_as;   /* 0: any origin */
};

struct vis_peer {
	struct addr ip;
	uint32_t asn;
};

enum vis_kind { VIS_ANNOUNCE, VIS_WITHDRAW, VIS_PEER_UP, VIS_PEER_DOWN };

struct vis_event {
	int64_t time_us;        /* wall clock, UTC microseconds */
	enum vis_kind kind;
	struct vis_peer peer;
	struct prefix prefix;   /* ANNOUNCE, WITHDRAW */
	uint32_t path_id;       /* add-path, else 0 */
	uint32_t origin_as;     /* ANNOUNCE: last AS of the path, 0 when unknown (AS_SET) */
};

struct vis_row {
	enum { VIS_ROW_BIN, VIS_ROW_WITHDRAWN, VIS_ROW_VISIBLE } kind;
	int64_t time_us;        /* bin: its start; change: the moment */
	int64_t end_us;         /* bin: its end; change: = time_us */
	size_t watch;           /* index into the configured list */
	const struct prefix *prefix; /* borrowed from the configuration */
	unsigned peers_up;
	unsigned seeing;        /* at the end of the bin / after the change */
	unsigned min_seeing, max_seeing; /* bin: during it; change: = seeing */
};

struct vis_config {
	const struct vis_watch *watch; /* borrowed for the life of the instance */
	size_t n_watch;                /* 1..VIS_MAX_WATCH */
	int64_t bin_us;                /* > 0 */
	/* Called for each row; the row is borrowed for the call. */
	void (*on_row)(void *ctx, const struct vis_row *row);
	void *ctx;
};

struct vis;

/* Returns NULL with ERR_INVAL in *err for a bad configuration. */
struct vis *vis_new(const struct vis_config *cfg, int *err);
void vis_free(struct vis *v);

void vis_feed(struct vis *v, const struct vis_event *e);
/* Closes every bin that ends at or before now_us (live: call from a timer). */
void vis_advance(struct vis *v, int64_t now_us);
/* Closes the bin holding end_us (end of the data): the last, partial bin. */
void vis_finish(struct vis *v, int64_t end_us);

/* The current state. */
unsigned vis_peers_up(const struct vis *v);
unsigned vis_seeing(const struct vis *v, size_t watch);
/* Whether this route counts for watch (inside it, origin matching). */
bool vis_route_matches(const struct vis_watch *w, const struct prefix *p, uint32_t origin_as);

#endif
