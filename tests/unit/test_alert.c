/*
 * test_alert.c - alert formatting, the backoff schedule, and delivery through
 * an exec hook on a real libuv loop with an in-memory outbox (defined here;
 * the watcher backs the same interface with the store's outbox table).
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/mem.h"
#include "serve/alert.h"
#include "test.h"

TEST(backoff_schedule)
{
	int64_t s = USEC_PER_SEC;
	static const int64_t want[] = {5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600};
	for (uint32_t i = 0; i < sizeof want / sizeof want[0]; i++)
		CHECK_INT(alert_backoff_us(i + 1, 5 * s, 3600 * s), want[i] * s);
	CHECK_INT(alert_backoff_us(0, 5 * s, 3600 * s), 5 * s);
	CHECK_INT(alert_backoff_us(UINT32_MAX, 5 * s, 3600 * s), 3600 * s);
	CHECK_INT(alert_backoff_us(70, INT64_MAX / 4, INT64_MAX / 2), INT64_MAX / 2);
}

static const char *const FAILED[] = {"web", "bgp"};

static struct serve_event event(int64_t t0)
{
	return (struct serve_event){.id = 42, .entity = "<kp> & co", .cause = "cascade", .severity = 0.8,
				    .confidence = 0.7, .start_us = t0, .summary = "mail <b>first</b>\nthen web",
				    .layers_failed = FAILED, .n_layers_failed = 2};
}

TEST(text_and_payload)
{
	int64_t t0;
	CHECK_INT(clock_parse_iso("2022-01-14T21:05:00Z", &t0), 0);
	struct serve_event e = event(t0);
	struct buf b = {0};
	alert_text(&b, ALERT_OPEN, &e, NULL, t0);
	CHECK_STR(b.p, "blackout: OUTAGE of &lt;kp&gt; &amp; co since 2022-01-14T21:05:00Z, cause cascade, "
		       "severity 80%, confidence 70%. mail &lt;b&gt;first&lt;/b&gt; then web");
	buf_reset(&b);
	e.cause = "routing";
	alert_text(&b, ALERT_UPDATE, &e, "http://127.0.0.1:9", t0);
	CHECK(strstr(b.p, "now: cause routing, severity 80%") != NULL);
	CHECK(strstr(b.p, " http://127.0.0.1:9/#/event/42") != NULL);
	buf_reset(&b);
	e.end_us = t0 + (6 * 3600 + 2 * 60) * USEC_PER_SEC;
	e.summary = NULL;
	alert_text(&b, ALERT_CLOSE, &e, NULL, t0);
	CHECK_STR(b.p, "blackout: RESTORED: &lt;kp&gt; &amp; co is back since 2022-01-15T03:07:00Z after 6h02m "
		       "(outage from 2022-01-14T21:05:00Z, cause routing)");
	buf_reset(&b);
	alert_payload(&b, ALERT_CLOSE, &e, "http://127.0.0.1:9", t0, true);
	CHECK(strncmp(b.p, "{\"text\":\"blackout: RESTORED: ", 29) == 0);
	CHECK(strstr(b.p, "\"kind\":\"close\",\"event\":{\"id\":42,\"entity\":\"<kp> & co\"") != NULL);
	CHECK(strstr(b.p, "\"layers_failed\":[\"web\",\"bgp\"]") != NULL);
	CHECK(strstr(b.p, "\"url\":\"http://127.0.0.1:9/#/event/42\"}") != NULL);
	CHECK(strchr(b.p, '\n') == NULL); /* one line: outboxes may store it as one */
	/* text: false in the config: the same payload without the text field */
	struct buf nt = {0};
	alert_payload(&nt, ALERT_CLOSE, &e, "http://127.0.0.1:9", t0, false);
	CHECK(strncmp(nt.p, "{\"kind\":\"close\",\"event\":{\"id\":42,", 33) == 0);
	CHECK(strstr(nt.p, "\"text\"") == NULL);
	char *rest = xasprintf("{%s", strstr(b.p, "\"kind\""));
	CHECK_STR(nt.p, rest); /* everything else as with the text */
	free(rest);
	buf_free(&nt);
	buf_free(&b);
}

/* ---- an in-memory outbox ---- */

struct row {
	uint64_t id;
	char *sink, *payload;
	uint32_t attempts;
	int64_t next_us;
	bool sent;
};

struct memob {
	struct row rows[16];
	size_t n;
	int reschedules, sent;
};

