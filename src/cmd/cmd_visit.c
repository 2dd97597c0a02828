/*
 * The guest verbs at the door: evaluate a caller, admit her (the door
 * releases and a visit opens), refuse her, check her out, and who is
 * inside.  The rules are guest_rules.c's and the lookups guest.c's;
 * here the verdict is turned into an admission or a refusal.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "cmd_verbs.h"
#include "guest.h"
#include "house.h"

static const char *
cmd_vstr(const json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

/* The door named in args, or NULL with an error reply in *err. */
static struct door_rt *
cmd_visit_door(struct husvagt *h, const json_t *args, json_t **err)
{
	const char *name = cmd_vstr(args, "door");
	struct door_rt *d = doors_find(h, name);

	if (d == NULL)
		*err = cmd_error("not_found", "no door named '%.63s'", name);
	return d;
}

/* Evaluate a caller by name and/or stay; an error reply or NULL. */
static json_t *
cmd_visit_evaluate(struct husvagt *h, const char *name, int64_t stay,
    struct guest_eval *e)
{
	const char *code;
	char msg[128];

	if ((code = guest_evaluate(h, name, stay, e, msg, sizeof(msg))) != NULL)
		return cmd_error(code, "%s", msg);
	return NULL;
}

/* Evaluate the caller of args at its door. */
static json_t *
cmd_visit_eval(struct husvagt *h, const json_t *args, struct door_rt **d,
    struct guest_eval *e)
{
	json_t *err = NULL;

	if ((*d = cmd_visit_door(h, args, &err)) == NULL)
		return err;
	return cmd_visit_evaluate(h, cmd_vstr(args, "guest"),
	    json_integer_value(json_object_get(args, "stay")), e);
}

json_t *
cmd_guest_evaluate(struct husvagt *h, const struct cmd_actor *a,
    json_t *args)
{
	struct guest_eval e;
	struct door_rt *d;
	json_t *err, *r;

	(void)a;
	if ((err = cmd_visit_eval(h, args, &d, &e)) != NULL)
		return err;
	r = guest_eval_json(h, &e);
	json_object_set_new(r, "door", json_string(d->name));
	return cmd_ok(r);
}

/* The reasons as text for a message: "outside_hours, max_guests". */
static void
cmd_visit_reasons(unsigned reasons, char *buf, size_t len)
{
	unsigned bit;

	buf[0] = '\0';
	for (bit = 1; bit < 1u << GUEST_NREASONS; bit <<= 1)
		if (reasons & bit)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			    buf[0] != '\0' ? ", " : "",
			    guest_reason_name(bit));
}

/* Journal visit.refused at a door: the reasons (extra appended), the
 * stay and the agreement, by id. */
static int64_t
cmd_visit_refused(struct husvagt *h, const char *actor, struct door_rt *d,
    const struct guest_eval *e, const char *extra)
{
	char subject[40] = "";

	if (e->stay != 0)
		snprintf(subject, sizeof(subject), "stay:%lld",
		    (long long)e->stay);
	return house_journal(h, "visit.refused", d->name, actor, subject,
	    json_pack("{s:o, s:o, s:o}", "reasons",
	    guest_reasons_json(e->v.reasons, extra), "stay", e->stay ?
	    json_integer(e->stay) : json_null(), "agreement", e->agreement ?
	    json_integer(e->agreement) : json_null()));
}

/* A denial that stands: journalled as a refusal, answered "denied". */
static json_t *
cmd_visit_deny(struct husvagt *h, const struct cmd_actor *a,
    struct door_rt *d, const struct guest_eval *e)
{
	char why[160];
	json_t *r;

	cmd_visit_reasons(e->v.reasons, why, sizeof(why));
	cmd_visit_refused(h, a->login, d, e, NULL);
	r = e->v.reasons & GUEST_HARD ? cmd_error("denied", "not admitted: "
	    "%s; this cannot be overridden", why) : cmd_error("denied",
	    "not admitted: %s; the house rules do not let staff admit a "
	    "guest without an agreement", why);
	json_object_set_new(r, "reasons", guest_reasons_json(e->v.reasons,
	    NULL));
	return r;
}

/*
 * Release the door for the visitor the way door.release does: the
 * command journalled with the actor, then the door's own machine.
 */
