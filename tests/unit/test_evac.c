/*
 * The roll call's rules: which mode changes open a record, turn a drill's
 * record into a fire's or replace it, and what staff may type to name a
 * room, a visit or a staff member.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "evac.h"

static struct mode_state
st(bool fire, bool lockdown, bool drill)
{
	struct mode_state s = { .fire = fire, .fire_input = fire,
	    .lockdown = lockdown, .drill = drill };

	return s;
}

/* Every pair of the 8 latch combinations, with and without a record. */
static void
test_decide_every_change(void **unused)
{
	static const char *const open[] = { NULL, "fire", "drill" };
	unsigned a, b, k;

	(void)unused;
	for (a = 0; a < 8; a++)
		for (b = 0; b < 8; b++)
			for (k = 0; k < 3; k++) {
				struct mode_state o = st(a & 1, a & 2, a & 4);
				struct mode_state n = st(b & 1, b & 2, b & 4);
				enum mode was = mode_effective(&o);
				enum mode is = mode_effective(&n);
				enum evac_action e = evac_decide(&o, &n,
				    open[k]);

				if (was == is)
					assert_int_equal(e, EVAC_NONE);
				else if (is == MODE_FIRE && open[k] == NULL)
					assert_int_equal(e, EVAC_OPEN_FIRE);
				else if (is == MODE_FIRE && k == 2)
					assert_int_equal(e, o.drill ?
					    EVAC_TO_FIRE : EVAC_REPLACE_FIRE);
				else if (is == MODE_DRILL && open[k] == NULL)
					assert_int_equal(e, EVAC_OPEN_DRILL);
				else
					assert_int_equal(e, EVAC_NONE);
			}
}

/* The scenarios staff meet. */
static void
test_decide_scenarios(void **unused)
{
	struct mode_state normal = st(0, 0, 0), fire = st(1, 0, 0),
	    drill = st(0, 0, 1), lockdown = st(0, 1, 0),
	    lock_fire = st(1, 1, 0);

	(void)unused;
	assert_int_equal(evac_decide(&normal, &fire, NULL), EVAC_OPEN_FIRE);
	assert_int_equal(evac_decide(&normal, &drill, NULL), EVAC_OPEN_DRILL);
	/* a real fire during the drill: the same people, now a fire */
	assert_int_equal(evac_decide(&drill, &fire, "drill"), EVAC_TO_FIRE);
	/* the drill ended, its record still open, then a fire */
	assert_int_equal(evac_decide(&normal, &fire, "drill"),
	    EVAC_REPLACE_FIRE);
	/* a fire during a lockdown is a fire */
	assert_int_equal(evac_decide(&lockdown, &lock_fire, NULL),
	    EVAC_OPEN_FIRE);
	/* the reset or the drill's end closes nothing: staff do */
	assert_int_equal(evac_decide(&fire, &normal, "fire"), EVAC_NONE);
	assert_int_equal(evac_decide(&drill, &normal, "drill"), EVAC_NONE);
	/* a fire record still open: a second fire adds none */
	assert_int_equal(evac_decide(&normal, &fire, "fire"), EVAC_NONE);
	/* a drill while the last fire's record is open adds none */
	assert_int_equal(evac_decide(&normal, &drill, "fire"), EVAC_NONE);
	/* a lockdown opens nothing */
	assert_int_equal(evac_decide(&normal, &lockdown, NULL), EVAC_NONE);
}

static void
who_is(const char *in, const char *want)
{
	char out[EVAC_WHO_MAX];

	assert_int_equal(evac_who_parse(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void
who_bad(const char *in)
{
	char out[EVAC_WHO_MAX];

	assert_int_equal(evac_who_parse(in, out, sizeof(out)), -1);
	assert_string_equal(out, "");
}

static void
test_who(void **unused)
{
	char small[8];

	(void)unused;
	who_is("101", "room:101");
	who_is("room:101", "room:101");
	who_is("room:a-1_b", "room:a-1_b");
	who_is("visit:7", "visit:7");
	who_is("visit:123456789012345678", "visit:123456789012345678");
	who_is("staff:anna", "staff:anna");
	who_is("staff:birgit-2", "staff:birgit-2");
	who_bad("");
	who_bad("room:");
	who_bad("Room:101");
	who_bad("101 ");
	who_bad("10\x01");
	who_bad("1234567890123456");		/* room names: 15 at most */
	who_bad("visit:");
	who_bad("visit:0");
	who_bad("visit:07");
	who_bad("visit:-1");
	who_bad("visit:1234567890123456789");
	who_bad("visit:x");
	who_bad("staff:");
	who_bad("staff:1anna");
	who_bad("staff:Anna");
	who_bad("staff:anna;rm");
	who_bad("stay:3");
	who_bad("guest:Rose");
	who_bad("room:101:2");
	assert_int_equal(evac_who_parse("staff:annabella", small,
	    sizeof(small)), -1);
	assert_string_equal(small, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide_every_change),
		cmocka_unit_test(test_decide_scenarios),
		cmocka_unit_test(test_who),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
