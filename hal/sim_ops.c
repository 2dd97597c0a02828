/*
 * The sim driver protocol: one JSON object per line in, one per line out.
 * Every request is checked whole before anything changes, so a bad one
 * (malformed, unknown op or field, wrong point, wrong type, absurd value)
 * gets {"ok":false,"error":...} and leaves the building as it was.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "sim_int.h"
#include "wiegand.h"

#define SIM_INTERVAL_US		2000	/* a common reader's bit interval */
#define SIM_INTERVAL_MIN_US	100
#define SIM_INTERVAL_MAX_US	100000
#define SIM_KEY_GAP_US		100000	/* between a person's key presses */

typedef int sim_op_fn(struct sim *, json_t *req, json_t *reply, char *err);

/* Format an error for the reply; returns -1 for the caller to return. */
int
sim_fail(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, SIM_ERR_MAX, fmt, ap);
	va_end(ap);
	return -1;
}

/* The board point named by req[key], of this backend and of kind. */
static int
sim_arg_point(struct sim *s, json_t *req, const char *key,
    enum board_kind kind, char *err)
{
	json_t *v = json_object_get(req, key);
	const char *role;
	int p;

	if (v == NULL)
		return sim_fail(err, "missing '%s'", key);
	if ((role = json_string_value(v)) == NULL)
		return sim_fail(err, "'%s' must be a string", key);
	if ((p = board_point_find(s->board, role)) < 0)
		return sim_fail(err, "unknown point '%.64s'", role);
	if (!sim_owns(s, p))
		return sim_fail(err, "'%s' is not on the sim backend", role);
	if (s->board->points[p].kind != kind)
		return sim_fail(err, "'%s' is of kind %s, not %s", role,
		    board_kind_name(s->board->points[p].kind),
		    board_kind_name(kind));
	return p;
}

/* req[key] as a whole number in [min, max]; 1 when absent. */
int
sim_arg_int(json_t *req, const char *key, json_int_t min, json_int_t max,
    json_int_t *out, char *err)
{
	json_t *v = json_object_get(req, key);

	if (v == NULL)
		return 1;
	if (!json_is_integer(v))
		return sim_fail(err, "'%s' must be a whole number", key);
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return sim_fail(err, "'%s' must be %lld..%lld", key,
		    (long long)min, (long long)max);
	*out = json_integer_value(v);
	return 0;
}

/* req[key] as a whole number in [min, max] that must be given. */
static int
sim_arg_need(json_t *req, const char *key, json_int_t min, json_int_t max,
    json_int_t *out, char *err)
{
	int rc = sim_arg_int(req, key, min, max, out, err);

	if (rc == 1)
		return sim_fail(err, "missing '%s'", key);
	return rc;
}

/* The silence that lets the decoder close any frame, good or bad. */
static uint32_t
sim_frame_gap(struct sim *s)
{
	uint32_t t = (uint32_t)hal_params(s->hal)->wiegand_timeout_ms * 1000u;

	return (t > WIEGAND_MIN_GAP_US ? t : WIEGAND_MIN_GAP_US) + 1000u;
}

/* The bit interval of a request (interval_us, default 2 ms). */
static int
sim_arg_interval(json_t *req, uint32_t *iv, char *err)
{
	json_int_t v = SIM_INTERVAL_US;

	if (sim_arg_int(req, "interval_us", SIM_INTERVAL_MIN_US,
	    SIM_INTERVAL_MAX_US, &v, err) < 0)
		return -1;
	*iv = (uint32_t)v;
	return 0;
}

/* Send frames on a reader and say whether they had to wait. */
static int
sim_send(struct sim *s, int p, const struct sim_frame *f, int n,
    json_t *reply, char *err)
{
	bool queued;

	if (sim_reader_send(s, p, f, n, &queued) != 0)
		return sim_fail(err, "reader '%s' is busy: at most %d frames "
		    "may wait", s->board->points[p].role, SIM_FRAMES_MAX);
	json_object_set_new(reply, "frames", json_integer(n));
	json_object_set_new(reply, "queued", json_boolean(queued));
	return 0;
}

