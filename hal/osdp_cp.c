/*
 * The Control Panel's side of one reader: which command it gets next and
 * what its reply means.  A reader is identified (osdp_ID, osdp_CAP), then,
 * if it has a key or an install window is open, taken into the Secure
 * Channel, then polled.  A reader with a key is enforced: a failed
 * set-up, a frame without a MAC or with a wrong one, or a refusal ends
 * its session, raises a fault, and nothing it says is believed until a
 * new set-up succeeds.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "log.h"
#include "osdp_int.h"

#define OSDP_SWAPPED	"secure channel refused: reader swapped or tampered"

int (*osdp_cp_random)(unsigned char *, int) = RAND_bytes;

/* Tell the core when a reader's fault (or its reason) changed. */
static void
osdp_cp_fault(struct osdp_bus *bus, struct osdp_pd *pd, uint64_t now)
{
	char why[OSDP_REASON_MAX];

	if (pd->offline)
		snprintf(why, sizeof(why), "offline: no reply");
	else if (pd->refused)
		snprintf(why, sizeof(why), "%s", pd->refused_why);
	else if (pd->tamper)
		snprintf(why, sizeof(why), "tamper");
	else if (pd->power)
		snprintf(why, sizeof(why), "power failure");
	else
		why[0] = '\0';
	if (strcmp(why, pd->fault) == 0)
		return;
	snprintf(pd->fault, sizeof(pd->fault), "%s", why);
	hal_report_reader_fault(bus->be->hal, pd->point, why[0] != '\0', why,
	    now);
}

/* Forget the session: the reader is asked who it is again. */
void
osdp_cp_restart(struct osdp_pd *pd)
{
	osdp_sc_clear(&pd->sc);
	pd->secure = false;
	pd->use_default = false;
	pd->use_new = false;
	pd->phase = OSDP_PH_ID;
	pd->sqn = -1;
	pd->chlng_again = false;
	pd->tries = 0;		/* a frame of the old session is not repeated */
}

/* Refuse an enforced reader's session and raise it. */
static void
osdp_cp_refuse(struct osdp_bus *bus, struct osdp_pd *pd, const char *why,
    uint64_t now)
{
	osdp_sc_clear(&pd->sc);
	pd->secure = false;
	pd->use_default = false;
	pd->phase = OSDP_PH_REFUSED;
	pd->retry_at = now + OSDP_REFUSED_RETRY_MS;
	pd->refused = true;
	snprintf(pd->refused_why, sizeof(pd->refused_why), "%s", why);
	osdp_cp_fault(bus, pd, now);
}

/* Whether an install window is open for the reader. */
static bool
osdp_cp_installing(const struct osdp_pd *pd, uint64_t now)
{
	return pd->install_until != 0 && now < pd->install_until;
}

/* A plain command into the bus's transmit buffer. */
static size_t
osdp_cp_plain(struct osdp_bus *bus, struct osdp_pd *pd, const uint8_t *scb,
    uint8_t code, const uint8_t *data, size_t n)
{
	bus->tx_code = code;
	return osdp_frame_build(bus->tx, sizeof(bus->tx), pd->addr, pd->sqn,
	    scb, code, data, n);
}

/* A command, under the Secure Channel when it is up. */
static size_t
osdp_cp_cmd(struct osdp_bus *bus, struct osdp_pd *pd, uint8_t code,
    const uint8_t *data, size_t n)
{
	if (!pd->secure)
		return osdp_cp_plain(bus, pd, NULL, code, data, n);
	bus->tx_code = code;
	return osdp_sc_seal(&pd->sc, bus->tx, sizeof(bus->tx), pd->addr,
	    pd->sqn, false, code, data, n);
}

/* The key this set-up tries: SCBK-D, the key being installed, or SCBK. */
static const uint8_t *
osdp_cp_setup_key(const struct osdp_pd *pd)
{
	return pd->use_default ? osdp_scbk_d : pd->use_new ? pd->new_key :
	    pd->scbk;
}

