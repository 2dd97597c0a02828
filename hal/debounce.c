/*
 * Debounce by settling time: every edge restarts the clock, and a level
 * is accepted once no edge has come for the debounce time.  Door contacts
 * and push buttons bounce for a few milliseconds; 20 ms hides that and is
 * still far below anything a person or a door can do.
 */
#include "debounce.h"

/* Start settled at level. */
void
debounce_init(struct debounce *d, int level, uint32_t ms)
{
	d->stable = level != 0;
	d->raw = d->stable;
	d->since_ms = 0;
	d->ms = ms;
}

/*
 * Note a level seen on the line.  A repeat of the last level is not an
 * edge and must not restart the settling time, or a line read twice would
 * never settle.
 */
int
debounce_edge(struct debounce *d, int level, uint64_t at_ms)
{
	level = level != 0;
	if (d->ms == 0) {
		d->raw = level;
		if (level == d->stable)
			return 0;
		d->stable = level;
		d->since_ms = at_ms;
		return 1;
	}
	if (level != d->raw) {
		d->raw = level;
		d->since_ms = at_ms;
	}
	return 0;
}

/* The time the pending level will have settled; 0 when none is pending. */
uint64_t
debounce_deadline(const struct debounce *d)
{
	if (d->raw == d->stable)
		return 0;
	return d->since_ms + d->ms;
}

/* Accept the pending level once it has held for the debounce time. */
int
debounce_poll(struct debounce *d, uint64_t now_ms, int *level,
    uint64_t *at_ms)
{
	if (d->raw == d->stable || now_ms < d->since_ms + d->ms)
		return 0;
	d->stable = d->raw;
	*level = d->stable;
	*at_ms = d->since_ms;
	return 1;
}
