/*
 * Occupancy figures worked by hand: the night rule, stays crossing the
 * period's edges, a stay that arrives and leaves on the same day, a
 * current stay counted up to today and never beyond, month splits, leap
 * years, the 14 rooms x 365 days of DESIGN 1, and the calendar helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "occupancy.h"

static int32_t
D(const char *s)
{
	int32_t d = 0;

	assert_int_equal(occ_date_parse(s, &d), 0);
	return d;
}

static struct occ_stay
S(const char *arrival, const char *departure)
{
	struct occ_stay s = { D(arrival), departure != NULL ? D(departure) :
	    OCC_CURRENT };

	return s;
}

static void
assert_figures(const struct occ_figures *f, int64_t available,
    int64_t occupied, int started, int ended, int pct10, int avg10)
{
	assert_int_equal(f->available, available);
	assert_int_equal(f->occupied, occupied);
	assert_int_equal(f->started, started);
	assert_int_equal(f->ended, ended);
	assert_int_equal(occ_pct10(f), pct10);
	assert_int_equal(occ_avg10(f), avg10);
}

static void
test_calendar(void **unused)
{
	int32_t d;
	int y, m, md;
	char buf[16];

	(void)unused;
	assert_int_equal(occ_day(1970, 1, 1), 0);
	assert_int_equal(occ_day(2000, 1, 1), 10957);
	assert_int_equal(occ_day(2000, 3, 1), 10957 + 31 + 29);
	assert_int_equal(occ_day(1969, 12, 31), -1);
	/* Every day from 1900 to 2100 goes there and back. */
	for (d = occ_day(1900, 1, 1); d <= occ_day(2100, 12, 31); d++) {
		occ_ymd(d, &y, &m, &md);
		assert_int_equal(occ_day(y, m, md), d);
		occ_date_format(d, buf, sizeof(buf));
		assert_int_equal(D(buf), d);
	}
	assert_int_equal(occ_days_in_month(2024, 2), 29);
	assert_int_equal(occ_days_in_month(2025, 2), 28);
	assert_int_equal(occ_days_in_month(1900, 2), 28);
	assert_int_equal(occ_days_in_month(2000, 2), 29);
	assert_int_equal(occ_days_in_month(2025, 4), 30);
	assert_int_equal(occ_days_in_month(2025, 13), 0);
}

static void
test_date_parse_strict(void **unused)
{
	static const char *bad[] = {
		"2025-02-30", "2025-02-29", "1900-02-29", "2025-04-31",
		"2025-00-10", "2025-13-01", "2025-01-00", "2025-1-01",
		"2025-01-1", "2025/01/01", "2025-01-01T00:00:00Z",
		"20250101", "tomorrow", "", " 2025-01-01", "2025-01-01 ",
		"+025-01-01", "2025-0a-01", "２025-01-01",
	};
	int32_t d;
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = 42;
		assert_int_equal(occ_date_parse(bad[i], &d), -1);
		assert_int_equal(d, 42);
	}
	assert_int_equal(occ_date_parse(NULL, &d), -1);
	assert_int_equal(D("2024-02-29"), occ_day(2024, 2, 29));
	assert_int_equal(D("2000-02-29"), occ_day(2000, 2, 29));
	assert_int_equal(D("9999-12-31"), occ_day(9999, 12, 31));
	assert_int_equal(D("0001-01-01"), occ_day(1, 1, 1));
}

/* DESIGN 1: 14 rooms for a year are 5,110 room-days; 4,702 occupied is
 * 92 %. */
static void
test_design_year(void **unused)
{
	struct occ_figures months[OCC_MONTHS_MAX], total;
	struct occ_stay st[14];
	int i, n;

	(void)unused;
	/* 12 rooms full all year (stays from before to after it: 4380
	 * room-days) and one room occupied 4702 - 4380 = 322 nights. */
	for (i = 0; i < 12; i++)
		st[i] = S("2024-11-01", "2026-02-01");
	st[12] = S("2025-01-01", NULL);		/* current */
	st[13] = S("2024-06-01", "2024-12-31");	/* before the year */
	/* Day 322 of 2025 is 2025-11-18: nights Jan 1 to Nov 18. */
	st[12].departure = D("2025-11-19");
	n = occ_compute(st, 14, 14, D("2025-01-01"), D("2025-12-31"),
	    D("2026-03-01"), months, OCC_MONTHS_MAX, &total);
	assert_int_equal(n, 12);
	assert_figures(&total, 5110, 12 * 365 + 322, 1, 1, 920, 3220);
	assert_int_equal(total.occupied, 4702);
	assert_figures(&months[0], 14 * 31, 13 * 31, 1, 0, 929, -1);
	assert_figures(&months[1], 14 * 28, 13 * 28, 0, 0, 929, -1);
	/* November: the 13th room's nights end on the 18th, it ended on
	 * the 19th after 322 days. */
	assert_figures(&months[10], 14 * 30, 12 * 30 + 18, 0, 1, 900, 3220);
	assert_figures(&months[11], 14 * 31, 12 * 31, 0, 0, 857, -1);
}

