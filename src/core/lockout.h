/*
 * Guessing at a reader, and its answer.  Pure: time (wall milliseconds)
 * is an argument, so the state can be kept in the database and survive
 * a restart.
 *
 * A reader counts unknown and revoked cards: `failures` of them within
 * `window_ms` lock it for unknown cards for `lock_ms`, doubled for each
 * further lockout within a day (up to `lock_max_ms`), and raise an
 * alarm.  A known card is never refused because of them: somebody
 * presenting strange cards must not keep the residents out.
 *
 * A chip counts its wrong PINs, at any reader: `free` of them cost
 * nothing, each further one makes the chip wait `delay_ms`, doubled each
 * time up to `delay_max_ms`, before a PIN is asked for again; the
 * `alarm_at`th raises an alarm.  A right PIN, or `forget_ms` without a
 * wrong one, forgets them.
 */
#ifndef HUSVAGT_LOCKOUT_H
#define HUSVAGT_LOCKOUT_H

#include <stdbool.h>
#include <stdint.h>

struct lockout_cfg {
	int		 failures;	/* unknown cards that lock, >= 1 */
	uint32_t	 window_ms;	/* counted within this window */
	uint32_t	 lock_ms;	/* the first lockout */
	uint32_t	 lock_max_ms;	/* the longest, however many */
};

struct pin_policy {
	int		 free;		/* wrong PINs that cost nothing */
	uint32_t	 delay_ms;	/* the first wait after them */
	uint32_t	 delay_max_ms;	/* the longest wait */
	int		 alarm_at;	/* the wrong PIN that raises an alarm */
	uint32_t	 forget_ms;	/* quiet time that forgets them */
};

/* The count kept per reader and per chip (all times wall ms). */
struct guess {
	int		 failures;	/* counted since first_at */
	int		 level;		/* lockouts in a row (reader) */
	int64_t		 first_at;	/* the first counted failure */
	int64_t		 last_at;	/* the last failure or lockout */
	int64_t		 until;		/* blocked before this time */
};

#define LOCKOUT_DAY_MS	(24 * 3600 * 1000LL)

/* Blocked at now?  Never for longer than max_ms from when the block was
 * set; a clock stepped back to before then ends it. */
bool	 guess_blocked(const struct guess *, int64_t now, uint32_t max_ms);

/* A reader: count an unknown card; true when it starts a lockout.
 * Cards during a lockout neither count nor extend it. */
bool	 lockout_fail(const struct lockout_cfg *, struct guess *, int64_t now);
/* A grant at the reader forgets the failures, not the level. */
void	 lockout_success(struct guess *);

/* A chip: count a wrong PIN; returns the wait it now has (ms, 0: none)
 * and sets *alarm when this is the alarm_at'th. */
int64_t	 pin_fail(const struct pin_policy *, struct guess *, int64_t now,
	     bool *alarm);
/* The expected time in seconds to find a PIN of `digits` digits with the
 * chip in hand, trying each once, when `open` PINs of them open (the PIN
 * and its duress PIN: 2). */
double	 pin_guess_seconds(const struct pin_policy *, int digits, int open);

#endif