/* The card number of a present request: number, or facility + card. */
static int
sim_card_number(json_t *req, int format, json_int_t *number, char *err)
{
	json_int_t fac = 0, card = 0;
	int has_fc = json_object_get(req, "facility") != NULL ||
	    json_object_get(req, "card") != NULL;

	if (has_fc && json_object_get(req, "number") != NULL)
		return sim_fail(err, "give 'number' or 'facility' and 'card', "
		    "not both");
	if (!has_fc)
		return sim_arg_need(req, "number", 0,
		    ((json_int_t)1 << (format - 2)) - 1, number, err);
	if (format != 26)
		return sim_fail(err, "'facility' and 'card' are for format 26;"
		    " give 'number'");
	if (sim_arg_need(req, "facility", 0, 255, &fac, err) != 0 ||
	    sim_arg_need(req, "card", 0, 65535, &card, err) != 0)
		return -1;
	*number = fac << 16 | card;
	return 0;
}

/* {"op":"present","reader":R,"format":26|34|37,"number":N} */
static int
sim_op_present(struct sim *s, json_t *req, json_t *reply, char *err)
{
	struct sim_frame f = { .gap_us = sim_frame_gap(s) };
	json_int_t format = 26, number = 0;
	int p;

	if ((p = sim_arg_point(s, req, "reader", BOARD_READER, err)) < 0 ||
	    sim_arg_int(req, "format", 0, 64, &format, err) < 0 ||
	    sim_arg_interval(req, &f.interval_us, err) != 0)
		return -1;
	if (format != 26 && format != 34 && format != 37)
		return sim_fail(err, "'format' must be 26, 34 or 37");
	if (sim_card_number(req, (int)format, &number, err) != 0)
		return -1;
	f.n = wiegand_encode((int)format, (uint64_t)number, f.bits,
	    SIM_FRAME_BITS);
	if (f.n < 0)
		return sim_fail(err, "cannot encode %lld as %d bits",
		    (long long)number, (int)format);
	json_object_set_new(reply, "bits", json_integer(f.n));
	return sim_send(s, p, &f, 1, reply, err);
}

/* {"op":"keys","reader":R,"keys":"1234#"}: one 4-bit frame per key. */
static int
sim_op_keys(struct sim *s, json_t *req, json_t *reply, char *err)
{
	static const char keys[] = "0123456789*#";
	struct sim_frame f[SIM_FRAMES_MAX];
	const char *str, *k;
	uint32_t iv;
	int p, i, n;

	if ((p = sim_arg_point(s, req, "reader", BOARD_READER, err)) < 0 ||
	    sim_arg_interval(req, &iv, err) != 0)
		return -1;
	if ((str = json_string_value(json_object_get(req, "keys"))) == NULL)
		return sim_fail(err, "'keys' must be a string of 0-9, * and #");
	n = (int)strlen(str);
	if (n == 0 || n > SIM_FRAMES_MAX || strspn(str, keys) != (size_t)n)
		return sim_fail(err, "'keys' must be 1 to %d of 0-9, * and #",
		    SIM_FRAMES_MAX);
	for (i = 0; i < n; i++) {
		k = strchr(keys, str[i]);
		memset(&f[i], 0, sizeof(f[i]));
		f[i].n = wiegand_encode_key((int)(k - keys), f[i].bits,
		    SIM_FRAME_BITS);
		f[i].interval_us = iv;
		f[i].gap_us = sim_frame_gap(s) > SIM_KEY_GAP_US ?
		    sim_frame_gap(s) : SIM_KEY_GAP_US;
	}
	return sim_send(s, p, f, n, reply, err);
}

