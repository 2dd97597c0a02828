/*
 * The one time source.  Timers and intervals use CLOCK_MONOTONIC in
 * milliseconds; records carry wall time in UTC.  Pure code never calls
 * these: time is an argument there.
 */
#ifndef HUSVAGT_CLOCK_H
#define HUSVAGT_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

uint64_t clock_mono_ms(void);
uint64_t clock_mono_us(void);
time_t	 clock_wall(void);
/* Wall time in milliseconds since the epoch. */
uint64_t clock_wall_ms(void);
/* ISO 8601 UTC with milliseconds: "2026-11-23T15:55:07.123Z". */
void	 clock_iso8601(char *buf, size_t len);

#endif
