/* Unit tests for src/store: schema and migrations, queue and flush, every
 * read, retention, a full disk, the libuv flusher, and a writer killed with
 * SIGKILL in the middle of a flush. Files live in a fresh /tmp folder. */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "config/config.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/obs.h"
#include "store/store.h"
#include "store/store_internal.h" /* white box: the full-disk test limits wdb's size */
#include "store/store_uv.h"
#include "test.h"

static char dir[] = "/tmp/blackout-store-test.XXXXXX";
static int file_no;

static const char *new_path(void)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/s%d.db", dir, ++file_no);
	return path;
}

/* Synthetic times (1970) would be folded away by the automatic retention
 * step after each flush: most tests turn it off and test it on its own. */
static const struct store_options manual = {.maintain_every_us = -1};

static struct store *open_or_fail(const char *path, const struct store_options *opt)
{
	struct store *st = NULL;
	char err[512];
	int rc = store_open(path, opt, &st, err, sizeof err);
	if (rc)
		T_FAIL("store_open(%.100s): %d %.300s", path, rc, err);
	return st;
}

static int64_t count_rows(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t n = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		T_FAIL("exec %s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* one entity, two targets; returns their ids */
static void setup_targets(struct store *st, int64_t *entity, int64_t *t1, int64_t *t2)
{
	struct store_entity e = {"lab", "country", "the lab", "[\"198.51.100.0/24\"]", "[64510]"};
	CHECK_INT(store_upsert_entity(st, &e, entity), 0);
	struct store_target a = {"www", *entity, ROLE_WEB, "198.51.100.80", NULL};
	struct store_target b = {"ns1", *entity, ROLE_DNS, "198.51.100.53", NULL};
	CHECK_INT(store_upsert_target(st, &a, t1), 0);
	CHECK_INT(store_upsert_target(st, &b, t2), 0);
}

/* A fresh store with one entity and two targets. */
struct fixture {
	const char *path;
	struct store *st;
	int64_t e, t1, t2;
};

static bool fixture(struct fixture *f, const struct store_options *o)
{
	f->path = new_path();
	f->st = open_or_fail(f->path, o);
	if (f->st)
		setup_targets(f->st, &f->e, &f->t1, &f->t2);
	return f->st != NULL;
}

TEST(test_open_new)
{
	const char *path = new_path();
	struct store *st = open_or_fail(path, NULL);
	if (!st)
		return;
	CHECK_INT(store_schema_version(st), STORE_SCHEMA_VERSION);
	CHECK_STR(store_errmsg(st), "");
	store_close(st);
	CHECK_INT(count_rows(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('obs', 'obs_agg', "
				   "'events', 'alerts', 'signals', 'target_bins', 'bgp', 'latest', 'meta')"),
		  9);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM outcomes"), OUTCOME__COUNT);
	/* reopening is a no-op */
	st = open_or_fail(path, NULL);
	CHECK(st != NULL);
	store_close(st);
}

TEST(test_wal_mode)
{
	const char *path = new_path();
	struct store *st = open_or_fail(path, NULL);
	store_close(st);
	sqlite3 *db;
	sqlite3_stmt *s;
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(s), SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

TEST(test_migrate_old_file)
{
	const char *path = new_path();
	struct store_options o = {.max_version = 1};
	struct store *st = open_or_fail(path, &o);
	if (!st)
		return;
	CHECK_INT(store_schema_version(st), 1);
	store_close(st);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM sqlite_master WHERE name = 'obs_agg'"), 0);
	/* data written at version 1 (by hand: the statements are for the latest schema) */
	exec_sql(path, "INSERT INTO entities(id, name, kind, vantage, updated_us) VALUES (1, 'old', 'group', 0, 1);"
		       "INSERT INTO targets(id, name, entity_id, role, vantage, updated_us) VALUES (1, 't', 1, 'web', 0, 1);"
		       "INSERT INTO obs(time_us, target_id, vantage, kind, outcome, rtt_ms) VALUES (5, 1, 0, 0, 0, 1.5);");
	st = open_or_fail(path, NULL);
	if (!st)
		return;
	CHECK_INT(store_schema_version(st), STORE_SCHEMA_VERSION);
	store_close(st);
	CHECK_INT(count_rows(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM sqlite_master WHERE name = 'obs_agg'"), 1);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM obs WHERE rtt_ms = 1.5"), 1);
}

TEST(test_refuse_newer_and_foreign)
{
	const char *path = new_path();
	struct store *st = open_or_fail(path, NULL);
	store_close(st);
	exec_sql(path, "PRAGMA user_version = 99");
	char err[512] = "";
	st = NULL;
	CHECK_INT(store_open(path, NULL, &st, err, sizeof err), ERR_UNSUPPORTED);
	CHECK(st == NULL);
	CHECK(strstr(err, "schema version 99, newer than this blackout understands (2)") != NULL);
	CHECK_INT(count_rows(path, "PRAGMA user_version"), 99); /* untouched */

	const char *other = new_path();
	exec_sql(other, "CREATE TABLE notes(x)");
	CHECK_INT(store_open(other, NULL, &st, err, sizeof err), ERR_INVAL);
	CHECK(strstr(err, "not one of blackout's") != NULL);

	struct store_options ro = {.readonly = true};
	const char *missing = new_path();
	CHECK(store_open(missing, &ro, &st, err, sizeof err) < 0);
	CHECK(strstr(err, "cannot open") != NULL);
}

TEST(test_sync_config)
{
	const char *yaml = "vantage: {id: 4, name: v4}\n"
			   "entities:\n  - name: lab\n    kind: country\n    prefixes: [198.51.100.0/24]\n"
			   "    origin_as: [64510]\n    targets:\n"
			   "      - {name: www, role: web, address: 198.51.100.80, probes: [icmp]}\n"
			   "      - {name: ns1, role: dns, host: ns1.lab.test, probes: [icmp]}\n"
			   "controls:\n  - {name: ctl, address: 203.0.113.100, probes: [icmp]}\n";
	struct config_errors errs = {0};
	struct config *cfg = NULL;
	CHECK_INT(config_load_mem("c.yaml", yaml, strlen(yaml), &cfg, &errs), 0);
	config_errors_free(&errs);
	const char *path = new_path();
	struct store *st = open_or_fail(path, NULL);
	if (!st || !cfg)
		goto done;
	int64_t eids[1], tids[3], tids2[3];
	CHECK_INT(store_sync_config(st, cfg, eids, tids), 0);
	CHECK(eids[0] > 0 && tids[0] > 0 && tids[1] > 0 && tids[2] > 0);
	CHECK_INT(store_sync_config(st, cfg, eids, tids2), 0); /* stable ids */
	CHECK(!memcmp(tids, tids2, sizeof tids));
	CHECK_INT(count_rows(path, "SELECT count(*) FROM targets WHERE active AND vantage = 4"), 3);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM targets WHERE entity_id IS NULL AND role = 'control'"), 1);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM entities WHERE prefixes = '[\"198.51.100.0/24\"]' "
				   "AND origin_as = '[64510]'"),
		  1);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM vantages WHERE id = 4 AND name = 'v4'"), 1);
	/* a config without ns1: it stays, marked inactive */
	config_free(cfg);
	const char *yaml2 = "vantage: {id: 4, name: v4}\n"
			    "entities:\n  - name: lab\n    kind: group\n    targets:\n"
			    "      - {name: www, role: web, address: 198.51.100.80, probes: [icmp]}\n";
	cfg = NULL;
	CHECK_INT(config_load_mem("c2.yaml", yaml2, strlen(yaml2), &cfg, &errs), 0);
	config_errors_free(&errs);
	CHECK_INT(store_sync_config(st, cfg, eids, tids2), 0);
	CHECK_INT(tids2[0], tids[0]);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM targets WHERE NOT active"), 2);
done:
	store_close(st);
	config_free(cfg);
}

struct collect {
	int n;
	double rtt[64];
	int64_t time[64];
	int kind[64], outcome[64];
	char detail[256];
};

static int collect_obs(void *ctx, const struct store_obs_row *r)
{
	struct collect *c = ctx;
	if (c->n < 64) {
		c->rtt[c->n] = r->rtt_ms;
		c->time[c->n] = r->time_us;
		c->kind[c->n] = r->kind;
		c->outcome[c->n] = r->outcome;
		if (r->detail_json)
			snprintf(c->detail, sizeof c->detail, "%s", r->detail_json);
	}
	c->n++;
	return 0;
}

static int collect_targets(void *ctx, const struct store_target_row *r)
{
	struct buf *b = ctx;
	buf_printf(b, "%s/%s:%s:%d/%d:%s;", r->entity ? r->entity : "-", r->name, r->role, r->probes_ok,
		   r->probes, r->state ? r->state : "-");
	return 0;
}

TEST(test_observations)
{
	struct fixture f;
	if (!fixture(&f, &manual))
		return;
	/* out of order on purpose: reads sort by time */
	for (int i = 9; i >= 0; i--) {
		struct store_obs o = {.time_us = 1000 + i, .target_id = f.t1, .kind = PROBE_ICMP,
				      .outcome = i == 9 ? OUTCOME_TIMEOUT : OUTCOME_OK,
				      .rtt_ms = i == 9 ? -1 : i * 0.5};
		store_queue_obs(f.st, &o);
	}
	struct store_obs h = {.time_us = 1003, .target_id = f.t1, .kind = PROBE_HTTP, .outcome = OUTCOME_OK,
			      .rtt_ms = 7, .detail_json = "{\"status\":200}"};
	store_queue_obs(f.st, &h);
	struct store_obs d = {.time_us = 1004, .target_id = f.t2, .vantage = 3, .kind = PROBE_DNS,
			      .outcome = OUTCOME_DNS_SERVFAIL, .rtt_ms = 2};
	store_queue_obs(f.st, &d);
	struct store_stats stats;
	store_get_stats(f.st, &stats);
	CHECK_INT(stats.queued, 12);
	CHECK_INT(count_rows(f.path, "SELECT count(*) FROM obs"), 0); /* nothing before the flush */
	CHECK_INT(store_flush(f.st), 0);
	store_get_stats(f.st, &stats);
	CHECK_INT(stats.queued, 0);
	CHECK_INT(stats.written, 12);
	CHECK_INT(stats.flushes, 1);
	CHECK_INT(count_rows(f.path, "SELECT count(*) FROM obs"), 12);
	CHECK_INT(store_flush(f.st), 0); /* empty: nothing to do */

	struct collect c = {0};
	CHECK_INT(store_observations(f.st, f.t1, 0, INT64_MAX, 0, 0, collect_obs, &c), 0);
	CHECK_INT(c.n, 11);
	for (int i = 1; i < 11 && i < c.n; i++)
		CHECK(c.time[i] >= c.time[i - 1]);
	CHECK(isnan(c.rtt[10])); /* the timeout has no RTT */
	memset(&c, 0, sizeof c);
	CHECK_INT(store_observations(f.st, f.t1, 1002, 1006, 2, 0, collect_obs, &c), 0); /* the newest two */
	CHECK_INT(c.n, 2);
	CHECK_INT(c.time[0], 1004);
	CHECK_INT(c.time[1], 1005);
	memset(&c, 0, sizeof c);
	CHECK_INT(store_observations(f.st, f.t1, 1002, 1006, 3, STORE_NEWEST_FIRST, collect_obs, &c), 0);
	CHECK_INT(c.n, 3);
	CHECK_INT(c.time[0], 1005);
	CHECK_INT(c.time[1], 1004);
	CHECK_INT(c.time[2], 1003);

	memset(&c, 0, sizeof c);
	CHECK_INT(store_replay(f.st, 1003, 1005, collect_obs, &c), 0);
	CHECK_INT(c.n, 4); /* 1003 icmp, 1003 http, 1004 icmp, 1004 dns */
	CHECK_INT(c.time[0], 1003);
	CHECK_INT(c.time[3], 1004);

	memset(&c, 0, sizeof c);
	CHECK_INT(store_latest(f.st, f.t1, collect_obs, &c), 0);
	CHECK_INT(c.n, 2);
	CHECK_INT(c.kind[0], PROBE_ICMP);
	CHECK_INT(c.time[0], 1009);
	CHECK_INT(c.outcome[0], OUTCOME_TIMEOUT);
	CHECK_INT(c.kind[1], PROBE_HTTP);
	CHECK_STR(c.detail, "{\"status\":200}");

	struct store_target_bin b = {.target_id = f.t2, .vantage = 3, .bin_us = 0, .width_us = 60000000,
				     .state = "down", .n = 3, .n_ok = 0, .rtt_ms = NAN, .loss = 1};
	store_queue_target_bin(f.st, &b);
	b.bin_us = 60000000;
	b.state = "up";
	store_queue_target_bin(f.st, &b);
	CHECK_INT(store_flush(f.st), 0);
	struct buf out = {0};
	CHECK_INT(store_targets(f.st, 0, collect_targets, &out), 0);
	CHECK_STR(out.p, "lab/ns1:dns:0/1:up;lab/www:web:1/2:-;");
	buf_free(&out);
	store_close(f.st);
}

static int collect_events(void *ctx, const struct store_event_row *r)
{
	struct buf *b = ctx;
	buf_printf(b, "%lld %s %s %s %lld-%lld %s %.2f %s %s;", (long long)r->id, r->key,
		   r->entity ? r->entity : "-", r->cause, (long long)r->start_us, (long long)r->end_us,
		   r->open ? "open" : "closed", r->severity, r->evidence_json ? r->evidence_json : "-",
		   r->timeline_json ? r->timeline_json : "-");
	return 0;
}

TEST(test_events)
{
	struct fixture f;
	if (!fixture(&f, &manual))
		return;
	struct store_event ev = {.key = "lab-1", .entity_id = f.e, .cause = "cascade", .start_us = 100,
				 .severity = 0.75, .confidence = 0.9,
				 .evidence_json = "{\"order\":[\"rtt\",\"web\",\"router\",\"bgp\"]}",
				 .timeline_json = "[{\"t\":100,\"what\":\"first timeouts\"}]", .updated_us = 100};
	store_queue_event(f.st, &ev);
	struct store_event old = {.key = "lab-0", .entity_id = f.e, .cause = "abrupt", .start_us = 10,
				  .end_us = 50, .severity = 1, .confidence = 1, .updated_us = 50};
	store_queue_event(f.st, &old);
	CHECK_INT(store_flush(f.st), 0);
	struct buf out = {0};
	CHECK_INT(store_events(f.st, 60, 0, collect_events, &out), 0);
	CHECK_STR(out.p, "1 lab-1 lab cascade 100-0 open 0.75 {\"order\":[\"rtt\",\"web\",\"router\",\"bgp\"]} "
			 "[{\"t\":100,\"what\":\"first timeouts\"}];");
	buf_reset(&out);
	CHECK_INT(store_events(f.st, 0, 0, collect_events, &out), 0);
	CHECK(strstr(out.p, "2 lab-0 lab abrupt 10-50 closed") == out.p);
	/* the detector updates the event: closed, new severity; same id */
	ev.end_us = 400;
	ev.severity = 0.5;
	ev.updated_us = 400;
	store_queue_event(f.st, &ev);
	CHECK_INT(store_flush(f.st), 0);
	buf_reset(&out);
	CHECK_INT(store_event(f.st, 1, NULL, collect_events, &out), 0);
	CHECK(strstr(out.p, "1 lab-1 lab cascade 100-400 closed 0.50") == out.p);
	buf_reset(&out);
	CHECK_INT(store_event(f.st, 0, "lab-0", collect_events, &out), 0);
	CHECK(strstr(out.p, "2 lab-0") == out.p);
	CHECK_INT(store_event(f.st, 99, NULL, collect_events, &out), ERR_NOTFOUND);
	buf_reset(&out);
	CHECK_INT(store_events(f.st, 0, STORE_EVENTS_OPEN_ONLY, collect_events, &out), 0);
	CHECK(out.p == NULL || out.len == 0);
	CHECK_INT(count_rows(f.path, "SELECT count(*) FROM events WHERE state = 'closed'"), 2);
	buf_free(&out);
	store_close(f.st);
}

TEST(test_bad_record_does_not_block_batch)
{
	struct fixture f;
	if (!fixture(&f, &manual))
		return;
	struct store_obs o = {.time_us = 1, .target_id = f.t1, .kind = PROBE_ICMP, .rtt_ms = 1};
	store_queue_obs(f.st, &o);
	struct store_event bad = {.key = "x", .entity_id = f.e, .cause = "dns", .start_us = 1,
				  .evidence_json = "{not json", .updated_us = 1};
	log_set_level(LOG_ERROR); /* the refusal is logged as a warning; keep the test output clean */
	store_queue_event(f.st, &bad);
	struct store_obs unknown_target = {.time_us = 2, .target_id = 12345, .kind = PROBE_ICMP};
	store_queue_obs(f.st, &unknown_target);
	o.time_us = 3;
	store_queue_obs(f.st, &o);
	CHECK_INT(store_flush(f.st), 0);
	log_set_level(LOG_INFO);
	struct store_stats s;
	store_get_stats(f.st, &s);
	CHECK_INT(s.written, 2);
	CHECK_INT(s.rejected, 2);
	CHECK_INT(count_rows(f.path, "SELECT count(*) FROM obs"), 2);
	CHECK_INT(count_rows(f.path, "SELECT count(*) FROM events"), 0);
	store_close(f.st);
}

struct sig_rows {
	int n;
	char layer[8][16], metric[8][16], entity[8][16];
	int64_t time[8];
	double value[8], min[8], max[8];
	int bins[8];
};

static int collect_signals(void *ctx, const struct store_signal_row *r)
{
	struct sig_rows *c = ctx;
	if (c->n < 8) {
		snprintf(c->layer[c->n], sizeof c->layer[0], "%s", r->layer);
		snprintf(c->metric[c->n], sizeof c->metric[0], "%s", r->metric);
		snprintf(c->entity[c->n], sizeof c->entity[0], "%s", r->entity ? r->entity : "-");
		c->time[c->n] = r->time_us;
		c->value[c->n] = r->value;
		c->min[c->n] = r->min;
		c->max[c->n] = r->max;
		c->bins[c->n] = r->bins;
	}
	c->n++;
	return 0;
}

TEST(test_signals_downsampled)
{
	struct fixture f;
	if (!fixture(&f, &manual))
		return;
	/* 1000 one-second bins: web value = bin index mod 10, dns constant 1 */
	for (int i = 0; i < 1000; i++) {
		struct store_signal s = {.entity_id = f.e, .layer = "web", .bin_us = i * USEC_PER_SEC,
					 .width_us = USEC_PER_SEC, .value = i % 10, .baseline = NAN, .n = 4};
		store_queue_signal(f.st, &s);
		s.layer = "dns";
		s.value = 1;
		s.baseline = 1;
		store_queue_signal(f.st, &s);
	}
	CHECK_INT(store_flush(f.st), 0);
	struct sig_rows c = {0};
	CHECK_INT(store_signals(f.st, f.e, "web", 0, 1000 * USEC_PER_SEC, 4, collect_signals, &c), 0);
	CHECK_INT(c.n, 4);
	for (int i = 0; i < 4 && i < c.n; i++) {
		CHECK_STR(c.layer[i], "web");
		CHECK_STR(c.metric[i], "up"); /* the default metric */
		CHECK_INT(c.time[i], i * 250 * USEC_PER_SEC);
		CHECK_NEAR(c.value[i], 4.5, 1e-9); /* 25 full cycles of 0..9 per point */
		CHECK_NEAR(c.min[i], 0, 1e-9);
		CHECK_NEAR(c.max[i], 9, 1e-9);
		CHECK_INT(c.bins[i], 250);
	}
	memset(&c, 0, sizeof c);
	CHECK_INT(store_signals(f.st, f.e, NULL, 10 * USEC_PER_SEC, 13 * USEC_PER_SEC, 100, collect_signals, &c), 0);
	CHECK_INT(c.n, 6); /* few bins: raw, both layers */
	CHECK_STR(c.layer[0], "dns");
	CHECK_STR(c.layer[3], "web");
	CHECK_NEAR(c.value[3], 0, 1e-9);
	CHECK_NEAR(c.value[5], 2, 1e-9);
	CHECK_INT(c.time[5], 12 * USEC_PER_SEC);
	CHECK_INT(store_signals(f.st, f.e, NULL, 5, 5, 10, collect_signals, &c), ERR_INVAL);
	store_close(f.st);
}

static int print_entity(void *ctx, const struct store_entity_row *r)
{
	struct buf *b = ctx;
	buf_printf(b, "%s %s %d %s %d;", r->name, r->kind, r->n_targets, r->prefixes_json, r->open_events);
	return 0;
}

TEST(test_entities_and_signals_now)
{
	struct fixture f;
	if (!fixture(&f, &manual))
		return;
	struct store_signal s = {.entity_id = f.e, .layer = "web", .bin_us = 0, .width_us = 30, .value = 1, .n = 1};
	store_queue_signal(f.st, &s);
	s.bin_us = 60;
	s.value = 0.5;
	store_queue_signal(f.st, &s);
	s.metric = "rtt_ms";
	s.value = 250;
	store_queue_signal(f.st, &s);
	s.layer = "dns";
	s.metric = NULL;
	s.value = 0;
	s.bin_us = 30;
	store_queue_signal(f.st, &s);
	struct store_event ev = {.key = "k", .entity_id = f.e, .cause = "partial", .start_us = 1, .updated_us = 1};
	store_queue_event(f.st, &ev);
	CHECK_INT(store_flush(f.st), 0);
	struct buf out = {0};
	CHECK_INT(store_entities(f.st, print_entity, &out), 0);
	CHECK_STR(out.p, "lab country 2 [\"198.51.100.0/24\"] 1;");
	buf_free(&out);
	struct sig_rows c = {0};
	CHECK_INT(store_signals_now(f.st, collect_signals, &c), 0);
	CHECK_INT(c.n, 3);
	CHECK_STR(c.entity[0], "lab");
	CHECK_STR(c.layer[0], "dns");
	CHECK_NEAR(c.value[0], 0, 1e-9);
	CHECK_INT(c.time[0], 30);
	CHECK_STR(c.layer[1], "web");
	CHECK_STR(c.metric[1], "rtt_ms");
	CHECK_NEAR(c.value[1], 250, 1e-9);
	CHECK_STR(c.metric[2], "up");
	CHECK_NEAR(c.value[2], 0.5, 1e-9); /* the newest web/up bin, not the first */
	CHECK_INT(c.time[2], 60);
	store_close(f.st);
}

static int collect_steps(void *ctx, const struct store_step_row *r)
{
	struct buf *b = ctx;
	buf_printf(b, "%lld %s %s %s %s;", (long long)r->time_us, r->layer ? r->layer : "-",
		   r->target ? r->target : "-", r->change ? r->change : "-", r->text ? r->text : "-");
	return 0;
}

static int collect_strings(void *ctx, const char *v)
{
	buf_printf(ctx, "%s|", v);
	return 0;
}

TEST(test_event_timeline_and_evidence)
{
	struct fixture f;
	if (!fixture(&f, &manual))
		return;
	struct store_event ev = {
		.key = "e1", .entity_id = f.e, .cause = "cascade", .start_us = 100, .updated_us = 100,
		.timeline_json = "[{\"time_us\":100,\"layer\":\"rtt\",\"change\":\"rtt-rise\"},"
				 "{\"time_us\":160,\"layer\":\"web\",\"target\":\"www\",\"change\":\"down\","
				 "\"text\":\"web servers stopped answering\"},"
				 "{\"time_us\":190,\"layer\":\"bgp\",\"change\":\"withdrawn\",\"extra\":[1,2]}]",
		.evidence_json = "{\"summary\":\"a cascade\",\"layers_failed\":[\"rtt\",\"web\",\"bgp\"],"
				 "\"evidence\":[\"RTT rose 2 rounds before the first failure\"],\"n\":3}"};
	store_queue_event(f.st, &ev);
	struct store_event plain = {.key = "e2", .entity_id = f.e, .cause = "dns", .start_us = 5, .updated_us = 5,
				    .timeline_json = "{\"not\":\"an array\"}"};
	store_queue_event(f.st, &plain);
	CHECK_INT(store_flush(f.st), 0);
	struct buf out = {0};
	CHECK_INT(store_event_steps(f.st, 1, collect_steps, &out), 0);
	CHECK_STR(out.p, "100 rtt - rtt-rise -;160 web www down web servers stopped answering;"
			 "190 bgp - withdrawn -;");
	buf_reset(&out);
	CHECK_INT(store_event_strings(f.st, 1, "layers_failed", collect_strings, &out), 0);
	CHECK_STR(out.p, "rtt|web|bgp|");
	buf_reset(&out);
	CHECK_INT(store_event_strings(f.st, 1, "evidence", collect_strings, &out), 0);
	CHECK_STR(out.p, "RTT rose 2 rounds before the first failure|");
	buf_reset(&out);
	CHECK_INT(store_event_strings(f.st, 1, "layers_recovered", collect_strings, &out), 0); /* absent */
	CHECK(out.len == 0);
	CHECK_INT(store_event_strings(f.st, 1, "n", collect_strings, &out), 0); /* not an array */
	CHECK(out.len == 0);
	CHECK_INT(store_event_strings(f.st, 1, "x') OR 1=1 --", collect_strings, &out), ERR_INVAL);
	CHECK_INT(store_event_steps(f.st, 2, collect_steps, &out), 0); /* not an array: nothing */
	CHECK(out.len == 0);
	CHECK_INT(store_event_strings(f.st, 2, "evidence", collect_strings, &out), 0); /* no evidence */
	CHECK(out.len == 0);
	CHECK_INT(store_event_steps(f.st, 42, collect_steps, &out), ERR_NOTFOUND);
	CHECK_INT(store_event_strings(f.st, 42, "evidence", collect_strings, &out), ERR_NOTFOUND);
	buf_free(&out);
	store_close(f.st);
}

static int collect_alerts(void *ctx, const struct store_alert_row *r)
{
	struct buf *b = ctx;
	buf_printf(b, "%lld %s %s %s %d %lld;", (long long)r->id, r->sink, r->event_key ? r->event_key : "-",
		   r->what ? r->what : "-", r->attempts, (long long)r->next_us);
	return 0;
}

static int collect_bgp(void *ctx, const struct store_bgp_row *r)
{
	struct buf *b = ctx;
	buf_printf(b, "%lld %s %d/%d %u;", (long long)r->time_us, r->prefix, r->peers_seeing, r->peers_total,
		   r->origin_as);
	return 0;
}

static void *run_flush(void *st)
{
	store_flush_run(st);
	return NULL;
}

/* The outbox is synchronous: on disk when the call returns, also while a
 * flush is being written by another thread. */
TEST(test_alert_outbox)
{
	struct fixture f;
	if (!fixture(&f, &manual))
		return;
	struct store_alert a = {.sink = "webhook:chat", .payload_json = "{\"cause\":\"cascade\"}",
				.event_key = "lab-1", .what = "open", .created_us = 100};
	int64_t id1 = 0, id2 = 0, id3 = 0;
	CHECK_INT(store_alert_enqueue(f.st, &a, &id1), 0);
	CHECK_INT(count_rows(f.path, "SELECT count(*) FROM alerts"), 1); /* no flush needed */
	/* a big batch being written on another thread meanwhile */
	for (int i = 0; i < 5000; i++) {
		struct store_obs o = {.time_us = i, .target_id = f.t1, .kind = PROBE_ICMP, .rtt_ms = 1};
		store_queue_obs(f.st, &o);
	}
	CHECK_INT(store_flush_begin(f.st), 1);
	pthread_t th;
	CHECK_INT(pthread_create(&th, NULL, run_flush, f.st), 0);
	a.sink = "exec:pager";
	a.event_key = NULL;
	a.what = NULL;
	a.created_us = 200;
	CHECK_INT(store_alert_enqueue(f.st, &a, &id2), 0);
	pthread_join(th, NULL);
	CHECK_INT(store_flush_end(f.st), 0);
	CHECK_INT(count_rows(f.path, "SELECT count(*) FROM obs"), 5000);
	CHECK(id2 > id1);
	a.sink = "webhook:chat";
	a.what = "close";
	CHECK_INT(store_alert_enqueue(f.st, &a, &id3), 0);
	CHECK(id3 > id2);
	struct buf out = {0};
	CHECK_INT(store_alerts_pending(f.st, collect_alerts, &out), 0);
	char want[256];
	snprintf(want, sizeof want, "%lld webhook:chat lab-1 open 0 100;%lld exec:pager - - 0 200;"
				    "%lld webhook:chat - close 0 200;", (long long)id1, (long long)id2, (long long)id3);
	CHECK_STR(out.p, want);
	CHECK_INT(store_alert_reschedule(f.st, id1, 1, 5000, "connection refused"), 0);
	CHECK_INT(store_alert_finish(f.st, id2, STORE_ALERT_SENT, 300), 0);
	CHECK_INT(store_alert_finish(f.st, id3, STORE_ALERT_FAILED, 400), 0);
	CHECK_INT(store_alert_finish(f.st, id3, STORE_ALERT_SENT, 500), ERR_NOTFOUND); /* not pending now */
	CHECK_INT(store_alert_reschedule(f.st, 999, 1, 1, "x"), ERR_NOTFOUND);
	CHECK_INT(store_alert_finish(f.st, id1, STORE_ALERT_PENDING, 1), ERR_INVAL);
	buf_reset(&out);
	CHECK_INT(store_alerts_pending(f.st, collect_alerts, &out), 0);
	snprintf(want, sizeof want, "%lld webhook:chat lab-1 open 1 5000;", (long long)id1);
	CHECK_STR(out.p, want);
	CHECK_INT(count_rows(f.path, "SELECT count(*) FROM alerts WHERE last_error = 'connection refused'"), 1);
	int64_t n = -1;
	CHECK_INT(store_alert_count(f.st, STORE_ALERT_SENT, &n), 0);
	CHECK_INT(n, 1);
	CHECK_INT(store_alert_count(f.st, STORE_ALERT_FAILED, &n), 0);
	CHECK_INT(n, 1);
	CHECK_INT(store_alert_count(f.st, STORE_ALERT_PENDING, &n), 0);
	CHECK_INT(n, 1);
	struct store_alert bad = {.sink = "webhook:chat", .payload_json = "{not json", .created_us = 1};
	int64_t idb;
	CHECK(store_alert_enqueue(f.st, &bad, &idb) < 0);
	CHECK(strstr(store_errmsg(f.st), "alert outbox") != NULL);
	buf_free(&out);
	store_close(f.st);
	/* a restart finds what is pending */
	struct store *again = open_or_fail(f.path, &manual);
	if (!again)
		return;
	struct buf out2 = {0};
	CHECK_INT(store_alerts_pending(again, collect_alerts, &out2), 0);
	CHECK_STR(out2.p, want);
	buf_free(&out2);
	store_close(again);
}

TEST(test_bgp_samples)
{
	const char *path = new_path();
	struct store *st = open_or_fail(path, &manual);
	if (!st)
		return;
	struct store_bgp_sample g = {.time_us = 10, .peers_seeing = 2, .peers_total = 3, .origin_as = 64510};
	CHECK_INT(prefix_parse("198.51.100.0/24", &g.prefix), 0);
	store_queue_bgp(st, &g);
	g.time_us = 20;
	g.peers_seeing = 0;
	g.origin_as = 0;
	store_queue_bgp(st, &g);
	CHECK_INT(prefix_parse("2001:db8:100::/48", &g.prefix), 0);
	g.time_us = 15;
	g.peers_seeing = 3;
	store_queue_bgp(st, &g);
	CHECK_INT(store_flush(st), 0);
	struct buf out = {0};
	CHECK_INT(store_bgp(st, "198.51.100.0/24", 0, 100, collect_bgp, &out), 0);
	CHECK_STR(out.p, "10 198.51.100.0/24 2/3 64510;20 198.51.100.0/24 0/3 0;");
	buf_reset(&out);
	CHECK_INT(store_bgp(st, "203.0.113.0/24", 0, 100, collect_bgp, &out), 0);
	CHECK(out.len == 0);
	CHECK_INT(store_bgp_now(st, collect_bgp, &out), 0);
	CHECK_STR(out.p, "20 198.51.100.0/24 0/3 0;15 2001:db8:100::/48 3/3 0;");
	buf_free(&out);
	store_close(st);
}

TEST(test_meta_and_readonly)
{
	const char *path = new_path();
	struct store *st = open_or_fail(path, NULL);
	if (!st)
		return;
	CHECK_INT(store_meta_set(st, "started", "2022-01-14T21:05:00Z"), 0);
	char *v = NULL;
	CHECK_INT(store_meta_get(st, "started", &v), 0);
	CHECK_STR(v, "2022-01-14T21:05:00Z");
	free(v);
	CHECK_INT(store_meta_get(st, "nope", &v), ERR_NOTFOUND);
	int64_t e, t1, t2;
	setup_targets(st, &e, &t1, &t2);
	store_close(st);
	struct store_options ro = {.readonly = true};
	st = open_or_fail(path, &ro);
	if (!st)
		return;
	struct buf out = {0};
	CHECK_INT(store_targets(st, 0, collect_targets, &out), 0);
	CHECK(out.p && strstr(out.p, "www"));
	buf_free(&out);
	struct store_obs o = {.time_us = 1, .target_id = t1};
	store_queue_obs(st, &o);
	CHECK_INT(store_flush(st), ERR_PERM);
	CHECK_INT(store_meta_set(st, "x", "y"), ERR_PERM);
	store_close(st);
	/* an old file opened for reading says what to do */
	char err[512];
	st = NULL;
	struct store_options o1 = {.max_version = 1};
	const char *v1 = new_path();
	struct store *s1 = open_or_fail(v1, &o1);
	store_close(s1);
	CHECK_INT(store_open(v1, &ro, &st, err, sizeof err), ERR_UNSUPPORTED);
	CHECK(strstr(err, "open it once for writing") != NULL);
}

/* A full disk, simulated by SQLite's page limit: the flush fails with a clear
 * error, nothing is lost, and writes resume when space returns. */
TEST(test_disk_full)
{
	struct fixture f;
	if (!fixture(&f, &manual))
		return;
	int64_t pages = count_rows(f.path, "PRAGMA page_count");
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)pages + 2);
	CHECK_INT(sqlite3_exec(f.st->wdb, sql, NULL, NULL, NULL), SQLITE_OK);
	log_set_level(LOG_ERROR);
	for (int i = 0; i < 5000; i++) {
		struct store_obs o = {.time_us = i, .target_id = f.t1, .kind = PROBE_ICMP, .rtt_ms = i,
				      .detail_json = "{\"pad\":\"................................\"}"};
		store_queue_obs(f.st, &o);
	}
	struct store_event ev = {.key = "full-1", .entity_id = f.e, .cause = "dns", .start_us = 1, .updated_us = 1};
	store_queue_event(f.st, &ev);
	int rc = store_flush(f.st);
	CHECK_INT(rc, ERR_IO);
	CHECK(strstr(store_errmsg(f.st), "cannot write") && strstr(store_errmsg(f.st), "full"));
	struct store_stats s;
	store_get_stats(f.st, &s);
	CHECK_INT(s.queued, 5001);
	CHECK_INT(s.failures, 1);
	CHECK_INT(s.last_error, ERR_IO);
	/* more arrives meanwhile; still failing */
	struct store_obs later = {.time_us = 9999, .target_id = f.t2, .kind = PROBE_DNS, .rtt_ms = 1};
	store_queue_obs(f.st, &later);
	CHECK_INT(store_flush(f.st), ERR_IO);
	CHECK_INT(count_rows(f.path, "SELECT count(*) FROM obs"), 0);
	/* space returns */
	CHECK_INT(sqlite3_exec(f.st->wdb, "PRAGMA max_page_count = 1000000", NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(store_flush(f.st), 0);
	log_set_level(LOG_INFO);
	store_get_stats(f.st, &s);
	CHECK_INT(s.queued, 0);
	CHECK_INT(s.last_error, 0);
	CHECK_STR(store_errmsg(f.st), "");
	CHECK_INT(count_rows(f.path, "SELECT count(*) FROM obs"), 5001);
	CHECK_INT(count_rows(f.path, "SELECT count(*) FROM events WHERE key = 'full-1'"), 1);
	/* written in order: the batch went back in front of what came later */
	CHECK_INT(count_rows(f.path, "SELECT max(rowid) FROM obs WHERE time_us = 9999"), 5001);
	CHECK_INT(count_rows(f.path, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"), 0);
	store_close(f.st);
}

/* The queue stays under its bound while writes fail; observations go first,
 * events and alerts are kept. */
TEST(test_queue_bound)
{
	struct store_options o = {.queue_max_bytes = 64 << 10, .maintain_every_us = -1};
	struct fixture f;
	if (!fixture(&f, &o))
		return;
	CHECK_INT(sqlite3_exec(f.st->wdb, "PRAGMA query_only = 1", NULL, NULL, NULL), SQLITE_OK); /* read-only */
	log_set_level(LOG_ERROR);
	struct store_event ev = {.key = "keep-me", .entity_id = f.e, .cause = "abrupt", .start_us = 1, .updated_us = 1};
	store_queue_event(f.st, &ev);
	for (int i = 0; i < 20000; i++) {
		struct store_obs ob = {.time_us = i, .target_id = f.t1, .kind = PROBE_ICMP, .rtt_ms = 1};
		store_queue_obs(f.st, &ob);
		if (i % 1000 == 0) {
			int rc = store_flush(f.st);
			CHECK(rc == ERR_PERM || rc == ERR_DB);
		}
	}
	CHECK(strstr(store_errmsg(f.st), "cannot write") != NULL);
	struct store_stats s;
	store_get_stats(f.st, &s);
	CHECK(s.queued_bytes <= (64u << 10));
	CHECK(s.dropped > 15000);
	CHECK_INT(sqlite3_exec(f.st->wdb, "PRAGMA query_only = 0", NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(store_flush(f.st), 0);
	log_set_level(LOG_INFO);
	CHECK_INT(count_rows(f.path, "SELECT count(*) FROM events WHERE key = 'keep-me'"), 1);
	/* the newest observations survived, the oldest were dropped */
	CHECK_INT(count_rows(f.path, "SELECT max(time_us) FROM obs"), 19999);
	CHECK(count_rows(f.path, "SELECT min(time_us) FROM obs") > 1000);
	store_close(f.st);
}

TEST(test_retention)
{
	const char *path = new_path();
	int64_t day = 86400 * USEC_PER_SEC, min5 = 300 * USEC_PER_SEC;
	struct store_options o = {.raw_retention_us = 2 * day, .agg_retention_us = 10 * day,
				  .agg_bin_us = min5, .maintain_every_us = -1};
	struct store *st = open_or_fail(path, &o);
	if (!st)
		return;
	int64_t e, t1, t2;
	setup_targets(st, &e, &t1, &t2);
	int64_t now = 20 * day;
	/* day 5 (aged past raw retention): 2 bins x (3 ok + 1 timeout); day 19: fresh */
	for (int b = 0; b < 2; b++)
		for (int i = 0; i < 4; i++) {
			struct store_obs ob = {.time_us = 15 * day + b * min5 + i * USEC_PER_SEC, .target_id = t1,
					       .kind = PROBE_ICMP, .outcome = i == 3 ? OUTCOME_TIMEOUT : OUTCOME_OK,
					       .rtt_ms = i == 3 ? -1 : 10 * (i + 1)};
			store_queue_obs(st, &ob);
		}
	for (int i = 0; i < 3; i++) {
		struct store_obs ob = {.time_us = 19 * day + i, .target_id = t1, .kind = PROBE_ICMP, .rtt_ms = 1};
		store_queue_obs(st, &ob);
	}
	struct store_signal s = {.entity_id = e, .layer = "web", .bin_us = 5 * day, .width_us = min5, .value = 1};
	store_queue_signal(st, &s); /* older than the aggregate retention */
	s.bin_us = 15 * day;
	store_queue_signal(st, &s);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(store_maintain(st, now, 0), 8);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM obs"), 3);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM obs_agg"), 4); /* 2 bins x 2 outcomes */
	CHECK_INT(count_rows(path, "SELECT sum(n) FROM obs_agg WHERE outcome = 0"), 6);
	CHECK_INT(count_rows(path, "SELECT sum(n) FROM obs_agg WHERE outcome = 1"), 2);
	CHECK_INT(count_rows(path, "SELECT rtt_min * 1000 + rtt_max FROM obs_agg WHERE outcome = 0 LIMIT 1"),
		  10 * 1000 + 30);
	CHECK_INT(count_rows(path, "SELECT rtt_sum FROM obs_agg WHERE outcome = 0 LIMIT 1"), 60);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM obs_agg WHERE outcome = 1 AND rtt_sum IS NULL AND n_rtt = 0"), 2);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM signals"), 1);
	/* a late raw row for a folded bin merges into it */
	struct store_obs late = {.time_us = 15 * day + 2 * USEC_PER_SEC, .target_id = t1, .kind = PROBE_ICMP,
				 .rtt_ms = 5};
	store_queue_obs(st, &late);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(store_maintain(st, now, 0), 1);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM obs_agg"), 4);
	CHECK_INT(count_rows(path, "SELECT n * 1000 + rtt_min FROM obs_agg WHERE outcome = 0 AND bin_us = "
				   "1296000000000"),
		  4 * 1000 + 5);
	/* in small steps: max_rows bounds each call to whole bins */
	for (int i = 0; i < 100; i++) {
		struct store_obs ob = {.time_us = 16 * day + i * min5, .target_id = t2, .kind = PROBE_DNS, .rtt_ms = 1};
		store_queue_obs(st, &ob);
	}
	CHECK_INT(store_flush(st), 0);
	int total = 0, steps = 0, got;
	while ((got = store_maintain(st, now, 10)) > 0) {
		CHECK(got <= 10);
		total += got;
		steps++;
	}
	CHECK_INT(got, 0);
	CHECK_INT(total, 100);
	CHECK(steps >= 10);
	/* everything ages out of the aggregate retention */
	CHECK(store_maintain(st, 40 * day, 0) >= 3);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM obs_agg"), 0);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM obs"), 0);
	CHECK_INT(count_rows(path, "SELECT count(*) FROM signals"), 0);
	store_close(st);
}

