/*
 * Credential rules: every reason and the order between them, validity
 * edges, lockdown, PIN and duress, zones, and weekly windows including the
 * nights that cross midnight and the week's end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "access.h"

enum { MON, TUE, WED, THU, FRI, SAT, SUN };

#define HM(h, m)	((h) * 60 + (m))

/* A resident's chip valid [1000, 2000] for "entrance,room-101". */
static struct access_cred
resident(void)
{
	struct access_cred c;

	memset(&c, 0, sizeof(c));
	c.id = 7;
	strcpy(c.holder, "stay:3");
	strcpy(c.zones, "entrance,room-101");
	c.valid_from = 1000;
	c.valid_to = 2000;
	return c;
}

/* A request at the entrance, Wednesday noon, at t = 1500. */
static struct access_request
request(void)
{
	struct access_request r;

	memset(&r, 0, sizeof(r));
	r.zone = "entrance";
	r.now = 1500;
	r.weekday = WED;
	r.minute = HM(12, 0);
	return r;
}

static enum access_reason
decide(const struct access_cred *c, const struct access_request *r)
{
	bool duress = true;
	enum access_reason why;

	why = access_decide(c, r, &duress);
	assert_false(duress);
	return why;
}

static void
test_ok(void **unused)
{
	struct access_cred c = resident();
	struct access_request r = request();

	(void)unused;
	assert_int_equal(decide(&c, &r), ACCESS_OK);
	r.zone = "room-101";
	assert_int_equal(decide(&c, &r), ACCESS_OK);
}

static void
test_each_reason(void **unused)
{
	struct access_cred c = resident();
	struct access_request r = request();

	(void)unused;
	r.locked_out = true;
	assert_int_equal(decide(&c, &r), ACCESS_LOCKED_OUT);
	r = request();
	assert_int_equal(decide(NULL, &r), ACCESS_UNKNOWN);
	c.revoked = true;
	assert_int_equal(decide(&c, &r), ACCESS_REVOKED);
	c = resident();
	r.now = 999;
	assert_int_equal(decide(&c, &r), ACCESS_NOT_YET_VALID);
	r.now = 2001;
	assert_int_equal(decide(&c, &r), ACCESS_EXPIRED);
	r = request();
	r.lockdown = true;
	assert_int_equal(decide(&c, &r), ACCESS_LOCKDOWN);
	r = request();
	r.zone = "room-102";
	assert_int_equal(decide(&c, &r), ACCESS_ZONE);
	r = request();
	c.nwindows = 1;
	c.windows[0] = (struct access_window){ 1 << SAT, HM(10, 0), HM(14, 0) };
	assert_int_equal(decide(&c, &r), ACCESS_WINDOW);
	c = resident();
	r.pin_required = true;
	assert_int_equal(decide(&c, &r), ACCESS_PIN_REQUIRED);
	r.pin = ACCESS_PIN_WRONG;
	assert_int_equal(decide(&c, &r), ACCESS_BAD_PIN);
}

/* With everything wrong at once, each check wins over the later ones. */
static void
test_order(void **unused)
{
	struct access_cred c = resident();
	struct access_request r = request();
	static const enum access_reason order[] = {
		ACCESS_LOCKED_OUT, ACCESS_REVOKED, ACCESS_NOT_YET_VALID,
		ACCESS_LOCKDOWN, ACCESS_ZONE, ACCESS_WINDOW, ACCESS_BAD_PIN,
		ACCESS_OK,
	};
	size_t i;

	(void)unused;
	r.locked_out = true;
	assert_int_equal(decide(NULL, &r), ACCESS_LOCKED_OUT);
	c.revoked = true;
	r.now = 10;
	r.lockdown = true;
	r.zone = "office";
	c.nwindows = 1;
	c.windows[0] = (struct access_window){ 1 << SAT, HM(10, 0), HM(14, 0) };
	r.pin = ACCESS_PIN_WRONG;
	for (i = 0; i < sizeof(order) / sizeof(*order); i++) {
		assert_int_equal(decide(&c, &r), order[i]);
		switch (order[i]) {
		case ACCESS_LOCKED_OUT: r.locked_out = false; break;
		case ACCESS_REVOKED: c.revoked = false; break;
		case ACCESS_NOT_YET_VALID: r.now = 1500; break;
		case ACCESS_LOCKDOWN: r.lockdown = false; break;
		case ACCESS_ZONE: r.zone = "room-101"; break;
		case ACCESS_WINDOW: c.nwindows = 0; break;
		case ACCESS_BAD_PIN: r.pin = ACCESS_PIN_MATCH; break;
		default: break;
		}
	}
	/* Expired also comes before lockdown. */
	r.now = 5000;
	r.lockdown = true;
	assert_int_equal(decide(&c, &r), ACCESS_EXPIRED);
}

