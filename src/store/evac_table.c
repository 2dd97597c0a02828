/*
 * The evacuation record's writes and the roll call's reads for
 * house/evac.c.  The record and its items are written in one
 * transaction, so a crash leaves all of it or none.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "evac_table.h"
#include "evac_table_int.h"
#include "log.h"

/* Who is expected, copied into the new record evac ?1. */
static const char *const evac_sql_expected[] = {
	"INSERT INTO evac_item (evac_id, who, detail) SELECT ?1, "
	"'room:' || r.name, json_object('room', r.name, 'stay', s.id, "
	"'adults', s.adults, 'children_0_2', s.children_0_2, "
	"'children_3_5', s.children_3_5, 'children_6_9', s.children_6_9, "
	"'children_10_17', s.children_10_17, 'needs_help', "
	"json(CASE WHEN s.needs_help THEN 'true' ELSE 'false' END)) "
	"FROM stay s JOIN room r ON r.id = s.room_id "
	"WHERE s.departure IS NULL",
	"INSERT INTO evac_item (evac_id, who, detail) SELECT ?1, "
	"'visit:' || id, json_object('visit', id, 'stay', stay_id) "
	"FROM visit WHERE checked_out_at IS NULL",
	"INSERT INTO evac_item (evac_id, who, detail) SELECT ?1, "
	"'staff:' || login, json_object('login', login) "
	"FROM duty WHERE off_at IS NULL",
};

int
evac_table_open_row(sqlite3 *db, int64_t *id, char *kind, size_t len)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT id, kind FROM evacuation WHERE "
	    "closed_at IS NULL ORDER BY id DESC LIMIT 1", &st) == -1)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		snprintf(kind, len, "%s", sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return rc == SQLITE_ROW;
}

int64_t
evac_table_count(sqlite3 *db, int64_t id, const char *prefix, bool accounted)
{
	return db_int(db, accounted ? "SELECT count(*) FROM evac_item "
	    "WHERE evac_id = ?1 AND who LIKE ?2 || '%' AND accounted_at IS "
	    "NOT NULL" : "SELECT count(*) FROM evac_item WHERE evac_id = ?1 "
	    "AND who LIKE ?2 || '%' AND accounted_at IS NULL", id, prefix);
}

/* A new record of kind started now by actor; its id, or -1. */
static int64_t
evac_insert(sqlite3 *db, const char *kind, const char *now,
    const char *actor)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	if (db_prepare(db, "INSERT INTO evacuation (kind, started_at, "
	    "started_by) VALUES (?, ?, ?)", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db);
	else
		log_warnx("evac: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return id;
}

int64_t
evac_table_start(sqlite3 *db, const char *kind, const char *now,
    const char *actor)
{
	int64_t id;
	size_t i;

	if (db_exec(db, "BEGIN IMMEDIATE") == -1)
		return -1;
	if ((id = evac_insert(db, kind, now, actor)) < 0)
		goto fail;
	for (i = 0; i < sizeof(evac_sql_expected) /
	    sizeof(evac_sql_expected[0]); i++)
		if (db_run(db, evac_sql_expected[i], id, NULL, NULL) == -1)
			goto fail;
	if (db_exec(db, "COMMIT") == -1)
		goto fail;
	return id;
fail:
	db_exec(db, "ROLLBACK");
	return -1;
}

int
evac_table_close(sqlite3 *db, int64_t id, const char *now, const char *actor)
{
	return db_run(db, "UPDATE evacuation SET closed_at = ?2, "
	    "closed_by = ?3 WHERE id = ?1", id, now, actor) == -1 ? -1 : 0;
}

int
evac_table_to_fire(sqlite3 *db, int64_t id)
{
	return db_run(db, "UPDATE evacuation SET kind = 'fire' WHERE id = ?1",
	    id, NULL, NULL) == -1 ? -1 : 0;
}

void
evac_table_expected(sqlite3 *db, int64_t id, char *msg, size_t len)
{
	sqlite3_stmt *st;
	size_t n = strlen(msg);
	const char *sep = "; expected: ";
	int k = 0, rc;

	if (db_prepare(db, "SELECT who FROM evac_item WHERE evac_id = ?1"
	    EVAC_ORDER, &st) == -1)
		return;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n + 64 < len) {
		n += (size_t)snprintf(msg + n, len - n, "%s%s", sep,
		    sqlite3_column_text(st, 0));
		sep = ", ";
		k++;
	}
	if (k == 0)
		snprintf(msg + n, len - n, "; nobody was expected");
	else if (rc == SQLITE_ROW)	/* more than the message holds */
		snprintf(msg + n, len - n, ", ...");
	sqlite3_finalize(st);
}

/* An item of evac id: 1 found (with when and by whom it was accounted
 * for, and the stay of a room), 0 not in the record, -1 error. */
int
evac_table_item(sqlite3 *db, int64_t id, const char *who, char *at,
    char *by, size_t len, int64_t *stay)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT accounted_at, accounted_by, "
	    "json_extract(detail, '$.stay') FROM evac_item WHERE "
	    "evac_id = ?1 AND who = ?2", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(at, len, "%s", sqlite3_column_text(st, 0) ?
		    (const char *)sqlite3_column_text(st, 0) : "");
		snprintf(by, len, "%s", sqlite3_column_text(st, 1) ?
		    (const char *)sqlite3_column_text(st, 1) : "");
		*stay = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return rc == SQLITE_ROW;
}

/* Set (or with NULLs clear) when and by whom an item was accounted
 * for; -1 on error. */
int
evac_table_mark(sqlite3 *db, int64_t id, const char *who,
    const char *at, const char *by)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "UPDATE evac_item SET accounted_at = ?3, "
	    "accounted_by = ?4 WHERE evac_id = ?1 AND who = ?2", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);	/* NULL: NULL */
	sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("evac: %s: %s", who, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

int64_t
evac_table_all_clear_set(sqlite3 *db, int64_t id)
{
	return db_int(db, "SELECT all_clear_at IS NOT NULL FROM "
	    "evacuation WHERE id = ?1", id, NULL);
}

int
evac_table_all_clear(sqlite3 *db, int64_t id, const char *now)
{
	return db_run(db, now != NULL ? "UPDATE evacuation SET all_clear_at "
	    "= ?2 WHERE id = ?1" : "UPDATE evacuation SET all_clear_at = NULL "
	    "WHERE id = ?1", id, now, NULL) == -1 ? -1 : 0;
}

int64_t
evac_table_tenths(sqlite3 *db, int64_t id)
{
	return db_int(db, "SELECT " EVAC_TENTHS " FROM evacuation WHERE "
	    "id = ?1", id, NULL);
}
