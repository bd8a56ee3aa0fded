/*
 * cause.h - the cause table of DESIGN.md as code: the evidence gathered for one
 * event goes in, the discriminators that fired (with their times), the cause and
 * a confidence come out. Pure and stateless: the engine calls it every bin while
 * an event is open, so the cause may be revised as the evidence grows.
 *
 * Evidence is cumulative over the event (a layer that failed and came back still
 * "failed"), so a cause does not flip back when layers recover.
 *
 * Each cause has required facts (all must hold) and is judged on a list of
 * discriminators; confidence = listed discriminators that fired / listed. A fact
 * that could not be checked (no BGP data, no border-link target, no baseline yet,
 * no control targets) does not fire, so missing data lowers the confidence.
 *
 *   cause    required                                       listed (confidence)
 *   routing  withdrawn, and either clearly before the first  bgp-first link-alive
 *            data-plane failure (by more than one round), or net-unreachable control-ok
 *            within one round with the border link alive, or
 *            with the data plane still answering
 *   abrupt   simultaneous, no stress-before, link not alive  simultaneous no-stress
 *                                                           link-down bgp-within-hold control-ok
 *   cascade  stress-before, stress-during or intermittent,   stress-before spread
 *            spread, not bgp-first                          services-first bgp-last control-ok
 *            (the other two fill the stress-before slot: loss heavy enough to fail
 *            targets in the round it becomes measurable shows on the targets that
 *            keep answering while the failure spreads, or as layers that fail, come
 *            back and fail again; a cut does neither)
 *   dns      dns-down, hosts-answer                          dns-down hosts-answer routes-ok control-ok
 *   partial  services-down, something still answers,         services-down routers-ok
 *            routers never failed, routes not withdrawn     routes-ok control-ok
 *   unknown  none of the above                               (confidence 0)
 *
 * Priority is the order of the table: the most specific evidence wins.
 */
#ifndef BLACKOUT_DETECT_CAUSE_H
#define BLACKOUT_DETECT_CAUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "detect/detect.h"

struct detect_evidence {
	int64_t round_us;      /* the entity's round: the resolution of every time below */
	int64_t hold_us;       /* BGP hold time */
	uint32_t established;  /* LAYER_BIT of layers with established targets (BGP: data) */
	uint32_t failed;       /* layers that failed (degraded or down) during the event */
	uint32_t down;         /* layers that went fully down during the event */
	int64_t fail_us[LAYER__COUNT]; /* first failure of each failed layer */
	bool baseline_ready;   /* RTT/loss baseline known: "no stress" is a fact */
	int64_t stress_us;     /* start of an RTT/loss rise ending at or before the first
	                        * failure, within the lookback; 0 if none */
	int64_t stress_during_us; /* start of a rise (on the survivors) while the failure
	                        * spread, ending a round before the last layer failed */
	bool bgp_known;        /* the entity has prefixes with BGP samples */
	int64_t withdrawn_us;  /* when the prefixes went down (0: not withdrawn) */
	bool link_known;       /* a border-link target is established */
	bool link_failed;      /* it failed during the event */
	int64_t link_fail_us;
	int64_t net_unreach_us; /* first net-unreachable from the entity's targets, 0 none */
	int64_t relapse_us;    /* first time a layer failed again after coming back, 0 none */
	bool control_known;    /* control targets are established */
	int64_t control_ok_us; /* first answer from a control target at or after the first
	                        * failure (0: none yet) */
	int64_t now_us;
};

struct detect_verdict {
	uint8_t cause;         /* enum detect_cause */
	uint32_t disc;         /* bit per discriminator that fired */
	uint32_t listed;       /* the cause's discriminators */
	int64_t disc_us[DISC__COUNT];
	float confidence;
};

void detect_cause_decide(const struct detect_evidence *e, struct detect_verdict *v);

#endif
