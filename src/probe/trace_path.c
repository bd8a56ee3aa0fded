/*
 * trace_path.c - a traceroute's bookkeeping and its hop list; see trace_path.h.
 * Traces are small (at most TRACE_MAX_PROBES probes), so the probe array is
 * scanned where a scan is the plain way to say it.
 */
#include "probe/trace_path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/obs.h"

static bool addr_eq(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

int trace_path_init(struct trace_path *t, const struct trace_path_config *cfg)
{
	memset(t, 0, sizeof *t);
	if (cfg->max_ttl < 1 || cfg->max_ttl > TRACE_MAX_TTL || cfg->first_ttl < 1 ||
	    cfg->first_ttl > cfg->max_ttl || cfg->attempts < 1 ||
	    cfg->attempts > TRACE_MAX_ATTEMPTS || cfg->window < 1 || cfg->gap_limit < 1 ||
	    cfg->timeout_us <= 0)
		return ERR_INVAL;
	t->cfg = *cfg;
	t->n = (uint32_t)((cfg->max_ttl - cfg->first_ttl + 1) * cfg->attempts);
	t->p = xcalloc(t->n, sizeof *t->p);
	t->highest_answered = cfg->first_ttl - 1;
	return 0;
}

void trace_path_free(struct trace_path *t)
{
	free(t->p);
	t->p = NULL;
	t->n = 0;
}

int trace_path_ttl(const struct trace_path *t, uint32_t i)
{
	return t->cfg.first_ttl + (int)(i / (uint32_t)t->cfg.attempts);
}

int trace_path_attempt(const struct trace_path *t, uint32_t i)
{
	return (int)(i % (uint32_t)t->cfg.attempts);
}

int trace_path_limit(const struct trace_path *t)
{
	if (t->stopped)
		return 0;
	int lim = t->cfg.max_ttl;
	if (t->stop_ttl && t->stop_ttl < lim)
		lim = t->stop_ttl;
	if (t->highest_answered + t->cfg.gap_limit < lim)
		lim = t->highest_answered + t->cfg.gap_limit;
	return lim;
}

int64_t trace_path_next(const struct trace_path *t)
{
	if (t->stopped || t->inflight >= (uint32_t)t->cfg.window)
		return -1;
	uint32_t i = t->next;
	while (i < t->n && t->p[i].state != TRACE_P_UNSENT)
		i++;
	if (i >= t->n || trace_path_ttl(t, i) > trace_path_limit(t))
		return -1;
	return i;
}

void trace_path_sent(struct trace_path *t, uint32_t i, int64_t now_us)
{
	struct trace_probe *p = &t->p[i];
	p->state = TRACE_P_INFLIGHT;
	p->sent_us = now_us;
	p->a.sent = true;
	t->inflight++;
	if (i >= t->next)
		t->next = i + 1;
}

/* Cancels what is unsent or in flight above TTL `above`. */
static void cancel_above(struct trace_path *t, int above)
{
	for (uint32_t i = 0; i < t->n; i++) {
		struct trace_probe *p = &t->p[i];
		if (trace_path_ttl(t, i) <= above)
			continue;
		if (p->state == TRACE_P_INFLIGHT)
			t->inflight--;
		if (p->state == TRACE_P_INFLIGHT || p->state == TRACE_P_UNSENT)
			p->state = TRACE_P_CANCELLED;
	}
}

bool trace_path_answer(struct trace_path *t, const struct trace_match *m, int64_t now_us)
{
	if (m->index >= t->n || t->p[m->index].state != TRACE_P_INFLIGHT)
		return false;
	struct trace_probe *p = &t->p[m->index];
	p->state = TRACE_P_DONE;
	t->inflight--;
	p->a.kind = (uint8_t)m->kind;
	p->a.outcome = (uint8_t)m->outcome;
	p->a.icmp_type = m->icmp_type;
	p->a.icmp_code = m->icmp_code;
	p->a.tcp_flags = m->tcp_flags;
	p->a.from = m->from;
	p->a.rtt_us = now_us - p->sent_us;
	int ttl = trace_path_ttl(t, m->index);
	if (m->kind == TRACE_REPLY_DEST || m->kind == TRACE_REPLY_ERROR) {
		if (!t->stop_ttl || ttl < t->stop_ttl) {
			t->stop_ttl = ttl;
			cancel_above(t, ttl);
		}
	}
	if (ttl > t->highest_answered)
		t->highest_answered = ttl;
	return true;
}

int64_t trace_path_expire(struct trace_path *t, int64_t now_us)
{
	int64_t next = INT64_MAX;
	for (uint32_t i = 0; i < t->n && t->inflight; i++) {
		struct trace_probe *p = &t->p[i];
		if (p->state != TRACE_P_INFLIGHT)
			continue;
		int64_t deadline = p->sent_us + t->cfg.timeout_us;
		if (deadline > now_us) {
			if (deadline < next)
				next = deadline;
			continue;
		}
		p->state = TRACE_P_DONE;
		p->a.kind = TRACE_REPLY_NONE;
		p->a.outcome = OUTCOME_TIMEOUT;
		p->a.rtt_us = -1;
		t->inflight--;
	}
	return next;
}

void trace_path_stop(struct trace_path *t)
{
	cancel_above(t, 0);
	t->stopped = true;
}

bool trace_path_done(const struct trace_path *t)
{
	return t->inflight == 0 && trace_path_next(t) < 0;
}

static void hop_fill(const struct trace_path *t, int ttl, const struct prefix *prefixes,
                     size_t nprefixes, struct trace_hop *h)
{
	memset(h, 0, sizeof *h);
	h->ttl = ttl;
	h->prefix = -1;
	bool dest = false, error = false, router = false;
	int err_outcome = OUTCOME_TIMEOUT;
	uint32_t base = (uint32_t)(ttl - t->cfg.first_ttl) * (uint32_t)t->cfg.attempts;
	for (int k = 0; k < t->cfg.attempts; k++) {
		const struct trace_probe *p = &t->p[base + (uint32_t)k];
		if (p->state != TRACE_P_DONE)
			continue;
		const struct trace_attempt *a = &p->a;
		h->attempt[h->nattempts++] = *a;
		if (a->kind == TRACE_REPLY_NONE)
			continue;
		if (!h->answered) {
			h->answered = true;
			h->addr = a->from;
		} else if (!addr_eq(&h->addr, &a->from)) {
			h->several_addrs = true;
		}
		for (size_t j = 0; j < nprefixes && h->prefix < 0; j++)
			if (prefix_contains(&prefixes[j], &a->from))
				h->prefix = (int)j;
		if (a->kind == TRACE_REPLY_DEST)
			dest = true;
		else if (a->kind == TRACE_REPLY_ERROR && !error)
			error = true, err_outcome = a->outcome;
		else if (a->kind == TRACE_REPLY_TTL)
			router = true;
	}
	h->outcome = dest     ? OUTCOME_OK
	             : error  ? err_outcome
	             : router ? OUTCOME_TTL_EXCEEDED
	                      : OUTCOME_TIMEOUT;
}

void trace_path_result(const struct trace_path *t, const struct addr *dst,
                       const struct prefix *prefixes, size_t nprefixes, struct trace_result *out)
{
	out->dst = *dst;
	int last = 0;
	for (uint32_t i = 0; i < t->n; i++)
		if (t->p[i].state == TRACE_P_DONE && trace_path_ttl(t, i) > last)
			last = trace_path_ttl(t, i);
	if (t->stop_ttl && last > t->stop_ttl)
		last = t->stop_ttl; /* answers above it came before the lower stop */
	out->first_ttl = t->cfg.first_ttl;
	out->max_ttl = t->cfg.max_ttl;
	out->attempts = t->cfg.attempts;
	out->prefixes = prefixes;
	out->nprefixes = nprefixes;
	out->nhops = last ? (size_t)(last - t->cfg.first_ttl + 1) : 0;
	out->hops = out->nhops ? xcalloc(out->nhops, sizeof *out->hops) : NULL;
	out->stop_ttl = 0;
	memset(&out->stop_addr, 0, sizeof out->stop_addr);
	for (size_t k = 0; k < out->nhops; k++) {
		hop_fill(t, t->cfg.first_ttl + (int)k, prefixes, nprefixes, &out->hops[k]);
		if (out->hops[k].answered) {
			out->stop_ttl = out->hops[k].ttl;
			out->stop_addr = out->hops[k].addr;
		}
	}
	out->reached = false;
	out->rtt_us = -1;
	out->outcome = OUTCOME_TIMEOUT;
	if (t->stop_ttl && t->stop_ttl <= last) {
		const struct trace_hop *h = &out->hops[t->stop_ttl - t->cfg.first_ttl];
		out->outcome = h->outcome;
		for (int k = 0; k < h->nattempts; k++) {
			const struct trace_attempt *a = &h->attempt[k];
			if (a->kind == TRACE_REPLY_NONE || !addr_eq(&a->from, &out->dst))
				continue;
			out->reached = true;
			if (out->rtt_us < 0 || a->rtt_us < out->rtt_us)
				out->rtt_us = a->rtt_us;
		}
	}
}

void trace_result_free(struct trace_result *r)
{
	free(r->hops);
	r->hops = NULL;
	r->nhops = 0;
}

/* Did an attempt before (hop i, attempt k) answer from a? */
static bool seen_before(const struct trace_result *r, size_t i, int k, const struct addr *a)
{
	for (size_t i2 = 0; i2 <= i; i2++) {
		const struct trace_hop *h = &r->hops[i2];
		for (int k2 = 0; k2 < (i2 < i ? h->nattempts : k); k2++)
			if (h->attempt[k2].kind != TRACE_REPLY_NONE &&
			    addr_eq(&h->attempt[k2].from, a))
				return true;
	}
	return false;
}

size_t trace_key_routers(const struct trace_result *r, struct addr *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nhops; i++) {
		const struct trace_hop *h = &r->hops[i];
		if (h->prefix < 0)
			continue; /* no answerer of this hop is inside */
		for (int k = 0; k < h->nattempts; k++) {
			const struct addr *a = &h->attempt[k].from;
			if (h->attempt[k].kind == TRACE_REPLY_NONE || addr_eq(a, &r->dst))
				continue;
			bool inside = false;
			for (size_t j = 0; j < r->nprefixes && !inside; j++)
				inside = prefix_contains(&r->prefixes[j], a);
			if (!inside || seen_before(r, i, k, a))
				continue;
			if (n < max)
				out[n] = *a;
			n++;
		}
	}
	return n;
}

