/*
 * Wiegand decoder: good frames of every format, every single-bit error,
 * truncated and overlong frames, keypad frames, the end-of-frame delay,
 * frames back to back, and random noise that must never come out as a
 * card with bad parity.  Parity is checked here against the formats as
 * published, independently of the decoder.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wiegand.h"

#define TIMEOUT		50000	/* the daemon's default give-up time */
#define PERIOD		2000	/* a common reader's bit period */
#define MAXRES		16

/* A caller that polls before every bit, like the HAL should. */
struct run {
	struct wiegand		 w;
	int			 n;
	struct wiegand_result	 res[MAXRES];
	uint64_t		 at[MAXRES];
};

static void
run_init(struct run *r, uint32_t timeout)
{
	memset(r, 0, sizeof(*r));
	wiegand_init(&r->w, timeout);
}

/* Polls at every deadline up to t, collecting the results. */
static void
run_until(struct run *r, uint64_t t)
{
	uint64_t d;

	while ((d = wiegand_deadline(&r->w)) != 0 && d <= t) {
		assert_true(r->n < MAXRES);
		assert_int_not_equal(wiegand_poll(&r->w, d, &r->res[r->n]),
		    WIEGAND_NONE);
		r->at[r->n++] = d;
	}
}

/* Feeds n bits every period us from t; returns the last bit's time. */
static uint64_t
run_bits(struct run *r, const uint8_t *b, int n, uint64_t t, uint32_t period)
{
	int i;

	for (i = 0; i < n; i++, t += period) {
		run_until(r, t);
		wiegand_bit(&r->w, b[i], t);
	}
	return t - period;
}

static int
bits_from(const char *s, uint8_t *b)
{
	int n = 0;

	for (; *s != '\0'; s++)
		if (*s == '0' || *s == '1')
			b[n++] = (uint8_t)(*s - '0');
	return n;
}

static int
ones(const uint8_t *b, int from, int to)
{
	int i, c = 0;

	for (i = from; i <= to; i++)
		c += b[i];
	return c;
}

/* The published formats: is b a parity-valid card?  Payload in *p. */
static bool
ref_card(const uint8_t *b, int n, uint64_t *p)
{
	int even_to, odd_from, i;

	switch (n) {
	case 26: even_to = 12; odd_from = 13; break;	/* H10301 */
	case 34: even_to = 16; odd_from = 17; break;
	case 37: even_to = 18; odd_from = 18; break;	/* H10304 */
	default: return false;
	}
	if ((b[0] + ones(b, 1, even_to)) % 2 != 0 ||
	    (b[n - 1] + ones(b, odd_from, n - 2)) % 2 != 1)
		return false;
	for (*p = 0, i = 1; i <= n - 2; i++)
		*p = (*p << 1) | b[i];
	return true;
}

/* Feeds one frame and judges it; checks nothing comes early. */
static struct wiegand_result
judge(const uint8_t *b, int n, uint64_t *ended)
{
	struct run r;
	uint64_t last;

	run_init(&r, TIMEOUT);
	last = run_bits(&r, b, n, 1000000, PERIOD);
	assert_int_equal(r.n, 0);
	run_until(&r, last + 10 * TIMEOUT);
	assert_int_equal(r.n, 1);
	assert_int_equal(wiegand_deadline(&r.w), 0);
	if (ended != NULL)
		*ended = r.at[0] - last;
	return r.res[0];
}

static void
test_known_26(void **unused)
{
	uint8_t b[64];
	struct wiegand_result res;
	uint64_t ended;
	int n;

	(void)unused;
	/* Facility 1, card 1: even parity 1, odd parity 0. */
	n = bits_from("1 00000001 0000000000000001 0", b);
	res = judge(b, n, &ended);
	assert_int_equal(res.type, WIEGAND_CARD);
	assert_int_equal(res.bits, 26);
	assert_int_equal(res.number, 0x010001);
	assert_int_equal(ended, WIEGAND_GAP_INTERVALS * PERIOD);
	/* Facility 0xab, card 0x1234: six ones, then four, before parity. */
	n = bits_from("0 10101011 0001001000110100 1", b);
	res = judge(b, n, NULL);
	assert_int_equal(res.type, WIEGAND_CARD);
	assert_int_equal(res.number, 0xab1234);
	assert_int_equal(res.number >> 16, 0xab);
	assert_int_equal(res.number & 0xffff, 0x1234);
}