static int m_enqueue(void *ctx, const char *sink, const char *payload, int64_t created, uint64_t *id)
{
	struct memob *m = ctx;
	if (m->n == 16)
		return ERR_TOOBIG;
	m->rows[m->n] = (struct row){.id = m->n + 1, .sink = xstrdup(sink), .payload = xstrdup(payload)};
	*id = ++m->n;
	return 0;
}

static int m_reschedule(void *ctx, uint64_t id, uint32_t attempts, int64_t next, const char *why)
{
	struct memob *m = ctx;
	m->rows[id - 1].attempts = attempts;
	m->rows[id - 1].next_us = next;
	m->reschedules++;
	return 0;
}

static int m_sent(void *ctx, uint64_t id, int64_t t)
{
	struct memob *m = ctx;
	m->rows[id - 1].sent = true;
	m->sent++;
	return 0;
}

static int m_list(void *ctx, alert_pending_emit emit, void *arg)
{
	struct memob *m = ctx;
	for (size_t i = 0; i < m->n; i++) {
		struct row *r = &m->rows[i];
		if (r->sent)
			continue;
		struct alert_pending p = {r->id, r->sink, r->payload, r->attempts, r->next_us};
		if (emit(arg, &p))
			break;
	}
	return 0;
}

static void m_free(struct memob *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->rows[i].sink), free(m->rows[i].payload);
}

struct waiter {
	struct memob *m;
	int want_sent, want_resched;
	bool done;
};

static void deadline_stop(uv_timer_t *t)
{
	uv_stop(t->loop);
}

static void on_poll_timer(uv_timer_t *t)
{
	struct waiter *w = t->data;
	if (w->m->sent >= w->want_sent && w->m->reschedules >= w->want_resched) {
		w->done = true;
		uv_stop(t->loop);
	}
}

/* Runs the loop until the outbox shows the counts, or 20 s. */
static bool run_until(uv_loop_t *loop, struct memob *m, int sent, int resched)
{
	uv_timer_t t, deadline;
	struct waiter w = {m, sent, resched, false};
	uv_timer_init(loop, &t);
	uv_timer_init(loop, &deadline);
	t.data = &w;
	uv_timer_start(&t, on_poll_timer, 10, 10);
	uv_timer_start(&deadline, deadline_stop, 20000, 0);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&t, NULL);
	uv_close((uv_handle_t *)&deadline, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return w.done;
}

/* An exec hook in a fresh folder that appends its stdin and a newline to
 * dir/got.json; with a flag, it exits 3 instead while dir/fail exists. */
struct saver {
	char dir[32];
	char *out, *script, *flag;
};

static bool saver_make(struct saver *h, bool with_flag)
{
	snprintf(h->dir, sizeof h->dir, "/tmp/blackout-alert-XXXXXX");
	if (!mkdtemp(h->dir))
		return false;
	h->out = xasprintf("%s/got.json", h->dir);
	h->script = xasprintf("%s/hook.sh", h->dir);
	h->flag = xasprintf("%s/fail", h->dir);
	FILE *f = fopen(h->script, "w");
	if (!f)
		return false;
	fprintf(f, "#!/bin/sh\n");
	if (with_flag)
		fprintf(f, "[ -e '%s' ] && exit 3\n", h->flag);
	fprintf(f, "cat >> '%s'\necho >> '%s'\n", h->out, h->out);
	fclose(f);
	chmod(h->script, 0755);
	if (with_flag && !(f = fopen(h->flag, "w")))
		return false;
	if (with_flag)
		fclose(f);
	return true;
}

/* What the hook saved, in got[n]. */
static void saver_read(const struct saver *h, char *got, size_t n)
{
	got[0] = '\0';
	FILE *f = fopen(h->out, "r");
	if (f) {
		got[fread(got, 1, n - 1, f)] = '\0';
		fclose(f);
	}
}

static void saver_remove(struct saver *h)
{
	unlink(h->out);
	unlink(h->script);
	unlink(h->flag);
	rmdir(h->dir);
	free(h->out), free(h->script), free(h->flag);
}

/* Sends the open, the update if asked, and the close of one event. */
static int notify_event(struct alerter *a, bool with_update)
{
	int64_t now = clock_wall_us();
	struct serve_event e = event(now);
	int rc = alert_notify(a, ALERT_OPEN, &e, now);
	if (rc == 0 && with_update)
		rc = alert_notify(a, ALERT_UPDATE, &e, now);
	e.end_us = now + USEC_PER_SEC;
	return rc ? rc : alert_notify(a, ALERT_CLOSE, &e, now);
}

