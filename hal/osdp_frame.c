/*
 * OSDP framing; see osdp_frame.h.  The parser trusts nothing it reads:
 * LEN is bounded before anything is gathered, every offset is checked
 * against LEN, and the CRC is checked before a single field is used.
 */
#include <string.h>

#include "osdp_frame.h"

uint16_t
osdp_crc16(const uint8_t *p, size_t n)
{
	uint16_t crc = 0x1d0f;
	size_t i;
	int b;

	for (i = 0; i < n; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (b = 0; b < 8; b++)
			crc = (crc & 0x8000) ? (uint16_t)(crc << 1) ^ 0x1021 :
			    (uint16_t)(crc << 1);
	}
	return crc;
}

bool
osdp_scb_has_mac(uint8_t t)
{
	return t >= OSDP_SCS_15 && t <= OSDP_SCS_18;
}

/* The SCB of a frame whose head is sound: its length, or -1. */
static int
osdp_parse_scb(const uint8_t *buf, size_t n, struct osdp_frame *f,
    const char **why)
{
	if (!(buf[4] & OSDP_CTRL_SCB))
		return 0;
	if (buf[5] < 2 || (size_t)5 + buf[5] + 1 + 2 > n) {
		*why = "security block does not fit the frame";
		return -1;
	}
	f->scb = buf + 5;
	f->scb_type = buf[6];
	return buf[5];
}

int
osdp_frame_parse(const uint8_t *buf, size_t n, struct osdp_frame *f,
    const char **why)
{
	size_t off, tail;
	int scb;

	memset(f, 0, sizeof(*f));
	if (n < OSDP_FRAME_MIN || n > OSDP_FRAME_MAX) {
		*why = "frame length out of range";
		return -1;
	}
	if (buf[0] != OSDP_SOM) {
		*why = "no start of message";
		return -1;
	}
	if ((size_t)(buf[2] | buf[3] << 8) != n) {
		*why = "length field does not match the frame";
		return -1;
	}
	if (!(buf[4] & OSDP_CTRL_CRC)) {
		*why = "checksum frames are not accepted, only CRC-16";
		return -1;
	}
	if (osdp_crc16(buf, n - 2) != (uint16_t)(buf[n - 2] | buf[n - 1] << 8)) {
		*why = "bad CRC";
		return -1;
	}
	if ((scb = osdp_parse_scb(buf, n, f, why)) < 0)
		return -1;
	off = 5 + (size_t)scb;
	tail = 2 + (osdp_scb_has_mac(f->scb_type) ? 4 : 0);
	if (off + 1 + tail > n) {
		*why = "frame too short for its security block";
		return -1;
	}
	f->raw = buf;
	f->len = n;
	f->addr = buf[1] & 0x7f;
	f->reply = (buf[1] & OSDP_ADDR_REPLY) != 0;
	f->sqn = buf[4] & OSDP_CTRL_SQN;
	f->code = buf[off];
	f->data = buf + off + 1;
	f->dlen = n - off - 1 - tail;
	f->mac = tail > 2 ? buf + n - 6 : NULL;
	return 0;
}

void
osdp_rx_init(struct osdp_rx *rx)
{
	rx->n = 0;
	rx->want = 0;
}

/* Drop what was gathered and say why. */
static enum osdp_rx_result
osdp_rx_drop(struct osdp_rx *rx, const char **why, const char *reason)
{
	osdp_rx_init(rx);
	*why = reason;
	return OSDP_RX_BAD;
}

enum osdp_rx_result
osdp_rx_byte(struct osdp_rx *rx, uint8_t c, struct osdp_frame *f,
    const char **why)
{
	if (rx->n == 0 && c != OSDP_SOM)
		return OSDP_RX_MORE;	/* mark bytes, line noise */
	rx->buf[rx->n++] = c;
	if (rx->n == 4) {
		rx->want = (size_t)(rx->buf[2] | rx->buf[3] << 8);
		if (rx->want < OSDP_FRAME_MIN || rx->want > OSDP_FRAME_MAX)
			return osdp_rx_drop(rx, why,
			    "length field out of range");
	}
	if (rx->want == 0 || rx->n < rx->want)
		return OSDP_RX_MORE;
	rx->want = 0;
	rx->n = 0;
	if (osdp_frame_parse(rx->buf, (size_t)(rx->buf[2] | rx->buf[3] << 8),
	    f, why) != 0)
		return OSDP_RX_BAD;
	return OSDP_RX_FRAME;
}

size_t
osdp_frame_head(uint8_t *out, uint8_t addr, int sqn, const uint8_t *scb,
    uint8_t code)
{
	size_t n = 6;

	out[0] = OSDP_SOM;
	out[1] = addr;
	out[2] = out[3] = 0;
	out[4] = (uint8_t)((sqn & OSDP_CTRL_SQN) | OSDP_CTRL_CRC |
	    (scb != NULL ? OSDP_CTRL_SCB : 0));
	if (scb != NULL) {
		memcpy(out + 5, scb, scb[0]);
		n = 5 + scb[0] + 1;
	}
	out[n - 1] = code;
	return n;
}

size_t
osdp_frame_finish(uint8_t *out, size_t n)
{
	uint16_t crc;

	out[2] = (uint8_t)((n + 2) & 0xff);
	out[3] = (uint8_t)((n + 2) >> 8);
	crc = osdp_crc16(out, n);
	out[n] = (uint8_t)(crc & 0xff);
	out[n + 1] = (uint8_t)(crc >> 8);
	return n + 2;
}

size_t
osdp_frame_build(uint8_t *out, size_t max, uint8_t addr, int sqn,
    const uint8_t *scb, uint8_t code, const uint8_t *data, size_t dlen)
{
	size_t n = 6 + (scb != NULL ? scb[0] : 0);

	if (n + dlen + 2 > max || n + dlen + 2 > OSDP_FRAME_MAX)
		return 0;
	n = osdp_frame_head(out, addr, sqn, scb, code);
	if (dlen > 0)
		memcpy(out + n, data, dlen);
	return osdp_frame_finish(out, n + dlen);
}

int
osdp_sqn_next(int sqn)
{
	return sqn >= 3 ? 1 : sqn + 1;
}
