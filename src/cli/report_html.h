/*
 * report_html.h - one outage event as a self-contained HTML page
 * (`blackout report ID --html FILE`).
 *
 * The page holds the event's header (entity, cause, start, end), its
 * timeline in words (the same text `blackout report` prints, passed in), the
 * steps the detector recorded, and one plot per layer signal (share of the
 * layer's targets answering, RTT, loss, BGP visibility) over the event and a
 * margin around it, drawn as static inline SVG from the store's per-bin
 * signals: no script, no external file, so it opens anywhere and can be
 * mailed. The event's span is shaded; each step is a tick on the time axis.
 *
 * Reads only (store_event, store_event_steps, store_signals); writes nothing
 * but the buffer.
 */
#ifndef BLACKOUT_CLI_REPORT_HTML_H
#define BLACKOUT_CLI_REPORT_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "store/store.h"

/* Appends the page for event `id` to out. text (borrowed, may be NULL) is the
 * timeline in words, shown as is (escaped). 0, ERR_NOTFOUND (no such event),
 * or another negative code with why in err. */
int report_html_write(struct store *st, int64_t id, const char *text, struct buf *out, char *err,
		      size_t errlen) MUSTCHECK;

#endif
