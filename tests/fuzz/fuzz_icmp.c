/*
 * fuzz_icmp.c - libFuzzer harness for src/probe/icmp_wire.
 *
 * The first byte picks how the rest is read: bit 0 the family (IPv4/IPv6),
 * bit 1 whether an IPv4 header comes first (raw IPv4 socket), bit 2 the bare
 * echo parser (a ping socket's error queue). Whatever parses must keep its
 * pointers inside the input, and a token found anywhere must read back.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>

#include "probe/icmp_wire.h"

static void inside(const uint8_t *base, size_t n, const uint8_t *p, size_t len)
{
	if (p && (p < base || p + len > base + n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	int family = mode & 1 ? AF_INET6 : AF_INET;
	struct icmp_msg m;
	int rc = mode & 4 ? icmp_parse_echo(p, n, family, &m)
	                  : icmp_parse(p, n, family, (mode & 2) != 0, &m);
	if (rc)
		return 0;
	inside(p, n, m.payload, m.payload_len);
	inside(p, n, m.quote.payload, m.quote.payload_len);
	struct icmp_token t;
	if (icmp_token_read(m.payload, m.payload_len, &t) ||
	    icmp_token_read(m.quote.payload, m.quote.payload_len, &t)) {
		uint8_t again[ICMP_TOKEN_LEN];
		struct icmp_token back;
		icmp_token_write(again, &t);
		if (!icmp_token_read(again, sizeof again, &back) || back.nonce != t.nonce ||
		    back.index != t.index || back.tag != t.tag)
			abort();
	}
	if (m.kind == ICMP_MSG_ERROR && icmp_error_outcome(family, m.type, m.code) != m.outcome)
		abort();
	return 0;
}
