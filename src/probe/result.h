/*
 * result.h - one probe's result as every probe type reports it, and its two
 * printed forms (one text line, one JSON object per line).
 *
 * JSON shape (stable; the detector, the store and users' scripts read it):
 *   {"target":"127.0.0.1","probe":"icmp","ok":true,"rtt_ms":0.04,"error":null,
 *    "message":null,"detail":{...}}
 * "error" is an outcome code from core/obs.h (null when ok); "message" a short
 * human sentence (or null); "detail" is present only when the probe type has
 * specific fields. All pointers in struct probe_result are borrowed from the
 * caller for the duration of the call.
 */
#ifndef BLACKOUT_PROBE_RESULT_H
#define BLACKOUT_PROBE_RESULT_H

#include <sys/socket.h>
#include "core/buf.h"
#include "core/obs.h"

struct probe_result {
	const char *target;      /* borrowed: address, URL or name as the user gave it */
	int kind;                /* enum probe_kind */
	int outcome;             /* enum outcome; OUTCOME_OK when it answered */
	double rtt_ms;           /* < 0 when there was no answer */
	const char *message;     /* borrowed, may be NULL: what went wrong, for people */
	const char *detail_json; /* borrowed, may be NULL: a JSON object, inserted as is */
};

/* Appends one JSON object and a newline. */
void probe_result_json(struct buf *b, const struct probe_result *r);
/* Appends one aligned text line and a newline: "TARGET  OUTCOME  RTT  [message]". */
void probe_result_text(struct buf *b, const struct probe_result *r);

/*
 * The completion callback every asynchronous probe takes (http, dns, smtp).
 * Contract, the same for each probe_start function that takes one:
 *   - called exactly once for every probe whose start function returned 0,
 *     always from the event loop, never from inside the start call itself;
 *   - never called when the start function returned an error;
 *   - r and every string it points to are borrowed for the duration of the
 *     call only (copy what you keep);
 *   - the probe's own memory is released right after the callback returns, so
 *     the callback may start new probes but must not touch the finished one.
 */
typedef void (*probe_done_cb)(void *arg, const struct probe_result *r);

/* The outcome for a socket error (a positive errno, as connect(), send() or
 * recv() report it): ECONNREFUSED -> OUTCOME_REFUSED, EHOSTUNREACH ->
 * OUTCOME_HOST_UNREACH, ENETUNREACH -> OUTCOME_NET_UNREACH, ETIMEDOUT ->
 * OUTCOME_TIMEOUT, EACCES/EPERM -> OUTCOME_ADMIN_PROHIB (a local or remote
 * filter), anything else OUTCOME_LOCAL_ERROR. On a connected UDP socket the
 * caller maps ECONNREFUSED to OUTCOME_PORT_UNREACH itself (that is what it means there). */
int probe_outcome_from_errno(int errnum);

/* outcome, or OUTCOME_LOCAL_ERROR when outcome is OUTCOME_NET_UNREACH or
 * OUTCOME_HOST_UNREACH and this host has no route to dst at all: its own link
 * is down or its routing table has nothing for dst. The kernel reports both
 * an upstream router's ICMP "network unreachable" and its own missing route
 * as ENETUNREACH to connect() (a local "unreachable" route as EHOSTUNREACH);
 * only an upstream's ICMP says something about the target's network. Checked with connect() of a UDP socket, which looks the
 * route up and sends nothing. dst NULL: outcome unchanged. */
int probe_local_unreach(int outcome, const struct sockaddr *dst, socklen_t len);

#endif
