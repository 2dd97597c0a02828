/*
 * Verbs about staff on duty (staff.on, staff.off, staff.duty; duty.c
 * keeps the table) and the evacuation roll call (evac.status,
 * evac.account, evac.unaccount, evac.close; evac.c keeps the record).
 * Each change is journalled by duty.c or evac.c with the actor; a
 * refusal by cmd.c.
 */
#include <stdio.h>
#include <string.h>

#include "cmd_verbs.h"
#include "evac.h"
#include "house.h"

/* What an error code of duty.c or evac.c is called when it has no
 * message of its own. */
static json_t *
cmd_evac_fail(const char *err, const char *msg)
{
	if (!strcmp(err, "internal"))
		return cmd_error(err, "the database could not record it; "
		    "see the daemon's log");
	return cmd_error(err, "%s", msg);
}

/*
 * The login staff.on/off is about: the actor's own by default.  Clocking
 * someone else in or out is management's; the login must be staff's.
 */
static json_t *
cmd_duty_login(struct husvagt *h, const struct cmd_actor *a, json_t *args,
    const char **login)
{
	const char *l = json_string_value(json_object_get(args, "login"));

	*login = l != NULL ? l : a->login;
	if (strcmp(*login, a->login) && !(a->roles & ROLE_MANAGEMENT))
		return cmd_error("forbidden", "%s may clock only themself in "
		    "or out, not %s (management may)", a->login, *login);
	if (!staff_login_ok(*login) || staff_roles_of(h, *login) == 0)
		return cmd_error("unknown_login", "%.64s is not a staff login "
		    "of this site%s", *login, l == NULL ? ": give the login "
		    "to clock in or out (staff on LOGIN)" : "");
	return NULL;
}

/* staff.on and staff.off. */
static json_t *
cmd_duty(struct husvagt *h, const struct cmd_actor *a, json_t *args,
    bool on)
{
	const char *login, *err;
	char since[40], msg[128];
	json_t *r;

	if ((r = cmd_duty_login(h, a, args, &login)) != NULL)
		return r;
	if ((err = duty_set(h, login, on, "command", a->login, since,
	    sizeof(since))) != NULL) {
		if (on)
			snprintf(msg, sizeof(msg), "%s is already on duty "
			    "since %s", login, since);
		else
			snprintf(msg, sizeof(msg), "%s is not on duty", login);
		return cmd_evac_fail(err, msg);
	}
	return cmd_ok(json_pack("{s:s, s:b, s:s?}", "login", login,
	    "on_duty", on, "since", on ? since : NULL));
}

json_t *
cmd_staff_on(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	return cmd_duty(h, a, args, true);
}

json_t *
cmd_staff_off(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	return cmd_duty(h, a, args, false);
}

json_t *
cmd_staff_duty(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)a;
	(void)args;
	return cmd_ok(json_pack("{s:o}", "on_duty", duty_list_json(h)));
}

json_t *
cmd_evac_status(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)a;
	(void)args;
	return cmd_ok(evac_status_json(h));
}

/* evac.account and evac.unaccount. */
static json_t *
cmd_evac_mark(struct husvagt *h, const struct cmd_actor *a, json_t *args,
    bool on)
{
	const char *in = json_string_value(json_object_get(args, "who"));
	char who[EVAC_WHO_MAX], msg[480];
	const char *err;

	if (evac_who_parse(in, who, sizeof(who)) == -1)
		return cmd_error("bad_value", "who '%.64s' must be a room "
		    "(101 or room:101), visit:ID or staff:LOGIN", in);
	if ((err = evac_account(h, who, on, a->login, msg, sizeof(msg))) !=
	    NULL)
		return cmd_evac_fail(err, msg);
	return cmd_ok(evac_mark_json(h, who));
}

json_t *
cmd_evac_account(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	return cmd_evac_mark(h, a, args, true);
}

json_t *
cmd_evac_unaccount(struct husvagt *h, const struct cmd_actor *a,
    json_t *args)
{
	return cmd_evac_mark(h, a, args, false);
}

json_t *
cmd_evac_close(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	const char *err;
	char msg[256];

	(void)args;
	if ((err = evac_close(h, a->login, msg, sizeof(msg))) != NULL)
		return cmd_evac_fail(err, msg);
	return cmd_ok(evac_status_json(h));
}
