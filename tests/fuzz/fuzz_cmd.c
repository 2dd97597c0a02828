/*
 * The verbs (src/cmd/cmd.c and the cmd_*.c behind it): a request object
 * {"verb": ..., "args": {...}} as the control socket and MQTT hand it
 * to cmd_exec(), checked against the verb's argument schema and then run
 * by the verb on a live daemon (fuzz_daemon.h) as root, who may run
 * every verb.  An input is one or more requests, one per line, run in
 * turn, so that an input can set up what a verb acts on (admit a stay,
 * start a fire, then ask for the roll call) and a crash replays from its
 * file alone; a line that is not a JSON object is skipped (the envelope
 * is fuzz_control's).  Each reply must be {"ok": ...} and an error must
 * carry its code and message.
 */
#include "clock.h"
#include "fuzz_daemon.h"

#define REQUESTS_MAX	16

/* Run one request line; 0 when it was a request at all. */
static int
request(struct husvagt *h, const char *line, size_t len)
{
	static const struct cmd_actor root = { .login = "root",
	    .roles = ROLE_ALL, .via = "control" };
	json_t *req, *reply;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(req)) {
		json_decref(req);
		return -1;
	}
	reply = cmd_exec(h, &root, req);
	fuzz_reply_check(reply);
	json_decref(reply);
	json_decref(req);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct husvagt *h = fuzz_daemon();
	const char *p = (const char *)data, *end = p + n, *nl;
	int requests = 0, lines;

	for (lines = 0; p < end && lines < REQUESTS_MAX; lines++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (request(h, p, (size_t)(nl - p)) == 0)
			requests++;
		p = nl + 1;
	}
	return requests > 0 ? 0 : -1;	/* -1: not added to the corpus */
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	fuzz_daemon_init(0, NULL);
	return 0;
}
