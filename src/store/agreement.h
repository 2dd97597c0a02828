/*
 * The agreement table (agreement.c): a guest agreed with a stay, by the
 * guest's name as the resident gave it and its folded key.  Times are the
 * journal's ISO 8601 text.
 */
#ifndef HUSVAGT_AGREEMENT_H
#define HUSVAGT_AGREEMENT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

struct agreement_new {
	int64_t		 stay;
	const char	*guest, *key;		/* the name, folded */
	const char	*relation;
	const char	*from, *to;		/* to: NULL for none */
	const char	*windows;		/* NULL for any time */
	bool		 resident_areas, escort;
	const char	*now, *actor;
};

/* Insert an agreement; its id or -1 (logged). */
int64_t	 agreement_insert(sqlite3 *, const struct agreement_new *);
/* Delete agreement id (undo an insert the journal refused). */
int	 agreement_delete(sqlite3 *, int64_t id);
/* [{agreement, stay, alias, guest, relation, from, to, windows,
 * resident_areas, escort, created_at, created_by, ended_at}] of stay (0:
 * all), ended ones and those of departed stays too when ended.  New ref,
 * or NULL on a database error. */
json_t	*agreement_list(sqlite3 *, int64_t stay, bool ended);
/* The stay of agreement id and whether it ended; 0: none such; -1: a
 * database error. */
int64_t	 agreement_stay(sqlite3 *, int64_t id, bool *ended);
/* End agreement id at now by actor; rows changed, or -1. */
int	 agreement_end(sqlite3 *, int64_t id, const char *now,
	     const char *actor);
/* A live agreement as agreement_find_each gives it; the strings last
 * until fn returns. */
struct agreement_row {
	int64_t		 id, stay;
	const char	*from, *to, *windows;	/* NULL: none */
	bool		 resident_areas, escort;
};

/* Call fn with each live agreement of the folded guest key with a
 * current stay (with stay, only that stay's), those valid today first,
 * newest first, until it returns nonzero.  0, or -1 on a database
 * error. */
int	 agreement_find_each(sqlite3 *, const char *key, int64_t stay,
	     const char *today, int (*fn)(void *arg,
	     const struct agreement_row *), void *arg);

/* Retention: erase the guests' names on the agreements of stays that left
 * before cutoff; how many, or -1 (logged). */
int	 agreement_erase_guests(sqlite3 *, const char *cutoff,
	     const char *now);

#endif
