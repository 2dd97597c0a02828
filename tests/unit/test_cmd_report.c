/*
 * The safety report's queries (src/cmd/cmd_report.c) against a real SQLite
 * file holding a March with every kind of row the report reads, at times
 * chosen to sit on the edges: the period's first and last instants in
 * the site's time zone across the change to summer time, a lockdown begun
 * before the period and one still on at its end, a lockdown latched
 * during a fire, refusals with several reasons and with none, an
 * override, alarms acknowledged and not, and two roll calls.  The journal
 * rows are written straight into the table: the report reads rows, and
 * these tests are about what it makes of them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_verbs.h"
#include "db.h"
#include "husvagtd.h"
#include "tmpdir.h"

static char *const dir = tmpdir_group_dir;
static struct husvagt h;
static const struct cmd_actor leder = { .login = "leder",
    .roles = ROLE_MANAGEMENT, .via = "control" };

static void
sql(const char *s)
{
	assert_int_equal(db_exec(h.db, s), 0);
}

static void
row(const char *time, const char *type, const char *point,
    const char *actor, const char *subject, const char *detail)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "INSERT INTO journal (time, type, point, "
	    "actor, subject, detail, mac) VALUES ('%s', '%s', '%s', '%s', "
	    "'%s', '%s', x'00')", time, type, point, actor, subject, detail);
	sql(buf);
}

static void
mode(const char *time, const char *cause, const char *point,
    const char *actor, const char *to, bool lockdown)
{
	char detail[256];

	snprintf(detail, sizeof(detail), "{\"from\":\"normal\",\"to\":\"%s\","
	    "\"cause\":\"%s\",\"lockdown\":%s}", to, cause,
	    lockdown ? "true" : "false");
	row(time, "mode.changed", point, actor, "", detail);
}

static void
add_alarm(const char *cls, const char *point, const char *raised,
    const char *acked)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "INSERT INTO alarm (class, point, "
	    "raised_at, acked_at, acked_by) VALUES ('%s', '%s', '%s', %s%s%s, "
	    "%s)", cls, point, raised, acked ? "'" : "", acked ? acked :
	    "NULL", acked ? "'" : "", acked ? "'anna'" : "NULL");
	sql(buf);
}

static void
history(void)
{
	/* Lockdowns: one wholly before March, one across its start, one
	 * latched during a fire, one still on at the end. */
	mode("2026-02-10T10:00:00.000Z", "panic", "panic.office", "system",
	    "lockdown", true);
	mode("2026-02-10T10:05:00.000Z", "lift", "", "anna", "normal", false);
	mode("2026-02-27T20:00:00.000Z", "duress", "front", "system",
	    "lockdown", true);
	mode("2026-03-02T08:00:00.000Z", "lift", "", "birgit", "normal", false);
	mode("2026-03-12T01:00:00.000Z", "fire_input", "fire", "system", "fire",
	    false);
	mode("2026-03-12T01:02:00.000Z", "lockdown_command", "", "anna", "fire",
	    true);
	mode("2026-03-12T01:30:00.000Z", "reset", "", "anna", "lockdown", true);
	mode("2026-03-12T01:40:00.000Z", "lift", "", "anna", "normal", false);
	mode("2026-03-31T21:30:00.000Z", "panic", "panic.night", "system",
	    "lockdown", true);
	/* Visitors: the first instant of the period counts, the first of
	 * April does not. */
	row("2026-02-28T23:00:00.000Z", "visit.refused", "front", "anna",
	    "stay:1", "{\"reasons\":[\"outside_hours\",\"no_agreement\"]}");
	row("2026-03-03T12:00:00.000Z", "visit.refused", "front", "anna",
	    "stay:1", "{\"reasons\":[\"blocklisted\"]}");
	row("2026-03-04T12:00:00.000Z", "visit.refused", "front", "anna",
	    "stay:2", "{\"reasons\":[\"blocklisted\"]}");
	row("2026-03-05T12:00:00.000Z", "visit.refused", "front", "birgit",
	    "", "{\"reasons\":[]}");
	row("2026-03-31T22:00:00.000Z", "visit.refused", "front", "anna",
	    "stay:1", "{\"reasons\":[\"lockdown\"]}");
	row("2026-03-06T19:40:00.000Z", "visit.admitted", "front", "anna",
	    "visit:5", "{\"stay\":1,\"override\":true,\"reasons\":"
	    "[\"outside_hours\"],\"override_reason\":\"train late, \\\"20:40\\\"\"}");
	row("2026-03-07T12:00:00.000Z", "visit.admitted", "front", "anna",
	    "visit:6", "{\"stay\":1,\"override\":false,\"reasons\":[]}");
	row("2026-03-08T12:00:00.000Z", "door.forced", "front", "system", "",
	    "{}");
	row("2026-03-09T12:00:00.000Z", "door.forced", "front", "system", "",
	    "{}");
	row("2026-03-09T13:00:00.000Z", "door.forced", "garden", "system", "",
	    "{}");
	row("2026-03-09T14:00:00.000Z", "door.held", "corridor-1", "system",
	    "", "{}");
	/* Alarms, across the change to summer time on 29 March. */
	add_alarm("forced", "front", "2026-03-01T10:00:00.000Z",
	    "2026-03-01T10:02:00.500Z");
	add_alarm("forced", "front", "2026-03-10T12:00:00.000Z",
	    "2026-03-10T12:05:00.000Z");
	add_alarm("panic", "panic.office", "2026-03-10T13:00:00.000Z", NULL);
	add_alarm("held", "corridor-1", "2026-03-29T00:30:00.000Z",
	    "2026-03-29T00:31:00.000Z");
	add_alarm("tamper", "tamper.cabinet", "2026-03-29T22:30:00.000Z", NULL);
	add_alarm("fire", "fire", "2026-03-31T22:00:00.000Z", NULL);
	/* Roll calls, and names that must never reach the report. */
	sql("INSERT INTO room (id, name, floor, corridor, zone, beds, kind, "
	    "child_friendly) VALUES (1, '101', 1, 'corridor-1', 'room-101', 2, "
	    "'double', 1)");
	sql("INSERT INTO stay (id, alias, room_id, arrival, admitted_at) "
	    "VALUES (1, 'Rose', 1, '2026-02-01', '2026-02-01T10:00:00.000Z')");
	sql("INSERT INTO visit (id, stay_id, guest, door, admitted_at, "
	    "admitted_by, override_reason) VALUES (5, 1, 'Jørgen', 'front', "
	    "'2026-03-06T19:40:00.000Z', 'anna', 'train late')");
	sql("INSERT INTO evacuation (id, kind, started_at, started_by, "
	    "all_clear_at) VALUES (1, 'drill', '2026-03-05T10:00:00.000Z', "
	    "'leder', '2026-03-05T10:08:30.000Z'), (2, 'fire', "
	    "'2026-03-20T02:00:00.000Z', 'system', NULL), (3, 'drill', "
	    "'2026-02-20T10:00:00.000Z', 'leder', NULL)");
	sql("INSERT INTO evac_item (evac_id, who, detail, accounted_at) VALUES "
	    "(1, 'room:101', '{\"alias\":\"Rose\"}', '2026-03-05T10:02:00.000Z'),"
	    " (1, 'staff:anna', '{}', '2026-03-05T10:08:30.000Z'),"
	    " (1, 'room:103', '{}', '2026-03-05T10:05:00.000Z'),"
	    " (2, 'room:201', '{}', '2026-03-20T02:01:00.000Z'),"
	    " (2, 'visit:5', '{}', NULL), (2, 'room:204', '{}', NULL)");
}

