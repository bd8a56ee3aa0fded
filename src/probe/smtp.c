/*
 * smtp.c - the SMTP probe's I/O shell: a libuv TCP stream, one timer, and the
 * pure reply parser. See smtp.h for the states and the result.
 */
#include "probe/smtp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/mem.h"
#include "probe/smtp_reply.h"

enum phase { PH_CONNECT, PH_BANNER, PH_EHLO, PH_QUIT, PH_DONE };
static const char *const phase_names[] = {"connect", "banner", "ehlo", "quit", "done"};

#define HELO_MAX 255
#define EXT_MAX 32 /* extensions kept in the detail */

struct smtp_probe {
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_connect_t connect_req;
	uv_write_t ehlo_req, quit_req;
	char ehlo_line[HELO_MAX + 8]; /* "EHLO name\r\n", alive until the write completes */
	char rbuf[2048];
	struct smtp_parser parser;

	probe_done_cb cb;
	void *arg;
	char *target; /* owned */
	char server[ADDR_PORT_STRLEN];
	struct sockaddr_storage sa; /* the server */
	int timeout_ms;

	enum phase phase;
	int64_t t_start, t_phase; /* monotonic, microseconds */
	double times_ms[PH_DONE];
	double rtt_ms;
	char banner[SMTP_LINE_MAX + 8];
	int ehlo_code;
	bool starttls, quit_ok;
	struct buf exts; /* JSON array items, comma-separated */

	bool finished;
	int open_handles;
	int deferred_outcome; /* >= 0: a failure found inside start, reported by the timer */
	char deferred_msg[128];
};

static void on_close(uv_handle_t *h)
{
	struct smtp_probe *p = h->data;
	if (--p->open_handles > 0)
		return;
	smtp_parser_free(&p->parser);
	buf_free(&p->exts);
	free(p->target);
	free(p);
}

static double ms_since(int64_t t0_us)
{
	return (double)(clock_mono_us() - t0_us) / 1000.0;
}

static void detail_json(struct smtp_probe *p, struct buf *d)
{
	buf_puts(d, "{\"server\":");
	json_str(d, p->server);
	buf_puts(d, ",\"phase\":");
	json_str(d, phase_names[p->phase]);
	buf_puts(d, ",\"banner\":");
	json_str(d, p->banner[0] ? p->banner : NULL);
	if (p->ehlo_code)
		buf_printf(d, ",\"ehlo_code\":%d", p->ehlo_code);
	else
		buf_puts(d, ",\"ehlo_code\":null");
	buf_printf(d, ",\"starttls\":%s,\"extensions\":[", p->starttls ? "true" : "false");
	if (p->exts.len)
		buf_append(d, p->exts.p, p->exts.len);
	buf_printf(d, "],\"quit_ok\":%s,\"times_ms\":{", p->quit_ok ? "true" : "false");
	for (int i = PH_CONNECT; i < PH_DONE; i++) {
		if (p->times_ms[i] < 0)
			continue;
		if (d->p[d->len - 1] != '{')
			buf_putc(d, ',');
		buf_printf(d, "\"%s\":%.3f", phase_names[i], p->times_ms[i]);
	}
	buf_puts(d, "}}");
}

static void finish(struct smtp_probe *p, int outcome, const char *msg)
{
	if (p->finished)
		return;
	p->finished = true;
	uv_timer_stop(&p->timer);
	uv_read_stop((uv_stream_t *)&p->tcp);
	struct buf d = {0};
	detail_json(p, &d);
	struct probe_result r = {
	    .target = p->target,
	    .kind = PROBE_SMTP,
	    .outcome = probe_local_unreach(outcome, (struct sockaddr *)&p->sa, sizeof p->sa),
	    .rtt_ms = p->rtt_ms,
	    .message = msg,
	    .detail_json = d.p,
	};
	p->cb(p->arg, &r);
	buf_free(&d);
	uv_close((uv_handle_t *)&p->tcp, on_close);
	uv_close((uv_handle_t *)&p->timer, on_close);
}

