/*
 * cmd_watchlist.c - `blackout watchlist [NAME [--resolved]]`: lists the
 * watchlists built into the program, or prints one as YAML to start from
 * (as shipped, with the comments that say where each entry comes from;
 * --resolved prints it as loaded, every default filled in).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "config/config.h"
#include "core/buf.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: blackout watchlist [NAME [--resolved]]\n\n"
		   "Without NAME, lists the built-in watchlists. With NAME, prints it as YAML\n"
		   "(use it with 'blackout watch --watchlist NAME', or save and edit it).\n"
		   "  --resolved   print it as blackout reads it, every default filled in\n");
}

static int list(void)
{
	size_t n;
	const struct config_builtin *b = config_builtin_list(&n);
	for (size_t i = 0; i < n; i++)
		printf("%-8s %s\n", b[i].name, b[i].summary);
	return 0;
}

int cmd_watchlist(int argc, char **argv)
{
	const char *name = NULL;
	int resolved = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--resolved")) {
			resolved = 1;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "blackout watchlist: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		} else if (name) {
			fprintf(stderr, "blackout watchlist: one name at a time\n");
			return EXIT_USAGE;
		} else {
			name = argv[i];
		}
	}
	if (!name)
		return list();
	const struct config_builtin *b = config_builtin_find(name);
	if (!b) {
		fprintf(stderr, "blackout watchlist: no built-in watchlist '%s'; these exist:\n", name);
		size_t n;
		const struct config_builtin *all = config_builtin_list(&n);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "  %s\n", all[i].name);
		return EXIT_USAGE;
	}
	if (!resolved) {
		fwrite(b->text, 1, (size_t)(b->end - b->text), stdout);
		return 0;
	}
	struct config_errors errs = {0};
	struct config *cfg = NULL;
	char label[64];
	snprintf(label, sizeof label, "builtin:%s", b->name);
	if (config_load_mem(label, b->text, (size_t)(b->end - b->text), &cfg, &errs)) {
		/* a broken built-in watchlist is a bug; the tests keep it from shipping */
		config_errors_print(&errs, stderr);
		config_errors_free(&errs);
		return 1;
	}
	config_errors_free(&errs);
	struct buf out = {0};
	int rc = config_write_yaml(cfg, &out) ? 1 : 0;
	if (!rc)
		fwrite(out.p, 1, out.len, stdout);
	buf_free(&out);
	config_free(cfg);
	return rc;
}
