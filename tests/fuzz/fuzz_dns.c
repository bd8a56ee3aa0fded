/*
 * fuzz_dns.c - the DNS answer checks (probe/dns_wire.c) over arbitrary bytes.
 *
 * The input is taken as an answer; its first two bytes are used as the query's
 * ID so the fuzzer gets past the ID check, and it is checked against each of
 * the questions the seed corpus answers (tests/fuzz/corpus/dns/, real NSD
 * answers captured for those questions, see the README there). Nothing may
 * crash, leak or read out of bounds, and the checks must agree with the
 * header: an accepted answer carries the ID asked.
 */
#include <stdint.h>
#include <stdlib.h>

#include "probe/dns_wire.h"

static const struct {
	const char *name;
	uint16_t type;
} questions[] = {
    {"kp.", 6},     {"kp.", 2},         {"kp.", 15},         {"www.kp.", 1},    {"www.kp.", 28},
    {"big.kp.", 1}, {"nothere.kp.", 1}, {"example.org.", 1}, {"broken.kp.", 6},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
	struct dns_answer a = {0};
	char err[256];
	for (size_t i = 0; i < sizeof questions / sizeof questions[0]; i++) {
		struct dns_query q;
		if (dns_query_build(&q, questions[i].name, questions[i].type, id, 1232, err,
		                    sizeof err))
			abort();
		if (dns_answer_check(&q, data, size, &a, err, sizeof err) == 0 && a.id != id)
			abort();
		dns_query_free(&q);
	}
	dns_answer_free(&a);
	return 0;
}
