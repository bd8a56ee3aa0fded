/*
 * icmp_wire.h - ICMP and ICMPv6 on the wire: echo requests out, replies and
 * errors in. Pure code: bytes in, structs out; no sockets, no clock.
 *
 * What a socket hands us depends on the socket:
 *   raw IPv4 (SOCK_RAW, IPPROTO_ICMP)      IPv4 header + ICMP message
 *   raw IPv6 (SOCK_RAW, IPPROTO_ICMPV6)    ICMPv6 message (no IPv6 header)
 *   ping socket (SOCK_DGRAM, IPPROTO_ICMP[V6])  ICMP message, no IP header;
 *     its errors come from the error queue (MSG_ERRQUEUE) as the quoted echo
 *     request itself, starting at its ICMP header (icmp_parse_echo).
 * icmp_parse() takes the first three and says what arrived: an echo reply
 * (id, seq, payload), an ICMP error (type, code, the outcome it means for a
 * probe, and the quoted original packet decoded: protocol, addresses, ICMP
 * id/seq and payload, or TCP/UDP ports), or something else to ignore.
 * The quote decoder does not care which kind of probe caused the error, so
 * a traceroute (UDP, TCP or ICMP probes; errors from any hop) uses it as is.
 *
 * Probe token: the payload of every echo request blackout sends starts with
 * a 20-byte token {nonce (8), index (4), tag (4), magic (4)}. The nonce is a
 * random per-engine secret, so a reply that does not carry it (a stray reply
 * to someone else's ping, a forged one from someone who did not see our
 * request) is ignored; index/tag name the probe with 32 bits each, so there
 * is no 16-bit sequence cap. Routers that quote only 8 bytes past the IP
 * header (RFC 792's minimum) leave the token out: the caller then matches
 * the quoted id/seq and destination instead.
 *
 * A traceroute's raw TCP socket also receives the destination's answers
 * (SYN-ACK, RST) as plain TCP segments: icmp_parse_tcp() reads those, with
 * the same IPv4 header code. icmp_sum()/icmp_pseudo_sum() expose the
 * checksum arithmetic, for probes whose checksum covers a pseudo-header
 * (UDP, TCP, ICMPv6) or whose checksum is held constant on purpose (Paris
 * traceroute, probe/trace_wire.h).
 *
 * Invariants: every read is bounds-checked against the length given; nothing
 * is written outside the output struct; pointers in the output point into
 * the input buffer (borrowed: valid as long as it is).
 */
#ifndef BLACKOUT_PROBE_ICMP_WIRE_H
#define BLACKOUT_PROBE_ICMP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"

#define ICMP_HDR_LEN 8
#define ICMP_TOKEN_LEN 20

/* ICMPv4 types and the codes we name. */
#define ICMP4_ECHO_REPLY 0
#define ICMP4_DEST_UNREACH 3
#define ICMP4_ECHO_REQUEST 8
#define ICMP4_TIME_EXCEEDED 11
#define ICMP4_PARAM_PROBLEM 12
/* ICMPv6 types. */
#define ICMP6_DEST_UNREACH 1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_PARAM_PROBLEM 4
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129

enum icmp_msg_kind {
	ICMP_MSG_OTHER = 0,    /* anything else (router adverts, echo requests...): ignore */
	ICMP_MSG_ECHO_REPLY,   /* id, seq, payload are set */
	ICMP_MSG_ECHO_REQUEST, /* id, seq, payload are set (a quoted probe, or our own looped back)
	                        */
	ICMP_MSG_ERROR,        /* outcome and quote are set */
};

/* The original packet quoted inside an ICMP error. */
struct icmp_quote {
	struct addr src, dst; /* of the original packet (our probe): dst is the target */
	uint8_t proto;        /* IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, or other */
	uint8_t ttl;          /* as it reached the router (hop limit for IPv6) */
	uint16_t ip_id;       /* IPv4 identification (0 for IPv6) */
	uint32_t flow_label;  /* IPv6 flow label (0 for IPv4) */
	bool has_l4;          /* the 8 bytes after the IP header were there */
	/* ICMP / ICMPv6 echo */
	uint8_t icmp_type;
	uint16_t id, seq;
	uint16_t cksum; /* ICMP: bytes 2-3; UDP: bytes 6-7 (TCP's is past the first 8 bytes) */
	uint16_t udp_len;
	const uint8_t *payload; /* borrowed: quoted echo payload, may be cut short */
	size_t payload_len;
	/* TCP / UDP */
	uint16_t sport, dport;
	uint32_t tcp_seq;
};

