/*
 * The safety core of husvagt in Promela: the door machine (src/core/door.c),
 * the mode machine (src/core/mode.c) and the glue that drives them
 * (src/house/mode_run.c: the egress hold of a fire or a drill; src/cmd/cmd_door.c:
 * the guards of door.lock; src/daemon/daemon.c and mode_run.c: a restart from
 * the inputs and the kept latches).  See docs/safety-model.md.
 *
 * One process picks one input at a time, in any order: fire panel on and
 * off, fire command, reset, panic/lockdown, lift, drill start and end,
 * and per door REX, card grant, door.release, door.release hold,
 * door.lock, contact open and close; a tick of time; a restart.  Each
 * input is one d_step, as in the daemon, where one input is handled to
 * the end before the next is read.
 *
 * Time is abstracted into ticks: a tick advances every door's timers by
 * one; the release time is R ticks.  Held-open and forced phases are left
 * out: they raise alarms but never move a lock.  The replay test
 * (tests/unit/test_safety_replay.c) runs the same inputs through the real
 * C machines with a tick of TICK_MS milliseconds.
 *
 * Build variants (spin -D...):
 *   TODAY                the door machine before the REX fix: door.lock
 *                        and an unhold end an exit release at once
 *   REX_ACROSS_RESTART   ask that an exit release also survive a restart
 *                        (the daemon does not promise it; see the doc)
 *   NO_LOCK_CMD          leave door.lock out, to find the other ways
 *                        TODAY breaks an exit release
 *   NO_FIRE              leave the fire inputs out (the same, in a drill)
 *   MUTANT_RESET         mode.c's reset no longer waits for the panel
 *   MUTANT_LOCK_GUARD    cmd_door.c's door.lock no longer refuses an
 *                        egress door in a fire
 * The mutants exist to show that the properties bite.
 */

#ifndef N
#define N	3		/* doors 0..N-1 */
#endif
#ifndef NEGRESS
#define NEGRESS	2		/* doors 0..NEGRESS-1 are egress doors */
#endif
#ifndef R
#define R	2		/* release time, in ticks */
#endif

#define EGRESS(d)	((d) < NEGRESS)

/* The event codes of the trail; tests/unit/test_safety_replay.c has the
 * same numbers. */
#define E_TICK		0
#define E_REX		1
#define E_GRANT		2
#define E_RELEASE	3
#define E_HOLD		4
#define E_LOCK		5
#define E_OPEN		6
#define E_CLOSE		7
#define E_PANEL_ON	8
#define E_PANEL_OFF	9
#define E_FIRE_CMD	10
#define E_RESET		11
#define E_PANIC		12
#define E_LIFT		13
#define E_DRILL_START	14
#define E_DRILL_END	15
#define E_RESTART	16

/* The doors (struct door_state, plus door_rt's mode_hold). */
bool	open_[N];		/* the contact: the wire and the machine */
bool	released[N];		/* the lock output */
bool	hold[N];
bool	mode_hold[N];		/* held by the fire or the drill */
byte	rel[N];			/* ticks left of a timed release; 0: none */
byte	rexw[N];		/* ticks left of an exit release (the fix) */

/* The mode (struct mode_state) and the site. */
bool	fire, fire_input, lockdown, drill;
bool	drill_release;		/* [defaults] drill_release */
bool	panel;			/* the fire panel's input on the wire */
bool	p_fire, p_lockdown, p_drill;	/* kept in the settings table */

/* Ghosts: what the properties remember. */
byte	rex_left[N];		/* ticks an exit release still owes */
bool	reset_relock;		/* a reset relocked a door under an active panel */

/* Scratch for one step, not part of the state. */
hidden byte i;
hidden byte o_f, o_l, o_d, changed, h_new, mv, before;

/* ---- door.c ---------------------------------------------------------- */

inline door_lock(d)
{
	rel[d] = 0;
	rexw[d] = 0;
	released[d] = 0
}

inline door_release(d)
{
	released[d] = 1;
	if
	:: hold[d] || open_[d] -> skip
	:: else -> rel[d] = R
	fi
}

inline door_rex(d)
{
#ifndef TODAY
	rexw[d] = R;
#endif
	door_release(d)
}

inline door_hold(d)
{
	hold[d] = 1;
	rel[d] = 0;
	released[d] = 1
}

inline door_unhold(d)
{
	if
	:: hold[d] ->
		hold[d] = 0;
		if
		:: open_[d] -> skip
		:: !open_[d] && rexw[d] > 0 -> rel[d] = rexw[d]
		:: else -> door_lock(d)
		fi
	:: else -> skip
	fi
}

