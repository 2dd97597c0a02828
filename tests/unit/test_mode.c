/*
 * The mode machine: every input from every actor in every state, the
 * precedence of the effective mode, and the scenarios of DESIGN 3 and 7
 * (fire held until a staff reset after the panel clears, lockdown under
 * a fire, a drill ended by a real fire).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mode.h"

#define NINPUTS	(MODE_IN_DRILL_END + 1)
#define NACTORS	(MODE_BY_MANAGEMENT + 1)

static struct mode_state
state_of(unsigned bits)
{
	struct mode_state s = {
		.fire = bits & 1, .fire_input = bits & 2,
		.lockdown = bits & 4, .drill = bits & 8,
	};

	return s;
}

static void
step_ok(struct mode_state *s, enum mode_input in, enum mode_actor by,
    enum mode_err want, enum mode m)
{
	assert_int_equal(mode_step(s, in, by), want);
	assert_int_equal(mode_effective(s), m);
}

/* Fire wins over everything, then lockdown, then drill. */
static void
test_precedence(void **unused)
{
	unsigned b;

	(void)unused;
	for (b = 0; b < 16; b++) {
		struct mode_state s = state_of(b);
		enum mode m = mode_effective(&s);

		if (s.fire)
			assert_int_equal(m, MODE_FIRE);
		else if (s.lockdown)
			assert_int_equal(m, MODE_LOCKDOWN);
		else if (s.drill)
			assert_int_equal(m, MODE_DRILL);
		else
			assert_int_equal(m, MODE_NORMAL);
	}
}

/* Who may give what, in every state: a refusal changes nothing. */
static void
test_roles_every_state(void **unused)
{
	static const enum mode_actor only[NINPUTS] = {
		[MODE_IN_FIRE_ACTIVE] = MODE_BY_SYSTEM,
		[MODE_IN_FIRE_CLEARED] = MODE_BY_SYSTEM,
		[MODE_IN_FIRE_CMD] = MODE_BY_MANAGEMENT,
		[MODE_IN_RESET] = MODE_BY_STAFF,	/* and management */
		[MODE_IN_PANIC] = MODE_BY_SYSTEM,
		[MODE_IN_DURESS] = MODE_BY_SYSTEM,
		[MODE_IN_LOCKDOWN] = MODE_BY_STAFF,
		[MODE_IN_LIFT] = MODE_BY_STAFF,
		[MODE_IN_DRILL_START] = MODE_BY_MANAGEMENT,
		[MODE_IN_DRILL_END] = MODE_BY_MANAGEMENT,
	};
	unsigned b;
	int in, by;

	(void)unused;
	for (b = 0; b < 16; b++)
		for (in = 0; in < NINPUTS; in++)
			for (by = 0; by < NACTORS; by++) {
				struct mode_state s = state_of(b), t = s;
				bool may = by == (int)only[in] ||
				    (only[in] == MODE_BY_STAFF &&
				    by == MODE_BY_MANAGEMENT);
				enum mode_err e = mode_step(&s, in, by);

				if (!may) {
					assert_int_equal(e, MODE_E_FORBIDDEN);
					assert_memory_equal(&s, &t, sizeof(s));
				} else
					assert_int_not_equal(e,
					    MODE_E_FORBIDDEN);
			}
}

/* From every state, the fire inputs do what the rules say. */
static void
test_every_transition_fire(void **unused)
{
	unsigned b;

	(void)unused;
	for (b = 0; b < 16; b++) {
		struct mode_state s0 = state_of(b), s;

		s = s0;
		mode_step(&s, MODE_IN_FIRE_ACTIVE, MODE_BY_SYSTEM);
		assert_true(s.fire && s.fire_input && !s.drill);
		assert_int_equal(s.lockdown, s0.lockdown);

		s = s0;
		mode_step(&s, MODE_IN_FIRE_CLEARED, MODE_BY_SYSTEM);
		assert_false(s.fire_input);
		assert_int_equal(s.fire, s0.fire);	/* needs a reset */

		s = s0;
		mode_step(&s, MODE_IN_FIRE_CMD, MODE_BY_MANAGEMENT);
		assert_true(s.fire && !s.drill);
		assert_int_equal(s.fire_input, s0.fire_input);

		s = s0;
		if (s0.fire && s0.fire_input) {
			assert_int_equal(mode_step(&s, MODE_IN_RESET,
			    MODE_BY_STAFF), MODE_E_FIRE_INPUT);
			assert_memory_equal(&s, &s0, sizeof(s));
		} else {
			assert_int_equal(mode_step(&s, MODE_IN_RESET,
			    MODE_BY_STAFF), s0.fire ? MODE_E_OK :
			    MODE_E_UNCHANGED);
			assert_false(s.fire);
		}

	}
}