static void
test_validity_edges(void **unused)
{
	struct access_cred c = resident();
	struct access_request r = request();

	(void)unused;
	r.now = 999;
	assert_int_equal(decide(&c, &r), ACCESS_NOT_YET_VALID);
	r.now = 1000;
	assert_int_equal(decide(&c, &r), ACCESS_OK);
	r.now = 2000;
	assert_int_equal(decide(&c, &r), ACCESS_OK);
	r.now = 2001;
	assert_int_equal(decide(&c, &r), ACCESS_EXPIRED);
	/* Zero means no bound on that side. */
	c.valid_from = 0;
	r.now = -5;
	assert_int_equal(decide(&c, &r), ACCESS_OK);
	c.valid_to = 0;
	r.now = INT64_MAX;
	assert_int_equal(decide(&c, &r), ACCESS_OK);
}

static void
test_lockdown(void **unused)
{
	struct access_cred c = resident();
	struct access_request r = request();

	(void)unused;
	r.lockdown = true;
	assert_int_equal(decide(&c, &r), ACCESS_LOCKDOWN);
	c.staff = true;
	strcpy(c.holder, "staff:anna");
	assert_int_equal(decide(&c, &r), ACCESS_OK);
	/* Staff still need the zone: lockdown is not a master key. */
	r.zone = "room-102";
	assert_int_equal(decide(&c, &r), ACCESS_ZONE);
}

static void
test_pin(void **unused)
{
	static const struct {
		bool			 required;
		enum access_pin		 pin;
		enum access_reason	 want;
		bool			 duress;
	} t[] = {
		{ true, ACCESS_PIN_NONE, ACCESS_PIN_REQUIRED, false },
		{ true, ACCESS_PIN_MATCH, ACCESS_OK, false },
		{ true, ACCESS_PIN_DURESS, ACCESS_OK, true },
		{ true, ACCESS_PIN_WRONG, ACCESS_BAD_PIN, false },
		{ false, ACCESS_PIN_NONE, ACCESS_OK, false },
		{ false, ACCESS_PIN_MATCH, ACCESS_OK, false },
		{ false, ACCESS_PIN_DURESS, ACCESS_OK, true },
		{ false, ACCESS_PIN_WRONG, ACCESS_BAD_PIN, false },
	};
	struct access_cred c = resident();
	struct access_request r = request();
	bool duress;
	size_t i;

	(void)unused;
	c.has_pin = true;
	for (i = 0; i < sizeof(t) / sizeof(*t); i++) {
		r.pin_required = t[i].required;
		r.pin = t[i].pin;
		duress = !t[i].duress;
		assert_int_equal(access_decide(&c, &r, &duress), t[i].want);
		assert_int_equal(duress, t[i].duress);
	}
	/* The caller may not care about duress. */
	r.pin = ACCESS_PIN_DURESS;
	assert_int_equal(access_decide(&c, &r, NULL), ACCESS_OK);
}

/* A duress PIN on a refused chip is a refusal, not a duress grant. */
static void
test_duress_only_on_grant(void **unused)
{
	struct access_cred c = resident();
	struct access_request r = request();
	bool duress = true;

	(void)unused;
	r.pin = ACCESS_PIN_DURESS;
	r.zone = "office";
	assert_int_equal(access_decide(&c, &r, &duress), ACCESS_ZONE);
	assert_false(duress);
}

static void
test_zone_match(void **unused)
{
	(void)unused;
	assert_true(access_zone_match("entrance,room-101", "entrance"));
	assert_true(access_zone_match("entrance,room-101", "room-101"));
	assert_false(access_zone_match("entrance,room-101", "room-10"));
	assert_false(access_zone_match("entrance,room-10", "room-101"));
	assert_false(access_zone_match("entrance,room-101", "Entrance"));
	assert_false(access_zone_match("entrance,room-101", "entrance,room-101"));
	assert_true(access_zone_match(" entrance , room-101 ", "room-101"));
	assert_true(access_zone_match("\tentrance\t,room-101", "entrance"));
	assert_true(access_zone_match("entrance,,room-101", "room-101"));
	assert_true(access_zone_match("*", "anything"));
	assert_true(access_zone_match("entrance, * ", "office"));
	assert_false(access_zone_match("**", "office"));
	assert_false(access_zone_match("", "entrance"));
	assert_false(access_zone_match(",", "entrance"));
	assert_false(access_zone_match(NULL, "entrance"));
	assert_false(access_zone_match("*", ""));
	assert_false(access_zone_match("*", NULL));
}

