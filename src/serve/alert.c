/*
 * alert.c - see alert.h. Three parts: the pure formatting and backoff, the
 * per-sink queues and their retry timers, and the two delivery mechanisms
 * (libcurl multi on uv_poll/uv_timer; uv_spawn with a pipe and a kill timer).
 * Every uv handle the alerter opens is counted in open_handles; the alerter
 * is freed by the close callback that brings it to zero after alert_free().
 */
#include "serve/alert.h"

#include <ctype.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "serve/api.h"

/* ---- pure parts ---- */

const char *alert_kind_name(enum alert_kind k)
{
	switch (k) {
	case ALERT_OPEN:
		return "open";
	case ALERT_UPDATE:
		return "update";
	case ALERT_CLOSE:
		return "close";
	}
	return "unknown";
}

int64_t alert_backoff_us(uint32_t attempts, int64_t base_us, int64_t max_us)
{
	int64_t d = base_us;
	for (uint32_t i = 1; i < attempts && d < max_us; i++)
		d = d > max_us / 2 ? max_us : d * 2;
	return d < max_us ? d : max_us;
}

/* Slack's mrkdwn: &, < and > must be written as entities; the rest is text. */
static void slack_escape(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '\n': case '\r': buf_putc(b, ' '); break;
		default: buf_putc(b, *s); break;
		}
	}
}

