/*
 * What happens when a wire speaks: contacts, REX and intercom buttons move
 * doors; supervised loops and module faults raise alarms; readers hand
 * cards and keys to access.c's flow in reader.c.
 *
 * Order matters: a decision's rows are queued to the journal before the
 * outputs it causes are written; a fire and an exit move the outputs
 * without waiting for their commit, a grant waits for its own
 * (reader.c).
 */
#include <stdio.h>
#include <string.h>

#include "alarm_class.h"
#include "clock.h"
#include "house.h"
#include "journal.h"
#include "log.h"


/* The door a point belongs to, and as what. */
static struct door_rt *
events_door_of(struct husvagt *h, int point, int **which)
{
	int i;

	for (i = 0; i < h->ndoors; i++) {
		struct door_rt *d = &h->doors[i];
		int *pts[] = { &d->p_contact, &d->p_rex, &d->p_intercom,
		    &d->p_reader, &d->p_reader_out };
		size_t k;

		for (k = 0; k < sizeof(pts) / sizeof(pts[0]); k++)
			if (*pts[k] == point) {
				*which = pts[k];
				return d;
			}
	}
	return NULL;
}

/*
 * After the alarm row: a fire input moves the mode to fire (and clearing
 * allows a reset), a panic button to lockdown.
 */
static void
events_mode(struct husvagt *h, const char *role, bool active, bool normal)
{
	enum alarm_class c = alarm_class_of_role(role);

	if (c == ALARM_FIRE && active)
		mode_run_input(h, MODE_IN_FIRE_ACTIVE, MODE_BY_SYSTEM,
		    "system", role);
	else if (c == ALARM_FIRE && normal)
		mode_run_input(h, MODE_IN_FIRE_CLEARED, MODE_BY_SYSTEM,
		    "system", role);
	else if (c == ALARM_PANIC && active)
		mode_run_input(h, MODE_IN_PANIC, MODE_BY_SYSTEM, "system",
		    role);
}

/*
 * Raise the alarm of an alarm.* row type at a point and put its id in
 * the row's detail; other types pass through.
 */
static json_t *
events_alarm_detail(struct husvagt *h, const char *type, const char *point,
    json_t *detail)
{
	int64_t id;

	if (strncmp(type, "alarm.", 6) != 0)
		return detail;
	id = alarm_raise(h, type + 6, point, true);
	json_object_set_new(detail, "alarm", json_integer(id));
	return detail;
}

/* A point back to normal: the causes of its alarms have cleared. */
static void
events_alarms_cleared(struct husvagt *h, const char *point)
{
	static const enum alarm_class classes[] = { ALARM_FIRE, ALARM_PANIC,
	    ALARM_TAMPER };
	size_t i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		alarm_cause_cleared(h, alarm_class_name(classes[i]), point);
}

/*
 * A fire's rows (the mode's, the egress doors', the alarm's) are queued
 * together (journal_batch_begin) and committed by the writer after the
 * locks moved: egress first.  The mode runs before the alarm's row,
 * because raising the alarm writes its registry (the alarm table), and
 * that write may wait for a journal commit in progress; the doors must
 * not.  events_fire_end() ends the batch.
 */
static bool
events_fire_begin(struct husvagt *h, const char *type, const char *role,
    bool active)
{
	if (strcmp(type, alarm_class_type(ALARM_FIRE)))
		return false;
	journal_batch_begin(h->journal);
	if (active)
		events_mode(h, role, true, false);
	return true;
}

static void
events_fire_end(struct husvagt *h, bool batch)
{
	if (batch)
		journal_batch_end(h->journal);
}

/*
 * An input that is not a door's: a fire panel relay, a panic button or a
 * tamper switch wired as a plain contact raises the same alarm as its
 * supervised form; anything else is journalled as a change.
 */
static void
events_alarm_input(struct husvagt *h, const char *role, int value)
{
	enum alarm_class c = value ? alarm_class_of_role(role) : ALARM_NONE;
	const char *type = c != ALARM_NONE ? alarm_class_type(c) :
	    "input.changed";
	bool batch;

	batch = events_fire_begin(h, type, role, value != 0);
	house_journal(h, type, role, "system", "",
	    events_alarm_detail(h, type, role, json_pack("{s:i}", "value",
	    value)));
	if (value == 0)
		events_alarms_cleared(h, role);
	if (!batch)
		events_mode(h, role, value != 0, value == 0);
	events_fire_end(h, batch);
}

