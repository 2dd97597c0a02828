/*
 * Verbs about staff logins: add, remove, passwd, list (staff.c does the
 * work).  Each change is journalled with its actor and the login as
 * subject, never with the password, which appears in no reply either.
 */
#include <stdio.h>
#include <string.h>

#include "cmd_verbs.h"
#include "evac.h"
#include "broker.h"
#include "house.h"

static const char *
cmd_staff_str(const json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

/* The journal subject of a staff login. */
static void
cmd_staff_subject(char *buf, size_t len, const char *login)
{
	snprintf(buf, len, "staff:%s", login);
}

/* Journal a change of login's account as type, and reply with it. */
static json_t *
cmd_staff_done(struct husvagt *h, const struct cmd_actor *a,
    const char *type, const char *login, bool reloaded)
{
	char subject[ROLE_LOGIN_MAX + 8];

	cmd_staff_subject(subject, sizeof(subject), login);
	house_journal(h, type, "", a->login, subject,
	    json_pack("{s:b}", "broker_reloaded", reloaded));
	return cmd_ok(json_pack("{s:s, s:b}", "login", login,
	    "broker_reloaded", reloaded));
}

json_t *
cmd_staff_add(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	const char *login = cmd_staff_str(args, "login");
	const char *role = cmd_staff_str(args, "role");
	char msg[512], subject[ROLE_LOGIN_MAX + 8];
	const char *err;
	bool reloaded;

	err = staff_add(h, login, role, cmd_staff_str(args, "password"),
	    &reloaded, msg, sizeof(msg));
	if (err != NULL)
		return cmd_error(err, "%s", msg);
	cmd_staff_subject(subject, sizeof(subject), login);
	house_journal(h, "staff.added", "", a->login, subject,
	    json_pack("{s:s, s:b, s:b}", "role", role, "broker",
	    broker_managed(h), "broker_reloaded", reloaded));
	return cmd_ok(json_pack("{s:s, s:s, s:b, s:b}", "login", login,
	    "role", role, "broker", broker_managed(h),
	    "broker_reloaded", reloaded));
}

json_t *
cmd_staff_remove(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	const char *login = cmd_staff_str(args, "login");
	char msg[512];
	const char *err;
	bool reloaded;

	char since[32];

	if ((err = staff_remove(h, login, &reloaded, msg, sizeof(msg))) !=
	    NULL)
		return cmd_error(err, "%s", msg);
	/* A login that no longer exists is not on duty: the roll call must
	 * not look for her. */
	if (duty_is_on(h, login) == 1)
		duty_set(h, login, false, "removed", a->login, since,
		    sizeof(since));
	return cmd_staff_done(h, a, "staff.removed", login, reloaded);
}

/* Management may set anyone's password; anyone else only their own. */
json_t *
cmd_staff_passwd(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	const char *login = cmd_staff_str(args, "login");
	char msg[512];
	const char *err;
	bool reloaded;

	if (!(a->roles & ROLE_MANAGEMENT) && strcmp(a->login, login))
		return cmd_error("forbidden", "%s may set only its own "
		    "password", a->login);
	if ((err = staff_passwd(h, login, cmd_staff_str(args, "password"),
	    &reloaded, msg, sizeof(msg))) != NULL)
		return cmd_error(err, "%s", msg);
	return cmd_staff_done(h, a, "staff.password_changed", login,
	    reloaded);
}

json_t *
cmd_staff_list(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	json_t *list;

	(void)a;
	list = staff_list(h, json_is_true(json_object_get(args, "removed")));
	if (list == NULL)
		return cmd_error("failed", "could not read the staff logins");
	return cmd_ok(json_pack("{s:o, s:b}", "staff", list, "broker",
	    broker_managed(h)));
}
