/*
 * One-row reads and dated updates, shared by the table modules.
 */
#include <stddef.h>

#include "db.h"
#include "log.h"

int
db_ints(sqlite3 *db, const char *sql, int64_t *v, int n)
{
	sqlite3_stmt *st;
	int i, rc;

	if (db_prepare(db, sql, &st) == -1)
		return -1;
	rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
	for (i = 0; i < n; i++)
		v[i] = rc == 0 ? sqlite3_column_int64(st, i) : 0;
	sqlite3_finalize(st);
	return rc;
}

int64_t
db_int(sqlite3 *db, const char *sql, int64_t id, const char *t)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (db_prepare(db, sql, &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (t != NULL)
		sqlite3_bind_text(st, 2, t, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
db_erase(sqlite3 *db, const char *sql, const char *cutoff, const char *now)
{
	sqlite3_stmt *st;
	int n = -1;

	if (db_prepare(db, sql, &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, cutoff, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		n = sqlite3_changes(db);
	else
		log_warnx("register: retention: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return n;
}
