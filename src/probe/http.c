/*
 * http.c - libcurl's multi interface on a libuv loop, and the HTTP probe's
 * verdict. See http.h.
 */
#include <openssl/x509.h>

#include "probe/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/mem.h"

struct http_client {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	struct http_probe *running; /* doubly linked, for http_client_free */
	bool closing;
};

/* One per socket curl asks us to watch; freed when its poll handle closes. */
struct sock_ctx {
	uv_poll_t poll;
	curl_socket_t fd;
	struct http_client *client;
};

struct http_probe {
	struct http_client *client;
	struct http_probe *prev, *next;
	CURL *easy;
	struct curl_slist *connect_to;
	probe_done_cb cb;
	void *arg;
	char *target, *url; /* owned */
	char *connect_addr; /* owned, NULL without one */
	struct addr dst;    /* the address connected to, when known before: connect_addr or an IP in the URL */
	bool has_dst;
	char *pattern;      /* owned, the ERE as given */
	regex_t re;
	bool has_re, https, too_large;
	int expect_status;
	enum http_version version;
	size_t max_body;
	size_t body_bytes; /* counted, all of them */
	struct buf body;   /* kept only with a pattern, at most max_body bytes */
	char errbuf[CURL_ERROR_SIZE];
};

/* ---- the pure helpers ---- */

int http_cert_time_parse(const char *s, int64_t *wall_us)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char mon[4];
	int day, h, m, sec, year, n = 0;
	if (sscanf(s, "%3s %d %d:%d:%d %d GMT%n", mon, &day, &h, &m, &sec, &year, &n) != 6 ||
	    n == 0 || s[n] != '\0')
		return ERR_PARSE;
	const char *f = strstr(months, mon);
	if (!f || (f - months) % 3 || strlen(mon) != 3 || day < 1 || day > 31 || h > 23 || h < 0 ||
	    m < 0 || m > 59 || sec < 0 || sec > 60 || year < 1950 || year > 9999)
		return ERR_PARSE;
	struct tm tm = {.tm_year = year - 1900,
	                .tm_mon = (int)((f - months) / 3),
	                .tm_mday = day,
	                .tm_hour = h,
	                .tm_min = m,
	                .tm_sec = sec};
	*wall_us = (int64_t)timegm(&tm) * USEC_PER_SEC;
	return 0;
}

int http_outcome_from_curl(int code, long os_errno)
{
	switch ((CURLcode)code) {
	case CURLE_OK:
		return OUTCOME_OK;
	case CURLE_OPERATION_TIMEDOUT:
		return OUTCOME_TIMEOUT;
	case CURLE_COULDNT_CONNECT: {
		int o = probe_outcome_from_errno((int)os_errno);
		return o == OUTCOME_LOCAL_ERROR ? OUTCOME_REFUSED : o;
	}
	case CURLE_COULDNT_RESOLVE_HOST:
		return OUTCOME_RESOLVE;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_SHUTDOWN_FAILED:
		return OUTCOME_TLS;
	case CURLE_FILESIZE_EXCEEDED:
		return OUTCOME_TOO_LARGE;
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_FAILED_INIT:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_NOT_BUILT_IN:
	case CURLE_SEND_FAIL_REWIND:
		return OUTCOME_LOCAL_ERROR;
	default: /* GOT_NOTHING, WEIRD_SERVER_REPLY, RECV_ERROR, PARTIAL_FILE, HTTP2, ... */
		return OUTCOME_PROTOCOL;
	}
}

/* ---- curl <-> libuv ---- */

static void check_done(struct http_client *c);

