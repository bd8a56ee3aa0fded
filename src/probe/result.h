/*
 * result.h - one probe's result as every probe type reports it, and its two
 * printed forms (one text line, one JSON object per line).
 *
 * JSON shape (stable; the detector, the store and users' scripts read it):
 *   {"target":"127.0.0.1","probe":"icmp","ok":true,"rtt_ms":0.04,"error":null,
 *    "message":null,"detail":{...}}
 * "error" is an outcome code from core/obs.h (null when ok); "message" a short
 * human sentence (or null); "detail" is present only when the probe type has
 * specific fields. All pointers in struct probe_result are borrowed from the
 * caller for the duration of the call.
 */
#ifndef BLACKOUT_PROBE_RESULT_H
#define BLACKOUT_PROBE_RESULT_H

#include "core/buf.h"
#include "core/obs.h"

struct probe_result {
	const char *target;      /* borrowed: address, URL or name as the user gave it */
	int kind;                /* enum probe_kind */
	int outcome;             /* enum outcome; OUTCOME_OK when it answered */
	double rtt_ms;           /* < 0 when there was no answer */
	const char *message;     /* borrowed, may be NULL: what went wrong, for people */
	const char *detail_json; /* borrowed, may be NULL: a JSON object, inserted as is */
};

/* Appends one JSON object and a newline. */
void probe_result_json(struct buf *b, const struct probe_result *r);
/* Appends one aligned text line and a newline: "TARGET  OUTCOME  RTT  [message]". */
void probe_result_text(struct buf *b, const struct probe_result *r);

#endif
