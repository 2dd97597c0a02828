/*
 * The safety report's arithmetic: strict dates and periods, the calendar
 * both ways over every day of the years the report accepts, ISO weeks at
 * the turns of the year, journal times and medians.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <time.h>

#include "report_safety.h"

static struct report_date
date(int y, int m, int d)
{
	struct report_date dt = { y, m, d };

	return dt;
}

static void
test_date_parse(void **unused)
{
	static const char *bad[] = { "", "2026-1-01", "2026-01-1",
	    "20260101", "2026/01/01", "2026-01-01T00:00:00Z", "2026-01-01 ",
	    " 2026-01-01", "2026-00-10", "2026-13-01", "2026-02-29",
	    "2026-04-31", "2026-01-00", "1999-12-31", "3000-01-01",
	    "0000-01-01", "2026-0a-01", "+026-01-01", "2026-01-32" };
	struct report_date dt;
	size_t i;

	(void)unused;
	assert_null(report_date_parse("2026-11-23", &dt));
	assert_int_equal(dt.y, 2026);
	assert_int_equal(dt.m, 11);
	assert_int_equal(dt.d, 23);
	assert_null(report_date_parse("2028-02-29", &dt));
	assert_null(report_date_parse("2000-02-29", &dt));
	assert_null(report_date_parse("2999-12-31", &dt));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_non_null(report_date_parse(bad[i], &dt));
	assert_string_equal(report_date_parse("2026-02-30", &dt),
	    "there is no such day in that month");
	assert_string_equal(report_date_parse("2026-13-01", &dt),
	    "there is no such month");
}

static void
test_period(void **unused)
{
	struct report_date a = date(2026, 3, 1), b = date(2026, 2, 28);
	struct report_date leap = date(2028, 2, 29);

	(void)unused;
	assert_null(report_period_check(&a, &a));
	assert_string_equal(report_period_check(&a, &b), "to is before from");
	b = date(2031, 2, 28);
	assert_null(report_period_check(&a, &b));
	b = date(2031, 3, 1);
	assert_string_equal(report_period_check(&a, &b),
	    "a report covers at most 5 years");
	b = date(2033, 2, 28);
	assert_null(report_period_check(&leap, &b));
	b = date(2033, 3, 1);
	assert_non_null(report_period_check(&leap, &b));
}

/* Every day from 2000 to 2999 round-trips and agrees with timegm. */
static void
test_days_against_timegm(void **unused)
{
	struct report_date dt = date(2000, 1, 1), back;
	int64_t days = report_days(&dt), n;
	struct tm tm;
	time_t t;

	(void)unused;
	for (n = 0; dt.y < 3000; n++) {
		report_date_of(days + n, &dt);
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = dt.y - 1900;
		tm.tm_mon = dt.m - 1;
		tm.tm_mday = dt.d;
		t = timegm(&tm);
		assert_int_equal((int64_t)t / 86400, days + n);
		assert_int_equal(report_days(&dt), days + n);
		report_date_add(&dt, 0, &back);
		assert_memory_equal(&back, &dt, sizeof(dt));
		assert_int_equal(report_weekday(&dt),
		    (tm.tm_wday + 6) % 7 + 1);
	}
}

