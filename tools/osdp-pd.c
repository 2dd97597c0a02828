/*
 * osdp-pd: a simulated OSDP reader (Peripheral Device), or several at
 * different addresses on one line, for the system tests, the benchmark
 * and `make run`.  It makes a pty, links its slave to the path given,
 * and answers the Control Panel there like a reader would: identity,
 * capabilities, the Secure Channel (with its key, with the standard's
 * install key while it has none), osdp_KEYSET, polls, LED and buzzer.
 *
 * It shares the frame and Secure Channel code with the daemon, which is
 * why the tree's unit tests prove that code on transcripts of two other
 * implementations rather than on this simulator.
 *
 * --tap FILE appends every byte read and written, one chunk a line
 * ("CP>PD HEX"), as a sniffer spliced into the line would see them.
 *
 * Driven by lines on stdin (ADDR defaults to the first address):
 *   card FORMAT NUMBER [ADDR]	a card read (26, 34, 37 bits)
 *   keys KEYS [ADDR]		keypad keys, e.g. 1234#
 *   tamper 0|1 [ADDR]		power 0|1 [ADDR]
 *   key HEX|none [ADDR]	its key (none: install mode)
 *   plain 0|1 [ADDR]		answer in plain text whatever the CP asks
 *   badmac [ADDR]		flip a bit of the next reply's MAC
 *   replay [ADDR]		send an old reply with the same SQN, once
 *   silent 0|1 [ADDR]		stop (1) or start (0) answering
 *   noise N			N random bytes on the line, now
 *   cut [ADDR]			send only half of the next reply
 *   loseack [ADDR]		take the next osdp_KEYSET but lose its ACK, and
 *				every reply after it until the CP starts over
 *				(SQN 0), as a line cut at the wrong moment
 * and says on stdout (line-buffered):
 *   ready PATH | id ADDR | secure ADDR | led ADDR COLOUR |
 *   buz ADDR COUNT | keyset ADDR | nak ADDR CODE |
 *   queued ADDR US | raw ADDR US LEN
 * where US is CLOCK_MONOTONIC in microseconds: when a card was queued and
 * when its osdp_RAW (LEN bytes) was written, for the benchmark.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "clock.h"
#include "osdp_frame.h"
#include "osdp_sc.h"
#include "wiegand.h"

#define PD_MAX		16
#define PD_QUEUE	16

struct pd_event {
	uint8_t		 code;
	uint8_t		 data[64];
	size_t		 n;
};

struct pd {
	uint8_t		 addr;
	uint8_t		 key[OSDP_KEY_LEN];
	bool		 has_key;
	struct osdp_sc	 sc;
	bool		 in_setup;	/* CCRYPT sent, SCRYPT awaited */
	int		 last_sqn;	/* -1: none */
	uint8_t		 last_cmd[OSDP_FRAME_MAX], last[OSDP_FRAME_MAX];
	size_t		 last_cmd_n, last_n;
	/* The last replies sent, for a replay of one with the same SQN. */
	uint8_t		 hist[3][OSDP_FRAME_MAX];
	size_t		 hist_n[3];
	int		 hist_i;
	struct pd_event	 q[PD_QUEUE];
	int		 nq;
	int		 tamper, power, lstat_sent_t, lstat_sent_p;
	bool		 plain, badmac, replay, silent, cut;
	bool		 loseack;	/* lose the next KEYSET's ACK ... */
	bool		 lost;		/* ... and all after it, to SQN 0 */
	bool		 raw_pending;	/* the reply being sent is a card */
};

static struct pd pds[PD_MAX];
static int npd;
static int line_fd = -1;
static FILE *tap;		/* --tap: every byte on the line, as a sniffer */

static void
tap_bytes(const char *dir, const uint8_t *b, size_t n)
{
	size_t i;

	if (tap == NULL || n == 0)
		return;
	fprintf(tap, "%s ", dir);
	for (i = 0; i < n; i++)
		fprintf(tap, "%02X", b[i]);
	fputc('\n', tap);
	fflush(tap);
}

static struct pd *
pd_find(int addr)
{
	int i;

	for (i = 0; i < npd; i++)
		if (pds[i].addr == addr)
			return &pds[i];
	return NULL;
}

