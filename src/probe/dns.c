/*
 * dns.c - the DNS probe's I/O shell: a connected UDP socket, a TCP stream for
 * the fallback, one timer for retries and the deadline. See dns.h.
 */
#include "probe/dns.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/clock.h"
#include "core/mem.h"
#include "probe/dns_wire.h"

#define UDP_BUF 4096 /* > DNS_EDNS_SIZE: a larger datagram is a server bug, reported */

enum transport { T_UDP, T_TCP };

struct dns_probe {
	uv_udp_t udp;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_connect_t connect_req;
	uv_write_t write_req;
	bool udp_open, tcp_open;

	probe_done_cb cb;
	void *arg;
	char *target; /* owned */
	char server[ADDR_PORT_STRLEN];
	char qname[1100]; /* as given, with the final dot; escapes may take 4 bytes a byte */
	struct sockaddr_storage sa;

	struct dns_query query;
	struct dns_answer answer;
	enum transport transport;
	int tries;
	int retries_left;
	int64_t t_first_send, deadline_us, interval_us; /* monotonic */

	int bad_answers;
	char bad_reason[200]; /* the first bad answer's */

	uint8_t tcp_len[2];
	struct buf tcp_in; /* the length prefix and the message as they arrive */

	uint8_t rbuf[UDP_BUF];

	bool finished;
	int open_handles;
	int deferred_outcome; /* >= 0: a failure met inside start, reported by the timer */
	char deferred_msg[128];
};

static uint16_t random_id(void)
{
	uint16_t id;
	if (getrandom(&id, sizeof id, GRND_NONBLOCK) != (ssize_t)sizeof id)
		id = (uint16_t)(clock_mono_us() ^ (clock_mono_us() >> 16));
	return id;
}

static void on_close(uv_handle_t *h)
{
	struct dns_probe *p = h->data;
	if (--p->open_handles > 0)
		return;
	dns_query_free(&p->query);
	dns_answer_free(&p->answer);
	buf_free(&p->tcp_in);
	free(p->target);
	free(p);
}

static void detail_json(struct dns_probe *p, bool answered, struct buf *d)
{
	char tn[16], rn[16];
	buf_puts(d, "{\"server\":");
	json_str(d, p->server);
	buf_puts(d, ",\"qname\":");
	json_str(d, p->qname);
	buf_puts(d, ",\"qtype\":");
	json_str(d, dns_type_name(p->query.qtype, tn, sizeof tn));
	buf_printf(d, ",\"transport\":\"%s\",\"tries\":%d", p->transport == T_TCP ? "tcp" : "udp",
	           p->tries);
	if (answered) {
		const struct dns_answer *a = &p->answer;
		buf_puts(d, ",\"rcode\":");
		json_str(d, dns_rcode_name(a->rcode, rn, sizeof rn));
		buf_printf(d,
		           ",\"aa\":%s,\"tc\":%s,\"answers\":%u,\"matching\":%u,\"authority\":%u,"
		           "\"additional\":%u,\"serial\":",
		           a->aa ? "true" : "false", a->tc ? "true" : "false", a->ancount,
		           a->matching, a->nscount, a->arcount);
		if (a->has_serial)
			buf_printf(d, "%u", (unsigned)a->serial);
		else
			buf_puts(d, "null");
		buf_printf(d, ",\"size\":%zu,\"records\":[", a->size);
		if (a->records.len)
			buf_append(d, a->records.p, a->records.len);
		buf_putc(d, ']');
	}
	buf_printf(d, ",\"bad_answers\":%d}", p->bad_answers);
}

static void finish(struct dns_probe *p, int outcome, bool answered, const char *msg)
{
	if (p->finished)
		return;
	p->finished = true;
	uv_timer_stop(&p->timer);
	if (p->udp_open)
		uv_udp_recv_stop(&p->udp);
	if (p->tcp_open)
		uv_read_stop((uv_stream_t *)&p->tcp);
	struct buf d = {0};
	detail_json(p, answered, &d);
	double rtt = answered ? (double)(clock_mono_us() - p->t_first_send) / 1000.0 : -1;
	struct probe_result r = {
	    .target = p->target,
	    .kind = PROBE_DNS,
	    .outcome = probe_local_unreach(outcome, (struct sockaddr *)&p->sa, sizeof p->sa),
	    .rtt_ms = rtt,
	    .message = msg,
	    .detail_json = d.p,
	};
	p->cb(p->arg, &r);
	buf_free(&d);
	if (p->udp_open)
		uv_close((uv_handle_t *)&p->udp, on_close);
	if (p->tcp_open)
		uv_close((uv_handle_t *)&p->tcp, on_close);
	uv_close((uv_handle_t *)&p->timer, on_close);
}