/* The retention step runs by itself after a flush (default: once a minute). */
TEST(test_auto_maintenance)
{
	struct fixture f;
	if (!fixture(&f, NULL))
		return;
	int64_t now = clock_wall_us();
	struct store_obs old = {.time_us = now - 30 * 86400 * USEC_PER_SEC, .target_id = f.t1, .kind = PROBE_ICMP,
				.rtt_ms = 3};
	struct store_obs fresh = {.time_us = now, .target_id = f.t1, .kind = PROBE_ICMP, .rtt_ms = 4};
	store_queue_obs(f.st, &old);
	store_queue_obs(f.st, &fresh);
	CHECK_INT(store_flush(f.st), 0);
	CHECK_INT(count_rows(f.path, "SELECT count(*) FROM obs"), 1);
	CHECK_INT(count_rows(f.path, "SELECT count(*) FROM obs_agg WHERE n = 1 AND rtt_min = 3"), 1);
	store_close(f.st);
}

/* ---- the libuv flusher ---------------------------------------------------- */

struct uv_run_ctx {
	struct store *st;
	struct store_flusher fl;
	uv_timer_t gen;
	int64_t target, seq, until_seq;
	int per_tick, flushes, closed;
	int wfd; /* pipe to the parent in the crash test, or -1 */
};

