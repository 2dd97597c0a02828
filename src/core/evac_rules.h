/*
 * The roll call's rules (evac_rules.c): pure, no I/O.  What a mode change
 * does to the evacuation record, and the names of a record's items.
 */
#ifndef HUSVAGT_EVAC_RULES_H
#define HUSVAGT_EVAC_RULES_H

#include <stddef.h>

#include "mode.h"

#define EVAC_WHO_MAX	48	/* "staff:" + a login, "room:" + a room */

enum evac_action {
	EVAC_NONE,
	EVAC_OPEN_FIRE,		/* open a fire record */
	EVAC_OPEN_DRILL,	/* open a drill record */
	EVAC_TO_FIRE,		/* the running drill's record: fire */
	EVAC_REPLACE_FIRE,	/* close an ended drill's record, open fire */
};

/*
 * What a mode change from old to now does to the roll call, given the
 * kind of the open record ("fire", "drill"; NULL: none open).  A record
 * opens when the effective mode becomes fire or drill and none is open.
 * A fire during a running drill turns the drill's record into a fire
 * record, so what staff already counted outside stays counted; a fire
 * after the drill ended (its record still open) starts a fresh roll
 * call, since people went back in.
 */
enum evac_action evac_decide(const struct mode_state *old,
	     const struct mode_state *now, const char *open_kind);

/*
 * Turn what staff typed into an item name: "101" and "room:101" give
 * "room:101", "visit:7" and "staff:anna" stay as they are.  Returns 0,
 * or -1 when in is none of these (out is then empty).
 */
int	 evac_who_parse(const char *in, char *out, size_t len);

#endif