static void
line_write(const uint8_t *b, size_t n)
{
	size_t off = 0;
	ssize_t w;
	struct pollfd p = { .fd = line_fd, .events = POLLOUT };

	tap_bytes("PD>CP", b, n);
	while (off < n) {
		w = write(line_fd, b + off, n - off);
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			poll(&p, 1, 10);
			continue;
		}
		if (w < 0)
			return;
		off += (size_t)w;
	}
}

/* Build a reply: sealed while the Secure Channel is up (and not plain). */
static size_t
pd_reply(struct pd *pd, int sqn, uint8_t code, const uint8_t *d, size_t n,
    uint8_t *out)
{
	if (pd->sc.ready && !pd->plain)
		return osdp_sc_seal(&pd->sc, out, OSDP_FRAME_MAX,
		    (uint8_t)(pd->addr | OSDP_ADDR_REPLY), sqn, true, code, d,
		    n);
	return osdp_frame_build(out, OSDP_FRAME_MAX,
	    (uint8_t)(pd->addr | OSDP_ADDR_REPLY), sqn, NULL, code, d, n);
}

static size_t
pd_nak(struct pd *pd, int sqn, uint8_t why, uint8_t *out)
{
	printf("nak %d %d\n", pd->addr, why);
	return pd_reply(pd, sqn, OSDP_REPLY_NAK, &why, 1, out);
}

/* osdp_CHLNG: answer with the key asked for, if this reader has it. */
static size_t
pd_chlng(struct pd *pd, const struct osdp_frame *f, uint8_t *out)
{
	static const uint8_t zero[OSDP_KEY_LEN];
	static const uint8_t cuid[8] = { 0x01, 0xfe, 0x01, 0, 0x78, 0x56,
	    0x34, 0x12 };
	uint8_t d[32], rnd_b[OSDP_RND_LEN], scb[3] = { 3, OSDP_SCS_12, 0 };
	const uint8_t *k;

	osdp_sc_clear(&pd->sc);
	pd->in_setup = false;
	if (f->dlen != OSDP_RND_LEN)
		return pd_nak(pd, f->sqn, 1, out);
	scb[2] = f->scb[2];
	if (f->scb[2] == 0)		/* SCBK-D: only while it has none */
		k = pd->has_key ? NULL : osdp_scbk_d;
	else
		k = pd->has_key ? pd->key : zero;
	if (k == NULL)
		return pd_nak(pd, f->sqn, OSDP_NAK_SC_COND, out);
	RAND_bytes(rnd_b, sizeof(rnd_b));
	osdp_sc_derive(&pd->sc, k, f->data);
	osdp_sc_set_rnd_b(&pd->sc, rnd_b);
	memcpy(d, cuid, 8);
	memcpy(d + 8, rnd_b, 8);
	osdp_sc_client_cryptogram(&pd->sc, d + 16);
	pd->in_setup = true;
	return osdp_frame_build(out, OSDP_FRAME_MAX,
	    (uint8_t)(pd->addr | OSDP_ADDR_REPLY), f->sqn, scb,
	    OSDP_REPLY_CCRYPT, d, sizeof(d));
}

static size_t
pd_scrypt(struct pd *pd, const struct osdp_frame *f, uint8_t *out)
{
	uint8_t want[OSDP_KEY_LEN], rmac[OSDP_KEY_LEN];
	uint8_t scb[3] = { 3, OSDP_SCS_14, 1 };

	if (!pd->in_setup || f->dlen != OSDP_KEY_LEN ||
	    osdp_sc_server_cryptogram(&pd->sc, want) != 0 ||
	    memcmp(want, f->data, OSDP_KEY_LEN) != 0) {
		osdp_sc_clear(&pd->sc);
		return pd_nak(pd, f->sqn, OSDP_NAK_SC_COND, out);
	}
	pd->in_setup = false;
	osdp_sc_initial_rmac(&pd->sc, rmac);
	osdp_sc_start(&pd->sc);
	printf("secure %d\n", pd->addr);
	return osdp_frame_build(out, OSDP_FRAME_MAX,
	    (uint8_t)(pd->addr | OSDP_ADDR_REPLY), f->sqn, scb,
	    OSDP_REPLY_RMAC_I, rmac, sizeof(rmac));
}

static const char *const pd_colours[] = {
	"black", "red", "green", "amber", "blue",
};

