/*
 * Reader lockout: the threshold, the sliding window at its edge, the fixed
 * length of a lockout under continued attempts, and success forgetting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lockout.h"

static const struct lockout_cfg cfg = {
	.failures = 5, .window_ms = 30000, .lock_ms = 30000,
};

/* Fails n times, 1 s apart from t; returns how many started a lockout. */
static int
fail_n(const struct lockout_cfg *c, struct lockout *lo, uint64_t t, int n)
{
	int i, locked = 0;

	for (i = 0; i < n; i++)
		locked += lockout_fail(c, lo, t + (uint64_t)i * 1000);
	return locked;
}

static void
test_threshold(void **unused)
{
	struct lockout lo;

	(void)unused;
	lockout_init(&lo);
	assert_false(lockout_active(&lo, 0));
	assert_int_equal(fail_n(&cfg, &lo, 1000, 4), 0);
	assert_false(lockout_active(&lo, 4000));
	assert_true(lockout_fail(&cfg, &lo, 5000));
	assert_true(lockout_active(&lo, 5000));
	assert_true(lockout_active(&lo, 5000 + 30000 - 1));
	assert_false(lockout_active(&lo, 5000 + 30000));
}

/* A failure exactly window_ms old no longer counts. */
static void
test_window_edge(void **unused)
{
	struct lockout lo;

	(void)unused;
	lockout_init(&lo);
	fail_n(&cfg, &lo, 1000, 4);
	assert_true(lockout_fail(&cfg, &lo, 1000 + 30000 - 1));

	lockout_init(&lo);
	fail_n(&cfg, &lo, 1000, 4);
	assert_false(lockout_fail(&cfg, &lo, 1000 + 30000));
	assert_false(lockout_active(&lo, 1000 + 30000));
	/* The window slides: 2000..4000 and 31000 are four, one more locks. */
	assert_true(lockout_fail(&cfg, &lo, 1000 + 30001));
}

/* Slow guessing, one failure per window, never locks. */
static void
test_slow_failures(void **unused)
{
	struct lockout lo;
	int i;

	(void)unused;
	lockout_init(&lo);
	for (i = 0; i < 1000; i++)
		assert_false(lockout_fail(&cfg, &lo, (uint64_t)i * 7600));
}

/* Attempts during a lockout neither extend it nor count afterwards. */
static void
test_no_extension(void **unused)
{
	struct lockout lo;
	uint64_t t;

	(void)unused;
	lockout_init(&lo);
	assert_int_equal(fail_n(&cfg, &lo, 1000, 5), 1);
	for (t = 5001; t < 35000; t += 100)
		assert_false(lockout_fail(&cfg, &lo, t));
	assert_true(lockout_active(&lo, 34999));
	assert_false(lockout_active(&lo, 35000));
	assert_int_equal(fail_n(&cfg, &lo, 35000, 4), 0);
	assert_false(lockout_active(&lo, 38000));
	assert_true(lockout_fail(&cfg, &lo, 39000));
	assert_true(lockout_active(&lo, 39000));
}

static void
test_success_clears(void **unused)
{
	struct lockout lo;

	(void)unused;
	lockout_init(&lo);
	fail_n(&cfg, &lo, 1000, 4);
	lockout_success(&lo);
	assert_int_equal(fail_n(&cfg, &lo, 5000, 4), 0);
	assert_true(lockout_fail(&cfg, &lo, 9000));
	/* A success does not cut a running lockout short. */
	lockout_success(&lo);
	assert_true(lockout_active(&lo, 9001));
}

static void
test_threshold_bounds(void **unused)
{
	struct lockout_cfg c = cfg;
	struct lockout lo;

	(void)unused;
	c.failures = 1;
	lockout_init(&lo);
	assert_true(lockout_fail(&c, &lo, 100));

	c.failures = 0;
	lockout_init(&lo);
	assert_true(lockout_fail(&c, &lo, 100));

	c.failures = LOCKOUT_MAX_FAILURES;
	c.window_ms = 1000000;
	lockout_init(&lo);
	assert_int_equal(fail_n(&c, &lo, 1000, LOCKOUT_MAX_FAILURES - 1), 0);
	assert_true(lockout_fail(&c, &lo, 900000));

	c.failures = 1000;
	lockout_init(&lo);
	assert_int_equal(fail_n(&c, &lo, 1000, LOCKOUT_MAX_FAILURES), 1);
}

/* The ring wraps many times without losing count. */
static void
test_ring_wraps(void **unused)
{
	struct lockout_cfg c = { .failures = 3, .window_ms = 2500,
	    .lock_ms = 100 };
	struct lockout lo;
	uint64_t t = 0;
	int i;

	(void)unused;
	lockout_init(&lo);
	for (i = 0; i < 500; i++) {
		/* Two close failures, then a pause longer than the window. */
		assert_false(lockout_fail(&c, &lo, t));
		assert_false(lockout_fail(&c, &lo, t + 1000));
		t += 1000 + 2500;
	}
	assert_false(lockout_fail(&c, &lo, t));
	assert_false(lockout_fail(&c, &lo, t + 1));
	assert_true(lockout_fail(&c, &lo, t + 2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_window_edge),
		cmocka_unit_test(test_slow_failures),
		cmocka_unit_test(test_no_extension),
		cmocka_unit_test(test_success_clears),
		cmocka_unit_test(test_threshold_bounds),
		cmocka_unit_test(test_ring_wraps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
