/*
 * The room table, as room.list shows it (room_table.c).
 */
#ifndef HUSVAGT_ROOM_TABLE_H
#define HUSVAGT_ROOM_TABLE_H

#include <jansson.h>
#include <sqlite3.h>

/* [{room, floor, type, beds, child_friendly, corridor, occupied, stay}]
 * of the configured rooms, by floor and name.  New ref, or NULL on a
 * database error. */
json_t	*room_table_list(sqlite3 *);

#endif
