/*
 * block.h - a Bayesian belief that an address block (a /24) is reachable, from a
 * few probes per round, as Trinocular does (Quan, Heidemann, Pradkin, SIGCOMM 2013).
 *
 * A block has ever-responsive addresses (found by an earlier scan); in a healthy
 * round a share A of them answers (the block's availability). An answer proves the
 * block is up; silence is weak evidence that it is down, weaker the lower A is:
 *
 *   P(answer | up) = A          P(answer | down) = DETECT_BLOCK_SPOOF (~0)
 *   belief' = P(r | up) belief / (P(r | up) belief + P(r | down) (1 - belief))
 *
 * The block is UP when the belief is at least DETECT_BLOCK_UP, DOWN when at most
 * DETECT_BLOCK_DOWN, and uncertain in between: then the scheduler should probe more
 * addresses of it in the same round (detect_block_probes_needed), so a /24 is watched
 * with one probe per round while nothing changes and a handful when something does.
 * A is learned from the rounds the block was up (an exponential average).
 *
 * A dead block is settled within the round when A >= 0.4 (at most 15 probes); at
 * A = 0.2 it takes 3 rounds (31 silences).
 *
 * Pure and tiny: a struct detect_block is a plain value owned by the caller; an
 * all-zero one is invalid, start it with detect_block_init. The result of a block
 * can be fed to the detector as an observation of a ROLE_HOST target (OUTCOME_OK
 * while UP, OUTCOME_TIMEOUT while DOWN), one per round.
 */
#ifndef BLACKOUT_DETECT_BLOCK_H
#define BLACKOUT_DETECT_BLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Beliefs that settle the state (Trinocular's thresholds). */
#define DETECT_BLOCK_UP 0.9
#define DETECT_BLOCK_DOWN 0.1
/* A live block looks dead when a run of silences brings the belief from its ceiling
 * down to DETECT_BLOCK_DOWN; the ceiling is set so that this happens by chance at most
 * DETECT_BLOCK_FALSE times per round, whatever A is (the run must have probability
 * <= DETECT_BLOCK_FALSE, so it must divide the odds by 1/DETECT_BLOCK_FALSE). The
 * budget is loose because a block's state is one observation per round for the
 * detector, whose k-of-n confirmation (k >= 2) makes the outage call. */
#define DETECT_BLOCK_FALSE 1e-3
/* An answer from a down block: a spoofed or misdirected reply. */
#define DETECT_BLOCK_SPOOF 0.001
/* Probes per block and round at most (Trinocular: 15). */
#define DETECT_BLOCK_MAX_PROBES 15
/* Availability below this makes silence nearly meaningless: not watchable this way. */
#define DETECT_BLOCK_MIN_AVAIL 0.1
/* The availability estimate averages over about this many probes of an up block. */
#define DETECT_BLOCK_AVAIL_MEMORY 200.0

struct detect_block {
	double belief;  /* P(up) */
	double avail;   /* A: share of ever-responsive addresses answering when up */
	uint8_t state;  /* enum detect_tstate: UNKNOWN, UP or DOWN */
	int64_t since;  /* time of the probe that settled the state */
	unsigned probes; /* probes fed since the last detect_block_round */
	bool last_answered; /* the last probe of this round answered */
};

/* avail: the availability measured by the scan that found the addresses (0..1). */
void detect_block_init(struct detect_block *b, double avail);
/* Starts a new round: forgets the count of this round's probes. */
void detect_block_round(struct detect_block *b);
/* One probe of an ever-responsive address at time t. Returns true when the state
 * changed (to UP or DOWN). */
bool detect_block_update(struct detect_block *b, bool answered, int64_t t);
/* More probes to send this round (to other ever-responsive addresses of the block):
 * 1 at the start of a round; after a silence, while the block is not settled down,
 * as many as it takes silences to settle it down (an answer settles it up and ends
 * the round's probing): so a dead block is found within the round, and a live one
 * costs 1/A probes on average. A block settled down gets up to 1/A probes a round,
 * what a live one costs, to see its recovery. At most DETECT_BLOCK_MAX_PROBES. */
int detect_block_probes_needed(const struct detect_block *b);

#endif
