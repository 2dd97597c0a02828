/*
 * Each OSDP reader's Secure Channel base key (SCBK): 16 random bytes in
 * a file of its own, <state>/readers/<role>.key, mode 0600, like the
 * device key.  A key is never journalled, published or logged; only
 * this file and the HAL's copy hold it.
 */
#ifndef HUSVAGT_READER_KEY_H
#define HUSVAGT_READER_KEY_H

#include <stdint.h>

#define READER_KEY_LEN	16

/*
 * Load role's key.  Returns 1 when there is one, 0 when there is none,
 * -1 (logged) for a file that is unreadable, of the wrong size, or
 * readable by group or others.
 */
int	 reader_key_load(const char *state_dir, const char *role,
	    uint8_t key[READER_KEY_LEN]);
/* Store role's key, replacing the old one atomically; 0 or -1 (logged). */
int	 reader_key_save(const char *state_dir, const char *role,
	    const uint8_t key[READER_KEY_LEN]);
/* Fill key with fresh random bytes (OpenSSL); 0 or -1 (logged). */
int	 reader_key_new(uint8_t key[READER_KEY_LEN]);

#endif
