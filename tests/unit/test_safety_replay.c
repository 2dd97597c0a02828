/*
 * The safety model meets the code.  tests/model/safety.pml is checked by
 * spin (make model); this test runs the model's traces (spin's
 * counterexamples and random runs of the model, tests/model/traces.h)
 * and seeded random traces through the real door.c and mode.c, and
 * checks the model's four properties after every step:
 *
 *  1. fire active (the latch or the panel) => every egress door released;
 *  2. REX => that door released for its full time (until the release time
 *     has run out or the door has closed behind the one who left);
 *  3. lockdown never keeps a door locked against REX;
 *  4. a fire reset never relocks a door while the fire input is active.
 *
 * A random run of the model also says what each lock output is after
 * each step; the C machines must agree, so the model cannot drift from
 * the code.  A counterexample of a variant (the door machine before the
 * REX fix, a mutant) must agree up to its last step, where the variant
 * broke a property and the code must not.
 *
 * The harness below stands in for the daemon's glue, as the model does:
 * mode_run.c's egress hold (mode_holds_egress, mode_moves), cmd_door.c's
 * door.lock guards and daemon.c's restart from the contacts and the kept
 * latches.  It holds no rule of its own; when the glue changes, the
 * model and this harness change with it.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <setjmp.h>
#include <cmocka.h>

#include "door.h"
#include "mode.h"

#define N		3	/* doors, as in safety.pml */
#define NEGRESS		2	/* doors 0 and 1 are egress doors */
#define TICK_MS		1500	/* one tick of the model */
#define RELEASE_MS	3000	/* R = 2 ticks */
#define EGRESS(d)	((d) < NEGRESS)

/* The model's events (safety.pml's E_*). */
enum ev {
	E_TICK, E_REX, E_GRANT, E_RELEASE, E_HOLD, E_LOCK, E_OPEN, E_CLOSE,
	E_PANEL_ON, E_PANEL_OFF, E_FIRE_CMD, E_RESET, E_PANIC, E_LIFT,
	E_DRILL_START, E_DRILL_END, E_RESTART, E_COUNT
};

struct model_step {
	unsigned char	 ev, door, mask;
};

struct model_trace {
	const char	*name;
	int		 drill_release;
	int		 check;	/* 1: every mask; 2: all but the last */
	int		 n;
	const struct model_step *steps;
};

#include "../model/traces.h"

static const struct door_cfg cfg = {
	.release_ms = RELEASE_MS, .held_warn_ms = 30000, .held_ms = 60000,
	.forced_alarm = true,
};

struct house {
	struct door_state st[N];
	bool		 contact[N];	/* the wire: open */
	bool		 mode_hold[N];	/* door_rt's mode_hold */
	struct mode_state mode;
	bool		 drill_release;
	bool		 panel;		/* the fire panel's input */
	bool		 p_fire, p_lockdown, p_drill;	/* settings table */
	uint64_t	 now;
	uint64_t	 rex_owed[N];	/* ghost: exit release owed until */
	bool		 reset_relock;	/* ghost: property 4 broken */
};

static void
house_door(struct house *h, int d, enum door_input in)
{
	struct door_out out;

	door_step(&cfg, &h->st[d], in, h->now, &out);
	assert_int_equal(out.released, h->st[d].released);
}

/* mode_run.c's mode_holds_egress(). */
static bool
house_holds(const struct house *h, const struct mode_state *s)
{
	return s->fire || (s->drill && !s->lockdown && h->drill_release);
}

/* mode_run.c's mode_input(): the machine, the doors, the kept latches. */
static void
house_mode(struct house *h, enum mode_input in, enum mode_actor by)
{
	struct mode_state old = h->mode;
	bool hold, egress;
	int d;

	if (mode_step(&h->mode, in, by) != MODE_E_OK)
		return;
	hold = house_holds(h, &h->mode);
	egress = house_holds(h, &old) != hold ||
	    (hold && !old.fire && h->mode.fire);
	if (old.lockdown != h->mode.lockdown)
		h->p_lockdown = h->mode.lockdown;
	if (old.drill != h->mode.drill)
		h->p_drill = h->mode.drill;
	for (d = 0; egress && d < N; d++) {
		if (hold ? !EGRESS(d) || h->st[d].hold : !h->mode_hold[d])
			continue;
		h->mode_hold[d] = hold;
		house_door(h, d, hold ? DOOR_EV_HOLD : DOOR_EV_UNHOLD);
	}
	if (old.fire != h->mode.fire)
		h->p_fire = h->mode.fire;
}

