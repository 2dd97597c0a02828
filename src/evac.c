/*
 * The evacuation roll call (DESIGN 7).  The database is the record: a
 * row of evacuation (kind fire or drill, started, all-clear, closed) and
 * one evac_item per person or household expected outside, with when and
 * by whom each was accounted for.  A restart, even kill -9, finds it as
 * it was; nothing is kept in memory.
 *
 * Who is expected comes from the register and the duty table at the
 * moment the record opens, never from the doors: a chip says where a
 * door was opened, not who is inside.  Items: room:NAME (the current
 * stay of that room with its household), visit:ID (an open visit),
 * staff:LOGIN (on duty).  Their detail holds counts and ids, never an
 * alias; the alias is looked up for evac.status's reply alone.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "evac.h"
#include "husvagtd.h"
#include "log.h"

/* The items of a record in the order staff read them: rooms, visits,
 * staff. */
#define EVAC_ORDER	" ORDER BY CASE substr(who, 1, 5) WHEN 'room:' " \
			"THEN 0 WHEN 'visit' THEN 1 ELSE 2 END, " \
			"length(who), who"

/* Who is expected, copied into the new record evac ?1. */
static const char *const evac_sql_expected[] = {
	"INSERT INTO evac_item (evac_id, who, detail) SELECT ?1, "
	"'room:' || r.name, json_object('room', r.name, 'stay', s.id, "
	"'adults', s.adults, 'children_0_2', s.children_0_2, "
	"'children_3_5', s.children_3_5, 'children_6_9', s.children_6_9, "
	"'children_10_17', s.children_10_17, 'needs_help', "
	"json(CASE WHEN s.needs_help THEN 'true' ELSE 'false' END)) "
	"FROM stay s JOIN room r ON r.id = s.room_id "
	"WHERE s.departure IS NULL",
	"INSERT INTO evac_item (evac_id, who, detail) SELECT ?1, "
	"'visit:' || id, json_object('visit', id, 'stay', stay_id) "
	"FROM visit WHERE checked_out_at IS NULL",
	"INSERT OR IGNORE INTO evac_item (evac_id, who, detail) SELECT ?1, "
	"'staff:' || login, json_object('login', login) "
	"FROM duty WHERE off_at IS NULL",
};