static void duration_text(struct buf *b, int64_t us)
{
	int64_t s = us / USEC_PER_SEC;
	if (s >= 86400)
		buf_printf(b, "%" PRId64 "d%02" PRId64 "h%02" PRId64 "m", s / 86400, s % 86400 / 3600, s % 3600 / 60);
	else if (s >= 3600)
		buf_printf(b, "%" PRId64 "h%02" PRId64 "m", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		buf_printf(b, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else
		buf_printf(b, "%" PRId64 "s", s);
}

static void percent(struct buf *b, double v)
{
	if (isfinite(v))
		buf_printf(b, "%.0f%%", v * 100);
	else
		buf_puts(b, "unknown");
}

void alert_text(struct buf *b, enum alert_kind kind, const struct serve_event *e,
		const char *dashboard_url, int64_t now_us)
{
	char t1[40], t2[40];
	const char *cause = e->cause ? e->cause : "unknown";
	buf_puts(b, "blackout: ");
	switch (kind) {
	case ALERT_OPEN:
	case ALERT_UPDATE:
		buf_puts(b, kind == ALERT_OPEN ? "OUTAGE of " : "outage of ");
		slack_escape(b, e->entity);
		buf_printf(b, kind == ALERT_OPEN ? " since %s, cause " : " (since %s) now: cause ",
			   clock_format_iso(e->start_us, 0, t1, sizeof t1));
		slack_escape(b, cause);
		buf_puts(b, ", severity ");
		percent(b, e->severity);
		buf_puts(b, ", confidence ");
		percent(b, e->confidence);
		break;
	case ALERT_CLOSE: {
		int64_t end = e->end_us ? e->end_us : now_us;
		buf_puts(b, "RESTORED: ");
		slack_escape(b, e->entity);
		buf_printf(b, " is back since %s after ", clock_format_iso(end, 0, t2, sizeof t2));
		duration_text(b, end - e->start_us);
		buf_printf(b, " (outage from %s, cause ", clock_format_iso(e->start_us, 0, t1, sizeof t1));
		slack_escape(b, cause);
		buf_puts(b, ")");
		break;
	}
	}
	if (e->summary && *e->summary) {
		buf_puts(b, ". ");
		slack_escape(b, e->summary);
	}
	if (dashboard_url && *dashboard_url) {
		buf_puts(b, " ");
		slack_escape(b, dashboard_url);
		buf_printf(b, "/#/event/%" PRIu64, e->id);
	}
}

void alert_payload(struct buf *b, enum alert_kind kind, const struct serve_event *e,
		   const char *dashboard_url, int64_t now_us, bool with_text)
{
	buf_putc(b, '{');
	if (with_text) {
		struct buf text = {0};
		alert_text(&text, kind, e, dashboard_url, now_us);
		buf_puts(b, "\"text\":");
		json_str(b, text.p ? text.p : "");
		buf_putc(b, ',');
		buf_free(&text);
	}
	buf_printf(b, "\"kind\":\"%s\",\"event\":", alert_kind_name(kind));
	serve_event_json(b, e, now_us);
	buf_puts(b, ",\"url\":");
	if (dashboard_url && *dashboard_url) {
		struct buf u = {0};
		buf_printf(&u, "%s/#/event/%" PRIu64, dashboard_url, e->id);
		json_str(b, u.p);
		buf_free(&u);
	} else {
		buf_puts(b, "null");
	}
	buf_puts(b, "}");
}

/* ---- state ---- */

enum sink_type { SINK_WEBHOOK, SINK_EXEC };

struct item {
	struct item *next;
	uint64_t id; /* 0: the outbox refused it; memory only */
	char *payload;
	uint32_t attempts;
	int64_t next_us;
};

struct attempt;

struct sink {
	struct alerter *a;
	enum sink_type type;
	char *name;   /* "webhook:NAME" */
	char *url;    /* webhook */
	struct curl_slist *headers; /* webhook: Content-Type and the hook's own, owned */
	bool no_text; /* webhook: payloads without "text" */
	char **argv;  /* exec, NULL-terminated, owned */
	unsigned timeout_ms;
	unsigned kinds; /* ALERT_KIND_BIT()s this sink gets */
	struct alert_stats st;
	struct item *head, *tail;
	struct attempt *busy; /* the attempt in flight for head, or NULL */
	uv_timer_t timer;     /* waits for head->next_us */
};

struct alerter {
	uv_loop_t *loop;
	struct alert_outbox ob;
	struct sink *sinks;
	size_t n_sinks;
	int64_t base_us, max_us;
	char *dashboard_url;
	CURLM *multi;
	uv_timer_t curl_timer;
	int open_handles;
	bool closing;
};

struct attempt {
	struct sink *s;
	/* webhook */
	CURL *easy;
	char curl_err[CURL_ERROR_SIZE];
	/* exec */
	uv_process_t proc;
	uv_pipe_t in;
	uv_timer_t timer;
	uv_write_t wr;
	char *data; /* owned copy of the payload written to stdin */
	int handles; /* this attempt's open uv handles */
	bool spawned, timed_out, exited, reported;
	int64_t exit_status;
	int term_signal;
};

static void kick(struct sink *s);

/* One of the alerter's handles is closed; the last one frees it. */
static void release(struct alerter *a)
{
	if (--a->open_handles == 0 && a->closing) {
		for (size_t i = 0; i < a->n_sinks; i++) {
			struct sink *s = &a->sinks[i];
			for (struct item *it = s->head, *nx; it; it = nx) {
				nx = it->next;
				free(it->payload);
				free(it);
			}
			free(s->name);
			free(s->url);
			curl_slist_free_all(s->headers);
			for (char **p = s->argv; p && *p; p++)
				free(*p);
			free(s->argv);
		}
		free(a->sinks);
		free(a->dashboard_url);
		free(a);
	}
}

static void handle_closed(uv_handle_t *h)
{
	release(h->data);
}

static void close_handle(struct alerter *a, uv_handle_t *h)
{
	h->data = a;
	uv_close(h, handle_closed);
}

static void finish(struct sink *s, bool ok, const char *why)
{
	struct alerter *a = s->a;
	struct item *it = s->head;
	s->busy = NULL;
	if (a->closing || !it)
		return;
	int64_t now = clock_wall_us();
	if (ok) {
		if (it->id && a->ob.mark_sent) {
			int rc = a->ob.mark_sent(a->ob.ctx, it->id, now);
			if (rc < 0)
				log_error("alert outbox: cannot mark alert %" PRIu64 " sent: %s", it->id, err_str(rc));
		}
		log_info("alert %" PRIu64 " delivered to %s", it->id, s->name);
		s->st.delivered++;
		s->st.pending--;
		s->head = it->next;
		if (!s->head)
			s->tail = NULL;
		free(it->payload);
		free(it);
	} else {
		it->attempts++;
		int64_t delay = alert_backoff_us(it->attempts, a->base_us, a->max_us);
		it->next_us = now + delay;
		s->st.failed_attempts++;
		log_warn("alert %" PRIu64 " to %s failed (attempt %" PRIu32 "): %s; next try in %.3g s", it->id,
			 s->name, it->attempts, why, (double)delay / 1e6);
		if (it->id && a->ob.reschedule) {
			int rc = a->ob.reschedule(a->ob.ctx, it->id, it->attempts, it->next_us, why);
			if (rc < 0)
				log_error("alert outbox: cannot record attempt of %" PRIu64 ": %s", it->id, err_str(rc));
		}
	}
	kick(s);
}

/* ---- webhook over libcurl multi ---- */

struct curl_sock {
	uv_poll_t poll;
	curl_socket_t fd;
	struct alerter *a;
};

static void check_curl_done(struct alerter *a)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(a->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct attempt *t = NULL;
		CURL *easy = m->easy_handle;
		CURLcode res = m->data.result;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
		long code = 0;
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
		curl_multi_remove_handle(a->multi, easy);
		curl_easy_cleanup(easy);
		char why[CURL_ERROR_SIZE + 64];
		bool ok = res == CURLE_OK && code >= 200 && code < 300;
		if (res != CURLE_OK)
			snprintf(why, sizeof why, "%s", t->curl_err[0] ? t->curl_err : curl_easy_strerror(res));
		else
			snprintf(why, sizeof why, "HTTP status %ld", code);
		struct sink *s = t->s;
		free(t);
		finish(s, ok, why);
	}
}

static void on_curl_poll(uv_poll_t *p, int status, int events)
{
	struct curl_sock *cs = p->data;
	struct alerter *a = cs->a;
	int flags = 0, running;
	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(a->multi, cs->fd, flags, &running);
	check_curl_done(a);
}

static void curl_sock_closed(uv_handle_t *h)
{
	struct curl_sock *cs = (struct curl_sock *)h;
	struct alerter *a = cs->a;
	free(cs);
	release(a);
}

static int curl_socket_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct alerter *a = userp;
	struct curl_sock *cs = socketp;
	if (what == CURL_POLL_REMOVE) {
		if (cs) {
			uv_poll_stop(&cs->poll);
			uv_close((uv_handle_t *)&cs->poll, curl_sock_closed);
			curl_multi_assign(a->multi, fd, NULL);
		}
		return 0;
	}
	if (!cs) {
		cs = xcalloc(1, sizeof *cs);
		cs->fd = fd;
		cs->a = a;
		if (uv_poll_init_socket(a->loop, &cs->poll, fd) < 0) {
			free(cs);
			return -1;
		}
		cs->poll.data = cs;
		a->open_handles++;
		curl_multi_assign(a->multi, fd, cs);
	}
	int ev = ((what & CURL_POLL_IN) ? UV_READABLE : 0) | ((what & CURL_POLL_OUT) ? UV_WRITABLE : 0);
	uv_poll_start(&cs->poll, ev, on_curl_poll);
	return 0;
}

