/*
 * The staff table (staff_table.c): a row per login and role, kept when
 * the login is removed (removed_at set) so that the journal's actors stay
 * explained.  The broker's files that follow it are house/broker.c's.
 */
#ifndef HUSVAGT_STAFF_TABLE_H
#define HUSVAGT_STAFF_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

/* A change to the table at time now: the rows changed (1, or 0 when there
 * was nothing to change) or -1 (logged). */
typedef int staff_table_op(sqlite3 *, const char *login, const char *role,
    int64_t now);

/* Role bits of a live login; 0 if none. */
unsigned	 staff_table_roles(sqlite3 *, const char *login);
/* The same into *roles; 0, or -1 (roles 0) when the table cannot be
 * read: a caller deciding access denies with reason "error". */
int	 staff_table_roles_get(sqlite3 *, const char *login, unsigned *roles);
/* Add a live login with its role. */
staff_table_op	 staff_table_add;
/* Mark a live login removed (role is not used). */
staff_table_op	 staff_table_remove;
/* Call fn with each live login and its role, by login; 0 or -1. */
int		 staff_table_each(sqlite3 *, void (*fn)(void *arg,
		     const char *login, const char *role), void *arg);
/* [{login, role, source: "database", created_at, removed_at}] of the live
 * logins (all when removed), by login.  New ref, or NULL. */
json_t		*staff_table_list(sqlite3 *, bool removed);

#endif
