/*
 * Send one Wiegand frame on two gpio-sim lines, as a reader would: each
 * bit pulls D0 (a 0) or D1 (a 1) low for a short pulse, the other line
 * staying high.  The lines are driven through gpio-sim's sysfs "pull"
 * attribute, which the kernel turns into edge events on the requested
 * input lines.  A shell is far too slow for this; bit times are kept
 * against CLOCK_MONOTONIC with absolute sleeps, so one late wake-up does
 * not shift every later bit.
 *
 * The frame is encoded by hal/wiegand.c's wiegand_encode(), the encoder
 * the simulator uses: parity as a real reader computes it.
 *
 * Usage: wiegand-pulse [-i interval_us] [-w width_us] D0_PULL D1_PULL
 *            FORMAT NUMBER
 *   FORMAT 26, 34 or 37; NUMBER the payload (26-bit: facility << 16 | card)
 *   D0_PULL, D1_PULL: .../sim_gpioN/pull of the reader's lines
 * Prints the bits sent and the worst lateness to stderr; exit 0 when sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "wiegand.h"

static void
add_us(struct timespec *t, long us)
{
	t->tv_nsec += us * 1000L;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

static long
late_us(const struct timespec *due)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - due->tv_sec) * 1000000L +
	    (now.tv_nsec - due->tv_nsec) / 1000L;
}

static void
sleep_until(const struct timespec *t)
{
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, t, NULL) ==
	    EINTR)
		;
}

static int
pull(int fd, int up)
{
	const char *s = up ? "pull-up" : "pull-down";

	if (pwrite(fd, s, strlen(s), 0) != (ssize_t)strlen(s)) {
		perror("wiegand-pulse: write pull");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	long interval = 2000, width = 100, worst = 0, l;
	struct sched_param sp = { .sched_priority = 50 };
	struct timespec t;
	uint8_t bits[WIEGAND_MAX_BITS];
	int c, fd[2], n, i;

	while ((c = getopt(argc, argv, "i:w:")) != -1) {
		switch (c) {
		case 'i': interval = atol(optarg); break;
		case 'w': width = atol(optarg); break;
		default: goto usage;
		}
	}
	if (argc - optind != 4 || width <= 0 || interval <= width)
		goto usage;
	n = wiegand_encode(atoi(argv[optind + 2]),
	    strtoull(argv[optind + 3], NULL, 0), bits, WIEGAND_MAX_BITS);
	if (n < 0) {
		fprintf(stderr, "wiegand-pulse: cannot encode %s-bit %s\n",
		    argv[optind + 2], argv[optind + 3]);
		return 2;
	}
	for (i = 0; i < 2; i++)
		if ((fd[i] = open(argv[optind + i], O_WRONLY)) == -1) {
			perror(argv[optind + i]);
			return 1;
		}
	/* Best effort: a real-time writer is late less often. */
	(void)mlockall(MCL_CURRENT | MCL_FUTURE);
	(void)sched_setscheduler(0, SCHED_FIFO, &sp);

	if (pull(fd[0], 1) != 0 || pull(fd[1], 1) != 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t);
	add_us(&t, 1000);
	for (i = 0; i < n; i++) {
		sleep_until(&t);
		if ((l = late_us(&t)) > worst)
			worst = l;
		if (pull(fd[bits[i]], 0) != 0)
			return 1;
		add_us(&t, width);
		sleep_until(&t);
		if (pull(fd[bits[i]], 1) != 0)
			return 1;
		add_us(&t, interval - width);
	}
	fprintf(stderr, "wiegand-pulse: %d bits ", n);
	for (i = 0; i < n; i++)
		fputc('0' + bits[i], stderr);
	fprintf(stderr, ", worst lateness %ld us\n", worst);
	return 0;
usage:
	fprintf(stderr, "usage: wiegand-pulse [-i interval_us] [-w width_us] "
	    "D0_PULL D1_PULL FORMAT NUMBER\n");
	return 2;
}
