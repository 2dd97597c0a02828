/*
 * Reader keys; see reader_key.h.  A role names the file, so only roles
 * made of letters, digits, '.', '-' and '_' are accepted: a role can
 * never reach outside the readers folder.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "log.h"
#include "reader_key.h"

#define READER_KEY_PATH_MAX	512

/* The key file's path (and its folder's); -1 for a role unfit for one. */
static int
reader_key_path(const char *dir, const char *role, char *path, size_t len,
    char *folder, size_t flen)
{
	const char *c;

	if (role[0] == '\0' || role[0] == '.')
		return -1;
	for (c = role; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' ||
		    *c == '_'))
			return -1;
	if ((size_t)snprintf(folder, flen, "%s/readers", dir) >= flen ||
	    (size_t)snprintf(path, len, "%s/%s.key", folder, role) >= len)
		return -1;
	return 0;
}

int
reader_key_load(const char *dir, const char *role,
    uint8_t key[READER_KEY_LEN])
{
	char path[READER_KEY_PATH_MAX], folder[READER_KEY_PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	if (reader_key_path(dir, role, path, sizeof(path), folder,
	    sizeof(folder)) != 0) {
		log_warnx("reader %s: no key file for such a name", role);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT)
			return 0;
		log_warn("reader key %s", path);
		return -1;
	}
	if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0 ||
	    st.st_size != READER_KEY_LEN) {
		log_warnx("reader key %s: must be %d bytes, mode 0600", path,
		    READER_KEY_LEN);
		close(fd);
		return -1;
	}
	n = read(fd, key, READER_KEY_LEN);
	close(fd);
	if (n != READER_KEY_LEN) {
		OPENSSL_cleanse(key, READER_KEY_LEN);
		log_warnx("reader key %s: short read", path);
		return -1;
	}
	return 1;
}

/* Write the whole key to fd and make it durable. */
static int
reader_key_write(int fd, const uint8_t *key)
{
	return write(fd, key, READER_KEY_LEN) == READER_KEY_LEN &&
	    fsync(fd) == 0 ? 0 : -1;
}

int
reader_key_save(const char *dir, const char *role,
    const uint8_t key[READER_KEY_LEN])
{
	char path[READER_KEY_PATH_MAX], folder[READER_KEY_PATH_MAX];
	char tmp[READER_KEY_PATH_MAX + 8];
	int fd, dfd, rc;

	if (reader_key_path(dir, role, path, sizeof(path), folder,
	    sizeof(folder)) != 0 ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp)) {
		log_warnx("reader %s: no key file for such a name", role);
		return -1;
	}
	if (mkdir(folder, 0700) != 0 && errno != EEXIST) {
		log_warn("reader keys %s", folder);
		return -1;
	}
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0) {
		log_warn("reader key %s", tmp);
		return -1;
	}
	rc = reader_key_write(fd, key);
	if (close(fd) != 0)
		rc = -1;
	if (rc != 0 || rename(tmp, path) != 0) {
		log_warn("reader key %s", path);
		unlink(tmp);
		return -1;
	}
	if ((dfd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int
reader_key_new(uint8_t key[READER_KEY_LEN])
{
	if (RAND_bytes(key, READER_KEY_LEN) != 1) {
		log_warnx("reader key: no random bytes");
		return -1;
	}
	return 0;
}
