/*
 * Private to the modbus backend (modbus.c, modbus_image.c): the state of
 * one module.  modbus.c talks to the module; modbus_image.c keeps the
 * module's image (which point sits at which address, what was read, what
 * was commanded) and makes no I/O.
 */
#ifndef HUSVAGT_MODBUS_INT_H
#define HUSVAGT_MODBUS_INT_H

#include <stdint.h>

#include <modbus.h>

#include "hal_backend.h"

#define MB_TABLES	4	/* indexed by enum board_modbus_table */

/* A board point on this module. */
struct mb_ref {
	int		 point;
	enum board_modbus_table table;
	int		 addr;
	int		 last;		/* level or loop reported; -1 */
};

/* The address range one request covers; n is 0 for an unused table. */
struct mb_range {
	int	 lo, hi, n;
};

/*
 * The images index from their range's lo: bits[i] is discrete input
 * r[BOARD_MB_INPUT].lo + i, and so on.
 */
struct mb_priv {
	modbus_t	*ctx;
	int		 connected;
	int		 async;		/* TCP reconnects do not wait */
	int		 pending;	/* connect under way; -1 */
	int		 synced;	/* coils read and restored */
	int		 fault;		/* as last reported */
	int		 found;		/* coils reported as found */
	uint64_t	 next_poll;
	uint32_t	 poll_ms;
	struct mb_ref	*refs;
	int		 nrefs;
	struct mb_range	 r[MB_TABLES];
	uint8_t		*bits;		/* discrete inputs */
	uint16_t	*regs;		/* input registers */
	uint8_t		*coils;		/* as the module has them */
	int8_t		*want;		/* as commanded; -1 never */
	uint8_t		*dirty;		/* commanded, not written */
	char		 reason[64];
	/* a coil write sent, its answer not yet read (write_send) */
	int		 inflight;	/* coils in it; 0: none */
	int		 inflight_lo;
	int		 inflight_fc;	/* its function code */
	uint8_t		 inflight_v[MODBUS_MAX_WRITE_BITS];
};

/* modbus_image.c */
int	 mb_image_build(struct hal_backend *, struct mb_priv *);
void	 mb_image_free(struct mb_priv *);
int	 mb_image_queue(struct hal_backend *, struct mb_priv *,
	     const int *points, const int *levels, int n);
int	 mb_image_span(const struct mb_priv *, int *lo, uint8_t *v);
void	 mb_image_written(struct mb_priv *, int lo, int n,
	     const uint8_t *v);
void	 mb_image_restore(struct mb_priv *);
void	 mb_image_report_found(struct hal_backend *, struct mb_priv *);
void	 mb_image_report(struct hal_backend *, struct mb_priv *,
	     uint64_t now);

#endif
