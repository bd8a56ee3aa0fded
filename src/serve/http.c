/*
 * http.c - see http.h. The only file that talks to libmicrohttpd.
 */
#include "serve/http.h"

#include <inttypes.h>
#include <microhttpd.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/addr.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "serve/token.h"

/* One client connection, from MHD's "started" to its "closed" notification:
 * when its current request began to arrive, for the request deadline. */
struct conn {
	struct conn *prev, *next;
	struct MHD_Connection *con; /* borrowed from MHD */
	int fd;
	int64_t waiting_since_us; /* monotonic; 0 while a request is being answered */
	bool cut;                 /* shut down by the deadline sweep */
};

struct http_server {
	uv_loop_t *loop;     /* borrowed */
	struct MHD_Daemon *d; /* owned */
	uv_poll_t poll;      /* on MHD's epoll fd */
	uv_timer_t timer;    /* at MHD_get_timeout() */
	uv_timer_t sweep;    /* every second: the request deadline */
	struct conn *conns;  /* owned list of open connections */
	int64_t request_timeout_us;
	int open_handles;    /* uv handles not yet closed */
	bool stopping;
	http_handler_fn handler;
	void *arg;           /* borrowed */
	char *token;         /* owned copy, NULL when none */
	uint16_t port;
	char lastmsg[256];   /* MHD's last log line, for start-up errors */
};

static const char CSP[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
			  "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
			  "base-uri 'none'; form-action 'self'";

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	struct http_server *s = cls;
	vsnprintf(s->lastmsg, sizeof s->lastmsg, fmt, ap);
	size_t n = strlen(s->lastmsg);
	while (n && (s->lastmsg[n - 1] == '\n' || s->lastmsg[n - 1] == '\r'))
		s->lastmsg[--n] = '\0';
	log_debug("http: %s", s->lastmsg);
}

/* MHD hands us the raw URI before it unescapes the path: keep it, so paths
 * and queries are decoded once, by serve/query.c, with %2F kept apart from /. */
static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *con)
{
	return xstrdup(uri);
}

static struct conn *conn_of(struct MHD_Connection *con)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static void request_done(void *cls, struct MHD_Connection *con, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	free(*req_cls);
	*req_cls = NULL;
	struct conn *c = conn_of(con);
	if (c)
		c->waiting_since_us = clock_mono_us(); /* the next request's deadline starts */
}

static void on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;
	struct conn *c = *socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		c = xcalloc(1, sizeof *c);
		const union MHD_ConnectionInfo *fi = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
		c->con = con;
		c->fd = fi ? fi->connect_fd : -1;
		c->waiting_since_us = clock_mono_us();
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		*socket_context = c;
	} else if (c) {
		if (c->prev)
			c->prev->next = c->next;
		else
			s->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		free(c);
		*socket_context = NULL;
	}
}

/* Shuts down the sockets of clients whose request is late: MHD then reads
 * end-of-file and closes the connection itself (the fd stays MHD's). */
