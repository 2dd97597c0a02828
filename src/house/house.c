/*
 * The services every part of the house uses: the journal, the outputs'
 * flush, the hooks the daemon's outer parts registered, and the timers.
 */
#include "broker.h"
#include "house.h"
#include "journal.h"

#define HOUSE_FLUSH_RETRY_MS	500

int64_t
husvagt_journal(struct husvagt *h, const char *type, const char *point,
    const char *actor, const char *subject, json_t *detail)
{
	int64_t seq;

	seq = journal_append(h->journal, type, point, actor, subject, detail);
	json_decref(detail);
	return seq;
}

void
house_state_changed(struct husvagt *h)
{
	if (h->hooks.state_changed != NULL)
		h->hooks.state_changed(h->hooks.arg);
}

void
house_status(struct husvagt *h, json_t *status)
{
	if (h->hooks.status != NULL)
		h->hooks.status(h->hooks.arg, status);
}

/*
 * Write every queued output.  A write that fails stays queued in the HAL
 * and is tried again from husvagt_tick, so a lock that could not be
 * engaged (or released) once is not left that way until the next event.
 */
void
husvagt_flush(struct husvagt *h, uint64_t now)
{
	if (hal_flush(h->hal) == 0)
		h->flush_retry_at = 0;
	else
		h->flush_retry_at = now + HOUSE_FLUSH_RETRY_MS;
}

/* Run the doors' timers and the readers' PIN and enrol timeouts. */
void
husvagt_tick(struct husvagt *h, uint64_t now)
{
	int i;

	for (i = 0; i < h->ndoors; i++) {
		struct door_rt *d = &h->doors[i];

		if (d->deadline != 0 && d->deadline <= now)
			husvagt_door_event(h, d, DOOR_EV_TICK, "system", now);
	}
	reader_tick(h, now);
	pulse_tick(h, now);
	if (h->flush_retry_at != 0 && h->flush_retry_at <= now)
		husvagt_flush(h, now);
	broker_tick(h, now);
	register_tick(h, now);
	guest_tick(h, now);
}

/* The earliest time anything in the core wants to run; 0: nothing. */
uint64_t
husvagt_deadline(struct husvagt *h)
{
	uint64_t t = reader_deadline(h), p = pulse_deadline(h);
	int i;

	if (p != 0 && (t == 0 || p < t))
		t = p;
	if (h->flush_retry_at != 0 && (t == 0 || h->flush_retry_at < t))
		t = h->flush_retry_at;
	if (h->broker_reload_at != 0 && (t == 0 || h->broker_reload_at < t))
		t = h->broker_reload_at;
	if ((p = register_deadline(h)) != 0 && (t == 0 || p < t))
		t = p;
	if ((p = guest_deadline(h)) != 0 && (t == 0 || p < t))
		t = p;
	for (i = 0; i < h->ndoors; i++)
		if (h->doors[i].deadline != 0 &&
		    (t == 0 || h->doors[i].deadline < t))
			t = h->doors[i].deadline;
	return t;
}

