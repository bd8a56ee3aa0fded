/*
 * config_write.c - a loaded config back to YAML (libyaml's emitter), and the
 * comparison that proves the round trip: load(write(cfg)) equals cfg.
 *
 * Every effective value is written out (defaults resolved, probes explicit),
 * so the output shows exactly what the watcher will do. Strings that YAML
 * would read as something else (null, true, a number) are double-quoted.
 */
#include "config/config.h"

#include <ctype.h>
#include <ldns/rr.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/obs.h"

struct writer {
	yaml_emitter_t em;
	bool failed;
};

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
	buf_append(data, buffer, size);
	return 1;
}

static void emit(struct writer *w, yaml_event_t *ev)
{
	if (w->failed)
		yaml_event_delete(ev);
	else if (!yaml_emitter_emit(&w->em, ev))
		w->failed = true;
}

/* true if a plain scalar s would load as something other than a string. */
static bool needs_quotes(const char *s)
{
	static const char *const special[] = {"",     "~",     "null", "Null",  "NULL",  "true",
					      "True", "TRUE",  "false", "False", "FALSE", "yes",
					      "no",   "on",    "off"};
	for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
		if (!strcmp(s, special[i]))
			return true;
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (isdigit((unsigned char)*p) || *p == '.')
		return true; /* 12, 1.5, .5: YAML 1.1 readers see numbers */
	return false;
}

static void str(struct writer *w, const char *s)
{
	yaml_event_t ev;
	yaml_scalar_style_t style = needs_quotes(s) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE;
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1, style);
	emit(w, &ev);
}

/* A value that is meant to read back as a number or keyword: plain. */
static void plain(struct writer *w, const char *s)
{
	yaml_event_t ev;
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
				     YAML_PLAIN_SCALAR_STYLE);
	emit(w, &ev);
}

static void num(struct writer *w, unsigned long long v)
{
	char b[32];
	snprintf(b, sizeof b, "%llu", v);
	plain(w, b);
}

static void dur(struct writer *w, int64_t us)
{
	char b[64];
	if (us == CONFIG_FOREVER)
		plain(w, "forever");
	else
		plain(w, config_format_duration(us, b, sizeof b));
}

static void boolean(struct writer *w, bool v)
{
	plain(w, v ? "true" : "false");
}

static void addr_val(struct writer *w, const struct addr *a)
{
	char b[ADDR_STRLEN];
	plain(w, addr_format(a, b, sizeof b));
}