static void
cmd_visit_release(struct husvagt *h, const struct cmd_actor *a,
    struct door_rt *d, int64_t visit)
{
	if (house_journal(h, "door.commanded", d->name, a->login, "",
	    json_pack("{s:s, s:s, s:I}", "action", "release", "via", a->via,
	    "visit", (json_int_t)visit)) < 0)
		return;
	doors_event(h, d, DOOR_EV_RELEASE, a->login, clock_mono_ms());
}

json_t *
cmd_guest_admit(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	const char *reason = cmd_vstr(args, "reason");
	struct guest_eval e;
	struct door_rt *d;
	json_t *err, *r;
	char why[160];
	int64_t visit;

	if (reason != NULL && (err = cmd_text_check(h, "reason", reason)) !=
	    NULL)
		return err;
	if ((err = cmd_visit_eval(h, args, &d, &e)) != NULL)
		return err;
	if (!e.v.allow && !e.v.overridable)
		return cmd_visit_deny(h, a, d, &e);
	if (!e.v.allow && reason == NULL) {
		cmd_visit_reasons(e.v.reasons, why, sizeof(why));
		r = cmd_error("reason_required", "the house rules say no (%s); "
		    "staff may admit her anyway with --reason saying why", why);
		json_object_set_new(r, "reasons",
		    guest_reasons_json(e.v.reasons, NULL));
		return r;
	}
	visit = visit_open(h, &e, cmd_vstr(args, "guest"), d->name, a->login,
	    e.v.allow ? NULL : reason);
	if (visit < 0)
		return cmd_error("journal_failed", "the visit could not be "
		    "recorded; the door stays locked");
	cmd_visit_release(h, a, d, visit);
	r = guest_eval_json(h, &e);
	json_object_set_new(r, "visit", json_integer(visit));
	json_object_set_new(r, "override", json_boolean(!e.v.allow));
	json_object_set_new(r, "door", cmd_door_json(h, d, clock_mono_ms()));
	return cmd_ok(r);
}

json_t *
cmd_guest_refuse(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	int64_t stay = json_integer_value(json_object_get(args, "stay"));
	struct guest_eval e;
	struct door_rt *d;
	json_t *err = NULL;
	const char *extra;

	memset(&e, 0, sizeof(e));
	if ((d = cmd_visit_door(h, args, &err)) == NULL)
		return err;
	if (cmd_vstr(args, "guest") != NULL)
		err = cmd_visit_evaluate(h, cmd_vstr(args, "guest"), stay, &e);
	else if (stay != 0)
		err = cmd_visit_evaluate(h, NULL, stay, &e);
	if (err != NULL)
		return err;
	/* Staff's own decision is a reason of its own when they gave one,
	 * or when the rules would have let her in. */
	extra = cmd_vstr(args, "reason") != NULL || e.v.reasons == 0 ?
	    "staff_decision" : NULL;
	if (cmd_vstr(args, "guest") == NULL)
		e.v.reasons = 0;
	if (cmd_visit_refused(h, a->login, d, &e, extra) < 0)
		return cmd_error("journal_failed", "the journal could not "
		    "record the refusal");
	return cmd_ok(json_pack("{s:s, s:o, s:o, s:o}", "door", d->name,
	    "reasons", guest_reasons_json(e.v.reasons, extra), "stay",
	    e.stay ? json_integer(e.stay) : json_null(), "agreement",
	    e.agreement ? json_integer(e.agreement) : json_null()));
}

json_t *
cmd_guest_checkout(struct husvagt *h, const struct cmd_actor *a,
    json_t *args)
{
	json_int_t visit = json_integer_value(json_object_get(args, "visit"));
	const char *err = visit_close(h, visit, a->login);

	if (err == NULL)
		return cmd_ok(json_pack("{s:I, s:b}", "visit", visit,
		    "checked_out", 1));
	if (!strcmp(err, "not_found"))
		return cmd_error("not_found", "no visit %lld", (long long)visit);
	if (!strcmp(err, "checked_out"))
		return cmd_error("checked_out", "visit %lld was already checked "
		    "out", (long long)visit);
	if (!strcmp(err, "journal"))
		return cmd_error("journal_failed", "the journal could not "
		    "record the check-out; the visit stays open");
	return cmd_error("internal", "the visit could not be checked out");
}

json_t *
cmd_guest_inside(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	json_t *v = visit_inside_json(h);

	(void)a;
	(void)args;
	return cmd_ok(json_pack("{s:I, s:o}", "count",
	    (json_int_t)json_array_size(v), "visits", v));
}