static int
setup(void **state)
{
	char path[512];

	(void)state;
	if (tmpdir_group_setup(state) != 0)
		return -1;
	setenv("TZ", "Europe/Copenhagen", 1);
	tzset();
	snprintf(h.cfg.name, sizeof(h.cfg.name), "villa");
	snprintf(h.cfg.timezone, sizeof(h.cfg.timezone), "Europe/Copenhagen");
	if ((h.db = db_open(tmpdir_path(path, dir, "report.db"))) == NULL)
		return -1;
	history();
	return 0;
}

static int
teardown(void **state)
{
	db_close(h.db);
	return tmpdir_group_teardown(state);
}

/* The report for from..to: the result object (the reply kept in *reply). */
static json_t *
report(const char *from, const char *to, json_t **reply)
{
	json_t *args = json_pack("{s:s, s:s}", "from", from, "to", to);

	*reply = cmd_report_safety(&h, &leder, args);
	json_decref(args);
	assert_non_null(*reply);
	return json_object_get(*reply, "result");
}

static const char *
error_of(const char *from, const char *to)
{
	static char msg[256];
	json_t *reply, *r = report(from, to, &reply);

	assert_null(r);
	snprintf(msg, sizeof(msg), "%s: %s", json_string_value(
	    json_object_get(reply, "error")), json_string_value(
	    json_object_get(reply, "message")));
	json_decref(reply);
	return msg;
}

