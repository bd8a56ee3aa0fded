/*
 * main.c - blackout's entry point: finds the subcommand and runs it.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"

static const struct cli_command commands[] = {
	{"version", cmd_version, "print the version"},
	{"probe", cmd_probe, "probe targets once: --icmp, --tcp PORTS, --http, --dns, --smtp"},
	{"mrt", cmd_mrt, "print MRT routing archives like bgpdump -m (or JSON)"},
	{"bgp", cmd_bgp, "BGP visibility of watched prefixes (archives, live collector)"},
	{"watch", cmd_watch, "probe a watchlist continuously, store it, detect outages"},
	{"status", cmd_status, "now: each entity, its layers and targets (from the store)"},
	{"events", cmd_events, "outage events, one per line (from the store)"},
	{"report", cmd_report, "one event's timeline and cause, in words"},
	{"replay", cmd_replay, "re-run detection over stored observations"},
	{"check-config", cmd_check_config, "check a watchlist file and list every error"},
	{"watchlist", cmd_watchlist, "list the built-in watchlists, or print one as YAML"},
	{"lab", cmd_lab, "the emulated country: up, down, status, run SCENARIO (root)"},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
	fprintf(f, "usage: blackout COMMAND [OPTIONS]\n\n"
		   "blackout watches networks from the outside: whether they are reachable,\n"
		   "since when not, what failed in what order, and what that says about the cause.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'blackout COMMAND --help' tells more about one command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	log_error("unknown command '%s' (try 'blackout --help')", argv[1]);
	return EXIT_USAGE;
}
