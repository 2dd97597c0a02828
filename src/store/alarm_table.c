/*
 * The alarm table.
 */
#include <stdio.h>

#include "alarm_table.h"
#include "db.h"
#include "log.h"

/* Open: not both acknowledged and cleared. */
#define ALARM_OPEN	"NOT (acked_at IS NOT NULL AND " \
			"cause_cleared_at IS NOT NULL)"

int64_t
alarm_table_find(sqlite3 *db, const char *cls, const char *point)
{
	sqlite3_stmt *st;
	int64_t id = -1;
	int rc;

	if (db_prepare(db, "SELECT id FROM alarm WHERE class = ? AND "
	    "point = ? AND " ALARM_OPEN, &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, cls, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, point, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		id = 0;
	sqlite3_finalize(st);
	return id;
}

int64_t
alarm_table_insert(sqlite3 *db, const char *cls, const char *point,
    const char *now, bool physical)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	if (db_prepare(db, "INSERT INTO alarm (class, point, raised_at, "
	    "cause_cleared_at) VALUES (?, ?, ?, ?)", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, cls, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, point, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	if (!physical)
		sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db);
	else
		log_warnx("alarm: %s %s: %s", cls, point, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return id;
}

int
alarm_table_present(sqlite3 *db, int64_t id)
{
	return db_run(db, "UPDATE alarm SET cause_cleared_at = NULL WHERE "
	    "id = ?", id, NULL, NULL);
}

int
alarm_table_cleared(sqlite3 *db, int64_t id, const char *now, bool first)
{
	return db_run(db, first ? "UPDATE alarm SET cause_cleared_at = ?2 "
	    "WHERE id = ?1 AND cause_cleared_at IS NULL" : "UPDATE alarm SET "
	    "cause_cleared_at = ?2 WHERE id = ?1", id, now, NULL);
}

int
alarm_table_get(sqlite3 *db, int64_t id, char *cls, char *point,
    size_t len, bool *acked)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT class, point, acked_at IS NOT NULL "
	    "FROM alarm WHERE id = ? AND " ALARM_OPEN, &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(cls, len, "%s", sqlite3_column_text(st, 0));
		snprintf(point, len, "%s", sqlite3_column_text(st, 1));
		*acked = sqlite3_column_int(st, 2) != 0;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
alarm_table_ack(sqlite3 *db, int64_t id, const char *now, const char *actor)
{
	return db_run(db, "UPDATE alarm SET acked_at = ?2, acked_by = ?3 "
	    "WHERE id = ?1", id, now, actor);
}

json_t *
alarm_table_list(sqlite3 *db)
{
	json_t *a = json_array();
	sqlite3_stmt *st;

	if (a == NULL || db_prepare(db, "SELECT id, class, point, "
	    "raised_at, cause_cleared_at IS NULL, acked_at IS NOT NULL "
	    "FROM alarm WHERE " ALARM_OPEN " ORDER BY id", &st) == -1)
		return a;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, "
		    "s:b, s:b}", "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "class", (const char *)sqlite3_column_text(st, 1),
		    "point", (const char *)sqlite3_column_text(st, 2),
		    "since", (const char *)sqlite3_column_text(st, 3),
		    "cause_active", sqlite3_column_int(st, 4),
		    "acked", sqlite3_column_int(st, 5)));
	sqlite3_finalize(st);
	return a;
}

void
alarm_table_present_each(sqlite3 *db, int (*fn)(void *arg, int64_t id,
    const char *cls, const char *point), void *arg)
{
	sqlite3_stmt *st;

	if (db_prepare(db, "SELECT id, class, point FROM alarm WHERE "
	    "cause_cleared_at IS NULL AND class IN ('fire', 'panic', "
	    "'tamper', 'fault')", &st) == -1)
		return;
	while (sqlite3_step(st) == SQLITE_ROW &&
	    fn(arg, sqlite3_column_int64(st, 0),
	    (const char *)sqlite3_column_text(st, 1),
	    (const char *)sqlite3_column_text(st, 2)) == 0)
		;
	sqlite3_finalize(st);
}

int
alarm_table_classes(sqlite3 *db, void (*fn)(void *arg, const char *cls,
    bool unacked), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT DISTINCT class, acked_at IS NULL FROM "
	    "alarm WHERE acked_at IS NULL OR cause_cleared_at IS NULL",
	    &st) == -1)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int(st, 1) != 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("alarm outputs: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}
