/*
 * Wiegand frame decoder: a pure state machine fed with bits and their
 * times.  A frame ends as soon as it is complete, parity-valid and of a
 * known length (26, 34, 37 bits; 4- and 8-bit keypad frames) and has been
 * followed by a gap of two of its longest bit intervals; anything else ends after the
 * give-up timeout and is rejected with a reason.
 */
#ifndef HUSVAGT_WIEGAND_H
#define HUSVAGT_WIEGAND_H

#include <stdint.h>

#define WIEGAND_MAX_BITS	64
#define WIEGAND_GAP_INTERVALS	2	/* gap that ends a good frame */
#define WIEGAND_MIN_GAP_US	1500	/* never judge sooner than this */
#define WIEGAND_KEY_GAP_US	25000	/* silence that ends a key frame */

enum wiegand_result_type {
	WIEGAND_NONE,		/* frame still open, or idle */
	WIEGAND_CARD,		/* number/bits valid */
	WIEGAND_KEY,		/* key valid: 0-9, 10 '*', 11 '#' */
	WIEGAND_BAD,		/* reason says why */
};

struct wiegand {
	uint64_t	 data;		/* bits, first received is MSB */
	int		 nbits;
	int		 overflow;	/* more than WIEGAND_MAX_BITS arrived */
	uint64_t	 first_us;
	uint64_t	 last_us;
	uint32_t	 max_interval_us;	/* longest between two bits */
	uint32_t	 timeout_us;	/* give-up silence for bad frames */
};

struct wiegand_result {
	enum wiegand_result_type type;
	int		 bits;		/* frame length */
	uint64_t	 number;	/* payload without parity bits */
	int		 key;
	const char	*reason;	/* static string for WIEGAND_BAD */
};

void	 wiegand_init(struct wiegand *, uint32_t timeout_us);
/*
 * Add a bit.  A caller that may read bits late (a batch of edge events)
 * polls at at_us first: a bit at or after wiegand_deadline() starts a new
 * frame and a frame not polled by then is lost.
 */
void	 wiegand_bit(struct wiegand *, int bit, uint64_t at_us);
/* When wiegand_poll() should next be called; 0 when idle. */
uint64_t wiegand_deadline(const struct wiegand *);
/* Judge the frame at now; returns the result type (NONE: not yet). */
enum wiegand_result_type wiegand_poll(struct wiegand *, uint64_t now_us,
    struct wiegand_result *);
/* Encode payload of a known card format into bits (for the simulator). */
int	 wiegand_encode(int format, uint64_t number, uint8_t *bits, int max);
/* Encode a key press as a 4-bit frame. */
int	 wiegand_encode_key(int key, uint8_t *bits, int max);

#endif
