/*
 * husvagtctl report occupancy: the daemon's occupancy report
 * (report.occupancy) as an aligned month table with a total line and the
 * enquiry counts (table, the default), as CSV for a spreadsheet (a
 * header, one row per month, a total row; RFC 4180), or as the reply's
 * JSON.  The figures are the daemon's; this file only lays them out.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "occupancy.h"

/* The figure columns, in the reply's keys and the table's headings. */
static const struct {
	const char	*key;
	const char	*head;		/* table heading */
	bool		 real;		/* one decimal */
} occ_cols[] = {
	{ "available_room_days", "available", false },
	{ "occupied_room_days", "occupied", false },
	{ "occupancy_pct", "occupancy %", true },
	{ "stays_started", "started", false },
	{ "stays_ended", "ended", false },
	{ "average_completed_stay_days", "avg. stay (days)", true },
};
#define OCC_NCOLS	(sizeof(occ_cols) / sizeof(occ_cols[0]))

/* --from and --to are real dates; --format is table, csv or json. */
int
ctl_check_occupancy(struct ctl_args *a, json_t *args)
{
	static const char *const which[] = { "--from", "--to" };
	const char *fmt = ctl_opt(a, "--format"), *v;
	int32_t day[2];
	size_t i;

	(void)args;
	for (i = 0; i < 2; i++) {
		if ((v = ctl_opt(a, which[i])) == NULL)
			return ctl_bad(a, "%s YYYY-MM-DD is required",
			    which[i]);
		if (occ_date_parse(v, &day[i]) == -1)
			return ctl_bad(a, "%s: '%s' is not a date YYYY-MM-DD",
			    which[i], v);
	}
	if (day[0] > day[1])
		return ctl_bad(a, "--from %s is after --to %s",
		    ctl_opt(a, "--from"), ctl_opt(a, "--to"));
	if (fmt != NULL && strcmp(fmt, "table") && strcmp(fmt, "csv") &&
	    strcmp(fmt, "json"))
		return ctl_bad(a, "--format: '%s' is not table, csv or json",
		    fmt);
	return 0;
}

/* One figure as text: a whole number, one decimal, or "" when null. */
static const char *
occ_cell(const json_t *row, size_t col, char *buf, size_t len)
{
	const json_t *v = json_object_get(row, occ_cols[col].key);

	if (json_is_number(v) && occ_cols[col].real)
		snprintf(buf, len, "%.1f", json_number_value(v));
	else if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else
		snprintf(buf, len, "%s", "");
	return buf;
}

/* A CSV field, quoted when it must be (RFC 4180). */
static void
occ_csv_field(const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n") == NULL)
		fputs(s, stdout);
	else {
		putchar('"');
		for (; *s != '\0'; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	}
	fputs(last ? "\r\n" : ",", stdout);
}

static void
occ_csv_row(const char *label, const json_t *row)
{
	char buf[32];
	size_t i;

	occ_csv_field(label, false);
	for (i = 0; i < OCC_NCOLS; i++)
		occ_csv_field(occ_cell(row, i, buf, sizeof(buf)),
		    i + 1 == OCC_NCOLS);
}

static int
occ_csv(const json_t *r)
{
	const json_t *m;
	size_t i;

	occ_csv_field("month", false);
	for (i = 0; i < OCC_NCOLS; i++)
		occ_csv_field(occ_cols[i].key, i + 1 == OCC_NCOLS);
	json_array_foreach(json_object_get(r, "months"), i, m)
		occ_csv_row(json_string_value(json_object_get(m, "month")) ?:
		    "", m);
	occ_csv_row("total", json_object_get(r, "total"));
	return CTL_OK;
}

/* One table line: the label left, the figures right-aligned. */
static void
occ_table_row(const char *label, const json_t *row, const int *w)
{
	char buf[32];
	size_t i;

	printf("%-7s", label);
	for (i = 0; i < OCC_NCOLS; i++) {
		occ_cell(row, i, buf, sizeof(buf));
		printf("  %*s", w[i], buf[0] ? buf : "-");
	}
	putchar('\n');
}

static int
occ_table(const json_t *r)
{
	const json_t *m, *enq = json_object_get(r, "enquiries"), *v;
	const char *key, *through = json_string_value(json_object_get(r,
	    "through"));
	int w[OCC_NCOLS];
	size_t i;

	printf("Occupancy %s to %s, %lld rooms (counted through %s)\n\n",
	    json_string_value(json_object_get(r, "from")) ?: "?",
	    json_string_value(json_object_get(r, "to")) ?: "?",
	    (long long)json_integer_value(json_object_get(r, "rooms")),
	    through != NULL ? through : "- : the period has not begun");
	printf("%-7s", "month");
	for (i = 0; i < OCC_NCOLS; i++) {
		w[i] = (int)strlen(occ_cols[i].head);
		printf("  %*s", w[i], occ_cols[i].head);
	}
	putchar('\n');
	json_array_foreach(json_object_get(r, "months"), i, m)
		occ_table_row(json_string_value(json_object_get(m, "month")) ?:
		    "?", m, w);
	occ_table_row("total", json_object_get(r, "total"), w);
	printf("\nEnquiries:");
	i = 0;
	json_object_foreach((json_t *)enq, key, v)
		printf("%s %s %lld", i++ ? "," : "", key,
		    (long long)json_integer_value(v));
	printf("\n\n%s\n", json_string_value(json_object_get(r,
	    "counting_rule")) ?: "");
	return CTL_OK;
}

int
ctl_show_occupancy(struct ctl *c, struct ctl_args *a, json_t *result)
{
	const char *fmt = ctl_opt(a, "--format");

	if (c->json || (fmt != NULL && !strcmp(fmt, "json"))) {
		/* Six significant digits: 92.1 rather than the nearest
		 * double's 17 (a percentage or a stay in days has fewer). */
		json_dumpf(result, stdout, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
		putchar('\n');
		return CTL_OK;
	}
	if (fmt != NULL && !strcmp(fmt, "csv"))
		return occ_csv(result);
	return occ_table(result);
}
