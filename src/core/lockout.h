/*
 * Reader lockout after repeated failures (default 5 within 30 s locks the
 * reader for 30 s).  Pure: time is an argument.
 */
#ifndef HUSVAGT_LOCKOUT_H
#define HUSVAGT_LOCKOUT_H

#include <stdbool.h>
#include <stdint.h>

#define LOCKOUT_MAX_FAILURES	32

struct lockout_cfg {
	int		 failures;	/* failures that lock, 1..32 */
	uint32_t	 window_ms;	/* counted within this window */
	uint32_t	 lock_ms;	/* locked for this long */
};

struct lockout {
	uint64_t	 fail_at[LOCKOUT_MAX_FAILURES];	/* ring of failure times */
	int		 nfail;
	int		 head;
	uint64_t	 until;		/* locked out before this time */
};

void lockout_init(struct lockout *);
bool lockout_active(const struct lockout *, uint64_t now);
/* Count a failure; returns true when this failure starts a lockout. */
bool lockout_fail(const struct lockout_cfg *, struct lockout *, uint64_t now);
/* A success forgets earlier failures. */
void lockout_success(struct lockout *);

#endif
