/*
 * fuzz_mrt.c - the MRT reader and its text forms on arbitrary bytes.
 *
 * The input is read as an MRT stream (compressed or not, by content); every
 * record is printed in the bgpdump form and as JSON, and its routes listed.
 * Nothing may crash, read out of bounds, leak or loop. Seeds in
 * tests/fuzz/corpus/mrt are the first records of the real archives.
 */
#include <stddef.h>
#include <stdint.h>

#include "bgp/mrt.h"
#include "bgp/mrt_text.h"

static void count_route(void *ctx, const struct mrt_route *r)
{
	size_t *n = ctx;
	*n += r->prefix.len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mrt_reader *r = mrt_reader_new_mem(data, size, "fuzz", NULL);
	struct mrt_text *t = mrt_text_new();
	struct buf out = {0};
	const struct mrt_record *rec;
	size_t n = 0;
	while (mrt_next(r, &rec) > 0) {
		mrt_text_bgpdump(t, &out, rec);
		mrt_text_json(t, &out, rec);
		mrt_record_routes(rec, count_route, &n);
		if (out.len > (1u << 20))
			buf_reset(&out);
	}
	buf_free(&out);
	mrt_text_free(t);
	mrt_reader_free(r);
	return 0;
}
