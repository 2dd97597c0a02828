/*
 * Shared by the safety report's query files (report_query.c,
 * report_alarm.c); not for the verbs.
 */
#ifndef HUSVAGT_REPORT_QUERY_INT_H
#define HUSVAGT_REPORT_QUERY_INT_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "report_query.h"

/* report_query.c */
/* Bind text to the parameter called name, when sql has it. */
void	 report_bind(sqlite3_stmt *, const char *name, const char *text);
/* Prepare sql and bind the period's bounds to :lo and :hi; NULL on an
 * error (logged). */
sqlite3_stmt *report_stmt(const struct report_query *, const char *sql);
/* Column i as text (NULL when the column is NULL). */
const char *report_col(sqlite3_stmt *, int i);
/* A duration in seconds, or null when unknown (negative).  New ref. */
json_t	*report_secs(int64_t s);
/* The site's local date of a journal time; -1 when it is not one. */
int	 report_local_date(const char *iso, struct report_date *out);

/* report_alarm.c */
/* Rows of (name, count) from sql, as [{key: name, count}]. */
json_t	*report_counts(const struct report_query *, const char *sql,
	     const char *key);
/* The alarms of the period, counting them per ISO week into weeks. */
json_t	*report_alarms(const struct report_query *, int64_t *weeks,
	     int nweeks);
/* Every ISO week the period touches, zeros included. */
json_t	*report_weeks(const struct report_query *, const int64_t *weeks,
	     int nweeks);

#endif
