/*
 * config.h - the watchlist: what blackout watches, how, and where it keeps it.
 *
 * A config is one YAML document (libyaml), in the spirit of Prometheus and
 * blackbox_exporter files: plain keys, durations written "30s"/"500ms",
 * lists of small mappings. docs/config.md describes every key. Shape:
 *
 *   vantage   who is watching (id stored with every row, name)
 *   defaults  interval / timeout / retries for every probe
 *   store     SQLite path, flush interval, retention
 *   http      listen address and bearer token of the API
 *   alerts    webhook and exec hooks
 *   bgp       collector: listen, local AS, router id, peers, MRT output, prefixes
 *   controls  targets that should always answer (tell "we are down" from "they are")
 *   entities  country / as / prefix / group, each owning its targets
 *
 * Loading never stops at the first mistake: every error is collected with its
 * file, line and column (1-based) and what was expected, so `blackout
 * check-config` can print them all. A YAML syntax error is the exception: the
 * parser cannot go on past it, so it is the only error reported.
 *
 * Ownership: config_load_*() returns a struct config that owns everything
 * reachable from it (every pointer below is owned unless marked borrowed);
 * config_free() releases it all. The struct is plain data, read-only after
 * loading, and may be shared between threads for reading.
 *
 * Invariants of a loaded config (the loader checks them, users may rely on them):
 *   - target names are unique; entity and alert names are unique;
 *   - targets[] holds each entity's targets contiguously, in file order, at
 *     [entity.first_target, entity.first_target + entity.n_targets), and then
 *     the control targets (entity == CONFIG_NO_ENTITY, role == ROLE_CONTROL);
 *   - a target has an address, a host name, or both; at most one probe of each
 *     kind; every probe's interval/timeout/retries are the effective values
 *     (probe, else entity defaults, else global defaults, else built-in), and
 *     timeout * (retries + 1) <= interval, so a round ends before the next;
 *   - prefixes have no host bits set;
 *   - a non-loopback HTTP listen address has a token.
 */
#ifndef BLACKOUT_CONFIG_CONFIG_H
#define BLACKOUT_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/err.h"

/* Built-in defaults (docs/config.md lists them too). */
#define CONFIG_DEFAULT_INTERVAL_US (30 * INT64_C(1000000))
#define CONFIG_DEFAULT_TIMEOUT_US (5 * INT64_C(1000000))
#define CONFIG_DEFAULT_RETRIES 2
#define CONFIG_DEFAULT_FLUSH_US INT64_C(1000000)
#define CONFIG_DEFAULT_RAW_RETENTION_US (14 * 86400 * INT64_C(1000000))
#define CONFIG_DEFAULT_AGG_RETENTION_US (400 * 86400 * INT64_C(1000000))
#define CONFIG_DEFAULT_AGG_BIN_US (300 * INT64_C(1000000))
#define CONFIG_DEFAULT_QUEUE_BYTES (64u << 20)
#define CONFIG_DEFAULT_HTTP_PORT 9797
#define CONFIG_DEFAULT_HTTP_TIMEOUT_US (10 * INT64_C(1000000))
#define CONFIG_DEFAULT_HTTP_MAX_CONNECTIONS 64
#define CONFIG_DEFAULT_HTTP_MAX_PER_IP 16
#define CONFIG_DEFAULT_BGP_PORT 179
#define CONFIG_DEFAULT_HOLD_US (90 * INT64_C(1000000))
#define CONFIG_DEFAULT_MESSAGE_TIMEOUT_US (30 * INT64_C(1000000))
#define CONFIG_DEFAULT_ALERT_TIMEOUT_US (10 * INT64_C(1000000))
#define CONFIG_DEFAULT_TRACE_HOPS 30
#define CONFIG_MIN_TOKEN_LEN 16
#define CONFIG_FOREVER INT64_MAX /* a retention that never expires */
#define CONFIG_NO_ENTITY ((size_t)-1)

/* X(enum name, YAML word) */
#define CONFIG_ENTITY_KIND_TABLE(X) \
	X(CFG_ENTITY_COUNTRY, "country") \
	X(CFG_ENTITY_AS, "as")           \
	X(CFG_ENTITY_PREFIX, "prefix")   \
	X(CFG_ENTITY_GROUP, "group")

enum config_entity_kind {
#define X(name, word) name,
	CONFIG_ENTITY_KIND_TABLE(X)
#undef X
	CFG_ENTITY_KIND__COUNT
};
const char *config_entity_kind_name(int kind); /* "country"; "unknown" out of range */

