/*
 * The house's mode (DESIGN 3, 7): fire > lockdown > drill > normal.  A
 * pure state machine: each input sets or clears one latch, and the
 * effective mode is the strongest latch set.  No I/O, no clock; the
 * caller holds the doors and journals mode.changed when the effective
 * mode moves.
 *
 * The rules:
 *  - Fire latches from the panel input or a management command.  It is
 *    reset only by staff (any staff role), and only once the panel input
 *    has cleared; the input clearing alone changes nothing.  A real fire
 *    ends a drill: the evacuation is no longer an exercise.
 *  - Lockdown latches from a panic button, a duress PIN or a staff
 *    command and is lifted by staff.  It may be latched during a fire; it
 *    then takes over once the fire is reset.
 *  - A drill is started and ended by management, never during a fire or
 *    a lockdown.  A lockdown that comes during a drill leaves the drill
 *    latched under it (the effective mode is lockdown; mode_run.c relocks
 *    the drill's doors) and it goes on once the lockdown is lifted.
 */
#ifndef HUSVAGT_MODE_H
#define HUSVAGT_MODE_H

#include <stdbool.h>

enum mode {
	MODE_NORMAL,
	MODE_DRILL,
	MODE_LOCKDOWN,
	MODE_FIRE,		/* strongest: nothing overrides it */
};

enum mode_input {
	MODE_IN_FIRE_ACTIVE,	/* the fire panel input went active */
	MODE_IN_FIRE_CLEARED,	/* the fire panel input went back to normal */
	MODE_IN_FIRE_CMD,	/* a management command: fire */
	MODE_IN_RESET,		/* staff: reset the fire */
	MODE_IN_PANIC,		/* a panic button: lockdown */
	MODE_IN_DURESS,		/* a duress PIN: lockdown */
	MODE_IN_LOCKDOWN,	/* a staff command: lockdown */
	MODE_IN_LIFT,		/* staff: lift the lockdown */
	MODE_IN_DRILL_START,	/* management: start a drill */
	MODE_IN_DRILL_END,	/* management: end the drill */
};

/* Who gives an input.  Inputs from wires come from the system. */
enum mode_actor {
	MODE_BY_SYSTEM,
	MODE_BY_STAFF,		/* staff or installer */
	MODE_BY_MANAGEMENT,
};

enum mode_err {
	MODE_E_OK,		/* the state changed */
	MODE_E_UNCHANGED,	/* accepted, nothing to change */
	MODE_E_FORBIDDEN,	/* this actor may not give this input */
	MODE_E_FIRE_INPUT,	/* reset refused: the fire input is active */
	MODE_E_FIRE,		/* refused during a fire */
	MODE_E_LOCKDOWN,	/* refused during a lockdown */
};

struct mode_state {
	bool	 fire;		/* latched until a staff reset */
	bool	 fire_input;	/* the panel input is active now */
	bool	 lockdown;
	bool	 drill;
};

void	 mode_init(struct mode_state *);
/* Apply one input from actor; returns MODE_E_OK when the state changed.
 * On an error the state is left as it was. */
enum mode_err mode_step(struct mode_state *, enum mode_input,
	     enum mode_actor);
/* The strongest latch set. */
enum mode mode_effective(const struct mode_state *);
/* "normal", "drill", "lockdown", "fire". */
const char *mode_name(enum mode);
/* The cause journalled with mode.changed, e.g. "fire_input". */
const char *mode_input_name(enum mode_input);

#endif
