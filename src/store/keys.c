#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "keys.h"
#include "log.h"

/*
 * Labels for the subkeys.  The version lets a later scheme derive new keys
 * from the same device key without ever reusing an old one's MACs.
 */
#define KEYS_LABEL_CARD		"husvagt card v1"
#define KEYS_LABEL_PIN		"husvagt pin v1"
#define KEYS_LABEL_JOURNAL	"husvagt journal v1"

/* HMAC-SHA256(key, msg); 0, or -1 (logged) when OpenSSL fails. */
int
keys_hmac(const uint8_t key[KEYS_LEN], const void *msg, size_t len,
    uint8_t out[KEYS_MAC_LEN])
{
	unsigned int outlen = 0;

	if (HMAC(EVP_sha256(), key, KEYS_LEN, msg, len, out, &outlen) == NULL ||
	    outlen != KEYS_MAC_LEN) {
		log_warnx("keys: HMAC-SHA256 failed");
		return -1;
	}
	return 0;
}

/* Read exactly len bytes; -1 on error or early end of file. */
static int
keys_read_full(int fd, uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = read(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write exactly len bytes; -1 on error. */
static int
keys_write_full(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Make a new file's name durable too: fsync the directory holding it. */
int
keys_sync_dir(const char *path)
{
	char copy[PATH_MAX];
	int fd, rc;

	if (strlen(path) >= sizeof(copy)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(copy, path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * Create a new key file.  O_EXCL means a key that appeared meanwhile is
 * never overwritten: losing the device key would orphan every enrolled chip
 * and every journal MAC.
 */
static int
keys_create(const char *path, uint8_t dev[KEYS_LEN])
{
	int fd;

	if (RAND_bytes(dev, KEYS_LEN) != 1) {
		log_warnx("keys: RAND_bytes failed");
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		log_warn("keys: create %s", path);
		return -1;
	}
	if (keys_write_full(fd, dev, KEYS_LEN) == -1 || fsync(fd) == -1) {
		log_warn("keys: write %s", path);
		goto err_written;
	}
	if (close(fd) == -1) {
		fd = -1;
		log_warn("keys: close %s", path);
		goto err_written;
	}
	if (keys_sync_dir(path) == -1)
		log_warn("keys: sync directory of %s", path);
	log_info("keys: created device key %s", path);
	return 0;

err_written:
	if (fd != -1)
		close(fd);
	unlink(path);
	return -1;
}

/* Check an open key file's type, mode and size before trusting it. */
static int
keys_check(int fd, const char *path)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		log_warn("keys: stat %s", path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		log_warnx("keys: %s is not a regular file", path);
		return -1;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		log_warnx("keys: %s has mode %04o; refusing a key that group "
		    "or others may access (chmod 600)", path,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if (st.st_size != KEYS_LEN) {
		log_warnx("keys: %s is %lld bytes, not %d", path,
		    (long long)st.st_size, KEYS_LEN);
		return -1;
	}
	return 0;
}

/* Read an existing key file; 0, 1 when it does not exist, -1 on error. */
static int
keys_read(const char *path, uint8_t dev[KEYS_LEN])
{
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT)
			return 1;
		log_warn("keys: open %s", path);
		return -1;
	}
	if (keys_check(fd, path) == 0) {
		if (keys_read_full(fd, dev, KEYS_LEN) == 0)
			rc = 0;
		else
			log_warn("keys: read %s", path);
	}
	close(fd);
	return rc;
}

/* Derive the subkeys from the device key. */
static int
keys_derive(struct keys *k, const uint8_t dev[KEYS_LEN])
{
	if (keys_hmac(dev, KEYS_LABEL_CARD, strlen(KEYS_LABEL_CARD),
	    k->card) == -1 ||
	    keys_hmac(dev, KEYS_LABEL_PIN, strlen(KEYS_LABEL_PIN),
	    k->pin) == -1 ||
	    keys_hmac(dev, KEYS_LABEL_JOURNAL, strlen(KEYS_LABEL_JOURNAL),
	    k->journal) == -1)
		return -1;
	return 0;
}

/* Load or create the device key at path and derive the subkeys. */
int
keys_load(struct keys *k, const char *path)
{
	uint8_t dev[KEYS_LEN];
	int rc;

	memset(k, 0, sizeof(*k));
	rc = keys_read(path, dev);
	if (rc == 1)
		rc = keys_create(path, dev);
	if (rc == 0)
		rc = keys_derive(k, dev);
	/* Only the subkeys stay in memory: a dump of the process then
	 * cannot be used to derive keys for other purposes. */
	OPENSSL_cleanse(dev, sizeof(dev));
	if (rc != 0)
		keys_wipe(k);
	return rc == 0 ? 0 : -1;
}

/* Overwrite the subkeys. */
void
keys_wipe(struct keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

/* Store v as 8 bytes big-endian at p, so the encoding is the same on
 * every board whatever its byte order. */
static void
keys_put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/*
 * HMAC-SHA256(card key, format byte || number).  Should OpenSSL fail, the
 * MAC is all zero bytes: it matches no enrolled chip, so the failure
 * denies rather than grants.
 */
void
keys_card_mac(const struct keys *k, int format, uint64_t number,
    uint8_t out[KEYS_MAC_LEN])
{
	uint8_t msg[9];

	msg[0] = (uint8_t)format;
	keys_put_be64(msg + 1, number);
	if (keys_hmac(k->card, msg, sizeof(msg), out) == -1)
		memset(out, 0, KEYS_MAC_LEN);
	OPENSSL_cleanse(msg, sizeof(msg));
}

/*
 * HMAC-SHA256(pin key, credential id || PIN digits).  The id is in the
 * MAC so that two chips with the same PIN do not share a MAC, and a PIN
 * MAC copied to another row does not work there.
 */
void
keys_pin_mac(const struct keys *k, int64_t cred_id, const char *pin,
    uint8_t out[KEYS_MAC_LEN])
{
	uint8_t msg[8 + 16];
	size_t n = strnlen(pin, sizeof(msg) - 8);

	keys_put_be64(msg, (uint64_t)cred_id);
	memcpy(msg + 8, pin, n);
	if (keys_hmac(k->pin, msg, 8 + n, out) == -1)
		memset(out, 0, KEYS_MAC_LEN);
	OPENSSL_cleanse(msg, sizeof(msg));
}

/* Constant-time comparison of two MACs: 1 when equal, else 0. */
int
keys_mac_equal(const uint8_t *a, const uint8_t *b)
{
	return CRYPTO_memcmp(a, b, KEYS_MAC_LEN) == 0;
}
