/*
 * store.c - opening and migrating the store, setup writes, the write queue
 * and its flush, retention. Reads are in store_read.c; see store.h for the
 * design (queue -> batch -> one transaction per flush interval).
 */
#include "store/store_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/obs.h"

#define APPLICATION_ID 1651272559 /* 'blko' */
#define MAINTAIN_EVERY_US (60 * USEC_PER_SEC)
#define MAINTAIN_ROWS 50000

/* ---- errors -------------------------------------------------------------- */

/* Formats a message into dst (sizeof st->errmsg bytes), with db's own message
 * and a hint for the usual causes appended when db is set. */
static void format_error(char *dst, size_t cap, sqlite3 *db, const char *fmt, va_list ap)
{
	int n = vsnprintf(dst, cap, fmt, ap);
	if (db && n >= 0 && (size_t)n < cap) {
		const char *hint = "";
		switch (sqlite3_extended_errcode(db) & 0xff) {
		case SQLITE_FULL:
			hint = " (is the disk full?)";
			break;
		case SQLITE_READONLY:
			hint = " (is the file or its folder read-only?)";
			break;
		case SQLITE_BUSY:
		case SQLITE_LOCKED:
			hint = " (another program holds the database)";
			break;
		}
		snprintf(dst + n, cap - (size_t)n, ": %s%s", sqlite3_errmsg(db), hint);
	}
}

/* Into errmsg itself: for code on the loop thread that may run during a flush. */
static void set_errmsg(struct store *st, sqlite3 *db, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_errmsg(struct store *st, sqlite3 *db, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	format_error(st->errmsg, sizeof st->errmsg, db, fmt, ap);
	va_end(ap);
}

void store_set_error(struct store *st, sqlite3 *db, const char *fmt, ...)
{
	/* err_dst is errmsg, or batch_err while a flush is in flight (the worker's) */
	va_list ap;
	va_start(ap, fmt);
	format_error(st->err_dst ? st->err_dst : st->errmsg, sizeof st->errmsg, db, fmt, ap);
	va_end(ap);
}

int store_err_from_sqlite(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_NOMEM:
		return ERR_NOMEM;
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		return ERR_IO;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return ERR_PERM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ERR_AGAIN;
	case SQLITE_TOOBIG:
		return ERR_TOOBIG;
	default:
		return ERR_DB;
	}
}

int store_exec(struct store *st, sqlite3 *db, const char *sql)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		store_set_error(st, db, "%s", st->path);
		return store_err_from_sqlite(rc);
	}
	return 0;
}

const char *store_errmsg(const struct store *st)
{
	return st->errmsg;
}

int store_schema_version(const struct store *st)
{
	return st->version;
}

/* ---- opening ------------------------------------------------------------- */

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

/* Refuses files that are not blackout's, or newer than this program. */
static int check_file(struct store *st, sqlite3 *db)
{
	int app = 0, version = 0, tables = 0;
	if (pragma_int(db, "PRAGMA application_id", &app) != SQLITE_OK ||
	    pragma_int(db, "PRAGMA user_version", &version) != SQLITE_OK ||
	    pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables) != SQLITE_OK) {
		store_set_error(st, db, "%s: cannot read the database header", st->path);
		return ERR_DB;
	}
	if ((app != 0 && app != APPLICATION_ID) || (app == 0 && tables > 0)) {
		snprintf(st->errmsg, sizeof st->errmsg,
			 "%s is an SQLite database, but not one of blackout's; give another --db", st->path);
		return ERR_INVAL;
	}
	if (version > STORE_SCHEMA_VERSION) {
		snprintf(st->errmsg, sizeof st->errmsg,
			 "%s has schema version %d, newer than this blackout understands (%d): it was "
			 "written by a newer blackout; upgrade blackout, or give another --db",
			 st->path, version, STORE_SCHEMA_VERSION);
		return ERR_UNSUPPORTED;
	}
	st->version = version;
	return 0;
}

static int migrate(struct store *st)
{
	int target = st->opt.max_version > 0 && st->opt.max_version < STORE_SCHEMA_VERSION
			     ? st->opt.max_version
			     : STORE_SCHEMA_VERSION;
	int from = st->version;
	while (st->version < target) {
		int next = st->version + 1, rc;
		if ((rc = store_exec(st, st->wdb, "BEGIN IMMEDIATE")))
			return rc;
		/* another process may have migrated while we waited for the lock */
		int now = 0;
		if (pragma_int(st->wdb, "PRAGMA user_version", &now) != SQLITE_OK) {
			store_set_error(st, st->wdb, "%s: reading the schema version", st->path);
			goto fail;
		}
		if (now >= next) {
			st->version = now;
			if ((rc = store_exec(st, st->wdb, "COMMIT")))
				return rc;
			continue;
		}
		char setv[64];
		snprintf(setv, sizeof setv, "PRAGMA user_version = %d", next);
		if (store_exec(st, st->wdb, store_migration(next)) || store_exec(st, st->wdb, setv)) {
			char why[512];
			snprintf(why, sizeof why, "%s", st->errmsg);
			snprintf(st->errmsg, sizeof st->errmsg, "migrating to schema version %d: %.400s", next, why);
			goto fail;
		}
		if ((rc = store_exec(st, st->wdb, "COMMIT")))
			goto fail;
		if (from > 0)
			log_info("store: %s migrated to schema version %d", st->path, next);
		st->version = next;
		continue;
	fail:
		sqlite3_exec(st->wdb, "ROLLBACK", NULL, NULL, NULL);
		return ERR_DB;
	}
	return 0;
}

