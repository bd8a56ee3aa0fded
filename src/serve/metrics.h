/*
 * metrics.h - /metrics in the Prometheus text exposition format (version 0.0.4).
 *
 * metrics_write() asks the provider for targets, layers, events, BGP and the
 * probe engine, and writes one family per metric: "# HELP", "# TYPE", then its
 * samples, each family's samples together as the format requires. Names are
 * blackout_*, snake_case, base units in the name (_seconds, _ratio), counters
 * end in _total. Families (labels in braces):
 *
 *   blackout_target_up{entity,target,role,probe,address}        gauge 1/0 (unknown: absent)
 *   blackout_target_rtt_seconds{...}                              gauge, last RTT (absent if no answer)
 *   blackout_target_probes_total{...}                             counter
 *   blackout_target_probes_answered_total{...}                    counter
 *   blackout_target_last_probe_timestamp_seconds{...}             gauge
 *   blackout_entity_outage{entity,kind}                           gauge 1 while an event is open
 *   blackout_layer_up_ratio{entity,layer}                         gauge 0..1
 *   blackout_layer_rtt_seconds{entity,layer}                      gauge (median)
 *   blackout_layer_loss_ratio{entity,layer}                       gauge 0..1
 *   blackout_events_open{cause}                                   gauge (every known cause, 0 included)
 *   blackout_bgp_visibility_ratio{prefix,entity}                  gauge 0..1
 *   blackout_bgp_peers{prefix,entity}, blackout_bgp_peers_seeing{prefix,entity}   gauges
 *   blackout_probes_sent_total, blackout_probes_answered_total,
 *   blackout_probe_timeouts_total                                 counters
 *   blackout_probes_in_flight, blackout_probes_per_second,
 *   blackout_start_time_seconds                                   gauges
 *   blackout_alerts_queued_total{sink}                            counter
 *   blackout_alert_deliveries_total{sink,result="ok|failed"}      counter (attempts)
 *   blackout_alerts_pending{sink}                                 gauge (outbox depth)
 *
 * Label values are escaped as the format says (backslash, double quote,
 * newline) and bytes that are not UTF-8 become U+FFFD, so whatever a config or
 * a remote server put in a name, the output parses.
 */
#ifndef BLACKOUT_SERVE_METRICS_H
#define BLACKOUT_SERVE_METRICS_H

#include <stdint.h>

#include "core/buf.h"
#include <stdbool.h>

#include "core/err.h"
#include "serve/provider.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Appends s as a label value's content (without quotes), escaped. NULL = "". */
void metrics_label_escape(struct buf *b, const char *s);
/* Appends s as HELP text, escaped (backslash and newline). */
void metrics_help_escape(struct buf *b, const char *s);
/* Appends a sample value: NaN, +Inf, -Inf, or a number that parses back exactly enough. */
void metrics_value(struct buf *b, double v);

/* Appends the whole exposition. Families whose provider function is NULL are
 * left out; so are the per-target families (blackout_target_*) when
 * per_target is false (`/metrics?targets=0`: a watchlist of 100,000 targets
 * is half a million series). Returns 0, or the first provider error (the text
 * is then partial and must not be served). */
int metrics_write(struct buf *b, const struct serve_provider *p, int64_t now_us,
		  bool per_target) MUSTCHECK;

#endif
