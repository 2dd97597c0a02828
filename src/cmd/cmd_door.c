/*
 * Verbs about doors and points: status, door list/release/lock, and the
 * installer's point list/get/set for testing each wire on a real board.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "cmd_verbs.h"
#include "clock.h"
#include "cred.h"
#include "house.h"
#include "journal.h"

/* One door as the outside sees it: no holder, no card.  Also the
 * payload of the retained MQTT topic state/door/<door>. */
json_t *
cmd_door_json(struct husvagt *h, struct door_rt *d, uint64_t now)
{
	(void)now;
	return json_pack("{s:s, s:s, s:b, s:s, s:b, s:b, s:b, s:b, s:b}",
	    "name", d->name, "zone", d->cfg->zone, "egress", d->cfg->egress,
	    "phase", door_phase_name(d->st.phase), "open", d->st.open,
	    "released", d->st.released, "hold", d->st.hold,
	    "fault", d->p_lock >= 0 && hal_point_faulty(h->hal, d->p_lock),
	    "locked_out", guess_blocked(&d->lockout, clock_wall_ms(),
	    h->lockout_cfg.lock_max_ms));
}

static json_t *
cmd_doors_json(struct husvagt *h)
{
	uint64_t now = clock_mono_ms();
	json_t *a = json_array();
	int i;

	for (i = 0; i < h->ndoors; i++)
		json_array_append_new(a, cmd_door_json(h, &h->doors[i], now));
	return a;
}

/* Points whose backend is not answering. */
static json_t *
cmd_faults_json(struct husvagt *h)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < h->board.npoints; i++)
		if (hal_point_faulty(h->hal, i))
			json_array_append_new(a,
			    json_string(h->board.points[i].role));
	if (h->config_fault)
		json_array_append_new(a, json_string("config"));
	return a;
}

json_t *
cmd_status(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	json_t *r, *st;

	(void)a;
	(void)args;
	r = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:I, s:s, s:o, s:o}",
	    "site", h->cfg.name, "version", HUSVAGT_VERSION,
	    "board", h->board.name,
	    "uptime_s", (json_int_t)((clock_mono_ms() - h->started_ms) / 1000),
	    "mode", mode_name(mode_effective(&h->mode)),
	    "journal_seq", (json_int_t)journal_last_seq(h->journal),
	    "credentials", (json_int_t)h->ncreds,
	    "mqtt", "disabled",
	    "doors", cmd_doors_json(h), "faults", cmd_faults_json(h));
	if (r != NULL)
		json_object_set_new(r, "loop", json_pack("{s:I}",
		    "turn_cpu_max_us", (json_int_t)(h->turn_cpu_us[0] >
		    h->turn_cpu_us[1] ? h->turn_cpu_us[0] : h->turn_cpu_us[1])));
	if (r != NULL && h->restart_needed)
		json_object_set_new(r, "restart_needed", json_true());
	if (r != NULL) {
		/* The journal's disk: a fault while rows cannot be written. */
		json_object_set_new(r, "journal_committed_seq",
		    json_integer(journal_committed_seq(h->journal)));
		st = house_storage_json(h);
		if (st != NULL && !json_is_true(json_object_get(st, "ok")))
			json_array_append_new(json_object_get(r, "faults"),
			    json_string("storage"));
		json_object_set_new(r, "storage", st);
		house_status(h, r);
	}
	return cmd_ok(r);
}

json_t *
cmd_door_list(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)a;
	(void)args;
	return cmd_ok(json_pack("{s:o}", "doors", cmd_doors_json(h)));
}

/* The door named in args, or NULL with an error reply in *err. */
static struct door_rt *
cmd_door_arg(struct husvagt *h, json_t *args, json_t **err)
{
	const char *name = json_string_value(json_object_get(args, "door"));
	struct door_rt *d = doors_find(h, name);

	if (d == NULL)
		*err = cmd_error("not_found", "no door named '%.63s'", name);
	return d;
}

/* Journal the command first, then move the door. */
static json_t *
cmd_door_move(struct husvagt *h, const struct cmd_actor *a,
    struct door_rt *d, const char *action, enum door_input ev)
{
	uint64_t now = clock_mono_ms();

