/*
 * cmd_probe_app.c - `blackout probe` for the application probes:
 *   blackout probe --http URL [--resolve ADDR] [--expect-status N] [--expect-body REGEX] ...
 *   blackout probe --dns NAME --type T --server ADDR[:PORT] ...
 *   blackout probe --smtp ADDR[:PORT] ...
 * One result line per probe (text, or JSON with --json, shape in probe/result.h);
 * --count N --concurrency C repeats the probe N times with at most C in flight
 * (load tests and benchmarks), --summary prints one line of totals instead:
 * rate and this process's CPU time per probe (getrusage).
 * Exit status: 0 every probe ok, 1 some probe failed, 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

#include "cli/cli.h"
#include "core/addr.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "probe/dns.h"
#include "probe/dns_wire.h"
#include "probe/http.h"
#include "probe/result.h"
#include "probe/smtp.h"

#define COUNT_MAX 10000000
#define CONCURRENCY_MAX 10000

struct run {
	uv_loop_t *loop;
	int kind; /* PROBE_HTTP, PROBE_DNS or PROBE_SMTP */
	struct http_client *http;
	struct http_spec http_spec;
	struct dns_spec dns_spec;
	struct smtp_spec smtp_spec;
	bool json, summary;
	long concurrency;
	long count, started, done, failed;
	long by_outcome[OUTCOME__COUNT];
	double *rtts; /* summary only: the answered probes' RTTs */
	long n_rtts;
	struct buf out;
	int start_error; /* a probe that could not start (should not happen after the first) */
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: blackout probe --http URL [--resolve ADDR] [--expect-status N]\n"
	    "                      [--expect-body REGEX] [--max-body BYTES] [--redirects N]\n"
	    "                      [--http1.1 | --http2] [--cacert FILE] [--insecure]\n"
	    "       blackout probe --dns NAME [--type T] --server ADDR[:PORT] [--tcp]\n"
	    "                      [--retries N] [--no-edns]\n"
	    "       blackout probe --smtp ADDR[:PORT] [--helo NAME]\n"
	    "common: [--timeout MS] [--json] [--count N] [--concurrency C] [--summary]\n\n"
	    "  --http URL          fetch URL (http or https), one new connection per probe\n"
	    "  --resolve ADDR      connect to ADDR, still sending the URL's host (Host, SNI)\n"
	    "  --expect-status N   only status N is ok (default: any 2xx or 3xx)\n"
	    "  --expect-body RE    the body must match the POSIX extended regex RE\n"
	    "  --max-body BYTES    read at most BYTES of body (default 1048576), more fails\n"
	    "  --redirects N       follow up to N redirects (default 0: a 3xx is the answer)\n"
	    "  --dns NAME          ask the nameserver --server for NAME (type --type, default "
	    "SOA)\n"
	    "  --tcp               ask over TCP (default UDP, TCP when the answer is truncated)\n"
	    "  --retries N         UDP retransmissions within the timeout (default 1)\n"
	    "  --smtp ADDR[:PORT]  banner, EHLO (STARTTLS offered?), QUIT; port 25 by default\n"
	    "  --timeout MS        whole probe (http, dns) or each phase (smtp); default\n"
	    "                      10000 (http), 5000 (dns, smtp)\n"
	    "  --json              one JSON object per line, probe fields under \"detail\"\n"
	    "  --count N           run the probe N times (default 1)\n"
	    "  --concurrency C     with at most C probes in flight (default 1)\n"
	    "  --summary           print totals only: probes/s and CPU per probe\n");
}

static int parse_long(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max) {
		log_error("%s: '%s' is not a number from %ld to %ld", opt, s, min, max);
		return ERR_PARSE;
	}
	*out = v;
	return 0;
}

static void start_next(struct run *r);

