/*
 * cmd_status.c - `blackout status [--db FILE] [--json]`: now, from the store:
 * each entity with its layers (targets answering / established), its open
 * events, and each target with its state, last outcome and RTT; then the
 * monitor's control targets. Reads only; works while `blackout watch` runs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/mem.h"
#include "core/obs.h"
#include "store/store.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: blackout status [--db FILE] [--json]\n\n"
		   "What the store says now: each entity, its layers (answering/total) and open\n"
		   "events, and each target with its state, last outcome and round-trip time.\n"
		   "  --db FILE   the store (default " STORE_DEFAULT_PATH ")\n"
		   "  --json      one JSON object\n");
}

struct tgt {
	int64_t id, entity_id;
	char *name, *role, *state, *outcome, *address;
	int64_t last_us;
	double rtt_ms;
};

struct ent {
	int64_t id;
	char *name, *kind;
	int open_events;
};

struct status {
	struct store *st;
	struct tgt *t;
	size_t nt, capt;
	struct ent *e;
	size_t ne, cape;
	struct tgt *cur; /* for store_latest */
};

static char *dup0(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int on_entity(void *arg, const struct store_entity_row *r)
{
	struct status *s = arg;
	if (s->ne == s->cape) {
		s->cape = s->cape ? 2 * s->cape : 8;
		s->e = xreallocarray(s->e, s->cape, sizeof *s->e);
	}
	s->e[s->ne++] = (struct ent){r->id, dup0(r->name), dup0(r->kind), r->open_events};
	return 0;
}

static int on_target(void *arg, const struct store_target_row *r)
{
	struct status *s = arg;
	if (!r->active)
		return 0;
	if (s->nt == s->capt) {
		s->capt = s->capt ? 2 * s->capt : 16;
		s->t = xreallocarray(s->t, s->capt, sizeof *s->t);
	}
	s->t[s->nt++] = (struct tgt){.id = r->id, .entity_id = r->entity_id, .name = dup0(r->name),
				     .role = dup0(r->role), .state = dup0(r->state ? r->state : "unknown"),
				     .address = dup0(r->address ? r->address : r->host),
				     .last_us = r->last_time_us, .rtt_ms = NAN};
	return 0;
}

/* The newest observation of any probe kind decides "last outcome". */
static int on_latest(void *arg, const struct store_obs_row *r)
{
	struct tgt *t = ((struct status *)arg)->cur;
	if (!t->outcome || r->time_us >= t->last_us) {
		free(t->outcome);
		t->outcome = xstrdup(outcome_code(r->outcome));
		t->last_us = r->time_us;
		t->rtt_ms = r->rtt_ms;
	}
	return 0;
}

static bool answering(const char *state)
{
	return !strcmp(state, "up") || !strcmp(state, "suspect");
}

static void target_text(struct buf *b, const struct tgt *t)
{
	char ts[40] = "-", rtt[32] = "-";
	if (t->last_us)
		clock_format_iso(t->last_us, 0, ts, sizeof ts);
	if (!isnan(t->rtt_ms))
		snprintf(rtt, sizeof rtt, "%.2f ms", t->rtt_ms);
	buf_printf(b, "    %-20s %-7s %-11s %-22s %-16s %s\n", t->name, t->role, t->state, ts,
		   t->outcome ? t->outcome : "-", rtt);
}

static void target_json(struct buf *b, const struct tgt *t)
{
	char ts[40];
	buf_puts(b, "{\"name\":");
	json_str(b, t->name);
	buf_puts(b, ",\"role\":");
	json_str(b, t->role);
	buf_puts(b, ",\"address\":");
	json_str(b, t->address);
	buf_puts(b, ",\"state\":");
	json_str(b, t->state);
	buf_puts(b, ",\"last\":");
	json_str(b, t->last_us ? clock_format_iso(t->last_us, 0, ts, sizeof ts) : NULL);
	buf_puts(b, ",\"outcome\":");
	json_str(b, t->outcome);
	buf_puts(b, ",\"rtt_ms\":");
	json_num(b, t->rtt_ms);
	buf_putc(b, '}');
}

int cmd_status(int argc, char **argv)
{
	const char *db = STORE_DEFAULT_PATH;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		int k = cli_store_opt(argc, argv, &i, &db, &json);
		if (k == CLI_OPT_HELP) {
			usage(stdout);
			return 0;
		} else if (k == CLI_OPT_TAKEN) {
			continue;
		} else {
			fprintf(stderr, "blackout status: unknown option or missing value: '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	struct status s = {0};
	if (cli_store_open_ro("status", db, &s.st) < 0)
		return EXIT_USAGE;
	int rc = store_entities(s.st, on_entity, &s);
	if (rc >= 0)
		rc = store_targets(s.st, 0, on_target, &s);
	for (size_t i = 0; rc >= 0 && i < s.nt; i++) {
		s.cur = &s.t[i];
		rc = store_latest(s.st, s.t[i].id, on_latest, &s);
	}
	int status = 0;
	if (rc < 0) {
		fprintf(stderr, "blackout status: %s: %s\n", db, store_errmsg(s.st));
		status = 1;
		goto done;
	}
	struct buf b = {0};
	if (json)
		buf_puts(&b, "{\"entities\":[");
	/* entities, then the controls (entity 0) as "monitor" */
	for (size_t k = 0; k <= s.ne; k++) {
		int64_t eid = k < s.ne ? s.e[k].id : 0;
		size_t ntg = 0;
		for (size_t i = 0; i < s.nt; i++)
			ntg += s.t[i].entity_id == eid;
		if (k == s.ne && !ntg)
			break;
		if (json) {
			if (k == s.ne)
				buf_puts(&b, "],\"controls\":[");
			else {
				buf_puts(&b, k ? ",{\"name\":" : "{\"name\":");
				json_str(&b, s.e[k].name);
				buf_puts(&b, ",\"kind\":");
				json_str(&b, s.e[k].kind);
				buf_printf(&b, ",\"open_events\":%d,\"layers\":[", s.e[k].open_events);
			}
		} else if (k < s.ne) {
			buf_printf(&b, "%s (%s): %s\n", s.e[k].name, s.e[k].kind,
				   s.e[k].open_events ? "OUTAGE (open event; see 'blackout events')" : "no open event");
			buf_puts(&b, "  layers:");
		} else {
			buf_puts(&b, "monitor (control targets):\n");
		}
		/* layers: targets answering / total, per role in the table's order */
		bool first = true;
		for (int role = 0; k < s.ne && role < ROLE__COUNT; role++) {
			int up = 0, total = 0;
			for (size_t i = 0; i < s.nt; i++)
				if (s.t[i].entity_id == eid && !strcmp(s.t[i].role, role_name(role))) {
					total++;
					up += answering(s.t[i].state);
				}
			if (!total)
				continue;
			if (json) {
				buf_puts(&b, first ? "{\"layer\":" : ",{\"layer\":");
				json_str(&b, role_name(role));
				buf_printf(&b, ",\"up\":%d,\"total\":%d}", up, total);
			} else {
				buf_printf(&b, " %s %d/%d", role_name(role), up, total);
			}
			first = false;
		}
		if (json && k < s.ne)
			buf_puts(&b, "],\"targets\":[");
		else if (k < s.ne)
			buf_puts(&b, "\n");
		first = true;
		for (size_t i = 0; i < s.nt; i++) {
			if (s.t[i].entity_id != eid)
				continue;
			if (json) {
				buf_puts(&b, first ? "" : ",");
				target_json(&b, &s.t[i]);
			} else {
				target_text(&b, &s.t[i]);
			}
			first = false;
		}
		if (json && k < s.ne)
			buf_puts(&b, "]}");
	}
	if (json)
		buf_puts(&b, "]}\n");
	fwrite(b.p, 1, b.len, stdout);
	buf_free(&b);
done:
	for (size_t i = 0; i < s.nt; i++) {
		free(s.t[i].name);
		free(s.t[i].role);
		free(s.t[i].state);
		free(s.t[i].outcome);
		free(s.t[i].address);
	}
	for (size_t i = 0; i < s.ne; i++) {
		free(s.e[i].name);
		free(s.e[i].kind);
	}
	free(s.t);
	free(s.e);
	store_close(s.st);
	return status;
}
