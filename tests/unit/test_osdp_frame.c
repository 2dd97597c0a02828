/*
 * OSDP framing against the known-answer transcripts: every frame's CRC
 * and fields, every single-bit flip refused, the recorded read() chunks
 * reassembled into exactly the recorded frames, plain frames rebuilt byte
 * for byte, and noise, wrong lengths and cut frames never mistaken for a
 * frame.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "osdp_frame.h"
#include "osdp_vec.h"

static const char *const transcripts[] = {
	"plain.txt", "sc.txt", "sc-2.txt", "install.txt", "refused.txt",
};
#define NTRANSCRIPTS	(sizeof(transcripts) / sizeof(*transcripts))

static struct vec v, raw;

static void
test_crc_example(void **state)
{
	static const uint8_t id[] = { 0x53, 0x65, 0x09, 0x00, 0x04, 0x61, 0x00 };

	(void)state;
	assert_int_equal(osdp_crc16(id, sizeof(id)), 0x7ad9);
}

/* Every frame parses, its CRC is right and the reply bit says who sent it. */
static void
test_every_frame_parses(void **state)
{
	struct osdp_frame f;
	const char *why = NULL;
	size_t t;
	int i, total = 0;

	(void)state;
	for (t = 0; t < NTRANSCRIPTS; t++) {
		vec_load(transcripts[t], &v);
		for (i = 0; i < v.n; i++, total++) {
			const uint8_t *b = v.f[i].b;
			size_t n = v.f[i].n;

			assert_int_equal(osdp_crc16(b, n - 2),
			    b[n - 2] | b[n - 1] << 8);
			assert_int_equal(osdp_frame_parse(b, n, &f, &why), 0);
			assert_int_equal(f.reply, !v.f[i].cp);
			assert_int_equal(f.addr, 0x65);
			assert_int_equal(f.len, n);
			assert_int_equal(f.mac != NULL,
			    osdp_scb_has_mac(f.scb_type));
		}
	}
	assert_int_equal(total, 130);
}

/* Any single bit flipped anywhere in any frame is refused. */
static void
test_bit_flips_refused(void **state)
{
	struct osdp_frame f;
	const char *why;
	uint8_t b[VEC_BYTES];
	size_t t, k;
	int i, bit;

	(void)state;
	for (t = 0; t < NTRANSCRIPTS; t++) {
		vec_load(transcripts[t], &v);
		for (i = 0; i < v.n; i++)
			for (k = 0; k < v.f[i].n; k++)
				for (bit = 0; bit < 8; bit++) {
					memcpy(b, v.f[i].b, v.f[i].n);
					b[k] ^= (uint8_t)(1u << bit);
					why = NULL;
					assert_int_equal(osdp_frame_parse(b,
					    v.f[i].n, &f, &why), -1);
					assert_non_null(why);
				}
	}
}

/* Feed bytes through the receive parser, collecting frames. */
static int
rx_feed(struct osdp_rx *rx, const uint8_t *b, size_t n, struct vec *out,
    int *bad)
{
	struct osdp_frame f;
	const char *why;
	size_t k;

	for (k = 0; k < n; k++)
		switch (osdp_rx_byte(rx, b[k], &f, &why)) {
		case OSDP_RX_FRAME:
			memcpy(out->f[out->n].b, f.raw, f.len);
			out->f[out->n].n = f.len;
			out->n++;
			break;
		case OSDP_RX_BAD:
			(*bad)++;
			break;
		case OSDP_RX_MORE:
			break;
		}
	return out->n;
}

/*
 * The bytes exactly as the tap read them (FF marks included) come out of
 * the receive parser as exactly the transcript's frames, whatever the
 * chunking: as read, and one byte at a time across chunk boundaries.
 */
static void
test_raw_reassembled(void **state)
{
	static const char *const raws[] = {
		"plain.raw.txt", "sc.raw.txt", "sc-2.raw.txt",
		"install.raw.txt", "refused.raw.txt",
	};
	static struct vec got;
	struct osdp_rx rx;
	size_t t;
	int i, bad = 0;

	(void)state;
	for (t = 0; t < NTRANSCRIPTS; t++) {
		vec_load(transcripts[t], &v);
		vec_load(raws[t], &raw);
		memset(&got, 0, sizeof(got));
		osdp_rx_init(&rx);
		for (i = 0; i < raw.n; i++)
			rx_feed(&rx, raw.f[i].b, raw.f[i].n, &got, &bad);
		assert_int_equal(bad, 0);
		assert_int_equal(got.n, v.n);
		for (i = 0; i < v.n; i++) {
			assert_int_equal(got.f[i].n, v.f[i].n);
			assert_memory_equal(got.f[i].b, v.f[i].b, v.f[i].n);
		}
	}
}

/* Every frame without a MAC is rebuilt byte for byte from its fields. */
static void
test_plain_frames_rebuilt(void **state)
{
	struct osdp_frame f;
	const char *why;
	uint8_t out[OSDP_FRAME_MAX];
	size_t t, n;
	int i, rebuilt = 0;

	(void)state;
	for (t = 0; t < NTRANSCRIPTS; t++) {
		vec_load(transcripts[t], &v);
		for (i = 0; i < v.n; i++) {
			assert_int_equal(osdp_frame_parse(v.f[i].b, v.f[i].n,
			    &f, &why), 0);
			if (f.mac != NULL)
				continue;
			n = osdp_frame_build(out, sizeof(out),
			    (uint8_t)(f.addr | (f.reply ? OSDP_ADDR_REPLY : 0)),
			    f.sqn, f.scb, f.code, f.data, f.dlen);
			assert_int_equal(n, v.f[i].n);
			assert_memory_equal(out, v.f[i].b, n);
			rebuilt++;
		}
	}
	assert_true(rebuilt >= 60);
}

