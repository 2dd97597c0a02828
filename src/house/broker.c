/*
 * The broker's password file and ACL, kept in step with the staff table
 * ([mqtt] passwd_path, acl_path), so that a staff login works on the
 * control socket and on the staff consoles' MQTT alike.
 *
 * The password never touches the database, the journal or a command line:
 * its salted PBKDF2 hash, in Mosquitto's own format, is written into a
 * temporary copy of the password file (broker_file_passwd); the copy then
 * replaces the file by rename(2), so that Mosquitto never reads half a
 * file.  The ACL is made of a fixed part (written by husvagt-mqtt-setup:
 * husvagtd's own account, the regional account) up to a marker line, and
 * a staff part below it that is rewritten from the staff table on every
 * change.  The broker is told to reread both with SIGHUP to the pid in
 * [mqtt] broker_pid_file; where husvagtd may not signal it (another user
 * on the appliance), a systemd path unit watching the files reloads it.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "broker.h"
#include "broker_file.h"
#include "clock.h"
#include "house.h"
#include "log.h"
#include "staff_table.h"

#define BROKER_ACL_MARKER \
	"# --- staff logins (husvagtctl staff): everything below is " \
	"rewritten ---"
#define BROKER_RELOAD_DELAY_MS	250

bool
broker_managed(const struct husvagt *h)
{
	return h->cfg.mqtt.passwd_path[0] != '\0' &&
	    h->cfg.mqtt.acl_path[0] != '\0';
}

/* -- the ACL --------------------------------------------------------------- */

/*
 * The ACL's fixed part (up to and including the marker line, which is
 * added when missing) as a new string; *reserved gets the logins it names
 * ("user X" lines), which may not become staff logins.
 */
static char *
broker_acl_head(const char *acl_path, char reserved[][ROLE_LOGIN_MAX + 1],
    int *nreserved)
{
	char *text, *m, *head, *line, *end;
	size_t n;

	if ((text = broker_file_read(acl_path)) == NULL)
		return NULL;
	for (m = text; (m = strstr(m, BROKER_ACL_MARKER)) != NULL; m++)
		if ((m == text || m[-1] == '\n') &&
		    (m[strlen(BROKER_ACL_MARKER)] == '\n' ||
		    m[strlen(BROKER_ACL_MARKER)] == '\0'))
			break;
	n = m != NULL ? (size_t)(m - text) : strlen(text);
	if ((head = malloc(n + strlen(BROKER_ACL_MARKER) + 4)) == NULL) {
		free(text);
		return NULL;
	}
	memcpy(head, text, n);
	head[n] = '\0';
	if (n > 0 && head[n - 1] != '\n')
		strcat(head, "\n");
	if (m == NULL)
		strcat(head, "\n");
	strcat(head, BROKER_ACL_MARKER "\n");
	*nreserved = 0;
	for (line = text; line != NULL && line < text + n; line = end) {
		if ((end = strchr(line, '\n')) != NULL)
			*end++ = '\0';
		if (strncmp(line, "user ", 5) || *nreserved == BROKER_USERS_MAX)
			continue;
		line += 5;
		line[strcspn(line, " \t\r")] = '\0';
		if (strlen(line) <= ROLE_LOGIN_MAX)
			snprintf(reserved[(*nreserved)++], ROLE_LOGIN_MAX + 1,
			    "%s", line);
	}
	free(text);
	return head;
}

/* A growing string; rc is -1 once memory ran out. */
struct broker_text {
	char		*buf;
	size_t		 len, cap;
	int		 rc;
	const char	*site;
};

/* Append s to t. */
static void
broker_cat(struct broker_text *t, const char *s)
{
	size_t n = strlen(s);
	char *nb;

	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		if ((nb = realloc(t->buf, t->cap)) == NULL) {
			t->rc = -1;
			return;
		}
		t->buf = nb;
	}
	memcpy(t->buf + t->len, s, n + 1);
	t->len += n;
}

