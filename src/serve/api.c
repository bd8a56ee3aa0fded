/*
 * api.c - see api.h. Each endpoint: parse and check the parameters, ask the
 * provider, write JSON as rows arrive. Nothing here blocks or keeps state
 * between requests.
 */
#include "serve/api.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/obs.h"
#include "serve/assets.h"
#include "serve/metrics.h"
#include "serve/query.h"

#define MAX_SEGMENTS 6

struct route {
	char seg[MAX_SEGMENTS][QUERY_STR_MAX];
	int n;
};

static void error_json(struct http_response *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void error_json(struct http_response *r, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	buf_reset(&r->body);
	r->status = status;
	r->content_type = "application/json";
	buf_printf(&r->body, "{\"type\":\"error\",\"error\":{\"status\":%d,\"message\":", status);
	json_str(&r->body, msg);
	buf_puts(&r->body, "},\"data\":null}\n");
}

/* Maps a provider's failure to a status. */
static void provider_error(struct http_response *r, int rc, const char *what, const char *name)
{
	if (rc == ERR_NOTFOUND) {
		error_json(r, 404, "no %s '%s'", what, name);
	} else {
		log_warn("serve: asking for %s failed: %s", what, err_str(rc));
		error_json(r, 500, "could not read %s: %s", what, err_str(rc));
	}
}

static void not_available(struct http_response *r, const char *what)
{
	error_json(r, 501, "%s is not available from this watcher", what);
}

static void json_time(struct buf *b, int64_t us)
{
	char t[40];
	if (us == 0)
		buf_puts(b, "null");
	else
		json_str(b, clock_format_iso(us, us % 1000000 != 0, t, sizeof t)); /* ms when not whole */
}

static void json_strs(struct buf *b, const char *const *v, size_t n)
{
	buf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(b, ',');
		json_str(b, v[i]);
	}
	buf_putc(b, ']');
}

/* Splits a raw path into decoded segments; false if it does not fit. */
static bool split_path(const char *p, size_t len, struct route *rt)
{
	rt->n = 0;
	size_t i = 0;
	if (len && p[0] == '/')
		i = 1;
	while (i < len) {
		size_t s = i;
		while (i < len && p[i] != '/')
			i++;
		if (rt->n == MAX_SEGMENTS)
			return false;
		if (query_unescape(p + s, i - s, false, rt->seg[rt->n], QUERY_STR_MAX) < 0)
			return false;
		rt->n++;
		if (i < len)
			i++; /* '/' */
		if (i == len && p[len - 1] == '/' && rt->n < MAX_SEGMENTS)
			rt->seg[rt->n++][0] = '\0'; /* trailing slash: an empty last segment */
	}
	return true;
}

static bool parse_query(const struct http_request *req, struct http_response *r,
			const struct query_param *spec, size_t n, struct query_value *v)
{
	char err[512];
	if (query_parse(req->query, req->query_len, spec, n, v, err, sizeof err) != 0) {
		error_json(r, 400, "%s", err);
		return false;
	}
	return true;
}

static void begin(struct buf *b, const char *type)
{
	buf_printf(b, "{\"type\":\"%s\",\"error\":null,\"data\":", type);
}

/* ---- entities ---- */

struct rows {
	struct buf *b;
	size_t n;
	size_t limit;
	int64_t now_us;
};

static void comma(struct rows *r)
{
	if (r->n++)
		buf_putc(r->b, ',');
}

/* A list answer: {"type":T,"error":null,"data":[ rows ]}. rows_end closes it,
 * or replaces it with the error when the provider failed (rc < 0). */
static struct rows rows_begin(struct http_response *resp, const char *type, size_t limit, int64_t now_us)
{
	begin(&resp->body, type);
	buf_putc(&resp->body, '[');
	return (struct rows){.b = &resp->body, .limit = limit, .now_us = now_us};
}

static void rows_end(struct http_response *resp, int rc, const char *what, const char *name)
{
	if (rc < 0)
		provider_error(resp, rc, what, name);
	else
		buf_puts(&resp->body, "]}\n");
}

