/*
 * husvagtctl report safety: placeholder until its presentation lands.
 */
#include "ctl.h"

int
ctl_check_safety(struct ctl_args *a, json_t *args)
{
	(void)a;
	(void)args;
	return 0;
}

int
ctl_show_safety(struct ctl *c, struct ctl_args *a, json_t *result)
{
	return ctl_show_any(c, a, result);
}
