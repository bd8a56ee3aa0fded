/*
 * trace.h - the traceroute probe: the routers on the way to a target, Paris
 * style (every probe of a trace in one flow, so per-flow load balancers send
 * them all one way and the hop list is a path that exists; see trace_wire.h),
 * over ICMP echo, UDP or TCP SYN, IPv4 or IPv6, on the caller's libuv loop.
 *
 * Sockets (raw, so root or CAP_NET_RAW; a clear error otherwise):
 *   - a raw ICMP/ICMPv6 socket, bound to the source address: receives time
 *     exceeded, unreachable errors and (ICMP) echo replies; sends ICMP probes;
 *   - UDP and TCP: a raw socket of that protocol sends the probes (we build the
 *     header, so the flow bytes are ours); the TCP one also receives the
 *     destination's SYN-ACK or RST;
 *   - UDP and TCP: an ordinary socket bound to the source port for the whole
 *     trace, so no other program gets it (and the kernel answers a SYN-ACK to
 *     it with a reset, closing the half-open connection at the destination).
 * The source address comes from a route lookup (connect() of a UDP socket),
 * which does not block.
 *
 * Many probes fly at once (TTLs first..max in order, `window` at a time),
 * each waits `timeout_ms`; the stop rules are trace_path.h's. The hop list
 * keeps every attempt's answerer and time; hops whose answerer lies inside
 * one of the watched prefixes are marked (the "key routers").
 *
 *   start --(timer 0)--> SENDING --answers, timeouts--> done --> cb(result) --> closed
 *     |                      \--send error---------------^
 *     \-- no route from here: cb(net-/host-unreachable, no hops) from the loop
 *
 * Result: the trace_result (hops, where the path stops, reached, outcome) and
 * the common result line (probe/result.h) with kind "trace", outcome OK when
 * the destination answered, rtt_ms to the destination, the summary sentence
 * as message and trace_result_json() as detail.
 *
 * Cost: each running trace has its own raw ICMP socket, which receives a copy
 * of every ICMP error reaching the host (filtered by type in the kernel,
 * matched in user space). That suits a watcher tracing a few targets at a
 * time; thousands of concurrent traces would want one shared socket.
 */
#ifndef BLACKOUT_PROBE_TRACE_H
#define BLACKOUT_PROBE_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/addr.h"
#include "core/err.h"
#include "probe/result.h"
#include "probe/trace_path.h"
#include "probe/trace_wire.h"

#define TRACE_UDP_PORT 33434 /* traceroute's customary base port */
#define TRACE_TCP_PORT 80

struct trace_spec {
	struct addr target;
	enum trace_proto proto;
	uint16_t port;   /* UDP: 0 means 33434; TCP: 0 means 80; ICMP: unused */
	uint16_t sport;  /* UDP/TCP source port; 0: a free one picked by the kernel */
	int first_ttl;   /* 0 means 1 */
	int max_hops;    /* the highest TTL; 0 means 30, at most 255 */
	int attempts;    /* probes per hop; 0 means 3, at most TRACE_MAX_ATTEMPTS */
	int timeout_ms;  /* per probe; 0 means 2000 */
	int window;      /* probes in flight at once; 0 means 16 */
	int gap_limit;   /* silent hops tried past the last that answered; 0 means 5 */
	int interval_ms; /* at least this long between two probes; 0: no pause */
	const struct prefix *prefixes; /* borrowed until start returns (copied): watched */
	size_t nprefixes;
	const char *target_name; /* borrowed until start returns (copied); NULL: the address */
};

/*
 * Called once per started trace (the contract of probe_done_cb in
 * probe/result.h: from the loop, never from inside trace_start, never after a
 * failed start). t and r, and all they point to, are borrowed for the call.
 */
typedef void (*trace_done_cb)(void *arg, const struct trace_result *t,
                              const struct probe_result *r);

struct trace; /* opaque; owned by the loop until the callback has returned */

/*
 * Starts one trace on loop. Returns 0 and calls cb(arg, ...) exactly once
 * later, or returns without ever calling cb: ERR_INVAL (bad spec), ERR_PERM
 * (raw sockets not allowed: err says how to allow them), ERR_EXISTS (the
 * source port is taken), ERR_UNSUPPORTED (no IPv6 here), ERR_SYS. err
 * (errlen bytes) may be NULL. If out is not NULL it receives the trace,
 * valid until cb is called.
 */
int trace_start(uv_loop_t *loop, const struct trace_spec *spec, trace_done_cb cb, void *arg,
                struct trace **out, char *err, size_t errlen) MUSTCHECK;

/* Ends a trace that has not completed: cb is called now, from inside this
 * call, with OUTCOME_LOCAL_ERROR, message "cancelled" and the hops so far.
 * The handles close on the next loop iteration. */
void trace_cancel(struct trace *t);

#endif