static int emit_entity(void *arg, const struct serve_entity *e)
{
	struct rows *r = arg;
	struct buf *b = r->b;
	comma(r);
	buf_puts(b, "{\"id\":");
	json_str(b, e->id);
	buf_puts(b, ",\"name\":");
	json_str(b, e->name ? e->name : e->id);
	buf_puts(b, ",\"kind\":");
	json_str(b, e->kind);
	buf_puts(b, ",\"state\":");
	json_str(b, e->state ? e->state : "unknown");
	buf_printf(b, ",\"targets\":%" PRIu32 ",\"open_event\":", e->n_targets);
	if (e->open_event)
		buf_printf(b, "%" PRIu64, e->open_event);
	else
		buf_puts(b, "null");
	buf_putc(b, '}');
	return 0;
}

static void get_entities(const struct serve_provider *p, const struct http_request *req,
			 struct http_response *resp)
{
	if (!parse_query(req, resp, NULL, 0, NULL))
		return;
	if (!p->entities) {
		not_available(resp, "the entity list");
		return;
	}
	struct rows r = rows_begin(resp, "entities", 0, 0);
	rows_end(resp, p->entities(p->ctx, emit_entity, &r), "entities", "");
}

/* ---- targets ---- */

static int emit_target(void *arg, const struct serve_target *t)
{
	struct rows *r = arg;
	struct buf *b = r->b;
	comma(r);
	buf_puts(b, "{\"id\":");
	json_str(b, t->id);
	buf_puts(b, ",\"entity\":");
	json_str(b, t->entity);
	buf_puts(b, ",\"address\":");
	json_str(b, t->address);
	buf_puts(b, ",\"role\":");
	json_str(b, t->role);
	buf_puts(b, ",\"probe\":");
	json_str(b, t->probe);
	buf_puts(b, ",\"state\":");
	json_str(b, t->state ? t->state : "unknown");
	buf_puts(b, ",\"since\":");
	json_time(b, t->since_us);
	buf_puts(b, ",\"last\":");
	json_time(b, t->last_us);
	buf_puts(b, ",\"last_outcome\":");
	json_str(b, t->last_outcome >= 0 ? outcome_code(t->last_outcome) : NULL);
	buf_puts(b, ",\"rtt_ms\":");
	json_num(b, t->rtt_ms >= 0 ? t->rtt_ms : NAN);
	buf_printf(b, ",\"sent\":%" PRIu64 ",\"answered\":%" PRIu64 "}", t->sent, t->answered);
	return 0;
}

static void get_targets(const struct serve_provider *p, const struct http_request *req,
			struct http_response *resp)
{
	static const struct query_param spec[] = {{"entity", QUERY_STRING, 0, 0}};
	struct query_value v[1];
	if (!parse_query(req, resp, spec, 1, v))
		return;
	if (!p->targets) {
		not_available(resp, "the target list");
		return;
	}
	struct rows r = rows_begin(resp, "targets", 0, 0);
	rows_end(resp, p->targets(p->ctx, v[0].set ? v[0].str : NULL, emit_target, &r), "entity", v[0].str);
}

/* ---- signals ---- */

size_t serve_downsample(const double *in, size_t n, size_t max_points, double *out, size_t *factor)
{
	size_t k = 1;
	if (max_points == 0)
		max_points = 1;
	if (n > max_points)
		k = (n + max_points - 1) / max_points;
	size_t m = 0;
	for (size_t i = 0; i < n; i += k) {
		double sum = 0;
		size_t cnt = 0;
		for (size_t j = i; j < i + k && j < n; j++)
			if (!isnan(in[j])) {
				sum += in[j];
				cnt++;
			}
		out[m++] = cnt ? sum / (double)cnt : NAN;
	}
	*factor = k;
	return m;
}

struct sig_ctx {
	struct rows r;
	const struct serve_entity *entity; /* filled by find_entity */
	char entity_name[QUERY_STR_MAX], entity_kind[64];
	const char *entity_id;
	bool found;
	int64_t from_us, until_us;
	size_t max_points;
	double *tmp;
	size_t tmp_cap;
};