/* When an alert hook fires (bits of config_alert.on). */
#define ALERT_ON_OPEN 1u   /* an outage event opens */
#define ALERT_ON_UPDATE 2u /* its cause or severity changes */
#define ALERT_ON_CLOSE 4u  /* it ends: restoration is news too */
#define ALERT_ON_ALL 7u

enum config_alert_kind { ALERT_WEBHOOK, ALERT_EXEC };

struct config_timing {
	int64_t interval_us; /* time between rounds */
	int64_t timeout_us;  /* per attempt */
	int retries;         /* extra attempts inside a round, 0..10 */
};

struct config_probe {
	int kind; /* enum probe_kind (core/obs.h) */
	struct config_timing timing; /* effective values */
	uint16_t port;       /* tcp (required), smtp (default 25), dns (default 53); 0 otherwise */
	/* http */
	char *url;           /* owned; http:// or https:// */
	bool has_resolve;    /* connect to `resolve` instead of resolving the URL's host */
	struct addr resolve; /* default: the target's address, when it has one */
	int *expect_status;  /* owned; n_expect_status codes; none: any 2xx or 3xx */
	size_t n_expect_status;
	char *expect_body;   /* owned, may be NULL: a substring the body must contain */
	/* dns */
	char *qname;         /* owned; absolute ("kp.") */
	uint16_t qtype;      /* RR type number (1 = A, 6 = SOA, ...) */
	/* trace */
	int max_hops;        /* 1..64, default 30 */
};

struct config_target {
	char *name;          /* owned; unique in the config */
	int role;            /* enum role (core/obs.h); ROLE_CONTROL for controls */
	bool has_addr;
	struct addr addr;    /* the address probed, when has_addr */
	char *host;          /* owned, may be NULL: a DNS name (resolved at run time if no addr) */
	char *note;          /* owned, may be NULL: where the entry comes from, how old it is */
	bool border_link;    /* router only: the border router's upstream-facing address */
	size_t entity;       /* index into config.entities, or CONFIG_NO_ENTITY (controls) */
	struct config_probe *probes; /* owned, n_probes >= 1, one per kind at most */
	size_t n_probes;
};

struct config_entity {
	char *name;          /* owned; unique */
	int kind;            /* enum config_entity_kind */
	char *description;   /* owned, may be NULL */
	char *note;          /* owned, may be NULL */
	struct prefix *prefixes; /* owned; watched by BGP and probed for routers */
	size_t n_prefixes;
	uint32_t *origin_as; /* owned */
	size_t n_origin_as;
	bool discover_routers; /* traceroute toward the prefixes, add the routers found */
	struct config_timing defaults; /* effective (global defaults where unset) */
	size_t first_target; /* this entity's targets in config.targets */
	size_t n_targets;
};

struct config_bgp_peer {
	char *name;          /* owned, may be NULL */
	struct addr addr;
	uint32_t asn;
	uint16_t port;       /* default 179 */
};

struct config_bgp {
	bool enabled;        /* the bgp section is present */
	struct addr listen_addr; /* default 0.0.0.0:179 */
	uint16_t listen_port;
	uint32_t local_as;
	uint32_t router_id;  /* host order, written as an IPv4 address */
	int64_t hold_time_us; /* default 90 s */
	int64_t message_timeout_us; /* default 30 s: a message begun must complete within it */
	struct config_bgp_peer *peers; /* owned */
	size_t n_peers;
	char *mrt_path;      /* owned, may be NULL: write received updates as MRT here */
	struct prefix *prefixes; /* owned: watched besides every entity's prefixes */
	size_t n_prefixes;
};

struct config_http {
	bool enabled;        /* default true */
	struct addr listen_addr; /* default 127.0.0.1:9797 */
	uint16_t listen_port;
	char *token;         /* owned, may be NULL: bearer token (from token: or token_file:) */
	char *token_file;    /* owned, may be NULL: where the token was read from */
	/* Limits on clients (serve/http.h): whole seconds, counts. */
	int64_t idle_timeout_us;    /* default 10 s: a connection silent this long is closed */
	int64_t request_timeout_us; /* default 10 s: a request line and headers must arrive within it */
	uint32_t max_connections;   /* default 64 */
	uint32_t max_per_ip;        /* default 16 */
};

struct config_store {
	char *path;          /* owned; default STORE_DEFAULT_PATH ("blackout.db") */
	int64_t flush_interval_us;   /* default 1 s */
	int64_t raw_retention_us;    /* keep raw observations this long (CONFIG_FOREVER) */
	int64_t agg_retention_us;    /* keep per-bin aggregates this long (CONFIG_FOREVER) */
	int64_t agg_bin_us;          /* width of the aggregates old observations become */
	uint64_t queue_max_bytes;    /* bound on the in-memory write queue */
};