/* osdp_CHLNG with a fresh RND.A, under osdp_cp_setup_key. */
static size_t
osdp_cp_chlng(struct osdp_bus *bus, struct osdp_pd *pd)
{
	uint8_t rnd[OSDP_RND_LEN], scb[3] = { 3, OSDP_SCS_11, 1 };

	if (!pd->has_key && !pd->use_new)
		pd->use_default = true;
	scb[2] = pd->use_default ? 0 : 1;
	if (osdp_cp_random(rnd, sizeof(rnd)) != 1 ||
	    osdp_sc_derive(&pd->sc, osdp_cp_setup_key(pd), rnd) != 0) {
		log_warnx("osdp: no random number for a secure channel");
		return 0;
	}
	return osdp_cp_plain(bus, pd, scb, OSDP_CMD_CHLNG, rnd, sizeof(rnd));
}

static size_t
osdp_cp_scrypt(struct osdp_bus *bus, struct osdp_pd *pd)
{
	uint8_t cr[OSDP_KEY_LEN], scb[3] = { 3, OSDP_SCS_13, 1 };

	scb[2] = pd->use_default ? 0 : 1;
	if (osdp_sc_server_cryptogram(&pd->sc, cr) != 0)
		return 0;
	return osdp_cp_plain(bus, pd, scb, OSDP_CMD_SCRYPT, cr, sizeof(cr));
}

/*
 * Queued LED or buzzer output first, otherwise a poll; but a poll
 * between two outputs, so that a card presented while a decision is
 * being shown waits for one output at most, not for both.
 */
static size_t
osdp_cp_online(struct osdp_bus *bus, struct osdp_pd *pd)
{
	if (pd->led_pending && !pd->output_last) {
		pd->led_pending = false;
		pd->output_last = true;
		return osdp_cp_cmd(bus, pd, OSDP_CMD_LED, pd->led,
		    sizeof(pd->led));
	}
	if (pd->buz_pending && !pd->output_last) {
		pd->buz_pending = false;
		pd->output_last = true;
		return osdp_cp_cmd(bus, pd, OSDP_CMD_BUZ, pd->buz,
		    sizeof(pd->buz));
	}
	pd->output_last = false;
	return osdp_cp_cmd(bus, pd, OSDP_CMD_POLL, NULL, 0);
}

/* Whether the reader's next command is a queued output. */
bool
osdp_cp_output_next(const struct osdp_pd *pd)
{
	return pd->phase == OSDP_PH_ONLINE && !pd->output_last &&
	    (pd->led_pending || pd->buz_pending);
}

size_t
osdp_cp_next(struct osdp_bus *bus, struct osdp_pd *pd, uint64_t now)
{
	static const uint8_t zero = 0;
	uint8_t ks[2 + OSDP_KEY_LEN] = { 1, OSDP_KEY_LEN };
	size_t n;

	if (pd->phase == OSDP_PH_REFUSED) {
		if (now < pd->retry_at)
			return 0;
		pd->phase = OSDP_PH_CHLNG;
		pd->last_reply = now;	/* supervised again from now */
		pd->missed = false;
	}
	pd->sqn = pd->sqn < 0 ? 0 : osdp_sqn_next(pd->sqn);
	/* A set-up is a new session: it starts at SQN 0, which tells the
	 * reader to forget any other (as libosdp's CP does, whose
	 * transcripts prove these frames); the same set-up asked again
	 * with the install key goes on from there. */
	if (pd->phase == OSDP_PH_CHLNG && !pd->chlng_again)
		pd->sqn = 0;
	pd->chlng_again = false;
	switch (pd->phase) {
	case OSDP_PH_ID:
		return osdp_cp_plain(bus, pd, NULL, OSDP_CMD_ID, &zero, 1);
	case OSDP_PH_CAP:
		return osdp_cp_plain(bus, pd, NULL, OSDP_CMD_CAP, &zero, 1);
	case OSDP_PH_CHLNG:
		return osdp_cp_chlng(bus, pd);
	case OSDP_PH_SCRYPT:
		return osdp_cp_scrypt(bus, pd);
	case OSDP_PH_KEYSET:
		pd->keyset_sent = true;
		memcpy(ks + 2, pd->new_key, OSDP_KEY_LEN);
		n = osdp_cp_cmd(bus, pd, OSDP_CMD_KEYSET, ks, sizeof(ks));
		memset(ks, 0, sizeof(ks));
		return n;
	default:
		return osdp_cp_online(bus, pd);
	}
}

