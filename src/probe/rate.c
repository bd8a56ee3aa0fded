#include "probe/rate.h"

#define MICRO INT64_C(1000000)

void rate_gate_init(struct rate_gate *g, uint32_t pps, uint32_t burst, int64_t now_us)
{
	if (!burst) {
		burst = pps / 100;
		if (burst < 1)
			burst = 1;
	}
	g->pps = pps;
	g->burst = burst;
	g->micro = (int64_t)burst * MICRO;
	g->last_us = now_us;
}

static void refill(struct rate_gate *g, int64_t now_us)
{
	int64_t cap = (int64_t)g->burst * MICRO;
	int64_t dt = now_us - g->last_us;
	g->last_us = now_us;
	if (dt <= 0)
		return;
	/* dt large enough to fill the bucket: no need to multiply (no overflow) */
	if (dt >= cap / g->pps + 1 || (g->micro += dt * g->pps) > cap)
		g->micro = cap;
}

uint32_t rate_gate_avail(struct rate_gate *g, int64_t now_us)
{
	if (!g->pps)
		return UINT32_MAX;
	refill(g, now_us);
	return (uint32_t)(g->micro / MICRO);
}

void rate_gate_take(struct rate_gate *g, uint32_t n)
{
	if (!g->pps)
		return;
	g->micro -= (int64_t)n * MICRO;
	if (g->micro < 0)
		g->micro = 0;
}

int64_t rate_gate_wait_us(const struct rate_gate *g, int64_t now_us, uint32_t n)
{
	if (!g->pps)
		return 0;
	if (n > g->burst)
		n = g->burst;
	int64_t have = g->micro;
	int64_t dt = now_us - g->last_us;
	if (dt >= (int64_t)n * MICRO / g->pps + 1)
		return 0; /* enough time has passed (and no overflow below) */
	if (dt > 0)
		have += dt * g->pps;
	int64_t need = (int64_t)n * MICRO - have;
	if (need <= 0)
		return 0;
	return (need + g->pps - 1) / g->pps;
}