static void sock_closed(uv_handle_t *h)
{
	free(h->data);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct sock_ctx *s = h->data;
	struct http_client *c = s->client;
	int flags = 0;
	if (status < 0)
		flags = CURL_CSELECT_ERR;
	else {
		if (events & UV_READABLE)
			flags |= CURL_CSELECT_IN;
		if (events & UV_WRITABLE)
			flags |= CURL_CSELECT_OUT;
	}
	int running;
	curl_multi_socket_action(c->multi, s->fd, flags, &running);
	check_done(c);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct http_client *c = userp;
	struct sock_ctx *s = socketp;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			uv_poll_stop(&s->poll);
			uv_close((uv_handle_t *)&s->poll, sock_closed);
			curl_multi_assign(c->multi, fd, NULL);
		}
		return 0;
	}
	if (!s) {
		s = xcalloc(1, sizeof *s);
		s->fd = fd;
		s->client = c;
		if (uv_poll_init_socket(c->loop, &s->poll, fd) < 0) {
			free(s);
			return -1; /* curl fails this transfer */
		}
		s->poll.data = s;
		curl_multi_assign(c->multi, fd, s);
	}
	int events = 0;
	if (what & CURL_POLL_IN)
		events |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		events |= UV_WRITABLE;
	uv_poll_start(&s->poll, events, on_poll);
	return 0;
}

static void on_timeout(uv_timer_t *t)
{
	struct http_client *c = t->data;
	int running;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(c);
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_client *c = userp;
	if (timeout_ms < 0)
		uv_timer_stop(&c->timer);
	else /* 0 too goes through the loop: curl must not be re-entered from here */
		uv_timer_start(&c->timer, on_timeout, (uint64_t)timeout_ms, 0);
	return 0;
}

int http_client_new(uv_loop_t *loop, struct http_client **out)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return ERR_SYS;
	struct http_client *c = xcalloc(1, sizeof *c);
	c->loop = loop;
	c->multi = curl_multi_init();
	if (!c->multi) {
		free(c);
		curl_global_cleanup();
		return ERR_NOMEM;
	}
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	uv_timer_init(loop, &c->timer);
	c->timer.data = c;
	*out = c;
	return 0;
}

static void client_closed(uv_handle_t *h)
{
	free(h->data);
}

/* ---- one probe ---- */

static void unlink_probe(struct http_probe *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		p->client->running = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->prev = p->next = NULL;
}

