#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "inifile.h"

struct inifile_ctx {
	FILE		*fp;
	const char	*path;
	int		 line;
	int		 failed;
	inifile_key_cb	*cb;
	void		*arg;
	struct diag	*diag;
};

/* inih asks for one line at a time: count them as they are handed over. */
static char *
inifile_reader(char *buf, int size, void *stream)
{
	struct inifile_ctx *c = stream;
	char *s = fgets(buf, size, c->fp);

	if (s != NULL)
		c->line++;
	return s;
}

static int
inifile_handler(void *user, const char *section, const char *key,
    const char *value)
{
	struct inifile_ctx *c = user;

	if (c->cb(c->arg, c->path, c->line, section, key, value) != 0)
		c->failed = 1;
	return 1;	/* keep going: report every error, not the first */
}

int
inifile_parse(const char *path, inifile_key_cb *cb, void *arg,
    struct diag *d)
{
	struct inifile_ctx c = { .path = path, .cb = cb, .arg = arg,
	    .diag = d };
	int rc;

	ini_allow_multiline = false;
	if ((c.fp = fopen(path, "r")) == NULL) {
		diag_error(d, path, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	rc = ini_parse_stream(inifile_reader, &c, inifile_handler, &c);
	fclose(c.fp);
	if (rc > 0) {
		diag_error(d, path, rc, "not a section header or key = value");
		return -1;
	}
	if (rc < 0) {
		diag_error(d, path, 0, "cannot parse");
		return -1;
	}
	return c.failed ? -1 : 0;
}

int
ini_bool(struct diag *d, const char *file, int line, const char *key,
    const char *value, int *out)
{
	if (!strcmp(value, "yes") || !strcmp(value, "true") ||
	    !strcmp(value, "1") || !strcmp(value, "on")) {
		*out = 1;
		return 0;
	}
	if (!strcmp(value, "no") || !strcmp(value, "false") ||
	    !strcmp(value, "0") || !strcmp(value, "off")) {
		*out = 0;
		return 0;
	}
	diag_error(d, file, line, "%s: '%s' is not yes or no", key, value);
	return -1;
}

int
ini_long(struct diag *d, const char *file, int line, const char *key,
    const char *value, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (*value == '\0' || *end != '\0' || errno == ERANGE) {
		diag_error(d, file, line, "%s: '%s' is not a whole number",
		    key, value);
		return -1;
	}
	if (v < min || v > max) {
		diag_error(d, file, line, "%s: %ld is out of range %ld..%ld",
		    key, v, min, max);
		return -1;
	}
	*out = v;
	return 0;
}
