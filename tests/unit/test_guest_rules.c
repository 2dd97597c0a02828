/*
 * The house guest rules: every reason code alone and together, which
 * denials staff may override, windows across midnight, the local wall
 * clock across Copenhagen's daylight-saving changes, agreement validity
 * edges and the guest limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <setjmp.h>
#include <cmocka.h>

#include "guest_rules.h"

#define MON 0
#define SAT 5
#define SUN 6
#define HM(h, m)	((h) * 60 + (m))

static struct access_window hours[ACCESS_WINDOWS_MAX];
static struct guest_house house;
static struct guest_agreement ag;
static struct guest_query q;

/* The reference building's rules, an open agreement, Monday 2026-11-23
 * at 14:00 with nobody inside. */
static int
setup(void **unused)
{
	(void)unused;
	house.hours = hours;
	house.nhours = access_windows_parse("mon-sun 10:00-20:00", hours,
	    ACCESS_WINDOWS_MAX, NULL);
	assert_int_equal(house.nhours, 1);
	house.max_guests = 2;
	house.without_agreement = false;
	memset(&ag, 0, sizeof(ag));
	memset(&q, 0, sizeof(q));
	q.agreement = &ag;
	q.weekday = MON;
	q.minute = HM(14, 0);
	q.date = 20261123;
	return 0;
}

static unsigned
eval(struct guest_verdict *v)
{
	guest_rules_eval(&house, &q, v);
	assert_int_equal(v->allow, v->reasons == 0);
	return v->reasons;
}

static void
test_allow(void **unused)
{
	struct guest_verdict v;

	(void)unused;
	assert_int_equal(eval(&v), 0);
	assert_true(v.allow);
	assert_false(v.overridable);
}

/* Each reason alone, and whether staff may override it. */
static void
test_each_reason(void **unused)
{
	struct guest_verdict v;

	(void)unused;
	q.fire = true;
	assert_int_equal(eval(&v), GUEST_FIRE);
	assert_false(v.overridable);
	setup(NULL);
	q.lockdown = true;
	assert_int_equal(eval(&v), GUEST_LOCKDOWN);
	assert_false(v.overridable);
	setup(NULL);
	q.blocklisted = true;
	assert_int_equal(eval(&v), GUEST_BLOCKLISTED);
	assert_false(v.overridable);
	setup(NULL);
	q.minute = HM(21, 0);
	assert_int_equal(eval(&v), GUEST_OUTSIDE_HOURS);
	assert_true(v.overridable);
	setup(NULL);
	ag.valid_to = 20261122;
	assert_int_equal(eval(&v), GUEST_EXPIRED);
	assert_true(v.overridable);
	setup(NULL);
	q.inside = 2;
	assert_int_equal(eval(&v), GUEST_MAX_GUESTS);
	assert_true(v.overridable);
	setup(NULL);
	q.agreement = NULL;
	assert_int_equal(eval(&v), GUEST_NO_AGREEMENT);
	assert_false(v.overridable);	/* without_agreement = no */
	house.without_agreement = true;
	assert_int_equal(eval(&v), GUEST_NO_AGREEMENT);
	assert_true(v.overridable);
}

/* All reasons at once are all listed; one hard reason makes the whole
 * denial final. */
static void
test_all_reasons(void **unused)
{
	struct guest_verdict v;
	unsigned bit;
	int n = 0;

	(void)unused;
	q.fire = q.lockdown = q.blocklisted = true;
	q.minute = HM(23, 0);
	ag.valid_from = 20261201;
	q.inside = 5;
	assert_int_equal(eval(&v), GUEST_FIRE | GUEST_LOCKDOWN |
	    GUEST_BLOCKLISTED | GUEST_EXPIRED | GUEST_OUTSIDE_HOURS |
	    GUEST_MAX_GUESTS);
	assert_false(v.overridable);
	q.fire = q.lockdown = false;
	assert_false((eval(&v), v.overridable));	/* blocklisted alone */
	q.blocklisted = false;
	assert_true((eval(&v), v.overridable));
	q.agreement = NULL;
	assert_int_equal(eval(&v), GUEST_NO_AGREEMENT | GUEST_OUTSIDE_HOURS |
	    GUEST_MAX_GUESTS);
	for (bit = 1; bit < 1u << GUEST_NREASONS; bit <<= 1, n++)
		assert_int_equal(guest_reason_bit(guest_reason_name(bit)), bit);
	assert_int_equal(n, 7);
	assert_string_equal(guest_reason_name(GUEST_EXPIRED),
	    "agreement_expired");
	assert_null(guest_reason_name(GUEST_FIRE | GUEST_LOCKDOWN));
	assert_int_equal(guest_reason_bit("staff_decision"), 0);
}

