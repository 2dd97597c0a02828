/*
 * husvagt-sim's tables: outputs, inputs, points and the history of line
 * changes, one row a point, as the sim backend reports them.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "simc.h"

/* A text field for a table, or "-". */
static const char *
simc_str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "-";
}

/* A number field for a table, or -1. */
static long long
simc_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* One row of outputs: a lock shows released or locked. */
static void
simc_show_output(json_t *o)
{
	json_t *released = json_object_get(o, "released");
	const char *state = simc_int(o, "value") ? "on" : "off";

	if (released != NULL)
		state = json_is_true(released) ? "released" : "locked";
	printf("%-22s %-22s %5lld %5lld %-11s %-8s %s\n", simc_str(o, "point"),
	    simc_str(o, "line"), simc_int(o, "level"), simc_int(o, "value"),
	    simc_str(o, "lock"), state,
	    json_is_true(json_object_get(o, "written")) ? "yes" : "no");
}

/* One row of inputs: active or inactive, or a loop's state. */
static void
simc_show_input(json_t *o)
{
	const char *state = simc_str(o, "state");
	char level[24] = "-";

	if (json_object_get(o, "value") != NULL) {
		state = simc_int(o, "value") ? "active" : "inactive";
		snprintf(level, sizeof(level), "%lld", simc_int(o, "level"));
	}
	printf("%-22s %-10s %-22s %5s %s\n", simc_str(o, "point"),
	    simc_str(o, "kind"), simc_str(o, "line"), level, state);
}

/* One row of points: its wires, active level and lock type. */
static void
simc_show_point(json_t *o)
{
	char wires[160];

	if (json_object_get(o, "d0") != NULL)
		snprintf(wires, sizeof(wires), "%s,%s", simc_str(o, "d0"),
		    simc_str(o, "d1"));
	else
		snprintf(wires, sizeof(wires), "%s", simc_str(o, "line"));
	printf("%-22s %-10s %-28s %-6s %s\n", simc_str(o, "point"),
	    simc_str(o, "kind"), wires, simc_str(o, "active"),
	    simc_str(o, "lock"));
}

/* One row of history, with the wall-clock time in UTC. */
static void
simc_show_change(json_t *o)
{
	long long ms = simc_int(o, "real_ms");
	time_t t = (time_t)(ms / 1000);
	char when[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	printf("%6lld %s.%03lldZ %12lld %-22s %lld\n", simc_int(o, "seq"),
	    when, ms % 1000, simc_int(o, "mono_ms"), simc_str(o, "point"),
	    simc_int(o, "level"));
}

static const struct {
	const char	*op;
	const char	*head;
	void		(*show)(json_t *);
} simc_lists[] = {
	{ "outputs", "POINT                  LINE                   LEVEL "
	    "VALUE LOCK        STATE    WRITTEN\n", simc_show_output },
	{ "inputs", "POINT                  KIND       LINE                   "
	    "LEVEL STATE\n", simc_show_input },
	{ "points", "POINT                  KIND       WIRES                  "
	    "      ACTIVE LOCK\n", simc_show_point },
	{ "history", "   SEQ WHEN (UTC)                     MONO_MS POINT     "
	    "             LEVEL\n", simc_show_change },
};

void
simc_show(const char *op, json_t *rows)
{
	json_t *row;
	size_t i, k;

	for (k = 0; k < sizeof(simc_lists) / sizeof(simc_lists[0]); k++) {
		if (strcmp(simc_lists[k].op, op) != 0)
			continue;
		fputs(simc_lists[k].head, stdout);
		json_array_foreach(rows, i, row)
			simc_lists[k].show(row);
	}
}
