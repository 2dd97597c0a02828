/*
 * husvagtctl: the staff's and installer's command line to husvagtd.  It
 * talks only to the daemon's control socket, one JSON request line and one
 * reply line at a time (src/cmd/cmd.h); the kernel tells the daemon who is
 * asking, so the tool carries no secrets.  Commands are a table: each
 * names its verb and how its positionals and options become the request's
 * arguments, so most need no code of their own.  Every argument is checked
 * for form here, before connecting, so a typing error costs nothing and
 * says what is wrong; the daemon checks everything again.
 *
 * Exit status: 0 done, 1 refused or failed, 2 usage error.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd_schema.h"
#include "ctl.h"

#define CTL_SOCKET	"/run/husvagt/control.sock"
#define CTL_TIMEOUT_S	60		/* the daemon answers or is stuck */

static const struct ctl_opt ctl_shared[] = {
	{ "-s", 'v', NULL }, { "--json", 'f', NULL }, { "--as", 'v', NULL },
	{ "-h", 'f', NULL }, { "--help", 'f', NULL }, { NULL, 0, NULL }
};

/* Print the usage of cmd, or of every command starting with group. */
static void
ctl_usage(const struct ctl_cmd *cmd, const char *group)
{
	const struct ctl_cmd *c;
	size_t glen = group != NULL ? strlen(group) : 0;

	if (cmd != NULL) {
		fprintf(stderr, "usage: husvagtctl [-s socket] [--json] "
		    "[--as login] %s%s%s\n", cmd->words, *cmd->usage ? " " : "",
		    cmd->usage);
		return;
	}
	fprintf(stderr, "usage: husvagtctl [-s socket] [--json] [--as login] "
	    "command [argument ...]\ncommands:\n");
	for (c = ctl_cmds; c->words != NULL; c++) {
		if (group == NULL || (!strncmp(c->words, group, glen) &&
		    c->words[glen] == ' '))
			fprintf(stderr, "  %s%s%s\n", c->words,
			    *c->usage ? " " : "", c->usage);
	}
}

/* Print "husvagtctl: " and the message on stderr. */
static void
ctl_vwarn(const char *fmt, va_list ap)
{
	fputs("husvagtctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* Name a usage problem and show how the command is used; returns -1. */
int
ctl_bad(const struct ctl_args *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_vwarn(fmt, ap);
	va_end(ap);
	ctl_usage(a->cmd, NULL);
	return -1;
}

/* Report a failure on stderr; returns CTL_FAILED. */
int
ctl_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_vwarn(fmt, ap);
	va_end(ap);
	return CTL_FAILED;
}

/* The value of option name ("--holder"), "" for a set flag, or NULL. */
const char *
ctl_opt(const struct ctl_args *a, const char *name)
{
	int i;

	for (i = 0; i < CTL_OPTS_MAX && a->cmd->opts[i].name != NULL; i++) {
		if (!strcmp(a->cmd->opts[i].name, name))
			return a->opt[i];
	}
	return NULL;
}

/* Parse the whole number s, named name, into *out; -1 if it is not one. */
static int
ctl_num(const struct ctl_args *a, const char *name, const char *s,
    long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0)
		return ctl_bad(a, "%s: '%s' is not a whole number", name, s);
	return 0;
}

/* The type the verb table gives the command's argument key. */
static enum cmd_arg_type
ctl_arg_type(const struct ctl_args *a, const char *key)
{
	const struct cmd_arg *ca = cmd_arg_find(a->cmd->verb, key);

	return ca != NULL ? ca->type : CMD_ARG_STR;
}

/* Set args[key] from text s, typed as the verb table says. */
static int
ctl_arg(const struct ctl_args *a, json_t *args, const char *key,
    const char *s)
{
	long long n;

	if (ctl_arg_type(a, key) == CMD_ARG_BOOL)
		return json_object_set_new(args, key, json_true());
	if (ctl_arg_type(a, key) == CMD_ARG_STR)
		return json_object_set_new(args, key, json_string(s));
	if (ctl_num(a, key, s, &n) == -1)
		return -1;
	return json_object_set_new(args, key, json_integer(n));
}

