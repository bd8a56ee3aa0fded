/* Unit tests for src/config: the watchlist loader, its errors, the YAML
 * writer (round trip), durations, and the built-in North Korea watchlist.
 * Nothing here sends a packet anywhere. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <unistd.h>

#include "config/config.h"
#include "core/buf.h"
#include "core/obs.h"
#include "test.h"

/* All errors of loading text as "t.yaml", one "t.yaml:L:C: msg" per line. */
static char *errors_of(const char *text)
{
	struct config_errors errs = {0};
	struct config *cfg = NULL;
	int rc = config_load_mem("t.yaml", text, strlen(text), &cfg, &errs);
	struct buf b = {0};
	for (size_t i = 0; i < errs.n; i++)
		buf_printf(&b, "t.yaml:%d:%d: %s\n", errs.v[i].line, errs.v[i].col, errs.v[i].msg);
	if (rc == 0)
		buf_puts(&b, "");
	config_free(cfg);
	config_errors_free(&errs);
	return buf_take(&b);
}

static struct config *load_ok(const char *name, const char *text)
{
	struct config_errors errs = {0};
	struct config *cfg = NULL;
	if (config_load_mem(name, text, strlen(text), &cfg, &errs)) {
		config_errors_print(&errs, stderr);
		cfg = NULL;
	}
	config_errors_free(&errs);
	return cfg;
}

#define BASE_ENTITY                                  \
	"entities:\n"                                \
	"  - name: e\n"                              \
	"    kind: group\n"                          \
	"    targets:\n"                             \
	"      - name: t\n"                          \
	"        role: web\n"                        \
	"        address: 127.0.0.1\n"               \
	"        probes: [icmp]\n"