/* What a poll returns: a status change first, then queued reads. */
static size_t
pd_poll(struct pd *pd, int sqn, uint8_t *out)
{
	uint8_t st[2];
	struct pd_event e;

	if (pd->tamper != pd->lstat_sent_t || pd->power != pd->lstat_sent_p) {
		pd->lstat_sent_t = pd->tamper;
		pd->lstat_sent_p = pd->power;
		st[0] = (uint8_t)pd->tamper;
		st[1] = (uint8_t)pd->power;
		return pd_reply(pd, sqn, OSDP_REPLY_LSTATR, st, 2, out);
	}
	if (pd->nq == 0)
		return pd_reply(pd, sqn, OSDP_REPLY_ACK, NULL, 0, out);
	e = pd->q[0];
	memmove(pd->q, pd->q + 1, (size_t)--pd->nq * sizeof(pd->q[0]));
	pd->raw_pending = e.code == OSDP_REPLY_RAW;
	return pd_reply(pd, sqn, e.code, e.data, e.n, out);
}

/* A command's plain data: checked under the Secure Channel. */
static size_t
pd_command(struct pd *pd, const struct osdp_frame *f, uint8_t *out)
{
	static const uint8_t pdid[12] = { 0x01, 0xfe, 0xca, 1, 1, 0x78, 0x56,
	    0x34, 0x12, 1, 0, 0 };
	static const uint8_t pdcap[] = { 3, 1, 0, 4, 4, 1, 8, 1, 0, 9, 1, 0,
	    10, 0, 1, 16, 2, 0 };
	uint8_t plain[OSDP_FRAME_MAX];
	const char *why;
	size_t n = f->dlen;

	if (f->scb_type == OSDP_SCS_11)
		return pd_chlng(pd, f, out);
	if (f->scb_type == OSDP_SCS_13)
		return pd_scrypt(pd, f, out);
	if (pd->sc.ready) {
		if (osdp_sc_open(&pd->sc, f, plain, &n, &why) != 0) {
			osdp_sc_clear(&pd->sc);
			return pd_nak(pd, f->sqn, OSDP_NAK_SC_COND, out);
		}
	} else if (pd->has_key && f->code != OSDP_CMD_ID &&
	    f->code != OSDP_CMD_CAP)
		return pd_nak(pd, f->sqn, OSDP_NAK_SC_COND, out);
	else
		memcpy(plain, f->data, f->dlen);
	switch (f->code) {
	case OSDP_CMD_ID:
		printf("id %d\n", pd->addr);
		return pd_reply(pd, f->sqn, OSDP_REPLY_PDID, pdid,
		    sizeof(pdid), out);
	case OSDP_CMD_CAP:
		return pd_reply(pd, f->sqn, OSDP_REPLY_PDCAP, pdcap,
		    sizeof(pdcap), out);
	case OSDP_CMD_POLL:
		return pd_poll(pd, f->sqn, out);
	case OSDP_CMD_LED:
		if (n >= 14)
			printf("led %d %s\n", pd->addr,
			    pd_colours[plain[5] % 5]);
		return pd_reply(pd, f->sqn, OSDP_REPLY_ACK, NULL, 0, out);
	case OSDP_CMD_BUZ:
		if (n >= 5)
			printf("buz %d %d\n", pd->addr, plain[4]);
		return pd_reply(pd, f->sqn, OSDP_REPLY_ACK, NULL, 0, out);
	case OSDP_CMD_KEYSET:
		if (!pd->sc.ready || n != 18 || plain[0] != 1 || plain[1] != 16)
			return pd_nak(pd, f->sqn, OSDP_NAK_SC_COND, out);
		memcpy(pd->key, plain + 2, OSDP_KEY_LEN);
		pd->has_key = true;
		printf("keyset %d\n", pd->addr);
		if (pd->loseack) {
			pd->loseack = false;
			pd->lost = true;
			return 0;
		}
		return pd_reply(pd, f->sqn, OSDP_REPLY_ACK, NULL, 0, out);
	default:
		return pd_nak(pd, f->sqn, 3, out);	/* unknown command */
	}
}

