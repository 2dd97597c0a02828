/*
 * Private to the sim backend (sim.c, sim_client.c, sim_ops.c, sim_list.c,
 * sim_wires.c, sim_reader.c): the simulated building's wires, the driver
 * socket's clients and the Wiegand frames waiting to be sent.
 */
#ifndef HUSVAGT_SIM_INT_H
#define HUSVAGT_SIM_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hal_backend.h"

#define SIM_LINE_MAX	(64 * 1024)	/* longest request line */
#define SIM_OUT_PAUSE	(256 * 1024)	/* stop answering until sent */
#define SIM_OUT_MAX	(16 * 1024 * 1024)	/* a client that never reads */
#define SIM_CLIENTS_MAX	16
#define SIM_BACKLOG	64
#define SIM_FRAME_BITS	128		/* longest raw pulse train */
#define SIM_FRAMES_MAX	32		/* frames waiting per reader */
#define SIM_ERR_MAX	256

/* One Wiegand frame waiting to go out on a reader's lines. */
struct sim_frame {
	uint8_t		 bits[SIM_FRAME_BITS];
	int		 n;
	uint32_t	 interval_us;
	uint32_t	 gap_us;	/* silence before it, after the last */
};

/* The frames of one reader, sent one after another in real time. */
struct sim_queue {
	struct sim_frame q[SIM_FRAMES_MAX];
	int		 head, count;
	uint64_t	 last_us;	/* last bit sent; 0: never */
};

/* One simulated wire: what a meter on it would read. */
struct sim_wire {
	int		 level;		/* inputs and outputs: 0/1; readers:
					   data lines held low, bit 0 D0 */
	int		 loop;		/* supervised: enum hal_loop */
	bool		 written;	/* outputs: driven since open */
	struct sim_queue *queue;	/* readers */
};

struct sim_client {
	int		 fd;		/* -1: free slot */
	char		*in;		/* SIM_LINE_MAX + 1 bytes */
	size_t		 inlen;
	char		*out;
	size_t		 outlen, outcap;
	bool		 closing;	/* close once out is sent */
};

struct sim {
	struct hal_backend	*be;
	struct hal		*hal;
	const struct board	*board;
	int			 lfd;
	char			 sock_path[108];
	struct sim_client	 cl[SIM_CLIENTS_MAX];
	struct sim_wire		*w;	/* one per board point */
	char			 wires_path[PATH_MAX];
	int			 wires_fd;	/* written in place */
	size_t			 wires_size;	/* the file's length */
	char			 log_path[PATH_MAX];
	int			 logfd;
};

/* sim.c */
bool	 sim_owns(const struct sim *, int point);

/* sim_client.c */
/* Close one client and free its slot. */
void	 sim_client_close(struct sim_client *);
/* Accept a driver connection into a free slot. */
void	 sim_accept(struct sim *);
/* Read what a client sent and answer its complete lines. */
void	 sim_client_read(struct sim *, struct sim_client *);
/* Answer the complete lines a client's buffer holds. */
void	 sim_client_lines(struct sim *, struct sim_client *);
/* Write what a client's replies still hold. */
void	 sim_client_flush(struct sim_client *);

/* sim_ops.c */
/* Handle one request line; returns the reply's JSON text (free() it). */
char	*sim_request(struct sim *, const char *line, size_t len);
/* Format an error for the reply; returns -1 for the caller to return. */
int	 sim_fail(char *err, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* req[key] as a whole number in [min, max]; 1 when absent, -1 (err). */
int	 sim_arg_int(json_t *req, const char *key, json_int_t min,
	     json_int_t max, json_int_t *out, char *err);

/* The data lines of a reader held low, as ["d0", "d1"]. */
json_t	*sim_held_json(const struct sim *, int point);

/* sim_list.c: the listing requests, as sim_ops.c's ops */
int	 sim_op_outputs(struct sim *, json_t *req, json_t *reply, char *err);
int	 sim_op_inputs(struct sim *, json_t *req, json_t *reply, char *err);
int	 sim_op_points(struct sim *, json_t *req, json_t *reply, char *err);
int	 sim_op_history(struct sim *, json_t *req, json_t *reply, char *err);

/* sim_wires.c */
extern const char *const sim_loop_names[4];
int	 sim_wires_load(struct sim *);
int	 sim_wires_save(struct sim *);
int	 sim_log_open(struct sim *);
void	 sim_log_change(struct sim *, int point, int level);
int	 sim_history(struct sim *, uint64_t since, json_t *reply);

/* sim_reader.c */
int	 sim_reader_send(struct sim *, int point, const struct sim_frame *,
	     int n, bool *queued);
uint64_t sim_reader_deadline(struct sim *);
void	 sim_reader_tick(struct sim *);

#endif
