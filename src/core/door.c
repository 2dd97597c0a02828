/*
 * The door state machine.  The phase tells the story of the contact
 * (closed and locked, closed and released, open, open too long, forced);
 * the lock output is kept beside it because a door may be open with the
 * lock engaged (a LOCK command while open, an exit handle without a
 * switch) and closed with the lock released (a release, a hold).
 *
 * A timed release ends when the release time runs out with the door still
 * closed, or when the door closes again after it was opened: the lock
 * stays released while the door stands open and engages on the close.
 * This is "relock on close" in the trade, and it means a release is never
 * wasted on a slow opener nor stretched past one passage.
 *
 * Every step first runs the timers that are due at its time, then the
 * event.  A caller that ticks late therefore gets the same story as one
 * that ticked on time: an opening after the release ran out is forced.
 */
#include <stddef.h>

#include "door.h"

static const char *door_phase_names[] = {
	[DOOR_LOCKED] = "locked",
	[DOOR_RELEASED] = "released",
	[DOOR_OPEN] = "open",
	[DOOR_HELD_WARN] = "held_warning",
	[DOOR_HELD] = "held",
	[DOOR_FORCED] = "forced",
};

static const char *door_record_types[] = {
	[DOOR_REC_RELEASED] = "door.released",
	[DOOR_REC_LOCKED] = "door.locked",
	[DOOR_REC_OPENED] = "door.opened",
	[DOOR_REC_CLOSED] = "door.closed",
	[DOOR_REC_HELD_WARN] = "door.held_warning",
	[DOOR_REC_HELD] = "door.held",
	[DOOR_REC_FORCED] = "door.forced",
	[DOOR_REC_REX] = "door.rex",
};

/* Appends a record to the step's output. */
static void
door_rec(struct door_out *out, enum door_record rec)
{
	/*
	 * No step can emit more than DOOR_REC_MAX records (two from the
	 * timers, two from the event); dropping one silently would hide an
	 * alarm, so the bound is a hard programmer error in tests and a
	 * truncation, never an overflow, in production.
	 */
	if (out->nrec < DOOR_REC_MAX)
		out->rec[out->nrec++] = rec;
}

/* Returns the release time, never shorter than DOOR_RELEASE_MIN_MS. */
static uint32_t
door_release_ms(const struct door_cfg *cfg)
{
	/* A release too short to reach the handle is a refusal in disguise. */
	if (cfg->release_ms < DOOR_RELEASE_MIN_MS)
		return DOOR_RELEASE_MIN_MS;
	return cfg->release_ms;
}

/* Releases the lock output, recording the change. */
static void
door_unlock(struct door_state *st, struct door_out *out)
{
	if (!st->released) {
		st->released = true;
		door_rec(out, DOOR_REC_RELEASED);
	}
}

/* Engages the lock output, recording the change. */
static void
door_lock(struct door_state *st, struct door_out *out)
{
	st->release_until = 0;
	st->rex_until = 0;
	if (st->released) {
		st->released = false;
		door_rec(out, DOOR_REC_LOCKED);
	}
}

/* Releases for the release time; a closed door waits in DOOR_RELEASED. */
static void
door_release(const struct door_cfg *cfg, struct door_state *st,
    uint64_t now, struct door_out *out)
{
	door_unlock(st, out);
	if (st->hold)
		return;
	if (st->open) {
		/* An open door relocks when it closes; no timer needed. */
		return;
	}
	st->phase = DOOR_RELEASED;
	st->release_until = now + door_release_ms(cfg);
}

/* Runs the timers due at now: release end, held-open warning, alarm. */
static void
door_timers(const struct door_cfg *cfg, struct door_state *st, uint64_t now,
    struct door_out *out)
{
	if (st->phase == DOOR_RELEASED && st->release_until != 0 &&
	    now >= st->release_until) {
		door_lock(st, out);
		st->phase = DOOR_LOCKED;
	}
	if (st->hold)
		return;
	if (st->phase == DOOR_OPEN && now >= st->opened_at + cfg->held_warn_ms) {
		st->phase = DOOR_HELD_WARN;
		door_rec(out, DOOR_REC_HELD_WARN);
	}
	if (st->phase == DOOR_HELD_WARN && now >= st->opened_at + cfg->held_ms) {
		st->phase = DOOR_HELD;
		door_rec(out, DOOR_REC_HELD);
	}
}

/* The contact opened: a passage, or forced when nothing let it open. */
static void
door_opened(const struct door_cfg *cfg, struct door_state *st, uint64_t now,
    struct door_out *out)
{
	if (st->open)
		return;
	st->open = true;
	st->opened_at = now;
	st->release_until = 0;
	door_rec(out, DOOR_REC_OPENED);
	if (!st->released && !st->hold && cfg->forced_alarm) {
		st->phase = DOOR_FORCED;
		door_rec(out, DOOR_REC_FORCED);
		return;
	}
	st->phase = DOOR_OPEN;
}

