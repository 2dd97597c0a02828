/*
 * One Modbus TCP write round trip: write 8 coils (function 15, as the HAL
 * writes a module's outputs) and wait for the answer, n times, against a
 * module (tools/modbus-sim in make bench).  The fire bench in run.py puts
 * this figure beside the fire-input -> all-outputs-written latency.
 *
 * With more than one -p, also the fan-out the HAL's flush makes (hal.c,
 * hal_flush; modbus.c, mb_write_send and mb_write_wait): the write
 * request sent to every module, then every answer awaited, timed from
 * the first request sent to the last answer received, n times.
 *
 *   bench_modbus_rtt -p PORT [-p PORT ...] [-h 127.0.0.1] [-n 500]
 *
 * Prints "write 8 coils: median M ms p99 P ms (n N)" (the first port),
 * and with more ports "fan-out K modules, requests sent: ..." (the first
 * request sent to the last) and "fan-out K modules: ..." (to the last
 * answer).
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <modbus.h>

#include "bench_util.h"

#define RTT_COILS	8
#define RTT_PORTS	8

static int
rtt_run(modbus_t *ctx, uint64_t *ns, long n)
{
	uint8_t bits[RTT_COILS];
	uint64_t t0;
	long i;
	int k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < RTT_COILS; k++)
			bits[k] = (uint8_t)((i + k) & 1);
		t0 = bench_ns();
		if (modbus_write_bits(ctx, 0, RTT_COILS, bits) != RTT_COILS) {
			fprintf(stderr, "bench_modbus_rtt: write: %s\n",
			    modbus_strerror(errno));
			return -1;
		}
		ns[i] = bench_ns() - t0;
	}
	return 0;
}

/* The HAL's fan-out: every request sent, then every answer read. */
static int
rtt_fanout(modbus_t **ctx, int nctx, uint64_t *ns, uint64_t *sent, long n)
{
	uint8_t req[8], rsp[MODBUS_MAX_ADU_LENGTH];
	uint64_t t0;
	long i;
	int c;

	for (i = 0; i < n; i++) {
		req[1] = MODBUS_FC_WRITE_MULTIPLE_COILS;
		req[2] = 0;		/* address 0 */
		req[3] = 0;
		req[4] = 0;		/* RTT_COILS coils */
		req[5] = RTT_COILS;
		req[6] = 1;		/* one byte of them */
		req[7] = (uint8_t)(i & 1 ? 0xaa : 0x55);
		t0 = bench_ns();
		for (c = 0; c < nctx; c++) {
			req[0] = (uint8_t)modbus_get_slave(ctx[c]);
			if (modbus_send_raw_request(ctx[c], req, 8) == -1)
				goto fail;
		}
		sent[i] = bench_ns() - t0;
		for (c = 0; c < nctx; c++)
			if (modbus_receive_confirmation(ctx[c], rsp) == -1)
				goto fail;
		ns[i] = bench_ns() - t0;
	}
	return 0;
fail:
	fprintf(stderr, "bench_modbus_rtt: fan-out: %s\n",
	    modbus_strerror(errno));
	return -1;
}

static void
rtt_line(const char *what, uint64_t *ns, long n)
{
	qsort(ns, (size_t)n, sizeof(*ns), bench_cmp_u64);
	printf("%s: median %.3f ms p99 %.3f ms (n %ld)\n", what,
	    bench_pct(ns, n, 50), bench_pct(ns, n, 99), n);
}

int
main(int argc, char **argv)
{
	const char *host = "127.0.0.1";
	long port[RTT_PORTS], n = 500;
	modbus_t *ctx[RTT_PORTS] = { 0 };
	uint64_t *ns, *sent;
	int c, i, nport = 0, rc = 1;
	char what[64];

	while ((c = getopt(argc, argv, "h:p:n:")) != -1)
		switch (c) {
		case 'h': host = optarg; break;
		case 'p':
			if (nport == RTT_PORTS)
				return bench_usage("bench_modbus_rtt: at most "
				    "8 ports");
			port[nport++] = bench_long(optarg);
			break;
		case 'n': n = bench_long(optarg); break;
		default: return bench_usage("bench_modbus_rtt -p PORT "
		    "[-p PORT ...] [-h HOST] [-n COUNT]");
		}
	for (i = 0; i < nport; i++)
		if (port[i] < 1 || port[i] > 65535)
			nport = 0;
	if (nport == 0 || n < 1)
		return bench_usage("bench_modbus_rtt -p PORT [-p PORT ...] "
		    "[-h HOST] [-n COUNT]");
	ns = calloc((size_t)n, sizeof(*ns));
	sent = calloc((size_t)n, sizeof(*sent));
	if (ns == NULL || sent == NULL)
		return 1;
	for (i = 0; i < nport; i++) {
		if ((ctx[i] = modbus_new_tcp(host, (int)port[i])) == NULL)
			goto out;
		modbus_set_slave(ctx[i], 1);
		if (modbus_connect(ctx[i]) == -1) {
			fprintf(stderr, "bench_modbus_rtt: %s:%ld: %s\n", host,
			    port[i], modbus_strerror(errno));
			goto out;
		}
	}
	if (rtt_run(ctx[0], ns, n) != 0)
		goto out;
	snprintf(what, sizeof(what), "write %d coils", RTT_COILS);
	rtt_line(what, ns, n);
	if (nport > 1) {
		if (rtt_fanout(ctx, nport, ns, sent, n) != 0)
			goto out;
		snprintf(what, sizeof(what), "fan-out %d modules, requests "
		    "sent", nport);
		rtt_line(what, sent, n);
		snprintf(what, sizeof(what), "fan-out %d modules", nport);
		rtt_line(what, ns, n);
	}
	rc = 0;
out:
	for (i = 0; i < nport; i++)
		if (ctx[i] != NULL) {
			modbus_close(ctx[i]);
			modbus_free(ctx[i]);
		}
	free(ns);
	free(sent);
	return rc;
}
