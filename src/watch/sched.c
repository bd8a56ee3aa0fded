/*
 * sched.c - the watcher's scheduler: every (target, probe) once per its
 * interval, the first round offset by a per-target jitter (a hash of the
 * target's name, so targets are not probed in lockstep and the offsets are
 * the same after a restart).
 *
 * ICMP and TCP go to a probe engine (one per distinct timeout/retries pair;
 * the cookie is the job index); HTTP, DNS and SMTP through their start
 * functions. HTTP and SMTP have no retries of their own: a failed attempt is
 * tried again within the round, up to the probe's retries (DNS retransmits
 * itself). A target with only a host name is resolved with uv_getaddrinfo
 * before its first probe; a failed lookup is an observation (resolve-error)
 * and is tried again next round. A trace probe is one Paris traceroute (ICMP)
 * per round, its retries the attempts per hop, the target's entity's prefixes
 * marked; it needs a raw socket at each start, so after `--user` without
 * `--keep-net-raw` it records local-error (warned once). Router discovery
 * (discover_routers) runs before the scheduler: discover.h.
 */
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "probe/dns.h"
#include "probe/http.h"
#include "probe/smtp.h"
#include "probe/trace.h"
#include "watch/watch_int.h"

static uint64_t name_hash(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603); /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * UINT64_C(1099511628211);
	return h;
}

static const struct config_probe *job_probe(const struct watch_job *j)
{
	return &j->w->cfg->targets[j->target].probes[j->probe];
}

/* The address to probe, or NULL while a host name is not resolved. */
static const struct addr *target_addr(struct watch *w, size_t t)
{
	const struct config_target *ct = &w->cfg->targets[t];
	if (ct->has_addr)
		return &ct->addr;
	return w->ts[t].resolved ? &w->ts[t].addr : NULL;
}

/* ---- results ---- */

static void job_done(struct watch_job *j, int outcome, double rtt_ms, const char *message,
		     const char *detail)
{
	struct watch *w = j->w;
	j->busy = false;
	j->inflight = NULL;
	if (w->state == WATCH_STOPPING)
		return;
	struct buf b = {0};
	if (message || detail) {
		buf_puts(&b, "{\"message\":");
		json_str(&b, message);
		buf_puts(&b, ",\"attempts\":");
		buf_printf(&b, "%d", j->attempt > 0 ? j->attempt : 1);
		buf_puts(&b, ",\"detail\":");
		buf_puts(&b, detail ? detail : "null");
		buf_putc(&b, '}');
	}
	watch_record(w, j->target, job_probe(j)->kind, j->sent_wall_us, outcome, rtt_ms,
		     b.len ? b.p : NULL);
	buf_free(&b);
}

void watch_record(struct watch *w, size_t target, int kind, int64_t sent_us, int outcome,
		  double rtt_ms, const char *detail_json)
{
	struct watch_tstat *ts = &w->ts[target];
	ts->sent++;
	ts->bin_n++;
	if (outcome == OUTCOME_OK) {
		ts->answered++;
		ts->bin_ok++;
	}
	ts->last_us = sent_us;
	ts->last_outcome = outcome;
	ts->rtt_ms = outcome == OUTCOME_OK ? rtt_ms : -1;

	struct obs o = {
	    .time_us = sent_us,
	    .target = (uint32_t)target,
	    .vantage = w->cfg->vantage.id,
	    .kind = (uint8_t)kind,
	    .outcome = (uint8_t)outcome,
	    .rtt_ms = outcome == OUTCOME_OK ? (float)rtt_ms : -1.0f,
	};
	int rc = detect_feed(w->d, &o);
	if (rc < 0)
		log_debug("watch: detector refused an observation of %s: %s",
			  w->cfg->targets[target].name, err_str(rc));

	/* per-layer RTT and loss for the signals (watch.c reads them at bin close) */
	const struct config_target *ct = &w->cfg->targets[target];
	size_t ent = ct->entity == CONFIG_NO_ENTITY ? 0 : ct->entity + 1;
	int64_t bin = sent_us / w->params.bin_us;
	struct watch_lacc *a =
	    &w->lacc[(ent * ROLE__COUNT + (size_t)ct->role) * w->lacc_ring + (size_t)(bin % (int64_t)w->lacc_ring)];
	if (a->bin != bin) {
		memset(a, 0, sizeof *a);
		a->bin = bin;
	}
	int oc = detect_outcome_class(outcome);
	if (oc != OCLASS_NONE) {
		a->n++;
		if (oc != OCLASS_UP)
			a->failed++;
		else if (a->nrtt < WATCH_RTT_KEEP && rtt_ms >= 0)
			a->rtt[a->nrtt++] = (float)rtt_ms;
	}

	struct store_obs so = {
	    .time_us = sent_us,
	    .target_id = w->store_tgt[target],
	    .vantage = w->cfg->vantage.id,
	    .kind = (uint8_t)kind,
	    .outcome = (uint8_t)outcome,
	    .rtt_ms = outcome == OUTCOME_OK ? rtt_ms : NAN,
	    .detail_json = detail_json,
	};
	store_queue_obs(w->st, &so);
}

