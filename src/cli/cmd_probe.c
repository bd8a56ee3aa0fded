/*
 * cmd_probe.c - `blackout probe --icmp|--tcp PORTS [options] TARGET...`:
 * one pass of ICMP echo or TCP connect probes over addresses, hostnames and
 * CIDR prefixes, one result line per target.
 *
 * Flow: parse options and every target (bad input exits 2 before anything is
 * sent) -> resolve hostnames with uv_getaddrinfo (the loop never blocks) ->
 * feed the engine in chunks (a prefix is expanded lazily, so memory follows
 * the chunk, not the target count) -> print each result as it comes ->
 * summary on stderr (stdout stays one result per line, for pipes).
 * Exit: 0 every target answered, 1 some did not, 2 bad usage or input.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/obs.h"
#include "probe/engine.h"
#include "probe/result.h"
#include "probe/targets.h"

#define DEFAULT_MAX_TARGETS (UINT64_C(1) << 24)
#define OUT_FLUSH 65536

struct run {
	uv_loop_t loop;
	struct probe_engine *engine;
	struct target_list targets;
	int kind;
	uint16_t *ports; /* owned; TCP only */
	size_t nports;
	bool json;
	uint32_t chunk; /* targets per submit */
	/* feeding position */
	size_t spec;
	uint64_t offset; /* address index within the spec */
	size_t port;
	struct probe_target *batch; /* owned, chunk entries */
	uint64_t total, fed, finished, answered;
	int resolving;
	struct probe_stats stats; /* taken when the engine closes */
	bool failed;              /* a fatal error while running */
	struct buf out;
	int64_t start_us;
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: blackout probe --icmp [options] TARGET...\n"
	    "       blackout probe --tcp PORTS [options] TARGET...\n"
	    "\n"
	    "TARGET is an IP address, a hostname, or a CIDR prefix (every address in it).\n"
	    "PORTS is 80, 22,80,443 or 1-65535 (lists and ranges mix).\n"
	    "\n"
	    "  -f FILE            read targets from FILE, one per line, '#' comments; '-' is "
	    "stdin\n"
	    "  --timeout MS       wait this long for each answer (default 1000)\n"
	    "  --retries N        send again this many times before calling a target down (default "
	    "1)\n"
	    "  --rate PPS         at most this many packets per second, retries included\n"
	    "                     (default 10000; 0 = no limit)\n"
	    "  --window N         at most N probes in flight (default 4096)\n"
	    "  --spread MS        spread the probes over this long, in random order (default 0)\n"
	    "  --json             one JSON object per line instead of text\n"
	    "  --max-targets N    refuse to probe more than N targets in all (default 16777216)\n"
	    "  --socket KIND      ICMP socket: auto (default), raw or dgram\n"
	    "\n"
	    "Text output: TARGET OUTCOME RTT per line; a summary goes to stderr.\n"
	    "Outcomes (stable codes, see docs/outcomes.md): ok, timeout, refused, "
	    "host-unreachable,\n"
	    "net-unreachable, port-unreachable, admin-prohibited, ttl-exceeded, local-error, "
	    "resolve-error.\n"
	    "Exit status: 0 all answered, 1 some did not, 2 bad usage or input.\n"
	    "\n");
}

/* Parses a whole decimal number in [lo, hi]; names the option on error. */
static int parse_num(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9') {
		log_error("%s: '%s' is not a number", opt, s);
		return ERR_PARSE;
	}
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno) {
		log_error("%s: '%s' is not a number", opt, s);
		return ERR_PARSE;
	}
	if (v < lo || v > hi) {
		log_error("%s: %llu is out of range (%llu..%llu)", opt, v, (unsigned long long)lo,
		          (unsigned long long)hi);
		return ERR_RANGE;
	}
	*out = v;
	return 0;
}

static void flush_out(struct run *r)
{
	if (r->out.len)
		fwrite(r->out.p, 1, r->out.len, stdout);
	buf_reset(&r->out);
}

