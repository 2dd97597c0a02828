/*
 * The broker's files on disk (broker_file.c): read whole, replaced
 * atomically through a temporary copy beside them; the password file's
 * entries in Mosquitto's own hash format (broker_file_passwd).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "broker_file.h"
#include "log.h"

#define BROKER_FILE_MAX		(1024 * 1024)
#define BROKER_SALT_LEN		12	/* as mosquitto_passwd */
#define BROKER_HASH_LEN		64
#define BROKER_ITERATIONS	101

/* Read a whole (small) file into a new NUL-terminated buffer. */
char *
broker_file_read(const char *path)
{
	FILE *f;
	char *buf;
	size_t n;

	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	if ((buf = malloc(BROKER_FILE_MAX + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, BROKER_FILE_MAX, f);
	if (ferror(f) || !feof(f)) {
		if (!ferror(f))
			errno = EFBIG;
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/*
 * Make a temporary file beside path (same folder, so that rename(2)
 * replaces path atomically) with path's mode and owner, holding data
 * (path's own content when data is NULL).  Its name goes to tmp.
 */
int
broker_file_tmp(const char *path, const char *data, char *tmp, size_t len)
{
	struct stat sb;
	char *copy = NULL;
	size_t n, off;
	ssize_t w;
	int fd;

	if ((size_t)snprintf(tmp, len, "%s.XXXXXX", path) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (stat(path, &sb) == -1)
		return -1;
	if (data == NULL && (data = copy = broker_file_read(path)) == NULL)
		return -1;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		free(copy);
		return -1;
	}
	/* Mosquitto (another user on the appliance) reads it through its
	 * group: keep the old file's owner, group and mode. */
	if (fchown(fd, sb.st_uid, sb.st_gid) == -1 &&
	    fchown(fd, (uid_t)-1, sb.st_gid) == -1)
		log_debug("staff: %s: cannot keep the owner", tmp);
	if (fchmod(fd, sb.st_mode & 0777) == -1)
		goto err;
	for (n = strlen(data), off = 0; off < n; off += (size_t)w)
		if ((w = write(fd, data + off, n - off)) <= 0) {
			if (w == 0)
				errno = EIO;
			goto err;
		}
	if (close(fd) == -1) {
		fd = -1;
		goto err;
	}
	free(copy);
	return 0;
err:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(copy);
	return -1;
}

/* fsync a file by name (after a child wrote it). */
int
broker_file_fsync(const char *path)
{
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * Mosquitto 2's own password hash, as mosquitto_passwd writes it:
 * "$7$<iterations>$<salt>$<hash>", PBKDF2-HMAC-SHA512 over 12 random salt
 * bytes, 101 iterations, 64 bytes, salt and hash in base64 (OpenSSL's
 * PBKDF2 and encoder).  Made here rather than by running mosquitto_passwd,
 * so that no command waits for a child process.  0 or -1.
 */
static int
broker_file_hash(const char *password, char *out, size_t len)
{
	uint8_t salt[BROKER_SALT_LEN], hash[BROKER_HASH_LEN];
	char s64[4 * ((BROKER_SALT_LEN + 2) / 3) + 1];
	char h64[4 * ((BROKER_HASH_LEN + 2) / 3) + 1];
	int rc = -1;

	if (RAND_bytes(salt, sizeof(salt)) == 1 &&
	    PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt,
	    sizeof(salt), BROKER_ITERATIONS, EVP_sha512(), sizeof(hash),
	    hash) == 1) {
		EVP_EncodeBlock((unsigned char *)s64, salt, sizeof(salt));
		EVP_EncodeBlock((unsigned char *)h64, hash, sizeof(hash));
		rc = snprintf(out, len, "$7$%d$%s$%s", BROKER_ITERATIONS, s64,
		    h64) < (int)len ? 0 : -1;
	}
	explicit_bzero(hash, sizeof(hash));
	return rc;
}

/* Does line (up to its newline) belong to login? */
static bool
broker_file_line_of(const char *line, const char *login)
{
	size_t n = strlen(login);

	return strncmp(line, login, n) == 0 && line[n] == ':';
}

/*
 * The password file at file (a temporary copy the caller renames into
 * place): login's line set to password's hash, or removed (password
 * NULL); every other line kept as it is.  The file keeps its mode and
 * owner.  0 or -1 (logged).
 */
int
broker_file_passwd(const char *file, const char *login,
    const char *password)
{
	char entry[256], *old, *p, *nl;
	FILE *f;
	int fd, rc = 0;

	if ((old = broker_file_read(file)) == NULL && errno != ENOENT)
		return -1;
	if (password != NULL && broker_file_hash(password, entry,
	    sizeof(entry)) == -1) {
		log_warnx("staff: cannot hash %s's broker password", login);
		free(old);
		return -1;
	}
	if ((fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		log_warn("staff: %s", file);
		if (fd != -1)
			close(fd);
		free(old);
		return -1;
	}
	for (p = old; p != NULL && *p != '\0'; p = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (!broker_file_line_of(p, login) && fprintf(f, "%.*s\n",
		    (int)(nl != NULL ? nl - p : (ptrdiff_t)strlen(p)), p) < 0)
			rc = -1;
	}
	if (password != NULL && fprintf(f, "%s:%s\n", login, entry) < 0)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	explicit_bzero(entry, sizeof(entry));
	free(old);
	if (rc == -1)
		log_warn("staff: %s", file);
	return rc;
}

/* Whether the password file has an entry for login. */
bool
broker_file_has(const char *text, const char *login)
{
	size_t n = strlen(login);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (!strncmp(p, login, n) && p[n] == ':')
			return true;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return false;
}

