#include <stdarg.h>
#include <string.h>

#include "diag.h"

void
diag_error(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	FILE *out = d->out != NULL ? d->out : stderr;
	va_list ap;

	if (d->count++ == 0) {
		snprintf(d->first_file, sizeof(d->first_file), "%s", file);
		d->first_line = line;
		va_start(ap, fmt);
		vsnprintf(d->first_msg, sizeof(d->first_msg), fmt, ap);
		va_end(ap);
	}
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
