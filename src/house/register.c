/*
 * The anonymous register (DESIGN 5): the room table mirrored from the
 * site configuration, the anonymous counts published on state/occupancy
 * and vacancy, the occupancy report's figures, and the daily retention
 * job that erases a departed stay's alias and her guests' names.
 *
 * Nothing here reads or writes an alias except the retention job, which
 * erases it; the journal only ever names stay:ID, so erasing never
 * touches it and the chain stays verifiable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blocklist.h"
#include "clock.h"
#include "cred.h"
#include "db.h"
#include "enquiry_table.h"
#include "house.h"
#include "journal.h"
#include "log.h"
#include "namefold.h"
#include "occupancy.h"
#include "register.h"

/* The retention job runs shortly after start, then once a day. */
#define REGISTER_FIRST_RUN_MS	5000
#define REGISTER_DAY_MS		(24ull * 3600 * 1000)
#define REGISTER_RETRY_MS	60000

const char *const register_outcomes[REGISTER_NOUTCOMES] = {
	"no_room", "not_target", "referred", "offered", "other",
	"asked_about_resident",
};

/* Monotonic time of the next retention run; 0 until the first deadline
 * is asked for.  One daemon per process, so one schedule. */
static uint64_t register_retention_at;

/* Upsert one configured room; a room configured again is not retired. */
static int
register_room_upsert(sqlite3 *db, const struct site_room *r)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "INSERT INTO room (name, floor, corridor, zone, "
	    "beds, kind, child_friendly) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
	    "ON CONFLICT(name) DO UPDATE SET floor = excluded.floor, "
	    "corridor = excluded.corridor, zone = excluded.zone, "
	    "beds = excluded.beds, kind = excluded.kind, "
	    "child_friendly = excluded.child_friendly, retired_at = NULL",
	    &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, r->floor);
	sqlite3_bind_text(st, 3, r->corridor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->zone, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, r->beds);
	sqlite3_bind_text(st, 6, r->double_room ? "double" : "single", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 7, r->child_friendly);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	if (rc == -1)
		log_warnx("register: room %s: %s", r->name, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

/* Retire the rooms the configuration no longer names (names: a JSON
 * array of the configured ones). */
static int
register_rooms_retire(sqlite3 *db, const char *names)
{
	sqlite3_stmt *st;
	char now[32];
	int rc;

	clock_iso8601(now, sizeof(now));
	if (db_prepare(db, "UPDATE room SET retired_at = ?1 WHERE "
	    "retired_at IS NULL AND name NOT IN (SELECT value FROM "
	    "json_each(?2))", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, names, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	if (rc == 0 && sqlite3_changes(db) > 0)
		log_info("register: %d room(s) no longer configured: retired",
		    sqlite3_changes(db));
	sqlite3_finalize(st);
	return rc;
}

/* A retired room in which someone still lives is worth a line in the
 * log: nothing is refused, but staff should move her. */
static void
register_rooms_warn(sqlite3 *db)
{
	sqlite3_stmt *st;

	if (db_prepare(db, "SELECT r.name, s.id FROM stay s JOIN room r ON "
	    "r.id = s.room_id WHERE s.departure IS NULL AND r.retired_at IS "
	    "NOT NULL", &st) == -1)
		return;
	while (sqlite3_step(st) == SQLITE_ROW)
		log_warnx("register: room %s is no longer configured but stay "
		    "%lld still lives there (husvagtctl stay move)",
		    (const char *)sqlite3_column_text(st, 0),
		    (long long)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
}

int
register_rooms_sync(struct husvagt *h)
{
	json_t *names = json_array();
	char *text = NULL;
	int i, rc = -1;

	for (i = 0; i < h->cfg.nrooms; i++)
		json_array_append_new(names, json_string(h->cfg.rooms[i].name));
	if ((text = json_dumps(names, JSON_COMPACT)) == NULL ||
	    db_exec(h->db, "BEGIN IMMEDIATE") == -1)
		goto out;
	for (i = 0; i < h->cfg.nrooms; i++)
		if (register_room_upsert(h->db, &h->cfg.rooms[i]) == -1)
			goto rollback;
	if (register_rooms_retire(h->db, text) == -1 ||
	    db_exec(h->db, "COMMIT") == -1)
		goto rollback;
	register_rooms_warn(h->db);
	house_state_changed(h);
	rc = 0;
	goto out;
rollback:
	db_exec(h->db, "ROLLBACK");
	log_warnx("register: the rooms could not follow the configuration");
out:
	free(text);
	json_decref(names);
	return rc;
}

/* Run a query of one row; its integer columns into v (NULL as 0). */
static int
register_row(sqlite3 *db, const char *sql, int64_t *v, int n)
{
	sqlite3_stmt *st;
	int i, rc;

	if (db_prepare(db, sql, &st) == -1)
		return -1;
	rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
	for (i = 0; i < n; i++)
		v[i] = rc == 0 ? sqlite3_column_int64(st, i) : 0;
	sqlite3_finalize(st);
	return rc;
}

/* Rooms in use and the free ones by kind: rooms, free, free_single,
 * free_double, free_child_friendly. */
static int
register_rooms_count(sqlite3 *db, int64_t v[5])
{
	return register_row(db, "SELECT (SELECT count(*) FROM room WHERE "
	    "retired_at IS NULL), count(*), total(kind = 'single'), "
	    "total(kind = 'double'), total(child_friendly) FROM room r WHERE "
	    "r.retired_at IS NULL AND NOT EXISTS (SELECT 1 FROM stay s WHERE "
	    "s.room_id = r.id AND s.departure IS NULL)", v, 5);
}

int
register_rooms_in_use(struct husvagt *h, int64_t *n)
{
	return register_row(h->db, "SELECT count(*) FROM room WHERE "
	    "retired_at IS NULL", n, 1);
}

json_t *
register_occupancy_json(struct husvagt *h)
{
	int64_t r[5], s[7];

	if (register_rooms_count(h->db, r) == -1 ||
	    register_row(h->db, "SELECT count(*), total(adults), "
	    "total(children_0_2), total(children_3_5), total(children_6_9), "
	    "total(children_10_17), total(needs_help != 0) FROM stay WHERE "
	    "departure IS NULL", s, 7) == -1)
		return NULL;
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I}", "rooms", (json_int_t)r[0],
	    "occupied", (json_int_t)s[0], "free", (json_int_t)r[1],
	    "free_single", (json_int_t)r[2], "free_double", (json_int_t)r[3],
	    "adults", (json_int_t)s[1],
	    "children", (json_int_t)(s[2] + s[3] + s[4] + s[5]),
	    "children_0_2", (json_int_t)s[2], "children_3_5", (json_int_t)s[3],
	    "children_6_9", (json_int_t)s[4],
	    "children_10_17", (json_int_t)s[5],
	    "needs_help", (json_int_t)s[6]);
}

json_t *
register_vacancy_json(struct husvagt *h)
{
	int64_t r[5];
	char today[16];

	if (register_rooms_count(h->db, r) == -1)
		return NULL;
	occ_date_format(register_today(), today, sizeof(today));
	return json_pack("{s:s, s:I, s:I, s:I, s:s}", "site", h->cfg.name,
	    "free_single", (json_int_t)r[2], "free_double", (json_int_t)r[3],
	    "free_child_friendly", (json_int_t)r[4], "updated", today);
}

int32_t
register_today(void)
{
	time_t now = clock_wall();
	struct tm tm;

	localtime_r(&now, &tm);
	return occ_day(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* Run one retention statement with the cutoff date (?1) and the time
 * (?2, where it has one) bound; rows changed, or -1. */
static int
register_erase(sqlite3 *db, const char *sql, const char *cutoff,
    const char *now)
{
	sqlite3_stmt *st;
	int n = -1;

	if (db_prepare(db, sql, &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, cutoff, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		n = sqlite3_changes(db);
	else
		log_warnx("register: retention: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return n;
}

#define REGISTER_GONE	"SELECT id FROM stay WHERE departure IS NOT NULL " \
			"AND departure < ?1"

/* Staff's free text: kept beside the journal, on old enquiries, on
 * blocklist entries removed, on the chips of stays gone.  The number
 * erased or -1. */
static int
register_erase_texts(sqlite3 *db, const char *cutoff)
{
	int a, b, c, d;

	if ((a = journal_text_erase(db, cutoff)) < 0 ||
	    (b = enquiry_table_erase(db, cutoff)) < 0 ||
	    (c = blocklist_purge(db, cutoff)) < 0 ||
	    (d = cred_erase_labels(db, cutoff)) < 0)
		return -1;
	return a + b + c + d;
}

/*
 * Erase, in one transaction, what retention takes from stays that left
 * before cutoff: their guests' names on agreements and visits, then the
 * alias.  Visits of no stay lose the guest's name once checked out
 * before the cutoff.  n gets stays, agreements, visits.
 */
static int
register_retention_run(sqlite3 *db, const char *cutoff, int n[4])
{
	char now[32];

	clock_iso8601(now, sizeof(now));
	if (db_exec(db, "BEGIN IMMEDIATE") == -1)
		return -1;
	n[1] = register_erase(db, "UPDATE agreement SET guest = NULL, "
	    "guest_key = NULL WHERE (guest IS NOT NULL OR guest_key IS NOT "
	    "NULL) AND stay_id IN (" REGISTER_GONE ")", cutoff,
	    now);
	n[2] = register_erase(db, "UPDATE visit SET guest = NULL, "
	    "override_reason = NULL WHERE (guest IS NOT NULL OR "
	    "override_reason IS NOT NULL) AND (stay_id IN (" REGISTER_GONE
	    ") OR (stay_id IS NULL AND checked_out_at < ?1))", cutoff, now);
	n[3] = register_erase_texts(db, cutoff);
	n[0] = register_erase(db, "UPDATE stay SET alias = NULL, "
	    "anonymised_at = ?2 WHERE departure IS NOT NULL AND departure < "
	    "?1 AND anonymised_at IS NULL", cutoff, now);
	if (n[0] < 0 || n[1] < 0 || n[2] < 0 || n[3] < 0 ||
	    db_exec(db, "COMMIT") == -1) {
		db_exec(db, "ROLLBACK");
		return -1;
	}
	return 0;
}

/* The daily job: anonymise stays departed more than retention_days ago
 * and journal how many records it changed (nothing when none). */
static int
register_retention(struct husvagt *h)
{
	char cutoff[16];
	int n[4];

	occ_date_format(register_today() - h->cfg.retention_days, cutoff,
	    sizeof(cutoff));
	if (register_retention_run(h->db, cutoff, n) == -1) {
		log_warnx("register: retention job failed; retrying");
		return -1;
	}
	if (n[0] + n[1] + n[2] + n[3] == 0)
		return 0;
	log_info("register: anonymised %d stay(s), %d agreement(s), %d "
	    "visit(s), %d text(s) before %s", n[0], n[1], n[2], n[3],
	    cutoff);
	house_journal(h, "register.anonymised", "", "system", "",
	    json_pack("{s:i, s:i, s:i, s:i, s:s, s:i}", "stays", n[0],
	    "agreements", n[1], "visits", n[2], "texts", n[3],
	    "departed_before", cutoff, "retention_days",
	    h->cfg.retention_days));
	/* secure_delete zeroed the erased bytes in the pages; the WAL still
	 * holds the pages as they were until it is checkpointed. */
	db_erase_wal(h->db);
	return 0;
}

uint64_t
register_deadline(struct husvagt *h)
{
	if (register_retention_at == 0)
		register_retention_at = h->started_ms + REGISTER_FIRST_RUN_MS;
	return register_retention_at;
}

void
register_tick(struct husvagt *h, uint64_t now)
{
	if (register_deadline(h) > now)
		return;
	register_retention_at = now + (register_retention(h) == 0 ?
	    REGISTER_DAY_MS : REGISTER_RETRY_MS);
}

int64_t
register_holder_stay(const char *holder)
{
	const char *p;
	int64_t id = 0;

	if (holder == NULL || strncmp(holder, "stay:", 5) != 0)
		return 0;
	p = holder + 5;
	if (*p < '1' || *p > '9' || strlen(p) > 18 ||
	    strspn(p, "0123456789") != strlen(p))
		return 0;
	for (; *p != '\0'; p++)
		id = id * 10 + (*p - '0');
	return id;
}

/* Copy column i's text into dst (len bytes); "" for NULL. */
static void
register_text(sqlite3_stmt *st, int i, char *dst, size_t len)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	snprintf(dst, len, "%s", s != NULL ? (const char *)s : "");
}

int
register_stay_get(struct husvagt *h, int64_t id, struct register_stay *s)
{
	sqlite3_stmt *st;
	int rc;

	memset(s, 0, sizeof(*s));
	if (db_prepare(h->db, "SELECT s.id, s.room_id, r.name, r.corridor, "
	    "r.zone, s.arrival, s.departure FROM stay s JOIN room r ON r.id = "
	    "s.room_id WHERE s.id = ?1", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s->id = sqlite3_column_int64(st, 0);
		s->room_id = sqlite3_column_int64(st, 1);
		register_text(st, 2, s->room, sizeof(s->room));
		register_text(st, 3, s->corridor, sizeof(s->corridor));
		register_text(st, 4, s->zone, sizeof(s->zone));
		register_text(st, 5, s->arrival, sizeof(s->arrival));
		register_text(st, 6, s->departure, sizeof(s->departure));
		s->current = s->departure[0] == '\0';
	} else if (rc != SQLITE_DONE)
		log_warnx("register: stay %lld: %s", (long long)id,
		    sqlite3_errmsg(h->db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
register_zones_add(char *buf, size_t len, const char *zone)
{
	size_t n = strlen(buf), z = strlen(zone);
	const char *p;

	if (z == 0)
		return 0;
	for (p = buf; (p = strstr(p, zone)) != NULL; p += z)
		if ((p == buf || p[-1] == ',') && (p[z] == ',' || p[z] == '\0'))
			return 0;
	if (n + (n > 0) + z + 1 > len)
		return -1;
	snprintf(buf + n, len - n, "%s%s", n > 0 ? "," : "", zone);
	return 0;
}

int
register_stay_zones(const struct husvagt *h, const struct register_stay *s,
    char *buf, size_t len)
{
	int i;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	for (i = 0; i < h->cfg.ndoors; i++)
		if (!strcmp(h->cfg.doors[i].name, "front") &&
		    register_zones_add(buf, len, h->cfg.doors[i].zone) == -1)
			return -1;
	if (register_zones_add(buf, len, s->corridor) == -1 ||
	    register_zones_add(buf, len, s->zone) == -1)
		return -1;
	return 0;
}

/*
 * Call fn for the folded alias of every stay that still has one (current
 * stays only when current); stops at the first nonzero answer and returns
 * it with that stay's id in *id.
 */
int
register_aliases(struct husvagt *h, bool current,
    int (*fn)(const char *key, const void *arg), const void *arg,
    int64_t *id)
{
	sqlite3_stmt *st;
	const char *alias;
	char *key;
	int found = 0;

	if (db_prepare(h->db, current ? "SELECT id, alias FROM stay WHERE "
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
