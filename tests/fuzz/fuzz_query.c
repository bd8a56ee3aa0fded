/*
 * fuzz_query.c - the API's query-string parser (serve/query.h) on any bytes.
 *
 * The input is split at the first newline: before it, a query string parsed
 * against a table of every parameter type; after it, a path segment to
 * percent-decode and a time to parse. Checks the invariants: on success
 * every value is within its bounds and strings are NUL-terminated; on
 * failure the message is non-empty and names a parameter or a byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/query.h"

static const struct query_param SPEC[] = {
	{"from", QUERY_TIME, 0, 0},
	{"until", QUERY_TIME, 0, 0},
	{"maxPoints", QUERY_UINT, 1, 10000},
	{"limit", QUERY_UINT, 0, UINT64_MAX},
	{"entity", QUERY_STRING, 0, 0},
};
#define N (sizeof SPEC / sizeof SPEC[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t qlen = nl ? (size_t)(nl - data) : size;
	struct query_value v[N];
	char err[512];
	int rc = query_parse(s, qlen, SPEC, N, v, err, sizeof err);
	if (rc == 0) {
		if (v[2].set && (v[2].u < 1 || v[2].u > 10000))
			abort();
		if (v[4].set && strnlen(v[4].str, QUERY_STR_MAX) >= QUERY_STR_MAX)
			abort();
		for (size_t i = 0; i < 2; i++)
			if (v[i].set && v[i].time_us < 0)
				abort();
	} else if (!err[0] || rc > 0) {
		abort();
	}
	if (nl) {
		char out[64];
		size_t rest = size - qlen - 1;
		int n = query_unescape(s + qlen + 1, rest, false, out, sizeof out);
		if (n >= 0 && ((size_t)n >= sizeof out || strlen(out) != (size_t)n))
			abort();
		char *t = malloc(rest + 1);
		memcpy(t, s + qlen + 1, rest);
		t[rest] = '\0';
		int64_t us;
		if (query_parse_time(t, &us) == 0 && us < 0)
			abort();
		free(t);
	}
	return 0;
}
