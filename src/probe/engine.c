/*
 * engine.c - see engine.h for the design. Hot path: send_some() (builds echo
 * requests into preallocated batches, one sendmmsg per 64), icmp_rx() (one
 * recvmmsg per 64, parse, match by token, complete) and expire() (pops the
 * head of the in-flight list). None of them allocates.
 */
#include "probe/engine.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/mem.h"
#include "core/obs.h"
#include "probe/icmp_wire.h"
#include "probe/result.h"
#include "probe/rate.h"
#include "probe/rawsock.h"

#define NIL UINT32_MAX
#define MAX_SLOTS (UINT32_MAX / 2)
#define BATCH 64
#define RX_ROUNDS 8     /* recvmmsg calls per readiness event before sending again */
#define DRIVE_ROUNDS 32 /* send/receive rounds in one loop callback while they make progress */
#define RX_LEN 1280     /* a whole IPv6 error quote fits */
#define PKT_LEN (ICMP_HDR_LEN + ICMP_TOKEN_LEN)
#define SOCK_BUF (8 << 20)

enum slot_state { S_FREE = 0, S_PENDING, S_READY, S_INFLIGHT };

/* One submitted target. 64 bytes; the array of them is the per-target state. */
struct slot {
	struct addr addr; /* 17 bytes */
	uint8_t kind;     /* PROBE_ICMP / PROBE_TCP */
	uint8_t state;    /* enum slot_state */
	uint8_t tries;    /* attempts sent */
	uint16_t port;
	uint16_t unused;
	uint32_t prev, next; /* links in the list its state names (free list: next only) */
	uint32_t tag;        /* ICMP: the current attempt's tag (seq = low 16 bits) */
	int32_t fd;          /* TCP: the current attempt's socket, -1 otherwise */
	int64_t t_us;        /* PENDING: not before (mono); INFLIGHT: sent at (mono) */
	int64_t first_us;    /* mono time of the first attempt */
	uint64_t cookie;
};
_Static_assert(sizeof(struct slot) == 64, "struct slot should stay 64 bytes");

struct list {
	uint32_t head, tail, count;
};

/* One sendmmsg worth of echo requests for one family. */
struct batch {
	uint32_t n;
	uint32_t idx[BATCH];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in6 dst[BATCH];
	uint8_t pkt[BATCH][PKT_LEN];
};

struct rxbuf {
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in6 src[BATCH];
	/* SCM_TIMESTAMPNS: when the kernel received the packet, so an RTT does
	 * not include the time the loop was busy elsewhere */
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct timespec))];
	} ctl[BATCH];
	uint8_t data[BATCH][RX_LEN];
};

/* The monotonic time a packet arrived: now (monotonic, read after the
 * receive) minus its age by the kernel's wall-clock stamp; now itself when
 * there is no stamp or it looks wrong (the wall clock stepped). */
static int64_t rx_time(struct msghdr *mh, int64_t now_mono, int64_t now_wall)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS ||
		    c->cmsg_len < CMSG_LEN(sizeof(struct timespec)))
			continue;
		struct timespec ts;
		memcpy(&ts, CMSG_DATA(c), sizeof ts);
		int64_t age = now_wall - ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
		return age >= 0 && age < 10 * INT64_C(1000000) ? now_mono - age : now_mono;
	}
	return now_mono;
}

struct icmp_sock {
	int fd; /* -1 until opened */
	bool raw;
	bool want_out; /* waiting for EPOLLOUT after EAGAIN */
};

struct probe_engine {
	uv_loop_t *loop; /* borrowed */
	struct probe_engine_config cfg;
	uv_poll_t poll;   /* on ep */
	uv_timer_t timer; /* the one timer: deadlines, token bucket, not-before times */
	int ep;           /* private epoll set: ICMP sockets and TCP connects */
	int open_handles;
	bool closing, in_pump;
	void (*closed)(void *);
	void *closed_ctx;

	struct slot *slots; /* owned; cap entries, nslots used */
	uint32_t nslots, cap, nfree, free_head;
	struct list pending, ready, inflight;
	uint32_t *seqmap; /* owned, 65536: ICMP seq -> slot, for quotes without the token */
	struct rate_gate gate;
	int64_t backoff_until; /* after ENOBUFS */
	int64_t wall_off;      /* wall - mono */

	struct icmp_sock icmp[2]; /* [0] IPv4, [1] IPv6 */
	uint16_t icmp_id;
	struct batch *tx[2]; /* owned, allocated with the socket */
	struct rxbuf *rx;    /* owned, allocated with the first socket */
	uint32_t tcp_inflight;
	bool tcp_blocked; /* out of fds or ports: wait for a TCP probe to end */

	uint64_t nonce, rng;
	uint32_t tag;
	struct probe_stats st;
	char errmsg[512];
};

