/*
 * err.h - blackout's error codes: one table, negative values, a string for each.
 *
 * Every function that can fail returns 0 (or a count) on success and a negative
 * ERR_* code on failure ("errors are values"). Codes are stable: new ones are
 * appended to the table, never renumbered. err_str() never returns NULL.
 * User-facing parsers also fill a caller-owned message buffer with the position
 * (file, line, column or byte offset) and the reason; the code says only the kind.
 */
#ifndef BLACKOUT_CORE_ERR_H
#define BLACKOUT_CORE_ERR_H

#define MUSTCHECK __attribute__((warn_unused_result))

/* X(name, value, text) */
#define ERR_TABLE(X)                                                 \
	X(ERR_NOMEM, -1, "out of memory")                            \
	X(ERR_INVAL, -2, "invalid argument")                         \
	X(ERR_PARSE, -3, "malformed input")                          \
	X(ERR_IO, -4, "input/output error")                          \
	X(ERR_TRUNC, -5, "truncated input")                          \
	X(ERR_RANGE, -6, "value out of range")                       \
	X(ERR_UNSUPPORTED, -7, "not supported")                      \
	X(ERR_PERM, -8, "permission denied")                         \
	X(ERR_NOTFOUND, -9, "not found")                             \
	X(ERR_EXISTS, -10, "already exists")                         \
	X(ERR_AGAIN, -11, "try again")                               \
	X(ERR_TIMEOUT, -12, "timed out")                             \
	X(ERR_CLOSED, -13, "closed")                                 \
	X(ERR_TOOBIG, -14, "too large")                              \
	X(ERR_WRONG_STATE, -15, "wrong state for this call")               \
	X(ERR_DB, -16, "database error")                             \
	X(ERR_SYS, -17, "system call failed (see errno)")

enum err {
	ERR_OK = 0,
#define X(name, value, text) name = (value),
	ERR_TABLE(X)
#undef X
};

/* The text for code (0 gives "ok"; an unknown code gives "unknown error"). */
const char *err_str(int code);

#endif
