/*
 * Readers that hold a key: OSDP readers under the Secure Channel.  The
 * keys live in the store (reader_key.c) and in the HAL; this file hands
 * them over at start, runs an installer's install or rotation, and
 * journals what the readers report.  A key is never journalled,
 * published or logged: the journal says who installed which reader, and
 * when, and nothing about the key.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "clock.h"
#include "house.h"
#include "log.h"
#include "reader_key.h"

void
reader_osdp_start(struct husvagt *h)
{
	uint8_t key[READER_KEY_LEN];
	int i;

	h->install.point = -1;
	for (i = 0; i < h->board.npoints; i++) {
		const struct board_point *bp = &h->board.points[i];

		if (bp->kind != BOARD_READER ||
		    strcmp(h->board.backends[bp->backend].type, "osdp") != 0)
			continue;
		switch (reader_key_load(h->cfg.state_dir, bp->role, key)) {
		case 0:
			continue;	/* never installed: plain text */
		case -1:
			/* Fails closed: a key file that cannot be trusted
			 * does not turn an enforced reader into a plain one.
			 * A key nobody holds keeps it refused until it is
			 * installed again. */
			log_warnx("reader %s: its key cannot be used; it is "
			    "refused until installed again", bp->role);
			if (reader_key_new(key) != 0)	/* still secret */
				memcpy(key, h->keys.journal, sizeof(key));
			break;
		default:
			log_info("reader %s: secure channel enforced",
			    bp->role);
		}
		hal_reader_key(h->hal, i, key);
		OPENSSL_cleanse(key, sizeof(key));
	}
}

/* The install ended, well or not: forget the key it carried. */
static void
reader_osdp_install_end(struct husvagt *h)
{
	OPENSSL_cleanse(h->install.key, sizeof(h->install.key));
	h->install.point = -1;
	h->install.until = 0;
}

/* The reader took the new key: store it, then journal who did it. */
static void
reader_osdp_key_set(struct husvagt *h, const char *role)
{
	const char *type = h->install.rotate ? "reader.key_rotated" :
	    "reader.installed";

	if (reader_key_save(h->cfg.state_dir, role, h->install.key) != 0) {
		/* The reader holds a key the controller could not keep:
		 * it will be refused until it is installed again. */
		house_journal(h, "reader.install_failed", role,
		    h->install.actor, "", json_pack("{s:s}", "reason",
		    "the key could not be stored"));
		reader_osdp_install_end(h);
		return;
	}
	house_journal(h, type, role, h->install.actor, "",
	    json_pack("{s:s}", "secure_channel", "enforced"));
	reader_osdp_install_end(h);
}

void
reader_osdp_event(struct husvagt *h, const struct hal_event *ev)
{
	const char *role = hal_point_info(h->hal, ev->point)->role;

	switch (ev->value) {
	case HAL_READER_IDENTIFIED:
		house_journal(h, "reader.identified", role, "system", "",
		    json_pack("{s:s}", "reader", ev->reason));
		break;
	case HAL_READER_SECURE:
		log_info("reader %s: secure channel up (%s)", role,
		    ev->reason);
		break;
	case HAL_READER_KEY_SET:
		if (h->install.until != 0 && h->install.point == ev->point)
			reader_osdp_key_set(h, role);
		break;
	case HAL_READER_INSTALL_FAILED:
		if (h->install.until == 0 || h->install.point != ev->point)
			break;
		house_journal(h, "reader.install_failed", role,
		    h->install.actor, "", json_pack("{s:s}", "reason",
		    ev->reason));
		reader_osdp_install_end(h);
		break;
	}
}

int
reader_osdp_install(struct husvagt *h, int point, const char *actor,
    bool rotate, char *err, size_t errlen)
{
	const struct board_point *bp = hal_point_info(h->hal, point);
	uint64_t now = clock_mono_ms();

	if (bp == NULL || bp->kind != BOARD_READER ||
	    strcmp(h->board.backends[bp->backend].type, "osdp") != 0) {
		snprintf(err, errlen, "not an OSDP reader");
		return -1;
	}
	if (h->install.until != 0) {
		snprintf(err, errlen, "reader %s is being installed",
		    hal_point_info(h->hal, h->install.point)->role);
		return -1;
	}
	if (reader_key_new(h->install.key) != 0) {
		snprintf(err, errlen, "no random key");
		return -1;
	}
	h->install.point = point;
	h->install.rotate = rotate;
	h->install.until = now + READER_INSTALL_MS;
	snprintf(h->install.actor, sizeof(h->install.actor), "%s", actor);
	if (hal_reader_install(h->hal, point, h->install.key,
	    h->install.until) != 0) {
		reader_osdp_install_end(h);
		snprintf(err, errlen, "the reader's backend cannot install");
		return -1;
	}
	house_journal(h, rotate ? "reader.rotate_started" :
	    "reader.install_started", bp->role, actor, "",
	    json_pack("{s:I}", "window_s",
	    (json_int_t)(READER_INSTALL_MS / 1000)));
	return 0;
}

/*
 * The window closed without the reader taking the key.  The house waits
 * a little past the HAL's window: a KEYSET sent just before its end is
 * answered just after, and that key must still be stored.
 */
void
reader_osdp_tick(struct husvagt *h, uint64_t now)
{
	if (h->install.until == 0 || now < h->install.until +
	    READER_INSTALL_GRACE_MS)
		return;
	house_journal(h, "reader.install_failed",
	    hal_point_info(h->hal, h->install.point)->role, h->install.actor,
	    "", json_pack("{s:s}", "reason", "the install window closed"));
	reader_osdp_install_end(h);
}

uint64_t
reader_osdp_deadline(struct husvagt *h)
{
	return h->install.until != 0 ? h->install.until +
	    READER_INSTALL_GRACE_MS : 0;
}
