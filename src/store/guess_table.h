/*
 * The guess table (guess_table.c): the reader and chip counters of
 * core/lockout.h, by kind ("reader" with the door's name, "pin" with the
 * credential's id as text).
 */
#ifndef HUSVAGT_GUESS_TABLE_H
#define HUSVAGT_GUESS_TABLE_H

#include <sqlite3.h>

#include "lockout.h"

/* Read the counter into *g (zeroes when there is none): 0, or -1 on a
 * database error (logged; *g is zeroes). */
int	 guess_table_get(sqlite3 *, const char *kind, const char *key,
	     struct guess *g);
/* Keep *g (a counter at rest, nothing blocked, is deleted); 0 or -1. */
int	 guess_table_put(sqlite3 *, const char *kind, const char *key,
	     const struct guess *g);

#endif
