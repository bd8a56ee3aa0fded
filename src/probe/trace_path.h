/*
 * trace_path.h - one traceroute's bookkeeping: which probe goes next, what
 * each answered, when the trace is over, and the hop list that comes out.
 * Pure code: it is told the time and the answers (trace_wire.h matches
 * packets to probes); the sockets live in trace.c.
 *
 * Probes are numbered hop-major: probe i is attempt i % attempts of TTL
 * first_ttl + i / attempts, and they are sent in that order, at most
 * `window` in flight at once. Each attempt waits `timeout_us` for its answer.
 *
 * Where the trace stops (all TTLs, so hops finishing out of order are fine):
 *   - the destination answered, or a router sent an error (unreachable,
 *     prohibited), at TTL t: nothing above t is sent, probes above t in
 *     flight are dropped (their answers ignored), hops below t still finish;
 *     the lowest such t wins;
 *   - silence: never more than gap_limit TTLs past the highest TTL that
 *     answered so far (first_ttl - 1 before any answer); when those are all
 *     silent the trace has nothing left to send;
 *   - max_ttl.
 *
 * Life of one probe:
 *   UNSENT --trace_path_sent()--> INFLIGHT --trace_path_answer()--> DONE (answered)
 *      |                             |  \----trace_path_expire()---> DONE (silent)
 *      \-- above the stop TTL,       \---- above the stop TTL, or trace_path_stop()
 *          or trace_path_stop() ---------> CANCELLED (not in the result)
 *
 * Ownership: a trace_path owns its probe array (trace_path_free); a
 * trace_result owns its hop array (trace_result_free).
 */
#ifndef BLACKOUT_PROBE_TRACE_PATH_H
#define BLACKOUT_PROBE_TRACE_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/buf.h"
#include "probe/trace_wire.h"

#define TRACE_MAX_ATTEMPTS 10
#define TRACE_MAX_TTL 255

struct trace_path_config {
	int first_ttl;      /* 1..max_ttl */
	int max_ttl;        /* ..TRACE_MAX_TTL */
	int attempts;       /* per hop, 1..TRACE_MAX_ATTEMPTS */
	int window;         /* probes in flight at once, >= 1 */
	int gap_limit;      /* silent TTLs tried past the highest that answered, >= 1 */
	int64_t timeout_us; /* per attempt, > 0 */
};

/* One attempt at one hop, as it ended. */
struct trace_attempt {
	bool sent;
	uint8_t kind;    /* enum trace_reply; NONE: no answer within the timeout */
	uint8_t outcome; /* enum outcome: TIMEOUT when silent */
	uint8_t icmp_type, icmp_code, tcp_flags;
	int64_t rtt_us;   /* -1 when silent */
	struct addr from; /* who answered (family 0 when silent) */
};

struct trace_hop {
	int ttl;
	int nattempts; /* attempts sent */
	struct trace_attempt attempt[TRACE_MAX_ATTEMPTS];
	bool answered;      /* some attempt answered */
	struct addr addr;   /* the first attempt's answerer that answered */
	bool several_addrs; /* attempts answered from different addresses */
	int outcome;        /* TTL_EXCEEDED (a router), OK (the destination), an
	                     * error's outcome, or TIMEOUT (silent) */
	int prefix;         /* index of the first watched prefix holding an answerer, -1 */
};

/* A whole trace, as the callback gets it (all borrowed during the call). */
struct trace_result {
	const char *target; /* the target as the user named it */
	enum trace_proto proto;
	struct addr src, dst;
	uint16_t sport, dport; /* UDP/TCP */
	int first_ttl, max_ttl, attempts;
	int outcome;            /* OK: the destination answered; an error's outcome: a router (or
	                         * the destination) said no; TIMEOUT: the path fades out in
	                         * silence; LOCAL_ERROR etc.: it could not run */
	bool reached;           /* an answer came from the destination address */
	int stop_ttl;           /* the last hop that answered (where the path stops); 0: none */
	struct addr stop_addr;  /* its address */
	int64_t rtt_us;         /* reached: the fastest answer from the destination; else -1 */
	size_t nhops;           /* hops first_ttl .. the last one probed */
	struct trace_hop *hops; /* owned by the result */
	const struct prefix *prefixes; /* borrowed: the watched prefixes hop.prefix indexes */
	size_t nprefixes;
};

