/*
 * cmd_mrt.c - `blackout mrt [--json] FILE...`: MRT archives as text, one line
 * per route entry in the form of `bgpdump -m` (or one JSON object per entry).
 *
 * --count decodes everything (every attribute, every prefix) and prints only
 * "records N routes M" per file: the reader's speed without the printing.
 *
 * Exit: 0 every file read cleanly; 1 a file was damaged (warnings on stderr
 * name the file and byte offset); 2 bad arguments, or a file that cannot be
 * opened or holds no MRT record at all.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bgp/mrt.h"
#include "bgp/mrt_text.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/log.h"

#define FLUSH_AT (1u << 20)
#define MAX_WARNINGS 20

struct warn_state {
	unsigned shown, hidden;
};

static void on_warn(void *ctx, const struct mrt_warning *w)
{
	struct warn_state *ws = ctx;
	if (ws->shown >= MAX_WARNINGS) {
		ws->hidden++;
		return;
	}
	ws->shown++;
	if (w->level == MRT_NOTE)
		log_info("%s: offset %llu: %s", w->name, (unsigned long long)w->offset, w->msg);
	else
		log_warn("%s: offset %llu: %s", w->name, (unsigned long long)w->offset, w->msg);
}

static int flush(struct buf *out)
{
	size_t off = 0;
	while (off < out->len) {
		ssize_t n = write(STDOUT_FILENO, out->p + off, out->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	buf_reset(out);
	return 0;
}

static void count_route(void *ctx, const struct mrt_route *r)
{
	uint64_t *n = ctx;
	(*n)++;
	(void)r;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: blackout mrt [--json | --count] FILE...\n"
		   "Prints MRT routing archives (RFC 6396; plain, gzip or bzip2) one line per\n"
		   "route entry, in the form of `bgpdump -m`; --json gives one object per entry;\n"
		   "--count only decodes and prints \"FILE: records N routes M\".\n"
		   "FILE may be - for stdin. Differences from bgpdump: docs/mrt.md.\n"
		   "Exit: 0 clean, 1 damaged input (warnings name file and offset), 2 bad usage\n"
		   "or unreadable file.\n");
}

int cmd_mrt(int argc, char **argv)
{
	bool json = false, count = false;
	int first = 1;
	for (; first < argc; first++) {
		const char *a = argv[first];
		if (!strcmp(a, "--json"))
			json = true;
		else if (!strcmp(a, "--count"))
			count = true;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--")) {
			first++;
			break;
		} else if (a[0] == '-' && a[1]) {
			log_error("mrt: unknown option '%s'", a);
			usage(stderr);
			return EXIT_USAGE;
		} else
			break;
	}
	if (first >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	int status = 0;
	struct buf out = {0};
	struct mrt_text *t = mrt_text_new();
	for (int i = first; i < argc; i++) {
		struct warn_state ws = {0};
		struct mrt_reader_opts opts = {on_warn, &ws};
		struct mrt_reader *r;
		char err[256];
		if (mrt_reader_open(argv[i], &opts, &r, err, sizeof err)) {
			log_error("%s", err);
			status = EXIT_USAGE;
			continue;
		}
		const struct mrt_record *rec;
		int rc;
		uint64_t routes = 0;
		while ((rc = mrt_next(r, &rec)) > 0) {
			if (count)
				mrt_record_routes(rec, count_route, &routes);
			else if (json)
				mrt_text_json(t, &out, rec);
			else
				mrt_text_bgpdump(t, &out, rec);
			if (out.len >= FLUSH_AT && flush(&out)) {
				log_error("mrt: cannot write the output: %s", strerror(errno));
				mrt_reader_free(r);
				mrt_text_free(t);
				buf_free(&out);
				return EXIT_USAGE;
			}
		}
		if (count)
			buf_printf(&out, "%s: records %llu routes %llu\n", argv[i],
				   (unsigned long long)mrt_reader_records(r), (unsigned long long)routes);
		if (ws.hidden)
			log_warn("%s: %u more warnings not shown", argv[i], ws.hidden);
		if (mrt_reader_records(r) == 0 && mrt_reader_damage(r) > 0) {
			log_error("%s: no MRT record found", argv[i]);
			status = EXIT_USAGE;
		} else if ((rc < 0 || mrt_reader_damage(r) > 0) && status == 0) {
			status = 1;
		}
		mrt_reader_free(r);
	}
	if (flush(&out)) {
		log_error("mrt: cannot write the output: %s", strerror(errno));
		status = EXIT_USAGE;
	}
	mrt_text_free(t);
	buf_free(&out);
	return status;
}
