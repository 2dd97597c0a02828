/*
 * Shared by the site configuration's parser (config.c) and its door and
 * staff sections (config_door.c).
 */
#ifndef HUSVAGT_CONFIG_INT_H
#define HUSVAGT_CONFIG_INT_H

#include <stddef.h>

#include "config.h"

enum config_dkey {
	DK_ZONE, DK_EGRESS, DK_PIN, DK_FORCED, DK_RELEASE, DK_WARN, DK_HELD,
	DK_N
};

struct config_parse {
	struct site_config	*c;
	struct diag		*d;
	struct site_door	*door;		/* current [door X] section */
	struct config_register_parse reg;	/* current [room X] */
	int			 section_line;	/* of the current section */
	int			 section_ok;	/* 0 once reported as unknown */
	int			 nkeys;		/* keys read, good or bad */
	int			 dline[CONFIG_DOORS_MAX][DK_N];	/* 0: not set */
	int			 def_warn_line, def_held_line;
	int			 name_line, board_line;	/* given at all */
};

/* config.c */
/* Copy a string value into a fixed field, refusing what does not fit. */
int	 config_str(struct config_parse *, const char *file, int line,
	     const char *key, const char *value, char *dst, size_t len);
/* A whole number of seconds within [min, max] into *dst. */
int	 config_secs(struct config_parse *, const char *file, int line,
	     const char *key, const char *value, long min, long max, int *dst);
/* Names of doors, zones and logins: lower case, digits, '-' and '_'. */
int	 config_name_ok(const char *s);
/* Door timing keys, shared by [defaults] and [door X]; 1 when k is none
 * of them. */
int	 config_timing_key(struct config_parse *, const char *file, int line,
	     const char *k, const char *v, int *release, int *warn, int *held);

/* config_door.c */
/* Start a [door NAME] section; NULL (reported) when it cannot be. */
struct site_door *config_door_new(struct config_parse *, const char *file,
	     int line, const char *name);
/* Note a key of a [door X] section: its index, or -1 when unknown. */
int	 config_door_seen(struct config_parse *, const char *file, int line,
	     const char *key);
/* The value of door key i (from config_door_seen). */
int	 config_door_key(struct config_parse *, const char *file, int line,
	     int i, const char *key, const char *value);
/* One line of [staff]: login = role. */
int	 config_staff_key(struct config_parse *, const char *file, int line,
	     const char *key, const char *value);
/* Whole-file check of each door's held-open warning and alarm times. */
void	 config_held_check(struct config_parse *);

#endif