static void
test_good_frames(void **unused)
{
	static const int fmts[] = { 26, 34, 37 };
	uint8_t b[64];
	struct wiegand_result res;
	uint64_t num, p, max;
	size_t i;
	int k, n;

	(void)unused;
	srand(1);
	for (i = 0; i < sizeof(fmts) / sizeof(*fmts); i++) {
		max = (UINT64_C(1) << (fmts[i] - 2)) - 1;
		for (k = 0; k < 200; k++) {
			num = k == 0 ? 0 : k == 1 ? max :
			    (((uint64_t)rand() << 31) ^ (uint64_t)rand()) & max;
			n = wiegand_encode(fmts[i], num, b, sizeof(b));
			assert_int_equal(n, fmts[i]);
			assert_true(ref_card(b, n, &p));
			assert_int_equal(p, num);
			res = judge(b, n, NULL);
			assert_int_equal(res.type, WIEGAND_CARD);
			assert_int_equal(res.bits, fmts[i]);
			assert_int_equal(res.number, num);
		}
	}
}

/* Every single-bit error is caught, and only after the timeout. */
static void
test_parity_errors(void **unused)
{
	static const int fmts[] = { 26, 34, 37 };
	uint8_t b[64];
	struct wiegand_result res;
	uint64_t ended;
	size_t i;
	int k, n;

	(void)unused;
	for (i = 0; i < sizeof(fmts) / sizeof(*fmts); i++) {
		n = wiegand_encode(fmts[i], 0x2a5a5a5 & ((UINT64_C(1) <<
		    (fmts[i] - 2)) - 1), b, sizeof(b));
		for (k = 0; k < n; k++) {
			b[k] ^= 1;
			res = judge(b, n, &ended);
			assert_int_equal(res.type, WIEGAND_BAD);
			assert_string_equal(res.reason, "bad_parity");
			assert_int_equal(res.bits, n);
			assert_int_equal(ended, TIMEOUT);
			b[k] ^= 1;
		}
	}
}

/* H10304's bit 18 is under both parities: flipping it breaks both. */
static void
test_h10304_ranges(void **unused)
{
	uint8_t b[64];
	uint64_t p;
	int n;

	(void)unused;
	/* Bits 1-18 hold one 1 (bit 18), bits 18-35 hold one 1 too. */
	n = bits_from("1 00000000000000000 1 00000000000000000 0", b);
	assert_int_equal(n, 37);
	assert_true(ref_card(b, n, &p));
	assert_int_equal(judge(b, n, NULL).type, WIEGAND_CARD);
	assert_int_equal(judge(b, n, NULL).number, UINT64_C(1) << 17);
	b[0] ^= 1;
	b[36] ^= 1;
	b[18] ^= 1;
	assert_true(ref_card(b, n, &p));
	assert_int_equal(judge(b, n, NULL).number, 0);
}

static void
test_truncated_and_unknown(void **unused)
{
	uint8_t b[64];
	struct wiegand_result res;
	uint64_t ended;

	(void)unused;
	wiegand_encode(26, 0x123456, b, sizeof(b));
	res = judge(b, 25, &ended);
	assert_int_equal(res.type, WIEGAND_BAD);
	assert_string_equal(res.reason, "truncated");
	assert_int_equal(res.bits, 25);
	assert_int_equal(ended, TIMEOUT);
	assert_string_equal(judge(b, 1, NULL).reason, "truncated");
	assert_string_equal(judge(b, 12, NULL).reason, "truncated");
	wiegand_encode(34, 0x12345678, b, sizeof(b));
	res = judge(b, 33, NULL);
	assert_int_equal(res.type, WIEGAND_BAD);
	assert_string_equal(res.reason, "unknown_length");
	memset(b, 1, sizeof(b));
	res = judge(b, 64, NULL);
	assert_int_equal(res.type, WIEGAND_BAD);
	assert_string_equal(res.reason, "unknown_length");
}

