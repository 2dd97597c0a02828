/*
 * Wiegand line supervision: a data line held low and silent for
 * READER_LINE_STUCK_MS (two samples) is a reader fault, raised once and
 * cleared when the line reads high; a sample that lands in a pulse, or a
 * whole card read, never raises it.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "reader_line.h"

#define T	READER_LINE_CHECK_MS

/* D0 shorted: found low at 1000, in fault at the next sample, clear when
 * high. */
static void
test_held_low_raises_and_clears(void **unused)
{
	struct reader_line r = { { 0, 0 }, 0 };

	(void)unused;
	assert_false(reader_line_sample(&r, 0, 750));
	assert_false(reader_line_sample(&r, 1, 1000));
	assert_false(reader_line_fault(&r));
	/* A sample that comes early (the loop ran ahead) does not count. */
	assert_false(reader_line_sample(&r, 1, 1000 + READER_LINE_STUCK_MS -
	    1));
	assert_true(reader_line_sample(&r, 1, 1000 + T));
	assert_true(reader_line_fault(&r));
	assert_string_equal(reader_line_reason(&r), "D0 held low");
	/* Still low: no second report. */
	assert_false(reader_line_sample(&r, 1, 2000));
	assert_false(reader_line_sample(&r, 1, 9000));
	/* D1 joins: the fault is the same fault, its reason says both. */
	assert_false(reader_line_sample(&r, 3, 9250));
	assert_false(reader_line_sample(&r, 3, 9500));
	assert_string_equal(reader_line_reason(&r), "D0 and D1 held low");
	/* D0 mended, D1 still low: still in fault. */
	assert_false(reader_line_sample(&r, 2, 10000));
	assert_string_equal(reader_line_reason(&r), "D1 held low");
	assert_true(reader_line_sample(&r, 0, 10250));
	assert_false(reader_line_fault(&r));
	assert_string_equal(reader_line_reason(&r), "");
}

/*
 * A healthy reader sending cards: samples that land in pulses find a line
 * low, but every pulse is a bit, and a bit restarts that line's count.
 */
static void
test_pulses_are_not_a_fault(void **unused)
{
	struct reader_line r = { { 0, 0 }, 0 };
	uint64_t t;

	(void)unused;
	for (t = 1000; t < 60000; t += T) {
		assert_false(reader_line_sample(&r, 1, t));
		reader_line_bit(&r, 0);
		assert_false(reader_line_sample(&r, 2, t + 1));
		reader_line_bit(&r, 1);
	}
	assert_false(reader_line_fault(&r));
}

/* One low sample between highs is never a fault, however long apart. */
static void
test_low_must_last(void **unused)
{
	struct reader_line r = { { 0, 0 }, 0 };

	(void)unused;
	assert_false(reader_line_sample(&r, 1, 1000));
	assert_false(reader_line_sample(&r, 0, 1000 + T));
	assert_false(reader_line_sample(&r, 1, 100000));
	assert_false(reader_line_sample(&r, 0, 100000 + T));
	assert_false(reader_line_sample(&r, 1, 100000 + 2 * T));
	assert_false(reader_line_sample(&r, 1, 100000 + 3 * T - 1));
	assert_true(reader_line_sample(&r, 1, 100000 + 3 * T));
}

/* A line that shorts right at the monotonic epoch is still timed. */
static void
test_time_zero(void **unused)
{
	struct reader_line r = { { 0, 0 }, 0 };

	(void)unused;
	assert_false(reader_line_sample(&r, 2, 0));
	assert_true(reader_line_sample(&r, 2, READER_LINE_STUCK_MS + 1));
	assert_string_equal(reader_line_reason(&r), "D1 held low");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_low_raises_and_clears),
		cmocka_unit_test(test_pulses_are_not_a_fault),
		cmocka_unit_test(test_low_must_last),
		cmocka_unit_test(test_time_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
