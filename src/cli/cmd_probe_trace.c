/*
 * cmd_probe_trace.c - `blackout probe --trace [options] TARGET`: one Paris
 * traceroute (probe/trace.h), printed like traceroute (one line per hop,
 * hops inside --prefix marked) followed by the common result line, or as one
 * JSON result line with the hops under "detail".
 * Exit status: 0 the destination answered, 1 it did not, 2 bad usage or no
 * permission to open raw sockets.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cli/cli.h"
#include "core/addr.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "probe/trace.h"

struct run {
	bool json;
	bool done;
	int outcome;
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: blackout probe --trace [--proto icmp|udp|tcp] [--port N] [--max-hops N]\n"
	        "                      [--prefix P ...] [--json] [options] TARGET\n\n"
	        "  --trace             the routers on the way to TARGET (an address, or a name\n"
	        "                      resolved by the system), Paris style: one flow per trace\n"
	        "  --proto P           icmp (echo, default), udp, or tcp (SYN); raw sockets: root\n"
	        "  --port N            destination port (udp: 33434, tcp: 80)\n"
	        "  --sport N           source port (udp, tcp; default: a free one)\n"
	        "  --max-hops N        highest TTL (default 30)\n"
	        "  --first-hop N       lowest TTL (default 1)\n"
	        "  --attempts N        probes per hop (default 3, at most %d)\n"
	        "  --timeout MS        wait this long for each probe's answer (default 2000)\n"
	        "  --window N          probes in flight at once (default 16)\n"
	        "  --gap N             give up after N silent hops past the last answer (default "
	        "5)\n"
	        "  --interval MS       at least MS between two probes (default 0)\n"
	        "  --prefix P          a watched prefix: hops inside it are marked (repeatable)\n"
	        "  --json              one JSON result line, hops under \"detail\"\n",
	        TRACE_MAX_ATTEMPTS);
}

static int parse_int(const char *opt, const char *s, long min, long max, long *out)
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

static void on_done(void *arg, const struct trace_result *t, const struct probe_result *r)
{
	struct run *run = arg;
	struct buf b = {0};
	if (run->json) {
		probe_result_json(&b, r);
	} else {
		trace_result_text(&b, t);
		probe_result_text(&b, r);
	}
	fwrite(b.p, 1, b.len, stdout);
	fflush(stdout);
	buf_free(&b);
	run->done = true;
	run->outcome = r->outcome;
}

struct lookup {
	uv_getaddrinfo_t req;
	int status;
	struct addr addr;
	bool found;
};

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct lookup *l = req->data;
	l->status = status;
	for (struct addrinfo *ai = status ? NULL : res; ai && !l->found; ai = ai->ai_next)
		l->found = !addr_from_sockaddr(ai->ai_addr, &l->addr, NULL);
	if (res)
		uv_freeaddrinfo(res);
}

enum {
	O_TRACE = 256,
	O_PROTO,
	O_PORT,
	O_SPORT,
	O_MAX_HOPS,
	O_FIRST,
	O_ATTEMPTS,
	O_TIMEOUT,
	O_WINDOW,
	O_GAP,
	O_INTERVAL,
	O_PREFIX,
	O_JSON,
	O_HELP
};

static const struct option options[] = {
    {"trace", no_argument, NULL, O_TRACE},
    {"proto", required_argument, NULL, O_PROTO},
    {"port", required_argument, NULL, O_PORT},
    {"sport", required_argument, NULL, O_SPORT},
    {"max-hops", required_argument, NULL, O_MAX_HOPS},
    {"first-hop", required_argument, NULL, O_FIRST},
    {"attempts", required_argument, NULL, O_ATTEMPTS},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"window", required_argument, NULL, O_WINDOW},
    {"gap", required_argument, NULL, O_GAP},
    {"interval", required_argument, NULL, O_INTERVAL},
    {"prefix", required_argument, NULL, O_PREFIX},
    {"json", no_argument, NULL, O_JSON},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

/* Parses argv into spec (prefixes into *pfx, owned by the caller). Returns 0,
 * -1 after --help, or EXIT_USAGE after saying what is wrong. */
