/*
 * husvagtctl's checks of what the command table cannot say, and the
 * prompts for what must not be typed on a command line (a PIN, a
 * password).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd_schema.h"
#include "ctl.h"
#include "role.h"

static struct termios ctl_tty_saved;

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
int
ctl_check_enrol(struct ctl_args *a, json_t *args)
{
	if (ctl_opt(a, "--holder") == NULL)
		return ctl_bad(a, "--holder is required");
	if (ctl_check_source(a) == -1)
		return -1;
	return ctl_opt(a, "--pin") != NULL ? ctl_pin(a, args) : 0;
}

/* chip revoke: a credential ID or a holder, not both. */
int
ctl_check_revoke(struct ctl_args *a, json_t *args)
{
	(void)args;
	if ((a->npos == 1) == (ctl_opt(a, "--holder") != NULL))
		return ctl_bad(a, "give a credential ID or --holder");
	return 0;
}

/* journal export: csv unless json is asked for. */
int
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
int
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
int
ctl_password(struct ctl_args *a, json_t *args)
{
	const struct cmd_arg *pa = cmd_arg_find(a->cmd->verb, "password");
	char pw[ROLE_PASSWORD_MAX + 64], again[sizeof(pw)], prompt[80];
	long long n;
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
	n = (long long)strlen(pw);
	for (p = pw; *p != '\0' && (unsigned char)*p >= 0x20 && *p != 0x7f;
	    p++)
		;
	if (pa == NULL || n < pa->min || n > pa->max || *p != '\0')
		rc = ctl_bad(a, "a password is %lld to %lld characters, no "
		    "control characters", pa != NULL ? pa->min : 0,
		    pa != NULL ? pa->max : 0);
	else
		json_object_set_new(args, "password", json_string(pw));
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(again, sizeof(again));
	return rc;
}

/* staff add: a role, then the password. */
int
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
int
ctl_check_drill(struct ctl_args *a, json_t *args)
{
	(void)args;
	if (strcmp(a->pos[0], "start") && strcmp(a->pos[0], "end"))
		return ctl_bad(a, "'%s' is not start or end", a->pos[0]);
	return 0;
}
