/*
 * Unit tests for the application probes' small pure helpers (certificate
 * times, curl and errno outcomes, ADDR:PORT) and for the callback contract
 * every probe_start function promises (probe_done_cb in probe/result.h):
 * never called from inside start, never called after a start error, called
 * exactly once, "cancelled" on cancel, and every handle closed afterwards
 * (uv_loop_close succeeds). The contract tests use loopback sockets that never
 * answer, made here.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/obs.h"
#include "probe/dns.h"
#include "probe/http.h"
#include "probe/smtp.h"
#include "test.h"

TEST(test_cert_time)
{
	int64_t t;
	CHECK_INT(http_cert_time_parse("Jan  2 03:04:05 2026 GMT", &t), 0);
	CHECK_INT(t, INT64_C(1767323045) * 1000000);
	CHECK_INT(http_cert_time_parse("Dec 31 23:59:59 2049 GMT", &t), 0);
	CHECK_INT(t, INT64_C(2524607999) * 1000000);
	const char *bad[] = {"",
	                     "Foo  2 03:04:05 2026 GMT",
	                     "Jan 32 03:04:05 2026 GMT",
	                     "Jan  2 03:04:05 2026",
	                     "Jan  2 03:04:05 2026 GMT trailing",
	                     "Jan  2 24:04:05 2026 GMT",
	                     "an  2 03:04:05 2026 GMT"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (http_cert_time_parse(bad[i], &t) != ERR_PARSE)
			T_FAIL("'%s' parsed", bad[i]);
}

TEST(test_outcomes)
{
	CHECK_INT(http_outcome_from_curl(CURLE_OK, 0), OUTCOME_OK);
	CHECK_INT(http_outcome_from_curl(CURLE_OPERATION_TIMEDOUT, 0), OUTCOME_TIMEOUT);
	CHECK_INT(http_outcome_from_curl(CURLE_COULDNT_CONNECT, ECONNREFUSED), OUTCOME_REFUSED);
	CHECK_INT(http_outcome_from_curl(CURLE_COULDNT_CONNECT, EHOSTUNREACH),
	          OUTCOME_HOST_UNREACH);
	CHECK_INT(http_outcome_from_curl(CURLE_COULDNT_CONNECT, ENETUNREACH), OUTCOME_NET_UNREACH);
	CHECK_INT(http_outcome_from_curl(CURLE_COULDNT_RESOLVE_HOST, 0), OUTCOME_RESOLVE);
	CHECK_INT(http_outcome_from_curl(CURLE_PEER_FAILED_VERIFICATION, 0), OUTCOME_TLS);
	CHECK_INT(http_outcome_from_curl(CURLE_SSL_CONNECT_ERROR, 0), OUTCOME_TLS);
	CHECK_INT(http_outcome_from_curl(CURLE_FILESIZE_EXCEEDED, 0), OUTCOME_TOO_LARGE);
	CHECK_INT(http_outcome_from_curl(CURLE_GOT_NOTHING, 0), OUTCOME_PROTOCOL);
	CHECK_INT(http_outcome_from_curl(CURLE_WEIRD_SERVER_REPLY, 0), OUTCOME_PROTOCOL);
	CHECK_INT(http_outcome_from_curl(CURLE_SSL_CACERT_BADFILE, 0), OUTCOME_LOCAL_ERROR);
	CHECK_INT(probe_outcome_from_errno(ECONNREFUSED), OUTCOME_REFUSED);
	CHECK_INT(probe_outcome_from_errno(ETIMEDOUT), OUTCOME_TIMEOUT);
	CHECK_INT(probe_outcome_from_errno(EPERM), OUTCOME_ADMIN_PROHIB);
	CHECK_INT(probe_outcome_from_errno(EMFILE), OUTCOME_LOCAL_ERROR);
	CHECK_STR(outcome_code(OUTCOME_SMTP_TEMPFAIL), "smtp-tempfail");
}

struct hostport_case {
	const char *in;
	int rc;
	const char *addr;
	unsigned port;
};

TEST(test_addr_port)
{
	static const struct hostport_case cases[] = {
	    {"127.0.0.1", 0, "127.0.0.1", 53},
	    {"127.0.0.1:5353", 0, "127.0.0.1", 5353},
	    {"::1", 0, "::1", 53},
	    {"2001:db8::1", 0, "2001:db8::1", 53},
	    {"[::1]", 0, "::1", 53},
	    {"[2001:db8::1]:25", 0, "2001:db8::1", 25},
	    {"127.0.0.1:0", ERR_PARSE, NULL, 0},
	    {"127.0.0.1:65536", ERR_PARSE, NULL, 0},
	    {"127.0.0.1:", ERR_PARSE, NULL, 0},
	    {"127.0.0.1:-1", ERR_PARSE, NULL, 0},
	    {"127.0.0.1:53x", ERR_PARSE, NULL, 0},
	    {"[127.0.0.1]:53", ERR_PARSE, NULL, 0},
	    {"[::1", ERR_PARSE, NULL, 0},
	    {"[::1]x", ERR_PARSE, NULL, 0},
	    {"ns1.kp:53", ERR_PARSE, NULL, 0},
	    {"", ERR_PARSE, NULL, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct addr a;
		uint16_t port = 0;
		char buf[ADDR_STRLEN];
		int rc = addr_port_parse(cases[i].in, 53, &a, &port);
		if (rc != cases[i].rc) {
			T_FAIL("'%s': rc %d, expected %d", cases[i].in, rc, cases[i].rc);
			continue;
		}
		if (rc == 0 && (strcmp(addr_format(&a, buf, sizeof buf), cases[i].addr) ||
		                port != cases[i].port))
			T_FAIL("'%s': %s port %u", cases[i].in, buf, port);
	}
	struct addr a;
	char buf[ADDR_PORT_STRLEN];
	CHECK_INT(addr_parse("::1", &a), 0);
	CHECK_STR(addr_port_format(&a, 53, buf, sizeof buf), "[::1]:53");
	CHECK_INT(addr_parse("127.0.0.1", &a), 0);
	CHECK_STR(addr_port_format(&a, 25, buf, sizeof buf), "127.0.0.1:25");
}

/* ---- the callback contract ---- */

