/*
 * report_html.c - an outage event as one HTML page with inline SVG plots
 * (see report_html.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report_html.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/mem.h"

/* Plot geometry, in SVG user units. */
#define PW 760
#define PH 130
#define PL 56
#define PR 12
#define PT 10
#define PB 22
#define MAX_POINTS 600

struct point {
	int64_t t;
	double v, base;
};

struct series {
	char layer[32], metric[32];
	struct point *pt;
	size_t n, cap;
};

struct step {
	int64_t t;
	char *text;
};

struct page {
	/* the event */
	int found;
	int64_t entity_id, start, end;
	char entity[128], cause[32];
	double severity, confidence;
	int open;
	/* what is drawn */
	struct series *s;
	size_t ns, caps;
	struct step *steps;
	size_t nsteps, capsteps;
};

static void html_esc(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '&': buf_puts(b, "&amp;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_putc(b, *s);
		}
	}
}

static void copy_str(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

static int on_event(void *ctx, const struct store_event_row *r)
{
	struct page *p = ctx;
	p->found = 1;
	p->entity_id = r->entity_id;
	p->start = r->start_us;
	p->end = r->end_us;
	p->open = r->open || r->end_us == 0;
	p->severity = r->severity;
	p->confidence = r->confidence;
	copy_str(p->entity, sizeof p->entity, r->entity);
	copy_str(p->cause, sizeof p->cause, r->cause);
	return 0;
}

static int on_step(void *ctx, const struct store_step_row *r)
{
	struct page *p = ctx;
	if (p->nsteps == p->capsteps) {
		p->capsteps = p->capsteps ? 2 * p->capsteps : 16;
		p->steps = xrealloc(p->steps, p->capsteps * sizeof *p->steps);
	}
	char line[512];
	if (r->text && *r->text)
		snprintf(line, sizeof line, "%s", r->text);
	else
		snprintf(line, sizeof line, "%s %s%s%s%s", r->layer ? r->layer : "?",
			 r->change ? r->change : "", r->target ? " (" : "", r->target ? r->target : "",
			 r->target ? ")" : "");
	p->steps[p->nsteps].t = r->time_us;
	p->steps[p->nsteps].text = xstrdup(line);
	p->nsteps++;
	return 0;
}

static int on_signal(void *ctx, const struct store_signal_row *r)
{
	struct page *p = ctx;
	const char *layer = r->layer ? r->layer : "";
	const char *metric = r->metric ? r->metric : "up";
	struct series *s = p->ns ? &p->s[p->ns - 1] : NULL;
	if (!s || strcmp(s->layer, layer) || strcmp(s->metric, metric)) {
		if (p->ns == p->caps) {
			p->caps = p->caps ? 2 * p->caps : 8;
			p->s = xrealloc(p->s, p->caps * sizeof *p->s);
		}
		s = &p->s[p->ns++];
		memset(s, 0, sizeof *s);
		copy_str(s->layer, sizeof s->layer, layer);
		copy_str(s->metric, sizeof s->metric, metric);
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->pt = xrealloc(s->pt, s->cap * sizeof *s->pt);
	}
	s->pt[s->n++] = (struct point){r->time_us + r->span_us / 2, r->value, r->baseline};
	return 0;
}

/* A share (0..1) is drawn on a fixed 0..100 % axis; anything else from 0 up. */
static int is_share(const struct series *s)
{
	return !strcmp(s->metric, "up") || !strcmp(s->metric, "visibility") ||
	       !strcmp(s->metric, "loss") || !strcmp(s->metric, "severity");
}

static const char *series_title(const struct series *s, char *buf, size_t n)
{
	if (!strcmp(s->metric, "up"))
		snprintf(buf, n, "%s: share of targets answering", s->layer);
	else if (!strcmp(s->metric, "visibility"))
		snprintf(buf, n, "%s: share of BGP peers seeing the prefixes", s->layer);
	else if (!strcmp(s->metric, "rtt_ms"))
		snprintf(buf, n, "%s%sRTT (ms)", s->layer, *s->layer ? ": " : "");
	else if (!strcmp(s->metric, "loss"))
		snprintf(buf, n, "%s%sloss", s->layer, *s->layer ? ": " : "");
	else
		snprintf(buf, n, "%s%s%s", s->layer, *s->layer ? ": " : "", s->metric);
	return buf;
}

static double xpos(int64_t t, int64_t from, int64_t until)
{
	double f = until > from ? (double)(t - from) / (double)(until - from) : 0;
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	return PL + f * (PW - PL - PR);
}

static void polyline(struct buf *b, const struct series *s, int base, double ymax, int64_t from,
		     int64_t until, const char *style)
{
	int open = 0;
	for (size_t i = 0; i < s->n; i++) {
		double v = base ? s->pt[i].base : s->pt[i].v;
		if (!isfinite(v)) {
			if (open)
				buf_puts(b, "\"/>");
			open = 0;
			continue;
		}
		double y = PT + (1 - (v > ymax ? 1 : v / ymax)) * (PH - PT - PB);
		if (!open)
			buf_printf(b, "<polyline style=\"%s\" points=\"", style);
		buf_printf(b, "%.1f,%.1f ", xpos(s->pt[i].t, from, until), y);
		open = 1;
	}
	if (open)
		buf_puts(b, "\"/>");
}

static void plot(struct buf *b, const struct page *p, const struct series *s, int64_t from,
		 int64_t until)
{
	char title[128];
	double ymax = 1;
	if (!is_share(s)) {
		ymax = 0;
		for (size_t i = 0; i < s->n; i++) {
			if (isfinite(s->pt[i].v) && s->pt[i].v > ymax)
				ymax = s->pt[i].v;
			if (isfinite(s->pt[i].base) && s->pt[i].base > ymax)
				ymax = s->pt[i].base;
		}
		ymax = ymax > 0 ? ymax * 1.1 : 1;
	}
	buf_puts(b, "<figure><figcaption>");
	html_esc(b, series_title(s, title, sizeof title));
	buf_printf(b, "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		      "width=\"%d\" height=\"%d\" role=\"img\">\n", PW, PH, PW, PH);
	/* the event's span */
	int64_t end = p->open ? until : p->end;
	double x0 = xpos(p->start, from, until), x1 = xpos(end, from, until);
	buf_printf(b, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" class=\"ev\"/>\n", x0, PT,
		   x1 - x0 < 1 ? 1 : x1 - x0, PH - PT - PB);
	/* axes, labels */
	buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"ax\"/>", PL, PH - PB, PW - PR,
		   PH - PB);
	buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"ax\"/>\n", PL, PT, PL, PH - PB);
	if (is_share(s))
		buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"yl\">100%%</text><text x=\"%d\" y=\"%d\" "
			      "class=\"yl\">0%%</text>\n", PL - 4, PT + 8, PL - 4, PH - PB);
	else
		buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"yl\">%.3g</text><text x=\"%d\" y=\"%d\" "
			      "class=\"yl\">0</text>\n", PL - 4, PT + 8, ymax, PL - 4, PH - PB);
	char t0[40], t1[40];
	clock_format_iso(from, 0, t0, sizeof t0);
	clock_format_iso(until, 0, t1, sizeof t1);
	buf_printf(b, "<text x=\"%d\" y=\"%d\">%.8s</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.8s</text>\n",
		   PL, PH - 6, t0 + 11, PW - PR, PH - 6, t1 + 11);
	for (size_t i = 0; i < p->nsteps; i++) {
		double x = xpos(p->steps[i].t, from, until);
		buf_printf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"st\"><title>", x,
			   PH - PB, x, PH - PB + 6);
		html_esc(b, p->steps[i].text);
		buf_puts(b, "</title></line>");
	}
	polyline(b, s, 1, ymax, from, until, "fill:none;stroke:#888;stroke-dasharray:4 3");
	polyline(b, s, 0, ymax, from, until, "fill:none;stroke:#1f5fa8;stroke-width:1.6");
	buf_puts(b, "\n</svg></figure>\n");
}

