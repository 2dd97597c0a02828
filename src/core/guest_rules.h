/*
 * The house guest rules (DESIGN 6) as one pure function: given the
 * rules, the mode, what was found about the caller and the local time,
 * allow or deny with every reason that applies, and say whether staff
 * may override the denial with a written reason.  No SQL and no clock:
 * guest.c looks things up and converts the time.
 */
#ifndef HUSVAGT_GUEST_RULES_H
#define HUSVAGT_GUEST_RULES_H

#include <stdbool.h>

#include "access.h"

/* Reason bits, in the order they are listed in a reply. */
#define GUEST_FIRE		0x01u	/* "fire" */
#define GUEST_LOCKDOWN		0x02u	/* "lockdown" */
#define GUEST_BLOCKLISTED	0x04u	/* "blocklisted" */
#define GUEST_NO_AGREEMENT	0x08u	/* "no_agreement" */
#define GUEST_EXPIRED		0x10u	/* "agreement_expired" (or not yet
					   valid) */
#define GUEST_OUTSIDE_HOURS	0x20u	/* "outside_hours" */
#define GUEST_MAX_GUESTS	0x40u	/* "max_guests" */
#define GUEST_NREASONS		7

/* Never overridden by staff, whatever reason they write. */
#define GUEST_HARD	(GUEST_FIRE | GUEST_LOCKDOWN | GUEST_BLOCKLISTED)

/* The house rules of [guests], windows already parsed. */
struct guest_house {
	const struct access_window *hours;	/* visiting hours */
	int		 nhours;
	int		 max_guests;		/* per resident at once */
	bool		 without_agreement;	/* may staff admit one without */
};

/* An agreement as the rules see it.  Dates are local days as YYYYMMDD
 * numbers, both ends valid (inclusive); 0: open. */
struct guest_agreement {
	int		 valid_from;
	int		 valid_to;
	const struct access_window *windows;	/* its own hours, within the
						   visiting hours */
	int		 nwindows;		/* 0: the visiting hours */
};

struct guest_query {
	bool		 fire;
	bool		 lockdown;
	bool		 blocklisted;
	const struct guest_agreement *agreement;	/* NULL: none found */
	int		 inside;	/* the stay's visitors inside now; -1:
					   no stay known, not counted */
	int		 weekday;	/* local, 0 = Monday */
	int		 minute;	/* local minute of the day */
	int		 date;		/* local day, YYYYMMDD */
};

struct guest_verdict {
	bool		 allow;
	unsigned	 reasons;	/* GUEST_* bits; 0 when allowed */
	bool		 overridable;	/* staff may admit with a reason */
};

/*
 * Decide.  Every applicable reason is given, not the first, so that
 * staff see at once why.  A denial is overridable when it holds none of
 * GUEST_HARD and, when the house does not admit guests without an
 * agreement ([guests] without_agreement = no), not no_agreement either.
 */
void	 guest_rules_eval(const struct guest_house *,
	     const struct guest_query *, struct guest_verdict *);
/* The code of one reason bit ("outside_hours"); NULL if not one. */
const char *guest_reason_name(unsigned bit);
/* The bit of a reason code; 0 if unknown. */
unsigned guest_reason_bit(const char *name);

#endif
