/*
 * husvagt-sim: the hands in the simulated building.  It presents cards,
 * types PINs, opens doors, presses buttons, pulls the fire alarm and reads
 * the relays, by talking to the sim backend's socket inside husvagtd: one
 * JSON request line out, one reply line back (hal/sim_ops.c).  Arguments
 * are checked for form here; the daemon checks them again and has the
 * last word.
 *
 * Exit status: 0 done, 1 refused or failed, 2 usage error.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "simc.h"

#define SIM_DEFAULT_SOCKET	"build/run/sim.sock"
#define SIM_TIMEOUT_S		10
#define SIM_PRESS_MS		150	/* how long a finger is on a button */

enum { SIM_OK = 0, SIM_FAILED = 1, SIM_USAGE = 2 };

struct simc {
	const char	*sock;
	bool		 json;
	const char	*format, *facility, *card, *since, *interval;
	bool		 release;
	int		 fd;
	FILE		*in;
};

typedef int simc_fn(struct simc *, const char *cmd, char **argv);

static const char simc_usage_text[] =
"usage: husvagt-sim [-s SOCKET] COMMAND [ARGS]\n"
"  present READER NUMBER [--format 26|34|37]  present a card\n"
"  present READER --facility F --card C       a 26-bit card\n"
"  keys READER KEYS                           type on the keypad: 1234#\n"
"  bits READER BITS [--interval-us N]         a raw pulse train: 0101...\n"
"  open DOOR | close DOOR                     the door contact (DOOR.contact)\n"
"  rex DOOR | intercom DOOR                   press and release the button\n"
"  panic PLACE [--release]                    panic.PLACE active (or normal)\n"
"  fire on|off                                the fire panel loop\n"
"  loop ROLE normal|active|cut|short          any supervised loop\n"
"  line READER d0|d1 low|idle                 hold a reader's data line low\n"
"  input ROLE 0|1                             any input (1 = active)\n"
"  outputs | inputs | points [--json]         what the wires carry\n"
"  history [--since N] [--json]               output changes, with times\n"
"The socket is $HUSVAGT_SIM_SOCKET or " SIM_DEFAULT_SOCKET ".\n";

/* Print the usage (why: NULL) or a usage error; returns the status. */
static int
simc_usage(const char *why, const char *arg)
{
	if (why == NULL) {
		fputs(simc_usage_text, stdout);
		return SIM_OK;
	}
	fprintf(stderr, "husvagt-sim: %s%s%s\n(husvagt-sim -h lists the "
	    "commands)\n", why, arg != NULL ? ": " : "",
	    arg != NULL ? arg : "");
	return SIM_USAGE;
}

/* A whole number in [min, max] from text; -1 if it is not one. */
static int
simc_number(const char *s, long long min, long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || *out < min ||
	    *out > max)
		return -1;
	return 0;
}

