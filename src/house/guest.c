/*
 * Guests in the database (DESIGN 6): a caller at the door evaluated
 * against the agreements of the current stays, the blocklist, the mode
 * and the house rules; visits opened and closed; and the overstay check
 * on the poll loop.  The rules themselves are guest_rules.c's; names are
 * folded by namefold.c.  The journal gets stay:ID, visit:ID and ids,
 * never a name or an alias.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agreement.h"
#include "blocklist.h"
#include "clock.h"
#include "guest.h"
#include "house.h"
#include "log.h"
#include "namefold.h"
#include "stay_table.h"
#include "visit_table.h"

static uint64_t guest_next;	/* monotonic ms of the next check; 0: now */

void
guest_local(time_t t, int *weekday, int *minute, int *date)
{
	struct tm tm;

	localtime_r(&t, &tm);
	*weekday = (tm.tm_wday + 6) % 7;
	*minute = tm.tm_hour * 60 + tm.tm_min;
	*date = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
	    tm.tm_mday;
}

void
guest_today(char *buf, size_t len)
{
	int wd, min, d;

	guest_local(clock_wall(), &wd, &min, &d);
	snprintf(buf, len, "%04d-%02d-%02d", d / 10000, d / 100 % 100,
	    d % 100);
}

/* "YYYY-MM-DD" as YYYYMMDD; 0 for NULL or anything else. */
static int
guest_date_num(const char *s)
{
	int y, m, d;
	char end;

	if (s == NULL || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3)
		return 0;
	return y * 10000 + m * 100 + d;
}

/* The visiting hours of the configuration (checked when it was read). */
static int
guest_hours(struct husvagt *h, struct access_window *w)
{
	int n = access_windows_parse(h->cfg.guests.visiting_hours, w,
	    ACCESS_WINDOWS_MAX, NULL);

	return n < 0 ? 0 : n;
}

/* A current stay's alias and corridor; -1 when it is not current. */
static int
guest_stay(struct husvagt *h, int64_t stay, struct guest_eval *e)
{
	if (stay_table_where(h->db, stay, e->alias, sizeof(e->alias),
	    e->corridor, sizeof(e->corridor)) == -1)
		return -1;
	e->stay = stay;
	return 0;
}

/* The search for a caller's agreement (guest_agreement). */
struct guest_find {
	struct guest_eval	*e;
	struct guest_agreement	*ag;
	struct access_window	*w;
	int			 found;		/* 1, 0 none, -2 several stays */
};

/* One live agreement of the caller: the first fills the evaluation, one
 * with another stay makes it ambiguous. */
static int
guest_find_one(void *arg, const struct agreement_row *r)
{
	struct guest_find *f = arg;

	if (f->found && r->stay != f->e->stay) {
		f->found = -2;
		return 1;
	}
	if (f->found)
		return 0;
	f->found = 1;
	f->e->agreement = r->id;
	f->e->stay = r->stay;
	f->ag->valid_from = guest_date_num(r->from);
	f->ag->valid_to = guest_date_num(r->to);
	f->ag->nwindows = r->windows == NULL ? 0 :
	    access_windows_parse(r->windows, f->w, ACCESS_WINDOWS_MAX, NULL);
	if (f->ag->nwindows < 0)
		f->ag->nwindows = 0;
	f->ag->windows = f->w;
	f->e->resident_areas = r->resident_areas;
	f->e->escort = r->escort;
	return 0;
}

/*
 * The caller's live agreement with a current stay (with stay, only that
 * stay's).  Among one stay's agreements the one valid today wins.  Fills
 * ag (windows into w) and e; returns 1 found, 0 none, -2 several stays,
 * -1 error.
 */
static int
guest_agreement(struct husvagt *h, const char *key, int64_t stay,
    struct guest_eval *e, struct guest_agreement *ag,
    struct access_window *w)
{
	struct guest_find f = { .e = e, .ag = ag, .w = w };
	char today[16];

	guest_today(today, sizeof(today));
	if (agreement_find_each(h->db, key, stay, today, guest_find_one,
	    &f) == -1)
		return -1;
	return f.found;
}

/* The folded key of a caller's name; NULL with an error code and message. */
static const char *
guest_key(const char *name, char **key, char *msg, size_t len)
{
	if ((*key = namefold(name, strlen(name))) == NULL) {
		snprintf(msg, len, "%s", errno == EILSEQ ? "guest: the name "
		    "is not valid UTF-8" : "out of memory");
		return errno == EILSEQ ? "bad_value" : "internal";
	}
	if (**key == '\0') {
		free(*key);
		snprintf(msg, len, "guest: the name has no letters");
		return "bad_value";
	}
	return NULL;
}

