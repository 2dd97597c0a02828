/*
 * The verbs (src/cmd.c and the cmd_*.c behind it): a request object
 * {"verb": ..., "args": {...}} as the control socket and MQTT hand it
 * to cmd_exec(), checked against the verb's argument schema and then run
 * by the verb on a live daemon (fuzz_daemon.h) as root, who may run
 * every verb.  An input that is not a JSON object is skipped: the
 * envelope is fuzz_control's.  Each reply must be {"ok": ...} and an
 * error must carry its code and message.
 */
#include "clock.h"
#include "fuzz_daemon.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static const struct cmd_actor root = { .login = "root",
	    .roles = ROLE_ALL, .via = "control" };
	struct husvagt *h = fuzz_daemon();
	json_t *req, *reply;

	req = json_loadb((const char *)data, n, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(req)) {
		json_decref(req);
		return -1;	/* not added to the corpus */
	}
	reply = cmd_exec(h, &root, req);
	fuzz_reply_check(reply);
	json_decref(reply);
	json_decref(req);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	fuzz_daemon_init(0, NULL);
	return 0;
}