static void probe_free(struct http_probe *p)
{
	curl_easy_cleanup(p->easy);
	curl_slist_free_all(p->connect_to);
	if (p->has_re)
		regfree(&p->re);
	buf_free(&p->body);
	free(p->target);
	free(p->url);
	free(p->connect_addr);
	free(p->pattern);
	free(p);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct http_probe *p = userp;
	size_t n = size * nmemb;
	if (p->body_bytes + n > p->max_body) {
		p->too_large = true;
		p->body_bytes = p->max_body + 1;
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	p->body_bytes += n;
	if (p->has_re)
		buf_append(&p->body, data, n);
	return n;
}

static double info_ms(CURL *e, CURLINFO what)
{
	curl_off_t us = 0;
	if (curl_easy_getinfo(e, what, &us) != CURLE_OK)
		return 0;
	return (double)us / 1000.0;
}

struct timings {
	double dns, connect, tls, first_byte, total;
};

static struct timings get_timings(CURL *e)
{
	double lookup = info_ms(e, CURLINFO_NAMELOOKUP_TIME_T);
	double conn = info_ms(e, CURLINFO_CONNECT_TIME_T);
	double app = info_ms(e, CURLINFO_APPCONNECT_TIME_T);
	double start = info_ms(e, CURLINFO_STARTTRANSFER_TIME_T);
	double total = info_ms(e, CURLINFO_TOTAL_TIME_T);
	struct timings t = {.dns = lookup, .total = total};
	t.connect = conn > lookup ? conn - lookup : 0;
	t.tls = app > conn ? app - conn : 0;
	double ready = app > conn ? app : conn;
	t.first_byte = start > ready ? start - ready : 0;
	return t;
}

/* Where a timed-out transfer was: for the message. */
static void timeout_phase(struct http_probe *p, char *out, size_t n)
{
	CURL *e = p->easy;
	if (info_ms(e, CURLINFO_CONNECT_TIME_T) <= 0)
		snprintf(out, n, "while connecting");
	else if (p->https && info_ms(e, CURLINFO_APPCONNECT_TIME_T) <= 0)
		snprintf(out, n, "during the TLS handshake");
	else if (info_ms(e, CURLINFO_STARTTRANSFER_TIME_T) <= 0)
		snprintf(out, n, "waiting for the response");
	else
		snprintf(out, n, "reading the body, after %zu bytes", p->body_bytes);
}

static void tls_json(struct http_probe *p, struct buf *d)
{
	long verify = 0;
	curl_easy_getinfo(p->easy, CURLINFO_SSL_VERIFYRESULT, &verify);
	const char *subject = NULL, *expire = NULL;
	struct curl_certinfo *ci = NULL;
	if (curl_easy_getinfo(p->easy, CURLINFO_CERTINFO, &ci) == CURLE_OK && ci &&
	    ci->num_of_certs > 0) {
		for (struct curl_slist *l = ci->certinfo[0]; l; l = l->next) {
			if (!strncmp(l->data, "Subject:", 8))
				subject = l->data + 8;
			else if (!strncmp(l->data, "Expire date:", 12))
				expire = l->data + 12;
		}
	}
	/* curl leaves the result at 0 when no handshake completed: not "verified" then */
	bool handshake = info_ms(p->easy, CURLINFO_APPCONNECT_TIME_T) > 0;
	buf_printf(d, ",\"tls\":{\"verified\":%s,\"verify_result\":",
	           handshake && verify == 0 ? "true" : "false");
	json_str(d, verify != 0 ? X509_verify_cert_error_string(verify) : handshake ? "ok" : NULL);
	buf_puts(d, ",\"subject\":");
	json_str(d, subject);
	int64_t exp_us;
	if (expire && http_cert_time_parse(expire, &exp_us) == 0) {
		char iso[40];
		buf_puts(d, ",\"expires\":");
		json_str(d, clock_format_iso(exp_us, 0, iso, sizeof iso));
		buf_printf(d, ",\"days_left\":%.1f",
		           (double)(exp_us - clock_wall_us()) / (86400.0 * USEC_PER_SEC));
	} else {
		buf_puts(d, ",\"expires\":null,\"days_left\":null");
	}
	buf_putc(d, '}');
}

static void detail_json(struct http_probe *p, long status, long version, struct buf *d)
{
	buf_puts(d, "{\"url\":");
	json_str(d, p->url);
	buf_puts(d, ",\"connect_to\":");
	json_str(d, p->connect_addr);
	if (status > 0)
		buf_printf(d, ",\"status\":%ld", status);
	else
		buf_puts(d, ",\"status\":null");
	const char *v = version == CURL_HTTP_VERSION_2_0   ? "2"
	                : version == CURL_HTTP_VERSION_1_1 ? "1.1"
	                : version == CURL_HTTP_VERSION_1_0 ? "1.0"
	                                                   : NULL;
	buf_puts(d, ",\"http_version\":");
	json_str(d, v);
	long redirects = 0;
	curl_easy_getinfo(p->easy, CURLINFO_REDIRECT_COUNT, &redirects);
	buf_printf(d, ",\"redirects\":%ld,\"body_bytes\":%zu", redirects,
	           p->too_large ? p->max_body : p->body_bytes);
	struct timings t = get_timings(p->easy);
	buf_printf(d, ",\"times_ms\":{\"dns\":%.3f,\"connect\":%.3f,\"tls\":", t.dns, t.connect);
	json_num(d, p->https ? t.tls : NAN); /* null for plain http */
	buf_printf(d, ",\"first_byte\":%.3f,\"total\":%.3f}", t.first_byte, t.total);
	if (p->https)
		tls_json(p, d);
	buf_putc(d, '}');
}

/* The verdict, the callback, and the end of the probe. */
static void complete(struct http_probe *p, CURLcode code, bool cancelled)
{
	struct http_client *c = p->client;
	curl_multi_remove_handle(c->multi, p->easy);
	unlink_probe(p);

	long status = 0, version = 0, os_errno = 0;
	curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(p->easy, CURLINFO_HTTP_VERSION, &version);
	curl_easy_getinfo(p->easy, CURLINFO_OS_ERRNO, &os_errno);
	char msg[CURL_ERROR_SIZE + 160], where[80];
	const char *message = msg;
	int outcome;
	if (cancelled) {
		outcome = OUTCOME_LOCAL_ERROR;
		snprintf(msg, sizeof msg, "cancelled");
	} else if (p->too_large || code == CURLE_FILESIZE_EXCEEDED) {
		outcome = OUTCOME_TOO_LARGE;
		snprintf(msg, sizeof msg, "body longer than %zu bytes", p->max_body);
	} else if (code == CURLE_OUT_OF_MEMORY &&
	           info_ms(p->easy, CURLINFO_STARTTRANSFER_TIME_T) > 0) {
		/* what libcurl 7.88 returns for a header line over its 100 KiB limit */
		outcome = OUTCOME_TOO_LARGE;
		snprintf(msg, sizeof msg,
		         "a response header longer than libcurl accepts (100 KiB)");
	} else if (code != CURLE_OK) {
		outcome = http_outcome_from_curl(code, os_errno);
		struct sockaddr_storage ss;
		bool local = false;
		if (p->has_dst && outcome != OUTCOME_LOCAL_ERROR) {
			int o = probe_local_unreach(outcome, (struct sockaddr *)&ss,
						    addr_to_sockaddr(&p->dst, 80, &ss));
			local = o != outcome;
			outcome = o;
		}
		const char *why = p->errbuf[0] ? p->errbuf : curl_easy_strerror(code);
		if (outcome == OUTCOME_TIMEOUT) {
			timeout_phase(p, where, sizeof where);
			snprintf(msg, sizeof msg, "timed out %s", where);
		} else {
			snprintf(msg, sizeof msg, "%s%s", local ? "no route from this monitor: " : "", why);
		}
	} else if (p->expect_status ? status != p->expect_status : (status < 200 || status > 399)) {
		outcome = OUTCOME_HTTP_STATUS;
		if (p->expect_status)
			snprintf(msg, sizeof msg, "status %ld, expected %d", status,
			         p->expect_status);
		else
			snprintf(msg, sizeof msg, "status %ld, expected 2xx or 3xx", status);
	} else if (p->version == HTTP_VERSION_2 && version != CURL_HTTP_VERSION_2_0) {
		outcome = OUTCOME_PROTOCOL;
		snprintf(msg, sizeof msg, "the server did not speak HTTP/2");
	} else if (p->has_re) {
		regmatch_t m[1] = {{.rm_so = 0, .rm_eo = (regoff_t)p->body.len}};
		const char *body = p->body.p ? p->body.p : "";
		if (regexec(&p->re, body, 1, m, REG_STARTEND) == 0) {
			outcome = OUTCOME_OK;
			message = NULL;
		} else {
			outcome = OUTCOME_HTTP_BODY;
			snprintf(msg, sizeof msg, "the body (%zu bytes) does not match /%.100s/",
			         p->body.len, p->pattern);
		}
	} else {
		outcome = OUTCOME_OK;
		message = NULL;
	}
	struct buf d = {0};
	detail_json(p, status, version, &d);
	struct probe_result r = {
	    .target = p->target,
	    .kind = PROBE_HTTP,
	    .outcome = outcome,
	    .rtt_ms = status > 0 ? get_timings(p->easy).total : -1,
	    .message = message,
	    .detail_json = d.p,
	};
	p->cb(p->arg, &r);
	buf_free(&d);
	probe_free(p);
}

static void check_done(struct http_client *c)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(c->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct http_probe *p = NULL;
		CURLcode code = m->data.result;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&p);
		if (p)
			complete(p, code, false); /* m is invalid from here on */
	}
}