/* osdp_PDID and osdp_PDCAP, journalled together once CAP is in. */
static void
osdp_cp_pdid(struct osdp_pd *pd,
    const uint8_t *d, size_t n)
{
	char *s = pd->ident;

	if (n < 12) {
		snprintf(s, sizeof(pd->ident), "identity unreadable");
		return;
	}
	snprintf(s, sizeof(pd->ident), "vendor %02X%02X%02X model %u "
	    "version %u serial %08X firmware %u.%u.%u", d[2], d[1], d[0], d[3],
	    d[4], (unsigned)(d[5] | d[6] << 8 | d[7] << 16 |
	    (unsigned)d[8] << 24), d[9], d[10], d[11]);
}

/* FNV-1a of s: 0 is kept for "nothing reported". */
static uint64_t
osdp_cp_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h != 0 ? h : 1;
}

static void
osdp_cp_pdcap(struct osdp_bus *bus, struct osdp_pd *pd,
    const uint8_t *d, size_t n, uint64_t now)
{
	char text[OSDP_FRAME_MAX * 4];
	size_t i, off;

	off = (size_t)snprintf(text, sizeof(text), "%s; capabilities",
	    pd->ident);
	pd->sc_capable = false;
	for (i = 0; i + 3 <= n && off < sizeof(text) - 16; i += 3) {
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    " %u/%u/%u", d[i], d[i + 1], d[i + 2]);
		if (d[i] == 9 && d[i + 1] != 0)
			pd->sc_capable = true;
	}
	/* Once a time the reader appears, and again if it says it is
	 * another: a set-up that starts over asks who it is each time. */
	if (osdp_cp_hash(text) != pd->told) {
		pd->told = osdp_cp_hash(text);
		hal_report_reader_note(bus->be->hal, pd->point,
		    HAL_READER_IDENTIFIED, text, now);
	}
	pd->phase = pd->has_key || osdp_cp_installing(pd, now) ?
	    OSDP_PH_CHLNG : OSDP_PH_ONLINE;
}

/* osdp_CCRYPT: the reader's cryptogram shows whether it holds our key. */
static void
osdp_cp_ccrypt(struct osdp_bus *bus, struct osdp_pd *pd,
    const struct osdp_frame *f, uint64_t now)
{
	if (f->code == OSDP_REPLY_CCRYPT && f->scb_type == OSDP_SCS_12 &&
	    osdp_sc_ccrypt(&pd->sc, f->data, f->dlen) == 0) {
		pd->phase = OSDP_PH_SCRYPT;
		return;
	}
	/* Installing over an old key the reader may not have: the
	 * standard's default key is the other key it may hold. */
	if (osdp_cp_installing(pd, now) && !pd->use_default &&
	    !pd->use_new && f->code == OSDP_REPLY_CCRYPT) {
		pd->use_default = true;
		pd->chlng_again = true;
		pd->phase = OSDP_PH_CHLNG;
		return;
	}
	/* The reader took the new key but its ACK was lost: the key this
	 * install sent is the third it may hold (a reader with a key may
	 * answer a set-up under the default one with a NAK). */
	if (osdp_cp_installing(pd, now) && pd->keyset_sent && !pd->use_new &&
	    (f->code == OSDP_REPLY_CCRYPT || f->code == OSDP_REPLY_NAK)) {
		pd->use_default = false;
		pd->use_new = true;
		pd->chlng_again = true;
		pd->phase = OSDP_PH_CHLNG;
		return;
	}
	if (pd->has_key)
		osdp_cp_refuse(bus, pd, OSDP_SWAPPED, now);
	else
		osdp_cp_restart(pd);
}

/* The reader holds the new key: it is the reader's key from now on. */
static void
osdp_cp_key_taken(struct osdp_bus *bus, struct osdp_pd *pd, uint64_t now)
{
	memcpy(pd->scbk, pd->new_key, OSDP_KEY_LEN);
	memset(pd->new_key, 0, sizeof(pd->new_key));
	pd->has_key = true;
	pd->install_until = 0;
	pd->keyset_sent = false;
	pd->use_new = false;
	pd->use_default = false;
	hal_report_reader_note(bus->be->hal, pd->point, HAL_READER_KEY_SET,
	    "", now);
}

