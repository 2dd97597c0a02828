/*
 * One Modbus TCP write round trip: write 8 coils (function 15, as the HAL
 * writes a module's outputs) and wait for the answer, n times, against a
 * module (tools/modbus-sim in make bench).  The fire bench in run.py puts
 * this figure beside the fire-input -> all-outputs-written latency.
 *
 *   bench_modbus_rtt -p PORT [-h 127.0.0.1] [-n 500]
 *
 * Prints "write 8 coils: median M ms p99 P ms (n N)".
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <modbus.h>

#include "bench_util.h"

#define RTT_COILS	8

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

int
main(int argc, char **argv)
{
	const char *host = "127.0.0.1";
	long port = -1, n = 500;
	modbus_t *ctx;
	uint64_t *ns;
	int c, rc = 1;

	while ((c = getopt(argc, argv, "h:p:n:")) != -1)
		switch (c) {
		case 'h': host = optarg; break;
		case 'p': port = bench_long(optarg); break;
		case 'n': n = bench_long(optarg); break;
		default: return bench_usage("bench_modbus_rtt -p PORT "
		    "[-h HOST] [-n COUNT]");
		}
	if (port < 1 || port > 65535 || n < 1)
		return bench_usage("bench_modbus_rtt -p PORT [-h HOST] "
		    "[-n COUNT]");
	if ((ctx = modbus_new_tcp(host, (int)port)) == NULL ||
	    (ns = calloc((size_t)n, sizeof(*ns))) == NULL)
		return 1;
	modbus_set_slave(ctx, 1);
	if (modbus_connect(ctx) == -1) {
		fprintf(stderr, "bench_modbus_rtt: %s:%ld: %s\n", host, port,
		    modbus_strerror(errno));
		goto out;
	}
	if (rtt_run(ctx, ns, n) == 0) {
		qsort(ns, (size_t)n, sizeof(*ns), bench_cmp_u64);
		printf("write %d coils: median %.3f ms p99 %.3f ms (n %ld)\n",
		    RTT_COILS, bench_pct(ns, n, 50), bench_pct(ns, n, 99), n);
		rc = 0;
	}
	modbus_close(ctx);
out:
	modbus_free(ctx);
	free(ns);
	return rc;
}
