/*
 * Private to the HAL core (hal.c, hal_report.c): the state behind the
 * opaque struct hal.  Backends see only hal_backend.h.
 */
#ifndef HUSVAGT_HAL_INT_H
#define HUSVAGT_HAL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "hal_backend.h"
#include "reader_line.h"
#include "wiegand.h"

#define HAL_REASON_MAX	96

/* What the HAL knows of one board point; -1 means not known. */
struct hal_pt {
	int		 in;		/* logical input or enum hal_loop */
	int		 out;		/* last written logical output */
	int		 level;		/* physical output level, found/written */
	int		 queued;	/* logical output waiting for hal_flush */
	struct wiegand	 wg;		/* readers: the frame being received */
	struct reader_line rl;		/* readers: their lines' health */
};

struct hal {
	const struct board	*board;
	struct hal_params	 params;	/* strings point to the copies */
	char			*state_dir;
	char			*sim_socket;
	hal_event_cb		*cb;
	void			*arg;
	struct hal_backend	 be[BOARD_BACKENDS_MAX];
	int			 nbe;		/* backends open */
	int			 npfd[BOARD_BACKENDS_MAX];	/* last pollfds */
	int			 fault[BOARD_BACKENDS_MAX];
	char			 fault_reason[BOARD_BACKENDS_MAX][HAL_REASON_MAX];
	bool			 opening;	/* inputs found are not changes */
	bool			 announce;	/* faults found while opening */
	uint64_t		 lines_at;	/* next reader line sample; 0:
						   no reader's lines readable */
	int			 wg_timer;	/* timerfd: frames end (hal_timer.c) */
	uint64_t		 wg_armed_us;	/* when it is armed for; 0: not */
	int			 npfd_timer;	/* it is in the last pollfds */
	struct hal_pt		 pt[];		/* one per board point */
};

/* hal_report.c */
struct hal_pt	*hal_pt_of(const struct hal *, int point, enum board_kind);
void		 hal_emit_fault(struct hal *, int backend, const char *reason,
		     uint64_t at_ms);
void		 hal_wiegand_poll(struct hal *, int point, uint64_t now_us);
void		 hal_emit_point(struct hal *, struct hal_event *, int point,
		     uint64_t at_ms);

/* hal_timer.c */
void		 hal_timer_open(struct hal *);
void		 hal_timer_close(struct hal *);
/* Arm the timer and fill one pollfd with it: 1, or 0 without a timer. */
int		 hal_timer_pollfd(struct hal *, struct pollfd *);
void		 hal_timer_dispatch(struct hal *, const struct pollfd *);

/* hal_lines.c */
void		 hal_lines_start(struct hal *);
void		 hal_lines_tick(struct hal *, uint64_t now_ms);

#endif
