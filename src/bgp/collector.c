#include "bgp/collector.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp.h"
#include "bgp/mrt.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"

#define OPEN_HOLD_S 240 /* RFC 4271 8.2.2: a large hold time until OPEN arrives */
#define READ_RESERVE (2 * BGP_MAX_LEN)

struct cpeer;

/* One TCP connection; a stranger's has no peer. */
struct session {
	struct collector *c;
	struct cpeer *peer;
	uv_tcp_t tcp;
	uv_connect_t connect;
	bool outbound, connected, closing, close_after_write;
	unsigned pending_writes;
	struct buf in;
	struct addr local_ip, remote_ip;
};

struct cpeer {
	struct collector *c;
	size_t index;
	struct collector_peer_config cfg;
	enum collector_fsm state;
	struct session *s; /* the current session, or NULL */
	uv_timer_t hold, keepalive, retry;
	uv_timer_t partial; /* runs while a message is partly received */
	uint16_t hold_time; /* negotiated, seconds */
	struct bgp_opts opts;
	struct mrt_session mrt; /* addresses and ASNs for MRT records */
	struct collector_counts counts;
};

struct collector {
	uv_loop_t *loop;
	struct collector_config cfg;
	struct collector_peer_config *peer_cfg; /* owned copy */
	struct cpeer *peers;
	uv_tcp_t listener;
	bool listening;
	/* MRT file, double-buffered: one write in flight, the next one filling */
	uv_file fd;
	bool have_file, writing;
	struct buf pending, inflight;
	uv_fs_t write_req;
	uint64_t mrt_dropped;     /* messages not written: the file fell MRT_PENDING_MAX behind */
	int64_t mrt_drop_log_us;  /* monotonic: last time that was logged */
	/* connections from unconfigured addresses: the first logged, then at most
	 * one line a minute saying how many more */
	uint64_t refused_quiet;
	int64_t refuse_log_us;
	/* stopping */
	bool stopping, done_called;
	void (*done)(void *);
	void *done_arg;
	unsigned open_handles;
	uint8_t merge[BGP_MERGE_BUF];
};

struct wreq {
	uv_write_t req;
	struct session *s;
	uint8_t data[];
};

static void maybe_done(struct collector *c);
static void session_close(struct session *s, const char *reason);

const char *collector_fsm_name(enum collector_fsm s)
{
	switch (s) {
	case COLLECTOR_IDLE:
		return "Idle";
	case COLLECTOR_CONNECT:
		return "Connect";
	case COLLECTOR_ACTIVE:
		return "Active";
	case COLLECTOR_OPENSENT:
		return "OpenSent";
	case COLLECTOR_OPENCONFIRM:
		return "OpenConfirm";
	case COLLECTOR_ESTABLISHED:
		return "Established";
	}
	return "Unknown";
}

/* ---- the MRT file ---- */

static void mrt_flush(struct collector *c);

static void on_mrt_written(uv_fs_t *req)
{
	struct collector *c = req->data;
	if (req->result < 0)
		log_error("MRT file: write failed: %s", uv_strerror((int)req->result));
	uv_fs_req_cleanup(req);
	buf_reset(&c->inflight);
	c->writing = false;
	mrt_flush(c);
	maybe_done(c);
}

#define MRT_PENDING_MAX (64u << 20) /* bytes waiting for the disk before messages are dropped */
#define LOG_EVERY_US (60 * INT64_C(1000000))

/* Room in the MRT buffer for one more record? A disk slower than the peers
 * must not grow memory without bound: past MRT_PENDING_MAX, messages are not
 * written to the file (counted, logged once a minute); the collector itself
 * goes on. */
static bool mrt_room(struct collector *c)
{
	if (c->pending.len < MRT_PENDING_MAX)
		return true;
	c->mrt_dropped++;
	int64_t now = clock_mono_us();
	if (c->mrt_drop_log_us == 0 || now - c->mrt_drop_log_us >= LOG_EVERY_US) {
		log_error("MRT file: the disk is too slow: %llu message(s) not written so far (%u MiB waiting)",
			  (unsigned long long)c->mrt_dropped, MRT_PENDING_MAX >> 20);
		c->mrt_drop_log_us = now;
	}
	return false;
}

