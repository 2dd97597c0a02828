/*
 * The safety report for management (report.safety): the period checked
 * here, the queries in store/report_query.c.
 */
#include "cmd_verbs.h"
#include "house.h"
#include "report_query.h"

json_t *
cmd_report_safety(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	const char *from = json_string_value(json_object_get(args, "from"));
	const char *to = json_string_value(json_object_get(args, "to"));
	struct report_date df, dt;
	struct report_query r;
	const char *why;
	json_t *rep;

	(void)a;
	if ((why = report_date_parse(from, &df)) != NULL)
		return cmd_error("bad_value", "from: '%s' is not a date: %s",
		    from, why);
	if ((why = report_date_parse(to, &dt)) != NULL)
		return cmd_error("bad_value", "to: '%s' is not a date: %s",
		    to, why);
	if ((why = report_period_check(&df, &dt)) != NULL)
		return cmd_error("bad_value", "from %s to %s: %s", from, to,
		    why);
	/* A year of the journal: off the loop when the daemon has a worker,
	 * the reply when it is done (cmd_deferred). */
	if (h->work.reporter != NULL) {
		int64_t id = h->work.reporter(h->work.arg, from, to);

		if (id < 0)
			return cmd_error("busy", "too much long work is "
			    "waiting; try again shortly");
		return cmd_deferred(id);
	}
	if (report_query_period(&r, h->db, &df, &dt) == -1)
		return cmd_error("failed", "cannot place %s to %s in the site's "
		    "time zone %s", from, to, h->cfg.timezone);
	if ((rep = report_query_build(&r, h->cfg.name, h->cfg.timezone, from,
	    to)) == NULL)
		return cmd_error("failed", "out of memory");
	return cmd_ok(rep);
}
