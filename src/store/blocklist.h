/*
 * The blocklist table (blocklist.c): people who must never be admitted,
 * by name and folded key; an entry is removed by marking it, never
 * deleted once the journal has it.
 */
#ifndef HUSVAGT_BLOCKLIST_H
#define HUSVAGT_BLOCKLIST_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

/* Add an entry at now by actor; its id or -1. */
int64_t	 blocklist_insert(sqlite3 *, const char *name, const char *key,
	     const char *desc, const char *now, const char *actor);
/* Delete entry id (undo an insert the journal refused). */
int	 blocklist_delete(sqlite3 *, int64_t id);
/* Is entry id live (not removed)?  1 yes, 0 no, -1 a database error. */
int	 blocklist_live(sqlite3 *, int64_t id);
/* Mark entry id removed at now by actor; rows changed, or -1. */
int	 blocklist_remove(sqlite3 *, int64_t id, const char *now,
	     const char *actor);
/* [{block, name, description, since, by}] of the live entries.  New ref,
 * or NULL on a database error. */
json_t	*blocklist_list(sqlite3 *);
/* Is a live entry's name the caller's (key folded, namefold.h)?  Each
 * entry is folded now, so that a change of the folding rule never leaves
 * an old key that no longer matches.  1: yes, 0: no, -1: error. */
int	 blocklist_has(sqlite3 *, const char *key);
/* Delete entries removed before cutoff (YYYY-MM-DD): retention.  The
 * number deleted or -1. */
int	 blocklist_purge(sqlite3 *, const char *cutoff);

#endif
