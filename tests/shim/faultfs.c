/*
 * A disk that is slow or broken, for tests: an LD_PRELOAD library that
 * makes fsync() and fdatasync() stall or fail, so that a worn SD card
 * and a full disk can be reproduced on any machine.
 *
 *	HUSVAGT_FSYNC_STALL_MS=N	every fsync sleeps N ms first
 *	HUSVAGT_FSYNC_FAIL=EIO|ENOSPC	every fsync fails with that errno
 *	HUSVAGT_FSYNC_MATCH=text	only for files whose path holds text
 *					("husvagt.db": the database and its
 *					WAL, not the simulated wires)
 *	HUSVAGT_FSYNC_CTL=path		read the settings from a file
 *					instead, at every call, so a test can
 *					change them while the process runs:
 *					"stall 2000", "fail EIO", "fail
 *					ENOSPC", "match husvagt.db" or
 *					nothing (one per line)
 *
 * Each stalled call (as its stall begins) or failed call is written to
 * the file named by HUSVAGT_FSYNC_LOG ("stall N" or "fail 0", one line
 * per call), when it is set.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int	fsync(int);
int	fdatasync(int);

struct fault {
	long	stall_ms;
	int	fail;		/* errno, 0: none */
	char	match[128];	/* "": every file */
};

static int
fault_errno(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (strncmp(s, "EIO", 3) == 0)
		return EIO;
	if (strncmp(s, "ENOSPC", 6) == 0)
		return ENOSPC;
	return 0;
}

/* The settings now: from the control file when there is one. */
static void
fault_read(struct fault *f)
{
	const char *ctl = getenv("HUSVAGT_FSYNC_CTL"), *v;
	char buf[256], *line, *save = NULL;
	ssize_t n;
	int fd;

	f->stall_ms = 0;
	f->fail = 0;
	f->match[0] = '\0';
	if (ctl == NULL) {
		if ((v = getenv("HUSVAGT_FSYNC_STALL_MS")) != NULL)
			f->stall_ms = strtol(v, NULL, 10);
		if ((v = getenv("HUSVAGT_FSYNC_FAIL")) != NULL)
			f->fail = fault_errno(v);
		if ((v = getenv("HUSVAGT_FSYNC_MATCH")) != NULL)
			snprintf(f->match, sizeof(f->match), "%s", v);
		return;
	}
	if ((fd = open(ctl, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "stall ", 6) == 0)
			f->stall_ms = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "fail ", 5) == 0)
			f->fail = fault_errno(line + 5);
		else if (strncmp(line, "match ", 6) == 0)
			snprintf(f->match, sizeof(f->match), "%s", line + 6);
	}
}

static void
fault_log(const char *what, long ms)
{
	const char *path = getenv("HUSVAGT_FSYNC_LOG");
	char line[64];
	int fd, n;

	if (path == NULL)
		return;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) < 0)
		return;
	n = snprintf(line, sizeof(line), "%s %ld\n", what, ms);
	if (write(fd, line, (size_t)n) < 0)
		n = 0;
	close(fd);
}

/* Does fd's file hold match in its path? */
static int
fault_matches(int fd, const char *match)
{
	char link[64], path[512];
	ssize_t n;

	if (*match == '\0')
		return 1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof(path) - 1)) < 0)
		return 0;
	path[n] = '\0';
	return strstr(path, match) != NULL;
}

/* Stall and fail as set; 0 to go on with the real call. */
static int
fault_apply(int fd)
{
	struct fault f;
	struct timespec ts;
	int saved = errno;

	fault_read(&f);
	if (!fault_matches(fd, f.match)) {
		errno = saved;
		return 0;
	}
	if (f.stall_ms > 0) {
		fault_log("stall", f.stall_ms);	/* as it begins */
		ts.tv_sec = f.stall_ms / 1000;
		ts.tv_nsec = (f.stall_ms % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	if (f.fail != 0) {
		fault_log("fail", 0);
		errno = f.fail;
		return -1;
	}
	errno = saved;
	return 0;
}

int
fsync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	if (fault_apply(fd) == -1)
		return -1;
	return real(fd);
}

int
fdatasync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	if (fault_apply(fd) == -1)
		return -1;
	return real(fd);
}
