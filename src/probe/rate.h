/*
 * rate.h - a token bucket: the global packets-per-second budget of the probe
 * engine. Pure: the caller passes the monotonic time in microseconds.
 *
 * Tokens accrue at `pps` per second up to `burst`; each packet takes one.
 * Arithmetic is in integer micro-tokens (token x 10^6), so there is no drift
 * and no float on the hot path. pps == 0 means "no limit": take() grants all.
 * Invariant: 0 <= micro <= burst x 10^6.
 */
#ifndef BLACKOUT_PROBE_RATE_H
#define BLACKOUT_PROBE_RATE_H

#include <stdint.h>

struct rate_gate {
	uint32_t pps;   /* 0: unlimited */
	uint32_t burst; /* most tokens that can pile up */
	int64_t micro;  /* tokens x 10^6 */
	int64_t last_us;
};

/* Starts full (a first burst may go at once). burst 0 picks a default:
 * pps / 100 (10 ms worth, at least 1): the loop's timers tick in
 * milliseconds, so a bucket smaller than one tick's worth would cap the rate. */
void rate_gate_init(struct rate_gate *g, uint32_t pps, uint32_t burst, int64_t now_us);
/* Tokens available now (UINT32_MAX when unlimited). */
uint32_t rate_gate_avail(struct rate_gate *g, int64_t now_us);
/* Takes n tokens (n <= what avail() just said). */
void rate_gate_take(struct rate_gate *g, uint32_t n);
/* Microseconds from now until n tokens are there (0 if they are). */
int64_t rate_gate_wait_us(const struct rate_gate *g, int64_t now_us, uint32_t n);

#endif