/* The decoded payloads of plain.txt: the card, the keys, the NAK code. */
static void
test_plain_payloads(void **state)
{
	static const uint8_t card[] = { 0x00, 0x01, 0x1a, 0x00,
	    0x9a, 0x5c, 0x3e, 0x40 };
	static const uint8_t keys[] = { 0x00, 0x05, '1', '2', '3', '4', 0x0d };
	struct osdp_frame f;
	const char *why;
	int i, cards = 0, keypads = 0, naks = 0;

	(void)state;
	vec_load("plain.txt", &v);
	for (i = 0; i < v.n; i++) {
		assert_int_equal(osdp_frame_parse(v.f[i].b, v.f[i].n, &f,
		    &why), 0);
		if (f.code == OSDP_REPLY_RAW && f.reply) {
			assert_int_equal(f.dlen, sizeof(card));
			assert_memory_equal(f.data, card, sizeof(card));
			cards++;
		} else if (f.code == OSDP_REPLY_KEYPAD && f.reply) {
			assert_int_equal(f.dlen, sizeof(keys));
			assert_memory_equal(f.data, keys, sizeof(keys));
			keypads++;
		}
	}
	assert_int_equal(cards, 1);
	assert_int_equal(keypads, 1);
	vec_load("refused.txt", &v);
	for (i = 0; i < v.n; i++) {
		assert_int_equal(osdp_frame_parse(v.f[i].b, v.f[i].n, &f,
		    &why), 0);
		if (f.reply && f.code == OSDP_REPLY_NAK) {
			assert_int_equal(f.dlen, 1);
			assert_int_equal(f.data[0], OSDP_NAK_SC_COND);
			naks++;
		}
	}
	assert_int_equal(naks, 2);
}

/*
 * Noise, a length field out of range and a cut frame each cost at most
 * the bytes they spoil: a whole frame sent after them is received.
 */
static void
test_rx_survives_garbage(void **state)
{
	static const uint8_t id[] = { 0x53, 0x65, 0x09, 0x00, 0x04, 0x61,
	    0x00, 0xd9, 0x7a };
	static struct vec got;
	struct osdp_rx rx;
	uint8_t noise[512];
	int round, bad, k;

	(void)state;
	srand(7);
	for (round = 0; round < 500; round++) {
		memset(&got, 0, sizeof(got));
		osdp_rx_init(&rx);
		bad = 0;
		for (k = 0; k < (int)sizeof(noise); k++)
			noise[k] = (uint8_t)rand();
		rx_feed(&rx, noise, (size_t)(rand() % 300), &got, &bad);
		/* A cut frame: some of id, then silence; the CP then drops
		 * what it gathered (osdp_rx_init) when its reply times out. */
		rx_feed(&rx, id, (size_t)(rand() % 8), &got, &bad);
		osdp_rx_init(&rx);
		got.n = 0;
		rx_feed(&rx, id, sizeof(id), &got, &bad);
		assert_int_equal(got.n, 1);
		assert_memory_equal(got.f[0].b, id, sizeof(id));
	}
}

/* A length field too small or too large is refused with a reason. */
static void
test_rx_bad_length(void **state)
{
	static const uint8_t small[] = { 0x53, 0x65, 0x03, 0x00 };
	static const uint8_t big[] = { 0x53, 0x65, 0x00, 0x02 };
	struct osdp_rx rx;
	struct osdp_frame f;
	const char *why = NULL;

	(void)state;
	osdp_rx_init(&rx);
	for (size_t k = 0; k < 3; k++)
		assert_int_equal(osdp_rx_byte(&rx, small[k], &f, &why),
		    OSDP_RX_MORE);
	assert_int_equal(osdp_rx_byte(&rx, small[3], &f, &why), OSDP_RX_BAD);
	assert_string_equal(why, "length field out of range");
	for (size_t k = 0; k < 3; k++)
		osdp_rx_byte(&rx, big[k], &f, &why);
	assert_int_equal(osdp_rx_byte(&rx, big[3], &f, &why), OSDP_RX_BAD);
}

/* Sequence numbers run 0, 1, 2, 3, 1, 2, 3, ... */
static void
test_sqn(void **state)
{
	(void)state;
	assert_int_equal(osdp_sqn_next(0), 1);
	assert_int_equal(osdp_sqn_next(1), 2);
	assert_int_equal(osdp_sqn_next(2), 3);
	assert_int_equal(osdp_sqn_next(3), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_example),
		cmocka_unit_test(test_every_frame_parses),
		cmocka_unit_test(test_bit_flips_refused),
		cmocka_unit_test(test_raw_reassembled),
		cmocka_unit_test(test_plain_frames_rebuilt),
		cmocka_unit_test(test_plain_payloads),
		cmocka_unit_test(test_rx_survives_garbage),
		cmocka_unit_test(test_rx_bad_length),
		cmocka_unit_test(test_sqn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
