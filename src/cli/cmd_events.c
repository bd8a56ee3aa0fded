/*
 * cmd_events.c - `blackout events [--db FILE] [--since T] [--json]`: the
 * outage events in the store, one per line: id, entity, cause, start, end
 * (or "open"), duration, and the layers in the order they failed.
 * --json prints an array of the API's event objects (serve/api.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/clock.h"
#include "serve/api.h"
#include "store/store.h"
#include "watch/watch.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: blackout events [--db FILE] [--since TIME] [--json]\n\n"
		   "Lists outage events (open ones, and those that ended at or after --since;\n"
		   "default: all), oldest first. TIME is ISO 8601 UTC (2022-01-14T21:00Z) or @UNIXSECONDS.\n"
		   "  --db FILE   the store (default " STORE_DEFAULT_PATH ")\n"
		   "  --json      a JSON array of events as the API shows them\n");
}

struct ev_out {
	struct store *st;
	bool json;
	size_t n;
	struct buf b;
	int64_t now;
};

static int emit_event(void *arg, const struct serve_event *e)
{
	struct ev_out *o = arg;
	if (o->json) {
		buf_puts(&o->b, o->n ? ",\n " : "[");
		serve_event_json(&o->b, e, o->now);
	} else {
		char s[40], en[40], d[32];
		clock_format_iso(e->start_us, 0, s, sizeof s);
		if (e->end_us)
			clock_format_iso(e->end_us, 0, en, sizeof en);
		else
			snprintf(en, sizeof en, "open");
		cli_duration((e->end_us ? e->end_us : o->now) - e->start_us, d, sizeof d);
		buf_printf(&o->b, "%-4llu %-16s %-13s %s  %-20s %-9s ", (unsigned long long)e->id, e->entity,
			   e->cause, s, en, d);
		for (size_t i = 0; i < e->n_layers_failed; i++)
			buf_printf(&o->b, "%s%s", i ? ">" : "", e->layers_failed[i]);
		if (!e->n_layers_failed)
			buf_putc(&o->b, '-');
		buf_putc(&o->b, '\n');
	}
	o->n++;
	return 0;
}

static int on_row(void *arg, const struct store_event_row *r)
{
	struct ev_out *o = arg;
	return watch_serve_event(o->st, r, emit_event, o);
}

int cmd_events(int argc, char **argv)
{
	const char *db = STORE_DEFAULT_PATH;
	int64_t since = 0;
	struct ev_out o = {0};
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int k = cli_store_opt(argc, argv, &i, &db, &o.json);
		if (k == CLI_OPT_HELP) {
			usage(stdout);
			return 0;
		} else if (k == CLI_OPT_TAKEN) {
			continue;
		} else if (!strcmp(argv[i], "--since") && v) {
			if (clock_parse_iso(v, &since)) {
				fprintf(stderr, "blackout events: --since: '%s' is not a time "
						"(ISO 8601 like 2022-01-14T21:00Z, or @UNIXSECONDS)\n", v);
				return EXIT_USAGE;
			}
			i++;
		} else {
			fprintf(stderr, "blackout events: unknown option or missing value: '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (cli_store_open_ro("events", db, &o.st) < 0)
		return EXIT_USAGE;
	o.now = clock_wall_us();
	if (!o.json)
		buf_printf(&o.b, "%-4s %-16s %-13s %-20s  %-20s %-9s %s\n", "id", "entity", "cause", "start",
			   "end", "duration", "layers (failure order)");
	int rc = store_events(o.st, since, 0, on_row, &o);
	if (o.json)
		buf_puts(&o.b, o.n ? "]\n" : "[]\n");
	int status = 0;
	if (rc < 0) {
		fprintf(stderr, "blackout events: %s: %s\n", db, store_errmsg(o.st));
		status = 1;
	} else {
		fwrite(o.b.p, 1, o.b.len, stdout);
	}
	buf_free(&o.b);
	store_close(o.st);
	return status;
}
