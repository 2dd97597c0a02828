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
 * alias; the alias is looked up for evac.status's reply alone
 * (store/evac_table_show.c).
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "evac.h"
#include "evac_table.h"
#include "house.h"
#include "log.h"

/* The open record: 1 with its id and kind, 0 none, -1 error. */
static int
evac_open_row(struct husvagt *h, int64_t *id, char *kind, size_t len)
{
	return evac_table_open_row(h->db, id, kind, len);
}

int64_t
evac_open_id(struct husvagt *h)
{
	char kind[8];
	int64_t id = 0;
	int rc = evac_open_row(h, &id, kind, sizeof(kind));

	return rc < 0 ? -1 : rc == 0 ? 0 : id;
}

int64_t
evac_count(struct husvagt *h, int64_t id, const char *prefix, bool accounted)
{
	return evac_table_count(h->db, id, prefix, accounted);
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

	clock_iso8601(now, sizeof(now));
	if ((id = evac_table_start(h->db, kind, now, actor)) < 0) {
		log_warnx("evac: the %s evacuation record could not be opened",
		    kind);
		return;
	}
	house_journal(h, "evacuation.started", "", actor, "",
	    json_pack("{s:I, s:s, s:I, s:I, s:I}", "evacuation",
	    (json_int_t)id, "kind", kind,
	    "rooms", (json_int_t)evac_count(h, id, "room:", false),
	    "visits", (json_int_t)evac_count(h, id, "visit:", false),
	    "staff", (json_int_t)evac_count(h, id, "staff:", false)));
	log_warnx("evacuation %lld (%s) started: the roll call is open",
	    (long long)id, kind);
	house_state_changed(h);
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
	if (house_journal(h, "evacuation.closed", "", actor, "",
	    detail) < 0 || evac_table_close(h->db, id, now, actor) == -1)
		return -1;
	house_state_changed(h);
	return 0;
}

/* A fire during the drill: its record becomes the fire's. */
static void
evac_to_fire(struct husvagt *h, int64_t id, const char *actor)
{
	if (evac_table_to_fire(h->db, id) == -1)
		return;
	house_journal(h, "evacuation.kind_changed", "", actor, "",
	    json_pack("{s:I, s:s, s:s}", "evacuation", (json_int_t)id,
	    "from", "drill", "to", "fire"));
	log_warnx("evacuation %lld: the drill is now a fire", (long long)id);
}

/*
 * Set once evac_at_start has run.  The modes husvagtd restores at start
 * (a lockdown, a fire not yet reset) are not new events: the roll call
 * they had is in the database, open or closed by staff, and a fire that
 * staff had already counted must not open a second one.  evac_at_start
 * decides from the fire input alone.  One daemon, one flag.
 */
static bool evac_live;

/* Act on a change of the mode from old. */
static void
evac_apply(struct husvagt *h, const struct mode_state *old, const char *actor)
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
evac_mode_changed(struct husvagt *h, const struct mode_state *old,
    const char *actor)
{
	if (evac_live)
		evac_apply(h, old, actor);
}

/*
 * At start: the open record is in the database as it was, and is
 * published again.  A fire input active now is a fire: unless its roll
 * call is still open, it opens one (the panel tripped while the daemon
 * was down, or again after staff closed the last one).
 */
void
evac_at_start(struct husvagt *h)
{
	struct mode_state none;
	char kind[8];
	int64_t id = 0;

	evac_live = true;
	mode_init(&none);
	if (h->mode.fire_input)
		evac_apply(h, &none, "system");
	if (evac_open_row(h, &id, kind, sizeof(kind)) != 1)
		return;
	log_warnx("evacuation %lld (%s) is open: %lld of %lld not yet "
	    "accounted for", (long long)id, kind,
	    (long long)evac_count(h, id, "", false),
	    (long long)(evac_count(h, id, "", false) +
	    evac_count(h, id, "", true)));
	house_state_changed(h);
}

/* ---- accounting ------------------------------------------------------ */

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
	int64_t set = evac_table_all_clear_set(h->db, id);
	double min;

	if (on && left == 0 && set == 0) {
		if (evac_table_all_clear(h->db, id, now) == -1)
			return;
		min = (double)evac_table_tenths(h->db, id) / 10;
		house_journal(h, "evacuation.all_clear", "", actor, "",
		    json_pack("{s:I, s:f}", "evacuation", (json_int_t)id,
		    "minutes", min));
	} else if (!on && left > 0 && set == 1) {
		if (evac_table_all_clear(h->db, id, NULL) == -1)
			return;
		house_journal(h, "evacuation.all_clear_withdrawn", "", actor,
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
	if ((rc = evac_table_item(h->db, id, who, at, by, sizeof(at), &stay)) < 0)
		return "internal";
	if (rc == 0) {
		snprintf(msg, len, "%s is not on the roll call of evacuation "
		    "%lld", who, (long long)id);
		evac_table_expected(h->db, id, msg, len);
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
	if (house_journal(h, on ? "evacuation.accounted" :
	    "evacuation.unaccounted", "", actor, subject, json_pack("{s:I, "
	    "s:s}", "evacuation", (json_int_t)id, "who", who)) < 0 ||
	    evac_table_mark(h->db, id, who, on ? now : NULL,
	    on ? actor : NULL) == -1)
		return "internal";
	evac_all_clear(h, id, actor, on, now);
	house_state_changed(h);
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
