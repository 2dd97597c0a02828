/*
 * A Mosquitto 2.0 plugin that ties a session's client id to its login.
 * Mosquitto lets any client that logs in take any client id, and a second
 * connection with an id in use disconnects the first: any staff login could knock husvagtd off the broker.  Here,
 * at the basic-auth step (before the broker looks for a session to take
 * over), a connection is refused unless its client id is
 *
 *   the daemon's id (plugin_opt_daemon_id)   for the daemon's login only
 *   <login>, <login>-*, console-<login>-*    for any login
 *
 * so no login takes the controller's session, nor another login's.  The
 * password is not checked here: the plugin defers, and the password file
 * decides.  Options: plugin_opt_daemon_user, plugin_opt_daemon_id.
 */
#include <stdio.h>
#include <string.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

static mosquitto_plugin_id_t *plugin_id;
static char daemon_user[128], daemon_id[192];

/* Does id start with prefix followed by login, then end or a '-'? */
static int
login_owns(const char *id, const char *prefix, const char *login)
{
	size_t p = strlen(prefix), n = strlen(login);

	if (strncmp(id, prefix, p) != 0 || strncmp(id + p, login, n) != 0)
		return 0;
	return id[p + n] == '\0' || (id[p + n] == '-' && *prefix == '\0') ||
	    (id[p + n] == '-' && id[p + n + 1] != '\0');
}

static int
clientid_check(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_basic_auth *ed = event_data;
	const char *id = mosquitto_client_id(ed->client);
	const char *login = ed->username;

	(void)event;
	(void)userdata;
	if (id == NULL || login == NULL || *login == '\0')
		return MOSQ_ERR_AUTH;
	if (!strcmp(id, daemon_id))
		return !strcmp(login, daemon_user) ? MOSQ_ERR_PLUGIN_DEFER :
		    MOSQ_ERR_AUTH;
	if (login_owns(id, "", login) || login_owns(id, "console-", login))
		return MOSQ_ERR_PLUGIN_DEFER;
	mosquitto_log_printf(MOSQ_LOG_NOTICE, "husvagt: refused client id "
	    "%s for login %s: not the login's own", id, login);
	return MOSQ_ERR_AUTH;
}

int
mosquitto_plugin_version(int supported_version_count,
    const int *supported_versions)
{
	int i;

	for (i = 0; i < supported_version_count; i++)
		if (supported_versions[i] == 5)
			return 5;
	return -1;
}

int
mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata,
    struct mosquitto_opt *opts, int opt_count)
{
	int i;

	(void)userdata;
	plugin_id = identifier;
	for (i = 0; i < opt_count; i++) {
		if (!strcmp(opts[i].key, "daemon_user"))
			snprintf(daemon_user, sizeof(daemon_user), "%s",
			    opts[i].value);
		else if (!strcmp(opts[i].key, "daemon_id"))
			snprintf(daemon_id, sizeof(daemon_id), "%s",
			    opts[i].value);
	}
	if (daemon_user[0] == '\0' || daemon_id[0] == '\0') {
		mosquitto_log_printf(MOSQ_LOG_ERR, "husvagt: plugin_opt_"
		    "daemon_user and plugin_opt_daemon_id are required");
		return MOSQ_ERR_INVAL;
	}
	return mosquitto_callback_register(plugin_id, MOSQ_EVT_BASIC_AUTH,
	    clientid_check, NULL, NULL);
}

int
mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *opts,
    int opt_count)
{
	(void)userdata;
	(void)opts;
	(void)opt_count;
	return mosquitto_callback_unregister(plugin_id, MOSQ_EVT_BASIC_AUTH,
	    clientid_check, NULL);
}
