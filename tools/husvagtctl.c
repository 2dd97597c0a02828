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

#include "ctl.h"

#define CTL_SOCKET	"/run/husvagt/control.sock"
#define CTL_TIMEOUT_S	60		/* the daemon answers or is stuck */

static const struct ctl_cmd ctl_cmds[];
static const struct ctl_opt ctl_shared[] = {
	{ "-s", 'v', NULL }, { "--json", 'f', NULL }, { "--as", 'v', NULL },
	{ "-h", 'f', NULL }, { "--help", 'f', NULL }, { NULL, 0, NULL }
};
static struct termios ctl_tty_saved;

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

/* Set args[key] from text s, as a whole number when number is set. */
static int
ctl_arg(const struct ctl_args *a, json_t *args, const char *key,
    bool number, const char *s)
{
	long long n;

	if (!number)
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
	const char *p;
	int i;

	for (i = 0; i < a->npos; i++) {
		p = a->cmd->pos[i];
		if (ctl_arg(a, args, p + (*p == '#'), *p == '#', a->pos[i]))
			return -1;
	}
	for (i = 0; i < CTL_OPTS_MAX && a->cmd->opts[i].name != NULL; i++) {
		o = &a->cmd->opts[i];
		if (a->opt[i] == NULL || o->type == 'f' || o->type == 'v')
			continue;
		if (o->type == 'b')
			json_object_set_new(args, o->key, json_true());
		else if (ctl_arg(a, args, o->key, o->type == 'i', a->opt[i]))
			return -1;
	}
	return 0;
}

/* Put the terminal back and leave, when interrupted at the PIN prompt. */
static void
ctl_pin_interrupted(int sig)
{
	(void)sig;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &ctl_tty_saved);
	_exit(128 + SIGINT);
}

/*
 * Read one line into buf: from the terminal without echo after prompt,
 * or from standard input as it comes.  Returns -1 at end of input.
 */
static int
ctl_read_secret(const char *prompt, char *buf, size_t len)
{
	bool tty = isatty(STDIN_FILENO);
	struct termios quiet;
	char *ok;

	if (tty && tcgetattr(STDIN_FILENO, &ctl_tty_saved) == 0) {
		quiet = ctl_tty_saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		signal(SIGINT, ctl_pin_interrupted);
		/* Echo off (and what was typed ahead dropped) before the
		 * prompt: what is typed after it is neither shown nor lost. */
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		fputs(prompt, stderr);
	} else
		tty = false;
	ok = fgets(buf, (int)len, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &ctl_tty_saved);
		signal(SIGINT, SIG_DFL);
		fputc('\n', stderr);
	}
	if (ok == NULL)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/*
 * The PIN for --pin: asked twice on a terminal, once from a pipe; never
 * from the command line, where ps would show it.  Exits 1 on a mismatch.
 */
static int
ctl_pin(struct ctl_args *a, json_t *args)
{
	char pin[CTL_PIN_MAX + 2], again[sizeof(pin)];
	size_t n;
	int rc = 0;

	if (ctl_read_secret("PIN: ", pin, sizeof(pin)) == -1)
		return ctl_bad(a, "--pin: no PIN given");
	if (isatty(STDIN_FILENO) &&
	    (ctl_read_secret("PIN again: ", again, sizeof(again)) == -1 ||
	    strcmp(again, pin) != 0)) {
		explicit_bzero(pin, sizeof(pin));
		exit(ctl_fail("the two PINs differ; nothing was enrolled"));
	}
	n = strspn(pin, "0123456789");
	if (pin[n] != '\0' || n < 4 || n > 8)
		rc = ctl_bad(a, "--pin: a PIN is 4 to 8 digits");
	else
		json_object_set_new(args, "pin", json_string(pin));
	explicit_bzero(pin, sizeof(pin));
	explicit_bzero(again, sizeof(again));
	return rc;
}

