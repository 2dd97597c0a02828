/*
 * The stay table's changes made by the stay verbs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cred.h"
#include "db.h"
#include "log.h"
#include "namefold.h"
#include "occupancy.h"
#include "stay_table.h"

int
stay_table_room(sqlite3 *db, const char *name, struct stay_room *r)
{
	sqlite3_stmt *st;
	int rc;

	memset(r, 0, sizeof(*r));
	if (db_prepare(db, "SELECT r.id, r.name, r.corridor, r.zone, "
	    "r.beds, r.child_friendly, r.retired_at IS NOT NULL, (SELECT "
	    "s.id FROM stay s WHERE s.room_id = r.id AND s.departure IS NULL) "
	    "FROM room r WHERE r.name = ?1", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r->id = sqlite3_column_int64(st, 0);
		snprintf(r->name, sizeof(r->name), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		snprintf(r->corridor, sizeof(r->corridor), "%s",
		    (const char *)sqlite3_column_text(st, 2));
		snprintf(r->zone, sizeof(r->zone), "%s",
		    (const char *)sqlite3_column_text(st, 3));
		r->beds = sqlite3_column_int(st, 4);
		r->child_friendly = sqlite3_column_int(st, 5) != 0;
		r->retired = sqlite3_column_int(st, 6) != 0;
		r->stay = sqlite3_column_int64(st, 7);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
stay_table_current(sqlite3 *db, int64_t id)
{
	return db_exists(db, "SELECT 1 FROM stay WHERE id = ? AND departure "
	    "IS NULL", id);
}

int
stay_table_where(sqlite3 *db, int64_t id, char *alias, size_t alen,
    char *corridor, size_t clen)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT s.alias, r.corridor FROM stay s JOIN "
	    "room r ON r.id = s.room_id WHERE s.id = ? AND s.departure IS "
	    "NULL", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(alias, alen, "%s",
		    (const char *)sqlite3_column_text(st, 0) ?: "");
		snprintf(corridor, clen, "%s",
		    (const char *)sqlite3_column_text(st, 1) ?: "");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
stay_table_overlap(sqlite3 *db, int64_t room, const char *arrival,
    int64_t *other, char *until, size_t len)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT id, departure FROM stay WHERE room_id = "
	    "?1 AND departure > ?2 ORDER BY departure DESC LIMIT 1",
	    &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, room);
	sqlite3_bind_text(st, 2, arrival, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*other = sqlite3_column_int64(st, 0);
		snprintf(until, len, "%s",
		    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : 0;
}

int64_t
stay_table_insert(sqlite3 *db, const struct stay_new *n)
{
	sqlite3_stmt *st;
	char now[32];
	int64_t id = -1;
	int i;

	clock_iso8601(now, sizeof(now));
	if (db_prepare(db, "INSERT INTO stay (alias, room_id, arrival, "
	    "adults, children_0_2, children_3_5, children_6_9, "
	    "children_10_17, needs_help, admitted_at) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8, ?9, ?10)", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, n->alias, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, n->room);
	sqlite3_bind_text(st, 3, n->arrival, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, n->adults);
	for (i = 0; i < 4; i++)
		sqlite3_bind_int(st, 5 + i, n->children[i]);
	sqlite3_bind_int(st, 9, n->needs_help);
	sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db);
	else
		log_warnx("register: admit: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return id;
}

/*
 * Run an UPDATE of the stay id with ?1 = text, ?2 = the time now and
 * ?3 = id bound; how many rows changed, or -1.
 */
static int
stay_table_update(sqlite3 *db, const char *sql, const char *text,
    int64_t id)
{
	sqlite3_stmt *st;
	char now[32];
	int n = -1;

	clock_iso8601(now, sizeof(now));
	if (db_prepare(db, sql, &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	if (sqlite3_step(st) == SQLITE_DONE)
		n = sqlite3_changes(db);
	sqlite3_finalize(st);
	return n;
}

int
stay_table_discharge(sqlite3 *db, int64_t id, const char *departure,
    const char *holder, const char *actor, int n[2])
{
	if (db_exec(db, "BEGIN IMMEDIATE") == -1)
		return -1;
	if (stay_table_update(db, "UPDATE stay SET departure = ?1, "
	    "discharged_at = ?2 WHERE id = ?3 AND departure IS NULL",
	    departure, id) != 1 ||
	    (n[0] = cred_revoke_holder(db, holder,
	    (int64_t)clock_wall())) < 0 ||
	    (n[1] = stay_table_update(db, "UPDATE agreement SET ended_by = "
	    "?1, ended_at = ?2 WHERE stay_id = ?3 AND ended_at IS NULL", actor,
	    id)) < 0 ||
	    db_exec(db, "COMMIT") == -1) {
		db_exec(db, "ROLLBACK");
		return -1;
	}
	return 0;
}

int
stay_table_move(sqlite3 *db, int64_t id, int64_t room, const char *holder,
    char *(*rezone)(const char *zones, void *arg), void *arg)
{
	sqlite3_stmt *st;
	int n, ok;

	if (db_exec(db, "BEGIN IMMEDIATE") == -1)
		return -1;
	if (db_prepare(db, "UPDATE stay SET room_id = ?1 WHERE id = ?2 AND "
	    "departure IS NULL", &st) == -1)
		goto rollback;
	sqlite3_bind_int64(st, 1, room);
	sqlite3_bind_int64(st, 2, id);
	ok = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) == 1;
	sqlite3_finalize(st);
	if (!ok || (n = cred_rezone(db, holder, rezone, arg)) < 0 ||
	    db_exec(db, "COMMIT") == -1)
		goto rollback;
	return n;
rollback:
	db_exec(db, "ROLLBACK");
	return -1;
}

json_t *
stay_table_list(sqlite3 *db, bool all)
{
	sqlite3_stmt *st;
	json_t *list;
	int rc;

	if (db_prepare(db, "SELECT s.id, s.alias, r.name, s.arrival, "
	    "s.departure, s.adults, s.children_0_2, s.children_3_5, "
	    "s.children_6_9, s.children_10_17, s.needs_help, (SELECT count(*) "
	    "FROM credential c WHERE c.holder = 'stay:' || s.id AND "
	    "c.revoked_at IS NULL) FROM stay s JOIN room r ON r.id = "
	    "s.room_id WHERE ?1 OR s.departure IS NULL ORDER BY s.id",
	    &st) == -1)
		return NULL;
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
		return NULL;
	}
	return list;
}

