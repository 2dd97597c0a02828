/*
 * The door state machine, walked exhaustively: every phase (and the
 * held-released and locked-while-open variants) against every event, then
 * the timer edges at the deadline and one millisecond before, then the
 * safety invariants over a long random walk.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "door.h"

#define RELEASE	5000
#define WARN	30000
#define HELD	60000

static const struct door_cfg cfg = {
	.release_ms = RELEASE, .held_warn_ms = WARN, .held_ms = HELD,
	.forced_alarm = true,
};

/* The starting points of the transition table. */
enum start {
	S_LOCKED,	/* closed, locked */
	S_RELEASED,	/* granted at 1000, closed */
	S_OPEN,		/* granted at 1000, opened at 2000 */
	S_HELD_WARN,	/* S_OPEN past the pre-alarm */
	S_HELD,		/* S_OPEN past the alarm */
	S_FORCED,	/* opened at 2000 while locked */
	S_REL_HOLD,	/* held released, closed */
	S_OPEN_HOLD,	/* held released, opened at 2000 */
	S_OPEN_LOCKED,	/* S_OPEN, then a LOCK command at 2050 */
};

static void
step(struct door_state *st, enum door_input ev, uint64_t now,
    struct door_out *out)
{
	door_step(&cfg, st, ev, now, out);
}

/* Builds a starting point; returns a time at which no timer is due. */
static uint64_t
start(enum start s, struct door_state *st)
{
	struct door_out out;

	door_init(&cfg, st, false, 1000, &out);
	switch (s) {
	case S_LOCKED:
		return 1100;
	case S_FORCED:
		step(st, DOOR_EV_OPENED, 2000, &out);
		return 2100;
	case S_REL_HOLD:
	case S_OPEN_HOLD:
		step(st, DOOR_EV_HOLD, 1000, &out);
		if (s == S_REL_HOLD)
			return 1100;
		step(st, DOOR_EV_OPENED, 2000, &out);
		return 2100;
	default:
		break;
	}
	step(st, DOOR_EV_GRANT, 1000, &out);
	if (s == S_RELEASED)
		return 1100;
	step(st, DOOR_EV_OPENED, 2000, &out);
	if (s == S_OPEN_LOCKED)
		step(st, DOOR_EV_LOCK, 2050, &out);
	if (s == S_OPEN || s == S_OPEN_LOCKED)
		return 2100;
	step(st, DOOR_EV_TICK, 2000 + WARN, &out);
	if (s == S_HELD_WARN)
		return 2100 + WARN;
	step(st, DOOR_EV_TICK, 2000 + HELD, &out);
	return 2100 + HELD;
}

#define NONE	-1
#define REL	DOOR_REC_RELEASED
#define LCK	DOOR_REC_LOCKED
#define OPN	DOOR_REC_OPENED
#define CLS	DOOR_REC_CLOSED
#define FRC	DOOR_REC_FORCED
#define REX	DOOR_REC_REX

struct row {
	enum start	 from;
	enum door_input	 ev;
	enum door_phase	 phase;
	bool		 released;
	bool		 hold;
	int		 rec[3];	/* NONE-terminated */
	uint64_t	 deadline;
};

