/*
 * fuzz_api.c - the API's router and parameter handling (serve_api_handle) on
 * any request target: a raw "path?query" as a client could send it, with a
 * small provider that answers every question. Checks that every answer is a
 * status the API documents and that JSON answers are one well-formed-looking
 * object (starts with '{', ends with "}\n").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "serve/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int entities(void *ctx, serve_entity_emit emit, void *arg)
{
	struct serve_entity e = {.id = "lab", .name = "Lab", .kind = "country"};
	emit(arg, &e);
	return 0;
}

static int signals(void *ctx, const char *entity, int64_t from, int64_t until, serve_series_emit emit, void *arg)
{
	static const double v[4] = {1, 0.5, 0, 1};
	struct serve_series s = {.layer = "web", .metric = "up", .start_us = from, .step_us = 60000000, .n = 4, .values = v};
	emit(arg, &s);
	return 0;
}

static int event(void *ctx, uint64_t id, serve_event_emit ee, serve_step_emit es, void *arg)
{
	if (id != 1)
		return ERR_NOTFOUND;
	struct serve_event e = {.id = 1, .entity = "lab", .cause = "dns"};
	ee(arg, &e);
	return 0;
}

static int observations(void *ctx, const char *t, int64_t f, int64_t u, size_t limit, serve_obs_emit emit, void *arg)
{
	struct serve_obs o = {.time_us = f, .probe = "icmp", .rtt_ms = 1};
	for (size_t i = 0; i < limit && i < 3; i++)
		if (emit(arg, &o))
			break;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct serve_provider p = {.entities = entities, .signals = signals, .event = event,
						.observations = observations};
	char *uri = xstrndup((const char *)data, size); /* stops at a NUL, as MHD's URI would */
	const char *q = strchr(uri, '?');
	struct http_request req = {.method = "GET", .path = uri, .path_len = q ? (size_t)(q - uri) : strlen(uri),
				   .query = q ? q + 1 : "", .query_len = q ? strlen(q + 1) : 0,
				   .authorized = size % 2 == 0, .now_us = INT64_C(1642194300000000)};
	struct http_response r = {.status = 200};
	serve_api_handle((void *)&p, &req, &r);
	switch (r.status) {
	case 200: case 400: case 401: case 404: case 500: case 501:
		break;
	default:
		abort();
	}
	if (!r.static_body && (!r.body.p || r.body.p[0] != '{' || r.body.len < 3 ||
			       strcmp(r.body.p + r.body.len - 2, "}\n")))
		if (!(r.content_type && !strncmp(r.content_type, "text/plain", 10)))
			abort();
	buf_free(&r.body);
	free(uri);
	return 0;
}
