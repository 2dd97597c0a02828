/*
 * Guest agreements, the blocklist and visits (placeholder).
 */
#include "husvagtd.h"

void
guest_tick(struct husvagt *h, uint64_t now)
{
	(void)h;
	(void)now;
}

uint64_t
guest_deadline(struct husvagt *h)
{
	(void)h;
	return 0;
}