/* "127.0.0.1", "[::1]:22", "localhost (127.0.0.1)" */
static void target_text(const struct run *r, const struct target_spec *s, const struct addr *a,
                        uint16_t port, char *buf, size_t n)
{
	if (!port && !(s && s->name)) {
		addr_format(a, buf, n); /* the common case, without printf */
		return;
	}
	char as[ADDR_STRLEN];
	addr_format(a, as, sizeof as);
	const char *l = "", *rb = "";
	if (port && a->family == AF_INET6)
		l = "[", rb = "]";
	char ap[ADDR_STRLEN + 10];
	if (port)
		snprintf(ap, sizeof ap, "%s%s%s:%u", l, as, rb, port);
	else
		snprintf(ap, sizeof ap, "%s", as);
	if (s && s->name)
		snprintf(buf, n, "%s (%s)", s->name, ap);
	else
		snprintf(buf, n, "%s", ap);
}

static void print_result(struct run *r, const struct target_spec *s, const struct addr *a,
                         uint16_t port, int outcome, double rtt_ms, const struct addr *from,
                         const char *message)
{
	char target[300], as[ADDR_STRLEN], fs[ADDR_STRLEN], msg[128];
	char detail[200];
	bool other_from = from && addr_cmp(from, a) != 0;
	if (other_from && !message) {
		snprintf(msg, sizeof msg, "from %s", addr_format(from, fs, sizeof fs));
		message = msg;
	}
	struct probe_result res = {
	    .kind = r->kind, .outcome = outcome, .rtt_ms = rtt_ms, .message = message};
	if (!r->json) {
		target_text(r, s, a, port, target, sizeof target);
		res.target = target;
		probe_result_text(&r->out, &res);
	} else {
		/* target as given; the address, port and ICMP sender in detail */
		size_t d = 0;
		addr_format(a, as, sizeof as);
		res.target = s && s->name ? s->name : as;
		detail[0] = '\0';
		if (s && s->name)
			d +=
			    (size_t)snprintf(detail + d, sizeof detail - d, ",\"addr\":\"%s\"", as);
		if (port)
			d += (size_t)snprintf(detail + d, sizeof detail - d, ",\"port\":%u", port);
		if (other_from)
			d += (size_t)snprintf(detail + d, sizeof detail - d, ",\"from\":\"%s\"",
			                      addr_format(from, fs, sizeof fs));
		if (d) {
			detail[0] = '{';
			snprintf(detail + d, sizeof detail - d, "}");
			res.detail_json = detail;
		}
		probe_result_json(&r->out, &res);
	}
	if (r->out.len >= OUT_FLUSH)
		flush_out(r);
}

static void finish_one(struct run *r, bool ok)
{
	r->finished++;
	if (ok)
		r->answered++;
	if (r->finished == r->total && r->engine) {
		probe_engine_stats(r->engine, &r->stats);
		probe_engine_close(r->engine, NULL, NULL);
		r->engine = NULL;
	}
}

static void feed(struct run *r);

static void on_done(void *ctx, const struct probe_done *d)
{
	struct run *r = ctx;
	const struct target_spec *s = &r->targets.v[d->cookie];
	const char *message = NULL;
	if (d->outcome == OUTCOME_LOCAL_ERROR && d->sys_errno)
		message = strerror(d->sys_errno);
	print_result(r, s, &d->addr, d->port, d->outcome,
	             d->rtt_us >= 0 ? (double)d->rtt_us / 1000.0 : -1,
	             d->has_from ? &d->from : NULL, message);
	finish_one(r, d->outcome == OUTCOME_OK);
	if (r->engine && r->fed - r->finished < r->chunk)
		feed(r);
}

/* Submits the next chunk of targets. */
static void feed(struct run *r)
{
	size_t n = 0;
	while (n < r->chunk && r->spec < r->targets.n) {
		const struct target_spec *s = &r->targets.v[r->spec];
		uint64_t count = target_spec_count(s);
		if (r->offset >= count) {
			r->spec++;
			r->offset = 0;
			continue;
		}
		struct probe_target *t = &r->batch[n++];
		memset(t, 0, sizeof *t);
		target_spec_addr(s, r->offset, &t->addr);
		t->kind = (uint8_t)r->kind;
		t->cookie = r->spec;
		if (r->kind == PROBE_TCP) {
			t->port = r->ports[r->port];
			if (++r->port == r->nports) {
				r->port = 0;
				r->offset++;
			}
		} else {
			r->offset++;
		}
	}
	if (!n)
		return;
	if (probe_engine_submit(r->engine, r->batch, n)) {
		log_error("%s", probe_engine_errmsg(r->engine));
		r->failed = true;
		probe_engine_close(r->engine, NULL, NULL);
		r->engine = NULL;
		return;
	}
	r->fed += n;
}

