/*
 * The register's lists and reports: room.list, stay.list, enquiry.record
 * and report.occupancy.  Aliases appear in stay.list's reply only; an
 * enquiry's description, which is kept beside the journal until
 * retention erases it, may not hold one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cmd_verbs.h"
#include "enquiry_table.h"
#include "journal.h"
#include "house.h"
#include "namefold.h"
#include "occupancy.h"
#include "register.h"
#include "room_table.h"
#include "stay_table.h"

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
	json_t *list;

	(void)a;
	if ((list = stay_table_list(h->db, json_is_true(json_object_get(args,
	    "all")))) == NULL)
		return cmd_error("failed", "the register could not be read");
	return cmd_ok(json_pack("{s:o}", "stays", list));
}

json_t *
cmd_room_list(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	json_t *list;

	(void)a;
	(void)args;
	if ((list = room_table_list(h->db)) == NULL)
		return cmd_error("failed", "the register could not be read");
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

json_t *
cmd_enquiry_record(struct husvagt *h, const struct cmd_actor *a,
    json_t *args)
{
	const char *outcome = reg_str(args, "outcome");
	const char *text = reg_str(args, "description");
	struct journal_text desc = { "description", NULL, 0 };
	json_t *err;
	int64_t id;
	char now[32], today[16];
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
	desc.text = text;
	security = !strcmp(outcome, "asked_about_resident");
	clock_iso8601(now, sizeof(now));
	occ_date_format(register_today(), today, sizeof(today));
	/* The description is kept beside the journal alone, where
	 * retention erases it; the enquiry row keeps only the outcome. */
	if ((id = enquiry_table_insert(h->db, now, today, outcome, "",
	    a->login)) < 0)
		return cmd_error("failed", "the register refused the enquiry");
	house_journal_text(h, "enquiry.recorded", "", a->login, "",
	    json_pack("{s:I, s:s, s:b}", "enquiry", (json_int_t)id,
	    "outcome", outcome, "security", security), *text != '\0' ?
	    &desc : NULL);
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
