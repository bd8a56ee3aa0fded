/*
 * cli.h - blackout's subcommands.
 *
 * Each subcommand lives in src/cli/cmd_<name>.c as cmd_<name>(argc, argv) with
 * argv[0] the subcommand's name; it returns the process exit status:
 * 0 success, 1 "ran, but found a failure" (targets down, damaged input),
 * 2 bad usage or unusable input. The table in main.c lists them all.
 */
#ifndef BLACKOUT_CLI_H
#define BLACKOUT_CLI_H

#include <stdio.h>

#define EXIT_USAGE 2

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

int cmd_version(int argc, char **argv);
/* `probe --icmp/--tcp` (cmd_probe.c); it hands --http/--dns/--smtp to cmd_probe_app
 * and --trace to cmd_probe_trace. */
int cmd_probe(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_watchlist(int argc, char **argv);
/* `probe --http/--dns/--smtp`: the application probes (cmd_probe_app.c). */
int cmd_probe_app(int argc, char **argv);
/* `probe --trace`: the traceroute (cmd_probe_trace.c). */
int cmd_probe_trace(int argc, char **argv);
int cmd_mrt(int argc, char **argv);

/* After getopt_long() returned '?': says which option of command cmd was
 * wrong (unknown, or missing its value), prints usage (if not NULL) on
 * stderr, and returns EXIT_USAGE (cli_opts.c). */
int cli_bad_option(const char *cmd, char **argv, void (*usage)(FILE *));
int cmd_bgp(int argc, char **argv);
/* `lab ...`: execs the lab scripts (lab/lab, lab/scenario, lab/run). */
int cmd_lab(int argc, char **argv);

#endif
