/*
 * Visits: opened when staff admit a caller, closed at check-out, and
 * watched for overstay from the poll loop.  A visit's journal rows name
 * visit:ID and stay ids, never the guest; her name stays in the visit
 * row for guest.inside and is erased by retention with the stay's.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "db.h"
#include "guest.h"
#include "house.h"
#include "journal.h"
#include "log.h"

/* The overstay check runs at least this often, and at the moment the
 * earliest open visit reaches its limit. */
#define VISIT_TICK_MS	30000
#define VISIT_BATCH	64

/* Minutes (whole) and seconds (fraction) since a column's time, at ?1. */
#define VISIT_SECS(col)	"((julianday(?1) - julianday(" col ")) * 86400.0)"

static json_t *
visit_id_or_null(int64_t id)
{
	return id != 0 ? json_integer(id) : json_null();
}

/* The detail of visit.admitted. */
static json_t *
visit_admitted_detail(const struct guest_eval *e, const char *override)
{
	json_t *d = json_pack("{s:o, s:o, s:b}", "stay",
	    visit_id_or_null(e->stay), "agreement",
	    visit_id_or_null(e->agreement), "override", override != NULL);

	if (d != NULL && override != NULL) {
		json_object_set_new(d, "reasons",
		    guest_reasons_json(e->v.reasons, NULL));
	}
	return d;
}

int64_t
visit_open(struct husvagt *h, const struct guest_eval *e, const char *name,
    const char *door, const char *actor, const char *override)
{
	sqlite3_stmt *st;
	struct journal_text reason = { "override_reason", override, e->stay };
	char now[32], subject[40];
	int64_t id = -1;

	clock_iso8601(now, sizeof(now));
	if (db_prepare(h->db, "INSERT INTO visit (stay_id, agreement_id, "
	    "guest, door, admitted_at, admitted_by, override_reason) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?)", &st) == -1)
		return -1;
	if (e->stay != 0)
		sqlite3_bind_int64(st, 1, e->stay);
	if (e->agreement != 0)
		sqlite3_bind_int64(st, 2, e->agreement);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, door, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, actor, -1, SQLITE_STATIC);
	if (override != NULL)
		sqlite3_bind_text(st, 7, override, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(h->db);
	else
		log_warnx("visit: %s", sqlite3_errmsg(h->db));
	sqlite3_finalize(st);
	if (id < 0)
		return -1;
	snprintf(subject, sizeof(subject), "visit:%lld", (long long)id);
	if (house_journal_text(h, "visit.admitted", door, actor, subject,
	    visit_admitted_detail(e, override), override != NULL ? &reason :
	    NULL) < 0) {
		/* Not journalled, not admitted: the row goes again. */
		guest_exec(h, "DELETE FROM visit WHERE id = ?", id, NULL, NULL);
		return -1;
	}
	guest_check_soon();
	house_state_changed(h);
	return id;
}

const char *
visit_close(struct husvagt *h, int64_t visit, const char *actor)
{
	sqlite3_stmt *st;
	char now[32], subject[40];
	int64_t stay = 0;
	int rc, open = 0, minutes = 0;

	clock_iso8601(now, sizeof(now));
	if (db_prepare(h->db, "SELECT stay_id, checked_out_at IS NULL, CAST("
	    VISIT_SECS("admitted_at") " / 60 AS INTEGER) FROM visit WHERE "
	    "id = ?2", &st) == -1)
		return "internal";
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, visit);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		stay = sqlite3_column_int64(st, 0);
		open = sqlite3_column_int(st, 1);
		minutes = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? "not_found" : "internal";
	if (!open)
		return "checked_out";
	snprintf(subject, sizeof(subject), "visit:%lld", (long long)visit);
	if (house_journal(h, "visit.checked_out", "", actor, subject,
	    json_pack("{s:o, s:i}", "stay", visit_id_or_null(stay),
	    "minutes", minutes)) < 0)
		return "journal";
	if (guest_exec(h, "UPDATE visit SET checked_out_at = ?2, "
	    "checked_out_by = ?3 WHERE id = ?1", visit, now, actor) == -1)
		return "internal";
	/* The alarm stays in the list until staff acknowledge it. */
	alarm_cause_cleared(h, "overstay", subject);
	house_state_changed(h);
	return NULL;
}