TEST(exec_hook_delivers_and_retries)
{
	struct saver h;
	CHECK(saver_make(&h, true));
	char *script = h.script;

	uv_loop_t loop;
	uv_loop_init(&loop);
	struct memob m = {0};
	struct alert_outbox ob = {&m, m_enqueue, m_reschedule, m_sent, m_list};
	char *argv[] = {script, NULL};
	struct alert_exec ex = {.name = "save", .argv = argv, .timeout_ms = 5000};
	struct alert_config cfg = {.execs = &ex, .n_execs = 1, .backoff_base_us = 50000, .backoff_max_us = 200000};
	struct alerter *a;
	char err[256];
	CHECK_INT(alert_new(&loop, &cfg, &ob, &a, err, sizeof err), 0);
	CHECK_INT(notify_event(a, false), 0);
	CHECK_INT(m.n, 2);
	CHECK_STR(m.rows[0].sink, "exec:save");
	/* the hook fails twice (exit 3): rescheduled with backoff, nothing sent */
	CHECK(run_until(&loop, &m, 0, 2));
	CHECK_INT(m.sent, 0);
	CHECK_INT(m.rows[0].attempts, 2);
	CHECK_INT(m.rows[1].attempts, 0); /* in order: the close waits behind the open */
	unlink(h.flag);
	CHECK(run_until(&loop, &m, 2, 0));
	CHECK(m.rows[0].sent && m.rows[1].sent);
	struct alert_stats st;
	alert_get_stats(a, &st);
	CHECK_INT(st.delivered, 2);
	CHECK_INT(st.pending, 0);
	CHECK(st.failed_attempts >= 2);
	/* the hook got both, open first, as JSON lines */
	char got[8192];
	saver_read(&h, got, sizeof got);
	char *open_at = strstr(got, "\"kind\":\"open\""), *close_at = strstr(got, "\"kind\":\"close\"");
	CHECK(open_at && close_at && open_at < close_at);
	alert_free(a);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(uv_loop_close(&loop), 0);
	m_free(&m);
	saver_remove(&h);
}

TEST(exec_hook_timeout_and_restart)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct memob m = {0};
	struct alert_outbox ob = {&m, m_enqueue, m_reschedule, m_sent, m_list};
	char *sleeper[] = {"/bin/sleep", "30", NULL};
	struct alert_exec ex = {.name = "slow", .argv = sleeper, .timeout_ms = 200};
	struct alert_config cfg = {.execs = &ex, .n_execs = 1, .backoff_base_us = 20000, .backoff_max_us = 20000};
	struct alerter *a;
	char err[256];
	CHECK_INT(alert_new(&loop, &cfg, &ob, &a, err, sizeof err), 0);
	struct serve_event e = event(clock_wall_us());
	int64_t t0 = clock_mono_us();
	CHECK_INT(alert_notify(a, ALERT_OPEN, &e, clock_wall_us()), 0);
	CHECK(run_until(&loop, &m, 0, 1)); /* killed at 200 ms, not after 30 s */
	CHECK(clock_mono_us() - t0 < 10 * USEC_PER_SEC);
	alert_free(a);
	uv_run(&loop, UV_RUN_DEFAULT);
	/* "restart": a new alerter over the same outbox finds the alert and sends it */
	char *ok[] = {"/bin/true", NULL};
	struct alert_exec ex2 = {.name = "slow", .argv = ok, .timeout_ms = 5000};
	cfg.execs = &ex2;
	CHECK_INT(alert_new(&loop, &cfg, &ob, &a, err, sizeof err), 0);
	CHECK(run_until(&loop, &m, 1, 0));
	CHECK(m.rows[0].sent);
	CHECK_INT(m.n, 1); /* not enqueued twice */
	alert_free(a);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(uv_loop_close(&loop), 0);
	m_free(&m);
}

struct sink_seen {
	char names[4][32];
	struct serve_alert_sink st[4];
	size_t n;
};

static int on_sink(void *arg, const struct serve_alert_sink *ss)
{
	struct sink_seen *k = arg;
	if (k->n < 4) {
		snprintf(k->names[k->n], sizeof k->names[0], "%s", ss->sink);
		k->st[k->n] = *ss;
		k->st[k->n++].sink = NULL;
	}
	return 0;
}

/* Two exec hooks, one with every kind, one with only close (config on:
 * [close]): the second never gets the open, is never even queued with it. */
