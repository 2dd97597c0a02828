/*
 * Wiegand frame decoder.  Wiegand has no start or stop marker: a frame is
 * whatever bits arrive before the lines fall silent.  Readers differ in
 * their bit period (from about 0.1 ms to 2.5 ms), so the end of a frame is
 * judged against the frame's own pace: a few mean bit intervals of silence
 * end a frame that is already complete and parity-valid, which keeps a
 * card read quick (a few milliseconds, not the give-up timeout).  A frame
 * that is not yet valid may still be growing (a 26-bit prefix of a 34-bit
 * frame, a slow reader), so it is given the whole timeout before it is
 * rejected.
 *
 * Bits are numbered in the order received, bit 0 first; the first bit is
 * the most significant bit of wiegand.data.
 */
#include <string.h>

#include "wiegand.h"

/*
 * A card format: bit 0 is even parity over bits 1..even_to, the last bit
 * is odd parity over bits odd_from..bits-2, and everything between the two
 * parity bits is the payload.
 */
struct wiegand_fmt {
	int	bits;
	int	even_to;
	int	odd_from;
};

static const struct wiegand_fmt wiegand_fmts[] = {
	{ 26, 12, 13 },		/* H10301: facility 8 | card 16 */
	{ 34, 16, 17 },
	{ 37, 18, 18 },		/* H10304: bit 18 is under both parities */
};

#define WIEGAND_NFMTS	(sizeof(wiegand_fmts) / sizeof(*wiegand_fmts))
#define WIEGAND_SHORTEST_CARD	26

/* Returns the card format of a frame length, or NULL. */
static const struct wiegand_fmt *
wiegand_fmt(int bits)
{
	size_t i;

	for (i = 0; i < WIEGAND_NFMTS; i++)
		if (wiegand_fmts[i].bits == bits)
			return &wiegand_fmts[i];
	return NULL;
}

/* Returns bits from..to (received order, inclusive) of an n-bit frame. */
static uint64_t
wiegand_field(uint64_t data, int n, int from, int to)
{
	int len = to - from + 1;

	data >>= n - 1 - to;
	return len >= 64 ? data : data & ((UINT64_C(1) << len) - 1);
}

/* Counts the ones in bits from..to of an n-bit frame. */
static int
wiegand_ones(uint64_t data, int n, int from, int to)
{
	return __builtin_popcountll(wiegand_field(data, n, from, to));
}

/* Judges a card frame of a known format. */
static enum wiegand_result_type
wiegand_card(const struct wiegand_fmt *f, uint64_t data,
    struct wiegand_result *r)
{
	int n = f->bits;

	if (wiegand_ones(data, n, 0, f->even_to) % 2 != 0 ||
	    wiegand_ones(data, n, f->odd_from, n - 1) % 2 != 1) {
		r->reason = "bad_parity";
		return r->type = WIEGAND_BAD;
	}
	r->number = wiegand_field(data, n, 1, n - 2);
	return r->type = WIEGAND_CARD;
}

/* Judges a keypad frame: 4 bits, or 8 with the complement above. */
static enum wiegand_result_type
wiegand_keypad(uint64_t data, int n, struct wiegand_result *r)
{
	int key = (int)(data & 0xf);

	if (n == 8 && ((data >> 4) & 0xf) != (~data & 0xf)) {
		r->reason = "bad_parity";
		return r->type = WIEGAND_BAD;
	}
	if (key > 11) {
		r->reason = "bad_key";
		return r->type = WIEGAND_BAD;
	}
	r->key = key;
	return r->type = WIEGAND_KEY;
}

/* Says what the bits received so far would be if the frame ended now. */
static enum wiegand_result_type
wiegand_classify(const struct wiegand *w, struct wiegand_result *r)
{
	const struct wiegand_fmt *f;

	memset(r, 0, sizeof(*r));
	r->type = WIEGAND_NONE;
	r->bits = w->nbits + w->overflow;
	if (w->overflow) {
		r->reason = "too_long";
		return r->type = WIEGAND_BAD;
	}
	if (w->nbits == 0)
		return WIEGAND_NONE;
	if (w->nbits == 4 || w->nbits == 8)
		return wiegand_keypad(w->data, w->nbits, r);
	if ((f = wiegand_fmt(w->nbits)) != NULL)
		return wiegand_card(f, w->data, r);
	r->reason = w->nbits < WIEGAND_SHORTEST_CARD ? "truncated" :
	    "unknown_length";
	return r->type = WIEGAND_BAD;
}

/*
 * Returns the silence that ends a valid frame: two of its own longest
 * intervals.  A reader's clock is steady, so that is two bit times
 * (4 ms at 2 ms, 2 ms at 1 ms); a jittery line only waits longer.
 */
