/*
 * Test helpers that run the Modbus slave simulator (build/modbus-sim) and
 * a socat pty pair as child processes and talk to them line by line, with
 * a time limit on every read so that a stuck child fails a test instead
 * of hanging it.
 */
#ifndef HUSVAGT_TEST_MBSIM_PROC_H
#define HUSVAGT_TEST_MBSIM_PROC_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MBSIM_WRITES_MAX	64

/* One "write coils ADDR COUNT US" line the simulator printed. */
struct mbsim_write {
	int			 addr, count;
	unsigned long long	 us;
};

/* A child process with a line reader on its output. */
struct mbsim_proc {
	pid_t			 pid;
	int			 in;	/* its stdin; -1 if not piped */
	int			 out;	/* its stdout or stderr */
	char			 buf[4096];
	size_t			 len;
	int			 port;	/* TCP: where it listens */
	struct mbsim_write	 writes[MBSIM_WRITES_MAX];
	int			 nwrites;
};

/*
 * Start argv[0] with its stdin piped from us (unless no_stdin) and its
 * stdout (or stderr, for socat) piped to us.
 */
static inline int
mbsim_proc_spawn(struct mbsim_proc *p, char *const argv[], int use_stderr,
    int no_stdin)
{
	int in[2] = { -1, -1 }, out[2];

	memset(p, 0, sizeof(*p));
	p->in = -1;
	if ((!no_stdin && pipe2(in, O_CLOEXEC) == -1) ||
	    pipe2(out, O_CLOEXEC) == -1)
		return -1;
	if ((p->pid = fork()) == -1)
		return -1;
	if (p->pid == 0) {
		if (!no_stdin)
			dup2(in[0], STDIN_FILENO);
		dup2(out[1], use_stderr ? STDERR_FILENO : STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	if (!no_stdin) {
		close(in[0]);
		p->in = in[1];
	}
	close(out[1]);
	p->out = out[0];
	return 0;
}

/* Note a "write coils" line; returns 1 if it was one. */
static inline int
mbsim_proc_note(struct mbsim_proc *p, const char *line)
{
	struct mbsim_write w;

	if (sscanf(line, "write coils %d %d %llu", &w.addr, &w.count,
	    &w.us) != 3)
		return 0;
	if (p->nwrites < MBSIM_WRITES_MAX)
		p->writes[p->nwrites++] = w;
	return 1;
}

/* The next line of output, waiting at most ms; -1 on timeout or EOF. */
static inline int
mbsim_proc_line(struct mbsim_proc *p, char *line, size_t size, int ms)
{
	struct pollfd pfd = { .fd = p->out, .events = POLLIN };
	char *nl;
	ssize_t r;
	size_t n;

	while ((nl = memchr(p->buf, '\n', p->len)) == NULL) {
		if (p->len == sizeof(p->buf) || poll(&pfd, 1, ms) != 1)
			return -1;
		r = read(p->out, p->buf + p->len, sizeof(p->buf) - p->len);
		if (r <= 0)
			return -1;
		p->len += (size_t)r;
	}
	n = (size_t)(nl - p->buf);
	memcpy(line, p->buf, n < size ? n : size - 1);
	line[n < size ? n : size - 1] = '\0';
	p->len -= n + 1;
	memmove(p->buf, nl + 1, p->len);
	return 0;
}

/*
 * Send one command and read its reply; "write coils" lines that come
 * first are recorded, not taken for the reply.
 */
static inline int
mbsim_proc_cmd(struct mbsim_proc *p, const char *cmd, char *reply,
    size_t size)
{
	size_t n = strlen(cmd);

	if (write(p->in, cmd, n) != (ssize_t)n || write(p->in, "\n", 1) != 1)
		return -1;
	do {
		if (mbsim_proc_line(p, reply, size, 5000) != 0)
			return -1;
	} while (mbsim_proc_note(p, reply));
	return 0;
}

/* Start the simulator with args (NULL-ended); wait for "ready". */
static inline int
mbsim_proc_start(struct mbsim_proc *p, const char *path, const char **args)
{
	char *argv[24], line[256];
	int n = 0;

	argv[n++] = (char *)path;
	while (*args != NULL && n < 23)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	if (mbsim_proc_spawn(p, argv, 0, 0) != 0)
		return -1;
	for (;;) {
		if (mbsim_proc_line(p, line, sizeof(line), 5000) != 0)
			return -1;
		if (!strcmp(line, "ready"))
			return 0;
		sscanf(line, "listening %*[^:]:%d", &p->port);
	}
}

/* Stop the child and reap it. */
static inline void
mbsim_proc_stop(struct mbsim_proc *p)
{
	if (p->pid <= 0)
		return;
	kill(p->pid, SIGTERM);
	waitpid(p->pid, NULL, 0);
	if (p->in >= 0)
		close(p->in);
	close(p->out);
	p->pid = 0;
}

/*
 * Start `socat -d -d pty,raw,echo=0 pty,raw,echo=0` and read the two pty
 * names it prints on stderr; returns 0 once it moves data.
 */
static inline int
socat_pair_start(struct mbsim_proc *p, const char *socat, char a[64],
    char b[64])
{
	char *argv[] = { (char *)socat, "-d", "-d", "pty,raw,echo=0",
	    "pty,raw,echo=0", NULL };
	char line[256], *s;
	int n = 0;

	if (mbsim_proc_spawn(p, argv, 1, 1) != 0)
		return -1;
	while (mbsim_proc_line(p, line, sizeof(line), 5000) == 0) {
		if ((s = strstr(line, "PTY is ")) != NULL)
			snprintf(n++ == 0 ? a : b, 64, "%s", s + 7);
		else if (strstr(line, "starting data transfer") != NULL)
			return n == 2 ? 0 : -1;
	}
	return -1;
}

#endif
