/*
 * The register's lists and reports: room.list, stay.list, enquiry.record
 * and report.occupancy.  Aliases appear in stay.list's reply only; an
 * enquiry's description, which is journalled, may not hold one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cmd_verbs.h"
#include "db.h"
#include "house.h"
#include "namefold.h"
#include "occupancy.h"
#include "register.h"

static const char *
reg_str(const json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

/*
 * Is the folded alias key a whole word (or words) of text, the folded
 * description with a space at each end?  Her genitive counts too: "Liljes
 * værelse", and "Lilje's", which folds to the same.  So "roses" is refused
 * while a Rose lives here: a plural costs a rewording, a name on the
 * event topic cannot be taken back.
 */
static int
reg_key_in(const char *key, const void *text)
{
	const char *p = text;
	size_t n = strlen(key);

	if (n == 0)
		return 0;
	for (; (p = strstr(p + 1, key)) != NULL; )
		if (p[-1] == ' ' && (p[n] == ' ' ||
		    (p[n] == 's' && p[n + 1] == ' ')))
			return 1;
	return 0;
}

json_t *
cmd_stay_list(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	bool all = json_is_true(json_object_get(args, "all"));
	sqlite3_stmt *st;
	json_t *list;
	int rc;

	(void)a;
	if (db_prepare(h->db, "SELECT s.id, s.alias, r.name, s.arrival, "
	    "s.departure, s.adults, s.children_0_2, s.children_3_5, "
	    "s.children_6_9, s.children_10_17, s.needs_help, (SELECT count(*) "
	    "FROM credential c WHERE c.holder = 'stay:' || s.id AND "
	    "c.revoked_at IS NULL) FROM stay s JOIN room r ON r.id = "
	    "s.room_id WHERE ?1 OR s.departure IS NULL ORDER BY s.id",
	    &st) == -1)
		return cmd_error("failed", "the register could not be read");
	sqlite3_bind_int(st, 1, all);
	list = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:I, s:s?, s:s, s:s, "
		    "s:s?, s:i, s:i, s:i, s:i, s:i, s:b, s:i}",
		    "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "alias", (const char *)sqlite3_column_text(st, 1),
		    "room", (const char *)sqlite3_column_text(st, 2),
		    "arrival", (const char *)sqlite3_column_text(st, 3),
		    "departure", (const char *)sqlite3_column_text(st, 4),
		    "adults", sqlite3_column_int(st, 5),
		    "children_0_2", sqlite3_column_int(st, 6),
		    "children_3_5", sqlite3_column_int(st, 7),
		    "children_6_9", sqlite3_column_int(st, 8),
		    "children_10_17", sqlite3_column_int(st, 9),
		    "needs_help", sqlite3_column_int(st, 10) != 0,
		    "chips", sqlite3_column_int(st, 11)));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return cmd_error("failed", "the register could not be read");
	}
	return cmd_ok(json_pack("{s:o}", "stays", list));
}

json_t *
cmd_room_list(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	sqlite3_stmt *st;
	json_t *list, *stay;
	int rc;

	(void)a;
	(void)args;
	if (db_prepare(h->db, "SELECT r.name, r.floor, r.kind, r.beds, "
	    "r.child_friendly, r.corridor, (SELECT s.id FROM stay s WHERE "
	    "s.room_id = r.id AND s.departure IS NULL) FROM room r WHERE "
	    "r.retired_at IS NULL ORDER BY r.floor, r.name", &st) == -1)
		return cmd_error("failed", "the register could not be read");
	list = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		stay = sqlite3_column_type(st, 6) == SQLITE_NULL ? json_null() :
		    json_integer(sqlite3_column_int64(st, 6));
		json_array_append_new(list, json_pack("{s:s, s:i, s:s, s:i, "
		    "s:b, s:s, s:b, s:o}",
		    "room", (const char *)sqlite3_column_text(st, 0),
		    "floor", sqlite3_column_int(st, 1),
		    "type", (const char *)sqlite3_column_text(st, 2),
		    "beds", sqlite3_column_int(st, 3),
		    "child_friendly", sqlite3_column_int(st, 4) != 0,
		    "corridor", (const char *)sqlite3_column_text(st, 5),
		    "occupied", !json_is_null(stay), "stay", stay));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return cmd_error("failed", "the register could not be read");
	}
	return cmd_ok(json_pack("{s:o}", "rooms", list));
}

