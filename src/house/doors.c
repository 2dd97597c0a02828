/*
 * The doors at run time: built from the site configuration and the
 * board's points, checked against the board, carried over a reload, and
 * their locks driven to what their state machines say; a door's events
 * through its state machine to the journal and the lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guess_table.h"
#include "house.h"
#include "log.h"


/* Role name of a door's point: "<door>.<what>". */
static int
doors_point(struct husvagt *h, const char *door, const char *what)
{
	char role[BOARD_NAME_MAX * 2];

	snprintf(role, sizeof(role), "%s.%s", door, what);
	return hal_point(h->hal, role);
}

/* Fill a door's state machine configuration from the site's. */
static void
doors_fsm_cfg(const struct site_door *sd, struct door_cfg *fsm)
{
	fsm->release_ms = (uint32_t)sd->release_s * 1000u;
	fsm->held_warn_ms = (uint32_t)sd->held_warning_s * 1000u;
	fsm->held_ms = (uint32_t)sd->held_s * 1000u;
	fsm->forced_alarm = sd->forced_alarm;
}

/* Find the points of one door. */
static void
doors_points(struct husvagt *h, struct door_rt *d)
{
	d->p_lock = doors_point(h, d->cfg->name, "lock");
	d->p_contact = doors_point(h, d->cfg->name, "contact");
	d->p_rex = doors_point(h, d->cfg->name, "rex");
	d->p_reader = doors_point(h, d->cfg->name, "reader");
	d->p_reader_out = doors_point(h, d->cfg->name, "reader.out");
	d->p_intercom = doors_point(h, d->cfg->name, "intercom");
}

/*
 * Drive a door's lock to what its state machine says.  Writing the value
 * a lock already has changes nothing on the wire.
 */
void
doors_apply_lock(struct husvagt *h, struct door_rt *d)
{
	if (d->p_lock >= 0)
		hal_lock_set(h->hal, d->p_lock, d->st.released);
}

/*
 * Build the doors' run-time state from the contacts as the HAL found them;
 * no output is written here.
 */
int
doors_build(struct husvagt *h, uint64_t now)
{
	struct door_out out;
	int i, open;

	h->doors = calloc((size_t)h->cfg.ndoors, sizeof(*h->doors));
	if (h->doors == NULL)
		return -1;
	h->ndoors = h->cfg.ndoors;
	for (i = 0; i < h->ndoors; i++) {
		struct door_rt *d = &h->doors[i];

		d->cfg = &h->cfg.doors[i];
		snprintf(d->name, sizeof(d->name), "%s", d->cfg->name);
		doors_fsm_cfg(d->cfg, &d->fsm);
		doors_points(h, d);
		if (guess_table_get(h->db, "reader", d->name,
		    &d->lockout) != 0)
			log_warnx("%s: the reader's count of unknown cards "
			    "could not be read; it starts again", d->name);
		open = 0;
		if (d->p_contact >= 0)
			hal_input_get(h->hal, d->p_contact, &open);
		door_init(&d->fsm, &d->st, open != 0, now, &out);
		d->deadline = out.deadline;
	}
	return 0;
}

/* Put every lock where its door's state says, in one flush. */
int
doors_apply_all(struct husvagt *h)
{
	int i;

	for (i = 0; i < h->ndoors; i++)
		doors_apply_lock(h, &h->doors[i]);
	return hal_flush(h->hal);
}

/*
 * The alarm a door record raises or clears: forced and held are raised
 * (their id goes into the row's detail), closing clears their cause.
 */
static json_t *
doors_alarm(struct husvagt *h, struct door_rt *d, enum door_record r)
{
	const char *cls = r == DOOR_REC_FORCED ? "forced" :
	    r == DOOR_REC_HELD ? "held" : NULL;

	if (r == DOOR_REC_CLOSED) {
		alarm_cause_cleared(h, "forced", d->name);
		alarm_cause_cleared(h, "held", d->name);
	}
	if (cls == NULL)
		return NULL;
	return json_pack("{s:I}", "alarm",
	    (json_int_t)alarm_raise(h, cls, d->name, true));
}