/* ---- output --------------------------------------------------------------- */

static void json_addr(struct buf *b, const struct addr *a)
{
	char s[ADDR_STRLEN];
	if (!a->family) {
		buf_puts(b, "null");
		return;
	}
	buf_putc(b, '"');
	buf_puts(b, addr_format(a, s, sizeof s));
	buf_putc(b, '"');
}

static void json_prefix(struct buf *b, const struct prefix *p)
{
	char s[PREFIX_STRLEN];
	buf_putc(b, '"');
	buf_puts(b, prefix_format(p, s, sizeof s));
	buf_putc(b, '"');
}

void trace_result_json(struct buf *b, const struct trace_result *r)
{
	buf_printf(b, "{\"proto\":\"%s\",\"src\":", trace_proto_name(r->proto));
	json_addr(b, &r->src);
	buf_puts(b, ",\"dst\":");
	json_addr(b, &r->dst);
	if (r->proto != TRACE_ICMP)
		buf_printf(b, ",\"sport\":%u,\"dport\":%u", r->sport, r->dport);
	buf_printf(b, ",\"first_ttl\":%d,\"max_ttl\":%d,\"attempts\":%d,\"reached\":%s",
	           r->first_ttl, r->max_ttl, r->attempts, r->reached ? "true" : "false");
	buf_puts(b, ",\"stop_ttl\":");
	if (r->stop_ttl)
		buf_printf(b, "%d", r->stop_ttl);
	else
		buf_puts(b, "null");
	buf_puts(b, ",\"stop_addr\":");
	json_addr(b, &r->stop_addr);
	buf_puts(b, ",\"hops\":[");
	for (size_t i = 0; i < r->nhops; i++) {
		const struct trace_hop *h = &r->hops[i];
		buf_printf(b, "%s{\"ttl\":%d,\"addr\":", i ? "," : "", h->ttl);
		json_addr(b, &h->addr);
		buf_printf(b, ",\"outcome\":\"%s\",\"rtt_ms\":[", outcome_code(h->outcome));
		for (int k = 0; k < h->nattempts; k++) {
			if (k)
				buf_putc(b, ',');
			if (h->attempt[k].rtt_us >= 0)
				buf_printf(b, "%.3f", (double)h->attempt[k].rtt_us / 1000.0);
			else
				buf_puts(b, "null");
		}
		buf_putc(b, ']');
		if (h->several_addrs) {
			buf_puts(b, ",\"from\":[");
			for (int k = 0; k < h->nattempts; k++) {
				if (k)
					buf_putc(b, ',');
				json_addr(b, &h->attempt[k].from);
			}
			buf_putc(b, ']');
		}
		if (h->prefix >= 0) {
			buf_puts(b, ",\"prefix\":");
			json_prefix(b, &r->prefixes[h->prefix]);
		}
		buf_putc(b, '}');
	}
	buf_puts(b, "],\"key_routers\":[");
	struct addr keys[64];
	size_t nk = trace_key_routers(r, keys, 64);
	for (size_t k = 0; k < nk && k < 64; k++) {
		if (k)
			buf_putc(b, ',');
		json_addr(b, &keys[k]);
	}
	buf_puts(b, "]}");
}

