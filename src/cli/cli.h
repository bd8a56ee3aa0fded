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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
int cmd_watch(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_replay(int argc, char **argv);

struct config;
struct store;
/* Opens the store at path read-only; on failure prints "blackout CMD: path: why"
 * and returns a negative ERR_*. (cli_store.c) */
int cli_store_open_ro(const char *cmd, const char *path, struct store **out);
/* The options every store-reading command takes: -h/--help (CLI_OPT_HELP),
 * --db FILE and --json (CLI_OPT_TAKEN; *i moves past a value), anything else
 * (CLI_OPT_OTHER, for the command to parse). (cli_store.c) */
enum { CLI_OPT_OTHER, CLI_OPT_TAKEN, CLI_OPT_HELP };
int cli_store_opt(int argc, char **argv, int *i, const char **db, bool *json);
/* "45s", "3m05s", "2h03m10s", "1d02h03m". Returns buf. */
char *cli_duration(int64_t us, char *buf, size_t n);
/* Loads -c FILE or the built-in --watchlist NAME (one of them non-NULL) and
 * prints every error as FILE:LINE:COL: message. NULL on failure. (cmd_watch.c) */
struct config *cli_load_config(const char *file, const char *watchlist);
/* `lab ...`: execs the lab scripts (lab/lab, lab/scenario, lab/run). */
int cmd_lab(int argc, char **argv);

#endif