static void hostport(struct writer *w, const struct addr *a, uint16_t port)
{
	char b[ADDR_STRLEN], out[ADDR_STRLEN + 10];
	addr_format(a, b, sizeof b);
	snprintf(out, sizeof out, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", b, port);
	str(w, out);
}

static void map_start(struct writer *w, bool flow)
{
	yaml_event_t ev;
	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
					    flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
	emit(w, &ev);
}

static void map_end(struct writer *w)
{
	yaml_event_t ev;
	yaml_mapping_end_event_initialize(&ev);
	emit(w, &ev);
}

static void seq_start(struct writer *w, bool flow)
{
	yaml_event_t ev;
	yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
					     flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
	emit(w, &ev);
}

static void seq_end(struct writer *w)
{
	yaml_event_t ev;
	yaml_sequence_end_event_initialize(&ev);
	emit(w, &ev);
}

static void key(struct writer *w, const char *k)
{
	plain(w, k);
}

static void timing(struct writer *w, const struct config_timing *t)
{
	key(w, "interval");
	dur(w, t->interval_us);
	key(w, "timeout");
	dur(w, t->timeout_us);
	key(w, "retries");
	num(w, (unsigned)t->retries);
}

static void prefixes(struct writer *w, const struct prefix *p, size_t n)
{
	char b[PREFIX_STRLEN];
	seq_start(w, true);
	for (size_t i = 0; i < n; i++)
		plain(w, prefix_format(&p[i], b, sizeof b));
	seq_end(w);
}

static void write_probe(struct writer *w, const struct config_probe *p, const struct config_timing *inherit)
{
	map_start(w, false);
	key(w, "type");
	plain(w, probe_kind_name(p->kind));
	if (p->timing.interval_us != inherit->interval_us) {
		key(w, "interval");
		dur(w, p->timing.interval_us);
	}
	if (p->timing.timeout_us != inherit->timeout_us) {
		key(w, "timeout");
		dur(w, p->timing.timeout_us);
	}
	if (p->timing.retries != inherit->retries) {
		key(w, "retries");
		num(w, (unsigned)p->timing.retries);
	}
	if (p->kind == PROBE_TCP || p->kind == PROBE_SMTP || p->kind == PROBE_DNS) {
		key(w, "port");
		num(w, p->port);
	}
	if (p->kind == PROBE_HTTP) {
		key(w, "url");
		str(w, p->url);
		if (p->has_resolve) {
			key(w, "resolve");
			addr_val(w, &p->resolve);
		}
		if (p->n_expect_status) {
			key(w, "expect_status");
			seq_start(w, true);
			for (size_t i = 0; i < p->n_expect_status; i++)
				num(w, (unsigned)p->expect_status[i]);
			seq_end(w);
		}
		if (p->expect_body) {
			key(w, "expect_body");
			str(w, p->expect_body);
		}
	}
	if (p->kind == PROBE_DNS) {
		key(w, "qname");
		str(w, p->qname);
		key(w, "qtype");
		const ldns_rr_descriptor *d = ldns_rr_descript(p->qtype);
		char t[16];
		if (d && d->_name)
			snprintf(t, sizeof t, "%s", d->_name);
		else
			snprintf(t, sizeof t, "TYPE%u", p->qtype);
		plain(w, t);
	}
	if (p->kind == PROBE_TRACE) {
		key(w, "max_hops");
		num(w, (unsigned)p->max_hops);
	}
	map_end(w);
}

static void write_target(struct writer *w, const struct config_target *t, const struct config_timing *inherit)
{
	map_start(w, false);
	key(w, "name");
	str(w, t->name);
	if (t->role != ROLE_CONTROL) {
		key(w, "role");
		plain(w, role_name(t->role));
	}
	if (t->has_addr) {
		key(w, "address");
		addr_val(w, &t->addr);
	}
	if (t->host) {
		key(w, "host");
		str(w, t->host);
	}
	if (t->note) {
		key(w, "note");
		str(w, t->note);
	}
	if (t->border_link) {
		key(w, "border_link");
		boolean(w, true);
	}
	key(w, "probes");
	seq_start(w, false);
	for (size_t i = 0; i < t->n_probes; i++)
		write_probe(w, &t->probes[i], inherit);
	seq_end(w);
	map_end(w);
}

static void write_alert(struct writer *w, const struct config_alert *a)
{
	static const char *const whens[] = {"open", "update", "close"};
	map_start(w, false);
	key(w, "name");
	str(w, a->name);
	key(w, "type");
	plain(w, a->kind == ALERT_WEBHOOK ? "webhook" : "exec");
	key(w, "on");
	seq_start(w, true);
	for (int i = 0; i < 3; i++)
		if (a->on & (1u << i))
			plain(w, whens[i]);
	seq_end(w);
	key(w, "timeout");
	dur(w, a->timeout_us);
	if (a->kind == ALERT_WEBHOOK) {
		key(w, "url");
		str(w, a->url);
		key(w, "text");
		boolean(w, a->text);
		if (a->n_headers) {
			key(w, "headers");
			map_start(w, false);
			for (size_t i = 0; i < a->n_headers; i++) {
				str(w, a->headers[i].name);
				str(w, a->headers[i].value);
			}
			map_end(w);
		}
	} else {
		key(w, "command");
		seq_start(w, true);
		for (size_t i = 0; i < a->argc; i++)
			str(w, a->argv[i]);
		seq_end(w);
	}
	map_end(w);
}

static void write_root(struct writer *w, const struct config *cfg)
{
	char b[64];
	map_start(w, false);

	key(w, "vantage");
	map_start(w, false);
	key(w, "id");
	num(w, cfg->vantage.id);
	key(w, "name");
	str(w, cfg->vantage.name);
	map_end(w);

	key(w, "defaults");
	map_start(w, false);
	timing(w, &cfg->defaults);
	map_end(w);

	key(w, "store");
	map_start(w, false);
	key(w, "path");
	str(w, cfg->store.path);
	key(w, "flush_interval");
	dur(w, cfg->store.flush_interval_us);
	key(w, "raw_retention");
	dur(w, cfg->store.raw_retention_us);
	key(w, "aggregate_retention");
	dur(w, cfg->store.agg_retention_us);
	key(w, "aggregate_bin");
	dur(w, cfg->store.agg_bin_us);
	key(w, "queue_limit");
	uint64_t q = cfg->store.queue_max_bytes;
	if (q % (1u << 30) == 0)
		snprintf(b, sizeof b, "%lluGiB", (unsigned long long)(q >> 30));
	else if (q % (1u << 20) == 0)
		snprintf(b, sizeof b, "%lluMiB", (unsigned long long)(q >> 20));
	else if (q % (1u << 10) == 0)
		snprintf(b, sizeof b, "%lluKiB", (unsigned long long)(q >> 10));
	else
		snprintf(b, sizeof b, "%llu", (unsigned long long)q);
	plain(w, b);
	map_end(w);

	key(w, "http");
	map_start(w, false);
	key(w, "enabled");
	boolean(w, cfg->http.enabled);
	key(w, "listen");
	hostport(w, &cfg->http.listen_addr, cfg->http.listen_port);
	if (cfg->http.token_file) {
		key(w, "token_file");
		str(w, cfg->http.token_file);
	} else if (cfg->http.token) {
		key(w, "token");
		str(w, cfg->http.token);
	}
	key(w, "idle_timeout");
	dur(w, cfg->http.idle_timeout_us);
	key(w, "request_timeout");
	dur(w, cfg->http.request_timeout_us);
	key(w, "max_connections");
	num(w, cfg->http.max_connections);
	key(w, "max_per_ip");
	num(w, cfg->http.max_per_ip);
	map_end(w);

	if (cfg->n_alerts) {
		key(w, "alerts");
		seq_start(w, false);
		for (size_t i = 0; i < cfg->n_alerts; i++)
			write_alert(w, &cfg->alerts[i]);
		seq_end(w);
	}

	if (cfg->bgp.enabled) {
		const struct config_bgp *g = &cfg->bgp;
		key(w, "bgp");
		map_start(w, false);
		key(w, "listen");
		hostport(w, &g->listen_addr, g->listen_port);
		key(w, "local_as");
		num(w, g->local_as);
		key(w, "router_id");
		snprintf(b, sizeof b, "%u.%u.%u.%u", g->router_id >> 24, g->router_id >> 16 & 255,
			 g->router_id >> 8 & 255, g->router_id & 255);
		plain(w, b);
		key(w, "hold_time");
		dur(w, g->hold_time_us);
		key(w, "message_timeout");
		dur(w, g->message_timeout_us);
		if (g->mrt_path) {
			key(w, "mrt_output");
			str(w, g->mrt_path);
		}
		if (g->n_prefixes) {
			key(w, "prefixes");
			prefixes(w, g->prefixes, g->n_prefixes);
		}
		if (g->n_peers) {
			key(w, "peers");
			seq_start(w, false);
			for (size_t i = 0; i < g->n_peers; i++) {
				map_start(w, true);
				if (g->peers[i].name) {
					key(w, "name");
					str(w, g->peers[i].name);
				}
				key(w, "address");
				addr_val(w, &g->peers[i].addr);
				key(w, "as");
				num(w, g->peers[i].asn);
				key(w, "port");
				num(w, g->peers[i].port);
				map_end(w);
			}
			seq_end(w);
		}
		map_end(w);
	}

	key(w, "entities");
	seq_start(w, false);
	for (size_t i = 0; i < cfg->n_entities; i++) {
		const struct config_entity *e = &cfg->entities[i];
		map_start(w, false);
		key(w, "name");
		str(w, e->name);
		key(w, "kind");
		plain(w, config_entity_kind_name(e->kind));
		if (e->description) {
			key(w, "description");
			str(w, e->description);
		}
		if (e->note) {
			key(w, "note");
			str(w, e->note);
		}
		if (e->n_prefixes) {
			key(w, "prefixes");
			prefixes(w, e->prefixes, e->n_prefixes);
		}
		if (e->n_origin_as) {
			key(w, "origin_as");
			seq_start(w, true);
			for (size_t k = 0; k < e->n_origin_as; k++)
				num(w, e->origin_as[k]);
			seq_end(w);
		}
		key(w, "discover_routers");
		boolean(w, e->discover_routers);
		key(w, "defaults");
		map_start(w, false);
		timing(w, &e->defaults);
		map_end(w);
		if (e->n_targets) {
			key(w, "targets");
			seq_start(w, false);
			for (size_t k = 0; k < e->n_targets; k++)
				write_target(w, &cfg->targets[e->first_target + k], &e->defaults);
			seq_end(w);
		}
		map_end(w);
	}
	seq_end(w);

	if (cfg->n_controls) {
		key(w, "controls");
		seq_start(w, false);
		for (size_t i = cfg->n_targets - cfg->n_controls; i < cfg->n_targets; i++)
			write_target(w, &cfg->targets[i], &cfg->defaults);
		seq_end(w);
	}
	map_end(w);
}

int config_write_yaml(const struct config *cfg, struct buf *out)
{
	struct writer w = {0};
	yaml_event_t ev;
	if (!yaml_emitter_initialize(&w.em))
		return ERR_NOMEM;
	yaml_emitter_set_output(&w.em, write_handler, out);
	yaml_emitter_set_unicode(&w.em, 1);
	yaml_emitter_set_width(&w.em, 100);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	emit(&w, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	emit(&w, &ev);
	write_root(&w, cfg);
	yaml_document_end_event_initialize(&ev, 1);
	emit(&w, &ev);
	yaml_stream_end_event_initialize(&ev);
	emit(&w, &ev);
	int rc = w.failed ? ERR_INVAL : 0;
	yaml_emitter_delete(&w.em);
	return rc;
}

/* ---- equality ------------------------------------------------------------ */

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool addr_eq(const struct addr *a, const struct addr *b)
{
	return !addr_cmp(a, b);
}

static bool prefixes_eq(const struct prefix *a, size_t na, const struct prefix *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].len != b[i].len || !addr_eq(&a[i].addr, &b[i].addr))
			return false;
	return true;
}

