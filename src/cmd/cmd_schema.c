/*
 * The verb table: each verb's name, the roles that may run it, whether it
 * changes state, and its arguments' schema.  The one place the schema is
 * written: the daemon checks every request against it (cmd.c), and
 * husvagtctl, which links this file built with CMD_SCHEMA_ONLY (no verb
 * functions), takes its arguments' types and bounds from it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd_schema.h"
#include "role.h"
#ifdef CMD_SCHEMA_ONLY
#define CMD_FN(f)	NULL
#else
#include "cmd_verbs.h"
#define CMD_FN(f)	f
#endif

#define S(n, req, lo, hi)	{ n, CMD_ARG_STR, req, lo, hi }
#define I(n, req, lo, hi)	{ n, CMD_ARG_INT, req, lo, hi }
#define B(n)			{ n, CMD_ARG_BOOL, false, 0, 1 }
#define END			{ NULL, 0, false, 0, 0 }

static const struct cmd_arg no_args[] = { END };
static const struct cmd_arg door_args[] = { S("door", true, 1, 63), END };
static const struct cmd_arg release_args[] = {
	S("door", true, 1, 63), B("hold"), END };
static const struct cmd_arg enrol_args[] = {
	S("holder", true, 1, 63), I("format", false, 26, 37),
	I("number", false, 0, 34359738367LL), I("facility", false, 0, 255),
	I("card", false, 0, 65535), S("reader", false, 1, 63),
	S("zones", false, 1, 500), S("valid_from", false, 10, 25),
	S("valid_to", false, 10, 25), S("windows", false, 1, 200),
	S("pin", false, 4, 8), S("label", false, 0, 64),
	I("timeout", false, 5, 600), END };
static const struct cmd_arg enrol_status_args[] = {
	S("reader", true, 1, 63), END };
static const struct cmd_arg revoke_args[] = {
	I("id", false, 1, INT64_MAX), S("holder", false, 1, 63), END };
static const struct cmd_arg list_args[] = { S("holder", false, 1, 63), END };
static const struct cmd_arg tail_args[] = { I("n", false, 1, 10000), END };
static const struct cmd_arg rows_args[] = {
	I("after", true, 0, INT64_MAX), I("limit", false, 1, 10000), END };
static const struct cmd_arg export_args[] = {
	S("format", false, 3, 4), S("from", false, 10, 30),
	S("to", false, 10, 30), END };
static const struct cmd_arg point_args[] = { S("point", true, 1, 63), END };
static const struct cmd_arg staff_add_args[] = {
	S("login", true, 1, ROLE_LOGIN_MAX), S("role", true, 5, 10),
	S("password", true, ROLE_PASSWORD_MIN, ROLE_PASSWORD_MAX), END };
static const struct cmd_arg staff_login_args[] = {
	S("login", true, 1, ROLE_LOGIN_MAX), END };
static const struct cmd_arg staff_passwd_args[] = {
	S("login", true, 1, ROLE_LOGIN_MAX),
	S("password", true, ROLE_PASSWORD_MIN, ROLE_PASSWORD_MAX), END };
static const struct cmd_arg staff_list_args[] = { B("removed"), END };
static const struct cmd_arg drill_args[] = { S("action", true, 3, 5), END };
static const struct cmd_arg alarm_ack_args[] = {
	I("id", true, 1, INT64_MAX), END };
static const struct cmd_arg point_set_args[] = {
	S("point", true, 1, 63), I("value", true, 0, 1),
	I("seconds", false, 1, 60), END };

/* The register: register.c, cmd_stay.c, cmd_register.c */
static const struct cmd_arg stay_admit_args[] = {
	S("alias", true, 1, 40), S("room", true, 1, 15),
	S("arrival", false, 10, 10),
	I("adults", false, 1, 4), I("children_0_2", false, 0, 10),
	I("children_3_5", false, 0, 10), I("children_6_9", false, 0, 10),
	I("children_10_17", false, 0, 10), B("needs_help"), END };
static const struct cmd_arg stay_discharge_args[] = {
	I("id", true, 1, INT64_MAX), S("date", false, 10, 10), END };
static const struct cmd_arg stay_move_args[] = {
	I("id", true, 1, INT64_MAX), S("room", true, 1, 15), END };
static const struct cmd_arg stay_list_args[] = { B("all"), END };
static const struct cmd_arg period_args[] = {
	S("from", true, 10, 10), S("to", true, 10, 10), END };
