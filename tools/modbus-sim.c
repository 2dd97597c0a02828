/*
 * modbus-sim: a Modbus slave that stands in for a remote I/O module in
 * tests and benchmarks.  One process, one poll loop, no threads.
 *
 *   modbus-sim --tcp 127.0.0.1:1502 [--unit 1] [--coils 64] [--inputs 64]
 *              [--registers 16]
 *   modbus-sim --rtu /dev/pts/N [--baud 19200] [--parity N] [--unit 1] ...
 *
 * Commands arrive on standard input, one per line; each gets exactly one
 * reply line on standard output:
 *
 *   set input N 0|1         ok
 *   set register N VALUE    ok
 *   set coil N 0|1          ok   (a module's state before the daemon)
 *   get coil N              coil N V
 *   get input N             input N V
 *   get register N          register N V
 *   coils                   coils 0110...   (coil 0 first)
 *   mute on|off             ok   (stop answering, keep the port open)
 *   stats                   stats requests R reads X writes W dropped D
 *   quit                    bye
 *   anything else           error REASON
 *
 * Unprompted lines: "listening HOST:PORT" (TCP) then "ready" once
 * requests are served, and "write coils ADDR COUNT US" for every coil
 * write served, US being CLOCK_MONOTONIC microseconds when it arrived.
 * End of input ends the program, so a test that dies leaves nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <modbus.h>

#include "clock.h"

#define MBSIM_CLIENTS	16
#define MBSIM_LINE	256

struct mbsim {
	modbus_t		*ctx;
	modbus_mapping_t	*map;
	int			 rtu;
	int			 listen_fd;	/* TCP; -1 for RTU */
	int			 fds[MBSIM_CLIENTS];	/* RTU: fds[0] */
	int			 nfds;
	int			 muted;
	int			 quit;
	unsigned long		 requests, reads, writes, dropped;
	char			 in[MBSIM_LINE];
	size_t			 inlen;
};

struct mbsim_opts {
	const char	*tcp, *rtu;
	int		 baud, unit, coils, inputs, registers;
	char		 parity;
};

/* Print one line and push it out at once: tests wait on each line. */
static void __attribute__((format(printf, 1, 2)))
mbsim_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void
mbsim_usage(void)
{
	fprintf(stderr, "usage: modbus-sim --tcp HOST:PORT | --rtu DEVICE "
	    "[--baud N] [--parity N|E|O]\n"
	    "                  [--unit N] [--coils N] [--inputs N] "
	    "[--registers N]\n");
	exit(2);
}

/* A whole number in [min, max] from an option, or usage. */
static int
mbsim_num(const char *s, int min, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max)
		mbsim_usage();
	return (int)v;
}

static void
mbsim_options(int argc, char **argv, struct mbsim_opts *o)
{
	static const struct option lo[] = {
		{ "tcp", required_argument, NULL, 't' },
		{ "rtu", required_argument, NULL, 'r' },
		{ "baud", required_argument, NULL, 'b' },
		{ "parity", required_argument, NULL, 'p' },
		{ "unit", required_argument, NULL, 'u' },
		{ "coils", required_argument, NULL, 'c' },
		{ "inputs", required_argument, NULL, 'i' },
		{ "registers", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 't': o->tcp = optarg; break;
		case 'r': o->rtu = optarg; break;
		case 'b': o->baud = mbsim_num(optarg, 300, 4000000); break;
		case 'p': o->parity = optarg[0]; break;
		case 'u': o->unit = mbsim_num(optarg, 1, 247); break;
		case 'c': o->coils = mbsim_num(optarg, 1, 65535); break;
		case 'i': o->inputs = mbsim_num(optarg, 1, 65535); break;
		case 'g': o->registers = mbsim_num(optarg, 1, 65535); break;
		default: mbsim_usage();
		}
	}
	if (optind != argc || (o->tcp == NULL) == (o->rtu == NULL) ||
	    strchr("NEO", o->parity) == NULL)
		mbsim_usage();
}

/*
 * Listen on HOST:PORT.  Port 0 takes a free port, which is then printed,
 * so that parallel tests never collide.
 */
static int
mbsim_listen_tcp(struct mbsim *s, const char *hostport)
{
	char host[64];
	const char *colon = strrchr(hostport, ':');
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (colon == NULL || (size_t)(colon - hostport) >= sizeof(host))
		mbsim_usage();
	snprintf(host, sizeof(host), "%.*s", (int)(colon - hostport), hostport);
	s->ctx = modbus_new_tcp(host, mbsim_num(colon + 1, 0, 65535));
	if (s->ctx == NULL ||
	    (s->listen_fd = modbus_tcp_listen(s->ctx, MBSIM_CLIENTS)) == -1) {
		fprintf(stderr, "modbus-sim: listen on %s: %s\n", hostport,
		    modbus_strerror(errno));
		return -1;
	}
	getsockname(s->listen_fd, (struct sockaddr *)&sin, &len);
	mbsim_say("listening %s:%d", host, ntohs(sin.sin_port));
	return 0;
}

