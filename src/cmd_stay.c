/*
 * The register's verbs: placeholder until it lands.
 */
#include "cmd_verbs.h"
#include "husvagtd.h"

json_t *
cmd_room_list(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_room_list is not built yet");
}

json_t *
cmd_stay_admit(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_stay_admit is not built yet");
}

json_t *
cmd_stay_discharge(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_stay_discharge is not built yet");
}

json_t *
cmd_stay_move(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_stay_move is not built yet");
}

json_t *
cmd_stay_list(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_stay_list is not built yet");
}

json_t *
cmd_enquiry_record(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_enquiry_record is not built yet");
}

json_t *
cmd_report_occupancy(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_report_occupancy is not built yet");
}
