/*
 * The guest verbs: placeholder until it lands.
 */
#include "cmd_verbs.h"
#include "husvagtd.h"

json_t *
cmd_guest_agree(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_guest_agree is not built yet");
}

json_t *
cmd_guest_list(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_guest_list is not built yet");
}

json_t *
cmd_guest_end(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_guest_end is not built yet");
}

json_t *
cmd_guest_block(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_guest_block is not built yet");
}

json_t *
cmd_guest_unblock(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_guest_unblock is not built yet");
}

json_t *
cmd_guest_blocked(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_guest_blocked is not built yet");
}

json_t *
cmd_guest_evaluate(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_guest_evaluate is not built yet");
}

json_t *
cmd_guest_admit(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_guest_admit is not built yet");
}

json_t *
cmd_guest_refuse(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_guest_refuse is not built yet");
}

json_t *
cmd_guest_checkout(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_guest_checkout is not built yet");
}

json_t *
cmd_guest_inside(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	(void)h;
	(void)a;
	(void)args;
	return cmd_error("not_implemented", "cmd_guest_inside is not built yet");
}