static const struct cmd_arg enquiry_args[] = {
	S("outcome", true, 2, 32), S("description", false, 0, 500), END };
/* Guests and the intercom: guest.c, cmd_guest.c */
static const struct cmd_arg agree_args[] = {
	I("stay", true, 1, INT64_MAX), S("guest", true, 1, 100),
	S("relation", true, 5, 12), S("from", false, 10, 10),
	S("to", false, 10, 10),
	S("windows", false, 1, 200), B("resident_areas"), B("escort"), END };
static const struct cmd_arg guest_list_args[] = {
	I("stay", false, 1, INT64_MAX), B("ended"), END };
static const struct cmd_arg id_args[] = { I("id", true, 1, INT64_MAX), END };
static const struct cmd_arg block_args[] = {
	S("name", true, 1, 100), S("description", false, 0, 500), END };
static const struct cmd_arg evaluate_args[] = {
	S("door", true, 1, 63), S("guest", true, 1, 100),
	I("stay", false, 1, INT64_MAX), END };
static const struct cmd_arg admit_args[] = {
	S("door", true, 1, 63), S("guest", true, 1, 100),
	I("stay", false, 1, INT64_MAX), S("reason", false, 1, 500), END };
static const struct cmd_arg refuse_args[] = {
	S("door", true, 1, 63), S("guest", false, 1, 100),
	I("stay", false, 1, INT64_MAX), S("reason", false, 1, 500), END };
static const struct cmd_arg visit_args[] = {
	I("visit", true, 1, INT64_MAX), END };
/* Duty and the evacuation roll call: evac.c, cmd_evac.c */
static const struct cmd_arg duty_args[] = {
	S("login", false, 1, ROLE_LOGIN_MAX), END };
static const struct cmd_arg evac_who_args[] = { S("who", true, 1, 64), END };

#define STAFF_UP	ROLE_ALL
#define MGMT		ROLE_MANAGEMENT
#define INST		ROLE_INSTALLER

