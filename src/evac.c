/*
 * The evacuation roll call (placeholder).
 */
#include "husvagtd.h"

void
evac_mode_changed(struct husvagt *h, const struct mode_state *old,
    const char *actor)
{
	(void)h;
	(void)old;
	(void)actor;
}

void
evac_at_start(struct husvagt *h)
{
	(void)h;
}

json_t *
evac_state_json(struct husvagt *h)
{
	(void)h;
	return json_object();
}