/* Keeps the code tables in step with core/obs.h (new codes are appended there). */
static int sync_code_tables(struct store *st)
{
	sqlite3_stmt *k = NULL, *o = NULL;
	int rc = ERR_DB;
	if (sqlite3_prepare_v2(st->wdb, "INSERT OR REPLACE INTO probe_kinds(code, name) VALUES (?, ?)", -1,
			       &k, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->wdb,
			       "INSERT OR REPLACE INTO outcomes(code, name, description) VALUES (?, ?, ?)",
			       -1, &o, NULL) != SQLITE_OK) {
		store_set_error(st, st->wdb, "%s", st->path);
		goto fail;
	}
	if (store_exec(st, st->wdb, "BEGIN"))
		goto fail;
	for (int i = 0; i < PROBE_KIND__COUNT; i++) {
		sqlite3_bind_int(k, 1, i);
		sqlite3_bind_text(k, 2, probe_kind_name(i), -1, SQLITE_STATIC);
		if (sqlite3_step(k) != SQLITE_DONE)
			goto rollback;
		sqlite3_reset(k);
	}
	for (int i = 0; i < OUTCOME__COUNT; i++) {
		sqlite3_bind_int(o, 1, i);
		sqlite3_bind_text(o, 2, outcome_code(i), -1, SQLITE_STATIC);
		sqlite3_bind_text(o, 3, outcome_text(i), -1, SQLITE_STATIC);
		if (sqlite3_step(o) != SQLITE_DONE)
			goto rollback;
		sqlite3_reset(o);
	}
	if (store_exec(st, st->wdb, "COMMIT"))
		goto fail;
	rc = 0;
	goto fail;
rollback:
	store_set_error(st, st->wdb, "%s: filling the code tables", st->path);
	sqlite3_exec(st->wdb, "ROLLBACK", NULL, NULL, NULL);
fail:
	sqlite3_finalize(k);
	sqlite3_finalize(o);
	return rc;
}

static const char *const stmt_sql[ST__N] = {
	[ST_OBS] = "INSERT INTO obs(time_us, target_id, vantage, kind, outcome, rtt_ms, detail) "
		   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_LATEST] = "INSERT INTO latest(target_id, kind, vantage, time_us, outcome, rtt_ms, detail) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
		      "ON CONFLICT (target_id, kind, vantage) DO UPDATE SET time_us = excluded.time_us, "
		      "outcome = excluded.outcome, rtt_ms = excluded.rtt_ms, detail = excluded.detail "
		      "WHERE excluded.time_us >= latest.time_us",
	[ST_BIN] = "INSERT OR REPLACE INTO target_bins(target_id, vantage, bin_us, width_us, state, n, "
		   "n_ok, rtt_ms, loss) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_SIGNAL] = "INSERT OR REPLACE INTO signals(entity_id, layer, metric, vantage, bin_us, width_us, "
		      "value, baseline, n) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_BGP] = "INSERT INTO bgp(time_us, prefix, vantage, peers_seeing, peers_total, origin_as, detail) "
		   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_EVENT] = "INSERT INTO events(key, entity_id, vantage, cause, start_us, end_us, severity, "
		     "confidence, evidence, timeline, created_us, updated_us) "
		     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11) "
		     "ON CONFLICT (key) DO UPDATE SET entity_id = excluded.entity_id, "
		     "vantage = excluded.vantage, cause = excluded.cause, start_us = excluded.start_us, "
		     "end_us = excluded.end_us, severity = excluded.severity, "
		     "confidence = excluded.confidence, evidence = excluded.evidence, "
		     "timeline = excluded.timeline, updated_us = excluded.updated_us",
};