/*
 * Journal a door's records of one step and move its lock.  The journal
 * comes first (DESIGN 8), except for an exit request: exit never waits on
 * software (invariant 2), not even on a slow or locked database, so REX
 * moves the lock and then journals what it did.
 */
static void
doors_out(struct husvagt *h, struct door_rt *d, const char *actor,
    const struct door_out *out, bool act_first, uint64_t now)
{
	int i;

	d->deadline = out->deadline;
	if (act_first) {
		doors_apply_lock(h, d);
		house_flush(h, now);
	}
	for (i = 0; i < out->nrec; i++)
		house_journal(h, door_record_type(out->rec[i]), d->name,
		    actor, "", doors_alarm(h, d, out->rec[i]));
	if (!act_first) {
		doors_apply_lock(h, d);
		house_flush(h, now);
	}
}

void
doors_event(struct husvagt *h, struct door_rt *d, enum door_input ev,
    const char *actor, uint64_t now)
{
	struct door_out out;

	door_step(&d->fsm, &d->st, ev, now, &out);
	doors_out(h, d, actor, &out, ev == DOOR_EV_REX, now);
	house_state_changed(h);
}

struct door_rt *
doors_find(struct husvagt *h, const char *name)
{
	int i;

	for (i = 0; i < h->ndoors; i++)
		if (!strcmp(h->doors[i].name, name))
			return &h->doors[i];
	return NULL;
}

/* The kind each door role must have on the board. */
static const struct {
	const char	*what;
	enum board_kind	 kind;
	const char	*kind_name;
	bool		 required;
} daemon_door_roles[] = {
	{ "lock",	BOARD_OUTPUT,	"an output",	true },
	{ "contact",	BOARD_INPUT,	"an input",	true },
	{ "rex",	BOARD_INPUT,	"an input",	false },
	{ "intercom",	BOARD_INPUT,	"an input",	false },
	{ "reader",	BOARD_READER,	"a reader",	false },
	{ "reader.out",	BOARD_READER,	"a reader",	false },
};

/* Check one door's points on the board. */
static void
doors_check_one(const struct site_config *c, const struct site_door *sd,
    const struct board *b, struct diag *d)
{
	char role[BOARD_NAME_MAX * 2];
	size_t k;
	int p;

	for (k = 0; k < sizeof(daemon_door_roles) /
	    sizeof(daemon_door_roles[0]); k++) {
		snprintf(role, sizeof(role), "%s.%s", sd->name,
		    daemon_door_roles[k].what);
		if ((p = board_point_find(b, role)) < 0) {
			if (daemon_door_roles[k].required)
				diag_error(d, c->path, sd->line, "door %s: the "
				    "board %s has no point '%s'", sd->name,
				    b->path, role);
			continue;
		}
		if (b->points[p].kind != daemon_door_roles[k].kind)
			diag_error(d, c->path, sd->line, "door %s: '%s' is "
			    "not %s on the board", sd->name, role,
			    daemon_door_roles[k].kind_name);
		else if (k == 0 && b->points[p].lock == BOARD_LOCK_NONE)
			diag_error(d, c->path, sd->line, "door %s: '%s' needs "
			    "lock = fail-safe or fail-secure on the board",
			    sd->name, role);
	}
	snprintf(role, sizeof(role), "%s.reader", sd->name);
	if (sd->pin && board_point_find(b, role) < 0)
		diag_error(d, c->path, sd->line, "door %s: pin = yes but the "
		    "board has no '%s'", sd->name, role);
}

/* Each [alarm-outputs] key must be an output of the board, and not a
 * door's lock: a siren wired to a lock's relay would open the door. */
static void
doors_check_alarm_outs(const struct site_config *c, const struct board *b,
    struct diag *d)
{
	const struct site_alarm_out *o;
	int i, p;

