/*
 * chan.h - one probe channel (a target x a probe kind): the confirmation state
 * machine of detect.h, the measured noise that sets k, the RTT baseline and the
 * recent confirmed transitions (for flapping).
 *
 * A channel is a plain value owned by its target; an all-zero channel is a new
 * one (TSTATE_UNKNOWN). Observations must be fed in time order.
 *
 * Window: the last DETECT_WINDOW_N counted observations while the channel is not
 * confirmed down. An observation leaving the window while the channel is UP or
 * SUSPECT was noise (the channel never confirmed a failure on it): it goes into the
 * noise estimate q. Only isolated failures (no other failure in the window) count
 * as failures, and q is solved from their rate r = q (1-q)^(N-1), which is what
 * independent loss gives: unbiased for random loss, while the long runs of a
 * flapping target do not teach k to ignore it. Failures that confirmed a DOWN are
 * never noise, so a first failure does not raise k for its own confirmation.
 */
#ifndef BLACKOUT_DETECT_CHAN_H
#define BLACKOUT_DETECT_CHAN_H

#include <stdbool.h>
#include <stdint.h>

#include "detect/detect.h"

struct detect_chan {
	uint8_t state;       /* enum detect_tstate */
	uint8_t nwin;        /* entries in the window, oldest first */
	uint8_t run;         /* successes in a row while RECOVERING */
	uint8_t last_class;  /* enum detect_oclass of the last counted observation */
	bool used;           /* has seen at least one counted observation */
	bool ever_up;
	bool win_fail[DETECT_WINDOW_N];
	int64_t win_time[DETECT_WINDOW_N];
	int64_t since;       /* start of the current state (backdated) */
	int64_t run_start;   /* first success of the current recovery run */
	int64_t last;        /* time of the last counted observation */
	double noise_n, noise_f; /* decayed counts of healthy observations and isolated failures */
	float prior;         /* prior failure rate; 0 means DETECT_NOISE_PRIOR */
	float rtt[DETECT_RTT_RING];
	float rtt_med;       /* median of rtt[], kept by detect_chan_rtt_push */
	uint8_t rtt_n, rtt_pos;
	uint8_t ntrans, trans_pos;
	int64_t trans[DETECT_FLAP_TRANSITIONS]; /* times of the last confirmed transitions */
};

/* Feeds one observation of class oclass (enum detect_oclass) at time t.
 * Returns true when the state changed (any state, SUSPECT included). */
bool detect_chan_feed(struct detect_chan *c, int oclass, int64_t t);
/* The measured failure rate while healthy (with the prior). */
double detect_chan_noise(const struct detect_chan *c);
/* Failures among the last N that confirm a failure, for failure rate q. */
int detect_chan_k_for(double q);
int detect_chan_k(const struct detect_chan *c);
/* Adds an RTT to the channel's baseline ring (only answers while healthy). */
void detect_chan_rtt_push(struct detect_chan *c, float rtt_ms);
/* Median of the ring, NAN until DETECT_RTT_MIN answers. */
float detect_chan_rtt_base(const struct detect_chan *c);
/* At least DETECT_FLAP_TRANSITIONS confirmed transitions since t. */
bool detect_chan_flapping(const struct detect_chan *c, int64_t since_us);

#endif
