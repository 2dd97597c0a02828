/*
 * Wiegand and keypad frames (hal/wiegand.c) and the line supervision
 * beside them (hal/reader_line.c): whatever a reader, a cut cable or a
 * man with a Wiegand spoofer on the wires sends.  Each input byte is one
 * event: bit 0 the data line (D0/D1), bits 1-7 the time since the last
 * event on a scale from 50 us to over a second, so that bit trains,
 * stalls mid-frame and gaps between frames all occur.  The decoder is
 * polled as hal.c polls it, and every result is checked: a card must
 * encode back to the frame it came from, a key must be 0-11.
 */
#include "fuzz_util.h"
#include "reader_line.h"
#include "wiegand.h"

/* The time step of a 7-bit code: 50 us steps, then coarser. */
static uint64_t
step_us(unsigned code)
{
	if (code < 64)
		return 50u + code * 50u;		/* up to 3.2 ms */
	if (code < 112)
		return (code - 63u) * 1000u;		/* up to 48 ms */
	return (code - 111u) * 100000u;			/* up to 1.6 s */
}

static void
check(const struct wiegand_result *r)
{
	uint8_t bits[WIEGAND_MAX_BITS];

	switch (r->type) {
	case WIEGAND_CARD:
		if (wiegand_encode(r->bits, r->number, bits,
		    WIEGAND_MAX_BITS) != r->bits)
			abort();
		break;
	case WIEGAND_KEY:
		if (r->key < 0 || r->key > 11 || (r->bits != 4 &&
		    r->bits != 8))
			abort();
		break;
	case WIEGAND_BAD:
		if (r->reason == NULL)
			abort();
		break;
	case WIEGAND_NONE:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct wiegand w;
	struct wiegand_result r;
	struct reader_line rl = { { 0, 0 }, 0 };
	uint64_t now = 1000000, dl;
	size_t i;

	wiegand_init(&w, n > 0 ? (uint32_t)data[0] * 1000u : 0);
	for (i = 1; i < n; i++) {
		now += step_us(data[i] >> 1);
		/* Poll first, as hal.c does, when the deadline has passed. */
		dl = wiegand_deadline(&w);
		if (dl != 0 && dl <= now) {
			wiegand_poll(&w, dl, &r);
			check(&r);
		}
		if ((data[i] >> 1) == 127) {
			/* A line sample rather than a bit. */
			reader_line_sample(&rl, data[i] & 1 ? 3u : 1u,
			    now / 1000);
			if (reader_line_reason(&rl) == NULL)
				abort();
			continue;
		}
		reader_line_bit(&rl, data[i] & 1);
		wiegand_bit(&w, data[i] & 1, now);
	}
	if ((dl = wiegand_deadline(&w)) != 0) {
		wiegand_poll(&w, dl, &r);
		check(&r);
	}
	return 0;
}
