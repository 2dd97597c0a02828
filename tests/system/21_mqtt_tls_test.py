"""The broker's doors: the staff consoles' TLS listener takes only TLS with
the site's own CA and a right password; husvagtd's plain listener is on
loopback only; nobody gets in anonymously.  A real Mosquitto with the
appliance's configuration (firmware/mosquitto/, made by
tools/husvagt-mqtt-setup)."""

import os
import socket
import ssl
import stat
import subprocess
import time

import paho.mqtt.client as mqtt
import pytest

from mqttbroker import SETUP, Broker, ConnectFailed, broker  # noqa: F401

# MQTT v5 CONNACK reason codes Mosquitto uses for a refused login.
BAD_LOGIN = (134, 135)   # bad user name or password, not authorised


def mqtt5_connect_packet(client_id=b"plain", user=b"anna", pw=b"x"):
    """A plain MQTT v5 CONNECT with user name and password, by hand."""
    def s(b):
        return len(b).to_bytes(2, "big") + b
    var = s(b"MQTT") + bytes([5, 0xC2]) + (30).to_bytes(2, "big") + b"\x00"
    payload = s(client_id) + s(user) + s(pw)
    body = var + payload
    return bytes([0x10, len(body)]) + body


def other_ca(tmp_path):
    """A CA of someone else, with a server certificate for localhost."""
    d = tmp_path / "other-ca"
    d.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-days", "2", "-subj", "/CN=not the site's CA",
                    "-keyout", str(d / "ca.key"), "-out", str(d / "ca.crt")],
                   check=True, capture_output=True)
    return d / "ca.crt"


def test_right_password_over_tls_is_accepted(broker):
    broker.add_user("anna", "anna-password-1", "staff")
    c = broker.client("anna", "anna-password-1")
    assert c.connack == 0
    assert c.sub(broker.root + "/reply/anna/#") == [1]
    # The certificate is the site's, for the name and address it serves.
    sock = c.socket()
    assert sock.version() in ("TLSv1.2", "TLSv1.3")
    cert = sock.getpeercert()
    names = [v for k, v in cert["subjectAltName"]]
    assert "localhost" in names and "127.0.0.1" in names
    c.close()


