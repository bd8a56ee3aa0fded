/*
 * log.h - messages for people, on stderr.
 *
 * One line per message, "blackout: LEVEL: text". The level threshold is a field
 * of no module's state but this one (set once at start-up from -v/-q); logging
 * never blocks the event loop for long (stderr is unbuffered and small writes).
 */
#ifndef BLACKOUT_CORE_LOG_H
#define BLACKOUT_CORE_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_QUIET };

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
