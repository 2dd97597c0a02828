/*
 * husvagtctl report safety: the daemon's safety report (report.safety)
 * for management, as aligned tables, one CSV document or one HTML page
 * (ctl_safety_html.c), on standard output or written to -o FILE.  The
 * daemon sends UTC times and seconds; people read the site's local time
 * and minutes, so the sections are made here, once, for every format.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_safety.h"
#include "report_safety.h"

/* Shaped like YYYY-MM-DD; the daemon knows the calendar and says
 * which day does not exist. */
static bool
safety_date_shape(const char *s)
{
	static const char shape[] = "dddd-dd-dd";
	size_t i;

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != '-')
			return false;
	return true;
}

/* --from and --to look like dates, --format is known, -o names a file. */
int
ctl_check_safety(struct ctl_args *a, json_t *args)
{
	static const char *const which[] = { "--from", "--to" };
	const char *fmt = ctl_opt(a, "--format"), *v, *o = ctl_opt(a, "-o");
	size_t i;

	(void)args;
	for (i = 0; i < 2; i++) {
		if ((v = ctl_opt(a, which[i])) == NULL)
			return ctl_bad(a, "%s YYYY-MM-DD is required",
			    which[i]);
		if (!safety_date_shape(v))
			return ctl_bad(a, "%s: '%s' is not a date YYYY-MM-DD",
			    which[i], v);
	}
	if (fmt != NULL && strcmp(fmt, "table") && strcmp(fmt, "csv") &&
	    strcmp(fmt, "html"))
		return ctl_bad(a, "--format: '%s' is not table, csv or html",
		    fmt);
	if (o != NULL && *o == '\0')
		return ctl_bad(a, "-o: the file name is empty");
	return 0;
}

const char *
safety_local(const char *iso, char *buf, size_t len)
{
	struct tm tm;
	int64_t secs;
	time_t t;

	if (iso == NULL || report_utc_secs(iso, &secs) == -1)
		return "-";
	t = (time_t)secs;
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M", &tm) == 0)
		return "-";
	return buf;
}

const char *
safety_minutes(const json_t *secs, char *buf, size_t len)
{
	if (!json_is_integer(secs))
		return "-";
	snprintf(buf, len, "%.1f", (double)json_integer_value(secs) / 60.0);
	return buf;
}

/* A new section: its place, its title and its column headings. */
static json_t *
safety_section(json_t *all, const char *id, const char *group,
    const char *title, const char *empty, const char *cols)
{
	json_t *s, *c = json_array();
	const char *p, *bar;

	for (p = cols; *p != '\0'; p = *bar ? bar + 1 : bar) {
		bar = p + strcspn(p, "|");
		json_array_append_new(c, json_stringn(p, (size_t)(bar - p)));
	}
	s = json_pack("{s:s, s:s, s:s, s:o, s:[], s:s}", "id", id, "group",
	    group, "title", title, "columns", c, "rows", "empty", empty);
	json_array_append_new(all, s);
	return json_object_get(s, "rows");
}

/* Append a row of n text cells (NULL or empty: "-"). */
static void
safety_row(json_t *rows, int n, ...)
{
	json_t *row = json_array();
	const char *s;
	va_list ap;

	va_start(ap, n);
	while (n-- > 0) {
		s = va_arg(ap, const char *);
		json_array_append_new(row, json_string(s != NULL && *s ?
		    s : "-"));
	}
	va_end(ap);
	json_array_append_new(rows, row);
}

const char *
safety_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A whole number member as text into buf. */
static const char *
safety_int(const json_t *o, const char *key, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", (long long)json_integer_value(
	    json_object_get(o, key)));
	return buf;
}

static void
safety_summary(json_t *all, const json_t *r)
{
	static const struct { const char *key, *text; } fig[] = {
		{ "drills", "Evacuation drills" },
		{ "fires", "Fire evacuations" },
		{ "alarms", "Alarms" },
		{ "unacknowledged_alarms", "Alarms never acknowledged" },
		{ "forced_doors", "Doors forced open" },
		{ "held_doors", "Doors held open too long" },
		{ "lockdowns", "Lockdowns" },
		{ "refused_visitors", "Visitors refused" },
		{ "overrides", "Visitors admitted against a rule" },
	};
	const json_t *sum = json_object_get(r, "summary");
	json_t *rows = safety_section(all, "summary", "Summary", "Summary",
	    "", "figure|count");
	char n[32];
	size_t i;

	for (i = 0; i < sizeof(fig) / sizeof(fig[0]); i++)
		safety_row(rows, 2, fig[i].text, safety_int(sum, fig[i].key,
		    n, sizeof(n)));
}

/* Who was found last: "room:101 after 12.5 min" or "staff:anna
 * (still missing)". */
static const char *
safety_found_last(const json_t *m, char *buf, size_t len)
{
	char min[32];

	if (!json_is_object(m))
		return "-";
	if (json_is_true(json_object_get(m, "still_missing")))
		snprintf(buf, len, "%s (still missing)", safety_str(m, "who"));
	else
		snprintf(buf, len, "%s after %s min", safety_str(m, "who"),
		    safety_minutes(json_object_get(m, "seconds"), min,
		    sizeof(min)));
	return buf;
}