/* Compare a JSON value with the JSON text want (key order ignored). */
static void
json_is(const json_t *got, const char *want)
{
	json_t *w = json_loads(want, 0, NULL);
	char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY);

	assert_non_null(w);
	if (!json_equal(got, w))
		fail_msg("got %s\nwant %s", g, want);
	free(g);
	json_decref(w);
}

static void
test_period_edges(void **unused)
{
	json_t *reply, *r = report("2026-03-01", "2026-03-31", &reply);

	(void)unused;
	/* Local midnights: winter time at the start, summer at the end. */
	assert_string_equal(json_string_value(json_object_get(r,
	    "period_start")), "2026-02-28T23:00:00.000Z");
	assert_string_equal(json_string_value(json_object_get(r,
	    "period_end")), "2026-03-31T22:00:00.000Z");
	json_is(json_object_get(r, "summary"), "{\"drills\":1,\"fires\":1,"
	    "\"alarms\":5,\"unacknowledged_alarms\":2,\"forced_doors\":3,"
	    "\"held_doors\":1,\"lockdowns\":3,\"refused_visitors\":4,"
	    "\"overrides\":1}");
	json_decref(reply);
}

static void
test_evacuations(void **unused)
{
	json_t *reply, *r = report("2026-03-01", "2026-03-31", &reply);

	(void)unused;
	json_is(json_object_get(r, "evacuations"), "["
	    "{\"id\":1,\"kind\":\"drill\",\"started\":\"2026-03-05T10:00:00.000Z\","
	    "\"started_by\":\"leder\",\"all_clear\":\"2026-03-05T10:08:30.000Z\","
	    "\"seconds_to_all_clear\":510,\"closed\":null,\"items\":3,"
	    "\"unaccounted\":0,\"missing_longest\":{\"who\":\"staff:anna\","
	    "\"seconds\":510,\"still_missing\":false}},"
	    "{\"id\":2,\"kind\":\"fire\",\"started\":\"2026-03-20T02:00:00.000Z\","
	    "\"started_by\":\"system\",\"all_clear\":null,"
	    "\"seconds_to_all_clear\":null,\"closed\":null,\"items\":3,"
	    "\"unaccounted\":2,\"missing_longest\":{\"who\":\"room:204\","
	    "\"seconds\":null,\"still_missing\":true}}]");
	json_decref(reply);
}

