/*
 * The enquiry table (enquiry_table.c).
 */
#ifndef HUSVAGT_ENQUIRY_TABLE_H
#define HUSVAGT_ENQUIRY_TABLE_H

#include <stdint.h>

#include <sqlite3.h>

/* Record an enquiry at now (ISO 8601) on today (the site's local date)
 * by actor; its id or -1. */
int64_t	 enquiry_table_insert(sqlite3 *, const char *now, const char *today,
	     const char *outcome, const char *text, const char *actor);
/* Call fn with each outcome of the enquiries dated [from, to] and how
 * many there were; 0 or -1. */
int	 enquiry_table_count(sqlite3 *, const char *from, const char *to,
	     void (*fn)(void *arg, const char *outcome, int64_t count),
	     void *arg);

/* Erase the descriptions of enquiries made before cutoff (YYYY-MM-DD),
 * which older versions kept here: retention.  The number or -1. */
int	 enquiry_table_erase(sqlite3 *, const char *cutoff);

#endif
