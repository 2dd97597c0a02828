/*
 * What the roll call shows: evac.status's reply for staff (with the
 * stays' aliases and the visitors' names, looked up now from the
 * register), the short reply of evac.account, and the retained
 * state/evacuation topic (room numbers and counts only).  Reads only;
 * house/evac_show.c hands them on.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "evac_table.h"
#include "evac_table_int.h"

/* A text column, or NULL for SQL NULL. */
static const char *
evac_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

/* The record id (open, else the last closed) as {fields}; NULL: none. */
static json_t *
evac_record_json(sqlite3 *db, int64_t *id)
{
	sqlite3_stmt *st;
	json_t *r = NULL;

	if (db_prepare(db, "SELECT id, kind, started_at, started_by, "
	    "all_clear_at, " EVAC_TENTHS ", closed_at, closed_by FROM "
	    "evacuation ORDER BY closed_at IS NULL DESC, id DESC LIMIT 1",
	    &st) == -1)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		r = json_pack("{s:I, s:s, s:b, s:s, s:s, s:s?, s:o, s:s?, "
		    "s:s?}", "evacuation", (json_int_t)*id,
		    "kind", evac_text(st, 1), "open", evac_text(st, 6) == NULL,
		    "started", evac_text(st, 2), "started_by", evac_text(st, 3),
		    "all_clear", evac_text(st, 4), "minutes_to_all_clear",
		    sqlite3_column_type(st, 5) == SQLITE_NULL ? json_null() :
		    json_real((double)sqlite3_column_int64(st, 5) / 10),
		    "closed", evac_text(st, 6), "closed_by", evac_text(st, 7));
	}
	sqlite3_finalize(st);
	return r;
}

/* "0-2:1 3-5:2": the children of a household by age band. */
static void
evac_ages(sqlite3_stmt *st, int col, char *buf, size_t len)
{
	static const char *const band[] = { "0-2", "3-5", "6-9", "10-17" };
	size_t n = 0;
	int i, k;

	buf[0] = '\0';
	for (i = 0; i < 4; i++)
		if ((k = sqlite3_column_int(st, col + i)) > 0 && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s:%d",
			    n > 0 ? " " : "", band[i], k);
}

/* Every item of record id, with the alias of a room's stay (staff
 * only) and the guest of a visit. */
static json_t *
evac_items_json(sqlite3 *db, int64_t id)
{
	json_t *a = json_array();
	sqlite3_stmt *st;
	char ages[64];

	if (db_prepare(db, "SELECT i.who, s.alias, v.guest, "
	    "json_extract(i.detail, '$.adults'), "
	    "json_extract(i.detail, '$.children_0_2'), "
	    "json_extract(i.detail, '$.children_3_5'), "
	    "json_extract(i.detail, '$.children_6_9'), "
	    "json_extract(i.detail, '$.children_10_17'), "
	    "json_extract(i.detail, '$.needs_help'), "
	    "i.accounted_at, i.accounted_by, json_extract(i.detail, '$.stay') "
	    "FROM evac_item i "
	    "LEFT JOIN stay s ON s.id = json_extract(i.detail, '$.stay') "
	    "LEFT JOIN visit v ON v.id = json_extract(i.detail, '$.visit') "
	    "WHERE i.evac_id = ?1" EVAC_ORDER, &st) == -1)
		return a;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		bool room = !strncmp(evac_text(st, 0), "room:", 5);

		evac_ages(st, 4, ages, sizeof(ages));
		json_array_append_new(a, json_pack("{s:s, s:o, s:s?, s:s?, "
		    "s:o, s:o, s:s, s:b, s:s?, s:s?}",
		    "who", evac_text(st, 0),
		    "stay", sqlite3_column_type(st, 11) == SQLITE_NULL ?
		    json_null() : json_integer(sqlite3_column_int64(st, 11)),
		    "alias", evac_text(st, 1), "guest", evac_text(st, 2),
		    "adults", room ? json_integer(sqlite3_column_int(st, 3)) :
		    json_null(),
		    "children", room ? json_integer(sqlite3_column_int(st, 4) +
		    sqlite3_column_int(st, 5) + sqlite3_column_int(st, 6) +
		    sqlite3_column_int(st, 7)) : json_null(),
		    "ages", ages, "needs_help", sqlite3_column_int(st, 8),
		    "accounted_at", evac_text(st, 9),
		    "accounted_by", evac_text(st, 10)));
	}
	sqlite3_finalize(st);
	return a;
}