static void
test_too_long(void **unused)
{
	uint8_t b[200];
	struct wiegand_result res;
	uint64_t ended;
	int i;

	(void)unused;
	for (i = 0; i < 200; i++)
		b[i] = (uint8_t)(i % 3 == 0);
	res = judge(b, 65, &ended);
	assert_int_equal(res.type, WIEGAND_BAD);
	assert_string_equal(res.reason, "too_long");
	assert_int_equal(ended, TIMEOUT);
	res = judge(b, 200, NULL);
	assert_string_equal(res.reason, "too_long");
	assert_int_equal(res.bits, 200);
}

/* Writes the low four bits of v, most significant first. */
static void
nibble(uint8_t *b, int v)
{
	int i;

	for (i = 0; i < 4; i++)
		b[i] = (uint8_t)((v >> (3 - i)) & 1);
}

static void
test_keys_4(void **unused)
{
	struct wiegand_result res;
	uint8_t b[8];
	uint64_t ended;
	int k;

	(void)unused;
	for (k = 0; k < 16; k++) {
		nibble(b, k);
		res = judge(b, 4, &ended);
		if (k > 11) {
			assert_int_equal(res.type, WIEGAND_BAD);
			assert_string_equal(res.reason, "bad_key");
			continue;
		}
		assert_int_equal(res.type, WIEGAND_KEY);
		assert_int_equal(res.key, k);
		assert_int_equal(res.bits, 4);
		/* Keys wait longer than cards: a card's first bits are
		 * often a valid key frame. */
		assert_int_equal(ended, WIEGAND_KEY_GAP_US);
		assert_int_equal(wiegand_encode_key(k, b, 4), 4);
		assert_int_equal(judge(b, 4, NULL).key, k);
	}
}

/* 8-bit frames: the complement of the key, then the key. */
static void
test_keys_8(void **unused)
{
	struct wiegand_result res;
	uint8_t b[8];
	int k, i;

	(void)unused;
	for (k = 0; k < 16; k++) {
		nibble(b, ~k);
		nibble(b + 4, k);
		res = judge(b, 8, NULL);
		if (k <= 11) {
			assert_int_equal(res.type, WIEGAND_KEY);
			assert_int_equal(res.key, k);
			assert_int_equal(res.bits, 8);
		} else
			assert_string_equal(res.reason, "bad_key");
		for (i = 0; i < 8; i++) {
			b[i] ^= 1;
			res = judge(b, 8, NULL);
			assert_int_equal(res.type, WIEGAND_BAD);
			assert_string_equal(res.reason, "bad_parity");
			b[i] ^= 1;
		}
	}
}

/* The frame ends a few of its own intervals after the last bit. */
static void
test_end_of_frame_delay(void **unused)
{
	static const struct {
		uint32_t	 period;
		uint32_t	 timeout;
		uint64_t	 gap;
	} t[] = {
		{ 100, 100000, WIEGAND_MIN_GAP_US },
		{ 1000, 100000, 2000 },
		{ 2000, 100000, 4000 },
		{ 2500, 100000, 5000 },
		{ 2500, 4500, 4500 },
	};
	struct wiegand_result res;
	struct wiegand w;
	uint8_t b[64];
	uint64_t last = 0;
	size_t i;
	int k;

	(void)unused;
	wiegand_encode(26, 0x00c0de, b, sizeof(b));
	for (i = 0; i < sizeof(t) / sizeof(*t); i++) {
		wiegand_init(&w, t[i].timeout);
		for (k = 0; k < 26; k++) {
			last = 5000 + (uint64_t)k * t[i].period;
			wiegand_bit(&w, b[k], last);
		}
		assert_int_equal(wiegand_deadline(&w), last + t[i].gap);
		assert_int_equal(wiegand_poll(&w, last + t[i].gap - 1, &res),
		    WIEGAND_NONE);
		assert_int_equal(wiegand_poll(&w, last + t[i].gap, &res),
		    WIEGAND_CARD);
		assert_int_equal(res.number, 0x00c0de);
	}
}

