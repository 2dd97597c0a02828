/*
 * Alarm outputs per class (placeholder).
 */
#include "husvagtd.h"

void
alarm_outputs_update(struct husvagt *h)
{
	(void)h;
}