	for (i = 0; i < c->nalarm_outs; i++) {
		o = &c->alarm_outs[i];
		if ((p = board_point_find(b, o->point)) < 0)
			diag_error(d, c->path, o->line, "[alarm-outputs]: the "
			    "board %s has no point '%s'", b->path, o->point);
		else if (b->points[p].kind != BOARD_OUTPUT)
			diag_error(d, c->path, o->line, "[alarm-outputs]: '%s' "
			    "is not an output on the board", o->point);
		else if (b->points[p].lock != BOARD_LOCK_NONE)
			diag_error(d, c->path, o->line, "[alarm-outputs]: '%s' "
			    "is a lock on the board, not an alarm output",
			    o->point);
	}
}

/*
 * Check that every door of the site has its lock (with its lock type) and
 * contact on the board, that each door role has the right kind, and a
 * reader where the door asks for a PIN; and that every alarm output is
 * an output of the board.  Errors name the configuration's line.
 */
int
doors_check(const struct site_config *c, const struct board *b,
    struct diag *d)
{
	int before = d->count, i;

	for (i = 0; i < c->ndoors; i++)
		doors_check_one(c, &c->doors[i], b, d);
	doors_check_alarm_outs(c, b, d);
	return d->count == before ? 0 : -1;
}

/* Reader lockout from the site's defaults. */
void
doors_lockout_cfg(struct husvagt *h)
{
	h->lockout_cfg.failures = h->cfg.lockout_failures;
	h->lockout_cfg.window_ms = (uint32_t)h->cfg.lockout_window_s * 1000u;
	h->lockout_cfg.lock_ms = (uint32_t)h->cfg.lockout_s * 1000u;
	h->lockout_cfg.lock_max_ms = (uint32_t)h->cfg.lockout_max_s * 1000u;
	h->pin_policy.free = h->cfg.pin_free_tries;
	h->pin_policy.delay_ms = (uint32_t)h->cfg.pin_delay_s * 1000u;
	h->pin_policy.delay_max_ms = (uint32_t)h->cfg.pin_delay_max_s * 1000u;
	h->pin_policy.alarm_at = h->cfg.pin_alarm_after;
	h->pin_policy.forget_ms = (uint32_t)LOCKOUT_DAY_MS;
}

/* Keep the run-time state of doors that exist in both configurations. */
void
doors_carry(struct husvagt *h, struct door_rt *old, int nold)
{
	int i, j;

	for (i = 0; i < h->ndoors; i++)
		for (j = 0; j < nold; j++) {
			if (strcmp(h->doors[i].name, old[j].name))
				continue;
			h->doors[i].st = old[j].st;
			h->doors[i].deadline = old[j].deadline;
			h->doors[i].lockout = old[j].lockout;
			h->doors[i].mode_hold = old[j].mode_hold;
		}
}

/*
 * Engage the lock of every door the new configuration no longer has: no
 * command could reach it any more, so it must not stay released.
 */
void
doors_removed(struct husvagt *h, struct door_rt *old, int nold)
{
	int i, j;

	for (j = 0; j < nold; j++) {
		for (i = 0; i < h->ndoors; i++)
			if (!strcmp(h->doors[i].name, old[j].name))
				break;
		if (i < h->ndoors || old[j].p_lock < 0 || !old[j].st.released)
			continue;
		house_journal(h, "door.locked", old[j].name, "system", "",
		    json_pack("{s:s}", "reason", "removed"));
		hal_lock_set(h->hal, old[j].p_lock, false);
	}
}

/* The doors' timer: each door's state machine at its deadline. */
void
doors_tick(struct husvagt *h, uint64_t now)
{
	int i;

	for (i = 0; i < h->ndoors; i++) {
		struct door_rt *d = &h->doors[i];

		if (d->deadline != 0 && d->deadline <= now)
			doors_event(h, d, DOOR_EV_TICK, "system", now);
	}
}

uint64_t
doors_deadline(struct husvagt *h)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < h->ndoors; i++)
		if (h->doors[i].deadline != 0 &&
		    (t == 0 || h->doors[i].deadline < t))
			t = h->doors[i].deadline;
	return t;
}
