/*
 * The guest verbs (DESIGN 6): agreements, the blocklist, evaluating a
 * caller at the door, admitting or refusing her, checking her out, and
 * who is inside.  A guest's name and a stay's alias appear in replies
 * only; the journal gets stay:ID, visit:ID and agreement and block ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unictype.h>
#include <unistr.h>

#include "agreement.h"
#include "blocklist.h"
#include "clock.h"
#include "cmd_verbs.h"
#include "guest.h"
#include "house.h"
#include "namefold.h"
#include "stay_table.h"

static const char *
cmd_gstr(const json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

static int64_t
cmd_gint(const json_t *args, const char *key)
{
	return json_integer_value(json_object_get(args, key));
}

/* The subject "stay:ID", or "" for none. */
static const char *
cmd_guest_subject(char *buf, size_t len, int64_t stay)
{
	if (stay == 0)
		return "";
	snprintf(buf, len, "stay:%lld", (long long)stay);
	return buf;
}

/* A person's name: UTF-8 without control characters (C0 were refused by
 * the schema, C1 are refused here), with at least one letter. */
static json_t *
cmd_guest_name(const char *what, const char *name)
{
	const uint8_t *p = (const uint8_t *)name, *end = p + strlen(name);
	ucs4_t uc;
	char *key;
	int n;

	if (u8_check(p, (size_t)(end - p)) != NULL)
		return cmd_error("bad_value", "%s is not valid UTF-8", what);
	for (; p < end; p += n) {
		n = u8_mbtouc(&uc, p, (size_t)(end - p));
		if (uc_is_general_category(uc, UC_CATEGORY_Cc))
			return cmd_error("bad_value", "%s contains control "
			    "characters", what);
	}
	if ((key = namefold(name, strlen(name))) == NULL)
		return cmd_error("internal", "out of memory");
	n = key[0] != '\0';
	free(key);
	if (!n)
		return cmd_error("bad_value", "%s has no letters", what);
	return NULL;
}

/* A strict local date "YYYY-MM-DD" between 2000 and 2199. */
static bool
cmd_guest_date_ok(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, m, d, i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 2000 || y > 2199 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return false;
	return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0));
}

/* The arguments of guest.agree checked; *from gets today when absent. */
static json_t *
cmd_agree_check(struct husvagt *h, json_t *args, const char **from,
    char *today, size_t len)
{
	static const char *rel[] = { "family", "friend", "professional",
	    "other" };
	struct access_window w[ACCESS_WINDOWS_MAX];
	const char *to = cmd_gstr(args, "to"), *win = cmd_gstr(args, "windows");
	const char *relation = cmd_gstr(args, "relation"), *why = NULL;
	json_t *err;
	size_t i;

	if ((err = cmd_guest_name("guest", cmd_gstr(args, "guest"))) != NULL)
		return err;
	for (i = 0; i < 4 && strcmp(relation, rel[i]); i++)
		;
	if (i == 4)
		return cmd_error("bad_value", "relation: '%s' must be family, "
		    "friend, professional or other", relation);
	guest_today(today, len);
	if ((*from = cmd_gstr(args, "from")) == NULL)
		*from = today;
	if (!cmd_guest_date_ok(*from) || (to != NULL && !cmd_guest_date_ok(to)))
		return cmd_error("bad_value", "from and to must be dates "
		    "YYYY-MM-DD between 2000 and 2199");
	if (to != NULL && strcmp(to, *from) < 0)
		return cmd_error("bad_value", "to (%s) is before from (%s)",
		    to, *from);
	if (to != NULL && strcmp(to, today) < 0)
		return cmd_error("bad_value", "to (%s) is in the past", to);
	if (win != NULL && access_windows_parse(win, w, ACCESS_WINDOWS_MAX,
	    &why) < 0)
		return cmd_error("bad_value", "windows: '%.200s' is not like "
		    "'mon-fri 10:00-18:00' (%s)", win, why);
	switch (stay_table_current(h->db, cmd_gint(args, "stay"))) {
	case 0:
		return cmd_error("not_found", "no current stay %lld",
		    (long long)cmd_gint(args, "stay"));
	case -1:
		return cmd_error("internal", "the register could not be read");
	}
	return NULL;
}

/* Insert the agreement; its id or -1. */
static int64_t
cmd_agree_insert(struct husvagt *h, json_t *args, const char *from,
    const char *actor)
{
	struct agreement_new n = { .stay = cmd_gint(args, "stay"),
	    .guest = cmd_gstr(args, "guest"),
	    .relation = cmd_gstr(args, "relation"), .from = from,
	    .to = cmd_gstr(args, "to"), .windows = cmd_gstr(args, "windows"),
	    .resident_areas = json_is_true(json_object_get(args,
	    "resident_areas")),
	    .escort = json_is_true(json_object_get(args, "escort")),
	    .actor = actor };
	char now[32], *key;
	int64_t id;

	if ((key = namefold(n.guest, strlen(n.guest))) == NULL)
		return -1;
	clock_iso8601(now, sizeof(now));
	n.key = key;
	n.now = now;
	id = agreement_insert(h->db, &n);
	free(key);
	return id;
}