static bool timing_eq(const struct config_timing *a, const struct config_timing *b)
{
	return a->interval_us == b->interval_us && a->timeout_us == b->timeout_us &&
	       a->retries == b->retries;
}

static bool probe_eq(const struct config_probe *a, const struct config_probe *b)
{
	if (a->kind != b->kind || !timing_eq(&a->timing, &b->timing) || a->port != b->port ||
	    !str_eq(a->url, b->url) || a->has_resolve != b->has_resolve ||
	    (a->has_resolve && !addr_eq(&a->resolve, &b->resolve)) ||
	    a->n_expect_status != b->n_expect_status || !str_eq(a->expect_body, b->expect_body) ||
	    !str_eq(a->qname, b->qname) || a->qtype != b->qtype || a->max_hops != b->max_hops)
		return false;
	for (size_t i = 0; i < a->n_expect_status; i++)
		if (a->expect_status[i] != b->expect_status[i])
			return false;
	return true;
}

static bool target_eq(const struct config_target *a, const struct config_target *b)
{
	if (!str_eq(a->name, b->name) || a->role != b->role || a->has_addr != b->has_addr ||
	    (a->has_addr && !addr_eq(&a->addr, &b->addr)) || !str_eq(a->host, b->host) ||
	    !str_eq(a->note, b->note) || a->entity != b->entity || a->n_probes != b->n_probes ||
	    a->border_link != b->border_link)
		return false;
	for (size_t i = 0; i < a->n_probes; i++)
		if (!probe_eq(&a->probes[i], &b->probes[i]))
			return false;
	return true;
}

