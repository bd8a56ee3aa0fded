#include "probe/result.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* The hot path of a scan prints tens of thousands of these lines a second, so
 * the common pieces are written without printf; the output is the same as
 * "%-Ns" and "%W.3f" would give, except that a value within about 1e-9 ms of
 * a rounding tie may round the other way in the last digit. */

static void put_padded(struct buf *b, const char *s, size_t width)
{
	size_t n = strlen(s);
	buf_reserve(b, n > width ? n : width);
	memcpy(b->p + b->len, s, n);
	for (; n < width; n++)
		b->p[b->len + n] = ' ';
	b->len += n;
	b->p[b->len] = '\0';
}

/* rtt_ms with three decimals, right-aligned in width (0: no padding). */
static void put_ms(struct buf *b, double ms, size_t width)
{
	if (!(ms >= 0 && ms < 1e12)) {
		buf_printf(b, "%*.3f", (int)width, ms);
		return;
	}
	unsigned long long v = (unsigned long long)(ms * 1000.0 + 0.5);
	char tmp[32];
	size_t i = sizeof tmp;
	for (int d = 0; d < 3; d++, v /= 10)
		tmp[--i] = (char)('0' + v % 10);
	tmp[--i] = '.';
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	size_t n = sizeof tmp - i;
	buf_reserve(b, n > width ? n : width);
	for (; width > n; width--)
		b->p[b->len++] = ' ';
	memcpy(b->p + b->len, tmp + i, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void probe_result_json(struct buf *b, const struct probe_result *r)
{
	buf_puts(b, "{\"target\":");
	json_str(b, r->target);
	buf_puts(b, ",\"probe\":");
	json_str(b, probe_kind_name(r->kind));
	buf_puts(b, r->outcome == OUTCOME_OK ? ",\"ok\":true,\"rtt_ms\":"
	                                     : ",\"ok\":false,\"rtt_ms\":");
	if (r->rtt_ms >= 0)
		put_ms(b, r->rtt_ms, 0);
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
	put_padded(b, r->target, 39);
	buf_putc(b, ' ');
	put_padded(b, outcome_code(r->outcome), 17);
	if (r->rtt_ms >= 0) {
		buf_putc(b, ' ');
		put_ms(b, r->rtt_ms, 9);
		buf_puts(b, " ms");
	} else {
		buf_puts(b, "         - ms");
	}
	if (r->message) {
		buf_puts(b, "  ");
		buf_puts(b, r->message);
	}
	buf_putc(b, '\n');
}

int probe_local_unreach(int outcome, const struct sockaddr *dst, socklen_t len)
{
	if (!dst || (outcome != OUTCOME_NET_UNREACH && outcome != OUTCOME_HOST_UNREACH))
		return outcome;
	int fd = socket(dst->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return outcome;
	int r = connect(fd, dst, len);
	int er = r ? errno : 0;
	close(fd);
	/* EHOSTUNREACH here comes from a local "unreachable" route: a UDP
	 * connect() does no neighbour discovery and sends nothing */
	return r && (er == ENETUNREACH || er == ENETDOWN || er == EHOSTUNREACH) ? OUTCOME_LOCAL_ERROR
										 : outcome;
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