static sqlite3 *open_db(struct store *st, int flags, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(st->path, &db, flags | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", st->path,
			 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

int store_open(const char *path, const struct store_options *opt, struct store **out, char *err,
	       size_t errlen)
{
	struct store *st = xcalloc(1, sizeof *st);
	int rc = ERR_DB;
	*out = NULL;
	st->path = xstrdup(path);
	if (opt)
		st->opt = *opt;
	if (!st->opt.raw_retention_us)
		st->opt.raw_retention_us = CONFIG_DEFAULT_RAW_RETENTION_US;
	if (!st->opt.agg_retention_us)
		st->opt.agg_retention_us = CONFIG_DEFAULT_AGG_RETENTION_US;
	if (!st->opt.agg_bin_us)
		st->opt.agg_bin_us = CONFIG_DEFAULT_AGG_BIN_US;
	if (!st->opt.queue_max_bytes)
		st->opt.queue_max_bytes = CONFIG_DEFAULT_QUEUE_BYTES;
	st->next_maintain_us = 0;

	if (!st->opt.readonly) {
		if (!(st->wdb = open_db(st, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err, errlen)))
			goto fail_quiet;
		/* SQLite quietly opens a file it cannot write read-only: say so now */
		if (sqlite3_db_readonly(st->wdb, "main") == 1) {
			snprintf(st->errmsg, sizeof st->errmsg,
				 "%s is read-only (file permissions or a read-only file system); "
				 "blackout needs to write it, or give another --db", path);
			rc = ERR_PERM;
			goto fail;
		}
		if ((rc = check_file(st, st->wdb)))
			goto fail;
		/* WAL: readers never wait for the writer; NORMAL: a commit survives
		 * a crash of this process (not a power cut) without an fsync each */
		if ((rc = store_exec(st, st->wdb, "PRAGMA journal_mode = WAL")) ||
		    (rc = store_exec(st, st->wdb, "PRAGMA synchronous = NORMAL")) ||
		    (rc = store_exec(st, st->wdb, "PRAGMA foreign_keys = ON")) ||
		    (rc = migrate(st)))
			goto fail;
		if (st->version == STORE_SCHEMA_VERSION) {
			if ((rc = sync_code_tables(st)))
				goto fail;
			for (int i = 0; i < ST__N; i++)
				if (sqlite3_prepare_v3(st->wdb, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
						       &st->st[i], NULL) != SQLITE_OK) {
					store_set_error(st, st->wdb, "%s: preparing statements", path);
					rc = ERR_DB;
					goto fail;
				}
		}
	}
	if (!st->opt.readonly && !(st->adb = open_db(st, SQLITE_OPEN_READWRITE, err, errlen)))
		goto fail_quiet;
	if (!(st->rdb = open_db(st, SQLITE_OPEN_READONLY, err, errlen)))
		goto fail_quiet;
	if (st->opt.readonly) {
		if ((rc = check_file(st, st->rdb)))
			goto fail;
		if (st->version == 0) {
			snprintf(st->errmsg, sizeof st->errmsg,
				 "%s holds no blackout data (run 'blackout watch --db %s' first)", path, path);
			rc = ERR_NOTFOUND;
			goto fail;
		}
		if (st->version < STORE_SCHEMA_VERSION) {
			snprintf(st->errmsg, sizeof st->errmsg,
				 "%s has schema version %d; open it once for writing (blackout watch) to "
				 "migrate it to version %d", path, st->version, STORE_SCHEMA_VERSION);
			rc = ERR_UNSUPPORTED;
			goto fail;
		}
	}
	*out = st;
	return 0;
fail:
	snprintf(err, errlen, "%s", st->errmsg);
fail_quiet:
	store_close(st);
	return rc ? rc : ERR_DB;
}

static void rec_free(struct rec *r)
{
	switch (r->type) {
	case REC_OBS:
		free(r->u.obs.detail);
		break;
	case REC_BIN:
		free(r->u.bin.state);
		break;
	case REC_SIGNAL:
		free(r->u.sig.layer);
		free(r->u.sig.metric);
		break;
	case REC_BGP:
		free(r->u.bgp.prefix);
		free(r->u.bgp.detail);
		break;
	case REC_EVENT:
		free(r->u.ev.key);
		free(r->u.ev.cause);
		free(r->u.ev.evidence);
		free(r->u.ev.timeline);
		break;
	}
}

static void recs_clear(struct recs *q)
{
	for (size_t i = 0; i < q->n; i++)
		rec_free(&q->v[i]);
	free(q->v);
	memset(q, 0, sizeof *q);
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < ST__N; i++)
		sqlite3_finalize(st->st[i]);
	recs_clear(&st->queue);
	recs_clear(&st->batch);
	sqlite3_close(st->rdb);
	sqlite3_close(st->adb);
	sqlite3_close(st->wdb);
	free(st->path);
	free(st);
}

/* ---- setup writes --------------------------------------------------------- */

static int setup_check(struct store *st)
{
	if (!st->wdb) {
		snprintf(st->errmsg, sizeof st->errmsg, "%s is open read-only", st->path);
		return ERR_PERM;
	}
	if (st->in_flight)
		return ERR_WRONG_STATE; /* errmsg belongs to the flush now: leave it alone */
	return 0;
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

int store_bind(sqlite3_stmt *s, const char *fmt, va_list ap)
{
	/* a format that does not match the SQL is a bug: fail loudly, not with NULLs */
	if (sqlite3_bind_parameter_count(s) != (int)strlen(fmt))
		return SQLITE_RANGE;
	for (int i = 1; fmt[i - 1]; i++) {
		int rc = SQLITE_OK;
		switch (fmt[i - 1]) {
		case 'I':
			rc = sqlite3_bind_int64(s, i, va_arg(ap, int64_t));
			break;
		case 'd':
			rc = sqlite3_bind_int(s, i, va_arg(ap, int));
			break;
		case 't': {
			const char *v = va_arg(ap, const char *);
			rc = v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, i);
			break;
		}
		}
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

/* Runs one statement on db (wdb for setup writes, adb for the outbox: both
 * on the loop thread while no flush is in flight, or adb any time), binding
 * ?1.. by fmt (see store_bind). Errors are written to errmsg, which the loop
 * thread owns (a flush in flight writes batch_err). If the statement returns a
 * row and rowid_out is set, its first column goes there; otherwise a
 * statement that changed nothing returns ERR_NOTFOUND when must_change. */
static int run_sql(struct store *st, sqlite3 *db, bool must_change, int64_t *rowid_out, const char *sql,
		   const char *fmt, va_list ap)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = store_bind(s, fmt, ap);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW && rowid_out)
			*rowid_out = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		set_errmsg(st, db, db == st->adb ? "alert outbox in %s" : "%s", st->path);
		return store_err_from_sqlite(rc) ? store_err_from_sqlite(rc) : ERR_DB;
	}
	return must_change && !rowid_out && sqlite3_changes(db) == 0 ? ERR_NOTFOUND : 0;
}

static int write_sql(struct store *st, const char *sql, int64_t *rowid_out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = run_sql(st, st->wdb, false, rowid_out, sql, fmt, ap);
	va_end(ap);
	return rc;
}

static int put_vantage(struct store *st, uint16_t id, const char *name)
{
	return write_sql(st, "INSERT INTO vantages(id, name, updated_us) VALUES (?1, ?2, ?3) "
			     "ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_us = excluded.updated_us",
			 NULL, "dtI", (int)id, name ? name : "local", clock_wall_us());
}

int store_set_vantage(struct store *st, uint16_t id, const char *name)
{
	int rc = setup_check(st);
	return rc ? rc : put_vantage(st, id, name);
}

static int upsert_entity(struct store *st, const struct store_entity *e, uint16_t vantage, int64_t *id)
{
	return write_sql(st,
			 "INSERT INTO entities(name, kind, description, prefixes, origin_as, vantage, updated_us) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (name) DO UPDATE SET "
			 "kind = excluded.kind, description = excluded.description, prefixes = excluded.prefixes, "
			 "origin_as = excluded.origin_as, vantage = excluded.vantage, "
			 "updated_us = excluded.updated_us RETURNING id",
			 id, "tttttdI", e->name, e->kind ? e->kind : "group", e->description, e->prefixes_json,
			 e->origin_as_json, (int)vantage, clock_wall_us());
}

