/*
 * The OSDP Secure Channel against the known-answer transcripts of two
 * independent implementations.  Each session is walked as a CP would:
 * session keys derived from the base key and RND.A must equal the keys
 * file, the reader's cryptogram and initial R-MAC must verify, every CP
 * frame (CHLNG, SCRYPT, POLL, LED, BUZ, KEYSET) must be rebuilt byte for
 * byte from its plain content and SQN, every reader frame's MAC must
 * verify and its data decrypt to the stated bytes, and a reader frame
 * with a wrong MAC or replayed must be refused without disturbing the
 * session.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "osdp_sc.h"
#include "osdp_vec.h"

static struct vec v;

struct walk {
	const char	*keys;		/* keys file */
	uint8_t		 scbk[OSDP_KEY_LEN];	/* the CP's key */
	struct osdp_sc	 sc;
	int		 handshake;	/* set-ups seen */
	int		 completed;
	int		 refused;	/* CCRYPTs that failed */
	int		 cards, sealed, opened;
	uint8_t		 card[8][8];
	size_t		 cardlen[8];
	uint8_t		 newkey[OSDP_KEY_LEN];	/* from a KEYSET, if any */
	bool		 keyset;
	bool		 abandoned;	/* the last CCRYPT failed */
};

/* A [section] value that must be there. */
static void
key_of(const char *file, const char *sec, const char *key, uint8_t *out,
    size_t n)
{
	assert_int_equal(vec_key(file, sec, key, out, n), (int)n);
}

/* CHLNG: derive from RND.A with SCBK or SCBK-D; rebuild the frame. */
static void
walk_chlng(struct walk *w, const struct osdp_frame *f, int i)
{
	uint8_t out[OSDP_FRAME_MAX], want[OSDP_KEY_LEN], scb[3] = { 3,
	    OSDP_SCS_11, 0 };
	char sec[32];
	const uint8_t *key = f->scb[2] ? w->scbk : osdp_scbk_d;

	assert_int_equal(f->dlen, OSDP_RND_LEN);
	w->handshake++;
	assert_int_equal(osdp_sc_derive(&w->sc, key, f->data), 0);
	snprintf(sec, sizeof(sec), "handshake %d", w->handshake);
	/* A set-up the CP abandoned lists the reader's keys, not the CP's. */
	if (vec_key(w->keys, sec, "CP_SCBK", want, OSDP_KEY_LEN) < 0) {
		key_of(w->keys, sec, "S-ENC", want, OSDP_KEY_LEN);
		assert_memory_equal(w->sc.s_enc, want, OSDP_KEY_LEN);
		key_of(w->keys, sec, "S-MAC1", want, OSDP_KEY_LEN);
		assert_memory_equal(w->sc.s_mac1, want, OSDP_KEY_LEN);
		key_of(w->keys, sec, "S-MAC2", want, OSDP_KEY_LEN);
		assert_memory_equal(w->sc.s_mac2, want, OSDP_KEY_LEN);
	}
	scb[2] = f->scb[2];
	assert_int_equal(osdp_frame_build(out, sizeof(out), 0x65, f->sqn, scb,
	    OSDP_CMD_CHLNG, f->data, f->dlen), v.f[i].n);
	assert_memory_equal(out, v.f[i].b, v.f[i].n);
}

/* CCRYPT: the reader's cryptogram verifies, unless it holds another key. */
static void
walk_ccrypt(struct walk *w, const struct osdp_frame *f)
{
	uint8_t want[OSDP_KEY_LEN];
	char sec[32];

	snprintf(sec, sizeof(sec), "handshake %d", w->handshake);
	key_of(w->keys, sec, "client_cryptogram", want, OSDP_KEY_LEN);
	assert_memory_equal(f->data + 16, want, OSDP_KEY_LEN);
	w->abandoned = osdp_sc_ccrypt(&w->sc, f->data, f->dlen) != 0;
	if (w->abandoned)
		w->refused++;
}

/* SCRYPT: the CP's frame, byte for byte. */
static void
walk_scrypt(struct walk *w, const struct osdp_frame *f, int i)
{
	uint8_t out[OSDP_FRAME_MAX], cr[OSDP_KEY_LEN], want[OSDP_KEY_LEN];
	uint8_t scb[3] = { 3, OSDP_SCS_13, f->scb[2] };
	char sec[32];

	assert_false(w->abandoned);
	snprintf(sec, sizeof(sec), "handshake %d", w->handshake);
	assert_int_equal(osdp_sc_server_cryptogram(&w->sc, cr), 0);
	key_of(w->keys, sec, "server_cryptogram", want, OSDP_KEY_LEN);
	assert_memory_equal(cr, want, OSDP_KEY_LEN);
	assert_int_equal(osdp_frame_build(out, sizeof(out), 0x65, f->sqn, scb,
	    OSDP_CMD_SCRYPT, cr, sizeof(cr)), v.f[i].n);
	assert_memory_equal(out, v.f[i].b, v.f[i].n);
}

