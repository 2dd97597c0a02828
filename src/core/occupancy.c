/*
 * Occupancy figures from stays (see occupancy.h for the counting rule).
 * Calendar arithmetic is done on day numbers with Howard Hinnant's
 * civil-from-days algorithms, which are exact for every Gregorian date
 * and need no time zone: a stay's dates are the site's local dates.
 */
#include <stdio.h>
#include <string.h>

#include "occupancy.h"

int32_t
occ_day(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
occ_ymd(int32_t day, int *year, int *month, int *mday)
{
	int32_t z = day + 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	int m = mp < 10 ? mp + 3 : mp - 9;

	*mday = doy - (153 * mp + 2) / 5 + 1;
	*month = m;
	*year = yoe + era * 400 + (m <= 2);
}

int
occ_days_in_month(int y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (m < 1 || m > 12)
		return 0;
	return dim[m - 1] + (m == 2 && leap);
}

/* The number in s[0..n), all digits; -1 when it is not one. */
static int
occ_digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
occ_date_parse(const char *s, int32_t *day)
{
	int y, m, d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	y = occ_digits(s, 4);
	m = occ_digits(s + 5, 2);
	d = occ_digits(s + 8, 2);
	if (y < 0 || m < 1 || m > 12 || d < 1 || d > occ_days_in_month(y, m))
		return -1;
	*day = occ_day(y, m, d);
	return 0;
}

void
occ_date_format(int32_t day, char *buf, size_t len)
{
	int y, m, d;

	occ_ymd(day, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
}

int
occ_pct10(const struct occ_figures *f)
{
	if (f->available <= 0)
		return -1;
	return (int)((f->occupied * 1000 + f->available / 2) / f->available);
}

int
occ_avg10(const struct occ_figures *f)
{
	if (f->ended <= 0)
		return -1;
	return (int)((f->completed_days * 10 + f->ended / 2) / f->ended);
}

static int32_t
occ_min(int32_t a, int32_t b)
{
	return a < b ? a : b;
}

static int32_t
occ_max(int32_t a, int32_t b)
{
	return a > b ? a : b;
}

/*
 * Add one stay to the figures of f.  Only days up to today count: "last"
 * is the last day of the stretch that has happened.
 */
static void
occ_add(struct occ_figures *f, const struct occ_stay *s, int32_t today)
{
	int32_t last = occ_min(f->last, today), end, lo, hi;

	/* Her last night: the day before departure, or today. */
	end = s->departure == OCC_CURRENT ? today : s->departure - 1;
	end = occ_min(end, today);
	lo = occ_max(s->arrival, f->first);
	hi = occ_min(end, last);
	if (hi >= lo)
		f->occupied += hi - lo + 1;
	if (s->arrival >= f->first && s->arrival <= last)
		f->started++;
	if (s->departure != OCC_CURRENT && s->departure >= f->first &&
	    s->departure <= last) {
		f->ended++;
		if (s->departure > s->arrival)
			f->completed_days += s->departure - s->arrival;
	}
}

/* Start the figures of [first, last]: the room-days available so far. */
static void
occ_begin(struct occ_figures *f, int32_t first, int32_t last, int rooms,
    int32_t today)
{
	int32_t counted = occ_min(last, today);

	memset(f, 0, sizeof(*f));
	f->first = first;
	f->last = last;
	if (counted >= first && rooms > 0)
		f->available = (int64_t)rooms * (counted - first + 1);
}

/* How many calendar months [from, to] touches. */
static int
occ_nmonths(int32_t from, int32_t to)
{
	int y1, m1, y2, m2, d;

	occ_ymd(from, &y1, &m1, &d);
	occ_ymd(to, &y2, &m2, &d);
	return (y2 - y1) * 12 + (m2 - m1) + 1;
}

int
occ_compute(const struct occ_stay *stays, size_t nstays, int rooms,
    int32_t from, int32_t to, int32_t today, struct occ_figures *months,
    size_t max, struct occ_figures *total)
{
	int32_t first = from, last;
	int n, i, y, m, d;
	size_t k;

	if (from > to || to - from + 1 > OCC_PERIOD_MAX_DAYS)
		return -1;
	n = occ_nmonths(from, to);
	if (n < 1 || (size_t)n > max)
		return -1;
	occ_begin(total, from, to, rooms, today);
	for (i = 0; i < n; i++) {
		occ_ymd(first, &y, &m, &d);
		last = occ_min(to, occ_day(y, m, occ_days_in_month(y, m)));
		occ_begin(&months[i], first, last, rooms, today);
		first = last + 1;
	}
	for (k = 0; k < nstays; k++) {
		occ_add(total, &stays[k], today);
		for (i = 0; i < n; i++)
			occ_add(&months[i], &stays[k], today);
	}
	return n;
}