/* {"op":"bits","reader":R,"bits":"0101..."}: any raw pulse train. */
static int
sim_op_bits(struct sim *s, json_t *req, json_t *reply, char *err)
{
	struct sim_frame f = { .gap_us = sim_frame_gap(s) };
	const char *str;
	int p, i;

	if ((p = sim_arg_point(s, req, "reader", BOARD_READER, err)) < 0 ||
	    sim_arg_interval(req, &f.interval_us, err) != 0)
		return -1;
	if ((str = json_string_value(json_object_get(req, "bits"))) == NULL)
		return sim_fail(err, "'bits' must be a string of 0 and 1");
	f.n = (int)strlen(str);
	if (f.n == 0 || f.n > SIM_FRAME_BITS ||
	    strspn(str, "01") != (size_t)f.n)
		return sim_fail(err, "'bits' must be 1 to %d of 0 and 1",
		    SIM_FRAME_BITS);
	for (i = 0; i < f.n; i++)
		f.bits[i] = str[i] == '1';
	return sim_send(s, p, &f, 1, reply, err);
}

/* The data lines of a reader held low, as ["d0", "d1"]. */
json_t *
sim_held_json(const struct sim *s, int p)
{
	json_t *a = json_array();

	if (s->w[p].level & 1)
		json_array_append_new(a, json_string("d0"));
	if (s->w[p].level & 2)
		json_array_append_new(a, json_string("d1"));
	return a;
}

/*
 * {"op":"line","reader":R,"line":"d0|d1","state":"low|idle"}: hold a data
 * line low (shorted to ground, the reader unpowered or cut away) or let
 * it go back to idle.  Pulses on a held line are lost.
 */
static int
sim_op_line(struct sim *s, json_t *req, json_t *reply, char *err)
{
	const char *line = json_string_value(json_object_get(req, "line"));
	const char *state = json_string_value(json_object_get(req, "state"));
	int p, bit, low;

	if ((p = sim_arg_point(s, req, "reader", BOARD_READER, err)) < 0)
		return -1;
	if (line == NULL || (strcmp(line, "d0") && strcmp(line, "d1")))
		return sim_fail(err, "'line' must be \"d0\" or \"d1\"");
	if (state == NULL || (strcmp(state, "low") && strcmp(state, "idle")))
		return sim_fail(err, "'state' must be \"low\" or \"idle\"");
	bit = line[1] == '1' ? 2 : 1;
	low = !strcmp(state, "low");
	if ((s->w[p].level & bit) != (low ? bit : 0)) {
		s->w[p].level ^= bit;
		(void)sim_wires_save(s);
	}
	json_object_set_new(reply, "held", sim_held_json(s, p));
	return 0;
}

/* {"op":"input","point":P,"value":0|1}: logical, 1 = active. */
static int
sim_op_input(struct sim *s, json_t *req, json_t *reply, char *err)
{
	json_t *v = json_object_get(req, "value");
	int p, value, level;
	bool changed;

	if ((p = sim_arg_point(s, req, "point", BOARD_INPUT, err)) < 0)
		return -1;
	if (json_is_boolean(v))
		value = json_is_true(v);
	else if (json_is_integer(v) && (json_integer_value(v) == 0 ||
	    json_integer_value(v) == 1))
		value = (int)json_integer_value(v);
	else
		return sim_fail(err, "'value' must be 0 or 1");
	level = value ^ (s->board->points[p].active_low != 0);
	changed = s->w[p].level != level;
	s->w[p].level = level;
	/* The edge first, the file after: a real input reaches the HAL
	 * with no fsync in its way, and an exit button's release is timed
	 * from the press (make bench) without the sim's own disk. */
	hal_report_input(s->hal, p, level, clock_mono_ms());
	if (changed)
		(void)sim_wires_save(s);
	json_object_set_new(reply, "value", json_integer(value));
	json_object_set_new(reply, "level", json_integer(level));
	return 0;
}