/* cmd_door.c's door.lock. */
static void
house_lock_cmd(struct house *h, int d)
{
	if (h->mode.fire && EGRESS(d))
		return;
	if (h->mode_hold[d])
		return;
	house_door(h, d, h->st[d].hold ? DOOR_EV_UNHOLD : DOOR_EV_LOCK);
}

/* daemon.c's husvagt_start(): doors from the contacts, then
 * husvagt_mode_at_start(). */
static void
house_restart(struct house *h)
{
	struct door_out out;
	int d;

	for (d = 0; d < N; d++) {
		door_init(&cfg, &h->st[d], h->contact[d], h->now, &out);
		h->mode_hold[d] = false;
		h->rex_owed[d] = 0;	/* a release does not outlive the daemon */
	}
	mode_init(&h->mode);
	if (h->p_drill)
		house_mode(h, MODE_IN_DRILL_START, MODE_BY_MANAGEMENT);
	if (h->p_lockdown)
		house_mode(h, MODE_IN_LOCKDOWN, MODE_BY_STAFF);
	if (h->panel)
		house_mode(h, MODE_IN_FIRE_ACTIVE, MODE_BY_SYSTEM);
	if (!h->mode.fire && h->p_fire)
		house_mode(h, MODE_IN_FIRE_CMD, MODE_BY_MANAGEMENT);
}

static void
house_init(struct house *h, bool drill_release)
{
	*h = (struct house){ .drill_release = drill_release, .now = 1000 };
	house_restart(h);
}

static int
house_mask(const struct house *h)
{
	int d, m = 0;

	for (d = 0; d < N; d++)
		m |= h->st[d].released << d;
	return m;
}

/* One event of the model, as the daemon would see it. */
static void
house_event(struct house *h, enum ev ev, int d)
{
	int before;

	switch (ev) {
	case E_TICK:
		h->now += TICK_MS;
		for (d = 0; d < N; d++)
			house_door(h, d, DOOR_EV_TICK);
		break;
	case E_REX:
		house_door(h, d, DOOR_EV_REX);
		h->rex_owed[d] = h->now + RELEASE_MS;
		break;
	case E_GRANT:
		house_door(h, d, DOOR_EV_GRANT);
		break;
	case E_RELEASE:
		house_door(h, d, DOOR_EV_RELEASE);
		break;
	case E_HOLD:
		house_door(h, d, DOOR_EV_HOLD);
		break;
	case E_LOCK:
		house_lock_cmd(h, d);
		break;
	case E_OPEN:
		assert_false(h->contact[d]);
		h->contact[d] = true;
		house_door(h, d, DOOR_EV_OPENED);
		break;
	case E_CLOSE:
		assert_true(h->contact[d]);
		h->contact[d] = false;
		house_door(h, d, DOOR_EV_CLOSED);
		h->rex_owed[d] = 0;	/* the one who left is out */
		break;
	case E_PANEL_ON:
		assert_false(h->panel);
		h->panel = true;
		house_mode(h, MODE_IN_FIRE_ACTIVE, MODE_BY_SYSTEM);
		break;
	case E_PANEL_OFF:
		assert_true(h->panel);
		h->panel = false;
		house_mode(h, MODE_IN_FIRE_CLEARED, MODE_BY_SYSTEM);
		break;
	case E_FIRE_CMD:
		house_mode(h, MODE_IN_FIRE_CMD, MODE_BY_MANAGEMENT);
		break;
	case E_RESET:
		before = house_mask(h);
		house_mode(h, MODE_IN_RESET, MODE_BY_STAFF);
		if (h->panel && (before & ~house_mask(h)) != 0)
			h->reset_relock = true;
		break;
	case E_PANIC:
		house_mode(h, MODE_IN_PANIC, MODE_BY_SYSTEM);
		break;
	case E_LIFT:
		house_mode(h, MODE_IN_LIFT, MODE_BY_STAFF);
		break;
	case E_DRILL_START:
		house_mode(h, MODE_IN_DRILL_START, MODE_BY_MANAGEMENT);
		break;
	case E_DRILL_END:
		house_mode(h, MODE_IN_DRILL_END, MODE_BY_MANAGEMENT);
		break;
	case E_RESTART:
		house_restart(h);
		break;
	case E_COUNT:
		fail();
	}
}

