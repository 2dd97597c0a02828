/*
 * The duty table: one open row per login on duty (its unique index
 * duty_on keeps it so); clocking out closes it.
 */
#include <stdio.h>

#include "db.h"
#include "duty_table.h"
#include "log.h"

int
duty_table_is_on(sqlite3 *db, const char *login)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT 1 FROM duty WHERE login = ? AND "
	    "off_at IS NULL", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return rc == SQLITE_ROW;
}

int
duty_table_since(sqlite3 *db, const char *login, char *since, size_t len)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT on_at FROM duty WHERE login = ? AND "
	    "off_at IS NULL", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		snprintf(since, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
duty_table_write(sqlite3 *db, const char *login, bool on, const char *via,
    const char *now)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, on ? "INSERT INTO duty (login, on_at, via) "
	    "VALUES (?1, ?2, ?3)" : "UPDATE duty SET off_at = ?2 WHERE "
	    "login = ?1 AND off_at IS NULL", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	if (on)
		sqlite3_bind_text(st, 3, via, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("duty: %s: %s", login, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

json_t *
duty_table_list(sqlite3 *db)
{
	json_t *a = json_array();
	sqlite3_stmt *st;

	if (a == NULL || db_prepare(db, "SELECT login, on_at, via FROM "
	    "duty WHERE off_at IS NULL ORDER BY on_at, id", &st) == -1)
		return a;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}",
		    "login", (const char *)sqlite3_column_text(st, 0),
		    "since", (const char *)sqlite3_column_text(st, 1),
		    "via", (const char *)sqlite3_column_text(st, 2)));
	sqlite3_finalize(st);
	return a;
}
