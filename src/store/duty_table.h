/*
 * The duty table (duty_table.c), for house/duty.c.
 */
#ifndef HUSVAGT_DUTY_TABLE_H
#define HUSVAGT_DUTY_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <sqlite3.h>

/* Is login on duty now?  -1 on a database error. */
int	 duty_table_is_on(sqlite3 *, const char *login);
/* When login clocked in (its open row) into since; -1 when it is not on
 * duty. */
int	 duty_table_since(sqlite3 *, const char *login, char *since,
	     size_t len);
/* Open (on) or close the login's row at now; -1 on a database error
 * (logged). */
int	 duty_table_write(sqlite3 *, const char *login, bool on,
	     const char *via, const char *now);
/* [{login, since, via}] of those on duty, longest first.  New ref (empty
 * on a database error). */
json_t	*duty_table_list(sqlite3 *);

#endif
