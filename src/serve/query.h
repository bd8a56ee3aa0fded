/*
 * query.h - the HTTP API's query-string and path-segment parser (pure code).
 *
 * The API takes a few typed parameters per endpoint (times, bounded counts,
 * short strings). query_parse() reads a raw query string exactly as it came on
 * the wire ("from=2022-01-14T21%3A00%3A00Z&maxPoints=500"), percent-decodes it,
 * checks every pair against the endpoint's table of parameters and fills one
 * struct query_value per table entry. Anything else is refused with a message
 * that names the parameter and says what was expected, which the API sends back
 * with status 400:
 *   - an unknown parameter, a parameter given twice, an empty value;
 *   - a bad percent escape, an encoded NUL, a value longer than QUERY_STR_MAX-1;
 *   - a time that is neither ISO 8601 ("2022-01-14T21:05:00Z", offsets allowed,
 *     converted to UTC) nor Unix seconds ("1642194300", "1642194300.5");
 *   - a count outside the parameter's [min, max].
 * No allocation, no I/O: the input is bytes (not necessarily NUL-terminated),
 * the output lives in the caller's array.
 */
#ifndef BLACKOUT_SERVE_QUERY_H
#define BLACKOUT_SERVE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define QUERY_STR_MAX 256 /* longest string value + 1 */
#define QUERY_MAX_PAIRS 32 /* more pairs than this is an error (no endpoint takes so many) */

enum query_type {
	QUERY_TIME,   /* ISO 8601 or Unix seconds -> time_us (wall clock, UTC) */
	QUERY_UINT,   /* decimal digits in [min, max] -> u */
	QUERY_STRING, /* any bytes but NUL, decoded -> str */
};

struct query_param {
	const char *name; /* borrowed, static: the parameter's name, case-sensitive */
	enum query_type type;
	uint64_t min, max; /* QUERY_UINT bounds, inclusive */
};

struct query_value {
	bool set;        /* false when the parameter was absent (the fields are then 0) */
	int64_t time_us; /* QUERY_TIME */
	uint64_t u;      /* QUERY_UINT */
	char str[QUERY_STR_MAX]; /* QUERY_STRING, NUL-terminated */
};

/* Parses raw[0..len) ('?' not included) against spec[0..n); out[i] answers
 * spec[i]. Returns 0, or ERR_PARSE / ERR_RANGE / ERR_TOOBIG with a message in
 * err (always NUL-terminated when errlen > 0). out is cleared first. */
int query_parse(const char *raw, size_t len, const struct query_param *spec, size_t n,
		struct query_value *out, char *err, size_t errlen) MUSTCHECK;

/* Percent-decodes s[0..n) into out (outlen bytes, NUL-terminated); '+' becomes
 * a space when plus_is_space (query strings) and stays '+' otherwise (paths).
 * Returns the decoded length, ERR_PARSE for a bad escape or an encoded NUL,
 * ERR_TOOBIG when out is too small. */
int query_unescape(const char *s, size_t n, bool plus_is_space, char *out, size_t outlen) MUSTCHECK;

/* A time as the API accepts it: Unix seconds (digits, optional fraction, an
 * optional leading '@') or ISO 8601 (core/clock.h). Years 1970..9999 only.
 * Returns 0 or ERR_PARSE. */
int query_parse_time(const char *s, int64_t *wall_us) MUSTCHECK;

#endif