struct occ_stay *
stay_table_period(sqlite3 *db, const char *from, const char *to, long *n)
{
	struct occ_stay *v = NULL, *nv;
	sqlite3_stmt *st;
	long cap = 0;
	int rc;

	*n = 0;
	if (db_prepare(db, "SELECT arrival, departure FROM stay WHERE "
	    "arrival <= ?2 AND (departure IS NULL OR departure >= ?1)",
	    &st) == -1)
		goto err;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, (size_t)cap * sizeof(*v))) == NULL)
				goto err;
			v = nv;
		}
		/* The dates were checked when written; a row edited by hand
		 * into something else is left out rather than guessed at. */
		if (occ_date_parse((const char *)sqlite3_column_text(st, 0),
		    &v[*n].arrival) == -1)
			continue;
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			v[*n].departure = OCC_CURRENT;
		else if (occ_date_parse((const char *)sqlite3_column_text(st,
		    1), &v[*n].departure) == -1)
			continue;
		(*n)++;
	}
	if (rc != SQLITE_DONE)
		goto err;
	sqlite3_finalize(st);
	return v != NULL ? v : calloc(1, sizeof(*v));
err:
	log_warnx("register: report: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	free(v);
	*n = -1;
	return NULL;
}


/* Copy column i's text into dst (len bytes); "" for NULL. */
static void
stay_table_text(sqlite3_stmt *st, int i, char *dst, size_t len)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	snprintf(dst, len, "%s", s != NULL ? (const char *)s : "");
}

int
stay_table_place(sqlite3 *db, int64_t id, struct stay_place *s)
{
	sqlite3_stmt *st;
	int rc;

	memset(s, 0, sizeof(*s));
	if (db_prepare(db, "SELECT s.id, s.room_id, r.name, r.corridor, "
	    "r.zone, s.arrival, s.departure FROM stay s JOIN room r ON r.id = "
	    "s.room_id WHERE s.id = ?1", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s->id = sqlite3_column_int64(st, 0);
		s->room_id = sqlite3_column_int64(st, 1);
		stay_table_text(st, 2, s->room, sizeof(s->room));
		stay_table_text(st, 3, s->corridor, sizeof(s->corridor));
		stay_table_text(st, 4, s->zone, sizeof(s->zone));
		stay_table_text(st, 5, s->arrival, sizeof(s->arrival));
		stay_table_text(st, 6, s->departure, sizeof(s->departure));
		s->current = s->departure[0] == '\0';
	} else if (rc != SQLITE_DONE)
		log_warnx("register: stay %lld: %s", (long long)id,
		    sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
stay_table_aliases(sqlite3 *db, bool current,
    int (*fn)(const char *key, const void *arg), const void *arg,
    int64_t *id)
{
	sqlite3_stmt *st;
	const char *alias;
	char *key;
	int found = 0;

	if (db_prepare(db, current ? "SELECT id, alias FROM stay WHERE "
	    "departure IS NULL AND alias IS NOT NULL" : "SELECT id, alias "
	    "FROM stay WHERE alias IS NOT NULL", &st) == -1)
		return -1;
	while (found == 0 && sqlite3_step(st) == SQLITE_ROW) {
		alias = (const char *)sqlite3_column_text(st, 1);
		if ((key = namefold(alias, strlen(alias))) == NULL)
			continue;
		if ((found = fn(key, arg)) != 0)
			*id = sqlite3_column_int64(st, 0);
		free(key);
	}
	sqlite3_finalize(st);
	return found;
}

int
stay_table_counts(sqlite3 *db, int64_t v[7])
{
	return db_ints(db, "SELECT count(*), total(adults), "
	    "total(children_0_2), total(children_3_5), total(children_6_9), "
	    "total(children_10_17), total(needs_help != 0) FROM stay WHERE "
	    "departure IS NULL", v, 7);
}

int
stay_table_anonymise(sqlite3 *db, const char *cutoff, const char *now)
{
	return db_erase(db, "UPDATE stay SET alias = NULL, "
	    "anonymised_at = ?2 WHERE departure IS NOT NULL AND departure < "
	    "?1 AND anonymised_at IS NULL", cutoff, now);
}