static void
test_windows_parse(void **unused)
{
	struct access_window w[ACCESS_WINDOWS_MAX];
	const char *why = NULL;

	(void)unused;
	assert_int_equal(access_windows_parse(
	    "mon-fri 07:00-19:00; sat,sun 10:00-14:00", w, 8, &why), 2);
	assert_int_equal(w[0].days, 0x1f);
	assert_int_equal(w[0].from_min, HM(7, 0));
	assert_int_equal(w[0].to_min, HM(19, 0));
	assert_int_equal(w[1].days, (1 << SAT) | (1 << SUN));
	assert_int_equal(w[1].from_min, HM(10, 0));
	assert_int_equal(w[1].to_min, HM(14, 0));

	assert_int_equal(access_windows_parse("daily 22:00-06:00", w, 8, &why), 1);
	assert_int_equal(w[0].days, 0x7f);
	assert_int_equal(w[0].from_min, HM(22, 0));
	assert_int_equal(w[0].to_min, HM(6, 0));

	assert_int_equal(access_windows_parse("Sat 00:00-24:00", w, 8, &why), 1);
	assert_int_equal(w[0].days, 1 << SAT);
	assert_int_equal(w[0].to_min, 24 * 60);

	/* A range may wrap over the week's end. */
	assert_int_equal(access_windows_parse("fri-mon 08:00-09:00", w, 8,
	    &why), 1);
	assert_int_equal(w[0].days, (1 << FRI) | (1 << SAT) | (1 << SUN) |
	    (1 << MON));

	assert_int_equal(access_windows_parse("  mon , wed - thu  08:30 - "
	    "09:15 ;tue 23:59-00:01  ", w, 8, &why), 2);
	assert_int_equal(w[0].days, (1 << MON) | (1 << WED) | (1 << THU));
	assert_int_equal(w[0].from_min, HM(8, 30));
	assert_int_equal(w[0].to_min, HM(9, 15));
	assert_int_equal(w[1].days, 1 << TUE);
}

static void
test_windows_reject(void **unused)
{
	static const struct {
		const char	*text;
		const char	*why;
	} bad[] = {
		{ "", "empty_windows" },
		{ "   ", "empty_windows" },
		{ "07:00-19:00", "bad_days" },
		{ "monday 07:00-19:00", "bad_days" },
		{ "mo 07:00-19:00", "bad_days" },
		{ "mon- 07:00-19:00", "bad_days" },
		{ "mon,,tue 07:00-19:00", "bad_days" },
		{ "weekdays 07:00-19:00", "bad_days" },
		{ "mon", "bad_time" },
		{ "mon 7:00-19:00", "bad_time" },
		{ "mon 07:60-19:00", "bad_time" },
		{ "mon 25:00-19:00", "bad_time" },
		{ "mon 24:00-19:00", "bad_time" },
		{ "mon 07:00-24:01", "bad_time" },
		{ "mon 07:000-19:00", "bad_time" },
		{ "mon 07:00-", "bad_time" },
		{ "mon 07:00", "bad_time_range" },
		{ "mon 07:00 19:00", "bad_time_range" },
		{ "mon 07:00-19:00 x", "trailing_text" },
		{ "mon 07:00-19:00, tue 07:00-19:00", "trailing_text" },
		{ "mon 07:00-19:00;", "bad_days" },
		{ "mon 07:00-19:00;;tue 07:00-19:00", "bad_days" },
	};
	struct access_window w[ACCESS_WINDOWS_MAX];
	const char *why;
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		why = NULL;
		if (access_windows_parse(bad[i].text, w, 8, &why) == -1 &&
		    why != NULL && strcmp(why, bad[i].why) == 0)
			continue;
		fail_msg("\"%s\": want %s, got %s", bad[i].text, bad[i].why,
		    why ? why : "success");
	}
	assert_int_equal(access_windows_parse(NULL, w, 8, &why), -1);
}

static void
test_windows_max(void **unused)
{
	struct access_window w[3];
	const char *why = NULL;

	(void)unused;
	assert_int_equal(access_windows_parse("mon 01:00-02:00;tue 01:00-02:00;"
	    "wed 01:00-02:00", w, 3, &why), 3);
	assert_int_equal(access_windows_parse("mon 01:00-02:00;tue 01:00-02:00;"
	    "wed 01:00-02:00;thu 01:00-02:00", w, 3, &why), -1);
	assert_string_equal(why, "too_many_windows");
}

