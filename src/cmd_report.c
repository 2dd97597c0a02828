/*
 * The safety report: placeholder until it lands.
 */
#include "cmd_verbs.h"
#include "husvagtd.h"

json_t *
cmd_report_safety(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_report_safety is not built yet");
}
