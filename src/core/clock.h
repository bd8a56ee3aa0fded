/*
 * clock.h - time as blackout counts it.
 *
 * Two clocks, both in microseconds since an epoch, as int64_t:
 *   - monotonic: for timeouts, rates and durations (never jumps);
 *   - wall (UTC, Unix epoch): for what is stored and shown to people.
 * Pure code (parsers, the detector) never reads a clock: it is given the time.
 * People see ISO 8601 UTC ("2022-01-14T21:05:00Z"); the same form is parsed back.
 */
#ifndef BLACKOUT_CORE_CLOCK_H
#define BLACKOUT_CORE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define USEC_PER_SEC INT64_C(1000000)
#define USEC_PER_MSEC INT64_C(1000)

int64_t clock_mono_us(void);
int64_t clock_wall_us(void);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" (with ".mmm" before the Z when millis is set)
 * into buf (at least 32 bytes). Returns buf. */
char *clock_format_iso(int64_t wall_us, int millis, char *buf, size_t n);

/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.frac]][Z|+HH:MM|-HH:MM]"
 * (a space may stand for the T) or "@SECONDS" (Unix time). Returns 0 or ERR_PARSE. */
int clock_parse_iso(const char *s, int64_t *wall_us) MUSTCHECK;

#endif