const char *
guest_evaluate(struct husvagt *h, const char *name, int64_t stay,
    struct guest_eval *e, char *msg, size_t len)
{
	struct access_window hours[ACCESS_WINDOWS_MAX], w[ACCESS_WINDOWS_MAX];
	struct guest_house house = { .hours = hours };
	struct guest_agreement ag;
	struct guest_query q;
	const char *err;
	char *key = NULL;
	int found, blocked;

	memset(e, 0, sizeof(*e));
	memset(&q, 0, sizeof(q));
	if (name != NULL && (err = guest_key(name, &key, msg, len)) != NULL)
		return err;
	if (stay != 0 && guest_stay(h, stay, e) == -1) {
		free(key);
		snprintf(msg, len, "no current stay %lld", (long long)stay);
		return "not_found";
	}
	found = key != NULL ? guest_agreement(h, key, stay, e, &ag, w) : 0;
	blocked = key != NULL ? blocklist_has(h->db, key) : 0;
	free(key);
	if (found == -2) {
		snprintf(msg, len, "the guest has agreements with more than "
		    "one resident; give the stay she visits");
		return "ambiguous";
	}
	if (blocked < 0)
		alarm_check_failed(h, "blocklist");
	if (blocked < 0) {
		/* Fails closed: nobody is let in on a blocklist unread. */
		snprintf(msg, len, "the blocklist could not be read: denied");
		return "error";
	}
	if (found < 0) {
		snprintf(msg, len, "the register could not be read");
		return "internal";
	}
	if (found == 1 && stay == 0)
		guest_stay(h, e->stay, e);
	house.nhours = guest_hours(h, hours);
	house.max_guests = h->cfg.guests.max_guests;
	house.without_agreement = h->cfg.guests.without_agreement;
	q.fire = h->mode.fire;
	q.lockdown = h->mode.lockdown;
	q.blocklisted = blocked == 1;
	q.agreement = found == 1 ? &ag : NULL;
	e->inside = q.inside = e->stay != 0 ?
	    visit_table_inside_count(h->db, e->stay) : -1;
	guest_local(clock_wall(), &q.weekday, &q.minute, &q.date);
	guest_rules_eval(&house, &q, &e->v);
	return NULL;
}

bool
guest_in_hours(struct husvagt *h, int weekday, int minute)
{
	struct access_window w[ACCESS_WINDOWS_MAX];

	return access_window_match(w, guest_hours(h, w), weekday, minute);
}

void
guest_check_soon(void)
{
	guest_next = 0;
}

void
guest_tick(struct husvagt *h, uint64_t now)
{
	if (guest_next != 0 && now < guest_next)
		return;
	guest_next = visit_overstay_check(h, now);
}

uint64_t
guest_deadline(struct husvagt *h)
{
	(void)h;
	return guest_next;
}

json_t *
guest_reasons_json(unsigned reasons, const char *extra)
{
	json_t *a = json_array();
	unsigned bit;

	for (bit = 1; bit < 1u << GUEST_NREASONS; bit <<= 1)
		if (reasons & bit)
			json_array_append_new(a,
			    json_string(guest_reason_name(bit)));
	if (extra != NULL)
		json_array_append_new(a, json_string(extra));
	return a;
}

/* A comma-separated list of zones as an array, plus one zone. */
static json_t *
guest_areas(const char *list, const char *plus)
{
	json_t *a = json_array();
	const char *p = list;
	size_t n;

	while (*p != '\0') {
		p += strspn(p, ", ");
		if ((n = strcspn(p, ", ")) > 0)
			json_array_append_new(a, json_stringn(p, n));
		p += n;
	}
	if (plus != NULL && *plus != '\0')
		json_array_append_new(a, json_string(plus));
	return a;
}

json_t *
guest_eval_json(struct husvagt *h, const struct guest_eval *e)
{
	json_t *r;

	r = json_pack("{s:s, s:o, s:b, s:o, s:o, s:b, s:b, s:o}",
	    "decision", e->v.allow ? "allow" : "deny",
	    "reasons", guest_reasons_json(e->v.reasons, NULL),
	    "overridable", e->v.overridable,
	    "agreement", e->agreement ? json_integer(e->agreement) :
	    json_null(),
	    "stay", e->stay ? json_integer(e->stay) : json_null(),
	    "escort_required", e->escort,
	    "resident_areas", e->resident_areas,
	    "areas", guest_areas(h->cfg.guests.areas,
	    e->resident_areas ? e->corridor : NULL));
	if (r != NULL && e->stay != 0) {
		json_object_set_new(r, "alias", json_string(e->alias));
		json_object_set_new(r, "inside", json_integer(e->inside));
	}
	return r;
}
