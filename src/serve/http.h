/*
 * http.h - the embedded HTTP server: libmicrohttpd driven by blackout's libuv loop.
 *
 * MHD runs in "external select" mode with its own epoll set: one uv_poll waits
 * on MHD's epoll fd and one uv_timer fires at MHD_get_timeout(); both call
 * MHD_run(), which never blocks. So request handlers run on the loop thread,
 * between probes, and need no locks. MHD owns the sockets and the parsing;
 * this module owns the policy:
 *
 *   - where it listens: 127.0.0.1 by default. Any address that is not
 *     loopback is refused unless a bearer token is configured;
 *   - who may read: with a token, every request carries
 *     "Authorization: Bearer TOKEN" (compared in constant time over SHA-256
 *     digests) or is marked unauthorized for the handler to refuse (the
 *     dashboard's static files stay public, the data does not). Without a
 *     token (loopback only), the Host header must name a loopback host, so a
 *     web page elsewhere cannot read the API through DNS rebinding;
 *   - how much a client can take: connection count (total and per IP), an
 *     inactivity timeout, a per-connection memory limit that bounds the
 *     request line and headers (a longer URL gets 414, longer headers 431),
 *     and a request deadline: the request line and headers must be complete
 *     within request_timeout_s of the connection opening or of the previous
 *     response, else the socket is shut down (a client that trickles header
 *     bytes resets the inactivity timeout, not this one). Only GET and HEAD
 *     are served, request bodies are refused, so a huge or slow client cannot
 *     hurt the watcher.
 *
 * The handler fills a struct http_response; the server sends it and frees it.
 *
 * State: started (http_server_start) -> stopping (http_server_stop closes the
 * listening socket and every connection at once, then the uv handles) -> freed
 * in the last close callback. If http_server_start fails nothing is left behind.
 */
#ifndef BLACKOUT_SERVE_HTTP_H
#define BLACKOUT_SERVE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/buf.h"
#include "core/err.h"

struct http_request {
	const char *method; /* borrowed: "GET" or "HEAD" (others never reach the handler) */
	const char *path;   /* borrowed: the raw path, still percent-encoded, no query */
	size_t path_len;
	const char *query;  /* borrowed: the raw query without '?', "" if none */
	size_t query_len;
	bool authorized;    /* no token configured, or the right token was sent */
	int64_t now_us;     /* wall clock when the request arrived */
};

struct http_response {
	int status;               /* 200 unless set */
	const char *content_type; /* static string; NULL = application/json */
	const char *cache_control; /* static string or NULL ("no-store" by default) */
	struct buf body;          /* the body, unless static_body is set; freed by the server */
	const void *static_body;  /* borrowed for the life of the program (embedded assets) */
	size_t static_len;
};

/* Called once per request on the loop thread. resp arrives zeroed but for
 * status = 200. It must not block. */
typedef void (*http_handler_fn)(void *arg, const struct http_request *req, struct http_response *resp);

struct http_config {
	const char *address; /* borrowed: literal IPv4/IPv6 address; NULL = 127.0.0.1 */
	uint16_t port;       /* 0 = any free port (see http_server_port) */
	const char *token;   /* borrowed: bearer token, or NULL/"" for none (loopback only) */
	unsigned conn_timeout_s;  /* inactivity limit per connection; 0 = 10 s */
	unsigned request_timeout_s; /* request line + headers deadline; 0 = 10 s */
	size_t conn_memory_limit; /* bytes per connection for the request; 0 = 32 KiB */
	unsigned max_connections; /* 0 = 64 */
	unsigned max_per_ip;      /* 0 = 16 */
};

struct http_server;

/* Starts listening on loop. On success *out is the server (owned by the
 * caller until http_server_stop). On failure returns ERR_INVAL (bad address,
 * or a non-loopback address without a token), ERR_IO (cannot bind) or
 * ERR_SYS, with a sentence in err. arg is borrowed and passed to handler. */
int http_server_start(uv_loop_t *loop, const struct http_config *cfg, http_handler_fn handler,
		      void *arg, struct http_server **out, char *err, size_t errlen) MUSTCHECK;

/* The port actually bound (useful with port 0). */
uint16_t http_server_port(const struct http_server *s);

/* Closes the socket and every connection now; the struct is freed once libuv
 * has closed its handles (run the loop). NULL is a no-op. */
void http_server_stop(struct http_server *s);

#endif
