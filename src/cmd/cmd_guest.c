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

#include "clock.h"
#include "cmd_verbs.h"
#include "db.h"
#include "guest.h"
#include "house.h"
#include "log.h"
#include "namefold.h"

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

/* Does the query with one id find a row?  1 yes, 0 no, -1 error. */
static int
cmd_guest_exists(struct husvagt *h, const char *sql, int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(h->db, sql, &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
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
	switch (cmd_guest_exists(h, "SELECT 1 FROM stay WHERE id = ? AND "
	    "departure IS NULL", cmd_gint(args, "stay"))) {
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
	const char *guest = cmd_gstr(args, "guest");
	sqlite3_stmt *st;
	char now[32], *key;
	int64_t id = -1;

	if ((key = namefold(guest, strlen(guest))) == NULL)
		return -1;
	clock_iso8601(now, sizeof(now));
	if (db_prepare(h->db, "INSERT INTO agreement (stay_id, guest, "
	    "guest_key, relation, valid_from, valid_to, windows, "
	    "resident_areas, escort, created_at, created_by) VALUES (?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?)", &st) == 0) {
		sqlite3_bind_int64(st, 1, cmd_gint(args, "stay"));
		sqlite3_bind_text(st, 2, guest, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, cmd_gstr(args, "relation"), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 5, from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, cmd_gstr(args, "to"), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 7, cmd_gstr(args, "windows"), -1,
		    SQLITE_STATIC);
		sqlite3_bind_int(st, 8, json_is_true(json_object_get(args,
		    "resident_areas")));
		sqlite3_bind_int(st, 9, json_is_true(json_object_get(args,
		    "escort")));
		sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, actor, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			id = sqlite3_last_insert_rowid(h->db);
		else
			log_warnx("agreement: %s", sqlite3_errmsg(h->db));
		sqlite3_finalize(st);
	}
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
		guest_exec(h, "DELETE FROM agreement WHERE id = ?", id,
		    NULL, NULL);
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

/* One row of guest.list. */
static json_t *
cmd_agreement_json(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:I, s:s?, s:s?, s:s, s:s?, s:s?, s:s?, "
	    "s:b, s:b, s:s, s:s, s:s?}",
	    "agreement", (json_int_t)sqlite3_column_int64(st, 0),
	    "stay", (json_int_t)sqlite3_column_int64(st, 1),
	    "alias", (const char *)sqlite3_column_text(st, 2),
	    "guest", (const char *)sqlite3_column_text(st, 3),
	    "relation", (const char *)sqlite3_column_text(st, 4),
	    "from", (const char *)sqlite3_column_text(st, 5),
	    "to", (const char *)sqlite3_column_text(st, 6),
	    "windows", (const char *)sqlite3_column_text(st, 7),
	    "resident_areas", sqlite3_column_int(st, 8),
	    "escort", sqlite3_column_int(st, 9),
	    "created_at", (const char *)sqlite3_column_text(st, 10),
	    "created_by", (const char *)sqlite3_column_text(st, 11),
	    "ended_at", (const char *)sqlite3_column_text(st, 12));
}

json_t *
cmd_guest_list(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	bool ended = json_is_true(json_object_get(args, "ended"));
	json_t *arr = json_array();
	sqlite3_stmt *st;

	(void)a;
	if (db_prepare(h->db, "SELECT g.id, g.stay_id, s.alias, g.guest, "
	    "g.relation, g.valid_from, g.valid_to, g.windows, "
	    "g.resident_areas, g.escort, g.created_at, g.created_by, "
	    "g.ended_at FROM agreement g JOIN stay s ON s.id = g.stay_id "
	    "WHERE (?1 = 0 OR g.stay_id = ?1) AND (?2 OR (g.ended_at IS NULL "
	    "AND s.departure IS NULL)) ORDER BY g.stay_id, g.id", &st) == -1) {
		json_decref(arr);
		return cmd_error("internal", "the register could not be read");
	}
	sqlite3_bind_int64(st, 1, cmd_gint(args, "stay"));
	sqlite3_bind_int(st, 2, ended);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, cmd_agreement_json(st));
	sqlite3_finalize(st);
	return cmd_ok(json_pack("{s:o}", "agreements", arr));
}

/* The stay of a live agreement; 0: none such; -1: error. */
static int64_t
cmd_agreement_stay(struct husvagt *h, int64_t id, bool *ended)
{
	sqlite3_stmt *st;
	int64_t stay = 0;
	int rc;

	if (db_prepare(h->db, "SELECT stay_id, ended_at IS NOT NULL FROM "
	    "agreement WHERE id = ?", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		stay = sqlite3_column_int64(st, 0);
		*ended = sqlite3_column_int(st, 1) != 0;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? stay : -1;
}

/*
 * Journal type with {key: id} first, then mark the row ended with the
 * time (into now) and the actor by sql (?1 id, ?2 time, ?3 actor).
 * NULL, or an error reply saying that nothing changed.
 */
static json_t *
cmd_guest_retire(struct husvagt *h, const struct cmd_actor *a,
    const char *type, const char *subject, const char *key, int64_t id,
    const char *sql, char *now, size_t len)
{
	if (house_journal(h, type, "", a->login, subject, json_pack("{s:I}",
	    key, (json_int_t)id)) < 0)
		return cmd_error("journal_failed", "the journal could not "
		    "record it; nothing was changed");
	clock_iso8601(now, len);
	if (guest_exec(h, sql, id, now, a->login) != 1)
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

	if ((stay = cmd_agreement_stay(h, id, &ended)) < 0)
		return cmd_error("internal", "the register could not be read");
	if (stay == 0)
		return cmd_error("not_found", "no agreement %lld",
		    (long long)id);
	if (ended)
		return cmd_error("ended", "agreement %lld has already ended",
		    (long long)id);
	if ((err = cmd_guest_retire(h, a, "guest.agreement_ended",
	    cmd_guest_subject(subject, sizeof(subject), stay), "agreement", id,
	    "UPDATE agreement SET ended_at = ?2, ended_by = ?3 WHERE id = ?1",
	    now, sizeof(now))) != NULL)
		return err;
	return cmd_ok(json_pack("{s:I, s:I, s:s}", "agreement",
	    (json_int_t)id, "stay", (json_int_t)stay, "ended_at", now));
}

json_t *
cmd_guest_block(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	const char *name = cmd_gstr(args, "name");
	const char *desc = cmd_gstr(args, "description");
	sqlite3_stmt *st;
	char now[32], *key;
	int64_t id = -1;
	json_t *err;

	if ((err = cmd_guest_name("name", name)) != NULL)
		return err;
	if (desc != NULL && (err = cmd_text_check(h, "description", desc)) !=
	    NULL)
		return err;
	if ((key = namefold(name, strlen(name))) == NULL)
		return cmd_error("internal", "out of memory");
	clock_iso8601(now, sizeof(now));
	if (db_prepare(h->db, "INSERT INTO blocklist (name, name_key, "
	    "description, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
	    &st) == 0) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, desc != NULL ? desc : "", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, a->login, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			id = sqlite3_last_insert_rowid(h->db);
		sqlite3_finalize(st);
	}
	free(key);
	if (id < 0)
		return cmd_error("internal", "the blocklist could not be "
		    "written");
	if (house_journal(h, "guest.blocked", "", a->login, "",
	    json_pack("{s:I}", "block", (json_int_t)id)) < 0) {
		guest_exec(h, "DELETE FROM blocklist WHERE id = ?", id,
		    NULL, NULL);
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

	switch (cmd_guest_exists(h, "SELECT 1 FROM blocklist WHERE id = ? AND "
	    "removed_at IS NULL", id)) {
	case -1:
		return cmd_error("internal", "the blocklist could not be read");
	case 0:
		return cmd_error("not_found", "no blocklist entry %lld (or it "
		    "was already removed)", (long long)id);
	}
	if ((err = cmd_guest_retire(h, a, "guest.unblocked", "", "block", id,
	    "UPDATE blocklist SET removed_at = ?2, removed_by = ?3 WHERE "
	    "id = ?1", now, sizeof(now))) != NULL)
		return err;
	return cmd_ok(json_pack("{s:I, s:s}", "block", (json_int_t)id,
	    "removed_at", now));
}

json_t *
cmd_guest_blocked(struct husvagt *h, const struct cmd_actor *a,
    json_t *args)
{
	json_t *arr = json_array();
	sqlite3_stmt *st;

	(void)a;
	(void)args;
	if (db_prepare(h->db, "SELECT id, name, description, created_at, "
	    "created_by FROM blocklist WHERE removed_at IS NULL ORDER BY id",
	    &st) == -1) {
		json_decref(arr);
		return cmd_error("internal", "the blocklist could not be read");
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, "
		    "s:s}", "block", (json_int_t)sqlite3_column_int64(st, 0),
		    "name", (const char *)sqlite3_column_text(st, 1),
		    "description", (const char *)sqlite3_column_text(st, 2),
		    "since", (const char *)sqlite3_column_text(st, 3),
		    "by", (const char *)sqlite3_column_text(st, 4)));
	sqlite3_finalize(st);
	return cmd_ok(json_pack("{s:o}", "blocked", arr));
}