static void page_free(struct page *p)
{
	for (size_t i = 0; i < p->ns; i++)
		free(p->s[i].pt);
	free(p->s);
	for (size_t i = 0; i < p->nsteps; i++)
		free(p->steps[i].text);
	free(p->steps);
}

int report_html_write(struct store *st, int64_t id, const char *text, struct buf *out, char *err,
		      size_t errlen)
{
	struct page p = {0};
	int rc = store_event(st, id, NULL, on_event, &p);
	if (rc || !p.found) {
		snprintf(err, errlen, "event %lld: %s", (long long)id,
			 rc == ERR_NOTFOUND || !p.found ? "no such event" : store_errmsg(st));
		rc = rc ? rc : ERR_NOTFOUND;
		goto fail;
	}
	rc = store_event_steps(st, id, on_step, &p);
	if (rc) {
		snprintf(err, errlen, "event %lld: timeline: %s", (long long)id, store_errmsg(st));
		goto fail;
	}
	int64_t end = p.open ? clock_wall_us() : p.end;
	int64_t pad = (end - p.start) / 3;
	if (pad < 30 * USEC_PER_SEC)
		pad = 30 * USEC_PER_SEC;
	int64_t from = p.start - pad, until = end + pad;
	rc = store_signals(st, p.entity_id, NULL, from, until, MAX_POINTS, on_signal, &p);
	if (rc) {
		snprintf(err, errlen, "event %lld: signals: %s", (long long)id, store_errmsg(st));
		goto fail;
	}

	char ts[40], te[40];
	clock_format_iso(p.start, 0, ts, sizeof ts);
	clock_format_iso(p.end, 0, te, sizeof te);
	buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>blackout: event ");
	buf_printf(out, "%lld, ", (long long)id);
	html_esc(out, p.entity);
	buf_puts(out, "</title>\n<style>\nbody{font:15px/1.45 system-ui,sans-serif;max-width:820px;margin:2em auto;"
		      "padding:0 1em;color:#222}\npre{background:#f6f6f6;padding:1em;white-space:pre-wrap;font-size:13px}\n"
		      "figure{margin:1.2em 0}figcaption{font-weight:600;margin-bottom:.2em}\n"
		      "svg{max-width:100%;height:auto;font:11px sans-serif}.ev{fill:#f3d3d3}.ax{stroke:#444}"
		      ".st{stroke:#b22}.yl{text-anchor:end}\ntable{border-collapse:collapse}td{padding:.1em .8em .1em 0}\n"
		      "</style></head><body>\n<h1>");
	html_esc(out, p.entity);
	buf_puts(out, ": ");
	html_esc(out, p.cause);
	buf_printf(out, "</h1>\n<p>Event %lld, from %s to %s%s; peak severity %.0f%%, confidence %.2f.</p>\n",
		   (long long)id, ts, p.open ? "now" : te, p.open ? " (still open)" : "", 100 * p.severity,
		   p.confidence);
	if (text && *text) {
		buf_puts(out, "<h2>What happened</h2>\n<pre>");
		html_esc(out, text);
		buf_puts(out, "</pre>\n");
	}
	if (p.nsteps) {
		buf_puts(out, "<h2>Steps</h2>\n<table>\n");
		for (size_t i = 0; i < p.nsteps; i++) {
			char t[40];
			clock_format_iso(p.steps[i].t, 1, t, sizeof t);
			buf_printf(out, "<tr><td>%s</td><td>", t);
			html_esc(out, p.steps[i].text);
			buf_puts(out, "</td></tr>\n");
		}
		buf_puts(out, "</table>\n");
	}
	buf_puts(out, "<h2>Each layer over time</h2>\n<p>The event is shaded; a tick under the axis marks each "
		      "step; the dashed line is the baseline (what this network usually shows).</p>\n");
	if (!p.ns)
		buf_puts(out, "<p>No signals were stored for this span.</p>\n");
	for (size_t i = 0; i < p.ns; i++)
		plot(out, &p, &p.s[i], from, until);
	buf_puts(out, "<p><small>Written by blackout report --html.</small></p>\n</body></html>\n");
	rc = 0;
fail:
	page_free(&p);
	return rc;
}