/* Open the serial port (or pty) as a slave; RS-485 mode is optional. */
static int
mbsim_open_rtu(struct mbsim *s, const struct mbsim_opts *o)
{
	s->rtu = 1;
	s->ctx = modbus_new_rtu(o->rtu, o->baud, o->parity, 8, 1);
	if (s->ctx == NULL || modbus_set_slave(s->ctx, o->unit) == -1 ||
	    modbus_connect(s->ctx) == -1) {
		fprintf(stderr, "modbus-sim: open %s: %s\n", o->rtu,
		    modbus_strerror(errno));
		return -1;
	}
	(void)modbus_rtu_set_serial_mode(s->ctx, MODBUS_RTU_RS485);
	s->fds[0] = modbus_get_socket(s->ctx);
	s->nfds = 1;
	return 0;
}

/* Take a new TCP client, or refuse it when all slots are taken. */
static void
mbsim_accept(struct mbsim *s)
{
	int fd = accept(s->listen_fd, NULL, NULL);

	if (fd == -1)
		return;
	if (s->nfds == MBSIM_CLIENTS) {
		close(fd);
		return;
	}
	s->fds[s->nfds++] = fd;
}

static void
mbsim_drop_client(struct mbsim *s, int k)
{
	close(s->fds[k]);
	s->fds[k] = s->fds[--s->nfds];
}

/* Print the coil write a request carries, if it is one that was served. */
static void
mbsim_note_write(struct mbsim *s, const uint8_t *q, uint64_t at_us)
{
	int h = modbus_get_header_length(s->ctx);
	int fc = q[h], addr = q[h + 1] << 8 | q[h + 2], n = 1;

	if (fc == MODBUS_FC_WRITE_MULTIPLE_COILS)
		n = q[h + 3] << 8 | q[h + 4];
	else if (fc != MODBUS_FC_WRITE_SINGLE_COIL) {
		s->reads++;
		return;
	}
	s->writes++;
	if (addr + n <= s->map->nb_bits)
		mbsim_say("write coils %d %d %llu", addr, n,
		    (unsigned long long)at_us);
}

/*
 * Serve one request from client k.  A muted module reads the request and
 * says nothing, like a module whose firmware hangs behind a live switch.
 */
static void
mbsim_serve(struct mbsim *s, int k)
{
	uint8_t q[MODBUS_MAX_ADU_LENGTH];
	uint64_t at;
	int rc;

	modbus_set_socket(s->ctx, s->fds[k]);
	rc = modbus_receive(s->ctx, q);
	at = clock_mono_us();
	if (rc == -1) {
		if (!s->rtu)
			mbsim_drop_client(s, k);
		else if (errno == EIO || errno == EBADF)
			s->quit = 1;
		else
			modbus_flush(s->ctx);
		return;
	}
	if (rc == 0)
		return;		/* for another unit on the bus */
	s->requests++;
	if (s->muted) {
		s->dropped++;
		return;
	}
	if (modbus_reply(s->ctx, q, rc, s->map) == -1 && !s->rtu)
		mbsim_drop_client(s, k);
	else
		mbsim_note_write(s, q, at);
}

/* Set or get one value of a table; replies as the header says. */
static void
mbsim_table(struct mbsim *s, const char *verb, const char *table, long n,
    long v, int nargs)
{
	modbus_mapping_t *m = s->map;
	int coil = !strcmp(table, "coil"), input = !strcmp(table, "input");
	int reg = !strcmp(table, "register");
	int size = coil ? m->nb_bits : input ? m->nb_input_bits :
	    reg ? m->nb_input_registers : 0;
	int set = !strcmp(verb, "set");

	if (size == 0 || nargs != (set ? 4 : 3) || n < 0 || n >= size ||
	    v < 0 || v > (reg ? 65535 : 1)) {
		mbsim_say("error bad %s command", verb);
		return;
	}
	if (set) {
		if (coil)
			m->tab_bits[n] = (uint8_t)v;
		else if (input)
			m->tab_input_bits[n] = (uint8_t)v;
		else
			m->tab_input_registers[n] = (uint16_t)v;
		mbsim_say("ok");
		return;
	}
	v = coil ? m->tab_bits[n] : input ? m->tab_input_bits[n] :
	    m->tab_input_registers[n];
	mbsim_say("%s %ld %ld", table, n, v);
}

