/*
 * cmd_bgp.c - `blackout bgp SUBCOMMAND`: BGP visibility of watched prefixes.
 *
 *   blackout bgp visibility --prefix P [--prefix P...] [--origin ASN]
 *                           [--bin SECONDS] [--json] FILE...
 *     reads MRT archives in the order given (a RIB dump first gives the peers
 *     and the starting state; updates follow) and prints, per time bin and
 *     watched prefix, how many peers see it, plus the moments it was
 *     withdrawn by every peer and seen again (bgp/visibility.h).
 *   blackout bgp collect ...   the live collector (cmd_bgp_collect.c).
 *
 * Rows (CSV with a header line, or one JSON object per line):
 *   time,prefix,event,peers_seeing,peers_up,fraction,min_seeing,max_seeing
 * event is "bin" (time = the bin's start, min/max during the bin), "withdrawn"
 * or "visible" (time = the moment, to the millisecond).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgp/mrt.h"
#include "bgp/visibility.h"
#include "cli/cli.h"
#include "cli/cmd_bgp.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"

void cmd_bgp_row(struct buf *out, bool json, const struct vis_row *r)
{
	static const char *const kinds[] = {"bin", "withdrawn", "visible"};
	char t[40], pfx[PREFIX_STRLEN], frac[32];
	clock_format_iso(r->time_us, r->kind != VIS_ROW_BIN, t, sizeof t);
	prefix_format(r->prefix, pfx, sizeof pfx);
	if (r->peers_up)
		snprintf(frac, sizeof frac, "%.4f", (double)r->seeing / r->peers_up);
	else
		snprintf(frac, sizeof frac, json ? "null" : "");
	if (json)
		buf_printf(out,
			   "{\"time\":\"%s\",\"unix\":%.6f,\"prefix\":\"%s\",\"event\":\"%s\","
			   "\"peers_seeing\":%u,\"peers_up\":%u,\"fraction\":%s,\"min_seeing\":%u,"
			   "\"max_seeing\":%u}\n",
			   t, (double)r->time_us / 1e6, pfx, kinds[r->kind], r->seeing, r->peers_up,
			   frac, r->min_seeing, r->max_seeing);
	else
		buf_printf(out, "%s,%s,%s,%u,%u,%s,%u,%u\n", t, pfx, kinds[r->kind], r->seeing,
			   r->peers_up, frac, r->min_seeing, r->max_seeing);
}

void cmd_bgp_header(struct buf *out, bool json)
{
	if (!json)
		buf_puts(out, "time,prefix,event,peers_seeing,peers_up,fraction,min_seeing,"
			      "max_seeing\n");
}

int cmd_bgp_watch_opt(int argc, char **argv, int *i, struct vis_watch *watch, size_t *n_watch,
		    uint32_t *origin, int64_t *bin_us, bool *json, bool *handled)
{
	const char *a = argv[*i];
	*handled = true;
	if (!strcmp(a, "--json")) {
		*json = true;
		return 0;
	}
	bool takes = !strcmp(a, "--prefix") || !strcmp(a, "--origin") || !strcmp(a, "--bin");
	if (!takes) {
		*handled = false;
		return 0;
	}
	if (*i + 1 >= argc) {
		log_error("bgp: %s needs a value", a);
		return ERR_INVAL;
	}
	const char *v = argv[++*i];
	char *end;
	if (!strcmp(a, "--prefix")) {
		if (*n_watch >= VIS_MAX_WATCH) {
			log_error("bgp: at most %d prefixes", VIS_MAX_WATCH);
			return ERR_INVAL;
		}
		if (prefix_parse(v, &watch[*n_watch].prefix)) {
			log_error("bgp: --prefix '%s': expected ADDRESS/LENGTH", v);
			return ERR_INVAL;
		}
		prefix_normalize(&watch[*n_watch].prefix);
		(*n_watch)++;
	} else if (!strcmp(a, "--origin")) {
		if (!strncasecmp(v, "AS", 2))
			v += 2;
		errno = 0;
		unsigned long long n = strtoull(v, &end, 10);
		if (errno || *end || end == v || n == 0 || n > UINT32_MAX) {
			log_error("bgp: --origin '%s': expected an AS number", argv[*i]);
			return ERR_INVAL;
		}
		*origin = (uint32_t)n;
	} else {
		errno = 0;
		double s = strtod(v, &end);
		if (errno || *end || end == v || !(s >= 0.001) || s > 366 * 86400.0) {
			log_error("bgp: --bin '%s': expected seconds", v);
			return ERR_INVAL;
		}
		*bin_us = (int64_t)(s * 1e6 + 0.5);
	}
	return 0;
}

/* ---- visibility from MRT files ---- */

