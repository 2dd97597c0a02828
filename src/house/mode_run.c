/*
 * The house's mode at run time: mode.c decides, this file acts.  Entering
 * a fire holds every egress door released in one pass with one flush of
 * the HAL (one write per backend), before anything is journalled; the
 * change's rows follow in one batch (mode.changed with its cause and
 * actor, then the doors' rows).  A staff reset after the panel cleared
 * unholds them.  A lockdown and a drill are kept in the
 * settings table so that a restart keeps the house as it was.  A fire
 * comes back at start from the fire input, and also from the settings
 * table when it was not yet reset: a crash between the panel clearing and
 * the staff reset must not end the fire for staff (DESIGN 3) and relock
 * the egress doors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alarm_class.h"
#include "clock.h"
#include "house.h"
#include "journal.h"
#include "log.h"
#include "settings.h"

/* Keep a latch ("mode_lockdown", "mode_fire") for the next start. */
static void
mode_latch_save(struct husvagt *h, const char *key, bool on)
{
	if (settings_flag_set(h->db, key, on) != 0)
		log_warnx("mode: cannot keep %s: %s", key,
		    sqlite3_errmsg(h->db));
}

static bool
mode_latch_load(struct husvagt *h, const char *key)
{
	return settings_flag_get(h->db, key);
}

/*
 * Are the egress doors held by the mode?  Always in a fire; in a drill
 * when the site says so ([defaults] drill_release), but not while a
 * lockdown is latched: a panic during the exercise closes the house
 * (DESIGN 3: lockdown beats drill), and the drill's doors go back to
 * released when the lockdown is lifted.
 */
static bool
mode_holds_egress(const struct husvagt *h, const struct mode_state *s)
{
	return s->fire || (s->drill && !s->lockdown && h->cfg.drill_release);
}

/* Why the mode moves the egress doors, for their journal rows. */
static const char *
mode_egress_reason(const struct mode_state *old, const struct mode_state *s)
{
	if (s->fire || old->fire)
		return "fire";
	return s->lockdown ? "lockdown" : "drill";
}

/*
 * Does the mode move this door?  It holds every egress door not already
 * held, and unholds only those it held: a door staff held by command
 * before the fire stays held after the reset, and a door that stopped
 * being egress in a reload during the fire is still let go.
 */
static bool
mode_moves(const struct door_rt *d, bool hold)
{
	if (hold)
		return d->cfg->egress && !d->st.hold;
	return d->mode_hold;
}

/* Write the queued egress locks: one write per Modbus module. */
static void
mode_flush(struct husvagt *h, uint64_t now)
{
	house_flush(h, now);		/* retried from the tick if it fails */
	if (h->flush_retry_at != 0)
		log_warnx("mode: some egress locks could not be written yet");
}

/*
 * Hold (or unhold) the egress doors: step each and queue its lock, then
 * flush once, so a building's egress doors go together in one write per
 * module, and before anything is formatted or journalled (egress first:
 * the rows follow, mode_egress_journal).  Returns each door's records by
 * index (free with mode_egress_journal); NULL only when there was no
 * memory for them (logged): the doors moved all the same.
 */
static struct door_out *
mode_egress(struct husvagt *h, bool hold, uint64_t now)
{
	struct door_out *outs, spare;
	int i;

	outs = calloc((size_t)h->ndoors + 1, sizeof(*outs));
	for (i = 0; i < h->ndoors; i++) {
		struct door_rt *d = &h->doors[i];
		struct door_out *o = outs != NULL ? &outs[i] : &spare;

		if (!mode_moves(d, hold))
			continue;
		d->mode_hold = hold;
		door_step(&d->fsm, &d->st, hold ? DOOR_EV_HOLD :
		    DOOR_EV_UNHOLD, now, o);
		d->deadline = o->deadline;
		doors_apply_lock(h, d);	/* queued: mode_flush() */
	}
	mode_flush(h, now);
	if (outs == NULL)
		log_warn("mode: the egress doors' records are lost");
	return outs;
}

/* The egress doors' records of mode_egress, journalled; frees outs. */
static void
mode_egress_journal(struct husvagt *h, struct door_out *outs,
    const char *reason, const char *actor)
{
	int i, k;

	for (i = 0; outs != NULL && i < h->ndoors; i++)
		for (k = 0; k < outs[i].nrec; k++)
			house_journal(h, door_record_type(outs[i].rec[k]),
			    h->doors[i].name, actor, "", json_pack("{s:s}",
			    "reason", reason));
	free(outs);
}

/* Journal a change of the mode or of one of its latches. */
static void
mode_journal(struct husvagt *h, const struct mode_state *old,
    const char *cause, const char *actor, const char *point)
{
	house_journal(h, "mode.changed", point, actor, "",
	    json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b}",
	    "from", mode_name(mode_effective(old)),
	    "to", mode_name(mode_effective(&h->mode)),
	    "cause", cause, "fire", h->mode.fire,
	    "fire_input", h->mode.fire_input, "lockdown", h->mode.lockdown,
	    "drill", h->mode.drill));
}

