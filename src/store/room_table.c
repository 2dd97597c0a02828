/*
 * The room table: it follows the configuration's [room X] sections
 * (room_table_sync, called from house/register.c), lists the rooms for
 * room.list and counts the free ones.
 */
#include <stdlib.h>

#include "clock.h"
#include "db.h"
#include "log.h"
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

/* Upsert one configured room; a room configured again is not retired. */
static int
room_table_upsert(sqlite3 *db, const struct site_room *r)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "INSERT INTO room (name, floor, corridor, zone, "
	    "beds, kind, child_friendly) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
	    "ON CONFLICT(name) DO UPDATE SET floor = excluded.floor, "
	    "corridor = excluded.corridor, zone = excluded.zone, "
	    "beds = excluded.beds, kind = excluded.kind, "
	    "child_friendly = excluded.child_friendly, retired_at = NULL",
	    &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, r->floor);
	sqlite3_bind_text(st, 3, r->corridor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->zone, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, r->beds);
	sqlite3_bind_text(st, 6, r->double_room ? "double" : "single", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 7, r->child_friendly);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	if (rc == -1)
		log_warnx("register: room %s: %s", r->name, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

/* Retire the rooms the configuration no longer names (names: a JSON
 * array of the configured ones). */
static int
room_table_retire(sqlite3 *db, const char *names)
{
	sqlite3_stmt *st;
	char now[32];
	int rc;

	clock_iso8601(now, sizeof(now));
	if (db_prepare(db, "UPDATE room SET retired_at = ?1 WHERE "
	    "retired_at IS NULL AND name NOT IN (SELECT value FROM "
	    "json_each(?2))", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, names, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	if (rc == 0 && sqlite3_changes(db) > 0)
		log_info("register: %d room(s) no longer configured: retired",
		    sqlite3_changes(db));
	sqlite3_finalize(st);
	return rc;
}

/* A retired room in which someone still lives is worth a line in the
 * log: nothing is refused, but staff should move her. */
static void
room_table_warn(sqlite3 *db)
{
	sqlite3_stmt *st;

	if (db_prepare(db, "SELECT r.name, s.id FROM stay s JOIN room r ON "
	    "r.id = s.room_id WHERE s.departure IS NULL AND r.retired_at IS "
	    "NOT NULL", &st) == -1)
		return;
	while (sqlite3_step(st) == SQLITE_ROW)
		log_warnx("register: room %s is no longer configured but stay "
		    "%lld still lives there (husvagtctl stay move)",
		    (const char *)sqlite3_column_text(st, 0),
		    (long long)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
}

int
room_table_sync(sqlite3 *db, const struct site_room *rooms, int n)
{
	json_t *names = json_array();
	char *text = NULL;
	int i, rc = -1;

	for (i = 0; i < n; i++)
		json_array_append_new(names, json_string(rooms[i].name));
	if ((text = json_dumps(names, JSON_COMPACT)) == NULL ||
	    db_exec(db, "BEGIN IMMEDIATE") == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (room_table_upsert(db, &rooms[i]) == -1)
			goto rollback;
	if (room_table_retire(db, text) == -1 || db_exec(db, "COMMIT") == -1)
		goto rollback;
	room_table_warn(db);
	rc = 0;
	goto out;
rollback:
	db_exec(db, "ROLLBACK");
out:
	free(text);
	json_decref(names);
	return rc;
}

int
room_table_counts(sqlite3 *db, int64_t v[5])
{
	return db_ints(db, "SELECT (SELECT count(*) FROM room WHERE "
	    "retired_at IS NULL), count(*), total(kind = 'single'), "
	    "total(kind = 'double'), total(child_friendly) FROM room r WHERE "
	    "r.retired_at IS NULL AND NOT EXISTS (SELECT 1 FROM stay s WHERE "
	    "s.room_id = r.id AND s.departure IS NULL)", v, 5);
}

int
room_table_in_use(sqlite3 *db, int64_t *n)
{
	return db_ints(db, "SELECT count(*) FROM room WHERE "
	    "retired_at IS NULL", n, 1);
}