/* {"op":"loop","point":P,"state":"normal|active|cut|short"} */
static int
sim_op_loop(struct sim *s, json_t *req, json_t *reply, char *err)
{
	const char *str;
	bool changed;
	int p, k;

	if ((p = sim_arg_point(s, req, "point", BOARD_SUPERVISED, err)) < 0)
		return -1;
	str = json_string_value(json_object_get(req, "state"));
	for (k = 0; str != NULL && k < 4; k++)
		if (!strcmp(str, sim_loop_names[k]))
			break;
	if (str == NULL || k == 4)
		return sim_fail(err, "'state' must be normal, active, cut or "
		    "short");
	/* The wire first, its record after: what the input causes (a
	 * fire's egress locks) does not wait for the sim's file. */
	changed = s->w[p].loop != k;
	s->w[p].loop = k;
	hal_report_loop(s->hal, p, k, clock_mono_ms());
	if (changed)
		(void)sim_wires_save(s);
	json_object_set_new(reply, "state", json_string(str));
	return 0;
}

static const struct {
	const char	*name;
	const char	*fields;	/* allowed besides "op" */
	sim_op_fn	*fn;
} sim_ops[] = {
	{ "present", " reader format number facility card interval_us ",
	    sim_op_present },
	{ "keys", " reader keys interval_us ", sim_op_keys },
	{ "bits", " reader bits interval_us ", sim_op_bits },
	{ "line", " reader line state ", sim_op_line },
	{ "input", " point value ", sim_op_input },
	{ "loop", " point state ", sim_op_loop },
	{ "outputs", " ", sim_op_outputs },
	{ "inputs", " ", sim_op_inputs },
	{ "points", " ", sim_op_points },
	{ "history", " since ", sim_op_history },
};

/* A field the op does not know is refused, not silently ignored. */
static int
sim_fields_ok(json_t *req, const char *op, const char *fields, char *err)
{
	char word[72];
	const char *key;
	json_t *v;

	json_object_foreach(req, key, v) {
		if (!strcmp(key, "op"))
			continue;
		snprintf(word, sizeof(word), " %s ", key);
		if (strlen(key) > 64 || strstr(fields, word) == NULL)
			return sim_fail(err, "unknown field '%.64s' for op %s",
			    key, op);
	}
	return 0;
}

/* Find the op of a parsed request and run it. */
static int
sim_run(struct sim *s, json_t *req, json_t *reply, char *err)
{
	const char *op;
	size_t i;

	if (!json_is_object(req))
		return sim_fail(err, "a request is one JSON object");
	if ((op = json_string_value(json_object_get(req, "op"))) == NULL)
		return sim_fail(err, "missing 'op' (a string)");
	for (i = 0; i < sizeof(sim_ops) / sizeof(sim_ops[0]); i++) {
		if (strcmp(op, sim_ops[i].name) != 0)
			continue;
		if (sim_fields_ok(req, op, sim_ops[i].fields, err) != 0)
			return -1;
		return sim_ops[i].fn(s, req, reply, err);
	}
	return sim_fail(err, "unknown op '%.64s' (present, keys, bits, input, "
	    "loop, outputs, inputs, points, history)", op);
}

/* Handle one request line; returns the reply's JSON text (free() it). */
char *
sim_request(struct sim *s, const char *line, size_t len)
{
	char err[SIM_ERR_MAX] = "";
	json_error_t jerr;
	json_t *req, *reply;
	char *text;

	reply = json_pack("{sb}", "ok", 1);
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL)
		sim_fail(err, "bad JSON: %s", jerr.text);
	if (reply == NULL || req == NULL || sim_run(s, req, reply, err) != 0) {
		json_decref(reply);
		reply = json_pack("{sb ss}", "ok", 0, "error",
		    err[0] != '\0' ? err : "out of memory");
	}
	json_decref(req);
	text = reply != NULL ? json_dumps(reply, JSON_COMPACT) : NULL;
	json_decref(reply);
	return text;
}
