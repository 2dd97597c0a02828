/*
 * The safety report's queries: evacuations and drills, alarms with their
 * acknowledgement times, forced and held doors, lockdowns with their
 * cause, refused visitors and overrides, for a period of the site's local
 * dates.  Everything comes from the database as it stands -- the journal,
 * the alarm table and the evacuation roll calls -- and nothing is
 * written.  No alias or guest name is read: the journal has none, and the
 * register's names are never joined in.
 *
 * Times in the reply are the journal's UTC ISO 8601 text; durations are
 * whole seconds.  husvagtctl turns them into the site's local time and
 * minutes for people.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "db.h"
#include "report_query.h"
#include "report_query_int.h"


/* Bind text to the parameter called name, when sql has it. */
void
report_bind(sqlite3_stmt *st, const char *name, const char *text)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
}

/* Prepare sql and bind the period's bounds to :lo and :hi. */
sqlite3_stmt *
report_stmt(const struct report_query *r, const char *sql)
{
	sqlite3_stmt *st;

	if (db_prepare(r->db, sql, &st) == -1)
		return NULL;
	report_bind(st, ":lo", r->lo);
	report_bind(st, ":hi", r->hi);
	return st;
}

const char *
report_col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* A duration in seconds, or null when unknown (negative). */
json_t *
report_secs(int64_t s)
{
	return s < 0 ? json_null() : json_integer(s);
}

/* The UTC journal time of the site's local midnight starting dt. */
static int
report_midnight(const struct report_date *dt, char *buf, size_t len)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = dt->y - 1900;
	tm.tm_mon = dt->m - 1;
	tm.tm_mday = dt->d;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1 || gmtime_r(&t, &tm) == NULL)
		return -1;
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	return 0;
}

/* The site's local date of a journal time; -1 when it is not one. */
int
report_local_date(const char *iso, struct report_date *out)
{
	int64_t secs;
	time_t t;
	struct tm tm;

	if (iso == NULL || report_utc_secs(iso, &secs) == -1)
		return -1;
	t = (time_t)secs;
	if (localtime_r(&t, &tm) == NULL)
		return -1;
	out->y = tm.tm_year + 1900;
	out->m = tm.tm_mon + 1;
	out->d = tm.tm_mday;
	return 0;
}

/*
 * Who was found last, and how many were not found: the item accounted
 * last, or the first still missing, which outranks any found.
 */
static void
report_evac_items(const struct report_query *r, int64_t id, const char *started,
    json_t *e)
{
	sqlite3_stmt *st;
	json_t *longest = NULL;
	int64_t items = 0, missing = 0;
	const char *who, *at;

	if (db_prepare(r->db, "SELECT who, accounted_at FROM evac_item "
	    "WHERE evac_id = ? ORDER BY accounted_at IS NULL DESC, "
	    "accounted_at DESC, who", &st) == -1)
		return;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		who = report_col(st, 0);
		at = report_col(st, 1);
		items++;
		missing += at == NULL;
		if (longest == NULL)
			longest = json_pack("{s:s, s:o, s:b}", "who", who,
			    "seconds", at == NULL ? json_null() :
			    report_secs(report_seconds_between(started, at)),
			    "still_missing", at == NULL);
	}
	sqlite3_finalize(st);
	json_object_set_new(e, "items", json_integer(items));
	json_object_set_new(e, "unaccounted", json_integer(missing));
	json_object_set_new(e, "missing_longest", longest != NULL ? longest :
	    json_null());
}

/* Evacuations and drills begun in the period, oldest first. */
static json_t *
report_evacuations(const struct report_query *r)
{
	sqlite3_stmt *st;
	json_t *a = json_array(), *e;
	const char *started, *clear;

	if ((st = report_stmt(r, "SELECT id, kind, started_at, started_by, "
	    "all_clear_at, closed_at FROM evacuation WHERE started_at >= :lo "
	    "AND started_at < :hi ORDER BY started_at, id")) == NULL)
		return a;
	while (sqlite3_step(st) == SQLITE_ROW) {
		started = report_col(st, 2);
		clear = report_col(st, 4);
		e = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:o, s:s?}",
		    "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "kind", report_col(st, 1), "started", started,
		    "started_by", report_col(st, 3), "all_clear", clear,
		    "seconds_to_all_clear", clear == NULL ? json_null() :
		    report_secs(report_seconds_between(started, clear)),
		    "closed", report_col(st, 5));
		if (e == NULL)
			continue;
		report_evac_items(r, sqlite3_column_int64(st, 0), started, e);
		json_array_append_new(a, e);
	}
	sqlite3_finalize(st);
	return a;
}

/*
 * Forced or held doors: journal rows of that type in the period, by
 * door.  The type is spelt out in the SQL, not bound, so that SQLite
 * sees the rows are in the journal_safety index (db.c).
 */
