/*
 * cli_opts.c - what the subcommands share when they read their options.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "core/log.h"

int cli_bad_option(const char *cmd, char **argv, void (*usage)(FILE *))
{
	if (optopt)
		log_error("%s: option '%s' needs a value or is unknown", cmd, argv[optind - 1]);
	else
		log_error("%s: unknown option '%s'", cmd, argv[optind - 1]);
	if (usage)
		usage(stderr);
	return EXIT_USAGE;
}
