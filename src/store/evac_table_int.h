/*
 * SQL fragments shared by evac_table.c and evac_table_show.c.
 */
#ifndef HUSVAGT_EVAC_TABLE_INT_H
#define HUSVAGT_EVAC_TABLE_INT_H

/* The items of a record in the order staff read them: rooms, visits,
 * staff (SQL, after a WHERE on evac_item). */
#define EVAC_ORDER	" ORDER BY CASE substr(who, 1, 5) WHEN 'room:' " \
			"THEN 0 WHEN 'visit' THEN 1 ELSE 2 END, " \
			"length(who), who"
/* Tenths of minutes from the start to the all-clear (SQL, on a row of
 * evacuation); NULL before the all-clear. */
#define EVAC_TENTHS	"CAST(round((julianday(all_clear_at) - " \
			"julianday(started_at)) * 14400) AS INTEGER)"

#endif