static void mrt_flush(struct collector *c)
{
	if (!c->have_file || c->writing || c->pending.len == 0)
		return;
	struct buf t = c->inflight;
	c->inflight = c->pending;
	c->pending = t;
	c->writing = true;
	c->write_req.data = c;
	uv_buf_t b = uv_buf_init(c->inflight.p, (unsigned)c->inflight.len);
	int rc = uv_fs_write(c->loop, &c->write_req, c->fd, &b, 1, -1, on_mrt_written);
	if (rc < 0) {
		log_error("MRT file: write failed: %s", uv_strerror(rc));
		c->writing = false;
		buf_reset(&c->inflight);
	}
}

/* ---- peers' state ---- */

static void emit_peer(struct cpeer *p, enum vis_kind kind, int64_t now)
{
	struct collector *c = p->c;
	if (!c->cfg.on_route)
		return;
	struct vis_event e = {.time_us = now, .kind = kind};
	e.peer.ip = p->cfg.ip;
	e.peer.asn = p->cfg.asn;
	c->cfg.on_route(c->cfg.ctx, &e);
}

static void set_state(struct cpeer *p, enum collector_fsm to, const char *reason)
{
	struct collector *c = p->c;
	enum collector_fsm from = p->state;
	if (from == to)
		return;
	p->state = to;
	int64_t now = clock_wall_us();
	if (c->have_file && mrt_room(c)) {
		mrt_write_state(&c->pending, now, &p->mrt, (uint16_t)from, (uint16_t)to);
		mrt_flush(c);
	}
	if (from == COLLECTOR_ESTABLISHED)
		emit_peer(p, VIS_PEER_DOWN, now);
	if (to == COLLECTOR_ESTABLISHED) {
		p->counts.sessions++;
		emit_peer(p, VIS_PEER_UP, now);
	}
	if (c->cfg.on_state) {
		struct collector_state_change sc = {p->index, &p->cfg.ip, p->cfg.asn, from, to,
						    reason ? reason : "", now};
		c->cfg.on_state(c->cfg.ctx, &sc);
	}
}

static void start_timer(uv_timer_t *t, uv_timer_cb cb, unsigned seconds, bool repeat)
{
	uint64_t ms = (uint64_t)seconds * 1000;
	uv_timer_start(t, cb, ms, repeat ? ms : 0);
}

static void on_retry(uv_timer_t *t);

/* After a session: Idle, then Active (and a connect later for peers with a port). */
static void peer_wait(struct cpeer *p, const char *reason)
{
	struct collector *c = p->c;
	uv_timer_stop(&p->hold);
	uv_timer_stop(&p->keepalive);
	uv_timer_stop(&p->partial);
	set_state(p, COLLECTOR_IDLE, reason);
	if (c->stopping)
		return;
	set_state(p, COLLECTOR_ACTIVE, "waiting for the peer");
	if (p->cfg.port)
		start_timer(&p->retry, on_retry, c->cfg.connect_retry, false);
}

/* ---- sessions ---- */

static void free_session(uv_handle_t *h)
{
	struct session *s = h->data;
	struct collector *c = s->c;
	buf_free(&s->in);
	free(s);
	c->open_handles--;
	maybe_done(c);
}

static struct session *session_new(struct collector *c)
{
	struct session *s = xcalloc(1, sizeof *s);
	s->c = c;
	uv_tcp_init(c->loop, &s->tcp);
	s->tcp.data = s;
	s->connect.data = s;
	c->open_handles++;
	return s;
}

static void close_socket(struct session *s)
{
	if (uv_is_closing((uv_handle_t *)&s->tcp))
		return;
	uv_read_stop((uv_stream_t *)&s->tcp);
	uv_close((uv_handle_t *)&s->tcp, free_session);
}

/* Detaches s from its peer (which goes back to waiting). */
static void detach(struct session *s, const char *reason)
{
	s->closing = true;
	struct cpeer *p = s->peer;
	if (p && p->s == s) {
		p->s = NULL;
		peer_wait(p, reason);
	}
}

static void session_close(struct session *s, const char *reason)
{
	if (s->closing && uv_is_closing((uv_handle_t *)&s->tcp))
		return;
	detach(s, reason);
	close_socket(s);
}

