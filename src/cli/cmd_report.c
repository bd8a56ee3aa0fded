/*
 * cmd_report.c - `blackout report EVENT_ID [--db FILE] [--json]`: one stored
 * event as a timeline a journalist could quote, with the evidence for its
 * cause (the event's timeline and evidence JSON, read with store_event_steps
 * and store_event_strings).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/report_html.h"
#include "core/buf.h"
#include "core/clock.h"
#include "detect/detect.h"
#include "serve/api.h"
#include "store/store.h"
#include "watch/watch.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: blackout report EVENT_ID [--db FILE] [--json | --html FILE]\n\n"
		   "Prints one outage event (an id from 'blackout events'): what failed when,\n"
		   "what came back, and the cause with the evidence that led to it.\n"
		   "  --db FILE   the store (default " STORE_DEFAULT_PATH ")\n"
		   "  --json      the event as the API shows it, with its \"timeline\"\n"
		   "  --html FILE also write a self-contained HTML page: the timeline in words\n"
		   "              and each layer's signal over time (inline SVG)\n");
}

struct rep {
	struct store *st;
	bool json;
	struct buf b;
	int64_t now;
	size_t steps;
};

static int on_step(void *arg, const struct store_step_row *s)
{
	struct rep *r = arg;
	if (r->json) {
		buf_puts(&r->b, r->steps ? "," : "");
		char t[40];
		buf_puts(&r->b, "{\"time\":");
		json_str(&r->b, clock_format_iso(s->time_us, 0, t, sizeof t));
		buf_puts(&r->b, ",\"layer\":");
		json_str(&r->b, s->layer);
		buf_puts(&r->b, ",\"target\":");
		json_str(&r->b, s->target);
		buf_puts(&r->b, ",\"change\":");
		json_str(&r->b, s->change);
		buf_puts(&r->b, ",\"text\":");
		json_str(&r->b, s->text);
		buf_putc(&r->b, '}');
	} else {
		char t[40];
		clock_format_iso(s->time_us, 0, t, sizeof t);
		/* "2022-01-14T21:05:00Z" -> "21:05:00" */
		buf_printf(&r->b, "  %.8s  %s\n", t + 11, s->text ? s->text : s->change ? s->change : "");
	}
	r->steps++;
	return 0;
}

static int emit_event(void *arg, const struct serve_event *e)
{
	struct rep *r = arg;
	if (r->json) {
		struct buf ev = {0};
		serve_event_json(&ev, e, r->now);
		/* the API's object, with the timeline added before its closing brace */
		if (ev.len)
			ev.p[--ev.len] = '\0';
		buf_append(&r->b, ev.p, ev.len);
		buf_free(&ev);
		buf_puts(&r->b, ",\"timeline\":[");
		int rc = store_event_steps(r->st, (int64_t)e->id, on_step, r);
		buf_puts(&r->b, "]}\n");
		return rc < 0 ? rc : 0;
	}
	char s[40], en[40], d[32];
	clock_format_iso(e->start_us, 0, s, sizeof s);
	cli_duration((e->end_us ? e->end_us : r->now) - e->start_us, d, sizeof d);
	buf_printf(&r->b, "event %llu: %s, %s", (unsigned long long)e->id, e->entity,
		   e->end_us ? "ended" : "STILL OPEN");
	buf_printf(&r->b, "\n  start %s", s);
	if (e->end_us)
		buf_printf(&r->b, ", end %s", clock_format_iso(e->end_us, 0, en, sizeof en));
	buf_printf(&r->b, ", %s%s\n", e->end_us ? "lasted " : "so far ", d);
	if (e->summary)
		buf_printf(&r->b, "\n%s\n", e->summary);
	buf_puts(&r->b, "\ntimeline (UTC):\n");
	int rc = store_event_steps(r->st, (int64_t)e->id, on_step, r);
	if (rc < 0)
		return rc;
	int cause = detect_cause_from_name(e->cause);
	buf_printf(&r->b, "\ncause: %s (%s), confidence %.0f%%, peak severity %.0f%%\n", e->cause,
		   cause >= 0 ? detect_cause_text(cause) : "?", e->confidence * 100, e->severity * 100);
	if (e->n_layers_failed) {
		buf_puts(&r->b, "layers failed, in order: ");
		for (size_t i = 0; i < e->n_layers_failed; i++)
			buf_printf(&r->b, "%s%s", i ? ", " : "", e->layers_failed[i]);
		buf_putc(&r->b, '\n');
	}
	if (e->n_layers_recovered) {
		buf_puts(&r->b, "layers back, in order: ");
		for (size_t i = 0; i < e->n_layers_recovered; i++)
			buf_printf(&r->b, "%s%s", i ? ", " : "", e->layers_recovered[i]);
		buf_putc(&r->b, '\n');
	}
	if (e->n_evidence) {
		buf_puts(&r->b, "evidence:\n");
		for (size_t i = 0; i < e->n_evidence; i++)
			buf_printf(&r->b, "  - %s\n", e->evidence[i]);
	}
	return 0;
}