/* The four properties now; NULL when they hold, else which one broke. */
static const char *
house_broken(const struct house *h, int *door)
{
	int d;

	for (d = 0; d < N; d++) {
		*door = d;
		if ((h->mode.fire || h->panel) && EGRESS(d) &&
		    !h->st[d].released)
			return "1 (fire => every egress door released)";
		if (h->rex_owed[d] > h->now && !h->st[d].released)
			return h->mode.lockdown ?
			    "3 (lockdown never keeps a door locked against REX)" :
			    "2 (REX => released for its full time)";
	}
	*door = 0;
	if (h->reset_relock)
		return "4 (a reset never relocks under an active fire input)";
	return NULL;
}

static void
check_step(const struct house *h, const char *trace, int i, int ev, int d)
{
	const char *broken;
	int door;

	if ((broken = house_broken(h, &door)) == NULL)
		return;
	fail_msg("trace %s, step %d (event %d, door %d): property %s "
	    "broken at door %d; mode %s, lock outputs %#x", trace, i, ev, d,
	    broken, door, mode_name(mode_effective(&h->mode)),
	    house_mask(h));
}

/* Every trace spin gave, through the real machines. */
static void
test_model_traces(void **unused)
{
	const struct model_trace *t;
	struct house h;
	size_t k;
	int i, agreed = 0;

	(void)unused;
	for (k = 0; k < sizeof(model_traces) / sizeof(*model_traces); k++) {
		t = &model_traces[k];
		house_init(&h, t->drill_release);
		for (i = 0; i < t->n; i++) {
			const struct model_step *s = &t->steps[i];

			house_event(&h, s->ev, s->door);
			check_step(&h, t->name, i, s->ev, s->door);
			if (t->check == 2 && i == t->n - 1)
				continue;
			if (house_mask(&h) != s->mask)
				fail_msg("trace %s, step %d (event %d, door "
				    "%d): the model says lock outputs %#x, "
				    "the code %#x", t->name, i, s->ev,
				    s->door, s->mask, house_mask(&h));
			agreed++;
		}
	}
	print_message("%zu model traces, %d steps agreed with the model\n",
	    k, agreed);
}

/* A spin counterexample is a real bug on the code before the fix: its
 * last step is where the old code locked (the mask the model gives). */
static void
test_counterexamples_were_bugs(void **unused)
{
	const struct model_trace *t = &model_traces[0];

	(void)unused;
	assert_string_equal(t->name, "cex_rex_lock");
	assert_int_equal(t->n, 2);
	assert_int_equal(t->steps[0].ev, E_REX);
	assert_int_equal(t->steps[1].ev, E_LOCK);
	assert_int_equal(t->steps[1].mask & (1 << t->steps[1].door), 0);
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A random input that is possible now (a contact or the panel can only
 * change to what it is not). */
static enum ev
random_event(const struct house *h, uint64_t *seed, int d)
{
	enum ev ev;

	if (rnd(seed) % 4 == 0)
		return E_TICK;
	ev = (enum ev)(rnd(seed) % E_COUNT);
	if (ev == E_OPEN || ev == E_CLOSE)
		return h->contact[d] ? E_CLOSE : E_OPEN;
	if (ev == E_PANEL_ON || ev == E_PANEL_OFF)
		return h->panel ? E_PANEL_OFF : E_PANEL_ON;
	/* Restarts are rare in life; keep them rarer than other inputs. */
	if (ev == E_RESTART && rnd(seed) % 8 != 0)
		return E_TICK;
	return ev;
}

#define RANDOM_SEEDS	40
#define RANDOM_STEPS	5000

/* Seeded random traces, thousands of steps, checked at every step. */
static void
test_random_traces(void **unused)
{
	struct house h;
	uint64_t seed;
	char name[32];
	int s, i, d;
	enum ev ev;

	(void)unused;
	for (s = 1; s <= RANDOM_SEEDS; s++) {
		seed = 0x9e3779b97f4a7c15ull * (uint64_t)s;
		snprintf(name, sizeof(name), "random_%d", s);
		house_init(&h, s % 2);
		for (i = 0; i < RANDOM_STEPS; i++) {
			d = (int)(rnd(&seed) % N);
			ev = random_event(&h, &seed, d);
			house_event(&h, ev, d);
			check_step(&h, name, i, ev, d);
		}
	}
	print_message("%d random traces of %d steps hold the four "
	    "properties\n", RANDOM_SEEDS, RANDOM_STEPS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_traces),
		cmocka_unit_test(test_counterexamples_were_bugs),
		cmocka_unit_test(test_random_traces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