static int find_entity(void *arg, const struct serve_entity *e)
{
	struct sig_ctx *c = arg;
	if (strcmp(e->id, c->entity_id))
		return 0;
	c->found = true;
	snprintf(c->entity_name, sizeof c->entity_name, "%s", e->name ? e->name : e->id);
	snprintf(c->entity_kind, sizeof c->entity_kind, "%s", e->kind ? e->kind : "unknown");
	return 1;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int emit_series(void *arg, const struct serve_series *s)
{
	struct sig_ctx *c = arg;
	struct buf *b = c->r.b;
	if (s->step_us <= 0)
		return 0; /* contract broken; skip rather than divide by zero */
	/* keep only the bins that overlap [from, until] */
	int64_t first = 0, last = (int64_t)s->n - 1;
	if (c->from_us > s->start_us)
		first = floor_div(c->from_us - s->start_us, s->step_us);
	if (c->until_us < s->start_us + (int64_t)s->n * s->step_us)
		last = floor_div(c->until_us - s->start_us, s->step_us);
	if (first < 0)
		first = 0;
	if (last >= (int64_t)s->n)
		last = (int64_t)s->n - 1;
	size_t n = last >= first ? (size_t)(last - first + 1) : 0;
	if (n > c->tmp_cap) {
		c->tmp = xreallocarray(c->tmp, n, sizeof *c->tmp);
		c->tmp_cap = n;
	}
	size_t k = 1;
	size_t m = serve_downsample(s->values + first, n, c->max_points, c->tmp, &k);
	int64_t start = s->start_us + first * s->step_us, step = s->step_us * (int64_t)k;
	comma(&c->r);
	buf_puts(b, "{\"entityType\":");
	json_str(b, c->entity_kind);
	buf_puts(b, ",\"entityCode\":");
	json_str(b, c->entity_id);
	buf_puts(b, ",\"entityName\":");
	json_str(b, c->entity_name);
	buf_puts(b, ",\"datasource\":");
	json_str(b, s->layer);
	buf_puts(b, ",\"layer\":");
	json_str(b, s->layer);
	buf_puts(b, ",\"metric\":");
	json_str(b, s->metric);
	buf_puts(b, ",\"from\":");
	json_num(b, (double)floor_div(start, USEC_PER_SEC));
	buf_puts(b, ",\"until\":");
	json_num(b, (double)floor_div(start + (int64_t)m * step, USEC_PER_SEC));
	buf_puts(b, ",\"step\":");
	json_num(b, (double)step / 1e6);
	buf_puts(b, ",\"nativeStep\":");
	json_num(b, (double)s->step_us / 1e6);
	buf_puts(b, ",\"values\":[");
	for (size_t i = 0; i < m; i++) {
		if (i)
			buf_putc(b, ',');
		json_num(b, c->tmp[i]);
	}
	buf_puts(b, "]}");
	return 0;
}

/* Reads from/until with their defaults and checks the window. */
static bool time_window(struct http_response *resp, const struct query_value *from,
			const struct query_value *until, int64_t now_us, int64_t default_span_us,
			int64_t *f, int64_t *u)
{
	*u = until->set ? until->time_us : now_us;
	*f = from->set ? from->time_us : *u - default_span_us;
	if (*f > *u) {
		error_json(resp, 400, "parameter 'from': must not be after 'until'");
		return false;
	}
	if (*u - *f > (int64_t)SERVE_MAX_RANGE_S * USEC_PER_SEC) {
		error_json(resp, 400, "parameters 'from'/'until': the window is longer than %d days",
			   SERVE_MAX_RANGE_S / 86400);
		return false;
	}
	return true;
}

static void get_signals(const struct serve_provider *p, const struct http_request *req,
			struct http_response *resp, const char *entity)
{
	static const struct query_param spec[] = {
		{"from", QUERY_TIME, 0, 0},
		{"until", QUERY_TIME, 0, 0},
		{"maxPoints", QUERY_UINT, 1, SERVE_MAX_POINTS},
	};
	struct query_value v[3];
	if (!parse_query(req, resp, spec, 3, v))
		return;
	if (!p->signals || !p->entities) {
		not_available(resp, "signals");
		return;
	}
	struct sig_ctx c = {.r = {.b = &resp->body}, .entity_id = entity};
	if (!time_window(resp, &v[0], &v[1], req->now_us, 24 * 3600 * USEC_PER_SEC, &c.from_us, &c.until_us))
		return;
	c.max_points = v[2].set ? v[2].u : SERVE_DEFAULT_MAX_POINTS;
	int rc = p->entities(p->ctx, find_entity, &c);
	if (rc < 0) {
		provider_error(resp, rc, "entities", "");
		return;
	}
	if (!c.found) {
		error_json(resp, 404, "no entity '%s'", entity);
		return;
	}
	struct buf *b = c.r.b;
	char t1[40], t2[40];
	buf_puts(b, "{\"type\":\"signals\",\"requestParameters\":{\"entity\":");
	json_str(b, entity);
	buf_printf(b, ",\"from\":\"%s\",\"until\":\"%s\",\"maxPoints\":%zu},\"error\":null,\"data\":[[",
		   clock_format_iso(c.from_us, 0, t1, sizeof t1), clock_format_iso(c.until_us, 0, t2, sizeof t2),
		   c.max_points);
	rc = p->signals(p->ctx, entity, c.from_us, c.until_us, emit_series, &c);
	free(c.tmp);
	if (rc < 0) {
		provider_error(resp, rc, "entity", entity);
		return;
	}
	buf_puts(b, "]]}\n");
}

/* ---- events ---- */

void serve_event_json(struct buf *b, const struct serve_event *e, int64_t now_us)
{
	buf_printf(b, "{\"id\":%" PRIu64 ",\"entity\":", e->id);
	json_str(b, e->entity);
	buf_puts(b, ",\"cause\":");
	json_str(b, e->cause ? e->cause : "unknown");
	buf_puts(b, ",\"severity\":");
	json_num(b, e->severity);
	buf_puts(b, ",\"confidence\":");
	json_num(b, e->confidence);
	buf_puts(b, ",\"start\":");
	json_time(b, e->start_us);
	buf_puts(b, ",\"end\":");
	json_time(b, e->end_us);
	buf_printf(b, ",\"open\":%s,\"duration_s\":", e->end_us ? "false" : "true");
	int64_t end = e->end_us ? e->end_us : now_us;
	json_num(b, e->start_us && end >= e->start_us ? (double)((end - e->start_us) / USEC_PER_SEC) : NAN);
	buf_puts(b, ",\"summary\":");
	json_str(b, e->summary);
	buf_puts(b, ",\"layers_failed\":");
	json_strs(b, e->layers_failed, e->n_layers_failed);
	buf_puts(b, ",\"layers_recovered\":");
	json_strs(b, e->layers_recovered, e->n_layers_recovered);
	buf_puts(b, ",\"evidence\":");
	json_strs(b, e->evidence, e->n_evidence);
	buf_putc(b, '}');
}

static int emit_event(void *arg, const struct serve_event *e)
{
	struct rows *r = arg;
	comma(r);
	serve_event_json(r->b, e, r->now_us);
	return r->limit && r->n >= r->limit;
}

static void get_events(const struct serve_provider *p, const struct http_request *req,
		       struct http_response *resp)
{
	static const struct query_param spec[] = {{"since", QUERY_TIME, 0, 0},
						  {"limit", QUERY_UINT, 1, SERVE_MAX_LIMIT}};
	struct query_value v[2];
	if (!parse_query(req, resp, spec, 2, v))
		return;
	if (!p->events) {
		not_available(resp, "the event list");
		return;
	}
	int64_t since = v[0].set ? v[0].time_us : req->now_us - 30 * 86400 * USEC_PER_SEC;
	struct rows r = rows_begin(resp, "events", v[1].set ? v[1].u : SERVE_DEFAULT_LIMIT, req->now_us);
	rows_end(resp, p->events(p->ctx, since, emit_event, &r), "events", "");
}

struct one_event {
	struct buf *b;
	int64_t now_us;
	bool have_event;
	size_t steps;
};

static int emit_the_event(void *arg, const struct serve_event *e)
{
	struct one_event *c = arg;
	if (c->have_event)
		return 0;
	c->have_event = true;
	serve_event_json(c->b, e, c->now_us);
	c->b->len--; /* reopen the object for the timeline */
	buf_puts(c->b, ",\"timeline\":[");
	return 0;
}

static int emit_step(void *arg, const struct serve_step *s)
{
	struct one_event *c = arg;
	struct buf *b = c->b;
	if (!c->have_event)
		return 0; /* contract: the event comes first */
	if (c->steps++)
		buf_putc(b, ',');
	buf_puts(b, "{\"time\":");
	json_time(b, s->time_us);
	buf_puts(b, ",\"layer\":");
	json_str(b, s->layer);
	buf_puts(b, ",\"target\":");
	json_str(b, s->target);
	buf_puts(b, ",\"change\":");
	json_str(b, s->change);
	buf_puts(b, ",\"text\":");
	json_str(b, s->text);
	buf_putc(b, '}');
	return 0;
}

static bool parse_id(const char *s, uint64_t *id)
{
	uint64_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*id = v;
	return v > 0;
}

static void get_event(const struct serve_provider *p, const struct http_request *req,
		      struct http_response *resp, const char *idstr)
{
	uint64_t id;
	if (!parse_query(req, resp, NULL, 0, NULL))
		return;
	if (!parse_id(idstr, &id)) {
		error_json(resp, 400, "event id: expected a positive whole number, got '%.40s'", idstr);
		return;
	}
	if (!p->event) {
		not_available(resp, "event details");
		return;
	}
	struct one_event c = {.b = &resp->body, .now_us = req->now_us};
	begin(c.b, "event");
	int rc = p->event(p->ctx, id, emit_the_event, emit_step, &c);
	if (rc < 0) {
		provider_error(resp, rc, "event", idstr);
		return;
	}
	if (!c.have_event) {
		error_json(resp, 404, "no event '%s'", idstr);
		return;
	}
	buf_puts(c.b, "]}}\n");
}

/* ---- bgp ---- */

static int emit_bgp(void *arg, const struct serve_bgp *g)
{
	struct rows *r = arg;
	struct buf *b = r->b;
	comma(r);
	buf_puts(b, "{\"prefix\":");
	json_str(b, g->prefix);
	buf_puts(b, ",\"entity\":");
	json_str(b, g->entity);
	buf_puts(b, ",\"origin_as\":");
	if (g->origin_as)
		buf_printf(b, "%" PRIu32, g->origin_as);
	else
		buf_puts(b, "null");
	buf_printf(b, ",\"peers\":%" PRIu32 ",\"peers_seeing\":%" PRIu32 ",\"visibility\":", g->peers,
		   g->peers_seeing);
	json_num(b, g->peers ? (double)g->peers_seeing / g->peers : NAN);
	buf_puts(b, ",\"changed\":");
	json_time(b, g->changed_us);
	buf_putc(b, '}');
	return 0;
}

static void get_bgp(const struct serve_provider *p, const struct http_request *req,
		    struct http_response *resp)
{
	if (!parse_query(req, resp, NULL, 0, NULL))
		return;
	if (!p->bgp) {
		not_available(resp, "BGP visibility");
		return;
	}
	struct rows r = rows_begin(resp, "bgp", 0, 0);
	rows_end(resp, p->bgp(p->ctx, emit_bgp, &r), "BGP visibility", "");
}

/* ---- observations ---- */

static int emit_obs(void *arg, const struct serve_obs *o)
{
	struct rows *r = arg;
	struct buf *b = r->b;
	char t[40];
	comma(r);
	buf_puts(b, "{\"time\":");
	json_str(b, clock_format_iso(o->time_us, 1, t, sizeof t));
	buf_puts(b, ",\"probe\":");
	json_str(b, o->probe);
	buf_puts(b, ",\"outcome\":");
	json_str(b, outcome_code(o->outcome));
	buf_printf(b, ",\"ok\":%s,\"rtt_ms\":", o->outcome == OUTCOME_OK ? "true" : "false");
	json_num(b, o->rtt_ms >= 0 ? o->rtt_ms : NAN);
	buf_printf(b, ",\"vantage\":%u,\"detail\":", (unsigned)o->vantage);
	json_str(b, o->detail);
	buf_putc(b, '}');
	return r->n >= r->limit;
}

static void get_observations(const struct serve_provider *p, const struct http_request *req,
			     struct http_response *resp, const char *target)
{
	static const struct query_param spec[] = {
		{"from", QUERY_TIME, 0, 0},
		{"until", QUERY_TIME, 0, 0},
		{"limit", QUERY_UINT, 1, SERVE_MAX_LIMIT},
	};
	struct query_value v[3];
	int64_t from, until;
	if (!parse_query(req, resp, spec, 3, v))
		return;
	if (!time_window(resp, &v[0], &v[1], req->now_us, 3600 * USEC_PER_SEC, &from, &until))
		return;
	if (!p->observations) {
		not_available(resp, "raw observations");
		return;
	}
	struct rows r = rows_begin(resp, "observations", v[2].set ? v[2].u : SERVE_DEFAULT_LIMIT, 0);
	rows_end(resp, p->observations(p->ctx, target, from, until, r.limit, emit_obs, &r), "target", target);
}

/* ---- assets, metrics, routing ---- */

const struct serve_asset *serve_asset_find(const char *path)
{
	for (size_t i = 0; i < serve_assets_count; i++)
		if (!strcmp(serve_assets[i].path, path))
			return &serve_assets[i];
	return NULL;
}

const char *serve_asset_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
		{".png", "image/png"},                 {".json", "application/json"},
	};
	size_t n = strlen(path);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t e = strlen(types[i].ext);
		if (n >= e && !strcmp(path + n - e, types[i].ext))
			return types[i].type;
	}
	return "text/plain; charset=utf-8";
}

