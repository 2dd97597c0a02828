/*
 * Enrolling a chip (chip.c): chip.enrol's arguments to a credential.
 */
#ifndef HUSVAGT_CHIP_H
#define HUSVAGT_CHIP_H

#include <stdint.h>

#include <jansson.h>

#include "cred.h"

struct husvagt;

/* Fill a cred_new from chip.enrol arguments (not the number); its strings
 * point into args.  0, or -1 with an error code in *err. */
int	 chip_parse(const json_t *args, struct cred_new *, const char **err);
/* Enrol a chip from chip.enrol arguments and a card; journals
 * credential.enrolled with actor.  Returns the id or -1 with *err. */
int64_t	 chip_enrol(struct husvagt *, const json_t *args, int format,
	     uint64_t number, const char *actor, const char **err);

#endif
