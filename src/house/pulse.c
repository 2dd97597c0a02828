/*
 * The installer's point test: set an output (a siren, a relay) for a few
 * seconds and put it back, so each wire can be checked on a real board.
 * Locks are not pulsed here: door release tests them through their door.
 */
#include <string.h>

#include "clock.h"
#include "house.h"

void
pulse_init(struct husvagt *h)
{
	int i;

	for (i = 0; i < PULSES_MAX; i++)
		h->pulses[i].point = -1;
}

int
pulse_set(struct husvagt *h, int point, int value, int secs,
    const char *actor)
{
	struct pulse *free_slot = NULL;
	int i, old;

	for (i = 0; i < PULSES_MAX; i++) {
		if (h->pulses[i].point == point)
			return -1;
		if (h->pulses[i].point < 0 && free_slot == NULL)
			free_slot = &h->pulses[i];
	}
	if (free_slot == NULL)
		return -1;
	if (hal_output_get(h->hal, point, &old) != 0 || old < 0)
		old = 0;
	if (house_journal(h, "point.tested", h->board.points[point].role,
	    actor, "", json_pack("{s:i, s:i}", "value", value,
	    "seconds", secs)) < 0)
		return -1;
	free_slot->point = point;
	free_slot->restore = old;
	free_slot->until = clock_mono_ms() + (uint64_t)secs * 1000;
	hal_output_set(h->hal, point, value != 0);
	return hal_flush(h->hal);
}

/* Put back every output whose test time is over. */
void
pulse_tick(struct husvagt *h, uint64_t now)
{
	int i, n = 0;

	for (i = 0; i < PULSES_MAX; i++) {
		struct pulse *p = &h->pulses[i];

		if (p->point < 0 || p->until > now)
			continue;
		hal_output_set(h->hal, p->point, p->restore != 0);
		p->point = -1;
		n++;
	}
	if (n > 0)
		hal_flush(h->hal);
}

uint64_t
pulse_deadline(struct husvagt *h)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < PULSES_MAX; i++)
		if (h->pulses[i].point >= 0 &&
		    (t == 0 || h->pulses[i].until < t))
			t = h->pulses[i].until;
	return t;
}
