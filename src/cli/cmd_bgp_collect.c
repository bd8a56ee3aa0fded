/*
 * cmd_bgp_collect.c - `blackout bgp collect`: the live, passive BGP collector.
 *
 *   blackout bgp collect --listen ADDR:PORT --asn N --router-id A.B.C.D
 *       --peer ADDR,ASN[,PORT] [--peer ...] [--mrt FILE] [--hold SECONDS]
 *       [--connect-retry SECONDS] [--addpath] [--notify-refused]
 *       [--prefix P ... [--origin ASN] [--bin SECONDS] [--json]]
 *
 * Runs until SIGINT or SIGTERM, then ends the sessions (NOTIFICATION Cease),
 * flushes the MRT file and exits 0. Session changes are logged on stderr;
 * with --prefix, visibility rows (cmd_bgp.h) are printed on stdout as bins
 * close and as prefixes are withdrawn or seen again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/collector.h"
#include "bgp/visibility.h"
#include "cli/cli.h"
#include "cli/cmd_bgp.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"

struct collect {
	uv_loop_t loop;
	uv_signal_t sigint, sigterm;
	uv_timer_t tick;
	struct collector *col;
	struct vis *vis;
	struct buf out;
	bool json, stopping;
};

static void flush_rows(struct collect *st)
{
	if (st->out.len) {
		fwrite(st->out.p, 1, st->out.len, stdout);
		fflush(stdout);
		buf_reset(&st->out);
	}
}

static void on_row(void *ctx, const struct vis_row *r)
{
	struct collect *st = ctx;
	cmd_bgp_row(&st->out, st->json, r);
}

static void on_route(void *ctx, const struct vis_event *e)
{
	struct collect *st = ctx;
	if (st->vis) {
		vis_feed(st->vis, e);
		flush_rows(st);
	}
}

static void on_state(void *ctx, const struct collector_state_change *s)
{
	char ip[ADDR_STRLEN];
	addr_format(s->ip, ip, sizeof ip);
	log_info("BGP peer %s AS%u: %s -> %s: %s", ip, s->asn, collector_fsm_name(s->old_state),
		 collector_fsm_name(s->new_state), s->reason);
}

static void on_tick(uv_timer_t *t)
{
	struct collect *st = t->data;
	if (st->vis) {
		vis_advance(st->vis, clock_wall_us());
		flush_rows(st);
	}
}

static void close_cb(uv_handle_t *h)
{
	(void)h;
}

static void on_stopped(void *arg)
{
	struct collect *st = arg;
	uv_close((uv_handle_t *)&st->sigint, close_cb);
	uv_close((uv_handle_t *)&st->sigterm, close_cb);
	uv_close((uv_handle_t *)&st->tick, close_cb);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct collect *st = h->data;
	if (st->stopping)
		return;
	st->stopping = true;
	log_info("BGP collector: signal %d, stopping", signum);
	if (st->vis) {
		vis_finish(st->vis, clock_wall_us());
		flush_rows(st);
	}
	collector_stop(st->col, on_stopped, st);
}

/* "ADDR:PORT" or "[V6]:PORT". */
static int parse_hostport(const char *s, struct addr *a, uint16_t *port)
{
	char host[64];
	const char *colon;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof host)
			return ERR_PARSE;
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = '\0';
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof host)
			return ERR_PARSE;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	char *end;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (*end || end == colon + 1 || p == 0 || p > 65535 || addr_parse(host, a))
		return ERR_PARSE;
	*port = (uint16_t)p;
	return 0;
}

static int parse_u32(const char *s, uint32_t *out, uint32_t min, uint32_t max)
{
	if (!strncasecmp(s, "AS", 2))
		s += 2;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return ERR_PARSE;
	*out = (uint32_t)v;
	return 0;
}

/* "ADDR,ASN[,PORT]" */
static int parse_peer(const char *s, struct collector_peer_config *p)
{
	char tmp[128];
	snprintf(tmp, sizeof tmp, "%s", s);
	char *asn = strchr(tmp, ',');
	if (!asn)
		return ERR_PARSE;
	*asn++ = '\0';
	char *port = strchr(asn, ',');
	if (port)
		*port++ = '\0';
	uint32_t v;
	memset(p, 0, sizeof *p);
	if (addr_parse(tmp, &p->ip) || parse_u32(asn, &p->asn, 1, UINT32_MAX))
		return ERR_PARSE;
	if (port) {
		if (parse_u32(port, &v, 1, 65535))
			return ERR_PARSE;
		p->port = (uint16_t)v;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: blackout bgp collect --listen ADDR:PORT --asn N --router-id A.B.C.D\n"
		"         --peer ADDR,ASN[,PORT] [--peer ...] [--mrt FILE] [--hold SECONDS]\n"
		"         [--connect-retry SECONDS] [--addpath] [--notify-refused]\n"
		"         [--prefix P ... [--origin ASN] [--bin SECONDS] [--json]]\n"
		"A passive BGP speaker: sessions with the configured peers only (with PORT it\n"
		"also connects to them), never announces routes, writes what it receives to\n"
		"FILE (MRT BGP4MP_ET, bgpdump reads it), and with --prefix prints visibility\n"
		"rows live (as `blackout bgp visibility`). Stops on SIGINT or SIGTERM.\n");
}

