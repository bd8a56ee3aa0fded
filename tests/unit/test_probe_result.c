/* Unit tests for src/probe/result: the text and JSON result lines, and that
 * the printf-free number formatting matches printf's. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "core/addr.h"

#include "probe/result.h"
#include "test.h"

TEST(test_text_line)
{
	struct buf b = {0};
	struct probe_result r = {
	    .target = "127.0.0.1", .kind = PROBE_ICMP, .outcome = OUTCOME_OK, .rtt_ms = 0.04};
	probe_result_text(&b, &r);
	char want[256];
	snprintf(want, sizeof want, "%-39s %-17s %9.3f ms\n", "127.0.0.1", "ok", 0.04);
	CHECK_STR(b.p, want);
	buf_reset(&b);
	r = (struct probe_result){.target = "203.0.113.70",
	                          .kind = PROBE_ICMP,
	                          .outcome = OUTCOME_HOST_UNREACH,
	                          .rtt_ms = 1234.5678,
	                          .message = "from 198.51.100.2"};
	probe_result_text(&b, &r);
	snprintf(want, sizeof want, "%-39s %-17s %9.3f ms  %s\n", "203.0.113.70",
	         "host-unreachable", 1234.5678, "from 198.51.100.2");
	CHECK_STR(b.p, want);
	buf_reset(&b);
	r = (struct probe_result){.target =
	                              "a-very-long-target-name-that-is-longer-than-39.example",
	                          .kind = PROBE_TCP,
	                          .outcome = OUTCOME_TIMEOUT,
	                          .rtt_ms = -1};
	probe_result_text(&b, &r);
	snprintf(want, sizeof want, "%-39s %-17s         - ms\n", r.target, "timeout");
	CHECK_STR(b.p, want);
	buf_free(&b);
}

TEST(test_numbers_match_printf)
{
	struct buf b = {0};
	char want[128];
	for (int i = 0; i < 20000; i++) {
		double ms = i * 0.0137 + (i % 7) * 123.4567;
		double frac = ms * 1000 - (double)(long long)(ms * 1000);
		if (frac > 0.499999 && frac < 0.500001)
			continue; /* a near-tie: the last digit may differ from printf's
			             (documented) */
		struct probe_result r = {
		    .target = "x", .kind = PROBE_ICMP, .outcome = OUTCOME_OK, .rtt_ms = ms};
		buf_reset(&b);
		probe_result_text(&b, &r);
		snprintf(want, sizeof want, "%-39s %-17s %9.3f ms\n", "x", "ok", ms);
		if (strcmp(b.p, want)) {
			T_FAIL("%.6f: '%s' vs printf '%s'", ms, b.p, want);
			break;
		}
	}
	buf_free(&b);
}

TEST(test_json_line)
{
	struct buf b = {0};
	struct probe_result r = {
	    .target = "127.0.0.1", .kind = PROBE_ICMP, .outcome = OUTCOME_OK, .rtt_ms = 0.04};
	probe_result_json(&b, &r);
	CHECK_STR(b.p, "{\"target\":\"127.0.0.1\",\"probe\":\"icmp\",\"ok\":true,\"rtt_ms\":0.040,"
	               "\"error\":null,"
	               "\"message\":null}\n");
	buf_reset(&b);
	r = (struct probe_result){.target = "h",
	                          .kind = PROBE_TCP,
	                          .outcome = OUTCOME_REFUSED,
	                          .rtt_ms = -1,
	                          .detail_json = "{\"port\":22}"};
	probe_result_json(&b, &r);
	CHECK_STR(b.p, "{\"target\":\"h\",\"probe\":\"tcp\",\"ok\":false,\"rtt_ms\":null,\"error\":"
	               "\"refused\","
	               "\"message\":null,\"detail\":{\"port\":22}}\n");
	buf_free(&b);
}

/* addr_format's own IPv4 path prints what inet_ntop prints. */
TEST(test_addr_format_v4)
{
	for (unsigned v = 0; v < 256; v++) {
		struct addr a = {.family = AF_INET,
		                 .bytes = {(uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v * 7), 0}};
		char got[ADDR_STRLEN], want[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, a.bytes, want, sizeof want);
		if (strcmp(addr_format(&a, got, sizeof got), want))
			T_FAIL("%s, expected %s", got, want);
	}
}

int main(void)
{
	RUN(test_addr_format_v4);
	RUN(test_text_line);
	RUN(test_numbers_match_printf);
	RUN(test_json_line);
	return test_main_end();
}