/* A digital input changed. */
static void
events_input(struct husvagt *h, const struct hal_event *ev)
{
	const struct board_point *bp = hal_point_info(h->hal, ev->point);
	struct door_rt *d;
	int *which = NULL;

	d = events_door_of(h, ev->point, &which);
	if (d == NULL) {
		events_alarm_input(h, bp->role, ev->value);
		return;
	}
	if (which == &d->p_contact)
		doors_event(h, d, ev->value ? DOOR_EV_OPENED :
		    DOOR_EV_CLOSED, "system", ev->at_ms);
	else if (which == &d->p_rex && ev->value)
		doors_event(h, d, DOOR_EV_REX, "system", ev->at_ms);
	else if (which == &d->p_intercom && ev->value) {
		house_journal(h, "intercom.call", d->name, "system", "",
		    NULL);
		/* The caller sees that staff are being asked (an OSDP
		 * reader blinks amber; a Wiegand one cannot show it). */
		if (d->p_reader >= 0)
			(void)hal_reader_signal(h->hal, d->p_reader,
			    HAL_SIGNAL_WAIT);
	}
}

static const char *
events_loop_name(int v)
{
	static const char *names[] = { "normal", "active", "cut", "short" };

	return v >= 0 && v <= HAL_LOOP_SHORT ? names[v] : "unknown";
}

/* A supervised loop changed: cut and short are tamper on any loop. */
static void
events_loop(struct husvagt *h, const struct hal_event *ev)
{
	const struct board_point *bp = hal_point_info(h->hal, ev->point);
	enum alarm_class c = ALARM_NONE;
	const char *type = "input.loop";
	bool batch;

	if (ev->value == HAL_LOOP_CUT || ev->value == HAL_LOOP_SHORT)
		c = ALARM_TAMPER;
	else if (ev->value == HAL_LOOP_ACTIVE)
		c = alarm_class_of_role(bp->role);
	if (c != ALARM_NONE)
		type = alarm_class_type(c);
	batch = events_fire_begin(h, type, bp->role,
	    ev->value == HAL_LOOP_ACTIVE);
	house_journal(h, type, bp->role, "system", "",
	    events_alarm_detail(h, type, bp->role, json_pack("{s:s}", "loop",
	    events_loop_name(ev->value))));
	if (ev->value == HAL_LOOP_NORMAL)
		events_alarms_cleared(h, bp->role);
	if (!batch)
		events_mode(h, bp->role, ev->value == HAL_LOOP_ACTIVE,
		    ev->value == HAL_LOOP_NORMAL);
	events_fire_end(h, batch);
}

/*
 * A backend stopped or started answering, or a reader's data lines were
 * found held low or idle again: the fault is at the backend or the reader.
 */
static void
events_fault(struct husvagt *h, const struct hal_event *ev)
{
	const char *type = ev->value ? "alarm.fault" : "fault.cleared";
	const char *point = ev->backend != NULL ? ev->backend : "";

	if (ev->point >= 0)
		point = hal_point_info(h->hal, ev->point)->role;

	house_journal(h, type, point, "system", "",
	    events_alarm_detail(h, type, point, json_pack("{s:s}", "reason",
	    ev->reason != NULL ? ev->reason : "")));
	if (!ev->value)
		alarm_cause_cleared(h, "fault", point);
}

/*
 * Inputs are reported only when they change, so an alarm loop that is
 * already active, cut or shorted when the daemon starts (the fire panel
 * still in alarm after a restart) is raised here, from what the HAL read.
 */
void
events_at_start(struct husvagt *h, uint64_t now)
{
	struct hal_event ev = { .type = HAL_EV_LOOP, .at_ms = now };
	const struct board_point *bp;
	int i, v;

	for (i = 0; i < h->board.npoints; i++) {
		bp = &h->board.points[i];
		if (hal_input_get(h->hal, i, &v) != 0)
			continue;
		if (bp->kind == BOARD_SUPERVISED && v != HAL_LOOP_NORMAL) {
			ev.point = i;
			ev.value = v;
			events_loop(h, &ev);
		} else if (bp->kind == BOARD_INPUT && v != 0 &&
		    alarm_class_of_role(bp->role) != ALARM_NONE)
			events_alarm_input(h, bp->role, v);
	}
}

void
events_hal(void *arg, const struct hal_event *ev)
{
	struct husvagt *h = arg;

	switch (ev->type) {
	case HAL_EV_INPUT:
		events_input(h, ev);
		break;
	case HAL_EV_LOOP:
		events_loop(h, ev);
		break;
	case HAL_EV_CARD:
		reader_card(h, ev);
		break;
	case HAL_EV_KEY:
		reader_key(h, ev);
		break;
	case HAL_EV_BAD_FRAME:
		reader_bad_frame(h, ev);
		break;
	case HAL_EV_FAULT:
		events_fault(h, ev);
		break;
	case HAL_EV_READER:
		reader_osdp_event(h, ev);
		break;
	}
}
