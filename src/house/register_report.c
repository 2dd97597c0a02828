/*
 * The occupancy report (husvagtctl report occupancy): the stays of a
 * period read from the register, the figures computed by occupancy.c,
 * and the enquiries counted by outcome.  See docs/occupancy.md for how a
 * municipality should read it.
 */
#include <stdlib.h>
#include <string.h>

#include "enquiry_table.h"
#include "house.h"
#include "occupancy.h"
#include "register.h"
#include "stay_table.h"

#define REPORT_RULE \
	"A stay occupies its room on every night from its arrival day up " \
	"to the day before its departure (arrival counted, departure not); " \
	"a current stay counts up to and including today, and days after " \
	"today are neither available nor occupied."

static void
report_enquiry(void *arg, const char *outcome, int64_t count)
{
	json_t *v;

	if (outcome != NULL && (v = json_object_get(arg, outcome)) != NULL)
		json_integer_set(v, count);
}

/* Enquiries of [from, to] by outcome, every outcome but the security
 * event listed (0 when none).  New ref, NULL on error. */
static json_t *
report_enquiries(sqlite3 *db, const char *from, const char *to)
{
	json_t *r = json_object();
	int i;

	for (i = 0; i < REGISTER_NOUTCOMES - 1; i++)
		json_object_set_new(r, register_outcomes[i], json_integer(0));
	if (enquiry_table_count(db, from, to, report_enquiry, r) != 0) {
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
	if ((stays = stay_table_period(h->db, dfrom, dto, &n)) == NULL)
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
