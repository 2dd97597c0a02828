/*
 * A stay's life in the register: admit, discharge, move (the lists,
 * enquiries and the report are in cmd_register.c).  An alias travels
 * only in these replies: the journal gets stay:ID, room numbers and
 * dates, and a refusal's message (which may quote an alias) is never
 * journalled (cmd.c journals its code only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cmd_verbs.h"
#include "house.h"
#include "namefold.h"
#include "occupancy.h"
#include "register.h"
#include "stay_table.h"

#define STAY_FIRST_YEAR		2000	/* no stay is older */
#define STAY_DAYS_AHEAD		1	/* an arrival booked for tomorrow */

static const char *
stay_str(const json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

static int
stay_int(const json_t *args, const char *key, int dflt)
{
	const json_t *v = json_object_get(args, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

/*
 * The date argument key as a day number: today when absent; refused
 * unless a real YYYY-MM-DD from 2000 on and at most ahead days after
 * today.  NULL, or the error reply.
 */
static json_t *
stay_date(const json_t *args, const char *key, const char *what, int ahead,
    int32_t *day)
{
	const char *s = stay_str(args, key);
	int32_t today = register_today();
	char t[16];

	*day = today;
	if (s == NULL)
		return NULL;
	if (occ_date_parse(s, day) == -1)
		return cmd_error("bad_value", "%s '%s' is not a real date "
		    "(YYYY-MM-DD)", what, s);
	occ_date_format(today, t, sizeof(t));
	if (*day < occ_day(STAY_FIRST_YEAR, 1, 1))
		return cmd_error("bad_value", "%s %s is before %d", what, s,
		    STAY_FIRST_YEAR);
	if (*day > today + ahead)
		return cmd_error("bad_value", "%s %s is in the future (today "
		    "is %s)%s", what, s, t, ahead > 0 ? "; at most a day "
		    "ahead" : "");
	return NULL;
}

/* A room a stay may move into: it exists, is configured and free. */
static json_t *
stay_room_free(struct husvagt *h, const char *name, struct stay_room *r)
{
	switch (stay_table_room(h->db, name, r)) {
	case -1:
		return cmd_error("failed", "the register could not be read");
	case 0:
		return cmd_error("not_found", "no room '%.15s' (husvagtctl "
		    "room list shows the rooms)", name);
	}
	if (r->retired)
		return cmd_error("bad_value", "room %s is no longer in the "
		    "site configuration", r->name);
	if (r->stay != 0)
		return cmd_error("occupied", "room %s is occupied (stay %lld)",
		    r->name, (long long)r->stay);
	return NULL;
}

/* A stay that must exist and still live here. */
static json_t *
stay_current(struct husvagt *h, int64_t id, struct stay_place *s)
{
	switch (register_stay_get(h, id, s)) {
	case -1:
		return cmd_error("failed", "the register could not be read");
	case 0:
		return cmd_error("not_found", "no stay %lld", (long long)id);
	}
	if (!s->current)
		return cmd_error("discharged", "stay %lld was discharged on %s",
		    (long long)id, s->departure);
	return NULL;
}

static int
stay_key_same(const char *key, const void *arg)
{
	return *key != '\0' && !strcmp(key, arg);
}

/* Refuse an alias that is badly formed or taken by a current stay
 * (compared as names are: case, accents and spacing folded). */
static json_t *
stay_alias_check(struct husvagt *h, const char *alias)
{
	size_t n = strlen(alias);
	int64_t other = 0;
	char *key;
	int taken;

	if (alias[0] == ' ' || alias[n - 1] == ' ')
		return cmd_error("bad_value", "alias must not begin or end "
		    "with a space");
	if ((key = namefold(alias, n)) == NULL)
		return cmd_error("bad_value", "alias is not valid text");
	if (*key == '\0') {
		free(key);
		return cmd_error("bad_value", "alias needs a letter or a "
		    "digit");
	}
	taken = register_aliases(h, true, stay_key_same, key, &other);
	free(key);
	if (taken < 0)
		return cmd_error("failed", "the register could not be read");
	if (taken)
		return cmd_error("duplicate", "alias '%s' is already used by "
		    "current stay %lld; choose another", alias,
		    (long long)other);
	return NULL;
}

/* Arrival after the room's last stay left (same-day turnover is fine:
 * the night rule gives each night to one stay). */
static json_t *
stay_room_history(struct husvagt *h, const struct stay_room *r,
    const char *arrival)
{
	char until[32];
	int64_t other;

	switch (stay_table_overlap(h->db, r->id, arrival, &other, until,
	    sizeof(until))) {
	case -1:
		return cmd_error("failed", "the register could not be read");
	case 1:
		return cmd_error("occupied", "room %s was occupied until %s "
		    "(stay %lld); arrival %s would overlap", r->name, until,
		    (long long)other, arrival);
	}
	return NULL;
}

/* Insert the stay of args; its id or -1. */
static int64_t
stay_insert(struct husvagt *h, const json_t *args, int64_t room,
    const char *arrival)
{
	static const char *const keys[] = { "children_0_2", "children_3_5",
	    "children_6_9", "children_10_17" };
	struct stay_new n = { .alias = stay_str(args, "alias"), .room = room,
	    .arrival = arrival, .adults = stay_int(args, "adults", 1),
	    .needs_help = json_is_true(json_object_get(args, "needs_help")) };
	int i;

	for (i = 0; i < 4; i++)
		n.children[i] = stay_int(args, keys[i], 0);
	return stay_table_insert(h->db, &n);
}

/* What staff should know about the room they chose: not meant for
 * children, or fewer beds than people.  NULL when nothing. */
static json_t *
stay_warning(const json_t *args, const struct stay_room *r)
{
	int children = stay_int(args, "children_0_2", 0) +
	    stay_int(args, "children_3_5", 0) +
	    stay_int(args, "children_6_9", 0) +
	    stay_int(args, "children_10_17", 0);
	int people = stay_int(args, "adults", 1) + children;
	char w[256] = "";

	if (children > 0 && !r->child_friendly)
		snprintf(w, sizeof(w), "room %s is not child-friendly and the "
		    "household has %d %s", r->name, children, children == 1 ?
		    "child" : "children");
	if (people > r->beds)
		snprintf(w + strlen(w), sizeof(w) - strlen(w), "%sroom %s has "
		    "%d %s for %d people", w[0] ? "; " : "", r->name, r->beds,
		    r->beds == 1 ? "bed" : "beds", people);
	return w[0] ? json_string(w) : NULL;
}

json_t *
cmd_stay_admit(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	const char *alias = stay_str(args, "alias");
	struct stay_place s;
	struct stay_room r;
	char arrival[16], subject[32], zones[256];
	json_t *err, *reply;
	int32_t day;
	int64_t id;

	if ((err = stay_alias_check(h, alias)) != NULL ||
	    (err = stay_date(args, "arrival", "arrival", STAY_DAYS_AHEAD,
	    &day)) != NULL ||
	    (err = stay_room_free(h, stay_str(args, "room"), &r)) != NULL)
		return err;
	occ_date_format(day, arrival, sizeof(arrival));
	if ((err = stay_room_history(h, &r, arrival)) != NULL)
		return err;
	if ((id = stay_insert(h, args, r.id, arrival)) < 0 ||
	    register_stay_get(h, id, &s) != 1)
		return cmd_error("failed", "the register refused the stay");
	snprintf(subject, sizeof(subject), "stay:%lld", (long long)id);
	house_journal(h, "stay.admitted", "", a->login, subject,
	    json_pack("{s:s, s:s}", "room", r.name, "arrival", arrival));
	if (register_stay_zones(h, &s, zones, sizeof(zones)) == -1)
		zones[0] = '\0';
	reply = json_pack("{s:I, s:s, s:s, s:s, s:s}", "stay", (json_int_t)id,
	    "alias", alias, "room", r.name, "arrival", arrival, "zones", zones);
	if ((err = stay_warning(args, &r)) != NULL)
		json_object_set_new(reply, "warning", err);
	return cmd_ok(reply);
}

json_t *
cmd_stay_discharge(struct husvagt *h, const struct cmd_actor *a,
    json_t *args)
{
	int64_t id = json_integer_value(json_object_get(args, "id"));
	struct stay_place s;
	char departure[16], holder[32];
	json_t *err;
	int32_t day, arrival;
	int n[2];

	if ((err = stay_current(h, id, &s)) != NULL ||
	    (err = stay_date(args, "date", "departure", 0, &day)) != NULL)
		return err;
	occ_date_format(day, departure, sizeof(departure));
	if (occ_date_parse(s.arrival, &arrival) == 0 && day < arrival)
		return cmd_error("bad_value", "departure %s is before arrival "
		    "%s", departure, s.arrival);
	snprintf(holder, sizeof(holder), "stay:%lld", (long long)id);
	if (stay_table_discharge(h->db, id, departure, holder, a->login,
	    n) == -1)
		return cmd_error("failed", "the register refused the "
		    "discharge of stay %lld; nothing was changed",
		    (long long)id);
	h->ncreds -= n[0];
	house_journal(h, "stay.discharged", "", a->login, holder,
	    json_pack("{s:s, s:s, s:i, s:i}", "room", s.room, "departure",
	    departure, "chips_revoked", n[0], "agreements_ended", n[1]));
	return cmd_ok(json_pack("{s:I, s:s, s:s, s:i, s:i}", "stay",
	    (json_int_t)id, "room", s.room, "departure", departure,
	    "chips_revoked", n[0], "agreements_ended", n[1]));
}

/* Where a stay moves: from her room to another. */
struct stay_move {
	const struct stay_place	*from;
	const struct stay_room		*to;
};

/*
 * A chip's zones after a move: her old corridor and room become the new
 * ones, everything else (the front door, zones staff added) stays.
 * Returns a new string to free, or NULL when nothing changes (or memory
 * ran out: the chip keeps its zones, which staff can see in chip list).
 */
static char *
stay_rezone(const char *zones, void *arg)
{
	const struct stay_move *m = arg;
	const struct stay_place *from = m->from;
	const struct stay_room *to = m->to;
	size_t len = strlen(zones) + 2 * CONFIG_NAME_MAX + 4;
	char *copy = strdup(zones), *out = calloc(1, len), *tok, *save = NULL;
	const char *z;

	if (copy == NULL || out == NULL)
		goto none;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		tok += strspn(tok, " ");
		tok[strcspn(tok, " ")] = '\0';
		z = !strcmp(tok, from->corridor) ? to->corridor :
		    !strcmp(tok, from->zone) ? to->zone : tok;
		if (register_zones_add(out, len, z) == -1)
			goto none;
	}
	if (strcmp(out, zones) != 0) {
		free(copy);
		return out;
	}
none:
	free(copy);
	free(out);
	return NULL;
}

json_t *
cmd_stay_move(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	int64_t id = json_integer_value(json_object_get(args, "id"));
	const char *room = stay_str(args, "room");
	struct stay_place s;
	struct stay_room to;
	char holder[32], zones[256];
	json_t *err;
	int n;

	if ((err = stay_current(h, id, &s)) != NULL)
		return err;
	if (!strcmp(s.room, room))
		return cmd_error("bad_value", "stay %lld is already in room %s",
		    (long long)id, s.room);
	if ((err = stay_room_free(h, room, &to)) != NULL)
		return err;
	snprintf(holder, sizeof(holder), "stay:%lld", (long long)id);
	if ((n = stay_table_move(h->db, id, to.id, holder, stay_rezone,
	    &(struct stay_move){ &s, &to })) < 0)
		return cmd_error("failed", "the register refused the move of "
		    "stay %lld; nothing was changed", (long long)id);
	house_journal(h, "stay.moved", "", a->login, holder,
	    json_pack("{s:s, s:s, s:i}", "from", s.room, "to", to.name,
	    "chips_updated", n));
	snprintf(s.corridor, sizeof(s.corridor), "%s", to.corridor);
	snprintf(s.zone, sizeof(s.zone), "%s", to.zone);
	if (register_stay_zones(h, &s, zones, sizeof(zones)) == -1)
		zones[0] = '\0';
	return cmd_ok(json_pack("{s:I, s:s, s:s, s:s, s:i}", "stay",
	    (json_int_t)id, "from", s.room, "to", to.name, "zones", zones,
	    "chips_updated", n));
}