/* From every state, the lockdown and drill inputs do what they say. */
static void
test_every_transition_lockdown_drill(void **unused)
{
	unsigned b;

	(void)unused;
	for (b = 0; b < 16; b++) {
		struct mode_state s0 = state_of(b), s;

		s = s0;
		assert_int_equal(mode_step(&s, MODE_IN_PANIC, MODE_BY_SYSTEM),
		    s0.lockdown ? MODE_E_UNCHANGED : MODE_E_OK);
		assert_true(s.lockdown);
		s = s0;
		mode_step(&s, MODE_IN_DURESS, MODE_BY_SYSTEM);
		assert_true(s.lockdown);
		s = s0;
		mode_step(&s, MODE_IN_LOCKDOWN, MODE_BY_STAFF);
		assert_true(s.lockdown);
		assert_int_equal(s.fire, s0.fire);
		s = s0;
		mode_step(&s, MODE_IN_LIFT, MODE_BY_STAFF);
		assert_false(s.lockdown);
		assert_int_equal(s.fire, s0.fire);

		s = s0;
		assert_int_equal(mode_step(&s, MODE_IN_DRILL_START,
		    MODE_BY_MANAGEMENT), s0.fire ? MODE_E_FIRE :
		    s0.drill ? MODE_E_UNCHANGED : s0.lockdown ?
		    MODE_E_LOCKDOWN : MODE_E_OK);
		assert_int_equal(s.drill, s0.drill ||
		    (!s0.fire && !s0.lockdown));
		s = s0;
		mode_step(&s, MODE_IN_DRILL_END, MODE_BY_MANAGEMENT);
		assert_false(s.drill);
	}
}

/* The panel trips and clears; only a staff reset ends the fire. */
static void
test_fire_scenario(void **unused)
{
	struct mode_state s;

	(void)unused;
	mode_init(&s);
	assert_int_equal(mode_effective(&s), MODE_NORMAL);
	step_ok(&s, MODE_IN_FIRE_ACTIVE, MODE_BY_SYSTEM, MODE_E_OK, MODE_FIRE);
	step_ok(&s, MODE_IN_LOCKDOWN, MODE_BY_STAFF, MODE_E_OK, MODE_FIRE);
	step_ok(&s, MODE_IN_RESET, MODE_BY_MANAGEMENT, MODE_E_FIRE_INPUT,
	    MODE_FIRE);
	step_ok(&s, MODE_IN_FIRE_CLEARED, MODE_BY_SYSTEM, MODE_E_OK,
	    MODE_FIRE);
	step_ok(&s, MODE_IN_RESET, MODE_BY_SYSTEM, MODE_E_FORBIDDEN,
	    MODE_FIRE);
	/* The lockdown latched during the fire takes over. */
	step_ok(&s, MODE_IN_RESET, MODE_BY_STAFF, MODE_E_OK, MODE_LOCKDOWN);
	step_ok(&s, MODE_IN_LIFT, MODE_BY_STAFF, MODE_E_OK, MODE_NORMAL);
	step_ok(&s, MODE_IN_LIFT, MODE_BY_STAFF, MODE_E_UNCHANGED,
	    MODE_NORMAL);
}

