/*
 * trace_wire.h - the packets of a Paris traceroute, and which of them a
 * received packet answers. Pure code: a flow description and bytes in, bytes
 * and matches out; no sockets, no clock, no randomness of its own.
 *
 * Paris traceroute (Augustin et al., IMC 2006): a router that balances load
 * per flow hashes the IP addresses, the protocol and the first bytes after
 * the IP header (TCP/UDP ports; for ICMP many read type, code and checksum as
 * if they were ports). Classic traceroute changes those bytes from probe to
 * probe (UDP destination port + 1 per probe, ICMP sequence and so checksum),
 * so its probes for hops 3 and 4 may take different paths and the "path" it
 * prints may not exist. Here every probe of one trace carries the same flow
 * bytes; what tells probes apart sits where no flow hash looks, yet inside
 * the first 8 bytes after the IP header, which every ICMP error quotes
 * (RFC 792's minimum), so an answer names its probe even from an old router:
 *
 *   proto  same in every probe (the flow)        differs per probe (the identifier)
 *   ICMP   type, code, checksum, identifier      sequence (bytes 6-7); 2 payload bytes
 *          (bytes 0-5)                           compensate it so the checksum holds
 *   UDP    ports, length (bytes 0-5)             checksum (bytes 6-7), set to the probe's
 *                                                identifier by 2 payload bytes
 *   TCP    ports (bytes 0-3)                     sequence number (bytes 4-7)
 *
 * Addresses, protocol, TOS/traffic class and the IPv6 flow label are set by
 * the kernel from the socket, the same for every probe (the integration test
 * checks them on the wire); the TTL is what a traceroute varies, and the IPv4
 * identification the kernel picks is left alone (no flow hash reads it).
 *
 * ICMP and UDP payloads are 16 bytes: the compensation word, an 8-byte nonce
 * (random per trace: an echo reply must carry it back) and "blkotr".
 *
 * Invariants: trace_probe_build() writes at most TRACE_PROBE_MAX bytes and
 * never reads the flow's memory beyond it; identifiers of the nprobes probes
 * of one flow are distinct; a match names an index < nprobes.
 */
#ifndef BLACKOUT_PROBE_TRACE_WIRE_H
#define BLACKOUT_PROBE_TRACE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"
#include "probe/icmp_wire.h"

enum trace_proto { TRACE_ICMP = 0, TRACE_UDP, TRACE_TCP };

#define TRACE_MAX_PROBES 4096 /* probes in one trace (hops x attempts) */
#define TRACE_PAYLOAD_LEN 16  /* ICMP and UDP payload */
#define TRACE_PROBE_MAX 24    /* the longest probe: 8 + 16 (ICMP, UDP), 20 + 4 (TCP with MSS) */

/* One trace's flow: everything a probe is built from. Plain value. */
struct trace_flow {
	enum trace_proto proto;
	struct addr src, dst;  /* same family */
	uint16_t sport, dport; /* UDP/TCP */
	uint16_t icmp_id;      /* ICMP identifier */
	uint16_t icmp_cksum;   /* ICMP: the checksum every probe carries (1..0xfffe) */
	uint16_t ident_base;   /* identifier of probe 0: ICMP sequence, UDP checksum */
	uint32_t seq_base;     /* TCP: sequence number of probe 0 */
	uint64_t nonce;
	uint32_t nprobes;
};

/* What came back for a probe. */
enum trace_reply {
	TRACE_REPLY_NONE = 0, /* nothing (yet) */
	TRACE_REPLY_TTL,      /* ICMP time exceeded: a router on the path */
	TRACE_REPLY_DEST,     /* the destination's own answer: echo reply (ICMP), port
	                       * unreachable (UDP), SYN-ACK or RST (TCP) */
	TRACE_REPLY_ERROR,    /* another ICMP error (unreachable, prohibited): the path stops */
};

/* One received packet that answers one probe. */
struct trace_match {
	uint32_t index; /* the probe */
	enum trace_reply kind;
	int outcome;                  /* TTL_EXCEEDED, OK (DEST), or the error's (core/obs.h) */
	struct addr from;             /* who sent it */
	uint8_t icmp_type, icmp_code; /* ICMP answers */
	uint8_t tcp_flags;            /* TCP answers (ICMP_TCP_*) */
	uint8_t quoted_ttl;           /* errors: the probe's TTL as the router saw it */
};

/*
 * Fills f for nprobes probes (1..TRACE_MAX_PROBES) of proto from src to dst
 * (same family). sport/dport are used by UDP and TCP (both non-zero there).
 * rnd: 16 random bytes from the caller, which pick the ICMP identifier and
 * checksum, the identifiers' base and the nonce. Returns 0 or ERR_INVAL.
 */
int trace_flow_init(struct trace_flow *f, enum trace_proto proto, const struct addr *src,
                    const struct addr *dst, uint16_t sport, uint16_t dport, uint32_t nprobes,
                    const uint8_t rnd[16]) MUSTCHECK;

/* The flow's IP protocol number: IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_UDP or IPPROTO_TCP. */
int trace_flow_ipproto(const struct trace_flow *f);
/* How many leading bytes of every probe are the flow (see the table above). */
size_t trace_flow_hash_len(const struct trace_flow *f);
/* "icmp", "udp", "tcp"; trace_proto_parse returns -1 for anything else. */
const char *trace_proto_name(enum trace_proto p);
int trace_proto_parse(const char *s);

/* Writes probe i (< nprobes) into buf: the bytes after the IP header, as a
 * raw socket of trace_flow_ipproto() sends them, checksum filled in (for
 * ICMPv6 the kernel recomputes it, to the same value). Returns the length,
 * ERR_TOOBIG (cap < TRACE_PROBE_MAX) or ERR_INVAL (i out of range). */
int trace_probe_build(const struct trace_flow *f, uint32_t i, uint8_t *buf, size_t cap) MUSTCHECK;

/* Does ICMP message m (from icmp_parse; from = who sent it: the outer IPv4
 * source or the IPv6 recvfrom address) answer one of f's probes? An echo
 * reply must come from the destination with the nonce; an error must quote
 * one of our probes (addresses, ports or identifier, and its identifier in
 * range). Returns true and fills *out. */
bool trace_match_icmp(const struct trace_flow *f, const struct icmp_msg *m, const struct addr *from,
                      struct trace_match *out);

/* Does TCP segment s, from `from`, answer one of f's SYNs (a SYN-ACK or an
 * RST+ACK from the destination, acknowledging a probe's sequence + 1)? */
bool trace_match_tcp(const struct trace_flow *f, const struct icmp_tcp_seg *s,
                     const struct addr *from, struct trace_match *out);

#endif
