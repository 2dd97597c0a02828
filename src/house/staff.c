/*
 * Staff logins kept by husvagtd (husvagtctl staff add|remove|passwd|list):
 * a row per login and role in the staff table, and, where the site's
 * [mqtt] section names them, the broker's password file and ACL, so that
 * the same login works on the control socket and on the staff consoles'
 * MQTT.  The [staff] logins of the configuration stay as bootstrap logins
 * beside them (husvagt_roles_of takes both).
 *
 * The password never touches the database, the journal or a command line:
 * it goes on a pipe to mosquitto_passwd, which writes Mosquitto's salted
 * PBKDF2 hash into a temporary copy of the password file; the copy then
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

#include "clock.h"
#include "db.h"
#include "house.h"
#include "log.h"

#define STAFF_MOSQUITTO_PASSWD	"/usr/bin/mosquitto_passwd"
#define STAFF_ACL_MARKER \
	"# --- staff logins (husvagtctl staff): everything below is " \
	"rewritten ---"
#define STAFF_FILE_MAX		(1024 * 1024)
#define STAFF_CHILD_MS		10000
#define STAFF_USERS_MAX		256
#define STAFF_RELOAD_DELAY_MS	250

bool
staff_login_ok(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len > ROLE_LOGIN_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

bool
staff_broker_managed(const struct husvagt *h)
{
	return h->cfg.mqtt.passwd_path[0] != '\0' &&
	    h->cfg.mqtt.acl_path[0] != '\0';
}

unsigned
staff_roles(sqlite3 *db, const char *login)
{
	sqlite3_stmt *st;
	unsigned roles = 0;

	if (db == NULL || db_prepare(db, "SELECT role FROM staff WHERE "
	    "login = ?1 AND removed_at IS NULL", &st) == -1)
		return 0;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		roles |= role_parse((const char *)
		    sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return roles;
}

/* -- files ---------------------------------------------------------------- */