static void on_curl_timer(uv_timer_t *t)
{
	struct alerter *a = t->data;
	int running;
	curl_multi_socket_action(a->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_curl_done(a);
}

static int curl_timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct alerter *a = userp;
	if (timeout_ms < 0)
		uv_timer_stop(&a->curl_timer);
	else
		uv_timer_start(&a->curl_timer, on_curl_timer, (uint64_t)timeout_ms, 0);
	return 0;
}

static size_t discard_body(char *p, size_t size, size_t n, void *arg)
{
	return size * n;
}

static void start_webhook(struct sink *s, struct item *it)
{
	struct attempt *t = xcalloc(1, sizeof *t);
	t->s = s;
	t->easy = curl_easy_init();
	if (!t->easy) {
		free(t);
		finish(s, false, "curl_easy_init failed");
		return;
	}
	CURL *e = t->easy;
	curl_easy_setopt(e, CURLOPT_URL, s->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)s->timeout_ms);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(it->payload));
	curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, it->payload);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "blackout-alert");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->curl_err);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	s->busy = t;
	CURLMcode mc = curl_multi_add_handle(s->a->multi, e);
	if (mc != CURLM_OK) {
		curl_easy_cleanup(e);
		free(t);
		finish(s, false, curl_multi_strerror(mc));
	}
}

