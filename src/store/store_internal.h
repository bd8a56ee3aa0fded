/*
 * store_internal.h - what the store's own files share; not for other modules.
 *
 * Three connections to one file: wdb (writes: setup calls and flushes; used
 * by one thread at a time, the one running store_flush_run or a setup call),
 * adb (the alert outbox's synchronous writes, loop thread only: a separate
 * connection so they never join a flush's transaction) and rdb (reads, from
 * any thread: SQLite serializes calls on it, and each read prepares its own
 * statement, so nothing else is shared).
 *
 * The queue and the batch are arrays of struct rec, each owning its strings.
 * Only the loop thread touches the queue; the batch belongs to whoever runs
 * the flush between store_flush_begin() and store_flush_end().
 */
#ifndef BLACKOUT_STORE_INTERNAL_H
#define BLACKOUT_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdarg.h>

#include "store/store.h"

enum rec_type { REC_OBS, REC_BIN, REC_SIGNAL, REC_BGP, REC_EVENT };

struct rec {
	uint8_t type; /* enum rec_type */
	union {
		struct {
			int64_t time_us, target_id;
			double rtt_ms;
			char *detail;
			uint16_t vantage;
			uint8_t kind, outcome;
		} obs;
		struct {
			int64_t target_id, bin_us, width_us;
			double rtt_ms, loss;
			char *state;
			int n, n_ok;
			uint16_t vantage;
		} bin;
		struct {
			int64_t entity_id, bin_us, width_us;
			double value, baseline;
			char *layer, *metric;
			int n;
			uint16_t vantage;
		} sig;
		struct {
			int64_t time_us;
			char *prefix, *detail;
			int seeing, total;
			uint32_t origin_as;
			uint16_t vantage;
		} bgp;
		struct {
			char *key, *cause, *evidence, *timeline;
			int64_t entity_id, start_us, end_us, updated_us;
			double severity, confidence;
			uint16_t vantage;
		} ev;
	} u;
};

struct recs {
	struct rec *v;
	size_t n, cap;
	uint64_t bytes; /* estimate: structs plus strings */
};

enum { ST_OBS, ST_LATEST, ST_BIN, ST_SIGNAL, ST_BGP, ST_EVENT, ST__N };

struct store {
	char *path;
	sqlite3 *wdb;           /* NULL when read-only */
	sqlite3 *rdb;
	sqlite3 *adb;           /* the alert outbox's: loop thread only; NULL when read-only */
	struct store_options opt;
	int version;
	sqlite3_stmt *st[ST__N]; /* on wdb, prepared once */
	struct recs queue;       /* loop thread */
	struct recs batch;       /* the flush in flight */
	bool in_flight;
	/* written by store_flush_run (maybe on a worker), read by store_flush_end */
	int batch_rc;
	uint64_t batch_written, batch_rejected;
	int64_t batch_us;        /* how long the write took */
	char batch_err[512];
	int64_t next_maintain_us; /* only store_flush_run touches it */
	/* the rest: the loop thread's (or setup code's) only */
	struct store_stats stats;
	char errmsg[512];
	char *err_dst;           /* where store_set_error writes: errmsg, or batch_err in flight */
};

/* store_schema.c: the SQL that brings a file from version - 1 to version. */
const char *store_migration(int version);

/* store.c: sets st->errmsg from a format and, if db is set, SQLite's message. */
void store_set_error(struct store *st, sqlite3 *db, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Maps an SQLite result code to an ERR_* code. */
int store_err_from_sqlite(int rc);
/* Binds ?1, ?2, ... of s from the arguments, one letter of fmt each:
 * 'I' int64_t, 'd' int, 't' const char * (NULL binds NULL). Returns an SQLite code. */
int store_bind(sqlite3_stmt *s, const char *fmt, va_list ap);
/* Runs SQL without results on db; 0 or a negative code (message in st). */
int store_exec(struct store *st, sqlite3 *db, const char *sql);

#endif
