/*
 * store_schema.c - the store's schema, one SQL step per version.
 *
 * PRAGMA user_version holds the version a file is at; store_open() applies
 * the steps after it, each in its own transaction together with the new
 * version number, so a file is always at exactly one version. Steps are never
 * edited once released: a change is a new step appended here.
 *
 * Times are INTEGER microseconds since the Unix epoch, UTC. Probe kinds and
 * outcomes are stored as their stable codes (core/obs.h) to keep the big
 * tables small; the probe_kinds and outcomes tables name them for people
 * reading the file with sqlite3.
 */
#include "store/store_internal.h"

static const char *const migrations[] = {
	/* 1: the first schema */
	"PRAGMA application_id = 1651272559;\n" /* 'blko' */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;\n"
	"CREATE TABLE vantages(id INTEGER PRIMARY KEY, name TEXT NOT NULL, updated_us INTEGER NOT NULL);\n"
	"CREATE TABLE probe_kinds(code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n"
	"CREATE TABLE outcomes(code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,\n"
	"  description TEXT NOT NULL);\n"
	"CREATE TABLE entities(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,\n"
	"  description TEXT,\n"
	"  prefixes TEXT CHECK (prefixes IS NULL OR json_valid(prefixes)),\n"
	"  origin_as TEXT CHECK (origin_as IS NULL OR json_valid(origin_as)),\n"
	"  vantage INTEGER NOT NULL, updated_us INTEGER NOT NULL);\n"
	"CREATE TABLE targets(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,\n"
	"  entity_id INTEGER REFERENCES entities(id), role TEXT NOT NULL, address TEXT, host TEXT,\n"
	"  active INTEGER NOT NULL DEFAULT 1, vantage INTEGER NOT NULL, updated_us INTEGER NOT NULL);\n"
	"CREATE INDEX targets_entity ON targets(entity_id);\n"
	"CREATE TABLE obs(time_us INTEGER NOT NULL, target_id INTEGER NOT NULL REFERENCES targets(id),\n"
	"  vantage INTEGER NOT NULL, kind INTEGER NOT NULL, outcome INTEGER NOT NULL, rtt_ms REAL,\n"
	"  detail TEXT CHECK (detail IS NULL OR json_valid(detail)));\n"
	"CREATE INDEX obs_target_time ON obs(target_id, time_us);\n"
	"CREATE INDEX obs_time ON obs(time_us);\n"
	"CREATE TABLE latest(target_id INTEGER NOT NULL REFERENCES targets(id), kind INTEGER NOT NULL,\n"
	"  vantage INTEGER NOT NULL, time_us INTEGER NOT NULL, outcome INTEGER NOT NULL, rtt_ms REAL,\n"
	"  detail TEXT, PRIMARY KEY (target_id, kind, vantage)) WITHOUT ROWID;\n"
	"CREATE TABLE target_bins(target_id INTEGER NOT NULL REFERENCES targets(id),\n"
	"  vantage INTEGER NOT NULL, bin_us INTEGER NOT NULL, width_us INTEGER NOT NULL,\n"
	"  state TEXT NOT NULL, n INTEGER NOT NULL, n_ok INTEGER NOT NULL, rtt_ms REAL, loss REAL,\n"
	"  PRIMARY KEY (target_id, vantage, bin_us)) WITHOUT ROWID;\n"
	"CREATE INDEX target_bins_target ON target_bins(target_id, bin_us);\n"
	"CREATE INDEX target_bins_time ON target_bins(bin_us);\n"
	"CREATE TABLE signals(entity_id INTEGER NOT NULL REFERENCES entities(id), layer TEXT NOT NULL,\n"
	"  metric TEXT NOT NULL, vantage INTEGER NOT NULL, bin_us INTEGER NOT NULL,\n"
	"  width_us INTEGER NOT NULL, value REAL, baseline REAL, n INTEGER NOT NULL,\n"
	"  PRIMARY KEY (entity_id, layer, metric, vantage, bin_us)) WITHOUT ROWID;\n"
	"CREATE INDEX signals_entity_time ON signals(entity_id, bin_us);\n"
	"CREATE INDEX signals_time ON signals(bin_us);\n"
	"CREATE TABLE bgp(time_us INTEGER NOT NULL, prefix TEXT NOT NULL, vantage INTEGER NOT NULL,\n"
	"  peers_seeing INTEGER NOT NULL, peers_total INTEGER NOT NULL, origin_as INTEGER,\n"
	"  detail TEXT CHECK (detail IS NULL OR json_valid(detail)));\n"
	"CREATE INDEX bgp_prefix_time ON bgp(prefix, time_us);\n"
	"CREATE INDEX bgp_time ON bgp(time_us);\n"
	"CREATE TABLE events(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,\n"
	"  entity_id INTEGER REFERENCES entities(id), vantage INTEGER NOT NULL, cause TEXT NOT NULL,\n"
	"  start_us INTEGER NOT NULL, end_us INTEGER,\n"
	"  state TEXT GENERATED ALWAYS AS (CASE WHEN end_us IS NULL THEN 'open' ELSE 'closed' END) VIRTUAL,\n"
	"  severity REAL, confidence REAL,\n"
	"  evidence TEXT CHECK (evidence IS NULL OR json_valid(evidence)),\n"
	"  timeline TEXT CHECK (timeline IS NULL OR json_valid(timeline)),\n"
	"  created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL);\n"
	"CREATE INDEX events_start ON events(start_us);\n"
	"CREATE INDEX events_end ON events(end_us);\n"
	"CREATE INDEX events_entity ON events(entity_id, start_us);\n"
	"CREATE TABLE alerts(id INTEGER PRIMARY KEY AUTOINCREMENT, sink TEXT NOT NULL, event_key TEXT,\n"
	"  what TEXT CHECK (what IS NULL OR what IN ('open', 'update', 'close')),\n"
	"  payload TEXT NOT NULL CHECK (json_valid(payload)), vantage INTEGER NOT NULL,\n"
	"  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),\n"
	"  attempts INTEGER NOT NULL DEFAULT 0, next_us INTEGER NOT NULL, created_us INTEGER NOT NULL,\n"
	"  done_us INTEGER, last_error TEXT);\n"
	"CREATE INDEX alerts_state ON alerts(state, id);\n",

	/* 2: retention. Raw observations past raw_retention are folded into
	 * per-bin aggregates, one row per outcome, so merging late rows into
	 * an existing bin is a sum. */
	"CREATE TABLE obs_agg(target_id INTEGER NOT NULL, kind INTEGER NOT NULL,\n"
	"  vantage INTEGER NOT NULL, bin_us INTEGER NOT NULL, width_us INTEGER NOT NULL,\n"
	"  outcome INTEGER NOT NULL, n INTEGER NOT NULL,\n"
	"  rtt_min REAL, rtt_sum REAL, rtt_max REAL, n_rtt INTEGER NOT NULL,\n"
	"  PRIMARY KEY (target_id, kind, vantage, bin_us, outcome)) WITHOUT ROWID;\n"
	"CREATE INDEX obs_agg_time ON obs_agg(bin_us);\n",
};

_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
	       "one migration per schema version");

const char *store_migration(int version)
{
	return version >= 1 && version <= STORE_SCHEMA_VERSION ? migrations[version - 1] : NULL;
}
