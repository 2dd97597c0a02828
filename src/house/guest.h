/*
 * Guests in the database: the evaluation of a caller at a door against
 * the agreements, the blocklist and the house rules, the visits, and the
 * overstay check on the poll loop (guest_tick, declared in house.h).
 * Names are looked up here and answered to the verb; nothing in this
 * file journals a name.
 */
#ifndef HUSVAGT_GUEST_H
#define HUSVAGT_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "guest_rules.h"

struct husvagt;
struct door_rt;

/* What an evaluation found, and the verdict. */
struct guest_eval {
	struct guest_verdict v;
	int64_t		 stay;		/* 0: none */
	int64_t		 agreement;	/* 0: none */
	int		 inside;	/* the stay's visitors now; -1: no stay */
	bool		 escort;
	bool		 resident_areas;
	char		 alias[64];	/* the stay's, for the reply only */
	char		 corridor[CONFIG_NAME_MAX];
};

/*
 * Evaluate a caller: name as she gave it (NULL: no name, so no
 * agreement and no blocklist), stay 0 or the stay staff say she visits.
 * Returns NULL with *e filled, or an error code with a message in msg:
 * bad_value (a name that is not UTF-8 or has no letters), not_found (no
 * current stay), ambiguous (agreements with several stays and no stay
 * given), internal.
 */
const char *guest_evaluate(struct husvagt *, const char *name, int64_t stay,
	     struct guest_eval *e, char *msg, size_t len);
/* The evaluation as the reply of guest.evaluate.  New ref. */
json_t	*guest_eval_json(struct husvagt *, const struct guest_eval *);
/* The reasons as an array of codes, extra ("staff_decision") appended
 * when not NULL.  New ref. */
json_t	*guest_reasons_json(unsigned reasons, const char *extra);

/* The local date "YYYY-MM-DD" of now (for agreements' validity). */
void	 guest_today(char *buf, size_t len);
/* A wall clock second as the local weekday (0 = Monday), minute of the
 * day and date (YYYYMMDD). */
void	 guest_local(time_t, int *weekday, int *minute, int *date);
/* Is (weekday, minute) inside the house's visiting hours? */
bool	 guest_in_hours(struct husvagt *, int weekday, int minute);
/* Run the overstay check on the next turn of the loop (a visit opened). */
void	 guest_check_soon(void);

/* visit.c */
/*
 * Open a visit for an admitted caller and journal visit.admitted with
 * actor (override_reason NULL: not an override).  Returns the visit id,
 * or -1 when it could not be recorded (nothing was kept).
 */
int64_t	 visit_open(struct husvagt *, const struct guest_eval *,
	     const char *name, const char *door, const char *actor,
	     const char *override_reason);
/*
 * Check a visit out: journal visit.checked_out and clear the cause of
 * its overstay alarm.  Returns NULL, or an error code: "not_found" (no
 * such visit), "checked_out" (already), "journal", "internal".
 */
const char *visit_close(struct husvagt *, int64_t visit,
	     const char *actor);
/* Open visits for guest.inside: id, stay, alias, guest, door, since,
 * minutes, overstay.  New ref. */
json_t	*visit_inside_json(struct husvagt *);
/*
 * Open visits past max_visit_min since admission, or (admitted within
 * the visiting hours) still inside after them: set overstay_at, journal
 * visit.overstay once per visit and raise the overstay alarm on point
 * visit:ID.  Returns the monotonic ms of the next check.
 */
uint64_t visit_overstay_check(struct husvagt *, uint64_t now);

#endif