json_t *
visit_inside_json(struct husvagt *h)
{
	json_t *a = json_array();
	sqlite3_stmt *st;
	char now[32];

	clock_iso8601(now, sizeof(now));
	if (a == NULL || db_prepare(h->db, "SELECT v.id, v.stay_id, s.alias, "
	    "v.guest, v.door, v.admitted_at, CAST(" VISIT_SECS("v.admitted_at")
	    " / 60 AS INTEGER), v.overstay_at IS NOT NULL, v.agreement_id "
	    "FROM visit v LEFT JOIN stay s ON s.id = v.stay_id WHERE "
	    "v.checked_out_at IS NULL ORDER BY v.id", &st) == -1)
		return a;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:I, s:o, s:s?, s:s?, "
		    "s:s, s:s, s:i, s:b, s:o}",
		    "visit", (json_int_t)sqlite3_column_int64(st, 0),
		    "stay", visit_id_or_null(sqlite3_column_int64(st, 1)),
		    "alias", (const char *)sqlite3_column_text(st, 2),
		    "guest", (const char *)sqlite3_column_text(st, 3),
		    "door", (const char *)sqlite3_column_text(st, 4),
		    "since", (const char *)sqlite3_column_text(st, 5),
		    "minutes", sqlite3_column_int(st, 6),
		    "overstay", sqlite3_column_int(st, 7),
		    "agreement", visit_id_or_null(sqlite3_column_int64(st, 8))));
	sqlite3_finalize(st);
	return a;
}

/* An open visit found past its limit. */
struct visit_over {
	int64_t		 id;
	int64_t		 stay;
	int		 minutes;
	const char	*reason;	/* "over_limit", "after_hours" */
	char		 door[CONFIG_NAME_MAX];
};

/* Was a visit admitted ("2026-11-23T18:40:00.123Z") within the visiting
 * hours?  One let in outside them by an override is not called after
 * hours for it. */
static bool
visit_admitted_in_hours(struct husvagt *h, const char *at)
{
	struct tm tm;
	int wd, min, date;

	memset(&tm, 0, sizeof(tm));
	if (at == NULL || strptime(at, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return true;
	guest_local(timegm(&tm), &wd, &min, &date);
	return guest_in_hours(h, wd, min);
}

/* Journal, mark and raise one overstay. */
static void
visit_overstay(struct husvagt *h, const struct visit_over *o)
{
	char subject[40], now[32];
	int64_t alarm;

	snprintf(subject, sizeof(subject), "visit:%lld", (long long)o->id);
	alarm = alarm_raise(h, "overstay", subject, true);
	if (house_journal(h, "visit.overstay", o->door, "system", subject,
	    json_pack("{s:o, s:s, s:i, s:I}", "stay",
	    visit_id_or_null(o->stay), "reason", o->reason, "minutes",
	    o->minutes, "alarm", (json_int_t)alarm)) < 0)
		return;		/* tried again at the next check */
	clock_iso8601(now, sizeof(now));
	guest_exec(h, "UPDATE visit SET overstay_at = ?2 WHERE id = ?1",
	    o->id, now, NULL);
}

/*
 * Read the open visits not yet called overstaying: those past their
 * limit go into o (at most max), *left_ms is the time until the next
 * one reaches it.  Returns how many, -1 on error.
 */
static int
visit_find_over(struct husvagt *h, struct visit_over *o, int max,
    int64_t *left_ms)
{
	int limit_s = h->cfg.guests.max_visit_min * 60, n = 0, wd, min, date;
	sqlite3_stmt *st;
	char now[32];
	double secs;
	bool in_hours;

	clock_iso8601(now, sizeof(now));
	guest_local(clock_wall(), &wd, &min, &date);
	in_hours = guest_in_hours(h, wd, min);
	if (db_prepare(h->db, "SELECT id, stay_id, door, admitted_at, "
	    VISIT_SECS("admitted_at") " FROM visit WHERE checked_out_at IS "
	    "NULL AND overstay_at IS NULL ORDER BY id", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	while (n < max && sqlite3_step(st) == SQLITE_ROW) {
		secs = sqlite3_column_double(st, 4);
		o[n].reason = secs >= limit_s ? "over_limit" : !in_hours &&
		    visit_admitted_in_hours(h, (const char *)
		    sqlite3_column_text(st, 3)) ? "after_hours" : NULL;
		if (o[n].reason == NULL) {
			if ((limit_s - secs) * 1000 < *left_ms)
				*left_ms = (int64_t)((limit_s - secs) * 1000);
			continue;
		}
		o[n].id = sqlite3_column_int64(st, 0);
		o[n].stay = sqlite3_column_int64(st, 1);
		o[n].minutes = (int)(secs / 60);
		snprintf(o[n].door, sizeof(o[n].door), "%s",
		    (const char *)sqlite3_column_text(st, 2));
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

uint64_t
visit_overstay_check(struct husvagt *h, uint64_t now)
{
	struct visit_over o[VISIT_BATCH];
	int64_t left = VISIT_TICK_MS;
	int i, n;

	n = visit_find_over(h, o, VISIT_BATCH, &left);
	for (i = 0; i < n; i++)
		visit_overstay(h, &o[i]);
	if (n == VISIT_BATCH)
		return now + 1;		/* more to do */
	/* A little after the limit, so the visit is past it then. */
	return now + (uint64_t)(left < 0 ? 0 : left) + 50;
}
