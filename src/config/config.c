/*
 * config.c - loads a watchlist from YAML into struct config (see config.h).
 *
 * libyaml's document loader builds a node tree with positions; the code here
 * walks it with the schema in hand: each section has a table of keys, and
 * map_fields() sorts a mapping's values into that table, reporting unknown
 * keys (with the closest known key), duplicates and wrong node types. The walk
 * only descends where the schema expects a mapping or a list, so its depth is
 * bounded by the schema whatever the document holds (YAML aliases can make a
 * node its own ancestor); a visit budget bounds the breadth that aliases can
 * multiply. Errors are collected, never fatal, up to CONFIG_MAX_ERRORS.
 */
#include "config/config.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ldns/dname.h> /* not ldns/ldns.h: it pulls OpenSSL, whose ERR_WRONG_STATE clashes */
#include <ldns/rr.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "core/mem.h"
#include "core/obs.h"
#include "store/store.h"

#define CONFIG_MAX_ERRORS 200
#define CONFIG_MAX_FILE (16u << 20)
#define MAX_STRING 4096 /* longest accepted string value */

struct loader {
	yaml_document_t doc;
	struct config_errors *errs;
	struct config *cfg;
	size_t budget;       /* node visits left before "expands too much" */
	bool budget_spent;
	size_t targets_cap, entities_cap;
	/* every target name given, kept or not, with its line: for duplicates.
	 * An open-addressing hash set (linear probing, power-of-two size, at
	 * most half full), so a watchlist of 100,000 targets loads in linear
	 * time. An empty slot has name == NULL. */
	struct seen_name {
		const char *name; /* borrowed from the document */
		int line;
	} *names;
	size_t n_names, names_cap;
};

static uint64_t name_hash(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603); /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * UINT64_C(1099511628211);
	return h;
}

/* The slot of name in ld->names: the one holding it, or the empty one where
 * it belongs. ld->names_cap is a power of two and the set is never full. */
static struct seen_name *names_slot(const struct loader *ld, const char *name)
{
	size_t mask = ld->names_cap - 1;
	for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask)
		if (!ld->names[i].name || !strcmp(ld->names[i].name, name))
			return &ld->names[i];
}

/* Remembers name (borrowed) at line, or returns the entry that already
 * holds it. */
static const struct seen_name *names_add(struct loader *ld, const char *name, int line)
{
	if (2 * (ld->n_names + 1) > ld->names_cap) {
		struct seen_name *old = ld->names;
		size_t old_cap = ld->names_cap;
		ld->names_cap = old_cap ? old_cap * 2 : 64;
		ld->names = xcalloc(ld->names_cap, sizeof *ld->names);
		for (size_t i = 0; i < old_cap; i++)
			if (old[i].name)
				*names_slot(ld, old[i].name) = old[i];
		free(old);
	}
	struct seen_name *s = names_slot(ld, name);
	if (s->name)
		return s;
	*s = (struct seen_name){name, line};
	ld->n_names++;
	return NULL;
}

/* ---- errors ---------------------------------------------------------- */

static void errs_addv(struct config_errors *errs, int line, int col, const char *fmt, va_list ap)
{
	if (errs->n >= CONFIG_MAX_ERRORS) {
		errs->dropped++;
		return;
	}
	if (errs->n == errs->cap) {
		errs->cap = errs->cap ? errs->cap * 2 : 16;
		errs->v = xreallocarray(errs->v, errs->cap, sizeof *errs->v);
	}
	struct buf b = {0};
	buf_vprintf(&b, fmt, ap);
	errs->v[errs->n++] = (struct config_error){.line = line, .col = col, .msg = buf_take(&b)};
}

static void errs_add(struct config_errors *errs, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void errs_add(struct config_errors *errs, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	errs_addv(errs, line, col, fmt, ap);
	va_end(ap);
}

static void err_at(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void err_at(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int line = n ? (int)n->start_mark.line + 1 : 0, col = n ? (int)n->start_mark.column + 1 : 0;
	errs_addv(ld->errs, line, col, fmt, ap);
	va_end(ap);
}

void config_errors_free(struct config_errors *errs)
{
	if (!errs)
		return;
	for (size_t i = 0; i < errs->n; i++)
		free(errs->v[i].msg);
	free(errs->v);
	free(errs->file);
	memset(errs, 0, sizeof *errs);
}

void config_errors_print(const struct config_errors *errs, FILE *f)
{
	const char *file = errs->file ? errs->file : "(config)";
	for (size_t i = 0; i < errs->n; i++) {
		if (errs->v[i].line > 0)
			fprintf(f, "%s:%d:%d: %s\n", file, errs->v[i].line, errs->v[i].col, errs->v[i].msg);
		else
			fprintf(f, "%s: %s\n", file, errs->v[i].msg);
	}
	if (errs->dropped)
		fprintf(f, "%s: %zu more errors not shown\n", file, errs->dropped);
}

/* ---- small pure helpers ---------------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return SIZE_MAX;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The word of words[] closest to s, if close enough to be a likely typo. */
static const char *closest(const char *s, const char *const *words, size_t n)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		if (!words[i])
			continue;
		size_t d = edit_distance(s, words[i]);
		if (d < best_d) {
			best_d = d;
			best = words[i];
		}
	}
	size_t len = strlen(s), limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
	return best && best_d <= limit ? best : NULL;
}

/* "a, b or c" */
static void join_words(struct buf *b, const char *const *words, size_t n)
{
	size_t shown = 0, total = 0;
	for (size_t i = 0; i < n; i++)
		total += words[i] != NULL;
	for (size_t i = 0; i < n; i++) {
		if (!words[i])
			continue;
		if (shown)
			buf_puts(b, shown + 1 == total ? " or " : ", ");
		buf_puts(b, words[i]);
		shown++;
	}
}

int config_parse_duration(const char *s, int64_t *us)
{
	static const struct {
		const char *unit;
		int64_t us;
	} units[] = {{"us", 1},
		     {"ms", 1000},
		     {"s", 1000000},
		     {"m", 60 * INT64_C(1000000)},
		     {"h", 3600 * INT64_C(1000000)},
		     {"d", 86400 * INT64_C(1000000)},
		     {"w", 7 * 86400 * INT64_C(1000000)}};
	if (!s || !*s)
		return ERR_PARSE;
	if (!strcmp(s, "0")) {
		*us = 0;
		return 0;
	}
	int64_t total = 0;
	int last_rank = INT_MAX; /* units must go from larger to smaller, once each */
	const char *p = s;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			return ERR_PARSE;
		int64_t v = 0;
		while (isdigit((unsigned char)*p)) {
			if (v > INT64_MAX / 10)
				return ERR_RANGE;
			v = v * 10 + (*p++ - '0');
		}
		int rank = -1;
		size_t ulen = 0;
		for (int i = 0; i < (int)(sizeof units / sizeof units[0]); i++) {
			size_t l = strlen(units[i].unit);
			if (!strncmp(p, units[i].unit, l) && l > ulen &&
			    !(l == 1 && p[1] == 's' && units[i].unit[0] == 'm')) {
				rank = i;
				ulen = l;
			}
		}
		if (rank < 0)
			return ERR_PARSE;
		if (rank >= last_rank)
			return ERR_PARSE;
		last_rank = rank;
		if (v > INT64_MAX / units[rank].us || total > INT64_MAX - v * units[rank].us)
			return ERR_RANGE;
		total += v * units[rank].us;
		p += ulen;
	}
	*us = total;
	return 0;
}

char *config_format_duration(int64_t us, char *buf, size_t n)
{
	static const struct {
		const char *unit;
		int64_t us;
	} units[] = {{"w", 7 * 86400 * INT64_C(1000000)},
		     {"d", 86400 * INT64_C(1000000)},
		     {"h", 3600 * INT64_C(1000000)},
		     {"m", 60 * INT64_C(1000000)},
		     {"s", 1000000},
		     {"ms", 1000},
		     {"us", 1}};
	if (us <= 0) {
		snprintf(buf, n, "0s");
		return buf;
	}
	size_t used = 0;
	buf[0] = '\0';
	/* weeks only when the whole value is weeks: 400d, not 57w1d */
	size_t first = us % units[0].us ? 1 : 0;
	for (size_t i = first; i < sizeof units / sizeof units[0] && us; i++) {
		int64_t q = us / units[i].us;
		if (!q)
			continue;
		us -= q * units[i].us;
		int w = snprintf(buf + used, n > used ? n - used : 0, "%lld%s", (long long)q, units[i].unit);
		if (w > 0)
			used += (size_t)w;
	}
	return buf;
}

int config_parse_hostport(const char *s, struct addr *a, uint16_t *port)
{
	char host[ADDR_STRLEN + 2];
	const char *colon;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof host)
			return ERR_PARSE;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof host || memchr(s, ':', (size_t)(colon - s)))
			return ERR_PARSE;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	if (addr_parse(host, a))
		return ERR_PARSE;
	const char *p = colon + 1;
	if (!*p || strlen(p) > 5)
		return ERR_PARSE;
	unsigned long v = 0;
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return ERR_PARSE;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return ERR_PARSE;
	*port = (uint16_t)v;
	return 0;
}