/* A CP frame under SC rebuilt from its plain data; its full MAC checked. */
static void
walk_seal(struct walk *w, const struct osdp_frame *f, int i)
{
	uint8_t out[OSDP_FRAME_MAX], plain[OSDP_FRAME_MAX], mac[OSDP_KEY_LEN];
	char sec[32];
	int pn = 0;

	snprintf(sec, sizeof(sec), "frame %d", i + 1);
	if (f->scb_type == OSDP_SCS_17)
		assert_true((pn = vec_key(w->keys, sec, "data_plain", plain,
		    sizeof(plain))) > 0);
	assert_int_equal(osdp_sc_seal(&w->sc, out, sizeof(out), 0x65, f->sqn,
	    false, f->code, plain, (size_t)pn), v.f[i].n);
	assert_memory_equal(out, v.f[i].b, v.f[i].n);
	key_of(w->keys, sec, "mac", mac, OSDP_KEY_LEN);
	assert_memory_equal(w->sc.icv, mac, OSDP_KEY_LEN);
	if (f->code == OSDP_CMD_KEYSET) {
		assert_int_equal(pn, 2 + OSDP_KEY_LEN);
		assert_int_equal(plain[0], 1);
		assert_int_equal(plain[1], OSDP_KEY_LEN);
		memcpy(w->newkey, plain + 2, OSDP_KEY_LEN);
		w->keyset = true;
	}
	w->sealed++;
}

/*
 * A reader frame under SC: a copy with one MAC bit flipped (CRC fixed)
 * is refused and leaves the session as it was; the frame itself opens.
 */
static void
walk_open(struct walk *w, const struct osdp_frame *f, int i)
{
	uint8_t bad[OSDP_FRAME_MAX], plain[OSDP_FRAME_MAX], want[64];
	struct osdp_sc before = w->sc;
	struct osdp_frame g;
	const char *why = NULL;
	char sec[32];
	size_t pn = 0;
	int wn;

	memcpy(bad, v.f[i].b, v.f[i].n);
	bad[v.f[i].n - 6] ^= 0x01;
	osdp_frame_finish(bad, v.f[i].n - 2);
	assert_int_equal(osdp_frame_parse(bad, v.f[i].n, &g, &why), 0);
	assert_int_equal(osdp_sc_open(&w->sc, &g, plain, &pn, &why), -1);
	assert_string_equal(why, "wrong MAC");
	assert_memory_equal(&before, &w->sc, sizeof(before));

	assert_int_equal(osdp_sc_open(&w->sc, f, plain, &pn, &why), 0);
	snprintf(sec, sizeof(sec), "frame %d", i + 1);
	key_of(w->keys, sec, "mac", want, OSDP_KEY_LEN);
	assert_memory_equal(w->sc.icv, want, OSDP_KEY_LEN);
	if (f->scb_type == OSDP_SCS_18) {
		wn = vec_key(w->keys, sec, "data_plain", want, sizeof(want));
		assert_int_equal((int)pn, wn);
		assert_memory_equal(plain, want, pn);
	}
	if (f->code == OSDP_REPLY_RAW) {
		memcpy(w->card[w->cards], plain, pn);
		w->cardlen[w->cards++] = pn;
	}
	/* Replayed, the same frame no longer verifies: the chain moved on. */
	before = w->sc;
	assert_int_equal(osdp_sc_open(&w->sc, f, plain, &pn, &why), -1);
	assert_memory_equal(&before, &w->sc, sizeof(before));
	w->opened++;
}

/* One frame of the session, as the CP sees or sends it. */
static void
walk_frame(struct walk *w, int i)
{
	struct osdp_frame f;
	const char *why;

	assert_int_equal(osdp_frame_parse(v.f[i].b, v.f[i].n, &f, &why), 0);
	if (f.scb_type == OSDP_SCS_11)
		walk_chlng(w, &f, i);
	else if (f.scb_type == OSDP_SCS_12)
		walk_ccrypt(w, &f);
	else if (f.scb_type == OSDP_SCS_13)
		walk_scrypt(w, &f, i);
	else if (f.scb_type == OSDP_SCS_14) {
		assert_int_equal(osdp_sc_rmac_i(&w->sc, f.data, f.dlen), 0);
		w->completed++;
	} else if (f.mac != NULL && !f.reply)
		walk_seal(w, &f, i);
	else if (f.mac != NULL)
		walk_open(w, &f, i);
	if (w->keyset && f.reply && f.code == OSDP_REPLY_ACK) {
		memcpy(w->scbk, w->newkey, OSDP_KEY_LEN);
		w->keyset = false;
	}
}

static void
walk(struct walk *w, const char *transcript, const char *keys,
    const char *scbk_hex)
{
	int i;

	memset(w, 0, sizeof(*w));
	w->keys = keys;
	assert_int_equal(vec_hex(scbk_hex, w->scbk, OSDP_KEY_LEN),
	    OSDP_KEY_LEN);
	vec_load(transcript, &v);
	for (i = 0; i < v.n; i++)
		walk_frame(w, i);
}

