/*
 * The safety report's arithmetic: strict local dates, the
 * period they make, ISO weeks, the journal's UTC times as seconds and
 * medians.  Pure: no I/O, no clock, no time zone; store/report_query.c turns
 * local dates into UTC bounds and runs the SQL around these.
 */
#ifndef HUSVAGT_REPORT_SAFETY_H
#define HUSVAGT_REPORT_SAFETY_H

#include <stddef.h>
#include <stdint.h>

/* The longest period a report covers, in years. */
#define REPORT_MAX_YEARS	5
/* The years a date may name: before the first and after the last, a
 * date is a typing error, not a period anyone keeps records of. */
#define REPORT_YEAR_MIN		2000
#define REPORT_YEAR_MAX		2999

/* A calendar date. */
struct report_date {
	int	 y, m, d;
};

/*
 * Parse s as exactly "YYYY-MM-DD", a real day of the calendar within
 * REPORT_YEAR_MIN..MAX.  Returns NULL, or why not (a phrase that
 * completes "from is not a date: ...").
 */
const char *report_date_parse(const char *s, struct report_date *out);
/* Check a period from..to (both included): NULL, or why it is refused. */
const char *report_period_check(const struct report_date *from,
	     const struct report_date *to);
/* Days since 1970-01-01 of a date (proleptic Gregorian), and back. */
int64_t	 report_days(const struct report_date *);
void	 report_date_of(int64_t days, struct report_date *out);
/* The date the given number of days after (or before) a date. */
void	 report_date_add(const struct report_date *, int64_t days,
	     struct report_date *out);
/* ISO 8601 weekday, 1 (Monday) to 7 (Sunday). */
int	 report_weekday(const struct report_date *);
/* The ISO 8601 week of a date as its year and number ("2026-W47"). */
void	 report_iso_week(const struct report_date *, int *year, int *week);
/* The week's name "YYYY-Www" into buf (at least 9 bytes). */
void	 report_week_name(const struct report_date *, char *buf, size_t len);
/* How many ISO weeks the period from..to touches. */
int	 report_nweeks(const struct report_date *from,
	     const struct report_date *to);
/* Which of those weeks a date of the period falls in (0 the first);
 * -1 when it is outside the period. */
int	 report_week_index(const struct report_date *from,
	     const struct report_date *to, const struct report_date *day);
/*
 * A journal time "YYYY-MM-DDTHH:MM:SS[.mmm]Z" (UTC) as whole seconds
 * since the epoch into *secs; -1 when s is not one.
 */
int	 report_utc_secs(const char *s, int64_t *secs);
/* Whole seconds from a to b, both journal times, their milliseconds
 * counted (0.7 s across a second boundary is 0); -1 when either is not
 * one or b is before a. */
int64_t	 report_seconds_between(const char *a, const char *b);
/* The median of n values (sorted in place; for an even n the mean of
 * the two middle ones, rounded down); -1 when n is 0. */
int64_t	 report_median(int64_t *v, size_t n);

#endif
