/*
 * The broker's files on disk (broker_file.c): read whole, replaced
 * atomically through a temporary copy beside them, and the password file
 * changed only by Mosquitto's own mosquitto_passwd.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "broker_file.h"
#include "log.h"

#define BROKER_MOSQUITTO_PASSWD	"/usr/bin/mosquitto_passwd"
#define BROKER_FILE_MAX		(1024 * 1024)
#define BROKER_CHILD_MS		10000

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
 * The child side of broker_file_passwd: the pipe as its input,
 * nothing else open, the daemon's signal mask undone.  Never returns.
 */
static void
broker_file_child(int in, const char *file, const char *login, bool set)
{
	const char *prog = access(BROKER_MOSQUITTO_PASSWD, X_OK) == 0 ?
	    BROKER_MOSQUITTO_PASSWD : "mosquitto_passwd";
	sigset_t all;
	int devnull;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	devnull = open("/dev/null", O_RDWR);
	if (dup2(in, 0) == -1 || devnull == -1 ||
	    dup2(devnull, 1) == -1 || dup2(devnull, 2) == -1)
		_exit(127);
	close_range(3, ~0U, 0);
	if (set)
		execlp(prog, "mosquitto_passwd", file, login, (char *)NULL);
	else
		execlp(prog, "mosquitto_passwd", "-D", file, login,
		    (char *)NULL);
	_exit(127);
}

/* Wait for the child at most BROKER_CHILD_MS; its pid, -1 on an error,
 * or 0 when it hung and was killed. */
static pid_t
broker_file_wait(pid_t pid, int *status)
{
	int waited = 0;
	pid_t r;

	while ((r = waitpid(pid, status, WNOHANG)) == 0 &&
	    waited < BROKER_CHILD_MS) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		waited += 2;
	}
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
		log_warnx("staff: mosquitto_passwd hung; killed");
	}
	return r;
}

/*
 * mosquitto_passwd on file: set login's password (password not NULL, fed
 * twice on a pipe, as to its prompt) or delete login (-D).
 */
int
broker_file_passwd(const char *file, const char *login,
    const char *password)
{
	int pfd[2], status;
	pid_t pid, r;
	char *buf = NULL;
	size_t len = 0;

	if (pipe2(pfd, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0)
		broker_file_child(pfd[0], file, login, password != NULL);
	close(pfd[0]);
	if (password != NULL) {
		len = strlen(password) * 2 + 2;
		if ((buf = malloc(len + 1)) != NULL) {
			snprintf(buf, len + 1, "%s\n%s\n", password, password);
			/* Small: the pipe takes it whole; SIGPIPE is ignored
			 * in the daemon should the child die first. */
			if (write(pfd[1], buf, len) != (ssize_t)len)
				log_warn("staff: mosquitto_passwd: write");
			explicit_bzero(buf, len);
			free(buf);
		}
	}
	close(pfd[1]);
	if ((r = broker_file_wait(pid, &status)) == 0)
		return -1;
	if (r == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warnx("staff: mosquitto_passwd %s%s %s failed (status %d)",
		    password == NULL ? "-D " : "", file, login,
		    r == -1 ? -1 : status);
		return -1;
	}
	return 0;
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

