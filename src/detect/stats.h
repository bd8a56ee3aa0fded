/*
 * stats.h - the few robust statistics the detector needs: median, median absolute
 * deviation (MAD), quantiles, and a fixed ring of recent values for baselines.
 *
 * Everything is O(n log n) over small n (a ring holds at most DETECT_BASE_BINS
 * values); nothing allocates. NAN means "no data" everywhere.
 */
#ifndef BLACKOUT_DETECT_STATS_H
#define BLACKOUT_DETECT_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "detect/detect.h"

/* The q-quantile (0..1, linear interpolation) of v[0..n); sorts v in place. */
float detect_quantile(float *v, size_t n, double q);
/* Median and MAD of v[0..n) (v is left untouched); NAN when n == 0. */
float detect_median_mad(const float *v, size_t n, float *mad);

/* The last DETECT_BASE_BINS values pushed. An all-zero ring is empty. */
struct detect_ring {
	float v[DETECT_BASE_BINS];
	uint16_t n, pos;
};
void detect_ring_push(struct detect_ring *r, float x); /* NAN is ignored */
/* Mean of the ring (NAN if empty). */
float detect_ring_mean(const struct detect_ring *r);
/* P(X >= k) for X ~ Binomial(n, p). */
double detect_binomial_tail(unsigned k, unsigned n, double p);
/* Median of the ring (NAN if empty); *mad gets the MAD when mad != NULL. */
float detect_ring_median(const struct detect_ring *r, float *mad);

#endif