json_t *
evac_table_status(sqlite3 *db)
{
	json_t *r;
	int64_t id = 0;

	if ((r = evac_record_json(db, &id)) == NULL)
		return json_pack("{s:n}", "evacuation");
	json_object_set_new(r, "expected", json_integer(evac_table_count(db, id, "",
	    false) + evac_table_count(db, id, "", true)));
	json_object_set_new(r, "unaccounted", json_integer(evac_table_count(db, id,
	    "", false)));
	json_object_set_new(r, "items", evac_items_json(db, id));
	return r;
}

/* The rooms of record id for the state topic: numbers and counts. */
static json_t *
evac_state_rooms(sqlite3 *db, int64_t id)
{
	json_t *a = json_array();
	sqlite3_stmt *st;

	if (db_prepare(db, "SELECT json_extract(detail, '$.room'), "
	    "json_extract(detail, '$.adults'), "
	    "json_extract(detail, '$.children_0_2'), "
	    "json_extract(detail, '$.children_3_5'), "
	    "json_extract(detail, '$.children_6_9'), "
	    "json_extract(detail, '$.children_10_17'), "
	    "json_extract(detail, '$.needs_help'), accounted_at IS NOT NULL "
	    "FROM evac_item WHERE evac_id = ?1 AND who LIKE 'room:%'"
	    EVAC_ORDER, &st) == -1)
		return a;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:s, s:i, s:i, s:i, s:i, "
		    "s:i, s:i, s:b, s:b}", "room", evac_text(st, 0),
		    "adults", sqlite3_column_int(st, 1),
		    "children", sqlite3_column_int(st, 2) +
		    sqlite3_column_int(st, 3) + sqlite3_column_int(st, 4) +
		    sqlite3_column_int(st, 5),
		    "children_0_2", sqlite3_column_int(st, 2),
		    "children_3_5", sqlite3_column_int(st, 3),
		    "children_6_9", sqlite3_column_int(st, 4),
		    "children_10_17", sqlite3_column_int(st, 5),
		    "needs_help", sqlite3_column_int(st, 6),
		    "accounted", sqlite3_column_int(st, 7)));
	sqlite3_finalize(st);
	return a;
}

/* {total, accounted} of the items of record id starting with prefix. */
static json_t *
evac_state_counts(sqlite3 *db, int64_t id, const char *prefix)
{
	int64_t yes = evac_table_count(db, id, prefix, true);

	return json_pack("{s:I, s:I}", "total", (json_int_t)(yes +
	    evac_table_count(db, id, prefix, false)), "accounted", (json_int_t)yes);
}

json_t *
evac_table_state(sqlite3 *db)
{
	sqlite3_stmt *st;
	json_t *r = NULL;
	int64_t id;

	if (db_prepare(db, "SELECT id, kind, started_at, all_clear_at "
	    "FROM evacuation WHERE closed_at IS NULL ORDER BY id DESC "
	    "LIMIT 1", &st) == -1)
		return NULL;	/* no topic rather than a wrong "no" */
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		r = json_pack("{s:b, s:I, s:s, s:s, s:s?, s:o, s:o, s:o}",
		    "active", 1, "evacuation", (json_int_t)id,
		    "kind", evac_text(st, 1), "started", evac_text(st, 2),
		    "all_clear", evac_text(st, 3),
		    "rooms", evac_state_rooms(db, id),
		    "visits", evac_state_counts(db, id, "visit:"),
		    "staff", evac_state_counts(db, id, "staff:"));
	} else
		r = json_pack("{s:b}", "active", 0);
	sqlite3_finalize(st);
	return r;
}

json_t *
evac_table_mark_json(sqlite3 *db, const char *who)
{
	sqlite3_stmt *st;
	json_t *r = NULL;

	if (db_prepare(db, "SELECT i.evac_id, i.accounted_at, "
	    "i.accounted_by, e.all_clear_at, (SELECT count(*) FROM evac_item "
	    "WHERE evac_id = e.id AND accounted_at IS NULL) FROM evac_item i "
	    "JOIN evacuation e ON e.id = i.evac_id WHERE e.closed_at IS NULL "
	    "AND i.who = ?1", &st) == -1)
		return NULL;
	sqlite3_bind_text(st, 1, who, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		r = json_pack("{s:s, s:b, s:s?, s:s?, s:I, s:I, s:s?}",
		    "who", who, "accounted", evac_text(st, 1) != NULL,
		    "accounted_at", evac_text(st, 1),
		    "accounted_by", evac_text(st, 2),
		    "evacuation", (json_int_t)sqlite3_column_int64(st, 0),
		    "unaccounted", (json_int_t)sqlite3_column_int64(st, 4),
		    "all_clear", evac_text(st, 3));
	sqlite3_finalize(st);
	return r;
}
