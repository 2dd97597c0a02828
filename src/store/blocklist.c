/*
 * The blocklist table.
 */
#include <stdlib.h>
#include <string.h>

#include "blocklist.h"
#include "db.h"
#include "namefold.h"

int64_t
blocklist_insert(sqlite3 *db, const char *name, const char *key,
    const char *desc, const char *now, const char *actor)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	if (db_prepare(db, "INSERT INTO blocklist (name, name_key, "
	    "description, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
	    &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, desc != NULL ? desc : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, actor, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(st);
	return id;
}

int
blocklist_delete(sqlite3 *db, int64_t id)
{
	return db_run(db, "DELETE FROM blocklist WHERE id = ?", id, NULL,
	    NULL);
}

int
blocklist_live(sqlite3 *db, int64_t id)
{
	return db_exists(db, "SELECT 1 FROM blocklist WHERE id = ? AND "
	    "removed_at IS NULL", id);
}

int
blocklist_remove(sqlite3 *db, int64_t id, const char *now,
    const char *actor)
{
	return db_run(db, "UPDATE blocklist SET removed_at = ?2, removed_by = "
	    "?3 WHERE id = ?1", id, now, actor);
}

json_t *
blocklist_list(sqlite3 *db)
{
	json_t *arr = json_array();
	sqlite3_stmt *st;

	if (arr == NULL || db_prepare(db, "SELECT id, name, description, "
	    "created_at, created_by FROM blocklist WHERE removed_at IS NULL "
	    "ORDER BY id", &st) == -1) {
		json_decref(arr);
		return NULL;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, "
		    "s:s}", "block", (json_int_t)sqlite3_column_int64(st, 0),
		    "name", (const char *)sqlite3_column_text(st, 1),
		    "description", (const char *)sqlite3_column_text(st, 2),
		    "since", (const char *)sqlite3_column_text(st, 3),
		    "by", (const char *)sqlite3_column_text(st, 4)));
	sqlite3_finalize(st);
	return arr;
}

int
blocklist_has(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st;
	const char *name;
	char *k;
	int hit = 0, rc = SQLITE_ROW;

	if (db_prepare(db, "SELECT name FROM blocklist WHERE removed_at "
	    "IS NULL", &st) == -1)
		return -1;
	/* A failing step is an error, never "not blocked" (fails closed). */
	while (!hit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		if (name == NULL)
			continue;
		if ((k = namefold(name, strlen(name))) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		hit = namefold_match(key, k);
		free(k);
	}
	sqlite3_finalize(st);
	if (!hit && rc != SQLITE_DONE)
		return -1;
	return hit;
}

int
blocklist_purge(sqlite3 *db, const char *cutoff)
{
	return db_run(db, "DELETE FROM blocklist WHERE removed_at IS NOT NULL "
	    "AND removed_at < ?2", 0, cutoff, NULL);
}
