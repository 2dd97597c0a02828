/*
 * husvagtctl's presentation of replies: JSON, tables of rows, fields of
 * an object, and the commands that follow up on a reply (enrol by
 * presenting, journal tail, export, verify).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl.h"

/* Print result as indented JSON for --json; returns CTL_OK. */
int
ctl_json(const json_t *result)
{
	json_dumpf(result, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	return CTL_OK;
}

/*
 * A JSON value as table text: strings bare ("-" when empty or absent),
 * booleans yes/no, an empty array "none", anything else compact JSON in
 * buf.
 */
const char *
ctl_cell(const json_t *v, char *buf, size_t len)
{
	size_t n;

	if (v == NULL || json_is_null(v) || (json_is_string(v) &&
	    json_string_length(v) == 0))
		return "-";
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	if (json_is_array(v) && json_array_size(v) == 0)
		return "none";
	n = json_dumpb(v, buf, len - 1, JSON_COMPACT | JSON_ENCODE_ANY);
	if (n == 0 || n > len - 1)
		return "...";
	buf[n] = '\0';
	return buf;
}

/* Columns on screen: UTF-8 continuation bytes take none. */
int
ctl_width(const char *s)
{
	int w = 0;

	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/*
 * Print an array of objects as an aligned table: the columns are the
 * first row's keys in the daemon's order, headed by their names.
 */
void
ctl_table(const json_t *rows)
{
	json_t *first = json_array_get(rows, 0), *all, *row, *v;
	size_t ncol = json_object_size(first), r, k;
	int w[CTL_COLS_MAX] = { 0 }, pass;
	const char *key, *s;
	char buf[256];

	if (!json_is_object(first) || ncol > CTL_COLS_MAX) {
		printf("(none)\n");
		return;
	}
	all = json_array();
	json_array_append_new(all, row = json_object());
	json_object_foreach(first, key, v)
		json_object_set_new(row, key, json_string(key));
	json_array_extend(all, (json_t *)rows);
	for (pass = 0; pass < 2; pass++) {
		json_array_foreach(all, r, row) {
			k = 0;
			json_object_foreach(first, key, v) {
				s = ctl_cell(json_object_get(row, key), buf,
				    sizeof(buf));
				if (pass == 0 && ctl_width(s) > w[k])
					w[k] = ctl_width(s);
				else if (pass == 1)
					printf("%s%*s", s, k + 1 < ncol ?
					    w[k] - ctl_width(s) + 2 : 0, "");
				k++;
			}
			if (pass == 1)
				putchar('\n');
		}
	}
	json_decref(all);
}

/* Whether v prints as a table: an array of objects. */
static bool
ctl_is_table(const json_t *v)
{
	return json_is_object(json_array_get(v, 0));
}

/* Print the other members of an object as aligned "key  value" lines. */
static void
ctl_fields(const json_t *obj)
{
	const char *key;
	char buf[256];
	json_t *v;
	int w = 0;

	json_object_foreach((json_t *)obj, key, v) {
		if (!ctl_is_table(v) && ctl_width(key) > w)
			w = ctl_width(key);
	}
	json_object_foreach((json_t *)obj, key, v) {
		if (ctl_is_table(v))
			continue;
		printf("%s%*s  %s\n", key, w - ctl_width(key), "",
		    ctl_cell(v, buf, sizeof(buf)));
	}
}

/*
 * Any result: its fields, then each table under its name; a result that
 * is one table is just the table.
 */
int
ctl_show_any(struct ctl *c, struct ctl_args *a, json_t *result)
{
	const char *key;
	json_t *v;
	bool alone = json_object_size(result) == 1;

	(void)a;
	if (c->json)
		return ctl_json(result);
	ctl_fields(result);
	json_object_foreach(result, key, v) {
		if (!ctl_is_table(v))
			continue;
		if (!alone)
			printf("\n%s:\n", key);
		ctl_table(v);
	}
	return CTL_OK;
}

/*
 * status: the site's fields, then its doors as phase, lock and contact
 * rather than the daemon's booleans.
 */
int
ctl_show_status(struct ctl *c, struct ctl_args *a, json_t *r)
{
	json_t *doors, *d;
	size_t i;

	if (c->json)
		return ctl_json(r);
	doors = json_array();
	json_array_foreach(json_object_get(r, "doors"), i, d) {
		json_array_append_new(doors, json_pack("{s:O?, s:O?, s:s, s:s, "
		    "s:b, s:b}", "door", json_object_get(d, "name"), "phase",
		    json_object_get(d, "phase"), "lock", json_is_true(
		    json_object_get(d, "released")) ? "released" : "locked",
		    "contact", json_is_true(json_object_get(d, "open")) ?
		    "open" : "closed", "hold", json_is_true(json_object_get(d,
		    "hold")), "fault", json_is_true(json_object_get(d, "fault"))));
	}
	json_object_set_new(r, "doors", doors);
	return ctl_show_any(c, a, r);
}

/* Sleep ms milliseconds. */
static void
ctl_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Wait at the reader until the daemon has enrolled a chip, given up, or
 * failed; the daemon owns the timeout, the loop only asks.
 */
static int
ctl_enrol_wait(struct ctl *c, const char *reader)
{
	json_t *st = NULL;
	const char *state;
	int rc;

	printf("present the chip at %s...\n", reader);
	fflush(stdout);
	for (;;) {
		ctl_sleep_ms(200);
		json_decref(st);
		if ((st = ctl_call(c, "chip.enrol_status",
		    json_pack("{s:s}", "reader", reader))) == NULL)
			return CTL_FAILED;
		state = json_string_value(json_object_get(st, "state")) ?: "";
		if (strcmp(state, "waiting"))
			break;
	}
	if (c->json)
		ctl_json(st);
	else if (!strcmp(state, "enrolled"))
		printf("enrolled credential %lld\n", (long long)
		    json_integer_value(json_object_get(st, "id")));
	if (strcmp(state, "enrolled"))
		rc = ctl_fail("chip not enrolled at %s: %s%s%s", reader, state,
		    json_object_get(st, "error") ? ", " : "", json_string_value(
		    json_object_get(st, "error")) ?: "");
	else
		rc = CTL_OK;
	json_decref(st);
	return rc;
}

/* chip enrol: the new id, or the wait at the reader. */
int
ctl_show_enrol(struct ctl *c, struct ctl_args *a, json_t *r)
{
	if (json_is_true(json_object_get(r, "armed")))
		return ctl_enrol_wait(c, ctl_opt(a, "--reader"));
	if (c->json)
		return ctl_json(r);
	printf("enrolled credential %lld\n", (long long)json_integer_value(
	    json_object_get(r, "id")));
	return CTL_OK;
}

/* Print journal rows, one a line; returns the last seq printed. */
static long long
ctl_rows(struct ctl *c, const json_t *rows, long long last)
{
	const char *pt, *subj;
	json_t *row;
	char *detail;
	size_t i;

	json_array_foreach(rows, i, row) {
		last = json_integer_value(json_object_get(row, "seq"));
		if (c->json) {
			json_dumpf(row, stdout, JSON_COMPACT);
			putchar('\n');
			continue;
		}
		pt = json_string_value(json_object_get(row, "point"));
		subj = json_string_value(json_object_get(row, "subject"));
		detail = json_dumps(json_object_get(row, "detail"),
		    JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%lld %s %s %s %s %s %s\n", last, json_string_value(
		    json_object_get(row, "time")) ?: "-", json_string_value(
		    json_object_get(row, "type")) ?: "-", pt && *pt ? pt : "-",
		    json_string_value(json_object_get(row, "actor")) ?: "-",
		    subj && *subj ? subj : "-", detail ? detail : "{}");
		free(detail);
	}
	fflush(stdout);
	return last;
}

/* journal tail: the rows, then with -f every new row until interrupted. */
int
ctl_show_tail(struct ctl *c, struct ctl_args *a, json_t *r)
{
	json_t *rows = json_object_get(r, "rows"), *more = NULL;
	long long last;

	if (ctl_opt(a, "-f") == NULL && c->json)
		return ctl_json(r);
	last = ctl_rows(c, rows, 0);
	if (ctl_opt(a, "-f") == NULL)
		return CTL_OK;
	for (;;) {
		if (json_array_size(rows) < 500)
			ctl_sleep_ms(500);
		json_decref(more);
		if ((more = ctl_call(c, "journal.rows", json_pack("{s:I, s:i}",
		    "after", (json_int_t)last, "limit", 500))) == NULL)
			return CTL_FAILED;
		rows = json_object_get(more, "rows");
		last = ctl_rows(c, rows, last);
	}
}

/*
 * Create path for an export, readable by its owner only, whatever the
 * umask.  An existing file is kept unless force; a forced one is
 * truncated and narrowed to its owner, never widened.
 */
static FILE *
ctl_export_file(const char *path, bool force)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
	    (force ? O_TRUNC : O_EXCL), 0600);
	struct stat st;
	FILE *f;

	if (fd == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || fchmod(fd, st.st_mode & 0600) == -1 ||
	    (f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return NULL;
	}
	return f;
}