/* A fire by command needs no input to clear before the reset. */
static void
test_fire_command(void **unused)
{
	struct mode_state s;

	(void)unused;
	mode_init(&s);
	step_ok(&s, MODE_IN_FIRE_CMD, MODE_BY_STAFF, MODE_E_FORBIDDEN,
	    MODE_NORMAL);
	step_ok(&s, MODE_IN_FIRE_CMD, MODE_BY_MANAGEMENT, MODE_E_OK,
	    MODE_FIRE);
	step_ok(&s, MODE_IN_FIRE_CMD, MODE_BY_MANAGEMENT, MODE_E_UNCHANGED,
	    MODE_FIRE);
	step_ok(&s, MODE_IN_RESET, MODE_BY_STAFF, MODE_E_OK, MODE_NORMAL);
}

/* A drill under lockdown shows lockdown, none starts under one; a real
 * fire ends the drill. */
static void
test_drill(void **unused)
{
	struct mode_state s;

	(void)unused;
	mode_init(&s);
	step_ok(&s, MODE_IN_DRILL_START, MODE_BY_STAFF, MODE_E_FORBIDDEN,
	    MODE_NORMAL);
	step_ok(&s, MODE_IN_DRILL_START, MODE_BY_MANAGEMENT, MODE_E_OK,
	    MODE_DRILL);
	step_ok(&s, MODE_IN_PANIC, MODE_BY_SYSTEM, MODE_E_OK, MODE_LOCKDOWN);
	assert_true(s.drill);
	step_ok(&s, MODE_IN_LIFT, MODE_BY_STAFF, MODE_E_OK, MODE_DRILL);
	step_ok(&s, MODE_IN_DRILL_END, MODE_BY_MANAGEMENT, MODE_E_OK,
	    MODE_NORMAL);
	/* Not started under a lockdown. */
	step_ok(&s, MODE_IN_LOCKDOWN, MODE_BY_STAFF, MODE_E_OK, MODE_LOCKDOWN);
	step_ok(&s, MODE_IN_DRILL_START, MODE_BY_MANAGEMENT, MODE_E_LOCKDOWN,
	    MODE_LOCKDOWN);
	assert_false(s.drill);
	step_ok(&s, MODE_IN_LIFT, MODE_BY_STAFF, MODE_E_OK, MODE_NORMAL);
	step_ok(&s, MODE_IN_DRILL_START, MODE_BY_MANAGEMENT, MODE_E_OK,
	    MODE_DRILL);
	step_ok(&s, MODE_IN_FIRE_ACTIVE, MODE_BY_SYSTEM, MODE_E_OK, MODE_FIRE);
	assert_false(s.drill);
	step_ok(&s, MODE_IN_DRILL_START, MODE_BY_MANAGEMENT, MODE_E_FIRE,
	    MODE_FIRE);
	step_ok(&s, MODE_IN_FIRE_CLEARED, MODE_BY_SYSTEM, MODE_E_OK,
	    MODE_FIRE);
	step_ok(&s, MODE_IN_RESET, MODE_BY_STAFF, MODE_E_OK, MODE_NORMAL);
	step_ok(&s, MODE_IN_DRILL_END, MODE_BY_MANAGEMENT, MODE_E_UNCHANGED,
	    MODE_NORMAL);
}

static void
test_names(void **unused)
{
	(void)unused;
	assert_string_equal(mode_name(MODE_NORMAL), "normal");
	assert_string_equal(mode_name(MODE_DRILL), "drill");
	assert_string_equal(mode_name(MODE_LOCKDOWN), "lockdown");
	assert_string_equal(mode_name(MODE_FIRE), "fire");
	assert_string_equal(mode_name((enum mode)9), "unknown");
	assert_string_equal(mode_input_name(MODE_IN_FIRE_ACTIVE),
	    "fire_input");
	assert_string_equal(mode_input_name(MODE_IN_DURESS), "duress");
	assert_string_equal(mode_input_name(MODE_IN_DRILL_END), "drill_end");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_roles_every_state),
		cmocka_unit_test(test_every_transition_fire),
		cmocka_unit_test(test_every_transition_lockdown_drill),
		cmocka_unit_test(test_fire_scenario),
		cmocka_unit_test(test_fire_command),
		cmocka_unit_test(test_drill),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