/* ---- small helpers ---------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u); /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static int fam_index(int family)
{
	return family == AF_INET6;
}

static bool addr_eq(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

static void list_push_tail(struct probe_engine *e, struct list *l, uint32_t i)
{
	struct slot *s = &e->slots[i];
	s->prev = l->tail;
	s->next = NIL;
	if (l->tail != NIL)
		e->slots[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
	l->count++;
}

static void list_push_head(struct probe_engine *e, struct list *l, uint32_t i)
{
	struct slot *s = &e->slots[i];
	s->prev = NIL;
	s->next = l->head;
	if (l->head != NIL)
		e->slots[l->head].prev = i;
	else
		l->tail = i;
	l->head = i;
	l->count++;
}

static void list_remove(struct probe_engine *e, struct list *l, uint32_t i)
{
	struct slot *s = &e->slots[i];
	if (s->prev != NIL)
		e->slots[s->prev].next = s->next;
	else
		l->head = s->next;
	if (s->next != NIL)
		e->slots[s->next].prev = s->prev;
	else
		l->tail = s->prev;
	l->count--;
}

static struct list *list_of(struct probe_engine *e, const struct slot *s)
{
	switch (s->state) {
	case S_PENDING:
		return &e->pending;
	case S_READY:
		return &e->ready;
	case S_INFLIGHT:
		return &e->inflight;
	default:
		return NULL;
	}
}

static void ep_set(struct probe_engine *e, int op, int fd, uint32_t events, uint32_t idx)
{
	struct epoll_event ev = {.events = events, .data.u64 = (uint64_t)idx << 32 | (uint32_t)fd};
	(void)epoll_ctl(e->ep, op, fd, &ev);
}

/* ---- completion --------------------------------------------------------- */

static void complete(struct probe_engine *e, uint32_t i, int outcome, int64_t rtt_us,
                     const struct addr *from, int sys_errno)
{
	struct slot *s = &e->slots[i];
	struct list *l = list_of(e, s);
	if (l)
		list_remove(e, l, i);
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
		e->tcp_inflight--;
		e->tcp_blocked = false;
	}
	struct probe_done d = {
	    .cookie = s->cookie,
	    .addr = s->addr,
	    .port = s->port,
	    .kind = s->kind,
	    .outcome = (uint8_t)outcome,
	    .attempts = s->tries,
	    .has_from = from != NULL,
	    .sent_wall_us = s->tries ? s->first_us + e->wall_off : -1,
	    .rtt_us = rtt_us,
	    .sys_errno = sys_errno,
	};
	if (from)
		d.from = *from;
	switch (outcome) {
	case OUTCOME_OK:
		e->st.answered++;
		break;
	case OUTCOME_TIMEOUT:
		e->st.timeouts++;
		break;
	case OUTCOME_LOCAL_ERROR:
		e->st.errors++;
		break;
	default:
		e->st.failed++;
	}
	/* free the slot first: the callback may submit, and may reuse it */
	s->state = S_FREE;
	s->next = e->free_head;
	e->free_head = i;
	e->nfree++;
	e->st.pending--;
	if (!e->closing)
		e->cfg.done(e->cfg.ctx, &d);
}

/* An attempt went out at time t. */
static void mark_sent(struct probe_engine *e, uint32_t i, int64_t t)
{
	struct slot *s = &e->slots[i];
	s->state = S_INFLIGHT;
	s->t_us = t;
	if (!s->tries)
		s->first_us = t;
	else
		e->st.retries++;
	s->tries++;
	list_push_tail(e, &e->inflight, i);
	e->st.sent++;
}

/* ---- sockets ------------------------------------------------------------ */

static void read_ping_range(char *out, size_t n)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ping_group_range", "r");
	out[0] = '\0';
	if (f) {
		if (fgets(out, (int)n, f))
			out[strcspn(out, "\n")] = '\0';
		fclose(f);
	}
	for (char *p = out; *p; p++)
		if (*p == '\t')
			*p = ' ';
}

static void bigger_buffers(int fd)
{
	int sz = SOCK_BUF;
	/* FORCE works as root and beyond net.core.rmem_max; else take what we may */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz))
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
}