const char *config_entity_kind_name(int kind)
{
	static const char *const names[] = {
#define X(name, word) word,
		CONFIG_ENTITY_KIND_TABLE(X)
#undef X
	};
	return kind >= 0 && kind < CFG_ENTITY_KIND__COUNT ? names[kind] : "unknown";
}

/* ---- node access --------------------------------------------------------- */

static yaml_node_t *node_at(struct loader *ld, int idx)
{
	return yaml_document_get_node(&ld->doc, idx);
}

static bool visit(struct loader *ld, const yaml_node_t *n)
{
	if (ld->budget == 0) {
		if (!ld->budget_spent)
			err_at(ld, n, "the document expands too much through aliases (*name); "
				      "write the repeated parts out");
		ld->budget_spent = true;
		return false;
	}
	ld->budget--;
	return true;
}

static bool is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

static const char *node_desc(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (is_null(n))
		return "nothing (null)";
	return "a scalar";
}

/* The scalar's text, or NULL (error reported) if n is not a usable scalar. */
static const char *scalar(struct loader *ld, const yaml_node_t *n, const char *expected)
{
	if (n->type != YAML_SCALAR_NODE || is_null(n)) {
		err_at(ld, n, "expected %s, got %s", expected, node_desc(n));
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
		err_at(ld, n, "expected %s; NUL characters are not allowed", expected);
		return NULL;
	}
	if (n->data.scalar.length > MAX_STRING) {
		err_at(ld, n, "value too long (%zu bytes, at most %d)", n->data.scalar.length, MAX_STRING);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static int get_string(struct loader *ld, const yaml_node_t *n, char **out)
{
	const char *s = scalar(ld, n, "a string");
	if (!s)
		return -1;
	free(*out);
	*out = xstrdup(s);
	return 0;
}

static int get_bool(struct loader *ld, const yaml_node_t *n, bool *out)
{
	const char *s = scalar(ld, n, "true or false");
	if (!s)
		return -1;
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
		*out = false;
		return 0;
	}
	err_at(ld, n, "expected true or false, got '%s'", s);
	return -1;
}

static int get_uint(struct loader *ld, const yaml_node_t *n, uint64_t min, uint64_t max,
		    uint64_t *out)
{
	const char *s = scalar(ld, n, "a whole number");
	if (!s)
		return -1;
	uint64_t v = 0;
	const char *p = s;
	if (!*p)
		goto bad;
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p) || v > (UINT64_MAX - 9) / 10)
			goto bad;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max) {
		err_at(ld, n, "%s is out of range (expected %llu to %llu)", s, (unsigned long long)min,
		       (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
bad:
	err_at(ld, n, "expected a whole number from %llu to %llu, got '%s'", (unsigned long long)min,
	       (unsigned long long)max, s);
	return -1;
}

static int get_duration(struct loader *ld, const yaml_node_t *n, int64_t min, int64_t max,
			bool forever_ok, int64_t *out)
{
	const char *s = scalar(ld, n, "a duration like 30s or 500ms");
	if (!s)
		return -1;
	if (forever_ok && !strcmp(s, "forever")) {
		*out = CONFIG_FOREVER;
		return 0;
	}
	int64_t v;
	int rc = config_parse_duration(s, &v);
	if (rc == ERR_RANGE) {
		err_at(ld, n, "duration '%s' is too large", s);
		return -1;
	}
	if (rc) {
		err_at(ld, n, "expected a duration like 30s, 500ms or 1h30m (units us ms s m h d w)%s, got '%s'",
		       forever_ok ? " or forever" : "", s);
		return -1;
	}
	if (v < min || v > max) {
		char a[32], b[32];
		err_at(ld, n, "duration %s is out of range (expected %s to %s)", s,
		       config_format_duration(min, a, sizeof a), config_format_duration(max, b, sizeof b));
		return -1;
	}
	*out = v;
	return 0;
}

static int get_size(struct loader *ld, const yaml_node_t *n, uint64_t min, uint64_t *out)
{
	const char *s = scalar(ld, n, "a size like 64MiB");
	if (!s)
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	uint64_t mult = 0;
	if (end == s || !isdigit((unsigned char)s[0]) || errno)
		mult = 0;
	else if (!*end || !strcmp(end, "B"))
		mult = 1;
	else if (!strcmp(end, "KiB"))
		mult = 1u << 10;
	else if (!strcmp(end, "MiB"))
		mult = 1u << 20;
	else if (!strcmp(end, "GiB"))
		mult = 1u << 30;
	if (!mult || v > UINT64_MAX / mult) {
		err_at(ld, n, "expected a size like 65536, 512KiB, 64MiB or 1GiB, got '%s'", s);
		return -1;
	}
	if (v * mult < min) {
		err_at(ld, n, "size %s is too small (at least %llu bytes)", s, (unsigned long long)min);
		return -1;
	}
	*out = v * mult;
	return 0;
}

static int get_addr(struct loader *ld, const yaml_node_t *n, struct addr *out)
{
	const char *s = scalar(ld, n, "an IP address");
	if (!s)
		return -1;
	if (addr_parse(s, out)) {
		err_at(ld, n, "expected an IPv4 or IPv6 address like 198.51.100.1 or 2001:db8::1, got '%s'%s",
		       s, strchr(s, '/') ? " (a prefix is not an address)" : "");
		return -1;
	}
	static const uint8_t zero[16];
	if (!memcmp(out->bytes, zero, out->family == AF_INET ? 4 : 16)) {
		err_at(ld, n, "'%s' is the unspecified address; give a real one", s);
		return -1;
	}
	return 0;
}

static int get_prefix(struct loader *ld, const yaml_node_t *n, struct prefix *out)
{
	const char *s = scalar(ld, n, "a prefix like 198.51.100.0/24");
	if (!s)
		return -1;
	if (prefix_parse(s, out) || !strchr(s, '/')) {
		err_at(ld, n, "expected a prefix like 198.51.100.0/24 or 2001:db8::/32, got '%s'", s);
		return -1;
	}
	struct prefix norm = *out;
	prefix_normalize(&norm);
	if (memcmp(norm.addr.bytes, out->addr.bytes, sizeof norm.addr.bytes)) {
		char want[PREFIX_STRLEN];
		err_at(ld, n, "prefix %s has host bits set (did you mean %s?)", s,
		       prefix_format(&norm, want, sizeof want));
		return -1;
	}
	return 0;
}

static int get_asn(struct loader *ld, const yaml_node_t *n, uint32_t *out)
{
	const char *s = scalar(ld, n, "an AS number");
	if (!s)
		return -1;
	const char *p = s;
	if ((p[0] == 'A' || p[0] == 'a') && (p[1] == 'S' || p[1] == 's'))
		p += 2;
	uint64_t v = 0;
	bool ok = *p != '\0';
	for (; *p && ok; p++) {
		if (!isdigit((unsigned char)*p) || v > UINT32_MAX)
			ok = false;
		else
			v = v * 10 + (uint64_t)(*p - '0');
	}
	if (!ok || v == 0 || v > UINT32_MAX) {
		err_at(ld, n, "expected an AS number like 64500 or AS64500 (1 to 4294967295), got '%s'", s);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* A word from words[] (NULL entries skipped); returns its index or -1. */
static int get_enum(struct loader *ld, const yaml_node_t *n, const char *what,
		    const char *const *words, size_t nwords)
{
	const char *s = scalar(ld, n, what);
	if (!s)
		return -1;
	for (size_t i = 0; i < nwords; i++)
		if (words[i] && !strcmp(words[i], s))
			return (int)i;
	struct buf b = {0};
	join_words(&b, words, nwords);
	const char *near = closest(s, words, nwords);
	if (near)
		err_at(ld, n, "unknown %s '%s' (did you mean '%s'? expected %s)", what, s, near, b.p);
	else
		err_at(ld, n, "unknown %s '%s' (expected %s)", what, s, b.p);
	buf_free(&b);
	return -1;
}

static bool valid_hostname(const char *s)
{
	size_t len = strlen(s), label = 0;
	if (len == 0 || len > 253)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-' || *p == '_') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

/* Sorts a mapping's values into vals[] by keys[] (NULL entries are keys the
 * caller does not accept here; hint, if set, explains why for such a key).
 * Reports non-mappings, unknown and duplicate keys. */
static bool map_fields(struct loader *ld, const yaml_node_t *n, const char *what,
		       const char *const *keys, size_t nkeys, const yaml_node_t **vals)
{
	for (size_t i = 0; i < nkeys; i++)
		vals[i] = NULL;
	if (!visit(ld, n))
		return false;
	if (n->type != YAML_MAPPING_NODE) {
		err_at(ld, n, "expected %s (a mapping of key: value), got %s", what, node_desc(n));
		return false;
	}
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node_at(ld, pr->key), *v = node_at(ld, pr->value);
		if (!k || !v)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			err_at(ld, k, "expected a key name in %s, got %s", what, node_desc(k));
			continue;
		}
		const char *name = (const char *)k->data.scalar.value;
		size_t i;
		for (i = 0; i < nkeys; i++)
			if (keys[i] && !strcmp(keys[i], name))
				break;
		if (i == nkeys) {
			const char *near = closest(name, keys, nkeys);
			if (near)
				err_at(ld, k, "unknown key '%s' in %s (did you mean '%s'?)", name, what, near);
			else {
				struct buf b = {0};
				join_words(&b, keys, nkeys);
				err_at(ld, k, "unknown key '%s' in %s (expected %s)", name, what, b.p);
				buf_free(&b);
			}
			continue;
		}
		if (vals[i]) {
			err_at(ld, k, "duplicate key '%s' in %s (first given at line %d)", name, what,
			       (int)vals[i]->start_mark.line + 1);
			continue;
		}
		vals[i] = v;
	}
	return true;
}

static void missing(struct loader *ld, const yaml_node_t *map, const char *key, const char *what)
{
	err_at(ld, map, "missing required key '%s' in %s", key, what);
}

/* Items of a list node, or NULL with an error. A scalar is not a list. */
static bool list_items(struct loader *ld, const yaml_node_t *n, const char *what,
		       yaml_node_item_t **start, yaml_node_item_t **top)
{
	*start = *top = NULL;
	if (n->type != YAML_SEQUENCE_NODE) {
		err_at(ld, n, "expected a list of %s, got %s", what, node_desc(n));
		return false;
	}
	*start = n->data.sequence.items.start;
	*top = n->data.sequence.items.top;
	return true;
}

/* ---- sections ------------------------------------------------------------ */

enum { TM_INTERVAL, TM_TIMEOUT, TM_RETRIES, TM__N };
static const char *const timing_keys[TM__N] = {"interval", "timeout", "retries"};

#define MIN_INTERVAL_US (100 * INT64_C(1000))
#define MAX_INTERVAL_US (86400 * INT64_C(1000000))
#define MIN_TIMEOUT_US (10 * INT64_C(1000))
#define MAX_TIMEOUT_US (300 * INT64_C(1000000))

/* Reads interval/timeout/retries present in vals (indexes base + TM_*) over *t;
 * returns true if any was given. */
static bool read_timing(struct loader *ld, const yaml_node_t *const *vals, struct config_timing *t)
{
	bool any = false;
	if (vals[TM_INTERVAL]) {
		any = true;
		(void)get_duration(ld, vals[TM_INTERVAL], MIN_INTERVAL_US, MAX_INTERVAL_US, false,
				   &t->interval_us);
	}
	if (vals[TM_TIMEOUT]) {
		any = true;
		(void)get_duration(ld, vals[TM_TIMEOUT], MIN_TIMEOUT_US, MAX_TIMEOUT_US, false,
				   &t->timeout_us);
	}
	if (vals[TM_RETRIES]) {
		uint64_t v;
		any = true;
		if (!get_uint(ld, vals[TM_RETRIES], 0, 10, &v))
			t->retries = (int)v;
	}
	return any;
}

static void check_timing(struct loader *ld, const yaml_node_t *where, const struct config_timing *t)
{
	int64_t round = t->timeout_us * (t->retries + 1);
	if (round > t->interval_us) {
		char a[32], b[32], c[32];
		err_at(ld, where,
		       "timeout %s x %d attempts (retries %d + 1) = %s is longer than the interval %s: "
		       "a round must end before the next",
		       config_format_duration(t->timeout_us, a, sizeof a), t->retries + 1, t->retries,
		       config_format_duration(round, b, sizeof b),
		       config_format_duration(t->interval_us, c, sizeof c));
	}
}

static void load_defaults(struct loader *ld, const yaml_node_t *n, struct config_timing *t,
			  const char *what)
{
	const yaml_node_t *vals[TM__N];
	if (!map_fields(ld, n, what, timing_keys, TM__N, vals))
		return;
	if (read_timing(ld, vals, t))
		check_timing(ld, n, t);
}

enum { V_ID, V_NAME, V__N };
static void load_vantage(struct loader *ld, const yaml_node_t *n)
{
	static const char *const keys[V__N] = {"id", "name"};
	const yaml_node_t *vals[V__N];
	if (!map_fields(ld, n, "vantage", keys, V__N, vals))
		return;
	uint64_t v;
	if (vals[V_ID] && !get_uint(ld, vals[V_ID], 0, 65535, &v))
		ld->cfg->vantage.id = (uint16_t)v;
	if (vals[V_NAME])
		(void)get_string(ld, vals[V_NAME], &ld->cfg->vantage.name);
}

enum { S_PATH, S_FLUSH, S_RAW, S_AGG, S_BIN, S_QUEUE, S__N };
static void load_store(struct loader *ld, const yaml_node_t *n)
{
	static const char *const keys[S__N] = {"path",		"flush_interval", "raw_retention",
					       "aggregate_retention", "aggregate_bin", "queue_limit"};
	const yaml_node_t *vals[S__N];
	struct config_store *s = &ld->cfg->store;
	if (!map_fields(ld, n, "store", keys, S__N, vals))
		return;
	if (vals[S_PATH])
		(void)get_string(ld, vals[S_PATH], &s->path);
	if (vals[S_FLUSH])
		(void)get_duration(ld, vals[S_FLUSH], 10 * INT64_C(1000), 3600 * INT64_C(1000000),
				   false, &s->flush_interval_us);
	if (vals[S_RAW])
		(void)get_duration(ld, vals[S_RAW], 3600 * INT64_C(1000000), INT64_MAX / 2, true,
				   &s->raw_retention_us);
	if (vals[S_AGG])
		(void)get_duration(ld, vals[S_AGG], 3600 * INT64_C(1000000), INT64_MAX / 2, true,
				   &s->agg_retention_us);
	if (vals[S_BIN])
		(void)get_duration(ld, vals[S_BIN], INT64_C(1000000), 86400 * INT64_C(1000000), false,
				   &s->agg_bin_us);
	if (vals[S_QUEUE])
		(void)get_size(ld, vals[S_QUEUE], 64u << 10, &s->queue_max_bytes);
	if (s->agg_retention_us < s->raw_retention_us)
		err_at(ld, vals[S_AGG] ? vals[S_AGG] : n,
		       "aggregate_retention is shorter than raw_retention: aggregates are made from "
		       "raw observations as they expire, so they must be kept at least as long");
}

static char *read_token_file(struct loader *ld, const yaml_node_t *n, const char *path)
{
	/* a regular file only: never block on a FIFO or a terminal */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		err_at(ld, n, "cannot read token_file %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		err_at(ld, n, "token_file %s is not a regular file", path);
		close(fd);
		return NULL;
	}
	FILE *f = fdopen(fd, "r");
	if (!f) {
		err_at(ld, n, "cannot read token_file %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	char buf[1024];
	size_t len = fread(buf, 1, sizeof buf - 1, f);
	bool more = fgetc(f) != EOF;
	fclose(f);
	if (more) {
		err_at(ld, n, "token_file %s is larger than 1023 bytes", path);
		return NULL;
	}
	buf[len] = '\0';
	while (len && isspace((unsigned char)buf[len - 1]))
		buf[--len] = '\0';
	return xstrdup(buf);
}

static bool token_ok(struct loader *ld, const yaml_node_t *n, const char *tok)
{
	size_t len = strlen(tok);
	if (len < CONFIG_MIN_TOKEN_LEN) {
		err_at(ld, n, "the token is %zu characters long; use at least %d random characters", len,
		       CONFIG_MIN_TOKEN_LEN);
		return false;
	}
	for (const char *p = tok; *p; p++)
		if (!isgraph((unsigned char)*p)) {
			err_at(ld, n, "the token may hold only visible ASCII characters (no spaces)");
			return false;
		}
	return true;
}

enum { H_ENABLED, H_LISTEN, H_TOKEN, H_TOKEN_FILE, H_IDLE, H_REQUEST, H_MAXCONN, H_PERIP, H__N };

/* A whole number of seconds from 1 s to max_s into *out (left alone on error). */
static void get_seconds(struct loader *ld, const yaml_node_t *n, const char *key, int64_t max_s,
			int64_t *out)
{
	int64_t t;
	if (get_duration(ld, n, INT64_C(1000000), max_s * INT64_C(1000000), false, &t))
		return;
	if (t % INT64_C(1000000))
		err_at(ld, n, "%s is a whole number of seconds", key);
	else
		*out = t;
}

static void load_http(struct loader *ld, const yaml_node_t *n)
{
	static const char *const keys[H__N] = {"enabled",      "listen",          "token",
					       "token_file",   "idle_timeout",    "request_timeout",
					       "max_connections", "max_per_ip"};
	const yaml_node_t *vals[H__N];
	struct config_http *h = &ld->cfg->http;
	if (!map_fields(ld, n, "http", keys, H__N, vals))
		return;
	if (vals[H_ENABLED])
		(void)get_bool(ld, vals[H_ENABLED], &h->enabled);
	if (vals[H_LISTEN]) {
		const char *s = scalar(ld, vals[H_LISTEN], "an ADDRESS:PORT");
		struct addr a;
		uint16_t port;
		if (s && config_parse_hostport(s, &a, &port))
			err_at(ld, vals[H_LISTEN],
			       "expected ADDRESS:PORT like 127.0.0.1:9797 or [::1]:9797, got '%s'", s);
		else if (s) {
			h->listen_addr = a;
			h->listen_port = port;
		}
	}
	if (vals[H_IDLE])
		get_seconds(ld, vals[H_IDLE], "idle_timeout", 3600, &h->idle_timeout_us);
	if (vals[H_REQUEST])
		get_seconds(ld, vals[H_REQUEST], "request_timeout", 3600, &h->request_timeout_us);
	uint64_t u;
	if (vals[H_MAXCONN] && !get_uint(ld, vals[H_MAXCONN], 1, 10000, &u))
		h->max_connections = (uint32_t)u;
	if (vals[H_PERIP] && !get_uint(ld, vals[H_PERIP], 1, 10000, &u))
		h->max_per_ip = (uint32_t)u;
	if (vals[H_TOKEN] && vals[H_TOKEN_FILE])
		err_at(ld, vals[H_TOKEN_FILE], "give token or token_file, not both");
	else if (vals[H_TOKEN]) {
		if (!get_string(ld, vals[H_TOKEN], &h->token) && !token_ok(ld, vals[H_TOKEN], h->token)) {
			free(h->token);
			h->token = NULL;
		}
	} else if (vals[H_TOKEN_FILE] && !get_string(ld, vals[H_TOKEN_FILE], &h->token_file)) {
		h->token = read_token_file(ld, vals[H_TOKEN_FILE], h->token_file);
		if (h->token && !token_ok(ld, vals[H_TOKEN_FILE], h->token)) {
			free(h->token);
			h->token = NULL;
		}
	}
	if (h->enabled && !addr_is_loopback(&h->listen_addr) && !h->token &&
	    !vals[H_TOKEN] && !vals[H_TOKEN_FILE]) {
		char a[ADDR_STRLEN];
		err_at(ld, vals[H_LISTEN] ? vals[H_LISTEN] : n,
		       "listening on %s (not loopback) requires a token: set http.token or http.token_file",
		       addr_format(&h->listen_addr, a, sizeof a));
	}
}

static void load_prefix_list(struct loader *ld, const yaml_node_t *n, struct prefix **out, size_t *nout)
{
	yaml_node_item_t *it, *top;
	if (!list_items(ld, n, "prefixes", &it, &top))
		return;
	*out = xcalloc((size_t)(top - it) + 1, sizeof **out);
	for (; it < top; it++) {
		yaml_node_t *v = node_at(ld, *it);
		if (!v || !visit(ld, v))
			continue;
		struct prefix p;
		if (get_prefix(ld, v, &p))
			continue;
		bool dup = false;
		for (size_t i = 0; i < *nout; i++)
			dup |= (*out)[i].len == p.len && !addr_cmp(&(*out)[i].addr, &p.addr);
		if (dup) {
			err_at(ld, v, "prefix %s is listed twice", (const char *)v->data.scalar.value);
			continue;
		}
		(*out)[(*nout)++] = p;
	}
}

enum { P_NAME, P_ADDRESS, P_AS, P_PORT, P__N };
enum { B_LISTEN, B_LOCAL_AS, B_ROUTER_ID, B_HOLD, B_PEERS, B_MRT, B_PREFIXES, B_MSG_TIMEOUT, B__N };
static void load_bgp(struct loader *ld, const yaml_node_t *n)
{
	static const char *const keys[B__N] = {"listen", "local_as",   "router_id", "hold_time",
					       "peers",  "mrt_output", "prefixes",  "message_timeout"};
	static const char *const peer_keys[P__N] = {"name", "address", "as", "port"};
	const yaml_node_t *vals[B__N];
	struct config_bgp *b = &ld->cfg->bgp;
	if (!map_fields(ld, n, "bgp", keys, B__N, vals))
		return;
	b->enabled = true;
	if (vals[B_LISTEN]) {
		const char *s = scalar(ld, vals[B_LISTEN], "an ADDRESS:PORT");
		struct addr a;
		uint16_t port;
		if (s && config_parse_hostport(s, &a, &port))
			err_at(ld, vals[B_LISTEN],
			       "expected ADDRESS:PORT like 0.0.0.0:179 or [::]:179, got '%s'", s);
		else if (s) {
			b->listen_addr = a;
			b->listen_port = port;
		}
	}
	if (!vals[B_LOCAL_AS])
		missing(ld, n, "local_as", "bgp");
	else
		(void)get_asn(ld, vals[B_LOCAL_AS], &b->local_as);
	if (!vals[B_ROUTER_ID])
		missing(ld, n, "router_id", "bgp");
	else {
		struct addr a;
		const char *s = scalar(ld, vals[B_ROUTER_ID], "a router id like 198.51.100.1");
		if (s && (addr_parse(s, &a) || a.family != AF_INET))
			err_at(ld, vals[B_ROUTER_ID],
			       "expected a router id written as an IPv4 address like 198.51.100.1, got '%s'", s);
		else if (s) {
			b->router_id = (uint32_t)a.bytes[0] << 24 | (uint32_t)a.bytes[1] << 16 |
				       (uint32_t)a.bytes[2] << 8 | a.bytes[3];
			if (b->router_id == 0)
				err_at(ld, vals[B_ROUTER_ID], "the router id may not be 0.0.0.0");
		}
	}
	if (vals[B_HOLD]) {
		int64_t h;
		if (!get_duration(ld, vals[B_HOLD], 0, 65535 * INT64_C(1000000), false, &h)) {
			if (h != 0 && h < 3 * INT64_C(1000000))
				err_at(ld, vals[B_HOLD], "hold_time must be 0 or at least 3s (RFC 4271)");
			else if (h % INT64_C(1000000))
				err_at(ld, vals[B_HOLD], "hold_time is a whole number of seconds");
			else
				b->hold_time_us = h;
		}
	}
	if (vals[B_MSG_TIMEOUT])
		get_seconds(ld, vals[B_MSG_TIMEOUT], "message_timeout", 3600, &b->message_timeout_us);
	if (vals[B_MRT])
		(void)get_string(ld, vals[B_MRT], &b->mrt_path);
	if (vals[B_PREFIXES])
		load_prefix_list(ld, vals[B_PREFIXES], &b->prefixes, &b->n_prefixes);
	if (!vals[B_PEERS])
		return;
	yaml_node_item_t *it, *top;
	if (!list_items(ld, vals[B_PEERS], "peers", &it, &top))
		return;
	b->peers = xcalloc((size_t)(top - it) + 1, sizeof *b->peers);
	for (; it < top; it++) {
		const yaml_node_t *pv[P__N], *pn = node_at(ld, *it);
		if (!pn || !map_fields(ld, pn, "bgp peer", peer_keys, P__N, pv))
			continue;
		struct config_bgp_peer *p = &b->peers[b->n_peers];
		memset(p, 0, sizeof *p);
		p->port = CONFIG_DEFAULT_BGP_PORT;
		bool ok = true;
		if (pv[P_NAME])
			ok &= !get_string(ld, pv[P_NAME], &p->name);
		if (!pv[P_ADDRESS]) {
			missing(ld, pn, "address", "bgp peer");
			ok = false;
		} else if (!get_addr(ld, pv[P_ADDRESS], &p->addr)) {
			for (size_t i = 0; i < b->n_peers; i++)
				if (!addr_cmp(&b->peers[i].addr, &p->addr)) {
					err_at(ld, pv[P_ADDRESS], "peer address %s is listed twice",
					       (const char *)pv[P_ADDRESS]->data.scalar.value);
					ok = false;
				}
		} else {
			ok = false;
		}
		if (!pv[P_AS]) {
			missing(ld, pn, "as", "bgp peer");
			ok = false;
		} else
			ok &= !get_asn(ld, pv[P_AS], &p->asn);
		uint64_t port;
		if (pv[P_PORT]) {
			if (!get_uint(ld, pv[P_PORT], 1, 65535, &port))
				p->port = (uint16_t)port;
			else
				ok = false;
		}
		if (ok)
			b->n_peers++;
		else
			free(p->name);
	}
}

static void free_alert(struct config_alert *a)
{
	free(a->name);
	free(a->url);
	for (size_t i = 0; i < a->n_headers; i++) {
		free(a->headers[i].name);
		free(a->headers[i].value);
	}
	free(a->headers);
	for (size_t i = 0; i < a->argc; i++)
		free(a->argv[i]);
	free(a->argv);
	memset(a, 0, sizeof *a);
}

enum { A_NAME, A_TYPE, A_ON, A_TIMEOUT, A_URL, A_TEXT, A_HEADERS, A_COMMAND, A__N };
static void load_alert(struct loader *ld, const yaml_node_t *n)
{
	static const char *const keys[A__N] = {"name", "type",	  "on",	     "timeout",
					       "url",  "text",	  "headers", "command"};
	static const char *const types[] = {"webhook", "exec"};
	static const char *const whens[] = {"open", "update", "close"};
	const yaml_node_t *vals[A__N];
	struct config *cfg = ld->cfg;
	if (!map_fields(ld, n, "alert", keys, A__N, vals))
		return;
	struct config_alert *a = &cfg->alerts[cfg->n_alerts];
	memset(a, 0, sizeof *a);
	a->on = ALERT_ON_ALL;
	a->timeout_us = CONFIG_DEFAULT_ALERT_TIMEOUT_US;
	a->text = true;
	a->kind = -1;
	size_t nerr = ld->errs->n;
	if (!vals[A_NAME])
		missing(ld, n, "name", "alert");
	else if (!get_string(ld, vals[A_NAME], &a->name))
		for (size_t i = 0; i < cfg->n_alerts; i++)
			if (!strcmp(cfg->alerts[i].name, a->name))
				err_at(ld, vals[A_NAME], "duplicate alert name '%s'", a->name);
	if (!vals[A_TYPE])
		missing(ld, n, "type", "alert");
	else
		a->kind = get_enum(ld, vals[A_TYPE], "alert type", types, 2);
	if (vals[A_ON]) {
		yaml_node_item_t *it, *top;
		if (list_items(ld, vals[A_ON], "events (open, update, close)", &it, &top)) {
			a->on = 0;
			for (; it < top; it++) {
				yaml_node_t *v = node_at(ld, *it);
				int w = v && visit(ld, v) ? get_enum(ld, v, "alert event", whens, 3) : -1;
				if (w >= 0)
					a->on |= 1u << w;
			}
			if (!a->on && top == vals[A_ON]->data.sequence.items.start)
				err_at(ld, vals[A_ON], "'on' is empty: the hook would never fire");
		}
	}
	if (vals[A_TIMEOUT])
		(void)get_duration(ld, vals[A_TIMEOUT], 100 * INT64_C(1000), 600 * INT64_C(1000000), false,
				   &a->timeout_us);
	if (a->kind == ALERT_WEBHOOK) {
		if (vals[A_COMMAND])
			err_at(ld, vals[A_COMMAND], "'command' belongs to exec alerts, not webhook");
		if (!vals[A_URL])
			missing(ld, n, "url", "webhook alert");
		else if (!get_string(ld, vals[A_URL], &a->url) &&
			 strncmp(a->url, "http://", 7) && strncmp(a->url, "https://", 8))
			err_at(ld, vals[A_URL], "expected an http:// or https:// URL, got '%s'", a->url);
		if (vals[A_TEXT])
			(void)get_bool(ld, vals[A_TEXT], &a->text);
		if (vals[A_HEADERS]) {
			const yaml_node_t *h = vals[A_HEADERS];
			if (h->type != YAML_MAPPING_NODE)
				err_at(ld, h, "expected headers as a mapping of Name: value, got %s", node_desc(h));
			else {
				size_t cap = (size_t)(h->data.mapping.pairs.top - h->data.mapping.pairs.start);
				a->headers = xcalloc(cap + 1, sizeof *a->headers);
				for (yaml_node_pair_t *pr = h->data.mapping.pairs.start;
				     pr < h->data.mapping.pairs.top; pr++) {
					yaml_node_t *k = node_at(ld, pr->key), *hv = node_at(ld, pr->value);
					if (!k || !hv || !visit(ld, hv))
						continue;
					const char *ks = scalar(ld, k, "a header name"), *vs = scalar(ld, hv, "a header value");
					if (!ks || !vs)
						continue;
					bool bad = !*ks;
					for (const char *p = ks; *p; p++)
						bad |= !(isalnum((unsigned char)*p) || *p == '-' || *p == '_');
					for (const char *p = vs; *p; p++)
						bad |= *p == '\r' || *p == '\n';
					if (bad) {
						err_at(ld, k, "header '%s' has a bad name or a line break in its value", ks);
						continue;
					}
					a->headers[a->n_headers].name = xstrdup(ks);
					a->headers[a->n_headers++].value = xstrdup(vs);
				}
			}
		}
	} else if (a->kind == ALERT_EXEC) {
		for (int k = A_URL; k <= A_HEADERS; k++)
			if (vals[k])
				err_at(ld, vals[k], "'%s' belongs to webhook alerts, not exec", keys[k]);
		if (!vals[A_COMMAND])
			missing(ld, n, "command", "exec alert");
		else if (vals[A_COMMAND]->type == YAML_SCALAR_NODE) {
			char *s = NULL;
			if (!get_string(ld, vals[A_COMMAND], &s)) {
				a->argv = xcalloc(2, sizeof *a->argv);
				a->argv[0] = s;
				a->argc = 1;
			}
		} else {
			yaml_node_item_t *it, *top;
			if (list_items(ld, vals[A_COMMAND], "command words", &it, &top)) {
				a->argv = xcalloc((size_t)(top - it) + 1, sizeof *a->argv);
				for (; it < top; it++) {
					yaml_node_t *w = node_at(ld, *it);
					char *s = NULL;
					if (w && visit(ld, w) && !get_string(ld, w, &s))
						a->argv[a->argc++] = s;
				}
				if (top == vals[A_COMMAND]->data.sequence.items.start)
					err_at(ld, vals[A_COMMAND], "command is empty");
			}
		}
		if (a->argc && a->argv[0][0] != '/')
			err_at(ld, vals[A_COMMAND],
			       "command '%s' must be an absolute path (the watcher does not search PATH)",
			       a->argv[0]);
	}
	if (ld->errs->n == nerr && !ld->errs->dropped && a->kind >= 0)
		cfg->n_alerts++;
	else
		free_alert(a);
}

/* ---- targets and probes -------------------------------------------------- */

enum {
	PR_TYPE, PR_INTERVAL, PR_TIMEOUT, PR_RETRIES, PR_PORT, PR_URL, PR_RESOLVE, PR_STATUS,
	PR_BODY, PR_QNAME, PR_QTYPE, PR_HOPS, PR__N
};
static const char *const probe_keys[PR__N] = {
	"type", "interval", "timeout", "retries", "port", "url", "resolve", "expect_status",
	"expect_body", "qname", "qtype", "max_hops"};

/* Which probe kinds accept each kind-specific key (bit = 1 << PROBE_*). */
static unsigned probe_key_kinds(int key)
{
	switch (key) {
	case PR_PORT:
		return 1u << PROBE_TCP | 1u << PROBE_SMTP | 1u << PROBE_DNS;
	case PR_URL:
	case PR_RESOLVE:
	case PR_STATUS:
	case PR_BODY:
		return 1u << PROBE_HTTP;
	case PR_QNAME:
	case PR_QTYPE:
		return 1u << PROBE_DNS;
	case PR_HOPS:
		return 1u << PROBE_TRACE;
	default:
		return ~0u;
	}
}

static const char *const kind_words[] = {
#define X(name, code) code,
	PROBE_KIND_TABLE(X)
#undef X
};

/* An entity's target may have any role but control (controls have their own list). */
static const char *role_word(int r)
{
	return r == ROLE_CONTROL ? NULL : role_name(r);
}

/* "an icmp probe", "an http probe", "a tcp probe": as the names are read aloud */
static const char *kind_article(int kind)
{
	return kind == PROBE_ICMP || kind == PROBE_HTTP || kind == PROBE_SMTP ? "an" : "a";
}

static void load_http_probe(struct loader *ld, const yaml_node_t *n, const yaml_node_t **vals,
			    struct config_probe *p, const struct config_target *t)
{
	if (!vals[PR_URL]) {
		missing(ld, n, "url", "http probe");
	} else if (!get_string(ld, vals[PR_URL], &p->url)) {
		CURLU *u = curl_url();
		char *scheme = NULL, *host = NULL;
		if (!u || curl_url_set(u, CURLUPART_URL, p->url, 0) != CURLUE_OK ||
		    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
		    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
			err_at(ld, vals[PR_URL], "expected a URL like http://198.51.100.80/ or "
						 "https://example.kp/path, got '%s'", p->url);
		else if (strcmp(scheme, "http") && strcmp(scheme, "https"))
			err_at(ld, vals[PR_URL], "URL scheme '%s' is not http or https", scheme);
		curl_free(scheme);
		curl_free(host);
		curl_url_cleanup(u);
	}
	if (vals[PR_RESOLVE]) {
		if (!get_addr(ld, vals[PR_RESOLVE], &p->resolve))
			p->has_resolve = true;
	} else if (t->has_addr) {
		p->resolve = t->addr;
		p->has_resolve = true;
	}
	if (vals[PR_STATUS]) {
		const yaml_node_t *s = vals[PR_STATUS];
		uint64_t v;
		if (s->type == YAML_SCALAR_NODE) {
			if (!get_uint(ld, s, 100, 599, &v)) {
				p->expect_status = xmalloc(sizeof *p->expect_status);
				p->expect_status[p->n_expect_status++] = (int)v;
			}
		} else {
			yaml_node_item_t *it, *top;
			if (list_items(ld, s, "HTTP status codes", &it, &top)) {
				p->expect_status = xcalloc((size_t)(top - it) + 1, sizeof *p->expect_status);
				for (; it < top; it++) {
					yaml_node_t *c = node_at(ld, *it);
					if (c && visit(ld, c) && !get_uint(ld, c, 100, 599, &v))
						p->expect_status[p->n_expect_status++] = (int)v;
				}
				if (top == s->data.sequence.items.start)
					err_at(ld, s, "expect_status is empty; leave it out to accept any 2xx or 3xx");
			}
		}
	}
	if (vals[PR_BODY] && !get_string(ld, vals[PR_BODY], &p->expect_body) && !*p->expect_body)
		err_at(ld, vals[PR_BODY], "expect_body is empty; leave it out to accept any body");
}

static void load_dns_probe(struct loader *ld, const yaml_node_t *n, const yaml_node_t **vals,
			   struct config_probe *p)
{
	p->qtype = LDNS_RR_TYPE_A;
	if (!vals[PR_QNAME]) {
		missing(ld, n, "qname", "dns probe");
	} else if (!get_string(ld, vals[PR_QNAME], &p->qname)) {
		size_t len = strlen(p->qname);
		bool root = !strcmp(p->qname, ".");
		char *bare = xstrndup(p->qname, len && p->qname[len - 1] == '.' ? len - 1 : len);
		ldns_rdf *d = NULL;
		if (root || valid_hostname(bare))
			d = ldns_dname_new_frm_str(p->qname);
		if (!d)
			err_at(ld, vals[PR_QNAME], "expected a domain name like kp. or example.org, got '%s'",
			       p->qname);
		else if (p->qname[len - 1] != '.') {
			char *abs = xasprintf("%s.", p->qname);
			free(p->qname);
			p->qname = abs;
		}
		free(bare);
		ldns_rdf_deep_free(d);
	}
	if (vals[PR_QTYPE]) {
		const char *s = scalar(ld, vals[PR_QTYPE], "a DNS type like A, AAAA, NS, SOA or MX");
		if (s) {
			ldns_rr_type t = strlen(s) <= 16 ? ldns_get_rr_type_by_name(s) : 0;
			if (!t)
				err_at(ld, vals[PR_QTYPE],
				       "unknown DNS type '%s' (expected a type like A, AAAA, NS, SOA, MX or TXT)", s);
			else
				p->qtype = (uint16_t)t;
		}
	}
}

static void load_probe(struct loader *ld, const yaml_node_t *n, struct config_target *t,
		       const struct config_timing *inherit, const yaml_node_t **seen_kinds)
{
	const yaml_node_t *vals[PR__N];
	struct config_probe *p = &t->probes[t->n_probes];
	memset(p, 0, sizeof *p);
	p->timing = *inherit;
	p->kind = -1;
	if (!visit(ld, n))
		return;
	size_t nerr = ld->errs->n;
	if (n->type == YAML_SCALAR_NODE && !is_null(n)) {
		/* shorthand: "- icmp" */
		for (int i = 0; i < PR__N; i++)
			vals[i] = NULL;
		p->kind = get_enum(ld, n, "probe type", kind_words, PROBE_KIND__COUNT);
	} else {
		if (!map_fields(ld, n, "probe", probe_keys, PR__N, vals))
			return;
		if (!vals[PR_TYPE]) {
			missing(ld, n, "type", "probe");
			return;
		}
		p->kind = get_enum(ld, vals[PR_TYPE], "probe type", kind_words, PROBE_KIND__COUNT);
	}
	if (p->kind < 0)
		return;
	if (seen_kinds[p->kind]) {
		err_at(ld, n, "this target already has %s %s probe (line %d); give another target for a "
			      "second one", kind_article(p->kind), probe_kind_name(p->kind),
		       (int)seen_kinds[p->kind]->start_mark.line + 1);
		return;
	}
	seen_kinds[p->kind] = n;
	for (int k = 0; k < PR__N; k++) {
		if (vals[k] && !(probe_key_kinds(k) & (1u << p->kind))) {
			const char *owner = probe_key_kinds(k) == 1u << PROBE_HTTP ? "http"
					    : probe_key_kinds(k) == 1u << PROBE_DNS ? "dns"
					    : probe_key_kinds(k) == 1u << PROBE_TRACE ? "trace"
										    : "tcp, smtp and dns";
			err_at(ld, vals[k], "key '%s' does not apply to %s %s probe (it belongs to %s probes)",
			       probe_keys[k], kind_article(p->kind), probe_kind_name(p->kind), owner);
			vals[k] = NULL;
		}
	}
	if (read_timing(ld, vals + PR_INTERVAL, &p->timing))
		check_timing(ld, n, &p->timing);
	uint64_t v;
	switch (p->kind) {
	case PROBE_TCP:
		if (!vals[PR_PORT])
			missing(ld, n, "port", "tcp probe");
		break;
	case PROBE_SMTP:
		p->port = 25;
		break;
	case PROBE_DNS:
		p->port = 53;
		load_dns_probe(ld, n, vals, p);
		break;
	case PROBE_HTTP:
		load_http_probe(ld, n, vals, p, t);
		break;
	case PROBE_TRACE:
		p->max_hops = CONFIG_DEFAULT_TRACE_HOPS;
		if (vals[PR_HOPS] && !get_uint(ld, vals[PR_HOPS], 1, 64, &v))
			p->max_hops = (int)v;
		break;
	default:
		break;
	}
	if (vals[PR_PORT] && !get_uint(ld, vals[PR_PORT], 1, 65535, &v))
		p->port = (uint16_t)v;
	if (ld->errs->n == nerr && !ld->errs->dropped)
		t->n_probes++;
	else {
		free(p->url);
		free(p->expect_status);
		free(p->expect_body);
		free(p->qname);
		memset(p, 0, sizeof *p);
	}
}

static void free_target(struct config_target *t)
{
	free(t->name);
	free(t->host);
	free(t->note);
	for (size_t i = 0; i < t->n_probes; i++) {
		free(t->probes[i].url);
		free(t->probes[i].expect_status);
		free(t->probes[i].expect_body);
		free(t->probes[i].qname);
	}
	free(t->probes);
}

enum { T_NAME, T_ROLE, T_ADDRESS, T_HOST, T_NOTE, T_BORDER, T_PROBES, T__N };

static void load_target(struct loader *ld, const yaml_node_t *n, size_t entity,
			const struct config_timing *inherit)
{
	static const char *const keys[T__N] = {"name", "role", "address", "host", "note", "border_link", "probes"};
	bool control = entity == CONFIG_NO_ENTITY;
	const char *what = control ? "control target" : "target";
	const yaml_node_t *vals[T__N];
	struct config *cfg = ld->cfg;
	if (!map_fields(ld, n, what, keys, T__N, vals))
		return;
	if (cfg->n_targets == ld->targets_cap) {
		ld->targets_cap = ld->targets_cap ? ld->targets_cap * 2 : 16;
		cfg->targets = xreallocarray(cfg->targets, ld->targets_cap, sizeof *cfg->targets);
	}
	struct config_target *t = &cfg->targets[cfg->n_targets];
	memset(t, 0, sizeof *t);
	t->entity = entity;
	t->role = control ? ROLE_CONTROL : -1;
	size_t nerr = ld->errs->n;
	if (!vals[T_NAME])
		missing(ld, n, "name", what);
	else if (!get_string(ld, vals[T_NAME], &t->name)) {
		if (!*t->name)
			err_at(ld, vals[T_NAME], "the target name is empty");
		const struct seen_name *first = names_add(
		    ld, (const char *)vals[T_NAME]->data.scalar.value, (int)n->start_mark.line + 1);
		if (first)
			err_at(ld, vals[T_NAME], "duplicate target name '%s' (first defined at line %d)",
			       t->name, first->line);
	}
	if (control && vals[T_ROLE]) {
		err_at(ld, vals[T_ROLE], "control targets have no role (they are all 'control'); "
					 "leave 'role' out");
	} else if (!control) {
		if (!vals[T_ROLE])
			missing(ld, n, "role", what);
		else {
			const char *words[ROLE__COUNT];
			for (int r = 0; r < ROLE__COUNT; r++)
				words[r] = role_word(r);
			t->role = get_enum(ld, vals[T_ROLE], "role", words, ROLE__COUNT);
		}
	}
	if (vals[T_ADDRESS] && !get_addr(ld, vals[T_ADDRESS], &t->addr))
		t->has_addr = true;
	if (vals[T_HOST] && !get_string(ld, vals[T_HOST], &t->host)) {
		struct addr dummy;
		if (!addr_parse(t->host, &dummy))
			err_at(ld, vals[T_HOST], "host '%s' is an address: write it under 'address'", t->host);
		else if (!valid_hostname(t->host))
			err_at(ld, vals[T_HOST], "expected a DNS name like ns1.example.org, got '%s'", t->host);
	}
	if (!vals[T_ADDRESS] && !vals[T_HOST])
		err_at(ld, n, "%s needs an 'address' or a 'host' (a DNS name) to probe", what);
	if (vals[T_NOTE])
		(void)get_string(ld, vals[T_NOTE], &t->note);
	if (vals[T_BORDER] && !get_bool(ld, vals[T_BORDER], &t->border_link) && t->border_link &&
	    t->role != ROLE_ROUTER)
		err_at(ld, vals[T_BORDER], "border_link applies to router targets only");
	if (!vals[T_PROBES])
		missing(ld, n, "probes", what);
	else {
		yaml_node_item_t *it, *top;
		if (list_items(ld, vals[T_PROBES], "probes", &it, &top)) {
			const yaml_node_t *seen[PROBE_KIND__COUNT] = {0};
			t->probes = xcalloc((size_t)(top - it) + 1, sizeof *t->probes);
			for (; it < top && t->n_probes < PROBE_KIND__COUNT; it++) {
				yaml_node_t *pn = node_at(ld, *it);
				if (pn)
					load_probe(ld, pn, t, inherit, seen);
			}
			if (it < top)
				err_at(ld, node_at(ld, *it), "too many probes: at most one of each type");
			if (top == vals[T_PROBES]->data.sequence.items.start)
				err_at(ld, vals[T_PROBES], "probes is empty: a target needs at least one");
		}
	}
	if (ld->errs->n == nerr && !ld->errs->dropped) {
		cfg->n_targets++;
	} else {
		free_target(t);
		memset(t, 0, sizeof *t);
	}
}

enum { E_NAME, E_KIND, E_DESC, E_NOTE, E_PREFIXES, E_ORIGIN, E_DISCOVER, E_DEFAULTS, E_TARGETS, E__N };

static void load_entity(struct loader *ld, const yaml_node_t *n)
{
	static const char *const keys[E__N] = {"name",      "kind",	     "description",
					       "note",      "prefixes",	     "origin_as",
					       "discover_routers", "defaults", "targets"};
	static const char *const kinds[] = {
#define X(name, word) word,
		CONFIG_ENTITY_KIND_TABLE(X)
#undef X
	};
	const yaml_node_t *vals[E__N];
	struct config *cfg = ld->cfg;
	if (!map_fields(ld, n, "entity", keys, E__N, vals))
		return;
	if (cfg->n_entities == ld->entities_cap) {
		ld->entities_cap = ld->entities_cap ? ld->entities_cap * 2 : 8;
		cfg->entities = xreallocarray(cfg->entities, ld->entities_cap, sizeof *cfg->entities);
	}
	size_t idx = cfg->n_entities++;
	struct config_entity *e = &cfg->entities[idx];
	memset(e, 0, sizeof *e);
	e->defaults = cfg->defaults;
	e->kind = -1;
	if (!vals[E_NAME])
		missing(ld, n, "name", "entity");
	else if (!get_string(ld, vals[E_NAME], &e->name)) {
		if (!*e->name)
			err_at(ld, vals[E_NAME], "the entity name is empty");
		for (size_t i = 0; i < idx; i++)
			if (cfg->entities[i].name && !strcmp(cfg->entities[i].name, e->name))
				err_at(ld, vals[E_NAME], "duplicate entity name '%s'", e->name);
	}
	if (!e->name)
		e->name = xasprintf("(entity %zu)", idx + 1);
	if (!vals[E_KIND])
		missing(ld, n, "kind", "entity");
	else
		e->kind = get_enum(ld, vals[E_KIND], "entity kind", kinds, CFG_ENTITY_KIND__COUNT);
	if (vals[E_DESC])
		(void)get_string(ld, vals[E_DESC], &e->description);
	if (vals[E_NOTE])
		(void)get_string(ld, vals[E_NOTE], &e->note);
	if (vals[E_PREFIXES])
		load_prefix_list(ld, vals[E_PREFIXES], &e->prefixes, &e->n_prefixes);
	if (vals[E_ORIGIN]) {
		yaml_node_item_t *it, *top;
		if (list_items(ld, vals[E_ORIGIN], "AS numbers", &it, &top)) {
			e->origin_as = xcalloc((size_t)(top - it) + 1, sizeof *e->origin_as);
			for (; it < top; it++) {
				yaml_node_t *v = node_at(ld, *it);
				uint32_t asn;
				if (v && visit(ld, v) && !get_asn(ld, v, &asn))
					e->origin_as[e->n_origin_as++] = asn;
			}
		}
	}
	if (vals[E_DISCOVER])
		(void)get_bool(ld, vals[E_DISCOVER], &e->discover_routers);
	if (vals[E_DEFAULTS])
		load_defaults(ld, vals[E_DEFAULTS], &e->defaults, "entity defaults");
	if (e->kind == CFG_ENTITY_AS && vals[E_ORIGIN] == NULL)
		err_at(ld, n, "entity '%s' of kind as needs origin_as", e->name);
	if (e->kind == CFG_ENTITY_PREFIX && vals[E_PREFIXES] == NULL)
		err_at(ld, n, "entity '%s' of kind prefix needs prefixes", e->name);
	if (e->discover_routers && !vals[E_PREFIXES])
		err_at(ld, vals[E_DISCOVER], "discover_routers needs prefixes to trace toward");
	e->first_target = cfg->n_targets;
	if (vals[E_TARGETS]) {
		yaml_node_item_t *it, *top;
		if (list_items(ld, vals[E_TARGETS], "targets", &it, &top))
			for (; it < top; it++) {
				yaml_node_t *tn = node_at(ld, *it);
				if (tn)
					load_target(ld, tn, idx, &cfg->entities[idx].defaults);
			}
	} else if (!vals[E_PREFIXES]) {
		err_at(ld, n, "entity '%s' watches nothing: give it targets or prefixes", e->name);
	}
	e = &cfg->entities[idx]; /* targets may not move entities, but stay safe */
	e->n_targets = cfg->n_targets - e->first_target;
}

enum { R_VANTAGE, R_DEFAULTS, R_STORE, R_HTTP, R_ALERTS, R_BGP, R_CONTROLS, R_ENTITIES, R__N };

static void load_root(struct loader *ld, const yaml_node_t *root)
{
	static const char *const keys[R__N] = {"vantage", "defaults", "store",    "http",
					       "alerts",  "bgp",      "controls", "entities"};
	const yaml_node_t *vals[R__N];
	struct config *cfg = ld->cfg;
	if (!map_fields(ld, root, "the top level of the config", keys, R__N, vals))
		return;
	if (vals[R_VANTAGE])
		load_vantage(ld, vals[R_VANTAGE]);
	if (vals[R_DEFAULTS])
		load_defaults(ld, vals[R_DEFAULTS], &cfg->defaults, "defaults");
	if (vals[R_STORE])
		load_store(ld, vals[R_STORE]);
	if (vals[R_HTTP])
		load_http(ld, vals[R_HTTP]);
	if (vals[R_BGP])
		load_bgp(ld, vals[R_BGP]);
	yaml_node_item_t *it, *top;
	if (vals[R_ALERTS] && list_items(ld, vals[R_ALERTS], "alert hooks", &it, &top)) {
		cfg->alerts = xcalloc((size_t)(top - it) + 1, sizeof *cfg->alerts);
		for (; it < top; it++) {
			yaml_node_t *an = node_at(ld, *it);
			if (an)
				load_alert(ld, an);
		}
	}
	if (!vals[R_ENTITIES])
		err_at(ld, root, "missing required key 'entities' (the networks to watch)");
	else if (list_items(ld, vals[R_ENTITIES], "entities", &it, &top)) {
		for (; it < top; it++) {
			yaml_node_t *en = node_at(ld, *it);
			if (en)
				load_entity(ld, en);
		}
		if (top == vals[R_ENTITIES]->data.sequence.items.start)
			err_at(ld, vals[R_ENTITIES], "entities is empty: nothing to watch");
	}
	size_t before = cfg->n_targets;
	if (vals[R_CONTROLS] && list_items(ld, vals[R_CONTROLS], "control targets", &it, &top))
		for (; it < top; it++) {
			yaml_node_t *cn = node_at(ld, *it);
			if (cn)
				load_target(ld, cn, CONFIG_NO_ENTITY, &cfg->defaults);
		}
	cfg->n_controls = cfg->n_targets - before;
}

/* ---- entry points -------------------------------------------------------- */

static struct config *config_new(const char *name)
{
	struct config *cfg = xcalloc(1, sizeof *cfg);
	cfg->file = xstrdup(name);
	cfg->vantage.name = xstrdup("local");
	cfg->defaults = (struct config_timing){CONFIG_DEFAULT_INTERVAL_US, CONFIG_DEFAULT_TIMEOUT_US,
					       CONFIG_DEFAULT_RETRIES};
	cfg->store.path = xstrdup(STORE_DEFAULT_PATH);
	cfg->store.flush_interval_us = CONFIG_DEFAULT_FLUSH_US;
	cfg->store.raw_retention_us = CONFIG_DEFAULT_RAW_RETENTION_US;
	cfg->store.agg_retention_us = CONFIG_DEFAULT_AGG_RETENTION_US;
	cfg->store.agg_bin_us = CONFIG_DEFAULT_AGG_BIN_US;
	cfg->store.queue_max_bytes = CONFIG_DEFAULT_QUEUE_BYTES;
	cfg->http.enabled = true;
	cfg->http.listen_addr = (struct addr){.family = AF_INET, .bytes = {127, 0, 0, 1}};
	cfg->http.listen_port = CONFIG_DEFAULT_HTTP_PORT;
	cfg->http.idle_timeout_us = CONFIG_DEFAULT_HTTP_TIMEOUT_US;
	cfg->http.request_timeout_us = CONFIG_DEFAULT_HTTP_TIMEOUT_US;
	cfg->http.max_connections = CONFIG_DEFAULT_HTTP_MAX_CONNECTIONS;
	cfg->http.max_per_ip = CONFIG_DEFAULT_HTTP_MAX_PER_IP;
	cfg->bgp.listen_addr = (struct addr){.family = AF_INET};
	cfg->bgp.listen_port = CONFIG_DEFAULT_BGP_PORT;
	cfg->bgp.hold_time_us = CONFIG_DEFAULT_HOLD_US;
	cfg->bgp.message_timeout_us = CONFIG_DEFAULT_MESSAGE_TIMEOUT_US;
	return cfg;
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	free(cfg->file);
	free(cfg->vantage.name);
	free(cfg->store.path);
	free(cfg->http.token);
	free(cfg->http.token_file);
	for (size_t i = 0; i < cfg->bgp.n_peers; i++)
		free(cfg->bgp.peers[i].name);
	free(cfg->bgp.peers);
	free(cfg->bgp.mrt_path);
	free(cfg->bgp.prefixes);
	for (size_t i = 0; i < cfg->n_alerts; i++)
		free_alert(&cfg->alerts[i]);
	free(cfg->alerts);
	for (size_t i = 0; i < cfg->n_entities; i++) {
		free(cfg->entities[i].name);
		free(cfg->entities[i].description);
		free(cfg->entities[i].note);
		free(cfg->entities[i].prefixes);
		free(cfg->entities[i].origin_as);
	}
	free(cfg->entities);
	for (size_t i = 0; i < cfg->n_targets; i++)
		free_target(&cfg->targets[i]);
	free(cfg->targets);
	free(cfg);
}

/* In file order (stable: errors at one spot keep the order they were found). */
static void sort_errors(struct config_errors *errs)
{
	for (size_t i = 1; i < errs->n; i++) {
		struct config_error e = errs->v[i];
		size_t j = i;
		while (j > 0 && (errs->v[j - 1].line > e.line ||
				 (errs->v[j - 1].line == e.line && errs->v[j - 1].col > e.col))) {
			errs->v[j] = errs->v[j - 1];
			j--;
		}
		errs->v[j] = e;
	}
}

static void syntax_error(struct config_errors *errs, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "malformed YAML";
	int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
	if (p->error == YAML_READER_ERROR) {
		errs_add(errs, 0, 0, "YAML: %s at byte %zu", problem, p->problem_offset);
		return;
	}
	if (p->context)
		errs_add(errs, line, col, "YAML syntax error: %s (%s at line %d, column %d)", problem,
			 p->context, (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
	else
		errs_add(errs, line, col, "YAML syntax error: %s", problem);
}

int config_load_mem(const char *name, const char *text, size_t len, struct config **out,
		    struct config_errors *errs)
{
	int rc = ERR_PARSE;
	yaml_parser_t parser;
	bool parser_ok = false, doc_ok = false;
	struct loader ld = {.errs = errs};
	*out = NULL;
	if (!errs->file)
		errs->file = xstrdup(name);
	if (len > CONFIG_MAX_FILE) {
		errs_add(errs, 0, 0, "the config is %zu bytes; at most %u are accepted", len, CONFIG_MAX_FILE);
		return ERR_TOOBIG;
	}
	if (!yaml_parser_initialize(&parser)) {
		errs_add(errs, 0, 0, "cannot start the YAML parser (out of memory)");
		return ERR_NOMEM;
	}
	parser_ok = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &ld.doc)) {
		syntax_error(errs, &parser);
		goto fail;
	}
	doc_ok = true;
	yaml_node_t *root = yaml_document_get_root_node(&ld.doc);
	if (!root) {
		errs_add(errs, 1, 1, "the config is empty: expected a mapping with at least 'entities'");
		goto fail;
	}
	/* a second document is a mistake (a stray ---) */
	yaml_document_t extra;
	if (!yaml_parser_load(&parser, &extra)) {
		syntax_error(errs, &parser);
		goto fail;
	}
	yaml_node_t *extra_root = yaml_document_get_root_node(&extra);
	if (extra_root)
		errs_add(errs, (int)extra.start_mark.line + 1, (int)extra.start_mark.column + 1,
			 "a second YAML document starts here; a config is one document");
	yaml_document_delete(&extra);
	ld.cfg = config_new(name);
	ld.budget = 64 * (size_t)(ld.doc.nodes.top - ld.doc.nodes.start) + 4096;
	load_root(&ld, root);
	sort_errors(errs);
	if (errs->n == 0 && !errs->dropped) {
		*out = ld.cfg;
		ld.cfg = NULL;
		rc = 0;
	}
fail:
	config_free(ld.cfg);
	free(ld.names);
	if (doc_ok)
		yaml_document_delete(&ld.doc);
	if (parser_ok)
		yaml_parser_delete(&parser);
	return rc;
}

int config_load_file(const char *path, struct config **out, struct config_errors *errs)
{
	*out = NULL;
	if (!errs->file)
		errs->file = xstrdup(path);
	FILE *f = fopen(path, "rb");
	if (!f) {
		errs_add(errs, 0, 0, "cannot open: %s", strerror(errno));
		return ERR_IO;
	}
	struct buf b = {0};
	char chunk[65536];
	size_t n;
	int rc = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_append(&b, chunk, n);
		if (b.len > CONFIG_MAX_FILE) {
			errs_add(errs, 0, 0, "the file is larger than %u bytes", CONFIG_MAX_FILE);
			rc = ERR_TOOBIG;
			goto done;
		}
	}
	if (ferror(f)) {
		errs_add(errs, 0, 0, "read error: %s", strerror(errno));
		rc = ERR_IO;
		goto done;
	}
	rc = config_load_mem(path, b.p ? b.p : "", b.len, out, errs);
done:
	fclose(f);
	buf_free(&b);
	return rc;
}

int config_add_router(struct config *cfg, size_t e, const char *name, const struct addr *addr,
		      const char *note)
{
	if (!cfg || e >= cfg->n_entities || !name || !*name || !addr)
		return ERR_INVAL;
	for (size_t i = 0; i < cfg->n_targets; i++) {
		const struct config_target *t = &cfg->targets[i];
		if (!strcmp(t->name, name) || (t->has_addr && addr_cmp(&t->addr, addr) == 0))
			return ERR_EXISTS;
	}
	struct config_entity *ent = &cfg->entities[e];
	size_t at = ent->first_target + ent->n_targets;
	cfg->targets = xreallocarray(cfg->targets, cfg->n_targets + 1, sizeof *cfg->targets);
	memmove(&cfg->targets[at + 1], &cfg->targets[at], (cfg->n_targets - at) * sizeof *cfg->targets);
	cfg->n_targets++;
	struct config_target *t = &cfg->targets[at];
	memset(t, 0, sizeof *t);
	t->name = xstrdup(name);
	t->role = ROLE_ROUTER;
	t->has_addr = true;
	t->addr = *addr;
	t->note = note ? xstrdup(note) : NULL;
	t->entity = e;
	t->probes = xcalloc(1, sizeof *t->probes);
	t->probes[0].kind = PROBE_ICMP;
	t->probes[0].timing = ent->defaults;
	t->n_probes = 1;
	ent->n_targets++;
	for (size_t i = 0; i < cfg->n_entities; i++)
		if (i != e && cfg->entities[i].first_target >= at)
			cfg->entities[i].first_target++;
	return 0;
}

size_t config_count_probes(const struct config *cfg)
{
	size_t n = 0;
	for (size_t i = 0; i < cfg->n_targets; i++)
		n += cfg->targets[i].n_probes;
	return n;
}
