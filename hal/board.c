/*
 * The board file parser.  Keys are read in any order and checked as they
 * come; whatever depends on several keys (a point's kind against its
 * backend's type, required wires, duplicate wires) is checked once the
 * whole file has been read, so that every error is reported with its line
 * and an installer fixes a board in one pass.
 */
#include <stdlib.h>
#include <string.h>

#include "board_parse.h"
#include "hal_backend.h"
#include "inifile.h"

const char *const board_pkeys[PK_N] = {
	"backend", "kind", "line", "coil", "input", "register", "active",
	"lock", "d0", "d1", "loop", "address",
};

/* The board keys of a backend type, from the HAL's table, or NULL. */
const struct board_keys *
board_keys_of(const char *type)
{
	const struct hal_backend_type *t;
	size_t i;

	for (i = 0; (t = hal_backend_type(i)) != NULL; i++)
		if (!strcmp(t->ops->type, type))
			return t->board;
	return NULL;
}

/* The index of key among a type's own keys, or -1. */
int
board_key_index(const struct board_keys *bk, const char *key)
{
	return board_lookup(bk->keys, bk->nkeys, key);
}

/* "sim, gpiod, modbus": the types a board may name. */
void
board_type_list(char *buf, size_t len)
{
	const struct hal_backend_type *t;
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; (t = hal_backend_type(i)) != NULL && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
		    t->ops->type);
}

/* The index of s in a table of n names, or -1. */
int
board_lookup(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (names[i] != NULL && !strcmp(names[i], s))
			return i;
	return -1;
}

/* The point playing role, or -1. */
int
board_point_find(const struct board *b, const char *role)
{
	int i;

	for (i = 0; i < b->npoints; i++)
		if (!strcmp(b->points[i].role, role))
			return i;
	return -1;
}

/* The backend called name, or -1. */
static int
board_backend_find(const struct board *b, const char *name)
{
	int i;

	for (i = 0; i < b->nbackends; i++)
		if (!strcmp(b->backends[i].name, name))
			return i;
	return -1;
}

/*
 * Role and backend names travel into MQTT topics and JSON, so they are kept
 * to letters, digits, '.', '-' and '_'.
 */
static int
board_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= BOARD_NAME_MAX)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == n;
}

/* Copy a text value into a fixed field, refusing what does not fit. */
int
board_str(struct board_parse *p, int line, const char *key,
    const char *value, char *dst, size_t len)
{
	size_t n = strlen(value);

	if (n == 0 || n >= len || strpbrk(value, " \t") != NULL) {
		diag_error(p->d, p->file, line, "%s: '%s' must be 1 to %zu "
		    "characters without spaces", key, value, len - 1);
		return -1;
	}
	memcpy(dst, value, n + 1);
	return 0;
}

/* A whole number within [min, max] into an int. */
int
board_int(struct board_parse *p, int line, const char *key,
    const char *value, long min, long max, int *dst)
{
	long v;

	if (ini_long(p->d, p->file, line, key, value, min, max, &v) != 0)
		return -1;
	*dst = (int)v;
	return 0;
}

/*
 * Whether a new section called name may be added: a good name, not yet
 * defined (first: the line of the one that is, or -1) and room for it.
 */
static int
board_new_ok(struct board_parse *p, const char *what, const char *name,
    int line, int first, int n, int max)
{
	if (!board_name_ok(name)) {
		diag_error(p->d, p->file, line, "%s '%s' must be letters, "
		    "digits, '.', '-' or '_'", what, name);
		return 0;
	}
	if (first >= 0) {
		diag_error(p->d, p->file, line, "%s '%s' is already defined "
		    "at line %d", what, name, first);
		return 0;
	}
	if (n == max) {
		diag_error(p->d, p->file, line, "more than %d %ss", max, what);
		return 0;
	}
	return 1;
}

/* Start a [backend NAME] section; -1 (keys ignored) when it cannot be. */
static int
board_backend_new(struct board_parse *p, const char *name, int line)
{
	struct board *b = p->b;
	struct board_backend *be;
	int i = board_backend_find(b, name);

	if (!board_new_ok(p, "backend", name, line,
	    i >= 0 ? b->backends[i].line : -1, b->nbackends,
	    BOARD_BACKENDS_MAX))
		return -1;
	be = &b->backends[b->nbackends];
	memset(be, 0, sizeof(*be));
	snprintf(be->name, sizeof(be->name), "%s", name);
	be->line = line;
	return b->nbackends++;
}

/* Start a [point ROLE] section; -1 (keys ignored) when it cannot be. */
static int
board_point_new(struct board_parse *p, const char *role, int line)
{
	struct board *b = p->b;
	struct board_point *pt;
	int i = board_point_find(b, role);

	if (!board_new_ok(p, "role", role, line,
	    i >= 0 ? b->points[i].line_no : -1, b->npoints, BOARD_POINTS_MAX))
		return -1;
	pt = &b->points[b->npoints];
	memset(pt, 0, sizeof(*pt));
	snprintf(pt->role, sizeof(pt->role), "%s", role);
	pt->backend = -1;
	pt->line_no = line;
	return b->npoints++;
}

/* The name after "backend " or "point " in a section title, or NULL. */
static const char *
board_section_arg(const char *section, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(section, word, n) != 0 || (section[n] != ' ' &&
	    section[n] != '\t'))
		return NULL;
	section += n;
	return section + strspn(section, " \t");
}

