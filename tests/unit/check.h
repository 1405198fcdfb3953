/* check.h — the unit tests' assertion: a failed CHECK says where and what, counts, and goes on;
 * main() returns non-zero when failures is not 0. One test program per file includes it. */
#ifndef MAILTAP_TEST_CHECK_H
#define MAILTAP_TEST_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int failures;

static inline void check(int ok, const char *what, int line)
{
	if (!ok) {
		fprintf(stderr, "FAIL line %d: %s\n", line, what);
		failures++;
	}
}
#define CHECK(c) check(!!(c), #c, __LINE__)

/* A guard-page buffer: cap bytes (a multiple of the page size) right before a PROT_NONE page, so
 * a parser reading past its input faults. Exits the test program when it cannot be mapped; never
 * freed (the program's lifetime). */
static inline uint8_t *guard_alloc(size_t cap)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *base = mmap(NULL, cap + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     -1, 0);

	if (base == MAP_FAILED || mprotect(base + cap, page, PROT_NONE) != 0) {
		perror("guard page");
		exit(2);
	}
	return base;
}

/* p[0..n) copied to end right at the guard page of base (from guard_alloc(cap)); n <= cap.
 * Returns the copy, valid until the next guard_put. */
static inline uint8_t *guard_put(uint8_t *base, size_t cap, const uint8_t *p, size_t n)
{
	uint8_t *dst = base + cap - n;

	memmove(dst, p, n);
	return dst;
}

#endif
