/*
 * The alarm table (alarm_table.c): the registry of alarms, one row per
 * cause (class and point) while it is open, that is not both acknowledged
 * and cleared.  Times are the journal's ISO 8601 text.  The rules (when
 * to raise, clear, acknowledge) are house/alarm.c's.
 */
#ifndef HUSVAGT_ALARM_TABLE_H
#define HUSVAGT_ALARM_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

/* The id of the open alarm of a cause; 0: none; -1: error. */
int64_t	 alarm_table_find(sqlite3 *, const char *cls, const char *point);
/* A new alarm raised at now, its cause present (physical) or already
 * cleared; its id or -1 (logged). */
int64_t	 alarm_table_insert(sqlite3 *, const char *cls, const char *point,
	     const char *now, bool physical);
/* Mark alarm id's cause present again; -1 on error. */
int	 alarm_table_present(sqlite3 *, int64_t id);
/* Mark alarm id's cause cleared at now (only if it is not yet, when
 * first); -1 on error. */
int	 alarm_table_cleared(sqlite3 *, int64_t id, const char *now,
	     bool first);
/* The class and point of open alarm id, and whether it is acknowledged;
 * -1 when there is none. */
int	 alarm_table_get(sqlite3 *, int64_t id, char *cls, char *point,
	     size_t len, bool *acked);
/* Acknowledge alarm id at now by actor; -1 on error. */
int	 alarm_table_ack(sqlite3 *, int64_t id, const char *now,
	     const char *actor);
/* [{id, class, point, since, cause_active, acked}] of the open alarms.
 * New ref (empty on a database error). */
json_t	*alarm_table_list(sqlite3 *);
/* Call fn with each fire, panic, tamper and fault alarm whose cause is
 * present, until it returns nonzero. */
void	 alarm_table_present_each(sqlite3 *, int (*fn)(void *arg, int64_t id,
	     const char *cls, const char *point), void *arg);
/* Call fn with each class of the open alarms (those not acknowledged,
 * or whose cause is present), saying whether one of them is not
 * acknowledged; 0 or -1 (logged). */
int	 alarm_table_classes(sqlite3 *, void (*fn)(void *arg, const char *cls,
	     bool unacked), void *arg);

#endif
