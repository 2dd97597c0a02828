/*
 * Enrolling a chip: from chip.enrol's arguments and a card (typed by
 * staff, or presented at a reader armed for enrolment) to a row of the
 * credential store and a credential.enrolled journal row.  Shared by the
 * chip.enrol verb and the reader, so that both check the same things.
 */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "chip.h"
#include "clock.h"
#include "house.h"
#include "register.h"

/*
 * A date "YYYY-MM-DD" (local; end_of_day picks 23:59:59) or a UTC time
 * "YYYY-MM-DDTHH:MM:SSZ" as UTC seconds; -1 when it is neither.
 */
static int64_t
chip_date(const char *s, int end_of_day)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) != NULL &&
	    *end == '\0')
		return (int64_t)timegm(&tm);
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL || *end != '\0')
		return -1;
	if (tm.tm_year < 100 || tm.tm_year > 1100)
		return -1;
	if (end_of_day) {
		tm.tm_hour = 23;
		tm.tm_min = 59;
		tm.tm_sec = 59;
	}
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static const char *
chip_str(const json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

int
chip_parse(const json_t *args, struct cred_new *cn, const char **err)
{
	const char *from = chip_str(args, "valid_from");
	const char *to = chip_str(args, "valid_to");

	memset(cn, 0, sizeof(*cn));
	cn->holder = chip_str(args, "holder");
	cn->zones = chip_str(args, "zones");
	cn->windows = chip_str(args, "windows");
	cn->pin = chip_str(args, "pin");
	cn->label = chip_str(args, "label");
	if (cn->zones == NULL)
		cn->zones = "";
	if ((from != NULL && (cn->valid_from = chip_date(from, 0)) < 0) ||
	    (to != NULL && (cn->valid_to = chip_date(to, 1)) < 0)) {
		*err = "bad_dates";
		return -1;
	}
	return 0;
}

/* Is holder a stay the register knows as discharged? */
static bool
chip_discharged(struct husvagt *h, const char *holder)
{
	int64_t id = register_holder_stay(holder);
	struct stay_place s;

	return id != 0 && register_stay_get(h, id, &s) == 1 && !s.current;
}

int64_t
chip_enrol(struct husvagt *h, const json_t *args, int format,
    uint64_t number, const char *actor, const char **err)
{
	struct cred_new cn;
	int64_t id;

	if (chip_parse(args, &cn, err) != 0)
		return -1;
	/* Checked again here: a reader armed for her may be presented to
	 * after she was discharged. */
	if (chip_discharged(h, cn.holder)) {
		*err = "discharged";
		return -1;
	}
	cn.format = format;
	cn.number = number;
	id = cred_enrol(h->db, &h->keys, &cn, (int64_t)clock_wall(), err);
	if (id < 0)
		return -1;
	h->ncreds++;
	house_journal(h, "credential.enrolled", "", actor, cn.holder,
	    json_pack("{s:I, s:i, s:s}", "credential", (json_int_t)id,
	    "format", format, "zones", cn.zones));
	return id;
}