int store_upsert_entity(struct store *st, const struct store_entity *e, int64_t *id)
{
	int rc = setup_check(st);
	return rc ? rc : upsert_entity(st, e, 0, id);
}

static int upsert_target(struct store *st, const struct store_target *t, uint16_t vantage, int64_t *id)
{
	/* NULLIF: entity 0 (a control) is stored as no entity */
	return write_sql(st,
			 "INSERT INTO targets(name, entity_id, role, address, host, active, vantage, updated_us) "
			 "VALUES (?1, NULLIF(?2, 0), ?3, ?4, ?5, 1, ?6, ?7) ON CONFLICT (name) DO UPDATE SET "
			 "entity_id = excluded.entity_id, role = excluded.role, address = excluded.address, "
			 "host = excluded.host, active = 1, vantage = excluded.vantage, "
			 "updated_us = excluded.updated_us RETURNING id",
			 id, "tItttdI", t->name, t->entity_id > 0 ? t->entity_id : (int64_t)0, role_name(t->role),
			 t->address, t->host, (int)vantage, clock_wall_us());
}

int store_upsert_target(struct store *st, const struct store_target *t, int64_t *id)
{
	int rc = setup_check(st);
	return rc ? rc : upsert_target(st, t, 0, id);
}

int store_sync_config(struct store *st, const struct config *cfg, int64_t *entity_ids,
		      int64_t *target_ids)
{
	int rc = setup_check(st);
	if (rc)
		return rc;
	if ((rc = store_exec(st, st->wdb, "BEGIN IMMEDIATE")))
		return rc;
	if ((rc = put_vantage(st, cfg->vantage.id, cfg->vantage.name)) ||
	    (rc = write_sql(st, "UPDATE targets SET active = 0 WHERE vantage = ?1", NULL, "d",
			    (int)cfg->vantage.id)))
		goto fail;
	for (size_t i = 0; i < cfg->n_entities; i++) {
		const struct config_entity *ce = &cfg->entities[i];
		struct buf pj = {0}, aj = {0};
		char pbuf[PREFIX_STRLEN];
		buf_putc(&pj, '[');
		for (size_t k = 0; k < ce->n_prefixes; k++) {
			if (k)
				buf_putc(&pj, ',');
			json_str(&pj, prefix_format(&ce->prefixes[k], pbuf, sizeof pbuf));
		}
		buf_putc(&pj, ']');
		buf_putc(&aj, '[');
		for (size_t k = 0; k < ce->n_origin_as; k++)
			buf_printf(&aj, "%s%u", k ? "," : "", ce->origin_as[k]);
		buf_putc(&aj, ']');
		struct store_entity e = {ce->name, config_entity_kind_name(ce->kind), ce->description, pj.p, aj.p};
		rc = upsert_entity(st, &e, cfg->vantage.id, &entity_ids[i]);
		buf_free(&pj);
		buf_free(&aj);
		if (rc)
			goto fail;
	}
	for (size_t i = 0; i < cfg->n_targets; i++) {
		const struct config_target *ct = &cfg->targets[i];
		char abuf[ADDR_STRLEN];
		struct store_target t = {
			.name = ct->name,
			.entity_id = ct->entity == CONFIG_NO_ENTITY ? 0 : entity_ids[ct->entity],
			.role = ct->role,
			.address = ct->has_addr ? addr_format(&ct->addr, abuf, sizeof abuf) : NULL,
			.host = ct->host,
		};
		if ((rc = upsert_target(st, &t, cfg->vantage.id, &target_ids[i])))
			goto fail;
	}
	if ((rc = store_exec(st, st->wdb, "COMMIT")))
		goto fail;
	return 0;
fail:
	sqlite3_exec(st->wdb, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int store_meta_set(struct store *st, const char *key, const char *value)
{
	int rc = setup_check(st);
	return rc ? rc
		  : write_sql(st, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)", NULL, "tt", key,
			      value);
}

int store_meta_get(struct store *st, const char *key, char **value)
{
	sqlite3_stmt *s = NULL;
	*value = NULL;
	int rc = sqlite3_prepare_v2(st->rdb, "SELECT value FROM meta WHERE key = ?1", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(s);
	}
	if (rc == SQLITE_ROW)
		*value = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? ERR_NOTFOUND : store_err_from_sqlite(rc);
}

/* ---- the queue ------------------------------------------------------------ */

static char *dup_or_null(const char *s, uint64_t *bytes)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	*bytes += n + 1;
	return xstrndup(s, n);
}

static char *dup_detail(const char *s, uint64_t *bytes)
{
	if (s && strlen(s) > STORE_DETAIL_MAX) {
		char *t = xasprintf("{\"truncated\":%zu}", strlen(s));
		*bytes += strlen(t) + 1;
		return t;
	}
	return dup_or_null(s, bytes);
}

static uint64_t rec_bytes(const struct rec *r)
{
	uint64_t b = sizeof *r;
#define S(p) ((p) ? strlen(p) + 1 : 0)
	switch (r->type) {
	case REC_OBS:
		return b + S(r->u.obs.detail);
	case REC_BIN:
		return b + S(r->u.bin.state);
	case REC_SIGNAL:
		return b + S(r->u.sig.layer) + S(r->u.sig.metric);
	case REC_BGP:
		return b + S(r->u.bgp.prefix) + S(r->u.bgp.detail);
	case REC_EVENT:
		return b + S(r->u.ev.key) + S(r->u.ev.cause) + S(r->u.ev.evidence) + S(r->u.ev.timeline);
	}
#undef S
	return b;
}

