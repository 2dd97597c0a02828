#include <stdarg.h>

#include "diag.h"

void
diag_error(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	FILE *out = d->out != NULL ? d->out : stderr;
	va_list ap;

	d->count++;
	if (d->quiet)
		return;
	if (line > 0)
		fprintf(out, "%s:%d: ", file, line);
	else
		fprintf(out, "%s: ", file);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}