static int open_icmp(struct probe_engine *e, int family, char *err, size_t errlen)
{
	int fi = fam_index(family);
	struct icmp_sock *k = &e->icmp[fi];
	if (k->fd >= 0)
		return 0;
	int proto = fi ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	const char *fam = fi ? "IPv6" : "IPv4";
	int fd = -1, raw_errno = 0, dgram_errno = 0;
	if (e->cfg.icmp_socket != PROBE_SOCKET_DGRAM) {
		fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
		if (fd < 0)
			raw_errno = errno;
		else
			k->raw = true;
	}
	if (fd < 0 && e->cfg.icmp_socket != PROBE_SOCKET_RAW) {
		fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
		if (fd < 0)
			dgram_errno = errno;
	}
	if (fd < 0) {
		int why = dgram_errno ? dgram_errno : raw_errno;
		if (why == EAFNOSUPPORT || raw_errno == EAFNOSUPPORT) {
			snprintf(
			    err, errlen,
			    "cannot open an ICMP socket for %s: %s is not available on this host",
			    fam, fam);
			return ERR_UNSUPPORTED;
		}
		char range[64], raw_part[96] = "", dgram_part[160] = "";
		read_ping_range(range, sizeof range);
		if (raw_errno)
			snprintf(raw_part, sizeof raw_part,
			         "a raw socket needs root or CAP_NET_RAW (%s)",
			         strerror(raw_errno));
		if (dgram_errno)
			snprintf(dgram_part, sizeof dgram_part,
			         "%sunprivileged ICMP sockets are not allowed for gid %u "
			         "(net.ipv4.ping_group_range = \"%s\")",
			         raw_errno ? ", and " : "", (unsigned)getgid(), range);
		snprintf(
		    err, errlen,
		    "cannot open an ICMP socket for %s: %s%s. To allow it: run as root, give the "
		    "program CAP_NET_RAW (setcap cap_net_raw+ep /path/to/blackout), or let this "
		    "group open unprivileged ICMP sockets (sysctl -w "
		    "net.ipv4.ping_group_range=\"0 2147483647\"; it covers IPv6 too)",
		    fam, raw_part, dgram_part);
		return why == EPERM || why == EACCES ? ERR_PERM : ERR_SYS;
	}
	bigger_buffers(fd);
	int stamp = 1; /* kernel receive times: see rx_time */
	(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &stamp, sizeof stamp);
	if (k->raw) {
		/* a raw socket gets a copy of all ICMP the host receives: let the
		 * kernel drop other pingers' replies and all but replies and errors
		 * (on loopback we would otherwise see our own echo requests too) */
		const uint8_t pass4[] = {ICMP4_ECHO_REPLY, ICMP4_DEST_UNREACH, ICMP4_TIME_EXCEEDED};
		const uint8_t pass6[] = {ICMP6_ECHO_REPLY, ICMP6_DEST_UNREACH, ICMP6_TIME_EXCEEDED};
		rawsock_echo_id_filter(fd, family, e->icmp_id);
		rawsock_icmp_types(fd, family, fi ? pass6 : pass4, 3);
	} else {
		/* ping sockets report ICMP errors only through the error queue */
		int on = 1;
		if (fi)
			(void)setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof on);
		else
			(void)setsockopt(fd, SOL_IP, IP_RECVERR, &on, sizeof on);
	}
	k->fd = fd;
	ep_set(e, EPOLL_CTL_ADD, fd, EPOLLIN, NIL - (uint32_t)fi);
	if (!e->tx[fi]) {
		struct batch *b = xcalloc(1, sizeof *b);
		for (int j = 0; j < BATCH; j++) {
			b->iov[j].iov_base = b->pkt[j];
			b->msg[j].msg_hdr.msg_iov = &b->iov[j];
			b->msg[j].msg_hdr.msg_iovlen = 1;
			b->msg[j].msg_hdr.msg_name = &b->dst[j];
		}
		e->tx[fi] = b;
	}
	if (!e->rx) {
		struct rxbuf *r = xcalloc(1, sizeof *r);
		for (int j = 0; j < BATCH; j++) {
			r->iov[j].iov_base = r->data[j];
			r->iov[j].iov_len = RX_LEN;
			r->msg[j].msg_hdr.msg_iov = &r->iov[j];
			r->msg[j].msg_hdr.msg_iovlen = 1;
			r->msg[j].msg_hdr.msg_name = &r->src[j];
		}
		e->rx = r;
	}
	return 0;
}

/* ---- sending ------------------------------------------------------------ */

static void arm(struct probe_engine *e);
static void tcp_finish(struct probe_engine *e, uint32_t i, int fd, int er, uint32_t events,
                       int64_t now);

/* The next slot to send, or NIL: retries first, then pending ones that are due. */
static uint32_t next_due(struct probe_engine *e, int64_t now)
{
	if (e->ready.head != NIL)
		return e->ready.head;
	if (e->pending.head != NIL && e->slots[e->pending.head].t_us <= now)
		return e->pending.head;
	return NIL;
}

/* Puts batch entries from..n-1 back at the head of READY, in order. */
static void unsend(struct probe_engine *e, struct batch *b, uint32_t from)
{
	for (uint32_t k = b->n; k-- > from;) {
		e->slots[b->idx[k]].state = S_READY;
		list_push_head(e, &e->ready, b->idx[k]);
	}
}

/* Sends the batch for family index fi. Returns false when the socket is full. */
static bool flush(struct probe_engine *e, int fi)
{
	struct batch *b = e->tx[fi];
	if (!b || !b->n)
		return true;
	int fd = e->icmp[fi].fd;
	uint32_t done = 0;
	bool ok = true;
	/* a callback may close the engine (and its sockets) under us: stop then */
	while (done < b->n && !e->closing) {
		int64_t t = clock_mono_us();
		int r = sendmmsg(fd, b->msg + done, b->n - done, 0);
		if (r > 0) {
			for (uint32_t k = done; k < done + (uint32_t)r; k++) {
				uint32_t i = b->idx[k];
				mark_sent(e, i, t);
				e->seqmap[e->slots[i].tag & 0xffff] = i;
			}
			rate_gate_take(&e->gate, (uint32_t)r);
			done += (uint32_t)r;
			continue;
		}
		int er = r < 0 ? errno : EIO;
		if (er == EINTR)
			continue;
		if (er == EAGAIN || er == ENOBUFS) {
			unsend(e, b, done);
			if (er == EAGAIN) {
				e->icmp[fi].want_out = true;
				ep_set(e, EPOLL_CTL_MOD, fd, EPOLLIN | EPOLLOUT,
				       NIL - (uint32_t)fi);
			} else {
				e->backoff_until = clock_mono_us() + 1000;
			}
			ok = false;
			break;
		}
		/* this one message cannot go (no route, filtered locally...): a local error */
		uint32_t i = b->idx[done++];
		mark_sent(e, i, t);
		rate_gate_take(&e->gate, 1);
		complete(e, i, OUTCOME_LOCAL_ERROR, -1, NULL, er);
	}
	b->n = 0;
	return ok;
}

/* Adds slot i to its family's batch (building the packet). */
static void batch_add(struct probe_engine *e, uint32_t i)
{
	struct slot *s = &e->slots[i];
	int fi = fam_index(s->addr.family);
	struct batch *b = e->tx[fi];
	uint32_t k = b->n++;
	s->tag = ++e->tag;
	uint8_t token[ICMP_TOKEN_LEN];
	struct icmp_token tk = {.nonce = e->nonce, .index = i, .tag = s->tag};
	icmp_token_write(token, &tk);
	int len = icmp_echo_build(b->pkt[k], PKT_LEN, s->addr.family, e->icmp_id, (uint16_t)s->tag,
	                          token, sizeof token);
	b->iov[k].iov_len = len > 0 ? (size_t)len : 0;
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(&s->addr, 0, &ss);
	memcpy(&b->dst[k], &ss, sl);
	b->msg[k].msg_hdr.msg_namelen = sl;
	b->idx[k] = i;
}

