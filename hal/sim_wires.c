/*
 * The simulated wires outlive the daemon, as real ones do: a relay stays
 * where it was when the controller restarts.  Their levels are kept in
 * state_dir/sim-wires, rewritten whole in place on every change
 * (sim_wires_save), and every output change is appended to state_dir/sim-wires.log
 * so that a test can prove a restart or a reload did not glitch a lock.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "sim_int.h"

#define SIM_HISTORY_MAX	10000	/* entries in one reply */

const char *const sim_loop_names[4] = {
	[HAL_LOOP_NORMAL] = "normal", [HAL_LOOP_ACTIVE] = "active",
	[HAL_LOOP_CUT] = "cut", [HAL_LOOP_SHORT] = "short",
};

/*
 * Wall-clock milliseconds for the change log, beside the monotonic ones:
 * lib/clock.h has no millisecond wall clock yet.
 */
static uint64_t
sim_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A wire at rest: inputs inactive, loops normal, relays de-energised. */
static void
sim_wire_rest(struct sim *s, int i)
{
	const struct board_point *bp = &s->board->points[i];

	s->w[i].level = bp->kind == BOARD_INPUT ? bp->active_low : 0;
	s->w[i].loop = HAL_LOOP_NORMAL;
}

/* Take one wire's saved level when it makes sense for its point. */
static void
sim_wire_restore(struct sim *s, int i, json_t *v)
{
	const struct board_point *bp = &s->board->points[i];
	const char *str;
	int k;

	if (bp->kind == BOARD_SUPERVISED && (str = json_string_value(v))) {
		for (k = 0; k < 4; k++)
			if (!strcmp(str, sim_loop_names[k]))
				s->w[i].loop = k;
	} else if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= (bp->kind == BOARD_READER ? 3 : 1)) {
		s->w[i].level = (int)json_integer_value(v);
	}
}

/*
 * Set every wire to its saved level, or to rest where none was saved.  A
 * damaged file is reported and the building starts from rest.
 */
int
sim_wires_load(struct sim *s)
{
	json_error_t err;
	json_t *root;
	int i;

	for (i = 0; i < s->board->npoints; i++)
		if (sim_owns(s, i))
			sim_wire_rest(s, i);
	if (access(s->wires_path, F_OK) != 0)
		return errno == ENOENT ? 0 : -1;
	root = json_load_file(s->wires_path, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL || !json_is_object(root)) {
		log_warnx("%s:%d: %s; the wires start from rest",
		    s->wires_path, err.line, root ? "not an object" : err.text);
		json_decref(root);
		return 0;
	}
	for (i = 0; i < s->board->npoints; i++)
		if (sim_owns(s, i))
			sim_wire_restore(s, i,
			    json_object_get(root, s->board->points[i].line));
	json_decref(root);
	return 0;
}

/* The wires as one JSON object keyed by line name. */
static json_t *
sim_wires_json(struct sim *s)
{
	const struct board_point *bp;
	json_t *root = json_object();
	int i;

	for (i = 0; root != NULL && i < s->board->npoints; i++) {
		bp = &s->board->points[i];
		/* A reader's wire is saved only while a line is held low. */
		if (!sim_owns(s, i) || (bp->kind == BOARD_READER &&
		    s->w[i].level == 0))
			continue;
		json_object_set_new(root, bp->line,
		    bp->kind == BOARD_SUPERVISED ?
		    json_string(sim_loop_names[s->w[i].loop]) :
		    json_integer(s->w[i].level));
	}
	return root;
}

/*
 * Write the wires over the file's start, in place, padded with blanks to
 * the file's length (JSON ignores them): one pwrite, no new file, no
 * rename, no truncation and no fsync.  The file stands for wires, which
 * outlive a restart or a crash of the daemon (the page cache keeps the
 * write), and the simulation has no power cut to survive.  A new file
 * renamed into place with an fsync put a disk flush and a journalled
 * metadata change into every simulated output write and input change,
 * which real wires do not have.
 */