/* journal export: the data verbatim, to -o FILE or standard output. */
int
ctl_show_export(struct ctl *c, struct ctl_args *a, json_t *r)
{
	const json_t *data = json_object_get(r, "data");
	const char *path = ctl_opt(a, "-o");
	FILE *out = stdout;

	if (c->json && path == NULL)
		return ctl_json(r);
	if (!json_is_string(data))
		return ctl_fail("husvagtd sent an export without data");
	if (path != NULL && (out = ctl_export_file(path,
	    ctl_opt(a, "--force") != NULL)) == NULL)
		return ctl_fail("%s: %s%s", path, strerror(errno), errno ==
		    EEXIST ? " (--force to overwrite it)" : "");
	fwrite(json_string_value(data), 1, json_string_length(data), out);
	if ((out == stdout ? fflush(out) : fclose(out)) != 0 || ferror(stdout))
		return ctl_fail("%s: %s", path ? path : "standard output",
		    strerror(errno));
	if (path != NULL)
		printf("%lld rows written to %s\n", (long long)
		    json_integer_value(json_object_get(r, "rows")), path);
	return CTL_OK;
}

/* journal verify: intact, or where the chain breaks (exit 1). */
int
ctl_show_verify(struct ctl *c, struct ctl_args *a, json_t *r)
{
	bool ok = json_is_true(json_object_get(r, "ok"));

	(void)a;
	if (c->json)
		ctl_json(r);
	else if (ok)
		printf("journal intact: %lld rows checked\n", (long long)
		    json_integer_value(json_object_get(r, "rows")));
	if (ok)
		return CTL_OK;
	return ctl_fail("journal broken at seq %lld: %s", (long long)
	    json_integer_value(json_object_get(r, "bad_seq")),
	    json_string_value(json_object_get(r, "reason")) ?: "?");
}