/* Where the chip's number comes from: typed, facility + card, a reader. */
static int
ctl_check_source(struct ctl_args *a)
{
	bool num = ctl_opt(a, "--number") != NULL;
	bool fac = ctl_opt(a, "--facility") != NULL;
	bool card = ctl_opt(a, "--card") != NULL;
	bool rd = ctl_opt(a, "--reader") != NULL;

	if (num + (fac || card) + rd != 1)
		return ctl_bad(a, "give one of --number, --facility with "
		    "--card, or --reader");
	if (fac != card)
		return ctl_bad(a, "--facility and --card go together");
	if (ctl_opt(a, "--format") != NULL && !num)
		return ctl_bad(a, "--format goes with --number");
	if (ctl_opt(a, "--timeout") != NULL && !rd)
		return ctl_bad(a, "--timeout goes with --reader");
	return 0;
}

/* chip enrol: a holder, one source of the number, the PIN. */
static int
ctl_check_enrol(struct ctl_args *a, json_t *args)
{
	if (ctl_opt(a, "--holder") == NULL)
		return ctl_bad(a, "--holder is required");
	if (ctl_check_source(a) == -1)
		return -1;
	return ctl_opt(a, "--pin") != NULL ? ctl_pin(a, args) : 0;
}

/* chip revoke: a credential ID or a holder, not both. */
static int
ctl_check_revoke(struct ctl_args *a, json_t *args)
{
	(void)args;
	if ((a->npos == 1) == (ctl_opt(a, "--holder") != NULL))
		return ctl_bad(a, "give a credential ID or --holder");
	return 0;
}

/* journal export: csv unless json is asked for. */
static int
ctl_check_export(struct ctl_args *a, json_t *args)
{
	const char *fmt = ctl_opt(a, "--format");

	if (fmt == NULL)
		json_object_set_new(args, "format", json_string("csv"));
	else if (strcmp(fmt, "csv") && strcmp(fmt, "json"))
		return ctl_bad(a, "--format: '%s' is not csv or json", fmt);
	return 0;
}

/* point set: the value is 0 or 1. */
static int
ctl_check_point_set(struct ctl_args *a, json_t *args)
{
	(void)args;
	if (strcmp(a->pos[1], "0") && strcmp(a->pos[1], "1"))
		return ctl_bad(a, "value: '%s' is not 0 or 1", a->pos[1]);
	return 0;
}

/*
 * A staff login's password for staff add / passwd: asked twice without
 * echo on a terminal, one line from a pipe; never from the command line,
 * where ps would show it.  Exits 1 on a mismatch.
 */
static int
ctl_password(struct ctl_args *a, json_t *args)
{
	char pw[CTL_PASSWORD_MAX + 64], again[sizeof(pw)], prompt[80];
	size_t n;
	int rc = 0;
	const char *p;

	snprintf(prompt, sizeof(prompt), "Password for %.40s: ", a->pos[0]);
	if (ctl_read_secret(prompt, pw, sizeof(pw)) == -1)
		return ctl_bad(a, "no password given (type it, or give it as "
		    "a line on standard input)");
	if (isatty(STDIN_FILENO) &&
	    (ctl_read_secret("Password again: ", again, sizeof(again)) == -1 ||
	    strcmp(again, pw) != 0)) {
		explicit_bzero(pw, sizeof(pw));
		explicit_bzero(again, sizeof(again));
		exit(ctl_fail("the two passwords differ; nothing was changed"));
	}
	n = strlen(pw);
	for (p = pw; *p != '\0' && (unsigned char)*p >= 0x20 && *p != 0x7f;
	    p++)
		;
	if (n < CTL_PASSWORD_MIN || n > CTL_PASSWORD_MAX || *p != '\0')
		rc = ctl_bad(a, "a password is %d to %d characters, no control "
		    "characters", CTL_PASSWORD_MIN, CTL_PASSWORD_MAX);
	else
		json_object_set_new(args, "password", json_string(pw));
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(again, sizeof(again));
	return rc;
}

/* staff add: a role, then the password. */
static int
ctl_check_staff_add(struct ctl_args *a, json_t *args)
{
	const char *role = ctl_opt(a, "--role");

	if (role == NULL)
		return ctl_bad(a, "--role is required");
	if (strcmp(role, "staff") && strcmp(role, "management") &&
	    strcmp(role, "installer"))
		return ctl_bad(a, "--role: '%s' is not staff, management or "
		    "installer", role);
	return ctl_password(a, args);
}

