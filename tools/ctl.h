/*
 * What husvagtctl's files share: the connection, the command table's
 * types and the printing helpers (husvagtctl.c), so that a command with
 * its own presentation (the reports) lives in a file of its own.
 */
#ifndef HUSVAGT_CTL_H
#define HUSVAGT_CTL_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#define CTL_OPTS_MAX	14
#define CTL_POS_MAX	2
#define CTL_PIN_MAX	16
#define CTL_COLS_MAX	32

enum { CTL_OK = 0, CTL_FAILED = 1, CTL_USAGE = 2 };

/* The connection and the options every command shares. */
struct ctl {
	const char	*sock;
	const char	*as;
	bool		 json;
	int		 fd;
	FILE		*in;		/* the replies */
	char		*buf;		/* the last reply line */
	size_t		 cap;
};

/*
 * An option: 'f' a flag and 'v' a value for the tool itself; 'a' the
 * request argument key, whose type comes from the daemon's verb table
 * (src/cmd/cmd_schema.c): a bool is a flag (true when given), a whole
 * number or text takes a value.
 */
struct ctl_opt {
	const char	*name;
	char		 type;
	const char	*key;
};

struct ctl_cmd;

/* A command line after parsing: positionals and option values. */
struct ctl_args {
	const struct ctl_cmd	*cmd;
	const char		*pos[CTL_POS_MAX];
	int			 npos;
	const char		*opt[CTL_OPTS_MAX];	/* by cmd->opts index */
};

/* Check what the table cannot say, add to args; -1 after a usage error. */
typedef int ctl_check_fn(struct ctl_args *, json_t *args);
/* Present a successful result; returns the exit status. */
typedef int ctl_show_fn(struct ctl *, struct ctl_args *, json_t *result);

/*
 * One command.  pos names the request keys of its positionals (typed by
 * the verb table, as options are); the first pos_min are required.
 */
struct ctl_cmd {
	const char		*words;
	const char		*usage;
	const char		*verb;
	const char		*pos[CTL_POS_MAX];
	int			 pos_min;
	struct ctl_opt		 opts[CTL_OPTS_MAX];
	ctl_check_fn		*check;
	ctl_show_fn		*show;
};

/* ctl_cmds.c: the command table, ended by a NULL words. */
extern const struct ctl_cmd ctl_cmds[];

/* ctl_input.c: checks beyond the table, and the prompts */
ctl_check_fn ctl_check_enrol, ctl_check_revoke, ctl_check_export,
	    ctl_check_point_set, ctl_check_staff_add, ctl_check_drill,
	    ctl_password;

/* ctl_show.c: presenting replies */
ctl_show_fn ctl_show_status, ctl_show_enrol, ctl_show_tail, ctl_show_export,
	    ctl_show_verify;

/* husvagtctl.c */
/* One round trip: the reply's result (a new reference), or NULL after
 * printing the daemon's refusal or what went wrong. */
json_t	*ctl_call(struct ctl *, const char *verb, json_t *args);
int	 ctl_json(const json_t *result);
void	 ctl_table(const json_t *rows);
int	 ctl_show_any(struct ctl *, struct ctl_args *, json_t *result);
const char *ctl_cell(const json_t *v, char *buf, size_t len);
/* Columns s takes on screen (UTF-8 aware). */
int	 ctl_width(const char *s);
/* The value of the command's option name, or NULL when not given. */
const char *ctl_opt(const struct ctl_args *, const char *name);
int	 ctl_bad(const struct ctl_args *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	 ctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ctl_occupancy.c: report occupancy --format table|csv|json */
ctl_check_fn ctl_check_occupancy;
ctl_show_fn ctl_show_occupancy;
/* ctl_safety.c: report safety --format table|csv|html [-o FILE] */
ctl_check_fn ctl_check_safety;
ctl_show_fn ctl_show_safety;

#endif
