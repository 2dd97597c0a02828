/*
 * The [mqtt] section of the site configuration: how husvagtd reaches its
 * local Mosquitto broker.  The broker's own configuration (listeners,
 * TLS, accounts, ACL) lives in firmware/mosquitto/.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "inifile.h"

void
config_mqtt_defaults(struct site_mqtt *m)
{
	memset(m, 0, sizeof(*m));
	m->enabled = false;
	snprintf(m->host, sizeof(m->host), "127.0.0.1");
	m->port = 1883;
	snprintf(m->username, sizeof(m->username), "husvagtd");
	m->keepalive_s = 30;
}

/* Copy a string value, refusing one that does not fit. */
static int
config_mqtt_str(struct diag *d, const char *f, int l, const char *k,
    const char *v, char *dst, size_t len, int may_be_empty)
{
	if (strlen(v) >= len || (!may_be_empty && v[0] == '\0')) {
		diag_error(d, f, l, "%s: must be %d to %zu characters", k,
		    may_be_empty ? 0 : 1, len - 1);
		return -1;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* A yes/no key into a bool. */
static int
config_mqtt_bool(struct diag *d, const char *f, int l, const char *k,
    const char *v, bool *dst)
{
	int b;

	if (ini_bool(d, f, l, k, v, &b) != 0)
		return -1;
	*dst = b;
	return 0;
}

/*
 * The broker's address must be an IP address: libmosquitto resolves a
 * name with a blocking lookup, and a slow DNS would stall the loop that
 * serves the doors.
 */
static int
config_mqtt_host(struct diag *d, const char *f, int l, const char *v,
    struct site_mqtt *m)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, v, buf) != 1 &&
	    inet_pton(AF_INET6, v, buf) != 1) {
		diag_error(d, f, l, "host: '%s' is not an IP address (a name "
		    "would be looked up on the door loop)", v);
		return -1;
	}
	return config_mqtt_str(d, f, l, "host", v, m->host, sizeof(m->host),
	    0);
}

int
config_mqtt_key(struct site_mqtt *m, struct diag *d, const char *f, int l,
    const char *k, const char *v)
{
	long n;

	if (!strcmp(k, "enabled"))
		return config_mqtt_bool(d, f, l, k, v, &m->enabled);
	if (!strcmp(k, "home_assistant"))
		return config_mqtt_bool(d, f, l, k, v, &m->home_assistant);
	if (!strcmp(k, "host"))
		return config_mqtt_host(d, f, l, v, m);
	if (!strcmp(k, "username"))
		return config_mqtt_str(d, f, l, k, v, m->username,
		    sizeof(m->username), 0);
	if (!strcmp(k, "password_file"))
		return config_mqtt_str(d, f, l, k, v, m->password_file,
		    sizeof(m->password_file), 1);
	if (!strcmp(k, "ca_file"))
		return config_mqtt_str(d, f, l, k, v, m->ca_file,
		    sizeof(m->ca_file), 1);
	if (!strcmp(k, "passwd_path"))
		return config_mqtt_str(d, f, l, k, v, m->passwd_path,
		    sizeof(m->passwd_path), 1);
	if (!strcmp(k, "acl_path"))
		return config_mqtt_str(d, f, l, k, v, m->acl_path,
		    sizeof(m->acl_path), 1);
	if (!strcmp(k, "broker_pid_file"))
		return config_mqtt_str(d, f, l, k, v, m->broker_pid_file,
		    sizeof(m->broker_pid_file), 1);
	if (!strcmp(k, "port") || !strcmp(k, "keepalive_s")) {
		if (ini_long(d, f, l, k, v, !strcmp(k, "port") ? 1 : 5,
		    !strcmp(k, "port") ? 65535 : 3600, &n) != 0)
			return -1;
		*(!strcmp(k, "port") ? &m->port : &m->keepalive_s) = (int)n;
		return 0;
	}
	diag_error(d, f, l, "unknown key '%s' in [mqtt]", k);
	return -1;
}
