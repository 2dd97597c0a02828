/*
 * The room table's list for room.list (the table follows [room X]
 * through house/register.c's sync).
 */
#include "db.h"
#include "room_table.h"

json_t *
room_table_list(sqlite3 *db)
{
	sqlite3_stmt *st;
	json_t *list, *stay;
	int rc;

	if (db_prepare(db, "SELECT r.name, r.floor, r.kind, r.beds, "
	    "r.child_friendly, r.corridor, (SELECT s.id FROM stay s WHERE "
	    "s.room_id = r.id AND s.departure IS NULL) FROM room r WHERE "
	    "r.retired_at IS NULL ORDER BY r.floor, r.name", &st) == -1)
		return NULL;
	list = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		stay = sqlite3_column_type(st, 6) == SQLITE_NULL ? json_null() :
		    json_integer(sqlite3_column_int64(st, 6));
		json_array_append_new(list, json_pack("{s:s, s:i, s:s, s:i, "
		    "s:b, s:s, s:b, s:o}",
		    "room", (const char *)sqlite3_column_text(st, 0),
		    "floor", sqlite3_column_int(st, 1),
		    "type", (const char *)sqlite3_column_text(st, 2),
		    "beds", sqlite3_column_int(st, 3),
		    "child_friendly", sqlite3_column_int(st, 4) != 0,
		    "corridor", (const char *)sqlite3_column_text(st, 5),
		    "occupied", !json_is_null(stay), "stay", stay));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return NULL;
	}
	return list;
}