/* A new section begins with this key; line is its header's. */
static void
board_section_enter(struct board_parse *p, const char *section, int line)
{
	const char *arg;

	snprintf(p->section, sizeof(p->section), "%s", section);
	p->cur = -1;
	if (!strcmp(section, "board")) {
		p->sec = SEC_BOARD;
	} else if ((arg = board_section_arg(section, "backend")) != NULL) {
		p->cur = board_backend_new(p, arg, line);
		p->sec = p->cur >= 0 ? SEC_BACKEND : SEC_BAD;
	} else if ((arg = board_section_arg(section, "point")) != NULL) {
		p->cur = board_point_new(p, arg, line);
		p->sec = p->cur >= 0 ? SEC_POINT : SEC_BAD;
	} else {
		diag_error(p->d, p->file, line, "unknown section [%s] "
		    "(board, backend NAME, point ROLE)", section);
		p->sec = SEC_BAD;
	}
}

/* Remember where a key was set (*at); a second setting is an error. */
int
board_key_seen(struct board_parse *p, int *at, const char *key, int line)
{
	if (*at != 0) {
		diag_error(p->d, p->file, line, "%s: set twice in [%s] "
		    "(first at line %d)", key, p->section, *at);
		return -1;
	}
	*at = line;
	return 0;
}

/* The one key of [board]: its name. */
static int
board_board_key(struct board_parse *p, int line, const char *key,
    const char *value)
{
	if (strcmp(key, "name") != 0) {
		diag_error(p->d, p->file, line, "unknown key '%s' in [board]",
		    key);
		return -1;
	}
	if (board_key_seen(p, &p->name_line, key, line) != 0)
		return -1;
	if (!board_name_ok(value)) {
		diag_error(p->d, p->file, line, "name: '%s' must be letters, "
		    "digits, '.', '-' or '_'", value);
		return -1;
	}
	snprintf(p->b->name, sizeof(p->b->name), "%s", value);
	return 0;
}

/* Every key of the file, in order: find its section, then parse it. */
static int
board_on_key(void *arg, const char *file, int line, int section_line,
    const char *section, const char *key, const char *value)
{
	struct board_parse *p = arg;
	int k;

	(void)file;
	p->nkeys++;
	if (section[0] == '\0') {
		diag_error(p->d, p->file, line, "'%s' is outside a section",
		    key);
		return -1;
	}
	/* A section written twice in a row is two sections, not one. */
	if (section_line != p->section_line || p->sec == SEC_NONE) {
		p->section_line = section_line;
		board_section_enter(p, section, section_line);
	}
	switch (p->sec) {
	case SEC_BOARD:
		return board_board_key(p, line, key, value);
	case SEC_BACKEND:
		return board_backend_key(p, line, key, value);
	case SEC_POINT:
		k = board_lookup(board_pkeys, PK_N, key);
		if (k >= 0 && board_key_seen(p, &p->pline[p->cur][k], key,
		    line) != 0)
			return -1;
		return board_point_key(p, line, k, key, value);
	default:
		return -1;	/* already reported for the section */
	}
}

/* Resolve a point's backend by name; -1 when missing or unknown. */
static int
board_resolve(struct board_parse *p, int i)
{
	struct board_point *pt = &p->b->points[i];

	if (p->pline[i][PK_BACKEND] == 0) {
		diag_error(p->d, p->file, pt->line_no, "point '%s' has no "
		    "backend", pt->role);
		return -1;
	}
	pt->backend = board_backend_find(p->b, p->pbackend[i]);
	if (pt->backend < 0) {
		diag_error(p->d, p->file, p->pline[i][PK_BACKEND], "backend: "
		    "no [backend %s] in this file", p->pbackend[i]);
		return -1;
	}
	return 0;
}

/* The cross-key checks, run once every key of the file is known. */
static void
board_finish(struct board_parse *p)
{
	struct board *b = p->b;
	int i;

	for (i = 0; i < b->nbackends; i++)
		board_backend_check(p, i);
	for (i = 0; i < b->npoints; i++) {
		if (board_resolve(p, i) != 0)
			continue;
		if (!p->haskind[i]) {
			diag_error(p->d, p->file, b->points[i].line_no,
			    "point '%s' has no kind (input, output, "
			    "supervised, reader)", b->points[i].role);
			continue;
		}
		if (board_point_check(p, i) == 0)
			board_point_unique(p, i);
	}
	if (b->nbackends == 0)
		diag_error(p->d, p->file, 0, "no [backend NAME] section");
	if (b->npoints == 0)
		diag_error(p->d, p->file, 0, "no [point ROLE] section");
}

/*
 * Parse a board file into *b.  Every error is reported to diag with
 * file:line and reason; returns 0 when there were none, -1 otherwise.
 */
int
board_load(struct board *b, const char *path, struct diag *d)
{
	struct board_parse *p;
	int before = d->count;

	memset(b, 0, sizeof(*b));
	snprintf(b->path, sizeof(b->path), "%s", path);
	if (strlen(path) >= sizeof(b->path)) {
		diag_error(d, path, 0, "path is too long");
		return -1;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		diag_error(d, path, 0, "out of memory");
		return -1;
	}
	p->b = b;
	p->d = d;
	p->file = b->path;
	p->sec = SEC_NONE;
	/* Cross-key checks on a file that could not be read would only add
	 * noise to the one error that matters. */
	if (inifile_parse(path, board_on_key, p, d) == 0 || p->nkeys > 0)
		board_finish(p);
	free(p);
	return d->count == before ? 0 : -1;
}