/* A TCP connect. Returns false when out of fds/ports and other TCP probes
 * are in flight (the slot goes back to READY and TCP waits for one to end). */
static bool tcp_start(struct probe_engine *e, uint32_t i)
{
	struct slot *s = &e->slots[i];
	int family = s->addr.family;
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int er = errno;
		if ((er == EMFILE || er == ENFILE || er == ENOBUFS || er == ENOMEM) &&
		    e->tcp_inflight)
			goto later;
		mark_sent(e, i, clock_mono_us());
		complete(e, i, OUTCOME_LOCAL_ERROR, -1, NULL, er);
		return true;
	}
	int on = 1;
	if (family == AF_INET6)
		(void)setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof on);
	else
		(void)setsockopt(fd, SOL_IP, IP_RECVERR, &on, sizeof on);
	/* close() then resets instead of lingering in TIME_WAIT on a port */
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(&s->addr, s->port, &ss);
	int64_t t = clock_mono_us();
	int r = connect(fd, (struct sockaddr *)&ss, sl);
	int er = r ? errno : 0;
	if (r && (er == EADDRNOTAVAIL || er == EAGAIN) && e->tcp_inflight) {
		close(fd); /* out of local ports for now */
		goto later;
	}
	mark_sent(e, i, t);
	rate_gate_take(&e->gate, 1);
	s = &e->slots[i];
	s->fd = fd;
	e->tcp_inflight++;
	if (!r) {
		complete(e, i, OUTCOME_OK, clock_mono_us() - t, &s->addr, 0);
	} else if (er == EINPROGRESS) {
		/* decided already? (a local host answers within connect()) then no epoll */
		int now_er = 0;
		socklen_t len = sizeof now_er;
		if (!getsockopt(fd, SOL_SOCKET, SO_ERROR, &now_er, &len) && now_er)
			tcp_finish(e, i, fd, now_er, EPOLLERR, clock_mono_us());
		else
			ep_set(e, EPOLL_CTL_ADD, fd, EPOLLOUT, i);
	} else if (er == ECONNREFUSED) {
		struct addr to = s->addr;
		complete(e, i, OUTCOME_REFUSED, clock_mono_us() - t, &to, 0);
	} else {
		/* refused on this side (no route, local firewall, ...) */
		complete(e, i, OUTCOME_LOCAL_ERROR, -1, NULL, er);
	}
	return true;
later:
	s->state = S_READY;
	list_push_head(e, &e->ready, i);
	e->tcp_blocked = true;
	return false;
}

static void send_some(struct probe_engine *e, int64_t now)
{
	if (now < e->backoff_until)
		return;
	uint32_t budget = e->inflight.count < e->cfg.window ? e->cfg.window - e->inflight.count : 0;
	uint32_t tokens = rate_gate_avail(&e->gate, now);
	if (budget > tokens)
		budget = tokens;
	bool go = true;
	for (uint32_t used = 0; used < budget && go && !e->closing; used++) {
		uint32_t i = next_due(e, now);
		if (i == NIL)
			break;
		struct slot *s = &e->slots[i];
		if (s->kind == PROBE_TCP) {
			if (e->tcp_blocked)
				break;
			list_remove(e, list_of(e, s), i);
			go = tcp_start(e, i);
			continue;
		}
		int fi = fam_index(s->addr.family);
		if (e->icmp[fi].want_out)
			break; /* that socket is full; keep the order */
		list_remove(e, list_of(e, s), i);
		batch_add(e, i);
		if (e->tx[fi]->n == BATCH)
			go = flush(e, fi);
	}
	if (!e->closing) {
		flush(e, 0);
		flush(e, 1);
	}
}

/* ---- timeouts ----------------------------------------------------------- */

static void expire(struct probe_engine *e, int64_t now)
{
	uint32_t i;
	while (!e->closing && (i = e->inflight.head) != NIL) {
		struct slot *s = &e->slots[i];
		if (s->t_us + e->cfg.timeout_us > now)
			break;
		if (s->tries > e->cfg.retries) {
			complete(e, i, OUTCOME_TIMEOUT, -1, NULL, 0);
			continue;
		}
		list_remove(e, &e->inflight, i);
		if (s->fd >= 0) {
			close(s->fd);
			s->fd = -1;
			e->tcp_inflight--;
			e->tcp_blocked = false;
		}
		s->state = S_READY;
		list_push_tail(e, &e->ready, i);
	}
}

static void pump(struct probe_engine *e)
{
	if (e->in_pump || e->closing)
		return;
	e->in_pump = true;
	int64_t now = clock_mono_us();
	e->wall_off = clock_wall_us() - now;
	expire(e, now);
	if (!e->closing)
		send_some(e, now);
	e->in_pump = false;
	arm(e);
}

static void on_timer(uv_timer_t *t);