/*
 * Two rooms, January to March 2025, worked by hand:
 *
 *   A 2024-12-20 -> 2025-01-05  across the start: Jan 1-4 (4), ended
 *                               in Jan after 16 days
 *   B 2025-01-31 -> 2025-02-02  Jan 31 (1), Feb 1 (1); 2 days
 *   C 2025-02-10 -> 2025-02-10  same day: 0 room-days, a stay of 0
 *   D 2025-03-30 -> 2025-04-15  across the end: Mar 30-31 (2)
 *   E 2025-02-15 -> current     Feb 15-28 (14), Mar 1-31 (31)
 *
 *   Jan  62 available, 5 occupied (8.1 %), started 1 (B), ended 1 (A,
 *        16 days)
 *   Feb  56, 15 (26.8 %), started 2 (C, E), ended 2 (B, C: 2 + 0 days)
 *   Mar  62, 33 (53.2 %), started 1 (D), ended none
 *   all 180, 53 (29.4 %), started 4, ended 3 (18 days, 6.0 on average)
 */
static void
test_months_by_hand(void **unused)
{
	struct occ_figures m[OCC_MONTHS_MAX], t;
	struct occ_stay st[] = {
		S("2024-12-20", "2025-01-05"), S("2025-01-31", "2025-02-02"),
		S("2025-02-10", "2025-02-10"), S("2025-03-30", "2025-04-15"),
		S("2025-02-15", NULL),
		/* Outside the period altogether. */
		S("2024-01-01", "2024-12-31"), S("2025-04-01", NULL),
	};

	(void)unused;
	assert_int_equal(occ_compute(st, 7, 2, D("2025-01-01"),
	    D("2025-03-31"), D("2025-12-31"), m, OCC_MONTHS_MAX, &t), 3);
	assert_figures(&m[0], 62, 5, 1, 1, 81, 160);
	assert_figures(&m[1], 56, 15, 2, 2, 268, 10);
	assert_figures(&m[2], 62, 33, 1, 0, 532, -1);
	assert_figures(&t, 180, 53, 4, 3, 294, 60);
	assert_int_equal(m[0].first, D("2025-01-01"));
	assert_int_equal(m[0].last, D("2025-01-31"));
	assert_int_equal(m[1].last, D("2025-02-28"));
	assert_int_equal(t.completed_days, 18);
}

/* A period that starts and ends inside months: the edge months are cut
 * to the period, and so is their available count. */
static void
test_partial_months(void **unused)
{
	struct occ_figures m[OCC_MONTHS_MAX], t;
	struct occ_stay st[] = {
		/* Leaves on the period's first day: no night in it, but
		 * the stay ended in it (31 days). */
		S("2024-12-16", "2025-01-16"),
		/* Arrives on the period's last day: one night, started. */
		S("2025-02-10", NULL),
	};

	(void)unused;
	assert_int_equal(occ_compute(st, 2, 3, D("2025-01-16"),
	    D("2025-02-10"), D("2025-06-01"), m, OCC_MONTHS_MAX, &t), 2);
	assert_figures(&m[0], 3 * 16, 0, 0, 1, 0, 310);
	assert_figures(&m[1], 3 * 10, 1, 1, 0, 33, -1);
	assert_figures(&t, 3 * 26, 1, 1, 1, 13, 310);
}

/* Today inside the period: later days are neither available nor
 * occupied; a stay arriving tomorrow has not started. */
static void
test_today_caps(void **unused)
{
	struct occ_figures m[OCC_MONTHS_MAX], t;
	struct occ_stay st[] = {
		S("2025-06-05", NULL),			/* 5th to 10th: 6 */
		S("2025-06-11", NULL),			/* tomorrow */
		S("2025-05-20", "2025-06-03"),		/* June 1-2: 2 */
	};

	(void)unused;
	assert_int_equal(occ_compute(st, 3, 3, D("2025-06-01"),
	    D("2025-07-31"), D("2025-06-10"), m, OCC_MONTHS_MAX, &t), 2);
	assert_figures(&m[0], 30, 8, 1, 1, 267, 140);
	/* July has not happened: nothing to compute a percentage of. */
	assert_figures(&m[1], 0, 0, 0, 0, -1, -1);
	assert_figures(&t, 30, 8, 1, 1, 267, 140);
	/* Today itself is a night of a current stay. */
	assert_int_equal(occ_compute(st, 1, 1, D("2025-06-10"),
	    D("2025-06-10"), D("2025-06-10"), m, OCC_MONTHS_MAX, &t), 1);
	assert_figures(&t, 1, 1, 0, 0, 1000, -1);
}