struct resolve {
	uv_getaddrinfo_t req;
	struct run *run;
	size_t spec;
};

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct resolve *rs = req->data;
	struct run *r = rs->run;
	struct target_spec *s = &r->targets.v[rs->spec];
	for (struct addrinfo *ai = status ? NULL : res; ai; ai = ai->ai_next) {
		struct addr a;
		if (addr_from_sockaddr(ai->ai_addr, &a, NULL))
			continue;
		bool dup = false;
		for (uint32_t k = 0; k < s->naddrs && !dup; k++)
			dup = addr_cmp(&s->addrs[k], &a) == 0;
		if (dup)
			continue;
		s->addrs = xreallocarray(s->addrs, s->naddrs + 1, sizeof *s->addrs);
		s->addrs[s->naddrs++] = a;
	}
	if (res)
		uv_freeaddrinfo(res);
	if (!s->naddrs) {
		/* the name is a target that failed, not bad input */
		char msg[160];
		snprintf(msg, sizeof msg, "%s", status ? uv_strerror(status) : "no address");
		struct probe_result pr = {.target = s->name,
		                          .kind = r->kind,
		                          .outcome = OUTCOME_RESOLVE,
		                          .rtt_ms = -1,
		                          .message = msg};
		if (r->json)
			probe_result_json(&r->out, &pr);
		else
			probe_result_text(&r->out, &pr);
	}
	free(rs);
	r->resolving--;
}

static void raise_nofile(void)
{
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int read_file_targets(struct target_list *l, const char *path)
{
	char err[512];
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		log_error("cannot read target file %s: %s", path, strerror(errno));
		return ERR_IO;
	}
	int rc = target_list_read(l, f, strcmp(path, "-") ? path : "(stdin)", err, sizeof err);
	if (f != stdin)
		fclose(f);
	if (rc)
		log_error("%s", err);
	return rc;
}

/* Checks the expansion against max; names the spec that crosses it. */
static int count_targets(struct run *r, uint64_t max, uint64_t *total)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < r->targets.n; i++) {
		const struct target_spec *s = &r->targets.v[i];
		uint64_t c = target_spec_count(s);
		bool over = c > max || (r->nports && c > max / r->nports);
		if (!over) {
			c *= r->nports ? r->nports : 1;
			over = sum + c > max;
		}
		if (over) {
			char origin[300];
			log_error(
			    "%s expands to more targets than --max-targets %llu allows in all%s",
			    target_spec_origin(&r->targets, s, origin, sizeof origin),
			    (unsigned long long)max, r->nports > 1 ? " (addresses x ports)" : "");
			return ERR_TOOBIG;
		}
		sum += c;
	}
	*total = sum;
	return 0;
}

/* Is one of the options before "--" one of kinds[n]? */
static bool has_kind(int argc, char **argv, const char *const *kinds, size_t n)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		for (size_t k = 0; k < n; k++) {
			size_t len = strlen(kinds[k]);
			if (!strncmp(argv[i], kinds[k], len) &&
			    (argv[i][len] == '\0' || argv[i][len] == '='))
				return true;
		}
	return false;
}

/* --http, --dns and --smtp belong to the application probes (cmd_probe_app.c);
 * note that there --tcp is a flag (DNS over TCP), so the kind decides first. */
static bool is_app_probe(int argc, char **argv)
{
	static const char *const kinds[] = {"--http", "--dns", "--smtp"};
	return has_kind(argc, argv, kinds, sizeof kinds / sizeof kinds[0]);
}

/* --trace belongs to the traceroute (cmd_probe_trace.c). */
static bool is_trace_probe(int argc, char **argv)
{
	static const char *const kinds[] = {"--trace"};
	return has_kind(argc, argv, kinds, 1);
}

