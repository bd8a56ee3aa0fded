/*
 * api.h - the read-only JSON API, /metrics and the dashboard's files, as one
 * HTTP handler over a struct serve_provider.
 *
 * Routes (GET or HEAD; paths and queries decoded by serve/query.c):
 *   /                       the dashboard (index.html); /assets/PATH its files
 *   /metrics                Prometheus text format (serve/metrics.h)
 *   /api/v1/entities
 *   /api/v1/targets[?entity=ID]
 *   /api/v1/signals/{entity}?from=&until=&maxPoints=   IODA's shape, see below
 *   /api/v1/events[?since=]
 *   /api/v1/events/{id}
 *   /api/v1/bgp
 *   /api/v1/observations/{target}?from=&until=&limit=
 * Times in queries: ISO 8601 (UTC or with an offset) or Unix seconds. Every
 * answer is {"type":T,"error":null,"data":...}; every error is
 * {"type":"error","error":{"status":N,"message":"..."},"data":null} with that
 * HTTP status: 400 bad parameter (the message names it and what was expected),
 * 401 missing/wrong token, 404 unknown path/entity/event/target, 500 the
 * provider failed, 501 the provider does not implement that question.
 *
 * Signals: {"type":"signals","requestParameters":{...},"error":null,
 *   "data":[[{"entityType","entityCode","entityName","datasource","layer",
 *   "metric","from","until","step","nativeStep","values":[...]}]]}
 * with from/until/step in Unix seconds like IODA; values are the means of
 * groups of ceil(n/maxPoints) native bins (NaN bins skipped, all-NaN -> null).
 *
 * Unauthorized requests (a token is configured and was not sent) get only the
 * dashboard's static files; everything with data answers 401.
 */
#ifndef BLACKOUT_SERVE_API_H
#define BLACKOUT_SERVE_API_H

#include <stddef.h>

#include "serve/http.h"
#include "serve/provider.h"

#define SERVE_DEFAULT_MAX_POINTS 500
#define SERVE_MAX_POINTS 10000
#define SERVE_MAX_RANGE_S (93 * 86400) /* longest signals/observations window */
#define SERVE_DEFAULT_LIMIT 1000
#define SERVE_MAX_LIMIT 10000

/* The HTTP handler (http_handler_fn); arg is a const struct serve_provider *,
 * borrowed for the life of the server. */
void serve_api_handle(void *arg, const struct http_request *req, struct http_response *resp);

/* Downsampling of one series: writes ceil(n / k) means of groups of k values
 * into out, k = ceil(n / max_points) (1 when n <= max_points), skipping NaN;
 * a group of NaN only gives NaN. Returns the number written; *factor = k.
 * out has room for at least min(n, max_points) values. */
size_t serve_downsample(const double *in, size_t n, size_t max_points, double *out, size_t *factor);

/* Appends one event as the API shows it (and alerts send it):
 * {"id","entity","cause","severity","confidence","start","end","open",
 *  "duration_s","summary","layers_failed":[],"layers_recovered":[],"evidence":[]}
 * Times ISO 8601 UTC; "end" null and duration up to now_us while open. */
void serve_event_json(struct buf *b, const struct serve_event *e, int64_t now_us);

#endif
