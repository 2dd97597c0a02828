/*
 * A whole husvagtd in the fuzzer's process, for the targets that reach
 * the verbs: the reference building on the sim backend, as `make run`
 * starts it (tools/sim-config), its state on tmpfs.  The daemon keeps
 * what the inputs did (enrolled chips, modes, journal rows), as a real
 * one does; every FUZZ_DAEMON_LIFE inputs it is stopped and started
 * afresh from an empty state folder so that the journal stays small and
 * the runs fast.  A crash may therefore need the inputs before it:
 * libFuzzer's crash file is the last one, and -runs over the whole
 * corpus (as fuzz-check does) reproduces the rest.
 */
#ifndef HUSVAGT_FUZZ_DAEMON_H
#define HUSVAGT_FUZZ_DAEMON_H

#include <stdlib.h>
#include <time.h>

#include "control.h"
#include "fuzz_util.h"
#include "husvagtd.h"
#include "log.h"

#ifndef FUZZ_DAEMON_LIFE
#define FUZZ_DAEMON_LIFE	2000
#endif

static struct husvagt fuzz_h;
static char fuzz_dir[] = "/dev/shm/husvagt-fuzz-XXXXXX";
static char fuzz_conf[128];
static int fuzz_inputs;
static int fuzz_with_control;
static void (*fuzz_setup)(void);	/* run after each start */

/* A shell command, which must succeed. */
static inline void
fuzz_sh(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	if (system(cmd) != 0)
		abort();
}

static inline void
fuzz_daemon_up(void)
{
	struct diag d = { 0 };

	memset(&fuzz_h, 0, sizeof(fuzz_h));
	fuzz_sh("mkdir -p %s/state", fuzz_dir);
	if (config_load(&fuzz_h.cfg, fuzz_conf, &d) != 0 ||
	    board_load(&fuzz_h.board, fuzz_h.cfg.board, &d) != 0 ||
	    doors_check(&fuzz_h.cfg, &fuzz_h.board, &d) != 0 ||
	    daemon_start(&fuzz_h) != 0)
		abort();
	/* No loop runs here to deliver a worker's deferred replies: the
	 * long work (journal verify, export) runs inline, as it does
	 * without a worker, so its code is fuzzed and every reply is one. */
	work_close(&fuzz_h);
	if (fuzz_with_control && (fuzz_h.control = control_open(
	    fuzz_h.cfg.control_socket, &fuzz_h)) == NULL)
		abort();
	if (fuzz_setup != NULL)
		fuzz_setup();
}

static inline void
fuzz_daemon_down(void)
{
	if (fuzz_h.control != NULL)
		control_close(fuzz_h.control);
	fuzz_h.control = NULL;
	daemon_stop(&fuzz_h);
	fuzz_sh("rm -rf %s/state", fuzz_dir);
}

static inline void
fuzz_daemon_exit(void)
{
	fuzz_daemon_down();
	fuzz_sh("rm -rf %s", fuzz_dir);
}

/* Start the daemon (once, from LLVMFuzzerInitialize); setup (or NULL)
 * runs after every start. */
static inline void
fuzz_daemon_init(int with_control, void (*setup)(void))
{
	char cmd[512];

	log_init("fuzz", LOG_LVL_ERR);
	fuzz_with_control = with_control;
	fuzz_setup = setup;
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	snprintf(cmd, sizeof(cmd), "%s/tools/sim-config %s >/dev/null",
	    FUZZ_TOP, fuzz_dir);
	if (system(cmd) != 0)
		abort();
	snprintf(fuzz_conf, sizeof(fuzz_conf), "%s/husvagt.conf", fuzz_dir);
	setenv("TZ", "Europe/Copenhagen", 1);
	tzset();
	fuzz_daemon_up();
	atexit(fuzz_daemon_exit);
}

/* Before each input: a fresh daemon now and then, and its timers. */
static inline struct husvagt *
fuzz_daemon(void)
{
	if (++fuzz_inputs % FUZZ_DAEMON_LIFE == 0) {
		fuzz_daemon_down();
		fuzz_daemon_up();
	}
	loop_timers_run(&fuzz_h, clock_mono_ms());
	return &fuzz_h;
}

/* A reply must be an object with "ok", and an error must say which. */
static inline void
fuzz_reply_check(const json_t *reply)
{
	const json_t *ok = json_object_get(reply, "ok");

	if (!json_is_object(reply) || !json_is_boolean(ok))
		abort();
	if (json_is_false(ok) &&
	    (!json_is_string(json_object_get(reply, "error")) ||
	    !json_is_string(json_object_get(reply, "message"))))
		abort();
}

#endif
