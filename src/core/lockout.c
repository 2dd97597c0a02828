/*
 * Reader lockout.  Failures are kept as times in a small ring so that
 * "N within the window" is a sliding window, not a counter reset at
 * arbitrary boundaries.  A lockout is a fixed penalty: failures during it
 * are journalled by the caller but neither extend it nor count towards the
 * next one, so somebody who keeps trying cannot keep a resident out for
 * ever, and the reader is usable again exactly lock_ms after it locked.
 */
#include <string.h>

#include "lockout.h"

/* Returns the configured threshold within 1..LOCKOUT_MAX_FAILURES. */
static int
lockout_threshold(const struct lockout_cfg *cfg)
{
	if (cfg->failures < 1)
		return 1;
	if (cfg->failures > LOCKOUT_MAX_FAILURES)
		return LOCKOUT_MAX_FAILURES;
	return cfg->failures;
}

/* Forgets failures that fell out of the window before now. */
static void
lockout_expire(const struct lockout_cfg *cfg, struct lockout *lo,
    uint64_t now)
{
	uint64_t t;

	while (lo->nfail > 0) {
		t = lo->fail_at[lo->head];
		/* A failure stamped after now (a clock step) is kept. */
		if (t <= now && now - t >= cfg->window_ms) {
			lo->head = (lo->head + 1) % LOCKOUT_MAX_FAILURES;
			lo->nfail--;
		} else
			break;
	}
}

/* Starts clear: no failures, not locked. */
void
lockout_init(struct lockout *lo)
{
	memset(lo, 0, sizeof(*lo));
}

/* Is the reader locked out at now? */
bool
lockout_active(const struct lockout *lo, uint64_t now)
{
	return now < lo->until;
}

/* Counts a failure; true when it is the one that locks the reader. */
bool
lockout_fail(const struct lockout_cfg *cfg, struct lockout *lo, uint64_t now)
{
	int max = lockout_threshold(cfg);

	if (lockout_active(lo, now))
		return false;
	lockout_expire(cfg, lo, now);
	/* Only the newest max failures can matter; drop the oldest. */
	while (lo->nfail >= max) {
		lo->head = (lo->head + 1) % LOCKOUT_MAX_FAILURES;
		lo->nfail--;
	}
	lo->fail_at[(lo->head + lo->nfail) % LOCKOUT_MAX_FAILURES] = now;
	lo->nfail++;
	if (lo->nfail < max)
		return false;
	lo->until = now + cfg->lock_ms;
	lo->nfail = 0;
	lo->head = 0;
	return true;
}

/* Forgets earlier failures; a lockout already running keeps running. */
void
lockout_success(struct lockout *lo)
{
	lo->nfail = 0;
	lo->head = 0;
}