#define REPORT_DOORS(type)	"SELECT point, count(*) FROM journal " \
	"WHERE time >= :lo AND time < :hi AND type = '" type "' " \
	"GROUP BY point ORDER BY 2 DESC, 1"

/*
 * The seq after which to look for lockdowns: the last mode change before
 * the period that left the lockdown latch off (0: the journal's start),
 * so a lockdown already on when the period begins is found with its
 * real start and cause.
 */
static int64_t
report_lockdown_base(const struct report_query *r)
{
	sqlite3_stmt *st;
	int64_t seq = 0;

	if ((st = report_stmt(r, "SELECT seq FROM journal WHERE time < :lo "
	    "AND type = 'mode.changed' AND "
	    "NOT coalesce(json_extract(detail, '$.lockdown'), 0) "
	    "ORDER BY time DESC, seq DESC LIMIT 1")) == NULL)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return seq;
}

/* A lockdown ends: its end, who lifted it, how long it lasted. */
static void
report_lockdown_end(json_t *l, sqlite3_stmt *st)
{
	const char *started = json_string_value(json_object_get(l, "started"));

	json_object_set_new(l, "ended", json_string(report_col(st, 1)));
	json_object_set_new(l, "lifted_by", json_string(report_col(st, 2)));
	json_object_set_new(l, "seconds", report_secs(
	    report_seconds_between(started, report_col(st, 1))));
}

/*
 * Lockdowns that overlap the period, from the lockdown latch in the
 * mode.changed rows: it turning on starts one (with that row's cause,
 * point and actor), turning off ends it.
 */
static json_t *
report_lockdowns(const struct report_query *r)
{
	sqlite3_stmt *st;
	json_t *a = json_array(), *cur = NULL;
	const char *ended;
	size_t i;

	if ((st = report_stmt(r, "SELECT seq, time, actor, point, "
	    "json_extract(detail, '$.cause'), "
	    "coalesce(json_extract(detail, '$.lockdown'), 0) FROM journal "
	    "WHERE seq > :base AND time < :hi AND type = 'mode.changed' "
	    "ORDER BY seq")) == NULL)
		return a;
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":base"),
	    report_lockdown_base(r));
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (cur == NULL && sqlite3_column_int(st, 5)) {
			cur = json_pack("{s:s, s:n, s:s?, s:s, s:s, s:n, s:n}",
			    "started", report_col(st, 1), "ended",
			    "cause", report_col(st, 4), "point",
			    report_col(st, 3) ?: "", "actor",
			    report_col(st, 2), "lifted_by", "seconds");
			json_array_append_new(a, cur);
		} else if (cur != NULL && !sqlite3_column_int(st, 5)) {
			report_lockdown_end(cur, st);
			cur = NULL;
		}
	}
	sqlite3_finalize(st);
	/* Those that ended before the period began were only context. */
	for (i = json_array_size(a); i-- > 0;) {
		ended = json_string_value(json_object_get(json_array_get(a, i),
		    "ended"));
		if (ended != NULL && strcmp(ended, r->lo) < 0)
			json_array_remove(a, i);
	}
	return a;
}

/*
 * Refused visitors by reason: a refusal with several reasons counts
 * under each; one refused at staff's discretion, with no rule against
 * the caller, counts as staff_decision.
 */
static json_t *
report_refusals(const struct report_query *r)
{
	return report_counts(r, "SELECT reason, count(*) FROM ("
	    "SELECT rs.value AS reason FROM journal j, "
	    "json_each(j.detail, '$.reasons') rs WHERE j.time >= :lo AND "
	    "j.time < :hi AND j.type = 'visit.refused' UNION ALL "
	    "SELECT 'staff_decision' FROM journal WHERE time >= :lo AND "
	    "time < :hi AND type = 'visit.refused' AND "
	    "coalesce(json_array_length(detail, '$.reasons'), 0) = 0) "
	    "GROUP BY reason ORDER BY 2 DESC, 1", "reason");
}

/*
 * Visitors admitted against a rule, with the reason staff wrote while it
 * is kept (journal_text); once retention erased it, "override_reason" is
 * absent and "override_reason_erased" true.  Rows older than journal_text
 * hold their reason in the detail itself.
 */
