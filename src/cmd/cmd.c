/*
 * The verb table and what every verb gets for free: the argument schema
 * is checked, the actor's role is checked, and a refused state-changing
 * verb is journalled with its actor and reason before the reply leaves.
 * A verb's own function only runs on arguments that passed the schema.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd_verbs.h"
#include "house.h"


json_t *
cmd_ok(json_t *result)
{
	if (result == NULL)
		result = json_object();
	return json_pack("{s:b, s:o}", "ok", 1, "result", result);
}

json_t *
cmd_deferred(int64_t id)
{
	return json_pack("{s:I}", CMD_DEFERRED, (json_int_t)id);
}

/* Journal a refused command: verb, error code, never the arguments. */
static void
cmd_journal_refusal(struct husvagt *h, const struct cmd_actor *actor,
    const char *verb, const json_t *reply)
{
	house_journal(h, "command.refused", "", actor->login, "",
	    json_pack("{s:s%, s:s, s:s}", "verb", verb,
	    cmd_utf8_cut(verb, 64),
	    "error", json_string_value(json_object_get(reply, "error")),
	    "via", actor->via != NULL ? actor->via : ""));
}

json_t *
cmd_exec(struct husvagt *h, const struct cmd_actor *actor,
    const json_t *request)
{
	const json_t *jverb = json_object_get(request, "verb");
	json_t *args = json_object_get(request, "args"), *reply;
	const struct cmd_verb *v;
	const char *verb;

	if (!json_is_string(jverb))
		return cmd_error("bad_request", "a request needs a string "
		    "\"verb\"");
	verb = json_string_value(jverb);
	if ((v = cmd_verb_find(verb)) == NULL) {
		reply = cmd_error("unknown_verb", "no verb '%.64s'", verb);
		cmd_journal_refusal(h, actor, verb, reply);
		return reply;
	}
	if (args == NULL)
		args = json_object();
	else
		json_incref(args);
	if ((actor->roles & v->roles) == 0)
		reply = cmd_error("forbidden", "%s may not %s", actor->login,
		    v->name);
	else if ((reply = cmd_check_args(v, args)) == NULL)
		reply = v->fn(h, actor, args);
	if (v->mutates && !json_is_true(json_object_get(reply, "ok")))
		cmd_journal_refusal(h, actor, v->name, reply);
	json_decref(args);
	return reply;
}
