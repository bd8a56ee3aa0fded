/*
 * dns.h - the DNS probe: does this nameserver answer for this name?
 *
 * Asks one server directly (an authoritative one, not the system resolver)
 * one question, over a connected UDP socket on the caller's libuv loop, and
 * over TCP when the answer comes back truncated (TC) or when asked to. The
 * wire format and the answer checks are the pure probe/dns_wire.h.
 *
 *   start --> UDP --answer ok, TC=0--> done (outcome from the rcode)
 *              |  \--answer ok, TC=1--> TCP --answer ok--> done
 *              |  \--bad answer: ignored, remembered, keep waiting
 *              |  \--ICMP port unreachable (ECONNREFUSED)--> port-unreachable
 *              \--retry timer: send again (same ID)   TCP --bad/short--> bad-reply
 *   deadline: bad-reply if a bad answer was seen (its reason in the message), else timeout
 *
 * A UDP answer that fails the checks (wrong ID, another question, malformed,
 * cut short) is not believed but remembered: off-path junk must not end a
 * probe, yet a server that only ever sends junk is reported as exactly that.
 * Over TCP a bad answer ends the probe at once (a stream cannot resync).
 *
 * Outcomes: ok (NOERROR, even with no records: see "answers"), dns-nxdomain,
 * dns-servfail, dns-refused, dns-rcode, bad-reply, timeout, port-unreachable
 * (UDP), refused (TCP reset), host-/net-unreachable, local-error.
 * rtt_ms: from the first query sent to the accepted answer (-1 without one).
 * detail: {"server":"127.0.0.1:53","qname":"kp.","qtype":"SOA","transport":"udp",
 *   "tries":1,"rcode":"NOERROR","aa":true,"tc":false,"answers":1,"matching":1,
 *   "authority":0,"additional":1,"serial":2022011401,"size":91,"records":[...],
 *   "bad_answers":0}
 * (rcode..records are present only when an answer was accepted; serial is null
 * without an SOA in the answer or authority section.)
 */
#ifndef BLACKOUT_PROBE_DNS_H
#define BLACKOUT_PROBE_DNS_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/addr.h"
#include "core/err.h"
#include "probe/result.h"

#define DNS_EDNS_SIZE 1232 /* the UDP payload size announced (DNS flag day 2020) */

struct dns_spec {
	struct addr server; /* the nameserver */
	uint16_t port;      /* 0 means 53 */
	const char *name;   /* borrowed until start returns: the name asked */
	int qtype;          /* a record type, e.g. from dns_type_parse(); 0 means SOA */
	const char *target; /* borrowed until start returns (copied); NULL: the name */
	int timeout_ms;     /* the whole probe, TCP fallback included; <= 0 means 5000 */
	int retries;        /* UDP retransmissions spread over the timeout; < 0 means 0 */
	bool tcp;           /* TCP only, no UDP */
	bool no_edns;       /* no EDNS0 OPT record (then answers over 512 bytes are truncated) */
};

struct dns_probe; /* opaque; owned by the loop until the callback has returned */

/*
 * Starts one probe on loop. Returns 0 and calls cb(arg, result) exactly once
 * later (see probe_done_cb in probe/result.h), or returns an error without
 * ever calling cb: ERR_PARSE (name is not a domain name; err says why) or
 * ERR_INVAL (no address). err (errlen bytes) may be NULL.
 * If out is not NULL it receives the probe, valid until cb is called.
 */
int dns_probe_start(uv_loop_t *loop, const struct dns_spec *spec, probe_done_cb cb, void *arg,
                    struct dns_probe **out, char *err, size_t errlen) MUSTCHECK;

/* Ends a probe that has not completed: cb is called now, from inside this
 * call, with OUTCOME_LOCAL_ERROR and message "cancelled"; the handles close on
 * the next loop iteration. */
void dns_probe_cancel(struct dns_probe *p);

#endif