struct vis_run {
	struct vis *vis;
	struct buf out;
	bool json;
	int64_t last_us;
	uint8_t merge[BGP_MERGE_BUF];
	int64_t rec_us;
};

static void on_row(void *ctx, const struct vis_row *r)
{
	struct vis_run *run = ctx;
	cmd_bgp_row(&run->out, run->json, r);
}

static void feed_route(void *ctx, const struct mrt_route *r)
{
	struct vis_run *run = ctx;
	struct vis_event e = {.time_us = run->rec_us,
			      .kind = r->kind == MRT_ROUTE_WITHDRAW ? VIS_WITHDRAW : VIS_ANNOUNCE,
			      .prefix = r->prefix,
			      .path_id = r->path_id};
	e.peer.ip = *r->peer_ip;
	e.peer.asn = r->peer_as;
	if (r->attrs) {
		struct bgp_effective eff;
		bgp_attrs_effective(r->attrs, run->merge, sizeof run->merge, &eff);
		e.origin_as = bgp_aspath_origin(&eff.path);
	}
	vis_feed(run->vis, &e);
}

static void feed_record(struct vis_run *run, const struct mrt_record *rec)
{
	run->rec_us = (int64_t)rec->time * USEC_PER_SEC + rec->usec;
	if (run->rec_us > run->last_us)
		run->last_us = run->rec_us;
	if (rec->kind == MRT_KIND_RIB) {
		mrt_record_routes(rec, feed_route, run);
		return;
	}
	if ((rec->kind != MRT_KIND_STATE && rec->kind != MRT_KIND_MESSAGE) || rec->bgp.err ||
	    rec->bgp.local || rec->bgp.no_address)
		return;
	struct vis_event e = {.time_us = run->rec_us};
	e.peer.ip = rec->bgp.peer_ip;
	e.peer.asn = rec->bgp.peer_as;
	if (rec->kind == MRT_KIND_STATE) {
		if (rec->bgp.new_state == MRT_STATE_ESTABLISHED)
			e.kind = VIS_PEER_UP;
		else if (rec->bgp.old_state == MRT_STATE_ESTABLISHED)
			e.kind = VIS_PEER_DOWN;
		else
			return;
		vis_feed(run->vis, &e);
		return;
	}
	/* a peer that sends UPDATEs or KEEPALIVEs has its session up */
	if (rec->bgp.msg.type == BGP_MSG_UPDATE || rec->bgp.msg.type == BGP_MSG_KEEPALIVE) {
		e.kind = VIS_PEER_UP;
		vis_feed(run->vis, &e);
	}
	mrt_record_routes(rec, feed_route, run);
}

static int flush_out(struct buf *b)
{
	if (b->len && fwrite(b->p, 1, b->len, stdout) != b->len)
		return -1;
	buf_reset(b);
	return 0;
}

static void warn_cb(void *ctx, const struct mrt_warning *w)
{
	unsigned *shown = ctx;
	if ((*shown)++ < 20)
		log_msg(w->level == MRT_NOTE ? LOG_INFO : LOG_WARN, "%s: offset %llu: %s", w->name,
			(unsigned long long)w->offset, w->msg);
}