/* Sets the one timer to the earliest moment something can happen. */
static void arm(struct probe_engine *e)
{
	if (e->closing || e->in_pump)
		return;
	int64_t now = clock_mono_us();
	int64_t at = INT64_MAX;
	if (e->inflight.head != NIL)
		at = e->slots[e->inflight.head].t_us + e->cfg.timeout_us;
	bool queued = e->ready.head != NIL || e->pending.head != NIL;
	bool blocked = e->icmp[0].want_out || e->icmp[1].want_out || e->tcp_blocked;
	if (queued && !blocked && e->inflight.count < e->cfg.window) {
		int64_t t = now;
		if (e->ready.head == NIL && e->slots[e->pending.head].t_us > t)
			t = e->slots[e->pending.head].t_us;
		int64_t w = rate_gate_wait_us(&e->gate, now, 1);
		if (now + w > t)
			t = now + w;
		if (e->backoff_until > t)
			t = e->backoff_until;
		if (t < at)
			at = t;
	}
	if (at == INT64_MAX) {
		uv_timer_stop(&e->timer);
		return;
	}
	uint64_t ms = at <= now ? 0 : (uint64_t)((at - now + 999) / 1000);
	uv_update_time(e->loop);
	uv_timer_start(&e->timer, on_timer, ms, 0);
}

/* ---- receiving ---------------------------------------------------------- */

/* Finds the in-flight ICMP slot a token names, or NIL. */
static uint32_t match_token(struct probe_engine *e, const uint8_t *p, size_t n)
{
	struct icmp_token tk;
	if (!icmp_token_read(p, n, &tk) || tk.nonce != e->nonce || tk.index >= e->nslots)
		return NIL;
	const struct slot *s = &e->slots[tk.index];
	if (s->state != S_INFLIGHT || s->kind != PROBE_ICMP || s->tag != tk.tag)
		return NIL;
	return tk.index;
}

/* The slot an ICMP error's quote names: by token, else by seq + destination. */
static uint32_t match_quote(struct probe_engine *e, const struct icmp_quote *q, bool check_id)
{
	uint8_t want_proto = q->dst.family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	uint8_t want_type = q->dst.family == AF_INET6 ? ICMP6_ECHO_REQUEST : ICMP4_ECHO_REQUEST;
	if (!q->has_l4 || q->proto != want_proto || q->icmp_type != want_type)
		return NIL;
	if (check_id && q->id != e->icmp_id)
		return NIL;
	uint32_t i = match_token(e, q->payload, q->payload_len);
	if (i == NIL) {
		if (icmp_token_read(q->payload, q->payload_len, &(struct icmp_token){0}))
			return NIL; /* a token, but not a live one of ours */
		i = e->seqmap[q->seq];
		if (i >= e->nslots)
			return NIL;
		const struct slot *s = &e->slots[i];
		if (s->state != S_INFLIGHT || s->kind != PROBE_ICMP || (uint16_t)s->tag != q->seq)
			return NIL;
	}
	return addr_eq(&e->slots[i].addr, &q->dst) ? i : NIL;
}

static void icmp_packet(struct probe_engine *e, int fi, const uint8_t *p, size_t n,
                        const struct sockaddr *src, int64_t now)
{
	struct icmp_sock *k = &e->icmp[fi];
	int family = fi ? AF_INET6 : AF_INET;
	struct icmp_msg m;
	struct addr from;
	if (icmp_parse(p, n, family, k->raw && !fi, &m) || addr_from_sockaddr(src, &from, NULL)) {
		e->st.stray++;
		return;
	}
	uint32_t i = NIL;
	if (m.kind == ICMP_MSG_ECHO_REPLY) {
		/* a ping socket's id is the kernel's; it only hands us our own */
		if (!k->raw || m.id == e->icmp_id)
			i = match_token(e, m.payload, m.payload_len);
		if (i != NIL && !addr_eq(&e->slots[i].addr, &from))
			i = NIL; /* our token from someone else: forged or misrouted */
		if (i != NIL) {
			complete(e, i, OUTCOME_OK, now - e->slots[i].t_us, &from, 0);
			return;
		}
	} else if (m.kind == ICMP_MSG_ERROR) {
		i = match_quote(e, &m.quote, k->raw);
		if (i != NIL) {
			complete(e, i, m.outcome, now - e->slots[i].t_us, &from, 0);
			return;
		}
	}
	e->st.stray++;
}

struct errq {
	struct sock_extended_err ee;
	bool icmp; /* origin is an ICMP error */
	bool has_offender;
	struct addr offender; /* who sent the ICMP error */
	struct addr dst;      /* where the original packet was going */
	uint8_t data[RX_LEN];
	size_t len;
};

/* Reads one error-queue entry. Returns 1, 0 when the queue is empty, <0 error. */
static int errq_read(int fd, struct errq *q)
{
	char control[512];
	struct sockaddr_in6 name;
	struct iovec iov = {.iov_base = q->data, .iov_len = sizeof q->data};
	struct msghdr mh = {.msg_name = &name,
	                    .msg_namelen = sizeof name,
	                    .msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = control,
	                    .msg_controllen = sizeof control};
	ssize_t r = recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : ERR_SYS;
	q->len = (size_t)r;
	q->icmp = q->has_offender = false;
	memset(&q->dst, 0, sizeof q->dst);
	if (mh.msg_namelen >= sizeof(struct sockaddr_in) &&
	    addr_from_sockaddr((struct sockaddr *)&name, &q->dst, NULL))
		memset(&q->dst, 0, sizeof q->dst);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		bool v4 = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
		bool v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
		if (!v4 && !v6)
			continue;
		if (c->cmsg_len < CMSG_LEN(sizeof q->ee))
			continue;
		memcpy(&q->ee, CMSG_DATA(c), sizeof q->ee);
		q->icmp =
		    q->ee.ee_origin == SO_EE_ORIGIN_ICMP || q->ee.ee_origin == SO_EE_ORIGIN_ICMP6;
		const struct sockaddr *off =
		    SO_EE_OFFENDER((struct sock_extended_err *)CMSG_DATA(c));
		size_t room = c->cmsg_len - CMSG_LEN(sizeof q->ee);
		if (room >= sizeof(struct sockaddr_in) && off->sa_family != AF_UNSPEC &&
		    (off->sa_family == AF_INET || room >= sizeof(struct sockaddr_in6)))
			q->has_offender = !addr_from_sockaddr(off, &q->offender, NULL);
	}
	return 1;
}

