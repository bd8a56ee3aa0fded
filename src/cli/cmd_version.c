#include <stdio.h>

#include "cli/cli.h"

#ifndef BLACKOUT_VERSION
#define BLACKOUT_VERSION "0.1.0-dev"
#endif

int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("blackout %s\n", BLACKOUT_VERSION);
	return 0;
}