const struct cmd_verb cmd_verbs[] = {
	{ "status",		STAFF_UP, false, no_args, CMD_FN(cmd_status) },
	{ "door.list",		STAFF_UP, false, no_args,
	    CMD_FN(cmd_door_list) },
	{ "door.release",	STAFF_UP, true, release_args,
	    CMD_FN(cmd_door_release) },
	{ "door.lock",		STAFF_UP, true, door_args,
	    CMD_FN(cmd_door_lock) },
	{ "mode.status",	STAFF_UP, false, no_args,
	    CMD_FN(cmd_mode_status) },
	{ "mode.lockdown",	ROLE_STAFF | MGMT, true, no_args,
	    CMD_FN(cmd_mode_lockdown) },
	{ "mode.lift",		ROLE_STAFF | MGMT, true, no_args,
	    CMD_FN(cmd_mode_lift) },
	{ "mode.fire",		MGMT, true, no_args, CMD_FN(cmd_mode_fire) },
	{ "mode.reset",		ROLE_STAFF | MGMT, true, no_args,
	    CMD_FN(cmd_mode_reset) },
	{ "mode.drill",		MGMT, true, drill_args,
	    CMD_FN(cmd_mode_drill) },
	{ "alarm.list",		STAFF_UP, false, no_args,
	    CMD_FN(cmd_alarm_list) },
	{ "alarm.ack",		ROLE_STAFF | MGMT, true, alarm_ack_args,
	    CMD_FN(cmd_alarm_ack) },
	{ "chip.enrol",		MGMT, true, enrol_args,
	    CMD_FN(cmd_chip_enrol) },
	{ "chip.enrol_status",	MGMT, false, enrol_status_args,
	    CMD_FN(cmd_chip_enrol_status) },
	{ "chip.revoke",	MGMT, true, revoke_args,
	    CMD_FN(cmd_chip_revoke) },
	{ "chip.list",		MGMT | ROLE_STAFF, false, list_args,
	    CMD_FN(cmd_chip_list) },
	/* Who came and went: the broker keeps the event topic from
	 * installers, so these verbs do too (docs/mqtt.md, "What a role
	 * may learn"). */
	{ "journal.tail",	ROLE_STAFF | MGMT, false, tail_args,
	    CMD_FN(cmd_journal_tail) },
	{ "journal.rows",	ROLE_STAFF | MGMT, false, rows_args,
	    CMD_FN(cmd_journal_rows) },
	{ "journal.export",	MGMT, true, export_args,
	    CMD_FN(cmd_journal_export) },
	{ "journal.verify",	MGMT | INST, false, no_args,
	    CMD_FN(cmd_journal_verify) },
	{ "point.list",		INST | MGMT, false, no_args,
	    CMD_FN(cmd_point_list) },
	{ "point.get",		INST | MGMT, false, point_args,
	    CMD_FN(cmd_point_get) },
	{ "point.set",		INST, true, point_set_args,
	    CMD_FN(cmd_point_set) },
	{ "reader.install",	INST | MGMT, true, point_args,
	    CMD_FN(cmd_reader_install) },
	{ "reader.rotate",	INST | MGMT, true, point_args,
	    CMD_FN(cmd_reader_rotate) },
	{ "staff.add",		MGMT, true, staff_add_args,
	    CMD_FN(cmd_staff_add) },
	{ "staff.remove",	MGMT, true, staff_login_args,
	    CMD_FN(cmd_staff_remove) },
	{ "staff.passwd",	STAFF_UP, true, staff_passwd_args,
	    CMD_FN(cmd_staff_passwd) },		/* not MGMT: only one's own */
	{ "staff.list",		MGMT | INST, false, staff_list_args,
	    CMD_FN(cmd_staff_list) },
	{ "staff.on",		ROLE_STAFF | MGMT, true, duty_args,
	    CMD_FN(cmd_staff_on) },
	{ "staff.off",		ROLE_STAFF | MGMT, true, duty_args,
	    CMD_FN(cmd_staff_off) },
	{ "staff.duty",		STAFF_UP, false, no_args,
	    CMD_FN(cmd_staff_duty) },
	{ "room.list",		ROLE_STAFF | MGMT, false, no_args,
	    CMD_FN(cmd_room_list) },
	{ "stay.admit",		ROLE_STAFF | MGMT, true, stay_admit_args,
	    CMD_FN(cmd_stay_admit) },
	{ "stay.discharge",	ROLE_STAFF | MGMT, true, stay_discharge_args,
	    CMD_FN(cmd_stay_discharge) },
	{ "stay.move",		ROLE_STAFF | MGMT, true, stay_move_args,
	    CMD_FN(cmd_stay_move) },
	{ "stay.list",		ROLE_STAFF | MGMT, false, stay_list_args,
	    CMD_FN(cmd_stay_list) },
	{ "enquiry.record",	ROLE_STAFF | MGMT, true, enquiry_args,
	    CMD_FN(cmd_enquiry_record) },
	{ "report.occupancy",	MGMT, false, period_args,
	    CMD_FN(cmd_report_occupancy) },
	{ "report.safety",	MGMT, false, period_args,
	    CMD_FN(cmd_report_safety) },
	{ "guest.agree",	ROLE_STAFF | MGMT, true, agree_args,
	    CMD_FN(cmd_guest_agree) },
	{ "guest.list",		ROLE_STAFF | MGMT, false, guest_list_args,
	    CMD_FN(cmd_guest_list) },
	{ "guest.end",		ROLE_STAFF | MGMT, true, id_args,
	    CMD_FN(cmd_guest_end) },
	{ "guest.block",	ROLE_STAFF | MGMT, true, block_args,
	    CMD_FN(cmd_guest_block) },
	{ "guest.unblock",	MGMT, true, id_args,
	    CMD_FN(cmd_guest_unblock) },
	{ "guest.blocked",	ROLE_STAFF | MGMT, false, no_args,
	    CMD_FN(cmd_guest_blocked) },
	{ "guest.evaluate",	ROLE_STAFF | MGMT, false, evaluate_args,
	    CMD_FN(cmd_guest_evaluate) },
	{ "guest.admit",	ROLE_STAFF | MGMT, true, admit_args,
	    CMD_FN(cmd_guest_admit) },
	{ "guest.refuse",	ROLE_STAFF | MGMT, true, refuse_args,
	    CMD_FN(cmd_guest_refuse) },
	{ "guest.checkout",	ROLE_STAFF | MGMT, true, visit_args,
	    CMD_FN(cmd_guest_checkout) },
	{ "guest.inside",	ROLE_STAFF | MGMT, false, no_args,
	    CMD_FN(cmd_guest_inside) },
	{ "evac.status",	ROLE_STAFF | MGMT, false, no_args,
	    CMD_FN(cmd_evac_status) },
	{ "evac.account",	ROLE_STAFF | MGMT, true, evac_who_args,
	    CMD_FN(cmd_evac_account) },
	{ "evac.unaccount",	ROLE_STAFF | MGMT, true, evac_who_args,
	    CMD_FN(cmd_evac_unaccount) },
	{ "evac.close",		ROLE_STAFF | MGMT, true, no_args,
	    CMD_FN(cmd_evac_close) },
};

