/*
 * The OSDP Control Panel end to end in C: the HAL opened on a board with
 * an osdp backend whose line is a pty, and the test on the other end of
 * the pty playing the reader of the transcripts in osdp-vectors/
 * (recorded between two other implementations).  The CP's frames must
 * be those of the transcript, byte for byte, and what the reader reports
 * must come out of the HAL.
 *
 * The plaintext session: ID, CAP, the POLLs with their sequence numbers;
 * the reader's identity, its card (through the Wiegand decoder, which
 * judges the transcript's 26 bits: their leading parity is odd, so they
 * are a rejected frame as they would be on Wiegand lines) and its
 * keypad's "1234#"; then the reader goes silent and must be reported
 * offline after offline_ms.
 *
 * Every session the CP can play, with the CP's random numbers taken from
 * the recording (osdp_cp_random, the CP's one seam) and its sequence
 * numbers its own: osdp_CHLNG, osdp_SCRYPT, osdp_KEYSET and every POLL
 * with its MAC chained over the recorded replies.  A session is played up
 * to its first osdp_LED: the recording's LED and buzzer commands (a
 * permanent green, a tone of 2 on 2 off) are the recording CP's own
 * choice and no signal husvagt shows, and every frame after them is
 * chained on their MACs.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "board.h"
#include "clock.h"
#include "hal.h"
#include "osdp_frame.h"
#include "osdp_int.h"
#include "osdp_vec.h"
#include "tmpdir.h"

#define OFFLINE_MS	300
#define EV_MAX		64

struct cp {
	char		 dir[256];
	char		 path[512];
	struct board	 board;
	struct hal	*hal;
	int		 m, s;		/* the pty's master (the reader), slave */
	struct hal_event ev[EV_MAX];
	char		 text[EV_MAX][160];
	int		 nev;
};

static struct vec v;

static void
cp_event(void *arg, const struct hal_event *ev)
{
	struct cp *c = arg;

	if (c->nev == EV_MAX)
		return;
	c->ev[c->nev] = *ev;
	snprintf(c->text[c->nev], sizeof(c->text[0]), "%s",
	    ev->reason != NULL ? ev->reason : "");
	c->ev[c->nev].reason = c->text[c->nev];
	c->nev++;
}

/*
 * The HAL on a board whose reader's line is a new pty; the reply
 * deadline is timeout_ms, the reader offline after offline_ms.
 */
static void
cp_open_with(struct cp *c, int timeout_ms, int offline_ms)
{
	struct diag d = { 0 };
	struct hal_params hp = { .wiegand_timeout_ms = 50 };
	struct termios t;
	FILE *fp;

	memset(c, 0, sizeof(*c));
	assert_non_null(tmpdir_make(c->dir));
	assert_true((c->m = posix_openpt(O_RDWR | O_NOCTTY)) >= 0);
	assert_int_equal(grantpt(c->m), 0);
	assert_int_equal(unlockpt(c->m), 0);
	/* Held open here so the master never reads EIO between opens. */
	assert_true((c->s = open(ptsname(c->m), O_RDWR | O_NOCTTY)) >= 0);
	tcgetattr(c->s, &t);
	cfmakeraw(&t);
	tcsetattr(c->s, TCSANOW, &t);
	fcntl(c->m, F_SETFL, fcntl(c->m, F_GETFL) | O_NONBLOCK);
	tmpdir_path(c->path, c->dir, "board.ini");
	assert_non_null(fp = fopen(c->path, "w"));
	fprintf(fp, "[board]\nname = test\n\n[backend bus1]\ntype = osdp\n"
	    "device = %s\nbaud = 115200\ntimeout_ms = %d\noffline_ms = %d\n\n"
	    "[point garden.reader]\nbackend = bus1\nkind = reader\n"
	    "address = 101\n", ptsname(c->m), timeout_ms, offline_ms);
	fclose(fp);
	assert_int_equal(board_load(&c->board, c->path, &d), 0);
	assert_non_null(c->hal = hal_open(&c->board, &hp, cp_event, c));
}

static void
cp_open(struct cp *c)
{
	cp_open_with(c, 100, OFFLINE_MS);
}

/* For a replay: a deadline no loaded machine misses, so that the CP
 * never repeats a frame the test has answered. */
