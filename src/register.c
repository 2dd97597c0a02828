/*
 * The anonymous register: rooms, stays, occupancy, retention (placeholder).
 */
#include "husvagtd.h"

int
register_rooms_sync(struct husvagt *h)
{
	(void)h;
	return 0;
}

void
register_tick(struct husvagt *h, uint64_t now)
{
	(void)h;
	(void)now;
}

uint64_t
register_deadline(struct husvagt *h)
{
	(void)h;
	return 0;
}

json_t *
register_occupancy_json(struct husvagt *h)
{
	(void)h;
	return json_object();
}

json_t *
register_vacancy_json(struct husvagt *h)
{
	(void)h;
	return json_object();
}
