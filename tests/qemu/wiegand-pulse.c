/*
 * Send one Wiegand frame on two gpio-sim lines, as a reader would: each
 * bit pulls D0 (a 0) or D1 (a 1) low for a short pulse, the other line
 * staying high.  The lines are driven through gpio-sim's sysfs "pull"
 * attribute, which the kernel turns into edge events on the requested
 * input lines.  A shell is far too slow for this; bit times are kept
 * against CLOCK_MONOTONIC with absolute sleeps, so one late wake-up does
 * not shift every later bit; but a bit that was late is followed by a
 * whole gap, not sent at once: the kernel delivers an edge in its irq
 * thread, and two pulses on one line before that thread runs would reach
 * the daemon as one.  The writer runs real-time below the irq threads.
 *
 * The frame is encoded by hal/wiegand.c's wiegand_encode(), the encoder
 * the simulator uses: parity as a real reader computes it.  A frame one
 * of whose prefixes is itself a valid frame (a 4-bit key, a 26-bit card
 * at the start of a 34-bit one) gets a warning: the decoder ends such a
 * prefix after a few bit intervals of silence, and a guest under TCG
 * sometimes pauses that long between two bits, so a test should send
 * numbers without one.
 *
 * Usage: wiegand-pulse [-i interval_us] [-w width_us] D0_PULL D1_PULL
 *            FORMAT NUMBER
 *   FORMAT 26, 34 or 37; NUMBER the payload (26-bit: facility << 16 | card)
 *   D0_PULL, D1_PULL: .../sim_gpioN/pull of the reader's lines
 * Prints the bits sent and the longest interval between two bits to
 * stderr; exit 0 when sent.
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

/* The length of the shortest proper prefix that is a valid frame, or 0. */
static int
valid_prefix(const uint8_t *bits, int n)
{
	struct wiegand w;
	struct wiegand_result r;
	int k, i;

	for (k = 1; k < n; k++) {
		wiegand_init(&w, 50000);
		for (i = 0; i < k; i++)
			wiegand_bit(&w, bits[i], 1000u + (uint64_t)i * 2000u);
		if (wiegand_poll(&w, UINT64_MAX / 2, &r) != WIEGAND_BAD)
			return k;
	}
	return 0;
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
	struct sched_param sp = { .sched_priority = 10 };
	struct timespec t, last;
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
	if ((i = valid_prefix(bits, n)) != 0)
		fprintf(stderr, "wiegand-pulse: warning: the first %d bits are "
		    "a valid frame of their own\n", i);
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
		if (i > 0 && (l = late_us(&last)) > worst)
			worst = l;
		clock_gettime(CLOCK_MONOTONIC, &last);
		if (pull(fd[bits[i]], 0) != 0)
			return 1;
		t = last;
		add_us(&t, width);
		sleep_until(&t);
		if (pull(fd[bits[i]], 1) != 0)
			return 1;
		/* The next bit an interval after this one began, or, when
		 * this one was late, a whole gap after it ended: never two
		 * pulses back to back, which the guest could merge. */
		t = last;
		add_us(&t, interval);
		if (late_us(&t) > -(interval - width)) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			add_us(&t, interval - width);
		}
	}
	fprintf(stderr, "wiegand-pulse: %d bits ", n);
	for (i = 0; i < n; i++)
		fputc('0' + bits[i], stderr);
	fprintf(stderr, ", longest bit interval %ld us\n", worst);
	return 0;
usage:
	fprintf(stderr, "usage: wiegand-pulse [-i interval_us] [-w width_us] "
	    "D0_PULL D1_PULL FORMAT NUMBER\n");
	return 2;
}
