/*
 * Staff on duty: who is in the house to be counted in an evacuation.
 * One open row per login in the duty table (its unique index duty_on
 * keeps it so); clocking out closes it.  Staff clock in and out with
 * husvagtctl staff on|off or by chip at a duty reader (reader.c).
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "duty_table.h"
#include "evac.h"
#include "house.h"

int
duty_is_on(struct husvagt *h, const char *login)
{
	return duty_table_is_on(h->db, login);
}

const char *
duty_set(struct husvagt *h, const char *login, bool on, const char *via,
    const char *actor, char *since, size_t len)
{
	char now[32], subject[ROLE_LOGIN_MAX + 8];
	int is_on = duty_is_on(h, login);

	if (is_on < 0)
		return "internal";
	since[0] = '\0';
	if (is_on)
		duty_table_since(h->db, login, since, len);
	if (on && is_on)
		return "already_on_duty";
	if (!on && !is_on)
		return "not_on_duty";
	clock_iso8601(now, sizeof(now));
	snprintf(subject, sizeof(subject), "staff:%s", login);
	/* The journal first: a change nobody could read back is not made. */
	if (house_journal(h, on ? "staff.on_duty" : "staff.off_duty", "",
	    actor, subject, json_pack("{s:s}", "via", via)) < 0 ||
	    duty_table_write(h->db, login, on, via, now) == -1)
		return "internal";
	if (on)
		snprintf(since, len, "%s", now);
	house_state_changed(h);
	return NULL;
}

json_t *
duty_list_json(struct husvagt *h)
{
	return duty_table_list(h->db);
}