static void on_done(void *arg, const struct probe_result *res)
{
	struct run *r = arg;
	r->done++;
	if (res->outcome != OUTCOME_OK)
		r->failed++;
	if (res->outcome >= 0 && res->outcome < OUTCOME__COUNT)
		r->by_outcome[res->outcome]++;
	if (r->summary) {
		if (res->rtt_ms >= 0)
			r->rtts[r->n_rtts++] = res->rtt_ms;
	} else {
		if (r->json)
			probe_result_json(&r->out, res);
		else
			probe_result_text(&r->out, res);
		if (r->out.len > 1 << 16 || r->count == 1) {
			fwrite(r->out.p, 1, r->out.len, stdout);
			buf_reset(&r->out);
		}
	}
	start_next(r);
}

static void start_next(struct run *r)
{
	if (r->started >= r->count || r->start_error)
		return;
	char err[256] = "";
	int rc;
	r->started++;
	switch (r->kind) {
	case PROBE_HTTP:
		rc = http_probe_start(r->http, &r->http_spec, on_done, r, NULL, err, sizeof err);
		break;
	case PROBE_DNS:
		rc = dns_probe_start(r->loop, &r->dns_spec, on_done, r, NULL, err, sizeof err);
		break;
	default:
		rc = smtp_probe_start(r->loop, &r->smtp_spec, on_done, r, NULL);
		if (rc)
			snprintf(err, sizeof err,
			         "--helo: '%s' is not a host name (1 to 255 bytes, no spaces or "
			         "control characters)",
			         r->smtp_spec.helo ? r->smtp_spec.helo : "");
		break;
	}
	if (rc) {
		r->started--;
		r->start_error = rc;
		log_error("%s", err[0] ? err : err_str(rc));
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void print_summary(struct run *r, double seconds, double cpu_s)
{
	qsort(r->rtts, (size_t)r->n_rtts, sizeof *r->rtts, cmp_double);
	double p50 = r->n_rtts ? r->rtts[r->n_rtts / 2] : -1;
	double p99 = r->n_rtts ? r->rtts[(long)((double)(r->n_rtts - 1) * 0.99)] : -1;
	double rate = seconds > 0 ? (double)r->done / seconds : 0;
	double cpu_us = r->done ? cpu_s * 1e6 / (double)r->done : 0;
	struct buf b = {0};
	if (r->json) {
		buf_printf(&b, "{\"probe\":\"%s\",\"probes\":%ld,\"ok\":%ld,\"failed\":%ld,",
		           probe_kind_name(r->kind), r->done, r->done - r->failed, r->failed);
		buf_printf(&b, "\"seconds\":%.3f,\"rate\":%.1f,\"cpu_us_per_probe\":%.1f,", seconds,
		           rate, cpu_us);
		buf_puts(&b, "\"rtt_ms_p50\":");
		json_num(&b, p50 >= 0 ? p50 : NAN);
		buf_puts(&b, ",\"rtt_ms_p99\":");
		json_num(&b, p99 >= 0 ? p99 : NAN);
		buf_puts(&b, ",\"outcomes\":{");
		for (int i = 0, first = 1; i < OUTCOME__COUNT; i++) {
			if (!r->by_outcome[i])
				continue;
			buf_printf(&b, "%s\"%s\":%ld", first ? "" : ",", outcome_code(i),
			           r->by_outcome[i]);
			first = 0;
		}
		buf_puts(&b, "}}\n");
	} else {
		buf_printf(&b,
		           "%s: %ld probes, %ld ok, %ld failed in %.3f s: %.1f probes/s, "
		           "%.1f us CPU per probe, rtt p50 %.3f ms p99 %.3f ms\n",
		           probe_kind_name(r->kind), r->done, r->done - r->failed, r->failed,
		           seconds, rate, cpu_us, p50, p99);
		for (int i = 0; i < OUTCOME__COUNT; i++)
			if (r->by_outcome[i] && i != OUTCOME_OK)
				buf_printf(&b, "  %-17s %ld\n", outcome_code(i), r->by_outcome[i]);
	}
	fwrite(b.p, 1, b.len, stdout);
	buf_free(&b);
}

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

enum {
	O_HTTP = 256,
	O_RESOLVE,
	O_EXPECT_STATUS,
	O_EXPECT_BODY,
	O_MAX_BODY,
	O_REDIRECTS,
	O_HTTP11,
	O_HTTP2,
	O_CACERT,
	O_INSECURE,
	O_DNS,
	O_TYPE,
	O_SERVER,
	O_TCP,
	O_RETRIES,
	O_NO_EDNS,
	O_SMTP,
	O_HELO,
	O_TIMEOUT,
	O_JSON,
	O_COUNT,
	O_CONCURRENCY,
	O_SUMMARY,
	O_HELP
};

static const struct option options[] = {
    {"http", required_argument, NULL, O_HTTP},
    {"resolve", required_argument, NULL, O_RESOLVE},
    {"expect-status", required_argument, NULL, O_EXPECT_STATUS},
    {"expect-body", required_argument, NULL, O_EXPECT_BODY},
    {"max-body", required_argument, NULL, O_MAX_BODY},
    {"redirects", required_argument, NULL, O_REDIRECTS},
    {"http1.1", no_argument, NULL, O_HTTP11},
    {"http2", no_argument, NULL, O_HTTP2},
    {"cacert", required_argument, NULL, O_CACERT},
    {"insecure", no_argument, NULL, O_INSECURE},
    {"dns", required_argument, NULL, O_DNS},
    {"type", required_argument, NULL, O_TYPE},
    {"server", required_argument, NULL, O_SERVER},
    {"tcp", no_argument, NULL, O_TCP},
    {"retries", required_argument, NULL, O_RETRIES},
    {"no-edns", no_argument, NULL, O_NO_EDNS},
    {"smtp", required_argument, NULL, O_SMTP},
    {"helo", required_argument, NULL, O_HELO},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"json", no_argument, NULL, O_JSON},
    {"count", required_argument, NULL, O_COUNT},
    {"concurrency", required_argument, NULL, O_CONCURRENCY},
    {"summary", no_argument, NULL, O_SUMMARY},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

/* Parses argv into r. Returns 0, -1 after --help, or EXIT_USAGE after saying what is wrong. */
static int parse_args(int argc, char **argv, struct run *r)
{
	long v, timeout = 0, retries = 1;
	const char *server = NULL, *type = "SOA";
	int kinds = 0;
	r->count = 1;
	r->concurrency = 1;
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case O_HTTP:
			r->kind = PROBE_HTTP, kinds++;
			r->http_spec.url = optarg;
			break;
		case O_RESOLVE:
			r->http_spec.connect_addr = optarg;
			break;
		case O_EXPECT_STATUS:
			if (parse_long("--expect-status", optarg, 100, 599, &v))
				return EXIT_USAGE;
			r->http_spec.expect_status = (int)v;
			break;
		case O_EXPECT_BODY:
			r->http_spec.expect_body = optarg;
			break;
		case O_MAX_BODY:
			if (parse_long("--max-body", optarg, 1, 1L << 30, &v))
				return EXIT_USAGE;
			r->http_spec.max_body = (size_t)v;
			break;
		case O_REDIRECTS:
			if (parse_long("--redirects", optarg, 0, 50, &v))
				return EXIT_USAGE;
			r->http_spec.max_redirects = (int)v;
			break;
		case O_HTTP11:
			r->http_spec.version = HTTP_VERSION_1_1;
			break;
		case O_HTTP2:
			r->http_spec.version = HTTP_VERSION_2;
			break;
		case O_CACERT:
			r->http_spec.ca_file = optarg;
			break;
		case O_INSECURE:
			r->http_spec.insecure = true;
			break;
		case O_DNS:
			r->kind = PROBE_DNS, kinds++;
			r->dns_spec.name = optarg;
			break;
		case O_TYPE:
			type = optarg;
			break;
		case O_SERVER:
			server = optarg;
			break;
		case O_TCP:
			r->dns_spec.tcp = true;
			break;
		case O_RETRIES:
			if (parse_long("--retries", optarg, 0, 10, &retries))
				return EXIT_USAGE;
			break;
		case O_NO_EDNS:
			r->dns_spec.no_edns = true;
			break;
		case O_SMTP:
			r->kind = PROBE_SMTP, kinds++;
			if (addr_port_parse(optarg, 25, &r->smtp_spec.addr, &r->smtp_spec.port)) {
				log_error("--smtp: '%s' is not ADDR[:PORT] (e.g. 127.0.0.1:25, "
				          "[::1]:2525)",
				          optarg);
				return EXIT_USAGE;
			}
			break;
		case O_HELO:
			r->smtp_spec.helo = optarg;
			break;
		case O_TIMEOUT:
			if (parse_long("--timeout", optarg, 1, 3600000, &timeout))
				return EXIT_USAGE;
			break;
		case O_JSON:
			r->json = true;
			break;
		case O_COUNT:
			if (parse_long("--count", optarg, 1, COUNT_MAX, &r->count))
				return EXIT_USAGE;
			break;
		case O_CONCURRENCY:
			if (parse_long("--concurrency", optarg, 1, CONCURRENCY_MAX,
			               &r->concurrency))
				return EXIT_USAGE;
			break;
		case O_SUMMARY:
			r->summary = true;
			break;
		case 'h':
		case O_HELP:
			usage(stdout);
			return -1;
		default:
			return cli_bad_option("probe", argv, usage);
		}
	}
	if (optind < argc) {
		log_error("probe: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (kinds != 1) {
		log_error("probe: give exactly one of --http URL, --dns NAME, --smtp ADDR[:PORT]");
		return EXIT_USAGE;
	}
	if (r->kind == PROBE_DNS) {
		if (!server) {
			log_error("probe --dns: --server ADDR[:PORT] is required (blackout asks "
			          "nameservers directly, never the system resolver)");
			return EXIT_USAGE;
		}
		if (addr_port_parse(server, 53, &r->dns_spec.server, &r->dns_spec.port)) {
			log_error(
			    "--server: '%s' is not ADDR[:PORT] (e.g. 127.0.0.1:5353, [::1]:53)",
			    server);
			return EXIT_USAGE;
		}
		int t = dns_type_parse(type);
		if (t < 0) {
			log_error(
			    "--type: '%s' is not a DNS record type (SOA, NS, A, AAAA, MX, ...)",
			    type);
			return EXIT_USAGE;
		}
		r->dns_spec.qtype = t;
		r->dns_spec.retries = (int)retries;
		r->dns_spec.timeout_ms = (int)timeout;
	}
	r->http_spec.timeout_ms = (int)timeout;
	r->smtp_spec.phase_timeout_ms = (int)timeout;
	if (r->concurrency > r->count)
		r->concurrency = r->count;
	return 0;
}

int cmd_probe_app(int argc, char **argv)
{
	struct run r = {0};
	int rc = parse_args(argc, argv, &r);
	if (rc)
		return rc < 0 ? 0 : EXIT_USAGE;
	int status = EXIT_USAGE;
	uv_loop_t loop;
	if (uv_loop_init(&loop) < 0) {
		log_error("probe: cannot create the event loop");
		return 1;
	}
	r.loop = &loop;
	if (r.kind == PROBE_HTTP && http_client_new(&loop, &r.http) < 0) {
		log_error("probe: cannot initialise libcurl");
		goto fail;
	}
	if (r.summary)
		r.rtts = xcalloc((size_t)r.count, sizeof *r.rtts);
	double cpu0 = cpu_seconds();
	int64_t t0 = clock_mono_us();
	for (long i = 0; i < r.concurrency && !r.start_error; i++)
		start_next(&r);
	if (r.started == 0)
		goto fail; /* the spec itself is bad: said already */
	uv_run(&loop, UV_RUN_DEFAULT);
	double seconds = (double)(clock_mono_us() - t0) / 1e6;
	double cpu = cpu_seconds() - cpu0;
	if (r.out.len)
		fwrite(r.out.p, 1, r.out.len, stdout);
	if (r.summary)
		print_summary(&r, seconds, cpu);
	fflush(stdout);
	status = r.start_error ? EXIT_USAGE : r.failed ? 1 : 0;
fail:
	http_client_free(r.http);
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop) < 0)
		log_warn("probe: handles left open at exit");
	buf_free(&r.out);
	free(r.rtts);
	return status;
}
