/*
 * The registry of open alarms.  The database's alarm table is
 * the registry, so a restart keeps what staff have not yet seen.  An
 * alarm is raised once per cause (class and point): raising it again
 * while it is open only marks its cause present again.  It leaves the
 * list when staff have acknowledged it and its physical cause has
 * cleared; an alarm without a physical cause (duress) is born cleared.
 * The journal rows of the alarms themselves are written by their callers
 * (events.c, reader.c); here only alarm.acknowledged is.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "house.h"
#include "log.h"

/* Alarms with a cause checked at start: more are left for the next. */
#define ALARM_START_MAX	256

/* Open: not both acknowledged and cleared. */
#define ALARM_OPEN	"NOT (acked_at IS NOT NULL AND " \
			"cause_cleared_at IS NOT NULL)"

/* The id of the open alarm of a cause; 0: none; -1: error. */
static int64_t
alarm_find(struct husvagt *h, const char *cls, const char *point)
{
	sqlite3_stmt *st;
	int64_t id = -1;
	int rc;

	if (db_prepare(h->db, "SELECT id FROM alarm WHERE class = ? AND "
	    "point = ? AND " ALARM_OPEN, &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, cls, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, point, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		id = 0;
	sqlite3_finalize(st);
	return id;
}

/* Run one statement with an id and up to two texts; -1 on error. */
static int
alarm_update(struct husvagt *h, const char *sql, int64_t id, const char *t1,
    const char *t2)
{
	return db_run(h->db, sql, id, t1, t2);
}

int64_t
alarm_raise(struct husvagt *h, const char *cls, const char *point,
    bool physical)
{
	sqlite3_stmt *st;
	char now[32];
	int64_t id;

	id = alarm_find(h, cls, point);
	if (id < 0)
		return -1;
	house_state_changed(h);
	if (id > 0) {
		if (physical && alarm_update(h, "UPDATE alarm SET "
		    "cause_cleared_at = NULL WHERE id = ?", id, NULL,
		    NULL) == -1)
			return -1;
		return id;
	}
	clock_iso8601(now, sizeof(now));
	if (db_prepare(h->db, "INSERT INTO alarm (class, point, raised_at, "
	    "cause_cleared_at) VALUES (?, ?, ?, ?)", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, cls, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, point, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	if (!physical)
		sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(h->db);
	else
		log_warnx("alarm: %s %s: %s", cls, point,
		    sqlite3_errmsg(h->db));
	sqlite3_finalize(st);
	alarm_outputs_update(h);
	return id;
}

void
alarm_cause_cleared(struct husvagt *h, const char *cls, const char *point)
{
	int64_t id = alarm_find(h, cls, point);
	char now[32];

	if (id <= 0)
		return;
	clock_iso8601(now, sizeof(now));
	alarm_update(h, "UPDATE alarm SET cause_cleared_at = ?2 WHERE "
	    "id = ?1 AND cause_cleared_at IS NULL", id, now, NULL);
	house_state_changed(h);
	alarm_outputs_update(h);
}

/* The class and point of an open alarm; -1 when there is none. */
static int
alarm_get(struct husvagt *h, int64_t id, char *cls, char *point,
    size_t len, bool *acked)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(h->db, "SELECT class, point, acked_at IS NOT NULL "
	    "FROM alarm WHERE id = ? AND " ALARM_OPEN, &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(cls, len, "%s", sqlite3_column_text(st, 0));
		snprintf(point, len, "%s", sqlite3_column_text(st, 1));
		*acked = sqlite3_column_int(st, 2) != 0;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

const char *
alarm_ack(struct husvagt *h, int64_t id, const char *actor)
{
	char cls[64], point[64], now[32];
	bool acked;

	if (alarm_get(h, id, cls, point, sizeof(cls), &acked) == -1)
		return "not_found";
	if (acked)
		return NULL;
	clock_iso8601(now, sizeof(now));
	if (house_journal(h, "alarm.acknowledged", point, actor, "",
	    json_pack("{s:I, s:s}", "alarm", (json_int_t)id, "class",
	    cls)) < 0)
		return "journal";
	if (alarm_update(h, "UPDATE alarm SET acked_at = ?2, acked_by = ?3 "
	    "WHERE id = ?1", id, now, actor) == -1)
		return "internal";
	house_state_changed(h);
	alarm_outputs_update(h);
	return NULL;
}

json_t *
alarm_list_json(struct husvagt *h)
{
	json_t *a = json_array();
	sqlite3_stmt *st;

	if (a == NULL || db_prepare(h->db, "SELECT id, class, point, "
	    "raised_at, cause_cleared_at IS NULL, acked_at IS NOT NULL "
	    "FROM alarm WHERE " ALARM_OPEN " ORDER BY id", &st) == -1)
		return a;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, "
		    "s:b, s:b}", "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "class", (const char *)sqlite3_column_text(st, 1),
		    "point", (const char *)sqlite3_column_text(st, 2),
		    "since", (const char *)sqlite3_column_text(st, 3),
		    "cause_active", sqlite3_column_int(st, 4),
		    "acked", sqlite3_column_int(st, 5)));
	sqlite3_finalize(st);
	return a;
}

/*
 * Is the cause of a loop or input alarm still there at start?  The point
 * (by role) as the HAL read it when it opened: a loop not normal, a plain
 * input active.  A point the board no longer has, or cannot read yet, is
 * taken as cleared, as the input reports any change later.
 */
static bool
alarm_cause_present(struct husvagt *h, const char *role)
{
	const struct board_point *bp;
	int p = hal_point(h->hal, role), v;

	if (p < 0 || hal_input_get(h->hal, p, &v) != 0)
		return false;
	bp = hal_point_info(h->hal, p);
	if (bp->kind == BOARD_SUPERVISED)
		return v != HAL_LOOP_NORMAL;
	return bp->kind == BOARD_INPUT && v != 0;
}

/*
 * At start, after the doors have read their contacts and before the
 * alarm inputs are read: a forced or held door found closed, a loop or
 * input found at rest, and every module fault (the first polls raise it
 * again) have their causes cleared; events_at_start then raises
 * (marks present) those still there.  An alarm whose cause is still there
 * is left as it was, acknowledgement included, so a restart neither
 * sounds a siren staff have silenced nor lists the alarm twice.
 */
void
alarm_at_start(struct husvagt *h)
{
	int64_t clear[ALARM_START_MAX];
	char now[32];
	sqlite3_stmt *st;
	int i, n = 0;

	for (i = 0; i < h->ndoors; i++)
		if (!h->doors[i].st.open) {
			alarm_cause_cleared(h, "forced", h->doors[i].name);
			alarm_cause_cleared(h, "held", h->doors[i].name);
		}

	if (db_prepare(h->db, "SELECT id, class, point FROM alarm WHERE "
	    "cause_cleared_at IS NULL AND class IN ('fire', 'panic', "
	    "'tamper', 'fault')", &st) == -1)
		return;
	while (sqlite3_step(st) == SQLITE_ROW && n < ALARM_START_MAX)
		if (!strcmp((const char *)sqlite3_column_text(st, 1),
		    "fault") || !alarm_cause_present(h,
		    (const char *)sqlite3_column_text(st, 2)))
			clear[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	clock_iso8601(now, sizeof(now));
	for (i = 0; i < n; i++)
		alarm_update(h, "UPDATE alarm SET cause_cleared_at = ?2 WHERE "
		    "id = ?1", clear[i], now, NULL);
}
