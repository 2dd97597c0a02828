#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *log_prog = "husvagt";
static enum log_level log_level = LOG_LVL_INFO;

void
log_init(const char *progname, enum log_level level)
{
	log_prog = progname;
	log_level = level;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

/* Write one line; errno_text is NULL when the caller wants no errno. */
static void
log_vline(enum log_level level, const char *errno_text, const char *fmt,
    va_list ap)
{
	static const char *tag[] = { "error", "warning", "info", "debug" };

	if (level > log_level)
		return;
	fprintf(stderr, "%s: %s: ", log_prog, tag[level]);
	vfprintf(stderr, fmt, ap);
	if (errno_text != NULL)
		fprintf(stderr, ": %s", errno_text);
	fputc('\n', stderr);
	fflush(stderr);
}

void
log_at(enum log_level level, int with_errno, const char *fmt, ...)
{
	const char *e = with_errno ? strerror(errno) : NULL;
	va_list ap;

	va_start(ap, fmt);
	log_vline(level, e, fmt, ap);
	va_end(ap);
}

void
log_fatal(int with_errno, const char *fmt, ...)
{
	const char *e = with_errno ? strerror(errno) : NULL;
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LVL_ERR, e, fmt, ap);
	va_end(ap);
	exit(1);
}