static void
cp_open_replay(struct cp *c)
{
	cp_open_with(c, 1000, 5000);
}

static void
cp_close(struct cp *c)
{
	hal_close(c->hal);
	close(c->s);
	close(c->m);
	tmpdir_remove(c->dir);
}

/* One round of a caller's loop, waiting at most until end. */
static void
cp_step(struct cp *c, uint64_t end)
{
	struct pollfd pfd[8];
	uint64_t now = clock_mono_ms(), d = hal_deadline(c->hal);
	int n = hal_pollfds(c->hal, pfd, 8);
	uint64_t until = d != 0 && d < end ? d : end;

	poll(pfd, (nfds_t)n, until > now ? (int)(until - now) : 0);
	hal_dispatch(c->hal, pfd, n);
	hal_tick(c->hal, clock_mono_ms());
}

/* Run the loop until the reader's end of the line has read n bytes. */
static void
cp_read(struct cp *c, uint8_t *buf, size_t n)
{
	uint64_t end = clock_mono_ms() + 2000;
	size_t got = 0;
	ssize_t r;

	while (got < n && clock_mono_ms() < end) {
		cp_step(c, clock_mono_ms() + 5);
		while (got < n && (r = read(c->m, buf + got, n - got)) > 0)
			got += (size_t)r;
	}
	assert_int_equal(got, n);
}

/* Run the loop for ms. */
static void
cp_settle(struct cp *c, int ms)
{
	uint64_t end = clock_mono_ms() + (uint64_t)ms;

	while (clock_mono_ms() < end)
		cp_step(c, end);
}

static int
cp_count(const struct cp *c, enum hal_event_type type)
{
	int i, n = 0;

	for (i = 0; i < c->nev; i++)
		n += c->ev[i].type == type;
	return n;
}

/* Replay plain.txt up to the first command this CP does not send by
 * itself (an LED command); returns how many frames were replayed. */
static int
cp_replay(struct cp *c)
{
	uint8_t got[OSDP_FRAME_MAX];
	int i;

	vec_load("plain.txt", &v);
	for (i = 0; i < v.n; i++) {
		if (!v.f[i].cp) {
			assert_int_equal(write(c->m, v.f[i].b, v.f[i].n),
			    (ssize_t)v.f[i].n);
			continue;
		}
		if (v.f[i].b[5] == OSDP_CMD_LED)
			break;
		cp_read(c, got, v.f[i].n);
		assert_memory_equal(got, v.f[i].b, v.f[i].n);
	}
	return i;
}

static void
test_plain_session(void **state)
{
	static const int keys[] = { 1, 2, 3, 4, 11 };
	struct cp *c = malloc(sizeof(*c));
	uint64_t end;
	int i, k = 0;

	(void)state;
	cp_open(c);
	assert_int_equal(cp_replay(c), 18);	/* frames [1] to [18] */
	end = clock_mono_ms() + 50;
	while (clock_mono_ms() < end)
		cp_step(c, end);
	assert_int_equal(cp_count(c, HAL_EV_READER), 1);
	assert_int_equal(c->ev[0].value, HAL_READER_IDENTIFIED);
	assert_non_null(strstr(c->text[0], "vendor CAFE01 model 1 version 1 "
	    "serial 12345678 firmware 1.0.0"));
	assert_non_null(strstr(c->text[0], " 9/1/0"));	/* Secure Channel */
	assert_int_equal(cp_count(c, HAL_EV_CARD), 0);
	assert_int_equal(cp_count(c, HAL_EV_BAD_FRAME), 1);
	for (i = 0; i < c->nev; i++) {
		if (c->ev[i].type == HAL_EV_BAD_FRAME)
			assert_int_equal(c->ev[i].bits, 26);
		if (c->ev[i].type == HAL_EV_KEY)
			assert_int_equal(c->ev[i].value, keys[k++]);
	}
	assert_int_equal(k, 5);
	/* The reader stops answering: offline after OFFLINE_MS. */
	end = clock_mono_ms() + OFFLINE_MS + 300;
	while (clock_mono_ms() < end && cp_count(c, HAL_EV_FAULT) == 0)
		cp_step(c, end);
	assert_int_equal(cp_count(c, HAL_EV_FAULT), 1);
	assert_int_equal(c->ev[c->nev - 1].value, 1);
	assert_string_equal(c->text[c->nev - 1], "offline: no reply");
	cp_close(c);
	free(c);
}