const size_t cmd_nverbs = sizeof(cmd_verbs) / sizeof(cmd_verbs[0]);

size_t
cmd_utf8_cut(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	/* s[n] is the first byte left out: a continuation byte there means
	 * the character it belongs to would be split, so it goes whole. */
	if (s[n] != '\0')
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	return n;
}

/*
 * Replace each byte of a broken UTF-8 sequence by '?'.  A message quotes
 * what the peer sent cut to a length ("%.64s"), which may split a
 * character; jansson would refuse the whole message, and the peer would
 * get no clear error.
 */
static void
cmd_utf8_repair(char *s)
{
	unsigned char *p = (unsigned char *)s;
	int i, n;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			continue;
		}
		n = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 :
		    (*p & 0xf8) == 0xf0 ? 4 : 0;
		for (i = 1; i < n && (p[i] & 0xc0) == 0x80; i++)
			;
		if (n == 0 || i < n) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

json_t *
cmd_error(const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *r;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cmd_utf8_repair(msg);
	r = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", code,
	    "message", msg);
	if (r == NULL)		/* still not UTF-8 (an overlong form) */
		r = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", code,
		    "message", "the request was refused");
	return r;
}

const struct cmd_verb *
cmd_verb_find(const char *name)
{
	size_t i;

	for (i = 0; i < cmd_nverbs; i++)
		if (!strcmp(cmd_verbs[i].name, name))
			return &cmd_verbs[i];
	return NULL;
}

/* Check one argument against its schema entry. */
static json_t *
cmd_check_arg(const struct cmd_arg *a, const json_t *v)
{
	long long n;

	switch (a->type) {
	case CMD_ARG_STR:
		if (!json_is_string(v))
			return cmd_error("bad_type", "%s must be a string",
			    a->name);
		n = (long long)json_string_length(v);
		/* Exactly 10 characters is the table's way of saying a date;
		 * the verb checks that it is a real one. */
		if ((n < a->min || n > a->max) && a->min == 10 && a->max == 10)
			return cmd_error("bad_value", "%s must be a date "
			    "YYYY-MM-DD", a->name);
		if (n < a->min || n > a->max)
			return cmd_error("bad_value", "%s must be %lld to %lld "
			    "characters long", a->name, a->min, a->max);
		if (strlen(json_string_value(v)) != (size_t)n ||
		    cmd_has_control(json_string_value(v)))
			return cmd_error("bad_value", "%s contains control "
			    "characters", a->name);
		return NULL;
	case CMD_ARG_INT:
		if (!json_is_integer(v))
			return cmd_error("bad_type", "%s must be a whole number",
			    a->name);
		n = json_integer_value(v);
		if (n < a->min || n > a->max)
			return cmd_error("bad_value", "%s must be between %lld "
			    "and %lld", a->name, a->min, a->max);
		return NULL;
	case CMD_ARG_BOOL:
		if (!json_is_boolean(v))
			return cmd_error("bad_type", "%s must be true or false",
			    a->name);
		return NULL;
	}
	return NULL;
}

/* Check the arguments object against the verb's schema. */
json_t *
cmd_check_args(const struct cmd_verb *v, const json_t *args)
{
	const struct cmd_arg *a;
	const char *key;
	json_t *val, *err;

	if (!json_is_object(args))
		return cmd_error("bad_request", "args must be an object");
	json_object_foreach((json_t *)args, key, val) {
		for (a = v->args; a->name != NULL; a++)
			if (!strcmp(a->name, key))
				break;
		if (a->name == NULL)
			return cmd_error("bad_request", "%s takes no argument "
			    "'%.64s'", v->name, key);
		if ((err = cmd_check_arg(a, val)) != NULL)
			return err;
	}
	for (a = v->args; a->name != NULL; a++)
		if (a->required && json_object_get(args, a->name) == NULL)
			return cmd_error("missing_argument", "%s needs '%s'",
			    v->name, a->name);
	return NULL;
}

/* True when s holds a control character (names and labels never do). */
int
cmd_has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

const struct cmd_arg *
cmd_arg_find(const char *verb, const char *name)
{
	const struct cmd_verb *v = cmd_verb_find(verb);
	const struct cmd_arg *a;

	for (a = v != NULL ? v->args : NULL; a != NULL && a->name != NULL; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}
