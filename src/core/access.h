/*
 * Credential rules: pure functions deciding whether a credential may open
 * a door at a time.  The caller looks the credential up, checks the PIN
 * (a keyed hash) and converts the time to local weekday and minute.
 */
#ifndef HUSVAGT_ACCESS_H
#define HUSVAGT_ACCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define ACCESS_WINDOWS_MAX	8
#define ACCESS_ZONES_MAX	512	/* bytes of the comma-separated list */
#define ACCESS_HOLDER_MAX	64

enum access_reason {
	ACCESS_OK,
	ACCESS_UNKNOWN,		/* "unknown_credential" */
	ACCESS_REVOKED,		/* "revoked" */
	ACCESS_NOT_YET_VALID,	/* "not_yet_valid" */
	ACCESS_EXPIRED,		/* "expired" */
	ACCESS_ZONE,		/* "out_of_zone" */
	ACCESS_WINDOW,		/* "out_of_window" */
	ACCESS_PIN_REQUIRED,	/* "pin_required": no PIN entered in time */
	ACCESS_BAD_PIN,		/* "wrong_pin" */
	ACCESS_LOCKED_OUT,	/* "reader_locked_out" */
	ACCESS_LOCKDOWN,	/* "lockdown": entry for staff only */
	ACCESS_ERROR,		/* "error": a lookup failed; fails closed */
	ACCESS_PIN_DELAY,	/* "pin_delay": the chip waits after wrong PINs */
};

enum access_pin {
	ACCESS_PIN_NONE,	/* no PIN entered */
	ACCESS_PIN_MATCH,
	ACCESS_PIN_DURESS,	/* the duress variant of the PIN */
	ACCESS_PIN_WRONG,
};

/* A weekly window: days is a bit set, bit 0 = Monday.  from > to crosses
 * midnight (22:00-06:00 covers the night from each listed day). */
struct access_window {
	uint8_t		 days;
	uint16_t	 from_min;
	uint16_t	 to_min;
};

struct access_cred {
	int64_t		 id;
	char		 holder[ACCESS_HOLDER_MAX];	/* stay:ID, staff:LOGIN */
	bool		 staff;
	bool		 revoked;
	bool		 has_pin;
	char		 zones[ACCESS_ZONES_MAX];	/* "entrance,room-101" */
	int64_t		 valid_from;	/* UTC seconds; 0: no lower bound */
	int64_t		 valid_to;	/* UTC seconds; 0: no upper bound */
	int		 nwindows;	/* 0: any time */
	struct access_window windows[ACCESS_WINDOWS_MAX];
};

struct access_request {
	const char	*zone;		/* the door's zone */
	int64_t		 now;		/* UTC seconds */
	int		 weekday;	/* local: 0 = Monday */
	int		 minute;	/* local minute of the day */
	bool		 pin_required;	/* this reader asks chip + PIN */
	enum access_pin	 pin;
	bool		 locked_out;	/* the reader is locked out */
	bool		 lockdown;	/* entry for staff only */
};

/*
 * Decide.  cred is NULL for an unknown card.  *duress is set when access
 * is granted with the duress PIN.  Checks run in a fixed order so that the
 * reason is the most telling one: lockout, unknown, revoked, validity,
 * lockdown, zone, window, PIN.
 */
enum access_reason access_decide(const struct access_cred *cred,
    const struct access_request *req, bool *duress);
const char *access_reason_name(enum access_reason);

/* Is zone in the comma-separated list?  "*" in the list matches any. */
bool access_zone_match(const char *zones, const char *zone);

/*
 * Parse windows: "mon-fri 07:00-19:00; sat,sun 10:00-14:00".  Returns the
 * number parsed, or -1 with a static reason in *why.
 */
int access_windows_parse(const char *text, struct access_window *out,
    int max, const char **why);
/* Is (weekday, minute) inside any window? */
bool access_window_match(const struct access_window *, int n, int weekday,
    int minute);

#endif
