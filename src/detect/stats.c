#include "detect/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

float detect_quantile(float *v, size_t n, double q)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof *v, cmp_float);
	if (q <= 0)
		return v[0];
	if (q >= 1)
		return v[n - 1];
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;
	double frac = pos - (double)i;
	if (i + 1 >= n)
		return v[n - 1];
	return (float)(v[i] + frac * (v[i + 1] - v[i]));
}

float detect_median_mad(const float *v, size_t n, float *mad)
{
	float tmp[DETECT_BASE_BINS > DETECT_RTT_RING ? DETECT_BASE_BINS : DETECT_RTT_RING];
	if (n == 0 || n > sizeof tmp / sizeof tmp[0]) {
		if (mad)
			*mad = NAN;
		return NAN;
	}
	memcpy(tmp, v, n * sizeof *v);
	float med = detect_quantile(tmp, n, 0.5);
	if (mad) {
		for (size_t i = 0; i < n; i++)
			tmp[i] = fabsf(v[i] - med);
		*mad = detect_quantile(tmp, n, 0.5);
	}
	return med;
}

void detect_ring_push(struct detect_ring *r, float x)
{
	if (isnan(x))
		return;
	r->v[r->pos] = x;
	r->pos = (uint16_t)((r->pos + 1) % DETECT_BASE_BINS);
	if (r->n < DETECT_BASE_BINS)
		r->n++;
}

float detect_ring_median(const struct detect_ring *r, float *mad)
{
	/* the ring's order does not matter for median and MAD */
	return detect_median_mad(r->v, r->n, mad);
}

float detect_ring_mean(const struct detect_ring *r)
{
	if (!r->n)
		return NAN;
	double sum = 0;
	for (unsigned i = 0; i < r->n; i++)
		sum += r->v[i];
	return (float)(sum / r->n);
}

double detect_binomial_tail(unsigned k, unsigned n, double p)
{
	if (k == 0)
		return 1;
	if (k > n)
		return 0;
	if (p <= 0)
		return 0;
	if (p >= 1)
		return 1;
	/* the first term in logs, the others by the pmf recurrence; the terms fall
	 * geometrically beyond the mean, so stop when they no longer add anything */
	double lp = log(p), lq = log1p(-p), ratio = p / (1 - p);
	double term = exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) + k * lp + (n - k) * lq);
	double tail = 0;
	for (unsigned i = k; i <= n; i++) {
		tail += term;
		if (term < tail * 1e-17 && i > n * p)
			break;
		term *= (double)(n - i) / (double)(i + 1) * ratio;
	}
	return tail > 1 ? 1 : tail;
}