/* Over the bound, drops the oldest raw observations down to 90 % of it. */
static void enforce_bound(struct store *st, struct recs *q)
{
	if (q->bytes <= st->opt.queue_max_bytes)
		return;
	uint64_t goal = st->opt.queue_max_bytes / 10 * 9;
	size_t w = 0, dropped = 0;
	for (size_t r = 0; r < q->n; r++) {
		if (q->bytes > goal && q->v[r].type == REC_OBS) {
			q->bytes -= rec_bytes(&q->v[r]);
			rec_free(&q->v[r]);
			dropped++;
			continue;
		}
		q->v[w++] = q->v[r];
	}
	q->n = w;
	if (dropped && st->stats.dropped == 0)
		log_warn("store: write queue over %llu bytes (writes failing, or slower than the "
			 "probes): dropping the oldest observations",
			 (unsigned long long)st->opt.queue_max_bytes);
	st->stats.dropped += dropped;
}

static struct rec *push(struct store *st)
{
	struct recs *q = &st->queue;
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 1024;
		q->v = xreallocarray(q->v, q->cap, sizeof *q->v);
	}
	struct rec *r = &q->v[q->n++];
	memset(r, 0, sizeof *r);
	q->bytes += sizeof *r;
	return r;
}

static void pushed(struct store *st)
{
	enforce_bound(st, &st->queue);
}

void store_queue_obs(struct store *st, const struct store_obs *o)
{
	struct rec *r = push(st);
	r->type = REC_OBS;
	r->u.obs.time_us = o->time_us;
	r->u.obs.target_id = o->target_id;
	r->u.obs.vantage = o->vantage;
	r->u.obs.kind = o->kind;
	r->u.obs.outcome = o->outcome;
	r->u.obs.rtt_ms = o->rtt_ms;
	r->u.obs.detail = dup_detail(o->detail_json, &st->queue.bytes);
	pushed(st);
}

void store_queue_target_bin(struct store *st, const struct store_target_bin *b)
{
	struct rec *r = push(st);
	r->type = REC_BIN;
	r->u.bin.target_id = b->target_id;
	r->u.bin.vantage = b->vantage;
	r->u.bin.bin_us = b->bin_us;
	r->u.bin.width_us = b->width_us;
	r->u.bin.state = dup_or_null(b->state ? b->state : "unknown", &st->queue.bytes);
	r->u.bin.n = b->n;
	r->u.bin.n_ok = b->n_ok;
	r->u.bin.rtt_ms = b->rtt_ms;
	r->u.bin.loss = b->loss;
	pushed(st);
}

void store_queue_signal(struct store *st, const struct store_signal *s)
{
	struct rec *r = push(st);
	r->type = REC_SIGNAL;
	r->u.sig.entity_id = s->entity_id;
	r->u.sig.layer = dup_or_null(s->layer ? s->layer : "unknown", &st->queue.bytes);
	r->u.sig.metric = dup_or_null(s->metric ? s->metric : "up", &st->queue.bytes);
	r->u.sig.vantage = s->vantage;
	r->u.sig.bin_us = s->bin_us;
	r->u.sig.width_us = s->width_us;
	r->u.sig.value = s->value;
	r->u.sig.baseline = s->baseline;
	r->u.sig.n = s->n;
	pushed(st);
}

void store_queue_bgp(struct store *st, const struct store_bgp_sample *b)
{
	char p[PREFIX_STRLEN];
	struct rec *r = push(st);
	r->type = REC_BGP;
	r->u.bgp.time_us = b->time_us;
	r->u.bgp.prefix = dup_or_null(prefix_format(&b->prefix, p, sizeof p), &st->queue.bytes);
	r->u.bgp.vantage = b->vantage;
	r->u.bgp.seeing = b->peers_seeing;
	r->u.bgp.total = b->peers_total;
	r->u.bgp.origin_as = b->origin_as;
	r->u.bgp.detail = dup_detail(b->detail_json, &st->queue.bytes);
	pushed(st);
}

void store_queue_event(struct store *st, const struct store_event *e)
{
	struct rec *r = push(st);
	r->type = REC_EVENT;
	r->u.ev.key = dup_or_null(e->key ? e->key : "", &st->queue.bytes);
	r->u.ev.entity_id = e->entity_id;
	r->u.ev.vantage = e->vantage;
	r->u.ev.cause = dup_or_null(e->cause ? e->cause : "unknown", &st->queue.bytes);
	r->u.ev.start_us = e->start_us;
	r->u.ev.end_us = e->end_us;
	r->u.ev.severity = e->severity;
	r->u.ev.confidence = e->confidence;
	r->u.ev.evidence = dup_or_null(e->evidence_json, &st->queue.bytes);
	r->u.ev.timeline = dup_or_null(e->timeline_json, &st->queue.bytes);
	r->u.ev.updated_us = e->updated_us;
	pushed(st);
}

/* ---- flushing ------------------------------------------------------------- */

int store_flush_begin(struct store *st)
{
	if (st->in_flight)
		return ERR_WRONG_STATE;
	if (!st->wdb) {
		snprintf(st->errmsg, sizeof st->errmsg, "%s is open read-only", st->path);
		return ERR_PERM;
	}
	if (st->queue.n == 0)
		return 0;
	st->batch = st->queue;
	memset(&st->queue, 0, sizeof st->queue);
	st->in_flight = true;
	st->batch_rc = 0;
	st->batch_err[0] = '\0';
	st->err_dst = st->batch_err; /* the worker reports here; flush_end copies it */
	return 1;
}