json_t *
cmd_guest_agree(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	const char *from = NULL;
	char today[16], subject[40];
	int64_t id, stay = cmd_gint(args, "stay");
	json_t *err, *r;

	if ((err = cmd_agree_check(h, args, &from, today,
	    sizeof(today))) != NULL)
		return err;
	if ((id = cmd_agree_insert(h, args, from, a->login)) < 0)
		return cmd_error("internal", "the agreement could not be "
		    "stored");
	if (house_journal(h, "guest.agreed", "", a->login,
	    cmd_guest_subject(subject, sizeof(subject), stay),
	    json_pack("{s:I, s:s}", "agreement", (json_int_t)id, "relation",
	    cmd_gstr(args, "relation"))) < 0) {
		agreement_delete(h->db, id);
		return cmd_error("journal_failed", "the journal could not "
		    "record the agreement; nothing was stored");
	}
	r = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s?, s:s?, s:b, s:b}",
	    "agreement", (json_int_t)id, "stay", (json_int_t)stay,
	    "guest", cmd_gstr(args, "guest"), "relation",
	    cmd_gstr(args, "relation"), "from", from, "to",
	    cmd_gstr(args, "to"), "windows", cmd_gstr(args, "windows"),
	    "resident_areas", json_is_true(json_object_get(args,
	    "resident_areas")), "escort", json_is_true(json_object_get(args,
	    "escort")));
	return cmd_ok(r);
}

json_t *
cmd_guest_list(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	json_t *arr;

	(void)a;
	if ((arr = agreement_list(h->db, cmd_gint(args, "stay"),
	    json_is_true(json_object_get(args, "ended")))) == NULL)
		return cmd_error("internal", "the register could not be read");
	return cmd_ok(json_pack("{s:o}", "agreements", arr));
}

/*
 * Journal type with {key: id} first, then mark the row ended with the
 * time (into now) and the actor by retire.
 * NULL, or an error reply saying that nothing changed.
 */
static json_t *
cmd_guest_retire(struct husvagt *h, const struct cmd_actor *a,
    const char *type, const char *subject, const char *key, int64_t id,
    int (*retire)(sqlite3 *, int64_t, const char *, const char *), char *now,
    size_t len)
{
	if (house_journal(h, type, "", a->login, subject, json_pack("{s:I}",
	    key, (json_int_t)id)) < 0)
		return cmd_error("journal_failed", "the journal could not "
		    "record it; nothing was changed");
	clock_iso8601(now, len);
	if (retire(h->db, id, now, a->login) != 1)
		return cmd_error("internal", "the %s could not be changed",
		    key);
	return NULL;
}

json_t *
cmd_guest_end(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	int64_t id = cmd_gint(args, "id"), stay;
	char now[32], subject[40];
	json_t *err;
	bool ended = false;

	if ((stay = agreement_stay(h->db, id, &ended)) < 0)
		return cmd_error("internal", "the register could not be read");
	if (stay == 0)
		return cmd_error("not_found", "no agreement %lld",
		    (long long)id);
	if (ended)
		return cmd_error("ended", "agreement %lld has already ended",
		    (long long)id);
	if ((err = cmd_guest_retire(h, a, "guest.agreement_ended",
	    cmd_guest_subject(subject, sizeof(subject), stay), "agreement", id,
	    agreement_end, now, sizeof(now))) != NULL)
		return err;
	return cmd_ok(json_pack("{s:I, s:I, s:s}", "agreement",
	    (json_int_t)id, "stay", (json_int_t)stay, "ended_at", now));
}

json_t *
cmd_guest_block(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	const char *name = cmd_gstr(args, "name");
	const char *desc = cmd_gstr(args, "description");
	char now[32], *key;
	int64_t id;
	json_t *err;

	if ((err = cmd_guest_name("name", name)) != NULL)
		return err;
	if (desc != NULL && (err = cmd_text_check(h, "description", desc)) !=
	    NULL)
		return err;
	if ((key = namefold(name, strlen(name))) == NULL)
		return cmd_error("internal", "out of memory");
	clock_iso8601(now, sizeof(now));
	id = blocklist_insert(h->db, name, key, desc, now, a->login);
	free(key);
	if (id < 0)
		return cmd_error("internal", "the blocklist could not be "
		    "written");
	if (house_journal(h, "guest.blocked", "", a->login, "",
	    json_pack("{s:I}", "block", (json_int_t)id)) < 0) {
		blocklist_delete(h->db, id);
		return cmd_error("journal_failed", "the journal could not "
		    "record it; nothing was stored");
	}
	return cmd_ok(json_pack("{s:I, s:s, s:s}", "block", (json_int_t)id,
	    "name", name, "description", desc != NULL ? desc : ""));
}

json_t *
cmd_guest_unblock(struct husvagt *h, const struct cmd_actor *a,
    json_t *args)
{
	int64_t id = cmd_gint(args, "id");
	char now[32];
	json_t *err;

	switch (blocklist_live(h->db, id)) {
	case -1:
		return cmd_error("internal", "the blocklist could not be read");
	case 0:
		return cmd_error("not_found", "no blocklist entry %lld (or it "
		    "was already removed)", (long long)id);
	}
	if ((err = cmd_guest_retire(h, a, "guest.unblocked", "", "block", id,
	    blocklist_remove, now, sizeof(now))) != NULL)
		return err;
	return cmd_ok(json_pack("{s:I, s:s}", "block", (json_int_t)id,
	    "removed_at", now));
}

json_t *
cmd_guest_blocked(struct husvagt *h, const struct cmd_actor *a,
    json_t *args)
{
	json_t *arr;

	(void)a;
	(void)args;
	if ((arr = blocklist_list(h->db)) == NULL)
		return cmd_error("internal", "the blocklist could not be read");
	return cmd_ok(json_pack("{s:o}", "blocked", arr));
}
