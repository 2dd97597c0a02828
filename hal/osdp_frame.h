/*
 * OSDP framing: the CRC-16, the frame layout, a receive parser that takes
 * bytes in any chunking and a frame builder.  Pure code: no I/O, no clock.
 *
 *   [FF] 53 ADDR LEN_LSB LEN_MSB CTRL [SCB_LEN SCB_TYPE SCB_DATA...]
 *        CODE DATA... [MAC x4] CRC_LSB CRC_MSB
 *
 * LEN counts SOM to the last CRC byte.  CTRL holds the sequence number
 * (bits 0-1), CRC-16 (bit 2) and "SCB present" (bit 3).  Frames under the
 * Secure Channel (SCB types 0x15-0x18) carry a 4-byte MAC before the CRC;
 * building and checking that MAC is osdp_sc.c's work.
 */
#ifndef HUSVAGT_OSDP_FRAME_H
#define HUSVAGT_OSDP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OSDP_SOM		0x53
#define OSDP_MARK		0xff
#define OSDP_FRAME_MAX		256	/* a reader's usual receive buffer */
#define OSDP_FRAME_MIN		8	/* SOM ADDR LEN LEN CTRL CODE CRC CRC */
#define OSDP_ADDR_REPLY		0x80	/* set by the reader in its replies */
#define OSDP_ADDR_BROADCAST	0x7f

#define OSDP_CTRL_SQN		0x03
#define OSDP_CTRL_CRC		0x04
#define OSDP_CTRL_SCB		0x08

/* Security control block types. */
#define OSDP_SCS_11		0x11	/* CHLNG */
#define OSDP_SCS_12		0x12	/* CCRYPT */
#define OSDP_SCS_13		0x13	/* SCRYPT */
#define OSDP_SCS_14		0x14	/* RMAC_I */
#define OSDP_SCS_15		0x15	/* CP, MAC, no data encrypted */
#define OSDP_SCS_16		0x16	/* PD, MAC, no data encrypted */
#define OSDP_SCS_17		0x17	/* CP, MAC, data encrypted */
#define OSDP_SCS_18		0x18	/* PD, MAC, data encrypted */

/* Commands (CP to PD). */
#define OSDP_CMD_POLL		0x60
#define OSDP_CMD_ID		0x61
#define OSDP_CMD_CAP		0x62
#define OSDP_CMD_LSTAT		0x64
#define OSDP_CMD_LED		0x69
#define OSDP_CMD_BUZ		0x6a
#define OSDP_CMD_KEYSET		0x75
#define OSDP_CMD_CHLNG		0x76
#define OSDP_CMD_SCRYPT		0x77

/* Replies (PD to CP). */
#define OSDP_REPLY_ACK		0x40
#define OSDP_REPLY_NAK		0x41
#define OSDP_REPLY_PDID		0x45
#define OSDP_REPLY_PDCAP	0x46
#define OSDP_REPLY_LSTATR	0x48
#define OSDP_REPLY_RAW		0x50
#define OSDP_REPLY_KEYPAD	0x53
#define OSDP_REPLY_BUSY		0x79
#define OSDP_REPLY_CCRYPT	0x76
#define OSDP_REPLY_RMAC_I	0x78

/* NAK error codes. */
#define OSDP_NAK_SEQ		4	/* unexpected sequence number */
#define OSDP_NAK_SC_COND	6	/* security conditions not met */

/* A frame as parsed: views into the buffer it was parsed from. */
struct osdp_frame {
	const uint8_t	*raw;		/* SOM ... last CRC byte */
	size_t		 len;
	uint8_t		 addr;		/* without the reply bit */
	bool		 reply;		/* the reply bit was set */
	int		 sqn;
	const uint8_t	*scb;		/* SCB_LEN SCB_TYPE ...; NULL if none */
	uint8_t		 scb_type;	/* 0 without an SCB */
	uint8_t		 code;
	const uint8_t	*data;
	size_t		 dlen;		/* data, without MAC and CRC */
	const uint8_t	*mac;		/* 4 bytes, or NULL */
};

/* CRC-16 (poly 0x1021, initial 0x1D0F, not reflected) over n bytes. */
uint16_t osdp_crc16(const uint8_t *, size_t n);

/* Whether an SCB type carries a MAC. */
bool	 osdp_scb_has_mac(uint8_t scb_type);

/*
 * Parse a whole frame (SOM to CRC).  Returns 0, or -1 with *why a static
 * sentence (bad CRC, length, ...).  The frame's views point into buf.
 */
int	 osdp_frame_parse(const uint8_t *buf, size_t n, struct osdp_frame *,
	    const char **why);

/*
 * The receive side: bytes go in as they come from the line, in any
 * chunking.  Mark bytes and noise before a SOM are skipped; a frame is
 * gathered by its LEN and handed out whole.
 */
enum osdp_rx_result {
	OSDP_RX_MORE,		/* nothing complete yet */
	OSDP_RX_FRAME,		/* a frame is in rx->buf, rx->n bytes */
	OSDP_RX_BAD,		/* a frame was dropped; *why says why */
};

struct osdp_rx {
	uint8_t		 buf[OSDP_FRAME_MAX];
	size_t		 n;		/* bytes gathered */
	size_t		 want;		/* LEN, once known; 0 before */
};

void	 osdp_rx_init(struct osdp_rx *);
/*
 * Add one byte.  On OSDP_RX_FRAME the frame is parsed into *f (its views
 * point into rx->buf until the next call).  On OSDP_RX_BAD the bytes
 * gathered are dropped and the parser looks for the next SOM.
 */
enum osdp_rx_result osdp_rx_byte(struct osdp_rx *, uint8_t,
	    struct osdp_frame *f, const char **why);

/*
 * Write the head of a frame (SOM to CODE, SCB included) into out: LEN is
 * filled in later by osdp_frame_finish.  Returns the bytes written.
 * scb is SCB_LEN SCB_TYPE ..., or NULL.
 */
size_t	 osdp_frame_head(uint8_t *out, uint8_t addr, int sqn,
	    const uint8_t *scb, uint8_t code);
/*
 * Set LEN for a frame of n bytes before the CRC, and append the CRC.
 * Returns the frame's length (n + 2).
 */
size_t	 osdp_frame_finish(uint8_t *out, size_t n);
/*
 * A whole plain frame (no MAC): head, data, CRC.  Returns its length, or
 * 0 when it does not fit in max.
 */
size_t	 osdp_frame_build(uint8_t *out, size_t max, uint8_t addr, int sqn,
	    const uint8_t *scb, uint8_t code, const uint8_t *data, size_t dlen);

/* The sequence number after sqn: 1, 2, 3, 1, ... (0 only at start). */
int	 osdp_sqn_next(int sqn);

#endif