/* February of a leap year has 29 nights, and 2024 has 366 days. */
static void
test_leap_year(void **unused)
{
	struct occ_figures m[OCC_MONTHS_MAX], t;
	struct occ_stay st[] = {
		S("2024-02-28", "2024-03-02"),		/* Feb 28, 29; Mar 1 */
		S("2023-12-31", "2025-01-02"),		/* the whole year */
	};

	(void)unused;
	assert_int_equal(occ_compute(st, 2, 2, D("2024-02-01"),
	    D("2024-03-31"), D("2025-01-01"), m, OCC_MONTHS_MAX, &t), 2);
	assert_figures(&m[0], 2 * 29, 2 + 29, 1, 0, 534, -1);
	assert_figures(&m[1], 2 * 31, 1 + 31, 0, 1, 516, 30);
	assert_int_equal(occ_compute(st + 1, 1, 14, D("2024-01-01"),
	    D("2024-12-31"), D("2025-01-01"), m, OCC_MONTHS_MAX, &t), 12);
	assert_figures(&t, 14 * 366, 366, 0, 0, 71, -1);
	assert_figures(&m[1], 14 * 29, 29, 0, 0, 71, -1);
}

static void
test_period_limits(void **unused)
{
	struct occ_figures m[OCC_MONTHS_MAX], t;
	int32_t today = D("2031-01-01");

	(void)unused;
	assert_int_equal(occ_compute(NULL, 0, 1, D("2025-02-01"),
	    D("2025-01-31"), today, m, OCC_MONTHS_MAX, &t), -1);
	/* Ten years with three leap days is the most. */
	assert_int_equal(occ_compute(NULL, 0, 1, D("2020-01-01"),
	    D("2029-12-31"), today, m, OCC_MONTHS_MAX, &t), 120);
	assert_int_equal(t.available, 3653);
	assert_int_equal(occ_compute(NULL, 0, 1, D("2020-01-01"),
	    D("2030-01-01"), today, m, OCC_MONTHS_MAX, &t), -1);
	/* Not enough room for the months. */
	assert_int_equal(occ_compute(NULL, 0, 1, D("2025-01-01"),
	    D("2025-03-01"), today, m, 2, &t), -1);
	/* One day, no rooms: nothing available. */
	assert_int_equal(occ_compute(NULL, 0, 0, D("2025-01-01"),
	    D("2025-01-01"), today, m, 1, &t), 1);
	assert_figures(&t, 0, 0, 0, 0, -1, -1);
}

/* Whatever the stays, the months add up to the whole period. */
static void
test_months_add_up(void **unused)
{
	struct occ_figures m[OCC_MONTHS_MAX], t, sum;
	struct occ_stay st[200];
	int32_t from = D("2023-11-17"), to = D("2025-03-09");
	int32_t today = D("2025-02-20");
	int i, n;

	(void)unused;
	srand(5);
	for (i = 0; i < 200; i++) {
		st[i].arrival = from - 60 + rand() % 560;
		st[i].departure = rand() % 5 == 0 ? OCC_CURRENT :
		    st[i].arrival + rand() % 200;
		if (st[i].departure != OCC_CURRENT && st[i].departure > today)
			st[i].departure = today;
	}
	n = occ_compute(st, 200, 14, from, to, today, m, OCC_MONTHS_MAX, &t);
	assert_int_equal(n, 17);
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < n; i++) {
		sum.available += m[i].available;
		sum.occupied += m[i].occupied;
		sum.started += m[i].started;
		sum.ended += m[i].ended;
		sum.completed_days += m[i].completed_days;
		if (i > 0)
			assert_int_equal(m[i].first, m[i - 1].last + 1);
	}
	assert_int_equal(sum.available, t.available);
	assert_int_equal(sum.occupied, t.occupied);
	assert_int_equal(sum.started, t.started);
	assert_int_equal(sum.ended, t.ended);
	assert_int_equal(sum.completed_days, t.completed_days);
	assert_true(t.occupied > 0 && t.occupied <= t.available * 200 / 14);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_date_parse_strict),
		cmocka_unit_test(test_design_year),
		cmocka_unit_test(test_months_by_hand),
		cmocka_unit_test(test_partial_months),
		cmocka_unit_test(test_today_caps),
		cmocka_unit_test(test_leap_year),
		cmocka_unit_test(test_period_limits),
		cmocka_unit_test(test_months_add_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
