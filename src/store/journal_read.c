/*
 * Reading the journal out: pages of rows for the MQTT bridge and the
 * control socket, the tail, and CSV or JSON exports for management.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "journal.h"
#include "log.h"

#define JOURNAL_COLUMNS	"seq, time, type, point, actor, subject, detail"

/* Column i of the current row as text, "" for NULL. */
static const char *
journal_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s != NULL ? s : "";
}

/*
 * The current row as a JSON object.  Detail is stored as JSON text; should
 * it not parse (edited by hand), it is passed on as a string rather than
 * dropped, so that a reader still sees what is there.
 */
static json_t *
journal_row_json(sqlite3_stmt *st)
{
	json_t *detail;

	detail = json_loads(journal_col(st, 6), JSON_DECODE_ANY, NULL);
	if (detail == NULL)
		detail = json_string(journal_col(st, 6));
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o*}",
	    "seq", (json_int_t)sqlite3_column_int64(st, 0),
	    "time", journal_col(st, 1), "type", journal_col(st, 2),
	    "point", journal_col(st, 3), "actor", journal_col(st, 4),
	    "subject", journal_col(st, 5), "detail", detail);
}

/* Step st to the end, collecting rows into a new array; NULL on error. */
static json_t *
journal_collect(sqlite3 *db, sqlite3_stmt *st)
{
	json_t *rows, *row;
	int rc;

	if ((rows = json_array()) == NULL)
		return NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((row = journal_row_json(st)) == NULL ||
		    json_array_append_new(rows, row) == -1)
			goto err_rows;
	}
	if (rc != SQLITE_DONE) {
		log_warnx("journal: read: %s", sqlite3_errmsg(db));
		goto err_rows;
	}
	return rows;

err_rows:
	json_decref(rows);
	return NULL;
}

/* Rows with seq > after, at most limit, oldest first. */
json_t *
journal_rows(sqlite3 *db, int64_t after, int64_t upto, int limit)
{
	sqlite3_stmt *st;
	json_t *rows;

	if (db_prepare(db, "SELECT " JOURNAL_COLUMNS " FROM journal"
	    " WHERE seq > ?1 AND seq <= ?3 ORDER BY seq LIMIT ?2", &st) == -1)
		return NULL;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, limit);
	sqlite3_bind_int64(st, 3, upto);
	rows = journal_collect(db, st);
	sqlite3_finalize(st);
	return rows;
}

/* The last n rows, oldest first. */
json_t *
journal_tail(sqlite3 *db, int64_t upto, int n)
{
	sqlite3_stmt *st;
	json_t *rows;

	if (db_prepare(db, "SELECT * FROM (SELECT " JOURNAL_COLUMNS
	    " FROM journal WHERE seq <= ?2 ORDER BY seq DESC LIMIT ?1)"
	    " ORDER BY seq", &st) == -1)
		return NULL;
	sqlite3_bind_int(st, 1, n);
	sqlite3_bind_int64(st, 2, upto);
	rows = journal_collect(db, st);
	sqlite3_finalize(st);
	return rows;
}

/* Write s as one CSV field (RFC 4180): quoted, with quotes doubled, when
 * it holds a separator, a quote or a line break. */
static void
journal_csv_field(FILE *out, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* The current row as one CSV line; detail stays JSON text. */
static int
journal_csv_row(FILE *out, sqlite3_stmt *st)
{
	int i;

	fprintf(out, "%lld", (long long)sqlite3_column_int64(st, 0));
	for (i = 1; i <= 6; i++) {
		fputc(',', out);
		journal_csv_field(out, journal_col(st, i));
	}
	/* CRLF as RFC 4180 asks; spreadsheets read it everywhere. */
	fputs("\r\n", out);
	return 0;
}

/* The current row as one element of a JSON array. */
static int
journal_json_row(FILE *out, sqlite3_stmt *st, int first)
{
	json_t *row;
	int rc;

	if ((row = journal_row_json(st)) == NULL)
		return -1;
	fputs(first ? "\n" : ",\n", out);
	rc = json_dumpf(row, out, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(row);
	return rc;
}

/* Stream the selected rows to out in format; rows written or -1. */
static int64_t
journal_export_rows(sqlite3 *db, sqlite3_stmt *st, int csv, FILE *out)
{
	int64_t n = 0;
	int rc;

	fputs(csv ? "seq,time,type,point,actor,subject,detail\r\n" : "[", out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((csv ? journal_csv_row(out, st) :
		    journal_json_row(out, st, n == 0)) == -1)
			return -1;
		n++;
	}
	if (rc != SQLITE_DONE) {
		log_warnx("journal: export: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (!csv)
		fputs("\n]\n", out);
	return n;
}

/*
 * Export rows with from <= time < to.  Times are fixed-width ISO 8601, so
 * comparing them as text orders them, and a bare date ("2026-11-23")
 * works as a bound too.  Rows stream one at a time: an export of years
 * of journal never sits in memory whole.
 */
int64_t
journal_export(sqlite3 *db, const char *format, const char *from,
    const char *to, FILE *out)
{
	return journal_export_upto(db, format, from, to, 0, out);
}

int64_t
journal_export_upto(sqlite3 *db, const char *format, const char *from,
    const char *to, int64_t upto, FILE *out)
{
	sqlite3_stmt *st;
	int64_t n;
	int csv;

	if (format != NULL && strcmp(format, "csv") == 0)
		csv = 1;
	else if (format != NULL && strcmp(format, "json") == 0)
		csv = 0;
	else {
		log_warnx("journal: export format must be csv or json");
		return -1;
	}
	if (db_prepare(db, "SELECT " JOURNAL_COLUMNS " FROM journal"
	    " WHERE (?1 IS NULL OR time >= ?1) AND (?2 IS NULL OR time < ?2)"
	    " AND (?3 = 0 OR seq <= ?3) ORDER BY seq", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, upto);
	n = journal_export_rows(db, st, csv, out);
	sqlite3_finalize(st);
	if (n != -1 && (fflush(out) == EOF || ferror(out))) {
		log_warn("journal: export");
		return -1;
	}
	return n;
}