/* ---- exec hook ---- */

static void exec_handle_closed(uv_handle_t *h)
{
	struct attempt *t = h->data;
	struct alerter *a = t->s->a;
	if (--t->handles == 0) {
		free(t->data);
		free(t);
	}
	release(a);
}

static void exec_close(struct attempt *t, uv_handle_t *h)
{
	if (uv_is_closing(h))
		return;
	h->data = t;
	uv_close(h, exec_handle_closed);
}

static void exec_report(struct attempt *t)
{
	if (t->reported)
		return;
	t->reported = true;
	char why[128];
	bool ok = !t->timed_out && t->exit_status == 0 && t->term_signal == 0;
	if (t->timed_out)
		snprintf(why, sizeof why, "timed out after %u ms (killed)", t->s->timeout_ms);
	else if (t->term_signal)
		snprintf(why, sizeof why, "killed by signal %d", t->term_signal);
	else
		snprintf(why, sizeof why, "exit status %" PRId64, t->exit_status);
	finish(t->s, ok, why);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
	struct attempt *t = p->data;
	t->exited = true;
	t->exit_status = status;
	t->term_signal = sig;
	exec_close(t, (uv_handle_t *)&t->timer);
	exec_close(t, (uv_handle_t *)&t->in);
	exec_close(t, (uv_handle_t *)&t->proc);
	exec_report(t);
}

static void on_exec_timeout(uv_timer_t *tm)
{
	struct attempt *t = tm->data;
	t->timed_out = true;
	/* the hook runs in its own process group (UV_PROCESS_DETACHED): kill it all */
	kill(-t->proc.pid, SIGKILL);
	uv_process_kill(&t->proc, SIGKILL);
}

static void on_written(uv_write_t *w, int status)
{
	struct attempt *t = w->data;
	exec_close(t, (uv_handle_t *)&t->in); /* EOF for the hook */
}

static void start_exec(struct sink *s, struct item *it)
{
	struct alerter *a = s->a;
	struct attempt *t = xcalloc(1, sizeof *t);
	t->s = s;
	t->data = xstrdup(it->payload);
	uv_pipe_init(a->loop, &t->in, 0);
	uv_timer_init(a->loop, &t->timer);
	t->in.data = t->timer.data = t->proc.data = t;
	t->handles = 2;
	a->open_handles += 2;
	uv_stdio_container_t stdio[3] = {
		{.flags = UV_CREATE_PIPE | UV_READABLE_PIPE, .data.stream = (uv_stream_t *)&t->in},
		{.flags = UV_IGNORE},
		{.flags = UV_INHERIT_FD, .data.fd = 2},
	};
	uv_process_options_t o = {
		.exit_cb = on_exit_cb,
		.file = s->argv[0],
		.args = s->argv,
		.stdio = stdio,
		.stdio_count = 3,
		.flags = UV_PROCESS_DETACHED,
	};
	s->busy = t;
	int r = uv_spawn(a->loop, &t->proc, &o);
	if (r < 0) {
		char why[160];
		snprintf(why, sizeof why, "cannot run %s: %s", s->argv[0], uv_strerror(r));
		t->reported = true;
		exec_close(t, (uv_handle_t *)&t->in);
		exec_close(t, (uv_handle_t *)&t->timer);
		finish(s, false, why);
		return;
	}
	t->spawned = true;
	t->handles++;
	a->open_handles++;
	uv_timer_start(&t->timer, on_exec_timeout, s->timeout_ms, 0);
	uv_buf_t b = uv_buf_init(t->data, (unsigned)strlen(t->data));
	t->wr.data = t;
	if (uv_write(&t->wr, (uv_stream_t *)&t->in, &b, 1, on_written) < 0)
		exec_close(t, (uv_handle_t *)&t->in);
}