/* Run sql with ?1 = id and ?2.. = texts (NULL: SQL NULL); -1 on error. */
static int
evac_run(struct husvagt *h, const char *sql, int64_t id, const char *t2,
    const char *t3)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(h->db, sql, &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_text(st, 2, t2, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_text(st, 3, t3, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_warnx("evac: %s", sqlite3_errmsg(h->db));
		return -1;
	}
	return 0;
}

/* One integer from sql with ?1 = id (and ?2 = t); -1 on error. */
static int64_t
evac_int(struct husvagt *h, const char *sql, int64_t id, const char *t)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (db_prepare(h->db, sql, &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (t != NULL)
		sqlite3_bind_text(st, 2, t, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The open record: 1 with its id and kind, 0 none, -1 error. */
static int
evac_open_row(struct husvagt *h, int64_t *id, char *kind, size_t len)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(h->db, "SELECT id, kind FROM evacuation WHERE "
	    "closed_at IS NULL ORDER BY id DESC LIMIT 1", &st) == -1)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		snprintf(kind, len, "%s", sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return rc == SQLITE_ROW;
}

int64_t
evac_open_id(struct husvagt *h)
{
	char kind[8];
	int64_t id = 0;
	int rc = evac_open_row(h, &id, kind, sizeof(kind));

	return rc < 0 ? -1 : rc == 0 ? 0 : id;
}

/* How many items of evac id are (not) accounted for. */
static int64_t
evac_count(struct husvagt *h, int64_t id, const char *prefix, bool accounted)
{
	return evac_int(h, accounted ? "SELECT count(*) FROM evac_item "
	    "WHERE evac_id = ?1 AND who LIKE ?2 || '%' AND accounted_at IS "
	    "NOT NULL" : "SELECT count(*) FROM evac_item WHERE evac_id = ?1 "
	    "AND who LIKE ?2 || '%' AND accounted_at IS NULL", id, prefix);
}

/* A new record of kind started now by actor; its id, or -1. */
static int64_t
evac_insert(struct husvagt *h, const char *kind, const char *now,
    const char *actor)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	if (db_prepare(h->db, "INSERT INTO evacuation (kind, started_at, "
	    "started_by) VALUES (?, ?, ?)", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(h->db);
	else
		log_warnx("evac: %s", sqlite3_errmsg(h->db));
	sqlite3_finalize(st);
	return id;
}

/*
 * Open a record of kind holding who is expected now, then journal
 * evacuation.started with the counts.  The record and its items are
 * written in one transaction, so a crash leaves all of it or none.
 */
static void
evac_start(struct husvagt *h, const char *kind, const char *actor)
{
	char now[32];
	int64_t id;
	size_t i;

	clock_iso8601(now, sizeof(now));
	if (db_exec(h->db, "BEGIN IMMEDIATE") == -1)
		return;
	if ((id = evac_insert(h, kind, now, actor)) < 0)
		goto fail;
	for (i = 0; i < sizeof(evac_sql_expected) /
	    sizeof(evac_sql_expected[0]); i++)
		if (evac_run(h, evac_sql_expected[i], id, NULL, NULL) == -1)
			goto fail;
	if (db_exec(h->db, "COMMIT") == -1)
		goto fail;
	husvagt_journal(h, "evacuation.started", "", actor, "",
	    json_pack("{s:I, s:s, s:I, s:I, s:I}", "evacuation",
	    (json_int_t)id, "kind", kind,
	    "rooms", (json_int_t)evac_count(h, id, "room:", false),
	    "visits", (json_int_t)evac_count(h, id, "visit:", false),
	    "staff", (json_int_t)evac_count(h, id, "staff:", false)));
	log_warnx("evacuation %lld (%s) started: the roll call is open",
	    (long long)id, kind);
	mqtt_state_changed(h->mqtt);
	return;
fail:
	db_exec(h->db, "ROLLBACK");
	log_warnx("evac: the %s evacuation record could not be opened", kind);
}

/* Close record id as actor; journals evacuation.closed with why. */
static int
evac_close_row(struct husvagt *h, int64_t id, const char *actor,
    const char *why)
{
	json_t *detail;
	char now[32];

	detail = json_pack("{s:I, s:I}", "evacuation", (json_int_t)id,
	    "unaccounted", (json_int_t)evac_count(h, id, "", false));
	if (why != NULL)
		json_object_set_new(detail, "reason", json_string(why));
	clock_iso8601(now, sizeof(now));
	if (husvagt_journal(h, "evacuation.closed", "", actor, "",
	    detail) < 0 || evac_run(h, "UPDATE evacuation SET closed_at = ?2, "
	    "closed_by = ?3 WHERE id = ?1", id, now, actor) == -1)
		return -1;
	mqtt_state_changed(h->mqtt);
	return 0;
}

/* A fire during the drill: its record becomes the fire's. */
static void
evac_to_fire(struct husvagt *h, int64_t id, const char *actor)
{
	if (evac_run(h, "UPDATE evacuation SET kind = 'fire' WHERE id = ?1",
	    id, NULL, NULL) == -1)
		return;
	husvagt_journal(h, "evacuation.kind_changed", "", actor, "",
	    json_pack("{s:I, s:s, s:s}", "evacuation", (json_int_t)id,
	    "from", "drill", "to", "fire"));
	log_warnx("evacuation %lld: the drill is now a fire", (long long)id);
}

void
evac_mode_changed(struct husvagt *h, const struct mode_state *old,
    const char *actor)
{
	char kind[8];
	int64_t id = 0;
	int open;

	if ((open = evac_open_row(h, &id, kind, sizeof(kind))) < 0)
		return;
	switch (evac_decide(old, &h->mode, open ? kind : NULL)) {
	case EVAC_NONE:
		break;
	case EVAC_OPEN_FIRE:
		evac_start(h, "fire", actor);
		break;
	case EVAC_OPEN_DRILL:
		evac_start(h, "drill", actor);
		break;
	case EVAC_TO_FIRE:
		evac_to_fire(h, id, actor);
		break;
	case EVAC_REPLACE_FIRE:
		if (evac_close_row(h, id, "system", "fire") == 0)
			evac_start(h, "fire", actor);
		break;
	}
}

void
evac_at_start(struct husvagt *h)
{
	char kind[8];
	int64_t id = 0;

	if (evac_open_row(h, &id, kind, sizeof(kind)) != 1)
		return;
	log_warnx("evacuation %lld (%s) is still open: %lld of %lld not yet "
	    "accounted for", (long long)id, kind,
	    (long long)evac_count(h, id, "", false),
	    (long long)evac_int(h, "SELECT count(*) FROM evac_item WHERE "
	    "evac_id = ?1", id, NULL));
	mqtt_state_changed(h->mqtt);
}

/* ---- accounting ------------------------------------------------------ */

/* "expected: room:101, visit:3, ..." into msg after its text. */
static void
evac_expected_list(struct husvagt *h, int64_t id, char *msg, size_t len)
{
	sqlite3_stmt *st;
	size_t n = strlen(msg);
	const char *sep = "; expected: ";
	int k = 0, rc;

	if (db_prepare(h->db, "SELECT who FROM evac_item WHERE evac_id = ?1"
	    EVAC_ORDER, &st) == -1)
		return;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n + 64 < len) {
		n += (size_t)snprintf(msg + n, len - n, "%s%s", sep,
		    sqlite3_column_text(st, 0));
		sep = ", ";
		k++;
	}
	if (k == 0)
		snprintf(msg + n, len - n, "; nobody was expected");
	else if (rc == SQLITE_ROW)	/* more than the message holds */
		snprintf(msg + n, len - n, ", ...");
	sqlite3_finalize(st);
}

/* An item of evac id: 1 found (with when and by whom it was accounted
 * for, and the stay of a room), 0 not in the record, -1 error. */
static int
evac_item_get(struct husvagt *h, int64_t id, const char *who, char *at,
    char *by, size_t len, int64_t *stay)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(h->db, "SELECT accounted_at, accounted_by, "
	    "json_extract(detail, '$.stay') FROM evac_item WHERE "
	    "evac_id = ?1 AND who = ?2", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(at, len, "%s", sqlite3_column_text(st, 0) ?
		    (const char *)sqlite3_column_text(st, 0) : "");
		snprintf(by, len, "%s", sqlite3_column_text(st, 1) ?
		    (const char *)sqlite3_column_text(st, 1) : "");
		*stay = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return rc == SQLITE_ROW;
}

/* Set (or with NULLs clear) when and by whom an item was accounted
 * for; -1 on error. */
static int
evac_item_mark(struct husvagt *h, int64_t id, const char *who,
    const char *at, const char *by)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(h->db, "UPDATE evac_item SET accounted_at = ?3, "
	    "accounted_by = ?4 WHERE evac_id = ?1 AND who = ?2", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);	/* NULL: NULL */
	sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("evac: %s: %s", who, sqlite3_errmsg(h->db));
		return -1;
	}
	return 0;
}

/* The journal subject of an item: a room's stay, else the item. */
static void
evac_subject(const char *who, int64_t stay, char *buf, size_t len)
{
	if (!strncmp(who, "room:", 5) && stay > 0)
		snprintf(buf, len, "stay:%lld", (long long)stay);
	else if (!strncmp(who, "room:", 5))
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%s", who);
}

/*
 * After an item changed: the last one accounted for is the all-clear
 * (minutes since the start); one unaccounted again withdraws it.
 */
static void
evac_all_clear(struct husvagt *h, int64_t id, const char *actor, bool on,
    const char *now)
{
	int64_t left = evac_count(h, id, "", false);
	int64_t set = evac_int(h, "SELECT all_clear_at IS NOT NULL FROM "
	    "evacuation WHERE id = ?1", id, NULL);
	double min;

	if (on && left == 0 && set == 0) {
		if (evac_run(h, "UPDATE evacuation SET all_clear_at = ?2 "
		    "WHERE id = ?1", id, now, NULL) == -1)
			return;
		min = (double)evac_int(h, "SELECT CAST(round((julianday("
		    "all_clear_at) - julianday(started_at)) * 14400) AS "
		    "INTEGER) FROM evacuation WHERE id = ?1", id, NULL) / 10;
		husvagt_journal(h, "evacuation.all_clear", "", actor, "",
		    json_pack("{s:I, s:f}", "evacuation", (json_int_t)id,
		    "minutes", min));
	} else if (!on && left > 0 && set == 1) {
		if (evac_run(h, "UPDATE evacuation SET all_clear_at = NULL "
		    "WHERE id = ?1", id, NULL, NULL) == -1)
			return;
		husvagt_journal(h, "evacuation.all_clear_withdrawn", "", actor,
		    "", json_pack("{s:I, s:I}", "evacuation", (json_int_t)id,
		    "unaccounted", (json_int_t)left));
	}
}

const char *
evac_account(struct husvagt *h, const char *who, bool on, const char *actor,
    char *msg, size_t len)
{
	char at[40], by[40], now[32], subject[EVAC_WHO_MAX + 8];
	int64_t id = evac_open_id(h), stay = 0;
	int rc;

	if (id < 0)
		return "internal";
	if (id == 0) {
		snprintf(msg, len, "no evacuation is open: nobody to account "
		    "for");
		return "no_evacuation";
	}
	if ((rc = evac_item_get(h, id, who, at, by, sizeof(at), &stay)) < 0)
		return "internal";
	if (rc == 0) {
		snprintf(msg, len, "%s is not on the roll call of evacuation "
		    "%lld", who, (long long)id);
		evac_expected_list(h, id, msg, len);
		return "not_expected";
	}
	if (on && at[0] != '\0') {
		snprintf(msg, len, "%s was already accounted for at %s by %s",
		    who, at, by);
		return "already_accounted";
	}
	if (!on && at[0] == '\0') {
		snprintf(msg, len, "%s is not accounted for", who);
		return "not_accounted";
	}
	clock_iso8601(now, sizeof(now));
	evac_subject(who, stay, subject, sizeof(subject));
	if (husvagt_journal(h, on ? "evacuation.accounted" :
	    "evacuation.unaccounted", "", actor, subject, json_pack("{s:I, "
	    "s:s}", "evacuation", (json_int_t)id, "who", who)) < 0 ||
	    evac_item_mark(h, id, who, on ? now : NULL, on ? actor : NULL) ==
	    -1)
		return "internal";
	evac_all_clear(h, id, actor, on, now);
	mqtt_state_changed(h->mqtt);
	return NULL;
}

const char *
evac_close(struct husvagt *h, const char *actor, char *msg, size_t len)
{
	int64_t id = evac_open_id(h);

	if (id < 0)
		return "internal";
	if (id == 0) {
		snprintf(msg, len, "no evacuation is open");
		return "no_evacuation";
	}
	if (h->mode.fire_input) {
		snprintf(msg, len, "the fire panel is still in alarm: close "
		    "evacuation %lld once it has cleared", (long long)id);
		return "fire_input_active";
	}
	if (evac_close_row(h, id, actor, NULL) == -1)
		return "internal";
	return NULL;
}

/* ---- what staff and the state topic see ------------------------------ */

/* A text column, or NULL for SQL NULL. */
static const char *
evac_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

/* The record id (open, else the last closed) as {fields}; NULL: none. */
static json_t *
evac_record_json(struct husvagt *h, int64_t *id)
{
	sqlite3_stmt *st;
	json_t *r = NULL;

	if (db_prepare(h->db, "SELECT id, kind, started_at, started_by, "
	    "all_clear_at, CAST(round((julianday(all_clear_at) - "
	    "julianday(started_at)) * 14400) AS INTEGER), closed_at, "
	    "closed_by FROM evacuation ORDER BY closed_at IS NULL DESC, "
	    "id DESC LIMIT 1", &st) == -1)
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
evac_items_json(struct husvagt *h, int64_t id)
{
	json_t *a = json_array();
	sqlite3_stmt *st;
	char ages[64];

	if (db_prepare(h->db, "SELECT i.who, s.alias, v.guest, "
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
		json_array_append_new(a, json_pack("{s:s, s:O, s:s?, s:s?, "
		    "s:O, s:O, s:s, s:b, s:s?, s:s?}",
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
evac_status_json(struct husvagt *h)
{
	json_t *r;
	int64_t id = 0;

	if ((r = evac_record_json(h, &id)) == NULL)
		return json_pack("{s:n}", "evacuation");
	json_object_set_new(r, "expected", json_integer(evac_count(h, id, "",
	    false) + evac_count(h, id, "", true)));
	json_object_set_new(r, "unaccounted", json_integer(evac_count(h, id,
	    "", false)));
	json_object_set_new(r, "items", evac_items_json(h, id));
	return r;
}

/* The rooms of record id for the state topic: numbers and counts. */
static json_t *
evac_state_rooms(struct husvagt *h, int64_t id)
{
	json_t *a = json_array();
	sqlite3_stmt *st;

	if (db_prepare(h->db, "SELECT json_extract(detail, '$.room'), "
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
evac_state_counts(struct husvagt *h, int64_t id, const char *prefix)
{
	int64_t yes = evac_count(h, id, prefix, true);

	return json_pack("{s:I, s:I}", "total", (json_int_t)(yes +
	    evac_count(h, id, prefix, false)), "accounted", (json_int_t)yes);
}

json_t *
evac_state_json(struct husvagt *h)
{
	sqlite3_stmt *st;
	json_t *r = NULL;
	int64_t id;

	if (db_prepare(h->db, "SELECT id, kind, started_at, all_clear_at "
	    "FROM evacuation WHERE closed_at IS NULL ORDER BY id DESC "
	    "LIMIT 1", &st) == -1)
		return NULL;	/* nothing published rather than a wrong "no" */
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		r = json_pack("{s:b, s:I, s:s, s:s, s:s?, s:o, s:o, s:o}",
		    "active", 1, "evacuation", (json_int_t)id,
		    "kind", evac_text(st, 1), "started", evac_text(st, 2),
		    "all_clear", evac_text(st, 3),
		    "rooms", evac_state_rooms(h, id),
		    "visits", evac_state_counts(h, id, "visit:"),
		    "staff", evac_state_counts(h, id, "staff:"));
	} else
		r = json_pack("{s:b}", "active", 0);
	sqlite3_finalize(st);
	return r;
}

json_t *
evac_mark_json(struct husvagt *h, const char *who)
{
	sqlite3_stmt *st;
	json_t *r = NULL;

	if (db_prepare(h->db, "SELECT i.evac_id, i.accounted_at, "
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