static void on_engine_done(void *ctx, const struct probe_done *d)
{
	struct watch *w = ctx;
	if (d->cookie >= w->n_jobs)
		return;
	struct watch_job *j = &w->jobs[d->cookie];
	j->busy = false;
	if (w->state == WATCH_STOPPING)
		return;
	char from[ADDR_STRLEN] = "";
	struct buf b = {0};
	buf_printf(&b, "{\"attempts\":%u", d->attempts);
	if (d->has_from && addr_cmp(&d->from, &d->addr)) {
		addr_format(&d->from, from, sizeof from);
		buf_puts(&b, ",\"from\":");
		json_str(&b, from);
	}
	if (d->sys_errno)
		buf_printf(&b, ",\"errno\":%d", d->sys_errno);
	buf_putc(&b, '}');
	watch_record(w, j->target, d->kind, d->sent_wall_us, d->outcome,
		     d->rtt_us >= 0 ? (double)d->rtt_us / 1000.0 : -1, b.p);
	buf_free(&b);
}

/* ---- application probes ---- */

static void start_app(struct watch_job *j);

/* A traceroute is one attempt per round: its attempts per hop are the retries. */
static void on_trace_done(void *arg, const struct trace_result *t, const struct probe_result *r)
{
	(void)t;
	job_done(arg, r->outcome, r->rtt_ms, r->message, r->detail_json);
}

/* HTTP with several accepted codes: http.h takes one, so a status outside
 * it is checked here against the list (the detail carries "status"). */
static bool status_listed(const struct config_probe *p, const char *detail)
{
	const char *s = detail ? strstr(detail, "\"status\":") : NULL;
	if (!s)
		return false;
	long code = strtol(s + 9, NULL, 10);
	for (size_t i = 0; i < p->n_expect_status; i++)
		if (p->expect_status[i] == code)
			return true;
	return false;
}

static void on_app_done(void *arg, const struct probe_result *r)
{
	struct watch_job *j = arg;
	struct watch *w = j->w;
	const struct config_probe *p = job_probe(j);
	int outcome = r->outcome;
	if (outcome == OUTCOME_HTTP_STATUS && p->n_expect_status > 1 && status_listed(p, r->detail_json))
		outcome = OUTCOME_OK;
	j->inflight = NULL;
	if (outcome != OUTCOME_OK && w->state == WATCH_RUNNING && p->kind != PROBE_DNS &&
	    j->attempt <= p->timing.retries) {
		start_app(j); /* again within the round */
		if (j->busy)
			return;
	}
	job_done(j, outcome, r->rtt_ms, r->message, r->detail_json);
}

/* Escapes a literal substring as a POSIX ERE (http.h matches expect_body as one). */
static char *ere_literal(const char *s)
{
	struct buf b = {0};
	for (; *s; s++) {
		if (strchr("\\^$.[]|()*+?{}", *s))
			buf_putc(&b, '\\');
		buf_putc(&b, *s);
	}
	return buf_take(&b);
}