/* One login's ACL block (tests/system/mqttbroker.py writes the same). */
static void
broker_acl_block(void *arg, const char *login, const char *role)
{
	struct broker_text *t = arg;
	char line[2 * CONFIG_NAME_MAX + 2 * ROLE_LOGIN_MAX + 96];

	snprintf(line, sizeof(line), "\n# %s: %s\nuser %s\n", login, role,
	    login);
	broker_cat(t, line);
	snprintf(line, sizeof(line), "topic write husvagt/%s/cmd/%s/#\n",
	    t->site, login);
	broker_cat(t, line);
	snprintf(line, sizeof(line), "topic read husvagt/%s/reply/%s/#\n",
	    t->site, login);
	broker_cat(t, line);
	snprintf(line, sizeof(line), "topic read husvagt/%s/status\n"
	    "topic read husvagt/%s/state/#\n", t->site, t->site);
	broker_cat(t, line);
	/* The installer sets the building up: doors and state, not who
	 * came and went (event) nor the free rooms (vacancy). */
	if (strcmp(role, "installer")) {
		snprintf(line, sizeof(line), "topic read husvagt/%s/event\n"
		    "topic read husvagt/%s/vacancy\n", t->site, t->site);
		broker_cat(t, line);
	}
}

/*
 * The whole new ACL: the fixed part, then a block per live login of the
 * staff table as this connection sees it (inside a transaction: with the
 * change being made).
 */
static char *
broker_acl_text(struct husvagt *h, const char *head)
{
	struct broker_text t = { .site = h->cfg.name };

	broker_cat(&t, head);
	if (staff_table_each(h->db, broker_acl_block, &t) != 0 || t.rc != 0) {
		free(t.buf);
		return NULL;
	}
	return t.buf;
}

/* -- the broker ------------------------------------------------------------ */

/*
 * The broker in [mqtt] broker_pid_file, if it is Mosquitto: its pid, or 0
 * when not configured or not running.
 */
static long
broker_pid(struct husvagt *h)
{
	char path[64], comm[64];
	char *text;
	FILE *f;
	long pid;

	if (h->cfg.mqtt.broker_pid_file[0] == '\0')
		return 0;
	if ((text = broker_file_read(h->cfg.mqtt.broker_pid_file)) == NULL)
		return 0;
	pid = strtol(text, NULL, 10);
	free(text);
	if (pid <= 1)
		return 0;
	/* A stale pid file must not make us signal someone else. */
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(comm, sizeof(comm), f) == NULL)
		comm[0] = '\0';
	fclose(f);
	return strncmp(comm, "mosquitto", 9) ? 0 : pid;
}

/*
 * Schedule a SIGHUP to the broker.  It is sent BROKER_RELOAD_DELAY_MS later
 * from the loop, so that the reply to the command that caused it has
 * reached the broker first: a login changing its own password is
 * disconnected by the reload and would otherwise never see the answer.
 * Returns 1 when scheduled, 0 when there is no broker to signal.
 */
int
broker_reload(struct husvagt *h)
{
	if (broker_pid(h) == 0)
		return 0;
	if (h->broker_reload_at == 0)
		h->broker_reload_at = clock_mono_ms() + BROKER_RELOAD_DELAY_MS;
	return 1;
}

uint64_t
broker_deadline(struct husvagt *h)
{
	return h->broker_reload_at;
}

void
broker_tick(struct husvagt *h, uint64_t now)
{
	long pid;

	if (h->broker_reload_at == 0 || h->broker_reload_at > now)
		return;
	h->broker_reload_at = 0;
	if ((pid = broker_pid(h)) == 0)
		return;
	if (kill((pid_t)pid, SIGHUP) == -1)
		log_warn("staff: cannot signal the broker (pid %ld); the "
		    "reload unit must", pid);
}


void
broker_change_drop(struct broker_change *c)
{
	if (c->passwd_tmp[0] != '\0')
		unlink(c->passwd_tmp);
	if (c->acl_tmp[0] != '\0')
		unlink(c->acl_tmp);
	c->passwd_tmp[0] = c->acl_tmp[0] = '\0';
	free(c->acl_head);
	c->acl_head = NULL;
}