static void finishf(struct dns_probe *p, int outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void finishf(struct dns_probe *p, int outcome, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	finish(p, outcome, false, msg);
}

/* An accepted answer: its rcode is the outcome. */
static void finish_answer(struct dns_probe *p)
{
	char rn[16], msg[64];
	int outcome = dns_rcode_outcome(p->answer.rcode);
	snprintf(msg, sizeof msg, "the server answered %s",
	         dns_rcode_name(p->answer.rcode, rn, sizeof rn));
	finish(p, outcome, true, outcome == OUTCOME_OK ? NULL : msg);
}

static void fail_errno(struct dns_probe *p, int uverr, const char *what)
{
	int e = -uverr;
	if (p->transport == T_UDP && e == ECONNREFUSED) { /* what it means on a connected socket */
		finishf(p, OUTCOME_PORT_UNREACH, "ICMP port unreachable: nothing listens on udp %s",
		        p->server);
		return;
	}
	int outcome = probe_outcome_from_errno(e);
	finishf(p, outcome, "%s %s: %s", p->transport == T_TCP ? "tcp" : "udp", what,
	        uv_strerror(uverr));
}

static void remember_bad(struct dns_probe *p, const char *why)
{
	if (p->bad_answers++ == 0)
		snprintf(p->bad_reason, sizeof p->bad_reason, "%s", why);
}

static void on_timer(uv_timer_t *t);

static void arm(struct dns_probe *p)
{
	int64_t now = clock_mono_us(), next = p->deadline_us;
	if (p->transport == T_UDP && p->retries_left > 0 && now + p->interval_us < next)
		next = now + p->interval_us;
	int64_t ms = (next - now + 999) / 1000;
	uv_timer_start(&p->timer, on_timer, ms > 0 ? (uint64_t)ms : 0, 0);
}

static void udp_send(struct dns_probe *p)
{
	uv_buf_t b = uv_buf_init((char *)p->query.wire, (unsigned)p->query.len);
	p->tries++;
	int rc = uv_udp_try_send(&p->udp, &b, 1, NULL);
	if (rc < 0 && rc != UV_EAGAIN) /* EAGAIN: a full socket buffer; the retry covers it */
		fail_errno(p, rc, "send");
}

/* One read at a time, UDP or TCP, into the probe's buffer. */
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct dns_probe *p = h->data;
	*b = uv_buf_init((char *)p->rbuf, sizeof p->rbuf);
}

/* ---- TCP ---- */

static void tcp_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct dns_probe *p = s->data;
	if (p->finished || nread == 0)
		return;
	size_t have = p->tcp_in.len;
	size_t want =
	    have >= 2 ? 2 + (((size_t)(uint8_t)p->tcp_in.p[0] << 8) | (uint8_t)p->tcp_in.p[1]) : 0;
	if (nread == UV_EOF) {
		finishf(p, OUTCOME_BAD_REPLY, "tcp: connection closed after %zu of %zu bytes",
		        have >= 2 ? have - 2 : 0, want >= 2 ? want - 2 : 0);
		return;
	}
	if (nread < 0) {
		if (nread == UV_ECONNRESET)
			finishf(p, OUTCOME_BAD_REPLY,
			        "tcp: connection reset before a whole answer");
		else
			fail_errno(p, (int)nread, "read");
		return;
	}
	/* take only up to the end of the message; bytes after it are ignored */
	size_t n = (size_t)nread, off = 0;
	if (have < 2) {
		size_t k = n < 2 - have ? n : 2 - have;
		buf_append(&p->tcp_in, b->base, k);
		off = k;
		have += k;
		if (have < 2)
			return;
		want = 2 + (((size_t)(uint8_t)p->tcp_in.p[0] << 8) | (uint8_t)p->tcp_in.p[1]);
	}
	size_t k = n - off < want - have ? n - off : want - have;
	buf_append(&p->tcp_in, b->base + off, k);
	if (p->tcp_in.len < want)
		return;
	char err[192];
	int rc = dns_answer_check(&p->query, (const uint8_t *)p->tcp_in.p + 2, want - 2, &p->answer,
	                          err, sizeof err);
	if (rc < 0) {
		finishf(p, OUTCOME_BAD_REPLY, "tcp: %s", err);
		return;
	}
	finish_answer(p);
}

