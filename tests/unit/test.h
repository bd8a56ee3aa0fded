/*
 * test.h - a small table-friendly unit test harness.
 *
 * Each TEST is a function; RUN(name) calls it and prints one line,
 * "ok - name" or "not ok - name: file:line: what failed", which tests/run counts.
 * CHECK* record a failure and go on (so one run reports every broken case);
 * they never abort the test program. test_main_end() prints "N passed, N failed"
 * for the program and returns its exit status.
 */
#ifndef BLACKOUT_TEST_H
#define BLACKOUT_TEST_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int t_passed, t_failed, t_case_failed;
static char t_first_failure[512];

#define T_FAIL(...)                                                                         \
	do {                                                                                \
		if (!t_case_failed)                                                         \
			snprintf(t_first_failure, sizeof t_first_failure, __VA_ARGS__);    \
		else                                                                        \
			fprintf(stderr, "  also: " __VA_ARGS__), fputc('\n', stderr);        \
		t_case_failed = 1;                                                          \
	} while (0)

#define CHECK(cond)                                                                         \
	do {                                                                                \
		if (!(cond))                                                                \
			T_FAIL("%s:%d: CHECK(%s)", __FILE__, __LINE__, #cond);              \
	} while (0)

#define CHECK_INT(a, b)                                                                     \
	do {                                                                                \
		long long t_a = (long long)(a), t_b = (long long)(b);                       \
		if (t_a != t_b)                                                             \
			T_FAIL("%s:%d: %s == %lld, expected %s == %lld", __FILE__, __LINE__, #a, \
			       t_a, #b, t_b);                                               \
	} while (0)

#define CHECK_STR(a, b)                                                                     \
	do {                                                                                \
		const char *t_a = (a), *t_b = (b);                                          \
		if (!t_a || !t_b || strcmp(t_a, t_b))                                       \
			T_FAIL("%s:%d: %s == \"%s\", expected \"%s\"", __FILE__, __LINE__, #a, \
			       t_a ? t_a : "(null)", t_b ? t_b : "(null)");                   \
	} while (0)

#define CHECK_NEAR(a, b, eps)                                                               \
	do {                                                                                \
		double t_a = (a), t_b = (b);                                                \
		if (!(fabs(t_a - t_b) <= (eps)))                                            \
			T_FAIL("%s:%d: %s == %g, expected %g +- %g", __FILE__, __LINE__, #a, t_a, \
			       t_b, (double)(eps));                                         \
	} while (0)

#define TEST(name) static void name(void)

#define RUN(name)                                                                           \
	do {                                                                                \
		t_case_failed = 0;                                                          \
		name();                                                                     \
		if (t_case_failed) {                                                        \
			t_failed++;                                                         \
			printf("not ok - %s: %s\n", #name, t_first_failure);                \
		} else {                                                                    \
			t_passed++;                                                         \
			printf("ok - %s\n", #name);                                         \
		}                                                                           \
		fflush(stdout);                                                             \
	} while (0)

static inline int test_main_end(void)
{
	printf("%d passed, %d failed\n", t_passed, t_failed);
	return t_failed ? 1 : 0;
}

#endif
