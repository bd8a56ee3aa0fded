/*
 * fuzz_detect.c - arbitrary observation streams through the detector.
 *
 * The input bytes declare a small watched network and then drive it: observations
 * (any target, outcome, kind, RTT, time moving forward, back, or jumping far),
 * BGP samples and ticks. After every tick and at the end the invariants must hold:
 * no crash, at most one open event per entity, ids increasing, start <= end for
 * closed events, open events without an end, values in range, vantage-local only
 * for the monitor and never for an entity, and rendering works. The whole stream
 * is played twice and must give byte-identical events (replay is deterministic).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "detect/detect.h"

#define R (60 * USEC_PER_SEC)
#define T0 (INT64_C(1642194000) * USEC_PER_SEC)

struct in {
	const uint8_t *p;
	size_t n, i;
};

static unsigned next(struct in *in)
{
	return in->i < in->n ? in->p[in->i++] : 0;
}

#define REQUIRE(c)                                                                     \
	do {                                                                           \
		if (!(c)) {                                                            \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, __LINE__); \
			abort();                                                       \
		}                                                                      \
	} while (0)

static void check(const struct detect *d)
{
	uint64_t last_id = 0;
	size_t nents = detect_entity_count(d);
	int open_per[8] = {0};
	for (size_t i = 0; i < detect_event_count(d); i++) {
		const struct detect_event *ev = detect_event_at(d, i);
		REQUIRE(ev->id > last_id);
		last_id = ev->id;
		REQUIRE(ev->entity < nents);
		REQUIRE(ev->start_us >= 0);
		if (ev->open) {
			REQUIRE(ev->end_us == 0 && ev->closed_us == 0);
			if (ev->entity < 8)
				REQUIRE(++open_per[ev->entity] == 1);
			REQUIRE(detect_event_open(d, ev->entity) == ev);
		} else {
			REQUIRE(ev->start_us <= ev->end_us);
			REQUIRE(ev->opened_us <= ev->closed_us);
		}
		REQUIRE(ev->cause < CAUSE__COUNT);
		REQUIRE((ev->cause == CAUSE_VANTAGE_LOCAL) == (ev->entity == DETECT_MONITOR));
		REQUIRE(ev->confidence >= 0 && ev->confidence <= 1);
		REQUIRE(ev->peak_severity >= 0 && ev->peak_severity <= 1);
		REQUIRE(ev->nsteps <= ev->capsteps);
		REQUIRE(ev->layers != 0);
		REQUIRE((ev->layers_down & ~ev->layers) == 0);
		for (size_t k = 0; k < ev->nsteps; k++)
			REQUIRE(ev->steps[k].kind < STEP__COUNT && ev->steps[k].layer < LAYER__COUNT);
	}
}

static void render_all(const struct detect *d, struct buf *out)
{
	for (size_t i = 0; i < detect_event_count(d); i++) {
		const struct detect_event *ev = detect_event_at(d, i);
		detect_event_json(out, ev);
		buf_putc(out, '\n');
		struct buf t = {0};
		detect_event_text(&t, ev);
		REQUIRE(t.len > 0);
		if (getenv("FUZZ_DETECT_PRINT") && strcmp(getenv("FUZZ_DETECT_PRINT"), "text") == 0)
			fputs(t.p, stderr);
		buf_free(&t);
	}
	for (size_t e = 0; e < detect_entity_count(d); e++) {
		const struct detect_signals *s = detect_signals_last(d, (uint32_t)e);
		if (s) {
			detect_signals_json(out, s);
			buf_putc(out, '\n');
		}
	}
}

static void play(const uint8_t *data, size_t size, struct buf *out)
{
	struct in in = {data, size, 0};
	struct detect_params p;
	detect_params_default(&p);
	p.late_us = (int64_t)(next(&in) % 4) * R / 2;
	struct detect *d = detect_new(&p, NULL);
	uint32_t ents[3];
	int nents = 1 + (int)(next(&in) % 3);
	for (int i = 0; i < nents; i++)
		if (detect_entity_add(d, "e", ENTITY_COUNTRY + i % 4, &ents[i]) != 0)
			abort();
	int nt = 1 + (int)(next(&in) % 16);
	for (int i = 0; i < nt; i++) {
		unsigned b = next(&in);
		struct detect_target_spec s = {.id = (uint32_t)i, .entity = ents[b % nents],
					       .role = (int)((b >> 2) % ROLE__COUNT),
					       .interval_us = (int64_t)(1 + (b >> 5) % 3) * R / 2,
					       .flags = (b & 0x80) ? DETECT_TARGET_BORDER_LINK : 0, .label = "t"};
		if (detect_target_add(d, &s) != 0)
			abort();
	}
	int np = (int)(next(&in) % 3);
	uint32_t pfx[2] = {0, 0};
	for (int i = 0; i < np; i++)
		if (detect_prefix_add(d, ents[i % nents], "p", &pfx[i]) != 0)
			abort();
	int64_t t = T0;
	while (in.i < in.n) {
		unsigned op = next(&in);
		if (op < 0xa0) {
			struct obs o = {.time_us = t, .target = next(&in) % (unsigned)(nt + 1),
					.kind = (uint8_t)(next(&in) % (PROBE_KIND__COUNT + 1)),
					.outcome = (uint8_t)(op % (OUTCOME__COUNT + 2)),
					.rtt_ms = (float)next(&in) - 8};
			int rc = detect_feed(d, &o);
			REQUIRE(rc == 0 || rc == ERR_NOTFOUND || rc == ERR_INVAL || rc == ERR_RANGE);
			t += (int64_t)next(&in) * USEC_PER_SEC;
		} else if (op < 0xc0) {
			if (np) {
				unsigned peers = next(&in) % 20;
				struct detect_bgp_sample s = {t, pfx[op % np], (uint16_t)(next(&in) % 21),
							      (uint16_t)peers};
				int rc = detect_feed_bgp(d, &s);
				REQUIRE(rc == 0 || rc == ERR_INVAL || rc == ERR_RANGE);
			}
		} else if (op < 0xf0) {
			int64_t before = detect_closed_until(d);
			REQUIRE(detect_tick(d, t + (int64_t)next(&in) * R / 4) >= 0);
			REQUIRE(detect_closed_until(d) >= before);
			check(d);
		} else if (op < 0xf8) {
			t += (int64_t)next(&in) * 1000 * R; /* a long silence */
		} else {
			t -= (int64_t)next(&in) * USEC_PER_SEC; /* late arrivals */
			if (t < 0)
				t = 0;
		}
	}
	detect_drain(d);
	check(d);
	render_all(d, out);
	detect_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a = {0}, b = {0};
	play(data, size, &a);
	play(data, size, &b);
	REQUIRE(a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0));
	if (getenv("FUZZ_DETECT_PRINT") && a.p)
		fputs(a.p, stdout);
	buf_free(&a);
	buf_free(&b);
	return 0;
}