/* A valid 26-bit prefix of a longer frame does not cut it short. */
static void
test_prefix_not_cut(void **unused)
{
	struct wiegand_result res;
	uint8_t b[64];
	uint64_t num, p;
	int found = 0;

	(void)unused;
	for (num = 1; found < 20 && num < 100000; num += 7919) {
		wiegand_encode(34, num, b, sizeof(b));
		if (!ref_card(b, 26, &p))
			continue;
		found++;
		res = judge(b, 34, NULL);
		assert_int_equal(res.type, WIEGAND_CARD);
		assert_int_equal(res.bits, 34);
		assert_int_equal(res.number, num);
	}
	assert_true(found > 0);
	for (found = 0, num = 1; found < 20 && num < 10000000; num += 7919) {
		wiegand_encode(37, num, b, sizeof(b));
		if (!ref_card(b, 34, &p))
			continue;
		found++;
		res = judge(b, 37, NULL);
		assert_int_equal(res.bits, 37);
		assert_int_equal(res.number, num);
	}
	assert_true(found > 0);
}

/* Frames 20 ms apart are read one by one. */
static void
test_back_to_back(void **unused)
{
	uint8_t c26[64], c37[64], key[8];
	struct run r;
	uint64_t t;

	(void)unused;
	wiegand_encode(26, 0x654321, c26, sizeof(c26));
	wiegand_encode(37, UINT64_C(0x4deadbeef), c37, sizeof(c37));
	wiegand_encode_key(11, key, sizeof(key));
	run_init(&r, TIMEOUT);
	t = run_bits(&r, c26, 26, 1000, PERIOD);
	t = run_bits(&r, key, 4, t + 20000, PERIOD);
	t = run_bits(&r, c37, 37, t + WIEGAND_KEY_GAP_US + 5000, 500);
	t = run_bits(&r, c26, 26, t + 20000, 100);
	run_until(&r, t + TIMEOUT);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.res[0].number, 0x654321);
	assert_int_equal(r.res[1].type, WIEGAND_KEY);
	assert_int_equal(r.res[1].key, 11);
	assert_int_equal(r.res[2].number, UINT64_C(0x4deadbeef));
	assert_int_equal(r.res[3].bits, 26);
	assert_int_equal(r.res[3].number, 0x654321);
	assert_int_equal(r.at[3], t + WIEGAND_MIN_GAP_US);
}

/* A reader that stalls 10 ms after the first 4 bits of a card whose
 * prefix is a valid key frame still yields the card, not a key. */
static void
test_stall_after_key_prefix(void **unused)
{
	uint8_t c26[64];
	struct run r;
	uint64_t t;

	(void)unused;
	/* Parity 1 then payload 010...: the first 4 bits read as key 10. */
	wiegand_encode(26, 0x800000 >> 1, c26, sizeof(c26));
	run_init(&r, TIMEOUT);
	t = run_bits(&r, c26, 4, 1000, PERIOD);
	t = run_bits(&r, c26 + 4, 22, t + 10000, PERIOD);
	run_until(&r, t + TIMEOUT);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.res[0].type, WIEGAND_CARD);
	assert_int_equal(r.res[0].number, 0x800000 >> 1);
}

/* A caller that never polled in between still reads the newer frame. */
static void
test_late_bits_not_merged(void **unused)
{
	struct wiegand_result res;
	struct wiegand w;
	uint8_t a[64], b[64];
	int i;

	(void)unused;
	wiegand_encode(26, 0x111111, a, sizeof(a));
	wiegand_encode(26, 0x222222, b, sizeof(b));
	wiegand_init(&w, TIMEOUT);
	for (i = 0; i < 26; i++)
		wiegand_bit(&w, a[i], 1000 + (uint64_t)i * PERIOD);
	for (i = 0; i < 26; i++)
		wiegand_bit(&w, b[i], 200000 + (uint64_t)i * PERIOD);
	assert_int_equal(wiegand_poll(&w, 300000, &res), WIEGAND_CARD);
	assert_int_equal(res.number, 0x222222);
}

