/*
 * The room table (room_table.c): the configured rooms, as room.list
 * shows them and the register counts them.
 */
#ifndef HUSVAGT_ROOM_TABLE_H
#define HUSVAGT_ROOM_TABLE_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "config.h"

/* [{room, floor, type, beds, child_friendly, corridor, occupied, stay}]
 * of the configured rooms, by floor and name.  New ref, or NULL on a
 * database error. */
json_t	*room_table_list(sqlite3 *);
/* Make the table follow the n configured rooms in one transaction: each
 * upserted, the others retired (a retired room someone still lives in is
 * logged).  0, or -1 with nothing changed. */
int	 room_table_sync(sqlite3 *, const struct site_room *rooms, int n);
/* Rooms in use and the free ones by kind: rooms, free, free_single,
 * free_double, free_child_friendly.  0 or -1. */
int	 room_table_counts(sqlite3 *, int64_t v[5]);
/* How many rooms are configured (not retired); 0 or -1. */
int	 room_table_in_use(sqlite3 *, int64_t *n);

#endif