/* Traceroute's marks for an attempt that ended the path with an error. */
static const char *error_mark(int outcome)
{
	switch (outcome) {
	case OUTCOME_NET_UNREACH:
		return "!N";
	case OUTCOME_HOST_UNREACH:
		return "!H";
	case OUTCOME_ADMIN_PROHIB:
		return "!X";
	case OUTCOME_PORT_UNREACH:
		return "!P";
	default:
		return "!?";
	}
}

void trace_result_text(struct buf *b, const struct trace_result *r)
{
	char dst[ADDR_STRLEN], src[ADDR_STRLEN], a[ADDR_STRLEN], p[PREFIX_STRLEN];
	addr_format(&r->dst, dst, sizeof dst);
	buf_printf(b, "trace to %s", r->target ? r->target : dst);
	if (r->target && strcmp(r->target, dst))
		buf_printf(b, " (%s)", dst);
	buf_printf(b, ", %s", trace_proto_name(r->proto));
	if (r->proto != TRACE_ICMP)
		buf_printf(b, " port %u", r->dport);
	if (r->src.family)
		buf_printf(b, " from %s", addr_format(&r->src, src, sizeof src));
	buf_printf(b, ", %d hops max, %d probes per hop\n", r->max_ttl, r->attempts);
	for (size_t i = 0; i < r->nhops; i++) {
		const struct trace_hop *h = &r->hops[i];
		buf_printf(b, "%2d ", h->ttl);
		const struct addr *shown = NULL;
		for (int k = 0; k < h->nattempts; k++) {
			const struct trace_attempt *t = &h->attempt[k];
			if (t->kind == TRACE_REPLY_NONE) {
				buf_puts(b, " *");
				continue;
			}
			if (!shown || !addr_eq(shown, &t->from)) {
				buf_printf(b, " %s", addr_format(&t->from, a, sizeof a));
				shown = &t->from;
			}
			buf_printf(b, "  %.3f ms", (double)t->rtt_us / 1000.0);
			if (t->kind == TRACE_REPLY_ERROR)
				buf_printf(b, " %s", error_mark(t->outcome));
		}
		if (h->prefix >= 0)
			buf_printf(b, "  [watched %s]",
			           prefix_format(&r->prefixes[h->prefix], p, sizeof p));
		buf_putc(b, '\n');
	}
}

void trace_result_summary(const struct trace_result *r, char *out, size_t n)
{
	char a[ADDR_STRLEN];
	addr_format(&r->stop_addr, a, sizeof a);
	if (r->reached && r->outcome == OUTCOME_OK)
		snprintf(out, n, "reached in %d hop%s", r->stop_ttl, r->stop_ttl == 1 ? "" : "s");
	else if (r->reached)
		snprintf(out, n, "the destination answered %s at hop %d", outcome_code(r->outcome),
		         r->stop_ttl);
	else if (r->outcome != OUTCOME_TIMEOUT && r->stop_ttl)
		snprintf(out, n, "the path stops at hop %d (%s): %s", r->stop_ttl, a,
		         outcome_code(r->outcome));
	else if (r->stop_ttl)
		snprintf(out, n, "no answer past hop %d (%s) up to hop %d", r->stop_ttl, a,
		         r->nhops ? r->hops[r->nhops - 1].ttl : r->stop_ttl);
	else if (r->nhops)
		snprintf(out, n, "no hop answered (hops %d to %d)", r->first_ttl,
		         r->hops[r->nhops - 1].ttl);
	else
		snprintf(out, n, "no probe completed");
}
