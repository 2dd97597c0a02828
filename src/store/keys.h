/*
 * The device key: 32 random bytes made with OpenSSL at first start, kept in
 * a file of mode 0600.  Separate subkeys are derived from it for card
 * numbers, PINs and the journal chain, so one purpose's MACs never serve
 * another.
 */
#ifndef HUSVAGT_KEYS_H
#define HUSVAGT_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KEYS_LEN	32
#define KEYS_MAC_LEN	32

struct keys {
	uint8_t	 card[KEYS_LEN];
	uint8_t	 pin[KEYS_LEN];
	uint8_t	 journal[KEYS_LEN];
};

/*
 * Load the key at path, creating it (mode 0600, parent must exist) when it
 * does not exist.  Refuses a key file readable by group or others, or of
 * the wrong size.  Returns 0 or -1 with the reason logged.
 */
int  keys_load(struct keys *, const char *path);
int  keys_sync_dir(const char *path);
/* HMAC-SHA256(card key, format byte || number as 8 bytes big-endian). */
void keys_card_mac(const struct keys *, int format, uint64_t number,
    uint8_t out[KEYS_MAC_LEN]);
/* HMAC-SHA256(pin key, credential id || PIN digits). */
void keys_pin_mac(const struct keys *, int64_t cred_id, const char *pin,
    uint8_t out[KEYS_MAC_LEN]);
/* Constant-time comparison of two MACs: 1 when equal, else 0. */
int  keys_mac_equal(const uint8_t *a, const uint8_t *b);
/* HMAC-SHA256(key, msg); 0, or -1 (logged) when OpenSSL fails. */
int  keys_hmac(const uint8_t key[KEYS_LEN], const void *msg, size_t len,
    uint8_t out[KEYS_MAC_LEN]);
/* Overwrite the subkeys, e.g. before exit. */
void keys_wipe(struct keys *);

#endif