/* The reader at address 101 answers a command with a plain osdp_ACK. */
static void
cp_ack(struct cp *c, int sqn)
{
	uint8_t ack[OSDP_FRAME_MAX];
	size_t n = osdp_frame_build(ack, sizeof(ack), 101 | OSDP_ADDR_REPLY,
	    sqn, NULL, OSDP_REPLY_ACK, NULL, 0);

	assert_true(n > 0);
	assert_int_equal(write(c->m, ack, n), (ssize_t)n);
}

/* A reader's signal is queued and sent as osdp_LED and osdp_BUZ. */
static void
test_signal_sent(void **state)
{
	struct cp *c = malloc(sizeof(*c));
	uint8_t got[OSDP_FRAME_MAX];
	struct osdp_frame f;
	const char *why;
	int p;

	(void)state;
	cp_open(c);
	cp_replay(c);
	p = hal_point(c->hal, "garden.reader");
	assert_int_equal(hal_reader_signal(c->hal, p, HAL_SIGNAL_DENY), 0);
	/* The next command is the LED: 14 bytes of data, temporary red. */
	cp_read(c, got, 8 + 14);
	assert_int_equal(osdp_frame_parse(got, 22, &f, &why), 0);
	assert_int_equal(f.code, OSDP_CMD_LED);
	assert_int_equal(f.data[2], 2);		/* set the temporary state */
	assert_int_equal(f.data[5], 1);		/* red */
	/* Then a POLL, so that a card waits for one output at most, and
	 * then the buzzer: three beeps. */
	cp_ack(c, f.sqn);
	cp_read(c, got, 8);
	assert_int_equal(osdp_frame_parse(got, 8, &f, &why), 0);
	assert_int_equal(f.code, OSDP_CMD_POLL);
	cp_ack(c, f.sqn);
	cp_read(c, got, 8 + 5);
	assert_int_equal(osdp_frame_parse(got, 13, &f, &why), 0);
	assert_int_equal(f.code, OSDP_CMD_BUZ);
	assert_int_equal(f.data[4], 3);
	cp_close(c);
	free(c);
}

/* The recorded RND.A of each set-up, in order, for osdp_cp_random. */
static uint8_t rnd[8][OSDP_RND_LEN];
static int nrnd, rnd_next;

static int
rnd_recorded(unsigned char *out, int n)
{
	if (n != OSDP_RND_LEN || rnd_next == nrnd)
		return 0;
	memcpy(out, rnd[rnd_next++], OSDP_RND_LEN);
	return 1;
}

static void
rnd_load(const char *keys)
{
	char sec[32];

	nrnd = rnd_next = 0;
	for (nrnd = 0; nrnd < 8; nrnd++) {
		snprintf(sec, sizeof(sec), "handshake %d", nrnd + 1);
		if (vec_key(keys, sec, "RND.A", rnd[nrnd], OSDP_RND_LEN) !=
		    OSDP_RND_LEN)
			break;
	}
	osdp_cp_random = rnd_recorded;
}

/*
 * Play frames [from] to [to - 1] of a transcript (numbered as in its
 * comments, from 1) as its reader: every CP frame must come out of the
 * CP byte for byte, every reader frame is written back to it.
 */
static void
cp_play(struct cp *c, const char *name, int from, int to)
{
	uint8_t got[OSDP_FRAME_MAX];
	int i;

	for (i = from - 1; i < to - 1; i++) {
		assert_true(i < v.n);
		if (!v.f[i].cp) {
			assert_int_equal(write(c->m, v.f[i].b, v.f[i].n),
			    (ssize_t)v.f[i].n);
			continue;
		}
		cp_read(c, got, v.f[i].n);
		if (memcmp(got, v.f[i].b, v.f[i].n) != 0)
			print_error("%s: the CP's frame [%d] differs\n", name,
			    i + 1);
		assert_memory_equal(got, v.f[i].b, v.f[i].n);
	}
	/* The last reply is taken in. */
	cp_settle(c, 30);
}