/* Connect to the sim socket; -1 after saying why. */
static int
simc_connect(struct simc *c)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = SIM_TIMEOUT_S };

	if (strlen(c->sock) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "husvagt-sim: %s: path too long\n", c->sock);
		return -1;
	}
	strcpy(sun.sun_path, c->sock);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "husvagt-sim: cannot connect to %s: %s "
		    "(is husvagtd running on the sim board?)\n", c->sock,
		    strerror(errno));
		return -1;
	}
	if ((c->in = fdopen(c->fd, "r")) == NULL) {
		fprintf(stderr, "husvagt-sim: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Send one request (stolen) and wait for its reply; NULL after printing
 * the daemon's refusal or the failure.
 */
static json_t *
simc_call(struct simc *c, json_t *req)
{
	char *text = json_dumps(req, JSON_COMPACT), *line = NULL;
	size_t cap = 0;
	json_t *reply = NULL;
	json_error_t err;

	json_decref(req);
	if (c->fd == -1 && simc_connect(c) != 0) {
		free(text);
		return NULL;
	}
	errno = 0;
	if (text == NULL || dprintf(c->fd, "%s\n", text) < 0 ||
	    getline(&line, &cap, c->in) == -1)
		fprintf(stderr, "husvagt-sim: %s: no reply: %s\n", c->sock,
		    errno != 0 ? strerror(errno) : "closed");
	else if ((reply = json_loads(line, 0, &err)) == NULL)
		fprintf(stderr, "husvagt-sim: bad reply: %s\n", err.text);
	else if (!json_is_true(json_object_get(reply, "ok"))) {
		fprintf(stderr, "husvagt-sim: refused: %s\n", json_string_value(
		    json_object_get(reply, "error")));
		json_decref(reply);
		reply = NULL;
	}
	free(text);
	free(line);
	return reply;
}

/* Run one request; with --json print the reply.  Returns the status. */
static int
simc_do(struct simc *c, json_t *req)
{
	json_t *reply = simc_call(c, req);

	if (reply == NULL)
		return SIM_FAILED;
	if (c->json) {
		json_dumpf(reply, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(reply);
	return SIM_OK;
}

/* present READER NUMBER | --facility F --card C [--format N] */
static int
simc_present(struct simc *c, const char *cmd, char **argv)
{
	long long fmt = 26, fac = -1, card = -1, num = -1;
	json_t *req;

	(void)cmd;
	if (c->format != NULL && simc_number(c->format, 0, 64, &fmt) != 0)
		return simc_usage("--format must be 26, 34 or 37", c->format);
	if (argv[1] != NULL && (c->facility != NULL || c->card != NULL))
		return simc_usage("give NUMBER or --facility and --card, not "
		    "both", NULL);
	if (argv[1] != NULL && simc_number(argv[1], 0, 1LL << 62, &num) != 0)
		return simc_usage("not a card number", argv[1]);
	if (argv[1] == NULL && (c->facility == NULL || c->card == NULL ||
	    simc_number(c->facility, 0, 255, &fac) != 0 ||
	    simc_number(c->card, 0, 65535, &card) != 0))
		return simc_usage("give NUMBER, or --facility 0..255 and "
		    "--card 0..65535", NULL);
	req = json_pack("{ss ss sI}", "op", "present", "reader", argv[0],
	    "format", (json_int_t)fmt);
	if (num >= 0)
		json_object_set_new(req, "number", json_integer(num));
	else {
		json_object_set_new(req, "facility", json_integer(fac));
		json_object_set_new(req, "card", json_integer(card));
	}
	return simc_do(c, req);
}

/* keys and bits: a string on a reader, at an optional bit interval. */
static int
simc_train(struct simc *c, const char *op, char **argv)
{
	long long iv = -1;
	json_t *req;

	if (c->interval != NULL && simc_number(c->interval, 1, 1000000, &iv))
		return simc_usage("bad --interval-us", c->interval);
	req = json_pack("{ss ss ss}", "op", op, "reader", argv[0], op,
	    argv[1]);
	if (iv >= 0)
		json_object_set_new(req, "interval_us", json_integer(iv));
	return simc_do(c, req);
}

/* Set a logical input value on role. */
static int
simc_set(struct simc *c, const char *role, int value)
{
	return simc_do(c, json_pack("{ss ss si}", "op", "input", "point",
	    role, "value", value));
}

/* Press a button, hold it as a finger would, and let go. */
static int
simc_press(struct simc *c, const char *role)
{
	struct timespec ts = { 0, SIM_PRESS_MS * 1000000L };

	if (simc_set(c, role, 1) != SIM_OK)
		return SIM_FAILED;
	nanosleep(&ts, NULL);
	return simc_set(c, role, 0);
}

/* open and close move DOOR.contact; rex and intercom press DOOR.<cmd>. */
static int
simc_door(struct simc *c, const char *cmd, char **argv)
{
	bool press = !strcmp(cmd, "rex") || !strcmp(cmd, "intercom");
	char role[128];

	snprintf(role, sizeof(role), "%s.%s", argv[0], press ? cmd :
	    "contact");
	if (press)
		return simc_press(c, role);
	return simc_set(c, role, !strcmp(cmd, "open"));
}

/* Put a supervised loop in a state. */
static int
simc_set_loop(struct simc *c, const char *role, const char *state)
{
	return simc_do(c, json_pack("{ss ss ss}", "op", "loop", "point", role,
	    "state", state));
}

/* panic PLACE [--release]: the panic.PLACE loop active or normal. */
static int
simc_panic(struct simc *c, const char *cmd, char **argv)
{
	char role[128];

	(void)cmd;
	snprintf(role, sizeof(role), "panic.%s", argv[0]);
	return simc_set_loop(c, role, c->release ? "normal" : "active");
}

/* fire on|off: the fire loop active or normal. */
static int
simc_fire(struct simc *c, const char *cmd, char **argv)
{
	(void)cmd;
	if (strcmp(argv[0], "on") != 0 && strcmp(argv[0], "off") != 0)
		return simc_usage("fire takes on or off", argv[0]);
	return simc_set_loop(c, "fire", !strcmp(argv[0], "on") ? "active" :
	    "normal");
}

/* loop ROLE STATE: any supervised loop; the daemon checks the state. */
static int
simc_loop(struct simc *c, const char *cmd, char **argv)
{
	(void)cmd;
	return simc_set_loop(c, argv[0], argv[1]);
}

/* line READER d0|d1 low|idle: a data line shorted, or back to idle. */
static int
simc_line(struct simc *c, const char *cmd, char **argv)
{
	(void)cmd;
	return simc_do(c, json_pack("{ss ss ss ss}", "op", "line", "reader",
	    argv[0], "line", argv[1], "state", argv[2]));
}

/* input ROLE 0|1: any input, logically. */
static int
simc_input(struct simc *c, const char *cmd, char **argv)
{
	(void)cmd;
	if (strcmp(argv[1], "0") != 0 && strcmp(argv[1], "1") != 0)
		return simc_usage("an input is 0 or 1", argv[1]);
	return simc_set(c, argv[0], argv[1][0] - '0');
}

/* outputs, inputs, points, history: a table, or the reply with --json. */
static int
simc_list(struct simc *c, const char *cmd, char **argv)
{
	json_t *req, *reply;
	long long since = 0;

	(void)argv;
	if (c->since != NULL && simc_number(c->since, 0, 1LL << 62, &since))
		return simc_usage("bad --since", c->since);
	req = json_pack("{ss}", "op", cmd);
	if (c->since != NULL)
		json_object_set_new(req, "since", json_integer(since));
	if ((reply = simc_call(c, req)) == NULL)
		return SIM_FAILED;
	if (c->json) {
		json_dumpf(reply, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		simc_show(cmd, json_object_get(reply, cmd));
	}
	json_decref(reply);
	return SIM_OK;
}

static const struct {
	const char	*name;
	int		 nmin, nmax;	/* positional arguments */
	simc_fn		*fn;
} simc_cmds[] = {
	{ "present", 1, 2, simc_present },
	{ "keys", 2, 2, simc_train },
	{ "bits", 2, 2, simc_train },
	{ "open", 1, 1, simc_door },
	{ "close", 1, 1, simc_door },
	{ "rex", 1, 1, simc_door },
	{ "intercom", 1, 1, simc_door },
	{ "panic", 1, 1, simc_panic },
	{ "fire", 1, 1, simc_fire },
	{ "loop", 2, 2, simc_loop },
	{ "line", 3, 3, simc_line },
	{ "input", 2, 2, simc_input },
	{ "outputs", 0, 0, simc_list },
	{ "inputs", 0, 0, simc_list },
	{ "points", 0, 0, simc_list },
	{ "history", 0, 0, simc_list },
};

/* Take the options, wherever they stand; -1 after a usage error. */
static int
simc_options(struct simc *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "facility", required_argument, NULL, 'F' },
		{ "card", required_argument, NULL, 'C' },
		{ "since", required_argument, NULL, 'S' },
		{ "interval-us", required_argument, NULL, 'i' },
		{ "release", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "s:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': c->sock = optarg; break;
		case 'f': c->format = optarg; break;
		case 'F': c->facility = optarg; break;
		case 'C': c->card = optarg; break;
		case 'S': c->since = optarg; break;
		case 'i': c->interval = optarg; break;
		case 'r': c->release = true; break;
		case 'j': c->json = true; break;
		case 'h': exit(simc_usage(NULL, NULL));
		default:
			simc_usage("unknown option or missing value",
			    argv[optind - 1]);
			return -1;
		}
	}
	return 0;
}

/* Options anywhere, then the command and its arguments. */
int
main(int argc, char **argv)
{
	struct simc c = { .fd = -1 };
	size_t i;
	int n, rc;

	c.sock = getenv("HUSVAGT_SIM_SOCKET");
	if (c.sock == NULL || c.sock[0] == '\0')
		c.sock = SIM_DEFAULT_SOCKET;
	if (simc_options(&c, argc, argv) != 0)
		return SIM_USAGE;
	if (optind >= argc)
		return simc_usage("no command", NULL);
	n = argc - optind - 1;
	for (i = 0; i < sizeof(simc_cmds) / sizeof(simc_cmds[0]); i++)
		if (!strcmp(simc_cmds[i].name, argv[optind]))
			break;
	if (i == sizeof(simc_cmds) / sizeof(simc_cmds[0]))
		return simc_usage("unknown command", argv[optind]);
	if (n < simc_cmds[i].nmin || n > simc_cmds[i].nmax)
		return simc_usage("wrong number of arguments", argv[optind]);
	rc = simc_cmds[i].fn(&c, simc_cmds[i].name, argv + optind + 1);
	if (c.in != NULL)
		fclose(c.in);	/* closes c.fd too */
	else if (c.fd != -1)
		close(c.fd);
	return rc;
}