/* mode drill: start or end, nothing else. */
static int
ctl_check_drill(struct ctl_args *a, json_t *args)
{
	(void)args;
	if (strcmp(a->pos[0], "start") && strcmp(a->pos[0], "end"))
		return ctl_bad(a, "'%s' is not start or end", a->pos[0]);
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
static json_t *
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

/* Print result as indented JSON for --json; returns CTL_OK. */
int
ctl_json(const json_t *result)
{
	json_dumpf(result, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	return CTL_OK;
}

/*
 * A JSON value as table text: strings bare ("-" when empty or absent),
 * booleans yes/no, an empty array "none", anything else compact JSON in
 * buf.
 */
const char *
ctl_cell(const json_t *v, char *buf, size_t len)
{
	size_t n;

	if (v == NULL || json_is_null(v) || (json_is_string(v) &&
	    json_string_length(v) == 0))
		return "-";
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	if (json_is_array(v) && json_array_size(v) == 0)
		return "none";
	n = json_dumpb(v, buf, len - 1, JSON_COMPACT | JSON_ENCODE_ANY);
	if (n == 0 || n > len - 1)
		return "...";
	buf[n] = '\0';
	return buf;
}

/* Columns on screen: UTF-8 continuation bytes take none. */
int
ctl_width(const char *s)
{
	int w = 0;

	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/*
 * Print an array of objects as an aligned table: the columns are the
 * first row's keys in the daemon's order, headed by their names.
 */
void
ctl_table(const json_t *rows)
{
	json_t *first = json_array_get(rows, 0), *all, *row, *v;
	size_t ncol = json_object_size(first), r, k;
	int w[CTL_COLS_MAX] = { 0 }, pass;
	const char *key, *s;
	char buf[256];

	if (!json_is_object(first) || ncol > CTL_COLS_MAX) {
		printf("(none)\n");
		return;
	}
	all = json_array();
	json_array_append_new(all, row = json_object());
	json_object_foreach(first, key, v)
		json_object_set_new(row, key, json_string(key));
	json_array_extend(all, (json_t *)rows);
	for (pass = 0; pass < 2; pass++) {
		json_array_foreach(all, r, row) {
			k = 0;
			json_object_foreach(first, key, v) {
				s = ctl_cell(json_object_get(row, key), buf,
				    sizeof(buf));
				if (pass == 0 && ctl_width(s) > w[k])
					w[k] = ctl_width(s);
				else if (pass == 1)
					printf("%s%*s", s, k + 1 < ncol ?
					    w[k] - ctl_width(s) + 2 : 0, "");
				k++;
			}
			if (pass == 1)
				putchar('\n');
		}
	}
	json_decref(all);
}

/* Whether v prints as a table: an array of objects. */
static bool
ctl_is_table(const json_t *v)
{
	return json_is_object(json_array_get(v, 0));
}

/* Print the other members of an object as aligned "key  value" lines. */
static void
ctl_fields(const json_t *obj)
{
	const char *key;
	char buf[256];
	json_t *v;
	int w = 0;

	json_object_foreach((json_t *)obj, key, v) {
		if (!ctl_is_table(v) && ctl_width(key) > w)
			w = ctl_width(key);
	}
	json_object_foreach((json_t *)obj, key, v) {
		if (ctl_is_table(v))
			continue;
		printf("%s%*s  %s\n", key, w - ctl_width(key), "",
		    ctl_cell(v, buf, sizeof(buf)));
	}
}

/*
 * Any result: its fields, then each table under its name; a result that
 * is one table is just the table.
 */
int
ctl_show_any(struct ctl *c, struct ctl_args *a, json_t *result)
{
	const char *key;
	json_t *v;
	bool alone = json_object_size(result) == 1;

	(void)a;
	if (c->json)
		return ctl_json(result);
	ctl_fields(result);
	json_object_foreach(result, key, v) {
		if (!ctl_is_table(v))
			continue;
		if (!alone)
			printf("\n%s:\n", key);
		ctl_table(v);
	}
	return CTL_OK;
}

/*
 * status: the site's fields, then its doors as phase, lock and contact
 * rather than the daemon's booleans.
 */
static int
ctl_show_status(struct ctl *c, struct ctl_args *a, json_t *r)
{
	json_t *doors, *d;
	size_t i;

	if (c->json)
		return ctl_json(r);
	doors = json_array();
	json_array_foreach(json_object_get(r, "doors"), i, d) {
		json_array_append_new(doors, json_pack("{s:O?, s:O?, s:s, s:s, "
		    "s:b, s:b}", "door", json_object_get(d, "name"), "phase",
		    json_object_get(d, "phase"), "lock", json_is_true(
		    json_object_get(d, "released")) ? "released" : "locked",
		    "contact", json_is_true(json_object_get(d, "open")) ?
		    "open" : "closed", "hold", json_is_true(json_object_get(d,
		    "hold")), "fault", json_is_true(json_object_get(d, "fault"))));
	}
	json_object_set_new(r, "doors", doors);
	return ctl_show_any(c, a, r);
}

/* Sleep ms milliseconds. */
static void
ctl_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Wait at the reader until the daemon has enrolled a chip, given up, or
 * failed; the daemon owns the timeout, the loop only asks.
 */
static int
ctl_enrol_wait(struct ctl *c, const char *reader)
{
	json_t *st = NULL;
	const char *state;
	int rc;

	printf("present the chip at %s...\n", reader);
	fflush(stdout);
	for (;;) {
		ctl_sleep_ms(200);
		json_decref(st);
		if ((st = ctl_call(c, "chip.enrol_status",
		    json_pack("{s:s}", "reader", reader))) == NULL)
			return CTL_FAILED;
		state = json_string_value(json_object_get(st, "state")) ?: "";
		if (strcmp(state, "waiting"))
			break;
	}
	if (c->json)
		ctl_json(st);
	else if (!strcmp(state, "enrolled"))
		printf("enrolled credential %lld\n", (long long)
		    json_integer_value(json_object_get(st, "id")));
	if (strcmp(state, "enrolled"))
		rc = ctl_fail("chip not enrolled at %s: %s%s%s", reader, state,
		    json_object_get(st, "error") ? ", " : "", json_string_value(
		    json_object_get(st, "error")) ?: "");
	else
		rc = CTL_OK;
	json_decref(st);
	return rc;
}

/* chip enrol: the new id, or the wait at the reader. */
static int
ctl_show_enrol(struct ctl *c, struct ctl_args *a, json_t *r)
{
	if (json_is_true(json_object_get(r, "armed")))
		return ctl_enrol_wait(c, ctl_opt(a, "--reader"));
	if (c->json)
		return ctl_json(r);
	printf("enrolled credential %lld\n", (long long)json_integer_value(
	    json_object_get(r, "id")));
	return CTL_OK;
}

/* Print journal rows, one a line; returns the last seq printed. */
static long long
ctl_rows(struct ctl *c, const json_t *rows, long long last)
{
	const char *pt, *subj;
	json_t *row;
	char *detail;
	size_t i;

	json_array_foreach(rows, i, row) {
		last = json_integer_value(json_object_get(row, "seq"));
		if (c->json) {
			json_dumpf(row, stdout, JSON_COMPACT);
			putchar('\n');
			continue;
		}
		pt = json_string_value(json_object_get(row, "point"));
		subj = json_string_value(json_object_get(row, "subject"));
		detail = json_dumps(json_object_get(row, "detail"),
		    JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%lld %s %s %s %s %s %s\n", last, json_string_value(
		    json_object_get(row, "time")) ?: "-", json_string_value(
		    json_object_get(row, "type")) ?: "-", pt && *pt ? pt : "-",
		    json_string_value(json_object_get(row, "actor")) ?: "-",
		    subj && *subj ? subj : "-", detail ? detail : "{}");
		free(detail);
	}
	fflush(stdout);
	return last;
}

/* journal tail: the rows, then with -f every new row until interrupted. */
static int
ctl_show_tail(struct ctl *c, struct ctl_args *a, json_t *r)
{
	json_t *rows = json_object_get(r, "rows"), *more = NULL;
	long long last;

	if (ctl_opt(a, "-f") == NULL && c->json)
		return ctl_json(r);
	last = ctl_rows(c, rows, 0);
	if (ctl_opt(a, "-f") == NULL)
		return CTL_OK;
	for (;;) {
		if (json_array_size(rows) < 500)
			ctl_sleep_ms(500);
		json_decref(more);
		if ((more = ctl_call(c, "journal.rows", json_pack("{s:I, s:i}",
		    "after", (json_int_t)last, "limit", 500))) == NULL)
			return CTL_FAILED;
		rows = json_object_get(more, "rows");
		last = ctl_rows(c, rows, last);
	}
}

/* Create path for an export, readable by its owner only. */
static FILE *
ctl_export_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f;

	if (fd == -1)
		return NULL;
	if ((f = fdopen(fd, "w")) == NULL)
		close(fd);
	return f;
}

/* journal export: the data verbatim, to -o FILE or standard output. */
static int
ctl_show_export(struct ctl *c, struct ctl_args *a, json_t *r)
{
	const json_t *data = json_object_get(r, "data");
	const char *path = ctl_opt(a, "-o");
	FILE *out = stdout;

	if (c->json && path == NULL)
		return ctl_json(r);
	if (!json_is_string(data))
		return ctl_fail("husvagtd sent an export without data");
	if (path != NULL && (out = ctl_export_file(path)) == NULL)
		return ctl_fail("%s: %s", path, strerror(errno));
	fwrite(json_string_value(data), 1, json_string_length(data), out);
	if ((out == stdout ? fflush(out) : fclose(out)) != 0 || ferror(stdout))
		return ctl_fail("%s: %s", path ? path : "standard output",
		    strerror(errno));
	if (path != NULL)
		printf("%lld rows written to %s\n", (long long)
		    json_integer_value(json_object_get(r, "rows")), path);
	return CTL_OK;
}

/* journal verify: intact, or where the chain breaks (exit 1). */
static int
ctl_show_verify(struct ctl *c, struct ctl_args *a, json_t *r)
{
	bool ok = json_is_true(json_object_get(r, "ok"));

	(void)a;
	if (c->json)
		ctl_json(r);
	else if (ok)
		printf("journal intact: %lld rows checked\n", (long long)
		    json_integer_value(json_object_get(r, "rows")));
	if (ok)
		return CTL_OK;
	return ctl_fail("journal broken at seq %lld: %s", (long long)
	    json_integer_value(json_object_get(r, "bad_seq")),
	    json_string_value(json_object_get(r, "reason")) ?: "?");
}

#define HOLDER	{ "--holder", 's', "holder" }
#define NOOPTS	{ { NULL, 0, NULL } }

static const struct ctl_cmd ctl_cmds[] = {
	{ "status", "", "status", { NULL }, 0, { { NULL, 0, NULL } },
	    NULL, ctl_show_status },
	{ "door list", "", "door.list", { NULL }, 0, { { NULL, 0, NULL } },
	    NULL, ctl_show_any },
	{ "door release", "DOOR [--hold]", "door.release", { "door" }, 1,
	    { { "--hold", 'b', "hold" } }, NULL, ctl_show_any },
	{ "door lock", "DOOR", "door.lock", { "door" }, 1,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "mode status", "", "mode.status", { NULL }, 0,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "mode lockdown", "", "mode.lockdown", { NULL }, 0,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "mode normal", "", "mode.lift", { NULL }, 0,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "mode fire", "", "mode.fire", { NULL }, 0,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "mode reset", "", "mode.reset", { NULL }, 0,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "mode drill", "start|end", "mode.drill", { "action" }, 1,
	    { { NULL, 0, NULL } }, ctl_check_drill, ctl_show_any },
	{ "alarm list", "", "alarm.list", { NULL }, 0,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "alarm ack", "ID", "alarm.ack", { "#id" }, 1,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "chip enrol", "--holder stay:ID|staff:LOGIN "
	    "(--number N [--format 26|34|37] | --facility F --card C | "
	    "--reader ROLE [--timeout S]) [--zones a,b] [--from YYYY-MM-DD] "
	    "[--to YYYY-MM-DD] [--windows \"mon-fri 07:00-19:00\"] [--pin] "
	    "[--label TEXT]", "chip.enrol", { NULL }, 0, { HOLDER,
	    { "--number", 'i', "number" }, { "--format", 'i', "format" },
	    { "--facility", 'i', "facility" }, { "--card", 'i', "card" },
	    { "--reader", 's', "reader" }, { "--timeout", 'i', "timeout" },
	    { "--zones", 's', "zones" }, { "--from", 's', "valid_from" },
	    { "--to", 's', "valid_to" }, { "--windows", 's', "windows" },
	    { "--label", 's', "label" }, { "--pin", 'f', NULL } },
	    ctl_check_enrol, ctl_show_enrol },
	{ "chip revoke", "ID | --holder stay:ID|staff:LOGIN", "chip.revoke",
	    { "#id" }, 0, { HOLDER }, ctl_check_revoke, ctl_show_any },
	{ "chip list", "[--holder stay:ID|staff:LOGIN]", "chip.list",
	    { NULL }, 0, { HOLDER }, NULL, ctl_show_any },
	{ "journal tail", "[-n N] [-f]", "journal.tail", { NULL }, 0,
	    { { "-n", 'i', "n" }, { "-f", 'f', NULL } }, NULL, ctl_show_tail },
	{ "journal export", "[--format csv|json] [--from ISO] [--to ISO] "
	    "[-o FILE]", "journal.export", { NULL }, 0, {
	    { "--format", 's', "format" }, { "--from", 's', "from" },
	    { "--to", 's', "to" }, { "-o", 'v', NULL } },
	    ctl_check_export, ctl_show_export },
	{ "journal verify", "", "journal.verify", { NULL }, 0,
	    { { NULL, 0, NULL } }, NULL, ctl_show_verify },
	{ "point list", "", "point.list", { NULL }, 0, { { NULL, 0, NULL } },
	    NULL, ctl_show_any },
	{ "point get", "ROLE", "point.get", { "point" }, 1,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "point set", "ROLE 0|1 [--seconds N]", "point.set",
	    { "point", "#value" }, 2, { { "--seconds", 'i', "seconds" } },
	    ctl_check_point_set, ctl_show_any },
	{ "staff add", "LOGIN --role staff|management|installer",
	    "staff.add", { "login" }, 1, { { "--role", 's', "role" } },
	    ctl_check_staff_add, ctl_show_any },
	{ "staff remove", "LOGIN", "staff.remove", { "login" }, 1,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "staff passwd", "LOGIN", "staff.passwd", { "login" }, 1,
	    { { NULL, 0, NULL } }, ctl_password, ctl_show_any },
	{ "staff list", "[--removed]", "staff.list", { NULL }, 0,
	    { { "--removed", 'b', "removed" } }, NULL, ctl_show_any },
	{ "staff on", "[LOGIN]", "staff.on", { "login" }, 0,
	    NOOPTS, NULL, ctl_show_any },
	{ "staff off", "[LOGIN]", "staff.off", { "login" }, 0,
	    NOOPTS, NULL, ctl_show_any },
	{ "staff duty", "", "staff.duty", { NULL }, 0, NOOPTS, NULL,
	    ctl_show_any },
	{ "room list", "", "room.list", { NULL }, 0, NOOPTS, NULL,
	    ctl_show_any },
	{ "stay admit", "ALIAS --room ROOM [--arrival YYYY-MM-DD] "
	    "[--adults N] [--children-0-2 N] [--children-3-5 N] "
	    "[--children-6-9 N] [--children-10-17 N] [--needs-help]",
	    "stay.admit", { "alias" }, 1, {
	    { "--room", 's', "room" }, { "--arrival", 's', "arrival" },
	    { "--adults", 'i', "adults" },
	    { "--children-0-2", 'i', "children_0_2" },
	    { "--children-3-5", 'i', "children_3_5" },
	    { "--children-6-9", 'i', "children_6_9" },
	    { "--children-10-17", 'i', "children_10_17" },
	    { "--needs-help", 'b', "needs_help" } }, NULL, ctl_show_any },
	{ "stay discharge", "ID [--date YYYY-MM-DD]", "stay.discharge",
	    { "#id" }, 1, { { "--date", 's', "date" } }, NULL, ctl_show_any },
	{ "stay move", "ID ROOM", "stay.move", { "#id", "room" }, 2, NOOPTS,
	    NULL, ctl_show_any },
	{ "stay list", "[--all]", "stay.list", { NULL }, 0,
	    { { "--all", 'b', "all" } }, NULL, ctl_show_any },
	{ "enquiry record", "--outcome no_room|not_target|referred|offered|"
	    "asked_about_resident|other [--description TEXT]",
	    "enquiry.record", { NULL }, 0, {
	    { "--outcome", 's', "outcome" },
	    { "--description", 's', "description" } }, NULL, ctl_show_any },
	{ "report occupancy", "--from YYYY-MM-DD --to YYYY-MM-DD "
	    "[--format table|csv|json]", "report.occupancy", { NULL }, 0, {
	    { "--from", 's', "from" }, { "--to", 's', "to" },
	    { "--format", 'v', NULL } }, ctl_check_occupancy,
	    ctl_show_occupancy },
	{ "report safety", "--from YYYY-MM-DD --to YYYY-MM-DD "
	    "[--format table|csv|html] [-o FILE]", "report.safety", { NULL }, 0,
	    { { "--from", 's', "from" }, { "--to", 's', "to" },
	    { "--format", 'v', NULL }, { "-o", 'v', NULL } },
	    ctl_check_safety, ctl_show_safety },
	{ "guest agree", "STAY GUEST --relation family|friend|professional|"
	    "other [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--windows W] "
	    "[--resident-areas] [--escort]", "guest.agree",
	    { "#stay", "guest" }, 2, {
	    { "--relation", 's', "relation" }, { "--from", 's', "from" },
	    { "--to", 's', "to" }, { "--windows", 's', "windows" },
	    { "--resident-areas", 'b', "resident_areas" },
	    { "--escort", 'b', "escort" } }, NULL, ctl_show_any },
	{ "guest list", "[--stay ID] [--ended]", "guest.list", { NULL }, 0,
	    { { "--stay", 'i', "stay" }, { "--ended", 'b', "ended" } }, NULL,
	    ctl_show_any },
	{ "guest end", "ID", "guest.end", { "#id" }, 1, NOOPTS, NULL,
	    ctl_show_any },
	{ "guest block", "NAME [--description TEXT]", "guest.block",
	    { "name" }, 1, { { "--description", 's', "description" } }, NULL,
	    ctl_show_any },
	{ "guest unblock", "ID", "guest.unblock", { "#id" }, 1, NOOPTS, NULL,
	    ctl_show_any },
	{ "guest list-blocked", "", "guest.blocked", { NULL }, 0, NOOPTS,
	    NULL, ctl_show_any },
	{ "guest evaluate", "--door DOOR --guest NAME [--stay ID]",
	    "guest.evaluate", { NULL }, 0, { { "--door", 's', "door" },
	    { "--guest", 's', "guest" }, { "--stay", 'i', "stay" } }, NULL,
	    ctl_show_any },
	{ "guest admit", "--door DOOR --guest NAME [--stay ID] "
	    "[--reason TEXT]", "guest.admit", { NULL }, 0, {
	    { "--door", 's', "door" }, { "--guest", 's', "guest" },
	    { "--stay", 'i', "stay" }, { "--reason", 's', "reason" } }, NULL,
	    ctl_show_any },
	{ "guest refuse", "--door DOOR [--guest NAME] [--stay ID] "
	    "[--reason TEXT]", "guest.refuse", { NULL }, 0, {
	    { "--door", 's', "door" }, { "--guest", 's', "guest" },
	    { "--stay", 'i', "stay" }, { "--reason", 's', "reason" } }, NULL,
	    ctl_show_any },
	{ "guest checkout", "VISIT", "guest.checkout", { "#visit" }, 1,
	    NOOPTS, NULL, ctl_show_any },
	{ "guest inside", "", "guest.inside", { NULL }, 0, NOOPTS, NULL,
	    ctl_show_any },
	{ "evac status", "", "evac.status", { NULL }, 0, NOOPTS, NULL,
	    ctl_show_any },
	{ "evac account", "ROOM|visit:ID|staff:LOGIN", "evac.account",
	    { "who" }, 1, NOOPTS, NULL, ctl_show_any },
	{ "evac unaccount", "ROOM|visit:ID|staff:LOGIN", "evac.unaccount",
	    { "who" }, 1, NOOPTS, NULL, ctl_show_any },
	{ "evac close", "", "evac.close", { NULL }, 0, NOOPTS, NULL,
	    ctl_show_any },
	{ NULL, NULL, NULL, { NULL }, 0, { { NULL, 0, NULL } }, NULL, NULL }
};

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
	takes = o->type != 'f' && o->type != 'b';
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
		return ctl_bad(a, "missing %s", a->cmd->pos[a->npos] +
		    (*a->cmd->pos[a->npos] == '#'));
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
