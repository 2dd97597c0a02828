/*
 * The register's retention job's writes (retention.c).
 */
#ifndef HUSVAGT_RETENTION_H
#define HUSVAGT_RETENTION_H

#include <sqlite3.h>

/*
 * Erase, in one transaction, what retention takes from stays that left
 * before cutoff (YYYY-MM-DD): their guests' names, staff's free text
 * kept as long, then the alias.  n gets stays, agreements, visits,
 * texts.  0, or -1 with nothing erased.
 */
int	 retention_run(sqlite3 *, const char *cutoff, int n[4]);

#endif
