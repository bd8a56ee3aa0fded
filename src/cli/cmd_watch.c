/*
 * cmd_watch.c - `blackout watch [-c CONFIG | --watchlist NAME] [--db FILE]
 * [--duration S] [--user NAME [--keep-net-raw]] [-v|-q]`: probe a watchlist until SIGINT/SIGTERM (or for
 * --duration seconds), store what was seen, detect outages (src/watch).
 * With neither a config nor a watchlist it explains how to start and exits 2:
 * it never probes anything by surprise.
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/priv.h"
#include "store/store.h"
#include "watch/discover.h"
#include "watch/watch.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: blackout watch (-c CONFIG | --watchlist NAME) [--db FILE] [--duration SECONDS]\n"
		"                      [--user NAME [--keep-net-raw]] [-v|-q]\n\n"
		"Probes a watchlist continuously, stores what it sees, and turns it into outage\n"
		"events with their cause. Runs until SIGINT or SIGTERM (or --duration), then\n"
		"flushes the store and exits 0.\n"
		"  -c, --config FILE    a watchlist (YAML, docs/config.md)\n"
		"  --watchlist NAME     a watchlist built into blackout ('blackout watchlist' lists them)\n"
		"  --db FILE            the store (default: the config's store.path, else " STORE_DEFAULT_PATH ")\n"
		"  --duration SECONDS   stop by itself after this long\n"
		"  --user NAME          started as root: open the raw ICMP, BGP and API sockets and the\n"
		"                       store, give the store's files to NAME, then run as NAME\n"
		"  --keep-net-raw       with --user: keep CAP_NET_RAW (only that) after the drop\n"
		"  -v, -q               more / less logging\n\n"
		"To start:\n"
		"  blackout check-config examples/loopback.yaml   check a watchlist (every error with line:col)\n"
		"  blackout watch -c examples/loopback.yaml       watch servers on this machine\n"
		"  blackout watchlist kp > kp.yaml                the North Korea watchlist, to edit\n"
		"  blackout watch --watchlist kp                  watch it as built in\n"
		"Then: blackout status, blackout events, blackout report ID (all take --db).\n");
}

struct config *cli_load_config(const char *file, const char *watchlist)
{
	struct config_errors errs = {0};
	struct config *cfg = NULL;
	int rc;
	if (file) {
		rc = config_load_file(file, &cfg, &errs);
	} else {
		const struct config_builtin *b = config_builtin_find(watchlist);
		if (!b) {
			fprintf(stderr, "blackout: no built-in watchlist '%s' (try 'blackout watchlist')\n",
				watchlist);
			return NULL;
		}
		char name[128];
		snprintf(name, sizeof name, "<watchlist %s>", b->name);
		rc = config_load_mem(name, b->text, (size_t)(b->end - b->text), &cfg, &errs);
	}
	if (rc) {
		config_errors_print(&errs, stderr);
		config_errors_free(&errs);
		return NULL;
	}
	config_errors_free(&errs);
	return cfg;
}

int cmd_watch(int argc, char **argv)
{
	const char *file = NULL, *watchlist = NULL, *db = NULL, *user = NULL;
	bool keep_net_raw = false;
	double duration = 0;
	enum log_level lvl = LOG_INFO;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if ((!strcmp(a, "-c") || !strcmp(a, "--config")) && v) {
			file = v, i++;
		} else if (!strcmp(a, "--watchlist") && v) {
			watchlist = v, i++;
		} else if (!strcmp(a, "--user") && v) {
			user = v, i++;
		} else if (!strcmp(a, "--keep-net-raw")) {
			keep_net_raw = true;
		} else if (!strcmp(a, "--db") && v) {
			db = v, i++;
		} else if (!strcmp(a, "--duration") && v) {
			char *end;
			duration = strtod(v, &end);
			if (*end || !(duration > 0) || duration > 1e9) {
				fprintf(stderr, "blackout watch: --duration wants a number of seconds > 0, not '%s'\n", v);
				return EXIT_USAGE;
			}
			i++;
		} else if (!strcmp(a, "-v")) {
			lvl = LOG_DEBUG;
		} else if (!strcmp(a, "-q")) {
			lvl = LOG_WARN;
		} else {
			fprintf(stderr, "blackout watch: unknown option or missing value: '%s'\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!file && !watchlist) {
		fprintf(stderr, "blackout watch: say what to watch (-c CONFIG or --watchlist NAME).\n\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (keep_net_raw && !user) {
		fprintf(stderr, "blackout watch: --keep-net-raw goes with --user NAME\n");
		return EXIT_USAGE;
	}
	if (user) {
		uid_t uid;
		gid_t gid;
		char perr[256];
		if (priv_lookup(user, &uid, &gid, perr, sizeof perr) < 0) {
			fprintf(stderr, "blackout watch: --user: %s\n", perr);
			return EXIT_USAGE;
		}
		if (geteuid() != 0) {
			fprintf(stderr, "blackout watch: --user %s needs to start as root\n", user);
			return EXIT_USAGE;
		}
	}
	if (file && watchlist) {
		fprintf(stderr, "blackout watch: -c and --watchlist exclude each other\n");
		return EXIT_USAGE;
	}
	log_set_level(lvl);
	struct config *cfg = cli_load_config(file, watchlist);
	if (!cfg)
		return EXIT_USAGE;

	signal(SIGPIPE, SIG_IGN); /* an exec hook or a client may go away */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct watch_options opt = {.db_path = db,
				    .duration_us = (int64_t)(duration * 1e6),
				    .user = user,
				    .keep_net_raw = keep_net_raw};
	bool discover = false;
	for (size_t i = 0; i < cfg->n_entities; i++)
		discover |= cfg->entities[i].discover_routers;
	if (discover) { /* before anything else, while still root: traceroute needs raw sockets */
		int n = watch_discover_routers(cfg, 0);
		log_info("watch: router discovery added %d router target%s", n, n == 1 ? "" : "s");
	}
	struct watch *w = NULL;
	char err[512] = "";
	int rc = watch_new(cfg, &opt, &w, err, sizeof err);
	int status = 0;
	if (rc < 0) {
		fprintf(stderr, "blackout watch: %s\n", err);
		status = 1;
		goto done;
	}
	/* the API address is known once it listens: say what is watched first */
	fprintf(stderr, "blackout watch: %s: %zu entit%s, %zu target%s, %zu probe%s; db %s%s\n",
		cfg->file, cfg->n_entities, cfg->n_entities == 1 ? "y" : "ies", cfg->n_targets,
		cfg->n_targets == 1 ? "" : "s", config_count_probes(cfg),
		config_count_probes(cfg) == 1 ? "" : "s", db ? db : cfg->store.path,
		cfg->http.enabled ? "" : "; API off");
	rc = watch_run(w, err, sizeof err);
	if (rc < 0) {
		fprintf(stderr, "blackout watch: %s\n", err);
		status = 1;
	}
done:
	watch_free(w);
	curl_global_cleanup();
	config_free(cfg);
	return status;
}
