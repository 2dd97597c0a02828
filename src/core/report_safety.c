/*
 * The safety report's arithmetic: dates, weeks, times and medians, with
 * no time zone in sight.  The calendar is the proleptic Gregorian one
 * counted in days since 1970-01-01, so that the weeks of a period and the
 * minutes between two journal times come from integer arithmetic rather
 * than from mktime's view of the process's time zone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_safety.h"

static int
report_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
report_month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	return days[m - 1] + (m == 2 && report_leap(y));
}

/* n digits of s as a number, or -1 when one of them is not a digit. */
static int
report_digits(const char *s, int n)
{
	int v = 0;

	for (; n > 0; n--, s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

const char *
report_date_parse(const char *s, struct report_date *out)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    (out->y = report_digits(s, 4)) < 0 ||
	    (out->m = report_digits(s + 5, 2)) < 0 ||
	    (out->d = report_digits(s + 8, 2)) < 0)
		return "it must be YYYY-MM-DD";
	if (out->y < REPORT_YEAR_MIN || out->y > REPORT_YEAR_MAX)
		return "the year must be 2000 to 2999";
	if (out->m < 1 || out->m > 12)
		return "there is no such month";
	if (out->d < 1 || out->d > report_month_days(out->y, out->m))
		return "there is no such day in that month";
	return NULL;
}

/* Compare two dates like strcmp. */
static int
report_date_cmp(const struct report_date *a, const struct report_date *b)
{
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->m != b->m)
		return a->m < b->m ? -1 : 1;
	return a->d < b->d ? -1 : a->d > b->d;
}

const char *
report_period_check(const struct report_date *from,
    const struct report_date *to)
{
	struct report_date limit = *from;

	if (report_date_cmp(to, from) < 0)
		return "to is before from";
	/* The same day five years on is the first day too many; a 29
	 * February compares correctly without being a real date. */
	limit.y += REPORT_MAX_YEARS;
	if (report_date_cmp(to, &limit) >= 0)
		return "a report covers at most 5 years";
	return NULL;
}

/* From Howard Hinnant's days_from_civil: March-based years make the
 * leap day the last of the year. */
int64_t
report_days(const struct report_date *dt)
{
	int64_t y = dt->y - (dt->m <= 2), era, yoe, doy, doe;

	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (dt->m + (dt->m > 2 ? -3 : 9)) + 2) / 5 + dt->d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
report_date_of(int64_t z, struct report_date *out)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	out->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	out->m = (int)(mp < 10 ? mp + 3 : mp - 9);
	out->y = (int)(yoe + era * 400 + (out->m <= 2));
}

void
report_date_add(const struct report_date *dt, int64_t days,
    struct report_date *out)
{
	report_date_of(report_days(dt) + days, out);
}

/* 1970-01-01 was a Thursday (ISO weekday 4). */
int
report_weekday(const struct report_date *dt)
{
	return (int)(((report_days(dt) % 7) + 7 + 3) % 7) + 1;
}

/* The Monday of a date's week, in days. */
static int64_t
report_monday(const struct report_date *dt)
{
	return report_days(dt) - (report_weekday(dt) - 1);
}

/* A week belongs to the year of its Thursday (ISO 8601). */
void
report_iso_week(const struct report_date *dt, int *year, int *week)
{
	struct report_date th, jan1;

	report_date_of(report_monday(dt) + 3, &th);
	jan1.y = th.y;
	jan1.m = 1;
	jan1.d = 1;
	*year = th.y;
	*week = (int)((report_days(&th) - report_days(&jan1)) / 7 + 1);
}

void
report_week_name(const struct report_date *dt, char *buf, size_t len)
{
	int y, w;

	report_iso_week(dt, &y, &w);
	snprintf(buf, len, "%04d-W%02d", y, w);
}

int
report_nweeks(const struct report_date *from, const struct report_date *to)
{
	return (int)((report_monday(to) - report_monday(from)) / 7 + 1);
}

int
report_week_index(const struct report_date *from,
    const struct report_date *to, const struct report_date *day)
{
	if (report_date_cmp(day, from) < 0 || report_date_cmp(day, to) > 0)
		return -1;
	return (int)((report_monday(day) - report_monday(from)) / 7);
}

/* A journal time as milliseconds since the epoch; -1 if not one. */
static int
report_utc_ms(const char *s, int64_t *ms)
{
	struct report_date dt;
	char date[11];
	int hh, mm, ss, frac = 0;
	size_t n, i;

	if (strlen(s) < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return -1;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (report_date_parse(date, &dt) != NULL ||
	    (hh = report_digits(s + 11, 2)) < 0 || hh > 23 ||
	    (mm = report_digits(s + 14, 2)) < 0 || mm > 59 ||
	    (ss = report_digits(s + 17, 2)) < 0 || ss > 60)
		return -1;
	s += 19;
	if (*s == '.') {
		n = strspn(s + 1, "0123456789");
		if (n == 0)
			return -1;
		for (i = 0; i < 3; i++)
			frac = frac * 10 + (i < n ? s[1 + i] - '0' : 0);
		s += 1 + n;
	}
	if (strcmp(s, "Z") != 0)
		return -1;
	*ms = (report_days(&dt) * 86400 + hh * 3600 + mm * 60 + ss) * 1000 +
	    frac;
	return 0;
}

int
report_utc_secs(const char *s, int64_t *secs)
{
	int64_t ms;

	if (report_utc_ms(s, &ms) == -1)
		return -1;
	*secs = ms / 1000;	/* times after 1970: no rounding towards 0 */
	return 0;
}

int64_t
report_seconds_between(const char *a, const char *b)
{
	int64_t ma, mb;

	if (a == NULL || b == NULL || report_utc_ms(a, &ma) == -1 ||
	    report_utc_ms(b, &mb) == -1 || mb < ma)
		return -1;
	return (mb - ma) / 1000;
}

static int
report_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int64_t
report_median(int64_t *v, size_t n)
{
	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), report_cmp_i64);
	if (n % 2 == 1)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}
