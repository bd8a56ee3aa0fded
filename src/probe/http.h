/*
 * http.h - the HTTP(S) probe: does this web server answer, how fast, and with what?
 *
 * libcurl's multi interface does the protocol (HTTP/1.1, HTTP/2, TLS); this
 * module drives it from the caller's libuv loop: curl tells us which sockets
 * to watch (CURLMOPT_SOCKETFUNCTION -> one uv_poll_t per socket) and when to
 * wake it (CURLMOPT_TIMERFUNCTION -> one uv_timer_t per client). No thread,
 * nothing blocks. One struct http_client per loop holds the multi handle; any
 * number of probes run on it at once, each on a new connection (a probe
 * measures connection set-up too; nothing is reused between probes).
 *
 * DOC: a probe's life
 *   http_probe_start: easy handle configured, added to the multi  -> RUNNING
 *   RUNNING: curl connects, handshakes, sends, reads (our write callback counts
 *            and keeps at most max_body bytes; beyond it the transfer is aborted)
 *   curl reports DONE (CURLMSG_DONE) -> outcome decided -> callback -> handle freed
 *
 * Outcome, in order: curl's error (timeout, refused, *-unreachable,
 * resolve-error, tls-error, too-large, protocol-error), then the status
 * (http-status unless it equals expect_status, or is 2xx/3xx without one),
 * then HTTP/2 when it was required (protocol-error if not negotiated), then
 * the body pattern (http-body). A timeout's message says in which phase
 * (connect, tls, first byte, body after N bytes) it struck.
 * rtt_ms: curl's total time when a response started, else -1.
 * detail: {"url":"https://www.kp.test:8443/","connect_to":"127.0.0.1",
 *   "status":200,"http_version":"2","redirects":0,"body_bytes":612,
 *   "times_ms":{"dns":0.01,"connect":0.05,"tls":1.2,"first_byte":0.3,"total":1.7},
 *   "tls":{"verified":true,"verify_result":"ok","subject":"CN = www.kp.test",
 *          "expires":"2026-01-01T00:00:00Z","days_left":364.9}}
 * ("tls" only for https; "expires"/"subject" null when curl could not read
 * the certificate, e.g. after a failed handshake.)
 *
 * Names: with connect_addr set, the URL's host is never resolved; curl
 * connects to that address (CURLOPT_CONNECT_TO, every host of the probe,
 * redirects included) and still sends the URL's host as Host and TLS SNI and
 * checks the certificate against it. Without it curl resolves the host with
 * its own (threaded) resolver.
 */
#ifndef BLACKOUT_PROBE_HTTP_H
#define BLACKOUT_PROBE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/err.h"
#include "probe/result.h"

#define HTTP_MAX_BODY_DEFAULT (1024 * 1024)

enum http_version {
	HTTP_VERSION_ANY = 0, /* HTTP/2 over TLS when the server offers it (ALPN), else 1.1 */
	HTTP_VERSION_1_1,     /* HTTP/1.1 only */
	HTTP_VERSION_2,       /* HTTP/2 required (prior knowledge over plain http) */
};

struct http_spec {
	const char *url;          /* borrowed until start returns: http:// or https:// only */
	const char *target;       /* borrowed until start returns (copied); NULL: the URL */
	const char *connect_addr; /* borrowed until start returns; NULL or a literal address */
	int expect_status;        /* 0: any 2xx or 3xx is ok */
	const char *expect_body;  /* borrowed until start returns; NULL or a POSIX ERE, matched
	                             like grep -E: ^ and $ at line ends, . not a newline */
	int timeout_ms;           /* the whole probe; <= 0 means 10000 */
	size_t max_body;          /* body bytes read at most (more: too-large); 0 means 1 MiB */
	int max_redirects;        /* 0: a 3xx is the answer; N > 0: follow up to N */
	enum http_version version;
	bool insecure;       /* a certificate that fails verification is reported, not fatal */
	const char *ca_file; /* borrowed until start returns; NULL: the system's CAs */
};

struct http_client; /* one per loop: the curl multi handle and its timer */
struct http_probe;  /* opaque; owned by the client until its callback has returned */

/* A client on loop; owned by the caller, released with http_client_free. */
int http_client_new(uv_loop_t *loop, struct http_client **out) MUSTCHECK;

/* Cancels the probes still running (each callback is called from inside this
 * call with OUTCOME_LOCAL_ERROR, "cancelled"), then closes the client's
 * handles: the loop must run once more (uv_run) before it is closed.
 * http_client_free(NULL) is a no-op. Not to be called from a probe callback. */
void http_client_free(struct http_client *c);

/*
 * Starts one probe on c. Returns 0 and calls cb(arg, result) exactly once
 * later (see probe_done_cb in probe/result.h), or returns an error without
 * ever calling cb: ERR_PARSE (the URL, connect_addr or expect_body does not
 * parse; err says which and why), ERR_INVAL (not http/https), ERR_WRONG_STATE (the
 * client is being freed). err (errlen bytes) may be NULL.
 * If out is not NULL it receives the probe, valid until cb is called.
 */
int http_probe_start(struct http_client *c, const struct http_spec *spec, probe_done_cb cb,
                     void *arg, struct http_probe **out, char *err, size_t errlen) MUSTCHECK;

/* Ends a running probe now: cb is called from inside this call with
 * OUTCOME_LOCAL_ERROR, "cancelled". */
void http_probe_cancel(struct http_probe *p);

/* Pure helpers, exported for the tests. */

/* Parses a certificate time as OpenSSL prints it ("Jan  2 03:04:05 2026 GMT")
 * into wall-clock microseconds. Returns 0 or ERR_PARSE. */
int http_cert_time_parse(const char *s, int64_t *wall_us) MUSTCHECK;

/* The outcome for a libcurl result code (CURLcode as int) and the socket
 * errno curl saw (CURLINFO_OS_ERRNO, 0 if none). */
int http_outcome_from_curl(int curlcode, long os_errno);

#endif