struct calls {
	int n;
	int outcome;
	char message[128];
};

static void count_cb(void *arg, const struct probe_result *r)
{
	struct calls *c = arg;
	c->n++;
	c->outcome = r->outcome;
	snprintf(c->message, sizeof c->message, "%s", r->message ? r->message : "");
}

/* A loopback socket that never answers: TCP listening (never accepting) or UDP bound. */
static int silent_socket(int type, uint16_t *port)
{
	int fd = socket(AF_INET, type, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sin;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) < 0) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		return -1;
	*port = ntohs(sin.sin_port);
	return fd;
}

TEST(test_contract_smtp)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	uint16_t port;
	int fd = silent_socket(SOCK_STREAM, &port);
	CHECK(fd >= 0);
	struct smtp_spec s = {.port = port, .phase_timeout_ms = 200};
	CHECK_INT(addr_parse("127.0.0.1", &s.addr), 0);
	struct calls bad = {0}, timeout = {0}, cancelled = {0};
	s.helo = "two words";
	CHECK_INT(smtp_probe_start(&loop, &s, count_cb, &bad, NULL), ERR_INVAL);
	s.helo = NULL;
	struct smtp_probe *p;
	CHECK_INT(smtp_probe_start(&loop, &s, count_cb, &timeout, NULL), 0);
	CHECK_INT(smtp_probe_start(&loop, &s, count_cb, &cancelled, &p), 0);
	CHECK_INT(timeout.n + cancelled.n, 0); /* never from inside start */
	smtp_probe_cancel(p);
	CHECK_INT(cancelled.n, 1);
	CHECK_STR(cancelled.message, "cancelled");
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(bad.n, 0);
	CHECK_INT(timeout.n, 1);
	CHECK_INT(timeout.outcome, OUTCOME_TIMEOUT);
	CHECK_INT(cancelled.n, 1);
	CHECK_INT(uv_loop_close(&loop), 0);
	close(fd);
}

