/*
 * Staff on duty: who is in the house to be counted in an evacuation.
 * One open row per login in the duty table (its unique index duty_on
 * keeps it so); clocking out closes it.  Staff clock in and out with
 * husvagtctl staff on|off or by chip at a duty reader (reader.c).
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "evac.h"
#include "house.h"
#include "log.h"

int
duty_is_on(struct husvagt *h, const char *login)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(h->db, "SELECT 1 FROM duty WHERE login = ? AND "
	    "off_at IS NULL", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return rc == SQLITE_ROW;
}

/* When login clocked in (its open row); -1 when it is not on duty. */
static int
duty_since(struct husvagt *h, const char *login, char *since, size_t len)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(h->db, "SELECT on_at FROM duty WHERE login = ? AND "
	    "off_at IS NULL", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		snprintf(since, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Open (on) or close the login's row at now; -1 on a database error. */
static int
duty_write(struct husvagt *h, const char *login, bool on, const char *via,
    const char *now)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(h->db, on ? "INSERT INTO duty (login, on_at, via) "
	    "VALUES (?1, ?2, ?3)" : "UPDATE duty SET off_at = ?2 WHERE "
	    "login = ?1 AND off_at IS NULL", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	if (on)
		sqlite3_bind_text(st, 3, via, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("duty: %s: %s", login, sqlite3_errmsg(h->db));
		return -1;
	}
	return 0;
}

const char *
duty_set(struct husvagt *h, const char *login, bool on, const char *via,
    const char *actor, char *since, size_t len)
{
	char now[32], subject[ROLE_LOGIN_MAX + 8];
	int is_on = duty_is_on(h, login);

	if (is_on < 0)
		return "internal";
	since[0] = '\0';
	if (is_on)
		duty_since(h, login, since, len);
	if (on && is_on)
		return "already_on_duty";
	if (!on && !is_on)
		return "not_on_duty";
	clock_iso8601(now, sizeof(now));
	snprintf(subject, sizeof(subject), "staff:%s", login);
	/* The journal first: a change nobody could read back is not made. */
	if (house_journal(h, on ? "staff.on_duty" : "staff.off_duty", "",
	    actor, subject, json_pack("{s:s}", "via", via)) < 0 ||
	    duty_write(h, login, on, via, now) == -1)
		return "internal";
	if (on)
		snprintf(since, len, "%s", now);
	house_state_changed(h);
	return NULL;
}

json_t *
duty_list_json(struct husvagt *h)
{
	json_t *a = json_array();
	sqlite3_stmt *st;

	if (a == NULL || db_prepare(h->db, "SELECT login, on_at, via FROM "
	    "duty WHERE off_at IS NULL ORDER BY on_at, id", &st) == -1)
		return a;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}",
		    "login", (const char *)sqlite3_column_text(st, 0),
		    "since", (const char *)sqlite3_column_text(st, 1),
		    "via", (const char *)sqlite3_column_text(st, 2)));
	sqlite3_finalize(st);
	return a;
}