static bool entity_eq(const struct config_entity *a, const struct config_entity *b)
{
	if (!str_eq(a->name, b->name) || a->kind != b->kind || !str_eq(a->description, b->description) ||
	    !str_eq(a->note, b->note) || !prefixes_eq(a->prefixes, a->n_prefixes, b->prefixes, b->n_prefixes) ||
	    a->n_origin_as != b->n_origin_as || a->discover_routers != b->discover_routers ||
	    !timing_eq(&a->defaults, &b->defaults) || a->first_target != b->first_target ||
	    a->n_targets != b->n_targets)
		return false;
	for (size_t i = 0; i < a->n_origin_as; i++)
		if (a->origin_as[i] != b->origin_as[i])
			return false;
	return true;
}

static bool alert_eq(const struct config_alert *a, const struct config_alert *b)
{
	if (!str_eq(a->name, b->name) || a->kind != b->kind || a->on != b->on ||
	    a->timeout_us != b->timeout_us ||
	    !str_eq(a->url, b->url) || a->text != b->text || a->n_headers != b->n_headers ||
	    a->argc != b->argc)
		return false;
	for (size_t i = 0; i < a->n_headers; i++)
		if (!str_eq(a->headers[i].name, b->headers[i].name) ||
		    !str_eq(a->headers[i].value, b->headers[i].value))
			return false;
	for (size_t i = 0; i < a->argc; i++)
		if (!str_eq(a->argv[i], b->argv[i]))
			return false;
	return true;
}

