/*
 * collector.h - a passive BGP speaker on the libuv loop: it keeps sessions
 * with configured peers only, never announces a route, writes everything it
 * receives to an MRT file (BGP4MP_ET, readable by bgpdump) and hands every
 * route change to a callback (usually bgp/visibility.h's vis_feed).
 *
 * RFC 4271 sessions, 4-byte ASNs (RFC 6793; our OPEN always offers it),
 * multiprotocol IPv4 and IPv6 unicast (RFC 4760), add-path receive (RFC 7911)
 * when enabled. Our OPEN offers no extended messages, so messages are at most
 * 4096 bytes. Connections from addresses that are not configured peers are
 * closed at once (after a NOTIFICATION Cease / Connection Rejected when
 * refuse_notify is set) and not recorded.
 *
 * Per peer, the finite state machine (RFC 4271 section 8, as a speaker that
 * only listens, or also connects when the peer has a port):
 *
 *            start / stop+retry timer       TCP fails / retry timer
 *   +------+ ----------------------> +---------+ <------------------+
 *   | Idle |                         | Active  | ---connect()--> Connect
 *   +------+ <------+                +---------+                   |
 *      ^            |                     | accept() from peer     | connected
 *      |            | error, NOTIFICATION | send OPEN              | send OPEN
 *      |            | hold timer expiry,  v                        v
 *      |            | TCP closed     +----------+  <----------------+
 *      |            +--------------- | OpenSent |  (hold timer: 240 s)
 *      |            |                +----------+
 *      |            |                     | OPEN received and valid:
 *      |            |                     | send KEEPALIVE, hold := min(ours, theirs)
 *      |            |                     v
 *      |            |               +-------------+
 *      |            +-------------- | OpenConfirm |
 *      |            |               +-------------+
 *      |            |                     | KEEPALIVE received
 *      |            |                     v
 *      |            |               +-------------+  UPDATE: MRT + route events
 *      |            +-------------- | Established |  KEEPALIVE/UPDATE: restart hold
 *      |                            +-------------+  keepalive timer (hold/3): send
 *      +-- collector_stop(): NOTIFICATION Cease/administrative shutdown
 *
 * After a session ends the peer goes to Idle and at once to Active (waiting
 * for the peer to connect; with a port it connects again after the retry
 * time). Every transition is written to the MRT file as a STATE_CHANGE_AS4
 * record (Idle 1 ... Established 6) and reported to on_state; leaving
 * Established also reports VIS_PEER_DOWN to on_route.
 * Errors a peer makes (bad OPEN, malformed UPDATE, a message out of turn) get
 * the NOTIFICATION RFC 4271 section 6 names (bgp/bgp.h fills the codes), the
 * session is closed, and the collector goes on with the other peers.
 * A peer that stops in the middle of a message (the first bytes of a
 * message have come, the rest has not within message_timeout seconds) gets
 * NOTIFICATION Hold Timer Expired and is dropped, whatever the state: the hold
 * timer alone would wait 240 s before an OPEN, and forever with hold time 0.
 * The read buffer holds at most one partial message (< 4096 bytes) plus one
 * read, so a peer's memory is bounded whatever it sends.
 * Connection collision (RFC 4271 6.8), simplified: a new connection from a
 * peer whose session is in OpenConfirm or Established is refused with Cease /
 * Connection Collision Resolution; an earlier one still in Connect or
 * OpenSent is dropped for the new one.
 *
 * Ownership: collector_start copies the configuration (peers included); the
 * collector owns its handles, sessions and MRT file until collector_stop's
 * callback has run, after which collector_free releases it. Callbacks get
 * borrowed structs valid for the call only. Nothing blocks the loop: socket
 * and file writes are asynchronous (the MRT file is double-buffered).
 */
#ifndef BLACKOUT_BGP_COLLECTOR_H
#define BLACKOUT_BGP_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "bgp/visibility.h"
#include "core/addr.h"
#include "core/err.h"

enum collector_fsm {
	COLLECTOR_IDLE = 1, /* the values of MRT STATE_CHANGE records */
	COLLECTOR_CONNECT = 2,
	COLLECTOR_ACTIVE = 3,
	COLLECTOR_OPENSENT = 4,
	COLLECTOR_OPENCONFIRM = 5,
	COLLECTOR_ESTABLISHED = 6,
};

struct collector_peer_config {
	struct addr ip;
	uint32_t asn;
	uint16_t port; /* > 0: also connect to ip:port; 0: wait for the peer */
};

struct collector_state_change {
	size_t peer;           /* index in the configured list */
	const struct addr *ip; /* borrowed */
	uint32_t asn;
	enum collector_fsm old_state, new_state;
	const char *reason;    /* one line for people */
	int64_t time_us;
};

struct collector_config {
	struct addr listen_ip;
	uint16_t listen_port;   /* 0: do not listen (only connect) */
	uint32_t asn;
	uint8_t router_id[4];
	uint16_t hold_time;     /* offered; 0 or >= 3 (RFC 4271); 0 means 90 */
	uint16_t connect_retry; /* seconds between connects and after errors; 0 means 5 */
	/* Seconds a message may take to arrive once its first byte has come: a
	 * peer that stops mid-message is dropped after this long even when the
	 * hold timer is off (hold time 0) or long (240 s until the OPEN). 0 means 30. */
	uint16_t message_timeout;
	bool addpath_receive;   /* offer add-path receive for IPv4 and IPv6 unicast */
	bool refuse_notify;     /* send Cease/Connection Rejected to strangers */
	const struct collector_peer_config *peers; /* copied */
	size_t n_peers;
	const char *mrt_path;   /* NULL: no file; created or appended to */
	/* Route changes: VIS_ANNOUNCE / VIS_WITHDRAW per prefix of each UPDATE,
	 * VIS_PEER_UP on Established, VIS_PEER_DOWN when leaving it. */
	void (*on_route)(void *ctx, const struct vis_event *e);
	void (*on_state)(void *ctx, const struct collector_state_change *s);
	void *ctx;
};

struct collector;

/* Binds, opens the MRT file and starts the peers' state machines. On error
 * returns a negative ERR_* with the reason in err, and nothing is left open. */
int collector_start(uv_loop_t *loop, const struct collector_config *cfg,
		    struct collector **out, char *err, size_t errlen) MUSTCHECK;
/* Ends every session (NOTIFICATION Cease/administrative shutdown to those past
 * OpenSent), flushes and closes the MRT file, closes every handle, then calls
 * done (once). The callbacks are not called after done. */
void collector_stop(struct collector *c, void (*done)(void *arg), void *arg);
/* After stop's done callback (or instead of starting): frees everything. */
void collector_free(struct collector *c);

/* A peer's current state. */
enum collector_fsm collector_peer_state(const struct collector *c, size_t peer);
const char *collector_fsm_name(enum collector_fsm s);
/* Counters for a peer: UPDATEs received, prefixes announced and withdrawn. */
struct collector_counts {
	uint64_t messages, updates, announced, withdrawn, sessions;
};
void collector_peer_counts(const struct collector *c, size_t peer, struct collector_counts *out);

#endif
