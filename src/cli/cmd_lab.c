/*
 * cmd_lab.c - `blackout lab up|down|status|check|targets|scenario|run ...`:
 * the emulated country of lab/ (lab/README.md), driven from the program.
 *
 * The lab is shell (namespaces, BIRD, NSD, nginx, aiosmtpd); this command
 * only finds its scripts and execs them, so `blackout lab up` and `lab/lab up`
 * are the same thing. `run` execs lab/run, which brings the lab up, runs this
 * very binary's `watch` inside the monitor namespace, plays scenarios and
 * prints the scorecard: the binary's path goes along in BLACKOUT.
 *
 * Where the scripts are: $BLACKOUT_LAB_DIR, else ../lab next to the binary
 * (build/blackout -> lab/), else the source tree it was built from
 * (BLACKOUT_LAB_DIR_BUILT, set by the Makefile).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#ifndef BLACKOUT_LAB_DIR_BUILT
#define BLACKOUT_LAB_DIR_BUILT ""
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: blackout lab COMMAND [ARGS]\n\n"
		"The lab: an emulated country in network namespaces, with real routers and\n"
		"servers, where each kind of outage is caused on demand (lab/README.md). As root.\n\n"
		"  up                      build the lab and wait until everything answers\n"
		"  down                    remove everything (any state; idempotent)\n"
		"  status [--json]         what exists and what answers\n"
		"  check | targets         readiness checks | the watcher's targets\n"
		"  exec NODE CMD...        run CMD inside a node's namespace\n"
		"  scenario NAME start|stop|run [HOLD] | scenario list\n"
		"  run SCENARIO... [OPTIONS]  lab up, blackout watch in the monitor namespace,\n"
		"                          inject, recover, score the events against the truth\n"
		"                          log, lab down; one scorecard row per scenario\n"
		"                          ('blackout lab run --help' for the options)\n\n"
		"Scripts: $BLACKOUT_LAB_DIR, else ../lab next to the binary, else\n"
		"%s\n",
		*BLACKOUT_LAB_DIR_BUILT ? BLACKOUT_LAB_DIR_BUILT : "(no build-time path)");
}

static int is_lab_dir(const char *dir)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof p, "%s/lab", dir) >= (int)sizeof p)
		return 0;
	return access(p, X_OK) == 0;
}

/* Fills dir with the lab scripts' folder; 0, or -1 when none is found. */
static int find_lab_dir(char *dir, size_t size, const char *self)
{
	const char *env = getenv("BLACKOUT_LAB_DIR");
	if (env && *env) {
		if (!is_lab_dir(env)) {
			fprintf(stderr, "blackout lab: BLACKOUT_LAB_DIR=%s has no executable 'lab' script\n",
				env);
			return -1;
		}
		snprintf(dir, size, "%s", env);
		return 0;
	}
	char *slash = strrchr(self, '/');
	if (slash && (size_t)(slash - self) + 8 < size) {
		snprintf(dir, size, "%.*s/../lab", (int)(slash - self), self);
		if (is_lab_dir(dir))
			return 0;
	}
	if (*BLACKOUT_LAB_DIR_BUILT && is_lab_dir(BLACKOUT_LAB_DIR_BUILT)) {
		snprintf(dir, size, "%s", BLACKOUT_LAB_DIR_BUILT);
		return 0;
	}
	fprintf(stderr, "blackout lab: cannot find the lab scripts (lab/lab); set BLACKOUT_LAB_DIR\n");
	return -1;
}

/* Replaces this process by DIR/SCRIPT with args; returns only on failure. */
static int exec_script(const char *dir, const char *script, int argc, char **argv)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/%s", dir, script) >= (int)sizeof path) {
		fprintf(stderr, "blackout lab: path too long: %s\n", dir);
		return 1;
	}
	char **args = calloc((size_t)argc + 2, sizeof *args);
	if (!args) {
		fprintf(stderr, "blackout lab: out of memory\n");
		return 1;
	}
	args[0] = path;
	for (int i = 0; i < argc; i++)
		args[i + 1] = argv[i];
	execv(path, args);
	fprintf(stderr, "blackout lab: cannot run %s: %s\n", path, strerror(errno));
	free(args);
	return 1;
}

int cmd_lab(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
		usage(stdout);
		return 0;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0) {
		fprintf(stderr, "blackout lab: cannot find this program's path: %s\n", strerror(errno));
		return 1;
	}
	self[n] = 0;
	char dir[PATH_MAX];
	if (find_lab_dir(dir, sizeof dir, self))
		return 1;
	if (!strcmp(sub, "up") || !strcmp(sub, "down") || !strcmp(sub, "status") ||
	    !strcmp(sub, "check") || !strcmp(sub, "targets") || !strcmp(sub, "exec") ||
	    !strcmp(sub, "birdc"))
		return exec_script(dir, "lab", argc - 1, argv + 1);
	if (!strcmp(sub, "scenario"))
		return exec_script(dir, "scenario", argc - 2, argv + 2);
	if (!strcmp(sub, "run")) {
		/* lab/run runs this binary's watch/events/report. */
		if (setenv("BLACKOUT", self, 1)) {
			fprintf(stderr, "blackout lab: setenv: %s\n", strerror(errno));
			return 1;
		}
		return exec_script(dir, "run", argc - 2, argv + 2);
	}
	fprintf(stderr, "blackout lab: unknown command '%s'\n", sub);
	usage(stderr);
	return EXIT_USAGE;
}