/* ---- queues ---- */

static void on_sink_timer(uv_timer_t *tm)
{
	kick(tm->data);
}

static void kick(struct sink *s)
{
	struct alerter *a = s->a;
	struct item *it = s->head;
	if (a->closing || s->busy || !it)
		return;
	int64_t now = clock_wall_us();
	if (it->next_us > now) {
		s->timer.data = s;
		uv_timer_start(&s->timer, on_sink_timer, (uint64_t)((it->next_us - now + 999) / 1000), 0);
		return;
	}
	if (s->type == SINK_WEBHOOK)
		start_webhook(s, it);
	else
		start_exec(s, it);
}

static void push(struct sink *s, uint64_t id, const char *payload, uint32_t attempts, int64_t next_us)
{
	struct item *it = xcalloc(1, sizeof *it);
	it->id = id;
	it->payload = xstrdup(payload);
	it->attempts = attempts;
	it->next_us = next_us;
	if (s->tail)
		s->tail->next = it;
	else
		s->head = it;
	s->tail = it;
	s->st.pending++;
}

static struct sink *find_sink(struct alerter *a, const char *name)
{
	for (size_t i = 0; i < a->n_sinks; i++)
		if (!strcmp(a->sinks[i].name, name))
			return &a->sinks[i];
	return NULL;
}

static int load_pending(void *arg, const struct alert_pending *p)
{
	struct alerter *a = arg;
	struct sink *s = find_sink(a, p->sink);
	if (!s) {
		log_warn("alert outbox: alert %" PRIu64 " is for '%s', which is not configured now; "
			 "it stays in the outbox",
			 p->id, p->sink);
		return 0;
	}
	push(s, p->id, p->payload, p->attempts, p->next_us);
	return 0;
}

int alert_notify(struct alerter *a, enum alert_kind kind, const struct serve_event *e, int64_t now_us)
{
	struct buf with_text = {0}, without = {0}; /* made when a sink needs them */
	int first_err = 0;
	for (size_t i = 0; i < a->n_sinks; i++) {
		struct sink *s = &a->sinks[i];
		if (!(s->kinds & ALERT_KIND_BIT(kind)))
			continue;
		struct buf *payload = s->no_text ? &without : &with_text;
		if (!payload->p)
			alert_payload(payload, kind, e, a->dashboard_url, now_us, !s->no_text);
		uint64_t id = 0;
		int rc = a->ob.enqueue(a->ob.ctx, s->name, payload->p, now_us, &id);
		if (rc < 0) {
			log_error("alert outbox: cannot store the %s alert of event %" PRIu64 " for %s: %s; "
				  "trying from memory only",
				  alert_kind_name(kind), e->id, s->name, err_str(rc));
			if (!first_err)
				first_err = rc;
			id = 0;
		}
		push(s, id, payload->p, 0, 0);
		s->st.queued++;
		kick(s);
	}
	buf_free(&with_text);
	buf_free(&without);
	return first_err;
}

void alert_get_stats(const struct alerter *a, struct alert_stats *out)
{
	*out = (struct alert_stats){0};
	for (size_t i = 0; i < a->n_sinks; i++) {
		const struct alert_stats *st = &a->sinks[i].st;
		out->queued += st->queued;
		out->delivered += st->delivered;
		out->failed_attempts += st->failed_attempts;
		out->pending += st->pending;
	}
}

