/*
 * A list of configuration errors, each with the file, the line and the
 * reason, so that --check-config can report every error at once rather
 * than stopping at the first.
 */
#ifndef HUSVAGT_DIAG_H
#define HUSVAGT_DIAG_H

#include <stdio.h>

struct diag {
	int	 count;		/* errors recorded */
	int	 quiet;		/* when set, do not print as they are added */
	FILE	*out;		/* where errors are printed; stderr when NULL */
	/* The first error, kept for a report that names one (a reload). */
	char	 first_file[256];
	int	 first_line;
	char	 first_msg[256];
};

/* Record (and print) "file:line: reason".  line 0 means the whole file. */
void diag_error(struct diag *, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
