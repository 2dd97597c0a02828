/*
 * The OSDP frame parser and the Secure Channel layer (hal/osdp_frame.c,
 * hal/osdp_sc.c): whatever comes down an RS-485 line from a reader, a
 * man with a laptop spliced into it, or noise.  The input is the line's
 * bytes, fed one at a time to the receive parser as the backend does.
 * Every frame it hands out is checked against its own LEN and rebuilt
 * byte for byte when it has no MAC; every frame with a MAC goes to a
 * session as the CP keeps one (a fixed key and RND.A), which must refuse
 * it without a change or accept it and yield no more plain text than it
 * carried.  A seal and open of the frame's data between two copies of a
 * session must give the data back.
 */
#include "fuzz_util.h"
#include "osdp_frame.h"
#include "osdp_sc.h"

static struct osdp_sc cp;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t key[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	    11, 12, 13, 14, 15 };
	static const uint8_t rnd_a[8] = { 0xa4, 0x2e, 0x19, 0x5d, 0x53, 0xb1,
	    0xcb, 0xcd };
	static const uint8_t rnd_b[8] = { 0xc3, 0x63, 0x00, 0x6e, 0xb3, 0x36,
	    0x8e, 0x65 };

	(void)argc;
	(void)argv;
	if (osdp_sc_derive(&cp, key, rnd_a) != 0)
		abort();
	osdp_sc_set_rnd_b(&cp, rnd_b);
	if (osdp_sc_start(&cp) != 0)
		abort();
	return 0;
}

/* A frame without a MAC is rebuilt exactly from its fields. */
static void
check_rebuild(const struct osdp_frame *f)
{
	uint8_t out[OSDP_FRAME_MAX];
	size_t n;

	n = osdp_frame_build(out, sizeof(out),
	    (uint8_t)(f->addr | (f->reply ? OSDP_ADDR_REPLY : 0)), f->sqn,
	    f->scb, f->code, f->data, f->dlen);
	if (n != f->len || memcmp(out, f->raw, n) != 0)
		abort();
}

/* Seal the frame's data under one copy of the session, open it under
 * another: the same data must come back and both chains must agree. */
static void
check_seal_open(const struct osdp_frame *f)
{
	struct osdp_sc a = cp, b = cp;
	uint8_t out[OSDP_FRAME_MAX], plain[OSDP_FRAME_MAX];
	struct osdp_frame g;
	const char *why;
	size_t n, pn;
	size_t dlen = f->dlen > 200 ? 200 : f->dlen;

	n = osdp_sc_seal(&a, out, sizeof(out), f->addr, f->sqn, f->reply,
	    f->code, f->data, dlen);
	if (n == 0)
		return;		/* too long for a frame once padded */
	if (osdp_frame_parse(out, n, &g, &why) != 0 ||
	    osdp_sc_open(&b, &g, plain, &pn, &why) != 0 || pn != dlen ||
	    memcmp(plain, f->data, dlen) != 0 ||
	    memcmp(a.icv, b.icv, sizeof(a.icv)) != 0)
		abort();
}

static void
check_frame(const struct osdp_frame *f)
{
	uint8_t plain[OSDP_FRAME_MAX];
	struct osdp_sc before = cp;
	const char *why = NULL;
	size_t pn = 0;

	if (f->len < OSDP_FRAME_MIN || f->len > OSDP_FRAME_MAX ||
	    f->data + f->dlen > f->raw + f->len)
		abort();
	if (f->mac == NULL) {
		check_rebuild(f);
	} else if (osdp_sc_open(&cp, f, plain, &pn, &why) != 0) {
		if (why == NULL || memcmp(&before, &cp, sizeof(cp)) != 0)
			abort();
	} else if (pn > f->dlen) {
		abort();
	}
	check_seal_open(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct osdp_rx rx;
	struct osdp_frame f;
	const char *why;
	size_t i;

	osdp_rx_init(&rx);
	for (i = 0; i < n; i++)
		switch (osdp_rx_byte(&rx, data[i], &f, &why)) {
		case OSDP_RX_FRAME:
			check_frame(&f);
			break;
		case OSDP_RX_BAD:
			if (why == NULL)
				abort();
			break;
		case OSDP_RX_MORE:
			break;
		}
	return 0;
}
