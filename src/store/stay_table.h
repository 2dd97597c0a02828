/*
 * The stay table (stay_table.c): the stay verbs' changes (admit,
 * discharge and move, each in one statement or one transaction), the
 * register's reads of a stay, its counts and aliases, and retention's
 * erasing of a departed stay's alias.
 */
#ifndef HUSVAGT_STAY_TABLE_H
#define HUSVAGT_STAY_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "config.h"
#include "occupancy.h"

/* A room as the stay verbs need it. */
struct stay_room {
	int64_t	 id;
	char	 name[CONFIG_ROOM_NAME_MAX];
	char	 corridor[CONFIG_NAME_MAX];
	char	 zone[CONFIG_NAME_MAX];
	int	 beds;
	bool	 child_friendly;
	bool	 retired;
	int64_t	 stay;			/* the current stay; 0: free */
};

/* A stay without her alias. */
struct stay_place {
	int64_t	 id;
	int64_t	 room_id;
	char	 room[CONFIG_ROOM_NAME_MAX];	/* "101" */
	char	 corridor[CONFIG_NAME_MAX];	/* her corridor's zone */
	char	 zone[CONFIG_NAME_MAX];		/* her room's zone */
	char	 arrival[11];			/* local date */
	char	 departure[11];			/* "" while current */
	bool	 current;
};

/* A stay to admit. */
struct stay_new {
	const char	*alias;
	int64_t		 room;
	const char	*arrival;		/* YYYY-MM-DD */
	int		 adults;
	int		 children[4];		/* 0-2, 3-5, 6-9, 10-17 */
	bool		 needs_help;
};

/* Look up a room by name: 1 found, 0 not, -1 database error. */
int	 stay_table_room(sqlite3 *, const char *name, struct stay_room *);
/* Is stay id current (not departed)?  1 yes, 0 no, -1 database error. */
int	 stay_table_current(sqlite3 *, int64_t id);
/* A current stay's alias and its room's corridor; -1 when it is not
 * current (or on a database error). */
int	 stay_table_where(sqlite3 *, int64_t id, char *alias, size_t alen,
	     char *corridor, size_t clen);
/* The last stay of room that left after arrival: 1 with its id and
 * departure (until, len >= 16), 0 none, -1 database error. */
int	 stay_table_overlap(sqlite3 *, int64_t room, const char *arrival,
	     int64_t *other, char *until, size_t len);
/* [{id, alias, room, arrival, departure, adults, children_*, needs_help,
 * chips}] of the current stays (all when all).  New ref, or NULL on a
 * database error. */
json_t	*stay_table_list(sqlite3 *, bool all);
/* The stays that touch [from, to] (YYYY-MM-DD), as day numbers.  *n
 * gets how many; the array is the caller's to free.  NULL on error (*n =
 * -1, logged). */
struct occ_stay *stay_table_period(sqlite3 *, const char *from,
	     const char *to, long *n);
/* Insert the stay; its id or -1 (logged). */
int64_t	 stay_table_insert(sqlite3 *, const struct stay_new *);
/*
 * Discharge in one transaction: the departure, every live chip of holder
 * revoked, the stay's guest agreements ended by actor.  n gets chips and
 * agreements.  -1 when nothing was changed.
 */
int	 stay_table_discharge(sqlite3 *, int64_t id, const char *departure,
	     const char *holder, const char *actor, int n[2]);
/*
 * Move in one transaction: the stay's room, and the zones of holder's
 * live chips as rezone(zones, arg) gives them (NULL: unchanged).  How
 * many chips changed, or -1 when nothing was changed.
 */
int	 stay_table_move(sqlite3 *, int64_t id, int64_t room,
	     const char *holder, char *(*rezone)(const char *zones, void *arg),
	     void *arg);

/* Look up stay id with its room: 1 found (s filled), 0 no such stay, -1
 * database error (logged). */
int	 stay_table_place(sqlite3 *, int64_t id, struct stay_place *s);
/*
 * Call fn with the folded alias (namefold.h) of every stay that still has
 * one, only the current ones when current; stops at the first nonzero
 * answer and returns it with that stay's id in *id (-1: database error).
 */
int	 stay_table_aliases(sqlite3 *, bool current,
	     int (*fn)(const char *key, const void *arg), const void *arg,
	     int64_t *id);
/* The current stays: count, adults, children_0_2, _3_5, _6_9, _10_17,
 * needing help.  0 or -1. */
int	 stay_table_counts(sqlite3 *, int64_t v[7]);

/* A stay gone: departed before the cutoff ?1 (SQL, for retention). */
#define STAY_TABLE_GONE	"SELECT id FROM stay WHERE departure IS NOT NULL " \
			"AND departure < ?1"
/* Erase the alias of the stays that left before cutoff, marking them
 * anonymised at now; how many, or -1 (logged). */
int	 stay_table_anonymise(sqlite3 *, const char *cutoff,
	     const char *now);

#endif
