/*
 * The occupancy report (husvagtctl report occupancy): the stays of a
 * period read from the register, the figures computed by occupancy.c,
 * and the enquiries counted by outcome.  See docs/occupancy.md for how a
 * municipality should read it.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "house.h"
#include "log.h"
#include "occupancy.h"
#include "register.h"

#define REPORT_RULE \
	"A stay occupies its room on every night from its arrival day up " \
	"to the day before its departure (arrival counted, departure not); " \
	"a current stay counts up to and including today, and days after " \
	"today are neither available nor occupied."

/* The stays that touch [from, to], as day numbers.  *n gets how many;
 * the array is the caller's to free.  NULL on error (*n = -1). */
static struct occ_stay *
report_stays(sqlite3 *db, const char *from, const char *to, long *n)
{
	struct occ_stay *v = NULL, *nv;
	sqlite3_stmt *st;
	long cap = 0;
	int rc;

	*n = 0;
	if (db_prepare(db, "SELECT arrival, departure FROM stay WHERE "
	    "arrival <= ?2 AND (departure IS NULL OR departure >= ?1)",
	    &st) == -1)
		goto err;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, (size_t)cap * sizeof(*v))) == NULL)
				goto err;
			v = nv;
		}
		/* The dates were checked when written; a row edited by hand
		 * into something else is left out rather than guessed at. */
		if (occ_date_parse((const char *)sqlite3_column_text(st, 0),
		    &v[*n].arrival) == -1)
			continue;
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			v[*n].departure = OCC_CURRENT;
		else if (occ_date_parse((const char *)sqlite3_column_text(st,
		    1), &v[*n].departure) == -1)
			continue;
		(*n)++;
	}
	if (rc != SQLITE_DONE)
		goto err;
	sqlite3_finalize(st);
	return v != NULL ? v : calloc(1, sizeof(*v));
err:
	log_warnx("register: report: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	free(v);
	*n = -1;
	return NULL;
}

/* Enquiries of [from, to] by outcome, every outcome but the security
 * event listed (0 when none).  New ref, NULL on error. */
static json_t *
report_enquiries(sqlite3 *db, const char *from, const char *to)
{
	json_t *r = json_object(), *v;
	sqlite3_stmt *st;
	const char *o;
	int i, rc;

	for (i = 0; i < REGISTER_NOUTCOMES - 1; i++)
		json_object_set_new(r, register_outcomes[i], json_integer(0));
	if (db_prepare(db, "SELECT outcome, count(*) FROM enquiry WHERE "
	    "date BETWEEN ?1 AND ?2 GROUP BY outcome", &st) == -1) {
		json_decref(r);
		return NULL;
	}
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = (const char *)sqlite3_column_text(st, 0);
		if (o != NULL && (v = json_object_get(r, o)) != NULL)
			json_integer_set(v, sqlite3_column_int64(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(r);
		return NULL;
	}
	return r;
}

/* A tenth as a JSON number with one decimal, or null for -1. */
static json_t *
report_tenths(int v)
{
	return v < 0 ? json_null() : json_real(v / 10.0);
}

/* One month's or the period's figures. */
static json_t *
report_figures(const struct occ_figures *f)
{
	return json_pack("{s:I, s:I, s:o, s:i, s:i, s:o}",
	    "available_room_days", (json_int_t)f->available,
	    "occupied_room_days", (json_int_t)f->occupied,
	    "occupancy_pct", report_tenths(occ_pct10(f)),
	    "stays_started", f->started, "stays_ended", f->ended,
	    "average_completed_stay_days", report_tenths(occ_avg10(f)));
}

/* The months as [{month: "2025-01", ...figures}]. */
static json_t *
report_months(const struct occ_figures *m, int n)
{
	json_t *a = json_array(), *o;
	char date[16];
	int i;

	for (i = 0; i < n; i++) {
		occ_date_format(m[i].first, date, sizeof(date));
		date[7] = '\0';
		o = json_pack("{s:s}", "month", date);
		json_object_update_new(o, report_figures(&m[i]));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *
register_report_json(struct husvagt *h, int32_t from, int32_t to)
{
	struct occ_figures months[OCC_MONTHS_MAX], total;
	char dfrom[16], dto[16], through[16];
	struct occ_stay *stays;
	json_t *enq, *r = NULL;
	int64_t rooms;
	int32_t today = register_today();
	long n;
	int nm;

	occ_date_format(from, dfrom, sizeof(dfrom));
	occ_date_format(to, dto, sizeof(dto));
	if (register_rooms_in_use(h, &rooms) == -1)
		return NULL;
	if ((stays = report_stays(h->db, dfrom, dto, &n)) == NULL)
		return NULL;
	nm = occ_compute(stays, (size_t)n, (int)rooms, from, to, today,
	    months, OCC_MONTHS_MAX, &total);
	free(stays);
	if (nm < 0 || (enq = report_enquiries(h->db, dfrom, dto)) == NULL)
		return NULL;
	/* The last day counted: the period's end, or today when it ends
	 * later; null when the whole period is still to come. */
	occ_date_format(to < today ? to : today, through, sizeof(through));
	r = json_pack("{s:s, s:s, s:s?, s:I, s:s, s:o, s:o, s:o}",
	    "from", dfrom, "to", dto, "through", from <= today ? through :
	    NULL, "rooms", (json_int_t)rooms, "counting_rule", REPORT_RULE,
	    "months", report_months(months, nm),
	    "total", report_figures(&total), "enquiries", enq);
	return r;
}