static void on_written(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct session *s = w->s;
	free(w);
	s->pending_writes--;
	if (status < 0 && !s->closing) {
		char why[96];
		snprintf(why, sizeof why, "write failed: %s", uv_strerror(status));
		session_close(s, why);
		return;
	}
	if (s->close_after_write && s->pending_writes == 0)
		close_socket(s);
}

static void send_bytes(struct session *s, const uint8_t *p, size_t n)
{
	if (uv_is_closing((uv_handle_t *)&s->tcp))
		return;
	struct wreq *w = xmalloc(sizeof *w + n);
	memcpy(w->data, p, n);
	w->s = s;
	uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)n);
	s->pending_writes++;
	int rc = uv_write(&w->req, (uv_stream_t *)&s->tcp, &b, 1, on_written);
	if (rc < 0) {
		free(w);
		s->pending_writes--;
		session_close(s, "write failed");
	}
}

/* Sends a NOTIFICATION, detaches, and closes the socket once it is written. */
static void notify_and_close(struct session *s, uint8_t code, uint8_t sub, const uint8_t *data,
			     size_t len, const char *reason)
{
	uint8_t msg[BGP_HEADER_LEN + 2 + 64];
	int n = bgp_build_notification(msg, sizeof msg, code, sub, data, len > 64 ? 64 : len);
	detach(s, reason);
	if (n > 0)
		send_bytes(s, msg, (size_t)n);
	s->close_after_write = true;
	if (s->pending_writes == 0)
		close_socket(s);
}

static void send_open(struct session *s)
{
	struct collector *c = s->c;
	struct bgp_open_params op = {.asn = c->cfg.asn,
				     .hold_time = c->cfg.hold_time,
				     .ipv4_unicast = true,
				     .ipv6_unicast = true,
				     .addpath_receive = c->cfg.addpath_receive,
				     .route_refresh = false};
	memcpy(op.bgp_id, c->cfg.router_id, 4);
	uint8_t msg[128];
	int n = bgp_build_open(msg, sizeof msg, &op);
	if (n > 0)
		send_bytes(s, msg, (size_t)n);
}

static void send_keepalive(struct session *s)
{
	uint8_t msg[BGP_HEADER_LEN];
	if (bgp_build_keepalive(msg, sizeof msg) > 0)
		send_bytes(s, msg, sizeof msg);
}

static void on_hold(uv_timer_t *t)
{
	struct cpeer *p = t->data;
	if (p->s)
		notify_and_close(p->s, BGP_ERR_HOLD_TIMER, 0, NULL, 0, "hold timer expired");
}

static void on_partial(uv_timer_t *t)
{
	struct cpeer *p = t->data;
	if (!p->s || p->s->closing)
		return;
	char why[160];
	snprintf(why, sizeof why,
		 "stopped mid-message: %zu bytes of a message, the rest not received within %u s; "
		 "NOTIFICATION 4/0 sent",
		 p->s->in.len, (unsigned)p->c->cfg.message_timeout);
	notify_and_close(p->s, BGP_ERR_HOLD_TIMER, 0, NULL, 0, why);
}

/* After a read: a message begun and not complete must complete within
 * message_timeout; progress (a complete message) restarts the count. */
static void watch_partial(struct cpeer *p, size_t leftover, bool progressed)
{
	if (!leftover)
		uv_timer_stop(&p->partial);
	else if (progressed || !uv_is_active((uv_handle_t *)&p->partial))
		start_timer(&p->partial, on_partial, p->c->cfg.message_timeout, false);
}

static void on_keepalive(uv_timer_t *t)
{
	struct cpeer *p = t->data;
	if (p->s && !p->s->closing)
		send_keepalive(p->s);
}

static void restart_hold(struct cpeer *p)
{
	if (p->hold_time)
		start_timer(&p->hold, on_hold, p->hold_time, false);
}

/* Addresses as MRT records want them: same family, IPv4-mapped as IPv4. */
static void unmap(struct addr *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (a->family == AF_INET6 && !memcmp(a->bytes, mapped, 12)) {
		memmove(a->bytes, a->bytes + 12, 4);
		memset(a->bytes + 4, 0, 12);
		a->family = AF_INET;
	}
}

