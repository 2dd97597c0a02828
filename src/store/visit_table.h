/*
 * The visit table (visit_table.c): a row per visit from admission to
 * check-out; the rules (overstay, visiting hours) are house/visit.c's.
 * Times are the journal's ISO 8601 text; now is passed in so that every
 * figure of one call is measured from the same moment.
 */
#ifndef HUSVAGT_VISIT_TABLE_H
#define HUSVAGT_VISIT_TABLE_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

/* A visit to open: stay and agreement 0 for none, override NULL. */
struct visit_new {
	int64_t		 stay, agreement;
	const char	*guest, *door, *now, *actor, *override;
};

/* Insert a visit; its id or -1 (logged). */
int64_t	 visit_table_insert(sqlite3 *, const struct visit_new *);
/* Delete visit id (undo an insert the journal refused). */
int	 visit_table_delete(sqlite3 *, int64_t id);
/* Visit id's stay (0: none), whether it is open and its whole minutes
 * since admission at now: 1 found, 0 not found, -1 database error. */
int	 visit_table_get(sqlite3 *, int64_t id, const char *now,
	     int64_t *stay, int *open, int *minutes);
/* Check visit id out at now by actor; -1 on error. */
int	 visit_table_checkout(sqlite3 *, int64_t id, const char *now,
	     const char *actor);
/* Mark visit id called overstaying at now; -1 on error. */
int	 visit_table_overstay(sqlite3 *, int64_t id, const char *now);
/* [{visit, stay, alias, guest, door, since, minutes, overstay,
 * agreement}] of the open visits at now.  New ref (empty on a database
 * error). */
json_t	*visit_table_inside(sqlite3 *, const char *now);
/* The stay's visitors inside now (0 on a database error). */
int	 visit_table_inside_count(sqlite3 *, int64_t stay);
/* Call fn with each open visit not yet called overstaying, with the
 * seconds since its admission at now, until it returns nonzero; -1 on a
 * database error. */
int	 visit_table_open_each(sqlite3 *, const char *now,
	     int (*fn)(void *arg, int64_t id, int64_t stay, const char *door,
	     const char *admitted_at, double secs), void *arg);

/* Retention: erase the guests' names on the visits of stays that left
 * before cutoff, and on the visits of no stay checked out before it; how
 * many, or -1 (logged). */
int	 visit_table_erase_guests(sqlite3 *, const char *cutoff,
	     const char *now);

#endif