static void
safety_evacuations(json_t *all, const json_t *r)
{
	json_t *rows = safety_section(all, "evacuations",
	    "Evacuations and drills", "Evacuations and drills",
	    "No evacuation or drill in the period.", "kind|started|"
	    "all-clear|minutes to all-clear|missing longest|to account for|"
	    "never accounted for"), *e;
	char t1[32], t2[32], m[32], who[128], n1[32], n2[32];
	size_t i;

	json_array_foreach(json_object_get(r, "evacuations"), i, e)
		safety_row(rows, 7, safety_str(e, "kind"),
		    safety_local(safety_str(e, "started"), t1, sizeof(t1)),
		    safety_local(safety_str(e, "all_clear"), t2, sizeof(t2)),
		    safety_minutes(json_object_get(e, "seconds_to_all_clear"),
		    m, sizeof(m)), safety_found_last(json_object_get(e,
		    "missing_longest"), who, sizeof(who)),
		    safety_int(e, "items", n1, sizeof(n1)),
		    safety_int(e, "unaccounted", n2, sizeof(n2)));
}

static void
safety_alarm_classes(json_t *all, const json_t *al)
{
	json_t *rows = safety_section(all, "alarms_by_class", "Alarms",
	    "Alarms by class", "No alarm in the period.", "class|alarms|"
	    "never acknowledged|median minutes to acknowledge|"
	    "longest minutes to acknowledge"), *c;
	char n1[32], n2[32], m1[32], m2[32];
	size_t i;

	json_array_foreach(json_object_get(al, "by_class"), i, c)
		safety_row(rows, 5, safety_str(c, "class"),
		    safety_int(c, "count", n1, sizeof(n1)),
		    safety_int(c, "unacknowledged", n2, sizeof(n2)),
		    safety_minutes(json_object_get(c, "median_ack_seconds"),
		    m1, sizeof(m1)),
		    safety_minutes(json_object_get(c, "longest_ack_seconds"),
		    m2, sizeof(m2)));
}

/* Two columns of name and count from [{key, count}]. */
static void
safety_counts(json_t *all, const char *id, const char *group,
    const char *title, const char *empty, const char *cols,
    const json_t *a, const char *key)
{
	json_t *rows = safety_section(all, id, group, title, empty, cols), *v;
	char n[32];
	size_t i;

	json_array_foreach(a, i, v)
		safety_row(rows, 2, safety_str(v, key), safety_int(v, "count",
		    n, sizeof(n)));
}

static void
safety_alarm_list(json_t *all, const json_t *al)
{
	json_t *rows = safety_section(all, "alarm_list", "Alarms",
	    "Every alarm", "No alarm in the period.", "alarm|class|"
	    "door or point|raised|acknowledged|by|minutes to acknowledge"), *a;
	char id[32], t1[32], t2[32], m[32], note[160];
	size_t i;
	json_int_t left = json_integer_value(json_object_get(al,
	    "list_omitted"));

	json_array_foreach(json_object_get(al, "list"), i, a)
		safety_row(rows, 7, safety_int(a, "id", id, sizeof(id)),
		    safety_str(a, "class"), safety_str(a, "point"),
		    safety_local(safety_str(a, "raised"), t1, sizeof(t1)),
		    safety_local(safety_str(a, "acked"), t2, sizeof(t2)),
		    safety_str(a, "acked_by"), safety_minutes(
		    json_object_get(a, "ack_seconds"), m, sizeof(m)));
	if (left > 0) {
		snprintf(note, sizeof(note), "%lld later alarms are counted "
		    "above but not listed; narrow the period to see them.",
		    (long long)left);
		json_object_set_new(json_array_get(all, json_array_size(all) -
		    1), "note", json_string(note));
	}
}

static void
safety_weeks(json_t *all, const json_t *r)
{
	json_t *rows = safety_section(all, "alarms_per_week", "Alarms",
	    "Alarms per week", "", "week|from Monday|alarms"), *w;
	char n[32];
	size_t i;

	json_array_foreach(json_object_get(r, "alarms_per_week"), i, w)
		safety_row(rows, 3, safety_str(w, "week"),
		    safety_str(w, "monday"), safety_int(w, "count", n,
		    sizeof(n)));
}

static void
safety_lockdowns(json_t *all, const json_t *r)
{
	json_t *rows = safety_section(all, "lockdowns", "Lockdowns",
	    "Lockdowns", "No lockdown in the period.", "started|lifted|"
	    "minutes|cause|from|by|lifted by"), *l;
	char t1[32], t2[32], m[32];
	size_t i;

	json_array_foreach(json_object_get(r, "lockdowns"), i, l)
		safety_row(rows, 7, safety_local(safety_str(l, "started"), t1,
		    sizeof(t1)), json_is_string(json_object_get(l, "ended")) ?
		    safety_local(safety_str(l, "ended"), t2, sizeof(t2)) :
		    "still on", safety_minutes(json_object_get(l, "seconds"),
		    m, sizeof(m)), safety_str(l, "cause"),
		    safety_str(l, "point"), safety_str(l, "actor"),
		    safety_str(l, "lifted_by"));
}