/* The outcome's index in register_outcomes, or -1. */
static int
reg_outcome(const char *o)
{
	int i;

	for (i = 0; i < REGISTER_NOUTCOMES; i++)
		if (!strcmp(register_outcomes[i], o))
			return i;
	return -1;
}

/* Refuse free text (field) that names someone the register holds an
 * alias of (whole words, folded as names are: case, accents, spacing):
 * it would go into the journal, which keeps it past her stay and sends
 * it on the event topic. */
json_t *
cmd_text_check(struct husvagt *h, const char *field, const char *text)
{
	char *key, *padded;
	int64_t id = 0;
	int found;

	if ((key = namefold(text, strlen(text))) == NULL)
		return cmd_error("bad_value", "%s is not valid text", field);
	padded = malloc(strlen(key) + 3);
	if (padded != NULL)
		sprintf(padded, " %s ", key);
	free(key);
	if (padded == NULL)
		return cmd_error("failed", "out of memory");
	found = register_aliases(h, false, reg_key_in, padded, &id);
	free(padded);
	if (found < 0)
		return cmd_error("failed", "the register could not be read");
	if (found)
		return cmd_error("names_resident", "the %s names a resident; "
		    "write it without her alias", field);
	return NULL;
}

static int64_t
reg_enquiry_insert(struct husvagt *h, const char *outcome, const char *text,
    const char *actor)
{
	sqlite3_stmt *st;
	char now[32], today[16];
	int64_t id = -1;

	clock_iso8601(now, sizeof(now));
	occ_date_format(register_today(), today, sizeof(today));
	if (db_prepare(h->db, "INSERT INTO enquiry (time, date, outcome, "
	    "description, actor) VALUES (?1, ?2, ?3, ?4, ?5)", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, today, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, actor, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(h->db);
	sqlite3_finalize(st);
	return id;
}

json_t *
cmd_enquiry_record(struct husvagt *h, const struct cmd_actor *a,
    json_t *args)
{
	const char *outcome = reg_str(args, "outcome");
	const char *text = reg_str(args, "description");
	json_t *err;
	int64_t id;
	bool security;
	int o;

	if ((o = reg_outcome(outcome)) < 0)
		return cmd_error("bad_value", "outcome '%.32s' is not one of "
		    "no_room, not_target, referred, offered, "
		    "asked_about_resident, other", outcome);
	if (text == NULL)
		text = "";
	if ((err = cmd_text_check(h, "description", text)) != NULL)
		return err;
	security = !strcmp(outcome, "asked_about_resident");
	if ((id = reg_enquiry_insert(h, outcome, text, a->login)) < 0)
		return cmd_error("failed", "the register refused the enquiry");
	house_journal(h, "enquiry.recorded", "", a->login, "",
	    json_pack("{s:I, s:s, s:b, s:s}", "enquiry", (json_int_t)id,
	    "outcome", outcome, "security", security, "description", text));
	return cmd_ok(json_pack("{s:I, s:s, s:b}", "enquiry", (json_int_t)id,
	    "outcome", outcome, "security", security));
}

/* A report date: a real YYYY-MM-DD. */
static json_t *
reg_period_date(const json_t *args, const char *key, int32_t *day)
{
	const char *s = reg_str(args, key);

	if (occ_date_parse(s, day) == -1)
		return cmd_error("bad_value", "%s '%s' is not a real date "
		    "(YYYY-MM-DD)", key, s);
	return NULL;
}

json_t *
cmd_report_occupancy(struct husvagt *h, const struct cmd_actor *a,
    json_t *args)
{
	json_t *err, *r;
	int32_t from, to;

	(void)a;
	if ((err = reg_period_date(args, "from", &from)) != NULL ||
	    (err = reg_period_date(args, "to", &to)) != NULL)
		return err;
	if (from > to)
		return cmd_error("bad_value", "from %s is after to %s",
		    reg_str(args, "from"), reg_str(args, "to"));
	if (to - from + 1 > OCC_PERIOD_MAX_DAYS)
		return cmd_error("bad_value", "the period %s to %s is longer "
		    "than 10 years", reg_str(args, "from"),
		    reg_str(args, "to"));
	if ((r = register_report_json(h, from, to)) == NULL)
		return cmd_error("failed", "the register could not be read");
	return cmd_ok(r);
}
