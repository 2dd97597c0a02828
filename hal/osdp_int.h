/*
 * Private to the OSDP backend (osdp.c: the serial line and the bus's
 * turn-taking; osdp_cp.c: what the Control Panel says to one reader and
 * makes of its replies).
 */
#ifndef HUSVAGT_OSDP_INT_H
#define HUSVAGT_OSDP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "hal_backend.h"
#include "osdp_frame.h"
#include "osdp_sc.h"

#define OSDP_PDS_MAX		16	/* readers on one bus */
#define OSDP_RETRIES		2	/* repeats of an unanswered command */
#define OSDP_REFUSED_RETRY_MS	1000	/* a refused reader is tried again */
#define OSDP_PROBE_MS		1000	/* an offline reader is asked again */
#define OSDP_REASON_MAX		96

enum osdp_phase {
	OSDP_PH_ID,		/* ask for its identity */
	OSDP_PH_CAP,		/* ask for its capabilities */
	OSDP_PH_CHLNG,		/* start the Secure Channel */
	OSDP_PH_SCRYPT,		/* answer its cryptogram */
	OSDP_PH_KEYSET,		/* install: give it its key */
	OSDP_PH_ONLINE,		/* poll it, send it LED and buzzer */
	OSDP_PH_REFUSED,	/* enforced and failed: wait, then retry */
};

/* One reader on the bus. */
struct osdp_pd {
	int		 point;
	uint8_t		 addr;
	enum osdp_phase	 phase;
	int		 sqn;		/* of the last command sent */
	struct osdp_sc	 sc;
	bool		 secure;	/* the Secure Channel is up */
	bool		 has_key;	/* enforced: SC or nothing */
	uint8_t		 scbk[OSDP_KEY_LEN];
	bool		 use_default;	/* this set-up uses SCBK-D */
	bool		 chlng_again;	/* the same set-up, with SCBK-D */
	uint64_t	 install_until;	/* 0: no install window */
	uint8_t		 new_key[OSDP_KEY_LEN];
	bool		 keyset_sent;	/* this install sent new_key */
	bool		 use_new;	/* this set-up uses new_key */
	uint64_t	 last_reply;	/* ms of its last good reply */
	bool		 missed;	/* a reply deadline passed since */
	uint64_t	 retry_at;	/* OSDP_PH_REFUSED: when to try again */
	uint64_t	 probe_at;	/* offline: when it is asked again */
	int		 tries;		/* unanswered sends of last_tx */
	uint8_t		 last_tx[OSDP_FRAME_MAX];	/* sent again as is */
	size_t		 last_len;
	uint8_t		 last_code;
	bool		 sc_capable;	/* its PDCAP lists function 9 */
	char		 ident[80];	/* from its osdp_PDID */
	uint64_t	 told;		/* hash of the identity last reported */
	/* The fault the core was last told of ("" none), and its causes. */
	char		 fault[OSDP_REASON_MAX];
	bool		 offline, tamper, power, refused;
	char		 refused_why[OSDP_REASON_MAX];
	/* Output queued for the next turn. */
	uint8_t		 led[14];
	bool		 led_pending;
	uint8_t		 buz[5];
	bool		 buz_pending;
	bool		 output_last;	/* the last command was one of them */
};

struct osdp_bus {
	struct hal_backend *be;
	int		 fd;		/* -1 while the line cannot be opened */
	uint64_t	 reopen_at;
	struct osdp_rx	 rx;
	struct osdp_pd	 pd[OSDP_PDS_MAX];
	int		 npd;
	int		 cur;		/* reader whose turn it is */
	int		 tx_pd;		/* reader of the command in flight */
	bool		 waiting;	/* a command is out, its reply due */
	uint64_t	 deadline;	/* of that reply (ms) */
	uint64_t	 sent_us;	/* when that command was written */
	uint64_t	 free_us;	/* when the line may carry the next */
	uint64_t	 next_us;	/* when the next command goes */
	bool		 round_idle;	/* this round: only POLLs and ACKs */
	int		 tfd;		/* timerfd armed at next_us, or -1 */
	uint64_t	 armed_us;	/* what it is armed at (0: not) */
	bool		 timer_polled;	/* it is in the loop's descriptors */
	uint8_t		 tx[OSDP_FRAME_MAX];
	size_t		 txlen, txoff;
	uint8_t		 tx_code;	/* command in flight */
};

/* osdp_cp.c */
/*
 * Where the CP's random numbers (each set-up's RND.A) come from:
 * OpenSSL's RAND_bytes.  A test replaying a recorded session sets its
 * own, so that every frame the CP writes can be compared byte for byte
 * with the recording; 1 on success, as RAND_bytes.
 */
extern int (*osdp_cp_random)(unsigned char *, int);
size_t	 osdp_cp_next(struct osdp_bus *, struct osdp_pd *, uint64_t now);
void	 osdp_cp_reply(struct osdp_bus *, struct osdp_pd *,
	    const struct osdp_frame *, uint64_t now);
void	 osdp_cp_silent(struct osdp_bus *, struct osdp_pd *, uint64_t now);
void	 osdp_cp_restart(struct osdp_pd *);
void	 osdp_cp_signal(struct osdp_pd *, enum hal_signal);
bool	 osdp_cp_output_next(const struct osdp_pd *);

#endif
