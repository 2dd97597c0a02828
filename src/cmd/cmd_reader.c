/*
 * Verbs about OSDP readers: install one (give it a fresh key with the
 * standard's default install key) and rotate its key.  The reply says
 * the window is open; the journal says how it ended.
 */
#include <stdio.h>

#include "cmd_verbs.h"
#include "house.h"

static json_t *
cmd_reader_start(struct husvagt *h, const struct cmd_actor *a, json_t *args,
    bool rotate)
{
	const char *role = json_string_value(json_object_get(args, "point"));
	int p = hal_point(h->hal, role);
	char err[96];

	if (p < 0)
		return cmd_error("not_found", "no point '%.63s' on board %s",
		    role, h->board.name);
	if (reader_osdp_install(h, p, a->login, rotate, err, sizeof(err)) != 0)
		return cmd_error("bad_value", "%.63s: %s", role, err);
	return cmd_ok(json_pack("{s:s, s:s, s:I}", "point", role,
	    "action", rotate ? "rotate" : "install", "window_s",
	    (json_int_t)(READER_INSTALL_MS / 1000)));
}

json_t *
cmd_reader_install(struct husvagt *h, const struct cmd_actor *a,
    json_t *args)
{
	return cmd_reader_start(h, a, args, false);
}

json_t *
cmd_reader_rotate(struct husvagt *h, const struct cmd_actor *a,
    json_t *args)
{
	return cmd_reader_start(h, a, args, true);
}
