/*
 * The verb table and its argument schema (cmd_schema.c), shared by the
 * daemon and husvagtctl.
 */
#ifndef HUSVAGT_CMD_SCHEMA_H
#define HUSVAGT_CMD_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct husvagt;
struct cmd_actor;

enum cmd_arg_type { CMD_ARG_STR, CMD_ARG_INT, CMD_ARG_BOOL };

struct cmd_arg {
	const char	*name;
	enum cmd_arg_type type;
	bool		 required;
	long long	 min, max;	/* value, or length for strings */
};

typedef json_t *cmd_fn(struct husvagt *, const struct cmd_actor *,
    json_t *args);

struct cmd_verb {
	const char		*name;
	unsigned		 roles;		/* any of these may run it */
	bool			 mutates;	/* refusals are journalled */
	const struct cmd_arg	*args;
	cmd_fn			*fn;		/* NULL in husvagtctl */
};

extern const struct cmd_verb cmd_verbs[];
extern const size_t cmd_nverbs;

/* The verb called name, or NULL. */
const struct cmd_verb *cmd_verb_find(const char *name);
/* The schema of verb's argument name, or NULL. */
const struct cmd_arg *cmd_arg_find(const char *verb, const char *name);
/* Check an arguments object against the verb's schema: NULL, or an error
 * reply (new ref). */
json_t	*cmd_check_args(const struct cmd_verb *, const json_t *args);
/* True when s holds a control character (names and labels never do). */
int	 cmd_has_control(const char *);

#endif