static void on_flush(struct store_flusher *fl, int rc)
{
	struct uv_run_ctx *c = fl->data;
	if (rc == 0)
		c->flushes++;
	if (c->wfd >= 0) {
		char line[64];
		/* everything queued before this flush began is now committed */
		struct store_stats s;
		store_get_stats(c->st, &s);
		int n = snprintf(line, sizeof line, "D %d %lld\n", rc, (long long)s.last_flush_us);
		if (write(c->wfd, line, (size_t)n) < 0)
			_exit(3);
	}
}

static void on_write_start(struct store_flusher *fl)
{
	struct uv_run_ctx *c = fl->data;
	if (c->wfd >= 0 && write(c->wfd, "B\n", 2) < 0)
		_exit(3);
}

static void on_closed(struct store_flusher *fl)
{
	struct uv_run_ctx *c = fl->data;
	c->closed = 1;
}

static void generate(uv_timer_t *t)
{
	struct uv_run_ctx *c = t->data;
	int64_t now = clock_wall_us();
	for (int i = 0; i < c->per_tick; i++) {
		struct store_obs o = {.time_us = now, .target_id = c->target, .kind = PROBE_ICMP,
				      .rtt_ms = (double)++c->seq};
		store_queue_obs(c->st, &o);
	}
	if (c->until_seq && c->seq >= c->until_seq) {
		uv_timer_stop(t);
		uv_close((uv_handle_t *)t, NULL);
		store_flusher_stop(&c->fl, on_closed);
	}
}