/* Read a whole (small) file into a new NUL-terminated buffer. */
static char *
staff_read_file(const char *path)
{
	FILE *f;
	char *buf;
	size_t n;

	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	if ((buf = malloc(STAFF_FILE_MAX + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, STAFF_FILE_MAX, f);
	if (ferror(f) || !feof(f)) {
		if (!ferror(f))
			errno = EFBIG;
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/*
 * Make a temporary file beside path (same folder, so that rename(2)
 * replaces path atomically) with path's mode and owner, holding data
 * (path's own content when data is NULL).  Its name goes to tmp.
 */
static int
staff_tmp_file(const char *path, const char *data, char *tmp, size_t len)
{
	struct stat sb;
	char *copy = NULL;
	size_t n, off;
	ssize_t w;
	int fd;

	if ((size_t)snprintf(tmp, len, "%s.XXXXXX", path) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (stat(path, &sb) == -1)
		return -1;
	if (data == NULL && (data = copy = staff_read_file(path)) == NULL)
		return -1;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		free(copy);
		return -1;
	}
	/* Mosquitto (another user on the appliance) reads it through its
	 * group: keep the old file's owner, group and mode. */
	if (fchown(fd, sb.st_uid, sb.st_gid) == -1 &&
	    fchown(fd, (uid_t)-1, sb.st_gid) == -1)
		log_debug("staff: %s: cannot keep the owner", tmp);
	if (fchmod(fd, sb.st_mode & 0777) == -1)
		goto err;
	for (n = strlen(data), off = 0; off < n; off += (size_t)w)
		if ((w = write(fd, data + off, n - off)) <= 0) {
			if (w == 0)
				errno = EIO;
			goto err;
		}
	if (close(fd) == -1) {
		fd = -1;
		goto err;
	}
	free(copy);
	return 0;
err:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(copy);
	return -1;
}

/* fsync a file by name (after a child wrote it). */
static int
staff_fsync(const char *path)
{
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * mosquitto_passwd on file: set login's password (password not NULL, fed
 * twice on a pipe, as to its prompt) or delete login (-D).
 */
static int
staff_mosquitto_passwd(const char *file, const char *login,
    const char *password)
{
	const char *prog = access(STAFF_MOSQUITTO_PASSWD, X_OK) == 0 ?
	    STAFF_MOSQUITTO_PASSWD : "mosquitto_passwd";
	int pfd[2], status, waited = 0, devnull;
	sigset_t all;
	pid_t pid, r;
	char *buf = NULL;
	size_t len = 0;

	if (pipe2(pfd, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		signal(SIGPIPE, SIG_DFL);
		devnull = open("/dev/null", O_RDWR);
		if (dup2(pfd[0], 0) == -1 || devnull == -1 ||
		    dup2(devnull, 1) == -1 || dup2(devnull, 2) == -1)
			_exit(127);
		close_range(3, ~0U, 0);
		if (password != NULL)
			execlp(prog, "mosquitto_passwd", file, login,
			    (char *)NULL);
		else
			execlp(prog, "mosquitto_passwd", "-D", file, login,
			    (char *)NULL);
		_exit(127);
	}
	close(pfd[0]);
	if (password != NULL) {
		len = strlen(password) * 2 + 2;
		if ((buf = malloc(len + 1)) != NULL) {
			snprintf(buf, len + 1, "%s\n%s\n", password, password);
			/* Small: the pipe takes it whole; SIGPIPE is ignored
			 * in the daemon should the child die first. */
			if (write(pfd[1], buf, len) != (ssize_t)len)
				log_warn("staff: mosquitto_passwd: write");
			explicit_bzero(buf, len);
			free(buf);
		}
	}
	close(pfd[1]);
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 &&
	    waited < STAFF_CHILD_MS) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		waited += 2;
	}
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		log_warnx("staff: mosquitto_passwd hung; killed");
		return -1;
	}
	if (r == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warnx("staff: mosquitto_passwd %s%s %s failed (status %d)",
		    password == NULL ? "-D " : "", file, login,
		    r == -1 ? -1 : status);
		return -1;
	}
	return 0;
}

/* Whether the password file has an entry for login. */
static bool
staff_passwd_has(const char *text, const char *login)
{
	size_t n = strlen(login);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (!strncmp(p, login, n) && p[n] == ':')
			return true;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return false;
}

/* -- the ACL --------------------------------------------------------------- */

/*
 * The ACL's fixed part (up to and including the marker line, which is
 * added when missing) as a new string; *reserved gets the logins it names
 * ("user X" lines), which may not become staff logins.
 */
static char *
staff_acl_head(const char *acl_path, char reserved[][ROLE_LOGIN_MAX + 1],
    int *nreserved)
{
	char *text, *m, *head, *line, *end;
	size_t n;

	if ((text = staff_read_file(acl_path)) == NULL)
		return NULL;
	for (m = text; (m = strstr(m, STAFF_ACL_MARKER)) != NULL; m++)
		if ((m == text || m[-1] == '\n') &&
		    (m[strlen(STAFF_ACL_MARKER)] == '\n' ||
		    m[strlen(STAFF_ACL_MARKER)] == '\0'))
			break;
	n = m != NULL ? (size_t)(m - text) : strlen(text);
	if ((head = malloc(n + strlen(STAFF_ACL_MARKER) + 4)) == NULL) {
		free(text);
		return NULL;
	}
	memcpy(head, text, n);
	head[n] = '\0';
	if (n > 0 && head[n - 1] != '\n')
		strcat(head, "\n");
	if (m == NULL)
		strcat(head, "\n");
	strcat(head, STAFF_ACL_MARKER "\n");
	*nreserved = 0;
	for (line = text; line != NULL && line < text + n; line = end) {
		if ((end = strchr(line, '\n')) != NULL)
			*end++ = '\0';
		if (strncmp(line, "user ", 5) || *nreserved == STAFF_USERS_MAX)
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

/* Append s to a growing string; -1 when out of memory. */
static int
staff_cat(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);
	char *nb;

	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		if ((nb = realloc(*buf, *cap)) == NULL)
			return -1;
		*buf = nb;
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
	return 0;
}

/* One login's ACL block (tests/system/mqttbroker.py writes the same). */
static int
staff_acl_block(char **buf, size_t *len, size_t *cap, const char *site,
    const char *login, const char *role)
{
	char line[2 * CONFIG_NAME_MAX + 2 * ROLE_LOGIN_MAX + 96];
	int rc = 0;

	snprintf(line, sizeof(line), "\n# %s: %s\nuser %s\n", login, role,
	    login);
	rc |= staff_cat(buf, len, cap, line);
	snprintf(line, sizeof(line), "topic write husvagt/%s/cmd/%s/#\n",
	    site, login);
	rc |= staff_cat(buf, len, cap, line);
	snprintf(line, sizeof(line), "topic read husvagt/%s/reply/%s/#\n",
	    site, login);
	rc |= staff_cat(buf, len, cap, line);
	snprintf(line, sizeof(line), "topic read husvagt/%s/status\n"
	    "topic read husvagt/%s/state/#\n", site, site);
	rc |= staff_cat(buf, len, cap, line);
	/* The installer sets the building up: doors and state, not who
	 * came and went (event) nor the free rooms (vacancy). */
	if (strcmp(role, "installer")) {
		snprintf(line, sizeof(line), "topic read husvagt/%s/event\n"
		    "topic read husvagt/%s/vacancy\n", site, site);
		rc |= staff_cat(buf, len, cap, line);
	}
	return rc;
}

/*
 * The whole new ACL: the fixed part, then a block per live login of the
 * staff table as this connection sees it (inside a transaction: with the
 * change being made).
 */
static char *
staff_acl_text(struct husvagt *h, const char *head)
{
	sqlite3_stmt *st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = 0, step;

	if (db_prepare(h->db, "SELECT login, role FROM staff WHERE "
	    "removed_at IS NULL ORDER BY login", &st) == -1)
		return NULL;
	rc |= staff_cat(&buf, &len, &cap, head);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		rc |= staff_acl_block(&buf, &len, &cap, h->cfg.name,
		    (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	if (rc != 0 || step != SQLITE_DONE) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* -- the broker ------------------------------------------------------------ */

/*
 * The broker in [mqtt] broker_pid_file, if it is Mosquitto: its pid, or 0
 * when not configured or not running.
 */
static long
staff_broker_pid(struct husvagt *h)
{
	char path[64], comm[64];
	char *text;
	FILE *f;
	long pid;

	if (h->cfg.mqtt.broker_pid_file[0] == '\0')
		return 0;
	if ((text = staff_read_file(h->cfg.mqtt.broker_pid_file)) == NULL)
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
 * Schedule a SIGHUP to the broker.  It is sent STAFF_RELOAD_DELAY_MS later
 * from the loop, so that the reply to the command that caused it has
 * reached the broker first: a login changing its own password is
 * disconnected by the reload and would otherwise never see the answer.
 * Returns 1 when scheduled, 0 when there is no broker to signal.
 */
static int
staff_broker_reload(struct husvagt *h)
{
	if (staff_broker_pid(h) == 0)
		return 0;
	if (h->broker_reload_at == 0)
		h->broker_reload_at = clock_mono_ms() + STAFF_RELOAD_DELAY_MS;
	return 1;
}

void
staff_tick(struct husvagt *h, uint64_t now)
{
	long pid;

	if (h->broker_reload_at == 0 || h->broker_reload_at > now)
		return;
	h->broker_reload_at = 0;
	if ((pid = staff_broker_pid(h)) == 0)
		return;
	if (kill((pid_t)pid, SIGHUP) == -1)
		log_warn("staff: cannot signal the broker (pid %ld); the "
		    "reload unit must", pid);
}

/* What a change to the broker's files is made of. */
struct staff_change {
	char	 passwd_tmp[CONFIG_PATH_MAX + 16];
	char	 acl_tmp[CONFIG_PATH_MAX + 16];
	char	*acl_head;
	char	 reserved[STAFF_USERS_MAX][ROLE_LOGIN_MAX + 1];
	int	 nreserved;
};

static void
staff_change_drop(struct staff_change *c)
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
static bool
staff_reserved(const struct husvagt *h, const struct staff_change *c,
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
static const char *
staff_change_begin(struct husvagt *h, struct staff_change *c, char *msg,
    size_t len)
{
	memset(c, 0, sizeof(*c));
	if (!staff_broker_managed(h))
		return NULL;
	if ((c->acl_head = staff_acl_head(h->cfg.mqtt.acl_path, c->reserved,
	    &c->nreserved)) == NULL) {
		snprintf(msg, len, "cannot read the broker's ACL %s: %s (run "
		    "husvagt-mqtt-setup)", h->cfg.mqtt.acl_path,
		    strerror(errno));
		return "broker_files";
	}
	return NULL;
}

/* The password file's temporary copy with login set or deleted. */
static const char *
staff_change_passwd(struct husvagt *h, struct staff_change *c,
    const char *login, const char *password, char *msg, size_t len)
{
	char *text;
	bool has;

	if ((text = staff_read_file(h->cfg.mqtt.passwd_path)) == NULL) {
		snprintf(msg, len, "cannot read the broker's password file "
		    "%s: %s", h->cfg.mqtt.passwd_path, strerror(errno));
		return "broker_files";
	}
	has = staff_passwd_has(text, login);
	if (staff_tmp_file(h->cfg.mqtt.passwd_path, text, c->passwd_tmp,
	    sizeof(c->passwd_tmp)) == -1) {
		snprintf(msg, len, "cannot write beside %s: %s",
		    h->cfg.mqtt.passwd_path, strerror(errno));
		c->passwd_tmp[0] = '\0';
		free(text);
		return "broker_files";
	}
	free(text);
	if ((password != NULL || has) &&
	    staff_mosquitto_passwd(c->passwd_tmp, login, password) == -1) {
		snprintf(msg, len, "mosquitto_passwd could not update the "
		    "password file");
		return "broker_files";
	}
	if (staff_fsync(c->passwd_tmp) == -1) {
		snprintf(msg, len, "cannot write %s: %s", c->passwd_tmp,
		    strerror(errno));
		return "broker_files";
	}
	return NULL;
}

/* The ACL's temporary copy from the table as this transaction sees it. */
static const char *
staff_change_acl(struct husvagt *h, struct staff_change *c, char *msg,
    size_t len)
{
	char *text;
	int rc;

	if ((text = staff_acl_text(h, c->acl_head)) == NULL) {
		snprintf(msg, len, "cannot make the ACL");
		return "failed";
	}
	rc = staff_tmp_file(h->cfg.mqtt.acl_path, text, c->acl_tmp,
	    sizeof(c->acl_tmp));
	free(text);
	if (rc == -1 || staff_fsync(c->acl_tmp) == -1) {
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
static const char *
staff_change_commit(struct husvagt *h, struct staff_change *c, char *msg,
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

/* -- the operations ---------------------------------------------------------- */

/* Run one statement binding login (?1), role (?2) and time (?3). */
static int
staff_sql(struct husvagt *h, const char *sql, const char *login,
    const char *role)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(h->db, sql, &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	if (role != NULL)
		sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)clock_wall());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("staff: %s: %s", login, sqlite3_errmsg(h->db));
		return -1;
	}
	return sqlite3_changes(h->db);
}

/*
 * One change: a statement on the staff table and the broker's files in
 * step.  The password file is prepared first (no transaction is held
 * while mosquitto_passwd runs), then the table changes and the ACL is made
 * from it, the files are put in place and the transaction commits.
 */
static const char *
staff_change(struct husvagt *h, const char *sql, const char *login,
    const char *role, bool passwd_change, const char *password,
    bool *reloaded, char *msg, size_t len)
{
	struct staff_change c;
	const char *err;
	int n;

	*reloaded = false;
	if ((err = staff_change_begin(h, &c, msg, len)) != NULL)
		return err;
	if (staff_broker_managed(h) && passwd_change &&
	    (err = staff_change_passwd(h, &c, login, password, msg,
	    len)) != NULL)
		goto out;
	if (sql == NULL) {
		if ((err = staff_change_commit(h, &c, msg, len)) == NULL)
			goto reload;
		goto out;
	}
	if (db_exec(h->db, "BEGIN IMMEDIATE") == -1) {
		err = "failed";
		snprintf(msg, len, "the database is busy");
		goto out;
	}
	if ((n = staff_sql(h, sql, login, role)) != 1) {
		err = n == 0 ? "not_found" : "failed";
		snprintf(msg, len, n == 0 ? "no staff login '%s'" :
		    "the database refused the change of '%s'", login);
		goto rollback;
	}
	if (staff_broker_managed(h) &&
	    ((err = staff_change_acl(h, &c, msg, len)) != NULL ||
	    (err = staff_change_commit(h, &c, msg, len)) != NULL))
		goto rollback;
	if (db_exec(h->db, "COMMIT") == -1) {
		err = "failed";
		snprintf(msg, len, "the database refused the change of '%s'",
		    login);
		goto rollback;
	}
reload:
	*reloaded = staff_broker_reload(h) == 1;
	err = NULL;
	goto out;
rollback:
	db_exec(h->db, "ROLLBACK");
out:
	staff_change_drop(&c);
	return err;
}

/* Whether login is live in the table. */
static bool
staff_exists(struct husvagt *h, const char *login)
{
	return staff_roles(h->db, login) != 0;
}

/* Refuse a password the broker's file cannot take whole. */
static const char *
staff_password_check(const char *password, char *msg, size_t len)
{
	size_t n = strlen(password);
	const char *p;

	if (n < STAFF_PASSWORD_MIN || n > STAFF_PASSWORD_MAX) {
		snprintf(msg, len, "a password is %d to %d characters",
		    STAFF_PASSWORD_MIN, STAFF_PASSWORD_MAX);
		return "bad_password";
	}
	for (p = password; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(msg, len, "a password has no control "
			    "characters");
			return "bad_password";
		}
	return NULL;
}

const char *
staff_add(struct husvagt *h, const char *login, const char *role,
    const char *password, bool *reloaded, char *msg, size_t len)
{
	struct staff_change c;
	const char *err;
	bool reserved;

	*reloaded = false;
	if (!staff_login_ok(login)) {
		snprintf(msg, len, "a login is 1 to %d characters: a lower-case "
		    "letter, then letters, digits, '-' or '_'", ROLE_LOGIN_MAX);
		return "bad_login";
	}
	if (role_parse(role) == 0) {
		snprintf(msg, len, "role must be staff, management or "
		    "installer");
		return "bad_role";
	}
	if ((err = staff_password_check(password, msg, len)) != NULL)
		return err;
	if ((err = staff_change_begin(h, &c, msg, len)) != NULL)
		return err;
	reserved = staff_reserved(h, &c, login);
	staff_change_drop(&c);
	if (reserved) {
		snprintf(msg, len, "'%s' is one of the broker's own accounts",
		    login);
		return "reserved";
	}
	if (staff_exists(h, login)) {
		snprintf(msg, len, "'%s' is already a staff login (remove it "
		    "first to change its role)", login);
		return "exists";
	}
	return staff_change(h, "INSERT INTO staff (login, role, created_at) "
	    "VALUES (?1, ?2, ?3)", login, role, true, password, reloaded,
	    msg, len);
}

const char *
staff_remove(struct husvagt *h, const char *login, bool *reloaded,
    char *msg, size_t len)
{
	*reloaded = false;
	if (!staff_login_ok(login) || !staff_exists(h, login)) {
		snprintf(msg, len, "no staff login '%.40s'", login);
		return "not_found";
	}
	return staff_change(h, "UPDATE staff SET removed_at = ?3 WHERE "
	    "login = ?1 AND removed_at IS NULL", login, NULL, true, NULL,
	    reloaded, msg, len);
}

const char *
staff_passwd(struct husvagt *h, const char *login, const char *password,
    bool *reloaded, char *msg, size_t len)
{
	const char *err;

	*reloaded = false;
	if (!staff_login_ok(login) || !staff_exists(h, login)) {
		snprintf(msg, len, "no staff login '%.40s' (a login of the "
		    "configuration's [staff] needs staff add first)", login);
		return "not_found";
	}
	if ((err = staff_password_check(password, msg, len)) != NULL)
		return err;
	if (!staff_broker_managed(h)) {
		snprintf(msg, len, "the [mqtt] section names no broker "
		    "password file (passwd_path, acl_path)");
		return "not_configured";
	}
	return staff_change(h, NULL, login, NULL, true, password, reloaded,
	    msg, len);
}

json_t *
staff_list(struct husvagt *h, bool removed)
{
	sqlite3_stmt *st;
	json_t *list = json_array(), *row;
	char created[32], gone[32];
	time_t t;
	struct tm tm;
	int i, step;

	if (list == NULL || db_prepare(h->db, "SELECT login, role, "
	    "created_at, removed_at FROM staff WHERE ?1 OR removed_at IS "
	    "NULL ORDER BY login, id", &st) == -1) {
		json_decref(list);
		return NULL;
	}
	sqlite3_bind_int(st, 1, removed);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		t = (time_t)sqlite3_column_int64(st, 2);
		strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ",
		    gmtime_r(&t, &tm));
		gone[0] = '\0';
		if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
			t = (time_t)sqlite3_column_int64(st, 3);
			strftime(gone, sizeof(gone), "%Y-%m-%dT%H:%M:%SZ",
			    gmtime_r(&t, &tm));
		}
		row = json_pack("{s:s, s:s, s:s, s:s, s:o}",
		    "login", (const char *)sqlite3_column_text(st, 0),
		    "role", (const char *)sqlite3_column_text(st, 1),
		    "source", "database", "created_at", created,
		    "removed_at", gone[0] != '\0' ? json_string(gone) :
		    json_null());
		json_array_append_new(list, row);
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE) {
		json_decref(list);
		return NULL;
	}
	for (i = 0; i < h->cfg.nstaff; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:n, "
		    "s:n}", "login", h->cfg.staff[i].login,
		    "role", role_name(h->cfg.staff[i].roles),
		    "source", "config", "created_at", "removed_at"));
	return list;
}

/* -- at start ---------------------------------------------------------------- */

/*
 * Bring the broker's files in line with the staff table: the ACL's staff
 * part rewritten, and the password of a login that is neither live in the
 * table nor one of the ACL's fixed accounts dropped (a crash between the
 * two files, a database restored from a backup).  Changes nothing when
 * nothing differs.
 */
int
staff_broker_sync(struct husvagt *h)
{
	struct staff_change c;
	char msg[256], *old = NULL, *text = NULL, *pw = NULL, *line, *end;
	char login[ROLE_LOGIN_MAX + 2];
	const char *err;
	bool changed = false;
	int rc = -1;
	size_t n;

	if (!staff_broker_managed(h))
		return 0;
	if ((err = staff_change_begin(h, &c, msg, sizeof(msg))) != NULL) {
		log_warnx("staff: %s", msg);
		return -1;
	}
	if ((pw = staff_read_file(h->cfg.mqtt.passwd_path)) == NULL) {
		log_warn("staff: %s", h->cfg.mqtt.passwd_path);
		goto out;
	}
	for (line = pw; line != NULL && *line != '\0'; line = end) {
		if ((end = strchr(line, '\n')) != NULL)
			end++;
		n = strcspn(line, ":\n");
		if (line[n] != ':' || n > ROLE_LOGIN_MAX)
			continue;
		memcpy(login, line, n);
		login[n] = '\0';
		if (!staff_login_ok(login) || staff_reserved(h, &c, login) ||
		    staff_exists(h, login))
			continue;
		if (c.passwd_tmp[0] == '\0' &&
		    staff_tmp_file(h->cfg.mqtt.passwd_path, NULL, c.passwd_tmp,
		    sizeof(c.passwd_tmp)) == -1) {
			c.passwd_tmp[0] = '\0';
			log_warn("staff: beside %s", h->cfg.mqtt.passwd_path);
			goto out;
		}
		log_info("staff: %s is no staff login: its broker password "
		    "goes", login);
		if (staff_mosquitto_passwd(c.passwd_tmp, login, NULL) == -1)
			goto out;
	}
	if (c.passwd_tmp[0] != '\0') {
		if (staff_fsync(c.passwd_tmp) == -1)
			goto out;
		changed = true;
	}
	old = staff_read_file(h->cfg.mqtt.acl_path);
	if ((text = staff_acl_text(h, c.acl_head)) == NULL)
		goto out;
	if (old == NULL || strcmp(old, text)) {
		if (staff_tmp_file(h->cfg.mqtt.acl_path, text, c.acl_tmp,
		    sizeof(c.acl_tmp)) == -1 || staff_fsync(c.acl_tmp) == -1) {
			log_warn("staff: beside %s", h->cfg.mqtt.acl_path);
			goto out;
		}
		changed = true;
	}
	if ((err = staff_change_commit(h, &c, msg, sizeof(msg))) != NULL) {
		log_warnx("staff: %s", msg);
		goto out;
	}
	if (changed) {
		log_info("staff: the broker's files follow the staff table");
		staff_broker_reload(h);
	}
	rc = 0;
out:
	free(old);
	free(text);
	free(pw);
	staff_change_drop(&c);
	return rc;
}
