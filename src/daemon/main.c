/*
 * husvagtd: the access-control and safety controller of one shelter
 * building.  See husvagtd(8).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control.h"
#include "husvagtd.h"
#include "log.h"

static void
usage(void)
{
	fprintf(stderr, "usage: husvagtd [-d] [-c config] [--check-config]\n");
	exit(2);
}

/* Load and cross-check the site configuration and the board file. */
static int
main_load(struct husvagt *h, const char *path, struct diag *d)
{
	if (config_load(&h->cfg, path, d) != 0 && h->cfg.board[0] == '\0')
		return -1;
	if (h->cfg.board[0] != '\0')
		board_load(&h->board, h->cfg.board, d);
	if (d->count == 0)
		doors_check(&h->cfg, &h->board, d);
	return d->count == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check-config", no_argument, NULL, 'C' },
		{ "config", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = "/etc/husvagt/husvagt.conf";
	static struct husvagt h;
	struct diag d = { 0 };
	int ch, check = 0, rc;

	log_init("husvagtd", LOG_LVL_INFO);
	while ((ch = getopt_long(argc, argv, "c:d", opts, NULL)) != -1) {
		switch (ch) {
		case 'C': check = 1; break;
		case 'c': path = optarg; break;
		case 'd': log_set_level(LOG_LVL_DEBUG); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (main_load(&h, path, &d) != 0) {
		fprintf(stderr, "husvagtd: %d error(s) in the configuration; "
		    "%s\n", d.count, check ? "it is not valid" :
		    "refusing to start");
		return 1;
	}
	if (check) {
		printf("%s: valid (%d doors; board %s with %d points)\n",
		    path, h.cfg.ndoors, h.board.name, h.board.npoints);
		return 0;
	}
	setenv("TZ", h.cfg.timezone, 1);
	tzset();
	loop_block_signals();
	if (daemon_start(&h) != 0)
		fatalx("cannot start; see the messages above");
	if ((h.control = control_open(h.cfg.control_socket, &h)) == NULL)
		fatalx("cannot open the control socket %s",
		    h.cfg.control_socket);
	rc = loop_run(&h);
	control_close(h.control);
	daemon_stop(&h);
	return rc == 0 ? 0 : 1;
}
