/*
 * The staff table: the only place its SQL is written.
 */
#include <time.h>

#include "db.h"
#include "log.h"
#include "role.h"
#include "staff_table.h"

int
staff_table_roles_get(sqlite3 *db, const char *login, unsigned *roles)
{
	sqlite3_stmt *st;
	int rc;

	*roles = 0;
	if (db == NULL)
		return 0;
	if (db_prepare(db, "SELECT role FROM staff WHERE "
	    "login = ?1 AND removed_at IS NULL", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*roles |= role_parse((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("staff: role lookup: %s", sqlite3_errmsg(db));
		*roles = 0;
		return -1;
	}
	return 0;
}

unsigned
staff_table_roles(sqlite3 *db, const char *login)
{
	unsigned roles;

	return staff_table_roles_get(db, login, &roles) == 0 ? roles : 0;
}

/* Run one statement binding login (?1), role (?2) and time (?3). */
static int
staff_table_run(sqlite3 *db, const char *sql, const char *login,
    const char *role, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, sql, &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	if (role != NULL)
		sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("staff: %s: %s", login, sqlite3_errmsg(db));
		return -1;
	}
	return sqlite3_changes(db);
}

int
staff_table_add(sqlite3 *db, const char *login, const char *role,
    int64_t now)
{
	return staff_table_run(db, "INSERT INTO staff (login, role, "
	    "created_at) VALUES (?1, ?2, ?3)", login, role, now);
}

int
staff_table_remove(sqlite3 *db, const char *login, const char *role,
    int64_t now)
{
	(void)role;
	return staff_table_run(db, "UPDATE staff SET removed_at = ?3 WHERE "
	    "login = ?1 AND removed_at IS NULL", login, NULL, now);
}

int
staff_table_each(sqlite3 *db, void (*fn)(void *arg, const char *login,
    const char *role), void *arg)
{
	sqlite3_stmt *st;
	int step;

	if (db_prepare(db, "SELECT login, role FROM staff WHERE "
	    "removed_at IS NULL ORDER BY login", &st) == -1)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? 0 : -1;
}

/* A time column as "YYYY-MM-DDTHH:MM:SSZ", or JSON null. */
static json_t *
staff_table_time(sqlite3_stmt *st, int col)
{
	char buf[32];
	struct tm tm;
	time_t t;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	t = (time_t)sqlite3_column_int64(st, col);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	return json_string(buf);
}

json_t *
staff_table_list(sqlite3 *db, bool removed)
{
	sqlite3_stmt *st;
	json_t *list = json_array();
	int step;

	if (list == NULL || db_prepare(db, "SELECT login, role, "
	    "created_at, removed_at FROM staff WHERE ?1 OR removed_at IS "
	    "NULL ORDER BY login, id", &st) == -1) {
		json_decref(list);
		return NULL;
	}
	sqlite3_bind_int(st, 1, removed);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o, "
		    "s:o}", "login", (const char *)sqlite3_column_text(st, 0),
		    "role", (const char *)sqlite3_column_text(st, 1),
		    "source", "database", "created_at",
		    staff_table_time(st, 2), "removed_at",
		    staff_table_time(st, 3)));
	sqlite3_finalize(st);
	if (step != SQLITE_DONE) {
		json_decref(list);
		return NULL;
	}
	return list;
}
