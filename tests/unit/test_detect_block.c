/*
 * Unit tests for src/detect/block.c: the Trinocular-style belief that an address
 * block is up, driven round by round as a scheduler would (probe while more probes
 * are needed), against blocks of several availabilities that go down and come back.
 */
#include <stdlib.h>

#include "core/clock.h"
#include "detect/block.h"
#include "detect/detect.h"
#include "test.h"

#define R (60 * USEC_PER_SEC)

static uint64_t rng = 99;
static double unit(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

struct block_run {
	int false_down;    /* DOWN transitions while the block was up */
	int detect_rounds; /* rounds from the cut to DOWN */
	int recover_rounds; /* rounds from the repair to UP */
	double probes_up;  /* mean probes per round while up (after the first rounds) */
	int max_probes;    /* most probes in one round */
};

/* up for 1000 rounds, down for 20, up for 20 */
static struct block_run drive(double avail)
{
	struct block_run o = {0, -1, -1, 0, 0};
	struct detect_block b;
	detect_block_init(&b, avail);
	long up_probes = 0, up_rounds = 0;
	for (int r = 0; r < 1040; r++) {
		bool up = r < 1000 || r >= 1020;
		detect_block_round(&b);
		int n = 0;
		while (detect_block_probes_needed(&b) > 0) {
			bool answered = up && unit() < avail;
			if (detect_block_update(&b, answered, (int64_t)r * R + n)) {
				if (b.state == TSTATE_DOWN && up)
					o.false_down++;
				if (b.state == TSTATE_DOWN && !up && o.detect_rounds < 0)
					o.detect_rounds = r - 1000;
				if (b.state == TSTATE_UP && r >= 1020 && o.recover_rounds < 0)
					o.recover_rounds = r - 1020;
			}
			n++;
		}
		if (n > o.max_probes)
			o.max_probes = n;
		if (up && r >= 10 && r < 1000) {
			up_probes += n;
			up_rounds++;
		}
	}
	o.probes_up = (double)up_probes / (double)up_rounds;
	return o;
}

TEST(test_block_rounds)
{
	static const struct {
		double avail;
		int detect_max;   /* rounds to see the cut, at most */
		double probes_max; /* mean probes per round while up, at most */
	} cases[] = {
		{0.9, 0, 1.2}, /* a dead block is found within the cut's own round */
		{0.5, 0, 2.2},
		{0.3, 1, 3.6}, /* 20 silences: two rounds of at most 15 probes */
		{0.2, 2, 5.5}, /* 31 silences */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct block_run o = drive(cases[i].avail);
		/* the budget is 1e-3 per round: about 1 in 1000 rounds, 5 would be far off */
		if (o.false_down > 4)
			T_FAIL("A=%.1f: %d false downs in 1000 up rounds", cases[i].avail, o.false_down);
		if (o.detect_rounds < 0 || o.detect_rounds > cases[i].detect_max)
			T_FAIL("A=%.1f: cut seen after %d rounds, expected <= %d", cases[i].avail,
			       o.detect_rounds, cases[i].detect_max);
		/* 1/A probes a round find an answer with probability 1-(1-A)^(1/A) >= 63%:
		 * 3 rounds miss it less than 5% of the time */
		if (o.recover_rounds < 0 || o.recover_rounds > 3)
			T_FAIL("A=%.1f: repair seen after %d rounds", cases[i].avail, o.recover_rounds);
		if (o.probes_up > cases[i].probes_max || o.probes_up < 1)
			T_FAIL("A=%.1f: %.2f probes per round while up", cases[i].avail, o.probes_up);
		CHECK(o.max_probes <= DETECT_BLOCK_MAX_PROBES);
	}
}

TEST(test_block_update)
{
	struct detect_block b;
	detect_block_init(&b, 0.5);
	CHECK_INT(b.state, TSTATE_UNKNOWN);
	CHECK_INT(detect_block_probes_needed(&b), 1);
	CHECK(detect_block_update(&b, true, 10)); /* one answer proves it up */
	CHECK_INT(b.state, TSTATE_UP);
	CHECK_INT(b.since, 10);
	CHECK_INT(detect_block_probes_needed(&b), 0);
	detect_block_round(&b);
	CHECK_INT(detect_block_probes_needed(&b), 1);
	CHECK(!detect_block_update(&b, false, 20)); /* one silence: look harder */
	int need = detect_block_probes_needed(&b);
	CHECK(need > 1 && need <= DETECT_BLOCK_MAX_PROBES);
	for (int i = 0; i < need; i++)
		detect_block_update(&b, false, 21 + i);
	CHECK_INT(b.state, TSTATE_DOWN); /* exactly as many silences as it said */
	CHECK_INT(detect_block_probes_needed(&b), 0);
	/* the availability is learned while up, within bounds */
	detect_block_init(&b, 0.9);
	detect_block_update(&b, true, 0);
	for (int i = 0; i < 2000; i++)
		detect_block_update(&b, i % 10 < 3, i);
	CHECK_NEAR(b.avail, 0.3, 0.05);
	detect_block_init(&b, 0.0);
	CHECK_NEAR(b.avail, DETECT_BLOCK_MIN_AVAIL, 1e-12);
}

/* Over 200,000 rounds of a live block: chance "down" verdicts stay within the budget
 * and the probe cost is about 1/A. Prints the table docs/detection.md quotes. */
TEST(test_block_budget)
{
	static const double as[] = {0.2, 0.3, 0.5, 0.9};
	for (size_t i = 0; i < sizeof as / sizeof as[0]; i++) {
		struct detect_block b;
		detect_block_init(&b, as[i]);
		long downs = 0, probes = 0, rounds = 200000;
		for (long r = 0; r < rounds; r++) {
			detect_block_round(&b);
			while (detect_block_probes_needed(&b) > 0) {
				probes++;
				if (detect_block_update(&b, unit() < as[i], r) && b.state == TSTATE_DOWN)
					downs++;
			}
		}
		double rate = (double)downs / rounds, cost = (double)probes / rounds;
		fprintf(stderr, "A=%.1f: false down %.1e per round, %.2f probes per round\n", as[i], rate,
			cost);
		if (rate > DETECT_BLOCK_FALSE)
			T_FAIL("A=%.1f: %.1e false downs per round, budget %.0e", as[i], rate, DETECT_BLOCK_FALSE);
		if (cost > 1 / as[i] + 0.1)
			T_FAIL("A=%.1f: %.2f probes per round, expected about %.2f", as[i], cost, 1 / as[i]);
	}
}

int main(void)
{
	RUN(test_block_rounds);
	RUN(test_block_update);
	RUN(test_block_budget);
	return test_main_end();
}