static int
cp_notes(const struct cp *c, enum hal_reader_note note)
{
	int i, n = 0;

	for (i = 0; i < c->nev; i++)
		n += c->ev[i].type == HAL_EV_READER &&
		    c->ev[i].value == (int)note;
	return n;
}

/* A session the CP can play, to the frame before its first osdp_LED. */
struct play {
	const char	*name, *keys;
	const char	*key;		/* the reader's key (hex), or NULL */
	bool		 install;	/* the key is given with osdp_KEYSET */
	int		 to;		/* the first frame not played */
	int		 cards;		/* card reads it reports */
	int		 secure;	/* set-ups with the reader's key */
};

static void
test_session(const struct play *pl)
{
	struct cp *c = malloc(sizeof(*c));
	uint8_t key[OSDP_KEY_LEN];
	int p;

	vec_load(pl->name, &v);
	rnd_load(pl->keys);
	cp_open_replay(c);
	p = hal_point(c->hal, "garden.reader");
	if (pl->key != NULL) {
		assert_int_equal(vec_hex(pl->key, key, sizeof(key)),
		    OSDP_KEY_LEN);
		assert_int_equal(hal_reader_key(c->hal, p, key), 0);
	}
	if (pl->install)
		assert_int_equal(hal_reader_install(c->hal, p, key,
		    clock_mono_ms() + 60000), 0);
	cp_play(c, pl->name, 1, pl->to);
	assert_int_equal(rnd_next, nrnd);	/* every set-up was made */
	assert_int_equal(cp_count(c, HAL_EV_CARD) +
	    cp_count(c, HAL_EV_BAD_FRAME), pl->cards);
	assert_int_equal(cp_notes(c, HAL_READER_IDENTIFIED), 1);
	assert_int_equal(cp_notes(c, HAL_READER_SECURE), pl->secure);
	assert_int_equal(cp_notes(c, HAL_READER_KEY_SET), pl->install);
	assert_int_equal(cp_count(c, HAL_EV_FAULT), 0);
	cp_close(c);
	free(c);
	osdp_cp_random = RAND_bytes;
}

#define SCBK	"000102030405060708090A0B0C0D0E0F"

/* ID, CAP, the set-up (CHLNG, SCRYPT), the POLLs, two cards under it. */
static void
test_sc_session(void **state)
{
	static const struct play sc = { "sc.txt", "sc.keys.txt", SCBK,
	    false, 23, 2, 1 }, sc2 = { "sc-2.txt", "sc-2.keys.txt", SCBK,
	    false, 25, 2, 1 };

	(void)state;
	test_session(&sc);
	test_session(&sc2);
}

/*
 * The CP holds the new key, the reader none: a set-up with the key
 * fails, the same set-up again with the install key (SCBK-D) succeeds,
 * osdp_KEYSET gives the reader the key, a new set-up with it, POLLs and
 * a card: the whole transcript.
 */
static void
test_install_session(void **state)
{
	static const struct play in = { "install.txt", "install.keys.txt",
	    "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF", true, 25, 1, 1 };

	(void)state;
	test_session(&in);
}

/* The plaintext session through the same player, to its LED. */
static void
test_plain_played(void **state)
{
	static const struct play pl = { "plain.txt", "plain.keys.txt", NULL,
	    false, 19, 1, 0 };

	(void)state;
	test_session(&pl);
}

/*
 * A reader that requires the Secure Channel NAKs a CP without a key;
 * the recording's second CP (a new process on the same line, [7] on)
 * is a new HAL here, and starts again at SQN 0.
 */
static void
test_refused_session(void **state)
{
	struct cp *c = malloc(sizeof(*c));

	(void)state;
	vec_load("refused.txt", &v);
	cp_open_replay(c);
	cp_play(c, "refused.txt", 1, 7);
	assert_int_equal(cp_count(c, HAL_EV_FAULT), 0);
	cp_close(c);
	cp_open_replay(c);
	cp_play(c, "refused.txt", 7, 11);
	assert_int_equal(cp_notes(c, HAL_READER_IDENTIFIED), 1);
	cp_close(c);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_session),
		cmocka_unit_test(test_signal_sent),
		cmocka_unit_test(test_plain_played),
		cmocka_unit_test(test_sc_session),
		cmocka_unit_test(test_install_session),
		cmocka_unit_test(test_refused_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
