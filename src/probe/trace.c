/*
 * trace.c - the traceroute's I/O shell: raw sockets, one timer, two polls.
 * The decisions (what to send, when it is over, the hop list) are
 * trace_path.c's; the bytes are trace_wire.c's. See trace.h.
 */
#include "probe/trace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/mem.h"
#include "core/obs.h"
#include "probe/icmp_wire.h"
#include "probe/rawsock.h"

#define RX_LEN 1500 /* an IPv6 router quotes up to 1232 bytes */
#define RX_BATCH 64 /* packets read per readiness event */

struct trace {
	uv_loop_t *loop; /* borrowed */
	uv_timer_t timer;
	uv_poll_t icmp_poll, tcp_poll;
	bool icmp_polling, tcp_polling;
	int open_handles;
	int icmp_fd; /* raw ICMP: answers (and ICMP probes) */
	int send_fd; /* raw UDP/TCP: probes (TCP: also answers); -1 for ICMP */
	int resv_fd; /* holds the source port; -1 for ICMP */

	trace_done_cb cb;
	void *arg;
	char *target;            /* owned */
	struct prefix *prefixes; /* owned */
	size_t nprefixes;

	struct trace_flow flow;
	struct trace_path path;
	int64_t interval_us;
	int64_t last_send_us;
	bool finished;
	int early_outcome; /* >= 0: found in start (no route), reported from the loop */
	char early_msg[200];
	uint8_t rbuf[RX_LEN];
};

/* Frees t and what it owns (closed or never-opened handles only). */
static void release(struct trace *t)
{
	if (t->icmp_fd >= 0)
		close(t->icmp_fd);
	if (t->send_fd >= 0)
		close(t->send_fd);
	if (t->resv_fd >= 0)
		close(t->resv_fd);
	trace_path_free(&t->path);
	free(t->prefixes);
	free(t->target);
	free(t);
}

static void on_close(uv_handle_t *h)
{
	struct trace *t = h->data;
	if (--t->open_handles == 0)
		release(t);
}

/* Reports the trace (outcome < 0: as the hops say) and closes everything. */
static void finish(struct trace *t, int outcome, const char *msg)
{
	if (t->finished)
		return;
	t->finished = true;
	uv_timer_stop(&t->timer);
	if (t->icmp_polling)
		uv_poll_stop(&t->icmp_poll);
	if (t->tcp_polling)
		uv_poll_stop(&t->tcp_poll);
	trace_path_stop(&t->path); /* anything still in flight is cancelled */
	struct trace_result res = {.target = t->target,
	                           .proto = t->flow.proto,
	                           .src = t->flow.src,
	                           .sport = t->flow.sport,
	                           .dport = t->flow.dport};
	if (t->early_outcome >= 0)
		memset(&res.src, 0, sizeof res.src); /* there was no route: no source either */
	trace_path_result(&t->path, &t->flow.dst, t->prefixes, t->nprefixes, &res);
	char summary[256];
	if (outcome >= 0) {
		res.outcome = outcome;
		res.reached = false;
		res.rtt_us = -1;
	} else {
		trace_result_summary(&res, summary, sizeof summary);
		msg = summary;
	}
	struct buf detail = {0};
	trace_result_json(&detail, &res);
	struct probe_result r = {
	    .target = t->target,
	    .kind = PROBE_TRACE,
	    .outcome = res.outcome,
	    .rtt_ms = res.rtt_us >= 0 ? (double)res.rtt_us / 1000.0 : -1,
	    .message = msg,
	    .detail_json = detail.p,
	};
	t->cb(t->arg, &res, &r);
	buf_free(&detail);
	trace_result_free(&res);
	if (t->icmp_polling)
		uv_close((uv_handle_t *)&t->icmp_poll, on_close);
	if (t->tcp_polling)
		uv_close((uv_handle_t *)&t->tcp_poll, on_close);
	uv_close((uv_handle_t *)&t->timer, on_close);
}