static void session_addresses(struct session *s)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	if (!uv_tcp_getpeername(&s->tcp, (struct sockaddr *)&ss, &len) &&
	    !addr_from_sockaddr((struct sockaddr *)&ss, &s->remote_ip, NULL))
		unmap(&s->remote_ip);
	len = sizeof ss;
	if (!uv_tcp_getsockname(&s->tcp, (struct sockaddr *)&ss, &len) &&
	    !addr_from_sockaddr((struct sockaddr *)&ss, &s->local_ip, NULL))
		unmap(&s->local_ip);
}

/* ---- messages ---- */

struct route_ctx {
	struct cpeer *p;
	int64_t now;
	uint32_t origin;
};

static void emit_block(struct route_ctx *rc, const struct bgp_nlri_block *b, enum vis_kind kind)
{
	struct collector *c = rc->p->c;
	struct bgp_nlri_iter it;
	struct bgp_nlri n;
	bgp_nlri_iter_init(&it, b);
	while (bgp_nlri_next(&it, &n) > 0) {
		if (kind == VIS_ANNOUNCE)
			rc->p->counts.announced++;
		else
			rc->p->counts.withdrawn++;
		if (!c->cfg.on_route)
			continue;
		struct vis_event e = {.time_us = rc->now, .kind = kind, .prefix = n.prefix,
				      .path_id = n.path_id, .origin_as = rc->origin};
		e.peer.ip = rc->p->cfg.ip;
		e.peer.asn = rc->p->cfg.asn;
		c->cfg.on_route(c->cfg.ctx, &e);
	}
}

static bool unicast(uint16_t afi, uint8_t safi)
{
	return (afi == BGP_AFI_IPV4 || afi == BGP_AFI_IPV6) &&
	       (safi == BGP_SAFI_UNICAST || safi == BGP_SAFI_BOTH);
}

static void handle_update(struct cpeer *p, const struct bgp_update *u, int64_t now)
{
	struct collector *c = p->c;
	const struct bgp_attrs *a = &u->attrs;
	struct bgp_effective eff;
	bgp_attrs_effective(a, c->merge, sizeof c->merge, &eff);
	struct route_ctx rc = {p, now, bgp_aspath_origin(&eff.path)};
	p->counts.updates++;
	emit_block(&rc, &u->withdrawn, VIS_WITHDRAW);
	if (bgp_has(a, BGP_ATTR_MP_UNREACH) && unicast(a->mp_unreach.afi, a->mp_unreach.safi))
		emit_block(&rc, &a->mp_unreach.nlri, VIS_WITHDRAW);
	emit_block(&rc, &u->nlri, VIS_ANNOUNCE);
	if (bgp_has(a, BGP_ATTR_MP_REACH) && unicast(a->mp_reach.afi, a->mp_reach.safi))
		emit_block(&rc, &a->mp_reach.nlri, VIS_ANNOUNCE);
}

static void handle_open(struct session *s, const struct bgp_open *o)
{
	struct cpeer *p = s->peer;
	struct collector *c = s->c;
	char why[128];
	if (o->version != 4) {
		static const uint8_t v4[2] = {0, 4};
		snprintf(why, sizeof why, "OPEN with BGP version %u", o->version);
		notify_and_close(s, BGP_ERR_OPEN, 1, v4, 2, why);
		return;
	}
	uint32_t asn = bgp_open_asn(o);
	if (asn != p->cfg.asn) {
		snprintf(why, sizeof why, "OPEN from AS%u, configured AS%u", asn, p->cfg.asn);
		notify_and_close(s, BGP_ERR_OPEN, 2, NULL, 0, why);
		return;
	}
	if (o->hold_time == 1 || o->hold_time == 2) {
		snprintf(why, sizeof why, "OPEN with hold time %u", o->hold_time);
		notify_and_close(s, BGP_ERR_OPEN, 6, NULL, 0, why);
		return;
	}
	if (!memcmp(o->bgp_id, "\0\0\0\0", 4)) {
		notify_and_close(s, BGP_ERR_OPEN, 3, NULL, 0, "OPEN with BGP identifier 0.0.0.0");
		return;
	}
	p->hold_time = o->hold_time < c->cfg.hold_time ? o->hold_time : c->cfg.hold_time;
	p->opts.as4 = o->has_as4;
	p->opts.addpath = 0;
	p->opts.extended = false;
	p->opts.mrt_rib = false;
	if (c->cfg.addpath_receive)
		for (unsigned i = 0; i < o->n_addpath; i++)
			if (o->addpath[i].safi == BGP_SAFI_UNICAST && (o->addpath[i].mode & 2) &&
			    (o->addpath[i].afi == BGP_AFI_IPV4 || o->addpath[i].afi == BGP_AFI_IPV6))
				p->opts.addpath |= (uint8_t)(1u << o->addpath[i].afi);
	send_keepalive(s);
	if (s->closing)
		return;
	uv_timer_stop(&p->hold);
	restart_hold(p);
	if (p->hold_time)
		start_timer(&p->keepalive, on_keepalive, p->hold_time / 3 ? p->hold_time / 3 : 1,
			    true);
	snprintf(why, sizeof why, "OPEN received: AS%u, hold time %u s%s%s", asn, p->hold_time,
		 o->has_as4 ? ", 4-byte ASNs" : "", p->opts.addpath ? ", add-path" : "");
	set_state(p, COLLECTOR_OPENCONFIRM, why);
}