void http_probe_cancel(struct http_probe *p)
{
	complete(p, CURLE_ABORTED_BY_CALLBACK, true);
}

void http_client_free(struct http_client *c)
{
	if (!c || c->closing)
		return;
	c->closing = true;
	while (c->running)
		http_probe_cancel(c->running);
	curl_multi_cleanup(c->multi); /* closes the sockets left, through on_socket */
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, client_closed);
	curl_global_cleanup();
}

static int errf(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int errf(char *err, size_t errlen, int code, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Checks the URL with curl's own parser: scheme http or https, a host. */
/* Checks that url is http(s) with a host; sets *https, and *literal (with
 * *has_literal) when the host is an IP address ("198.51.100.7", "[2001:db8::7]"). */
static int check_url(const char *url, bool *https, struct addr *literal, bool *has_literal,
		     char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = 0;
	CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc != CURLUE_OK) {
		rc = errf(err, errlen, ERR_PARSE, "URL '%s': %s", url, curl_url_strerror(uc));
		goto fail;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcasecmp(scheme, "http") && strcasecmp(scheme, "https"))) {
		rc = errf(err, errlen, ERR_INVAL, "URL '%s': only http:// and https:// are probed",
		          url);
		goto fail;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0]) {
		rc = errf(err, errlen, ERR_PARSE, "URL '%s': no host", url);
		goto fail;
	}
	*https = !strcasecmp(scheme, "https");
	size_t n = strlen(host);
	if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		host[n - 1] = '\0';
		*has_literal = addr_parse(host + 1, literal) == 0;
	} else {
		*has_literal = addr_parse(host, literal) == 0;
	}