inline door_lock_cmd(d)
{
	if
	:: hold[d] -> skip
	:: !hold[d] && rexw[d] > 0 ->
		if
		:: !open_[d] -> rel[d] = rexw[d]
		:: else -> skip
		fi
	:: else -> door_lock(d)
	fi
}

inline door_opened(d)
{
	if
	:: !open_[d] -> open_[d] = 1; rel[d] = 0
	:: else -> skip
	fi
}

inline door_closed(d)
{
	if
	:: open_[d] ->
		open_[d] = 0;
		if
		:: hold[d] -> skip
		:: else -> door_lock(d)
		fi
	:: else -> skip
	fi
}

inline door_tick(d)
{
	if
	:: rexw[d] > 0 -> rexw[d]--
	:: else -> skip
	fi;
	if
	:: rel[d] > 0 ->
		rel[d]--;
		if
		:: rel[d] == 0 -> door_lock(d)
		:: else -> skip
		fi
	:: else -> skip
	fi
}

/* ---- mode_run.c: the egress hold, the kept latches ------------------ */

#define HOLDS(f, l, dr)	((f) || ((dr) && !(l) && drill_release))

inline mode_old()
{
	o_f = fire;
	o_l = lockdown;
	o_d = drill
}

/* mode_input() after mode_step() answered: when the state changed, move
 * the egress doors and keep the latches. */
inline mode_after()
{
	if
	:: changed ->
		h_new = HOLDS(fire, lockdown, drill);
		mv = (HOLDS(o_f, o_l, o_d) != h_new) || (h_new && !o_f && fire);
		if
		:: mv ->
			i = 0;
			do
			:: i < N ->
				if
				:: h_new && EGRESS(i) && !hold[i] ->
					mode_hold[i] = 1;
					door_hold(i)
				:: !h_new && mode_hold[i] ->
					mode_hold[i] = 0;
					door_unhold(i)
				:: else -> skip
				fi;
				i++
			:: else -> break
			od
		:: else -> skip
		fi;
		if
		:: o_l != lockdown -> p_lockdown = lockdown
		:: else -> skip
		fi;
		if
		:: o_d != drill -> p_drill = drill
		:: else -> skip
		fi;
		if
		:: o_f != fire -> p_fire = fire
		:: else -> skip
		fi
	:: else -> skip
	fi;
	i = 0; o_f = 0; o_l = 0; o_d = 0; changed = 0; h_new = 0; mv = 0
}

/* ---- mode.c ---------------------------------------------------------- */

inline in_fire(input)
{
	mode_old();
	fire_input = fire_input || input;
	changed = !fire || drill;
	fire = 1;
	drill = 0;
	mode_after()
}

inline in_fire_cleared()
{
	mode_old();
	changed = fire_input;
	fire_input = 0;
	mode_after()
}

inline in_reset()
{
	mode_old();
	if
#ifndef MUTANT_RESET
	:: fire && fire_input -> skip		/* MODE_E_FIRE_INPUT */
#endif
	:: else -> changed = fire; fire = 0
	fi;
	mode_after()
}

inline in_lockdown()
{
	mode_old();
	changed = !lockdown;
	lockdown = 1;
	mode_after()
}

inline in_lift()
{
	mode_old();
	changed = lockdown;
	lockdown = 0;
	mode_after()
}

inline in_drill_start()
{
	mode_old();
	if
	:: fire -> skip				/* MODE_E_FIRE */
	:: !fire && lockdown && !drill -> skip	/* MODE_E_LOCKDOWN */
	:: else -> changed = !drill; drill = 1
	fi;
	mode_after()
}

inline in_drill_end()
{
	mode_old();
	changed = drill;
	drill = 0;
	mode_after()
}

/* ---- cmd_door.c: door.lock ------------------------------------------- */

inline cmd_lock(d)
{
	if
#ifndef MUTANT_LOCK_GUARD
	:: fire && EGRESS(d) -> skip		/* "fire": refused */
#endif
	:: else ->
		if
		:: mode_hold[d] -> skip		/* "drill": refused */
		:: !mode_hold[d] && hold[d] -> door_unhold(d)
		:: else -> door_lock_cmd(d)
		fi
	fi
}

/* ---- daemon.c: a restart --------------------------------------------- */

