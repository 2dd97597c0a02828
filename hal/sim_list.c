/*
 * The sim backend's listing requests (outputs, inputs, points, history):
 * what a meter on each wire of the simulated building would read.
 */
#include <stdio.h>
#include <string.h>

#include "sim_int.h"

/* One output as the outputs op shows it. */
static json_t *
sim_output_json(struct sim *s, int i)
{
	const struct board_point *bp = &s->board->points[i];
	int level = s->w[i].level, value = level ^ (bp->active_low != 0);
	json_t *o;

	o = json_pack("{ss ss si si sb}", "point", bp->role, "line",
	    bp->line, "level", level, "value", value, "written",
	    s->w[i].written);
	if (o != NULL && bp->lock != BOARD_LOCK_NONE) {
		json_object_set_new(o, "lock", json_string(
		    bp->lock == BOARD_LOCK_FAIL_SAFE ? "fail-safe" :
		    "fail-secure"));
		json_object_set_new(o, "released", json_boolean(
		    bp->lock == BOARD_LOCK_FAIL_SAFE ? !value : value));
	}
	return o;
}

/* One input or loop as the inputs op shows it. */
static json_t *
sim_input_json(struct sim *s, int i)
{
	const struct board_point *bp = &s->board->points[i];
	int level = s->w[i].level;

	if (bp->kind == BOARD_SUPERVISED)
		return json_pack("{ss ss ss ss}", "point", bp->role, "kind",
		    "supervised", "line", bp->line, "state",
		    sim_loop_names[s->w[i].loop]);
	return json_pack("{ss ss ss si si}", "point", bp->role, "kind",
	    "input", "line", bp->line, "level", level, "value",
	    level ^ (bp->active_low != 0));
}

/* One point as the points op shows it. */
static json_t *
sim_point_json(struct sim *s, int i)
{
	const struct board_point *bp = &s->board->points[i];
	json_t *o = json_pack("{ss ss}", "point", bp->role, "kind",
	    board_kind_name(bp->kind));

	if (o == NULL)
		return NULL;
	if (bp->kind == BOARD_READER) {
		json_object_set_new(o, "d0", json_string(bp->line));
		json_object_set_new(o, "d1", json_string(bp->line_d1));
		json_object_set_new(o, "held_low", sim_held_json(s, i));
		return o;
	}
	json_object_set_new(o, "line", json_string(bp->line));
	if (bp->kind != BOARD_SUPERVISED)
		json_object_set_new(o, "active", json_string(bp->active_low ?
		    "low" : "high"));
	if (bp->lock != BOARD_LOCK_NONE)
		json_object_set_new(o, "lock", json_string(
		    bp->lock == BOARD_LOCK_FAIL_SAFE ? "fail-safe" :
		    "fail-secure"));
	return o;
}

/* A list of this backend's points, each shown by show (NULL: skipped). */
static int
sim_list(struct sim *s, json_t *reply, const char *name, unsigned kinds,
    json_t *(*show)(struct sim *, int))
{
	json_t *list = json_array();
	int i;

	for (i = 0; list != NULL && i < s->board->npoints; i++)
		if (sim_owns(s, i) && (kinds & (1u << s->board->points[i].kind)))
			json_array_append_new(list, show(s, i));
	return json_object_set_new(reply, name, list);
}

/* {"op":"outputs"}: every output's level, value, lock state. */
int
sim_op_outputs(struct sim *s, json_t *req, json_t *reply, char *err)
{
	(void)req;
	(void)err;
	return sim_list(s, reply, "outputs", 1u << BOARD_OUTPUT,
	    sim_output_json);
}

/* {"op":"inputs"}: every input's level and value, every loop's state. */
int
sim_op_inputs(struct sim *s, json_t *req, json_t *reply, char *err)
{
	(void)req;
	(void)err;
	return sim_list(s, reply, "inputs", 1u << BOARD_INPUT |
	    1u << BOARD_SUPERVISED, sim_input_json);
}

/* {"op":"points"}: the board as the sim sees it. */
int
sim_op_points(struct sim *s, json_t *req, json_t *reply, char *err)
{
	(void)req;
	(void)err;
	return sim_list(s, reply, "points", ~0u, sim_point_json);
}

/* {"op":"history","since":N}: output changes after entry N. */
int
sim_op_history(struct sim *s, json_t *req, json_t *reply, char *err)
{
	json_int_t since = 0;

	if (sim_arg_int(req, "since", 0, INT64_MAX, &since, err) < 0)
		return -1;
	if (sim_history(s, (uint64_t)since, reply) != 0)
		return sim_fail(err, "cannot read the change log");
	return 0;
}