int cmd_bgp_collect(int argc, char **argv)
{
	struct collector_config cfg = {0};
	struct collector_peer_config peers[64];
	struct vis_watch watch[VIS_MAX_WATCH];
	size_t n_watch = 0;
	uint32_t origin = 0, v;
	int64_t bin_us = 60 * USEC_PER_SEC;
	bool json = false, have_id = false;
	const char *mrt = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool handled;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (cmd_bgp_watch_opt(argc, argv, &i, watch, &n_watch, &origin, &bin_us, &json,
				      &handled))
			return EXIT_USAGE;
		if (handled)
			continue;
		if (!strcmp(a, "--addpath")) {
			cfg.addpath_receive = true;
			continue;
		}
		if (!strcmp(a, "--notify-refused")) {
			cfg.refuse_notify = true;
			continue;
		}
		if (i + 1 >= argc) {
			log_error("bgp collect: %s: %s", a,
				  a[0] == '-' ? "unknown option or missing value" : "unexpected argument");
			usage(stderr);
			return EXIT_USAGE;
		}
		const char *val = argv[++i];
		int bad = 0;
		if (!strcmp(a, "--listen"))
			bad = parse_hostport(val, &cfg.listen_ip, &cfg.listen_port);
		else if (!strcmp(a, "--asn"))
			bad = parse_u32(val, &cfg.asn, 1, UINT32_MAX);
		else if (!strcmp(a, "--router-id")) {
			struct addr id;
			bad = addr_parse(val, &id) || id.family != AF_INET;
			memcpy(cfg.router_id, id.bytes, 4);
			have_id = true;
		} else if (!strcmp(a, "--peer")) {
			if (cfg.n_peers >= sizeof peers / sizeof peers[0]) {
				log_error("bgp collect: too many peers");
				return EXIT_USAGE;
			}
			bad = parse_peer(val, &peers[cfg.n_peers]);
			cfg.n_peers++;
		} else if (!strcmp(a, "--mrt"))
			mrt = val;
		else if (!strcmp(a, "--hold")) {
			bad = parse_u32(val, &v, 0, 65535) || v == 1 || v == 2;
			cfg.hold_time = (uint16_t)v;
			if (!bad && v == 0) {
				log_error("bgp collect: --hold 0 (no keepalives) is not supported");
				return EXIT_USAGE;
			}
		} else if (!strcmp(a, "--connect-retry")) {
			bad = parse_u32(val, &v, 1, 3600);
			cfg.connect_retry = (uint16_t)v;
		} else {
			log_error("bgp collect: unknown option '%s'", a);
			usage(stderr);
			return EXIT_USAGE;
		}
		if (bad) {
			log_error("bgp collect: %s '%s': not valid", a, val);
			return EXIT_USAGE;
		}
	}
	if (!cfg.listen_port || !cfg.asn || !have_id || !cfg.n_peers) {
		log_error("bgp collect: --listen, --asn, --router-id and --peer are required");
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t w = 0; w < n_watch; w++)
		watch[w].origin_as = origin;
	struct collect *st = xcalloc(1, sizeof *st);
	st->json = json;
	uv_loop_init(&st->loop);
	if (n_watch) {
		struct vis_config vc = {watch, n_watch, bin_us, on_row, st};
		int err;
		st->vis = vis_new(&vc, &err);
		cmd_bgp_header(&st->out, json);
		flush_rows(st);
	}
	cfg.peers = peers;
	cfg.mrt_path = mrt;
	cfg.on_route = on_route;
	cfg.on_state = on_state;
	cfg.ctx = st;
	char err[256];
	int status = 0;
	if (collector_start(&st->loop, &cfg, &st->col, err, sizeof err)) {
		log_error("bgp collect: %s", err);
		status = EXIT_USAGE;
		goto out;
	}
	char ip[ADDR_STRLEN];
	log_info("BGP collector AS%u listening on %s port %u, %zu peers%s%s", cfg.asn,
		 addr_format(&cfg.listen_ip, ip, sizeof ip), cfg.listen_port, cfg.n_peers,
		 mrt ? ", MRT to " : "", mrt ? mrt : "");
	uv_signal_init(&st->loop, &st->sigint);
	uv_signal_init(&st->loop, &st->sigterm);
	st->sigint.data = st->sigterm.data = st;
	uv_signal_start(&st->sigint, on_signal, SIGINT);
	uv_signal_start(&st->sigterm, on_signal, SIGTERM);
	uv_timer_init(&st->loop, &st->tick);
	st->tick.data = st;
	uv_timer_start(&st->tick, on_tick, 1000, 1000);
	uv_run(&st->loop, UV_RUN_DEFAULT);
	for (size_t i = 0; i < cfg.n_peers; i++) {
		struct collector_counts cc;
		collector_peer_counts(st->col, i, &cc);
		log_info("BGP peer %s AS%u: %llu sessions, %llu messages, %llu UPDATEs, %llu announced, "
			 "%llu withdrawn",
			 addr_format(&peers[i].ip, ip, sizeof ip), peers[i].asn,
			 (unsigned long long)cc.sessions, (unsigned long long)cc.messages,
			 (unsigned long long)cc.updates, (unsigned long long)cc.announced,
			 (unsigned long long)cc.withdrawn);
	}
	collector_free(st->col);
out:
	flush_rows(st);
	uv_loop_close(&st->loop);
	vis_free(st->vis);
	buf_free(&st->out);
	free(st);
	return status;
}