	/* While the journal's disk fails, a command is refused: it could
	 * not be recorded before it acts. */
	if (journal_failing(h->journal))
		return cmd_error("journal_failed", "the journal cannot write "
		    "(storage fault); nothing was done");
	if (house_journal(h, "door.commanded", d->name, a->login, "",
	    json_pack("{s:s, s:s}", "action", action, "via", a->via)) < 0)
		return cmd_error("journal_failed", "the journal could not "
		    "record the command; nothing was done");
	doors_event(h, d, ev, a->login, now);
	return cmd_ok(cmd_door_json(h, d, now));
}

json_t *
cmd_door_release(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	json_t *err = NULL;
	struct door_rt *d = cmd_door_arg(h, args, &err);
	bool hold = json_is_true(json_object_get(args, "hold"));

	if (d == NULL)
		return err;
	return cmd_door_move(h, a, d, hold ? "hold" : "release",
	    hold ? DOOR_EV_HOLD : DOOR_EV_RELEASE);
}

json_t *
cmd_door_lock(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	json_t *err = NULL;
	struct door_rt *d = cmd_door_arg(h, args, &err);

	if (d == NULL)
		return err;
	if (h->mode.fire && d->cfg->egress)
		return cmd_error("fire", "%s is an egress door held released "
		    "by the fire; it locks after the fire is reset", d->name);
	if (d->mode_hold)
		return cmd_error("drill", "%s is an egress door held released "
		    "by the drill; it locks when the drill ends", d->name);
	return cmd_door_move(h, a, d, "lock",
	    d->st.hold ? DOOR_EV_UNHOLD : DOOR_EV_LOCK);
}

/* One point: role, kind, value, fault. */
static json_t *
cmd_point_json(struct husvagt *h, int p)
{
	const struct board_point *bp = &h->board.points[p];
	int v = -1;

	if (bp->kind == BOARD_OUTPUT)
		hal_output_get(h->hal, p, &v);
	else if (bp->kind != BOARD_READER)
		hal_input_get(h->hal, p, &v);
	return json_pack("{s:s, s:s, s:s, s:i, s:b}", "point", bp->role,
	    "kind", board_kind_name(bp->kind),
	    "backend", h->board.backends[bp->backend].name, "value", v,
	    "fault", hal_point_faulty(h->hal, p));
}

json_t *
cmd_point_list(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	json_t *arr = json_array();
	int i;

	(void)a;
	(void)args;
	for (i = 0; i < h->board.npoints; i++)
		json_array_append_new(arr, cmd_point_json(h, i));
	return cmd_ok(json_pack("{s:o}", "points", arr));
}

json_t *
cmd_point_get(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	const char *role = json_string_value(json_object_get(args, "point"));
	int p = hal_point(h->hal, role);

	(void)a;
	if (p < 0)
		return cmd_error("not_found", "no point '%.63s' on board %s",
		    role, h->board.name);
	return cmd_ok(cmd_point_json(h, p));
}

/* Is point the lock of an egress door? */
static bool
cmd_egress_lock(struct husvagt *h, int p)
{
	int i;

	for (i = 0; i < h->ndoors; i++)
		if (h->doors[i].p_lock == p && h->doors[i].cfg->egress)
			return true;
	return false;
}

json_t *
cmd_point_set(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	const char *role = json_string_value(json_object_get(args, "point"));
	int value = (int)json_integer_value(json_object_get(args, "value"));
	json_int_t secs = json_integer_value(json_object_get(args, "seconds"));
	int p = hal_point(h->hal, role);

	if (p < 0)
		return cmd_error("not_found", "no point '%.63s' on board %s",
		    role, h->board.name);
	if (h->board.points[p].kind != BOARD_OUTPUT)
		return cmd_error("bad_value", "%.63s is not an output", role);
	if (h->mode.fire && cmd_egress_lock(h, p))
		return cmd_error("fire", "%.63s is an egress lock held "
		    "released by the fire", role);
	if (h->board.points[p].lock != BOARD_LOCK_NONE)
		return cmd_error("bad_value", "%.63s drives a door lock: test "
		    "it with door release", role);
	if (secs == 0)
		secs = 3;
	if (pulse_set(h, p, value, (int)secs, a->login) != 0)
		return cmd_error("busy", "%.63s is already being pulsed, or "
		    "too many points are", role);
	return cmd_ok(cmd_point_json(h, p));
}