int alert_each_sink(const struct alerter *a, serve_alert_sink_emit emit, void *arg)
{
	for (size_t i = 0; i < a->n_sinks; i++) {
		const struct sink *s = &a->sinks[i];
		struct serve_alert_sink ss = {s->name, s->st.queued, s->st.delivered, s->st.failed_attempts,
					      s->st.pending};
		int rc = emit(arg, &ss);
		if (rc)
			return rc;
	}
	return 0;
}

static int add_sink(struct alerter *a, enum sink_type type, const char *name, unsigned timeout_ms,
		    unsigned kinds, char *err, size_t errlen)
{
	if (!name || !*name) {
		snprintf(err, errlen, "alert hook #%zu: has no name", a->n_sinks + 1);
		return ERR_INVAL;
	}
	char *full = xasprintf("%s:%s", type == SINK_WEBHOOK ? "webhook" : "exec", name);
	if (kinds & ~ALERT_KINDS_ALL) {
		snprintf(err, errlen, "alert hook '%s': unknown alert kinds in the mask 0x%x", full, kinds);
		free(full);
		return ERR_INVAL;
	}
	if (find_sink(a, full)) {
		snprintf(err, errlen, "alert hook '%s': the name is used twice", full);
		free(full);
		return ERR_INVAL;
	}
	struct sink *s = &a->sinks[a->n_sinks++];
	s->a = a;
	s->type = type;
	s->name = full;
	s->timeout_ms = timeout_ms ? timeout_ms : 10000;
	s->kinds = kinds ? kinds : ALERT_KINDS_ALL;
	uv_timer_init(a->loop, &s->timer);
	s->timer.data = s;
	a->open_handles++;
	return 0;
}

static bool header_name_ok(const char *n)
{
	if (!n || !*n)
		return false;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && *n != '-' && *n != '_')
			return false;
	return true;
}

/* The sink's request headers: Content-Type (unless the hook sets its own),
 * then the hook's, in order. curl sends "Name;" as an empty header. */
static int webhook_headers(struct sink *s, const struct alert_webhook *w, char *err, size_t errlen)
{
	bool own_type = false;
	struct curl_slist *l = NULL, *grown;
	for (size_t i = 0; i < w->n_headers; i++)
		own_type |= w->headers[i].name && !strcasecmp(w->headers[i].name, "Content-Type");
	if (!own_type && !(l = curl_slist_append(NULL, "Content-Type: application/json")))
		goto nomem;
	for (size_t i = 0; i < w->n_headers; i++) {
		const struct alert_header *h = &w->headers[i];
		if (!header_name_ok(h->name) || !h->value || strpbrk(h->value, "\r\n")) {
			snprintf(err, errlen, "webhook '%s': header '%s' has a bad name or a line break in its value",
				 w->name, h->name ? h->name : "");
			curl_slist_free_all(l);
			return ERR_INVAL;
		}
		char *line = *h->value ? xasprintf("%s: %s", h->name, h->value) : xasprintf("%s;", h->name);
		grown = curl_slist_append(l, line);
		free(line);
		if (!grown)
			goto nomem;
		l = grown;
	}
	s->headers = l;
	return 0;
nomem:
	curl_slist_free_all(l);
	snprintf(err, errlen, "webhook '%s': out of memory for its headers", w->name);
	return ERR_NOMEM;
}

