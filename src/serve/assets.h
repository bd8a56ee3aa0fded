/*
 * assets.h - the dashboard's files, embedded in the binary at build time.
 *
 * The Makefile runs scripts/embed-assets over every file under
 * src/serve/assets/ and compiles the result (build/gen/assets.c) into
 * libblackout.a, so the binary serves the dashboard with no files beside it
 * and no network (vendored libraries included, see assets/vendor/VERSIONS).
 */
#ifndef BLACKOUT_SERVE_ASSETS_H
#define BLACKOUT_SERVE_ASSETS_H

#include <stddef.h>

struct serve_asset {
	const char *path;          /* static: path under src/serve/assets/, "app.js" */
	const unsigned char *data; /* static: the bytes (a NUL follows, not counted) */
	size_t len;
};

extern const struct serve_asset serve_assets[];
extern const size_t serve_assets_count;

/* The asset at path (no leading '/'), or NULL. */
const struct serve_asset *serve_asset_find(const char *path);
/* A Content-Type for path from its extension. */
const char *serve_asset_type(const char *path);

#endif
