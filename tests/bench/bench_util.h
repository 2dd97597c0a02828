/*
 * Helpers the benches share: a fine clock, nearest-rank percentiles,
 * option parsing, the command line echoed above the figures, and a scratch
 * folder (removed again with tmpdir_remove from tests/unit/tmpdir.h).  The
 * Makefile builds each bench from its own .c file alone, so the shared code
 * lives here as static inline functions (a bench need not use them all)
 * rather than in an object of its own.
 */
#ifndef HUSVAGT_BENCH_UTIL_H
#define HUSVAGT_BENCH_UTIL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../unit/tmpdir.h"

/* CLOCK_MONOTONIC in ns: finer than clock.h's, for sub-ms figures. */
static inline uint64_t
bench_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* qsort comparison of two uint64_t. */
static inline int
bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile p (0..100) of sorted ns values v, in ms. */
static inline double
bench_pct(const uint64_t *v, long n, double p)
{
	long k = (long)(p / 100.0 * (double)n + 0.999999);

	if (k < 1)
		k = 1;
	return (double)v[k - 1] / 1e6;
}

/* Print "usage: " and synopsis to stderr; returns main's exit status, 2. */
static inline int
bench_usage(const char *synopsis)
{
	fprintf(stderr, "usage: %s\n", synopsis);
	return 2;
}

/* A positive long from s (an option's argument), or -1. */
static inline long
bench_long(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno != 0 || *end != '\0' || v < 1 ? -1 : v;
}

/* "command: argv[0] argv[1] ...", without the newline. */
static inline void
bench_command(int argc, char **argv)
{
	int i;

	printf("command:");
	for (i = 0; i < argc; i++)
		printf(" %s", argv[i]);
}

/* Make a new empty folder dir (size bytes) under $TMPDIR or /tmp; 0 or -1. */
static inline int
bench_mkdtemp(char *dir, size_t size)
{
	const char *base = getenv("TMPDIR");

	snprintf(dir, size, "%s/husvagt-bench-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("bench: mkdtemp");
		return -1;
	}
	return 0;
}

#endif
