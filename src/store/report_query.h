/*
 * The safety report's queries (report_query.c), for the report.safety
 * verb: read-only, over the journal, the alarm table and the evacuation
 * roll calls.
 */
#ifndef HUSVAGT_REPORT_QUERY_H
#define HUSVAGT_REPORT_QUERY_H

#include <jansson.h>
#include <sqlite3.h>

#include "report_safety.h"

/* A period under way: the dates and the journal times they span. */
struct report_query {
	sqlite3			*db;
	struct report_date	 from, to;
	char			 lo[32], hi[32];	/* UTC, [lo, hi) */
};

/* The period of the checked local dates from and to (both included) in
 * the site's time zone; -1 when the zone cannot place them. */
int	 report_query_period(struct report_query *, sqlite3 *,
	     const struct report_date *from, const struct report_date *to);
/* The whole report; from and to as the caller wrote them.  New reference
 * or NULL. */
json_t	*report_query_build(const struct report_query *, const char *site,
	     const char *tz, const char *from, const char *to);

#endif