/* A message the state does not expect: FSM error (RFC 6608 subcodes). */
static void unexpected(struct session *s, uint8_t type, uint8_t subcode)
{
	char why[96];
	snprintf(why, sizeof why, "%s received in %s", bgp_msg_type_name(type),
		 collector_fsm_name(s->peer->state));
	notify_and_close(s, BGP_ERR_FSM, subcode, NULL, 0, why);
}

static void handle_message(struct session *s, const uint8_t *raw, size_t n)
{
	struct cpeer *p = s->peer;
	struct collector *c = s->c;
	int64_t now = clock_wall_us();
	p->counts.messages++;
	if (c->have_file && mrt_room(c)) {
		mrt_write_message(&c->pending, now, &p->mrt, p->opts.addpath != 0, raw, n);
		mrt_flush(c);
	}
	struct bgp_msg m;
	struct bgp_error e;
	char why[192];
	if (bgp_msg_parse(raw, n, &p->opts, &m, &e)) {
		snprintf(why, sizeof why, "malformed %s at byte %u: %s; NOTIFICATION %u/%u sent",
			 bgp_msg_type_name(raw[18]), e.offset, e.msg, e.code ? e.code : 1, e.subcode);
		uint8_t data[2] = {raw[16], raw[17]}; /* the length, for Bad Message Length */
		bool len_err = e.code == BGP_ERR_HEADER && e.subcode == 2;
		notify_and_close(s, e.code ? e.code : BGP_ERR_HEADER, e.subcode, len_err ? data : NULL,
				 len_err ? 2 : 0, why);
		return;
	}
	if (m.type == BGP_MSG_NOTIFICATION) {
		snprintf(why, sizeof why, "NOTIFICATION received: %u/%u (%s)", m.u.notification.code,
			 m.u.notification.subcode, bgp_notify_name(m.u.notification.code));
		session_close(s, why);
		return;
	}
	switch (p->state) {
	case COLLECTOR_OPENSENT:
		if (m.type == BGP_MSG_OPEN)
			handle_open(s, &m.u.open);
		else
			unexpected(s, m.type, 1);
		return;
	case COLLECTOR_OPENCONFIRM:
		if (m.type == BGP_MSG_KEEPALIVE) {
			restart_hold(p);
			set_state(p, COLLECTOR_ESTABLISHED, "KEEPALIVE received");
		} else {
			unexpected(s, m.type, 2);
		}
		return;
	case COLLECTOR_ESTABLISHED:
		if (m.type == BGP_MSG_UPDATE) {
			restart_hold(p);
			handle_update(p, &m.u.update, now);
		} else if (m.type == BGP_MSG_KEEPALIVE) {
			restart_hold(p);
		} else if (m.type == BGP_MSG_OPEN) {
			unexpected(s, m.type, 3);
		}
		/* ROUTE-REFRESH: we announce nothing, so there is nothing to resend */
		return;
	default:
		return;
	}
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct session *s = h->data;
	buf_reserve(&s->in, READ_RESERVE);
	b->base = s->in.p + s->in.len;
	b->len = s->in.cap - s->in.len - 1;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b)
{
	struct session *s = st->data;
	if (nread == 0 || s->closing)
		return;
	if (nread < 0) {
		char why[96];
		snprintf(why, sizeof why, "%s",
			 nread == UV_EOF ? "connection closed by the peer" : uv_strerror((int)nread));
		session_close(s, why);
		return;
	}
	s->in.len += (size_t)nread;
	size_t off = 0;
	while (!s->closing) {
		struct bgp_error e = {0};
		int len = bgp_frame((const uint8_t *)s->in.p + off, s->in.len - off, false, &e);
		if (len < 0) {
			char why[160];
			snprintf(why, sizeof why, "bad message header: %s; NOTIFICATION %u/%u sent",
				 e.msg, e.code, e.subcode);
			const uint8_t *h = (const uint8_t *)s->in.p + off;
			uint8_t data[2] = {h[16], h[17]};
			notify_and_close(s, e.code, e.subcode, e.subcode == 2 ? data : NULL,
					 e.subcode == 2 ? 2 : 0, why);
			return;
		}
		if (len == 0)
			break;
		handle_message(s, (const uint8_t *)s->in.p + off, (size_t)len);
		off += (size_t)len;
	}
	if (s->closing)
		return;
	memmove(s->in.p, s->in.p + off, s->in.len - off);
	s->in.len -= off;
	if (s->peer && s->peer->s == s)
		watch_partial(s->peer, s->in.len, off > 0);
}