TEST(test_error_table)
{
	static const struct {
		const char *yaml;
		const char *want;
	} cases[] = {
		{"entites: []\n",
		 "t.yaml:1:1: unknown key 'entites' in the top level of the config (did you mean 'entities'?)\n"
		 "t.yaml:1:1: missing required key 'entities' (the networks to watch)\n"},
		{"entities: everything\n", "t.yaml:1:11: expected a list of entities, got a scalar\n"},
		{"entities: []\n", "t.yaml:1:11: entities is empty: nothing to watch\n"},
		{"", "t.yaml:1:1: the config is empty: expected a mapping with at least 'entities'\n"},
		{"entities: [1,\n",
		 "t.yaml:2:1: YAML syntax error: did not find expected node content (while parsing a flow "
		 "node at line 2, column 1)\n"},
		{"defaults: {interval: 30}\n" BASE_ENTITY,
		 "t.yaml:1:22: expected a duration like 30s, 500ms or 1h30m (units us ms s m h d w), got '30'\n"},
		{"defaults: {interval: 10s, timeout: 5s}\n" BASE_ENTITY,
		 "t.yaml:1:11: timeout 5s x 3 attempts (retries 2 + 1) = 15s is longer than the interval 10s: "
		 "a round must end before the next\n"},
		{"defaults: {retries: 11}\n" BASE_ENTITY, "t.yaml:1:21: 11 is out of range (expected 0 to 10)\n"},
		{"store: {flush_interval: 1x, raw_retention: 30d, aggregate_retention: 7d}\n" BASE_ENTITY,
		 "t.yaml:1:25: expected a duration like 30s, 500ms or 1h30m (units us ms s m h d w), got '1x'\n"
		 "t.yaml:1:70: aggregate_retention is shorter than raw_retention: aggregates are made from raw "
		 "observations as they expire, so they must be kept at least as long\n"},
		{"store: {queue_limit: 12 parsecs}\n" BASE_ENTITY,
		 "t.yaml:1:22: expected a size like 65536, 512KiB, 64MiB or 1GiB, got '12 parsecs'\n"},
		{"http: {listen: 0.0.0.0:9797}\n" BASE_ENTITY,
		 "t.yaml:1:16: listening on 0.0.0.0 (not loopback) requires a token: set http.token or "
		 "http.token_file\n"},
		{"http: {listen: '[::]:9797', token: short}\n" BASE_ENTITY,
		 "t.yaml:1:36: the token is 5 characters long; use at least 16 random characters\n"},
		{"http: {listen: localhost:80}\n" BASE_ENTITY,
		 "t.yaml:1:16: expected ADDRESS:PORT like 127.0.0.1:9797 or [::1]:9797, got 'localhost:80'\n"},
		{"vantage: {id: 70000, nmae: x}\n" BASE_ENTITY,
		 "t.yaml:1:15: 70000 is out of range (expected 0 to 65535)\n"
		 "t.yaml:1:22: unknown key 'nmae' in vantage (did you mean 'name'?)\n"},
		{"bgp: {local_as: AS0, peers: [{address: 203.0.113.1}]}\n" BASE_ENTITY,
		 "t.yaml:1:6: missing required key 'router_id' in bgp\n"
		 "t.yaml:1:17: expected an AS number like 64500 or AS64500 (1 to 4294967295), got 'AS0'\n"
		 "t.yaml:1:30: missing required key 'as' in bgp peer\n"},
		{"bgp: {local_as: 64500, router_id: 2001:db8::1, hold_time: 2s}\n" BASE_ENTITY,
		 "t.yaml:1:35: expected a router id written as an IPv4 address like 198.51.100.1, got "
		 "'2001:db8::1'\n"
		 "t.yaml:1:59: hold_time must be 0 or at least 3s (RFC 4271)\n"},
		{"bgp: {local_as: 64500, router_id: 198.51.100.1, message_timeout: 1500ms}\n" BASE_ENTITY,
		 "t.yaml:1:66: message_timeout is a whole number of seconds\n"},
		{"http: {request_timeout: 0s, max_per_ip: 0}\n" BASE_ENTITY,
		 "t.yaml:1:25: duration 0s is out of range (expected 1s to 1h)\n"
		 "t.yaml:1:41: 0 is out of range (expected 1 to 10000)\n"},
		{"alerts:\n  - {name: a, type: webhok, url: 'http://127.0.0.1/'}\n" BASE_ENTITY,
		 "t.yaml:2:21: unknown alert type 'webhok' (did you mean 'webhook'? expected webhook or exec)\n"},
		{"alerts:\n  - {name: a, type: exec, command: [notify-send], url: 'http://x/'}\n" BASE_ENTITY,
		 "t.yaml:2:36: command 'notify-send' must be an absolute path (the watcher does not search PATH)\n"
		 "t.yaml:2:56: 'url' belongs to webhook alerts, not exec\n"},
		{"alerts:\n  - {name: a, type: webhook, url: 'http://x/', on: [opne]}\n" BASE_ENTITY,
		 "t.yaml:2:53: unknown alert event 'opne' (did you mean 'open'? expected open, update or close)\n"},
		{"entities:\n  - name: e\n    kind: contry\n    prefixes: [198.51.100.1/24]\n",
		 "t.yaml:3:11: unknown entity kind 'contry' (did you mean 'country'? expected country, as, "
		 "prefix or group)\n"
		 "t.yaml:4:16: prefix 198.51.100.1/24 has host bits set (did you mean 198.51.100.0/24?)\n"},
		{"entities:\n  - name: e\n    kind: as\n",
		 "t.yaml:2:5: entity 'e' of kind as needs origin_as\n"
		 "t.yaml:2:5: entity 'e' watches nothing: give it targets or prefixes\n"},
		{"entities:\n  - {kind: group, prefixes: [198.51.100.0/24, 198.51.100.0/24]}\n",
		 "t.yaml:2:5: missing required key 'name' in entity\n"
		 "t.yaml:2:47: prefix 198.51.100.0/24 is listed twice\n"},
		{"entities:\n  - {name: e, kind: as, origin_as: [AS64500, foo]}\n",
		 "t.yaml:2:5: entity 'e' watches nothing: give it targets or prefixes\n"
		 "t.yaml:2:46: expected an AS number like 64500 or AS64500 (1 to 4294967295), got 'foo'\n"},
		{"entities:\n  - name: e\n    kind: group\n    targets:\n"
		 "      - {name: a, role: wbe, adress: 198.51.100.80, probes: [icmp]}\n",
		 "t.yaml:5:9: target needs an 'address' or a 'host' (a DNS name) to probe\n"
		 "t.yaml:5:25: unknown role 'wbe' (expected router, dns, mail, web or host)\n"
		 "t.yaml:5:30: unknown key 'adress' in target (did you mean 'address'?)\n"},
		{"entities:\n  - name: e\n    kind: group\n    targets:\n"
		 "      - {name: a, role: web, address: 198.51.100.80, probes: [icmp]}\n"
		 "      - {name: a, role: web, address: 198.51.100.81, probes: [icmp]}\n",
		 "t.yaml:6:16: duplicate target name 'a' (first defined at line 5)\n"},
		{"entities:\n  - name: e\n    kind: group\n    targets:\n"
		 "      - {name: a, role: web, address: 198.51.100.800, host: 1.2.3.4, probes: []}\n",
		 "t.yaml:5:39: expected an IPv4 or IPv6 address like 198.51.100.1 or 2001:db8::1, got "
		 "'198.51.100.800'\n"
		 "t.yaml:5:61: host '1.2.3.4' is an address: write it under 'address'\n"
		 "t.yaml:5:78: probes is empty: a target needs at least one\n"},
		{"entities:\n  - name: e\n    kind: group\n    targets:\n"
		 "      - name: a\n        role: web\n        role: dns\n        address: 0.0.0.0\n"
		 "        probes: [icmp, icmpp, {type: tcp}, {type: http, url: 'ftp://x/', qname: x.}]\n",
		 "t.yaml:7:9: duplicate key 'role' in target (first given at line 6)\n"
		 "t.yaml:8:18: '0.0.0.0' is the unspecified address; give a real one\n"
		 "t.yaml:9:24: unknown probe type 'icmpp' (did you mean 'icmp'? expected icmp, tcp, http, dns, "
		 "smtp or trace)\n"
		 "t.yaml:9:31: missing required key 'port' in tcp probe\n"
		 "t.yaml:9:62: URL scheme 'ftp' is not http or https\n"
		 "t.yaml:9:81: key 'qname' does not apply to an http probe (it belongs to dns probes)\n"},
		{"entities:\n  - name: e\n    kind: group\n    targets:\n"
		 "      - name: a\n        role: dns\n        address: 198.51.100.53\n"
		 "        probes:\n          - {type: dns, qname: 'bad..name', qtype: AAAAA}\n"
		 "          - {type: icmp, interval: 1s, timeout: 1s}\n          - icmp\n",
		 "t.yaml:9:32: expected a domain name like kp. or example.org, got 'bad..name'\n"
		 "t.yaml:9:52: unknown DNS type 'AAAAA' (expected a type like A, AAAA, NS, SOA, MX or TXT)\n"
		 "t.yaml:10:13: timeout 1s x 3 attempts (retries 2 + 1) = 3s is longer than the interval 1s: "
		 "a round must end before the next\n"
		 "t.yaml:11:13: this target already has an icmp probe (line 10); give another target for a "
		 "second one\n"},
		{BASE_ENTITY "controls:\n  - {name: c, role: host, address: 127.0.0.1, probes: [icmp]}\n",
		 "t.yaml:10:21: control targets have no role (they are all 'control'); leave 'role' out\n"},
		{BASE_ENTITY "controls:\n  - {name: t, address: '::1', probes: [icmp]}\n",
		 "t.yaml:10:12: duplicate target name 't' (first defined at line 5)\n"},
		{BASE_ENTITY "---\nentities: []\n",
		 "t.yaml:9:1: a second YAML document starts here; a config is one document\n"},
		{"entities:\n  - name: e\n    kind: group\n    targets: {name: a}\n",
		 "t.yaml:4:14: expected a list of targets, got a mapping\n"},
		{"entities:\n  - name: e\n    kind: group\n    description: ~\n    targets: [{}]\n",
		 "t.yaml:4:18: expected a string, got nothing (null)\n"
		 "t.yaml:5:15: missing required key 'name' in target\n"
		 "t.yaml:5:15: missing required key 'role' in target\n"
		 "t.yaml:5:15: target needs an 'address' or a 'host' (a DNS name) to probe\n"
		 "t.yaml:5:15: missing required key 'probes' in target\n"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = errors_of(cases[i].yaml);
		if (strcmp(got, cases[i].want))
			T_FAIL("case %zu:\n--- got:\n%s--- want:\n%s", i, got, cases[i].want);
		free(got);
	}
}

TEST(test_errors_are_all_collected)
{
	/* ten independent mistakes in one file: all ten are reported */
	const char *yaml = "entities:\n  - name: e\n    kind: group\n    targets:\n"
			   "      - {name: a, role: web, address: x1, probes: [icmp]}\n"
			   "      - {name: b, role: web, address: x2, probes: [icmp]}\n"
			   "      - {name: c, role: web, address: x3, probes: [icmp]}\n"
			   "      - {name: d, role: web, address: x4, probes: [icmp]}\n"
			   "      - {name: e, role: web, address: x5, probes: [icmp]}\n"
			   "      - {name: f, role: web, address: x6, probes: [icmp]}\n"
			   "      - {name: g, role: web, address: x7, probes: [icmp]}\n"
			   "      - {name: h, role: web, address: x8, probes: [icmp]}\n"
			   "      - {name: i, role: web, address: x9, probes: [icmp]}\n"
			   "      - {name: j, role: web, address: x10, probes: [icmp]}\n";
	struct config_errors errs = {0};
	struct config *cfg = NULL;
	CHECK_INT(config_load_mem("t.yaml", yaml, strlen(yaml), &cfg, &errs), ERR_PARSE);
	CHECK(cfg == NULL);
	CHECK_INT(errs.n, 10);
	for (size_t i = 0; i < errs.n; i++)
		CHECK_INT(errs.v[i].line, 5 + (int)i);
	config_errors_free(&errs);
}

TEST(test_alias_bomb_is_bounded)
{
	/* each level repeats the one before ten times: 10^7 targets if expanded */
	struct buf b = {0};
	buf_puts(&b, "x0: &a0 {name: t, role: web, address: 127.0.0.1, probes: [icmp]}\n");
	for (int i = 1; i < 8; i++) {
		buf_printf(&b, "x%d: &a%d [", i, i);
		for (int k = 0; k < 10; k++)
			buf_printf(&b, "%s*a%d", k ? ", " : "", i - 1);
		buf_puts(&b, "]\n");
	}
	char *got = errors_of(b.p);
	CHECK(strstr(got, "unknown key 'x0'") != NULL);
	buf_free(&b);
	free(got);
	/* the same bomb where the schema does descend: entities -> targets */
	struct buf c = {0};
	buf_puts(&c, "defaults: &t {interval: 30s}\nentities:\n");
	buf_puts(&c, "  - &e {name: e, kind: group, targets: [&t1 {name: t, role: web, address: 127.0.0.1, "
		     "probes: [icmp]}, *t1, *t1, *t1, *t1, *t1, *t1, *t1, *t1, *t1]}\n");
	for (int k = 0; k < 2000; k++)
		buf_puts(&c, "  - *e\n");
	struct config_errors errs = {0};
	struct config *cfg = NULL;
	CHECK_INT(config_load_mem("t.yaml", c.p, c.len, &cfg, &errs), ERR_PARSE);
	CHECK(errs.n <= 200);
	CHECK(errs.dropped > 0);
	config_errors_free(&errs);
	buf_free(&c);
}

TEST(test_durations)
{
	static const struct {
		const char *in;
		int64_t us;
		const char *out;
	} ok[] = {
		{"30s", 30000000, "30s"},	 {"500ms", 500000, "500ms"},
		{"1h30m", 5400000000, "1h30m"},	 {"7d", 604800000000, "1w"},
		{"2w", 1209600000000, "2w"},	 {"400d", 34560000000000, "400d"},
		{"0", 0, "0s"},			 {"1m0s", 60000000, "1m"},
		{"250us", 250, "250us"},	 {"1s500ms", 1500000, "1s500ms"},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int64_t us = -1;
		char buf[64];
		CHECK_INT(config_parse_duration(ok[i].in, &us), 0);
		CHECK_INT(us, ok[i].us);
		CHECK_STR(config_format_duration(us, buf, sizeof buf), ok[i].out);
		int64_t back = -1;
		CHECK_INT(config_parse_duration(buf, &back), 0);
		CHECK_INT(back, us);
	}
	const char *bad[] = {"", "30", "s", "5 s", "1.5s", "-1s", "1x", "30s1h", "1s1s", "1msms", "9999999999999999999s"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t us;
		if (config_parse_duration(bad[i], &us) == 0)
			T_FAIL("duration '%s' parsed as %lld", bad[i], (long long)us);
	}
}

TEST(test_hostport)
{
	struct addr a;
	uint16_t port = 0;
	char buf[ADDR_STRLEN];
	CHECK_INT(config_parse_hostport("127.0.0.1:9797", &a, &port), 0);
	CHECK_INT(port, 9797);
	CHECK_STR(addr_format(&a, buf, sizeof buf), "127.0.0.1");
	CHECK_INT(config_parse_hostport("[::1]:80", &a, &port), 0);
	CHECK_STR(addr_format(&a, buf, sizeof buf), "::1");
	const char *bad[] = {"::1:80", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
			     "[::1]80", "host:80", ":80", "127.0.0.1:8x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (!config_parse_hostport(bad[i], &a, &port))
			T_FAIL("'%s' parsed", bad[i]);
}

TEST(test_values_and_defaults)
{
	const char *yaml =
		"vantage: {id: 7, name: fra1}\n"
		"defaults: {interval: 20s, timeout: 2s, retries: 1}\n"
		"http: {listen: '[::]:8443', token: 0123456789abcdefXYZ}\n"
		"bgp:\n  local_as: AS64502\n  router_id: 203.0.113.10\n  listen: 203.0.113.10:1179\n"
		"  peers: [{address: 203.0.113.1, as: 64501}]\n  prefixes: [2001:db8::/32]\n"
		"alerts:\n  - {name: hook, type: webhook, url: 'https://h.example/x', text: false, "
		"headers: {Authorization: Bearer abc}, on: [close]}\n"
		"  - {name: run, type: exec, command: /usr/bin/true}\n"
		"entities:\n"
		"  - name: lab\n    kind: country\n    prefixes: [198.51.100.0/24]\n    origin_as: [64510, AS64511]\n"
		"    defaults: {interval: 10s}\n    discover_routers: true\n"
		"    targets:\n"
		"      - name: ns\n        role: dns\n        address: 198.51.100.53\n"
		"        probes: [{type: dns, qname: labland.test, qtype: soa}, {type: icmp, retries: 0}]\n"
		"      - name: www\n        role: web\n        address: 198.51.100.80\n        host: www.labland.test\n"
		"        probes: [{type: http, url: 'http://www.labland.test/', expect_status: 204}, smtp, trace]\n"
		"  - name: other\n    kind: prefix\n    prefixes: [203.0.113.0/24]\n"
		"controls:\n  - {name: ctl, address: 203.0.113.100, probes: [{type: tcp, port: 80}]}\n";
	struct config *cfg = load_ok("v.yaml", yaml);
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	CHECK_INT(cfg->vantage.id, 7);
	CHECK_STR(cfg->vantage.name, "fra1");
	CHECK_INT(cfg->http.listen_port, 8443);
	CHECK_INT(cfg->http.listen_addr.family, AF_INET6);
	CHECK_STR(cfg->http.token, "0123456789abcdefXYZ");
	CHECK(cfg->bgp.enabled);
	CHECK_INT(cfg->bgp.local_as, 64502);
	CHECK_INT(cfg->bgp.router_id, 0xcb00710a);
	CHECK_INT(cfg->bgp.listen_port, 1179);
	CHECK_INT(cfg->bgp.hold_time_us, CONFIG_DEFAULT_HOLD_US);
	CHECK_INT(cfg->bgp.message_timeout_us, CONFIG_DEFAULT_MESSAGE_TIMEOUT_US);
	CHECK_INT(cfg->http.idle_timeout_us, CONFIG_DEFAULT_HTTP_TIMEOUT_US);
	CHECK_INT(cfg->http.request_timeout_us, CONFIG_DEFAULT_HTTP_TIMEOUT_US);
	CHECK_INT(cfg->http.max_connections, CONFIG_DEFAULT_HTTP_MAX_CONNECTIONS);
	CHECK_INT(cfg->http.max_per_ip, CONFIG_DEFAULT_HTTP_MAX_PER_IP);
	CHECK_INT(cfg->bgp.n_peers, 1);
	CHECK_INT(cfg->bgp.peers[0].asn, 64501);
	CHECK_INT(cfg->bgp.peers[0].port, 179);
	CHECK_INT(cfg->bgp.n_prefixes, 1);
	CHECK_INT(cfg->n_alerts, 2);
	CHECK_INT(cfg->alerts[0].kind, ALERT_WEBHOOK);
	CHECK_INT(cfg->alerts[0].on, ALERT_ON_CLOSE);
	CHECK(!cfg->alerts[0].text);
	CHECK_INT(cfg->alerts[0].n_headers, 1);
	CHECK_STR(cfg->alerts[0].headers[0].value, "Bearer abc");
	CHECK_INT(cfg->alerts[1].kind, ALERT_EXEC);
	CHECK_INT(cfg->alerts[1].argc, 1);
	CHECK_STR(cfg->alerts[1].argv[0], "/usr/bin/true");
	CHECK(cfg->alerts[1].argv[1] == NULL);
	CHECK_INT(cfg->alerts[1].on, ALERT_ON_ALL);

	CHECK_INT(cfg->n_entities, 2);
	CHECK_INT(cfg->n_targets, 3);
	CHECK_INT(cfg->n_controls, 1);
	const struct config_entity *e = &cfg->entities[0];
	CHECK_INT(e->kind, CFG_ENTITY_COUNTRY);
	CHECK_INT(e->n_origin_as, 2);
	CHECK_INT(e->origin_as[1], 64511);
	CHECK(e->discover_routers);
	CHECK_INT(e->defaults.interval_us, 10000000);
	CHECK_INT(e->defaults.timeout_us, 2000000);  /* from the global defaults */
	CHECK_INT(e->defaults.retries, 1);
	CHECK_INT(e->first_target, 0);
	CHECK_INT(e->n_targets, 2);
	CHECK_INT(cfg->entities[1].n_targets, 0);
	CHECK_INT(cfg->entities[1].first_target, 2);

	const struct config_target *ns = &cfg->targets[0];
	CHECK_STR(ns->name, "ns");
	CHECK_INT(ns->role, ROLE_DNS);
	CHECK_INT(ns->entity, 0);
	CHECK_INT(ns->n_probes, 2);
	CHECK_INT(ns->probes[0].kind, PROBE_DNS);
	CHECK_STR(ns->probes[0].qname, "labland.test."); /* made absolute */
	CHECK_INT(ns->probes[0].qtype, 6);               /* SOA, any case */
	CHECK_INT(ns->probes[0].port, 53);
	CHECK_INT(ns->probes[0].timing.interval_us, 10000000);
	CHECK_INT(ns->probes[1].timing.retries, 0);

	const struct config_target *www = &cfg->targets[1];
	CHECK_STR(www->host, "www.labland.test");
	CHECK_INT(www->probes[0].kind, PROBE_HTTP);
	CHECK(www->probes[0].has_resolve); /* defaults to the target's address */
	CHECK(!addr_cmp(&www->probes[0].resolve, &www->addr));
	CHECK_INT(www->probes[0].n_expect_status, 1);
	CHECK_INT(www->probes[0].expect_status[0], 204);
	CHECK_INT(www->probes[1].kind, PROBE_SMTP);
	CHECK_INT(www->probes[1].port, 25);
	CHECK_INT(www->probes[2].max_hops, CONFIG_DEFAULT_TRACE_HOPS);

	const struct config_target *ctl = &cfg->targets[2];
	CHECK_INT(ctl->role, ROLE_CONTROL);
	CHECK(ctl->entity == CONFIG_NO_ENTITY);
	CHECK_INT(ctl->probes[0].timing.interval_us, 20000000); /* global defaults */
	CHECK_INT(config_count_probes(cfg), 6);
	config_free(cfg);
}

TEST(test_builtin_defaults)
{
	struct config *cfg = load_ok("d.yaml", BASE_ENTITY);
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	CHECK_STR(cfg->store.path, "blackout.db");
	CHECK_INT(cfg->store.flush_interval_us, 1000000);
	CHECK_INT(cfg->defaults.interval_us, CONFIG_DEFAULT_INTERVAL_US);
	CHECK_INT(cfg->defaults.timeout_us, CONFIG_DEFAULT_TIMEOUT_US);
	CHECK_INT(cfg->defaults.retries, CONFIG_DEFAULT_RETRIES);
	CHECK(cfg->http.enabled);
	CHECK(addr_is_loopback(&cfg->http.listen_addr));
	CHECK_INT(cfg->http.listen_port, CONFIG_DEFAULT_HTTP_PORT);
	CHECK(!cfg->bgp.enabled);
	CHECK_STR(cfg->vantage.name, "local");
	config_free(cfg);
}

TEST(test_token_file)
{
	char path[] = "/tmp/blackout-test-token.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	const char tok[] = "s3cr3t-t0ken-of-enough-length\n";
	CHECK_INT(write(fd, tok, sizeof tok - 1), (long)sizeof tok - 1);
	close(fd);
	struct buf b = {0};
	buf_printf(&b, "http: {listen: 0.0.0.0:9797, token_file: '%s'}\n" BASE_ENTITY, path);
	struct config *cfg = load_ok("tok.yaml", b.p);
	CHECK(cfg != NULL);
	if (cfg) {
		CHECK_STR(cfg->http.token, "s3cr3t-t0ken-of-enough-length");
		CHECK_STR(cfg->http.token_file, path);
	}
	config_free(cfg);
	unlink(path);
	/* the file is gone now: the error names it */
	char *got = errors_of(b.p);
	CHECK(strstr(got, "cannot read token_file") && strstr(got, "No such file"));
	free(got);
	buf_free(&b);
}

/* load -> write -> load gives an equal config, and writing it again gives the same text */
static void round_trip(const char *name, const char *text, size_t len)
{
	struct config_errors errs = {0};
	struct config *a = NULL, *b = NULL;
	struct buf y1 = {0}, y2 = {0};
	if (config_load_mem(name, text, len, &a, &errs)) {
		config_errors_print(&errs, stderr);
		T_FAIL("%s does not load", name);
		goto done;
	}
	CHECK_INT(config_write_yaml(a, &y1), 0);
	config_errors_free(&errs);
	if (config_load_mem("written", y1.p, y1.len, &b, &errs)) {
		config_errors_print(&errs, stderr);
		T_FAIL("%s: the written YAML does not load:\n%s", name, y1.p);
		goto done;
	}
	if (!config_equal(a, b))
		T_FAIL("%s: reloaded config differs", name);
	CHECK_INT(config_write_yaml(b, &y2), 0);
	CHECK_STR(y2.p, y1.p);
done:
	config_errors_free(&errs);
	config_free(a);
	config_free(b);
	buf_free(&y1);
	buf_free(&y2);
}

static char *slurp(const char *rel, size_t *len)
{
	const char *top = getenv("TOP");
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", top ? top : ".", rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b = {0};
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return b.p ? buf_take(&b) : calloc(1, 1);
}

TEST(test_round_trip_examples)
{
	const char *files[] = {"examples/loopback.yaml", "examples/lab.yaml"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		size_t len;
		char *text = slurp(files[i], &len);
		CHECK(text != NULL);
		if (text)
			round_trip(files[i], text, len);
		free(text);
	}
	const char *bits = "vantage: {id: 3, name: \"null\"}\n"
			   "alerts: [{name: '12', type: exec, command: [/bin/echo, 'yes', '', \"a\\tb\"]}]\n"
			   "entities:\n  - {name: 'true', kind: group, note: \"x: y # z\", targets: "
			   "[{name: '007', role: web, host: h.test, probes: [{type: http, url: 'http://h.test/?a=1&b', "
			   "expect_body: \"\\u00e9t\\u00e9\"}]}]}\n";
	round_trip("quoting", bits, strlen(bits));
}

TEST(test_builtin_kp)
{
	size_t n;
	const struct config_builtin *all = config_builtin_list(&n);
	CHECK(n >= 1);
	const struct config_builtin *kp = config_builtin_find("kp");
	CHECK(kp != NULL);
	CHECK(config_builtin_find("nope") == NULL);
	if (!kp)
		return;
	CHECK(kp == &all[0]);
	size_t kplen = (size_t)(kp->end - kp->text);
	CHECK(kplen > 1000);
	CHECK(*kp->end == '\0');
	/* the embedded bytes are the source file's */
	size_t len;
	char *file = slurp("src/config/watchlist_kp.yaml", &len);
	CHECK(file != NULL);
	if (file) {
		CHECK_INT(len, kplen);
		CHECK(len == kplen && !memcmp(file, kp->text, len));
	}
	free(file);
	round_trip("builtin:kp", kp->text, kplen);

	struct config *cfg = load_ok("builtin:kp", kp->text);
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	CHECK_INT(cfg->n_entities, 1);
	const struct config_entity *e = &cfg->entities[0];
	CHECK_STR(e->name, "kp");
	CHECK_INT(e->kind, CFG_ENTITY_COUNTRY);
	CHECK_INT(e->n_origin_as, 1);
	CHECK_INT(e->origin_as[0], 131279);
	CHECK(e->discover_routers);
	char pbuf[PREFIX_STRLEN];
	CHECK_INT(e->n_prefixes, 5);
	CHECK_STR(prefix_format(&e->prefixes[0], pbuf, sizeof pbuf), "175.45.176.0/22");
	CHECK(!cfg->bgp.enabled); /* no peers invented */
	/* the roles the issue asks for, and the two TLD servers at their addresses */
	int roles[ROLE__COUNT] = {0};
	bool ns1 = false, ns2 = false;
	for (size_t i = 0; i < cfg->n_targets; i++) {
		const struct config_target *t = &cfg->targets[i];
		char a[ADDR_STRLEN];
		roles[t->role]++;
		CHECK(t->has_addr);  /* never a name to resolve by surprise */
		CHECK(t->note != NULL); /* every entry says where it comes from */
		addr_format(&t->addr, a, sizeof a);
		ns1 |= !strcmp(t->name, "ns1.kptc.kp") && !strcmp(a, "175.45.176.15");
		ns2 |= !strcmp(t->name, "ns2.kptc.kp") && !strcmp(a, "175.45.176.16");
	}
	CHECK(ns1 && ns2);
	CHECK(roles[ROLE_DNS] >= 4);
	CHECK(roles[ROLE_WEB] >= 8);
	CHECK(roles[ROLE_MAIL] >= 4);
	CHECK_INT(roles[ROLE_ROUTER], 0); /* none in the data: found by traceroute at run time */
	CHECK(roles[ROLE_CONTROL] >= 2);
	config_free(cfg);
}

/* Every KP address in the watchlist appears in the source data (2016 zone A,
 * PTR or SPF records, or the 2021 scans). */
TEST(test_builtin_kp_provenance)
{
	size_t len1, len2;
	char *zone = slurp("tests/data/kp/kp_dns_records_2016.csv", &len1);
	char *scans = slurp("tests/data/kp/kp_hosts_up_2021.csv", &len2);
	CHECK(zone && scans);
	const struct config_builtin *kp = config_builtin_find("kp");
	struct config *cfg = kp ? load_ok("builtin:kp", kp->text) : NULL;
	CHECK(cfg != NULL);
	if (!zone || !scans || !cfg)
		goto done;
	struct prefix kp22;
	CHECK_INT(prefix_parse("175.45.176.0/22", &kp22), 0);
	size_t checked = 0;
	for (size_t i = 0; i < cfg->n_targets; i++) {
		const struct config_target *t = &cfg->targets[i];
		if (!prefix_contains(&kp22, &t->addr)) {
			CHECK_INT(t->role, ROLE_CONTROL); /* only controls lie outside KP */
			continue;
		}
		char a[ADDR_STRLEN], needle[80], ptr[80], spf[80];
		addr_format(&t->addr, a, sizeof a);
		snprintf(needle, sizeof needle, ",A,%s,", a);
		snprintf(ptr, sizeof ptr, "\n%u.%u.%u.%u.in-addr.arpa.,", t->addr.bytes[3], t->addr.bytes[2],
			 t->addr.bytes[1], t->addr.bytes[0]);
		snprintf(spf, sizeof spf, "ip4:%s ", a);
		snprintf(a + strlen(a), sizeof a - strlen(a), ",");
		char line_start[64];
		snprintf(line_start, sizeof line_start, "\n%s", a);
		if (!strstr(zone, needle) && !strstr(zone, ptr) && !strstr(zone, spf) && !strstr(scans, line_start))
			T_FAIL("target %s (%s) is in none of the data files", t->name, a);
		checked++;
	}
	CHECK(checked >= 30);
done:
	config_free(cfg);
	free(zone);
	free(scans);
}

/* Routers found at run time go after their entity's targets; the other
 * entities' ranges and the controls (last) follow; names and addresses stay unique. */
TEST(test_add_router)
{
	static const char text[] =
	    "defaults: {interval: 10s, timeout: 1s, retries: 1}\n"
	    "controls:\n"
	    "  - {name: c, address: 127.0.0.9, probes: [icmp]}\n"
	    "entities:\n"
	    "  - name: a\n"
	    "    kind: group\n"
	    "    defaults: {interval: 20s}\n"
	    "    targets:\n"
	    "      - {name: a1, role: web, address: 127.0.0.1, probes: [icmp]}\n"
	    "  - name: p\n"
	    "    kind: prefix\n"
	    "    prefixes: [198.51.100.0/24]\n"
	    "  - name: b\n"
	    "    kind: group\n"
	    "    targets:\n"
	    "      - {name: b1, role: web, address: 127.0.0.2, probes: [icmp]}\n"
	    "      - {name: b2, role: web, address: 127.0.0.3, probes: [icmp]}\n";
	struct config *cfg = load_ok("t.yaml", text);
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	struct addr x, y, dup;
	CHECK_INT(addr_parse("203.0.113.2", &x), 0);
	CHECK_INT(addr_parse("2001:db8::2", &y), 0);
	CHECK_INT(addr_parse("127.0.0.2", &dup), 0);
	CHECK_INT(config_add_router(cfg, 0, "a-hop-203.0.113.2", &x, "found"), 0);
	CHECK_INT(config_add_router(cfg, 1, "p-hop-2001:db8::2", &y, NULL), 0);
	CHECK_INT(config_add_router(cfg, 0, "a-hop-203.0.113.2", &y, NULL), ERR_EXISTS); /* name */
	CHECK_INT(config_add_router(cfg, 2, "other", &dup, NULL), ERR_EXISTS);           /* address */
	CHECK_INT(config_add_router(cfg, 3, "nowhere", &x, NULL), ERR_INVAL);
	CHECK_INT((int)cfg->n_targets, 6);
	/* every entity's range holds exactly its targets, controls last */
	static const char *const order[] = {"a1", "a-hop-203.0.113.2", "p-hop-2001:db8::2", "b1", "b2", "c"};
	for (size_t i = 0; i < 6; i++)
		CHECK_STR(cfg->targets[i].name, order[i]);
	for (size_t e = 0; e < cfg->n_entities; e++)
		for (size_t k = 0; k < cfg->entities[e].n_targets; k++)
			CHECK_INT((int)cfg->targets[cfg->entities[e].first_target + k].entity, (int)e);
	CHECK_INT((int)cfg->entities[1].n_targets, 1);
	CHECK_INT((int)cfg->entities[2].first_target, 3);
	CHECK_INT((int)cfg->targets[5].entity, (int)CONFIG_NO_ENTITY);
	const struct config_target *r = &cfg->targets[1];
	CHECK_INT(r->role, ROLE_ROUTER);
	CHECK_INT((int)r->n_probes, 1);
	CHECK_INT(r->probes[0].kind, PROBE_ICMP);
	CHECK(r->probes[0].timing.interval_us == 20 * 1000000LL); /* the entity's timing */
	CHECK_STR(r->note, "found");
	config_free(cfg);
}

int main(void)
{
	RUN(test_error_table);
	RUN(test_errors_are_all_collected);
	RUN(test_alias_bomb_is_bounded);
	RUN(test_durations);
	RUN(test_hostport);
	RUN(test_values_and_defaults);
	RUN(test_builtin_defaults);
	RUN(test_token_file);
	RUN(test_round_trip_examples);
	RUN(test_builtin_kp);
	RUN(test_builtin_kp_provenance);
	RUN(test_add_router);
	return test_main_end();
}
