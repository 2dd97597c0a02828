/*
 * The registry of open alarms.  The database's alarm table is
 * the registry, so a restart keeps what staff have not yet seen.  An
 * alarm is raised once per cause (class and point): raising it again
 * while it is open only marks its cause present again.  It leaves the
 * list when staff have acknowledged it and its physical cause has
 * cleared; an alarm without a physical cause (duress) is born cleared.
 * The journal rows of the alarms themselves are written by their callers
 * (events.c, reader.c); here only alarm.acknowledged is.
 */
#include <stdio.h>
#include <string.h>

#include "alarm_table.h"
#include "clock.h"
#include "house.h"
#include "log.h"

/* Alarms with a cause checked at start: more are left for the next. */
#define ALARM_START_MAX	256

int64_t
alarm_raise(struct husvagt *h, const char *cls, const char *point,
    bool physical)
{
	char now[32];
	int64_t id;

	id = alarm_table_find(h->db, cls, point);
	if (id < 0)
		return -1;
	house_state_changed(h);
	if (id > 0) {
		if (physical && alarm_table_present(h->db, id) == -1)
			return -1;
		return id;
	}
	clock_iso8601(now, sizeof(now));
	id = alarm_table_insert(h->db, cls, point, now, physical);
	alarm_outputs_update(h);
	return id;
}

void
alarm_check_failed(struct husvagt *h, const char *check)
{
	int64_t id;

	log_warnx("%s lookup failed: denied (reason \"error\")", check);
	id = alarm_raise(h, "fault", "database", false);
	house_journal(h, "alarm.fault", "database", "system", "",
	    json_pack("{s:I, s:s, s:s}", "alarm", (json_int_t)id,
	    "reason", "error", "check", check));
}

void
alarm_cause_cleared(struct husvagt *h, const char *cls, const char *point)
{
	int64_t id = alarm_table_find(h->db, cls, point);
	char now[32];

	if (id <= 0)
		return;
	clock_iso8601(now, sizeof(now));
	alarm_table_cleared(h->db, id, now, true);
	house_state_changed(h);
	alarm_outputs_update(h);
}

const char *
alarm_ack(struct husvagt *h, int64_t id, const char *actor)
{
	char cls[64], point[64], now[32];
	bool acked;

	if (alarm_table_get(h->db, id, cls, point, sizeof(cls), &acked) == -1)
		return "not_found";
	if (acked)
		return NULL;
	clock_iso8601(now, sizeof(now));
	if (house_journal(h, "alarm.acknowledged", point, actor, "",
	    json_pack("{s:I, s:s}", "alarm", (json_int_t)id, "class",
	    cls)) < 0)
		return "journal";
	if (alarm_table_ack(h->db, id, now, actor) == -1)
		return "internal";
	house_state_changed(h);
	alarm_outputs_update(h);
	return NULL;
}

json_t *
alarm_list_json(struct husvagt *h)
{
	return alarm_table_list(h->db);
}

/*
 * Is the cause of a loop or input alarm still there at start?  The point
 * (by role) as the HAL read it when it opened: a loop not normal, a plain
 * input active.  A point the board no longer has, or cannot read yet, is
 * taken as cleared, as the input reports any change later.
 */
static bool
alarm_cause_present(struct husvagt *h, const char *role)
{
	const struct board_point *bp;
	int p = hal_point(h->hal, role), v;

	if (p < 0 || hal_input_get(h->hal, p, &v) != 0)
		return false;
	bp = hal_point_info(h->hal, p);
	if (bp->kind == BOARD_SUPERVISED)
		return v != HAL_LOOP_NORMAL;
	return bp->kind == BOARD_INPUT && v != 0;
}

/*
 * At start, after the doors have read their contacts and before the
 * alarm inputs are read: a forced or held door found closed, a loop or
 * input found at rest, and every module fault (the first polls raise it
 * again) have their causes cleared; events_at_start then raises
 * (marks present) those still there.  An alarm whose cause is still there
 * is left as it was, acknowledgement included, so a restart neither
 * sounds a siren staff have silenced nor lists the alarm twice.
 */
/* The alarms whose cause is gone at start, to be cleared. */
struct alarm_gone {
	struct husvagt	*h;
	int64_t		 id[ALARM_START_MAX];
	int		 n;
};

static int
alarm_gone_add(void *arg, int64_t id, const char *cls, const char *point)
{
	struct alarm_gone *g = arg;

	if (!strcmp(cls, "fault") || !alarm_cause_present(g->h, point))
		g->id[g->n++] = id;
	return g->n >= ALARM_START_MAX;
}

void
alarm_at_start(struct husvagt *h)
{
	struct alarm_gone g = { .h = h };
	char now[32];
	int i;

	for (i = 0; i < h->ndoors; i++)
		if (!h->doors[i].st.open) {
			alarm_cause_cleared(h, "forced", h->doors[i].name);
			alarm_cause_cleared(h, "held", h->doors[i].name);
		}
	alarm_table_present_each(h->db, alarm_gone_add, &g);
	clock_iso8601(now, sizeof(now));
	for (i = 0; i < g.n; i++)
		alarm_table_cleared(h->db, g.id[i], now, false);
}