/* Attaches a connected session to its peer and sends our OPEN. */
static void start_session(struct cpeer *p, struct session *s)
{
	p->s = s;
	s->peer = p;
	s->connected = true;
	session_addresses(s);
	if (s->remote_ip.family == s->local_ip.family) {
		p->mrt.peer_ip = s->remote_ip;
		p->mrt.local_ip = s->local_ip;
	}
	p->opts = (struct bgp_opts){0};
	uv_timer_stop(&p->retry);
	uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read);
	send_open(s);
	if (s->closing)
		return;
	start_timer(&p->hold, on_hold, OPEN_HOLD_S, false);
	set_state(p, COLLECTOR_OPENSENT, s->outbound ? "connected, OPEN sent" : "accepted, OPEN sent");
}

static void on_connect(uv_connect_t *req, int status)
{
	struct session *s = req->data;
	if (s->closing)
		return;
	if (status < 0) {
		char why[96];
		snprintf(why, sizeof why, "connect failed: %s", uv_strerror(status));
		session_close(s, why);
		return;
	}
	start_session(s->peer, s);
}

static void on_retry(uv_timer_t *t)
{
	struct cpeer *p = t->data;
	struct collector *c = p->c;
	if (p->s || c->stopping || !p->cfg.port)
		return;
	struct session *s = session_new(c);
	s->outbound = true;
	s->peer = p;
	p->s = s;
	struct sockaddr_storage ss;
	addr_to_sockaddr(&p->cfg.ip, p->cfg.port, &ss);
	int rc = uv_tcp_connect(&s->connect, &s->tcp, (struct sockaddr *)&ss, on_connect);
	if (rc < 0) {
		char why[96];
		snprintf(why, sizeof why, "connect failed: %s", uv_strerror(rc));
		session_close(s, why);
		return;
	}
	set_state(p, COLLECTOR_CONNECT, "connecting");
}

static struct cpeer *find_peer(struct collector *c, const struct addr *a)
{
	for (size_t i = 0; i < c->cfg.n_peers; i++)
		if (!addr_cmp(&c->peers[i].cfg.ip, a))
			return &c->peers[i];
	return NULL;
}

