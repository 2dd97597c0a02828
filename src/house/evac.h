/*
 * The evacuation roll call and staff on duty (DESIGN 7).
 *
 * A fire or a drill opens one evacuation record holding who is expected
 * outside at that moment: each occupied room with its household (from
 * the register), each open visit, each staff member on duty.  Staff mark
 * each of them accounted for; the last one marked is the all-clear.
 * Staff close the record; the mode ending does not.
 *
 * The record's items are named by "who": room:101, visit:ID, staff:LOGIN.
 * The journal and the retained state/evacuation topic carry only these
 * and counts; a stay's alias appears only in evac.status's reply.
 *
 * The hooks the daemon calls (evac_mode_changed, evac_at_start,
 * evac_state_json) are declared in house.h.
 */
#ifndef HUSVAGT_EVAC_H
#define HUSVAGT_EVAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "evac_rules.h"

struct husvagt;

/* duty.c: staff on duty (table duty, one open row per login) */

/*
 * Clock login in (on) or out.  via is "command" or "reader"; actor is
 * journalled (staff.on_duty / staff.off_duty, subject staff:LOGIN).
 * Returns NULL, or an error code: "already_on_duty", "not_on_duty",
 * "internal".  since (len >= 32) gets the time clocked in.
 */
const char *duty_set(struct husvagt *, const char *login, bool on,
	     const char *via, const char *actor, char *since, size_t len);
/* Is login on duty now?  -1 on a database error. */
int	 duty_is_on(struct husvagt *, const char *login);
/* [{login, since, via}] of those on duty, longest first.  New ref. */
json_t	*duty_list_json(struct husvagt *);

/* evac.c: the record, for cmd_evac.c */

/* How many items of record id whose who starts with prefix ("" for
 * all) are accounted for, or not; -1 on a database error. */
int64_t	 evac_count(struct husvagt *, int64_t id, const char *prefix,
	     bool accounted);

/* The open record's id; 0 none; -1 on a database error. */
int64_t	 evac_open_id(struct husvagt *);
/*
 * Mark who (as evac_who_parse gives it) of the open record accounted for
 * (on) or not.  Returns NULL or an error code: "no_evacuation",
 * "not_expected", "already_accounted", "not_accounted", "internal"; msg
 * says what, for the person who typed it.
 */
const char *evac_account(struct husvagt *, const char *who, bool on,
	     const char *actor, char *msg, size_t len);
/* Close the open record; error codes "no_evacuation", "fire_input_active",
 * "internal". */
const char *evac_close(struct husvagt *, const char *actor, char *msg,
	     size_t len);

/* evac_show.c */

/* The open record, or the last closed one, with each item, its household
 * and the stay's alias: for staff only.  {"evacuation": null} when there
 * has never been one.  New ref. */
json_t	*evac_status_json(struct husvagt *);

/* The reply to evac.account/unaccount: {who, accounted, accounted_at,
 * accounted_by, evacuation, unaccounted, all_clear}.  New ref. */
json_t	*evac_mark_json(struct husvagt *, const char *who);

#endif
