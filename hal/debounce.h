/*
 * Software debounce of one contact: a pure state machine fed with the raw
 * edges of a line and the time.  A level is accepted only once the line
 * has stayed at it for the debounce time; a bounce that returns to the
 * accepted level before then is never seen.  No clock reads, no I/O, so
 * tests can walk every case with made-up times.
 */
#ifndef HUSVAGT_DEBOUNCE_H
#define HUSVAGT_DEBOUNCE_H

#include <stdint.h>

struct debounce {
	int		 stable;	/* the accepted level, 0/1 */
	int		 raw;		/* the level of the last edge */
	uint64_t	 since_ms;	/* when raw last changed */
	uint32_t	 ms;		/* debounce time; 0 accepts at once */
};

/* Start from a level read from the wire; it counts as accepted. */
void	 debounce_init(struct debounce *, int level, uint32_t ms);
/*
 * The line was seen at level at at_ms (an edge, or a read).  Returns 1
 * when that level is accepted now (only when ms is 0), else 0.
 */
int	 debounce_edge(struct debounce *, int level, uint64_t at_ms);
/* When debounce_poll() has work; 0 when the line is settled. */
uint64_t debounce_deadline(const struct debounce *);
/*
 * Judge the line at now_ms.  Returns 1 and sets *level and *at_ms (when
 * the line moved to it) when a new level has been accepted, else 0.
 */
int	 debounce_poll(struct debounce *, uint64_t now_ms, int *level,
	     uint64_t *at_ms);

#endif