/* First and last valid day are valid; the days outside are not. */
static void
test_validity_edges(void **unused)
{
	struct guest_verdict v;

	(void)unused;
	ag.valid_from = 20261123;
	ag.valid_to = 20261130;
	q.date = 20261122;
	assert_int_equal(eval(&v), GUEST_EXPIRED);	/* not yet valid */
	q.date = 20261123;
	assert_int_equal(eval(&v), 0);
	q.date = 20261130;
	assert_int_equal(eval(&v), 0);
	q.date = 20261201;
	assert_int_equal(eval(&v), GUEST_EXPIRED);
	ag.valid_from = ag.valid_to = 20261231;		/* one day */
	q.date = 20261231;
	assert_int_equal(eval(&v), 0);
	q.date = 20270101;
	assert_int_equal(eval(&v), GUEST_EXPIRED);
	ag.valid_from = 0;				/* open start */
	q.date = 19991231;
	assert_int_equal(eval(&v), 0);
}

/* The visiting hours' edges: from is inside, to is not. */
static void
test_hours_edges(void **unused)
{
	struct guest_verdict v;

	(void)unused;
	q.minute = HM(9, 59);
	assert_int_equal(eval(&v), GUEST_OUTSIDE_HOURS);
	q.minute = HM(10, 0);
	assert_int_equal(eval(&v), 0);
	q.minute = HM(19, 59);
	assert_int_equal(eval(&v), 0);
	q.minute = HM(20, 0);
	assert_int_equal(eval(&v), GUEST_OUTSIDE_HOURS);
}

/* A house with evening visits across midnight, and an agreement whose
 * own windows narrow the visiting hours. */
static void
test_across_midnight(void **unused)
{
	struct access_window w[ACCESS_WINDOWS_MAX];
	struct guest_verdict v;

	(void)unused;
	house.nhours = access_windows_parse("fri,sat 18:00-02:00; "
	    "mon-sun 10:00-18:00", hours, ACCESS_WINDOWS_MAX, NULL);
	assert_int_equal(house.nhours, 2);
	q.weekday = SAT;
	q.minute = HM(1, 30);		/* the small hours of Friday night */
	assert_int_equal(eval(&v), 0);
	q.weekday = SUN;		/* Saturday night */
	assert_int_equal(eval(&v), 0);
	q.weekday = MON;		/* Sunday night is not an evening */
	assert_int_equal(eval(&v), GUEST_OUTSIDE_HOURS);
	q.weekday = SAT;
	q.minute = HM(2, 0);
	assert_int_equal(eval(&v), GUEST_OUTSIDE_HOURS);

	/* The agreement: weekday afternoons only. */
	ag.nwindows = access_windows_parse("mon-fri 14:00-16:00", w,
	    ACCESS_WINDOWS_MAX, NULL);
	ag.windows = w;
	q.weekday = MON;
	q.minute = HM(15, 0);
	assert_int_equal(eval(&v), 0);
	q.minute = HM(12, 0);		/* visiting hours, not hers */
	assert_int_equal(eval(&v), GUEST_OUTSIDE_HOURS);
	assert_true(v.overridable);
	q.weekday = SAT;
	q.minute = HM(15, 0);
	assert_int_equal(eval(&v), GUEST_OUTSIDE_HOURS);
	/* Her window outside the house's hours does not widen them. */
	ag.nwindows = access_windows_parse("mon-sun 22:00-09:00", w,
	    ACCESS_WINDOWS_MAX, NULL);
	q.weekday = MON;
	q.minute = HM(8, 0);
	assert_int_equal(eval(&v), GUEST_OUTSIDE_HOURS);
}

