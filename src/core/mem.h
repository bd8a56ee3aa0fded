/*
 * mem.h - allocation that cannot fail.
 *
 * Out of memory is the one error blackout does not return as a value: these
 * wrappers print a message and abort(). Everything they return is owned by the
 * caller and released with free(). xfree(NULL) is a no-op, like free().
 */
#ifndef BLACKOUT_CORE_MEM_H
#define BLACKOUT_CORE_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* realloc for an array of nmemb elements of size bytes, checking the product. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
