/*
 * dns_wire.h - the DNS probe's pure part: build one query, check one answer.
 *
 * The wire format is libldns's (ldns_pkt2wire, ldns_wire2pkt); what is ours is
 * the checking an answer must pass before the probe believes it: at least a
 * header, our ID, the QR bit, opcode QUERY, exactly our question (name compared
 * without case, type, class IN; an error answer may omit it), every section
 * present as its count says. No sockets, no clock: tested and fuzzed over
 * arbitrary bytes (tests/fuzz/fuzz_dns.c).
 *
 * Ownership: struct dns_query and struct dns_answer own what they point to;
 * release them with dns_query_free / dns_answer_free (both accept an all-zero
 * struct, and are no-ops the second time).
 */
#ifndef BLACKOUT_PROBE_DNS_WIRE_H
#define BLACKOUT_PROBE_DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define DNS_RECORDS_MAX 16 /* answer records copied into the detail */

struct dns_query {
	uint8_t *wire; /* owned: the query as sent over UDP (no TCP length prefix) */
	size_t len;
	uint16_t id;
	uint16_t qtype;
	uint8_t qname[256]; /* the name in wire form, lower case */
	size_t qname_len;
};

struct dns_answer {
	uint16_t id;
	int rcode; /* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED, ... (with EDNS: extended) */
	bool aa, tc, ra;
	unsigned qdcount, ancount, nscount, arcount;
	unsigned matching; /* answer records of the type asked */
	bool has_serial;   /* an SOA was in the answer or authority section */
	uint32_t serial;
	size_t size;        /* bytes */
	struct buf records; /* owned: up to DNS_RECORDS_MAX JSON objects, comma-separated:
	                       {"name":"kp.","type":"MX","ttl":3600,"data":"10 mail.kp."} */
};

/* The record type for "A", "aaaa", "SOA", ... (any type libldns knows), or ERR_PARSE. */
int dns_type_parse(const char *s) MUSTCHECK;
/* "A", "SOA", ... ("TYPE123" for unknown ones) written into out (n >= 16); returns out. */
char *dns_type_name(int type, char *out, size_t n);
/* "NOERROR", "SERVFAIL", ...; "RCODE23" for the others, written into out (n >= 16). */
char *dns_rcode_name(int rcode, char *out, size_t n);
/* OUTCOME_OK for NOERROR, OUTCOME_DNS_* for the others (core/obs.h). */
int dns_rcode_outcome(int rcode);

/*
 * Builds a query for name (absolute or not: a final dot is added) and qtype,
 * with the given ID, RD clear (the probe asks authoritative servers) and, when
 * edns_size > 0, an EDNS0 OPT record announcing that UDP payload size.
 * Returns 0, or ERR_PARSE with err naming what is wrong with the name.
 */
int dns_query_build(struct dns_query *q, const char *name, uint16_t qtype, uint16_t id,
                    uint16_t edns_size, char *err, size_t errlen) MUSTCHECK;
/* Rewrites the query's ID in place (for a retry over TCP with a fresh ID). */
void dns_query_set_id(struct dns_query *q, uint16_t id);
void dns_query_free(struct dns_query *q);

/*
 * Checks that wire[0..len) answers q and fills a. Returns
 *   0          it does (a->rcode may still be an error rcode: that is an answer),
 *   ERR_TRUNC  shorter than a DNS header, or a section cut short,
 *   ERR_INVAL  a well-formed message that is not the answer to q (ID, QR,
 *              opcode or question differ),
 *   ERR_PARSE  malformed (bad name compression, counts that do not add up, ...),
 * with err (errlen bytes) saying which, with the byte offset where known.
 * a is reset on entry; after an error it holds what was read of the header.
 */
int dns_answer_check(const struct dns_query *q, const uint8_t *wire, size_t len,
                     struct dns_answer *a, char *err, size_t errlen) MUSTCHECK;
void dns_answer_free(struct dns_answer *a);

#endif
