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

#include "clock.h"
#include "db.h"
#include "house.h"
#include "log.h"
#include "occupancy.h"
#include "register.h"
#include "retention.h"
#include "room_table.h"
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

json_t *
register_vacancy_json(struct husvagt *h)
{
	int64_t r[5];
	char today[16];

	if (room_table_counts(h->db, r) == -1)
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
