/*
 * Wiegand line supervision; see reader_line.h.  A sample can land in the
 * middle of a pulse and find a healthy line low; the pulse's own bit then
 * restarts that line's count, and a line that pulses at all is not stuck,
 * so only a line that stays low and silent across several samples is.
 */
#include "reader_line.h"

void
reader_line_bit(struct reader_line *r, int line)
{
	r->low_since[line != 0] = 0;
}

bool
reader_line_sample(struct reader_line *r, unsigned low, uint64_t now_ms)
{
	bool was = r->stuck != 0;
	int j;

	if (now_ms == 0)
		now_ms = 1;		/* 0 means "not low" */
	for (j = 0; j < 2; j++) {
		if (!(low & (1u << j))) {
			r->low_since[j] = 0;
			r->stuck &= ~(1u << j);
		} else if (r->low_since[j] == 0)
			r->low_since[j] = now_ms;
		else if (now_ms - r->low_since[j] >= READER_LINE_STUCK_MS)
			r->stuck |= 1u << j;
	}
	return was != (r->stuck != 0);
}

bool
reader_line_fault(const struct reader_line *r)
{
	return r->stuck != 0;
}

const char *
reader_line_reason(const struct reader_line *r)
{
	static const char *const reasons[4] = {
		"", "D0 held low", "D1 held low", "D0 and D1 held low",
	};

	return reasons[r->stuck & 3u];
}
