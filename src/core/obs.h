/*
 * obs.h - the vocabulary shared by probes, the store and the detector.
 *
 * An observation is one probe's result: which target, which kind of probe,
 * when (wall clock, UTC microseconds), the outcome and the round-trip time.
 * Outcome codes are stable short strings (they appear in JSON, in the store
 * and in docs/outcomes.md): add new ones at the end of the table, never
 * renumber. OUTCOME_OK is 0; every failure is positive.
 */
#ifndef BLACKOUT_CORE_OBS_H
#define BLACKOUT_CORE_OBS_H

#include <stdbool.h>
#include <stdint.h>

/* X(enum name, code string, description) */
#define OUTCOME_TABLE(X)                                                                   \
	X(OUTCOME_OK, "ok", "the target answered as expected")                            \
	X(OUTCOME_TIMEOUT, "timeout", "no answer within the timeout (after retries)")     \
	X(OUTCOME_REFUSED, "refused", "the port answered with a TCP reset")               \
	X(OUTCOME_HOST_UNREACH, "host-unreachable", "ICMP host unreachable")              \
	X(OUTCOME_NET_UNREACH, "net-unreachable", "ICMP net unreachable (no route)")      \
	X(OUTCOME_PORT_UNREACH, "port-unreachable", "ICMP port unreachable")              \
	X(OUTCOME_ADMIN_PROHIB, "admin-prohibited", "ICMP administratively prohibited")   \
	X(OUTCOME_TTL_EXCEEDED, "ttl-exceeded", "ICMP time exceeded in transit")          \
	X(OUTCOME_LOCAL_ERROR, "local-error", "the monitor could not send the probe")     \
	X(OUTCOME_RESOLVE, "resolve-error", "the name did not resolve")                   \
	X(OUTCOME_DNS_REFUSED, "dns-refused", "the nameserver answered REFUSED")          \
	X(OUTCOME_DNS_SERVFAIL, "dns-servfail", "the nameserver answered SERVFAIL")       \
	X(OUTCOME_DNS_NXDOMAIN, "dns-nxdomain", "the nameserver answered NXDOMAIN")       \
	X(OUTCOME_DNS_RCODE, "dns-rcode", "the nameserver answered another error rcode")  \
	X(OUTCOME_BAD_REPLY, "bad-reply", "the answer was malformed")                     \
	X(OUTCOME_HTTP_STATUS, "http-status", "unexpected HTTP status")                   \
	X(OUTCOME_HTTP_BODY, "http-body", "the body did not match the expected pattern")  \
	X(OUTCOME_TLS, "tls-error", "TLS handshake or certificate failure")               \
	X(OUTCOME_TOO_LARGE, "too-large", "the answer exceeded the size limit")           \
	X(OUTCOME_SMTP_REJECT, "smtp-rejected", "the mail server refused service (5xx)")  \
	X(OUTCOME_PROTOCOL, "protocol-error", "the server broke the protocol")            \
	X(OUTCOME_PROHIBITED, "prohibited", "the monitor refused to probe this address")  \
	X(OUTCOME_SMTP_TEMPFAIL, "smtp-tempfail", "the mail server deferred service (4xx)")

enum outcome {
#define X(name, code, text) name,
	OUTCOME_TABLE(X)
#undef X
	OUTCOME__COUNT
};

const char *outcome_code(int outcome);        /* "timeout"; "unknown" if out of range */
const char *outcome_text(int outcome);        /* one line for people */
int outcome_from_code(const char *code);      /* -1 if unknown */

/* Kinds of probe. */
#define PROBE_KIND_TABLE(X)  \
	X(PROBE_ICMP, "icmp")  \
	X(PROBE_TCP, "tcp")    \
	X(PROBE_HTTP, "http")  \
	X(PROBE_DNS, "dns")    \
	X(PROBE_SMTP, "smtp")  \
	X(PROBE_TRACE, "trace")

enum probe_kind {
#define X(name, code) name,
	PROBE_KIND_TABLE(X)
#undef X
	PROBE_KIND__COUNT
};

const char *probe_kind_name(int kind);
int probe_kind_from_name(const char *name); /* -1 if unknown */

/* What a target is for the watched entity; the detector reads layers by role. */
#define ROLE_TABLE(X)            \
	X(ROLE_ROUTER, "router")   \
	X(ROLE_DNS, "dns")         \
	X(ROLE_MAIL, "mail")       \
	X(ROLE_WEB, "web")         \
	X(ROLE_HOST, "host")       \
	X(ROLE_CONTROL, "control")

enum role {
#define X(name, code) name,
	ROLE_TABLE(X)
#undef X
	ROLE__COUNT
};

const char *role_name(int role);
int role_from_name(const char *name); /* -1 if unknown */

struct obs {
	int64_t time_us;   /* wall clock, UTC, when the probe was sent */
	uint32_t target;   /* index into the watcher's target table */
	uint16_t vantage;  /* which monitor saw it (0 = this one) */
	uint8_t kind;      /* enum probe_kind */
	uint8_t outcome;   /* enum outcome */
	float rtt_ms;      /* round-trip time; negative when there was no answer */
};

#endif