/* The guest limit counts the stay's visitors; none known: not counted. */
static void
test_max_guests(void **unused)
{
	struct guest_verdict v;

	(void)unused;
	q.inside = 1;
	assert_int_equal(eval(&v), 0);
	q.inside = 2;
	assert_int_equal(eval(&v), GUEST_MAX_GUESTS);
	q.inside = 3;
	assert_int_equal(eval(&v), GUEST_MAX_GUESTS);
	house.max_guests = 3;
	q.inside = 2;
	assert_int_equal(eval(&v), 0);
	q.inside = -1;
	assert_int_equal(eval(&v), 0);
}

/* A UTC instant as the local weekday, minute and date in Copenhagen,
 * the way guest.c converts the clock (the daemon sets TZ). */
static void
local_at(const char *utc)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(utc, "%Y-%m-%dT%H:%M:%SZ", &tm));
	t = timegm(&tm);
	assert_non_null(localtime_r(&t, &tm));
	q.weekday = (tm.tm_wday + 6) % 7;
	q.minute = tm.tm_hour * 60 + tm.tm_min;
	q.date = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
	    tm.tm_mday;
}

static unsigned
eval_at(const char *utc)
{
	struct guest_verdict v;

	local_at(utc);
	return eval(&v);
}

/*
 * 10:00-20:00 decides by the wall clock on both sides of a change: the
 * same UTC hour is inside on one side and outside on the other.
 */
static void
test_daylight_saving(void **unused)
{
	(void)unused;
	setenv("TZ", "Europe/Copenhagen", 1);
	tzset();
	/* Spring: 2026-03-29 01:00Z, 02:00 CET becomes 03:00 CEST. */
	assert_int_equal(eval_at("2026-03-28T18:30:00Z"), 0);	/* 19:30 */
	assert_int_equal(eval_at("2026-03-29T18:30:00Z"),	/* 20:30 */
	    GUEST_OUTSIDE_HOURS);
	assert_int_equal(q.minute, HM(20, 30));
	assert_int_equal(eval_at("2026-03-28T08:30:00Z"),	/* 09:30 */
	    GUEST_OUTSIDE_HOURS);
	assert_int_equal(eval_at("2026-03-29T08:30:00Z"), 0);	/* 10:30 */
	assert_int_equal(q.date, 20260329);
	assert_int_equal(q.weekday, SUN);
	assert_int_equal(eval_at("2026-03-29T00:59:00Z"),	/* 01:59 */
	    GUEST_OUTSIDE_HOURS);
	local_at("2026-03-29T01:00:00Z");
	assert_int_equal(q.minute, HM(3, 0));
	/* Autumn: 2026-10-25 01:00Z, 03:00 CEST becomes 02:00 CET. */
	assert_int_equal(eval_at("2026-10-24T18:30:00Z"),	/* 20:30 */
	    GUEST_OUTSIDE_HOURS);
	assert_int_equal(eval_at("2026-10-25T18:30:00Z"), 0);	/* 19:30 */
	assert_int_equal(eval_at("2026-10-24T08:30:00Z"), 0);	/* 10:30 */
	assert_int_equal(eval_at("2026-10-25T08:30:00Z"),	/* 09:30 */
	    GUEST_OUTSIDE_HOURS);
	assert_int_equal(q.minute, HM(9, 30));
	local_at("2026-10-25T00:30:00Z");			/* 02:30 CEST */
	assert_int_equal(q.minute, HM(2, 30));
	local_at("2026-10-25T01:30:00Z");			/* 02:30 CET */
	assert_int_equal(q.minute, HM(2, 30));
	/* The last valid day of an agreement ends at local midnight. */
	ag.valid_to = 20261025;
	assert_int_equal(eval_at("2026-10-25T18:30:00Z"), 0);
	assert_int_equal(eval_at("2026-10-25T23:30:00Z"),	/* 00:30 */
	    GUEST_EXPIRED | GUEST_OUTSIDE_HOURS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_allow, setup),
		cmocka_unit_test_setup(test_each_reason, setup),
		cmocka_unit_test_setup(test_all_reasons, setup),
		cmocka_unit_test_setup(test_validity_edges, setup),
		cmocka_unit_test_setup(test_hours_edges, setup),
		cmocka_unit_test_setup(test_across_midnight, setup),
		cmocka_unit_test_setup(test_max_guests, setup),
		cmocka_unit_test_setup(test_daylight_saving, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
