/*
 * rawsock.h - kernel-side filters for the probes' raw sockets.
 *
 * A raw socket gets a copy of every packet of its protocol that reaches the
 * host: every ICMP message (other pingers' replies, neighbour discovery),
 * every TCP segment. These filters drop in the kernel what a probe will never
 * match, before it takes room in the receive queue or a system call. They
 * are an optimisation, never the check: the probes still match every packet
 * they read (a filter that cannot be attached only costs time).
 * Users: the probe engine (engine.c) and the traceroute (trace.c).
 */
#ifndef BLACKOUT_PROBE_RAWSOCK_H
#define BLACKOUT_PROBE_RAWSOCK_H

#include <stddef.h>
#include <stdint.h>

/* Lets only the ICMP (family AF_INET) or ICMPv6 (AF_INET6) types in pass[n]
 * reach fd, a raw ICMP socket of that family. */
void rawsock_icmp_types(int fd, int family, const uint8_t *pass, size_t n);
/* Drops echo replies whose identifier is not id; every other message passes. */
void rawsock_echo_id_filter(int fd, int family, uint16_t id);
/* Keeps only TCP segments to destination port `port` (a raw TCP socket). */
void rawsock_tcp_port_filter(int fd, int family, uint16_t port);
/* Keeps nothing: for a raw socket that only sends. */
void rawsock_drop_all(int fd);

#endif