static void tcp_on_write(uv_write_t *req, int status)
{
	struct dns_probe *p = req->handle->data;
	if (status < 0 && status != UV_ECANCELED && !p->finished)
		fail_errno(p, status, "write");
}

static void tcp_on_connect(uv_connect_t *req, int status)
{
	struct dns_probe *p = req->handle->data;
	if (p->finished)
		return;
	if (status < 0) {
		fail_errno(p, status, "connect");
		return;
	}
	p->tcp_len[0] = (uint8_t)(p->query.len >> 8);
	p->tcp_len[1] = (uint8_t)p->query.len;
	uv_buf_t bufs[2] = {uv_buf_init((char *)p->tcp_len, 2),
	                    uv_buf_init((char *)p->query.wire, (unsigned)p->query.len)};
	int rc = uv_write(&p->write_req, (uv_stream_t *)&p->tcp, bufs, 2, tcp_on_write);
	if (rc == 0)
		rc = uv_read_start((uv_stream_t *)&p->tcp, on_alloc, tcp_on_read);
	if (rc < 0)
		fail_errno(p, rc, "write");
}

/* Returns 0, or a libuv error for the caller to report (from the loop). */
static int tcp_start(struct dns_probe *p)
{
	p->transport = T_TCP;
	p->tries++;
	dns_query_set_id(&p->query, random_id());
	uv_tcp_init(p->timer.loop, &p->tcp);
	p->tcp.data = p;
	p->tcp_open = true;
	p->open_handles++;
	return uv_tcp_connect(&p->connect_req, &p->tcp, (struct sockaddr *)&p->sa, tcp_on_connect);
}

/* ---- UDP ---- */

static void udp_on_recv(uv_udp_t *u, ssize_t nread, const uv_buf_t *b, const struct sockaddr *from,
                        unsigned flags)
{
	struct dns_probe *p = u->data;
	if (p->finished || p->transport != T_UDP)
		return;
	if (nread < 0) {
		fail_errno(p, (int)nread, "recv");
		return;
	}
	if (!from) /* nothing more to read */
		return;
	if (flags & UV_UDP_PARTIAL) {
		remember_bad(p, "answer larger than 4096 bytes over UDP");
		return;
	}
	char err[192];
	int rc = dns_answer_check(&p->query, (const uint8_t *)b->base, (size_t)nread, &p->answer,
	                          err, sizeof err);
	if (rc < 0) {
		remember_bad(p, err);
		return;
	}
	if (!p->answer.tc) {
		finish_answer(p);
		return;
	}
	/* truncated: ask again over TCP, within what is left of the timeout */
	uv_udp_recv_stop(&p->udp);
	rc = tcp_start(p);
	if (rc < 0) {
		fail_errno(p, rc, "connect");
		return;
	}
	arm(p);
}

static void on_timer(uv_timer_t *t)
{
	struct dns_probe *p = t->data;
	if (p->deferred_outcome >= 0) {
		finish(p, p->deferred_outcome, false, p->deferred_msg);
		return;
	}
	int64_t now = clock_mono_us();
	if (now < p->deadline_us && p->transport == T_UDP && p->retries_left > 0) {
		p->retries_left--;
		udp_send(p);
		if (!p->finished)
			arm(p);
		return;
	}
	if (now < p->deadline_us) { /* woke early (timer granularity) */
		arm(p);
		return;
	}
	if (p->bad_answers)
		finishf(p, OUTCOME_BAD_REPLY, "%s%s", p->bad_reason,
		        p->bad_answers > 1 ? " (and more bad answers)" : "");
	else
		finishf(p, OUTCOME_TIMEOUT, "no answer within %lld ms over %s",
		        (long long)((p->deadline_us - p->t_first_send) / 1000),
		        p->transport == T_TCP ? "tcp" : "udp");
}

