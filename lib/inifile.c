#include <ctype.h>
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
	int		 section_line;	/* of the last section header */
	int		 failed;
	inifile_key_cb	*cb;
	void		*arg;
	struct diag	*diag;
};

enum inifile_line { INIFILE_BAD, INIFILE_OTHER, INIFILE_HEADER };

/*
 * What inih will make of this line: blank, a comment, a [section] or a
 * key = value (or key: value), by inih's own rules (an inline comment is
 * a ';' after a space), or a line it refuses.  Keeping the test here lets
 * every bad line be reported, where inih only returns the first, and
 * gives the line of each section header, which inih does not hand over.
 */
static enum inifile_line
inifile_classify(const char *s)
{
	const char *want = "=:";
	int was_space = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == ';' || *s == '#')
		return INIFILE_OTHER;
	if (*s == '[') {
		want = "]";
		s++;
	}
	for (; *s != '\0' && strchr(want, *s) == NULL; s++) {
		if (was_space && *s == ';')
			return INIFILE_BAD;
		was_space = isspace((unsigned char)*s);
	}
	if (*s == '\0')
		return INIFILE_BAD;
	return *s == ']' ? INIFILE_HEADER : INIFILE_OTHER;
}

/*
 * inih asks for one line at a time: count them as they are handed over,
 * and note where each section starts.  A line longer than inih's buffer
 * would come in pieces, each counted as a line and the first silently cut
 * short; such a line, and any line inih would refuse, is reported here
 * with its number and handed over empty.
 */
static char *
inifile_reader(char *buf, int size, void *stream)
{
	struct inifile_ctx *c = stream;
	const char *s = buf;
	size_t n;
	int ch;

	if (fgets(buf, size, c->fp) == NULL)
		return NULL;
	n = strlen(buf);
	if (++c->line == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
		s += 3;		/* a UTF-8 byte order mark, which inih skips */
	if (n > 0 && buf[n - 1] != '\n' && !feof(c->fp)) {
		while ((ch = getc(c->fp)) != EOF && ch != '\n')
			;
		diag_error(c->diag, c->path, c->line, "line is longer than "
		    "%d characters", size - 2);
		c->failed = 1;
		buf[0] = '\0';
		return buf;
	}
	switch (inifile_classify(s)) {
	case INIFILE_BAD:
		diag_error(c->diag, c->path, c->line, "not a section header "
		    "or key = value");
		c->failed = 1;
		buf[0] = '\0';
		break;
	case INIFILE_HEADER:
		c->section_line = c->line;
		break;
	case INIFILE_OTHER:
		break;
	}
	return buf;
}

static int
inifile_handler(void *user, const char *section, const char *key,
    const char *value)
{
	struct inifile_ctx *c = user;

	if (c->cb(c->arg, c->path, c->line, c->section_line, section, key,
	    value) != 0)
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
