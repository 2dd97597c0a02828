/*
 * The registry of open alarms (issue 6).  The database's alarm table is
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
#include "husvagtd.h"
#include "log.h"

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
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(h->db, sql, &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (t1 != NULL)
		sqlite3_bind_text(st, 2, t1, -1, SQLITE_STATIC);
	if (t2 != NULL)
		sqlite3_bind_text(st, 3, t2, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("alarm: %s", sqlite3_errmsg(h->db));
		return -1;
	}
	return 0;
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
	mqtt_state_changed(h->mqtt);
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
	mqtt_state_changed(h->mqtt);
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
	if (husvagt_journal(h, "alarm.acknowledged", point, actor, "",
	    json_pack("{s:I, s:s}", "alarm", (json_int_t)id, "class",
	    cls)) < 0)
		return "journal";
	if (alarm_update(h, "UPDATE alarm SET acked_at = ?2, acked_by = ?3 "
	    "WHERE id = ?1", id, now, actor) == -1)
		return "internal";
	mqtt_state_changed(h->mqtt);
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
 * At start, after the doors have read their contacts and before the
 * alarm inputs are read: the causes of loop, input and module alarms are
 * taken as cleared, and husvagt_alarms_at_start raises again (marks
 * present) those still there.  A door forced or held keeps its cause
 * while it is still open.
 */
void
alarm_at_start(struct husvagt *h)
{
	char now[32];
	sqlite3_stmt *st;
	int i;

	for (i = 0; i < h->ndoors; i++)
		if (!h->doors[i].st.open) {
			alarm_cause_cleared(h, "forced", h->doors[i].name);
			alarm_cause_cleared(h, "held", h->doors[i].name);
		}

	clock_iso8601(now, sizeof(now));
	if (db_prepare(h->db, "UPDATE alarm SET cause_cleared_at = ? WHERE "
	    "cause_cleared_at IS NULL AND class IN ('fire', 'panic', "
	    "'tamper', 'fault')", &st) == -1)
		return;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warnx("alarm: at start: %s", sqlite3_errmsg(h->db));
	sqlite3_finalize(st);
}