int
sim_wires_save(struct sim *s)
{
	char *text, *buf;
	json_t *root;
	size_t len, n;
	struct stat st;
	int rc;

	root = sim_wires_json(s);
	text = root != NULL ? json_dumps(root, JSON_INDENT(1)) : NULL;
	json_decref(root);
	if (text == NULL)
		return -1;
	len = strlen(text);
	if (s->wires_fd == -1) {
		s->wires_fd = open(s->wires_path, O_RDWR | O_CREAT | O_CLOEXEC,
		    0640);
		if (s->wires_fd == -1 || fstat(s->wires_fd, &st) != 0) {
			log_warn("%s", s->wires_path);
			if (s->wires_fd != -1)
				close(s->wires_fd);
			s->wires_fd = -1;
			free(text);
			return -1;
		}
		s->wires_size = (size_t)st.st_size;
	}
	n = len + 1 > s->wires_size ? len + 1 : s->wires_size;
	if ((buf = realloc(text, n)) == NULL) {
		free(text);
		return -1;
	}
	memset(buf + len, ' ', n - len);
	buf[n - 1] = '\n';
	rc = pwrite(s->wires_fd, buf, n, 0) == (ssize_t)n ? 0 : -1;
	free(buf);
	if (rc != 0) {
		log_warn("%s: cannot write", s->wires_path);
		return -1;
	}
	s->wires_size = n;
	return 0;
}

/* Open the output change log for appending. */
int
sim_log_open(struct sim *s)
{
	s->logfd = open(s->log_path, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0640);
	if (s->logfd == -1) {
		log_warn("%s", s->log_path);
		return -1;
	}
	return 0;
}

/* Append "<mono ms> <real ms> <role> <level> <mono us>" for one output
 * change (the microseconds for timing a change to better than the
 * millisecond, last so that readers of the first four keep working). */
void
sim_log_change(struct sim *s, int point, int level)
{
	uint64_t us = clock_mono_us();
	char line[192];
	int n;

	n = snprintf(line, sizeof(line), "%" PRIu64 " %" PRIu64 " %s %d %"
	    PRIu64 "\n", us / 1000, sim_real_ms(),
	    s->board->points[point].role, level, us);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	if (write(s->logfd, line, (size_t)n) != n)
		log_warn("%s", s->log_path);
}

/* One log line as a history entry, or NULL if it is not one. */
static json_t *
sim_history_entry(const char *line, uint64_t seq)
{
	uint64_t mono, real, us;
	char role[BOARD_NAME_MAX];
	int level, n;

	n = sscanf(line, "%" SCNu64 " %" SCNu64 " %63s %d %" SCNu64, &mono,
	    &real, role, &level, &us);
	if (n < 4)
		return NULL;
	if (n < 5)
		us = mono * 1000;	/* a line from before the microseconds */
	return json_pack("{sI sI sI sI ss si}", "seq", (json_int_t)seq,
	    "mono_ms", (json_int_t)mono, "mono_us", (json_int_t)us,
	    "real_ms", (json_int_t)real, "point", role, "level", level);
}

/*
 * Fill reply with the output changes after entry since (entries count
 * from 1, across restarts); "last" is the entry to ask after next time.
 */
int
sim_history(struct sim *s, uint64_t since, json_t *reply)
{
	json_t *list = json_array(), *e;
	char *line = NULL;
	size_t cap = 0;
	uint64_t seq = 0;
	FILE *fp;

	if (list == NULL || (fp = fopen(s->log_path, "r")) == NULL) {
		json_decref(list);
		return -1;
	}
	while (getline(&line, &cap, fp) != -1 &&
	    json_array_size(list) < SIM_HISTORY_MAX) {
		if (++seq <= since)
			continue;
		if ((e = sim_history_entry(line, seq)) != NULL)
			json_array_append_new(list, e);
	}
	free(line);
	fclose(fp);
	json_object_set_new(reply, "history", list);
	json_object_set_new(reply, "last", json_integer((json_int_t)
	    (seq > since ? seq : since)));
	return 0;
}
