/*
 * addr.h - IPv4/IPv6 addresses and prefixes as plain values.
 *
 * struct addr holds either family in 16 bytes (IPv4 in the first 4), so it can be
 * copied, compared with memcmp over the used bytes, and stored without pointers.
 * Parsing is strict: "10.0.0.1", "2001:db8::1", prefixes "198.51.100.0/24";
 * a prefix with host bits set is accepted and its bits are kept (prefix_normalize
 * clears them), because MRT files carry such prefixes and must be shown as read.
 */
#ifndef BLACKOUT_CORE_ADDR_H
#define BLACKOUT_CORE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/err.h"

#define ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */
#define PREFIX_STRLEN 50

struct addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
};

struct prefix {
	struct addr addr;
	uint8_t len; /* 0..32 or 0..128 */
};

int addr_parse(const char *s, struct addr *out) MUSTCHECK;
/* Writes the text form into buf (ADDR_STRLEN bytes); returns buf. */
char *addr_format(const struct addr *a, char *buf, size_t n);
int addr_cmp(const struct addr *a, const struct addr *b);
bool addr_is_loopback(const struct addr *a);
/* sockaddr conversions; port in host order. */
socklen_t addr_to_sockaddr(const struct addr *a, uint16_t port, struct sockaddr_storage *ss);
int addr_from_sockaddr(const struct sockaddr *sa, struct addr *out, uint16_t *port) MUSTCHECK;

/* "ADDR", "ADDR:PORT", "[V6ADDR]", "[V6ADDR]:PORT" or a bare IPv6 address
 * ("::1", which then has no port); *port gets default_port when none is given.
 * Ports are 1..65535. Returns 0 or ERR_PARSE. */
int addr_port_parse(const char *s, uint16_t default_port, struct addr *out,
		    uint16_t *port) MUSTCHECK;
/* Writes "ADDR:PORT" or "[V6ADDR]:PORT" into buf (ADDR_PORT_STRLEN bytes); returns buf. */
char *addr_port_format(const struct addr *a, uint16_t port, char *buf, size_t n);
#define ADDR_PORT_STRLEN (ADDR_STRLEN + 8)

/* "ADDR/LEN", or a bare address (a host prefix, /32 or /128). */
int prefix_parse(const char *s, struct prefix *out) MUSTCHECK;
char *prefix_format(const struct prefix *p, char *buf, size_t n);
void prefix_normalize(struct prefix *p); /* clears host bits */
/* true if p covers a (same family, first p->len bits equal). */
bool prefix_contains(const struct prefix *p, const struct addr *a);
/* true if outer covers inner (inner is equal or more specific). */
bool prefix_covers(const struct prefix *outer, const struct prefix *inner);
/* Number of addresses in p, saturated at UINT64_MAX. */
uint64_t prefix_size(const struct prefix *p);
/* The i-th address of p (i < prefix_size(p)); p must be normalized. */
void prefix_nth(const struct prefix *p, uint64_t i, struct addr *out);

#endif
