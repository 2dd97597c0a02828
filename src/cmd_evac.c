/*
 * Duty and roll call verbs: placeholder until it lands.
 */
#include "cmd_verbs.h"
#include "husvagtd.h"

json_t *
cmd_staff_on(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_staff_on is not built yet");
}

json_t *
cmd_staff_off(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_staff_off is not built yet");
}

json_t *
cmd_staff_duty(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_staff_duty is not built yet");
}

json_t *
cmd_evac_status(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_evac_status is not built yet");
}

json_t *
cmd_evac_account(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_evac_account is not built yet");
}

json_t *
cmd_evac_unaccount(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_evac_unaccount is not built yet");
}

json_t *
cmd_evac_close(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_evac_close is not built yet");
}
