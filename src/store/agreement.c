/*
 * The agreement table.
 */
#include "agreement.h"
#include "db.h"
#include "log.h"
#include "stay_table.h"

int64_t
agreement_insert(sqlite3 *db, const struct agreement_new *n)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	if (db_prepare(db, "INSERT INTO agreement (stay_id, guest, "
	    "guest_key, relation, valid_from, valid_to, windows, "
	    "resident_areas, escort, created_at, created_by) VALUES (?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?)", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, n->stay);
	sqlite3_bind_text(st, 2, n->guest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, n->relation, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, n->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, n->to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, n->windows, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, n->resident_areas);
	sqlite3_bind_int(st, 9, n->escort);
	sqlite3_bind_text(st, 10, n->now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, n->actor, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db);
	else
		log_warnx("agreement: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return id;
}

int
agreement_delete(sqlite3 *db, int64_t id)
{
	return db_run(db, "DELETE FROM agreement WHERE id = ?", id, NULL,
	    NULL);
}

/* One row of the list. */
static json_t *
agreement_json(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:I, s:s?, s:s?, s:s, s:s?, s:s?, s:s?, "
	    "s:b, s:b, s:s, s:s, s:s?}",
	    "agreement", (json_int_t)sqlite3_column_int64(st, 0),
	    "stay", (json_int_t)sqlite3_column_int64(st, 1),
	    "alias", (const char *)sqlite3_column_text(st, 2),
	    "guest", (const char *)sqlite3_column_text(st, 3),
	    "relation", (const char *)sqlite3_column_text(st, 4),
	    "from", (const char *)sqlite3_column_text(st, 5),
	    "to", (const char *)sqlite3_column_text(st, 6),
	    "windows", (const char *)sqlite3_column_text(st, 7),
	    "resident_areas", sqlite3_column_int(st, 8),
	    "escort", sqlite3_column_int(st, 9),
	    "created_at", (const char *)sqlite3_column_text(st, 10),
	    "created_by", (const char *)sqlite3_column_text(st, 11),
	    "ended_at", (const char *)sqlite3_column_text(st, 12));
}

json_t *
agreement_list(sqlite3 *db, int64_t stay, bool ended)
{
	json_t *arr = json_array();
	sqlite3_stmt *st;

	if (arr == NULL || db_prepare(db, "SELECT g.id, g.stay_id, s.alias, "
	    "g.guest, g.relation, g.valid_from, g.valid_to, g.windows, "
	    "g.resident_areas, g.escort, g.created_at, g.created_by, "
	    "g.ended_at FROM agreement g JOIN stay s ON s.id = g.stay_id "
	    "WHERE (?1 = 0 OR g.stay_id = ?1) AND (?2 OR (g.ended_at IS NULL "
	    "AND s.departure IS NULL)) ORDER BY g.stay_id, g.id", &st) == -1) {
		json_decref(arr);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, stay);
	sqlite3_bind_int(st, 2, ended);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, agreement_json(st));
	sqlite3_finalize(st);
	return arr;
}

int64_t
agreement_stay(sqlite3 *db, int64_t id, bool *ended)
{
	sqlite3_stmt *st;
	int64_t stay = 0;
	int rc;

	if (db_prepare(db, "SELECT stay_id, ended_at IS NOT NULL FROM "
	    "agreement WHERE id = ?", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		stay = sqlite3_column_int64(st, 0);
		*ended = sqlite3_column_int(st, 1) != 0;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? stay : -1;
}

int
agreement_end(sqlite3 *db, int64_t id, const char *now, const char *actor)
{
	return db_run(db, "UPDATE agreement SET ended_at = ?2, ended_by = ?3 "
	    "WHERE id = ?1", id, now, actor);
}

int
agreement_find_each(sqlite3 *db, const char *key, int64_t stay,
    const char *today, int (*fn)(void *arg, const struct agreement_row *),
    void *arg)
{
	struct agreement_row r;
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT a.id, a.stay_id, a.valid_from, "
	    "a.valid_to, a.windows, a.resident_areas, a.escort FROM agreement "
	    "a JOIN stay s ON s.id = a.stay_id WHERE a.guest_key = ?1 AND "
	    "a.ended_at IS NULL AND s.departure IS NULL AND (?2 = 0 OR "
	    "a.stay_id = ?2) ORDER BY (?3 >= coalesce(a.valid_from, '') AND "
	    "?3 <= coalesce(a.valid_to, '9999')) DESC, a.id DESC", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, stay);
	sqlite3_bind_text(st, 3, today, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(st, 0);
		r.stay = sqlite3_column_int64(st, 1);
		r.from = (const char *)sqlite3_column_text(st, 2);
		r.to = (const char *)sqlite3_column_text(st, 3);
		r.windows = (const char *)sqlite3_column_text(st, 4);
		r.resident_areas = sqlite3_column_int(st, 5) != 0;
		r.escort = sqlite3_column_int(st, 6) != 0;
		if (fn(arg, &r) != 0)
			break;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
agreement_erase_guests(sqlite3 *db, const char *cutoff, const char *now)
{
	return db_erase(db, "UPDATE agreement SET guest = NULL, "
	    "guest_key = NULL WHERE (guest IS NOT NULL OR guest_key IS NOT "
	    "NULL) AND stay_id IN (" STAY_TABLE_GONE ")", cutoff, now);
}