inline restart()
{
	i = 0;
	do
	:: i < N ->
		released[i] = 0; hold[i] = 0; mode_hold[i] = 0;
		rel[i] = 0; rexw[i] = 0;
#ifndef REX_ACROSS_RESTART
		rex_left[i] = 0;	/* a release does not outlive the daemon */
#endif
		i++
	:: else -> break
	od;
	fire = 0; fire_input = 0; lockdown = 0; drill = 0;
	/* husvagt_mode_at_start(): drill, lockdown, the panel, the fire latch */
	if
	:: p_drill -> in_drill_start()
	:: else -> skip
	fi;
	if
	:: p_lockdown -> in_lockdown()
	:: else -> skip
	fi;
	if
	:: panel -> in_fire(1)
	:: else -> skip
	fi;
	if
	:: !fire && p_fire -> in_fire(0)
	:: else -> skip
	fi
}

/* ---- the ghosts and the trail ---------------------------------------- */

inline ghost_tick()
{
	i = 0;
	do
	:: i < N ->
		if
		:: rex_left[i] > 0 -> rex_left[i]--
		:: else -> skip
		fi;
		i++
	:: else -> break
	od;
	i = 0
}

/* The lock outputs as a bit mask, for the trail. */
#define MASK	(released[0] + 2 * released[1] + 4 * released[2])

/* One line per input: "@ event door mask-after". */
#define TRAIL(e, d)	printf("@ %d %d %d\n", e, d, MASK)

/* p4's witness: did this reset, under an active panel, relock a door? */
inline reset_check_before()
{
	before = released[0] + released[1] + released[2]
}

inline reset_check_after()
{
	if
	:: panel && (released[0] + released[1] + released[2]) < before ->
		reset_relock = 1
	:: else -> skip
	fi;
	before = 0
}

#ifndef NO_LOCK_CMD
#define LOCK_INPUT(k)	:: d_step { cmd_lock(k); TRAIL(E_LOCK, k) }
#else
#define LOCK_INPUT(k)
#endif

#define DOOR_INPUTS(k) \
	:: d_step { door_rex(k); rex_left[k] = R; TRAIL(E_REX, k) } \
	:: d_step { door_release(k); TRAIL(E_GRANT, k) } \
	:: d_step { door_release(k); TRAIL(E_RELEASE, k) } \
	:: d_step { door_hold(k); TRAIL(E_HOLD, k) } \
	LOCK_INPUT(k) \
	:: d_step { !open_[k] -> door_opened(k); TRAIL(E_OPEN, k) } \
	:: d_step { open_[k] -> door_closed(k); rex_left[k] = 0; TRAIL(E_CLOSE, k) }

active proctype house()
{
	if
	:: drill_release = 1
	:: drill_release = 0
	fi;
	printf("@cfg %d\n", drill_release);
	do
#ifndef NO_FIRE
	:: d_step { !panel -> panel = 1; in_fire(1); TRAIL(E_PANEL_ON, 0) }
	:: d_step { panel -> panel = 0; in_fire_cleared(); TRAIL(E_PANEL_OFF, 0) }
	:: d_step { in_fire(0); TRAIL(E_FIRE_CMD, 0) }
#endif
	:: d_step { reset_check_before(); in_reset(); reset_check_after();
		    TRAIL(E_RESET, 0) }
	:: d_step { in_lockdown(); TRAIL(E_PANIC, 0) }
	:: d_step { in_lift(); TRAIL(E_LIFT, 0) }
	:: d_step { in_drill_start(); TRAIL(E_DRILL_START, 0) }
	:: d_step { in_drill_end(); TRAIL(E_DRILL_END, 0) }
	:: d_step { restart(); TRAIL(E_RESTART, 0) }
	:: d_step { i = 0;
		    do
		    :: i < N -> door_tick(i); i++
		    :: else -> break
		    od;
		    ghost_tick(); TRAIL(E_TICK, 0) }
	DOOR_INPUTS(0)
	DOOR_INPUTS(1)
	DOOR_INPUTS(2)
	od
}

/* ---- the properties -------------------------------------------------- */

#define REX_OK(d)	(rex_left[d] == 0 || released[d])
#define ALL_REX_OK	(REX_OK(0) && REX_OK(1) && REX_OK(2))

/* 1. Fire active (the latch or the panel) => every egress door released. */
ltl fire_egress { [] ((fire || panel) -> (released[0] && released[1])) }
/* 2. REX => that door released for its full time (until the door has
 *    closed behind the one who left), in every mode. */
ltl rex_full { [] ALL_REX_OK }
/* 3. Lockdown never keeps a door locked against REX. */
ltl lockdown_rex { [] (lockdown -> ALL_REX_OK) }
/* 4. A fire reset never relocks a door while the fire input is active. */
ltl reset_panel { [] !reset_relock }