static int parse_args(int argc, char **argv, struct trace_spec *spec, struct prefix **pfx,
                      struct run *run, const char **target)
{
	long v;
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case O_TRACE:
			break;
		case O_PROTO: {
			int p = trace_proto_parse(optarg);
			if (p < 0) {
				log_error("--proto: '%s' is not icmp, udp or tcp", optarg);
				return EXIT_USAGE;
			}
			spec->proto = (enum trace_proto)p;
			break;
		}
		case O_PORT:
		case O_SPORT:
			if (parse_int(c == O_PORT ? "--port" : "--sport", optarg, 1, 65535, &v))
				return EXIT_USAGE;
			if (c == O_PORT)
				spec->port = (uint16_t)v;
			else
				spec->sport = (uint16_t)v;
			break;
		case O_MAX_HOPS:
			if (parse_int("--max-hops", optarg, 1, TRACE_MAX_TTL, &v))
				return EXIT_USAGE;
			spec->max_hops = (int)v;
			break;
		case O_FIRST:
			if (parse_int("--first-hop", optarg, 1, TRACE_MAX_TTL, &v))
				return EXIT_USAGE;
			spec->first_ttl = (int)v;
			break;
		case O_ATTEMPTS:
			if (parse_int("--attempts", optarg, 1, TRACE_MAX_ATTEMPTS, &v))
				return EXIT_USAGE;
			spec->attempts = (int)v;
			break;
		case O_TIMEOUT:
			if (parse_int("--timeout", optarg, 1, 600000, &v))
				return EXIT_USAGE;
			spec->timeout_ms = (int)v;
			break;
		case O_WINDOW:
			if (parse_int("--window", optarg, 1, TRACE_MAX_PROBES, &v))
				return EXIT_USAGE;
			spec->window = (int)v;
			break;
		case O_GAP:
			if (parse_int("--gap", optarg, 1, TRACE_MAX_TTL, &v))
				return EXIT_USAGE;
			spec->gap_limit = (int)v;
			break;
		case O_INTERVAL:
			if (parse_int("--interval", optarg, 0, 60000, &v))
				return EXIT_USAGE;
			spec->interval_ms = (int)v;
			break;
		case O_PREFIX:
			*pfx = xreallocarray(*pfx, spec->nprefixes + 1, sizeof **pfx);
			if (prefix_parse(optarg, &(*pfx)[spec->nprefixes])) {
				log_error("--prefix: '%s' is not a prefix (e.g. 175.45.176.0/22, "
				          "2001:db8::/32)",
				          optarg);
				return EXIT_USAGE;
			}
			prefix_normalize(&(*pfx)[spec->nprefixes]);
			spec->nprefixes++;
			break;
		case O_JSON:
			run->json = true;
			break;
		case 'h':
		case O_HELP:
			usage(stdout);
			return -1;
		default:
			return cli_bad_option("probe --trace", argv, usage);
		}
	}
	if (optind != argc - 1) {
		log_error(optind >= argc ? "probe --trace: give one TARGET (an address or a name)"
		                         : "probe --trace: give one TARGET, not several");
		return EXIT_USAGE;
	}
	*target = argv[optind];
	spec->prefixes = *pfx;
	return 0;
}

int cmd_probe_trace(int argc, char **argv)
{
	struct trace_spec spec = {.proto = TRACE_ICMP};
	struct prefix *pfx = NULL;
	struct run run = {0};
	const char *target = NULL;
	int status = parse_args(argc, argv, &spec, &pfx, &run, &target);
	if (status) {
		free(pfx);
		return status < 0 ? 0 : status;
	}
	status = EXIT_USAGE;
	uv_loop_t loop;
	if (uv_loop_init(&loop) < 0) {
		log_error("probe --trace: cannot create the event loop");
		free(pfx);
		return 1;
	}
	if (addr_parse(target, &spec.target)) {
		/* a name: resolved on the loop, like every other lookup of blackout */
		struct lookup l = {.req.data = &l};
		struct addrinfo hints = {.ai_socktype = SOCK_DGRAM};
		int rc = uv_getaddrinfo(&loop, &l.req, on_resolved, target, NULL, &hints);
		if (!rc)
			uv_run(&loop, UV_RUN_DEFAULT);
		if (rc || !l.found) {
			log_error("probe --trace: cannot resolve '%s': %s", target,
			          uv_strerror(rc         ? rc
			                      : l.status ? l.status
			                                 : UV_EAI_NONAME));
			goto done;
		}
		spec.target = l.addr;
		spec.target_name = target;
	}
	char err[512];
	struct trace *t;
	if (trace_start(&loop, &spec, on_done, &run, &t, err, sizeof err)) {
		log_error("%s", err);
		goto done;
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	status = run.done && run.outcome == OUTCOME_OK ? 0 : 1;
done:
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop) < 0)
		log_warn("probe --trace: handles left open at exit");
	free(pfx);
	return status;
}