/* osdp_RMAC_I: the channel is up; an install goes on to the key. */
static void
osdp_cp_rmac_i(struct osdp_bus *bus, struct osdp_pd *pd,
    const struct osdp_frame *f, uint64_t now)
{
	if (f->code != OSDP_REPLY_RMAC_I || f->scb_type != OSDP_SCS_14 ||
	    osdp_sc_rmac_i(&pd->sc, f->data, f->dlen) != 0) {
		if (pd->has_key)
			osdp_cp_refuse(bus, pd, OSDP_SWAPPED, now);
		else
			osdp_cp_restart(pd);
		return;
	}
	pd->secure = true;
	/* It holds the new key already: no KEYSET, the install is done. */
	if (pd->use_new)
		osdp_cp_key_taken(bus, pd, now);
	if (osdp_cp_installing(pd, now)) {
		pd->phase = OSDP_PH_KEYSET;
		return;
	}
	pd->phase = OSDP_PH_ONLINE;
	hal_report_reader_note(bus->be->hal, pd->point, HAL_READER_SECURE,
	    pd->use_default ? "default key" : "reader key", now);
}

/* osdp_KEYSET answered: on ACK the new key is the reader's. */
static void
osdp_cp_keyset(struct osdp_bus *bus, struct osdp_pd *pd, uint8_t code,
    uint64_t now)
{
	if (code != OSDP_REPLY_ACK) {
		pd->install_until = 0;
		pd->keyset_sent = false;
		hal_report_reader_note(bus->be->hal, pd->point,
		    HAL_READER_INSTALL_FAILED, "the reader refused the key",
		    now);
		osdp_cp_restart(pd);
		return;
	}
	osdp_cp_key_taken(bus, pd, now);
	osdp_sc_clear(&pd->sc);
	pd->secure = false;
	pd->phase = OSDP_PH_CHLNG;
}

/* Keys as OSDP sends them (ASCII; '*' 0x7F, '#' 0x0D) to 0-9, 10, 11. */
static void
osdp_cp_keypad(struct osdp_bus *bus, struct osdp_pd *pd, const uint8_t *d,
    size_t n, uint64_t now)
{
	size_t i;

	if (n < 2 || (size_t)d[1] + 2 > n)
		return;
	for (i = 0; i < d[1]; i++) {
		uint8_t c = d[2 + i];
		int key = c >= '0' && c <= '9' ? c - '0' :
		    c == 0x7f || c == '*' ? 10 : c == 0x0d || c == '#' ? 11 :
		    -1;

		if (key >= 0)
			hal_report_key(bus->be->hal, pd->point, key, now);
	}
}

/* What an online reader reports. */
static void
osdp_cp_report(struct osdp_bus *bus, struct osdp_pd *pd, uint8_t code,
    const uint8_t *d, size_t n, uint64_t now)
{
	int bits;

	switch (code) {
	case OSDP_REPLY_RAW:
		if (n < 4)
			return;
		bits = d[2] | d[3] << 8;
		if ((size_t)(bits + 7) / 8 > n - 4)
			return;
		hal_report_card(bus->be->hal, pd->point, d + 4, bits, now);
		break;
	case OSDP_REPLY_KEYPAD:
		osdp_cp_keypad(bus, pd, d, n, now);
		break;
	case OSDP_REPLY_LSTATR:
		if (n < 2)
			return;
		pd->tamper = d[0] != 0;
		pd->power = d[1] != 0;
		osdp_cp_fault(bus, pd, now);
		break;
	case OSDP_REPLY_NAK:
		if (n >= 1 && d[0] == OSDP_NAK_SC_COND && pd->has_key)
			osdp_cp_refuse(bus, pd, OSDP_SWAPPED, now);
		else if (n >= 1 && d[0] == OSDP_NAK_SEQ)
			osdp_cp_restart(pd);
		break;
	default:
		break;
	}
}