/* The contact closed: relock, unless the door is held released. */
static void
door_closed(struct door_state *st, struct door_out *out)
{
	if (!st->open)
		return;
	st->open = false;
	door_rec(out, DOOR_REC_CLOSED);
	if (st->hold) {
		st->phase = DOOR_RELEASED;
		return;
	}
	door_lock(st, out);
	st->phase = DOOR_LOCKED;
}

/* Holds the door released until unheld; no held-open alarms meanwhile. */
static void
door_hold(struct door_state *st, struct door_out *out)
{
	st->hold = true;
	st->release_until = 0;
	door_unlock(st, out);
	st->phase = st->open ? DOOR_OPEN : DOOR_RELEASED;
}

/*
 * Is an exit release still running?  Then a LOCK or an UNHOLD waits for
 * its end (DESIGN 11.2: exit is never blocked by software): a closed door
 * stays released until rex_until, an open one until it closes.  Says
 * whether the lock was left released.
 */
static bool
door_rex_keeps(struct door_state *st, uint64_t now)
{
	if (st->rex_until == 0 || now >= st->rex_until)
		return false;
	if (!st->open) {
		st->phase = DOOR_RELEASED;
		st->release_until = st->rex_until;
	}
	return true;
}

/* Ends a hold: a closed door locks now, an open one when it closes. */
static void
door_unhold(struct door_state *st, uint64_t now, struct door_out *out)
{
	if (!st->hold)
		return;
	st->hold = false;
	if (!st->open) {
		if (door_rex_keeps(st, now))
			return;
		door_lock(st, out);
		st->phase = DOOR_LOCKED;
		return;
	}
	/*
	 * Held-open timing restarts now rather than from the opening: after
	 * a fire every door may have stood open for an hour, and staff who
	 * reset should get the pre-alarm time to close them, not a burst of
	 * alarms.
	 */
	st->opened_at = now;
	st->phase = DOOR_OPEN;
}

/* The LOCK command: engage now, whatever a grant's release had left;
 * an exit release runs its full time first. */
static void
door_lock_cmd(struct door_state *st, uint64_t now, struct door_out *out)
{
	/* A hold is fire or an explicit command; only UNHOLD ends it. */
	if (st->hold || door_rex_keeps(st, now))
		return;
	door_lock(st, out);
	if (!st->open)
		st->phase = DOOR_LOCKED;
}

/* Fills in the outputs that follow from the state. */
static void
door_finish(const struct door_cfg *cfg, const struct door_state *st,
    struct door_out *out)
{
	out->released = st->released;
	out->deadline = 0;
	if (st->phase == DOOR_RELEASED)
		out->deadline = st->release_until;
	else if (st->hold)
		out->deadline = 0;
	else if (st->phase == DOOR_OPEN)
		out->deadline = st->opened_at + cfg->held_warn_ms;
	else if (st->phase == DOOR_HELD_WARN)
		out->deadline = st->opened_at + cfg->held_ms;
}

/* Starts the door from the contact, lock engaged, nothing recorded. */
void
door_init(const struct door_cfg *cfg, struct door_state *st, bool open,
    uint64_t now, struct door_out *out)
{
	st->phase = open ? DOOR_OPEN : DOOR_LOCKED;
	st->open = open;
	st->released = false;
	st->hold = false;
	st->release_until = 0;
	st->rex_until = 0;
	st->opened_at = open ? now : 0;
	out->nrec = 0;
	door_finish(cfg, st, out);
}

/* Applies the due timers, then one event (the switch below; door.h says
 * what each input does in each phase). */
void
door_step(const struct door_cfg *cfg, struct door_state *st,
    enum door_input ev, uint64_t now, struct door_out *out)
{
	out->nrec = 0;
	door_timers(cfg, st, now, out);
	switch (ev) {
	case DOOR_EV_GRANT:
	case DOOR_EV_RELEASE:
		door_release(cfg, st, now, out);
		break;
	case DOOR_EV_REX:
		/* Exit is never blocked by software: REX works in any state,
		 * and its release runs its full time (door_rex_keeps). */
		door_rec(out, DOOR_REC_REX);
		st->rex_until = now + door_release_ms(cfg);
		door_release(cfg, st, now, out);
		break;
	case DOOR_EV_HOLD:
		door_hold(st, out);
		break;
	case DOOR_EV_UNHOLD:
		door_unhold(st, now, out);
		break;
	case DOOR_EV_LOCK:
		door_lock_cmd(st, now, out);
		break;
	case DOOR_EV_OPENED:
		door_opened(cfg, st, now, out);
		break;
	case DOOR_EV_CLOSED:
		door_closed(st, out);
		break;
	case DOOR_EV_TICK:
		break;
	}
	door_finish(cfg, st, out);
}

/* Returns a short name of a phase for status and logs. */
const char *
door_phase_name(enum door_phase phase)
{
	if ((size_t)phase >= sizeof(door_phase_names) / sizeof(*door_phase_names))
		return "unknown";
	return door_phase_names[phase];
}

/* Returns the journal type of a record. */
const char *
door_record_type(enum door_record rec)
{
	if ((size_t)rec >= sizeof(door_record_types) / sizeof(*door_record_types))
		return "door.unknown";
	return door_record_types[rec];
}