static json_t *
report_overrides(const struct report_query *r)
{
	sqlite3_stmt *st;
	json_t *a = json_array(), *reasons, *o;
	const char *text;

	if ((st = report_stmt(r, "SELECT j.time, j.subject, j.point, "
	    "j.actor, json_extract(j.detail, '$.reasons'), coalesce(t.text, "
	    "json_extract(j.detail, '$.override_reason')) FROM journal j "
	    "LEFT JOIN journal_text t ON t.seq = j.seq AND t.field = "
	    "'override_reason' WHERE j.time >= :lo AND j.time < :hi AND "
	    "j.type = 'visit.admitted' AND json_extract(j.detail, "
	    "'$.override') = 1 ORDER BY j.seq")) == NULL)
		return a;
	while (sqlite3_step(st) == SQLITE_ROW) {
		text = report_col(st, 4);
		reasons = text != NULL ? json_loads(text, 0, NULL) : NULL;
		if (!json_is_array(reasons)) {
			json_decref(reasons);
			reasons = json_array();
		}
		o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "time",
		    report_col(st, 0), "visit", report_col(st, 1), "door",
		    report_col(st, 2), "actor", report_col(st, 3), "reasons",
		    reasons);
		if ((text = report_col(st, 5)) != NULL)
			json_object_set_new(o, "override_reason",
			    json_string(text));
		else
			json_object_set_new(o, "override_reason_erased",
			    json_true());
		json_array_append_new(a, o);
	}
	sqlite3_finalize(st);
	return a;
}

/* The sum of the counts of a [{..., count}] array. */
static json_int_t
report_sum(const json_t *a)
{
	json_int_t n = 0;
	json_t *v;
	size_t i;

	json_array_foreach(a, i, v)
		n += json_integer_value(json_object_get(v, "count"));
	return n;
}

/* How many of the evacuations are of kind. */
static json_int_t
report_nkind(const json_t *evacs, const char *kind)
{
	json_int_t n = 0;
	json_t *v;
	size_t i;

	json_array_foreach(evacs, i, v)
		n += !strcmp(json_string_value(json_object_get(v, "kind")) ?:
		    "", kind);
	return n;
}

/* The figures a manager reads first. */
static json_t *
report_summary(const struct report_query *r, const json_t *rep)
{
	const json_t *ev = json_object_get(rep, "evacuations");
	const json_t *al = json_object_get(rep, "alarms");
	const json_t *doors = json_object_get(rep, "doors");
	sqlite3_stmt *st;
	json_int_t refused = 0;

	if ((st = report_stmt(r, "SELECT count(*) FROM journal WHERE "
	    "time >= :lo AND time < :hi AND type = 'visit.refused'")) != NULL) {
		if (sqlite3_step(st) == SQLITE_ROW)
			refused = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return json_pack("{s:I, s:I, s:O, s:O, s:I, s:I, s:I, s:I, s:I}",
	    "drills", report_nkind(ev, "drill"),
	    "fires", report_nkind(ev, "fire"),
	    "alarms", json_object_get(al, "total"),
	    "unacknowledged_alarms", json_object_get(al, "unacknowledged"),
	    "forced_doors", report_sum(json_object_get(doors, "forced")),
	    "held_doors", report_sum(json_object_get(doors, "held")),
	    "lockdowns", (json_int_t)json_array_size(json_object_get(rep,
	    "lockdowns")),
	    "refused_visitors", refused,
	    "overrides", (json_int_t)json_array_size(json_object_get(rep,
	    "overrides")));
}

json_t *
report_query_build(const struct report_query *r, const char *site,
    const char *tz, const char *from, const char *to)
{
	int nweeks = report_nweeks(&r->from, &r->to);
	int64_t *weeks = calloc((size_t)nweeks, sizeof(*weeks));
	json_t *rep;
	char now[32];

	if (weeks == NULL)
		return NULL;
	clock_iso8601(now, sizeof(now));
	rep = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "site", site, "timezone", tz, "from", from,
	    "to", to, "period_start", r->lo, "period_end", r->hi,
	    "generated", now);
	if (rep != NULL) {
		json_object_set_new(rep, "evacuations", report_evacuations(r));
		json_object_set_new(rep, "alarms", report_alarms(r, weeks,
		    nweeks));
		json_object_set_new(rep, "alarms_per_week", report_weeks(r,
		    weeks, nweeks));
		json_object_set_new(rep, "doors", json_pack("{s:o, s:o}",
		    "forced", report_counts(r, REPORT_DOORS("door.forced"),
		    "door"), "held", report_counts(r,
		    REPORT_DOORS("door.held"), "door")));
		json_object_set_new(rep, "lockdowns", report_lockdowns(r));
		json_object_set_new(rep, "refused_visitors",
		    report_refusals(r));
		json_object_set_new(rep, "overrides", report_overrides(r));
		json_object_set_new(rep, "summary", report_summary(r, rep));
	}
	free(weeks);
	return rep;
}

int
report_query_period(struct report_query *r, sqlite3 *db,
    const struct report_date *from, const struct report_date *to)
{
	struct report_date end;

	memset(r, 0, sizeof(*r));
	r->db = db;
	r->from = *from;
	r->to = *to;
	report_date_add(&r->to, 1, &end);
	if (report_midnight(&r->from, r->lo, sizeof(r->lo)) == -1 ||
	    report_midnight(&end, r->hi, sizeof(r->hi)) == -1)
		return -1;
	return 0;
}
