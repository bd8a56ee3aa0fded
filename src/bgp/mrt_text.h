/*
 * mrt_text.h - MRT records as text: the one-line-per-route form of
 * `bgpdump -m`, and one JSON object per route.
 *
 * The text form matches Debian's bgpdump 1.6.2 line for line, field for
 * field, so scripts written for it keep working; where bgpdump prints
 * something other than what the record holds, this prints the record (the
 * list, with the reasons, is docs/mrt.md):
 *   - prefixes with bits set beyond the prefix length are shown masked;
 *   - legacy BGP withdrawals show the prefix, not the peer address;
 *   - RFC 6793 rules for AS4_PATH (confederation segments not counted,
 *     every AS_PATH segment considered) and full AS paths (no "..." cut);
 *   - the batched TABLE_DUMP records of 2000 give one line per entry;
 *   - TABLE_DUMP_V2 multicast RIBs are printed (bgpdump skips them);
 *   - IPv6 TABLE_DUMP entries with 4-byte ASNs, IPv6 withdrawals sent by the
 *     collector (_LOCAL) and MP next hops always show their real address;
 *   - legacy BGP lines with communities keep a "|" before them.
 * Conventions bgpdump has that are kept: a missing ORIGIN prints INCOMPLETE,
 * a missing NEXT_HOP prints 255.255.255.255, missing LOCAL_PREF/MED print 0,
 * IPv4-mapped IPv6 addresses print as ::ffff:a.b.c.d, one zero group is
 * compressed to "::", IPv4 MP announcements print LOCAL_PREF and MED as
 * signed numbers, and BGP4PLUS (9, 10), OPEN, KEEPALIVE, NOTIFICATION and
 * ROUTE-REFRESH records print nothing.
 *
 * JSON (one object per line; absent values are null):
 *   {"type":"BGP4MP","time":1470931200,"entry":"announce","peer":"37.49.236.123",
 *    "peer_as":198290,"prefix":"192.140.252.0/22","path_id":null,
 *    "as_path":"198290 6661 2914","origin_as":135310,"origin":"IGP",
 *    "next_hop":"37.49.236.123","local_pref":null,"med":null,
 *    "communities":["0:200"],"large_communities":[],"atomic_aggregate":false,
 *    "aggregator":null}
 * "time" has a fraction for _ET records; "entry" is rib, announce, withdraw or
 * state (with "old_state"/"new_state" names instead of route fields).
 *
 * struct mrt_text is scratch space (the merged AS path); one per thread.
 */
#ifndef BLACKOUT_BGP_MRT_TEXT_H
#define BLACKOUT_BGP_MRT_TEXT_H

#include "bgp/mrt.h"
#include "core/buf.h"

struct mrt_text;

struct mrt_text *mrt_text_new(void);
void mrt_text_free(struct mrt_text *t);

/* Appends the lines of one record (none for records without routes);
 * returns how many lines. */
size_t mrt_text_bgpdump(struct mrt_text *t, struct buf *out, const struct mrt_record *rec);
size_t mrt_text_json(struct mrt_text *t, struct buf *out, const struct mrt_record *rec);

/* bgpdump's address forms: IPv4 dotted, IPv6 as its fmt_ipv6 writes it.
 * dst needs ADDR_STRLEN bytes; returns the end (not NUL-terminated). */
char *mrt_text_addr(char *dst, const struct addr *a);

#endif