struct icmp_msg {
	enum icmp_msg_kind kind;
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t type, code;
	bool has_ip;     /* the outer IP header was there (raw IPv4): src/dst/ttl are set */
	struct addr src; /* sender (the target, or the router that sent the error) */
	struct addr dst;
	uint8_t ttl;
	/* echo */
	uint16_t id, seq;
	const uint8_t *payload; /* borrowed, points into the input */
	size_t payload_len;
	/* error */
	int outcome; /* enum outcome (core/obs.h) for ICMP_MSG_ERROR */
	struct icmp_quote quote;
};

struct icmp_token {
	uint64_t nonce;
	uint32_t index;
	uint32_t tag;
};

/* The Internet checksum (RFC 1071) of n bytes, in network byte order as stored. */
uint16_t icmp_checksum(const void *data, size_t n);

/* The unfolded one's-complement sum of n bytes read as big-endian 16-bit
 * words (an odd last byte is the high half of a word), added to sum. Chain
 * calls over pieces of even length; fold with icmp_sum_fold(). */
uint32_t icmp_sum(uint32_t sum, const void *data, size_t n);
/* sum folded to 16 bits (end-around carry), not complemented. */
uint16_t icmp_sum_fold(uint32_t sum);
/* The sum of the IPv4 or IPv6 pseudo-header (RFC 768 / RFC 8200 8.1) for an
 * upper-layer packet of len bytes and protocol proto between src and dst. */
uint32_t icmp_pseudo_sum(const struct addr *src, const struct addr *dst, uint8_t proto,
                         uint32_t len);

/* Writes an echo request into buf (cap bytes): 8-byte header then payload
 * (plen bytes, may be NULL when plen is 0). For AF_INET the checksum is
 * filled in; for AF_INET6 it is left 0 (the kernel computes ICMPv6 checksums
 * over the pseudo-header for raw and ping sockets). Returns the length, or
 * ERR_TOOBIG when cap is too small. */
int icmp_echo_build(uint8_t *buf, size_t cap, int family, uint16_t id, uint16_t seq,
                    const void *payload, size_t plen) MUSTCHECK;

/* Token <-> bytes (ICMP_TOKEN_LEN). token_read returns false unless the
 * bytes are long enough and carry the magic; the caller compares the nonce. */
void icmp_token_write(uint8_t *out, const struct icmp_token *t);
bool icmp_token_read(const uint8_t *p, size_t n, struct icmp_token *t);

/* Parses one message as a socket delivered it (see the top of this file).
 * family: AF_INET or AF_INET6; with_ip: an IPv4 header comes first (raw IPv4).
 * Returns 0 and fills *out (kind may be ICMP_MSG_OTHER), or ERR_TRUNC /
 * ERR_PARSE for bytes that are not a well-formed ICMP message. Checksums are
 * not verified (the kernel did, and ICMPv6's needs the pseudo-header). */
int icmp_parse(const uint8_t *p, size_t n, int family, bool with_ip,
               struct icmp_msg *out) MUSTCHECK;

/* Parses a bare ICMP/ICMPv6 echo message (request or reply) starting at its
 * header: what a ping socket's error queue returns as the quoted probe. */
int icmp_parse_echo(const uint8_t *p, size_t n, int family, struct icmp_msg *out) MUSTCHECK;

/* A TCP segment as a raw TCP socket delivers it (IPv4: with its IP header;
 * IPv6: the segment alone, the addresses come from recvfrom). */
struct icmp_tcp_seg {
	bool has_ip; /* src/dst/ttl are set (IPv4) */
	struct addr src, dst;
	uint8_t ttl;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags; /* ICMP_TCP_SYN | ICMP_TCP_ACK | ICMP_TCP_RST | ... */
};
#define ICMP_TCP_FIN 0x01
#define ICMP_TCP_SYN 0x02
#define ICMP_TCP_RST 0x04
#define ICMP_TCP_ACK 0x10

/* Parses one TCP segment (its 20-byte header at least). family AF_INET or
 * AF_INET6; with_ip: an IPv4 header comes first. Returns 0, ERR_TRUNC,
 * ERR_PARSE (not TCP, bad header length, a later fragment) or ERR_INVAL. */
int icmp_parse_tcp(const uint8_t *p, size_t n, int family, bool with_ip,
                   struct icmp_tcp_seg *out) MUSTCHECK;

/* The probe outcome an ICMP error type/code means (OUTCOME_* from core/obs.h);
 * -1 when the type is not an error that ends a probe (e.g. packet too big). */
int icmp_error_outcome(int family, uint8_t type, uint8_t code);

#endif