/* "coils 0110...": every coil, coil 0 first. */
static void
mbsim_coils(struct mbsim *s)
{
	char *buf = malloc((size_t)s->map->nb_bits + 1);
	int i;

	if (buf == NULL) {
		mbsim_say("error out of memory");
		return;
	}
	for (i = 0; i < s->map->nb_bits; i++)
		buf[i] = s->map->tab_bits[i] ? '1' : '0';
	buf[i] = '\0';
	mbsim_say("coils %s", buf);
	free(buf);
}

static void
mbsim_command(struct mbsim *s, const char *line)
{
	char verb[16] = "", arg[16] = "";
	long n = 0, v = 0;
	int k = sscanf(line, "%15s %15s %ld %ld", verb, arg, &n, &v);

	if (k <= 0)
		return;		/* blank line */
	if (!strcmp(verb, "set") || !strcmp(verb, "get"))
		mbsim_table(s, verb, arg, n, v, k);
	else if (!strcmp(verb, "coils") && k == 1)
		mbsim_coils(s);
	else if (!strcmp(verb, "mute") && k == 2 &&
	    (!strcmp(arg, "on") || !strcmp(arg, "off"))) {
		s->muted = !strcmp(arg, "on");
		mbsim_say("ok");
	} else if (!strcmp(verb, "stats") && k == 1)
		mbsim_say("stats requests %lu reads %lu writes %lu dropped %lu",
		    s->requests, s->reads, s->writes, s->dropped);
	else if (!strcmp(verb, "quit") && k == 1) {
		s->quit = 1;
		mbsim_say("bye");
	} else
		mbsim_say("error unknown command '%s'", verb);
}

/* Read what standard input has and run each complete line. */
static void
mbsim_stdin(struct mbsim *s)
{
	ssize_t r = read(STDIN_FILENO, s->in + s->inlen,
	    sizeof(s->in) - 1 - s->inlen);
	char *nl;

	if (r <= 0) {
		s->quit = 1;
		return;
	}
	s->inlen += (size_t)r;
	s->in[s->inlen] = '\0';
	while ((nl = strchr(s->in, '\n')) != NULL && !s->quit) {
		*nl = '\0';
		mbsim_command(s, s->in);
		s->inlen -= (size_t)(nl + 1 - s->in);
		memmove(s->in, nl + 1, s->inlen + 1);
	}
	if (s->inlen == sizeof(s->in) - 1)
		s->inlen = 0;	/* a line too long to be a command */
}

/* The poll set: stdin, the listening socket, then the clients. */
static int
mbsim_pollset(struct mbsim *s, struct pollfd *pfd)
{
	int n = 0, i;

	pfd[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	if (s->listen_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = s->listen_fd,
		    .events = POLLIN };
	for (i = 0; i < s->nfds; i++)
		pfd[n++] = (struct pollfd){ .fd = s->fds[i], .events = POLLIN };
	return n;
}

static void
mbsim_loop(struct mbsim *s)
{
	struct pollfd pfd[MBSIM_CLIENTS + 2];
	int n, i, first;

	while (!s->quit) {
		n = mbsim_pollset(s, pfd);
		if (poll(pfd, (nfds_t)n, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents)
			mbsim_stdin(s);
		first = s->listen_fd >= 0 ? 2 : 1;
		/* Clients last to first: serving may drop one by swapping. */
		for (i = n - 1; i >= first && !s->quit; i--)
			if (pfd[i].revents)
				mbsim_serve(s, i - first);
		if (s->listen_fd >= 0 && pfd[1].revents)
			mbsim_accept(s);
	}
}

int
main(int argc, char **argv)
{
	struct mbsim_opts o = { .baud = 19200, .unit = 1, .coils = 64,
	    .inputs = 64, .registers = 16, .parity = 'N' };
	struct mbsim s = { .listen_fd = -1 };
	int i;

	mbsim_options(argc, argv, &o);
	if ((o.tcp != NULL ? mbsim_listen_tcp(&s, o.tcp) :
	    mbsim_open_rtu(&s, &o)) != 0)
		return 1;
	modbus_set_slave(s.ctx, o.unit);
	s.map = modbus_mapping_new(o.coils, o.inputs, 0, o.registers);
	if (s.map == NULL) {
		fprintf(stderr, "modbus-sim: %s\n", modbus_strerror(errno));
		return 1;
	}
	mbsim_say("ready");
	mbsim_loop(&s);
	if (!s.rtu) {
		/* The context holds whichever client was served last. */
		for (i = 0; i < s.nfds; i++)
			close(s.fds[i]);
		close(s.listen_fd);
		modbus_set_socket(s.ctx, -1);
	}
	modbus_mapping_free(s.map);
	modbus_close(s.ctx);
	modbus_free(s.ctx);
	return 0;
}