/* The JSON array of rule codes as "a, b". */
static const char *
safety_codes(const json_t *a, char *buf, size_t len)
{
	size_t i, off = 0;
	json_t *v;

	buf[0] = '\0';
	json_array_foreach(a, i, v)
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
			    i ? ", " : "", json_string_value(v) ?: "?");
	return buf;
}

static void
safety_overrides(json_t *all, const json_t *r)
{
	json_t *rows = safety_section(all, "overrides", "Visitors",
	    "Visitors admitted against a rule", "No override in the period.",
	    "time|visit|door|staff|rules overridden|reason given"), *o;
	char t[32], codes[256];
	size_t i;

	json_array_foreach(json_object_get(r, "overrides"), i, o)
		safety_row(rows, 6, safety_local(safety_str(o, "time"), t,
		    sizeof(t)), safety_str(o, "visit"), safety_str(o, "door"),
		    safety_str(o, "actor"), safety_codes(json_object_get(o,
		    "reasons"), codes, sizeof(codes)),
		    json_is_true(json_object_get(o, "override_reason_erased")) ?
		    "erased" : safety_str(o, "override_reason"));
}

json_t *
safety_sections(const json_t *r)
{
	const json_t *al = json_object_get(r, "alarms");
	const json_t *doors = json_object_get(r, "doors");
	json_t *all = json_array();

	safety_summary(all, r);
	safety_evacuations(all, r);
	safety_alarm_classes(all, al);
	safety_counts(all, "alarms_by_door", "Alarms", "Alarms by door or "
	    "point", "No alarm in the period.", "door or point|alarms",
	    json_object_get(al, "by_door"), "point");
	safety_weeks(all, r);
	safety_alarm_list(all, al);
	safety_counts(all, "doors_forced", "Doors", "Doors forced open",
	    "No door was forced open.", "door|times",
	    json_object_get(doors, "forced"), "door");
	safety_counts(all, "doors_held", "Doors", "Doors held open too long",
	    "No door was held open too long.", "door|times",
	    json_object_get(doors, "held"), "door");
	safety_lockdowns(all, r);
	safety_counts(all, "refused_visitors", "Visitors", "Visitors refused, "
	    "by reason", "No visitor was refused.", "reason|refusals",
	    json_object_get(r, "refused_visitors"), "reason");
	safety_overrides(all, r);
	return all;
}

/* A temporary file beside path, readable by its owner only: the report
 * holds the reasons staff wrote for overrides. */
static FILE *
safety_tmp(const char *path, char *tmp, size_t len)
{
	FILE *f;
	int fd;

	if ((size_t)snprintf(tmp, len, "%s.XXXXXX", path) >= len) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1)
		return NULL;
	if (fchmod(fd, 0600) == -1 || (f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		return NULL;
	}
	return f;
}

/* Finish the temporary file and put it in place, over an existing file
 * only when force; -1 (removed) on error. */
static int
safety_commit(FILE *f, const char *tmp, const char *path, bool force)
{
	int err = ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0;

	err |= fclose(f) != 0;
	if (err || (force ? rename(tmp, path) : link(tmp, path)) == -1) {
		err = errno;
		unlink(tmp);
		errno = err;
		return -1;
	}
	if (!force)
		unlink(tmp);
	return 0;
}

/* The report in its format to out. */
static void
safety_print(struct ctl *c, const char *fmt, const json_t *r, FILE *out)
{
	json_t *sections;

	if (c->json) {
		json_dumpf(r, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', out);
		return;
	}
	sections = safety_sections(r);
	if (!strcmp(fmt, "csv"))
		safety_csv(out, r, sections);
	else if (!strcmp(fmt, "html"))
		safety_html(out, r, sections);
	else
		safety_table(out, r, sections);
	json_decref(sections);
}

int
ctl_show_safety(struct ctl *c, struct ctl_args *a, json_t *r)
{
	const char *fmt = ctl_opt(a, "--format") ?: "table";
	const char *path = ctl_opt(a, "-o"), *tz = safety_str(r, "timezone");
	char tmp[4096];
	FILE *out = stdout;

	/* The site's local time, whatever this shell's time zone. */
	if (tz != NULL && *tz != '\0') {
		setenv("TZ", tz, 1);
		tzset();
	}
	if (path != NULL && (out = safety_tmp(path, tmp, sizeof(tmp))) == NULL)
		return ctl_fail("%s: %s", path, strerror(errno));
	safety_print(c, fmt, r, out);
	if (path == NULL)
		return fflush(stdout) == 0 && !ferror(stdout) ? CTL_OK :
		    ctl_fail("standard output: %s", strerror(errno));
	if (safety_commit(out, tmp, path, ctl_opt(a, "--force") != NULL) == -1)
		return ctl_fail("%s: %s%s", path, strerror(errno), errno ==
		    EEXIST ? " (--force to overwrite it)" : "");
	printf("safety report (%s) written to %s\n", c->json ? "json" : fmt,
	    path);
	return CTL_OK;
}
