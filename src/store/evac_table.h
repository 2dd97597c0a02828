/*
 * The evacuation record's tables (evac_table.c, evac_table_show.c): a
 * row of evacuation per fire or drill and one evac_item per person or
 * household expected outside.  house/evac.c decides; this writes.
 */
#ifndef HUSVAGT_EVAC_TABLE_H
#define HUSVAGT_EVAC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

/* evac_table.c */

/* The open record: 1 with its id and kind, 0 none, -1 error. */
int	 evac_table_open_row(sqlite3 *, int64_t *id, char *kind, size_t len);
/* How many items of record id whose who starts with prefix ("" for
 * all) are accounted for, or not; -1 on a database error. */
int64_t	 evac_table_count(sqlite3 *, int64_t id, const char *prefix,
	     bool accounted);
/*
 * Open a record of kind started now by actor, holding who is expected
 * now (rooms of current stays, open visits, staff on duty), in one
 * transaction.  Its id, or -1 with nothing written.
 */
int64_t	 evac_table_start(sqlite3 *, const char *kind, const char *now,
	     const char *actor);
/* Close record id at now by actor; -1 on error. */
int	 evac_table_close(sqlite3 *, int64_t id, const char *now,
	     const char *actor);
/* Record id becomes a fire's; -1 on error. */
int	 evac_table_to_fire(sqlite3 *, int64_t id);
/* "; expected: room:101, visit:3, ..." appended to msg. */
void	 evac_table_expected(sqlite3 *, int64_t id, char *msg, size_t len);
/* An item of record id: 1 found (with when and by whom it was accounted
 * for, "" if not, and the stay of a room), 0 not in it, -1 error. */
int	 evac_table_item(sqlite3 *, int64_t id, const char *who, char *at,
	     char *by, size_t len, int64_t *stay);
/* Set (or with NULLs clear) when and by whom an item was accounted
 * for; -1 on error. */
int	 evac_table_mark(sqlite3 *, int64_t id, const char *who,
	     const char *at, const char *by);
/* Has record id an all-clear?  1 yes, 0 no, -1 error. */
int64_t	 evac_table_all_clear_set(sqlite3 *, int64_t id);
/* Set record id's all-clear to now (NULL: withdraw it); -1 on error. */
int	 evac_table_all_clear(sqlite3 *, int64_t id, const char *now);
/* Tenths of minutes from record id's start to its all-clear. */
int64_t	 evac_table_tenths(sqlite3 *, int64_t id);

/* evac_table_show.c */

/* The open record, or the last closed one, with each item, its household
 * and the stay's alias: for staff only.  {"evacuation": null} when there
 * has never been one.  New ref. */
json_t	*evac_table_status(sqlite3 *);
/* The open record for the retained state topic: room numbers and counts
 * only; {"active": false} when none; NULL on a database error. */
json_t	*evac_table_state(sqlite3 *);
/* The reply to evac.account/unaccount for who.  New ref, or NULL. */
json_t	*evac_table_mark_json(sqlite3 *, const char *who);

#endif