def test_plaintext_to_the_tls_listener_is_refused(broker):
    broker.add_user("anna", "anna-password-1", "staff")
    # paho without TLS: no CONNACK, the connection is dropped.
    with pytest.raises(ConnectFailed) as e:
        broker.client("anna", "anna-password-1", tls=False,
                      port=broker.tls_port)
    assert e.value.reason is None
    # A CONNECT written by hand in the clear gets no CONNACK either.
    s = socket.create_connection((broker.host, broker.tls_port), 5)
    s.settimeout(5)
    s.sendall(mqtt5_connect_packet(pw=b"anna-password-1"))
    try:
        got = s.recv(100)
    except (ConnectionResetError, socket.timeout):
        got = b""
    s.close()
    assert not got.startswith(b"\x20"), "a CONNACK in the clear: %r" % got
    # The command-line client says so too.
    p = subprocess.run(["mosquitto_sub", "-h", broker.host, "-p",
                        str(broker.tls_port), "-u", "anna", "-P",
                        "anna-password-1", "-t", broker.root + "/status",
                        "-V", "mqttv5", "-W", "3", "-C", "1"],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode != 0


def test_a_client_trusting_another_ca_is_refused(broker, tmp_path):
    broker.add_user("anna", "anna-password-1", "staff")
    ca = other_ca(tmp_path)
    with pytest.raises(ConnectFailed) as e:
        broker.client("anna", "anna-password-1", ca_file=ca)
    assert isinstance(e.value.error, ssl.SSLError), e.value.error
    assert "CERTIFICATE_VERIFY_FAILED" in str(e.value.error)
    p = subprocess.run(["mosquitto_sub", "-h", "localhost", "-p",
                        str(broker.tls_port), "--cafile", str(ca), "-u",
                        "anna", "-P", "anna-password-1", "-t",
                        broker.root + "/status", "-V", "mqttv5", "-W", "3",
                        "-C", "1"], capture_output=True, text=True,
                       timeout=20)
    assert p.returncode != 0
    # ...and with the site's CA the same client gets in.
    p = subprocess.run(["mosquitto_sub", "-h", "localhost", "-p",
                        str(broker.tls_port), "--cafile",
                        str(broker.ca_file), "-u", "anna", "-P",
                        "anna-password-1", "-t", broker.root + "/status",
                        "-V", "mqttv5", "-W", "1", "-C", "1",
                        "-i", "anna-sub"],
                       capture_output=True, text=True, timeout=20)
    assert "Timed out" in p.stderr or p.returncode in (0, 27), p.stderr


def test_wrong_password_unknown_login_and_anonymous_are_refused(broker):
    broker.add_user("anna", "anna-password-1", "staff")
    for login, pw in (("anna", "anna-password-2"), ("anna", ""),
                      ("nobody", "anna-password-1")):
        with pytest.raises(ConnectFailed) as e:
            broker.client(login, pw)
        assert e.value.reason in BAD_LOGIN, (login, e.value)
    # Anonymous, on either listener.
    for tls, port in ((True, broker.tls_port), (False, broker.port)):
        c = mqtt.Client("anon", protocol=mqtt.MQTTv5)
        if tls:
            c.tls_set(ca_certs=str(broker.ca_file),
                      tls_version=ssl.PROTOCOL_TLS_CLIENT)
        got = []
        c.on_connect = lambda c_, u, f, rc, p=None: got.append(rc.value)
        c.connect(broker.host, port)
        c.loop_start()
        try:
            for _ in range(100):
                if got:
                    break
                time.sleep(0.05)
        finally:
            c.loop_stop()
        assert got and got[0] in BAD_LOGIN, (tls, got)
    # The daemon's own account needs its password on loopback too.
    with pytest.raises(ConnectFailed) as e:
        broker.client(broker.daemon_user, "not-its-password", tls=False)
    assert e.value.reason in BAD_LOGIN
    d = broker.client(broker.daemon_user, broker.daemon_password, tls=False)
    d.close()


def listening_on(port):
    """Local addresses (hex, as in /proc/net/tcp*) listening on port."""
    out = []
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(f).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.split(":")
            if int(p, 16) == port and state == "0A":
                out.append(addr)
    return out


def test_the_plain_listener_is_loopback_only(broker):
    assert listening_on(broker.port) == ["0100007F"]   # 127.0.0.1 only
    conf = broker.conf.read_text()
    assert "listener %d 127.0.0.1\n" % broker.port in conf
    assert "allow_anonymous false" in conf
    assert "per_listener_settings false" in conf


def test_appliance_defaults(tmp_path):
    """What the setup script makes for the appliance: the TLS listener on
    8883 for the network, husvagtd's on 127.0.0.1:1883, persistence on, the
    site's name from its configuration, private keys kept private."""
    site = tmp_path / "husvagt.conf"
    site.write_text("[site]\nname = elmhouse\n\n[mqtt]\n"
                    "username = husvagtd\npassword_file = %s\n" %
                    (tmp_path / "mqtt.secret"))
    d = tmp_path / "etc"
    conf = subprocess.check_output(
        [str(SETUP), "--dir", str(d), "--site-config", str(site),
         "--persistence-dir", str(tmp_path / "persist"),
         "--pid-file", str(tmp_path / "run" / "mosquitto.pid")],
        text=True).strip()
    text = open(conf).read()
    assert "\nlistener 1883 127.0.0.1\n" in text
    assert "\nlistener 8883\n" in text
    assert "\npersistence true\n" in text
    assert "\nallow_anonymous false\n" in text
    assert "certfile %s/server.crt" % d in text
    acl = (d / "accounts" / "acl").read_text()
    assert "topic write husvagt/elmhouse/#" in acl
    assert "topic read husvagt/elmhouse/vacancy" in acl
    # The daemon's password: where the site configuration says, 0600.
    secret = tmp_path / "mqtt.secret"
    assert len(secret.read_text().strip()) >= 32
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(d / "ca.key").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(d / "server.key").st_mode) == 0o640
    assert "husvagtd:$7$" in (d / "accounts" / "passwd").read_text()
    # The server certificate is signed by the CA.
    subprocess.run(["openssl", "verify", "-CAfile", str(d / "ca.crt"),
                    str(d / "server.crt")], check=True, capture_output=True)
    # No bridge unless asked for (--bridge): only the comment.
    assert "\nconnection " not in text and "include_dir" not in text
    assert "# topic husvagt/elmhouse/vacancy out 1" in text


def test_setup_is_idempotent(broker):
    """Running the setup again keeps the CA, the keys, the daemon's
    password and every staff login (password and the ACL's staff part);
    the broker keeps working with it.  (The ACL's fixed part is rewritten
    from the template, which drops the test-only blocks Broker.add_user
    keeps there: only logging in is checked afterwards.)"""
    broker.add_user("anna", "anna-password-1", "staff")
    d = broker.dir
    before = {f: (d / f).read_bytes() for f in
              ("ca.crt", "ca.key", "server.crt", "server.key",
               "husvagtd.secret")}
    # A staff login husvagtd added (below the marker) must survive too.
    with open(d / "accounts" / "acl", "a") as f:
        f.write("\n# zoe: staff\nuser zoe\n")
    cmd = open("/proc/%d/cmdline" % broker.proc.pid).read()
    assert cmd  # the broker runs
    p = subprocess.run(
        [str(SETUP), "--dir", str(d), "--site", broker.site,
         "--plain-port", str(broker.port), "--tls-port",
         str(broker.tls_port), "--tls-bind", "127.0.0.1", "--pid-file",
         str(broker.pid_file), "--persistence-dir", str(d / "persist"),
         "--log-file", str(broker.log), "--cn", "localhost", "--owner",
         "root", "--site-config", "/nonexistent", "--daemon-password-file",
         str(broker.daemon_password_file)],
        capture_output=True, text=True, check=True)
    assert p.stdout.strip() == str(broker.conf)
    for f, data in before.items():
        assert (d / f).read_bytes() == data, f
    acl = (d / "accounts" / "acl").read_text()
    assert acl.endswith("\n# zoe: staff\nuser zoe\n")
    assert "user husvagtd" in acl and "user regional" in acl
    pw = (d / "accounts" / "passwd").read_text()
    assert "anna:" in pw and "all_seeing:" in pw and "husvagtd:" in pw
    broker.reload()
    broker.client("anna", "anna-password-1").close()
    broker.client(broker.daemon_user, broker.daemon_password,
                  tls=False).close()
