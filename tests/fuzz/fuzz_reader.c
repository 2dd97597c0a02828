/*
 * Cards and keypads end to end: Wiegand bits on a reader's lines as the
 * backend hands them to the HAL (hal/hal_report.c: hal_report_wiegand_bit),
 * the HAL's frame decoding (hal/wiegand.c), and what the core makes of
 * the cards, keys and bad frames (src/house/reader.c: the credential lookup,
 * chip + PIN entry at the front door, duress, lockout), on a live daemon
 * (fuzz_daemon.h) with two chips enrolled: A, 26-bit with PIN 1234, and
 * B, 37-bit without.  Each input is a run of two-byte steps: what happens
 * (chip A, chip B, another 26-bit card, a key as a 4- or 8-bit frame,
 * raw bits, time passing) and at which reader or which key or how long.
 * Time is the daemon's: it moves only as the input says, never backward.
 */
#include "clock.h"
#include "fuzz_daemon.h"
#include "hal_backend.h"
#include "wiegand.h"

#define CHIP_A		((1u << 16) | 100u)	/* facility 1, card 100 */
#define CHIP_B		123456789u

static const char *const readers[] = { "front.reader", "garden.reader",
    "office.reader", "corridor-1.reader" };
static uint64_t now_ms;

/* Run the HAL's and the daemon's timers at the current time. */
static void
tick(struct husvagt *h)
{
	hal_tick(h->hal, now_ms);
	loop_timers_run(h, now_ms);
}

/* Send n bits, 2 ms apart, then let the frame end. */
static void
bits(struct husvagt *h, int point, const uint8_t *b, int n, int gap_ms)
{
	int i;

	for (i = 0; i < n; i++) {
		now_ms += 2;
		hal_report_wiegand_bit(h->hal, point, b[i], now_ms * 1000u);
	}
	now_ms += (uint64_t)gap_ms;
	tick(h);
}

static void
card(struct husvagt *h, int point, int format, uint64_t number)
{
	uint8_t b[WIEGAND_MAX_BITS];
	int n = wiegand_encode(format, number, b, WIEGAND_MAX_BITS);

	if (n > 0)
		bits(h, point, b, n, 30);
}

static void
key(struct husvagt *h, int point, int k, int eight)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 4; i++) {
		b[i] = (uint8_t)(((~k) >> (3 - i)) & 1);
		b[4 + i] = (uint8_t)((k >> (3 - i)) & 1);
	}
	if (eight)
		bits(h, point, b, 8, 30);
	else
		bits(h, point, b + 4, 4, 30);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct husvagt *h = fuzz_daemon();
	uint8_t op, arg, raw[8];
	int point, i;

	if (now_ms < clock_mono_ms())
		now_ms = clock_mono_ms();
	while (n > 0) {
		op = fuzz_byte(&data, &n);
		arg = fuzz_byte(&data, &n);
		point = hal_point(h->hal, readers[(op >> 3) & 3]);
		switch (op & 7) {
		case 0:
			card(h, point, 26, CHIP_A);
			break;
		case 1:
			card(h, point, 37, CHIP_B);
			break;
		case 2:
			card(h, point, 26, (uint64_t)arg << 8 | (op >> 5));
			break;
		case 3:
			key(h, point, arg % 16, 0);
			break;
		case 4:
			key(h, point, arg % 16, 1);
			break;
		case 5:
			for (i = 0; i < 8; i++)
				raw[i] = (arg >> i) & 1;
			bits(h, point, raw, 1 + (op >> 5), op & 0x80 ? 60 : 0);
			break;
		default:
			now_ms += (uint64_t)arg * 100u;
			tick(h);
			break;
		}
	}
	now_ms += 60000;	/* every door relocks before the next input */
	tick(h);
	return 0;
}

/* Enrol a chip, as management would. */
static void
enrol(const char *args)
{
	static const struct cmd_actor leder = { .login = "leder",
	    .roles = ROLE_MANAGEMENT, .via = "control" };
	json_t *req = json_loads(args, 0, NULL), *reply;

	reply = cmd_exec(&fuzz_h, &leder, req);
	if (!json_is_true(json_object_get(reply, "ok"))) {
		json_dumpf(reply, stderr, 0);
		abort();
	}
	json_decref(reply);
	json_decref(req);
}

static void
setup(void)
{
	enrol("{\"verb\": \"chip.enrol\", \"args\": {\"holder\": \"staff:anna\","
	    " \"format\": 26, \"facility\": 1, \"card\": 100, \"pin\": \"1234\","
	    " \"zones\": \"entrance,office,corridor-1\"}}");
	enrol("{\"verb\": \"chip.enrol\", \"args\": {\"holder\": \"staff:birgit\","
	    " \"format\": 37, \"number\": 123456789, \"zones\": \"entrance\"}}");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	fuzz_daemon_init(0, setup);
	return 0;
}