static bool bgp_eq(const struct config_bgp *a, const struct config_bgp *b)
{
	if (a->enabled != b->enabled || !addr_eq(&a->listen_addr, &b->listen_addr) ||
	    a->listen_port != b->listen_port || a->local_as != b->local_as ||
	    a->router_id != b->router_id || a->hold_time_us != b->hold_time_us ||
	    a->message_timeout_us != b->message_timeout_us ||
	    a->n_peers != b->n_peers || !str_eq(a->mrt_path, b->mrt_path) ||
	    !prefixes_eq(a->prefixes, a->n_prefixes, b->prefixes, b->n_prefixes))
		return false;
	for (size_t i = 0; i < a->n_peers; i++)
		if (!str_eq(a->peers[i].name, b->peers[i].name) ||
		    !addr_eq(&a->peers[i].addr, &b->peers[i].addr) || a->peers[i].asn != b->peers[i].asn ||
		    a->peers[i].port != b->peers[i].port)
			return false;
	return true;
}

bool config_equal(const struct config *a, const struct config *b)
{
	if (a->vantage.id != b->vantage.id || !str_eq(a->vantage.name, b->vantage.name) ||
	    !timing_eq(&a->defaults, &b->defaults))
		return false;
	const struct config_store *sa = &a->store, *sb = &b->store;
	if (!str_eq(sa->path, sb->path) || sa->flush_interval_us != sb->flush_interval_us ||
	    sa->raw_retention_us != sb->raw_retention_us || sa->agg_retention_us != sb->agg_retention_us ||
	    sa->agg_bin_us != sb->agg_bin_us || sa->queue_max_bytes != sb->queue_max_bytes)
		return false;
	const struct config_http *ha = &a->http, *hb = &b->http;
	if (ha->enabled != hb->enabled || !addr_eq(&ha->listen_addr, &hb->listen_addr) ||
	    ha->listen_port != hb->listen_port || !str_eq(ha->token, hb->token) ||
	    !str_eq(ha->token_file, hb->token_file) || ha->idle_timeout_us != hb->idle_timeout_us ||
	    ha->request_timeout_us != hb->request_timeout_us ||
	    ha->max_connections != hb->max_connections || ha->max_per_ip != hb->max_per_ip)
		return false;
	if (!bgp_eq(&a->bgp, &b->bgp) || a->n_alerts != b->n_alerts || a->n_entities != b->n_entities ||
	    a->n_targets != b->n_targets || a->n_controls != b->n_controls)
		return false;
	for (size_t i = 0; i < a->n_alerts; i++)
		if (!alert_eq(&a->alerts[i], &b->alerts[i]))
			return false;
	for (size_t i = 0; i < a->n_entities; i++)
		if (!entity_eq(&a->entities[i], &b->entities[i]))
			return false;
	for (size_t i = 0; i < a->n_targets; i++)
		if (!target_eq(&a->targets[i], &b->targets[i]))
			return false;
	return true;
}
