/*
 * The safety report's alarm sections: alarms by class with their
 * acknowledgement times, the alarm list, and the alarms per ISO week.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "report_query.h"
#include "report_query_int.h"

/* The alarm list stops here; the counts and charts still cover all. */
#define REPORT_LIST_MAX		1000

/* The median and longest time to acknowledge alarms of one class. */
static void
report_ack_times(const struct report_query *r, const char *cls, json_t *row)
{
	sqlite3_stmt *st;
	int64_t *v = NULL, *nv, s, longest = -1;
	size_t n = 0, cap = 0;

	if ((st = report_stmt(r, "SELECT raised_at, acked_at FROM alarm "
	    "WHERE raised_at >= :lo AND raised_at < :hi AND class = :cls AND "
	    "acked_at IS NOT NULL")) == NULL)
		return;
	report_bind(st, ":cls", cls);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if ((s = report_seconds_between(report_col(st, 0),
		    report_col(st, 1))) < 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		v[n++] = s;
		longest = s > longest ? s : longest;
	}
	sqlite3_finalize(st);
	json_object_set_new(row, "median_ack_seconds",
	    report_secs(report_median(v, n)));
	json_object_set_new(row, "longest_ack_seconds", report_secs(longest));
	free(v);
}

/* Alarms raised in the period by class, with their acknowledgement. */
static json_t *
report_alarm_classes(const struct report_query *r)
{
	sqlite3_stmt *st;
	json_t *a = json_array(), *row;

	if ((st = report_stmt(r, "SELECT class, count(*), "
	    "sum(acked_at IS NULL) FROM alarm WHERE raised_at >= :lo AND "
	    "raised_at < :hi GROUP BY class ORDER BY 2 DESC, 1")) == NULL)
		return a;
	while (sqlite3_step(st) == SQLITE_ROW) {
		row = json_pack("{s:s, s:I, s:I}", "class", report_col(st, 0),
		    "count", (json_int_t)sqlite3_column_int64(st, 1),
		    "unacknowledged", (json_int_t)sqlite3_column_int64(st, 2));
		if (row == NULL)
			continue;
		report_ack_times(r, report_col(st, 0), row);
		json_array_append_new(a, row);
	}
	sqlite3_finalize(st);
	return a;
}

/* Rows of (name, count) from sql, as [{key: name, count}]. */
json_t *
report_counts(const struct report_query *r, const char *sql, const char *key)
{
	sqlite3_stmt *st;
	json_t *a = json_array();

	if ((st = report_stmt(r, sql)) == NULL)
		return a;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:s, s:I}", key,
		    report_col(st, 0) ?: "", "count",
		    (json_int_t)sqlite3_column_int64(st, 1)));
	sqlite3_finalize(st);
	return a;
}

/* One alarm of the list. */
static json_t *
report_alarm_row(sqlite3_stmt *st)
{
	const char *raised = report_col(st, 3), *acked = report_col(st, 4);

	return json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s?, s:o, s:s?}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "class", report_col(st, 1), "point", report_col(st, 2),
	    "raised", raised, "acked", acked, "acked_by", report_col(st, 5),
	    "ack_seconds", acked == NULL ? json_null() :
	    report_secs(report_seconds_between(raised, acked)),
	    "cause_cleared", report_col(st, 6));
}

/*
 * The alarms: counts by class and by point, the list (at most
 * REPORT_LIST_MAX), and each alarm counted in its local week.
 */
json_t *
report_alarms(const struct report_query *r, int64_t *weeks, int nweeks)
{
	sqlite3_stmt *st;
	json_t *list = json_array(), *row;
	int64_t total = 0, unacked = 0;
	struct report_date day;
	int w;

	if ((st = report_stmt(r, "SELECT id, class, point, raised_at, "
	    "acked_at, acked_by, cause_cleared_at FROM alarm WHERE "
	    "raised_at >= :lo AND raised_at < :hi ORDER BY raised_at, id")) !=
	    NULL) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			total++;
			unacked += sqlite3_column_type(st, 4) == SQLITE_NULL;
			if (report_local_date(report_col(st, 3), &day) == 0 &&
			    (w = report_week_index(&r->from, &r->to, &day)) >=
			    0 && w < nweeks)
				weeks[w]++;
			if (total <= REPORT_LIST_MAX &&
			    (row = report_alarm_row(st)) != NULL)
				json_array_append_new(list, row);
		}
		sqlite3_finalize(st);
	}
	return json_pack("{s:I, s:I, s:o, s:o, s:o, s:I}",
	    "total", (json_int_t)total, "unacknowledged", (json_int_t)unacked,
	    "by_class", report_alarm_classes(r),
	    "by_door", report_counts(r, "SELECT point, count(*) FROM alarm "
	    "WHERE raised_at >= :lo AND raised_at < :hi GROUP BY point "
	    "ORDER BY 2 DESC, 1", "point"),
	    "list", list, "list_omitted", (json_int_t)(total >
	    REPORT_LIST_MAX ? total - REPORT_LIST_MAX : 0));
}

/* Every ISO week the period touches, zeros included. */
json_t *
report_weeks(const struct report_query *r, const int64_t *weeks, int nweeks)
{
	struct report_date monday, day;
	json_t *a = json_array();
	char name[16], date[16];
	int i;

	report_date_add(&r->from, -(report_weekday(&r->from) - 1), &monday);
	for (i = 0; i < nweeks; i++) {
		report_date_add(&monday, 7 * i, &day);
		report_week_name(&day, name, sizeof(name));
		snprintf(date, sizeof(date), "%04d-%02d-%02d", day.y, day.m,
		    day.d);
		json_array_append_new(a, json_pack("{s:s, s:s, s:I}", "week",
		    name, "monday", date, "count", (json_int_t)weeks[i]));
	}
	return a;
}
