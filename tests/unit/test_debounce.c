/*
 * Contact debounce: a level is accepted only after it has held for the
 * debounce time, bounces never come through, a repeated level does not
 * restart the clock, and 0 ms accepts every change at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "debounce.h"

/* A clean change is accepted exactly debounce_ms after its edge. */
static void
test_settles(void **unused)
{
	struct debounce d;
	uint64_t at = 0;
	int level = -1;

	(void)unused;
	debounce_init(&d, 0, 20);
	assert_int_equal(debounce_deadline(&d), 0);
	assert_int_equal(debounce_edge(&d, 1, 1000), 0);
	assert_int_equal(debounce_deadline(&d), 1020);
	assert_int_equal(debounce_poll(&d, 1019, &level, &at), 0);
	assert_int_equal(debounce_poll(&d, 1020, &level, &at), 1);
	assert_int_equal(level, 1);
	assert_int_equal(at, 1000);
	assert_int_equal(debounce_deadline(&d), 0);
	assert_int_equal(debounce_poll(&d, 5000, &level, &at), 0);
}

/* Contact bounce: every edge restarts the settling time. */
static void
test_bounce_restarts(void **unused)
{
	struct debounce d;
	uint64_t at = 0;
	int level = -1;

	(void)unused;
	debounce_init(&d, 0, 20);
	debounce_edge(&d, 1, 1000);
	debounce_edge(&d, 0, 1003);
	debounce_edge(&d, 1, 1007);
	debounce_edge(&d, 0, 1009);
	debounce_edge(&d, 1, 1012);
	assert_int_equal(debounce_poll(&d, 1025, &level, &at), 0);
	assert_int_equal(debounce_deadline(&d), 1032);
	assert_int_equal(debounce_poll(&d, 1032, &level, &at), 1);
	assert_int_equal(level, 1);
	assert_int_equal(at, 1012);
}

/* A glitch that returns to the accepted level is never reported. */
static void
test_glitch_hidden(void **unused)
{
	struct debounce d;
	uint64_t at = 0;
	int level = -1;

	(void)unused;
	debounce_init(&d, 1, 20);
	debounce_edge(&d, 0, 500);
	debounce_edge(&d, 1, 505);
	assert_int_equal(debounce_deadline(&d), 0);
	assert_int_equal(debounce_poll(&d, 10000, &level, &at), 0);
	assert_int_equal(level, -1);
}

/* The same level seen again is not an edge and keeps the first time. */
static void
test_repeat_keeps_time(void **unused)
{
	struct debounce d;
	uint64_t at = 0;
	int level = -1;

	(void)unused;
	debounce_init(&d, 0, 20);
	debounce_edge(&d, 1, 100);
	debounce_edge(&d, 1, 115);
	assert_int_equal(debounce_deadline(&d), 120);
	assert_int_equal(debounce_poll(&d, 120, &level, &at), 1);
	assert_int_equal(at, 100);
}

/* 0 ms: each change is accepted by the edge itself, repeats are not. */
static void
test_zero_ms(void **unused)
{
	struct debounce d;
	uint64_t at = 0;
	int level = -1;

	(void)unused;
	debounce_init(&d, 0, 0);
	assert_int_equal(debounce_edge(&d, 1, 10), 1);
	assert_int_equal(debounce_edge(&d, 1, 11), 0);
	assert_int_equal(debounce_edge(&d, 0, 12), 1);
	assert_int_equal(debounce_deadline(&d), 0);
	assert_int_equal(debounce_poll(&d, 100, &level, &at), 0);
}

/* Any non-zero level counts as 1, so a raw register value works too. */
static void
test_levels_normalised(void **unused)
{
	struct debounce d;
	uint64_t at = 0;
	int level = -1;

	(void)unused;
	debounce_init(&d, 7, 20);
	assert_int_equal(d.stable, 1);
	debounce_edge(&d, 0, 0);
	debounce_edge(&d, 5, 3);
	assert_int_equal(debounce_deadline(&d), 0);
	debounce_edge(&d, 0, 4);
	assert_int_equal(debounce_poll(&d, 24, &level, &at), 1);
	assert_int_equal(level, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settles),
		cmocka_unit_test(test_bounce_restarts),
		cmocka_unit_test(test_glitch_hidden),
		cmocka_unit_test(test_repeat_keeps_time),
		cmocka_unit_test(test_zero_ms),
		cmocka_unit_test(test_levels_normalised),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
