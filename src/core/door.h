/*
 * The door state machine: a pure function of (state, event, time) to
 * (state, lock output, journal records, next deadline).  No I/O, no clock:
 * the caller passes CLOCK_MONOTONIC milliseconds, so tests can walk every
 * transition.
 */
#ifndef HUSVAGT_DOOR_H
#define HUSVAGT_DOOR_H

#include <stdbool.h>
#include <stdint.h>

#define DOOR_RELEASE_MIN_MS	3000	/* DESIGN 3: never under 3 s */
#define DOOR_REC_MAX		4

enum door_phase {
	DOOR_LOCKED,		/* closed, lock engaged */
	DOOR_RELEASED,		/* closed, lock released for the release time */
	DOOR_OPEN,		/* open after a grant or REX, or while held */
	DOOR_HELD_WARN,		/* open past the pre-alarm time */
	DOOR_HELD,		/* open past the held-open alarm time */
	DOOR_FORCED,		/* opened while locked, no grant, no REX */
};

enum door_input {
	DOOR_EV_GRANT,		/* access granted at a reader */
	DOOR_EV_REX,		/* request to exit: always releases */
	DOOR_EV_RELEASE,	/* command: release for the release time */
	DOOR_EV_HOLD,		/* hold released until DOOR_EV_UNHOLD (fire) */
	DOOR_EV_UNHOLD,		/* end of hold: relock (at close if open) */
	DOOR_EV_LOCK,		/* command: lock now (not while held) */
	DOOR_EV_OPENED,		/* contact opened */
	DOOR_EV_CLOSED,		/* contact closed */
	DOOR_EV_TICK,		/* time passed: check the timers */
};

enum door_record {
	DOOR_REC_RELEASED,	/* "door.released" lock output released */
	DOOR_REC_LOCKED,	/* "door.locked"   lock output engaged */
	DOOR_REC_OPENED,	/* "door.opened" */
	DOOR_REC_CLOSED,	/* "door.closed" */
	DOOR_REC_HELD_WARN,	/* "door.held_warning" pre-alarm */
	DOOR_REC_HELD,		/* "door.held" alarm */
	DOOR_REC_FORCED,	/* "door.forced" alarm */
	DOOR_REC_REX,		/* "door.rex" */
};

struct door_cfg {
	uint32_t release_ms;	/* >= DOOR_RELEASE_MIN_MS */
	uint32_t held_warn_ms;	/* pre-alarm after opening */
	uint32_t held_ms;	/* alarm after opening, > held_warn_ms */
	bool	 forced_alarm;	/* false: a mechanical exit handle without a
				   switch opens the door from inside */
};

struct door_state {
	enum door_phase	 phase;
	bool		 open;		/* contact reports open */
	bool		 released;	/* lock output released */
	bool		 hold;		/* held released (fire, command) */
	uint64_t	 release_until;	/* end of a timed release; 0 none */
	uint64_t	 rex_until;	/* end of an exit release (REX), which
					   no LOCK or UNHOLD cuts short; 0 none */
	uint64_t	 opened_at;	/* held-open timing starts: the
					   opening, or the end of a hold */
};

struct door_out {
	bool		 released;	/* the lock output after the step */
	int		 nrec;
	enum door_record rec[DOOR_REC_MAX];
	uint64_t	 deadline;	/* next DOOR_EV_TICK wanted; 0: none */
};

/*
 * Start a door from what the contact says now.  The lock starts engaged
 * (a caller in fire mode then sends DOOR_EV_HOLD).  A door found open is
 * treated as opened now: it is timed for held-open, never called forced.
 */
void door_init(const struct door_cfg *, struct door_state *, bool open,
    uint64_t now, struct door_out *);
/* One event.  out is filled with the outputs and records of this step. */
void door_step(const struct door_cfg *, struct door_state *, enum door_input,
    uint64_t now, struct door_out *);

const char *door_phase_name(enum door_phase);
/* The journal type of a record, e.g. "door.forced". */
const char *door_record_type(enum door_record);

#endif