static bool
match(const char *text, int weekday, int h, int m)
{
	struct access_window w[ACCESS_WINDOWS_MAX];
	int n;

	n = access_windows_parse(text, w, ACCESS_WINDOWS_MAX, NULL);
	assert_true(n > 0);
	return access_window_match(w, n, weekday, HM(h, m));
}

static void
test_window_match(void **unused)
{
	const char *office = "mon-fri 07:00-19:00; sat,sun 10:00-14:00";

	(void)unused;
	assert_true(match(office, MON, 7, 0));
	assert_false(match(office, MON, 6, 59));
	assert_true(match(office, FRI, 18, 59));
	assert_false(match(office, FRI, 19, 0));
	assert_false(match(office, SAT, 9, 59));
	assert_true(match(office, SUN, 10, 0));
	assert_false(match(office, SUN, 14, 0));
	assert_true(match("sun 00:00-24:00", SUN, 23, 59));
	assert_true(match("sun 00:00-24:00", SUN, 0, 0));
	assert_false(match("sun 00:00-24:00", MON, 0, 0));
	/* from == to is the whole listed day. */
	assert_true(match("tue 08:00-08:00", TUE, 3, 0));
	assert_true(match("tue 08:00-08:00", TUE, 23, 59));
	assert_false(match("tue 08:00-08:00", WED, 3, 0));
	/* Out-of-range weekday or minute matches nothing. */
	assert_false(match("daily 00:00-24:00", 7, 12, 0));
	assert_false(match("daily 00:00-24:00", -1, 12, 0));
	assert_false(match("daily 00:00-24:00", MON, 24, 0));
}

/* The hours after midnight belong to the night of the listed day. */
static void
test_window_midnight(void **unused)
{
	const char *fri = "fri 22:00-06:00";

	(void)unused;
	assert_false(match(fri, FRI, 21, 59));
	assert_true(match(fri, FRI, 22, 0));
	assert_true(match(fri, FRI, 23, 59));
	assert_true(match(fri, SAT, 0, 0));
	assert_true(match(fri, SAT, 5, 59));
	assert_false(match(fri, SAT, 6, 0));
	assert_false(match(fri, SAT, 22, 0));
	/* Friday's small hours belong to Thursday night, not listed. */
	assert_false(match(fri, FRI, 3, 0));
	/* Sunday night runs into Monday. */
	assert_true(match("sun 22:00-06:00", MON, 3, 0));
	assert_false(match("sun 22:00-06:00", SUN, 3, 0));
	assert_true(match("daily 22:00-06:00", WED, 3, 0));
	assert_false(match("daily 22:00-06:00", WED, 12, 0));
}

static void
test_windows_in_decide(void **unused)
{
	struct access_cred c = resident();
	struct access_request r = request();

	(void)unused;
	c.nwindows = access_windows_parse("fri 22:00-06:00", c.windows,
	    ACCESS_WINDOWS_MAX, NULL);
	r.weekday = SAT;
	r.minute = HM(1, 0);
	assert_int_equal(decide(&c, &r), ACCESS_OK);
	r.minute = HM(6, 0);
	assert_int_equal(decide(&c, &r), ACCESS_WINDOW);
	/* No windows at all is any time. */
	c.nwindows = 0;
	assert_int_equal(decide(&c, &r), ACCESS_OK);
}

static void
test_reason_names(void **unused)
{
	static const char *want[] = {
		[ACCESS_OK] = "ok",
		[ACCESS_UNKNOWN] = "unknown_credential",
		[ACCESS_REVOKED] = "revoked",
		[ACCESS_NOT_YET_VALID] = "not_yet_valid",
		[ACCESS_EXPIRED] = "expired",
		[ACCESS_ZONE] = "out_of_zone",
		[ACCESS_WINDOW] = "out_of_window",
		[ACCESS_PIN_REQUIRED] = "pin_required",
		[ACCESS_BAD_PIN] = "wrong_pin",
		[ACCESS_LOCKED_OUT] = "reader_locked_out",
		[ACCESS_LOCKDOWN] = "lockdown",
	};
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(want) / sizeof(*want); i++)
		assert_string_equal(access_reason_name(i), want[i]);
	assert_non_null(access_reason_name((enum access_reason)99));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_each_reason),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_validity_edges),
		cmocka_unit_test(test_lockdown),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_duress_only_on_grant),
		cmocka_unit_test(test_zone_match),
		cmocka_unit_test(test_windows_parse),
		cmocka_unit_test(test_windows_reject),
		cmocka_unit_test(test_windows_max),
		cmocka_unit_test(test_window_match),
		cmocka_unit_test(test_window_midnight),
		cmocka_unit_test(test_windows_in_decide),
		cmocka_unit_test(test_reason_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
