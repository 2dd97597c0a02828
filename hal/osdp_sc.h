/*
 * The OSDP Secure Channel (SIA OSDP 2.2 Annex D): session keys from the
 * reader's base key (SCBK) and the CP's random number, the two
 * cryptograms of the handshake, the chained MAC and the encryption of a
 * frame's data.  AES-128 through OpenSSL's EVP interface.  Pure code: the
 * caller supplies the random numbers, so that the known-answer vectors can
 * be replayed byte for byte.
 *
 * Both sides keep one chaining value (icv): the last full MAC the other
 * side sent.  osdp_sc_seal() MACs (and, for SCS_17/18, encrypts) a frame
 * and makes its MAC the new icv; osdp_sc_open() checks a received frame's
 * MAC against icv and only then decrypts it and takes its MAC.  A frame
 * that fails leaves the session as it was.
 */
#ifndef HUSVAGT_OSDP_SC_H
#define HUSVAGT_OSDP_SC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osdp_frame.h"

#define OSDP_KEY_LEN	16
#define OSDP_RND_LEN	8

/* The standard's default install key, SCBK-D: 30 31 ... 3F. */
extern const uint8_t osdp_scbk_d[OSDP_KEY_LEN];

struct osdp_sc {
	uint8_t	 s_enc[OSDP_KEY_LEN];
	uint8_t	 s_mac1[OSDP_KEY_LEN];
	uint8_t	 s_mac2[OSDP_KEY_LEN];
	uint8_t	 rnd_a[OSDP_RND_LEN];
	uint8_t	 rnd_b[OSDP_RND_LEN];
	uint8_t	 icv[OSDP_KEY_LEN];	/* the other side's last MAC */
	bool	 ready;			/* RMAC_I accepted: MACs are on */
};

/* Wipe a session (keys included). */
void	 osdp_sc_clear(struct osdp_sc *);
/* Derive S-ENC, S-MAC1, S-MAC2 from scbk and RND.A; 0 or -1. */
int	 osdp_sc_derive(struct osdp_sc *, const uint8_t scbk[OSDP_KEY_LEN],
	    const uint8_t rnd_a[OSDP_RND_LEN]);
/* The client cryptogram (PD): AES(S-ENC, RND.A || RND.B). */
int	 osdp_sc_client_cryptogram(const struct osdp_sc *,
	    uint8_t out[OSDP_KEY_LEN]);
/* The server cryptogram (CP): AES(S-ENC, RND.B || RND.A). */
int	 osdp_sc_server_cryptogram(const struct osdp_sc *,
	    uint8_t out[OSDP_KEY_LEN]);
/*
 * The CP's check of osdp_CCRYPT data (cUID 8, RND.B 8, cryptogram 16):
 * keeps RND.B and returns 0 when the reader's cryptogram is right, -1 when
 * it holds another key (or the data is short).
 */
int	 osdp_sc_ccrypt(struct osdp_sc *, const uint8_t *data, size_t n);
/* The initial R-MAC: AES(S-MAC2, AES(S-MAC1, server cryptogram)). */
int	 osdp_sc_initial_rmac(const struct osdp_sc *,
	    uint8_t out[OSDP_KEY_LEN]);
/* The CP's check of osdp_RMAC_I data; on success the session is ready. */
int	 osdp_sc_rmac_i(struct osdp_sc *, const uint8_t *data, size_t n);
/* The PD's side of the handshake, for the simulator: take RND.B. */
void	 osdp_sc_set_rnd_b(struct osdp_sc *, const uint8_t rnd_b[OSDP_RND_LEN]);
/* Start the MAC chain from the initial R-MAC (both sides). */
int	 osdp_sc_start(struct osdp_sc *);

/* The full 16-byte MAC of msg chained from icv. */
int	 osdp_sc_mac(const struct osdp_sc *, const uint8_t *msg, size_t n,
	    uint8_t mac[OSDP_KEY_LEN]);

/*
 * Build a frame under the session: SCS_15/16 when dlen is 0 (nothing to
 * encrypt), SCS_17/18 otherwise; reply selects the PD's types.  Data is
 * padded and encrypted, then the MAC is computed and appended, then the
 * CRC.  Returns the frame's length, or 0 (too long, or a crypto failure).
 */
size_t	 osdp_sc_seal(struct osdp_sc *, uint8_t *out, size_t max,
	    uint8_t addr, int sqn, bool reply, uint8_t code,
	    const uint8_t *data, size_t dlen);
/*
 * Check a parsed frame under the session and decrypt its data into plain
 * (at least f->dlen bytes), *plen its length without padding.  Returns 0,
 * or -1 with *why (no MAC, wrong MAC, bad padding); on -1 the session is
 * untouched.
 */
int	 osdp_sc_open(struct osdp_sc *, const struct osdp_frame *f,
	    uint8_t *plain, size_t *plen, const char **why);

#endif