#define R(f, e, p, r, h, dl, ...) \
	{ f, DOOR_EV_##e, DOOR_##p, r, h, { __VA_ARGS__, NONE }, dl }

static const struct row table[] = {
	/* Closed and locked. */
	R(S_LOCKED, GRANT, RELEASED, 1, 0, 6100, REL),
	R(S_LOCKED, REX, RELEASED, 1, 0, 6100, REX, REL),
	R(S_LOCKED, RELEASE, RELEASED, 1, 0, 6100, REL),
	R(S_LOCKED, HOLD, RELEASED, 1, 1, 0, REL),
	R(S_LOCKED, UNHOLD, LOCKED, 0, 0, 0, NONE),
	R(S_LOCKED, LOCK, LOCKED, 0, 0, 0, NONE),
	R(S_LOCKED, OPENED, FORCED, 0, 0, 0, OPN, FRC),
	R(S_LOCKED, CLOSED, LOCKED, 0, 0, 0, NONE),
	R(S_LOCKED, TICK, LOCKED, 0, 0, 0, NONE),
	/* Closed, released until 6000: a new release starts again. */
	R(S_RELEASED, GRANT, RELEASED, 1, 0, 6100, NONE),
	R(S_RELEASED, REX, RELEASED, 1, 0, 6100, REX),
	R(S_RELEASED, RELEASE, RELEASED, 1, 0, 6100, NONE),
	R(S_RELEASED, HOLD, RELEASED, 1, 1, 0, NONE),
	R(S_RELEASED, UNHOLD, RELEASED, 1, 0, 6000, NONE),
	R(S_RELEASED, LOCK, LOCKED, 0, 0, 0, LCK),
	R(S_RELEASED, OPENED, OPEN, 1, 0, 1100 + WARN, OPN),
	R(S_RELEASED, CLOSED, RELEASED, 1, 0, 6000, NONE),
	R(S_RELEASED, TICK, RELEASED, 1, 0, 6000, NONE),
	/* Open after a grant at 2000: relocks on close. */
	R(S_OPEN, GRANT, OPEN, 1, 0, 2000 + WARN, NONE),
	R(S_OPEN, REX, OPEN, 1, 0, 2000 + WARN, REX),
	R(S_OPEN, RELEASE, OPEN, 1, 0, 2000 + WARN, NONE),
	R(S_OPEN, HOLD, OPEN, 1, 1, 0, NONE),
	R(S_OPEN, UNHOLD, OPEN, 1, 0, 2000 + WARN, NONE),
	R(S_OPEN, LOCK, OPEN, 0, 0, 2000 + WARN, LCK),
	R(S_OPEN, OPENED, OPEN, 1, 0, 2000 + WARN, NONE),
	R(S_OPEN, CLOSED, LOCKED, 0, 0, 0, CLS, LCK),
	R(S_OPEN, TICK, OPEN, 1, 0, 2000 + WARN, NONE),
	/* Past the pre-alarm: the alarm is still to come. */
	R(S_HELD_WARN, GRANT, HELD_WARN, 1, 0, 2000 + HELD, NONE),
	R(S_HELD_WARN, REX, HELD_WARN, 1, 0, 2000 + HELD, REX),
	R(S_HELD_WARN, RELEASE, HELD_WARN, 1, 0, 2000 + HELD, NONE),
	R(S_HELD_WARN, HOLD, OPEN, 1, 1, 0, NONE),
	R(S_HELD_WARN, UNHOLD, HELD_WARN, 1, 0, 2000 + HELD, NONE),
	R(S_HELD_WARN, LOCK, HELD_WARN, 0, 0, 2000 + HELD, LCK),
	R(S_HELD_WARN, OPENED, HELD_WARN, 1, 0, 2000 + HELD, NONE),
	R(S_HELD_WARN, CLOSED, LOCKED, 0, 0, 0, CLS, LCK),
	R(S_HELD_WARN, TICK, HELD_WARN, 1, 0, 2000 + HELD, NONE),
	/* Past the alarm: nothing more to time. */
	R(S_HELD, GRANT, HELD, 1, 0, 0, NONE),
	R(S_HELD, REX, HELD, 1, 0, 0, REX),
	R(S_HELD, RELEASE, HELD, 1, 0, 0, NONE),
	R(S_HELD, HOLD, OPEN, 1, 1, 0, NONE),
	R(S_HELD, UNHOLD, HELD, 1, 0, 0, NONE),
	R(S_HELD, LOCK, HELD, 0, 0, 0, LCK),
	R(S_HELD, OPENED, HELD, 1, 0, 0, NONE),
	R(S_HELD, CLOSED, LOCKED, 0, 0, 0, CLS, LCK),
	R(S_HELD, TICK, HELD, 1, 0, 0, NONE),
	/* Forced: a later grant does not undo the alarm. */
	R(S_FORCED, GRANT, FORCED, 1, 0, 0, REL),
	R(S_FORCED, REX, FORCED, 1, 0, 0, REX, REL),
	R(S_FORCED, RELEASE, FORCED, 1, 0, 0, REL),
	R(S_FORCED, HOLD, OPEN, 1, 1, 0, REL),
	R(S_FORCED, UNHOLD, FORCED, 0, 0, 0, NONE),
	R(S_FORCED, LOCK, FORCED, 0, 0, 0, NONE),
	R(S_FORCED, OPENED, FORCED, 0, 0, 0, NONE),
	R(S_FORCED, CLOSED, LOCKED, 0, 0, 0, CLS),
	R(S_FORCED, TICK, FORCED, 0, 0, 0, NONE),
	/* Held released and closed: only UNHOLD locks. */
	R(S_REL_HOLD, GRANT, RELEASED, 1, 1, 0, NONE),
	R(S_REL_HOLD, REX, RELEASED, 1, 1, 0, REX),
	R(S_REL_HOLD, RELEASE, RELEASED, 1, 1, 0, NONE),
	R(S_REL_HOLD, HOLD, RELEASED, 1, 1, 0, NONE),
	R(S_REL_HOLD, UNHOLD, LOCKED, 0, 0, 0, LCK),
	R(S_REL_HOLD, LOCK, RELEASED, 1, 1, 0, NONE),
	R(S_REL_HOLD, OPENED, OPEN, 1, 1, 0, OPN),
	R(S_REL_HOLD, CLOSED, RELEASED, 1, 1, 0, NONE),
	R(S_REL_HOLD, TICK, RELEASED, 1, 1, 0, NONE),
	/* Held released and open: no held-open timing. */
	R(S_OPEN_HOLD, GRANT, OPEN, 1, 1, 0, NONE),
	R(S_OPEN_HOLD, REX, OPEN, 1, 1, 0, REX),
	R(S_OPEN_HOLD, RELEASE, OPEN, 1, 1, 0, NONE),
	R(S_OPEN_HOLD, HOLD, OPEN, 1, 1, 0, NONE),
	R(S_OPEN_HOLD, UNHOLD, OPEN, 1, 0, 2100 + WARN, NONE),
	R(S_OPEN_HOLD, LOCK, OPEN, 1, 1, 0, NONE),
	R(S_OPEN_HOLD, OPENED, OPEN, 1, 1, 0, NONE),
	R(S_OPEN_HOLD, CLOSED, RELEASED, 1, 1, 0, CLS),
	R(S_OPEN_HOLD, TICK, OPEN, 1, 1, 0, NONE),
	/* Open with the lock engaged by a LOCK command. */
	R(S_OPEN_LOCKED, GRANT, OPEN, 1, 0, 2000 + WARN, REL),
	R(S_OPEN_LOCKED, REX, OPEN, 1, 0, 2000 + WARN, REX, REL),
	R(S_OPEN_LOCKED, RELEASE, OPEN, 1, 0, 2000 + WARN, REL),
	R(S_OPEN_LOCKED, HOLD, OPEN, 1, 1, 0, REL),
	R(S_OPEN_LOCKED, UNHOLD, OPEN, 0, 0, 2000 + WARN, NONE),
	R(S_OPEN_LOCKED, LOCK, OPEN, 0, 0, 2000 + WARN, NONE),
	R(S_OPEN_LOCKED, OPENED, OPEN, 0, 0, 2000 + WARN, NONE),
	R(S_OPEN_LOCKED, CLOSED, LOCKED, 0, 0, 0, CLS),
	R(S_OPEN_LOCKED, TICK, OPEN, 0, 0, 2000 + WARN, NONE),
};

/* Are the records of a step exactly want (NONE-terminated)? */
static bool
recs_equal(const struct door_out *out, const int *want)
{
	int n;

	for (n = 0; want[n] != NONE; n++)
		if (n >= out->nrec || (int)out->rec[n] != want[n])
			return false;
	return out->nrec == n;
}

static void
assert_recs(const struct door_out *out, const int *want)
{
	assert_true(recs_equal(out, want));
}

static void
test_table(void **unused)
{
	struct door_state st;
	struct door_out out;
	size_t i;
	int bad = 0;

	(void)unused;
	for (i = 0; i < sizeof(table) / sizeof(*table); i++) {
		const struct row *r = &table[i];

		step(&st, r->ev, start(r->from, &st), &out);
		if (st.phase == r->phase && out.released == r->released &&
		    st.released == r->released && st.hold == r->hold &&
		    recs_equal(&out, r->rec) && out.deadline == r->deadline)
			continue;
		print_error("row %zu (start %d, event %d): phase %s "
		    "released %d hold %d nrec %d deadline %llu\n", i, r->from,
		    r->ev, door_phase_name(st.phase), out.released, st.hold,
		    out.nrec, (unsigned long long)out.deadline);
		bad++;
	}
	assert_int_equal(bad, 0);
}

/* The table covers every start against every event. */
static void
test_table_complete(void **unused)
{
	int seen[S_OPEN_LOCKED + 1][DOOR_EV_TICK + 1] = { { 0 } };
	size_t i;
	int s, e;

	(void)unused;
	for (i = 0; i < sizeof(table) / sizeof(*table); i++)
		seen[table[i].from][table[i].ev]++;
	for (s = 0; s <= S_OPEN_LOCKED; s++)
		for (e = 0; e <= DOOR_EV_TICK; e++)
			assert_int_equal(seen[s][e], 1);
}

static void
test_release_ends_at_deadline(void **unused)
{
	struct door_state st;
	struct door_out out;

	(void)unused;
	start(S_RELEASED, &st);
	step(&st, DOOR_EV_TICK, 1000 + RELEASE - 1, &out);
	assert_int_equal(st.phase, DOOR_RELEASED);
	assert_true(out.released);
	assert_int_equal(out.nrec, 0);
	step(&st, DOOR_EV_TICK, 1000 + RELEASE, &out);
	assert_int_equal(st.phase, DOOR_LOCKED);
	assert_false(out.released);
	assert_recs(&out, (int[]){ LCK, NONE });
	assert_int_equal(out.deadline, 0);
}

static void
test_held_edges(void **unused)
{
	struct door_state st;
	struct door_out out;

	(void)unused;
	start(S_OPEN, &st);
	step(&st, DOOR_EV_TICK, 2000 + WARN - 1, &out);
	assert_int_equal(st.phase, DOOR_OPEN);
	assert_int_equal(out.nrec, 0);
	step(&st, DOOR_EV_TICK, 2000 + WARN, &out);
	assert_int_equal(st.phase, DOOR_HELD_WARN);
	assert_recs(&out, (int[]){ DOOR_REC_HELD_WARN, NONE });
	assert_int_equal(out.deadline, 2000 + HELD);
	step(&st, DOOR_EV_TICK, 2000 + HELD - 1, &out);
	assert_int_equal(st.phase, DOOR_HELD_WARN);
	assert_int_equal(out.nrec, 0);
	step(&st, DOOR_EV_TICK, 2000 + HELD, &out);
	assert_int_equal(st.phase, DOOR_HELD);
	assert_recs(&out, (int[]){ DOOR_REC_HELD, NONE });
	assert_int_equal(out.deadline, 0);
	step(&st, DOOR_EV_TICK, 2000 + 10 * HELD, &out);
	assert_int_equal(out.nrec, 0);
}

/* A late tick still reports the warning before the alarm, once each. */
static void
test_late_tick(void **unused)
{
	struct door_state st;
	struct door_out out;

	(void)unused;
	start(S_OPEN, &st);
	step(&st, DOOR_EV_TICK, 2000 + 2 * HELD, &out);
	assert_recs(&out, (int[]){ DOOR_REC_HELD_WARN, DOOR_REC_HELD, NONE });
	step(&st, DOOR_EV_CLOSED, 2001 + 2 * HELD, &out);
	assert_recs(&out, (int[]){ CLS, LCK, NONE });
}

/* An event after a missed deadline sees the expired timer first. */
static void
test_late_event(void **unused)
{
	struct door_state st;
	struct door_out out;

	(void)unused;
	start(S_RELEASED, &st);
	step(&st, DOOR_EV_OPENED, 1000 + RELEASE - 1, &out);
	assert_int_equal(st.phase, DOOR_OPEN);
	assert_recs(&out, (int[]){ OPN, NONE });

	start(S_RELEASED, &st);
	step(&st, DOOR_EV_OPENED, 1000 + RELEASE, &out);
	assert_int_equal(st.phase, DOOR_FORCED);
	assert_recs(&out, (int[]){ LCK, OPN, FRC, NONE });

	start(S_OPEN, &st);
	step(&st, DOOR_EV_CLOSED, 2000 + HELD, &out);
	assert_recs(&out,
	    (int[]){ DOOR_REC_HELD_WARN, DOOR_REC_HELD, CLS, LCK, NONE });
}

/* Opening and closing within the release relocks at once. */
static void
test_relock_on_close(void **unused)
{
	struct door_state st;
	struct door_out out;

	(void)unused;
	start(S_OPEN, &st);
	step(&st, DOOR_EV_CLOSED, 3000, &out);
	assert_false(out.released);
	assert_int_equal(out.deadline, 0);
	/* A second opening within the old release time is forced. */
	step(&st, DOOR_EV_OPENED, 3500, &out);
	assert_int_equal(st.phase, DOOR_FORCED);
}

/* The lock stays released while the door is open past the release. */
static void
test_open_outlasts_release(void **unused)
{
	struct door_state st;
	struct door_out out;

	(void)unused;
	start(S_OPEN, &st);
	step(&st, DOOR_EV_TICK, 1000 + RELEASE + 1, &out);
	assert_true(out.released);
	assert_int_equal(out.nrec, 0);
}

static void
test_forced_alarm_off(void **unused)
{
	struct door_cfg c = cfg;
	struct door_state st;
	struct door_out out;

	(void)unused;
	c.forced_alarm = false;
	door_init(&c, &st, false, 1000, &out);
	door_step(&c, &st, DOOR_EV_OPENED, 2000, &out);
	assert_int_equal(st.phase, DOOR_OPEN);
	assert_false(out.released);
	assert_recs(&out, (int[]){ OPN, NONE });
	assert_int_equal(out.deadline, 2000 + WARN);
	door_step(&c, &st, DOOR_EV_TICK, 2000 + HELD, &out);
	assert_recs(&out, (int[]){ DOOR_REC_HELD_WARN, DOOR_REC_HELD, NONE });
	door_step(&c, &st, DOOR_EV_CLOSED, 2000 + HELD + 1, &out);
	assert_recs(&out, (int[]){ CLS, NONE });
	assert_int_equal(st.phase, DOOR_LOCKED);
}

static void
test_init(void **unused)
{
	struct door_state st;
	struct door_out out;

	(void)unused;
	door_init(&cfg, &st, false, 500, &out);
	assert_int_equal(st.phase, DOOR_LOCKED);
	assert_false(out.released);
	assert_int_equal(out.nrec, 0);
	assert_int_equal(out.deadline, 0);

	/* Found open: timed from now, never forced. */
	door_init(&cfg, &st, true, 500, &out);
	assert_int_equal(st.phase, DOOR_OPEN);
	assert_false(out.released);
	assert_int_equal(out.nrec, 0);
	assert_int_equal(out.deadline, 500 + WARN);
	step(&st, DOOR_EV_TICK, 500 + WARN, &out);
	assert_recs(&out, (int[]){ DOOR_REC_HELD_WARN, NONE });
	step(&st, DOOR_EV_CLOSED, 600 + WARN, &out);
	assert_recs(&out, (int[]){ CLS, NONE });
	assert_int_equal(st.phase, DOOR_LOCKED);
}

static void
test_release_minimum(void **unused)
{
	struct door_cfg c = cfg;
	struct door_state st;
	struct door_out out;

	(void)unused;
	c.release_ms = 500;
	door_init(&c, &st, false, 1000, &out);
	door_step(&c, &st, DOOR_EV_GRANT, 1000, &out);
	assert_int_equal(out.deadline, 1000 + DOOR_RELEASE_MIN_MS);
}

/* Fire: held released through commands, hours open, then a reset. */
static void
test_fire_hold(void **unused)
{
	struct door_state st;
	struct door_out out;
	uint64_t t = 10 * 3600 * 1000;

	(void)unused;
	start(S_OPEN_HOLD, &st);
	step(&st, DOOR_EV_LOCK, 3000, &out);
	assert_true(out.released);
	step(&st, DOOR_EV_TICK, t, &out);
	assert_int_equal(out.nrec, 0);
	assert_int_equal(st.phase, DOOR_OPEN);
	step(&st, DOOR_EV_UNHOLD, t, &out);
	assert_true(out.released);
	assert_int_equal(out.deadline, t + WARN);
	step(&st, DOOR_EV_TICK, t + WARN - 1, &out);
	assert_int_equal(out.nrec, 0);
	step(&st, DOOR_EV_TICK, t + WARN, &out);
	assert_recs(&out, (int[]){ DOOR_REC_HELD_WARN, NONE });
	step(&st, DOOR_EV_CLOSED, t + WARN + 1, &out);
	assert_recs(&out, (int[]){ CLS, LCK, NONE });
}

/* Invariant 2 (REX) and 1 (hold) from every starting point. */
static void
test_rex_and_hold_everywhere(void **unused)
{
	struct door_state st;
	struct door_out out;
	uint64_t t;
	int s, e;

	(void)unused;
	for (s = 0; s <= S_OPEN_LOCKED; s++) {
		t = start(s, &st);
		step(&st, DOOR_EV_REX, t, &out);
		assert_true(out.released);
		assert_int_equal(out.rec[0], REX);
		for (e = 0; e <= DOOR_EV_TICK; e++) {
			if (e == DOOR_EV_UNHOLD)
				continue;
			t = start(s, &st);
			step(&st, DOOR_EV_HOLD, t, &out);
			step(&st, e, t + 1, &out);
			step(&st, DOOR_EV_TICK, t + 100 * HELD, &out);
			assert_true(out.released);
			assert_int_equal(out.nrec, 0);
		}
	}
}

/*
 * An exit release runs its full time whatever is commanded (DESIGN 11.2;
 * spin's counterexample in docs/safety-model.md): a LOCK, or the UNHOLD of
 * a fire reset, a drill's end or a lockdown, waits for the end of the
 * release, and an open door still relocks when it closes.  A grant's
 * release is still cut short by LOCK.
 */
static void
test_rex_outlasts_commands(void **unused)
{
	struct door_state st;
	struct door_out out;

	(void)unused;
	start(S_LOCKED, &st);
	step(&st, DOOR_EV_REX, 2000, &out);
	step(&st, DOOR_EV_LOCK, 2100, &out);
	assert_true(out.released);
	assert_int_equal(st.phase, DOOR_RELEASED);
	assert_int_equal(out.deadline, 2000 + RELEASE);
	step(&st, DOOR_EV_TICK, 2000 + RELEASE - 1, &out);
	assert_true(out.released);
	step(&st, DOOR_EV_TICK, 2000 + RELEASE, &out);
	assert_false(out.released);
	assert_recs(&out, (int[]){ LCK, NONE });

	/* Held (fire), REX, then the reset's UNHOLD: released to the end. */
	start(S_REL_HOLD, &st);
	step(&st, DOOR_EV_REX, 2000, &out);
	step(&st, DOOR_EV_UNHOLD, 2100, &out);
	assert_true(out.released);
	assert_false(st.hold);
	assert_int_equal(out.deadline, 2000 + RELEASE);
	step(&st, DOOR_EV_TICK, 2000 + RELEASE, &out);
	assert_false(out.released);

	/* Open after REX: LOCK leaves it released, the close relocks. */
	start(S_LOCKED, &st);
	step(&st, DOOR_EV_REX, 2000, &out);
	step(&st, DOOR_EV_OPENED, 2500, &out);
	step(&st, DOOR_EV_LOCK, 2600, &out);
	assert_true(out.released);
	step(&st, DOOR_EV_CLOSED, 2700, &out);
	assert_false(out.released);
	assert_recs(&out, (int[]){ CLS, LCK, NONE });

	/* After the exit release, LOCK locks at once again. */
	start(S_LOCKED, &st);
	step(&st, DOOR_EV_REX, 2000, &out);
	step(&st, DOOR_EV_HOLD, 2100, &out);
	step(&st, DOOR_EV_UNHOLD, 2000 + RELEASE, &out);
	assert_false(out.released);

	/* A grant's release: LOCK ends it now. */
	start(S_RELEASED, &st);
	step(&st, DOOR_EV_LOCK, 1500, &out);
	assert_false(out.released);
	assert_int_equal(st.phase, DOOR_LOCKED);
}

/* Random walk: the outputs always agree with the state. */
static void
test_random_walk(void **unused)
{
	struct door_state st;
	struct door_out out;
	uint64_t now = 1000;
	int i, n;

	(void)unused;
	srand(42);
	door_init(&cfg, &st, false, now, &out);
	for (i = 0; i < 200000; i++) {
		now += (uint64_t)(rand() % 8000);
		step(&st, rand() % (DOOR_EV_TICK + 1), now, &out);
		assert_true(out.nrec <= DOOR_REC_MAX);
		assert_int_equal(out.released, st.released);
		assert_true(out.deadline == 0 || out.deadline > now);
		assert_int_equal(st.open, st.phase != DOOR_LOCKED &&
		    st.phase != DOOR_RELEASED);
		if (st.hold)
			assert_true(st.released);
		if (st.phase == DOOR_RELEASED)
			assert_true(st.released);
		for (n = 0; n < out.nrec; n++)
			if (out.rec[n] == REX)
				assert_true(st.released);
	}
}

static void
test_names(void **unused)
{
	(void)unused;
	assert_string_equal(door_record_type(DOOR_REC_RELEASED), "door.released");
	assert_string_equal(door_record_type(DOOR_REC_LOCKED), "door.locked");
	assert_string_equal(door_record_type(DOOR_REC_OPENED), "door.opened");
	assert_string_equal(door_record_type(DOOR_REC_CLOSED), "door.closed");
	assert_string_equal(door_record_type(DOOR_REC_HELD_WARN),
	    "door.held_warning");
	assert_string_equal(door_record_type(DOOR_REC_HELD), "door.held");
	assert_string_equal(door_record_type(DOOR_REC_FORCED), "door.forced");
	assert_string_equal(door_record_type(DOOR_REC_REX), "door.rex");
	assert_string_equal(door_phase_name(DOOR_LOCKED), "locked");
	assert_string_equal(door_phase_name(DOOR_HELD_WARN), "held_warning");
	assert_string_equal(door_phase_name(DOOR_FORCED), "forced");
	assert_non_null(door_phase_name((enum door_phase)99));
	assert_non_null(door_record_type((enum door_record)99));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_release_ends_at_deadline),
		cmocka_unit_test(test_held_edges),
		cmocka_unit_test(test_late_tick),
		cmocka_unit_test(test_late_event),
		cmocka_unit_test(test_relock_on_close),
		cmocka_unit_test(test_open_outlasts_release),
		cmocka_unit_test(test_forced_alarm_off),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_release_minimum),
		cmocka_unit_test(test_fire_hold),
		cmocka_unit_test(test_rex_and_hold_everywhere),
		cmocka_unit_test(test_rex_outlasts_commands),
		cmocka_unit_test(test_random_walk),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