/* ICMP errors a ping socket queued: the data is our echo request. */
static void icmp_errqueue(struct probe_engine *e, int fi)
{
	struct errq q;
	int family = fi ? AF_INET6 : AF_INET;
	for (int k = 0; k < 4 * BATCH && !e->closing && errq_read(e->icmp[fi].fd, &q) > 0; k++) {
		struct icmp_msg m;
		int outcome = q.icmp ? icmp_error_outcome(family, q.ee.ee_type, q.ee.ee_code) : -1;
		uint32_t i = NIL;
		if (outcome >= 0 && !icmp_parse_echo(q.data, q.len, family, &m) &&
		    m.kind == ICMP_MSG_ECHO_REQUEST)
			i = match_token(e, m.payload, m.payload_len);
		if (i == NIL || !addr_eq(&e->slots[i].addr, &q.dst)) {
			e->st.stray++;
			continue;
		}
		complete(e, i, outcome, clock_mono_us() - e->slots[i].t_us,
		         q.has_offender ? &q.offender : NULL, 0);
	}
}

static void icmp_rx(struct probe_engine *e, int fi)
{
	struct rxbuf *r = e->rx;
	int fd = e->icmp[fi].fd;
	for (int round = 0; round < RX_ROUNDS && !e->closing; round++) {
		for (int j = 0; j < BATCH; j++) {
			r->msg[j].msg_hdr.msg_namelen = sizeof r->src[j];
			r->msg[j].msg_hdr.msg_control = r->ctl[j].b;
			r->msg[j].msg_hdr.msg_controllen = sizeof r->ctl[j].b;
		}
		int n = recvmmsg(fd, r->msg, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* a ping socket reports a queued ICMP error once as a receive error */
			continue;
		}
		int64_t now = clock_mono_us(), wall = clock_wall_us();
		for (int j = 0; j < n && !e->closing; j++)
			icmp_packet(e, fi, r->data[j], r->msg[j].msg_len,
			            (struct sockaddr *)&r->src[j], rx_time(&r->msg[j].msg_hdr, now, wall));
		if (n < BATCH)
			break;
	}
}

/* Ends TCP probe i whose socket reported er (SO_ERROR, already read) and events. */
static void tcp_finish(struct probe_engine *e, uint32_t i, int fd, int er, uint32_t events,
                       int64_t now)
{
	struct slot *s = &e->slots[i];
	int64_t rtt = now - s->t_us;
	struct addr target = s->addr;
	if (!er && (events & EPOLLOUT) && !(events & (EPOLLERR | EPOLLHUP))) {
		complete(e, i, OUTCOME_OK, rtt, &target, 0);
		return;
	}
	struct errq q;
	if (errq_read(fd, &q) > 0 && q.icmp) {
		int outcome = icmp_error_outcome(target.family, q.ee.ee_type, q.ee.ee_code);
		if (outcome < 0)
			outcome = probe_outcome_from_errno((int)q.ee.ee_errno);
		complete(e, i, outcome, rtt, q.has_offender ? &q.offender : NULL, 0);
		return;
	}
	if (!er)
		er = ECONNRESET; /* HUP without an error: treat as a local failure */
	int outcome = probe_outcome_from_errno(er);
	if (outcome == OUTCOME_REFUSED)
		complete(e, i, outcome, rtt, &target, 0);
	else if (outcome == OUTCOME_TIMEOUT)
		complete(e, i, outcome, -1, NULL, 0);
	else if (outcome == OUTCOME_LOCAL_ERROR)
		complete(e, i, outcome, -1, NULL, er);
	else
		complete(e, i, outcome, rtt, NULL, 0);
}

static void tcp_event(struct probe_engine *e, uint32_t i, int fd, uint32_t events, int64_t now)
{
	if (i >= e->nslots)
		return;
	struct slot *s = &e->slots[i];
	if (s->state != S_INFLIGHT || s->kind != PROBE_TCP || s->fd != fd)
		return;
	int er = 0;
	socklen_t len = sizeof er;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &er, &len))
		er = errno;
	tcp_finish(e, i, fd, er, events, now);
}

/* Sends and receives for as long as that makes progress (bounded), before
 * going back to the loop: on a fast path (loopback, a LAN) the replies to a
 * batch are often queued by the time sendmmsg returns, and a trip through
 * epoll per batch costs a wakeup, or, on a busy machine, the CPU. */
