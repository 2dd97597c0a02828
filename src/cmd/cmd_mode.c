/*
 * Verbs about the house's mode: mode.status, mode.lockdown, mode.lift,
 * mode.fire, mode.reset and mode.drill; and about its alarms: alarm.list
 * and alarm.ack (alarm.c keeps them).  The table in cmd.c says who may
 * run each; mode.c checks again, and its answer becomes the reply.  The
 * change itself is journalled (mode.changed) by mode_run_input with
 * the actor; a refusal by cmd.c (command.refused).
 */
#include <string.h>

#include "cmd_verbs.h"
#include "house.h"

/* The actor as the mode machine sees it. */
static enum mode_actor
cmd_mode_actor(const struct cmd_actor *a)
{
	return (a->roles & ROLE_MANAGEMENT) ? MODE_BY_MANAGEMENT :
	    MODE_BY_STAFF;
}

/* Give one input and turn mode.c's answer into a reply. */
static json_t *
cmd_mode_input(struct husvagt *h, const struct cmd_actor *a,
    enum mode_input in)
{
	json_t *r;

	switch (mode_run_input(h, in, cmd_mode_actor(a), a->login, "")) {
	case MODE_E_OK:
	case MODE_E_UNCHANGED:
		break;
	case MODE_E_FORBIDDEN:
		return cmd_error("forbidden", "%s may not %s", a->login,
		    mode_input_name(in));
	case MODE_E_FIRE_INPUT:
		return cmd_error("fire_input_active", "the fire panel is "
		    "still in alarm: reset once it has cleared");
	case MODE_E_FIRE:
		return cmd_error("fire", "not during a fire");
	case MODE_E_LOCKDOWN:
		return cmd_error("lockdown", "not during a lockdown: lift it "
		    "first");
	}
	r = mode_run_json(h);
	return cmd_ok(r);
}

json_t *
cmd_mode_status(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)a;
	(void)args;
	return cmd_ok(mode_run_json(h));
}

json_t *
cmd_mode_lockdown(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)args;
	return cmd_mode_input(h, a, MODE_IN_LOCKDOWN);
}

json_t *
cmd_mode_lift(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)args;
	return cmd_mode_input(h, a, MODE_IN_LIFT);
}

json_t *
cmd_mode_fire(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)args;
	return cmd_mode_input(h, a, MODE_IN_FIRE_CMD);
}

json_t *
cmd_mode_reset(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)args;
	return cmd_mode_input(h, a, MODE_IN_RESET);
}

json_t *
cmd_mode_drill(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	const char *action = json_string_value(json_object_get(args,
	    "action"));

	if (!strcmp(action, "start"))
		return cmd_mode_input(h, a, MODE_IN_DRILL_START);
	if (!strcmp(action, "end"))
		return cmd_mode_input(h, a, MODE_IN_DRILL_END);
	return cmd_error("bad_value", "action must be start or end");
}

json_t *
cmd_alarm_list(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)a;
	(void)args;
	return cmd_ok(json_pack("{s:o}", "alarms", alarm_list_json(h)));
}

json_t *
cmd_alarm_ack(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	json_int_t id = json_integer_value(json_object_get(args, "id"));
	const char *err;

	err = alarm_ack(h, (int64_t)id, a->login);
	if (err != NULL && !strcmp(err, "not_found"))
		return cmd_error(err, "no open alarm %lld", (long long)id);
	if (err != NULL)
		return cmd_error(err, "alarm %lld not acknowledged",
		    (long long)id);
	return cmd_ok(json_pack("{s:o}", "alarms", alarm_list_json(h)));
}