/* One input; cause names it in the journal (NULL: the input's name). */
static enum mode_err
mode_input(struct husvagt *h, enum mode_input in, enum mode_actor by,
    const char *actor, const char *point, const char *cause)
{
	struct mode_state old = h->mode;
	struct door_out *outs = NULL;
	enum mode_err e;
	bool hold, egress;

	if ((e = mode_step(&h->mode, in, by)) != MODE_E_OK)
		return e;
	hold = mode_holds_egress(h, &h->mode);
	/* A fire always passes over every egress door, even when a drill
	 * held them already: one a command locked in between is released
	 * again (DESIGN 11: every egress door, whatever came before). */
	egress = mode_holds_egress(h, &old) != hold ||
	    (hold && !old.fire && h->mode.fire);
	/* Egress first: the locks are written before a row is formatted or
	 * queued; the mode's row and its doors' rows follow, in that order,
	 * in one batch (one commit of the writer's). */
	if (egress)
		outs = mode_egress(h, hold, clock_mono_ms());
	journal_batch_begin(h->journal);
	/* The panel clearing is journalled as the input's own change; the
	 * mode stays until a reset, so there is no mode.changed for it. */
	if (in != MODE_IN_FIRE_CLEARED)
		mode_journal(h, &old, cause != NULL ? cause :
		    mode_input_name(in), actor, point);
	if (old.lockdown != h->mode.lockdown)
		mode_latch_save(h, "mode_lockdown", h->mode.lockdown);
	if (old.drill != h->mode.drill)
		mode_latch_save(h, "mode_drill", h->mode.drill);
	if (egress)
		mode_egress_journal(h, outs, mode_egress_reason(&old,
		    &h->mode), actor);
	journal_batch_end(h->journal);
	/* After the doors: a fire does not wait for this write. */
	if (old.fire != h->mode.fire)
		mode_latch_save(h, "mode_fire", h->mode.fire);
	evac_mode_changed(h, &old, actor);
	house_state_changed(h);
	return MODE_E_OK;
}

enum mode_err
mode_run_input(struct husvagt *h, enum mode_input in,
    enum mode_actor by, const char *actor, const char *point)
{
	return mode_input(h, in, by, actor, point, NULL);
}

/* The reply and MQTT payload: the mode and its latches. */
json_t *
mode_run_json(const struct husvagt *h)
{
	return json_pack("{s:s, s:b, s:b, s:b, s:b}",
	    "mode", mode_name(mode_effective(&h->mode)),
	    "fire", h->mode.fire, "fire_input", h->mode.fire_input,
	    "lockdown", h->mode.lockdown, "drill", h->mode.drill);
}

/* Is point the fire panel's input, and is it in alarm now? */
static bool
mode_fire_point_active(struct husvagt *h, int point)
{
	const struct board_point *bp = &h->board.points[point];
	int v;

	if (alarm_class_of_role(bp->role) != ALARM_FIRE ||
	    hal_input_get(h->hal, point, &v) != 0)
		return false;
	if (bp->kind == BOARD_SUPERVISED)
		return v == HAL_LOOP_ACTIVE;
	return bp->kind == BOARD_INPUT && v != 0;
}

/*
 * At start, before any lock is written: a fire input still active, or a
 * fire not yet reset by staff, puts the house back in fire mode (its
 * egress locks are then written released, as the last daemon left them),
 * and a kept lockdown is restored.  All are journalled with cause
 * "restart".
 */
void
mode_run_at_start(struct husvagt *h)
{
	int i;

	mode_init(&h->mode);
	/* The drill first: a drill is not started under a lockdown, but a
	 * lockdown may have come during the drill. */
	if (mode_latch_load(h, "mode_drill") &&
	    mode_input(h, MODE_IN_DRILL_START, MODE_BY_MANAGEMENT, "system",
	    "", "restart") == MODE_E_OK)
		log_info("mode: the drill goes on after the restart");
	if (mode_latch_load(h, "mode_lockdown") &&
	    mode_input(h, MODE_IN_LOCKDOWN, MODE_BY_STAFF, "system", "",
	    "restart") == MODE_E_OK)
		log_info("mode: lockdown restored from before the restart");
	for (i = 0; i < h->board.npoints; i++)
		if (mode_fire_point_active(h, i) &&
		    mode_input(h, MODE_IN_FIRE_ACTIVE, MODE_BY_SYSTEM,
		    "system", "fire", "restart") == MODE_E_OK)
			log_warnx("mode: the fire input is active at start");
	if (!h->mode.fire && mode_latch_load(h, "mode_fire") &&
	    mode_input(h, MODE_IN_FIRE_CMD, MODE_BY_MANAGEMENT, "system",
	    "", "restart") == MODE_E_OK)
		log_warnx("mode: the fire was not reset before the restart");
}

/* After a reload: doors new to the configuration join a fire (or a
 * drill that releases). */
void
mode_run_reloaded(struct husvagt *h)
{
	if (mode_holds_egress(h, &h->mode))
		mode_egress_journal(h, mode_egress(h, true, clock_mono_ms()),
		    mode_egress_reason(&h->mode, &h->mode), "system");
}