static void drive(struct probe_engine *e)
{
	/* While we poll the ICMP sockets ourselves they leave the epoll set: every
	 * packet queued on a watched socket runs epoll's wakeup callbacks (ours,
	 * then libuv's), measurably (~4 % of kernel time at full rate). Adding
	 * them back checks readiness, so nothing that arrived meanwhile is missed. */
	bool watched[2] = {false, false};
	for (int fi = 0; fi < 2; fi++)
		if (e->icmp[fi].fd >= 0 && e->inflight.count + e->ready.count + e->pending.count) {
			ep_set(e, EPOLL_CTL_DEL, e->icmp[fi].fd, 0, 0);
			watched[fi] = true;
		}
	for (int round = 0; round < DRIVE_ROUNDS && !e->closing; round++) {
		uint64_t before = e->st.sent + e->st.answered + e->st.failed + e->st.stray;
		pump(e);
		for (int fi = 0; fi < 2 && !e->closing; fi++)
			if (e->icmp[fi].fd >= 0 && e->inflight.count)
				icmp_rx(e, fi);
		if (e->st.sent + e->st.answered + e->st.failed + e->st.stray == before)
			break;
	}
	for (int fi = 0; fi < 2 && !e->closing; fi++)
		if (watched[fi])
			ep_set(e, EPOLL_CTL_ADD, e->icmp[fi].fd,
			       EPOLLIN | (e->icmp[fi].want_out ? EPOLLOUT : 0u),
			       NIL - (uint32_t)fi);
}

static void on_timer(uv_timer_t *t)
{
	drive(t->data);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct probe_engine *e = h->data;
	struct epoll_event ev[BATCH];
	int n = epoll_wait(e->ep, ev, BATCH, 0);
	for (int j = 0; j < n && !e->closing; j++) {
		uint32_t idx = (uint32_t)(ev[j].data.u64 >> 32);
		int fd = (int)(uint32_t)ev[j].data.u64;
		uint32_t what = ev[j].events;
		if (idx >= NIL - 1) {
			int fi = (int)(NIL - idx);
			if (fd != e->icmp[fi].fd)
				continue;
			if ((what & EPOLLOUT) && e->icmp[fi].want_out) {
				e->icmp[fi].want_out = false;
				ep_set(e, EPOLL_CTL_MOD, fd, EPOLLIN, idx);
			}
			if (what & EPOLLIN)
				icmp_rx(e, fi);
			if ((what & EPOLLERR) && !e->closing)
				icmp_errqueue(e, fi);
		} else {
			tcp_event(e, idx, fd, what, clock_mono_us());
		}
	}
	drive(e);
}

/* ---- public API ----------------------------------------------------------- */

int probe_engine_new(uv_loop_t *loop, const struct probe_engine_config *cfg,
                     struct probe_engine **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!cfg->done) {
		snprintf(err, errlen, "probe engine: no result callback");
		return ERR_INVAL;
	}
	if (cfg->retries > 250) {
		snprintf(err, errlen, "retries must be at most 250");
		return ERR_INVAL;
	}
	if (cfg->timeout_us < 0 || cfg->spread_us < 0) {
		snprintf(err, errlen, "timeout and spread must not be negative");
		return ERR_INVAL;
	}
	struct probe_engine *e = xcalloc(1, sizeof *e);
	e->loop = loop;
	e->cfg = *cfg;
	if (!e->cfg.timeout_us)
		e->cfg.timeout_us = USEC_PER_SEC;
	if (!e->cfg.window)
		e->cfg.window = 4096;
	e->ep = epoll_create1(EPOLL_CLOEXEC);
	if (e->ep < 0) {
		snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
		free(e);
		return ERR_SYS;
	}
	e->icmp[0].fd = e->icmp[1].fd = -1;
	e->pending = e->ready = e->inflight = (struct list){NIL, NIL, 0};
	e->free_head = NIL;
	e->seqmap = xmalloc(65536 * sizeof *e->seqmap);
	memset(e->seqmap, 0xff, 65536 * sizeof *e->seqmap);
	uint64_t seed[2];
	if (getrandom(seed, sizeof seed, 0) != sizeof seed) {
		seed[0] = (uint64_t)clock_wall_us() ^ (uint64_t)getpid() << 32;
		seed[1] = (uint64_t)clock_mono_us();
	}
	e->rng = seed[1];
	e->nonce = seed[0] ? seed[0] : 1;
	e->icmp_id = (uint16_t)rng_next(&e->rng);
	int64_t now = clock_mono_us();
	e->wall_off = clock_wall_us() - now;
	rate_gate_init(&e->gate, cfg->rate_pps, cfg->burst, now);
	uv_timer_init(loop, &e->timer);
	e->timer.data = e;
	uv_poll_init(loop, &e->poll, e->ep);
	e->poll.data = e;
	uv_poll_start(&e->poll, UV_READABLE, on_poll);
	e->open_handles = 2;
	*out = e;
	return 0;
}

int probe_engine_prepare(struct probe_engine *e, int kind, int family, char *err, size_t errlen)
{
	if (e->closing) {
		snprintf(err, errlen, "the probe engine is closing");
		return ERR_WRONG_STATE;
	}
	if (family != AF_INET && family != AF_INET6) {
		snprintf(err, errlen, "unknown address family %d", family);
		return ERR_INVAL;
	}
	if (kind == PROBE_TCP)
		return 0; /* one socket per connect, opened when it goes */
	if (kind != PROBE_ICMP) {
		snprintf(err, errlen, "the probe engine does not do %s probes",
		         probe_kind_name(kind));
		return ERR_INVAL;
	}
	return open_icmp(e, family, err, errlen);
}

const char *probe_engine_errmsg(const struct probe_engine *e)
{
	return e->errmsg;
}