TEST(test_contract_dns)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	uint16_t port;
	int fd = silent_socket(SOCK_DGRAM, &port);
	CHECK(fd >= 0);
	struct dns_spec s = {.port = port, .name = "kp.", .timeout_ms = 200, .retries = 1};
	CHECK_INT(addr_parse("127.0.0.1", &s.server), 0);
	struct calls bad = {0}, timeout = {0}, cancelled = {0}, tcp = {0};
	char err[128];
	s.name = "a..kp";
	CHECK_INT(dns_probe_start(&loop, &s, count_cb, &bad, NULL, err, sizeof err), ERR_PARSE);
	s.name = "kp.";
	struct dns_probe *p;
	CHECK_INT(dns_probe_start(&loop, &s, count_cb, &timeout, NULL, err, sizeof err), 0);
	CHECK_INT(dns_probe_start(&loop, &s, count_cb, &cancelled, &p, err, sizeof err), 0);
	s.tcp = true; /* nothing listens on TCP at that port: refused, reported from the loop */
	CHECK_INT(dns_probe_start(&loop, &s, count_cb, &tcp, NULL, err, sizeof err), 0);
	CHECK_INT(timeout.n + cancelled.n + tcp.n, 0);
	dns_probe_cancel(p);
	CHECK_INT(cancelled.n, 1);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(bad.n, 0);
	CHECK_INT(timeout.n, 1);
	CHECK_INT(timeout.outcome, OUTCOME_TIMEOUT);
	CHECK_INT(tcp.n, 1);
	CHECK_INT(tcp.outcome, OUTCOME_REFUSED);
	CHECK_INT(cancelled.n, 1);
	CHECK_INT(uv_loop_close(&loop), 0);
	close(fd);
}

TEST(test_contract_http)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	uint16_t port;
	int fd = silent_socket(SOCK_STREAM, &port);
	CHECK(fd >= 0);
	struct http_client *c = NULL;
	CHECK_INT(http_client_new(&loop, &c), 0);
	char url[64], err[256];
	snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
	struct http_spec s = {.url = url, .timeout_ms = 300};
	struct calls bad = {0}, timeout = {0}, cancelled = {0}, at_free = {0};
	s.url = "gopher://127.0.0.1/";
	CHECK_INT(http_probe_start(c, &s, count_cb, &bad, NULL, err, sizeof err), ERR_INVAL);
	s.url = url;
	s.expect_body = "(";
	CHECK_INT(http_probe_start(c, &s, count_cb, &bad, NULL, err, sizeof err), ERR_PARSE);
	s.expect_body = NULL;
	struct http_probe *p;
	CHECK_INT(http_probe_start(c, &s, count_cb, &timeout, NULL, err, sizeof err), 0);
	CHECK_INT(http_probe_start(c, &s, count_cb, &cancelled, &p, err, sizeof err), 0);
	CHECK_INT(timeout.n + cancelled.n, 0);
	http_probe_cancel(p);
	CHECK_INT(cancelled.n, 1);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(timeout.n, 1);
	CHECK_INT(timeout.outcome, OUTCOME_TIMEOUT);
	/* a probe still running when the client is freed is cancelled */
	s.timeout_ms = 60000;
	CHECK_INT(http_probe_start(c, &s, count_cb, &at_free, NULL, err, sizeof err), 0);
	uv_run(&loop, UV_RUN_NOWAIT);
	http_client_free(c);
	CHECK_INT(at_free.n, 1);
	CHECK_STR(at_free.message, "cancelled");
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(bad.n, 0);
	CHECK_INT(cancelled.n, 1);
	CHECK_INT(uv_loop_close(&loop), 0);
	close(fd);
}

int main(void)
{
	RUN(test_cert_time);
	RUN(test_outcomes);
	RUN(test_addr_port);
	RUN(test_contract_smtp);
	RUN(test_contract_dns);
	RUN(test_contract_http);
	return test_main_end();
}
