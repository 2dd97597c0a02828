/*
 * Commands: one table of verbs shared by every transport (the control
 * socket and MQTT's cmd topics).  A request is a JSON object
 *
 *	{"verb": "door.release", "args": {"door": "front"}}
 *
 * and a reply is {"ok": true, "result": {...}} or
 * {"ok": false, "error": "<code>", "message": "<what, where, why>"}.
 * Each verb checks its arguments against its schema and the actor's role
 * before anything happens, and every state-changing verb (refusals too) is
 * journalled with the actor.
 */
#ifndef HUSVAGT_CMD_H
#define HUSVAGT_CMD_H

#include <stdint.h>

#include <jansson.h>

#include "role.h"

struct husvagt;
struct door_rt;

struct cmd_actor {
	char		 login[ROLE_LOGIN_MAX + 1];	/* journal actor */
	unsigned	 roles;				/* ROLE_* bits */
	const char	*via;				/* "control", "mqtt" */
	uint64_t	 conn;		/* the connection that asks, to tie
					   waiting work to; 0: none */
};

/* Run one request; returns a new reply object, never NULL. */
json_t *cmd_exec(struct husvagt *, const struct cmd_actor *,
    const json_t *request);
/*
 * A reply that comes later: cmd_exec() returns {"deferred": id} when a
 * verb handed its work to the daemon's worker (house.h, work_hooks); the
 * caller registers itself for job id (work_wait) and sends nothing now.
 */
#define CMD_DEFERRED	"deferred"
json_t	*cmd_deferred(int64_t id);
/* The reply of journal.verify from journal_verify()'s rc and result. */
struct journal_verify;
json_t	*cmd_journal_verify_reply(int rc, const struct journal_verify *);
/* An error reply (new reference). */
json_t *cmd_error(const char *code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The length of s cut to at most max bytes without splitting a UTF-8
 * character, for quoting what a peer sent (jansson refuses a broken one). */
size_t	 cmd_utf8_cut(const char *s, size_t max);
/* One door as the outside sees it (no holder, no card).  New ref. */
json_t	*cmd_door_json(struct husvagt *, struct door_rt *, uint64_t now);
/* NULL if free text for the journal names no resident the register holds
 * an alias of (now or in a stay not yet anonymised); else an error reply
 * ("names_resident") that says which field. */
json_t	*cmd_text_check(struct husvagt *, const char *field, const char *text);

#endif
