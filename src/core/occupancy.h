/*
 * Occupancy figures as shelters report them to their municipality:
 * available and occupied room-days, occupancy %, stays started and
 * ended, and the average length of completed stays, per calendar month
 * and for a whole period.  Pure: stays and "today" are arguments, dates
 * are day numbers, nothing here reads a clock or a database.
 *
 * The counting rule (the night rule of hotels and shelters): a stay
 * occupies its room on every day from its arrival (inclusive) to its
 * departure (exclusive), that is, on every night she sleeps there.  A
 * stay that arrives and leaves on the same day occupies no room-day but
 * is still a completed stay of 0 days.  A current stay (no departure)
 * occupies up to and including today.  Days after today are not counted
 * at all: neither available nor occupied, so a period that reaches into
 * the future reports the figures so far.
 */
#ifndef HUSVAGT_OCCUPANCY_H
#define HUSVAGT_OCCUPANCY_H

#include <stddef.h>
#include <stdint.h>

/* The departure of a current stay. */
#define OCC_CURRENT	INT32_MAX
/* The longest period a report may cover: ten years and a leap day or
 * three, so that 2020-01-01..2029-12-31 fits. */
#define OCC_PERIOD_MAX_DAYS	3653
/* Months a period of OCC_PERIOD_MAX_DAYS may touch. */
#define OCC_MONTHS_MAX		122

/* A day number: days since 1970-01-01 in the proleptic Gregorian
 * calendar (negative before). */
int32_t	 occ_day(int year, int month, int mday);
void	 occ_ymd(int32_t day, int *year, int *month, int *mday);
int	 occ_days_in_month(int year, int month);
/* Parse exactly "YYYY-MM-DD", a real calendar date; 0, or -1. */
int	 occ_date_parse(const char *s, int32_t *day);
/* Write day as "YYYY-MM-DD" (buf of at least 11 bytes). */
void	 occ_date_format(int32_t day, char *buf, size_t len);

struct occ_stay {
	int32_t	 arrival;
	int32_t	 departure;	/* OCC_CURRENT while she lives there */
};

/* The figures of one stretch of days (a month or the whole period). */
struct occ_figures {
	int32_t	 first, last;	/* the stretch, inclusive */
	int64_t	 available;	/* rooms x days counted (up to today) */
	int64_t	 occupied;	/* room-days by the night rule */
	int	 started;	/* arrivals in the stretch */
	int	 ended;		/* departures in the stretch */
	int64_t	 completed_days; /* total length of the stays that ended */
};

/* Occupancy in tenths of a percent, rounded half up; -1 when nothing
 * was available (a period in the future). */
int	 occ_pct10(const struct occ_figures *);
/* Average length of the stays that ended, in tenths of a day, rounded
 * half up; -1 when none ended. */
int	 occ_avg10(const struct occ_figures *);

/*
 * Compute the figures of [from, to] for rooms rooms: one entry per
 * calendar month the period touches (the first and last cut to the
 * period) into months, and the whole period into total.  Returns the
 * number of months, or -1 when from > to, the period is longer than
 * OCC_PERIOD_MAX_DAYS or more than max months would be needed.
 */
int	 occ_compute(const struct occ_stay *stays, size_t nstays, int rooms,
	     int32_t from, int32_t to, int32_t today,
	     struct occ_figures *months, size_t max,
	     struct occ_figures *total);

#endif
