/*
 * engine.h - the probe engine: many ICMP echo and TCP connect probes in flight
 * on one libuv loop, paced by a packets-per-second budget and a window.
 *
 * Users: `blackout probe` (one pass over a list, fed in chunks) and the
 * watcher (a round of targets every interval, each with a cookie). Both
 * submit probe_target arrays and get one probe_done per target, by callback,
 * when that target's result is final (answered, refused, ICMP error, or lost
 * after all retries).
 *
 * Life of one submitted target (a "slot"; all slots live in one array that
 * grows only in submit(), so the hot path never allocates):
 *
 *          submit()                 send (window, budget,     reply / error / RST
 *   FREE ----------> PENDING ------ not-before time) -----> INFLIGHT ---------------> done() ->
 * FREE ^                                    |   | |           READY <-- timeout, ------+   |
 * timeout, no tries left |      (retried first) tries left        +-----------------------> done()
 * -> FREE
 *
 * PENDING is a FIFO of submissions in order; within one submission the order
 * is shuffled (config.shuffle) and sends are spread over config.spread_us with
 * random jitter (each probe gets a random time in its own slice of the spread),
 * so targets are not probed in lockstep round after round. READY holds retries;
 * they go before new probes, so a lost probe is retried before its target is
 * called down. INFLIGHT is a list in send order; every attempt has the same
 * timeout, so it is also deadline order: one uv_timer serves all deadlines,
 * the token bucket and the not-before times.
 *
 * Sockets: ICMP uses one raw socket per family when the process may (root or
 * CAP_NET_RAW), else an unprivileged ICMP ("ping") socket (needs the group in
 * net.ipv4.ping_group_range); echo requests go out in sendmmsg batches of up
 * to 64 and replies come in by recvmmsg. Replies match a probe by the token in
 * their payload (icmp_wire.h): random nonce + slot index + attempt tag, and
 * the reply's source must be the target; ICMP errors match by the quoted
 * probe (token, or id/seq + destination when the quote is short). A TCP probe
 * is a non-blocking connect() with IP_RECVERR: connected = ok, RST = refused,
 * an ICMP error (read from the error queue, type and code) = its outcome,
 * nothing = timeout. All sockets sit in one private epoll set watched by one
 * uv_poll: libuv's uv_poll stops a handle on POLLERR, which is how sockets
 * with IP_RECVERR say "an ICMP error is queued", so the engine reads the
 * events itself.
 *
 * Memory: 64 bytes per submitted target (struct slot in engine.c), plus fixed
 * buffers (batches, a 65,536-entry seq map = 256 KiB). Completed slots are
 * reused by later submissions.
 */
#ifndef BLACKOUT_PROBE_ENGINE_H
#define BLACKOUT_PROBE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/addr.h"
#include "core/err.h"

/* What a caller asks for: copied by probe_engine_submit(). */
struct probe_target {
	struct addr addr;
	uint16_t port;   /* PROBE_TCP: destination port (1..65535); PROBE_ICMP: 0 */
	uint8_t kind;    /* PROBE_ICMP or PROBE_TCP (core/obs.h) */
	uint64_t cookie; /* the caller's, handed back untouched in probe_done */
};

/* One final result. Passed to the callback by pointer; the struct and all it
 * holds are valid only during the call (copy what you keep). */
struct probe_done {
	uint64_t cookie;
	struct addr addr; /* the target */
	uint16_t port;
	uint8_t kind;
	uint8_t outcome;  /* enum outcome: OK, TIMEOUT, REFUSED, *_UNREACH, ADMIN_PROHIB,
	                   * TTL_EXCEEDED, LOCAL_ERROR */
	uint8_t attempts; /* attempts sent (1 + retries used) */
	bool has_from;
	struct addr from;     /* who answered: the target, or the router that sent the ICMP error */
	int64_t sent_wall_us; /* wall clock (UTC µs) of the first attempt */
	int64_t
	    rtt_us;    /* of the attempt that got the answer; -1 when none (timeout, local error) */
	int sys_errno; /* OUTCOME_LOCAL_ERROR: the errno of the failed system call; else 0 */
};

