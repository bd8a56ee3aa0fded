/*
 * store_uv.h - flushes a store from a libuv loop without blocking it.
 *
 * A timer on the loop fires every flush interval; it moves the queue into a
 * batch (store_flush_begin) and hands the batch to a libuv worker thread
 * (uv_queue_work) that writes it (store_flush_run, plus a bounded retention
 * step now and then); back on the loop, store_flush_end() either frees the
 * batch or puts it back in front of the queue. At most one flush is in
 * flight; a tick that finds one still running is skipped.
 *
 *   idle --timer--> flushing (worker) --after_work--> idle
 *     \                  |
 *      store_flusher_stop: wait for the flush in flight, flush what is left
 *      on the loop thread, close the timer, then on_closed
 *
 * Ownership: the struct is the caller's (embed it anywhere that outlives the
 * closing); the store is borrowed and must outlive on_closed.
 */
#ifndef BLACKOUT_STORE_UV_H
#define BLACKOUT_STORE_UV_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "store/store.h"

struct store_flusher;
/* Called on the loop after every flush attempt: rc 0 written, < 0 failed
 * (store_errmsg says why; the data is kept and retried). */
typedef void (*store_flushed_cb)(struct store_flusher *fl, int rc);
typedef void (*store_flusher_closed_cb)(struct store_flusher *fl);

struct store_flusher {
	void *data;                  /* the caller's */
	store_flushed_cb on_flush;   /* may be NULL */
	/* may be NULL: called ON THE WORKER THREAD just before a batch is
	 * written (tests use it to kill a writer mid-flush; keep it trivial) */
	void (*on_write_start)(struct store_flusher *fl);
	/* private */
	uv_loop_t *loop;
	struct store *st;
	uv_timer_t timer;
	uv_work_t work;
	int64_t interval_us;
	bool busy, stopping;
	store_flusher_closed_cb on_closed;
};

/* Starts flushing st every interval_us. Returns 0 or a negative code. */
int store_flusher_start(struct store_flusher *fl, uv_loop_t *loop, struct store *st,
			int64_t interval_us) MUSTCHECK;
/* Stops: the last flush runs before on_closed (NULL allowed) is called. */
void store_flusher_stop(struct store_flusher *fl, store_flusher_closed_cb on_closed);

#endif
