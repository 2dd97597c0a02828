/*
 * Guessing and its answer (lockout.h).  Both counters are plain numbers
 * and times, so that the house keeps them in the database.
 */
#include <string.h>

#include "lockout.h"

/*
 * A block is never longer than max_ms from when it was set, and a clock
 * stepped back before that moment (a wrong time fixed by NTP) ends it
 * rather than stretching it by the step.
 */
bool
guess_blocked(const struct guess *g, int64_t now, uint32_t max_ms)
{
	int64_t until = g->until;

	if (until - g->last_at > (int64_t)max_ms)
		until = g->last_at + max_ms;
	return now >= g->last_at && now < until;
}

/* 2^n * base, capped at max (no overflow for any n). */
static int64_t
lockout_grow(uint32_t base, int n, uint32_t max)
{
	int64_t v = base;

	while (n-- > 0 && v < (int64_t)max)
		v *= 2;
	return v < (int64_t)max ? v : (int64_t)max;
}

bool
lockout_fail(const struct lockout_cfg *cfg, struct guess *g, int64_t now)
{
	int max = cfg->failures < 1 ? 1 : cfg->failures;

	if (guess_blocked(g, now, cfg->lock_max_ms))
		return false;
	if (g->failures == 0 || now - g->first_at >= cfg->window_ms ||
	    now < g->first_at) {
		g->failures = 0;
		g->first_at = now;
	}
	/* A day without a lockout starts the doubling again. */
	if (g->level > 0 && now - g->last_at >= LOCKOUT_DAY_MS)
		g->level = 0;
	if (++g->failures < max)
		return false;
	g->until = now + lockout_grow(cfg->lock_ms, g->level,
	    cfg->lock_max_ms);
	g->last_at = now;
	g->level++;
	g->failures = 0;
	return true;
}

void
lockout_success(struct guess *g)
{
	g->failures = 0;
}

int64_t
pin_fail(const struct pin_policy *p, struct guess *g, int64_t now,
    bool *alarm)
{
	int64_t wait = 0;

	if (g->failures > 0 && (now - g->last_at >= p->forget_ms ||
	    now < g->first_at))
		memset(g, 0, sizeof(*g));
	if (g->failures++ == 0)
		g->first_at = now;
	g->last_at = now;
	if (g->failures > p->free)
		wait = lockout_grow(p->delay_ms, g->failures - p->free - 1,
		    p->delay_max_ms);
	g->until = now + wait;
	*alarm = g->failures == p->alarm_at;
	return wait;
}

/*
 * The attacker tries each PIN once; with `open` of the 10^digits opening,
 * the first good one comes on average at try (N + 1) / (open + 1).  Tries
 * are as fast as the policy lets them be: the free ones at once, then
 * one per wait.  A pause of forget_ms to start again is slower than the
 * longest wait, so it never helps.
 */
double
pin_guess_seconds(const struct pin_policy *p, int digits, int open)
{
	double n = 1, tries, t = 0;
	int64_t k;
	int i;

	for (i = 0; i < digits; i++)
		n *= 10;
	tries = (n + 1) / (open + 1);
	for (k = p->free + 1; k < tries; k++)
		t += (double)lockout_grow(p->delay_ms,
		    (int)(k - p->free - 1 > 64 ? 64 : k - p->free - 1),
		    p->delay_max_ms) / 1000.0;
	return t;
}
