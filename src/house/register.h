/*
 * The anonymous register (DESIGN 5) as the other parts of the daemon may
 * use it: a stay's room and zones, whether she still lives here, the
 * site's local date.  The hooks the loop and the MQTT bridge call
 * (register_rooms_sync, register_tick, register_occupancy_json, ...) are
 * declared in house.h.  Nothing here returns an alias: it travels only
 * in the replies of cmd_stay.c.
 */
#ifndef HUSVAGT_REGISTER_H
#define HUSVAGT_REGISTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "stay_table.h"

struct husvagt;

/* Look up stay id: 1 found (s filled), 0 no such stay, -1 database
 * error (logged). */
int	 register_stay_get(struct husvagt *, int64_t id,
	     struct stay_place *s);
/* The id of "stay:ID" (a positive decimal id), or 0 when holder is not
 * of that form. */
int64_t	 register_holder_stay(const char *holder);
/*
 * The zones a resident's chip opens: the front door's zone (of the door
 * named "front", when the site has one), her corridor and her room, as
 * "entrance,corridor-1,room-101" into buf.  -1 when it does not fit.
 */
int	 register_stay_zones(const struct husvagt *,
	     const struct stay_place *, char *buf, size_t len);
/* Rooms the configuration names (not retired) into *n; -1 on error. */
int	 register_rooms_in_use(struct husvagt *, int64_t *n);
/* Append zone to the comma-separated list in buf (len bytes) unless it
 * is empty or already there; -1 when it does not fit. */
int	 register_zones_add(char *buf, size_t len, const char *zone);
/*
 * Call fn with the folded alias (namefold.h) of every stay that still has
 * one, only the current ones when current; stops at the first nonzero
 * answer and returns it with that stay's id in *id (-1: database error).
 */
int	 register_aliases(struct husvagt *, bool current,
	     int (*fn)(const char *key, const void *arg), const void *arg,
	     int64_t *id);
/* The site's local date today as a day number (occupancy.h). */
int32_t	 register_today(void);

/* Enquiry outcomes (enquiry.record); the last, asked_about_resident,
 * is a security event and not counted in the occupancy report. */
#define REGISTER_NOUTCOMES	6
extern const char *const register_outcomes[REGISTER_NOUTCOMES];

/* register_report.c: the occupancy report of [from, to] (day numbers, checked by the
 * caller): see cmd_stay.c's report.occupancy.  NULL on a database
 * error.  New ref. */
json_t	*register_report_json(struct husvagt *, int32_t from, int32_t to);

#endif
