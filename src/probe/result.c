#include "probe/result.h"

#include <errno.h>

void probe_result_json(struct buf *b, const struct probe_result *r)
{
	buf_puts(b, "{\"target\":");
	json_str(b, r->target);
	buf_puts(b, ",\"probe\":");
	json_str(b, probe_kind_name(r->kind));
	buf_printf(b, ",\"ok\":%s,\"rtt_ms\":", r->outcome == OUTCOME_OK ? "true" : "false");
	if (r->rtt_ms >= 0)
		buf_printf(b, "%.3f", r->rtt_ms);
	else
		buf_puts(b, "null");
	buf_puts(b, ",\"error\":");
	json_str(b, r->outcome == OUTCOME_OK ? NULL : outcome_code(r->outcome));
	buf_puts(b, ",\"message\":");
	json_str(b, r->message);
	if (r->detail_json) {
		buf_puts(b, ",\"detail\":");
		buf_puts(b, r->detail_json);
	}
	buf_puts(b, "}\n");
}

void probe_result_text(struct buf *b, const struct probe_result *r)
{
	buf_printf(b, "%-39s %-17s", r->target, outcome_code(r->outcome));
	if (r->rtt_ms >= 0)
		buf_printf(b, " %9.3f ms", r->rtt_ms);
	else
		buf_puts(b, "         - ms");
	if (r->message)
		buf_printf(b, "  %s", r->message);
	buf_putc(b, '\n');
}

int probe_outcome_from_errno(int errnum)
{
	switch (errnum) {
	case ECONNREFUSED:
		return OUTCOME_REFUSED;
	case EHOSTUNREACH:
	case EHOSTDOWN:
		return OUTCOME_HOST_UNREACH;
	case ENETUNREACH:
	case ENETDOWN:
		return OUTCOME_NET_UNREACH;
	case ETIMEDOUT:
		return OUTCOME_TIMEOUT;
	case EACCES:
	case EPERM:
		return OUTCOME_ADMIN_PROHIB;
	default:
		return OUTCOME_LOCAL_ERROR;
	}
}
