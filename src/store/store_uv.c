/*
 * store_uv.c - the flush timer and worker of store_uv.h.
 */
#include "store/store_uv.h"

#include "core/log.h"

static void after_close(uv_handle_t *h)
{
	struct store_flusher *fl = h->data;
	if (fl->on_closed)
		fl->on_closed(fl);
}

/* The last flush, on the loop thread: probing has stopped, nothing to protect. */
static void finish(struct store_flusher *fl)
{
	int rc = store_flush(fl->st);
	if (rc < 0)
		log_error("store: the last flush failed, data is lost: %s", store_errmsg(fl->st));
	if (fl->on_flush && rc != 0)
		fl->on_flush(fl, rc);
	uv_close((uv_handle_t *)&fl->timer, after_close);
}

static void work_cb(uv_work_t *w)
{
	struct store_flusher *fl = w->data;
	if (fl->on_write_start)
		fl->on_write_start(fl);
	store_flush_run(fl->st);
}

static void after_work_cb(uv_work_t *w, int status)
{
	struct store_flusher *fl = w->data;
	(void)status; /* a queued work item cannot be cancelled once started, and we never cancel */
	int rc = store_flush_end(fl->st);
	fl->busy = false;
	if (fl->on_flush)
		fl->on_flush(fl, rc);
	if (fl->stopping)
		finish(fl);
}

static void tick(uv_timer_t *t)
{
	struct store_flusher *fl = t->data;
	if (fl->busy || fl->stopping)
		return;
	if (store_flush_begin(fl->st) <= 0)
		return;
	fl->busy = true;
	fl->work.data = fl;
	if (uv_queue_work(fl->loop, &fl->work, work_cb, after_work_cb) != 0) {
		/* no worker: write on the loop rather than lose data */
		store_flush_run(fl->st);
		after_work_cb(&fl->work, 0);
	}
}

int store_flusher_start(struct store_flusher *fl, uv_loop_t *loop, struct store *st, int64_t interval_us)
{
	fl->loop = loop;
	fl->st = st;
	fl->interval_us = interval_us > 0 ? interval_us : 1000000;
	fl->busy = fl->stopping = false;
	fl->on_closed = NULL;
	if (uv_timer_init(loop, &fl->timer) != 0)
		return ERR_SYS;
	fl->timer.data = fl;
	uint64_t ms = (uint64_t)(fl->interval_us + 999) / 1000;
	if (uv_timer_start(&fl->timer, tick, ms, ms) != 0) {
		uv_close((uv_handle_t *)&fl->timer, NULL);
		return ERR_SYS;
	}
	return 0;
}

void store_flusher_stop(struct store_flusher *fl, store_flusher_closed_cb on_closed)
{
	if (fl->stopping)
		return;
	fl->stopping = true;
	fl->on_closed = on_closed;
	uv_timer_stop(&fl->timer);
	if (!fl->busy)
		finish(fl);
}
