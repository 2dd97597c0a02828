/*
 * Wiegand line supervision: a pure state machine fed with samples of a
 * reader's two data lines and the bits the decoder received.  Both lines
 * idle high (the reader pulls them up); a bit is a pulse low of well under
 * a millisecond.  A line found low and not pulsed since, sample after
 * sample for READER_LINE_STUCK_MS, is shorted to ground or its reader has
 * lost power or been cut away with the cable: the reader can no longer be
 * heard, which is a fault.  It clears when the line is found high again.
 */
#ifndef HUSVAGT_READER_LINE_H
#define HUSVAGT_READER_LINE_H

#include <stdbool.h>
#include <stdint.h>

#define READER_LINE_CHECK_MS	250	/* how often the lines are sampled */
/* Low this long, unpulsed, is a fault: two samples in a row, so a reader
 * is reported within two sampling intervals. */
#define READER_LINE_STUCK_MS	READER_LINE_CHECK_MS

struct reader_line {
	uint64_t	 low_since[2];	/* ms of the first low sample since the
					   line's last bit; 0: not low */
	unsigned	 stuck;		/* lines in fault: bit 0 D0, bit 1 D1 */
};

/* A bit arrived on line (0 D0, 1 D1): it pulsed, so it is not stuck. */
void	 reader_line_bit(struct reader_line *, int line);
/*
 * One sample: low has bit 0 set when D0 reads low, bit 1 for D1.  Returns
 * true when the reader went into fault or out of it (not when a second
 * line joins a fault already raised).
 */
bool	 reader_line_sample(struct reader_line *, unsigned low,
    uint64_t now_ms);
/* True while any line is in fault. */
bool	 reader_line_fault(const struct reader_line *);
/* What the fault is, for the journal: "D0 held low", ...; "" if none. */
const char *reader_line_reason(const struct reader_line *);

#endif
