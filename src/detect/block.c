#include "detect/block.h"

#include <math.h>

#include "detect/detect.h"

static double clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

/* The belief's ceiling (see DETECT_BLOCK_FALSE), and its floor by symmetry. */
static double ceiling(void)
{
	double odds = DETECT_BLOCK_DOWN / (1 - DETECT_BLOCK_DOWN) / DETECT_BLOCK_FALSE;
	return odds / (1 + odds);
}

void detect_block_init(struct detect_block *b, double avail)
{
	b->belief = 0.5;
	b->avail = clamp(avail, DETECT_BLOCK_MIN_AVAIL, 1 - DETECT_BLOCK_SPOOF);
	b->state = TSTATE_UNKNOWN;
	b->since = 0;
	b->probes = 0;
	b->last_answered = false;
}

void detect_block_round(struct detect_block *b)
{
	b->probes = 0;
}

bool detect_block_update(struct detect_block *b, bool answered, int64_t t)
{
	double a = b->avail;
	double up = answered ? a : 1 - a;
	double down = answered ? DETECT_BLOCK_SPOOF : 1 - DETECT_BLOCK_SPOOF;
	double num = up * b->belief;
	b->belief = clamp(num / (num + down * (1 - b->belief)), 1 - ceiling(), ceiling());
	b->probes++;
	b->last_answered = answered;
	if (b->state == TSTATE_UP) {
		const double w = 1.0 / DETECT_BLOCK_AVAIL_MEMORY;
		b->avail = clamp(b->avail * (1 - w) + (answered ? w : 0), DETECT_BLOCK_MIN_AVAIL,
				 1 - DETECT_BLOCK_SPOOF);
	}
	int st = b->state;
	if (b->belief >= DETECT_BLOCK_UP)
		st = TSTATE_UP;
	else if (b->belief <= DETECT_BLOCK_DOWN)
		st = TSTATE_DOWN;
	if (st == b->state)
		return false;
	b->state = (uint8_t)st;
	b->since = t;
	return true;
}

int detect_block_probes_needed(const struct detect_block *b)
{
	if (b->probes >= DETECT_BLOCK_MAX_PROBES)
		return 0;
	if (b->probes == 0)
		return 1;
	if (b->belief <= DETECT_BLOCK_DOWN) {
		/* settled down: look for a recovery with what an up block costs, 1/A */
		return b->probes < (unsigned)ceil(1 / b->avail) ? 1 : 0;
	}
	if (b->last_answered)
		return b->belief >= DETECT_BLOCK_UP ? 0 : 1;
	/* each silence multiplies the odds of "up" by (1 - A) / (1 - spoof) */
	double odds = b->belief / (1 - b->belief);
	double target = DETECT_BLOCK_DOWN / (1 - DETECT_BLOCK_DOWN);
	double step = (1 - b->avail) / (1 - DETECT_BLOCK_SPOOF);
	int n = (int)ceil(log(target / odds) / log(step) - 1e-9);
	if (n < 1)
		n = 1;
	int left = DETECT_BLOCK_MAX_PROBES - (int)b->probes;
	return n < left ? n : left;
}
