/*
 * cmd_check_config.c - `blackout check-config [--print] FILE`: loads a
 * watchlist and prints every problem as FILE:LINE:COL: message (exit 2), or a
 * one-line summary (exit 0). --print also writes the config as blackout reads
 * it: every default resolved, as YAML that loads back the same.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "config/config.h"
#include "core/buf.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: blackout check-config [--print] FILE\n\n"
		   "Checks a watchlist (YAML, see docs/config.md). Prints every error as\n"
		   "FILE:LINE:COL: message and exits 2, or prints a summary and exits 0.\n"
		   "  --print   also print the config with every default filled in\n");
}

int cmd_check_config(int argc, char **argv)
{
	const char *file = NULL;
	int print = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--print")) {
			print = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "blackout check-config: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		} else if (file) {
			fprintf(stderr, "blackout check-config: one file at a time\n");
			return EXIT_USAGE;
		} else {
			file = argv[i];
		}
	}
	if (!file) {
		usage(stderr);
		return EXIT_USAGE;
	}
	struct config_errors errs = {0};
	struct config *cfg = NULL;
	if (config_load_file(file, &cfg, &errs)) {
		config_errors_print(&errs, stderr);
		fprintf(stderr, "%s: %zu error%s\n", file, errs.n + errs.dropped,
			errs.n + errs.dropped == 1 ? "" : "s");
		config_errors_free(&errs);
		return EXIT_USAGE;
	}
	config_errors_free(&errs);
	int rc = 0;
	if (print) {
		struct buf b = {0};
		if (config_write_yaml(cfg, &b)) {
			fprintf(stderr, "blackout check-config: could not write the config as YAML\n");
			rc = 1;
		} else {
			fwrite(b.p, 1, b.len, stdout);
		}
		buf_free(&b);
	} else {
		printf("%s: ok: %zu entit%s, %zu target%s (%zu control%s), %zu probe%s\n", file,
		       cfg->n_entities, cfg->n_entities == 1 ? "y" : "ies", cfg->n_targets,
		       cfg->n_targets == 1 ? "" : "s", cfg->n_controls, cfg->n_controls == 1 ? "" : "s",
		       config_count_probes(cfg), config_count_probes(cfg) == 1 ? "" : "s");
	}
	config_free(cfg);
	return rc;
}