static void defer_failure(struct dns_probe *p, int outcome, const char *what, int uverr)
{
	p->deferred_outcome = outcome;
	snprintf(p->deferred_msg, sizeof p->deferred_msg, "%s: %s", what, uv_strerror(uverr));
	uv_timer_start(&p->timer, on_timer, 0, 0);
}

int dns_probe_start(uv_loop_t *loop, const struct dns_spec *spec, probe_done_cb cb, void *arg,
                    struct dns_probe **out, char *err, size_t errlen)
{
	char dummy[8];
	if (!err) {
		err = dummy;
		errlen = sizeof dummy;
	}
	if (!cb || !spec->name ||
	    (spec->server.family != AF_INET && spec->server.family != AF_INET6)) {
		snprintf(err, errlen, "a DNS probe needs a name and a server address");
		return ERR_INVAL;
	}
	struct dns_probe *p = xcalloc(1, sizeof *p);
	uint16_t qtype = (uint16_t)(spec->qtype > 0 ? spec->qtype : 6 /* SOA */);
	int rc = dns_query_build(&p->query, spec->name, qtype, random_id(),
	                         spec->no_edns ? 0 : DNS_EDNS_SIZE, err, errlen);
	if (rc < 0) {
		free(p);
		return rc;
	}
	p->cb = cb;
	p->arg = arg;
	uint16_t port = spec->port ? spec->port : 53;
	addr_port_format(&spec->server, port, p->server, sizeof p->server);
	snprintf(p->qname, sizeof p->qname, "%s", spec->name);
	size_t ql = strlen(p->qname);
	if (ql == 0 || (p->qname[ql - 1] != '.' && ql + 1 < sizeof p->qname))
		strcat(p->qname, ".");
	p->target = xstrdup(spec->target ? spec->target : p->qname);
	addr_to_sockaddr(&spec->server, port, &p->sa);
	int timeout_ms = spec->timeout_ms > 0 ? spec->timeout_ms : 5000;
	int retries = spec->retries > 0 ? spec->retries : 0;
	p->retries_left = retries;
	p->t_first_send = clock_mono_us();
	p->deadline_us = p->t_first_send + (int64_t)timeout_ms * 1000;
	p->interval_us = (int64_t)timeout_ms * 1000 / (retries + 1);
	p->deferred_outcome = -1;
	uv_timer_init(loop, &p->timer);
	p->timer.data = p;
	p->open_handles = 1;

	if (spec->tcp) {
		rc = tcp_start(p);
		if (rc < 0)
			defer_failure(p, probe_outcome_from_errno(-rc), "tcp connect", rc);
		else
			arm(p);
		goto done;
	}
	p->transport = T_UDP;
	rc = uv_udp_init_ex(loop, &p->udp, spec->server.family);
	if (rc < 0) {
		defer_failure(p, OUTCOME_LOCAL_ERROR, "udp socket", rc);
		goto done;
	}
	p->udp.data = p;
	p->udp_open = true;
	p->open_handles++;
	rc = uv_udp_connect(&p->udp, (struct sockaddr *)&p->sa);
	if (rc == 0)
		rc = uv_udp_recv_start(&p->udp, on_alloc, udp_on_recv);
	if (rc < 0) {
		defer_failure(p, probe_outcome_from_errno(-rc), "udp connect", rc);
		goto done;
	}
	uv_buf_t b = uv_buf_init((char *)p->query.wire, (unsigned)p->query.len);
	p->tries++;
	rc = uv_udp_try_send(&p->udp, &b, 1, NULL);
	if (rc < 0 && rc != UV_EAGAIN) {
		int outcome =
		    rc == UV_ECONNREFUSED ? OUTCOME_PORT_UNREACH : probe_outcome_from_errno(-rc);
		defer_failure(p, outcome, "udp send", rc);
		goto done;
	}
	arm(p);
done:
	if (out)
		*out = p;
	return 0;
}

void dns_probe_cancel(struct dns_probe *p)
{
	finish(p, OUTCOME_LOCAL_ERROR, false, "cancelled");
}