static int on_row(void *arg, const struct store_event_row *row)
{
	struct rep *r = arg;
	return watch_serve_event(r->st, row, emit_event, r);
}

/* The page for event id, with the text report in it, into path. 0 or 1. */
static int write_html(struct store *st, long long id, const char *text, const char *path)
{
	struct buf page = {0};
	char err[256];
	int status = 0;
	if (report_html_write(st, id, text, &page, err, sizeof err) < 0) {
		fprintf(stderr, "blackout report: %s\n", err);
		status = 1;
		goto done;
	}
	FILE *f = fopen(path, "w");
	if (!f || fwrite(page.p, 1, page.len, f) != page.len) {
		fprintf(stderr, "blackout report: cannot write %s\n", path);
		status = 1;
	}
	if (f && fclose(f) != 0 && !status) {
		fprintf(stderr, "blackout report: cannot write %s\n", path);
		status = 1;
	}
done:
	buf_free(&page);
	return status;
}

int cmd_report(int argc, char **argv)
{
	const char *db = STORE_DEFAULT_PATH, *id_s = NULL, *html = NULL;
	struct rep r = {0};
	for (int i = 1; i < argc; i++) {
		int k = cli_store_opt(argc, argv, &i, &db, &r.json);
		if (k == CLI_OPT_OTHER && !strcmp(argv[i], "--html")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "blackout report: --html needs a file name\n");
				return EXIT_USAGE;
			}
			html = argv[++i];
			continue;
		}
		if (k == CLI_OPT_HELP) {
			usage(stdout);
			return 0;
		} else if (k == CLI_OPT_TAKEN) {
			continue;
		} else if (argv[i][0] != '-' && !id_s) {
			id_s = argv[i];
		} else {
			fprintf(stderr, "blackout report: unexpected '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	char *end = NULL;
	long long id = id_s ? strtoll(id_s, &end, 10) : 0;
	if (!id_s || *end || id <= 0) {
		fprintf(stderr, "blackout report: want an event id (a number from 'blackout events')%s%s\n",
			id_s ? ", not " : "", id_s ? id_s : "");
		return EXIT_USAGE;
	}
	if (html && r.json) {
		fprintf(stderr, "blackout report: --html and --json do not go together\n");
		return EXIT_USAGE;
	}
	if (cli_store_open_ro("report", db, &r.st) < 0)
		return EXIT_USAGE;
	r.now = clock_wall_us();
	int rc = store_event(r.st, id, NULL, on_row, &r);
	int status = 0;
	if (rc == ERR_NOTFOUND) {
		fprintf(stderr, "blackout report: no event %lld in %s\n", id, db);
		status = 1;
	} else if (rc < 0) {
		fprintf(stderr, "blackout report: %s: %s\n", db, store_errmsg(r.st));
		status = 1;
	} else {
		fwrite(r.b.p, 1, r.b.len, stdout);
		if (html)
			status = write_html(r.st, id, r.b.p, html);
	}
	buf_free(&r.b);
	store_close(r.st);
	return status;
}
