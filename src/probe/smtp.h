/*
 * smtp.h - the SMTP probe: is a mail server there, and does it greet us?
 *
 * One probe opens a TCP connection on the caller's libuv loop, reads the 220
 * banner, says EHLO, notes whether STARTTLS is offered, says QUIT and closes.
 * Nothing blocks; every phase has its own timeout. Replies go through the pure
 * parser in probe/smtp_reply.h (line length and line count capped).
 *
 *   start --> CONNECT --connected--> BANNER --220--> EHLO --250--> QUIT --221/EOF--> ok
 *                |                     |  \--5xx--> smtp-rejected        |
 *                |                     |  \--4xx--> smtp-tempfail        \--timeout--> ok
 * (quit_ok=false) |                     \--EOF/garbage/too long--> protocol-error
 *                \--RST/ICMP--> refused / *-unreachable      (any phase) --timer--> timeout
 *
 * Result (probe_result, borrowed by the callback): outcome; rtt_ms = from the
 * connect call to the complete banner (-1 without a banner); message = the
 * banner's first line when the server rejected us, else why it failed; detail:
 *   {"server":"127.0.0.1:25","phase":"quit","banner":"220 mx ESMTP",
 *    "ehlo_code":250,"starttls":true,"extensions":["PIPELINING","STARTTLS"],
 *    "quit_ok":true,"times_ms":{"connect":0.1,"banner":0.4,"ehlo":0.2,"quit":0.1}}
 * "phase" is where the probe ended (connect, banner, ehlo, quit, done).
 */
#ifndef BLACKOUT_PROBE_SMTP_H
#define BLACKOUT_PROBE_SMTP_H

#include <stdint.h>
#include <uv.h>

#include "core/addr.h"
#include "core/err.h"
#include "probe/result.h"

struct smtp_spec {
	struct addr addr;     /* the mail server */
	uint16_t port;        /* 0 means 25 */
	const char *target;   /* borrowed until start returns (copied); NULL: "ADDR:PORT" */
	const char *helo;     /* borrowed until start returns (copied); NULL: "blackout.invalid" */
	int phase_timeout_ms; /* each of connect, banner, EHLO and QUIT; <= 0 means 5000 */
};

struct smtp_probe; /* opaque; owned by the loop until the callback has returned */

/*
 * Starts one probe on loop. Returns 0 and calls cb(arg, result) exactly once
 * later (see probe_done_cb in probe/result.h), or returns ERR_INVAL (bad spec:
 * helo with spaces or control characters) without ever calling cb.
 * If out is not NULL it receives the probe, valid until cb is called.
 */
int smtp_probe_start(uv_loop_t *loop, const struct smtp_spec *spec, probe_done_cb cb, void *arg,
                     struct smtp_probe **out) MUSTCHECK;

/* Ends a probe that has not completed: cb is called now, from inside this
 * call, with OUTCOME_LOCAL_ERROR and message "cancelled". The handles close on
 * the next loop iteration (the loop must run once more before it is closed). */
void smtp_probe_cancel(struct smtp_probe *p);

#endif
