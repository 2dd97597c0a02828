/*
 * A Modbus module's image (hal/modbus_image.c): which address of which
 * table each point sits at, the ranges one request covers, and what the
 * module sends back.  The input describes a module's points (as the board
 * parser lets them through, and some it would not) and then a run of
 * operations in the order modbus.c makes them: commands queued, the
 * covering write built and sent, the coils read back and restored, the
 * inputs and registers read (their values taken from the input) and
 * reported.  The image must never index outside itself, and a span must
 * fit the one write modbus.c gives it.
 *
 * hal.c's services are stood in for here: the image only needs the board
 * and somewhere to report to.
 */
#include <limits.h>

#include "fuzz_util.h"
#include "log.h"
#include "modbus_int.h"

static struct board board;
static int reports;

const struct board *
hal_board(const struct hal *h)
{
	(void)h;
	return &board;
}

void
hal_report_input(struct hal *h, int point, int level, uint64_t at_ms)
{
	(void)h; (void)at_ms;
	if (point < 0 || point >= board.npoints || (level != 0 && level != 1))
		abort();
	reports++;
}

void
hal_report_loop(struct hal *h, int point, enum hal_loop s, uint64_t at_ms)
{
	(void)h; (void)at_ms;
	if (point < 0 || point >= board.npoints || (unsigned)s > HAL_LOOP_SHORT)
		abort();
	reports++;
}

void
hal_report_output(struct hal *h, int point, int level)
{
	(void)h;
	if (point < 0 || point >= board.npoints)
		abort();
	(void)level;
	reports++;
}

static uint16_t
u16(const uint8_t **d, size_t *n)
{
	uint16_t hi = fuzz_byte(d, n);

	return (uint16_t)(hi << 8 | fuzz_byte(d, n));
}

/* Points from the input: kind, table, address, loop thresholds. */
static void
points(const uint8_t **d, size_t *n)
{
	static const enum board_modbus_table tables[] = { BOARD_MB_INPUT,
	    BOARD_MB_REGISTER, BOARD_MB_COIL, BOARD_MB_NONE };
	static const enum board_kind kinds[] = { BOARD_INPUT,
	    BOARD_SUPERVISED, BOARD_OUTPUT, BOARD_READER };
	struct board_point *p;
	int i, np = 1 + fuzz_byte(d, n) % 24;
	uint8_t b;

	memset(&board, 0, sizeof(board));
	board.nbackends = 2;
	for (i = 0; i < np; i++) {
		p = &board.points[board.npoints++];
		snprintf(p->role, sizeof(p->role), "p%d", i);
		b = fuzz_byte(d, n);
		p->backend = (b & 0x80) != 0;	/* some on another module */
		p->kind = kinds[b & 3];
		/* Mostly the table the parser would give the kind. */
		p->table = (b & 0x40) ? tables[(b >> 2) & 3] :
		    tables[b & 3];
		p->address = (b & 0x20) ? (int)u16(d, n) :
		    (int)(fuzz_byte(d, n) % 64);
		if (b == 0xff)
			p->address = -p->address - 1;
		p->loop_short = u16(d, n);
		p->loop_normal = u16(d, n);
		p->loop_active = u16(d, n);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct board_backend cfg = { .name = "io", .type = "modbus" };
	struct hal_backend be = { .cfg = &cfg, .index = 0,
	    .hal = (struct hal *)&board };
	struct mb_priv m;
	uint8_t v[MODBUS_MAX_WRITE_BITS];
	int i, k, lo, span, pts[4], lv[4];
	uint64_t now = 0;

	points(&data, &n);
	memset(&m, 0, sizeof(m));
	if (mb_image_build(&be, &m) != 0)
		goto out;
	while (n > 0) {
		switch (fuzz_byte(&data, &n) % 6) {
		case 0:		/* commands */
			k = 1 + fuzz_byte(&data, &n) % 4;
			for (i = 0; i < k; i++) {
				pts[i] = fuzz_byte(&data, &n) % (board.npoints + 1);
				lv[i] = fuzz_byte(&data, &n) & 1;
			}
			mb_image_queue(&be, &m, pts, lv, k);
			break;
		case 1:		/* the covering write goes out */
			span = mb_image_span(&m, &lo, v);
			if (span < 0 || span > m.r[BOARD_MB_COIL].n ||
			    span > MODBUS_MAX_WRITE_BITS ||
			    (span > 0 && (lo < 0 || lo + span >
			    m.r[BOARD_MB_COIL].n)))
				abort();
			if (span > 0 && (fuzz_byte(&data, &n) & 1))
				mb_image_written(&m, lo, span, v);
			break;
		case 2:		/* coils read back after a reconnect */
			for (i = 0; i < m.r[BOARD_MB_COIL].n; i++)
				m.coils[i] = fuzz_byte(&data, &n) & 1;
			mb_image_restore(&m);
			mb_image_report_found(&be, &m);
			break;
		case 3:		/* discrete inputs read */
			for (i = 0; i < m.r[BOARD_MB_INPUT].n; i++)
				m.bits[i] = fuzz_byte(&data, &n) & 1;
			mb_image_report(&be, &m, now += 100);
			break;
		case 4:		/* input registers read */
			for (i = 0; i < m.r[BOARD_MB_REGISTER].n; i++)
				m.regs[i] = u16(&data, &n);
			mb_image_report(&be, &m, now += 100);
			break;
		case 5:
			mb_image_report(&be, &m, now += 100);
			break;
		}
	}
out:
	mb_image_free(&m);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	log_init("fuzz", LOG_LVL_ERR);
	return 0;
}