int cmd_probe(int argc, char **argv)
{
	if (is_trace_probe(argc, argv))
		return cmd_probe_trace(argc, argv);
	if (is_app_probe(argc, argv))
		return cmd_probe_app(argc, argv);
	enum {
		O_ICMP = 256,
		O_TCP,
		O_TIMEOUT,
		O_RETRIES,
		O_RATE,
		O_WINDOW,
		O_JSON,
		O_MAX,
		O_SOCKET,
		O_SPREAD,
		O_CHUNK
	};
	static const struct option opts[] = {
	    {"icmp", no_argument, NULL, O_ICMP},
	    {"tcp", required_argument, NULL, O_TCP},
	    {"timeout", required_argument, NULL, O_TIMEOUT},
	    {"retries", required_argument, NULL, O_RETRIES},
	    {"rate", required_argument, NULL, O_RATE},
	    {"window", required_argument, NULL, O_WINDOW},
	    {"json", no_argument, NULL, O_JSON},
	    {"max-targets", required_argument, NULL, O_MAX},
	    {"socket", required_argument, NULL, O_SOCKET},
	    {"spread", required_argument, NULL, O_SPREAD},
	    {"chunk", required_argument, NULL, O_CHUNK},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	struct run r = {.kind = -1, .chunk = 65536};
	struct probe_engine_config cfg = {
	    .timeout_us = 1000 * USEC_PER_MSEC, .retries = 1, .rate_pps = 10000, .window = 4096};
	uint64_t max = DEFAULT_MAX_TARGETS, v;
	const char **files = NULL;
	size_t nfiles = 0;
	int status = EXIT_USAGE;
	char err[512];
	bool loop_open = false;
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
		switch (c) {
		case O_ICMP:
		case O_TCP:
			if (r.kind >= 0) {
				log_error("give one of --icmp or --tcp, once");
				goto done;
			}
			r.kind = c == O_ICMP ? PROBE_ICMP : PROBE_TCP;
			if (c == O_TCP &&
			    ports_parse(optarg, &r.ports, &r.nports, err, sizeof err)) {
				log_error("--tcp: %s", err);
				goto done;
			}
			break;
		case 'f':
			files = xreallocarray(files, nfiles + 1, sizeof *files);
			files[nfiles++] = optarg;
			break;
		case O_TIMEOUT:
			if (parse_num("--timeout", optarg, 1, 3600000, &v))
				goto done;
			cfg.timeout_us = (int64_t)v * USEC_PER_MSEC;
			break;
		case O_RETRIES:
			if (parse_num("--retries", optarg, 0, 250, &v))
				goto done;
			cfg.retries = (unsigned)v;
			break;
		case O_RATE:
			if (parse_num("--rate", optarg, 0, 100000000, &v))
				goto done;
			cfg.rate_pps = (uint32_t)v;
			break;
		case O_WINDOW:
			if (parse_num("--window", optarg, 1, 1000000, &v))
				goto done;
			cfg.window = (uint32_t)v;
			break;
		case O_SPREAD:
			if (parse_num("--spread", optarg, 0, 86400000, &v))
				goto done;
			cfg.spread_us = (int64_t)v * USEC_PER_MSEC;
			cfg.shuffle = v > 0;
			break;
		case O_CHUNK:
			if (parse_num("--chunk", optarg, 1, UINT32_MAX / 2, &v))
				goto done;
			r.chunk = (uint32_t)v;
			break;
		case O_JSON:
			r.json = true;
			break;
		case O_MAX:
			if (parse_num("--max-targets", optarg, 1, UINT64_C(1) << 32, &v))
				goto done;
			max = v;
			break;
		case O_SOCKET:
			if (!strcmp(optarg, "auto"))
				cfg.icmp_socket = PROBE_SOCKET_AUTO;
			else if (!strcmp(optarg, "raw"))
				cfg.icmp_socket = PROBE_SOCKET_RAW;
			else if (!strcmp(optarg, "dgram"))
				cfg.icmp_socket = PROBE_SOCKET_DGRAM;
			else {
				log_error("--socket: '%s' is not auto, raw or dgram", optarg);
				goto done;
			}
			break;
		case 'h': {
			usage(stdout);
			fflush(stdout);
			/* and the application probes' options, which share the command */
			char *help[] = {argv[0], (char *)"--help", NULL};
			status = cmd_probe_app(2, help);
			fflush(stdout);
			printf("\n");
			status |= cmd_probe_trace(2, help);
			goto done;
		}
		default:
			if (optopt && optopt != '?')
				log_error("option -%c needs an argument or is unknown (try --help)",
				          optopt);
			else
				log_error("unknown option or missing argument: '%s' (try --help)",
				          argv[optind - 1]);
			goto done;
		}
	}
	if (r.kind < 0) {
		log_error("say which probe: --icmp, --tcp PORTS, --http, --dns, --smtp or --trace "
		          "(try 'blackout probe --help')");
		goto done;
	}
	for (int i = optind; i < argc; i++)
		if (target_list_add_arg(&r.targets, argv[i], (uint32_t)(i - optind + 1), err,
		                        sizeof err)) {
			log_error("%s", err);
			goto done;
		}
	for (size_t i = 0; i < nfiles; i++)
		if (read_file_targets(&r.targets, files[i]))
			goto done;
	if (!r.targets.n) {
		log_error("no targets (give addresses, hostnames or prefixes, or -f FILE)");
		goto done;
	}
	uint64_t total;
	if (count_targets(&r, max, &total)) /* names not resolved yet count 0 */
		goto done;

	if (r.kind == PROBE_TCP)
		raise_nofile();
	cfg.done = on_done;
	cfg.ctx = &r;
	uv_loop_init(&r.loop);
	loop_open = true;
	if (probe_engine_new(&r.loop, &cfg, &r.engine, err, sizeof err)) {
		log_error("%s", err);
		goto done;
	}
	/* open the sockets now: a permission problem is reported before anything else */
	for (size_t i = 0; i < r.targets.n; i++) {
		const struct target_spec *s = &r.targets.v[i];
		if (s->name)
			continue;
		if (probe_engine_prepare(r.engine, r.kind, s->prefix.addr.family, err,
		                         sizeof err)) {
			log_error("%s", err);
			goto done;
		}
	}
	for (size_t i = 0; i < r.targets.n; i++) {
		if (!r.targets.v[i].name)
			continue;
		struct resolve *rs = xcalloc(1, sizeof *rs);
		rs->run = &r;
		rs->spec = i;
		rs->req.data = rs;
		struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
		int rc = uv_getaddrinfo(&r.loop, &rs->req, on_resolved, r.targets.v[i].name, NULL,
		                        &hints);
		if (rc) {
			free(rs);
			log_error("cannot resolve %s: %s", r.targets.v[i].name, uv_strerror(rc));
			goto done;
		}
		r.resolving++;
	}
	r.start_us = clock_mono_us();
	while (r.resolving)
		uv_run(&r.loop, UV_RUN_ONCE);
	if (count_targets(&r, max, &total))
		goto done;
	for (size_t i = 0; i < r.targets.n; i++) {
		const struct target_spec *s = &r.targets.v[i];
		for (uint32_t k = 0; s->name && k < s->naddrs; k++)
			if (probe_engine_prepare(r.engine, r.kind, s->addrs[k].family, err,
			                         sizeof err)) {
				log_error("%s", err);
				goto done;
			}
	}
	r.total = total;
	r.batch = xmalloc(r.chunk * sizeof *r.batch);
	if (total) {
		feed(&r);
		uv_run(&r.loop, UV_RUN_DEFAULT);
	}
	flush_out(&r);
	fflush(stdout);
	if (r.failed)
		goto done;
	int64_t el = clock_mono_us() - r.start_us;
	double secs = (double)el / 1e6;
	uint64_t names_failed = 0;
	for (size_t i = 0; i < r.targets.n; i++)
		names_failed += r.targets.v[i].name && !r.targets.v[i].naddrs;
	fprintf(stderr,
	        "%llu targets, %llu sent, %llu answered, %llu lost, %.3f s, %.0f probes/s\n",
	        (unsigned long long)(r.total + names_failed), (unsigned long long)r.stats.sent,
	        (unsigned long long)r.answered,
	        (unsigned long long)(r.total - r.answered + names_failed), secs,
	        secs > 0 ? (double)r.stats.sent / secs : 0.0);
	status = r.answered == r.total && !names_failed ? 0 : 1;
done:
	if (r.engine) {
		probe_engine_close(r.engine, NULL, NULL);
		r.engine = NULL;
	}
	if (loop_open) {
		uv_run(&r.loop, UV_RUN_DEFAULT); /* let handles and lookups close */
		if (uv_loop_close(&r.loop))
			log_debug("probe: loop still busy at exit");
	}
	flush_out(&r);
	buf_free(&r.out);
	free(r.batch);
	free(r.ports);
	free(files);
	target_list_free(&r.targets);
	return status;
}