/* A verdict on random bits agrees with the published formats. */
static void
verdict(const struct wiegand_result *res, const uint8_t *b, int n,
    int *count)
{
	uint64_t p;

	count[res->type]++;
	switch (res->type) {
	case WIEGAND_CARD:
		assert_true(ref_card(b, n, &p));
		assert_int_equal(res->number, p);
		break;
	case WIEGAND_KEY:
		assert_true(n == 4 || n == 8);
		break;
	case WIEGAND_BAD:
		assert_false(ref_card(b, n, &p));
		assert_non_null(res->reason);
		break;
	default:
		fail();
	}
}

/* Random bit trains: every train gets one verdict, no bad card passes. */
static void
test_noise(void **unused)
{
	struct run r;
	uint8_t b[80];
	uint64_t t = 1000;
	int i, k, n, count[4] = { 0 };

	(void)unused;
	srand(7);
	run_init(&r, TIMEOUT);
	for (k = 0; k < 50000; k++) {
		n = k % 3 == 0 ? 26 + (k / 3) % 12 : 1 + rand() % 72;
		for (i = 0; i < n; i++)
			b[i] = (uint8_t)(rand() & 1);
		for (i = 0; i < n; i++) {
			run_until(&r, t);
			wiegand_bit(&r.w, b[i], t);
			t += 200 + (uint64_t)(rand() % 2400);
		}
		run_until(&r, t + TIMEOUT);
		t += TIMEOUT + 1000;
		assert_int_equal(r.n, 1);
		r.n = 0;
		assert_int_equal(r.res[0].bits, n);
		verdict(&r.res[0], b, n, count);
	}
	assert_true(count[WIEGAND_CARD] > 1000 && count[WIEGAND_KEY] > 100 &&
	    count[WIEGAND_BAD] > 10000);
}

static void
test_idle(void **unused)
{
	struct wiegand_result res;
	struct wiegand w;

	(void)unused;
	wiegand_init(&w, TIMEOUT);
	assert_int_equal(wiegand_deadline(&w), 0);
	assert_int_equal(wiegand_poll(&w, 123456789, &res), WIEGAND_NONE);
	assert_int_equal(res.type, WIEGAND_NONE);
	/* A zero timeout still waits the minimum gap before judging. */
	wiegand_init(&w, 0);
	wiegand_bit(&w, 1, 1000);
	assert_int_equal(wiegand_deadline(&w), 1000 + WIEGAND_MIN_GAP_US);
}

static void
test_encode_rejects(void **unused)
{
	uint8_t b[64];

	(void)unused;
	assert_int_equal(wiegand_encode(35, 1, b, sizeof(b)), -1);
	assert_int_equal(wiegand_encode(4, 1, b, sizeof(b)), -1);
	assert_int_equal(wiegand_encode(26, 1, b, 25), -1);
	assert_int_equal(wiegand_encode(26, 1 << 24, b, sizeof(b)), -1);
	assert_int_equal(wiegand_encode(26, (1 << 24) - 1, b, 26), 26);
	assert_int_equal(wiegand_encode(37, UINT64_C(1) << 35, b, 64), -1);
	assert_int_equal(wiegand_encode_key(12, b, 4), -1);
	assert_int_equal(wiegand_encode_key(-1, b, 4), -1);
	assert_int_equal(wiegand_encode_key(1, b, 3), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_26),
		cmocka_unit_test(test_good_frames),
		cmocka_unit_test(test_parity_errors),
		cmocka_unit_test(test_h10304_ranges),
		cmocka_unit_test(test_truncated_and_unknown),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_keys_4),
		cmocka_unit_test(test_keys_8),
		cmocka_unit_test(test_end_of_frame_delay),
		cmocka_unit_test(test_prefix_not_cut),
		cmocka_unit_test(test_back_to_back),
		cmocka_unit_test(test_late_bits_not_merged),
		cmocka_unit_test(test_stall_after_key_prefix),
		cmocka_unit_test(test_noise),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_encode_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
