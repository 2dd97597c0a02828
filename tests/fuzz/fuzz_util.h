/*
 * What the fuzz targets share.  The file parsers take a path, so an input
 * is handed to them as a file: a memfd, rewritten for each input and
 * opened again through /proc/self/fd, which costs no disk and leaves
 * nothing behind.
 */
#ifndef HUSVAGT_FUZZ_UTIL_H
#define HUSVAGT_FUZZ_UTIL_H

#include <sys/mman.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int LLVMFuzzerInitialize(int *, char ***);

/* A path whose file now holds exactly the n bytes at data. */
static inline const char *
fuzz_file(const uint8_t *data, size_t n)
{
	static char path[64];
	static int fd = -1;

	if (fd == -1) {
		if ((fd = memfd_create("fuzz", 0)) == -1)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1 ||
	    (n > 0 && pwrite(fd, data, n, 0) != (ssize_t)n))
		abort();
	return path;
}

/* A NUL-terminated copy of the n bytes at data (free it). */
static inline char *
fuzz_str(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/* Take one byte off the front of the input; 0 when it is used up. */
static inline uint8_t
fuzz_byte(const uint8_t **data, size_t *n)
{
	uint8_t b;

	if (*n == 0)
		return 0;
	b = **data;
	(*data)++;
	(*n)--;
	return b;
}

#endif