/*
 * Called once for every target that probe_engine_submit() accepted, when its
 * result is final, from inside the loop (never from within submit()). The
 * callback may call probe_engine_submit() (to feed more work) and
 * probe_engine_close(). If probe_engine_submit() returns an error, the
 * callback is never called for any target of that call. Targets still pending
 * when the engine is closed are dropped without a callback.
 */
typedef void (*probe_done_fn)(void *ctx, const struct probe_done *d);

enum probe_icmp_socket {
	PROBE_SOCKET_AUTO = 0, /* raw if allowed, else the unprivileged ping socket */
	PROBE_SOCKET_RAW,
	PROBE_SOCKET_DGRAM,
};

struct probe_engine_config {
	int64_t timeout_us; /* per attempt; 0: 1 s */
	unsigned retries;   /* further attempts after a timeout (0..250) */
	uint32_t rate_pps;  /* global packets (attempts) per second; 0: unlimited */
	uint32_t burst;     /* token bucket depth; 0: see rate.h */
	uint32_t window;    /* most attempts in flight at once; 0: 4096 */
	int64_t spread_us;  /* spread each submission over this long, with jitter; 0: at once */
	bool shuffle;       /* randomise the order within each submission */
	enum probe_icmp_socket icmp_socket;
	probe_done_fn done; /* required */
	void *ctx;          /* borrowed: passed to done() */
};

/* Counters for metrics; all monotonic except in_flight and pending. */
struct probe_stats {
	uint64_t submitted; /* targets accepted by submit() */
	uint64_t sent;      /* attempts sent, retries included */
	uint64_t retries;   /* attempts after the first */
	uint64_t answered;  /* results OUTCOME_OK */
	uint64_t failed;    /* results from an answer that says no (refused, ICMP error) */
	uint64_t timeouts;  /* results OUTCOME_TIMEOUT */
	uint64_t errors;    /* results OUTCOME_LOCAL_ERROR */
	uint64_t stray;     /* packets received that matched no probe (ignored) */
	uint32_t in_flight; /* attempts sent and not yet answered or timed out */
	uint32_t pending;   /* targets accepted and not yet final, in_flight included */
};

struct probe_engine;

/* Creates an engine on loop (borrowed; must outlive the engine). Opens no
 * socket yet. Returns 0 or ERR_INVAL (bad config, message in err). */
int probe_engine_new(uv_loop_t *loop, const struct probe_engine_config *cfg,
                     struct probe_engine **out, char *err, size_t errlen) MUSTCHECK;

/* Opens the socket(s) for a kind (PROBE_ICMP / PROBE_TCP) and family now,
 * so that a caller can report a permission problem before it starts. submit()
 * calls this itself. Returns 0, or ERR_PERM / ERR_SYS / ERR_UNSUPPORTED with a
 * message saying what to do in err (e.g. how to allow ICMP sockets). */
int probe_engine_prepare(struct probe_engine *e, int kind, int family, char *err,
                         size_t errlen) MUSTCHECK;

/* Queues n targets (copied). All or nothing: returns 0, or a negative ERR_*
 * (bad target: ERR_INVAL; socket: as prepare(); engine closing: ERR_WRONG_STATE)
 * with nothing queued and no callback to come; the message is then in
 * probe_engine_errmsg(). Sending starts on the next loop iteration. */
int probe_engine_submit(struct probe_engine *e, const struct probe_target *t, size_t n) MUSTCHECK;

/* The message of the last failed submit() or prepare() (borrowed, "" if none). */
const char *probe_engine_errmsg(const struct probe_engine *e);

void probe_engine_stats(const struct probe_engine *e, struct probe_stats *out);

/* Which ICMP socket serves a family: "raw", "dgram" or "none" (not opened yet). */
const char *probe_engine_icmp_socket(const struct probe_engine *e, int family);

/* Stops probing, drops pending targets (no callbacks), closes the sockets and
 * the handles; once libuv has closed them, frees the engine and calls
 * closed(ctx) (may be NULL). NULL e is a no-op. e is invalid after this call. */
void probe_engine_close(struct probe_engine *e, void (*closed)(void *ctx), void *ctx);

#endif