/* Whether login is taken by the broker's fixed accounts or the daemon. */
bool
broker_reserved(const struct husvagt *h, const struct broker_change *c,
    const char *login)
{
	int i;

	if (!strcmp(login, "root") || !strcmp(login, "system") ||
	    !strcmp(login, h->cfg.mqtt.username))
		return true;
	for (i = 0; i < c->nreserved; i++)
		if (!strcmp(c->reserved[i], login))
			return true;
	return false;
}

/* Read the ACL's fixed part; an error code and message when impossible. */
const char *
broker_change_begin(struct husvagt *h, struct broker_change *c, char *msg,
    size_t len)
{
	memset(c, 0, sizeof(*c));
	if (!broker_managed(h))
		return NULL;
	if ((c->acl_head = broker_acl_head(h->cfg.mqtt.acl_path, c->reserved,
	    &c->nreserved)) == NULL) {
		snprintf(msg, len, "cannot read the broker's ACL %s: %s (run "
		    "husvagt-mqtt-setup)", h->cfg.mqtt.acl_path,
		    strerror(errno));
		return "broker_files";
	}
	return NULL;
}

/* The password file's temporary copy with login set or deleted. */
const char *
broker_change_passwd(struct husvagt *h, struct broker_change *c,
    const char *login, const char *password, char *msg, size_t len)
{
	char *text;
	bool has;

	if ((text = broker_file_read(h->cfg.mqtt.passwd_path)) == NULL) {
		snprintf(msg, len, "cannot read the broker's password file "
		    "%s: %s", h->cfg.mqtt.passwd_path, strerror(errno));
		return "broker_files";
	}
	has = broker_file_has(text, login);
	if (broker_file_tmp(h->cfg.mqtt.passwd_path, text, c->passwd_tmp,
	    sizeof(c->passwd_tmp)) == -1) {
		snprintf(msg, len, "cannot write beside %s: %s",
		    h->cfg.mqtt.passwd_path, strerror(errno));
		c->passwd_tmp[0] = '\0';
		free(text);
		return "broker_files";
	}
	free(text);
	if ((password != NULL || has) &&
	    broker_file_passwd(c->passwd_tmp, login, password) == -1) {
		snprintf(msg, len, "could not update the broker's password "
		    "file");
		return "broker_files";
	}
	if (broker_file_fsync(c->passwd_tmp) == -1) {
		snprintf(msg, len, "cannot write %s: %s", c->passwd_tmp,
		    strerror(errno));
		return "broker_files";
	}
	return NULL;
}

/* The ACL's temporary copy from the table as this transaction sees it. */
const char *
broker_change_acl(struct husvagt *h, struct broker_change *c, char *msg,
    size_t len)
{
	char *text;
	int rc;

	if ((text = broker_acl_text(h, c->acl_head)) == NULL) {
		snprintf(msg, len, "cannot make the ACL");
		return "failed";
	}
	rc = broker_file_tmp(h->cfg.mqtt.acl_path, text, c->acl_tmp,
	    sizeof(c->acl_tmp));
	free(text);
	if (rc == -1 || broker_file_fsync(c->acl_tmp) == -1) {
		snprintf(msg, len, "cannot write beside %s: %s",
		    h->cfg.mqtt.acl_path, strerror(errno));
		if (rc == -1)
			c->acl_tmp[0] = '\0';
		return "broker_files";
	}
	return NULL;
}

/* Put the new files in place (the password file first: a login without
 * ACL lines may do nothing). */
const char *
broker_change_commit(struct husvagt *h, struct broker_change *c, char *msg,
    size_t len)
{
	if (c->passwd_tmp[0] != '\0') {
		if (rename(c->passwd_tmp, h->cfg.mqtt.passwd_path) == -1) {
			snprintf(msg, len, "cannot replace %s: %s",
			    h->cfg.mqtt.passwd_path, strerror(errno));
			return "broker_files";
		}
		c->passwd_tmp[0] = '\0';
	}
	if (c->acl_tmp[0] != '\0') {
		if (rename(c->acl_tmp, h->cfg.mqtt.acl_path) == -1) {
			snprintf(msg, len, "cannot replace %s: %s",
			    h->cfg.mqtt.acl_path, strerror(errno));
			return "broker_files";
		}
		c->acl_tmp[0] = '\0';
	}
	return NULL;
}