static void start_app(struct watch_job *j)
{
	struct watch *w = j->w;
	const struct config_target *t = &w->cfg->targets[j->target];
	const struct config_probe *p = job_probe(j);
	const struct addr *a = target_addr(w, j->target);
	char ab[ADDR_STRLEN], err[256] = "";
	int rc = ERR_INVAL;
	j->attempt++;
	int tmo_ms = (int)(p->timing.timeout_us / 1000);
	switch (p->kind) {
	case PROBE_HTTP: {
		const struct addr *ca = p->has_resolve ? &p->resolve : a;
		char *body = p->expect_body ? ere_literal(p->expect_body) : NULL;
		struct http_spec spec = {
		    .url = p->url,
		    .target = t->name,
		    .connect_addr = ca ? addr_format(ca, ab, sizeof ab) : NULL,
		    .expect_status = p->n_expect_status >= 1 ? p->expect_status[0] : 0,
		    .expect_body = body,
		    .timeout_ms = tmo_ms,
		};
		struct http_probe *hp = NULL;
		rc = http_probe_start(w->http, &spec, on_app_done, j, &hp, err, sizeof err);
		free(body);
		j->inflight = hp;
		break;
	}
	case PROBE_DNS: {
		struct dns_spec spec = {
		    .server = *a,
		    .port = p->port,
		    .name = p->qname,
		    .qtype = p->qtype,
		    .target = t->name,
		    .timeout_ms = (int)(p->timing.timeout_us * (p->timing.retries + 1) / 1000),
		    .retries = p->timing.retries,
		};
		struct dns_probe *dp = NULL;
		rc = dns_probe_start(&w->loop, &spec, on_app_done, j, &dp, err, sizeof err);
		j->inflight = dp;
		break;
	}
	case PROBE_TRACE: {
		const struct config_entity *ent =
		    t->entity < w->cfg->n_entities ? &w->cfg->entities[t->entity] : NULL;
		struct trace_spec spec = {
		    .target = *a,
		    .proto = TRACE_ICMP,
		    .max_hops = p->max_hops,
		    .attempts = p->timing.retries + 1,
		    .timeout_ms = tmo_ms,
		    .prefixes = ent ? ent->prefixes : NULL,
		    .nprefixes = ent ? ent->n_prefixes : 0,
		    .target_name = t->name,
		};
		struct trace *tp = NULL;
		rc = trace_start(&w->loop, &spec, on_trace_done, j, &tp, err, sizeof err);
		j->inflight = tp;
		if (rc < 0) { /* e.g. no raw socket after dropping privileges: an observation, warned once */
			watch_record(w, j->target, PROBE_TRACE, j->sent_wall_us, OUTCOME_LOCAL_ERROR, -1, NULL);
			if (j->warned) {
				j->busy = false;
				return;
			}
			j->warned = true;
		}
		break;
	}
	case PROBE_SMTP: {
		struct smtp_spec spec = {.addr = *a, .port = p->port, .target = t->name,
					 .phase_timeout_ms = tmo_ms};
		struct smtp_probe *sp = NULL;
		rc = smtp_probe_start(&w->loop, &spec, on_app_done, j, &sp);
		j->inflight = sp;
		break;
	}
	}
	if (rc < 0) {
		j->busy = false;
		log_warn("watch: %s: cannot start its %s probe: %s%s%s", t->name, probe_kind_name(p->kind),
			 err_str(rc), err[0] ? ": " : "", err);
		return;
	}
	j->busy = true;
}

/* ---- host names ---- */

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct watch_tstat *ts = req->data;
	ts->resolving = false;
	ts->resolve_failed = true;
	for (struct addrinfo *ai = res; status == 0 && ai; ai = ai->ai_next) {
		uint16_t port;
		if (addr_from_sockaddr(ai->ai_addr, &ts->addr, &port) == 0) {
			ts->resolved = true;
			ts->resolve_failed = false;
			break;
		}
	}
	uv_freeaddrinfo(res);
}

static void resolve(struct watch *w, size_t t)
{
	struct watch_tstat *ts = &w->ts[t];
	if (ts->resolving || w->state != WATCH_RUNNING)
		return;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	ts->gai.data = ts;
	if (uv_getaddrinfo(&w->loop, &ts->gai, on_resolved, w->cfg->targets[t].host, NULL, &hints) == 0)
		ts->resolving = true;
}

/* ---- the round ---- */

