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
#include "guest.h"
#include "house.h"
#include "journal.h"
#include "visit_table.h"

/* The overstay check runs at least this often, and at the moment the
 * earliest open visit reaches its limit. */
#define VISIT_TICK_MS	30000
#define VISIT_BATCH	64

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
	struct journal_text reason = { "override_reason", override, e->stay };
	char now[32], subject[40];
	struct visit_new n = { .stay = e->stay, .agreement = e->agreement,
	    .guest = name, .door = door, .now = now, .actor = actor,
	    .override = override };
	int64_t id;

	clock_iso8601(now, sizeof(now));
	if ((id = visit_table_insert(h->db, &n)) < 0)
		return -1;
	snprintf(subject, sizeof(subject), "visit:%lld", (long long)id);
	if (house_journal_text(h, "visit.admitted", door, actor, subject,
	    visit_admitted_detail(e, override), override != NULL ? &reason :
	    NULL) < 0) {
		/* Not journalled, not admitted: the row goes again. */
		visit_table_delete(h->db, id);
		return -1;
	}
	guest_check_soon();
	house_state_changed(h);
	return id;
}

const char *
visit_close(struct husvagt *h, int64_t visit, const char *actor)
{
	char now[32], subject[40];
	int64_t stay = 0;
	int rc, open = 0, minutes = 0;

	clock_iso8601(now, sizeof(now));
	rc = visit_table_get(h->db, visit, now, &stay, &open, &minutes);
	if (rc != 1)
		return rc == 0 ? "not_found" : "internal";
	if (!open)
		return "checked_out";
	snprintf(subject, sizeof(subject), "visit:%lld", (long long)visit);
	if (house_journal(h, "visit.checked_out", "", actor, subject,
	    json_pack("{s:o, s:i}", "stay", visit_id_or_null(stay),
	    "minutes", minutes)) < 0)
		return "journal";
	if (visit_table_checkout(h->db, visit, now, actor) == -1)
		return "internal";
	/* The alarm stays in the list until staff acknowledge it. */
	alarm_cause_cleared(h, "overstay", subject);
	house_state_changed(h);
	return NULL;
}

json_t *
visit_inside_json(struct husvagt *h)
{
	char now[32];

	clock_iso8601(now, sizeof(now));
	return visit_table_inside(h->db, now);
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
	visit_table_overstay(h->db, o->id, now);
}

/* The overstay check's pass over the open visits. */
struct visit_scan {
	struct husvagt		*h;
	struct visit_over	*o;
	int			 max, n;
	int			 limit_s;
	bool			 in_hours;
	int64_t			*left_ms;
};

/* One open visit: past its limit (or after hours) into o, else how long
 * it has left; nonzero once o is full. */
static int
visit_scan_one(void *arg, int64_t id, int64_t stay, const char *door,
    const char *admitted_at, double secs)
{
	struct visit_scan *v = arg;
	struct visit_over *o = &v->o[v->n];

	o->reason = secs >= v->limit_s ? "over_limit" : !v->in_hours &&
	    visit_admitted_in_hours(v->h, admitted_at) ? "after_hours" : NULL;
	if (o->reason == NULL) {
		if ((v->limit_s - secs) * 1000 < *v->left_ms)
			*v->left_ms = (int64_t)((v->limit_s - secs) * 1000);
		return 0;
	}
	o->id = id;
	o->stay = stay;
	o->minutes = (int)(secs / 60);
	snprintf(o->door, sizeof(o->door), "%s", door);
	return ++v->n >= v->max;
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
	struct visit_scan v = { .h = h, .o = o, .max = max,
	    .limit_s = h->cfg.guests.max_visit_min * 60, .left_ms = left_ms };
	char now[32];
	int wd, min, date;

	clock_iso8601(now, sizeof(now));
	guest_local(clock_wall(), &wd, &min, &date);
	v.in_hours = guest_in_hours(h, wd, min);
	if (visit_table_open_each(h->db, now, visit_scan_one, &v) == -1)
		return -1;
	return v.n;
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