/* Makes room for n more slots (free ones first, then a bigger array). */
static int reserve(struct probe_engine *e, size_t n)
{
	if (n <= e->nfree)
		return 0;
	size_t want = (size_t)e->nslots + (n - e->nfree);
	if (want > MAX_SLOTS)
		return ERR_TOOBIG;
	if (want > e->cap) {
		size_t cap = e->cap ? e->cap : 1024;
		while (cap < want)
			cap *= 2;
		if (cap > MAX_SLOTS)
			cap = MAX_SLOTS;
		e->slots = xreallocarray(e->slots, cap, sizeof *e->slots);
		e->cap = (uint32_t)cap;
	}
	return 0;
}

static uint32_t take_slot(struct probe_engine *e)
{
	if (e->free_head != NIL) {
		uint32_t i = e->free_head;
		e->free_head = e->slots[i].next;
		e->nfree--;
		return i;
	}
	return e->nslots++;
}

int probe_engine_submit(struct probe_engine *e, const struct probe_target *t, size_t n)
{
	e->errmsg[0] = '\0';
	if (e->closing) {
		snprintf(e->errmsg, sizeof e->errmsg, "the probe engine is closing");
		return ERR_WRONG_STATE;
	}
	bool need[2] = {false, false};
	for (size_t k = 0; k < n; k++) {
		char a[ADDR_STRLEN];
		if (t[k].addr.family != AF_INET && t[k].addr.family != AF_INET6) {
			snprintf(e->errmsg, sizeof e->errmsg, "target %zu: no address", k);
			return ERR_INVAL;
		}
		if (t[k].kind == PROBE_TCP && !t[k].port) {
			snprintf(e->errmsg, sizeof e->errmsg, "target %zu (%s): TCP needs a port",
			         k, addr_format(&t[k].addr, a, sizeof a));
			return ERR_INVAL;
		}
		if (t[k].kind != PROBE_TCP && t[k].kind != PROBE_ICMP) {
			snprintf(e->errmsg, sizeof e->errmsg,
			         "target %zu: the engine does not do %s probes", k,
			         probe_kind_name(t[k].kind));
			return ERR_INVAL;
		}
		if (t[k].kind == PROBE_ICMP)
			need[fam_index(t[k].addr.family)] = true;
	}
	for (int fi = 0; fi < 2; fi++) {
		if (!need[fi])
			continue;
		int rc = open_icmp(e, fi ? AF_INET6 : AF_INET, e->errmsg, sizeof e->errmsg);
		if (rc)
			return rc;
	}
	if (reserve(e, n)) {
		snprintf(e->errmsg, sizeof e->errmsg, "too many targets at once");
		return ERR_TOOBIG;
	}
	if (!n)
		return 0;
	uint32_t *order = xmalloc(n * sizeof *order);
	for (size_t k = 0; k < n; k++) {
		uint32_t i = take_slot(e);
		struct slot *s = &e->slots[i];
		*s = (struct slot){.addr = t[k].addr,
		                   .kind = t[k].kind,
		                   .port = t[k].port,
		                   .fd = -1,
		                   .cookie = t[k].cookie};
		order[k] = i;
	}
	if (e->cfg.shuffle)
		for (size_t k = n - 1; k > 0; k--) {
			size_t j = rng_next(&e->rng) % (k + 1);
			uint32_t tmp = order[k];
			order[k] = order[j];
			order[j] = tmp;
		}
	int64_t now = clock_mono_us();
	int64_t spread = e->cfg.spread_us, slice = spread / (int64_t)n;
	for (size_t k = 0; k < n; k++) {
		struct slot *s = &e->slots[order[k]];
		/* stratified jitter: a random moment in this probe's own slice, so the
		 * list stays in time order and the whole spread is used */
		s->t_us = now;
		if (spread)
			s->t_us += (int64_t)((__int128)spread * (int64_t)k / (int64_t)n) +
			           (slice ? (int64_t)(rng_next(&e->rng) % (uint64_t)slice) : 0);
		s->state = S_PENDING;
		list_push_tail(e, &e->pending, order[k]);
	}
	free(order);
	e->st.submitted += n;
	e->st.pending += (uint32_t)n;
	arm(e);
	return 0;
}

void probe_engine_stats(const struct probe_engine *e, struct probe_stats *out)
{
	*out = e->st;
	out->in_flight = e->inflight.count;
}

const char *probe_engine_icmp_socket(const struct probe_engine *e, int family)
{
	const struct icmp_sock *k = &e->icmp[fam_index(family)];
	return k->fd < 0 ? "none" : k->raw ? "raw" : "dgram";
}

static void on_handle_closed(uv_handle_t *h)
{
	struct probe_engine *e = h->data;
	if (--e->open_handles)
		return;
	void (*closed)(void *) = e->closed;
	void *ctx = e->closed_ctx;
	free(e->slots);
	free(e->seqmap);
	free(e->tx[0]);
	free(e->tx[1]);
	free(e->rx);
	free(e);
	if (closed)
		closed(ctx);
}

void probe_engine_close(struct probe_engine *e, void (*closed)(void *ctx), void *ctx)
{
	if (!e || e->closing)
		return;
	e->closing = true;
	e->closed = closed;
	e->closed_ctx = ctx;
	for (uint32_t i = e->inflight.head; i != NIL; i = e->slots[i].next)
		if (e->slots[i].fd >= 0) {
			close(e->slots[i].fd);
			e->slots[i].fd = -1;
		}
	uv_timer_stop(&e->timer);
	uv_poll_stop(&e->poll);
	uv_close((uv_handle_t *)&e->timer, on_handle_closed);
	uv_close((uv_handle_t *)&e->poll, on_handle_closed);
	for (int fi = 0; fi < 2; fi++)
		if (e->icmp[fi].fd >= 0)
			close(e->icmp[fi].fd);
	close(e->ep);
}
