/*
 * The house's mode as a pure state machine; see mode.h for the rules.
 */
#include <string.h>

#include "mode.h"

void
mode_init(struct mode_state *s)
{
	memset(s, 0, sizeof(*s));
}

/* Who may give each input: wires speak as the system, commands as
 * people; a reset or a lift is never the system's to give. */
static bool
mode_allowed(enum mode_input in, enum mode_actor by)
{
	switch (in) {
	case MODE_IN_FIRE_ACTIVE:
	case MODE_IN_FIRE_CLEARED:
	case MODE_IN_PANIC:
	case MODE_IN_DURESS:
		return by == MODE_BY_SYSTEM;
	case MODE_IN_FIRE_CMD:
	case MODE_IN_DRILL_START:
	case MODE_IN_DRILL_END:
		return by == MODE_BY_MANAGEMENT;
	case MODE_IN_RESET:
	case MODE_IN_LOCKDOWN:
	case MODE_IN_LIFT:
		return by != MODE_BY_SYSTEM;
	}
	return false;
}

/* Set or clear one latch; says whether it moved. */
static enum mode_err
mode_latch(bool *latch, bool value)
{
	if (*latch == value)
		return MODE_E_UNCHANGED;
	*latch = value;
	return MODE_E_OK;
}

/* The fire inputs: a real fire ends a drill. */
static enum mode_err
mode_fire(struct mode_state *s, enum mode_input in)
{
	enum mode_err e;

	switch (in) {
	case MODE_IN_FIRE_ACTIVE:
		s->fire_input = true;
		/* FALLTHROUGH */
	case MODE_IN_FIRE_CMD:
		e = mode_latch(&s->fire, true);
		if (mode_latch(&s->drill, false) == MODE_E_OK)
			e = MODE_E_OK;
		return e;
	case MODE_IN_FIRE_CLEARED:
		return mode_latch(&s->fire_input, false);
	default:	/* MODE_IN_RESET */
		if (s->fire && s->fire_input)
			return MODE_E_FIRE_INPUT;
		return mode_latch(&s->fire, false);
	}
}

enum mode_err
mode_step(struct mode_state *s, enum mode_input in, enum mode_actor by)
{
	if (!mode_allowed(in, by))
		return MODE_E_FORBIDDEN;
	switch (in) {
	case MODE_IN_FIRE_ACTIVE:
	case MODE_IN_FIRE_CLEARED:
	case MODE_IN_FIRE_CMD:
	case MODE_IN_RESET:
		return mode_fire(s, in);
	case MODE_IN_PANIC:
	case MODE_IN_DURESS:
	case MODE_IN_LOCKDOWN:
		return mode_latch(&s->lockdown, true);
	case MODE_IN_LIFT:
		return mode_latch(&s->lockdown, false);
	case MODE_IN_DRILL_START:
		if (s->fire)
			return MODE_E_FIRE;
		if (s->lockdown && !s->drill)
			return MODE_E_LOCKDOWN;
		return mode_latch(&s->drill, true);
	case MODE_IN_DRILL_END:
		return mode_latch(&s->drill, false);
	}
	return MODE_E_FORBIDDEN;
}

enum mode
mode_effective(const struct mode_state *s)
{
	if (s->fire)
		return MODE_FIRE;
	if (s->lockdown)
		return MODE_LOCKDOWN;
	if (s->drill)
		return MODE_DRILL;
	return MODE_NORMAL;
}

const char *
mode_name(enum mode m)
{
	static const char *names[] = { "normal", "drill", "lockdown", "fire" };

	return (unsigned)m < sizeof(names) / sizeof(names[0]) ? names[m] :
	    "unknown";
}

const char *
mode_input_name(enum mode_input in)
{
	static const char *names[] = { "fire_input", "fire_cleared",
	    "fire_command", "reset", "panic", "duress", "lockdown_command",
	    "lift", "drill_start", "drill_end" };

	return (unsigned)in < sizeof(names) / sizeof(names[0]) ?
	    names[in] : "unknown";
}
