/*
 * test_serve.c - the pure parts of src/serve/: query parser, downsampling,
 * Prometheus formatting and escaping, the API handler over a provider made
 * here (no sockets), token comparison.
 */
#include <math.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/mem.h"
#include "core/obs.h"
#include "serve/api.h"
#include "serve/metrics.h"
#include "serve/query.h"
#include "serve/token.h"
#include "test.h"

static const struct query_param SPEC[] = {
	{"from", QUERY_TIME, 0, 0},
	{"until", QUERY_TIME, 0, 0},
	{"maxPoints", QUERY_UINT, 1, 10000},
	{"entity", QUERY_STRING, 0, 0},
};

struct qcase {
	const char *in;
	int rc;
	const char *msg_part; /* expected in the error message, or NULL */
};

TEST(query_table)
{
	static const struct qcase cases[] = {
		{"", 0, NULL},
		{"from=1642194300", 0, NULL},
		{"from=2022-01-14T21:05:00Z&until=2022-01-15", 0, NULL},
		{"from=2022-01-14T21%3A05%3A00Z", 0, NULL},
		{"from=2022-01-14T22:05:00%2B01:00", 0, NULL},
		{"maxPoints=500&&", 0, NULL},
		{"entity=a+b%2Fc", 0, NULL},
		{"from=yesterday", ERR_PARSE, "parameter 'from': expected a time"},
		{"from=2022-13-01", ERR_PARSE, "parameter 'from'"},
		{"from=1969-12-31T00:00:00Z", ERR_PARSE, "parameter 'from'"},
		{"from=99999999999999999999", ERR_PARSE, "parameter 'from'"},
		{"from=-5", ERR_PARSE, "parameter 'from'"},
		{"maxPoints=0", ERR_RANGE, "parameter 'maxPoints': '0' is out of range, expected 1 to 10000"},
		{"maxPoints=10001", ERR_RANGE, "out of range"},
		{"maxPoints=99999999999999999999999", ERR_RANGE, "out of range"},
		{"maxPoints=ten", ERR_PARSE, "expected a whole number from 1 to 10000"},
		{"maxPoints=-1", ERR_PARSE, "expected a whole number"},
		{"maxpoints=5", ERR_PARSE, "unknown parameter 'maxpoints' (this endpoint takes: from, until, maxPoints, entity)"},
		{"from=1&from=2", ERR_PARSE, "parameter 'from' is given more than once"},
		{"from=", ERR_PARSE, "parameter 'from' is empty"},
		{"from", ERR_PARSE, "parameter 'from' has no value"},
		{"entity=%zz", ERR_PARSE, "bad percent escape"},
		{"entity=%4", ERR_PARSE, "bad percent escape"},
		{"entity=a%00b", ERR_PARSE, "bad percent escape"},
		{"%=1", ERR_PARSE, "byte 0"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct query_value v[4];
		char err[512];
		int rc = query_parse(cases[i].in, strlen(cases[i].in), SPEC, 4, v, err, sizeof err);
		if (rc != cases[i].rc)
			T_FAIL("'%.60s': rc %d, expected %d (%.200s)", cases[i].in, rc, cases[i].rc, err);
		if (cases[i].msg_part && !strstr(err, cases[i].msg_part))
			T_FAIL("'%.60s': message '%.200s' lacks '%.100s'", cases[i].in, err, cases[i].msg_part);
	}
}

TEST(query_values)
{
	struct query_value v[4];
	char err[256];
	const char *q = "until=2022-01-15T00:00:00Z&from=2022-01-14T22%3A05%3A00%2B01%3A00&maxPoints=42&entity=AS131279+x%2Fy";
	CHECK_INT(query_parse(q, strlen(q), SPEC, 4, v, err, sizeof err), 0);
	int64_t want;
	CHECK_INT(clock_parse_iso("2022-01-14T21:05:00Z", &want), 0);
	CHECK(v[0].set && v[1].set && v[2].set && v[3].set);
	CHECK_INT(v[0].time_us, want);
	CHECK_INT(v[1].time_us, want + (2 * 3600 + 55 * 60) * USEC_PER_SEC);
	CHECK_INT(v[2].u, 42);
	CHECK_STR(v[3].str, "AS131279 x/y");
	/* Unix seconds, with a fraction and with '@' */
	q = "from=1642194300.25&until=@1642194301";
	CHECK_INT(query_parse(q, strlen(q), SPEC, 4, v, err, sizeof err), 0);
	CHECK_INT(v[0].time_us, 1642194300250000LL);
	CHECK_INT(v[1].time_us, 1642194301000000LL);
	CHECK(!v[2].set && !v[3].set);
	/* the input need not be NUL-terminated: only len bytes are read */
	char raw[] = {'m', 'a', 'x', 'P', 'o', 'i', 'n', 't', 's', '=', '7', 'X'};
	CHECK_INT(query_parse(raw, 11, SPEC, 4, v, err, sizeof err), 0);
	CHECK_INT(v[2].u, 7);
	/* a string value too long */
	struct buf b = {0};
	buf_puts(&b, "entity=");
	for (int i = 0; i < QUERY_STR_MAX; i++)
		buf_putc(&b, 'x');
	CHECK_INT(query_parse(b.p, b.len, SPEC, 4, v, err, sizeof err), ERR_TOOBIG);
	CHECK(strstr(err, "longer than 255 bytes") != NULL);
	buf_free(&b);
	/* too many pairs */
	for (int i = 0; i < QUERY_MAX_PAIRS + 1; i++)
		buf_puts(&b, "&x=1");
	CHECK_INT(query_parse(b.p, b.len, SPEC, 4, v, err, sizeof err), ERR_PARSE); /* unknown x first */
	buf_free(&b);
}

TEST(unescape)
{
	char out[16];
	CHECK_INT(query_unescape("a%2Fb+c", 7, false, out, sizeof out), 5);
	CHECK_STR(out, "a/b+c");
	CHECK_INT(query_unescape("a%2fb+c", 7, true, out, sizeof out), 5);
	CHECK_STR(out, "a/b c");
	CHECK_INT(query_unescape("0123456789abcdef", 16, false, out, sizeof out), ERR_TOOBIG);
	CHECK_INT(query_unescape("%", 1, false, out, sizeof out), ERR_PARSE);
	CHECK_INT(query_unescape("%G0", 3, false, out, sizeof out), ERR_PARSE);
}

TEST(downsample)
{
	double in[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, out[10];
	size_t k;
	CHECK_INT(serve_downsample(in, 10, 100, out, &k), 10);
	CHECK_INT(k, 1);
	CHECK_NEAR(out[9], 10, 1e-9);
	CHECK_INT(serve_downsample(in, 10, 3, out, &k), 3); /* k = 4: 1-4, 5-8, 9-10 */
	CHECK_INT(k, 4);
	CHECK_NEAR(out[0], 2.5, 1e-9);
	CHECK_NEAR(out[1], 6.5, 1e-9);
	CHECK_NEAR(out[2], 9.5, 1e-9);
	double gaps[6] = {NAN, NAN, 1, NAN, 0, 1};
	CHECK_INT(serve_downsample(gaps, 6, 3, out, &k), 3);
	CHECK(isnan(out[0]));
	CHECK_NEAR(out[1], 1, 1e-9);
	CHECK_NEAR(out[2], 0.5, 1e-9);
	CHECK_INT(serve_downsample(in, 0, 5, out, &k), 0);
	CHECK_INT(serve_downsample(in, 10, 1, out, &k), 1);
	CHECK_NEAR(out[0], 5.5, 1e-9);
}

TEST(metrics_escaping)
{
	struct buf b = {0};
	metrics_label_escape(&b, "a\\b\"c\nd\xff" "e\xc3\xa9");
	CHECK_STR(b.p, "a\\\\b\\\"c\\nd\xef\xbf\xbd" "e\xc3\xa9");
	buf_reset(&b);
	metrics_help_escape(&b, "x\\y\nz\"");
	CHECK_STR(b.p, "x\\\\y\\nz\"");
	buf_reset(&b);
	metrics_value(&b, NAN);
	buf_putc(&b, ' ');
	metrics_value(&b, INFINITY);
	buf_putc(&b, ' ');
	metrics_value(&b, -INFINITY);
	buf_putc(&b, ' ');
	metrics_value(&b, 0.042);
	buf_putc(&b, ' ');
	metrics_value(&b, 123456789012.0);
	CHECK_STR(b.p, "NaN +Inf -Inf 0.042 123456789012");
	buf_free(&b);
}

/* ---- a provider made here ---- */

static const char *const FAILED[] = {"web", "router"};
static const char *const EVIDENCE[] = {"RTT rose first"};
static int64_t T0;

static int p_entities(void *ctx, serve_entity_emit emit, void *arg)
{
	struct serve_entity e[] = {
		{.id = "lab", .name = "Lab", .kind = "country", .state = "down", .n_targets = 2, .open_event = 7},
		{.id = "x\"y\n", .name = NULL, .kind = NULL, .state = NULL},
	};
	for (size_t i = 0; i < 2; i++)
		if (emit(arg, &e[i]))
			break;
	return 0;
}

static int p_targets(void *ctx, const char *entity, serve_target_emit emit, void *arg)
{
	if (entity && strcmp(entity, "lab"))
		return ERR_NOTFOUND;
	struct serve_target t[] = {
		{.id = "r1", .entity = "lab", .address = "198.51.100.1", .role = "router", .probe = "icmp",
		 .state = "up", .last_outcome = OUTCOME_OK, .rtt_ms = 12.5, .sent = 10, .answered = 9,
		 .last_us = T0},
		{.id = "w\\1", .entity = "lab", .address = "say \"hi\"\n", .role = "web", .probe = "http",
		 .state = "down", .last_outcome = OUTCOME_TIMEOUT, .rtt_ms = -1, .sent = 5, .answered = 0},
	};
	for (size_t i = 0; i < 2; i++)
		if (emit(arg, &t[i]))
			break;
	return 0;
}

static int p_signals(void *ctx, const char *entity, int64_t from, int64_t until, serve_series_emit emit,
		     void *arg)
{
	static double v[100];
	for (int i = 0; i < 100; i++)
		v[i] = i < 50 ? 1 : 0;
	struct serve_series s = {.layer = "web", .metric = "up", .start_us = T0 - 100 * 60 * USEC_PER_SEC,
				 .step_us = 60 * USEC_PER_SEC, .n = 100, .values = v};
	return emit(arg, &s) ? 0 : 0;
}

static int p_events(void *ctx, int64_t since, serve_event_emit emit, void *arg)
{
	struct serve_event e = {.id = 7, .entity = "lab", .cause = "cascade", .severity = 0.5, .confidence = 0.9,
				.start_us = T0 - 600 * USEC_PER_SEC, .layers_failed = FAILED, .n_layers_failed = 2,
				.evidence = EVIDENCE, .n_evidence = 1};
	if (emit(arg, &e))
		return 0;
	struct serve_event e2 = {.id = 6, .entity = "lab", .cause = "brand-new-cause",
				 .start_us = T0 - 6000 * USEC_PER_SEC, .end_us = T0 - 5000 * USEC_PER_SEC};
	emit(arg, &e2);
	return 0;
}

static int p_event(void *ctx, uint64_t id, serve_event_emit ee, serve_step_emit es, void *arg)
{
	if (id != 7)
		return ERR_NOTFOUND;
	struct serve_event e = {.id = 7, .entity = "lab", .cause = "cascade", .start_us = T0};
	ee(arg, &e);
	struct serve_step s = {.time_us = T0, .layer = "web", .change = "down", .text = "web <down>"};
	es(arg, &s);
	/* a time within the second keeps its milliseconds (events --json too) */
	s = (struct serve_step){.time_us = T0 + 1250000, .layer = "mail", .change = "down", .text = "mail"};
	es(arg, &s);
	return 0;
}

static int p_fail(void *ctx, serve_bgp_emit emit, void *arg)
{
	return ERR_DB;
}

static int p_observations(void *ctx, const char *target, int64_t from, int64_t until, size_t limit,
			  serve_obs_emit emit, void *arg)
{
	if (strcmp(target, "r1"))
		return ERR_NOTFOUND;
	for (int i = 0; i < 50; i++) {
		struct serve_obs o = {.time_us = T0 - i * USEC_PER_SEC, .probe = "icmp", .outcome = OUTCOME_OK, .rtt_ms = 1};
		if (emit(arg, &o))
			break;
	}
	return 0;
}

static const struct serve_provider PROV = {
	.entities = p_entities, .targets = p_targets, .signals = p_signals, .events = p_events,
	.event = p_event, .bgp = p_fail, .observations = p_observations,
};

static int get(const char *uri, bool authorized, struct buf *body)
{
	const char *q = strchr(uri, '?');
	struct http_request req = {.method = "GET", .path = uri, .path_len = q ? (size_t)(q - uri) : strlen(uri),
				   .query = q ? q + 1 : "", .query_len = q ? strlen(q + 1) : 0,
				   .authorized = authorized, .now_us = T0};
	struct http_response r = {.status = 200};
	serve_api_handle((void *)&PROV, &req, &r);
	buf_reset(body);
	if (r.static_body)
		buf_append(body, r.static_body, r.static_len);
	else if (r.body.p)
		buf_append(body, r.body.p, r.body.len);
	buf_free(&r.body);
	return r.status;
}

static int count(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

TEST(api_routes)
{
	struct buf b = {0};
	CHECK_INT(clock_parse_iso("2022-01-14T21:05:00Z", &T0), 0);
	CHECK_INT(get("/api/v1/entities", true, &b), 200);
	CHECK(strstr(b.p, "\"id\":\"x\\\"y\\n\"") != NULL);
	CHECK(strstr(b.p, "\"open_event\":7") != NULL);
	CHECK_INT(get("/api/v1/entities", false, &b), 401);
	CHECK(strstr(b.p, "Authorization: Bearer") != NULL);
	CHECK_INT(get("/", false, &b), 200); /* the page is public, the data is not */
	CHECK(strstr(b.p, "<html") != NULL || strstr(b.p, "<!doctype") != NULL);
	CHECK_INT(get("/assets/vendor/uPlot.iife.min.js", false, &b), 200);
	CHECK_INT(get("/assets/../index.html", false, &b), 404);
	CHECK_INT(get("/assets/nope.js", false, &b), 404);
	CHECK_INT(get("/api/v1/targets", true, &b), 200);
	CHECK_INT(count(b.p, "\"role\""), 2);
	CHECK(strstr(b.p, "\"rtt_ms\":null") != NULL);
	CHECK(strstr(b.p, "\"last_outcome\":\"timeout\"") != NULL);
	CHECK_INT(get("/api/v1/targets?entity=lab", true, &b), 200);
	CHECK_INT(get("/api/v1/targets?entity=nope", true, &b), 404);
	CHECK(strstr(b.p, "no entity 'nope'") != NULL);
	CHECK_INT(get("/api/v1/targets?entitty=lab", true, &b), 400);
	CHECK(strstr(b.p, "unknown parameter 'entitty'") != NULL);
	CHECK_INT(get("/api/v1/nothing", true, &b), 404);
	CHECK_INT(get("/api/v2/entities", true, &b), 404);
	CHECK_INT(get("/api/v1/signals", true, &b), 404);
	CHECK(strstr(b.p, "needs a name") != NULL);
	CHECK_INT(get("/api/v1/bgp", true, &b), 500);
	CHECK(strstr(b.p, "database error") != NULL);
	CHECK_INT(get("/api/v1/events/abc", true, &b), 400);
	CHECK(strstr(b.p, "event id: expected a positive whole number") != NULL);
	CHECK_INT(get("/api/v1/events/0", true, &b), 400);
	CHECK_INT(get("/api/v1/events/8", true, &b), 404);
	CHECK_INT(get("/api/v1/events/7", true, &b), 200);
	CHECK(strstr(b.p, "\"timeline\":[{\"time\":\"2022-01-14T21:05:00Z\",\"layer\":\"web\"") != NULL);
	CHECK(strstr(b.p, "{\"time\":\"2022-01-14T21:05:01.250Z\",\"layer\":\"mail\"") != NULL);
	CHECK(strstr(b.p, "]}}\n") != NULL);
	CHECK_INT(get("/api/v1/events", true, &b), 200);
	CHECK(strstr(b.p, "\"open\":true,\"duration_s\":600") != NULL);
	CHECK(strstr(b.p, "\"layers_failed\":[\"web\",\"router\"]") != NULL);
	CHECK_INT(get("/api/v1/events?limit=1", true, &b), 200);
	CHECK_INT(count(b.p, "\"cause\""), 1);
	CHECK_INT(get("/api/v1/events?since=2022-01-14", true, &b), 200);
	CHECK_INT(get("/api/v1/events?since=soon", true, &b), 400);
	CHECK_INT(get("/api/v1/observations/r1?limit=10", true, &b), 200);
	CHECK_INT(count(b.p, "\"probe\""), 10);
	CHECK_INT(get("/api/v1/observations/zz", true, &b), 404);
	CHECK_INT(get("/api/v1/observations/r1?limit=0", true, &b), 400);
	CHECK_INT(get("/api/v1/observations/r1?from=2022-01-15&until=2022-01-14", true, &b), 400);
	CHECK(strstr(b.p, "parameter 'from': must not be after 'until'") != NULL);
	CHECK_INT(get("/api/v1/observations/r1?from=2000-01-01", true, &b), 400);
	CHECK(strstr(b.p, "window is longer") != NULL);
	buf_free(&b);
}

TEST(api_signals)
{
	struct buf b = {0};
	CHECK_INT(get("/api/v1/signals/lab?maxPoints=10", true, &b), 200);
	CHECK(strstr(b.p, "\"type\":\"signals\"") != NULL);
	CHECK(strstr(b.p, "\"data\":[[{\"entityType\":\"country\",\"entityCode\":\"lab\",\"entityName\":\"Lab\"") != NULL);
	CHECK(strstr(b.p, "\"step\":600,\"nativeStep\":60,\"values\":[1,1,1,1,1,0,0,0,0,0]") != NULL);
	/* a window inside the series: bins are cut to it (20 bins -> 2 points of 10) */
	char uri[200];
	snprintf(uri, sizeof uri, "/api/v1/signals/lab?from=%lld&until=%lld&maxPoints=2",
		 (long long)(T0 / USEC_PER_SEC - 50 * 60), (long long)(T0 / USEC_PER_SEC - 31 * 60));
	CHECK_INT(get(uri, true, &b), 200);
	CHECK(strstr(b.p, "\"values\":[0,0]") != NULL);
	snprintf(uri, sizeof uri, "/api/v1/signals/lab?from=%lld&until=%lld&maxPoints=1",
		 (long long)(T0 / USEC_PER_SEC - 55 * 60), (long long)(T0 / USEC_PER_SEC - 45 * 60 - 1));
	CHECK_INT(get(uri, true, &b), 200);
	CHECK(strstr(b.p, "\"values\":[0.5]") != NULL);
	CHECK_INT(get("/api/v1/signals/nope", true, &b), 404);
	CHECK_INT(get("/api/v1/signals/lab?maxPoints=0", true, &b), 400);
	CHECK(strstr(b.p, "parameter 'maxPoints'") != NULL);
	CHECK_INT(get("/api/v1/signals/x%22y%0A", true, &b), 200); /* decoded path segment */
	CHECK_INT(get("/api/v1/signals/x%2", true, &b), 404);
	buf_free(&b);
}

TEST(metrics_output)
{
	struct buf b = {0};
	CHECK_INT(get("/metrics", true, &b), 500); /* bgp fails: no partial output */
	CHECK_INT(get("/metrics?targets=2", true, &b), 400); /* 0 or 1 */
	CHECK_INT(get("/metrics?tragets=0", true, &b), 400); /* a misspelt parameter is refused */
	struct serve_provider p = PROV;
	p.bgp = NULL;
	buf_reset(&b);
	CHECK_INT(metrics_write(&b, &p, T0, true), 0);
	CHECK(strstr(b.p, "# TYPE blackout_target_up gauge\n") != NULL);
	CHECK(strstr(b.p, "blackout_target_up{entity=\"lab\",target=\"r1\",role=\"router\",probe=\"icmp\","
			  "address=\"198.51.100.1\"} 1\n") != NULL);
	CHECK(strstr(b.p, "target=\"w\\\\1\"") != NULL);
	CHECK(strstr(b.p, "address=\"say \\\"hi\\\"\\n\"} 0\n") != NULL);
	CHECK(strstr(b.p, "blackout_target_rtt_seconds{entity=\"lab\",target=\"r1\",role=\"router\",probe=\"icmp\","
			  "address=\"198.51.100.1\"} 0.0125\n") != NULL);
	CHECK_INT(count(b.p, "blackout_target_rtt_seconds{"), 1); /* no answer: no sample */
	CHECK(strstr(b.p, "blackout_events_open{cause=\"cascade\"} 1\n") != NULL);
	CHECK(strstr(b.p, "blackout_events_open{cause=\"abrupt\"} 0\n") != NULL);
	CHECK(strstr(b.p, "brand-new-cause") == NULL); /* closed: not open */
	CHECK(strstr(b.p, "blackout_entity_outage{entity=\"lab\",kind=\"country\"} 1\n") != NULL);
	CHECK(strstr(b.p, "blackout_bgp") == NULL);
	CHECK(strstr(b.p, "blackout_probes_sent_total") == NULL); /* no engine: family left out */
	CHECK(strstr(b.p, "blackout_alert") == NULL);             /* no alerts: families left out */
	/* every family's samples are together, after its TYPE line */
	CHECK_INT(count(b.p, "# TYPE blackout_target_up "), 1);
	/* /metrics?targets=0: the per-target families left out, the rest kept */
	buf_reset(&b);
	CHECK_INT(metrics_write(&b, &p, T0, false), 0);
	CHECK(strstr(b.p, "blackout_target_") == NULL);
	CHECK(strstr(b.p, "blackout_entity_outage{entity=\"lab\",kind=\"country\"} 1\n") != NULL);
	CHECK(strstr(b.p, "blackout_events_open{cause=\"cascade\"} 1\n") != NULL);
	buf_free(&b);
}

static int two_sinks(void *ctx, serve_alert_sink_emit emit, void *arg)
{
	struct serve_alert_sink s[2] = {{"webhook:chat", 5, 4, 3, 1}, {"exec:pa\"ge", 2, 2, 0, 0}};
	for (int i = 0; i < 2; i++)
		if (emit(arg, &s[i]))
			return 1;
	return 0;
}

TEST(metrics_alerts)
{
	struct serve_provider p = {.alerts = two_sinks};
	struct buf b = {0};
	CHECK_INT(metrics_write(&b, &p, T0, true), 0);
	static const char *const want =
		  "# HELP blackout_alerts_queued_total Alerts queued for the hook since start\n"
		  "# TYPE blackout_alerts_queued_total counter\n"
		  "blackout_alerts_queued_total{sink=\"webhook:chat\"} 5\n"
		  "blackout_alerts_queued_total{sink=\"exec:pa\\\"ge\"} 2\n"
		  "# HELP blackout_alert_deliveries_total Delivery attempts to the hook, by result (ok, failed)\n"
		  "# TYPE blackout_alert_deliveries_total counter\n"
		  "blackout_alert_deliveries_total{sink=\"webhook:chat\",result=\"ok\"} 4\n"
		  "blackout_alert_deliveries_total{sink=\"webhook:chat\",result=\"failed\"} 3\n"
		  "blackout_alert_deliveries_total{sink=\"exec:pa\\\"ge\",result=\"ok\"} 2\n"
		  "blackout_alert_deliveries_total{sink=\"exec:pa\\\"ge\",result=\"failed\"} 0\n"
		  "# HELP blackout_alerts_pending Alerts waiting in the outbox for the hook\n"
		  "# TYPE blackout_alerts_pending gauge\n"
		  "blackout_alerts_pending{sink=\"webhook:chat\"} 1\n"
		  "blackout_alerts_pending{sink=\"exec:pa\\\"ge\"} 0\n";
	CHECK(b.p && strcmp(b.p, want) == 0); /* the whole text: too long for CHECK_STR's message */
	if (b.p && strcmp(b.p, want))
		fprintf(stderr, "got:\n%s", b.p);
	buf_free(&b);
}

TEST(token)
{
	CHECK(http_token_equal("s3cret", "s3cret"));
	CHECK(!http_token_equal("s3cret", "s3cre"));
	CHECK(!http_token_equal("s3cret", "s3cret "));
	CHECK(!http_token_equal("", "x"));
	CHECK(http_token_equal("", ""));
}

int main(void)
{
	RUN(query_table);
	RUN(query_values);
	RUN(unescape);
	RUN(downsample);
	RUN(metrics_escaping);
	RUN(api_routes);
	RUN(api_signals);
	RUN(metrics_output);
	RUN(metrics_alerts);
	RUN(token);
	return test_main_end();
}