static void bind_rtt(sqlite3_stmt *s, int i, double v)
{
	if (v >= 0 && isfinite(v))
		sqlite3_bind_double(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static void bind_real_or_null(sqlite3_stmt *s, int i, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static void bind_obs(sqlite3_stmt *s, const struct rec *r)
{
	sqlite3_bind_int64(s, 1, r->u.obs.time_us);
	sqlite3_bind_int64(s, 2, r->u.obs.target_id);
	sqlite3_bind_int(s, 3, r->u.obs.vantage);
	sqlite3_bind_int(s, 4, r->u.obs.kind);
	sqlite3_bind_int(s, 5, r->u.obs.outcome);
	bind_rtt(s, 6, r->u.obs.rtt_ms);
	bind_text_or_null(s, 7, r->u.obs.detail);
}

/* Binds r to its statement; returns the statement. */
static sqlite3_stmt *bind_rec(struct store *st, const struct rec *r)
{
	sqlite3_stmt *s = NULL;
	switch (r->type) {
	case REC_OBS:
		s = st->st[ST_OBS];
		bind_obs(s, r);
		break;
	case REC_BIN:
		s = st->st[ST_BIN];
		sqlite3_bind_int64(s, 1, r->u.bin.target_id);
		sqlite3_bind_int(s, 2, r->u.bin.vantage);
		sqlite3_bind_int64(s, 3, r->u.bin.bin_us);
		sqlite3_bind_int64(s, 4, r->u.bin.width_us);
		sqlite3_bind_text(s, 5, r->u.bin.state, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 6, r->u.bin.n);
		sqlite3_bind_int(s, 7, r->u.bin.n_ok);
		bind_rtt(s, 8, r->u.bin.rtt_ms);
		bind_real_or_null(s, 9, r->u.bin.loss);
		break;
	case REC_SIGNAL:
		s = st->st[ST_SIGNAL];
		sqlite3_bind_int64(s, 1, r->u.sig.entity_id);
		sqlite3_bind_text(s, 2, r->u.sig.layer, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, r->u.sig.metric, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 4, r->u.sig.vantage);
		sqlite3_bind_int64(s, 5, r->u.sig.bin_us);
		sqlite3_bind_int64(s, 6, r->u.sig.width_us);
		bind_real_or_null(s, 7, r->u.sig.value);
		bind_real_or_null(s, 8, r->u.sig.baseline);
		sqlite3_bind_int(s, 9, r->u.sig.n);
		break;
	case REC_BGP:
		s = st->st[ST_BGP];
		sqlite3_bind_int64(s, 1, r->u.bgp.time_us);
		sqlite3_bind_text(s, 2, r->u.bgp.prefix, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 3, r->u.bgp.vantage);
		sqlite3_bind_int(s, 4, r->u.bgp.seeing);
		sqlite3_bind_int(s, 5, r->u.bgp.total);
		if (r->u.bgp.origin_as)
			sqlite3_bind_int64(s, 6, r->u.bgp.origin_as);
		else
			sqlite3_bind_null(s, 6);
		bind_text_or_null(s, 7, r->u.bgp.detail);
		break;
	case REC_EVENT:
		s = st->st[ST_EVENT];
		sqlite3_bind_text(s, 1, r->u.ev.key, -1, SQLITE_STATIC);
		if (r->u.ev.entity_id > 0)
			sqlite3_bind_int64(s, 2, r->u.ev.entity_id);
		else
			sqlite3_bind_null(s, 2);
		sqlite3_bind_int(s, 3, r->u.ev.vantage);
		sqlite3_bind_text(s, 4, r->u.ev.cause, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, r->u.ev.start_us);
		if (r->u.ev.end_us > 0)
			sqlite3_bind_int64(s, 6, r->u.ev.end_us);
		else
			sqlite3_bind_null(s, 6);
		bind_real_or_null(s, 7, r->u.ev.severity);
		bind_real_or_null(s, 8, r->u.ev.confidence);
		bind_text_or_null(s, 9, r->u.ev.evidence);
		bind_text_or_null(s, 10, r->u.ev.timeline);
		sqlite3_bind_int64(s, 11, r->u.ev.updated_us);
		break;
	}
	return s;
}

/* Errors that say the database cannot take writes now (retry the batch),
 * as opposed to one record SQLite refuses (skip it). */
static bool fatal_for_batch(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		return false;
	default:
		return true;
	}
}

/* The newest observation of each (target, kind, vantage) in the batch, for the
 * latest table: a small open-addressing set over the batch, newest first. */
static int write_latest(struct store *st, const struct recs *b)
{
	size_t nobs = 0;
	for (size_t i = 0; i < b->n; i++)
		nobs += b->v[i].type == REC_OBS;
	if (!nobs)
		return SQLITE_OK;
	size_t cap = 16;
	while (cap < nobs * 2)
		cap *= 2;
	size_t *slot = xmalloc(cap * sizeof *slot);
	for (size_t i = 0; i < cap; i++)
		slot[i] = SIZE_MAX;
	for (size_t i = 0; i < b->n; i++) {
		const struct rec *r = &b->v[i];
		if (r->type != REC_OBS)
			continue;
		uint64_t h = (uint64_t)r->u.obs.target_id * 0x9e3779b97f4a7c15ull ^
			     (uint64_t)r->u.obs.kind << 16 ^ r->u.obs.vantage;
		h ^= h >> 29;
		size_t k = (size_t)(h & (cap - 1));
		for (;; k = (k + 1) & (cap - 1)) {
			if (slot[k] == SIZE_MAX) {
				slot[k] = i;
				break;
			}
			const struct rec *o = &b->v[slot[k]];
			if (o->u.obs.target_id == r->u.obs.target_id && o->u.obs.kind == r->u.obs.kind &&
			    o->u.obs.vantage == r->u.obs.vantage) {
				if (r->u.obs.time_us >= o->u.obs.time_us)
					slot[k] = i;
				break;
			}
		}
	}
	int rc = SQLITE_OK;
	sqlite3_stmt *s = st->st[ST_LATEST];
	for (size_t k = 0; k < cap && rc == SQLITE_OK; k++) {
		if (slot[k] == SIZE_MAX)
			continue;
		const struct rec *r = &b->v[slot[k]];
		sqlite3_bind_int64(s, 1, r->u.obs.target_id);
		sqlite3_bind_int(s, 2, r->u.obs.kind);
		sqlite3_bind_int(s, 3, r->u.obs.vantage);
		sqlite3_bind_int64(s, 4, r->u.obs.time_us);
		sqlite3_bind_int(s, 5, r->u.obs.outcome);
		bind_rtt(s, 6, r->u.obs.rtt_ms);
		bind_text_or_null(s, 7, r->u.obs.detail);
		int step = sqlite3_step(s);
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		if (step != SQLITE_DONE && fatal_for_batch(step))
			rc = step;
	}
	free(slot);
	return rc;
}

static int maintain(struct store *st, int64_t now_us, size_t max_rows);

void store_flush_run(struct store *st)
{
	int64_t t0 = clock_mono_us();
	struct recs *b = &st->batch;
	uint64_t written = 0, rejected = 0;
	int rc = sqlite3_exec(st->wdb, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	for (size_t i = 0; i < b->n; i++) {
		sqlite3_stmt *s = bind_rec(st, &b->v[i]);
		int step = sqlite3_step(s);
		if (step != SQLITE_DONE && !fatal_for_batch(step) && rejected == 0)
			log_warn("store: a %s record was refused and skipped: %s",
				 b->v[i].type == REC_EVENT ? "event" : b->v[i].type == REC_OBS ? "observation" : "queued",
				 sqlite3_errmsg(st->wdb));
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		if (step == SQLITE_DONE) {
			written++;
		} else if (!fatal_for_batch(step)) {
			rejected++;
		} else {
			rc = step;
			goto fail;
		}
	}
	if ((rc = write_latest(st, b)) != SQLITE_OK)
		goto fail;
	rc = sqlite3_exec(st->wdb, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	st->batch_rc = 0;
	st->batch_written = written;
	st->batch_rejected = rejected;
	st->batch_us = clock_mono_us() - t0;
	/* retention, in small steps, after the batch is safe */
	if (st->opt.maintain_every_us >= 0) {
		int64_t now = clock_wall_us();
		if (now >= st->next_maintain_us) {
			if (maintain(st, now, MAINTAIN_ROWS) < 0)
				log_warn("store: retention step failed: %s", st->batch_err);
			st->next_maintain_us = now + (st->opt.maintain_every_us ? st->opt.maintain_every_us
										 : MAINTAIN_EVERY_US);
		}
	}
	return;
fail:
	store_set_error(st, st->wdb, "cannot write %s", st->path);
	st->batch_rc = store_err_from_sqlite(rc);
	if (!st->batch_rc)
		st->batch_rc = ERR_DB;
	if (!sqlite3_get_autocommit(st->wdb))
		sqlite3_exec(st->wdb, "ROLLBACK", NULL, NULL, NULL);
	st->batch_us = clock_mono_us() - t0;
}

int store_flush_end(struct store *st)
{
	if (!st->in_flight)
		return ERR_WRONG_STATE;
	st->in_flight = false;
	st->err_dst = st->errmsg;
	st->stats.last_flush_us = st->batch_us;
	int rc = st->batch_rc;
	if (rc == 0) {
		st->stats.written += st->batch_written;
		st->stats.rejected += st->batch_rejected;
		st->stats.flushes++;
		if (st->stats.last_error)
			log_info("store: writing to %s again", st->path);
		st->stats.last_error = 0;
		st->errmsg[0] = '\0';
		recs_clear(&st->batch);
		return 0;
	}
	/* keep everything: the batch goes back in front of what came meanwhile */
	snprintf(st->errmsg, sizeof st->errmsg, "%s", st->batch_err);
	if (st->stats.last_error != rc)
		log_warn("store: %s; keeping %zu records in memory and retrying", st->errmsg,
			 st->batch.n + st->queue.n);
	st->stats.failures++;
	st->stats.last_error = rc;
	struct recs *b = &st->batch, *q = &st->queue;
	if (b->cap < b->n + q->n) {
		b->cap = b->n + q->n;
		b->v = xreallocarray(b->v, b->cap, sizeof *b->v);
	}
	if (q->n)
		memcpy(b->v + b->n, q->v, q->n * sizeof *q->v);
	b->n += q->n;
	b->bytes += q->bytes;
	free(q->v);
	*q = *b;
	memset(b, 0, sizeof *b);
	enforce_bound(st, q);
	return rc;
}

int store_flush(struct store *st)
{
	int rc = store_flush_begin(st);
	if (rc <= 0)
		return rc;
	store_flush_run(st);
	return store_flush_end(st);
}

void store_get_stats(const struct store *st, struct store_stats *out)
{
	*out = st->stats;
	out->queued = st->queue.n;
	out->queued_bytes = st->queue.bytes;
}

/* ---- retention ------------------------------------------------------------- */

/* The first column of the first row of sql (bound to ?1 = a, when it has one). */
static int64_t query_int64(sqlite3 *db, const char *sql, int64_t a, int64_t dflt)
{
	sqlite3_stmt *s;
	int64_t v = dflt;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return dflt;
	sqlite3_bind_int64(s, 1, a);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Runs sql with ?1 = a and ?2 = b (binding a parameter sql lacks is a no-op). */
static int exec_bound(struct store *st, const char *sql, int64_t a, int64_t b, int64_t *changes)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->wdb, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, a);
		sqlite3_bind_int64(s, 2, b);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_set_error(st, st->wdb, "%s: retention", st->path);
		return store_err_from_sqlite(rc) ? store_err_from_sqlite(rc) : ERR_DB;
	}
	if (changes)
		*changes = sqlite3_changes64(st->wdb);
	return 0;
}

static int maintain(struct store *st, int64_t now_us, size_t max_rows)
{
	int64_t w = st->opt.agg_bin_us, folded = 0;
	int rc;
	/* raw observations: fold whole bins older than the raw retention */
	if (st->opt.raw_retention_us != CONFIG_FOREVER && now_us > st->opt.raw_retention_us) {
		int64_t cut = (now_us - st->opt.raw_retention_us) / w * w;
		if (max_rows) {
			int64_t t = query_int64(st->wdb, "SELECT time_us FROM obs ORDER BY time_us LIMIT 1 OFFSET ?1",
						(int64_t)max_rows, INT64_MAX);
			if (t != INT64_MAX) {
				int64_t oldest = query_int64(st->wdb, "SELECT min(time_us) FROM obs", 0, 0);
				int64_t end = t / w * w;
				if (end <= oldest / w * w)
					end = oldest / w * w + w; /* at least one whole bin */
				if (end < cut)
					cut = end;
			}
		}
		if ((rc = store_exec(st, st->wdb, "BEGIN IMMEDIATE")))
			return rc;
		rc = exec_bound(st,
				"INSERT INTO obs_agg(target_id, kind, vantage, bin_us, width_us, outcome, n, "
				"rtt_min, rtt_sum, rtt_max, n_rtt) "
				"SELECT target_id, kind, vantage, (time_us / ?2) * ?2, ?2, outcome, count(*), "
				"min(rtt_ms), sum(rtt_ms), max(rtt_ms), count(rtt_ms) FROM obs WHERE time_us < ?1 "
				"GROUP BY 1, 2, 3, 4, 6 "
				"ON CONFLICT (target_id, kind, vantage, bin_us, outcome) DO UPDATE SET "
				"n = n + excluded.n, n_rtt = n_rtt + excluded.n_rtt, "
				"rtt_sum = coalesce(rtt_sum, 0) + coalesce(excluded.rtt_sum, 0), "
				"rtt_min = min(coalesce(rtt_min, excluded.rtt_min), coalesce(excluded.rtt_min, rtt_min)), "
				"rtt_max = max(coalesce(rtt_max, excluded.rtt_max), coalesce(excluded.rtt_max, rtt_max))",
				cut, w, NULL);
		if (!rc)
			rc = exec_bound(st, "DELETE FROM obs WHERE time_us < ?1", cut, 0, &folded);
		if (!rc)
			rc = store_exec(st, st->wdb, "COMMIT");
		if (rc) {
			sqlite3_exec(st->wdb, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
	}
	/* everything per-bin: older than the aggregate retention goes */
	if (st->opt.agg_retention_us != CONFIG_FOREVER && now_us > st->opt.agg_retention_us) {
		int64_t cut = now_us - st->opt.agg_retention_us;
		static const char *const dels[] = {
			"DELETE FROM obs_agg WHERE bin_us < ?1",
			"DELETE FROM target_bins WHERE bin_us < ?1",
			"DELETE FROM signals WHERE bin_us < ?1",
			"DELETE FROM bgp WHERE time_us < ?1",
			"DELETE FROM alerts WHERE state <> 'pending' AND created_us < ?1",
		};
		if ((rc = store_exec(st, st->wdb, "BEGIN IMMEDIATE")))
			return rc;
		for (size_t i = 0; i < sizeof dels / sizeof dels[0]; i++)
			if ((rc = exec_bound(st, dels[i], cut, 0, NULL))) {
				sqlite3_exec(st->wdb, "ROLLBACK", NULL, NULL, NULL);
				return rc;
			}
		if ((rc = store_exec(st, st->wdb, "COMMIT"))) {
			sqlite3_exec(st->wdb, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
	}
	return (int)(folded > INT32_MAX ? INT32_MAX : folded);
}

int store_maintain(struct store *st, int64_t now_us, size_t max_rows)
{
	int rc = setup_check(st);
	return rc ? rc : maintain(st, now_us, max_rows);
}

/* ---- the alert outbox (synchronous) ------------------------------------------ */

static int alert_sql(struct store *st, const char *sql, int64_t *rowid_out, const char *fmt, ...)
{
	if (!st->adb) {
		snprintf(st->errmsg, sizeof st->errmsg, "%s is open read-only", st->path);
		return ERR_PERM;
	}
	va_list ap;
	va_start(ap, fmt);
	int rc = run_sql(st, st->adb, true, rowid_out, sql, fmt, ap);
	va_end(ap);
	return rc;
}

int store_alert_enqueue(struct store *st, const struct store_alert *a, int64_t *id)
{
	return alert_sql(st,
			 "INSERT INTO alerts(sink, payload, event_key, what, vantage, next_us, created_us) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING id",
			 id, "ttttdI", a->sink, a->payload_json ? a->payload_json : "{}", a->event_key, a->what,
			 (int)a->vantage, a->created_us);
}

int store_alert_reschedule(struct store *st, int64_t id, int attempts, int64_t next_us, const char *why)
{
	return alert_sql(st,
			 "UPDATE alerts SET attempts = ?2, next_us = ?3, last_error = ?4 "
			 "WHERE id = ?1 AND state = 'pending'",
			 NULL, "IdIt", id, attempts, next_us, why);
}

int store_alert_finish(struct store *st, int64_t id, enum store_alert_state state, int64_t when_us)
{
	if (state == STORE_ALERT_PENDING)
		return ERR_INVAL;
	return alert_sql(st, "UPDATE alerts SET state = ?2, done_us = ?3 WHERE id = ?1 AND state = 'pending'",
			 NULL, "ItI", id, state == STORE_ALERT_SENT ? "sent" : "failed", when_us);
}