/* -- at start ------------------------------------------------------------ */

/*
 * Into c's password copy: drop the password of every login that is
 * neither live in the staff table nor one of the ACL's fixed accounts.
 * 0 (c->passwd_tmp stays empty when nothing goes) or -1.
 */
static int
broker_sync_passwd(struct husvagt *h, struct broker_change *c)
{
	char login[ROLE_LOGIN_MAX + 2], *pw, *line, *end;
	int rc = -1;
	size_t n;

	if ((pw = broker_file_read(h->cfg.mqtt.passwd_path)) == NULL) {
		log_warn("staff: %s", h->cfg.mqtt.passwd_path);
		return -1;
	}
	for (line = pw; line != NULL && *line != '\0'; line = end) {
		if ((end = strchr(line, '\n')) != NULL)
			end++;
		n = strcspn(line, ":\n");
		if (line[n] != ':' || n > ROLE_LOGIN_MAX)
			continue;
		memcpy(login, line, n);
		login[n] = '\0';
		if (!staff_login_ok(login) || broker_reserved(h, c, login) ||
		    staff_table_roles(h->db, login) != 0)
			continue;
		if (c->passwd_tmp[0] == '\0' &&
		    broker_file_tmp(h->cfg.mqtt.passwd_path, NULL, c->passwd_tmp,
		    sizeof(c->passwd_tmp)) == -1) {
			c->passwd_tmp[0] = '\0';
			log_warn("staff: beside %s", h->cfg.mqtt.passwd_path);
			goto out;
		}
		log_info("staff: %s is no staff login: its broker password "
		    "goes", login);
		if (broker_file_passwd(c->passwd_tmp, login, NULL) == -1)
			goto out;
	}
	rc = c->passwd_tmp[0] != '\0' ? broker_file_fsync(c->passwd_tmp) : 0;
out:
	free(pw);
	return rc;
}

/* Into c's ACL copy: the ACL made from the table, when it differs from
 * the file.  0 (c->acl_tmp stays empty when nothing differs) or -1. */
static int
broker_sync_acl(struct husvagt *h, struct broker_change *c)
{
	char *old, *text;
	int rc = 0;

	if ((text = broker_acl_text(h, c->acl_head)) == NULL)
		return -1;
	old = broker_file_read(h->cfg.mqtt.acl_path);
	if ((old == NULL || strcmp(old, text)) &&
	    (broker_file_tmp(h->cfg.mqtt.acl_path, text, c->acl_tmp,
	    sizeof(c->acl_tmp)) == -1 || broker_file_fsync(c->acl_tmp) == -1)) {
		log_warn("staff: beside %s", h->cfg.mqtt.acl_path);
		rc = -1;
	}
	free(old);
	free(text);
	return rc;
}

/*
 * Bring the broker's files in line with the staff table: the ACL's staff
 * part rewritten, and the password of a login that is neither live in the
 * table nor one of the ACL's fixed accounts dropped (a crash between the
 * two files, a database restored from a backup).  Changes nothing when
 * nothing differs.
 */
int
broker_sync(struct husvagt *h)
{
	struct broker_change c;
	char msg[256];
	bool changed;
	int rc = -1;

	if (!broker_managed(h))
		return 0;
	if (broker_change_begin(h, &c, msg, sizeof(msg)) != NULL) {
		log_warnx("staff: %s", msg);
		return -1;
	}
	if (broker_sync_passwd(h, &c) != 0 || broker_sync_acl(h, &c) != 0)
		goto out;
	changed = c.passwd_tmp[0] != '\0' || c.acl_tmp[0] != '\0';
	if (broker_change_commit(h, &c, msg, sizeof(msg)) != NULL) {
		log_warnx("staff: %s", msg);
		goto out;
	}
	if (changed) {
		log_info("staff: the broker's files follow the staff table");
		broker_reload(h);
	}
	rc = 0;
out:
	broker_change_drop(&c);
	return rc;
}