TEST(test_uv_flusher)
{
	struct fixture f;
	if (!fixture(&f, NULL))
		return;
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct uv_run_ctx c = {.st = f.st, .target = f.t1, .per_tick = 50, .until_seq = 20000, .wfd = -1};
	c.fl.data = &c;
	c.fl.on_flush = on_flush;
	CHECK_INT(store_flusher_start(&c.fl, &loop, f.st, 100 * USEC_PER_MSEC), 0);
	uv_timer_init(&loop, &c.gen);
	c.gen.data = &c;
	uv_timer_start(&c.gen, generate, 1, 1);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(c.closed);
	CHECK(c.flushes >= 2); /* several flushes while generating, then the last */
	CHECK_INT(uv_loop_close(&loop), 0);
	CHECK_INT(count_rows(f.path, "SELECT count(*) FROM obs"), 20000);
	CHECK_INT(count_rows(f.path, "SELECT max(rtt_ms) FROM obs"), 20000);
	store_close(f.st);
}

/* ---- kill -9 in the middle of a flush --------------------------------------- */

static void writer_child(const char *path, int wfd, int64_t interval_us)
{
	struct store *st = NULL;
	char err[512];
	if (store_open(path, NULL, &st, err, sizeof err))
		_exit(2);
	struct store_target t = {"t", 0, ROLE_HOST, "127.0.0.1", NULL};
	int64_t id;
	if (store_upsert_target(st, &t, &id))
		_exit(2);
	uv_loop_t loop;
	uv_loop_init(&loop);
	/* resume the sequence after what the last writer committed */
	struct uv_run_ctx c = {.st = st, .target = id, .per_tick = 40, .wfd = wfd};
	c.seq = count_rows(path, "SELECT coalesce(max(rtt_ms), 0) FROM obs");
	c.fl.data = &c;
	c.fl.on_flush = on_flush;
	c.fl.on_write_start = on_write_start;
	if (store_flusher_start(&c.fl, &loop, st, interval_us))
		_exit(2);
	uv_timer_init(&loop, &c.gen);
	c.gen.data = &c;
	uv_timer_start(&c.gen, generate, 1, 1); /* ~40,000 observations a second */
	uv_run(&loop, UV_RUN_DEFAULT);
	_exit(0);
}

