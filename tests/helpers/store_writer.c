/*
 * store_writer.c - writes synthetic observations into a store at a steady
 * rate, the way the watcher does (queue on a libuv loop, flushed by
 * store_flusher on a worker thread), and reports every flush on stdout:
 *
 *   flush rc=0 queued=0 written=40000 dropped=0 flush_ms=12.3 err=
 *   done generated=200000 written=200000 dropped=0 rejected=0
 *
 * Used by tests/integration/test_store_faults.sh (a full disk on a small
 * tmpfs) and to measure flush times. Stops after --seconds or on SIGTERM /
 * SIGINT, flushing what is left. Exit: 0, 1 if the last flush failed, 2 if
 * the store could not be opened (the reason on stderr).
 *
 *   store_writer --db FILE [--rate N/s] [--seconds S] [--interval MS] [--queue-limit BYTES]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/clock.h"
#include "core/obs.h"
#include "store/store.h"
#include "store/store_uv.h"

struct writer {
	struct store *st;
	struct store_flusher fl;
	uv_timer_t gen, stop;
	uv_signal_t sigterm, sigint;
	int64_t target, generated, rate, start_us, last_rc;
	double carry;
	bool stopping;
};

static void report(struct store_flusher *fl, int rc)
{
	struct writer *w = fl->data;
	struct store_stats s;
	store_get_stats(w->st, &s);
	w->last_rc = rc;
	printf("flush rc=%d queued=%zu written=%llu dropped=%llu flush_ms=%.1f err=%s\n", rc, s.queued,
	       (unsigned long long)s.written, (unsigned long long)s.dropped, (double)s.last_flush_us / 1000.0,
	       rc ? store_errmsg(w->st) : "");
	fflush(stdout);
}

static void closed(struct store_flusher *fl)
{
	struct writer *w = fl->data;
	uv_close((uv_handle_t *)&w->sigterm, NULL);
	uv_close((uv_handle_t *)&w->sigint, NULL);
}

static void stop_all(struct writer *w)
{
	if (w->stopping)
		return;
	w->stopping = true;
	uv_timer_stop(&w->gen);
	uv_timer_stop(&w->stop);
	uv_close((uv_handle_t *)&w->gen, NULL);
	uv_close((uv_handle_t *)&w->stop, NULL);
	store_flusher_stop(&w->fl, closed);
}

static void on_stop(uv_timer_t *t)
{
	stop_all(t->data);
}

static void on_signal(uv_signal_t *s, int signum)
{
	(void)signum;
	stop_all(s->data);
}

static void generate(uv_timer_t *t)
{
	struct writer *w = t->data;
	int64_t now = clock_wall_us();
	/* as many as the rate asks for since the start, whatever the timer's jitter */
	double due = (double)(clock_mono_us() - w->start_us) / 1e6 * (double)w->rate;
	while ((double)w->generated < due) {
		struct store_obs o = {.time_us = now, .target_id = w->target, .kind = PROBE_ICMP,
				      .outcome = OUTCOME_OK, .rtt_ms = (double)++w->generated,
				      .detail_json = "{\"probe\":\"synthetic\",\"pad\":\"....................\"}"};
		store_queue_obs(w->st, &o);
	}
}

int main(int argc, char **argv)
{
	const char *db = NULL;
	int64_t seconds = 5, interval_ms = 1000, rate = 10000;
	struct store_options opt = {0};
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--db"))
			db = argv[i + 1];
		else if (!strcmp(argv[i], "--rate"))
			rate = atoll(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atoll(argv[i + 1]);
		else if (!strcmp(argv[i], "--interval"))
			interval_ms = atoll(argv[i + 1]);
		else if (!strcmp(argv[i], "--queue-limit"))
			opt.queue_max_bytes = strtoull(argv[i + 1], NULL, 10);
	}
	if (!db) {
		fprintf(stderr, "usage: store_writer --db FILE [--rate N] [--seconds S] [--interval MS] "
				"[--queue-limit BYTES]\n");
		return 2;
	}
	struct writer w = {.rate = rate};
	char err[512];
	if (store_open(db, &opt, &w.st, err, sizeof err)) {
		fprintf(stderr, "store_writer: %s\n", err);
		return 2;
	}
	struct store_target t = {"synthetic", 0, ROLE_HOST, "127.0.0.1", NULL};
	if (store_upsert_target(w.st, &t, &w.target)) {
		fprintf(stderr, "store_writer: %s\n", store_errmsg(w.st));
		store_close(w.st);
		return 2;
	}
	uv_loop_t *loop = uv_default_loop();
	w.fl.data = &w;
	w.fl.on_flush = report;
	if (store_flusher_start(&w.fl, loop, w.st, interval_ms * 1000)) {
		store_close(w.st);
		return 2;
	}
	w.start_us = clock_mono_us();
	uv_timer_init(loop, &w.gen);
	w.gen.data = &w;
	uv_timer_start(&w.gen, generate, 1, 1);
	uv_timer_init(loop, &w.stop);
	w.stop.data = &w;
	uv_timer_start(&w.stop, on_stop, (uint64_t)seconds * 1000, 0);
	uv_signal_init(loop, &w.sigterm);
	w.sigterm.data = &w;
	uv_signal_start(&w.sigterm, on_signal, SIGTERM);
	uv_signal_init(loop, &w.sigint);
	w.sigint.data = &w;
	uv_signal_start(&w.sigint, on_signal, SIGINT);
	uv_run(loop, UV_RUN_DEFAULT);
	struct store_stats s;
	store_get_stats(w.st, &s);
	printf("done generated=%lld written=%llu dropped=%llu rejected=%llu\n", (long long)w.generated,
	       (unsigned long long)s.written, (unsigned long long)s.dropped, (unsigned long long)s.rejected);
	store_close(w.st);
	uv_loop_close(loop);
	return w.last_rc ? 1 : 0;
}