static void on_sweep(uv_timer_t *t)
{
	struct http_server *s = t->data;
	int64_t now = clock_mono_us();
	for (struct conn *c = s->conns; c; c = c->next) {
		if (c->cut || !c->waiting_since_us || now - c->waiting_since_us < s->request_timeout_us ||
		    c->fd < 0)
			continue;
		c->cut = true;
		char ip[ADDR_PORT_STRLEN] = "?";
		const union MHD_ConnectionInfo *ai = MHD_get_connection_info(c->con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		struct addr a;
		uint16_t port = 0;
		if (ai && !addr_from_sockaddr(ai->client_addr, &a, &port))
			addr_port_format(&a, port, ip, sizeof ip);
		log_warn("http: closed the connection of %s: no complete request within %" PRId64
			 " s (slow or idle client)", ip, s->request_timeout_us / 1000000);
		shutdown(c->fd, SHUT_RDWR);
	}
}

/* true if host (a Host header) names a loopback host: localhost, 127.x, [::1],
 * with an optional port. */
static bool host_is_loopback(const char *host)
{
	char h[ADDR_STRLEN + 8];
	size_t n;
	if (!host)
		return false;
	if (host[0] == '[') {
		const char *e = strchr(host, ']');
		if (!e || (e[1] && e[1] != ':'))
			return false;
		n = (size_t)(e - host - 1);
		if (n >= sizeof h)
			return false;
		memcpy(h, host + 1, n);
	} else {
		const char *c = strchr(host, ':');
		n = c ? (size_t)(c - host) : strlen(host);
		if (n >= sizeof h)
			return false;
		memcpy(h, host, n);
	}
	h[n] = '\0';
	if (!strcasecmp(h, "localhost"))
		return true;
	struct addr a;
	return addr_parse(h, &a) == 0 && addr_is_loopback(&a);
}

static enum MHD_Result send_simple(struct MHD_Connection *con, unsigned status, const char *msg)
{
	struct buf b = {0};
	buf_printf(&b, "{\"type\":\"error\",\"error\":{\"status\":%u,\"message\":", status);
	json_str(&b, msg);
	buf_puts(&b, "},\"data\":null}\n");
	size_t len = b.len;
	struct MHD_Response *r = MHD_create_response_from_buffer(len, buf_take(&b), MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"blackout\"");
	enum MHD_Result ret = MHD_queue_response(con, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct http_server *s = cls;
	const char *uri = *req_cls ? *req_cls : url;
	struct conn *c = conn_of(con);
	if (c)
		c->waiting_since_us = 0; /* the request is here: the deadline is met */

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return send_simple(con, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD are served");
	const char *clen = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	if ((clen && strcmp(clen, "0")) || te)
		return send_simple(con, MHD_HTTP_CONTENT_TOO_LARGE, "requests must not have a body");

	struct http_request req = {.method = method, .now_us = clock_wall_us()};
	if (s->token) {
		const char *auth = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
		req.authorized = auth && !strncasecmp(auth, "Bearer ", 7) && http_token_equal(auth + 7, s->token);
	} else {
		const char *host = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
		if (!host_is_loopback(host))
			return send_simple(con, MHD_HTTP_FORBIDDEN,
					   "the Host header must name a loopback host (localhost, 127.0.0.1, "
					   "[::1]); configure a token to serve other names");
		req.authorized = true;
	}
	const char *q = strchr(uri, '?');
	req.path = uri;
	req.path_len = q ? (size_t)(q - uri) : strlen(uri);
	req.query = q ? q + 1 : "";
	req.query_len = strlen(req.query);

	struct http_response resp = {.status = 200};
	s->handler(s->arg, &req, &resp);

	struct MHD_Response *r;
	if (resp.static_body) {
		buf_free(&resp.body);
		r = MHD_create_response_from_buffer(resp.static_len, (void *)resp.static_body,
						    MHD_RESPMEM_PERSISTENT);
	} else {
		size_t len = resp.body.len;
		r = MHD_create_response_from_buffer(len, buf_take(&resp.body), MHD_RESPMEM_MUST_FREE);
	}
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				resp.content_type ? resp.content_type : "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				resp.cache_control ? resp.cache_control : "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_SECURITY_POLICY, CSP);
	if (resp.status == 401)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"blackout\"");
	enum MHD_Result ret = MHD_queue_response(con, (unsigned)resp.status, r);
	MHD_destroy_response(r);
	return ret;
}

static void arm_timer(struct http_server *s);

static void run_mhd(struct http_server *s)
{
	if (s->stopping)
		return;
	MHD_run(s->d);
	arm_timer(s);
}

static void on_timer(uv_timer_t *t)
{
	run_mhd(t->data);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	run_mhd(p->data);
}

static void arm_timer(struct http_server *s)
{
	MHD_UNSIGNED_LONG_LONG ms;
	if (MHD_get_timeout(s->d, &ms) == MHD_YES)
		uv_timer_start(&s->timer, on_timer, (uint64_t)ms, 0);
	else
		uv_timer_stop(&s->timer);
}

static void free_server(struct http_server *s)
{
	free(s->token);
	free(s);
}

static void on_closed(uv_handle_t *h)
{
	struct http_server *s = h->data;
	if (--s->open_handles == 0)
		free_server(s);
}

int http_server_start(uv_loop_t *loop, const struct http_config *cfg, http_handler_fn handler,
		      void *arg, struct http_server **out, char *err, size_t errlen)
{
	struct http_server *s = xcalloc(1, sizeof *s);
	int rc = ERR_INVAL;
	const char *address = cfg->address && *cfg->address ? cfg->address : "127.0.0.1";
	bool has_token = cfg->token && *cfg->token;
	struct addr a;
	struct sockaddr_storage ss;
	*out = NULL;
	if (addr_parse(address, &a) != 0) {
		snprintf(err, errlen, "http listen address '%s': expected a literal IPv4 or IPv6 address", address);
		goto fail;
	}
	if (!addr_is_loopback(&a) && !has_token) {
		snprintf(err, errlen,
			 "http listen address '%s' is not loopback: refusing to serve the API there "
			 "without an access token (set one, or listen on 127.0.0.1)",
			 address);
		goto fail;
	}
	addr_to_sockaddr(&a, cfg->port, &ss);
	s->loop = loop;
	s->handler = handler;
	s->arg = arg;
	s->token = has_token ? xstrdup(cfg->token) : NULL;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (a.family == AF_INET6 ? MHD_USE_IPv6 : 0);
	s->d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(cfg->conn_timeout_s ? cfg->conn_timeout_s : 10),
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(cfg->conn_memory_limit ? cfg->conn_memory_limit : 32768),
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)(cfg->max_connections ? cfg->max_connections : 64),
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)(cfg->max_per_ip ? cfg->max_per_ip : 16),
		MHD_OPTION_URI_LOG_CALLBACK, uri_logger, s,
		MHD_OPTION_NOTIFY_COMPLETED, request_done, s,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s,
		MHD_OPTION_END);
	if (!s->d) {
		rc = ERR_IO;
		snprintf(err, errlen, "cannot listen on %s port %u: %s", address, cfg->port,
			 s->lastmsg[0] ? s->lastmsg : "libmicrohttpd refused to start");
		goto fail;
	}
	const union MHD_DaemonInfo *pi = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	const union MHD_DaemonInfo *ei = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (!pi || !ei) {
		rc = ERR_SYS;
		snprintf(err, errlen, "libmicrohttpd gave no port or epoll fd");
		goto fail;
	}
	s->port = pi->port;
	int r = uv_poll_init(loop, &s->poll, ei->epoll_fd);
	if (r < 0) {
		rc = ERR_SYS;
		snprintf(err, errlen, "uv_poll_init: %s", uv_strerror(r));
		goto fail;
	}
	uv_timer_init(loop, &s->timer);
	uv_timer_init(loop, &s->sweep);
	s->poll.data = s->timer.data = s->sweep.data = s;
	s->open_handles = 3;
	s->request_timeout_us = (int64_t)(cfg->request_timeout_s ? cfg->request_timeout_s : 10) * 1000000;
	uv_poll_start(&s->poll, UV_READABLE, on_poll);
	uv_timer_start(&s->sweep, on_sweep, 1000, 1000);
	arm_timer(s);
	*out = s;
	return 0;
fail:
	if (s->d)
		MHD_stop_daemon(s->d);
	free_server(s);
	return rc;
}

uint16_t http_server_port(const struct http_server *s)
{
	return s->port;
}

void http_server_stop(struct http_server *s)
{
	if (!s || s->stopping)
		return;
	s->stopping = true;
	uv_poll_stop(&s->poll);
	uv_timer_stop(&s->timer);
	uv_timer_stop(&s->sweep);
	MHD_stop_daemon(s->d); /* notifies every connection closed: s->conns empties */
	s->d = NULL;
	uv_close((uv_handle_t *)&s->poll, on_closed);
	uv_close((uv_handle_t *)&s->timer, on_closed);
	uv_close((uv_handle_t *)&s->sweep, on_closed);
}