static void finish_errno(struct trace *t, int er, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void finish_errno(struct trace *t, int er, const char *fmt, ...)
{
	char what[160], msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof msg, "%s: %s", what, strerror(er));
	finish(t, probe_outcome_from_errno(er), msg);
}

static void on_timer(uv_timer_t *h);

/* Sends what may go, expires what timed out, ends the trace when it is over,
 * and sets the timer for the next deadline or send. */
static void pump(struct trace *t)
{
	int64_t now = clock_mono_us();
	int64_t wake = trace_path_expire(&t->path, now);
	int family = t->flow.dst.family;
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(&t->flow.dst, 0, &ss);
	int fd = t->send_fd >= 0 ? t->send_fd : t->icmp_fd;
	int64_t i;
	while (!t->finished && (i = trace_path_next(&t->path)) >= 0) {
		now = clock_mono_us();
		if (t->interval_us && t->last_send_us && now < t->last_send_us + t->interval_us) {
			if (t->last_send_us + t->interval_us < wake)
				wake = t->last_send_us + t->interval_us;
			break;
		}
		uint8_t pkt[TRACE_PROBE_MAX];
		int len = trace_probe_build(&t->flow, (uint32_t)i, pkt, sizeof pkt);
		int ttl = trace_path_ttl(&t->path, (uint32_t)i);
		if (len < 0) {
			finish(t, OUTCOME_LOCAL_ERROR, "cannot build a probe");
			return;
		}
		int rc = family == AF_INET6
		             ? setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl)
		             : setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
		if (rc) {
			finish_errno(t, errno, "setting the TTL to %d", ttl);
			return;
		}
		now = clock_mono_us();
		ssize_t w = sendto(fd, pkt, (size_t)len, 0, (struct sockaddr *)&ss, sl);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ||
		              errno == EINTR)) {
			if (now + 1000 < wake) /* a full queue: try again in a millisecond */
				wake = now + 1000;
			break;
		}
		if (w < 0) {
			finish_errno(t, errno, "sending the TTL %d probe", ttl);
			return;
		}
		trace_path_sent(&t->path, (uint32_t)i, now);
		t->last_send_us = now;
		if (now + t->path.cfg.timeout_us < wake)
			wake = now + t->path.cfg.timeout_us;
	}
	if (t->finished)
		return;
	if (trace_path_done(&t->path)) {
		finish(t, -1, NULL);
		return;
	}
	if (wake != INT64_MAX) {
		int64_t ms = (wake - clock_mono_us() + 999) / 1000;
		uv_timer_start(&t->timer, on_timer, ms > 0 ? (uint64_t)ms : 0, 0);
	}
}

static void on_timer(uv_timer_t *h)
{
	struct trace *t = h->data;
	if (t->early_outcome >= 0) {
		finish(t, t->early_outcome, t->early_msg);
		return;
	}
	pump(t);
}

/* The sender of a packet: the IPv4 header's source, or for IPv6 (no header
 * on a raw socket) the address recvfrom gave. */
static bool sender(int family, const struct addr *ip_src, const struct sockaddr_storage *ss,
                   struct addr *from)
{
	if (family == AF_INET) {
		*from = *ip_src;
		return true;
	}
	return !addr_from_sockaddr((const struct sockaddr *)ss, from, NULL);
}

/* Reads up to RX_BATCH packets from fd (the raw ICMP socket, or the raw TCP
 * one when tcp) and records those that answer a probe; then sends on. */
static void drain(struct trace *t, int fd, bool tcp)
{
	int family = t->flow.dst.family;
	bool v4 = family == AF_INET;
	for (int k = 0; k < RX_BATCH && !t->finished; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		ssize_t n = recvfrom(fd, t->rbuf, sizeof t->rbuf, MSG_DONTWAIT,
		                     (struct sockaddr *)&ss, &sl);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		struct addr from;
		struct trace_match tm;
		bool ours;
		if (tcp) {
			struct icmp_tcp_seg s;
			ours = !icmp_parse_tcp(t->rbuf, (size_t)n, family, v4, &s) &&
			       sender(family, &s.src, &ss, &from) &&
			       trace_match_tcp(&t->flow, &s, &from, &tm);
		} else {
			struct icmp_msg m;
			ours = !icmp_parse(t->rbuf, (size_t)n, family, v4, &m) &&
			       sender(family, &m.src, &ss, &from) &&
			       trace_match_icmp(&t->flow, &m, &from, &tm);
		}
		if (ours) /* a late or duplicate answer is ignored */
			(void)trace_path_answer(&t->path, &tm, clock_mono_us());
	}
	if (!t->finished)
		pump(t);
}