/* An online reader's reply: under an enforced reader's channel, or plain. */
static void
osdp_cp_online_reply(struct osdp_bus *bus, struct osdp_pd *pd,
    const struct osdp_frame *f, uint64_t now)
{
	uint8_t plain[OSDP_FRAME_MAX];
	const char *why;
	size_t n;

	if (pd->secure) {
		if (osdp_sc_open(&pd->sc, f, plain, &n, &why) != 0) {
			char r[OSDP_REASON_MAX];

			snprintf(r, sizeof(r), "%s (%s)", OSDP_SWAPPED,
			    f->mac == NULL ? "plain text" : why);
			osdp_cp_refuse(bus, pd, r, now);
			return;
		}
		/* Only a reply that verified under a new session clears a
		 * refusal: a reader that sets up and then talks plain text
		 * stays refused rather than flapping. */
		if (pd->refused) {
			pd->refused = false;
			osdp_cp_fault(bus, pd, now);
		}
	} else if (pd->has_key) {
		osdp_cp_refuse(bus, pd, OSDP_SWAPPED " (plain text)", now);
		return;
	} else {
		memcpy(plain, f->data, f->dlen);
		n = f->dlen;
	}
	if (bus->tx_code == OSDP_CMD_KEYSET)
		osdp_cp_keyset(bus, pd, f->code, now);
	else
		osdp_cp_report(bus, pd, f->code, plain, n, now);
	memset(plain, 0, sizeof(plain));
}

void
osdp_cp_reply(struct osdp_bus *bus, struct osdp_pd *pd,
    const struct osdp_frame *f, uint64_t now)
{
	pd->last_reply = now;
	pd->missed = false;
	if (pd->offline) {
		pd->offline = false;
		osdp_cp_fault(bus, pd, now);
	}
	switch (bus->tx_code) {
	case OSDP_CMD_ID:
		if (f->code == OSDP_REPLY_PDID) {
			osdp_cp_pdid(pd, f->data, f->dlen);
			pd->phase = OSDP_PH_CAP;
		}
		return;
	case OSDP_CMD_CAP:
		if (f->code == OSDP_REPLY_PDCAP)
			osdp_cp_pdcap(bus, pd, f->data, f->dlen, now);
		return;
	case OSDP_CMD_CHLNG:
		osdp_cp_ccrypt(bus, pd, f, now);
		return;
	case OSDP_CMD_SCRYPT:
		osdp_cp_rmac_i(bus, pd, f, now);
		return;
	default:
		osdp_cp_online_reply(bus, pd, f, now);
	}
}

/* No reply for offline_ms: offline, and asked who it is when it returns. */
void
osdp_cp_silent(struct osdp_bus *bus, struct osdp_pd *pd, uint64_t now)
{
	pd->offline = true;
	pd->told = 0;		/* back: who is it now? */
	osdp_cp_restart(pd);
	osdp_cp_fault(bus, pd, now);
}

/*
 * Queue a decision's LED and buzzer.  A duress grant is a grant here: the
 * reader must show nothing the person behind her could read.
 */
void
osdp_cp_signal(struct osdp_pd *pd, enum hal_signal sig)
{
	/* The temporary state: on, off (100 ms), on and off colours (1 red,
	 * 2 green, 3 amber), how long (100 ms); then the buzzer's on, off
	 * and count. */
	static const uint8_t led[3][5] = {
		[HAL_SIGNAL_GRANT] = { 10, 0, 2, 2, 30 },
		[HAL_SIGNAL_DENY] = { 10, 0, 1, 1, 20 },
		[HAL_SIGNAL_WAIT] = { 5, 5, 3, 0, 100 },
	};
	static const uint8_t buz[3][3] = {
		[HAL_SIGNAL_GRANT] = { 1, 0, 1 },
		[HAL_SIGNAL_DENY] = { 2, 1, 3 },
		[HAL_SIGNAL_WAIT] = { 1, 9, 1 },
	};

	memset(pd->led, 0, sizeof(pd->led));
	pd->led[2] = 2;			/* set the temporary state */
	memcpy(pd->led + 3, led[sig], 4);
	pd->led[7] = led[sig][4];	/* timer, LSB first */
	pd->led_pending = true;
	pd->buz[0] = 0;
	pd->buz[1] = 2;			/* the reader's default tone */
	memcpy(pd->buz + 2, buz[sig], 3);
	pd->buz_pending = true;
}
