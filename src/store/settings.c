/*
 * The settings table.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "settings.h"

static const char settings_sql_get[] =
    "SELECT value FROM settings WHERE key = ?1";
static const char settings_sql_set[] =
    "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)";

bool
settings_flag_get(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st;
	bool on = false;

	if (db_prepare(db, settings_sql_get, &st) != 0)
		return false;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		on = !strcmp((const char *)sqlite3_column_text(st, 0), "1");
	sqlite3_finalize(st);
	return on;
}

int
settings_flag_set(sqlite3 *db, const char *key, bool on)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, settings_sql_set, &st) != 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, on ? "1" : "0", -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
settings_int_get(sqlite3 *db, const char *key, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, settings_sql_get, &st) != 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
settings_int_set(sqlite3 *db, const char *key, int64_t value)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, settings_sql_set, &st) != 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, value);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
settings_text_get(sqlite3 *db, const char *key, char **out)
{
	sqlite3_stmt *st;
	const unsigned char *v;
	int rc;

	*out = NULL;
	if (db_prepare(db, settings_sql_get, &st) != 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    (v = sqlite3_column_text(st, 0)) != NULL &&
	    (*out = strdup((const char *)v)) == NULL)
		rc = SQLITE_ERROR;
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW && *out == NULL)
		return 0;
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
settings_text_set(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, settings_sql_set, &st) != 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