static void on_icmp(uv_poll_t *h, int status, int events)
{
	struct trace *t = h->data;
	drain(t, t->icmp_fd, false);
}

static void on_tcp(uv_poll_t *h, int status, int events)
{
	struct trace *t = h->data;
	drain(t, t->send_fd, true);
}

/* ---- start ---------------------------------------------------------------- */

static int raw_socket(int family, int proto, const char *what, char *err, size_t errlen)
{
	int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd >= 0)
		return fd;
	int er = errno;
	const char *fam = family == AF_INET6 ? "IPv6" : "IPv4";
	if (er == EPERM || er == EACCES) {
		snprintf(err, errlen,
		         "traceroute needs a raw %s socket for %s, which needs root or CAP_NET_RAW "
		         "(%s). To allow it: run as root, or give the program the capability "
		         "(setcap cap_net_raw+ep /path/to/blackout)",
		         what, fam, strerror(er));
		return ERR_PERM;
	}
	if (er == EAFNOSUPPORT) {
		snprintf(err, errlen, "cannot trace over %s: %s is not available on this host", fam,
		         fam);
		return ERR_UNSUPPORTED;
	}
	snprintf(err, errlen, "cannot open a raw %s socket for %s: %s", what, fam, strerror(er));
	return ERR_SYS;
}

/* The source address the kernel would use towards dst (a UDP connect is a
 * route lookup, nothing is sent). Returns 0, or an errno (no route...). */