static void on_connection(uv_stream_t *server, int status)
{
	struct collector *c = server->data;
	if (status < 0 || c->stopping)
		return;
	struct session *s = session_new(c);
	if (uv_accept(server, (uv_stream_t *)&s->tcp) < 0) {
		close_socket(s);
		return;
	}
	session_addresses(s);
	char ip[ADDR_STRLEN];
	addr_format(&s->remote_ip, ip, sizeof ip);
	struct cpeer *p = find_peer(c, &s->remote_ip);
	if (!p) {
		int64_t now = clock_mono_us();
		if (c->refuse_log_us == 0 || now - c->refuse_log_us >= LOG_EVERY_US) {
			if (c->refused_quiet)
				log_warn("BGP: refused a connection from %s: not a configured peer "
					 "(and %llu more from unconfigured addresses in the last minute)",
					 ip, (unsigned long long)c->refused_quiet);
			else
				log_warn("BGP: refused a connection from %s: not a configured peer", ip);
			c->refuse_log_us = now;
			c->refused_quiet = 0;
		} else {
			c->refused_quiet++;
		}
		s->closing = true;
		if (c->cfg.refuse_notify) {
			notify_and_close(s, BGP_ERR_CEASE, 5, NULL, 0, NULL);
		} else {
			close_socket(s);
		}
		return;
	}
	if (p->s) {
		if (p->state >= COLLECTOR_OPENCONFIRM) {
			log_warn("BGP: refused a second connection from %s: session in %s", ip,
				 collector_fsm_name(p->state));
			s->closing = true;
			notify_and_close(s, BGP_ERR_CEASE, 7, NULL, 0, NULL);
			return;
		}
		session_close(p->s, "replaced by a new connection from the peer");
	}
	start_session(p, s);
}

/* ---- start, stop ---- */

static void count_handle(struct collector *c, uv_handle_t *h, void *data)
{
	h->data = data;
	c->open_handles++;
}

/* A peer's timer closed. */
static void on_handle_closed(uv_handle_t *h)
{
	struct cpeer *p = h->data;
	p->c->open_handles--;
	maybe_done(p->c);
}

static void on_listener_closed(uv_handle_t *h)
{
	struct collector *c = h->data;
	c->open_handles--;
	maybe_done(c);
}

int collector_start(uv_loop_t *loop, const struct collector_config *cfg, struct collector **out,
		    char *err, size_t errlen)
{
	*out = NULL;
	if (!cfg->n_peers || !cfg->asn || (cfg->hold_time && cfg->hold_time < 3)) {
		snprintf(err, errlen, "collector: need peers, an ASN and a hold time of 0 or >= 3");
		return ERR_INVAL;
	}
	struct collector *c = xcalloc(1, sizeof *c);
	c->loop = loop;
	c->cfg = *cfg;
	if (!c->cfg.hold_time)
		c->cfg.hold_time = 90;
	if (!c->cfg.connect_retry)
		c->cfg.connect_retry = 5;
	if (!c->cfg.message_timeout)
		c->cfg.message_timeout = 30;
	c->peer_cfg = xcalloc(cfg->n_peers, sizeof *c->peer_cfg);
	memcpy(c->peer_cfg, cfg->peers, cfg->n_peers * sizeof *c->peer_cfg);
	c->cfg.peers = c->peer_cfg;
	c->cfg.mrt_path = NULL;
	if (cfg->mrt_path) {
		uv_fs_t req;
		int fd = uv_fs_open(NULL, &req, cfg->mrt_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
				    0644, NULL);
		uv_fs_req_cleanup(&req);
		if (fd < 0) {
			snprintf(err, errlen, "%s: cannot open: %s", cfg->mrt_path, uv_strerror(fd));
			free(c->peer_cfg);
			free(c);
			return ERR_IO;
		}
		c->fd = fd;
		c->have_file = true;
	}
	if (cfg->listen_port) {
		struct sockaddr_storage ss;
		addr_to_sockaddr(&cfg->listen_ip, cfg->listen_port, &ss);
		uv_tcp_init(loop, &c->listener);
		count_handle(c, (uv_handle_t *)&c->listener, c);
		int rc = uv_tcp_bind(&c->listener, (struct sockaddr *)&ss, 0);
		if (!rc)
			rc = uv_listen((uv_stream_t *)&c->listener, 16, on_connection);
		if (rc < 0) {
			char ip[ADDR_STRLEN];
			snprintf(err, errlen, "cannot listen on %s port %u: %s",
				 addr_format(&cfg->listen_ip, ip, sizeof ip), cfg->listen_port,
				 uv_strerror(rc));
			uv_close((uv_handle_t *)&c->listener, NULL);
			c->open_handles--;
			/* the handle must be closed by the loop before c is freed */
			uv_run(loop, UV_RUN_NOWAIT);
			if (c->have_file) {
				uv_fs_t req;
				uv_fs_close(NULL, &req, c->fd, NULL);
				uv_fs_req_cleanup(&req);
			}
			free(c->peer_cfg);
			free(c);
			return ERR_IO;
		}
		c->listening = true;
	}
	c->peers = xcalloc(cfg->n_peers, sizeof *c->peers);
	for (size_t i = 0; i < cfg->n_peers; i++) {
		struct cpeer *p = &c->peers[i];
		p->c = c;
		p->index = i;
		p->cfg = c->peer_cfg[i];
		p->state = COLLECTOR_IDLE;
		p->mrt.peer_ip = p->cfg.ip;
		memset(&p->mrt.local_ip, 0, sizeof p->mrt.local_ip);
		p->mrt.local_ip.family = p->cfg.ip.family;
		if (cfg->listen_ip.family == p->cfg.ip.family)
			p->mrt.local_ip = cfg->listen_ip;
		p->mrt.peer_as = p->cfg.asn;
		p->mrt.local_as = cfg->asn;
		uv_timer_init(loop, &p->hold);
		uv_timer_init(loop, &p->keepalive);
		uv_timer_init(loop, &p->retry);
		uv_timer_init(loop, &p->partial);
		count_handle(c, (uv_handle_t *)&p->partial, p);
		count_handle(c, (uv_handle_t *)&p->hold, p);
		count_handle(c, (uv_handle_t *)&p->keepalive, p);
		count_handle(c, (uv_handle_t *)&p->retry, p);
	}
	for (size_t i = 0; i < cfg->n_peers; i++) {
		struct cpeer *p = &c->peers[i];
		set_state(p, COLLECTOR_ACTIVE, "started, waiting for the peer");
		if (p->cfg.port)
			uv_timer_start(&p->retry, on_retry, 0, 0);
	}
	*out = c;
	return 0;
}

