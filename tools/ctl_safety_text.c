/*
 * husvagtctl report safety as text: the sections as aligned tables or as
 * CSV (RFC 4180, one record a row, the section's id first).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "ctl_safety.h"

/* One row of cells padded to the widths w. */
static void
safety_line(FILE *out, const json_t *cells, const int *w)
{
	const char *s;
	json_t *v;
	size_t k, n = json_array_size(cells);

	fputs("  ", out);
	json_array_foreach(cells, k, v) {
		s = json_string_value(v) ?: "";
		fprintf(out, "%s%*s", s, k + 1 < n ? w[k] - ctl_width(s) + 2 :
		    0, "");
	}
	fputc('\n', out);
}

/* A section as a heading and an aligned table. */
static void
safety_table_section(FILE *out, const json_t *s)
{
	const json_t *cols = json_object_get(s, "columns");
	const json_t *rows = json_object_get(s, "rows");
	int w[CTL_COLS_MAX] = { 0 };
	json_t *row, *v;
	size_t i, k;

	fprintf(out, "\n%s\n", safety_str(s, "title"));
	if (json_array_size(rows) == 0) {
		fprintf(out, "  %s\n", safety_str(s, "empty"));
		return;
	}
	json_array_foreach(cols, k, v)
		if (k < CTL_COLS_MAX)
			w[k] = ctl_width(json_string_value(v));
	json_array_foreach(rows, i, row)
		json_array_foreach(row, k, v)
			if (k < CTL_COLS_MAX &&
			    ctl_width(json_string_value(v)) > w[k])
				w[k] = ctl_width(json_string_value(v));
	safety_line(out, cols, w);
	json_array_foreach(rows, i, row)
		safety_line(out, row, w);
	if (safety_str(s, "note") != NULL)
		fprintf(out, "  %s\n", safety_str(s, "note"));
}

void
safety_table(FILE *out, const json_t *r, const json_t *sections)
{
	char t[32];
	json_t *s;
	size_t i;

	fprintf(out, "Safety report: %s, %s to %s\n", safety_str(r, "site"),
	    safety_str(r, "from"), safety_str(r, "to"));
	fprintf(out, "Times are local (%s); generated %s.\n",
	    safety_str(r, "timezone"), safety_local(safety_str(r,
	    "generated"), t, sizeof(t)));
	json_array_foreach(sections, i, s)
		safety_table_section(out, s);
}

/*
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a
 * line break.  Text a spreadsheet would run as a formula (=, +, @, or -
 * followed by more) gets a leading apostrophe: a reason typed by staff
 * is data, never a formula.
 */
static void
safety_csv_field(FILE *out, const char *s, bool first)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;

	if (!first)
		fputc(',', out);
	if (quote)
		fputc('"', out);
	if (*s == '=' || *s == '+' || *s == '@' || (*s == '-' && s[1]))
		fputc('\'', out);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	if (quote)
		fputc('"', out);
}

/* A CSV record: the first field, then the cells. */
static void
safety_csv_record(FILE *out, const char *first, const json_t *cells)
{
	json_t *v;
	size_t k;

	safety_csv_field(out, first, true);
	json_array_foreach(cells, k, v)
		safety_csv_field(out, json_string_value(v) ?: "", false);
	fputs("\r\n", out);
}

/*
 * One CSV document whose first column names the section of each record:
 * the first record heads the columns ("section", then the report's
 * site, period and time zone, given by the "report" record); each
 * section's first record holds its column names, the rest its rows, so
 * that filtering the first column in a spreadsheet shows one section
 * with its headings, and an empty section still shows that it is empty.
 */
void
safety_csv(FILE *out, const json_t *r, const json_t *sections)
{
	json_t *s, *row, *head;
	size_t i, k;
	char t[32];

	head = json_pack("[s, s, s, s, s]", "site", "from", "to", "timezone",
	    "generated");
	safety_csv_record(out, "section", head);
	json_decref(head);
	head = json_pack("[s, s, s, s, s]", safety_str(r, "site"),
	    safety_str(r, "from"), safety_str(r, "to"),
	    safety_str(r, "timezone"), safety_local(safety_str(r, "generated"),
	    t, sizeof(t)));
	safety_csv_record(out, "report", head);
	json_decref(head);
	json_array_foreach(sections, i, s) {
		safety_csv_record(out, safety_str(s, "id"), json_object_get(s,
		    "columns"));
		json_array_foreach(json_object_get(s, "rows"), k, row)
			safety_csv_record(out, safety_str(s, "id"), row);
	}
}