static void
test_alarms_and_weeks(void **unused)
{
	json_t *reply, *r = report("2026-03-01", "2026-03-31", &reply);
	json_t *al = json_object_get(r, "alarms");

	(void)unused;
	json_is(json_object_get(al, "by_class"), "["
	    "{\"class\":\"forced\",\"count\":2,\"unacknowledged\":0,"
	    "\"median_ack_seconds\":210,\"longest_ack_seconds\":300},"
	    "{\"class\":\"held\",\"count\":1,\"unacknowledged\":0,"
	    "\"median_ack_seconds\":60,\"longest_ack_seconds\":60},"
	    "{\"class\":\"panic\",\"count\":1,\"unacknowledged\":1,"
	    "\"median_ack_seconds\":null,\"longest_ack_seconds\":null},"
	    "{\"class\":\"tamper\",\"count\":1,\"unacknowledged\":1,"
	    "\"median_ack_seconds\":null,\"longest_ack_seconds\":null}]");
	json_is(json_object_get(al, "by_door"), "["
	    "{\"point\":\"front\",\"count\":2},"
	    "{\"point\":\"corridor-1\",\"count\":1},"
	    "{\"point\":\"panic.office\",\"count\":1},"
	    "{\"point\":\"tamper.cabinet\",\"count\":1}]");
	assert_int_equal(json_array_size(json_object_get(al, "list")), 5);
	json_is(json_array_get(json_object_get(al, "list"), 0),
	    "{\"id\":1,\"class\":\"forced\",\"point\":\"front\","
	    "\"raised\":\"2026-03-01T10:00:00.000Z\","
	    "\"acked\":\"2026-03-01T10:02:00.500Z\",\"acked_by\":\"anna\","
	    "\"ack_seconds\":120,\"cause_cleared\":null}");
	/* Sunday 1 March is in W09; 01:30 on the 29th (still winter time)
	 * is Sunday of W13; 00:30 summer time on the 30th is Monday, W14. */
	json_is(json_object_get(r, "alarms_per_week"), "["
	    "{\"week\":\"2026-W09\",\"monday\":\"2026-02-23\",\"count\":1},"
	    "{\"week\":\"2026-W10\",\"monday\":\"2026-03-02\",\"count\":0},"
	    "{\"week\":\"2026-W11\",\"monday\":\"2026-03-09\",\"count\":2},"
	    "{\"week\":\"2026-W12\",\"monday\":\"2026-03-16\",\"count\":0},"
	    "{\"week\":\"2026-W13\",\"monday\":\"2026-03-23\",\"count\":1},"
	    "{\"week\":\"2026-W14\",\"monday\":\"2026-03-30\",\"count\":1}]");
	json_decref(reply);
}

static void
test_doors_lockdowns_visitors(void **unused)
{
	json_t *reply, *r = report("2026-03-01", "2026-03-31", &reply);

	(void)unused;
	json_is(json_object_get(r, "doors"), "{\"forced\":["
	    "{\"door\":\"front\",\"count\":2},{\"door\":\"garden\",\"count\":1}],"
	    "\"held\":[{\"door\":\"corridor-1\",\"count\":1}]}");
	json_is(json_object_get(r, "lockdowns"), "["
	    "{\"started\":\"2026-02-27T20:00:00.000Z\","
	    "\"ended\":\"2026-03-02T08:00:00.000Z\",\"cause\":\"duress\","
	    "\"point\":\"front\",\"actor\":\"system\",\"lifted_by\":\"birgit\","
	    "\"seconds\":216000},"
	    "{\"started\":\"2026-03-12T01:02:00.000Z\","
	    "\"ended\":\"2026-03-12T01:40:00.000Z\","
	    "\"cause\":\"lockdown_command\",\"point\":\"\",\"actor\":\"anna\","
	    "\"lifted_by\":\"anna\",\"seconds\":2280},"
	    "{\"started\":\"2026-03-31T21:30:00.000Z\",\"ended\":null,"
	    "\"cause\":\"panic\",\"point\":\"panic.night\",\"actor\":\"system\","
	    "\"lifted_by\":null,\"seconds\":null}]");
	json_is(json_object_get(r, "refused_visitors"), "["
	    "{\"reason\":\"blocklisted\",\"count\":2},"
	    "{\"reason\":\"no_agreement\",\"count\":1},"
	    "{\"reason\":\"outside_hours\",\"count\":1},"
	    "{\"reason\":\"staff_decision\",\"count\":1}]");
	json_is(json_object_get(r, "overrides"), "["
	    "{\"time\":\"2026-03-06T19:40:00.000Z\",\"visit\":\"visit:5\","
	    "\"door\":\"front\",\"actor\":\"anna\",\"reasons\":[\"outside_hours\"],"
	    "\"override_reason\":\"train late, \\\"20:40\\\"\"}]");
	json_decref(reply);
}

