/*
 * The OSDP Secure Channel; see osdp_sc.h.  Every AES operation is one
 * EVP call sequence with padding off: the standard's own padding (80 00
 * ...) is applied here, where it can be checked.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "osdp_sc.h"

#define B	OSDP_KEY_LEN

const uint8_t osdp_scbk_d[OSDP_KEY_LEN] = {
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
};

/* AES-128 over n bytes (a multiple of 16): ECB when iv is NULL, else CBC. */
static int
osdp_aes(const uint8_t *key, const uint8_t *iv, int enc, const uint8_t *in,
    size_t n, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0, ok;

	if (c == NULL)
		return -1;
	ok = EVP_CipherInit_ex(c, iv != NULL ? EVP_aes_128_cbc() :
	    EVP_aes_128_ecb(), NULL, key, iv, enc) == 1 &&
	    EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
	    EVP_CipherUpdate(c, out, &l1, in, (int)n) == 1 &&
	    EVP_CipherFinal_ex(c, out + l1, &l2) == 1 &&
	    (size_t)(l1 + l2) == n;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

void
osdp_sc_clear(struct osdp_sc *sc)
{
	OPENSSL_cleanse(sc, sizeof(*sc));
}

int
osdp_sc_derive(struct osdp_sc *sc, const uint8_t scbk[B],
    const uint8_t rnd_a[OSDP_RND_LEN])
{
	static const uint8_t which[3] = { 0x82, 0x01, 0x02 };
	uint8_t *keys[3] = { sc->s_enc, sc->s_mac1, sc->s_mac2 };
	uint8_t in[B];
	int i;

	osdp_sc_clear(sc);
	memcpy(sc->rnd_a, rnd_a, OSDP_RND_LEN);
	for (i = 0; i < 3; i++) {
		memset(in, 0, sizeof(in));
		in[0] = 0x01;
		in[1] = which[i];
		memcpy(in + 2, rnd_a, 6);
		if (osdp_aes(scbk, NULL, 1, in, B, keys[i]) != 0)
			return -1;
	}
	return 0;
}

/* AES(S-ENC, a || b) for two 8-byte halves. */
static int
osdp_sc_cryptogram(const struct osdp_sc *sc, const uint8_t *a,
    const uint8_t *b, uint8_t out[B])
{
	uint8_t in[B];

	memcpy(in, a, 8);
	memcpy(in + 8, b, 8);
	return osdp_aes(sc->s_enc, NULL, 1, in, B, out);
}

int
osdp_sc_client_cryptogram(const struct osdp_sc *sc, uint8_t out[B])
{
	return osdp_sc_cryptogram(sc, sc->rnd_a, sc->rnd_b, out);
}

int
osdp_sc_server_cryptogram(const struct osdp_sc *sc, uint8_t out[B])
{
	return osdp_sc_cryptogram(sc, sc->rnd_b, sc->rnd_a, out);
}

int
osdp_sc_ccrypt(struct osdp_sc *sc, const uint8_t *data, size_t n)
{
	uint8_t want[B];

	if (n != 32)
		return -1;
	memcpy(sc->rnd_b, data + 8, OSDP_RND_LEN);
	if (osdp_sc_client_cryptogram(sc, want) != 0)
		return -1;
	return CRYPTO_memcmp(want, data + 16, B) == 0 ? 0 : -1;
}

int
osdp_sc_initial_rmac(const struct osdp_sc *sc, uint8_t out[B])
{
	uint8_t scr[B], t[B];

	if (osdp_sc_server_cryptogram(sc, scr) != 0 ||
	    osdp_aes(sc->s_mac1, NULL, 1, scr, B, t) != 0)
		return -1;
	return osdp_aes(sc->s_mac2, NULL, 1, t, B, out);
}

int
osdp_sc_rmac_i(struct osdp_sc *sc, const uint8_t *data, size_t n)
{
	uint8_t want[B];

	if (n != B || osdp_sc_initial_rmac(sc, want) != 0 ||
	    CRYPTO_memcmp(want, data, B) != 0)
		return -1;
	memcpy(sc->icv, want, B);
	sc->ready = true;
	return 0;
}

void
osdp_sc_set_rnd_b(struct osdp_sc *sc, const uint8_t rnd_b[OSDP_RND_LEN])
{
	memcpy(sc->rnd_b, rnd_b, OSDP_RND_LEN);
}

int
osdp_sc_start(struct osdp_sc *sc)
{
	if (osdp_sc_initial_rmac(sc, sc->icv) != 0)
		return -1;
	sc->ready = true;
	return 0;
}

/*
 * CBC-MAC from icv: every block but the last through S-MAC1, the last
 * through S-MAC2, the input padded with 80 00 ... unless it already fills
 * whole blocks.
 */
int
osdp_sc_mac(const struct osdp_sc *sc, const uint8_t *msg, size_t n,
    uint8_t mac[B])
{
	uint8_t x[B], blk[B];
	size_t off, k, nblk = (n + B - 1) / B;

	if (nblk == 0)
		nblk = 1;
	memcpy(x, sc->icv, B);
	for (off = 0; off < nblk * B; off += B) {
		memset(blk, 0, B);
		k = n - off < B ? n - off : B;
		memcpy(blk, msg + off, k);
		if (k < B)
			blk[k] = 0x80;
		for (k = 0; k < B; k++)
			x[k] ^= blk[k];
		if (osdp_aes(off + B < nblk * B ? sc->s_mac1 : sc->s_mac2,
		    NULL, 1, x, B, x) != 0)
			return -1;
	}
	memcpy(mac, x, B);
	return 0;
}

/* The CBC IV of a frame's data: the complement of icv. */
static void
osdp_sc_iv(const struct osdp_sc *sc, uint8_t iv[B])
{
	int i;

	for (i = 0; i < B; i++)
		iv[i] = (uint8_t)~sc->icv[i];
}

size_t
osdp_sc_seal(struct osdp_sc *sc, uint8_t *out, size_t max, uint8_t addr,
    int sqn, bool reply, uint8_t code, const uint8_t *data, size_t dlen)
{
	uint8_t scb[2] = { 2, 0 }, iv[B], mac[B], pad[OSDP_FRAME_MAX];
	size_t n, elen = dlen > 0 ? (dlen / B + 1) * B : 0;

	scb[1] = dlen > 0 ? (reply ? OSDP_SCS_18 : OSDP_SCS_17) :
	    (reply ? OSDP_SCS_16 : OSDP_SCS_15);
	if (8 + elen + 4 + 2 > max || 8 + elen + 4 + 2 > OSDP_FRAME_MAX)
		return 0;
	n = osdp_frame_head(out, addr, sqn, scb, code);
	if (elen > 0) {
		memset(pad, 0, elen);
		memcpy(pad, data, dlen);
		pad[dlen] = 0x80;
		osdp_sc_iv(sc, iv);
		if (osdp_aes(sc->s_enc, iv, 1, pad, elen, out + n) != 0)
			return 0;
		OPENSSL_cleanse(pad, elen);
		n += elen;
	}
	out[2] = (uint8_t)((n + 6) & 0xff);
	out[3] = (uint8_t)((n + 6) >> 8);
	if (osdp_sc_mac(sc, out, n, mac) != 0)
		return 0;
	memcpy(out + n, mac, 4);
	memcpy(sc->icv, mac, B);
	return osdp_frame_finish(out, n + 4);
}

/* Decrypt a frame's data and strip its padding; 0 or -1. */
static int
osdp_sc_decrypt(const struct osdp_sc *sc, const struct osdp_frame *f,
    uint8_t *plain, size_t *plen)
{
	uint8_t iv[B];
	size_t n;

	if (f->dlen == 0 || f->dlen % B != 0)
		return -1;
	osdp_sc_iv(sc, iv);
	if (osdp_aes(sc->s_enc, iv, 0, f->data, f->dlen, plain) != 0)
		return -1;
	for (n = f->dlen; n > 0 && plain[n - 1] == 0; n--)
		;
	if (n == 0 || plain[n - 1] != 0x80 || f->dlen - n >= B)
		return -1;
	*plen = n - 1;
	return 0;
}

int
osdp_sc_open(struct osdp_sc *sc, const struct osdp_frame *f, uint8_t *plain,
    size_t *plen, const char **why)
{
	uint8_t mac[B];

	if (!sc->ready || f->mac == NULL) {
		*why = "no secure channel MAC";
		return -1;
	}
	if (osdp_sc_mac(sc, f->raw, f->len - 6, mac) != 0 ||
	    CRYPTO_memcmp(mac, f->mac, 4) != 0) {
		*why = "wrong MAC";
		return -1;
	}
	if (f->scb_type == OSDP_SCS_17 || f->scb_type == OSDP_SCS_18) {
		if (osdp_sc_decrypt(sc, f, plain, plen) != 0) {
			*why = "encrypted data badly padded";
			return -1;
		}
	} else {
		memcpy(plain, f->data, f->dlen);
		*plen = f->dlen;
	}
	memcpy(sc->icv, mac, B);
	return 0;
}
