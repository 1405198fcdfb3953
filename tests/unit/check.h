/* check.h — the unit tests' assertion: a failed CHECK says where and what, counts, and goes on;
 * main() returns non-zero when failures is not 0. One test program per file includes it. */
#ifndef MAILTAP_TEST_CHECK_H
#define MAILTAP_TEST_CHECK_H

#include <stdio.h>

static int failures;

static inline void check(int ok, const char *what, int line)
{
	if (!ok) {
		fprintf(stderr, "FAIL line %d: %s\n", line, what);
		failures++;
	}
}
#define CHECK(c) check(!!(c), #c, __LINE__)

#endif