static void
week_is(int y, int m, int d, const char *want)
{
	struct report_date dt = date(y, m, d);
	char buf[16];

	report_week_name(&dt, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

/* The turns of the year where the week's year is not the date's. */
static void
test_iso_weeks(void **unused)
{
	(void)unused;
	week_is(2026, 11, 23, "2026-W48");
	week_is(2026, 11, 22, "2026-W47");
	week_is(2026, 1, 1, "2026-W01");
	week_is(2025, 12, 29, "2026-W01");
	week_is(2027, 1, 1, "2026-W53");
	week_is(2027, 1, 3, "2026-W53");
	week_is(2027, 1, 4, "2027-W01");
	week_is(2021, 1, 3, "2020-W53");
	week_is(2024, 12, 30, "2025-W01");
}

static void
test_weeks_of_a_period(void **unused)
{
	struct report_date from = date(2026, 11, 1), to = date(2026, 11, 30);
	struct report_date day;

	(void)unused;
	/* Sunday 1 November to Monday 30 November: W44 .. W49. */
	assert_int_equal(report_nweeks(&from, &to), 6);
	day = date(2026, 11, 1);
	assert_int_equal(report_week_index(&from, &to, &day), 0);
	day = date(2026, 11, 2);
	assert_int_equal(report_week_index(&from, &to, &day), 1);
	day = date(2026, 11, 30);
	assert_int_equal(report_week_index(&from, &to, &day), 5);
	day = date(2026, 12, 1);
	assert_int_equal(report_week_index(&from, &to, &day), -1);
	day = date(2026, 10, 31);
	assert_int_equal(report_week_index(&from, &to, &day), -1);
	assert_int_equal(report_nweeks(&from, &from), 1);
	to = date(2031, 10, 31);
	assert_int_equal(report_nweeks(&from, &to), 262);
}

static void
test_utc_times(void **unused)
{
	int64_t s;

	(void)unused;
	assert_int_equal(report_utc_secs("2026-11-23T18:40:00.123Z", &s), 0);
	assert_int_equal(s, 1795459200);
	assert_int_equal(report_utc_secs("2026-11-23T18:40:00Z", &s), 0);
	assert_int_equal(s, 1795459200);
	assert_int_equal(report_utc_secs("2026-11-23T18:40:00", &s), -1);
	assert_int_equal(report_utc_secs("2026-11-23T18:40:00.Z", &s), -1);
	assert_int_equal(report_utc_secs("2026-11-23T24:00:00Z", &s), -1);
	assert_int_equal(report_utc_secs("2026-11-23 18:40:00Z", &s), -1);
	assert_int_equal(report_utc_secs("2026-11-23T18:40:00.1Zx", &s), -1);
	assert_int_equal(report_seconds_between("2026-11-23T18:40:00.000Z",
	    "2026-11-23T18:52:30.999Z"), 750);
	assert_int_equal(report_seconds_between("2026-12-31T23:59:00.000Z",
	    "2027-01-01T00:01:00.000Z"), 120);
	/* The milliseconds count: 0.714 s across a second boundary is 0,
	 * 1.9 s is 1, whatever the number of fraction digits. */
	assert_int_equal(report_seconds_between("2026-11-23T18:40:00.900Z",
	    "2026-11-23T18:40:01.614Z"), 0);
	assert_int_equal(report_seconds_between("2026-11-23T18:40:00.5Z",
	    "2026-11-23T18:40:02.4Z"), 1);
	assert_int_equal(report_seconds_between("2026-11-23T18:40:00.123456Z",
	    "2026-11-23T18:40:01.123Z"), 1);
	assert_int_equal(report_seconds_between("2026-11-23T18:40:00.900Z",
	    "2026-11-23T18:40:00.100Z"), -1);
	assert_int_equal(report_seconds_between("2026-11-23T18:40:00.000Z",
	    "2026-11-23T18:39:00.000Z"), -1);
	assert_int_equal(report_seconds_between(NULL,
	    "2026-11-23T18:39:00.000Z"), -1);
}

static void
test_median(void **unused)
{
	int64_t odd[] = { 300, 60, 120 }, even[] = { 10, 40, 20, 31 };
	int64_t one[] = { 7 };

	(void)unused;
	assert_int_equal(report_median(odd, 3), 120);
	assert_int_equal(report_median(even, 4), 25);
	assert_int_equal(report_median(one, 1), 7);
	assert_int_equal(report_median(one, 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_period),
		cmocka_unit_test(test_days_against_timegm),
		cmocka_unit_test(test_iso_weeks),
		cmocka_unit_test(test_weeks_of_a_period),
		cmocka_unit_test(test_utc_times),
		cmocka_unit_test(test_median),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