/* No alias or guest name, though the database holds both. */
static void
test_no_names(void **unused)
{
	json_t *reply, *r = report("2026-02-01", "2026-04-30", &reply);
	char *text = json_dumps(reply, JSON_COMPACT);

	(void)unused;
	assert_non_null(r);
	assert_null(strstr(text, "Rose"));
	assert_null(strstr(text, "rgen"));
	assert_null(strstr(text, "alias"));
	/* A longer period takes in what March left out. */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r,
	    "summary"), "lockdowns")), 4);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r,
	    "summary"), "drills")), 2);
	free(text);
	json_decref(reply);
}

static void
test_one_day_and_empty(void **unused)
{
	json_t *reply, *r = report("2026-03-15", "2026-03-15", &reply);

	(void)unused;
	json_is(json_object_get(r, "alarms_per_week"),
	    "[{\"week\":\"2026-W11\",\"monday\":\"2026-03-09\",\"count\":0}]");
	json_is(json_object_get(r, "summary"), "{\"drills\":0,\"fires\":0,"
	    "\"alarms\":0,\"unacknowledged_alarms\":0,\"forced_doors\":0,"
	    "\"held_doors\":0,\"lockdowns\":0,\"refused_visitors\":0,"
	    "\"overrides\":0}");
	json_decref(reply);
}

static void
test_bad_periods(void **unused)
{
	(void)unused;
	assert_string_equal(error_of("2026-02-30", "2026-03-01"), "bad_value: "
	    "from: '2026-02-30' is not a date: there is no such day in that "
	    "month");
	assert_string_equal(error_of("2026-03-01", "2026-3-01"), "bad_value: "
	    "to: '2026-3-01' is not a date: it must be YYYY-MM-DD");
	assert_string_equal(error_of("2026-03-02", "2026-03-01"), "bad_value: "
	    "from 2026-03-02 to 2026-03-01: to is before from");
	assert_string_equal(error_of("2021-03-01", "2026-03-01"), "bad_value: "
	    "from 2021-03-01 to 2026-03-01: a report covers at most 5 years");
	assert_string_equal(error_of("0000-01-01", "0000-01-02"), "bad_value: "
	    "from: '0000-01-01' is not a date: the year must be 2000 to 2999");
}

/* The journal queries find their rows through the small index of
 * migration 5, not by walking the period's every row. */
static void
test_safety_index(void **unused)
{
	static const char *const types[] = { "door.forced", "door.held",
	    "mode.changed", "visit.refused", "visit.admitted" };
	char sql[256];
	sqlite3_stmt *st;
	bool used;
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN SELECT point, "
		    "count(*) FROM journal WHERE time >= :lo AND time < :hi "
		    "AND type = '%s' GROUP BY point", types[i]);
		assert_int_equal(db_prepare(h.db, sql, &st), 0);
		used = false;
		while (sqlite3_step(st) == SQLITE_ROW)
			used |= strstr((const char *)sqlite3_column_text(st, 3),
			    "journal_safety") != NULL;
		sqlite3_finalize(st);
		if (!used)
			fail_msg("%s rows are not found through journal_safety",
			    types[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_period_edges),
		cmocka_unit_test(test_evacuations),
		cmocka_unit_test(test_alarms_and_weeks),
		cmocka_unit_test(test_doors_lockdowns_visitors),
		cmocka_unit_test(test_no_names),
		cmocka_unit_test(test_one_day_and_empty),
		cmocka_unit_test(test_bad_periods),
		cmocka_unit_test(test_safety_index),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
