/*
 * cmd_replay.c - `blackout replay --db FILE (-c CONFIG | --watchlist NAME)
 * [--from T] [--until T] [--json] [--write]`: re-runs detection over the
 * stored observations (e.g. after changing thresholds or the watchlist) and
 * prints the events it finds. The store is only read unless --write, which
 * stores the events found (by key: an event the watcher stored is updated).
 * Shows progress on stderr when it is a terminal.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/config.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/mem.h"
#include "store/store.h"
#include "watch/watch.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: blackout replay --db FILE (-c CONFIG | --watchlist NAME) [--from T] [--until T]\n"
		   "                       [--json] [--write]\n\n"
		   "Runs the detector again over the stored observations of the watchlist's targets\n"
		   "and prints the events it finds, oldest first. T is ISO 8601 UTC or @UNIXSECONDS\n"
		   "(default: everything). The store is not changed unless --write.\n");
}

static void progress(void *arg, int64_t t)
{
	(void)arg;
	char b[40];
	fprintf(stderr, "\rreplay: at %s", clock_format_iso(t, 0, b, sizeof b));
}

int cmd_replay(int argc, char **argv)
{
	const char *db = NULL, *file = NULL, *watchlist = NULL;
	int64_t from = 0, until = INT64_MAX;
	bool json = false, write = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--db") && v) {
			db = v, i++;
		} else if ((!strcmp(a, "-c") || !strcmp(a, "--config")) && v) {
			file = v, i++;
		} else if (!strcmp(a, "--watchlist") && v) {
			watchlist = v, i++;
		} else if ((!strcmp(a, "--from") || !strcmp(a, "--until")) && v) {
			if (clock_parse_iso(v, a[2] == 'f' ? &from : &until)) {
				fprintf(stderr, "blackout replay: %s: '%s' is not a time (ISO 8601 or @UNIXSECONDS)\n", a, v);
				return EXIT_USAGE;
			}
			i++;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--write")) {
			write = true;
		} else {
			fprintf(stderr, "blackout replay: unknown option or missing value: '%s'\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!db || (!file == !watchlist)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	struct config *cfg = cli_load_config(file, watchlist);
	if (!cfg)
		return EXIT_USAGE;
	struct store *st = NULL;
	struct detect *d = NULL;
	int64_t *ids = xcalloc(cfg->n_targets + 1, sizeof *ids);
	uint32_t *ents = xcalloc(cfg->n_entities + 1, sizeof *ents);
	int64_t *store_ents = xcalloc(cfg->n_entities + 1, sizeof *store_ents);
	int64_t *sync_tgts = xcalloc(cfg->n_targets + 1, sizeof *sync_tgts);
	int status = 1, rc;
	char err[256];
	struct store_options so = {.readonly = !write};
	if ((rc = store_open(db, &so, &st, err, sizeof err)) < 0) {
		fprintf(stderr, "blackout replay: %s: %s\n", db, err);
		status = EXIT_USAGE;
		goto done;
	}
	if ((rc = watch_store_target_ids(st, cfg, ids)) < 0)
		goto db_fail;
	/* --write: the entities' store ids, for the events' rows */
	if (write && (rc = store_sync_config(st, cfg, store_ents, sync_tgts)) < 0)
		goto db_fail;
	struct detect_params p;
	watch_detect_params(cfg, &p);
	d = detect_new(&p, NULL);
	if ((rc = watch_declare(d, cfg, ents, NULL)) < 0) {
		fprintf(stderr, "blackout replay: cannot set up the detector: %s\n", err_str(rc));
		goto done;
	}
	bool tty = isatty(2);
	uint64_t fed = 0;
	rc = watch_replay(st, d, ids, cfg->n_targets, cfg->vantage.id, from, until, tty ? progress : NULL,
			  NULL, &fed);
	if (tty)
		fprintf(stderr, "\r\033[K");
	if (rc < 0)
		goto db_fail;
	detect_drain(d);
	fprintf(stderr, "replay: %" PRIu64 " observations, %zu event%s\n", fed, detect_event_count(d),
		detect_event_count(d) == 1 ? "" : "s");
	struct buf b = {0};
	if (json)
		buf_puts(&b, "[");
	for (size_t i = 0; i < detect_event_count(d); i++) {
		const struct detect_event *ev = detect_event_at(d, i);
		char key[DETECT_LABEL_MAX + 32];
		watch_event_key(ev, key, sizeof key);
		if (json) {
			buf_puts(&b, i ? ",\n{\"key\":" : "{\"key\":");
			json_str(&b, key);
			buf_puts(&b, ",\"event\":");
			detect_event_json(&b, ev);
			buf_putc(&b, '}');
		} else {
			buf_printf(&b, "%s\n", key);
			detect_event_text(&b, ev);
			buf_putc(&b, '\n');
		}
		if (write) {
			struct buf tl = {0}, evd = {0};
			detect_event_timeline_json(&tl, ev);
			detect_event_evidence_json(&evd, ev);
			int64_t eid = 0;
			for (size_t k = 0; k < cfg->n_entities; k++)
				if (ents[k] == ev->entity)
					eid = store_ents[k];
			struct store_event se = {.key = key, .vantage = cfg->vantage.id,
						 .cause = detect_cause_name(ev->cause), .start_us = ev->start_us,
						 .end_us = ev->open ? 0 : ev->end_us, .severity = ev->peak_severity,
						 .confidence = ev->confidence, .evidence_json = evd.p,
						 .timeline_json = tl.p, .updated_us = clock_wall_us(),
						 .entity_id = eid};
			store_queue_event(st, &se);
			buf_free(&tl);
			buf_free(&evd);
		}
	}
	if (json)
		buf_puts(&b, "]\n");
	if (b.len)
		fwrite(b.p, 1, b.len, stdout);
	buf_free(&b);
	status = 0;
	if (write && (rc = store_flush(st)) < 0)
		goto db_fail;
	goto done;
db_fail:
	fprintf(stderr, "blackout replay: %s: %s\n", db, store_errmsg(st));
	status = 1;
done:
	detect_free(d);
	store_close(st);
	free(ids);
	free(ents);
	free(store_ents);
	free(sync_tgts);
	config_free(cfg);
	return status;
}
