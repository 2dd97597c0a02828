/*
 * The guess table: one row per reader or chip that is being guessed at.
 */
#include <stdbool.h>
#include <string.h>

#include "db.h"
#include "guess_table.h"
#include "log.h"

int
guess_table_get(sqlite3 *db, const char *kind, const char *key,
    struct guess *g)
{
	sqlite3_stmt *st;
	int rc;

	memset(g, 0, sizeof(*g));
	if (db_prepare(db, "SELECT failures, level, first_at, last_at, until "
	    "FROM guess WHERE kind = ?1 AND key = ?2", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		g->failures = sqlite3_column_int(st, 0);
		g->level = sqlite3_column_int(st, 1);
		g->first_at = sqlite3_column_int64(st, 2);
		g->last_at = sqlite3_column_int64(st, 3);
		g->until = sqlite3_column_int64(st, 4);
	} else if (rc != SQLITE_DONE)
		log_warnx("guess: %s %s: %s", kind, key, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
guess_table_put(sqlite3 *db, const char *kind, const char *key,
    const struct guess *g)
{
	sqlite3_stmt *st;
	bool rest = g->failures == 0 && g->level == 0;
	int rc;

	if (db_prepare(db, rest ?
	    "DELETE FROM guess WHERE kind = ?1 AND key = ?2" :
	    "INSERT OR REPLACE INTO guess (kind, key, failures, level, "
	    "first_at, last_at, until) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	    &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if (!rest) {
		sqlite3_bind_int(st, 3, g->failures);
		sqlite3_bind_int(st, 4, g->level);
		sqlite3_bind_int64(st, 5, g->first_at);
		sqlite3_bind_int64(st, 6, g->last_at);
		sqlite3_bind_int64(st, 7, g->until);
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		log_warnx("guess: %s %s: %s", kind, key, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
