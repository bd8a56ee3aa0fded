/*
 * fuzz_config.c - the watchlist loader over arbitrary bytes.
 *
 * Property: loading never crashes, leaks or hangs; when a config loads, its
 * YAML form (config_write_yaml) loads again into an equal config. Seeds in
 * tests/fuzz/corpus/config/: the examples, the built-in kp watchlist and
 * small broken files.
 */
#include <stdint.h>
#include <stdlib.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors errs = {0};
	struct config *cfg = NULL;
	if (config_load_mem("fuzz", (const char *)data, size, &cfg, &errs) == 0) {
		struct buf y = {0};
		if (config_write_yaml(cfg, &y) != 0)
			abort();
		struct config_errors errs2 = {0};
		struct config *again = NULL;
		if (config_load_mem("written", y.p, y.len, &again, &errs2) != 0) {
			config_errors_print(&errs2, stderr);
			abort(); /* what we wrote must load */
		}
		if (!config_equal(cfg, again))
			abort();
		config_free(again);
		config_errors_free(&errs2);
		buf_free(&y);
	}
	config_free(cfg);
	config_errors_free(&errs);
	return 0;
}