static int read_line(int fd, char *buf, size_t n, int timeout_ms)
{
	size_t len = 0;
	int64_t deadline = clock_mono_us() + timeout_ms * 1000;
	while (len + 1 < n) {
		fd_set fds;
		FD_ZERO(&fds);
		FD_SET(fd, &fds);
		int64_t left = deadline - clock_mono_us();
		if (left <= 0)
			return -1;
		struct timeval tv = {left / 1000000, left % 1000000};
		if (select(fd + 1, &fds, NULL, NULL, &tv) <= 0)
			return -1;
		if (read(fd, buf + len, 1) != 1)
			return -1;
		if (buf[len] == '\n') {
			buf[len] = '\0';
			return (int)len;
		}
		len++;
	}
	return -1;
}

TEST(test_kill9_mid_flush)
{
	const char *path = new_path();
	const int64_t interval = USEC_PER_SEC; /* the default flush interval */
	int64_t worst_loss_us = 0, worst_flush_us = 0;
	for (int round = 0; round < 3; round++) {
		int p[2];
		CHECK_INT(pipe(p), 0);
		pid_t pid = fork();
		if (pid == 0) {
			close(p[0]);
			writer_child(path, p[1], interval);
		}
		close(p[1]);
		/* let it commit a couple of flushes, then catch it writing one */
		char line[64];
		int done = 0, began = 0;
		int64_t committed_before = 0;
		int64_t flush_us = 0, longest_flush_us = 0;
		while (done < 2 && read_line(p[0], line, sizeof line, 60000) > 0)
			if (sscanf(line, "D 0 %" SCNd64, &flush_us) == 1) {
				done++;
				if (flush_us > longest_flush_us)
					longest_flush_us = flush_us;
			}
		while (read_line(p[0], line, sizeof line, 60000) > 0) {
			if (sscanf(line, "D 0 %" SCNd64, &flush_us) == 1 && flush_us > longest_flush_us)
				longest_flush_us = flush_us;
			if (line[0] == 'B') {
				began = 1;
				break;
			}
		}
		CHECK(done == 2 && began);
		/* everything acknowledged so far is committed: remember it */
		committed_before = count_rows(path, "SELECT max(rtt_ms) FROM obs");
		usleep(1000 * (1 + round * 3)); /* 1, 4, 7 ms into the write */
		int64_t killed_at = clock_wall_us();
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		close(p[0]);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

		CHECK_INT(count_rows(path, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"), 0);
		/* committed batches are whole and in order: the sequence has no holes */
		int64_t n = count_rows(path, "SELECT count(*) FROM obs");
		int64_t max = count_rows(path, "SELECT max(rtt_ms) FROM obs");
		CHECK_INT(n, max);
		CHECK(max >= committed_before);
		/* what is missing: observations made after the newest committed one */
		int64_t newest = count_rows(path, "SELECT max(time_us) FROM obs");
		int64_t lost_us = killed_at - newest;
		if (lost_us > worst_loss_us)
			worst_loss_us = lost_us;
		/* lost: everything after the last committed batch began: one
		 * interval, plus that batch's write time (the timer skips ticks
		 * while a flush runs), plus the few ms into the next write; on a
		 * loaded machine (or valgrind) the loop's own lateness grows with
		 * the write time, hence twice it, plus slack */
		int64_t bound = interval + 2 * longest_flush_us + 500 * USEC_PER_MSEC;
		if (lost_us > bound)
			T_FAIL("round %d lost %lld ms of observations (interval %lld ms, longest flush %lld ms)",
			       round, (long long)(lost_us / 1000), (long long)(interval / 1000),
			       (long long)(longest_flush_us / 1000));
		if (longest_flush_us > worst_flush_us)
			worst_flush_us = longest_flush_us;
	}
	fprintf(stderr, "  kill -9 mid-flush: worst loss %lld ms with a %lld ms flush interval "
			"(longest flush before a kill: %lld ms)\n",
		(long long)(worst_loss_us / 1000), (long long)(interval / 1000),
		(long long)(worst_flush_us / 1000));
	/* and the file opens for writing again, picking up where it was */
	struct store *st = open_or_fail(path, NULL);
	CHECK(st != NULL);
	store_close(st);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_open_new);
	RUN(test_wal_mode);
	RUN(test_migrate_old_file);
	RUN(test_refuse_newer_and_foreign);
	RUN(test_sync_config);
	RUN(test_observations);
	RUN(test_events);
	RUN(test_bad_record_does_not_block_batch);
	RUN(test_signals_downsampled);
	RUN(test_entities_and_signals_now);
	RUN(test_event_timeline_and_evidence);
	RUN(test_alert_outbox);
	RUN(test_bgp_samples);
	RUN(test_meta_and_readonly);
	RUN(test_disk_full);
	RUN(test_queue_bound);
	RUN(test_retention);
	RUN(test_auto_maintenance);
	RUN(test_uv_flusher);
	RUN(test_kill9_mid_flush);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return test_main_end();
}