/* A command for one of our addresses: answer it (or not). */
static void
pd_frame(const struct osdp_frame *f)
{
	uint8_t out[OSDP_FRAME_MAX];
	struct pd *pd;
	size_t n;

	if (f->reply || (pd = pd_find(f->addr)) == NULL || pd->silent)
		return;
	if (pd->lost && f->sqn != 0)
		return;
	pd->lost = false;
	/* The same command again: its reply was lost, send it again. */
	if (pd->last_n > 0 && f->len == pd->last_cmd_n &&
	    memcmp(f->raw, pd->last_cmd, f->len) == 0) {
		line_write(pd->last, pd->last_n);
		return;
	}
	memcpy(pd->last_cmd, f->raw, f->len);
	pd->last_cmd_n = f->len;
	if (f->sqn == 0)
		osdp_sc_clear(&pd->sc);
	n = pd_command(pd, f, out);
	if (n == 0)
		return;
	memcpy(pd->last, out, n);
	pd->last_n = n;
	/* Three replies ago carried the SQN this one does (1, 2, 3, 1...):
	 * the replay an eavesdropper would try. */
	if (pd->replay && pd->hist_n[pd->hist_i] > 0) {
		pd->replay = false;
		line_write(pd->hist[pd->hist_i], pd->hist_n[pd->hist_i]);
		return;
	}
	memcpy(pd->hist[pd->hist_i], out, n);
	pd->hist_n[pd->hist_i] = n;
	pd->hist_i = (pd->hist_i + 1) % 3;
	if (pd->badmac && n > 8) {
		pd->badmac = false;
		out[n - 6] ^= 0x01;
		osdp_frame_finish(out, n - 2);
	}
	if (pd->cut) {
		pd->cut = false;
		n /= 2;
	}
	line_write(out, n);
	if (f->code == OSDP_CMD_POLL && pd->raw_pending) {
		pd->raw_pending = false;
		printf("raw %d %llu %zu\n", pd->addr,
		    (unsigned long long)clock_mono_us(), n);
	}
}

/* Queue a card read: raw bits, MSB first. */
static void
pd_card(struct pd *pd, int format, unsigned long long number)
{
	uint8_t bits[WIEGAND_MAX_BITS];
	struct pd_event *e;
	int n, i;

	if (pd->nq == PD_QUEUE ||
	    (n = wiegand_encode(format, number, bits, WIEGAND_MAX_BITS)) < 0)
		return;
	e = &pd->q[pd->nq++];
	memset(e, 0, sizeof(*e));
	e->code = OSDP_REPLY_RAW;
	e->data[1] = 1;			/* raw Wiegand */
	e->data[2] = (uint8_t)(n & 0xff);
	e->data[3] = (uint8_t)(n >> 8);
	for (i = 0; i < n; i++)
		if (bits[i])
			e->data[4 + i / 8] |= (uint8_t)(0x80 >> (i % 8));
	e->n = 4 + (size_t)(n + 7) / 8;
	printf("queued %d %llu\n", pd->addr,
	    (unsigned long long)clock_mono_us());
}

static void
pd_keys(struct pd *pd, const char *keys)
{
	struct pd_event *e;
	size_t n = strlen(keys), i;

	if (pd->nq == PD_QUEUE || n > 60)
		return;
	e = &pd->q[pd->nq++];
	e->code = OSDP_REPLY_KEYPAD;
	e->data[0] = 0;
	e->data[1] = (uint8_t)n;
	for (i = 0; i < n; i++)
		e->data[2 + i] = keys[i] == '#' ? 0x0d : keys[i] == '*' ?
		    0x7f : (uint8_t)keys[i];
	e->n = 2 + n;
}

static int
hexkey(const char *s, uint8_t *k)
{
	unsigned v;
	int i;

	if (strlen(s) != 32)
		return -1;
	for (i = 0; i < 16; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		k[i] = (uint8_t)v;
	}
	return 0;
}

/* One control line. */
static void
pd_control(char *line)
{
	char cmd[16] = "", a1[80] = "", a2[80] = "", a3[16] = "";
	int n = sscanf(line, "%15s %79s %79s %15s", cmd, a1, a2, a3);
	const char *addr = !strcmp(cmd, "card") ? a3 :
	    (!strcmp(cmd, "badmac") || !strcmp(cmd, "replay") ||
	    !strcmp(cmd, "cut") || !strcmp(cmd, "loseack")) ? a1 : a2;
	struct pd *pd = addr[0] != '\0' ? pd_find(atoi(addr)) : &pds[0];
	uint8_t noise[256];

	if (n < 1 || pd == NULL)
		return;
	if (!strcmp(cmd, "card"))
		pd_card(pd, atoi(a1), strtoull(a2, NULL, 0));
	else if (!strcmp(cmd, "keys"))
		pd_keys(pd, a1);
	else if (!strcmp(cmd, "tamper"))
		pd->tamper = atoi(a1) != 0;
	else if (!strcmp(cmd, "power"))
		pd->power = atoi(a1) != 0;
	else if (!strcmp(cmd, "key")) {
		pd->has_key = hexkey(a1, pd->key) == 0;
		osdp_sc_clear(&pd->sc);
	} else if (!strcmp(cmd, "plain"))
		pd->plain = atoi(a1) != 0;
	else if (!strcmp(cmd, "badmac"))
		pd->badmac = true;
	else if (!strcmp(cmd, "replay"))
		pd->replay = true;
	else if (!strcmp(cmd, "cut"))
		pd->cut = true;
	else if (!strcmp(cmd, "loseack"))
		pd->loseack = true;
	else if (!strcmp(cmd, "silent"))
		pd->silent = atoi(a1) != 0;
	else if (!strcmp(cmd, "noise")) {
		n = atoi(a1) > 0 && atoi(a1) <= 256 ? atoi(a1) : 16;
		RAND_bytes(noise, n);
		line_write(noise, (size_t)n);
	}
}