static void finishf(struct smtp_probe *p, int outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void finishf(struct smtp_probe *p, int outcome, const char *fmt, ...)
{
	char msg[SMTP_LINE_MAX + 64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	finish(p, outcome, msg);
}

/* A socket error (libuv's negative errno) in the current phase. */
static void fail_errno(struct smtp_probe *p, int uverr)
{
	int e = -uverr;
	if (p->phase == PH_CONNECT) {
		finishf(p, probe_outcome_from_errno(e), "connect: %s", uv_strerror(uverr));
		return;
	}
	if (p->phase == PH_QUIT) { /* the server may hang up first; it greeted us */
		finish(p, OUTCOME_OK, NULL);
		return;
	}
	int outcome =
	    (e == ECONNRESET || e == EPIPE) ? OUTCOME_PROTOCOL : probe_outcome_from_errno(e);
	finishf(p, outcome, "%s during %s", uv_strerror(uverr), phase_names[p->phase]);
}

/* The current phase got its answer: its time is taken. */
static void phase_done(struct smtp_probe *p)
{
	p->times_ms[p->phase] = ms_since(p->t_phase);
}

static void enter(struct smtp_probe *p, enum phase ph)
{
	p->phase = ph;
	p->t_phase = clock_mono_us();
}

static void on_timer(uv_timer_t *t);

static void arm(struct smtp_probe *p)
{
	uv_timer_start(&p->timer, on_timer, (uint64_t)p->timeout_ms, 0);
}

static void on_write(uv_write_t *req, int status)
{
	struct smtp_probe *p = req->handle->data;
	if (status < 0 && status != UV_ECANCELED && !p->finished)
		fail_errno(p, status);
}

static int send_line(struct smtp_probe *p, uv_write_t *req, const char *line)
{
	uv_buf_t b = uv_buf_init((char *)line, (unsigned)strlen(line));
	return uv_write(req, (uv_stream_t *)&p->tcp, &b, 1, on_write);
}

static void add_extensions(struct smtp_probe *p, const struct smtp_reply *r)
{
	const char *t = r->text.p ? strchr(r->text.p, '\n') : NULL;
	for (int n = 0; t && n < EXT_MAX; n++) {
		t++;
		const char *e = strchr(t, '\n');
		size_t len = e ? (size_t)(e - t) : strlen(t);
		if (p->exts.len)
			buf_putc(&p->exts, ',');
		json_strn(&p->exts, t, len);
		t = e;
	}
}

static void on_reply(struct smtp_probe *p, const struct smtp_reply *r)
{
	char first[SMTP_LINE_MAX + 8];
	smtp_reply_first_line(r, first, sizeof first);
	int klass = r->code / 100;
	phase_done(p);
	switch (p->phase) {
	case PH_BANNER:
		snprintf(p->banner, sizeof p->banner, "%s", first);
		p->rtt_ms = ms_since(p->t_start);
		if (klass == 5) {
			finish(p, OUTCOME_SMTP_REJECT, first);
		} else if (klass == 4) {
			finish(p, OUTCOME_SMTP_TEMPFAIL, first);
		} else if (r->code != 220) {
			finishf(p, OUTCOME_PROTOCOL, "banner with code %d, expected 220", r->code);
		} else {
			enter(p, PH_EHLO);
			arm(p);
			int rc = send_line(p, &p->ehlo_req, p->ehlo_line);
			if (rc < 0)
				fail_errno(p, rc);
		}
		return;
	case PH_EHLO:
		p->ehlo_code = r->code;
		if (klass == 5) {
			finishf(p, OUTCOME_SMTP_REJECT, "EHLO: %s", first);
		} else if (klass == 4) {
			finishf(p, OUTCOME_SMTP_TEMPFAIL, "EHLO: %s", first);
		} else if (r->code != 250) {
			finishf(p, OUTCOME_PROTOCOL, "EHLO answered %d, expected 250", r->code);
		} else {
			p->starttls = smtp_reply_has_ext(r, "STARTTLS");
			add_extensions(p, r);
			enter(p, PH_QUIT);
			arm(p);
			int rc = send_line(p, &p->quit_req, "QUIT\r\n");
			if (rc < 0)
				fail_errno(p, rc);
		}
		return;
	case PH_QUIT:
		p->quit_ok = r->code == 221;
		p->phase = PH_DONE;
		finish(p, OUTCOME_OK, NULL);
		return;
	default:
		finishf(p, OUTCOME_PROTOCOL, "unexpected reply in phase %s", phase_names[p->phase]);
	}
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct smtp_probe *p = h->data;
	*b = uv_buf_init(p->rbuf, sizeof p->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct smtp_probe *p = s->data;
	if (p->finished || nread == 0)
		return;
	if (nread == UV_EOF) {
		if (p->phase == PH_QUIT)
			finish(p, OUTCOME_OK, NULL);
		else
			finishf(p, OUTCOME_PROTOCOL, "connection closed by the server during %s",
			        phase_names[p->phase]);
		return;
	}
	if (nread < 0) {
		fail_errno(p, (int)nread);
		return;
	}
	size_t off = 0, len = (size_t)nread;
	while (off < len && !p->finished) {
		size_t used;
		const struct smtp_reply *r;
		int rc = smtp_parser_feed(&p->parser, b->base + off, len - off, &used, &r);
		off += used;
		if (rc < 0) {
			finishf(p, rc == ERR_TOOBIG ? OUTCOME_TOO_LARGE : OUTCOME_PROTOCOL,
			        "%s: %s", phase_names[p->phase], smtp_parser_error(&p->parser));
			return;
		}
		if (rc == 0)
			return;
		on_reply(p, r);
	}
}

static void on_connect(uv_connect_t *req, int status)
{
	struct smtp_probe *p = req->handle->data;
	if (p->finished)
		return;
	if (status < 0) {
		fail_errno(p, status);
		return;
	}
	phase_done(p);
	enter(p, PH_BANNER);
	arm(p);
	int rc = uv_read_start((uv_stream_t *)&p->tcp, on_alloc, on_read);
	if (rc < 0)
		fail_errno(p, rc);
}

static void on_timer(uv_timer_t *t)
{
	struct smtp_probe *p = t->data;
	if (p->deferred_outcome >= 0) {
		finish(p, p->deferred_outcome, p->deferred_msg);
		return;
	}
	if (p->phase == PH_QUIT) { /* greeted and EHLO answered: QUIT is a courtesy */
		finish(p, OUTCOME_OK, NULL);
		return;
	}
	finishf(p, OUTCOME_TIMEOUT, "no answer within %d ms during %s", p->timeout_ms,
	        phase_names[p->phase]);
}

static bool helo_ok(const char *h)
{
	size_t n = strlen(h);
	if (n == 0 || n > HELO_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)h[i] <= ' ' || h[i] == 0x7f)
			return false;
	return true;
}

int smtp_probe_start(uv_loop_t *loop, const struct smtp_spec *spec, probe_done_cb cb, void *arg,
                     struct smtp_probe **out)
{
	const char *helo = spec->helo ? spec->helo : "blackout.invalid";
	if (!cb || !helo_ok(helo) ||
	    (spec->addr.family != AF_INET && spec->addr.family != AF_INET6))
		return ERR_INVAL;
	struct smtp_probe *p = xcalloc(1, sizeof *p);
	p->cb = cb;
	p->arg = arg;
	p->timeout_ms = spec->phase_timeout_ms > 0 ? spec->phase_timeout_ms : 5000;
	uint16_t port = spec->port ? spec->port : 25;
	addr_port_format(&spec->addr, port, p->server, sizeof p->server);
	p->target = xstrdup(spec->target ? spec->target : p->server);
	snprintf(p->ehlo_line, sizeof p->ehlo_line, "EHLO %s\r\n", helo);
	smtp_parser_init(&p->parser);
	p->rtt_ms = -1;
	p->deferred_outcome = -1;
	for (int i = 0; i < PH_DONE; i++)
		p->times_ms[i] = -1;
	p->tcp.data = p->timer.data = p;
	/* neither init can fail on Linux for a valid loop */
	uv_tcp_init(loop, &p->tcp);
	uv_timer_init(loop, &p->timer);
	p->open_handles = 2;
	p->t_start = p->t_phase = clock_mono_us();

	addr_to_sockaddr(&spec->addr, port, &p->sa);
	int rc = uv_tcp_connect(&p->connect_req, &p->tcp, (struct sockaddr *)&p->sa, on_connect);
	if (rc < 0) { /* reported from the loop, never from inside start */
		p->deferred_outcome = probe_outcome_from_errno(-rc);
		snprintf(p->deferred_msg, sizeof p->deferred_msg, "connect: %s", uv_strerror(rc));
		uv_timer_start(&p->timer, on_timer, 0, 0);
	} else {
		arm(p);
	}
	if (out)
		*out = p;
	return 0;
}

void smtp_probe_cancel(struct smtp_probe *p)
{
	finish(p, OUTCOME_LOCAL_ERROR, "cancelled");
}