static void on_job_timer(uv_timer_t *tm)
{
	struct watch_job *j = tm->data;
	struct watch *w = j->w;
	const struct config_target *t = &w->cfg->targets[j->target];
	const struct config_probe *p = job_probe(j);
	if (w->state != WATCH_RUNNING)
		return;
	if (j->busy) {
		w->rounds_skipped++;
		return;
	}
	const struct addr *a = target_addr(w, j->target);
	bool needs_addr = !(p->kind == PROBE_HTTP && (p->has_resolve || !t->has_addr));
	if (!a && needs_addr) {
		struct watch_tstat *ts = &w->ts[j->target];
		if (ts->resolve_failed) {
			ts->resolve_failed = false;
			watch_record(w, j->target, p->kind, clock_wall_us(), OUTCOME_RESOLVE, -1, NULL);
		}
		resolve(w, j->target);
		return;
	}
	j->sent_wall_us = clock_wall_us();
	j->attempt = 0;
	if (p->kind == PROBE_ICMP || p->kind == PROBE_TCP) {
		struct probe_target pt = {.addr = *a, .port = p->kind == PROBE_TCP ? p->port : 0,
					  .kind = (uint8_t)p->kind, .cookie = (uint64_t)(j - w->jobs)};
		struct watch_engine *we = &w->engines[j->engine];
		int rc = probe_engine_submit(we->e, &pt, 1);
		if (rc < 0) {
			log_warn("watch: %s: %s probe not sent: %s", t->name, probe_kind_name(p->kind),
				 probe_engine_errmsg(we->e));
			watch_record(w, j->target, p->kind, j->sent_wall_us, OUTCOME_LOCAL_ERROR, -1, NULL);
			return;
		}
		j->busy = true;
		return;
	}
	start_app(j);
}

/* Attempts per second the ICMP/TCP probes of one timing (timeout, retries)
 * can need at worst: every probe once per interval, every retry used. */
static double engine_need_pps(const struct config *cfg, const struct config_timing *tm)
{
	double need = 0;
	for (size_t t = 0; t < cfg->n_targets; t++)
		for (size_t k = 0; k < cfg->targets[t].n_probes; k++) {
			const struct config_probe *p = &cfg->targets[t].probes[k];
			if ((p->kind != PROBE_ICMP && p->kind != PROBE_TCP) ||
			    p->timing.timeout_us != tm->timeout_us || p->timing.retries != tm->retries)
				continue;
			need += (1.0 + p->timing.retries) * 1e6 / (double)p->timing.interval_us;
		}
	return need;
}

/* The engine for a timing, created on first use. Its rate limit is the
 * worst-case need of its probes with a quarter more as headroom, and at least
 * 1000/s (a small watchlist never floods: it sends what it needs, the limit
 * only bounds bursts); its window holds a full second of that rate waiting
 * for the timeout. So a round of every target always fits in the interval:
 * the limit paces, it never starves (100,000 targets every 30 s need 6,667
 * attempts/s at worst with one retry; a fixed 1000/s stretched each round to
 * 200 s, measured by bench/soak). */
static size_t engine_for(struct watch *w, const struct config_timing *tm, char *err, size_t errlen,
			 int *rc)
{
	for (size_t i = 0; i < w->n_engines; i++)
		if (w->engines[i].timeout_us == tm->timeout_us && w->engines[i].retries == tm->retries)
			return i;
	struct watch_engine *we = &w->engines[w->n_engines];
	we->timeout_us = tm->timeout_us;
	we->retries = tm->retries;
	double need = engine_need_pps(w->cfg, tm);
	double rate = fmax(1000.0, ceil(need * 1.25));
	double window = fmax(4096.0, ceil(rate * (double)tm->timeout_us / 1e6));
	struct probe_engine_config ec = {
	    .timeout_us = tm->timeout_us,
	    .retries = (unsigned)tm->retries,
	    .rate_pps = rate > UINT32_MAX ? UINT32_MAX : (uint32_t)rate,
	    .window = window > 1e6 ? 1000000 : (uint32_t)window,
	    .done = on_engine_done,
	    .ctx = w,
	};
	*rc = probe_engine_new(&w->loop, &ec, &we->e, err, errlen);
	if (*rc < 0)
		return 0;
	log_info("watch: probe engine (timeout %" PRId64 " ms, %d retries): up to %.0f attempts/s "
		 "(worst-case need %.0f/s), %" PRIu32 " in flight",
		 tm->timeout_us / 1000, tm->retries, rate, need, ec.window);
	return w->n_engines++;
}

