#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

/* The only process-wide state in blackout: how chatty to be. */
static enum log_level threshold = LOG_INFO;

void log_set_level(enum log_level lvl)
{
	threshold = lvl;
}

enum log_level log_get_level(void)
{
	return threshold;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warning", "error"};
	if (lvl < threshold || lvl >= LOG_QUIET)
		return;
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "blackout: %s: %s\n", names[lvl], line);
}
