/*
 * The anonymous register (DESIGN 5): the room table mirrored from the
 * site configuration, the anonymous counts published on state/occupancy
 * and, recounted at most once per [vacancy] interval, on vacancy; the
 * occupancy report's figures; and the daily retention job that erases a
 * departed stay's alias and her guests' names.
 *
 * Nothing here reads or writes an alias except the retention job, which
 * erases it; the journal only ever names stay:ID, so erasing never
 * touches it and the chain stays verifiable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "db.h"
#include "house.h"
#include "log.h"
#include "occupancy.h"
#include "register.h"
#include "retention.h"
#include "room_table.h"
#include "settings.h"
#include "stay_table.h"

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

int
register_rooms_sync(struct husvagt *h)
{
	if (room_table_sync(h->db, h->cfg.rooms, h->cfg.nrooms) == -1) {
		log_warnx("register: the rooms could not follow the "
		    "configuration");
		return -1;
	}
	house_state_changed(h);
	return 0;
}

int
register_rooms_in_use(struct husvagt *h, int64_t *n)
{
	return room_table_in_use(h->db, n);
}

json_t *
register_occupancy_json(struct husvagt *h)
{
	int64_t r[5], s[7];

	if (room_table_counts(h->db, r) == -1 ||
	    stay_table_counts(h->db, s) == -1)
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

/* Is the configured room called name step-free? */
static bool
register_room_accessible(const struct husvagt *h, const char *name)
{
	int i;

	for (i = 0; i < h->cfg.nrooms; i++)
		if (!strcmp(h->cfg.rooms[i].name, name))
			return h->cfg.rooms[i].accessible;
	return false;
}

json_t *
register_vacancy_json(struct husvagt *h, time_t at)
{
	const struct site_vacancy *v = &h->cfg.vacancy;
	json_t *rooms, *r, *ages;
	int64_t free_rooms = 0, places = 0, child = 0, access = 0;
	char asof[32];
	struct tm tm;
	size_t i;

	if ((rooms = room_table_list(h->db)) == NULL)
		return NULL;
	json_array_foreach(rooms, i, r) {
		if (json_is_true(json_object_get(r, "occupied")))
			continue;
		free_rooms++;
		places += json_integer_value(json_object_get(r, "beds"));
		child += json_is_true(json_object_get(r, "child_friendly"));
		access += register_room_accessible(h,
		    json_string_value(json_object_get(r, "room")));
	}
	json_decref(rooms);
	gmtime_r(&at, &tm);
	strftime(asof, sizeof(asof), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* Children can come when the house takes them and a free room is
	 * fit for them; the ages say which. */
	ages = v->children && child > 0 ? json_pack("[i, i]",
	    v->child_age_min, v->child_age_max) : json_null();
	return json_pack("{s:s, s:I, s:I, s:b, s:o, s:b, s:s}",
	    "site", h->cfg.name, "free_rooms", (json_int_t)free_rooms,
	    "free_places", (json_int_t)places, "children", !json_is_null(ages),
	    "child_ages", ages, "accessible", access > 0, "as_of", asof);
}

/* The vacancy payload last counted and the wall time it was counted
 * for (the start of its interval); the monotonic time of the next
 * interval's start.  One daemon per process. */
static char *register_vacancy_text;
static int64_t register_vacancy_at = -1;
static uint64_t register_vacancy_due_ms;

/* The figure the last run published, so that a restart does not make a
 * new one before the next interval. */
static void
register_vacancy_load(struct husvagt *h)
{
	char *text = NULL;
	int64_t at;

	if (settings_int_get(h->db, "vacancy_at", &at) != 1 ||
	    settings_text_get(h->db, "vacancy", &text) != 1)
		return;
	register_vacancy_text = text;
	register_vacancy_at = at;
}

uint64_t
register_vacancy_due(void)
{
	return register_vacancy_due_ms;
}

const char *
register_vacancy(struct husvagt *h, uint64_t wall_ms)
{
	int64_t every = h->cfg.vacancy.interval_s, now, at;
	uint64_t every_ms = (uint64_t)every * 1000;
	json_t *j;
	char *text;

	register_vacancy_due_ms = clock_mono_ms() + every_ms -
	    wall_ms % every_ms;
	if (register_vacancy_at < 0 && register_vacancy_text == NULL)
		register_vacancy_load(h);
	now = (int64_t)(wall_ms / 1000);
	at = now - now % every;
	if (register_vacancy_text != NULL && at <= register_vacancy_at)
		return register_vacancy_text;
	if ((j = register_vacancy_json(h, (time_t)at)) == NULL)
		return register_vacancy_text;
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (text == NULL)
		return register_vacancy_text;
	/* The text first: a failure between the two leaves an older time
	 * beside it, which only makes the next start count again. */
	if (settings_text_set(h->db, "vacancy", text) == -1 ||
	    settings_int_set(h->db, "vacancy_at", at) == -1)
		log_warnx("register: the vacancy figure could not be kept; "
		    "it is published all the same");
	free(register_vacancy_text);
	register_vacancy_text = text;
	register_vacancy_at = at;
	return text;
}

int32_t
register_today(void)
{
	time_t now = clock_wall();
	struct tm tm;

	localtime_r(&now, &tm);
	return occ_day(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
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
	if (retention_run(h->db, cutoff, n) == -1) {
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

int
register_stay_get(struct husvagt *h, int64_t id, struct stay_place *s)
{
	return stay_table_place(h->db, id, s);
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
register_stay_zones(const struct husvagt *h, const struct stay_place *s,
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

int
register_aliases(struct husvagt *h, bool current,
    int (*fn)(const char *key, const void *arg), const void *arg,
    int64_t *id)
{
	return stay_table_aliases(h->db, current, fn, arg, id);
}