enum trace_probe_state { TRACE_P_UNSENT = 0, TRACE_P_INFLIGHT, TRACE_P_DONE, TRACE_P_CANCELLED };

struct trace_probe {
	uint8_t state; /* enum trace_probe_state */
	int64_t sent_us;
	struct trace_attempt a;
};

struct trace_path {
	struct trace_path_config cfg;
	uint32_t n;            /* probes */
	struct trace_probe *p; /* owned, n entries */
	uint32_t next;         /* the first probe that may still be UNSENT */
	uint32_t inflight;
	int stop_ttl;         /* lowest TTL with a final answer; 0: none yet */
	int highest_answered; /* TTL; first_ttl - 1 before any answer */
	bool stopped;         /* trace_path_stop() was called */
};

/* Checks cfg and sets t up. Returns 0, or ERR_INVAL. */
int trace_path_init(struct trace_path *t, const struct trace_path_config *cfg) MUSTCHECK;
void trace_path_free(struct trace_path *t);

int trace_path_ttl(const struct trace_path *t, uint32_t i);     /* probe i's TTL */
int trace_path_attempt(const struct trace_path *t, uint32_t i); /* its attempt number, 0.. */
/* The highest TTL that may be sent now. */
int trace_path_limit(const struct trace_path *t);
/* The probe to send now, or -1 (window full, past the limit, all sent). */
int64_t trace_path_next(const struct trace_path *t);
void trace_path_sent(struct trace_path *t, uint32_t i, int64_t now_us);
/* Records m (its index < n) at now_us. Returns false, changing nothing, when
 * probe m->index was not waiting (duplicate, timed out, cancelled, unsent). */
bool trace_path_answer(struct trace_path *t, const struct trace_match *m, int64_t now_us);
/* Ends in-flight probes whose timeout has passed at now_us. Returns the next
 * deadline (monotonic µs), or INT64_MAX with nothing in flight. */
int64_t trace_path_expire(struct trace_path *t, int64_t now_us);
/* Cancels everything still in flight or unsent (a local error, a cancel). */
void trace_path_stop(struct trace_path *t);
/* True when nothing is in flight and nothing more will be sent. */
bool trace_path_done(const struct trace_path *t);

/* Assembles the result: hops first_ttl .. the highest TTL sent and not
 * cancelled, the outcome, where the path stops, whether dst answered, hops
 * inside the prefixes (borrowed by out). Sets out->dst; the other flow fields
 * (target, proto, src, ports) are the caller's. out->hops is owned by out. */
void trace_path_result(const struct trace_path *t, const struct addr *dst,
                       const struct prefix *prefixes, size_t nprefixes, struct trace_result *out);
void trace_result_free(struct trace_result *r);

/* The distinct addresses of hops inside the watched prefixes, in hop order
 * (the "key routers"): writes up to max into out, returns how many there are. */
size_t trace_key_routers(const struct trace_result *r, struct addr *out, size_t max);

/* The probe-specific JSON object (the "detail" of the result line):
 *   {"proto":"udp","src":"198.51.100.1","dst":"203.0.113.9","sport":40000,"dport":33434,
 *    "first_ttl":1,"max_ttl":30,"attempts":3,"reached":true,"stop_ttl":4,
 *    "stop_addr":"203.0.113.9","hops":[{"ttl":1,"addr":"198.51.100.2",
 *    "outcome":"ttl-exceeded","rtt_ms":[0.081,0.05,null],"from":[...],"prefix":"..."},...],
 *    "key_routers":["203.0.113.1"]}
 * A hop's "from" (each attempt's answerer) is there only when they differ;
 * "prefix" only for a hop inside a watched prefix; "addr" is null when silent. */
void trace_result_json(struct buf *b, const struct trace_result *r);
/* Traceroute-like text: a header line, then one line per hop,
 *   " 3  203.0.113.2  0.120 ms  0.101 ms  *  [watched 203.0.113.0/24]"
 * with !N !H !X !P (net, host, prohibited, port unreachable from a router)
 * after the time of an attempt that ended the path with an error. */
void trace_result_text(struct buf *b, const struct trace_result *r);
/* One sentence on how the trace ended, e.g. "reached in 4 hops" (for the
 * result line's message). */
void trace_result_summary(const struct trace_result *r, char *out, size_t n);

#endif