static const uint8_t card26[] = { 0x00, 0x01, 0x1a, 0x00, 0x9a, 0x5c, 0x3e,
    0x40 };
static const uint8_t card34[] = { 0x00, 0x01, 0x22, 0x00, 0xa1, 0xb2, 0xc3,
    0xd4, 0xc0 };

static void
check_two_cards(const struct walk *w)
{
	assert_int_equal(w->cards, 2);
	assert_int_equal(w->cardlen[0], sizeof(card26));
	assert_memory_equal(w->card[0], card26, sizeof(card26));
	assert_int_equal(w->cardlen[1], sizeof(card34));
	assert_memory_equal(w->card[1], card34, sizeof(card34));
}

static void
test_sc_run1(void **state)
{
	struct walk w;

	(void)state;
	walk(&w, "sc.txt", "sc.keys.txt", "000102030405060708090A0B0C0D0E0F");
	assert_int_equal(w.completed, 1);
	assert_int_equal(w.sealed, 12);
	assert_int_equal(w.opened, 12);
	check_two_cards(&w);
}

static void
test_sc_run2(void **state)
{
	struct walk w;

	(void)state;
	walk(&w, "sc-2.txt", "sc-2.keys.txt",
	    "000102030405060708090A0B0C0D0E0F");
	assert_int_equal(w.completed, 1);
	assert_int_equal(w.sealed, 13);
	assert_int_equal(w.opened, 13);
	check_two_cards(&w);
}

/*
 * Install: the reader without a key fails the CP's key (refused), SCBK-D
 * completes, the KEYSET carries the new key, and the set-up with it
 * completes and carries a card.
 */
static void
test_install(void **state)
{
	struct walk w;

	(void)state;
	walk(&w, "install.txt", "install.keys.txt",
	    "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF");
	assert_int_equal(w.refused, 1);
	assert_int_equal(w.completed, 2);
	assert_int_equal(w.sealed, 5);
	assert_int_equal(w.opened, 5);
	assert_int_equal(w.cards, 1);
	assert_memory_equal(w.card[0], card26, sizeof(card26));
}

/* The worked example of the README, step by step. */
static void
test_worked_example(void **state)
{
	static const uint8_t scbk[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	    11, 12, 13, 14, 15 };
	static const uint8_t rnd_a[8] = { 0xa4, 0x2e, 0x19, 0x5d, 0x53, 0xb1,
	    0xcb, 0xcd };
	static const uint8_t rnd_b[8] = { 0xc3, 0x63, 0x00, 0x6e, 0xb3, 0x36,
	    0x8e, 0x65 };
	static const uint8_t poll[8] = { 0x53, 0x65, 0x0e, 0x00, 0x0e, 0x02,
	    0x15, 0x60 };
	uint8_t want[16], mac[16];
	struct osdp_sc sc;

	(void)state;
	assert_int_equal(osdp_sc_derive(&sc, scbk, rnd_a), 0);
	osdp_sc_set_rnd_b(&sc, rnd_b);
	assert_int_equal(osdp_sc_start(&sc), 0);
	vec_hex("38CD2EAF1D63DC920467AD9E75489C5D", want, 16);
	assert_memory_equal(sc.icv, want, 16);
	assert_int_equal(osdp_sc_mac(&sc, poll, sizeof(poll), mac), 0);
	vec_hex("4C4E0249A00D100F281D8128B538B0EE", want, 16);
	assert_memory_equal(mac, want, 16);
	osdp_sc_clear(&sc);
	assert_false(sc.ready);
}

/* A frame without a MAC is refused by a session that is up. */
static void
test_plain_refused_under_sc(void **state)
{
	static const uint8_t raw[] = { 0x53, 0xe5, 0x10, 0x00, 0x05, 0x50,
	    0x00, 0x01, 0x1a, 0x00, 0x9a, 0x5c, 0x3e, 0x40, 0, 0 };
	uint8_t b[sizeof(raw)], plain[64];
	struct osdp_sc sc;
	struct osdp_frame f;
	const char *why;
	size_t pn;

	(void)state;
	memcpy(b, raw, sizeof(b));
	osdp_frame_finish(b, sizeof(b) - 2);
	assert_int_equal(osdp_frame_parse(b, sizeof(b), &f, &why), 0);
	memset(&sc, 0, sizeof(sc));
	sc.ready = true;
	assert_int_equal(osdp_sc_open(&sc, &f, plain, &pn, &why), -1);
	assert_string_equal(why, "no secure channel MAC");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worked_example),
		cmocka_unit_test(test_sc_run1),
		cmocka_unit_test(test_sc_run2),
		cmocka_unit_test(test_install),
		cmocka_unit_test(test_plain_refused_under_sc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