fail:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

int http_probe_start(struct http_client *c, const struct http_spec *s, probe_done_cb cb, void *arg,
                     struct http_probe **out, char *err, size_t errlen)
{
	if (c->closing)
		return errf(err, errlen, ERR_WRONG_STATE, "the HTTP client is closing");
	if (!cb || !s->url)
		return errf(err, errlen, ERR_INVAL, "an HTTP probe needs a URL and a callback");
	bool https = false, has_dst = false;
	struct addr dst;
	int rc = check_url(s->url, &https, &dst, &has_dst, err, errlen);
	if (rc)
		return rc;
	if (s->connect_addr && addr_parse(s->connect_addr, &dst))
		return errf(err, errlen, ERR_PARSE,
		            "'%s' is not an IP address (expected e.g. 127.0.0.1 or ::1)",
		            s->connect_addr);

	struct http_probe *p = xcalloc(1, sizeof *p);
	p->client = c;
	p->cb = cb;
	p->arg = arg;
	p->https = https;
	p->url = xstrdup(s->url);
	p->dst = dst; /* the address connected to: --resolve's, else the URL's literal one */
	p->has_dst = has_dst || s->connect_addr;
	p->target = xstrdup(s->target ? s->target : s->url);
	p->expect_status = s->expect_status;
	p->version = s->version;
	p->max_body = s->max_body ? s->max_body : HTTP_MAX_BODY_DEFAULT;
	if (s->expect_body) {
		int re = regcomp(&p->re, s->expect_body, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
		if (re) {
			char why[128];
			regerror(re, &p->re, why, sizeof why);
			rc = errf(err, errlen, ERR_PARSE, "body pattern '%s': %s", s->expect_body,
			          why);
			goto fail;
		}
		p->has_re = true;
		p->pattern = xstrdup(s->expect_body);
	}
	p->easy = curl_easy_init();
	if (!p->easy) {
		rc = errf(err, errlen, ERR_NOMEM, "curl_easy_init failed");
		goto fail;
	}
	CURL *e = p->easy;
	curl_easy_setopt(e, CURLOPT_URL, p->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)p);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
	long timeout = s->timeout_ms > 0 ? s->timeout_ms : 10000;
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "blackout-probe/0.1");
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)p->max_body);
	if (s->max_redirects > 0) {
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)s->max_redirects);
	}
	long hv = s->version == HTTP_VERSION_1_1           ? CURL_HTTP_VERSION_1_1
	          : s->version == HTTP_VERSION_2 && !https ? CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE
	                                                   : CURL_HTTP_VERSION_2TLS;
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, hv);
	if (https) {
		curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
		/* CA bundle file only, no CA folder: only then does libcurl keep the parsed
		 * CAs in the multi handle (CURLOPT_CA_CACHE_TIMEOUT) instead of parsing
		 * Debian's 140-certificate bundle again for every probe (~25 ms CPU). */
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
		if (s->ca_file)
			curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_file);
		if (s->insecure) {
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
		}
	}
	if (s->connect_addr) {
		char rule[ADDR_STRLEN + 8];
		p->connect_addr = xstrdup(s->connect_addr);
		snprintf(rule, sizeof rule,
		         dst.family == AF_INET6 ? "::[%s]:" : "::%s:", s->connect_addr);
		p->connect_to = curl_slist_append(NULL, rule);
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, p->connect_to);
	}
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
		rc = errf(err, errlen, ERR_NOMEM, "curl_multi_add_handle failed");
		goto fail;
	}
	p->next = c->running;
	if (c->running)
		c->running->prev = p;
	c->running = p;
	if (out)
		*out = p;
	return 0;
fail:
	probe_free(p);
	return rc;
}
