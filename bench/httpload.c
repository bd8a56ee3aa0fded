/*
 * httpload.c - drives an HTTP service with N GET requests, C at a time, over
 * kept-alive connections, and prints "requests ok seconds" on one line.
 *
 *   build/bench/httpload URL N C [MUST_CONTAIN]
 *
 * Used by bench/http.sh to drive blackbox_exporter's /probe endpoint the way
 * Prometheus would (one scrape per probe) without the driver's own cost
 * getting in the way: one process, libcurl's multi interface, connections
 * reused. A response counts as ok when its status is 200 and, if given, its
 * body contains MUST_CONTAIN (e.g. "probe_success 1"). Loopback only: the
 * caller passes a 127.0.0.1 URL.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct req {
	CURL *easy;
	char body[65536];
	size_t len;
};

static const char *must;

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct req *r = userp;
	size_t n = size * nmemb, room = sizeof r->body - 1 - r->len;
	memcpy(r->body + r->len, data, n < room ? n : room);
	r->len += n < room ? n : room;
	r->body[r->len] = '\0';
	return n;
}

static void start(CURLM *m, struct req *r, const char *url)
{
	r->len = 0;
	r->body[0] = '\0';
	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, (char *)r);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT, 30L);
	curl_multi_add_handle(m, r->easy);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: httpload URL N C [MUST_CONTAIN]\n");
		return 2;
	}
	const char *url = argv[1];
	long n = atol(argv[2]), c = atol(argv[3]);
	must = argc > 4 ? argv[4] : NULL;
	if (n <= 0 || c <= 0 || c > 1000 || strncmp(url, "http://127.", 11)) {
		fprintf(stderr, "httpload: N, C > 0, C <= 1000, and a http://127.x URL\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURLM *m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, c);
	struct req *reqs = calloc((size_t)c, sizeof *reqs);
	long started = 0, done = 0, ok = 0;
	double t0 = now();
	for (long i = 0; i < c && started < n; i++, started++) {
		reqs[i].easy = curl_easy_init();
		start(m, &reqs[i], url);
	}
	while (done < n) {
		int running;
		curl_multi_perform(m, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct req *r;
			long status = 0;
			CURL *e = msg->easy_handle;
			CURLcode res = msg->data.result;
			curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
			curl_multi_remove_handle(m, e);
			done++;
			if (res == CURLE_OK && status == 200 && (!must || strstr(r->body, must)))
				ok++;
			if (started < n) {
				started++;
				start(m, r, url);
			}
		}
		if (done < n)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	printf("%ld %ld %.3f\n", done, ok, now() - t0);
	for (long i = 0; i < c; i++)
		curl_easy_cleanup(reqs[i].easy);
	free(reqs);
	curl_multi_cleanup(m);
	curl_global_cleanup();
	return ok == n ? 0 : 1;
}