static void get_asset(struct http_response *resp, const char *path)
{
	const struct serve_asset *a = serve_asset_find(path);
	if (!a) {
		error_json(resp, 404, "no such file '%s'", path);
		return;
	}
	resp->static_body = a->data;
	resp->static_len = a->len;
	resp->content_type = serve_asset_type(path);
	resp->cache_control = "no-cache";
}

static void get_metrics(const struct serve_provider *p, const struct http_request *req,
			struct http_response *resp)
{
	static const struct query_param spec[] = {{"targets", QUERY_UINT, 0, 1}};
	struct query_value v[1];
	if (!parse_query(req, resp, spec, 1, v))
		return;
	int rc = metrics_write(&resp->body, p, req->now_us, !v[0].set || v[0].u == 1);
	if (rc < 0) {
		provider_error(resp, rc, "metrics", "");
		return;
	}
	resp->content_type = METRICS_CONTENT_TYPE;
}

void serve_api_handle(void *arg, const struct http_request *req, struct http_response *resp)
{
	const struct serve_provider *p = arg;
	struct route rt;
	if (!split_path(req->path, req->path_len, &rt)) {
		error_json(resp, 404, "no such path (bad escape, or too long)");
		return;
	}
	const char *s0 = rt.n > 0 ? rt.seg[0] : "";
	/* the dashboard's files are public: they hold no data */
	if (rt.n == 0 || (rt.n == 1 && (!*s0 || !strcmp(s0, "index.html")))) {
		get_asset(resp, "index.html");
		return;
	}
	if (!strcmp(s0, "assets") && rt.n >= 2) {
		char path[QUERY_STR_MAX * 2] = "";
		for (int i = 1; i < rt.n; i++) {
			if (!rt.seg[i][0] || !strcmp(rt.seg[i], "..") || !strcmp(rt.seg[i], ".")) {
				error_json(resp, 404, "no such file");
				return;
			}
			size_t l = strlen(path);
			snprintf(path + l, sizeof path - l, "%s%s", i > 1 ? "/" : "", rt.seg[i]);
		}
		get_asset(resp, path);
		return;
	}
	if (!req->authorized) {
		error_json(resp, 401, "this watcher needs a token: send 'Authorization: Bearer TOKEN'");
		return;
	}
	if (rt.n == 1 && !strcmp(s0, "metrics")) {
		get_metrics(p, req, resp);
		return;
	}
	if (rt.n < 3 || strcmp(s0, "api") || strcmp(rt.seg[1], "v1")) {
		error_json(resp, 404, "no such path; the API is under /api/v1/");
		return;
	}
	const char *what = rt.seg[2];
	const char *arg3 = rt.n >= 4 ? rt.seg[3] : NULL;
	if (rt.n > 4 || (arg3 && !*arg3)) {
		error_json(resp, 404, "no such path under /api/v1/%s", what);
		return;
	}
	if (!strcmp(what, "entities") && !arg3) {
		get_entities(p, req, resp);
		return;
	}
	if (!strcmp(what, "targets") && !arg3) {
		get_targets(p, req, resp);
		return;
	}
	if (!strcmp(what, "signals") && arg3) {
		get_signals(p, req, resp, arg3);
		return;
	}
	if (!strcmp(what, "events") && !arg3) {
		get_events(p, req, resp);
		return;
	}
	if (!strcmp(what, "events") && arg3) {
		get_event(p, req, resp, arg3);
		return;
	}
	if (!strcmp(what, "bgp") && !arg3) {
		get_bgp(p, req, resp);
		return;
	}
	if (!strcmp(what, "observations") && arg3) {
		get_observations(p, req, resp, arg3);
		return;
	}
	if (!strcmp(what, "signals") || !strcmp(what, "observations")) {
		error_json(resp, 404, "/api/v1/%s needs a name: /api/v1/%s/{%s}", what, what,
				  !strcmp(what, "signals") ? "entity" : "target");
		return;
	}
	error_json(resp, 404,
		   "no endpoint /api/v1/%.60s (there are: entities, targets, signals/{entity}, events, "
		   "events/{id}, bgp, observations/{target})",
		   what);
}
