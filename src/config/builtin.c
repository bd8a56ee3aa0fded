/*
 * builtin.c - the watchlists built into the binary.
 *
 * Each one is a YAML file next to this one (src/config/watchlist_NAME.yaml),
 * assembled into the program by the Makefile (scripts/embed): its bytes lie
 * between embed_watchlist_NAME_yaml and embed_watchlist_NAME_yaml_end, with a
 * NUL after them. `blackout watchlist NAME` prints the text as it is, comments
 * (sources and ages) included.
 */
#include "config/config.h"

#include <string.h>

extern const char embed_watchlist_kp_yaml[], embed_watchlist_kp_yaml_end[];

static const struct config_builtin builtins[] = {
	{"kp", "North Korea: AS131279, 175.45.176.0/22, .kp nameservers, main web and mail servers",
	 embed_watchlist_kp_yaml, embed_watchlist_kp_yaml_end},
};

#define N_BUILTINS (sizeof builtins / sizeof builtins[0])

const struct config_builtin *config_builtin_list(size_t *n)
{
	*n = N_BUILTINS;
	return builtins;
}

const struct config_builtin *config_builtin_find(const char *name)
{
	for (size_t i = 0; i < N_BUILTINS; i++)
		if (!strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}
