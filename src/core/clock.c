#include "core/clock.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t clock_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

int64_t clock_wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

char *clock_format_iso(int64_t wall_us, int millis, char *buf, size_t n)
{
	int64_t sec = wall_us / USEC_PER_SEC, us = wall_us % USEC_PER_SEC;
	if (us < 0) {
		us += USEC_PER_SEC;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	gmtime_r(&t, &tm);
	if (millis)
		snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us / 1000));
	else
		snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return ERR_PARSE;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int clock_parse_iso(const char *s, int64_t *wall_us)
{
	if (!s)
		return ERR_PARSE;
	if (s[0] == '@') {
		char *end;
		double v = strtod(s + 1, &end);
		if (end == s + 1 || *end)
			return ERR_PARSE;
		*wall_us = (int64_t)(v * 1e6);
		return 0;
	}
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	int64_t frac_us = 0;
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d))
		return ERR_PARSE;
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return ERR_PARSE;
	int64_t off_s = 0;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return ERR_PARSE;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				return ERR_PARSE;
			if (*p == '.' || *p == ',') {
				p++;
				int64_t scale = 100000;
				if (!isdigit((unsigned char)*p))
					return ERR_PARSE;
				while (isdigit((unsigned char)*p)) {
					frac_us += (*p - '0') * scale;
					scale /= 10;
					p++;
				}
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return ERR_PARSE;
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1, oh, om;
			p++;
			if (digits(&p, 2, &oh))
				return ERR_PARSE;
			if (*p == ':')
				p++;
			if (digits(&p, 2, &om))
				return ERR_PARSE;
			off_s = sign * (oh * 3600 + om * 60);
		}
	}
	if (*p)
		return ERR_PARSE;
	int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off_s;
	*wall_us = t * USEC_PER_SEC + frac_us;
	return 0;
}
