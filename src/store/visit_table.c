/*
 * The visit table.
 */
#include "db.h"
#include "log.h"
#include "stay_table.h"
#include "visit_table.h"

/* Seconds since a column's time, at ?1. */
#define VISIT_SECS(col)	"((julianday(?1) - julianday(" col ")) * 86400.0)"

int64_t
visit_table_insert(sqlite3 *db, const struct visit_new *n)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	if (db_prepare(db, "INSERT INTO visit (stay_id, agreement_id, "
	    "guest, door, admitted_at, admitted_by, override_reason) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?)", &st) == -1)
		return -1;
	if (n->stay != 0)
		sqlite3_bind_int64(st, 1, n->stay);
	if (n->agreement != 0)
		sqlite3_bind_int64(st, 2, n->agreement);
	sqlite3_bind_text(st, 3, n->guest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, n->door, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, n->now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, n->actor, -1, SQLITE_STATIC);
	if (n->override != NULL)
		sqlite3_bind_text(st, 7, n->override, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db);
	else
		log_warnx("visit: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return id;
}

int
visit_table_delete(sqlite3 *db, int64_t id)
{
	return db_run(db, "DELETE FROM visit WHERE id = ?", id, NULL, NULL);
}

int
visit_table_get(sqlite3 *db, int64_t id, const char *now, int64_t *stay,
    int *open, int *minutes)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT stay_id, checked_out_at IS NULL, CAST("
	    VISIT_SECS("admitted_at") " / 60 AS INTEGER) FROM visit WHERE "
	    "id = ?2", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*stay = sqlite3_column_int64(st, 0);
		*open = sqlite3_column_int(st, 1);
		*minutes = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
visit_table_checkout(sqlite3 *db, int64_t id, const char *now,
    const char *actor)
{
	return db_run(db, "UPDATE visit SET checked_out_at = ?2, "
	    "checked_out_by = ?3 WHERE id = ?1", id, now, actor);
}

int
visit_table_overstay(sqlite3 *db, int64_t id, const char *now)
{
	return db_run(db, "UPDATE visit SET overstay_at = ?2 WHERE id = ?1",
	    id, now, NULL);
}

/* An id as JSON, null for 0. */
static json_t *
visit_table_id(int64_t id)
{
	return id != 0 ? json_integer(id) : json_null();
}

json_t *
visit_table_inside(sqlite3 *db, const char *now)
{
	json_t *a = json_array();
	sqlite3_stmt *st;

	if (a == NULL || db_prepare(db, "SELECT v.id, v.stay_id, s.alias, "
	    "v.guest, v.door, v.admitted_at, CAST(" VISIT_SECS("v.admitted_at")
	    " / 60 AS INTEGER), v.overstay_at IS NOT NULL, v.agreement_id "
	    "FROM visit v LEFT JOIN stay s ON s.id = v.stay_id WHERE "
	    "v.checked_out_at IS NULL ORDER BY v.id", &st) == -1)
		return a;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:I, s:o, s:s?, s:s?, "
		    "s:s, s:s, s:i, s:b, s:o}",
		    "visit", (json_int_t)sqlite3_column_int64(st, 0),
		    "stay", visit_table_id(sqlite3_column_int64(st, 1)),
		    "alias", (const char *)sqlite3_column_text(st, 2),
		    "guest", (const char *)sqlite3_column_text(st, 3),
		    "door", (const char *)sqlite3_column_text(st, 4),
		    "since", (const char *)sqlite3_column_text(st, 5),
		    "minutes", sqlite3_column_int(st, 6),
		    "overstay", sqlite3_column_int(st, 7),
		    "agreement", visit_table_id(sqlite3_column_int64(st, 8))));
	sqlite3_finalize(st);
	return a;
}

int
visit_table_open_each(sqlite3 *db, const char *now,
    int (*fn)(void *arg, int64_t id, int64_t stay, const char *door,
    const char *admitted_at, double secs), void *arg)
{
	sqlite3_stmt *st;

	if (db_prepare(db, "SELECT id, stay_id, door, admitted_at, "
	    VISIT_SECS("admitted_at") " FROM visit WHERE checked_out_at IS "
	    "NULL AND overstay_at IS NULL ORDER BY id", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW &&
	    fn(arg, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
	    (const char *)sqlite3_column_text(st, 2),
	    (const char *)sqlite3_column_text(st, 3),
	    sqlite3_column_double(st, 4)) == 0)
		;
	sqlite3_finalize(st);
	return 0;
}

int
visit_table_inside_count(sqlite3 *db, int64_t stay)
{
	sqlite3_stmt *st;
	int n = 0;

	if (db_prepare(db, "SELECT count(*) FROM visit WHERE stay_id = ? "
	    "AND checked_out_at IS NULL", &st) == -1)
		return 0;
	sqlite3_bind_int64(st, 1, stay);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

int
visit_table_erase_guests(sqlite3 *db, const char *cutoff, const char *now)
{
	return db_erase(db, "UPDATE visit SET guest = NULL, "
	    "override_reason = NULL WHERE (guest IS NOT NULL OR "
	    "override_reason IS NOT NULL) AND (stay_id IN (" STAY_TABLE_GONE
	    ") OR (stay_id IS NULL AND checked_out_at < ?1))", cutoff, now);
}
