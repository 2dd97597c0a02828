/*
 * [vacancy]: what the anonymous vacancy topic says about the house and
 * how often it may change (docs/regional.md).  The figure is recounted
 * once per publication interval, at the wall clock's multiples of it, so
 * that nobody watching the topic can tell when a stay was admitted.
 *
 *   [vacancy]
 *   interval = 4h        ; 1s .. 24h, with a unit: s, m or h
 *   children = yes       ; the house takes women with children
 *   child_ages = 0-17    ; the ages of children it takes
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_int.h"
#include "diag.h"
#include "inifile.h"

#define VACANCY_INTERVAL_MAX	(24 * 3600)

void
config_vacancy_defaults(struct site_vacancy *v)
{
	v->interval_s = 4 * 3600;
	v->children = true;
	v->child_age_min = 0;
	v->child_age_max = 17;
}

/* "4h", "30m", "10s": a whole number and a unit, 1 s to 24 h. */
static int
config_vacancy_interval(const char *v, int *out)
{
	char *end;
	long n, mul;

	if (v[0] < '1' || v[0] > '9')
		return -1;
	n = strtol(v, &end, 10);
	if (!strcmp(end, "s"))
		mul = 1;
	else if (!strcmp(end, "m"))
		mul = 60;
	else if (!strcmp(end, "h"))
		mul = 3600;
	else
		return -1;
	if (n < 1 || n > VACANCY_INTERVAL_MAX / mul)
		return -1;
	*out = (int)(n * mul);
	return 0;
}

/* "0-17": two ages, the first not above the second, both below 18. */
static int
config_vacancy_ages(const char *v, int *lo, int *hi)
{
	int a, b, n = 0;

	if (strspn(v, "0123456789-") != strlen(v) ||
	    sscanf(v, "%2d-%2d%n", &a, &b, &n) != 2 || v[n] != '\0' ||
	    a < 0 || b > 17 || a > b)
		return -1;
	*lo = a;
	*hi = b;
	return 0;
}

int
config_vacancy_key(struct site_config *c, struct diag *d, const char *f,
    int l, const char *k, const char *v)
{
	struct site_vacancy *vc = &c->vacancy;
	int b;

	if (!strcmp(k, "interval")) {
		if (config_vacancy_interval(v, &vc->interval_s) != 0) {
			diag_error(d, f, l, "interval: '%s' is not a time like "
			    "4h, 30m or 10s between 1s and 24h", v);
			return -1;
		}
		return 0;
	}
	if (!strcmp(k, "children")) {
		if (ini_bool(d, f, l, k, v, &b) != 0)
			return -1;
		vc->children = b;
		return 0;
	}
	if (!strcmp(k, "child_ages")) {
		if (config_vacancy_ages(v, &vc->child_age_min,
		    &vc->child_age_max) != 0) {
			diag_error(d, f, l, "child_ages: '%s' is not like 0-17 "
			    "(ages 0 to 17, the first not above the second)",
			    v);
			return -1;
		}
		return 0;
	}
	diag_error(d, f, l, "[vacancy]: unknown key '%s' (known: interval, "
	    "children, child_ages)", k);
	return -1;
}
