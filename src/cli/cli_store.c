/*
 * cli_store.c - what the commands that read the store share: opening it
 * read-only with a clear message, and printing times and durations.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "store/store.h"

int cli_store_open_ro(const char *cmd, const char *path, struct store **out)
{
	char err[256];
	struct store_options o = {.readonly = true};
	int rc = store_open(path, &o, out, err, sizeof err);
	if (rc < 0)
		fprintf(stderr, "blackout %s: %s\n", cmd, err); /* err names the file */
	return rc;
}

char *cli_duration(int64_t us, char *buf, size_t n)
{
	int64_t s = us / USEC_PER_SEC;
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, n, "%" PRId64 "d%02" PRId64 "h%02" PRId64 "m", s / 86400, s / 3600 % 24, s / 60 % 60);
	else if (s >= 3600)
		snprintf(buf, n, "%" PRId64 "h%02" PRId64 "m%02" PRId64 "s", s / 3600, s / 60 % 60, s % 60);
	else if (s >= 60)
		snprintf(buf, n, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else
		snprintf(buf, n, "%" PRId64 "s", s);
	return buf;
}

int cli_store_opt(int argc, char **argv, int *i, const char **db, bool *json)
{
	const char *a = argv[*i];
	if (!strcmp(a, "-h") || !strcmp(a, "--help"))
		return CLI_OPT_HELP;
	if (!strcmp(a, "--db") && *i + 1 < argc) {
		*db = argv[++*i];
		return CLI_OPT_TAKEN;
	}
	if (!strcmp(a, "--json")) {
		*json = true;
		return CLI_OPT_TAKEN;
	}
	return CLI_OPT_OTHER;
}
