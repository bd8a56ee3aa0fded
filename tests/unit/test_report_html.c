/* Unit tests for src/cli/report_html: an event with steps and signals in a
 * fresh store becomes one HTML page with a plot per signal, escaped text, the
 * event's span shaded; an unknown event is ERR_NOTFOUND. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/report_html.h"
#include "core/err.h"
#include "core/obs.h"
#include "test.h"

static char dir[] = "/tmp/blackout-report-html.XXXXXX";
static const struct store_options manual = {.maintain_every_us = -1};
#define S INT64_C(1000000)
#define T0 (INT64_C(1700000000) * S)

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static struct store *fill(int64_t *event_id)
{
	char path[256], err[256];
	struct store *st = NULL;
	snprintf(path, sizeof path, "%s/r.db", dir);
	if (store_open(path, &manual, &st, err, sizeof err)) {
		T_FAIL("store_open: %s", err);
		return NULL;
	}
	int64_t ent = 0, tgt = 0;
	struct store_entity e = {.name = "kp<lab>", .kind = "country"};
	struct store_target t = {.name = "www", .role = ROLE_WEB, .address = "198.51.100.20"};
	CHECK_INT(store_upsert_entity(st, &e, &ent), 0);
	t.entity_id = ent;
	CHECK_INT(store_upsert_target(st, &t, &tgt), 0);
	/* two minutes of 1 s bins: web and router answering, web down 60..80 s */
	for (int i = 0; i < 120; i++) {
		int down = i >= 60 && i < 80;
		struct store_signal sg = {.entity_id = ent, .layer = "web", .metric = NULL,
					  .bin_us = T0 + i * S, .width_us = S, .value = down ? 0 : 1,
					  .baseline = 1, .n = 2};
		store_queue_signal(st, &sg);
		sg.layer = "router";
		sg.value = 1;
		store_queue_signal(st, &sg);
		sg.layer = "";
		sg.metric = "rtt_ms";
		sg.value = down ? 300 : 0.2;
		sg.baseline = 0.2;
		store_queue_signal(st, &sg);
	}
	struct store_event ev = {
		.key = "kp-1", .entity_id = ent, .cause = "partial", .start_us = T0 + 60 * S,
		.end_us = T0 + 80 * S, .severity = 0.5, .confidence = 1,
		.timeline_json = "[{\"time_us\":1700000060000000,\"layer\":\"web\",\"target\":\"www\","
				 "\"change\":\"down\",\"text\":\"web down <script>\"}]",
		.evidence_json = "{\"summary\":\"web down\"}", .updated_us = T0 + 90 * S};
	store_queue_event(st, &ev);
	CHECK_INT(store_flush(st), 0);
	*event_id = 1;
	return st;
}

TEST(page)
{
	int64_t id = 0;
	struct store *st = fill(&id);
	if (!st)
		return;
	struct buf b = {0};
	char err[256] = "";
	CHECK_INT(report_html_write(st, id, "21:05 web down & <out>", &b, err, sizeof err), 0);
	const char *h = b.p ? b.p : "";
	CHECK(!strncmp(h, "<!DOCTYPE html>", 15));
	CHECK(strstr(h, "</html>") != NULL);
	CHECK_INT(count(h, "<svg "), 3); /* router, web, rtt */
	CHECK_INT(count(h, "</svg>"), 3);
	CHECK(strstr(h, "web: share of targets answering") != NULL);
	CHECK(strstr(h, "RTT (ms)") != NULL);
	CHECK(strstr(h, "kp&lt;lab&gt;: partial") != NULL);       /* escaped entity */
	CHECK(strstr(h, "21:05 web down &amp; &lt;out&gt;") != NULL); /* escaped text */
	CHECK(strstr(h, "web down &lt;script&gt;") != NULL);     /* escaped step */
	CHECK(strstr(h, "<script") == NULL);                       /* nothing executable */
	CHECK_INT(count(h, "class=\"ev\""), 3);                    /* the span on each plot */
	CHECK(strstr(h, "<polyline") != NULL);
	buf_free(&b);
	CHECK_INT(report_html_write(st, 999, NULL, &b, err, sizeof err), ERR_NOTFOUND);
	CHECK(strstr(err, "no such event") != NULL);
	buf_free(&b);
	store_close(st);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(page);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return test_main_end();
}