static int route_source(const struct addr *dst, uint16_t port, struct addr *src)
{
	int fd = socket(dst->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(dst, port, &ss);
	int er = 0;
	if (connect(fd, (struct sockaddr *)&ss, sl))
		er = errno;
	sl = sizeof ss;
	if (!er && getsockname(fd, (struct sockaddr *)&ss, &sl))
		er = errno;
	if (!er && addr_from_sockaddr((struct sockaddr *)&ss, src, NULL))
		er = EAFNOSUPPORT;
	close(fd);
	return er;
}

static int bind_to(int fd, const struct addr *a, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(a, port, &ss);
	return bind(fd, (struct sockaddr *)&ss, sl) ? errno : 0;
}

/* Holds the source port: an ordinary socket bound to src:*port (0: any). */
static int reserve_port(struct trace *t, bool tcp, const struct addr *src, uint16_t *port,
                        char *err, size_t errlen)
{
	t->resv_fd = socket(src->family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (t->resv_fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return ERR_SYS;
	}
	int er = bind_to(t->resv_fd, src, *port);
	if (er) {
		char a[ADDR_STRLEN];
		snprintf(err, errlen, "cannot use %s source port %u on %s: %s", tcp ? "tcp" : "udp",
		         *port, addr_format(src, a, sizeof a), strerror(er));
		return er == EADDRINUSE ? ERR_EXISTS : ERR_SYS;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	struct addr dummy;
	if (getsockname(t->resv_fd, (struct sockaddr *)&ss, &sl) ||
	    addr_from_sockaddr((struct sockaddr *)&ss, &dummy, port)) {
		snprintf(err, errlen, "getsockname: %s", strerror(errno));
		return ERR_SYS;
	}
	if (!tcp)
		rawsock_drop_all(t->resv_fd); /* datagrams to it are not ours to read */
	return 0;
}

static int check_spec(const struct trace_spec *s, struct trace_path_config *pc, char *err,
                      size_t errlen)
{
	if (s->target.family != AF_INET && s->target.family != AF_INET6) {
		snprintf(err, errlen, "trace: no target address");
		return ERR_INVAL;
	}
	if (s->proto != TRACE_ICMP && s->proto != TRACE_UDP && s->proto != TRACE_TCP) {
		snprintf(err, errlen, "trace: unknown protocol %d", (int)s->proto);
		return ERR_INVAL;
	}
	*pc = (struct trace_path_config){
	    .first_ttl = s->first_ttl ? s->first_ttl : 1,
	    .max_ttl = s->max_hops ? s->max_hops : 30,
	    .attempts = s->attempts ? s->attempts : 3,
	    .window = s->window ? s->window : 16,
	    .gap_limit = s->gap_limit ? s->gap_limit : 5,
	    .timeout_us = (int64_t)(s->timeout_ms ? s->timeout_ms : 2000) * USEC_PER_MSEC,
	};
	if (pc->max_ttl < 1 || pc->max_ttl > TRACE_MAX_TTL) {
		snprintf(err, errlen, "trace: max hops must be 1..%d", TRACE_MAX_TTL);
		return ERR_INVAL;
	}
	if (pc->first_ttl < 1 || pc->first_ttl > pc->max_ttl) {
		snprintf(err, errlen, "trace: the first hop must be 1..max hops (%d)", pc->max_ttl);
		return ERR_INVAL;
	}
	if (pc->attempts < 1 || pc->attempts > TRACE_MAX_ATTEMPTS) {
		snprintf(err, errlen, "trace: attempts per hop must be 1..%d", TRACE_MAX_ATTEMPTS);
		return ERR_INVAL;
	}
	if (pc->window < 1 || pc->gap_limit < 1 || s->timeout_ms < 0 || s->interval_ms < 0) {
		snprintf(err, errlen,
		         "trace: window and gap limit must be >= 1, timeout and "
		         "interval not negative");
		return ERR_INVAL;
	}
	for (size_t i = 0; i < s->nprefixes; i++)
		if (s->prefixes[i].addr.family != AF_INET &&
		    s->prefixes[i].addr.family != AF_INET6) {
			snprintf(err, errlen, "trace: watched prefix %zu has no address", i + 1);
			return ERR_INVAL;
		}
	return 0;
}

int trace_start(uv_loop_t *loop, const struct trace_spec *spec, trace_done_cb cb, void *arg,
                struct trace **out, char *err, size_t errlen)
{
	char scratch[8];
	if (!err)
		err = scratch, errlen = sizeof scratch;
	err[0] = '\0';
	if (out)
		*out = NULL;
	struct trace_path_config pc;
	int rc = check_spec(spec, &pc, err, errlen);
	if (rc)
		return rc;
	struct trace *t = xcalloc(1, sizeof *t);
	t->loop = loop;
	t->cb = cb;
	t->arg = arg;
	t->icmp_fd = t->send_fd = t->resv_fd = -1;
	t->early_outcome = -1;
	t->interval_us = (int64_t)spec->interval_ms * USEC_PER_MSEC;
	int family = spec->target.family;
	enum trace_proto proto = spec->proto;
	uint16_t dport = proto == TRACE_UDP   ? (spec->port ? spec->port : TRACE_UDP_PORT)
	                 : proto == TRACE_TCP ? (spec->port ? spec->port : TRACE_TCP_PORT)
	                                      : 0;
	uint16_t sport = spec->sport;
	struct addr src = {0};

	rc = raw_socket(family, family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, "ICMP", err,
	                errlen);
	if (rc < 0)
		goto fail;
	t->icmp_fd = rc;
	if (proto != TRACE_ICMP) {
		rc = raw_socket(family, proto == TRACE_TCP ? IPPROTO_TCP : IPPROTO_UDP,
		                proto == TRACE_TCP ? "TCP" : "UDP", err, errlen);
		if (rc < 0)
			goto fail;
		t->send_fd = rc;
	}
	int er = route_source(&spec->target, dport ? dport : TRACE_UDP_PORT, &src);
	if (er) {
		/* no route from here: a result (from the loop), not a failed start */
		char a[ADDR_STRLEN];
		t->early_outcome = probe_outcome_from_errno(er);
		snprintf(t->early_msg, sizeof t->early_msg, "no route to %s from this host: %s",
		         addr_format(&spec->target, a, sizeof a), strerror(er));
		src = (struct addr){0};
		src.family = (uint8_t)family; /* an unspecified source, for the flow */
	} else {
		if (proto != TRACE_ICMP &&
		    (rc = reserve_port(t, proto == TRACE_TCP, &src, &sport, err, errlen)))
			goto fail;
		/* the raw sockets send from, and receive for, that address only */
		if ((er = bind_to(t->icmp_fd, &src, 0)) ||
		    (t->send_fd >= 0 && (er = bind_to(t->send_fd, &src, 0)))) {
			snprintf(err, errlen, "cannot bind a raw socket: %s", strerror(er));
			rc = ERR_SYS;
			goto fail;
		}
	}
	uint8_t rnd[16];
	if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) {
		int64_t a = clock_mono_us(), b = clock_wall_us() ^ (int64_t)getpid() << 20;
		memcpy(rnd, &a, 8);
		memcpy(rnd + 8, &b, 8);
	}
	uint32_t nprobes = (uint32_t)((pc.max_ttl - pc.first_ttl + 1) * pc.attempts);
	if (trace_flow_init(&t->flow, proto, &src, &spec->target, sport ? sport : 1,
	                    dport ? dport : 1, nprobes, rnd) ||
	    trace_path_init(&t->path, &pc)) {
		snprintf(err, errlen, "trace: bad flow or limits");
		rc = ERR_INVAL;
		goto fail;
	}

	/* the kernel keeps from us what cannot be an answer */
	const uint8_t pass4[] = {ICMP4_DEST_UNREACH, ICMP4_TIME_EXCEEDED, ICMP4_ECHO_REPLY};
	const uint8_t pass6[] = {ICMP6_DEST_UNREACH, ICMP6_TIME_EXCEEDED, ICMP6_ECHO_REPLY};
	rawsock_icmp_types(t->icmp_fd, family, family == AF_INET6 ? pass6 : pass4,
	                   proto == TRACE_ICMP ? 3 : 2);
	if (proto == TRACE_ICMP)
		rawsock_echo_id_filter(t->icmp_fd, family, t->flow.icmp_id);
	else if (proto == TRACE_TCP)
		rawsock_tcp_port_filter(t->send_fd, family, t->flow.sport);
	else
		rawsock_drop_all(t->send_fd);

	t->target = spec->target_name
	                ? xstrdup(spec->target_name)
	                : addr_format(&spec->target, xmalloc(ADDR_STRLEN), ADDR_STRLEN);
	if (spec->nprefixes) {
		t->prefixes = xmalloc(spec->nprefixes * sizeof *t->prefixes);
		memcpy(t->prefixes, spec->prefixes, spec->nprefixes * sizeof *t->prefixes);
		t->nprefixes = spec->nprefixes;
	}
	uv_timer_init(loop, &t->timer);
	t->timer.data = t;
	t->open_handles = 1;
	if (t->early_outcome < 0) {
		uv_poll_init_socket(loop, &t->icmp_poll, t->icmp_fd);
		t->icmp_poll.data = t;
		uv_poll_start(&t->icmp_poll, UV_READABLE, on_icmp);
		t->icmp_polling = true;
		t->open_handles++;
		if (proto == TRACE_TCP) {
			uv_poll_init_socket(loop, &t->tcp_poll, t->send_fd);
			t->tcp_poll.data = t;
			uv_poll_start(&t->tcp_poll, UV_READABLE, on_tcp);
			t->tcp_polling = true;
			t->open_handles++;
		}
	}
	uv_timer_start(&t->timer, on_timer, 0, 0); /* sending starts from the loop */
	if (out)
		*out = t;
	return 0;
fail:
	release(t);
	return rc;
}

void trace_cancel(struct trace *t)
{
	if (t && !t->finished)
		finish(t, OUTCOME_LOCAL_ERROR, "cancelled");
}
