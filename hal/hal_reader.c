/*
 * Readers that speak a protocol (OSDP): what their backend reports in
 * whole messages rather than bits, and the calls the core makes to
 * answer back.  A card read arrives as raw bits and is judged by the
 * same Wiegand decoder as bits from two data lines, so a card is the
 * same event, with the same format and number, on either kind of reader.
 */
#include <errno.h>
#include <string.h>

#include "hal_int.h"
#include "log.h"

#define HAL_CARD_TIMEOUT_US	50000u

void
hal_report_card(struct hal *h, int point, const uint8_t *bits, int nbits,
    uint64_t at_ms)
{
	struct hal_event ev = { .type = HAL_EV_BAD_FRAME };
	struct wiegand w;
	struct wiegand_result r;
	int i;

	if (hal_pt_of(h, point, BOARD_READER) == NULL)
		return;
	if (nbits <= 0 || nbits > WIEGAND_MAX_BITS) {
		ev.reason = "card of an unknown length";
		ev.bits = nbits;
		hal_emit_point(h, &ev, point, at_ms);
		return;
	}
	wiegand_init(&w, HAL_CARD_TIMEOUT_US);
	for (i = 0; i < nbits; i++)
		wiegand_bit(&w, (bits[i / 8] >> (7 - i % 8)) & 1,
		    (uint64_t)i + 1);
	memset(&r, 0, sizeof(r));
	if (wiegand_poll(&w, (uint64_t)nbits + 2 * HAL_CARD_TIMEOUT_US, &r) ==
	    WIEGAND_CARD) {
		ev.type = HAL_EV_CARD;
		ev.number = r.number;
	} else
		ev.reason = r.reason != NULL ? r.reason : "not a card";
	ev.bits = r.bits != 0 ? r.bits : nbits;
	hal_emit_point(h, &ev, point, at_ms);
	/* The raw card number is not kept anywhere once delivered. */
	memset(&w, 0, sizeof(w));
	memset(&r, 0, sizeof(r));
	memset(&ev, 0, sizeof(ev));
}

void
hal_report_key(struct hal *h, int point, int key, uint64_t at_ms)
{
	struct hal_event ev = { .type = HAL_EV_KEY, .value = key };

	if (hal_pt_of(h, point, BOARD_READER) != NULL)
		hal_emit_point(h, &ev, point, at_ms);
}

void
hal_report_reader_fault(struct hal *h, int point, int fault,
    const char *reason, uint64_t at_ms)
{
	struct hal_event ev = { .type = HAL_EV_FAULT, .value = fault != 0,
	    .reason = reason != NULL ? reason : "" };

	if (hal_pt_of(h, point, BOARD_READER) == NULL)
		return;
	if (fault)
		log_warnx("reader %s: %s", h->board->points[point].role,
		    ev.reason);
	else
		log_info("reader %s: back", h->board->points[point].role);
	hal_emit_point(h, &ev, point, at_ms);
}

void
hal_report_reader_note(struct hal *h, int point, enum hal_reader_note note,
    const char *text, uint64_t at_ms)
{
	struct hal_event ev = { .type = HAL_EV_READER, .value = (int)note,
	    .reason = text != NULL ? text : "" };

	if (hal_pt_of(h, point, BOARD_READER) != NULL)
		hal_emit_point(h, &ev, point, at_ms);
}

/* The backend serving reader point, or NULL with errno set. */
static struct hal_backend *
hal_reader_backend(struct hal *h, int point)
{
	const struct board_point *bp;

	if (hal_pt_of(h, point, BOARD_READER) == NULL)
		return NULL;
	bp = &h->board->points[point];
	if (bp->backend < 0 || bp->backend >= h->nbe) {
		errno = EINVAL;
		return NULL;
	}
	return &h->be[bp->backend];
}

int
hal_reader_signal(struct hal *h, int point, enum hal_signal sig)
{
	struct hal_backend *be = hal_reader_backend(h, point);

	if (be == NULL)
		return -1;
	if (be->ops->reader_signal == NULL) {
		errno = ENOTSUP;
		return -1;
	}
	return be->ops->reader_signal(be, point, sig);
}

int
hal_reader_key(struct hal *h, int point, const uint8_t *key)
{
	struct hal_backend *be = hal_reader_backend(h, point);

	if (be == NULL)
		return -1;
	if (be->ops->reader_key == NULL) {
		errno = ENOTSUP;
		return -1;
	}
	return be->ops->reader_key(be, point, key);
}

int
hal_reader_install(struct hal *h, int point, const uint8_t *key,
    uint64_t until_ms)
{
	struct hal_backend *be = hal_reader_backend(h, point);

	if (be == NULL)
		return -1;
	if (be->ops->reader_install == NULL) {
		errno = ENOTSUP;
		return -1;
	}
	return be->ops->reader_install(be, point, key, until_ms);
}