/* The request arguments the table describes, from a parsed line. */
static int
ctl_build(const struct ctl_args *a, json_t *args)
{
	const struct ctl_opt *o;
	int i;

	for (i = 0; i < a->npos; i++)
		if (ctl_arg(a, args, a->cmd->pos[i], a->pos[i]))
			return -1;
	for (i = 0; i < CTL_OPTS_MAX && a->cmd->opts[i].name != NULL; i++) {
		o = &a->cmd->opts[i];
		if (a->opt[i] != NULL && o->type == 'a' &&
		    ctl_arg(a, args, o->key, a->opt[i]))
			return -1;
	}
	return 0;
}

/* Connect to the daemon; exits 1 with the reason when it cannot. */
static void
ctl_connect(struct ctl *c)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CTL_TIMEOUT_S };

	if (strlen(c->sock) >= sizeof(sun.sun_path))
		exit(ctl_fail("cannot reach husvagtd at %s: path too long",
		    c->sock));
	strcpy(sun.sun_path, c->sock);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    (c->in = fdopen(c->fd, "r")) == NULL)
		exit(ctl_fail("cannot reach husvagtd at %s: %s", c->sock,
		    strerror(errno)));
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Send one request line: verb, args (stolen) and "as" when given. */
static int
ctl_send(struct ctl *c, const char *verb, json_t *args)
{
	json_t *req = json_pack("{s:s, s:o, s:s*}", "verb", verb, "args",
	    args, "as", c->as);
	char *line = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
	size_t len, off = 0;
	ssize_t n;

	json_decref(req);
	if (line == NULL)
		return ctl_fail("out of memory");
	len = strlen(line);
	line[len++] = '\n';	/* over the NUL: a line, not a C string */
	while (off < len) {
		n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);
		if (n == -1 && errno != EINTR)
			break;
		off += n > 0 ? (size_t)n : 0;
	}
	free(line);
	if (off < len)
		return ctl_fail("lost husvagtd at %s: %s", c->sock,
		    strerror(errno));
	return 0;
}

/*
 * One round trip.  Returns the reply's result (a new reference), or NULL
 * after printing the daemon's refusal or what went wrong.
 */
json_t *
ctl_call(struct ctl *c, const char *verb, json_t *args)
{
	json_t *reply, *result;
	ssize_t n;

	if (ctl_send(c, verb, args) != 0)
		return NULL;
	errno = 0;
	if ((n = getline(&c->buf, &c->cap, c->in)) <= 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			ctl_fail("husvagtd did not answer within %d s",
			    CTL_TIMEOUT_S);
		else
			ctl_fail("husvagtd closed the connection%s%s",
			    errno ? ": " : "", errno ? strerror(errno) : "");
		return NULL;
	}
	reply = json_loadb(c->buf, (size_t)n, 0, NULL);
	if (!json_is_object(reply)) {
		json_decref(reply);
		ctl_fail("husvagtd sent a reply that is not a JSON object");
		return NULL;
	}
	if (!json_is_true(json_object_get(reply, "ok")))
		ctl_fail("%s (%s)", json_string_value(json_object_get(reply,
		    "message")) ?: "refused", json_string_value(
		    json_object_get(reply, "error")) ?: "error");
	result = json_is_true(json_object_get(reply, "ok")) ?
	    json_incref(json_object_get(reply, "result")) : NULL;
	json_decref(reply);
	return result;
}

/*
 * The command named by argv's first one or two words.  *used says how
 * many words it took; 2 with NULL means a known group, unknown command.
 */
static const struct ctl_cmd *
ctl_find(int argc, char **argv, int *used)
{
	const struct ctl_cmd *c;
	size_t n = strlen(argv[0]);

	*used = 1;
	for (c = ctl_cmds; c->words != NULL; c++) {
		if (strncmp(c->words, argv[0], n) ||
		    (c->words[n] != '\0' && c->words[n] != ' '))
			continue;
		if (c->words[n] == '\0')
			return c;
		*used = 2;
		if (argc > 1 && !strcmp(c->words + n + 1, argv[1]))
			return c;
	}
	return NULL;
}

/* The option called name (len bytes) in list, or NULL. */
static const struct ctl_opt *
ctl_opt_find(const struct ctl_opt *list, const char *name, size_t len)
{
	for (; list != NULL && list->name != NULL; list++) {
		if (strlen(list->name) == len && !strncmp(list->name, name, len))
			return list;
	}
	return NULL;
}

/*
 * Take the option at argv[0], with its value from "--x=v" or argv[1], for
 * the shared options or the command's own (none while a->cmd is NULL).
 * Returns how many arguments it used, or -1 after a usage error.
 */
