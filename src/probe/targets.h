/*
 * targets.h - what `blackout probe` is asked to probe: target words (an
 * address, a CIDR prefix, or a hostname), target files, and port lists.
 * Pure parsing: no sockets, no name resolution (the caller resolves names
 * without blocking and stores the addresses in the spec).
 *
 * A target list keeps each word once, compactly (one spec per word, not per
 * address): a prefix is expanded lazily by index (target_spec_addr), so a
 * /8 costs one spec, and 2^24 targets cost no memory until they are probed.
 * Where a spec came from (argument N, or FILE line N) is kept for messages.
 */
#ifndef BLACKOUT_PROBE_TARGETS_H
#define BLACKOUT_PROBE_TARGETS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/addr.h"
#include "core/err.h"

struct target_spec {
	struct prefix prefix; /* normalized; unused for names */
	uint16_t source;      /* 0: command line; else index+1 into target_list.sources */
	uint32_t line;        /* argument position (1-based) or line number in the file */
	char *name;           /* owned; NULL unless the word was a hostname */
	struct addr *addrs;   /* owned; a name's addresses once resolved */
	uint32_t naddrs;
	const char *word; /* borrowed from argv for command-line specs; else NULL */
};

struct target_list {
	struct target_spec *v; /* owned */
	size_t n, cap;
	char **sources; /* owned: file names, for messages */
	size_t nsources;
};

/* Parses one target word into *out (source/line left 0). Returns 0, or
 * ERR_PARSE with the reason in err ("not an address, prefix or hostname: ...").
 * A prefix with host bits set ("10.1.2.3/8") is taken as its network. */
int target_parse(const char *word, struct target_spec *out, char *err, size_t errlen) MUSTCHECK;

/* Adds one command-line word (argument position pos). On error the message
 * names the argument. */
int target_list_add_arg(struct target_list *l, const char *word, uint32_t pos, char *err,
                        size_t errlen) MUSTCHECK;

/* Reads targets from f, one per line; '#' starts a comment, blank lines are
 * skipped. fname is used in messages ("targets.txt:12: ..."). Returns 0,
 * ERR_PARSE on the first bad line, or ERR_IO. */
int target_list_read(struct target_list *l, FILE *f, const char *fname, char *err,
                     size_t errlen) MUSTCHECK;

void target_list_free(struct target_list *l);

/* "argument 3 ('10.0.0.0/8')" or "targets.txt:12 ('10.0.0.0/8')" into buf. */
char *target_spec_origin(const struct target_list *l, const struct target_spec *s, char *buf,
                         size_t n);

/* Addresses a spec stands for (a prefix's size, saturated; a name's resolved count). */
uint64_t target_spec_count(const struct target_spec *s);
/* The i-th of them (i < target_spec_count). */
void target_spec_addr(const struct target_spec *s, uint64_t i, struct addr *out);

/* Parses "80", "22,80,443", "1-1024", "22,8000-8010" into a sorted list
 * without duplicates (*ports owned by the caller). Returns 0 or ERR_PARSE
 * with the offending part named in err. */
int ports_parse(const char *s, uint16_t **ports, size_t *n, char *err, size_t errlen) MUSTCHECK;

#endif
