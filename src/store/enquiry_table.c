/*
 * The enquiry table: enquiries for a room and their outcome, for the
 * occupancy report.
 */
#include <stddef.h>

#include "db.h"
#include "enquiry_table.h"

int64_t
enquiry_table_insert(sqlite3 *db, const char *now, const char *today,
    const char *outcome, const char *text, const char *actor)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	if (db_prepare(db, "INSERT INTO enquiry (time, date, outcome, "
	    "description, actor) VALUES (?1, ?2, ?3, ?4, ?5)", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, today, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, actor, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(st);
	return id;
}

int
enquiry_table_count(sqlite3 *db, const char *from, const char *to,
    void (*fn)(void *arg, const char *outcome, int64_t count), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT outcome, count(*) FROM enquiry WHERE "
	    "date BETWEEN ?1 AND ?2 GROUP BY outcome", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
enquiry_table_erase(sqlite3 *db, const char *cutoff)
{
	return db_run(db, "UPDATE enquiry SET description = '' WHERE "
	    "description != '' AND date < ?2", 0, cutoff, NULL);
}