/* Read what stdin has and run each whole line; -1 at its end. */
static int
pd_stdin(char *line, size_t max, size_t *used)
{
	ssize_t n = read(0, line + *used, max - 1 - *used);
	char *nl;

	if (n <= 0)
		return n < 0 && errno == EINTR ? 0 : -1;
	*used += (size_t)n;
	line[*used] = '\0';
	while ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		pd_control(line);
		*used -= (size_t)(nl + 1 - line);
		memmove(line, nl + 1, *used + 1);
	}
	if (*used == max - 1)
		*used = 0;		/* a line too long: dropped */
	return 0;
}

/* Make the pty and link its slave, set raw, at path. */
static int
pd_open_line(const char *path)
{
	struct termios t;
	char tmp[512];
	int m, s;

	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) < 0 || grantpt(m) != 0 ||
	    unlockpt(m) != 0)
		return -1;
	if ((s = open(ptsname(m), O_RDWR | O_NOCTTY)) < 0)
		return -1;
	tcgetattr(s, &t);
	cfmakeraw(&t);
	tcsetattr(s, TCSANOW, &t);
	/* The slave stays open here, so the line lives while we do. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	if (symlink(ptsname(m), tmp) != 0 || rename(tmp, path) != 0)
		return -1;
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	line_fd = m;
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: osdp-pd --link PATH --address N[,N...] "
	    "[--key HEX] [--tap FILE]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const char *link_path = NULL, *addrs = NULL, *key = NULL;
	struct pollfd p[2];
	struct osdp_rx rx;
	struct osdp_frame f;
	const char *why;
	char line[256], *tok;
	size_t used = 0;
	uint8_t buf[512];
	ssize_t n, k;
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--link"))
			link_path = argv[i + 1];
		else if (!strcmp(argv[i], "--address"))
			addrs = argv[i + 1];
		else if (!strcmp(argv[i], "--key"))
			key = argv[i + 1];
		else if (!strcmp(argv[i], "--tap")) {
			if ((tap = fopen(argv[i + 1], "a")) == NULL)
				return usage();
		}
		else
			return usage();
	}
	if (link_path == NULL || addrs == NULL || i != argc)
		return usage();
	snprintf(line, sizeof(line), "%s", addrs);
	for (tok = strtok(line, ","); tok != NULL && npd < PD_MAX;
	    tok = strtok(NULL, ",")) {
		pds[npd].addr = (uint8_t)atoi(tok);
		pds[npd].last_sqn = -1;
		if (key != NULL && hexkey(key, pds[npd].key) == 0)
			pds[npd].has_key = true;
		npd++;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (npd == 0 || pd_open_line(link_path) != 0) {
		perror("osdp-pd");
		return 1;
	}
	printf("ready %s\n", link_path);
	osdp_rx_init(&rx);
	p[0].fd = line_fd;
	p[0].events = POLLIN;
	p[1].fd = 0;
	p[1].events = POLLIN;
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return 1;
		if (p[0].revents & POLLIN) {
			while ((n = read(line_fd, buf, sizeof(buf))) > 0 &&
			    (tap_bytes("CP>PD", buf, (size_t)n), 1))
				for (k = 0; k < n; k++)
					if (osdp_rx_byte(&rx, buf[k], &f, &why)
					    == OSDP_RX_FRAME)
						pd_frame(&f);
		}
		if (p[1].revents & (POLLIN | POLLHUP) &&
		    pd_stdin(line, sizeof(line), &used) != 0)
			return 0;
	}
}
