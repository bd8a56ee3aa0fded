/*
 * query.c - see query.h. Messages quote what the client sent, cut to a few
 * dozen bytes; the API puts them into JSON with json_str(), which escapes them.
 */
#include "serve/query.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"

#define MAX_UNIX_S INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int query_unescape(const char *s, size_t n, bool plus_is_space, char *out, size_t outlen)
{
	size_t o = 0;
	if (outlen == 0)
		return ERR_TOOBIG;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			if (n - i < 3)
				return ERR_PARSE;
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return ERR_PARSE;
			c = (char)(hi * 16 + lo);
			i += 2;
			if (c == '\0')
				return ERR_PARSE;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		} else if (c == '\0') {
			return ERR_PARSE;
		}
		if (o + 1 >= outlen)
			return ERR_TOOBIG;
		out[o++] = c;
	}
	out[o] = '\0';
	return (int)o;
}

/* Unix seconds: digits, an optional fraction of up to 6 digits. */
static int parse_unix(const char *s, int64_t *wall_us)
{
	int64_t sec = 0, frac = 0, scale = 100000;
	const char *p = s;
	if (!isdigit((unsigned char)*p))
		return ERR_PARSE;
	for (; isdigit((unsigned char)*p); p++) {
		sec = sec * 10 + (*p - '0');
		if (sec > MAX_UNIX_S)
			return ERR_PARSE;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return ERR_PARSE;
		for (; isdigit((unsigned char)*p); p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p)
		return ERR_PARSE;
	*wall_us = sec * USEC_PER_SEC + frac;
	return 0;
}

int query_parse_time(const char *s, int64_t *wall_us)
{
	if (s[0] == '@')
		return parse_unix(s + 1, wall_us);
	/* ISO 8601 starts with YYYY-; anything else must be Unix seconds. */
	size_t len = strlen(s);
	if (len >= 5 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	    isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]) && s[4] == '-') {
		int64_t t;
		if (clock_parse_iso(s, &t) != 0 || s[0] < '1' || (s[0] == '1' && s[1] < '9') ||
		    (s[0] == '1' && s[1] == '9' && s[2] < '7'))
			return ERR_PARSE;
		if (t < 0)
			return ERR_PARSE;
		*wall_us = t;
		return 0;
	}
	return parse_unix(s, wall_us);
}

/* Quotes at most 40 bytes of s into q for a message. */
static const char *quote(const char *s, char *q, size_t n)
{
	size_t l = strlen(s);
	if (l > 40)
		snprintf(q, n, "'%.40s...'", s);
	else
		snprintf(q, n, "'%s'", s);
	return q;
}

static void list_names(const struct query_param *spec, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && o < outlen; i++) {
		int w = snprintf(out + o, outlen - o, "%s%s", i ? ", " : "", spec[i].name);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	if (n == 0)
		snprintf(out, outlen, "none");
}

static int parse_value(const struct query_param *p, const char *v, struct query_value *out,
		       char *err, size_t errlen)
{
	char q[64];
	if (v[0] == '\0') {
		snprintf(err, errlen, "parameter '%s' is empty", p->name);
		return ERR_PARSE;
	}
	switch (p->type) {
	case QUERY_TIME:
		if (query_parse_time(v, &out->time_us) != 0) {
			snprintf(err, errlen,
				 "parameter '%s': expected a time, ISO 8601 UTC like "
				 "2022-01-14T21:05:00Z or Unix seconds like 1642194300, got %s",
				 p->name, quote(v, q, sizeof q));
			return ERR_PARSE;
		}
		break;
	case QUERY_UINT: {
		uint64_t u = 0;
		const char *s = v;
		bool big = false;
		for (; isdigit((unsigned char)*s); s++) {
			if (u > (UINT64_MAX - 9) / 10)
				big = true;
			else
				u = u * 10 + (uint64_t)(*s - '0');
		}
		if (*s || s == v) {
			snprintf(err, errlen,
				 "parameter '%s': expected a whole number from %llu to %llu, got %s",
				 p->name, (unsigned long long)p->min, (unsigned long long)p->max,
				 quote(v, q, sizeof q));
			return ERR_PARSE;
		}
		if (big || u < p->min || u > p->max) {
			snprintf(err, errlen, "parameter '%s': %s is out of range, expected %llu to %llu",
				 p->name, quote(v, q, sizeof q), (unsigned long long)p->min,
				 (unsigned long long)p->max);
			return ERR_RANGE;
		}
		out->u = u;
		break;
	}
	case QUERY_STRING:
		/* already decoded into a buffer of QUERY_STR_MAX */
		snprintf(out->str, sizeof out->str, "%s", v);
		break;
	}
	out->set = true;
	return 0;
}

int query_parse(const char *raw, size_t len, const struct query_param *spec, size_t n,
		struct query_value *out, char *err, size_t errlen)
{
	char dummy[1];
	if (errlen == 0) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	if (n)
		memset(out, 0, n * sizeof *out);
	size_t pairs = 0;
	size_t i = 0;
	while (i < len) {
		size_t start = i, eq = (size_t)-1;
		while (i < len && raw[i] != '&') {
			if (raw[i] == '=' && eq == (size_t)-1)
				eq = i;
			i++;
		}
		size_t end = i;
		i++; /* skip '&' */
		if (end == start)
			continue; /* "a=1&&b=2" and a trailing '&' are harmless */
		if (++pairs > QUERY_MAX_PAIRS) {
			snprintf(err, errlen, "too many query parameters (more than %d)", QUERY_MAX_PAIRS);
			return ERR_TOOBIG;
		}
		size_t klen = (eq == (size_t)-1 ? end : eq) - start;
		char key[64], val[QUERY_STR_MAX], q[64];
		int r = query_unescape(raw + start, klen, true, key, sizeof key);
		if (r < 0) {
			snprintf(err, errlen, "query parameter name at byte %zu: %s", start,
				 r == ERR_TOOBIG ? "too long" : "bad percent escape");
			return r;
		}
		const struct query_param *p = NULL;
		size_t k;
		for (k = 0; k < n; k++)
			if (!strcmp(spec[k].name, key)) {
				p = &spec[k];
				break;
			}
		if (!p) {
			char names[256];
			list_names(spec, n, names, sizeof names);
			snprintf(err, errlen, "unknown parameter %s (this endpoint takes: %s)",
				 quote(key, q, sizeof q), names);
			return ERR_PARSE;
		}
		if (out[k].set) {
			snprintf(err, errlen, "parameter '%s' is given more than once", p->name);
			return ERR_PARSE;
		}
		if (eq == (size_t)-1) {
			snprintf(err, errlen, "parameter '%s' has no value (expected %s=VALUE)", p->name,
				 p->name);
			return ERR_PARSE;
		}
		r = query_unescape(raw + eq + 1, end - eq - 1, true, val, sizeof val);
		if (r < 0) {
			if (r == ERR_TOOBIG)
				snprintf(err, errlen, "parameter '%s' is longer than %d bytes", p->name,
					 QUERY_STR_MAX - 1);
			else
				snprintf(err, errlen,
					 "parameter '%s': bad percent escape (expected %%XX with two hex "
					 "digits, not %%00)",
					 p->name);
			return r;
		}
		r = parse_value(p, val, &out[k], err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}