struct config_header {
	char *name;          /* owned */
	char *value;         /* owned */
};

struct config_alert {
	char *name;          /* owned; unique */
	int kind;            /* enum config_alert_kind */
	unsigned on;         /* ALERT_ON_* bits, default all */
	int64_t timeout_us;  /* per attempt, default 10 s */
	/* webhook */
	char *url;           /* owned */
	bool text;           /* add a Slack/Mattermost "text" field (default true) */
	struct config_header *headers; /* owned */
	size_t n_headers;
	/* exec */
	char **argv;         /* owned, NULL-terminated, argc >= 1; the event JSON on stdin */
	size_t argc;
};

struct config_vantage {
	uint16_t id;         /* stored with every row; default 0 */
	char *name;          /* owned; default "local" */
};

struct config {
	char *file;          /* owned: the name used in messages */
	struct config_vantage vantage;
	struct config_timing defaults; /* effective global defaults */
	struct config_store store;
	struct config_http http;
	struct config_bgp bgp;
	struct config_alert *alerts; /* owned */
	size_t n_alerts;
	struct config_entity *entities; /* owned */
	size_t n_entities;
	struct config_target *targets; /* owned: every entity's targets, then controls */
	size_t n_targets;
	size_t n_controls;   /* the last n_controls targets */
};

/* One problem found in a file; line and col are 1-based (0 when unknown). */
struct config_error {
	int line, col;
	char *msg;           /* owned */
};

struct config_errors {
	char *file;          /* owned */
	struct config_error *v; /* owned */
	size_t n, cap;
	size_t dropped;      /* errors past the limit, not kept */
};

/* Loads a config from a file. On success returns 0 and *out (free with
 * config_free). On failure returns ERR_PARSE (errs holds every problem), ERR_IO
 * (the file could not be read; one error says why) or ERR_TOOBIG, and *out is
 * NULL. errs must be zeroed or freed before; free it with config_errors_free. */
int config_load_file(const char *path, struct config **out, struct config_errors *errs) MUSTCHECK;

/* The same from bytes in memory; name is used in messages. */
int config_load_mem(const char *name, const char *text, size_t len, struct config **out,
		    struct config_errors *errs) MUSTCHECK;

void config_free(struct config *cfg);
void config_errors_free(struct config_errors *errs);

/* Prints every error as "FILE:LINE:COL: message\n". */
void config_errors_print(const struct config_errors *errs, FILE *f);

/* Writes cfg as YAML that loads back into an equal config (config_equal):
 * every effective value written out, defaults and probes explicit. */
int config_write_yaml(const struct config *cfg, struct buf *out) MUSTCHECK;

/* true when a and b hold the same values (file names are not compared). */
bool config_equal(const struct config *a, const struct config *b);

/* Counts for a one-line summary. */
size_t config_count_probes(const struct config *cfg);

/* Adds a router target found at run time (discover_routers) to entity e: named
 * name (copied), at addr, with one ICMP probe on the entity's timing and note
 * (copied, may be NULL). It goes after the entity's other targets (entities'
 * targets stay contiguous, controls last). Returns 0, ERR_INVAL (e out of
 * range, an empty name) or ERR_EXISTS (a target of that name or address is
 * there already). Pointers into cfg->targets are invalid afterwards. */
int config_add_router(struct config *cfg, size_t e, const char *name, const struct addr *addr,
		      const char *note) MUSTCHECK;

/* Parses a duration ("30s", "500ms", "1h30m", "7d", "2w"; units us ms s m h d w)
 * into microseconds. Returns 0 or ERR_PARSE / ERR_RANGE. */
int config_parse_duration(const char *s, int64_t *us) MUSTCHECK;
/* Writes the shortest exact form ("1m30s", "500ms", "0s") into buf. */
char *config_format_duration(int64_t us, char *buf, size_t n);

/* Parses "ADDR:PORT" or "[V6ADDR]:PORT". Returns 0 or ERR_PARSE. */
int config_parse_hostport(const char *s, struct addr *a, uint16_t *port) MUSTCHECK;

/* Watchlists built into the binary (src/config/watchlist_*.yaml). */
struct config_builtin {
	const char *name;    /* "kp" */
	const char *summary; /* one line */
	const char *text;    /* static YAML text, up to end (exclusive) */
	const char *end;     /* *end == '\0'; the length is end - text */
};
/* The built-in watchlist called name, or NULL. */
const struct config_builtin *config_builtin_find(const char *name);
/* All of them: *n entries, static. */
const struct config_builtin *config_builtin_list(size_t *n);

#endif