TEST(kinds_filter_and_sink_stats)
{
	struct saver h;
	CHECK(saver_make(&h, false));
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct memob m = {0};
	struct alert_outbox ob = {&m, m_enqueue, m_reschedule, m_sent, m_list};
	char *all_argv[] = {"/bin/true", NULL}, *close_argv[] = {h.script, NULL};
	struct alert_exec ex[2] = {
		{.name = "all", .argv = all_argv, .timeout_ms = 5000},
		{.name = "closes", .argv = close_argv, .timeout_ms = 5000, .kinds = ALERT_KIND_BIT(ALERT_CLOSE)},
	};
	struct alert_config cfg = {.execs = ex, .n_execs = 2};
	struct alerter *a;
	char err[256];
	CHECK_INT(alert_new(&loop, &cfg, &ob, &a, err, sizeof err), 0);
	CHECK_INT(notify_event(a, true), 0);
	CHECK_INT(m.n, 4); /* open, update, close for "all"; close for "closes" */
	size_t for_closes = 0;
	for (size_t i = 0; i < m.n; i++)
		if (!strcmp(m.rows[i].sink, "exec:closes")) {
			for_closes++;
			CHECK(strstr(m.rows[i].payload, "\"kind\":\"close\"") != NULL);
		}
	CHECK_INT(for_closes, 1);
	CHECK(run_until(&loop, &m, 4, 0));
	struct sink_seen k = {0};
	CHECK_INT(alert_each_sink(a, on_sink, &k), 0);
	CHECK_INT(k.n, 2);
	CHECK_STR(k.names[0], "exec:all");
	CHECK_STR(k.names[1], "exec:closes");
	CHECK_INT(k.st[0].queued, 3);
	CHECK_INT(k.st[0].delivered, 3);
	CHECK_INT(k.st[1].queued, 1);
	CHECK_INT(k.st[1].delivered, 1);
	CHECK_INT(k.st[1].pending, 0);
	CHECK_INT(k.st[1].failed, 0);
	char got[8192];
	saver_read(&h, got, sizeof got);
	CHECK(strstr(got, "\"kind\":\"close\"") != NULL);
	CHECK(strstr(got, "\"kind\":\"open\"") == NULL);
	CHECK(strstr(got, "\"kind\":\"update\"") == NULL);
	alert_free(a);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(uv_loop_close(&loop), 0);
	m_free(&m);
	saver_remove(&h);
}

TEST(bad_config)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct memob m = {0};
	struct alert_outbox ob = {&m, m_enqueue, m_reschedule, m_sent, m_list};
	struct alert_webhook w[2] = {{.name = "a", .url = "ftp://127.0.0.1/"}, {.name = "a", .url = "http://127.0.0.1:1/"}};
	struct alert_config cfg = {.webhooks = w, .n_webhooks = 1};
	struct alerter *a;
	char err[256];
	CHECK_INT(alert_new(&loop, &cfg, &ob, &a, err, sizeof err), ERR_INVAL);
	CHECK(strstr(err, "webhook 'a': url must start with http:// or https://") != NULL);
	w[0].url = "http://127.0.0.1:1/";
	cfg.n_webhooks = 2;
	CHECK_INT(alert_new(&loop, &cfg, &ob, &a, err, sizeof err), ERR_INVAL);
	CHECK(strstr(err, "'webhook:a': the name is used twice") != NULL);
	cfg.n_webhooks = 1;
	struct alert_header bad[2] = {{"X-Ok", "1"}, {"X-Bad", "a\r\nInjected: yes"}};
	w[0].headers = bad;
	w[0].n_headers = 2;
	CHECK_INT(alert_new(&loop, &cfg, &ob, &a, err, sizeof err), ERR_INVAL);
	CHECK(strstr(err, "webhook 'a': header 'X-Bad' has a bad name or a line break") != NULL);
	bad[1] = (struct alert_header){"X Bad", "v"};
	CHECK_INT(alert_new(&loop, &cfg, &ob, &a, err, sizeof err), ERR_INVAL);
	CHECK(strstr(err, "header 'X Bad'") != NULL);
	w[0].n_headers = 0;
	w[0].kinds = 8; /* no such kind */
	CHECK_INT(alert_new(&loop, &cfg, &ob, &a, err, sizeof err), ERR_INVAL);
	CHECK(strstr(err, "unknown alert kinds") != NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(uv_loop_close(&loop), 0);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(backoff_schedule);
	RUN(text_and_payload);
	RUN(exec_hook_delivers_and_retries);
	RUN(exec_hook_timeout_and_restart);
	RUN(kinds_filter_and_sink_stats);
	RUN(bad_config);
	return test_main_end();
}