static int
ctl_option(struct ctl *c, struct ctl_args *a, char **argv)
{
	const char *eq = strchr(argv[0], '='), *val = "";
	size_t len = eq != NULL ? (size_t)(eq - argv[0]) : strlen(argv[0]);
	const struct ctl_opt *o;
	bool takes;

	if ((o = ctl_opt_find(ctl_shared, argv[0], len)) == NULL &&
	    (a->cmd == NULL ||
	    (o = ctl_opt_find(a->cmd->opts, argv[0], len)) == NULL))
		return ctl_bad(a, "unknown option %.*s", (int)len, argv[0]);
	takes = o->type == 'v' ||
	    (o->type == 'a' && ctl_arg_type(a, o->key) != CMD_ARG_BOOL);
	if (!takes && eq != NULL)
		return ctl_bad(a, "option %s takes no value", o->name);
	if (takes && eq == NULL && argv[1] == NULL)
		return ctl_bad(a, "option %s needs a value", o->name);
	if (takes)
		val = eq != NULL ? eq + 1 : argv[1];
	if (o == &ctl_shared[0])
		c->sock = val;
	else if (o == &ctl_shared[1])
		c->json = true;
	else if (o == &ctl_shared[2])
		c->as = val;
	else if (o == &ctl_shared[3] || o == &ctl_shared[4]) {
		ctl_usage(a->cmd, NULL);
		exit(CTL_OK);
	} else
		a->opt[o - a->cmd->opts] = val;
	return takes && eq == NULL ? 2 : 1;
}

/* Sort argv into options and positionals; -1 after a usage error. */
static int
ctl_parse(struct ctl *c, struct ctl_args *a, int argc, char **argv)
{
	bool opts = true;
	int i, n, max = 0;

	while (max < CTL_POS_MAX && a->cmd->pos[max] != NULL)
		max++;
	for (i = 0; i < argc; i += n) {
		n = 1;
		if (opts && !strcmp(argv[i], "--"))
			opts = false;
		else if (opts && argv[i][0] == '-' && argv[i][1] != '\0') {
			if ((n = ctl_option(c, a, argv + i)) == -1)
				return -1;
		} else if (a->npos == max)
			return ctl_bad(a, "unexpected argument '%s'", argv[i]);
		else
			a->pos[a->npos++] = argv[i];
	}
	if (a->npos < a->cmd->pos_min)
		return ctl_bad(a, "missing %s", a->cmd->pos[a->npos]);
	return 0;
}

/*
 * The command, after the shared options that may come first.  Returns
 * NULL after a usage error; *first is where its words start.
 */
static const struct ctl_cmd *
ctl_command(struct ctl *c, struct ctl_args *a, int argc, char **argv,
    int *first, int *used)
{
	const struct ctl_cmd *cmd;
	int i, n;

	for (i = 1; i < argc && argv[i][0] == '-'; i += n) {
		if ((n = ctl_option(c, a, argv + i)) == -1)
			return NULL;
	}
	if (i == argc) {
		ctl_usage(NULL, NULL);
		return NULL;
	}
	if ((cmd = ctl_find(argc - i, argv + i, used)) == NULL && *used == 2) {
		fprintf(stderr, "husvagtctl: %s: missing or unknown "
		    "subcommand\n", argv[i]);
		ctl_usage(NULL, argv[i]);
	} else if (cmd == NULL) {
		fprintf(stderr, "husvagtctl: unknown command '%s'\n", argv[i]);
		ctl_usage(NULL, NULL);
	}
	*first = i;
	return cmd;
}

int
main(int argc, char **argv)
{
	struct ctl c = { .fd = -1 };
	struct ctl_args a = { 0 };
	json_t *args, *result;
	int first, used, rc;

	c.sock = getenv("HUSVAGT_SOCKET") ?: CTL_SOCKET;
	if ((a.cmd = ctl_command(&c, &a, argc, argv, &first, &used)) == NULL)
		return CTL_USAGE;
	args = json_object();
	if (ctl_parse(&c, &a, argc - first - used, argv + first + used) != 0 ||
	    ctl_build(&a, args) != 0 ||
	    (a.cmd->check != NULL && a.cmd->check(&a, args) != 0)) {
		json_decref(args);
		return CTL_USAGE;
	}
	ctl_connect(&c);
	if ((result = ctl_call(&c, a.cmd->verb, args)) == NULL)
		return CTL_FAILED;
	rc = a.cmd->show(&c, &a, result);
	json_decref(result);
	free(c.buf);
	fclose(c.in);
	return rc;
}