/* Opens the engine's ICMP socket(s) for the job's target now, while the
 * watcher may still be root (watch --user drops privileges right after this,
 * and a raw socket cannot be opened later). A host resolved at run time may be
 * of either family: both are opened. A failure is only logged: the probe's
 * submit reports it again each round, as it did before. */
static void prepare_icmp(struct watch *w, const struct watch_job *j)
{
	const struct config_target *t = &w->cfg->targets[j->target];
	struct probe_engine *e = w->engines[j->engine].e;
	char msg[256];
	if (t->has_addr) {
		if (probe_engine_prepare(e, PROBE_ICMP, t->addr.family, msg, sizeof msg) < 0)
			log_warn("watch: %s: %s", t->name, msg);
		return;
	}
	if (probe_engine_prepare(e, PROBE_ICMP, AF_INET, msg, sizeof msg) < 0)
		log_debug("watch: %s: %s", t->name, msg);
	if (probe_engine_prepare(e, PROBE_ICMP, AF_INET6, msg, sizeof msg) < 0)
		log_debug("watch: %s: %s", t->name, msg);
}

int watch_sched_start(struct watch *w, char *err, size_t errlen)
{
	const struct config *cfg = w->cfg;
	int rc = 0;
	size_t n = config_count_probes(cfg);
	w->jobs = xcalloc(n + 1, sizeof *w->jobs);
	w->engines = xcalloc(n + 1, sizeof *w->engines);
	bool need_http = false;
	for (size_t t = 0; t < cfg->n_targets; t++)
		for (size_t k = 0; k < cfg->targets[t].n_probes; k++) {
			const struct config_probe *p = &cfg->targets[t].probes[k];
			struct watch_job *j = &w->jobs[w->n_jobs];
			j->w = w;
			j->target = t;
			j->probe = k;
			if (p->kind == PROBE_ICMP || p->kind == PROBE_TCP) {
				j->engine = engine_for(w, &p->timing, err, errlen, &rc);
				if (rc < 0)
					return rc;
			}
			if (p->kind == PROBE_ICMP)
				prepare_icmp(w, j);
			if (p->kind == PROBE_HTTP)
				need_http = true;
			w->n_jobs++;
		}
	if (need_http && (rc = http_client_new(&w->loop, &w->http)) < 0) {
		snprintf(err, errlen, "cannot start the HTTP client: %s", err_str(rc));
		return rc;
	}
	for (size_t i = 0; i < w->n_jobs; i++) {
		struct watch_job *j = &w->jobs[i];
		const struct config_probe *p = job_probe(j);
		uint64_t ival_ms = (uint64_t)(p->timing.interval_us / 1000);
		if (ival_ms == 0)
			ival_ms = 1;
		uint64_t jitter = name_hash(cfg->targets[j->target].name) % ival_ms;
		uv_timer_init(&w->loop, &j->timer);
		j->timer.data = j;
		uv_timer_start(&j->timer, on_job_timer, jitter, ival_ms);
	}
	return 0;
}

static void on_engine_closed(void *ctx)
{
	(void)ctx;
}

void watch_sched_stop(struct watch *w)
{
	for (size_t i = 0; i < w->n_jobs; i++) {
		struct watch_job *j = &w->jobs[i];
		if (!uv_is_closing((uv_handle_t *)&j->timer))
			uv_close((uv_handle_t *)&j->timer, NULL);
		if (j->inflight) {
			void *p = j->inflight;
			j->inflight = NULL;
			switch (job_probe(j)->kind) {
			case PROBE_DNS: dns_probe_cancel(p); break;
			case PROBE_SMTP: smtp_probe_cancel(p); break;
			case PROBE_TRACE: trace_cancel(p); break;
			default: break; /* http: http_client_free cancels */
			}
		}
	}
	for (size_t i = 0; i < w->n_engines; i++) {
		probe_engine_close(w->engines[i].e, on_engine_closed, NULL);
		w->engines[i].e = NULL;
	}
	for (size_t t = 0; w->ts && t < w->cfg->n_targets; t++) /* no ts: watch_new failed early */
		if (w->ts[t].resolving)
			uv_cancel((uv_req_t *)&w->ts[t].gai);
	if (w->http) {
		http_client_free(w->http);
		w->http = NULL;
	}
}
