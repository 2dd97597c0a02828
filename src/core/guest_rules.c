/*
 * The house guest rules: see guest_rules.h.  Pure: the time and
 * everything looked up are arguments.
 */
#include <stddef.h>
#include <string.h>

#include "guest_rules.h"

static const char *const guest_reason_names[GUEST_NREASONS] = {
	"fire", "lockdown", "blocklisted", "no_agreement",
	"agreement_expired", "outside_hours", "max_guests",
};

const char *
guest_reason_name(unsigned bit)
{
	int i;

	for (i = 0; i < GUEST_NREASONS; i++)
		if (bit == 1u << i)
			return guest_reason_names[i];
	return NULL;
}

unsigned
guest_reason_bit(const char *name)
{
	int i;

	for (i = 0; i < GUEST_NREASONS; i++)
		if (!strcmp(name, guest_reason_names[i]))
			return 1u << i;
	return 0;
}

/* Is the local day inside the agreement's dates (both ends valid)? */
static bool
guest_dates_ok(const struct guest_agreement *ag, int date)
{
	if (ag->valid_from != 0 && date < ag->valid_from)
		return false;
	if (ag->valid_to != 0 && date > ag->valid_to)
		return false;
	return true;
}

/* The visiting hours, and the agreement's own hours when it has them. */
static bool
guest_hours_ok(const struct guest_house *house, const struct guest_query *q)
{
	const struct guest_agreement *ag = q->agreement;

	if (!access_window_match(house->hours, house->nhours, q->weekday,
	    q->minute))
		return false;
	if (ag != NULL && ag->nwindows > 0 && !access_window_match(
	    ag->windows, ag->nwindows, q->weekday, q->minute))
		return false;
	return true;
}

void
guest_rules_eval(const struct guest_house *house,
    const struct guest_query *q, struct guest_verdict *v)
{
	unsigned r = 0;

	if (q->fire)
		r |= GUEST_FIRE;
	if (q->lockdown)
		r |= GUEST_LOCKDOWN;
	if (q->blocklisted)
		r |= GUEST_BLOCKLISTED;
	if (q->agreement == NULL)
		r |= GUEST_NO_AGREEMENT;
	else if (!guest_dates_ok(q->agreement, q->date))
		r |= GUEST_EXPIRED;
	if (!guest_hours_ok(house, q))
		r |= GUEST_OUTSIDE_HOURS;
	if (q->inside >= 0 && q->inside >= house->max_guests)
		r |= GUEST_MAX_GUESTS;
	v->reasons = r;
	v->allow = r == 0;
	v->overridable = r != 0 && (r & GUEST_HARD) == 0 &&
	    ((r & GUEST_NO_AGREEMENT) == 0 || house->without_agreement);
}
