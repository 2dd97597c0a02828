/*
 * Guessing and its answer: the reader's lockout (threshold, window,
 * doubling, forgetting after a day, no extension during a lockout) and
 * the chip's PIN delay (free tries, doubling up to the cap, the alarm
 * once, forgetting), and the policy's expected time to guess a PIN.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lockout.h"

static const struct lockout_cfg cfg = {
	.failures = 5, .window_ms = 30000, .lock_ms = 30000,
	.lock_max_ms = 3600000,
};

static const struct pin_policy pol = {
	.free = 3, .delay_ms = 30000, .delay_max_ms = 3600000,
	.alarm_at = 3, .forget_ms = 24 * 3600 * 1000,
};

#define T0	1700000000000LL

/* Fails n times, 1 s apart from t; returns how many started a lockout. */
static int
fail_n(struct guess *g, int64_t t, int n)
{
	int i, locked = 0;

	for (i = 0; i < n; i++)
		locked += lockout_fail(&cfg, g, t + (int64_t)i * 1000);
	return locked;
}

static void
test_reader_threshold_and_window(void **unused)
{
	struct guess g;

	(void)unused;
	memset(&g, 0, sizeof(g));
	assert_int_equal(fail_n(&g, T0, 4), 0);
	assert_false(guess_blocked(&g, T0 + 4000, cfg.lock_max_ms));
	/* The fifth within 30 s locks for 30 s. */
	assert_true(lockout_fail(&cfg, &g, T0 + 4000));
	assert_true(guess_blocked(&g, T0 + 33999, cfg.lock_max_ms));
	assert_false(guess_blocked(&g, T0 + 34000, cfg.lock_max_ms));
	/* Cards during it neither count nor extend it. */
	assert_int_equal(fail_n(&g, T0 + 5000, 10), 0);
	assert_false(guess_blocked(&g, T0 + 34000, cfg.lock_max_ms));
	/* Four, then a pause past the window: counting starts again. */
	memset(&g, 0, sizeof(g));
	assert_int_equal(fail_n(&g, T0, 4), 0);
	assert_false(lockout_fail(&cfg, &g, T0 + 31000));
}

static void
test_reader_lockouts_double_and_are_forgotten(void **unused)
{
	struct guess g;
	int64_t t = T0;
	int i;

	(void)unused;
	memset(&g, 0, sizeof(g));
	for (i = 0; i < 10; i++) {
		int64_t want = 30000LL << i;

		if (want > cfg.lock_max_ms)
			want = cfg.lock_max_ms;
		assert_int_equal(fail_n(&g, t, 5), 1);
		assert_int_equal(g.until - (t + 4000), want);
		t = g.until;
	}
	/* A day without a lockout: back to 30 s. */
	t += LOCKOUT_DAY_MS;
	assert_int_equal(fail_n(&g, t, 5), 1);
	assert_int_equal(g.until - (t + 4000), 30000);
	/* A grant forgets the failures but not the doubling. */
	memset(&g, 0, sizeof(g));
	assert_int_equal(fail_n(&g, T0, 4), 0);
	lockout_success(&g);
	assert_int_equal(fail_n(&g, T0 + 5000, 4), 0);
}

static void
test_clock_stepped_back(void **unused)
{
	struct guess g;

	(void)unused;
	memset(&g, 0, sizeof(g));
	g.last_at = T0;
	g.until = T0 + 3600000;
	assert_true(guess_blocked(&g, T0 + 1000, 3600000));
	/* A day back in time does not block for a day and an hour. */
	assert_false(guess_blocked(&g, T0 - LOCKOUT_DAY_MS, 3600000));
	/* A block kept in the database is never longer than the longest
	 * the configuration now allows. */
	assert_false(guess_blocked(&g, T0 + 1001, 1000));
}

static void
test_pin_delay_grows_and_alarms_once(void **unused)
{
	struct guess g;
	bool alarm;
	int alarms = 0, i;
	int64_t t = T0, wait;

	(void)unused;
	memset(&g, 0, sizeof(g));
	for (i = 1; i <= 3; i++) {
		assert_int_equal(pin_fail(&pol, &g, t, &alarm), 0);
		alarms += alarm;
	}
	assert_int_equal(alarms, 1);
	assert_true(alarm);		/* the third raised it */
	for (i = 4; i <= 14; i++) {
		wait = pin_fail(&pol, &g, t, &alarm);
		assert_false(alarm);
		assert_int_equal(wait, i - 4 < 7 ? 30000LL << (i - 4) :
		    3600000);
		assert_true(guess_blocked(&g, t + wait - 1, pol.delay_max_ms));
		t += wait;
	}
	/* A day of quiet forgets them: free tries again. */
	t += pol.forget_ms;
	assert_int_equal(pin_fail(&pol, &g, t, &alarm), 0);
	assert_int_equal(g.failures, 1);
}

static void
test_pin_guess_takes_over_thirty_days(void **unused)
{
	double days = pin_guess_seconds(&pol, 4, 2) / 86400.0;

	(void)unused;
	/* (10^4 + 1) / 3 tries; all but the first ten an hour apart. */
	assert_true(days > 30.0);
	assert_true(days > 137.0 && days < 140.0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_threshold_and_window),
		cmocka_unit_test(test_reader_lockouts_double_and_are_forgotten),
		cmocka_unit_test(test_clock_stepped_back),
		cmocka_unit_test(test_pin_delay_grows_and_alarms_once),
		cmocka_unit_test(test_pin_guess_takes_over_thirty_days),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
