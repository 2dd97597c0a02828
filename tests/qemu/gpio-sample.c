/*
 * Sample gpio-sim "value" files and report every change, to prove that an
 * output did (or did not) move, when, and for how long.  The files are
 * read round after round, with a short sleep between rounds so that the
 * daemon under test still gets the guest's one CPU.
 *
 * Usage: gpio-sample [-t ms] [-n changes] [-p us] [-r READYFILE] VALUE_FILE...
 *   -t  stop after this many milliseconds (default: at SIGTERM/SIGINT)
 *   -n  stop after this many changes (and at the latest after -t)
 *   -p  sleep between rounds, microseconds (default 200)
 *   -r  create READYFILE once the first round is read, so a script can
 *       start what it wants sampled only when sampling has begun
 * Output, on stdout:
 *   start FILE VALUE                 the first value of each file
 *   change MS FILE OLD NEW           MS since the start, to 0.1 ms
 *   end MS ROUNDS CHANGES            when stopped
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

static int
read_value(int fd)
{
	char c;

	if (pread(fd, &c, 1, 0) != 1)
		return -1;
	return c == '1';
}

int
main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec t0, pause = { 0, 200000 };
	const char *ready = NULL;
	long limit_ms = 0, limit_n = 0, rounds = 0, changes = 0;
	int c, i, n, v, *fd, *last;

	while ((c = getopt(argc, argv, "t:n:p:r:")) != -1) {
		switch (c) {
		case 't': limit_ms = atol(optarg); break;
		case 'n': limit_n = atol(optarg); break;
		case 'p': pause.tv_nsec = atol(optarg) * 1000L; break;
		case 'r': ready = optarg; break;
		default: goto usage;
		}
	}
	if ((n = argc - optind) < 1)
		goto usage;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = calloc((size_t)n, sizeof(*fd));
	last = calloc((size_t)n, sizeof(*last));
	if (fd == NULL || last == NULL)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		if ((fd[i] = open(argv[optind + i], O_RDONLY)) == -1 ||
		    (last[i] = read_value(fd[i])) < 0) {
			perror(argv[optind + i]);
			return 1;
		}
		printf("start %s %d\n", argv[optind + i], last[i]);
	}
	fflush(stdout);
	if (ready != NULL)
		close(open(ready, O_WRONLY | O_CREAT, 0644));
	while (!stop && (limit_ms == 0 || ms_since(&t0) < (double)limit_ms) &&
	    (limit_n == 0 || changes < limit_n)) {
		for (i = 0; i < n; i++) {
			if ((v = read_value(fd[i])) < 0 || v == last[i])
				continue;
			printf("change %.1f %s %d %d\n", ms_since(&t0),
			    argv[optind + i], last[i], v);
			fflush(stdout);
			last[i] = v;
			changes++;
		}
		rounds++;
		nanosleep(&pause, NULL);
	}
	printf("end %.1f %ld %ld\n", ms_since(&t0), rounds, changes);
	return 0;
usage:
	fprintf(stderr, "usage: gpio-sample [-t ms] [-n changes] [-p us] "
	    "[-r readyfile] VALUE_FILE...\n");
	return 2;
}
