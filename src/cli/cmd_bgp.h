/*
 * cmd_bgp.h - what the `blackout bgp` subcommands share: the watched-prefix
 * options and the visibility rows, printed the same way from archives and live.
 */
#ifndef BLACKOUT_CLI_CMD_BGP_H
#define BLACKOUT_CLI_CMD_BGP_H

#include <stdbool.h>
#include <stdint.h>

#include "bgp/visibility.h"
#include "core/buf.h"

/* Appends the CSV header line (nothing for JSON). */
void cmd_bgp_header(struct buf *out, bool json);
/* Appends one row: CSV "time,prefix,event,peers_seeing,peers_up,fraction,
 * min_seeing,max_seeing" or a JSON object with those keys and "unix". */
void cmd_bgp_row(struct buf *out, bool json, const struct vis_row *r);
/* Handles argv[*i] if it is --prefix P, --origin ASN, --bin SECONDS or --json
 * (advancing *i past a value); *handled says whether it was one of them.
 * Returns 0 or ERR_INVAL after logging what was wrong. */
int cmd_bgp_watch_opt(int argc, char **argv, int *i, struct vis_watch *watch, size_t *n_watch,
		      uint32_t *origin, int64_t *bin_us, bool *json, bool *handled);

/* `blackout bgp collect` (cmd_bgp_collect.c); argv[0] is "collect". */
int cmd_bgp_collect(int argc, char **argv);

#endif