static uint64_t
wiegand_gap(const struct wiegand *w)
{
	uint64_t gap = WIEGAND_MIN_GAP_US;

	if (w->nbits > 1 && (uint64_t)w->max_interval_us *
	    WIEGAND_GAP_INTERVALS > gap)
		gap = (uint64_t)w->max_interval_us * WIEGAND_GAP_INTERVALS;
	return gap < w->timeout_us ? gap : w->timeout_us;
}

/* Forgets the frame, keeping the timeout. */
static void
wiegand_reset(struct wiegand *w)
{
	uint32_t timeout = w->timeout_us;

	memset(w, 0, sizeof(*w));
	w->timeout_us = timeout;
}

/* Starts idle; the timeout is never shorter than the minimum gap. */
void
wiegand_init(struct wiegand *w, uint32_t timeout_us)
{
	memset(w, 0, sizeof(*w));
	w->timeout_us = timeout_us < WIEGAND_MIN_GAP_US ? WIEGAND_MIN_GAP_US :
	    timeout_us;
}

/* Adds one bit; a bit at or after the deadline starts a new frame. */
void
wiegand_bit(struct wiegand *w, int bit, uint64_t at_us)
{
	uint64_t deadline = wiegand_deadline(w);

	/*
	 * The caller should have polled at the deadline.  If it did not, the
	 * old frame ended before this bit; joining them would spoil both, so
	 * the old one is dropped and this bit starts afresh.
	 */
	if (deadline != 0 && at_us >= deadline)
		wiegand_reset(w);
	if (w->nbits == 0 && !w->overflow)
		w->first_us = at_us;
	else if (at_us > w->last_us && at_us - w->last_us > w->max_interval_us)
		w->max_interval_us = (uint32_t)(at_us - w->last_us <
		    UINT32_MAX ? at_us - w->last_us : UINT32_MAX);
	w->last_us = at_us;
	if (w->nbits >= WIEGAND_MAX_BITS) {
		w->overflow++;
		return;
	}
	w->data = (w->data << 1) | (bit != 0);
	w->nbits++;
}

/* Returns when the frame may be judged; 0 when idle. */
uint64_t
wiegand_deadline(const struct wiegand *w)
{
	struct wiegand_result r;

	switch (wiegand_classify(w, &r)) {
	case WIEGAND_NONE:
		return 0;
	case WIEGAND_CARD:
		return w->last_us + wiegand_gap(w);
	case WIEGAND_KEY:
		/*
		 * The first 4 or 8 bits of many cards are a valid key frame
		 * too; a reader that stalls a few ms mid-card must not have
		 * them taken as a key.  Keys come at human pace, so waiting
		 * WIEGAND_KEY_GAP_US for more bits costs nothing.
		 */
		return w->last_us + (wiegand_gap(w) > WIEGAND_KEY_GAP_US ?
		    wiegand_gap(w) : WIEGAND_KEY_GAP_US);
	case WIEGAND_BAD:
		break;
	}
	return w->last_us + w->timeout_us;
}

/* Judges the frame if its deadline has come; resets after a result. */
enum wiegand_result_type
wiegand_poll(struct wiegand *w, uint64_t now_us, struct wiegand_result *r)
{
	uint64_t deadline = wiegand_deadline(w);

	if (deadline == 0 || now_us < deadline) {
		memset(r, 0, sizeof(*r));
		return r->type = WIEGAND_NONE;
	}
	wiegand_classify(w, r);
	wiegand_reset(w);
	return r->type;
}

/* Writes a card frame, bit 0 first; returns its length or -1. */
int
wiegand_encode(int format, uint64_t number, uint8_t *bits, int max)
{
	const struct wiegand_fmt *f = wiegand_fmt(format);
	uint64_t data;
	int i, n;

	if (f == NULL || max < f->bits)
		return -1;
	n = f->bits;
	if (number >> (n - 2) != 0)
		return -1;
	data = number << 1;
	data |= (uint64_t)(wiegand_ones(data, n, 1, f->even_to) % 2) << (n - 1);
	data |= (uint64_t)(wiegand_ones(data, n, f->odd_from, n - 2) % 2 == 0);
	for (i = 0; i < n; i++)
		bits[i] = (uint8_t)wiegand_field(data, n, i, i);
	return n;
}

/* Writes a key press as a 4-bit frame; returns 4 or -1. */
int
wiegand_encode_key(int key, uint8_t *bits, int max)
{
	int i;

	if (key < 0 || key > 11 || max < 4)
		return -1;
	for (i = 0; i < 4; i++)
		bits[i] = (uint8_t)((key >> (3 - i)) & 1);
	return 4;
}