static void usage_visibility(FILE *f)
{
	fprintf(f, "usage: blackout bgp visibility --prefix P [--prefix P...] [--origin ASN]\n"
		   "                               [--bin SECONDS] [--json] FILE...\n"
		   "For each watched prefix (more-specifics included; with --origin only routes\n"
		   "whose AS path ends in ASN), how many BGP peers see it per time bin (default\n"
		   "300 s), and when it was withdrawn by every peer and seen again. FILEs are MRT\n"
		   "archives read in order: a RIB dump first gives the peers and the starting state.\n"
		   "Output: CSV time,prefix,event,peers_seeing,peers_up,fraction,min_seeing,max_seeing\n"
		   "(event: bin, withdrawn, visible), or one JSON object per row with --json.\n");
}

static int cmd_visibility(int argc, char **argv)
{
	struct vis_watch watch[VIS_MAX_WATCH];
	size_t n_watch = 0;
	uint32_t origin = 0;
	int64_t bin_us = 300 * USEC_PER_SEC;
	bool json = false;
	int i = 1;
	for (; i < argc; i++) {
		bool handled;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage_visibility(stdout);
			return 0;
		}
		if (cmd_bgp_watch_opt(argc, argv, &i, watch, &n_watch, &origin, &bin_us, &json, &handled))
			return EXIT_USAGE;
		if (handled)
			continue;
		if (argv[i][0] == '-' && argv[i][1]) {
			log_error("bgp visibility: unknown option '%s'", argv[i]);
			usage_visibility(stderr);
			return EXIT_USAGE;
		}
		break;
	}
	if (!n_watch || i >= argc) {
		log_error("bgp visibility: %s", !n_watch ? "--prefix is required" : "no FILE given");
		usage_visibility(stderr);
		return EXIT_USAGE;
	}
	for (size_t w = 0; w < n_watch; w++)
		watch[w].origin_as = origin;
	struct vis_run *run = calloc(1, sizeof *run);
	if (!run)
		return EXIT_USAGE;
	run->json = json;
	struct vis_config cfg = {watch, n_watch, bin_us, on_row, run};
	int err;
	run->vis = vis_new(&cfg, &err);
	cmd_bgp_header(&run->out, json);
	int status = 0;
	for (; i < argc; i++) {
		unsigned shown = 0;
		struct mrt_reader_opts opts = {warn_cb, &shown};
		struct mrt_reader *r;
		char msg[256];
		if (mrt_reader_open(argv[i], &opts, &r, msg, sizeof msg)) {
			log_error("%s", msg);
			status = EXIT_USAGE;
			continue;
		}
		const struct mrt_record *rec;
		int rc;
		while ((rc = mrt_next(r, &rec)) > 0) {
			feed_record(run, rec);
			if (run->out.len > (1u << 20))
				flush_out(&run->out);
		}
		if (mrt_reader_records(r) == 0 && mrt_reader_damage(r)) {
			log_error("%s: no MRT record found", argv[i]);
			status = EXIT_USAGE;
		} else if ((rc < 0 || mrt_reader_damage(r)) && !status) {
			status = 1;
		}
		mrt_reader_free(r);
	}
	vis_finish(run->vis, run->last_us);
	if (flush_out(&run->out) || fflush(stdout)) {
		log_error("bgp visibility: cannot write the output: %s", strerror(errno));
		status = EXIT_USAGE;
	}
	vis_free(run->vis);
	buf_free(&run->out);
	free(run);
	return status;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: blackout bgp SUBCOMMAND ...\n"
		   "  visibility  how many BGP peers see watched prefixes, from MRT archives\n"
		   "  collect     a passive BGP collector: sessions, MRT file, live visibility\n"
		   "'blackout bgp SUBCOMMAND --help' tells more.\n");
}

int cmd_bgp(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "visibility"))
		return cmd_visibility(argc - 1, argv + 1);
	if (!strcmp(argv[1], "collect"))
		return cmd_bgp_collect(argc - 1, argv + 1);
	log_error("bgp: unknown subcommand '%s'", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