int alert_new(uv_loop_t *loop, const struct alert_config *cfg, const struct alert_outbox *outbox,
	      struct alerter **out, char *err, size_t errlen)
{
	struct alerter *a = xcalloc(1, sizeof *a);
	int rc = 0;
	*out = NULL;
	a->loop = loop;
	a->ob = *outbox;
	a->base_us = cfg->backoff_base_us > 0 ? cfg->backoff_base_us : 5 * USEC_PER_SEC;
	a->max_us = cfg->backoff_max_us > 0 ? cfg->backoff_max_us : 3600 * USEC_PER_SEC;
	if (a->max_us < a->base_us)
		a->max_us = a->base_us;
	a->dashboard_url = cfg->dashboard_url ? xstrdup(cfg->dashboard_url) : NULL;
	a->sinks = xcalloc(cfg->n_webhooks + cfg->n_execs + 1, sizeof *a->sinks);
	uv_timer_init(loop, &a->curl_timer);
	a->curl_timer.data = a;
	a->open_handles = 1;
	a->multi = curl_multi_init();
	if (!a->multi) {
		snprintf(err, errlen, "curl_multi_init failed");
		rc = ERR_SYS;
		goto fail;
	}
	curl_multi_setopt(a->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
	curl_multi_setopt(a->multi, CURLMOPT_SOCKETDATA, a);
	curl_multi_setopt(a->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(a->multi, CURLMOPT_TIMERDATA, a);
	for (size_t i = 0; i < cfg->n_webhooks; i++) {
		const struct alert_webhook *w = &cfg->webhooks[i];
		if (!w->url || (strncmp(w->url, "http://", 7) && strncmp(w->url, "https://", 8))) {
			snprintf(err, errlen, "webhook '%s': url must start with http:// or https://",
				 w->name ? w->name : "?");
			rc = ERR_INVAL;
			goto fail;
		}
		if ((rc = add_sink(a, SINK_WEBHOOK, w->name, w->timeout_ms, w->kinds, err, errlen)) < 0)
			goto fail;
		struct sink *s = &a->sinks[a->n_sinks - 1];
		s->url = xstrdup(w->url);
		s->no_text = w->no_text;
		if ((rc = webhook_headers(s, w, err, errlen)) < 0)
			goto fail;
	}
	for (size_t i = 0; i < cfg->n_execs; i++) {
		const struct alert_exec *x = &cfg->execs[i];
		if (!x->argv || !x->argv[0] || !*x->argv[0]) {
			snprintf(err, errlen, "exec hook '%s': no program to run", x->name ? x->name : "?");
			rc = ERR_INVAL;
			goto fail;
		}
		if ((rc = add_sink(a, SINK_EXEC, x->name, x->timeout_ms, x->kinds, err, errlen)) < 0)
			goto fail;
		size_t n = 0;
		while (x->argv[n])
			n++;
		struct sink *s = &a->sinks[a->n_sinks - 1];
		s->argv = xcalloc(n + 1, sizeof *s->argv);
		for (size_t k = 0; k < n; k++)
			s->argv[k] = xstrdup(x->argv[k]);
	}
	if (a->ob.list_pending && (rc = a->ob.list_pending(a->ob.ctx, load_pending, a)) < 0) {
		snprintf(err, errlen, "alert outbox: cannot list pending alerts: %s", err_str(rc));
		goto fail;
	}
	struct alert_stats st;
	alert_get_stats(a, &st);
	if (st.pending)
		log_info("alert outbox: %zu alert(s) still to deliver", st.pending);
	for (size_t i = 0; i < a->n_sinks; i++)
		kick(&a->sinks[i]);
	*out = a;
	return 0;
fail:
	alert_free(a);
	return rc;
}

void alert_free(struct alerter *a)
{
	if (!a || a->closing)
		return;
	a->closing = true;
	for (size_t i = 0; i < a->n_sinks; i++) {
		struct sink *s = &a->sinks[i];
		struct attempt *t = s->busy;
		s->busy = NULL;
		if (t && s->type == SINK_WEBHOOK) {
			curl_multi_remove_handle(a->multi, t->easy);
			curl_easy_cleanup(t->easy);
			free(t);
		} else if (t) {
			/* the hook is killed; its handles close and free the attempt */
			t->reported = true;
			if (t->spawned && !t->exited) {
				kill(-t->proc.pid, SIGKILL);
				uv_process_kill(&t->proc, SIGKILL);
				exec_close(t, (uv_handle_t *)&t->proc);
			}
			exec_close(t, (uv_handle_t *)&t->in);
			exec_close(t, (uv_handle_t *)&t->timer);
		}
		close_handle(a, (uv_handle_t *)&s->timer);
	}
	if (a->multi)
		curl_multi_cleanup(a->multi);
	a->multi = NULL;
	close_handle(a, (uv_handle_t *)&a->curl_timer);
}
