#include "detect/chan.h"

#include <math.h>
#include <string.h>

#include "detect/stats.h"

/* Every healthy observation leaving the window counts; a failure counts as such
 * only when it was isolated (no other failure in its window). */
static void noise_add(struct detect_chan *c, bool isolated_failure)
{
	const double keep = 1.0 - 1.0 / DETECT_NOISE_MEMORY;
	c->noise_n = c->noise_n * keep + 1.0;
	c->noise_f = c->noise_f * keep + (isolated_failure ? 1.0 : 0.0);
}

static double ipow(double x, int n)
{
	double r = 1;
	while (n-- > 0)
		r *= x;
	return r;
}

/* Under independent loss q, a failure is isolated among the N-1 observations after it
 * with probability (1-q)^(N-1): the isolated rate is r = q (1-q)^(N-1). */
static double isolated_rate(double q)
{
	return q * ipow(1 - q, DETECT_WINDOW_N - 1);
}

double detect_chan_noise(const struct detect_chan *c)
{
	/* the prior is worth 1/q0 observations: the time a target needs to show one
	 * failure at the prior rate, before which its own silence says little */
	double q0 = c->prior > 0 ? c->prior : DETECT_NOISE_PRIOR;
	double w = 1.0 / q0;
	if (w < 10)
		w = 10;
	if (w > DETECT_NOISE_MEMORY)
		w = DETECT_NOISE_MEMORY;
	double r = (c->noise_f + isolated_rate(q0) * w) / (c->noise_n + w);
	/* invert r = q (1-q)^(N-1) on the branch q < 1/N (fixed point); beyond its maximum
	 * the loss is far above what k can budget for anyway */
	if (r >= isolated_rate(1.0 / DETECT_WINDOW_N))
		return 1.0 / DETECT_WINDOW_N;
	double q = r;
	for (int i = 0; i < 100; i++) {
		double next = r / ipow(1 - q, DETECT_WINDOW_N - 1);
		bool done = fabs(next - q) <= 1e-12 * next;
		q = next;
		if (done)
			break;
	}
	return q;
}

static double binomial(int n, int k)
{
	double r = 1;
	for (int i = 1; i <= k; i++)
		r = r * (n - k + i) / i;
	return r;
}

int detect_chan_k_for(double q)
{
	/* A healthy channel confirms falsely when an observation fails and k-1 of the
	 * N-1 before it failed too: about C(N-1,k-1) q^k per round. */
	for (int k = DETECT_K_MIN; k < DETECT_WINDOW_N; k++)
		if (binomial(DETECT_WINDOW_N - 1, k - 1) * ipow(q, k) <= DETECT_FALSE_DOWN)
			return k;
	return DETECT_WINDOW_N;
}

int detect_chan_k(const struct detect_chan *c)
{
	return detect_chan_k_for(detect_chan_noise(c));
}

static void transition(struct detect_chan *c, int state, int64_t since)
{
	c->state = (uint8_t)state;
	c->since = since;
	c->trans[c->trans_pos] = since;
	c->trans_pos = (uint8_t)((c->trans_pos + 1) % DETECT_FLAP_TRANSITIONS);
	if (c->ntrans < DETECT_FLAP_TRANSITIONS)
		c->ntrans++;
}

/* Pushes an observation into the window; the one leaving it was noise if healthy. */
static void window_push(struct detect_chan *c, bool failed, int64_t t)
{
	if (c->nwin == DETECT_WINDOW_N) {
		/* A failure with another failure in its window was part of a burst: the
		 * estimate counts only isolated failures and corrects for the ones that
		 * independent loss would also put in bursts, so a flapping target (long
		 * runs of failures) does not teach k to ignore it. */
		int fails = 0;
		for (int i = 0; i < c->nwin; i++)
			fails += c->win_fail[i];
		bool isolated = c->win_fail[0] && fails == 1;
		if (c->ever_up && (c->state == TSTATE_UP || c->state == TSTATE_SUSPECT))
			noise_add(c, isolated);
		memmove(c->win_fail, c->win_fail + 1, (DETECT_WINDOW_N - 1) * sizeof c->win_fail[0]);
		memmove(c->win_time, c->win_time + 1, (DETECT_WINDOW_N - 1) * sizeof c->win_time[0]);
		c->nwin--;
	}
	c->win_fail[c->nwin] = failed;
	c->win_time[c->nwin] = t;
	c->nwin++;
}

static void window_clear(struct detect_chan *c, bool successes_are_noise)
{
	if (successes_are_noise && c->ever_up)
		for (int i = 0; i < c->nwin; i++)
			if (!c->win_fail[i])
				noise_add(c, false);
	c->nwin = 0;
}

bool detect_chan_feed(struct detect_chan *c, int oclass, int64_t t)
{
	if (oclass == OCLASS_NONE || oclass < 0 || oclass >= OCLASS__COUNT)
		return false;
	int before = c->state;
	bool failed = oclass != OCLASS_UP;
	c->used = true;
	c->last = t;
	c->last_class = (uint8_t)oclass;

	switch ((enum detect_tstate)c->state) {
	case TSTATE_UNKNOWN:
	case TSTATE_UP:
	case TSTATE_SUSPECT: {
		int k = detect_chan_k(c); /* before this observation changes anything */
		window_push(c, failed, t);
		if (!failed) {
			if (c->state == TSTATE_UNKNOWN) {
				c->ever_up = true;
				transition(c, TSTATE_UP, t);
			} else {
				c->state = TSTATE_UP;
			}
			break;
		}
		int fails = 0;
		int64_t first = t;
		for (int i = 0; i < c->nwin; i++)
			if (c->win_fail[i]) {
				if (!fails)
					first = c->win_time[i];
				fails++;
			}
		if (fails >= k) {
			window_clear(c, true);
			transition(c, TSTATE_DOWN, first);
		} else if (c->state == TSTATE_UP) {
			c->state = TSTATE_SUSPECT;
		}
		break;
	}
	case TSTATE_DOWN:
		if (!failed) {
			c->state = TSTATE_RECOVERING;
			c->run = 1;
			c->run_start = t;
		}
		break;
	case TSTATE_RECOVERING:
		if (failed) {
			c->state = TSTATE_DOWN;
			c->run = 0;
		} else if (++c->run >= DETECT_UP_RUN) {
			c->ever_up = true;
			c->run = 0;
			window_clear(c, false);
			transition(c, TSTATE_UP, c->run_start);
		}
		break;
	case TSTATE__COUNT:
		break;
	}
	return c->state != before;
}

void detect_chan_rtt_push(struct detect_chan *c, float rtt_ms)
{
	if (!(rtt_ms >= 0) || isinf(rtt_ms))
		return;
	c->rtt[c->rtt_pos] = rtt_ms;
	c->rtt_pos = (uint8_t)((c->rtt_pos + 1) % DETECT_RTT_RING);
	if (c->rtt_n < DETECT_RTT_RING)
		c->rtt_n++;
	c->rtt_med = c->rtt_n >= DETECT_RTT_MIN ? detect_median_mad(c->rtt, c->rtt_n, NULL) : NAN;
}

float detect_chan_rtt_base(const struct detect_chan *c)
{
	return c->rtt_n >= DETECT_RTT_MIN ? c->rtt_med : NAN;
}

bool detect_chan_flapping(const struct detect_chan *c, int64_t since_us)
{
	if (c->ntrans < DETECT_FLAP_TRANSITIONS)
		return false;
	for (int i = 0; i < DETECT_FLAP_TRANSITIONS; i++)
		if (c->trans[i] < since_us)
			return false;
	return true;
}