static void maybe_done(struct collector *c)
{
	if (!c->stopping || c->done_called || c->open_handles || c->writing)
		return;
	if (c->pending.len) {
		mrt_flush(c);
		return;
	}
	if (c->have_file) {
		uv_fs_t req;
		uv_fs_close(NULL, &req, c->fd, NULL);
		uv_fs_req_cleanup(&req);
		c->have_file = false;
	}
	c->done_called = true;
	if (c->done)
		c->done(c->done_arg);
}

void collector_stop(struct collector *c, void (*done)(void *), void *arg)
{
	if (c->stopping)
		return;
	c->stopping = true;
	c->done = done;
	c->done_arg = arg;
	if (c->listening)
		uv_close((uv_handle_t *)&c->listener, on_listener_closed);
	for (size_t i = 0; i < c->cfg.n_peers; i++) {
		struct cpeer *p = &c->peers[i];
		if (p->s) {
			if (p->s->connected && p->state >= COLLECTOR_OPENSENT)
				notify_and_close(p->s, BGP_ERR_CEASE, 2, NULL, 0,
						 "collector stopping: NOTIFICATION Cease sent");
			else
				session_close(p->s, "collector stopping");
		} else {
			set_state(p, COLLECTOR_IDLE, "collector stopping");
		}
		uv_close((uv_handle_t *)&p->hold, on_handle_closed);
		uv_close((uv_handle_t *)&p->keepalive, on_handle_closed);
		uv_close((uv_handle_t *)&p->retry, on_handle_closed);
		uv_close((uv_handle_t *)&p->partial, on_handle_closed);
	}
	mrt_flush(c);
	maybe_done(c);
}

void collector_free(struct collector *c)
{
	if (!c)
		return;
	buf_free(&c->pending);
	buf_free(&c->inflight);
	free(c->peers);
	free(c->peer_cfg);
	free(c);
}

enum collector_fsm collector_peer_state(const struct collector *c, size_t peer)
{
	return peer < c->cfg.n_peers ? c->peers[peer].state : COLLECTOR_IDLE;
}

void collector_peer_counts(const struct collector *c, size_t peer, struct collector_counts *out)
{
	if (peer < c->cfg.n_peers)
		*out = c->peers[peer].counts;
	else
		memset(out, 0, sizeof *out);
}
