"""A real Mosquitto for the system tests, configured as on the appliance.

The broker's files are made by tools/husvagt-mqtt-setup from
firmware/mosquitto/ (CA and server certificate by openssl, password file by
mosquitto_passwd, ACL), so the tests exercise the appliance's configuration
and not a test-only one.  /usr/sbin/mosquitto is started as a child; as root
it drops to the mosquitto user, so the broker's folder lives under /tmp
(pytest's own folders are 0700) and is linked from the test's tmp folder as
"mqtt" for inspection; its log is copied there at cleanup.

API
---
    from mqttbroker import Broker, ConnectFailed, broker   # broker: fixture

    b = Broker(tmpdir, site="villa", start=True, web=None, setup_args=())
        setup_args       more husvagt-mqtt-setup options (--bridge ...)
        b.dir            Path of the broker's files (conf, passwd, acl, certs)
        b.conf           its mosquitto.conf
        b.host           "127.0.0.1"
        b.port           plain listener for husvagtd (loopback only)
        b.tls_port       TLS listener for staff clients
        b.ca_file        the CA a TLS client must trust
        b.passwd_path, b.acl_path, b.pid_file, b.log
        b.site, b.root   topic root "husvagt/<site>"
        b.daemon_user    "husvagtd"
        b.daemon_password_file, b.daemon_password
        b.all_seeing     ("all_seeing", password): a TEST-ONLY login that
                         may read "#" (in the fixed part of the ACL)
    b.start()            start Mosquitto (same ports, same persistence)
    b.stop()             SIGTERM and wait (persistence saved)
    b.kill()             SIGKILL (unsaved state lost)
    b.running()
    b.reload()           SIGHUP; waits until the broker logged the reload
    b.add_user(login, password, role)
                         role: staff | management | installer | regional |
                         all_seeing.  Adds the password and an ACL block (in
                         the fixed part of the ACL, which husvagtd's staff
                         management leaves alone) and reloads a running
                         broker.  A login's ACL block is the appliance's:
                         see firmware/mosquitto/acl.in.
    b.remove_user(login) the reverse.
    b.daemon_credentials() -> (username, password_file) for husvagtd's [mqtt]
    b.mqtt_conf(enabled=True, staff=True) -> text of an [mqtt] section for
                         husvagtd's site configuration (Building.patch_conf /
                         make_building(extra_conf=...)); staff=True adds the
                         passwd_path, acl_path and broker_pid_file keys.
    b.client(login, password, tls=True, client_id=None, clean_start=True,
             session_expiry=None, ca_file=None, port=None, timeout=5)
                         -> a connected, looping paho-mqtt (1.6, MQTT v5)
                         TestClient, or raises ConnectFailed(.reason = the
                         CONNACK reason code, or None when the connection
                         failed before one, with .error).  clean_start=False
                         gives a persistent session (session_expiry
                         defaults to 3600 s then).
    b.all_seeing_client(**kw) -> client of the all_seeing login
    b.cleanup()          stop, keep the log in tmpdir, remove the /tmp folder

    TestClient (a paho mqtt.Client subclass):
        c.sub(topic_or_list, qos=1) -> list of SUBACK reason codes (ints;
                         0/1/2 granted QoS, 135 not authorised)
        c.pub(topic, payload, qos=1, retain=False) -> PUBACK reason code
                         (0 ok, 16 no matching subscribers, 135 not
                         authorised; None for QoS 0).  payload: bytes, str,
                         or anything else, sent as JSON.
        c.messages       list of Msg(topic, payload bytes, qos, retain,
                         properties, at) received, in order (at: the
                         wall time.time() it arrived)
        c.json(m)        m.payload decoded as JSON
        c.wait_for(pred, timeout=5) -> first message with pred(msg) true
        c.wait_count(n, pred=None, timeout=5) -> the first n matching
        c.matching(pred=None) -> messages so far
        c.clear()
        c.connack        CONNACK reason code of the last connection
        c.disconnected   threading.Event, set when the connection drops
        c.close()        disconnect and stop the network thread
"""

import collections
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

TOP = Path(__file__).resolve().parents[2]
SETUP = TOP / "tools" / "husvagt-mqtt-setup"
MOSQUITTO = "/usr/sbin/mosquitto"
RUNNING = re.compile(r"mosquitto version \S+ running")
MARKER = ("# --- staff logins (husvagtctl staff): everything below is "
          "rewritten ---")

Msg = collections.namedtuple("Msg",
                             "topic payload qos retain properties at")


class ConnectFailed(Exception):
    def __init__(self, reason, error=None):
        self.reason = reason
        self.error = error
        super().__init__("connection refused: reason %r (%r)" %
                         (reason, error))


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def acl_block(root, login, role):
    """The ACL lines of one login, as husvagtd's staff.c writes them."""
    lines = ["# %s: %s" % (login, role), "user %s" % login]
    if role in ("staff", "management", "installer"):
        lines += ["topic write %s/cmd/%s/#" % (root, login),
                  "topic read %s/reply/%s/#" % (root, login),
                  "topic read %s/status" % root,
                  "topic read %s/state/#" % root]
        if role != "installer":
            lines += ["topic read %s/event" % root,
                      "topic read %s/vacancy" % root]
    elif role == "regional":
        lines += ["topic read %s/vacancy" % root]
    elif role == "all_seeing":
        lines += ["topic read #"]
    else:
        raise ValueError("unknown role %r" % role)
    return "\n".join(lines) + "\n"


class TestClient(mqtt.Client):
    """paho's client that also keeps PUBACK reason codes (paho 1.6 drops
    them) and collects the messages it receives."""

    __test__ = False  # not a pytest class

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.cv = threading.Condition()
        self.messages = []
        self.acks = {}         # mid -> PUBACK reason code
        self.subacks = {}      # mid -> [reason codes]
        self.connack = None
        self.connected_ev = threading.Event()
        self.disconnected = threading.Event()
        self.on_message = self._cb_message
        self.on_subscribe = self._cb_subscribe
        self.on_connect = self._cb_connect
        self.on_disconnect = self._cb_disconnect

    # -- callbacks --------------------------------------------------------
    def _cb_connect(self, c, u, flags, rc, props=None):
        with self.cv:
            self.connack = rc.value if hasattr(rc, "value") else int(rc)
            self.disconnected.clear()
            self.connected_ev.set()
            self.cv.notify_all()

    def _cb_disconnect(self, c, u, rc, props=None):
        with self.cv:
            self.connected_ev.clear()
            self.disconnected.set()
            self.cv.notify_all()

    def _cb_message(self, c, u, m):
        with self.cv:
            self.messages.append(Msg(m.topic, m.payload, m.qos, m.retain,
                                     getattr(m, "properties", None),
                                     time.time()))
            self.cv.notify_all()

    def _cb_subscribe(self, c, u, mid, rcs, props=None):
        with self.cv:
            self.subacks[mid] = [r.value if hasattr(r, "value") else int(r)
                                 for r in rcs]
            self.cv.notify_all()

    def _handle_pubackcomp(self, cmd):
        pkt = self._in_packet
        if cmd == "PUBACK" and pkt["remaining_length"] >= 2:
            mid = int.from_bytes(pkt["packet"][:2], "big")
            rc = pkt["packet"][2] if pkt["remaining_length"] > 2 else 0
            with self.cv:
                self.acks[mid] = rc
                self.cv.notify_all()
        return super()._handle_pubackcomp(cmd)

    # -- helpers ----------------------------------------------------------
    def _wait(self, pred, timeout, what):
        end = time.monotonic() + timeout
        with self.cv:
            while True:
                v = pred()
                if v is not None and v is not False:
                    return v
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError("MQTT: timed out waiting for " +
                                         what)
                self.cv.wait(min(left, 0.1))

    def sub(self, topic, qos=1, timeout=5.0):
        if isinstance(topic, (list, tuple)):
            rc, mid = self.subscribe([(t, qos) for t in topic])
        else:
            rc, mid = self.subscribe(topic, qos)
        assert rc == mqtt.MQTT_ERR_SUCCESS, mqtt.error_string(rc)
        return self._wait(lambda: self.subacks.get(mid), timeout,
                          "SUBACK of %r" % (topic,))

    def pub(self, topic, payload, qos=1, retain=False, timeout=5.0):
        if not isinstance(payload, (bytes, str)):
            payload = json.dumps(payload)
        info = self.publish(topic, payload, qos=qos, retain=retain)
        assert info.rc == mqtt.MQTT_ERR_SUCCESS, mqtt.error_string(info.rc)
        if qos == 0:
            return None
        return self._wait(lambda: self.acks.get(info.mid), timeout,
                          "PUBACK of %s" % topic)

    @staticmethod
    def json(m):
        return json.loads(m.payload)

    def matching(self, pred=None):
        with self.cv:
            return [m for m in self.messages if pred is None or pred(m)]

    def wait_for(self, pred, timeout=5.0):
        def find():
            for m in self.messages:
                if pred(m):
                    return m
            return None
        return self._wait(find, timeout, "a matching message")

    def wait_count(self, n, pred=None, timeout=5.0):
        def enough():
            got = [m for m in self.messages if pred is None or pred(m)]
            return got[:n] if len(got) >= n else None
        return self._wait(enough, timeout, "%d matching messages" % n)

    def clear(self):
        with self.cv:
            self.messages = []

    def close(self):
        try:
            self.disconnect()
        finally:
            self.loop_stop()


class Broker:
    """A real Mosquitto with the appliance's configuration."""

    def __init__(self, tmpdir, site="villa", start=True, web=None,
                 setup_args=()):
        self.tmpdir = Path(tmpdir)
        self.tmpdir.mkdir(parents=True, exist_ok=True)
        self.site = site
        self.root = "husvagt/%s" % site
        self.host = "127.0.0.1"
        self.port = free_port()
        self.tls_port = free_port()
        # Mosquitto (as the mosquitto user) must reach its files: a folder
        # of our own under /tmp, not pytest's 0700 ones.
        self.dir = Path(tempfile.mkdtemp(prefix="husvagt-mqtt-", dir="/tmp"))
        os.chmod(self.dir, 0o755)
        link = self.tmpdir / "mqtt"
        if not link.exists():
            link.symlink_to(self.dir)
        self.pid_file = self.dir / "run" / "mosquitto.pid"
        self.log = self.dir / "mosquitto.log"
        self.daemon_user = "husvagtd"
        self.daemon_password_file = self.dir / "husvagtd.secret"
        # web: None (no websockets listener, no lighttpd configuration), or
        # a list of husvagt-mqtt-setup's console options (consolesite.py).
        self.ws_port = free_port() if web is not None else 0
        web_args = ["--ws-port", str(self.ws_port)] + list(web or [])
        self.conf = Path(subprocess.check_output([
            str(SETUP), "--dir", str(self.dir), "--site", site,
            "--plain-port", str(self.port), "--tls-port", str(self.tls_port),
            "--tls-bind", "127.0.0.1", "--pid-file", str(self.pid_file),
            "--persistence-dir", str(self.dir / "persist"),
            "--log-file", str(self.log), "--cn", "localhost",
            "--owner", "root", "--site-config", "/nonexistent",
            "--daemon-user", self.daemon_user,
            "--daemon-password-file", str(self.daemon_password_file)] +
            web_args + list(setup_args), text=True).strip())
        self.ca_file = self.dir / "ca.crt"
        self.passwd_path = self.dir / "accounts" / "passwd"
        self.acl_path = self.dir / "accounts" / "acl"
        self.daemon_password = \
            self.daemon_password_file.read_text().splitlines()[0]
        self.proc = None
        self.logf = None
        self.clients = []
        self.all_seeing = ("all_seeing", "all-seeing-" + uuid.uuid4().hex)
        self.add_user(self.all_seeing[0], self.all_seeing[1], "all_seeing")
        if start:
            self.start()

    # -- process ----------------------------------------------------------
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=10.0):
        assert not self.running()
        self.out = open(self.tmpdir / "mosquitto.stderr", "ab")
        started = len(self._text(self.log))
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)],
                                     stdout=self.out, stderr=subprocess.STDOUT)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("mosquitto exited %d:\n%s\n%s" % (
                    self.proc.returncode, self._text(self.tmpdir /
                                                     "mosquitto.stderr"),
                    self._text(self.log)))
            # Mosquitto listens before it installs its signal handlers: a
            # SIGHUP in between would kill it.  "running" comes after both.
            if (RUNNING.search(self._text(self.log)[started:]) and
                    self._listening(self.port) and
                    self._listening(self.tls_port) and
                    (not self.ws_port or self._listening(self.ws_port))):
                return self
            time.sleep(0.02)
        raise TimeoutError("mosquitto did not listen:\n" +
                           self._text(self.log))

    @staticmethod
    def _text(p):
        try:
            return Path(p).read_text(errors="replace")
        except OSError:
            return ""

    def _listening(self, port):
        try:
            socket.create_connection((self.host, port), 0.2).close()
            return True
        except OSError:
            return False

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if not self.running():
            return
        self.proc.send_signal(sig)
        self.proc.wait(timeout)
        self.out.close()

    def kill(self):
        self.stop(signal.SIGKILL)

    def reload(self, timeout=15.0):
        """SIGHUP: Mosquitto rereads its password file and ACL."""
        if not self.running():
            return
        before = self._text(self.log).count("Reloading config.")
        self.proc.send_signal(signal.SIGHUP)
        end = time.monotonic() + timeout
        again = time.monotonic() + 3
        while self._text(self.log).count("Reloading config.") <= before:
            if not self.running():
                raise RuntimeError("mosquitto died on SIGHUP (exit %s)" %
                                   self.proc.returncode)
            if time.monotonic() > end:
                raise TimeoutError("mosquitto did not reload")
            if time.monotonic() > again:
                # A SIGHUP that came while the last one was still pending
                # is one reload, not two: ask again (a reload is idempotent).
                self.proc.send_signal(signal.SIGHUP)
                again = time.monotonic() + 3
            time.sleep(0.02)
        time.sleep(0.1)  # the log line comes first, the reload right after

    def cleanup(self, kept_log="mosquitto.log", link_name="mqtt"):
        """Close the clients, stop the broker, keep its log beside the
        test as kept_log and remove its folder (and the link to it)."""
        for c in self.clients:
            try:
                c.close()
            except Exception:
                pass
        self.stop()
        try:
            shutil.copy(self.log, self.tmpdir / kept_log)
        except OSError:
            pass
        link = self.tmpdir / link_name
        if link.is_symlink():
            link.unlink()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- accounts ---------------------------------------------------------
    def _fix_modes(self, path):
        os.chmod(path, 0o640)
        try:
            shutil.chown(path, "root", "mosquitto")
        except (LookupError, PermissionError):
            os.chmod(path, 0o644)

    def add_user(self, login, password, role):
        block = acl_block(self.root, login, role)
        subprocess.run(["mosquitto_passwd", str(self.passwd_path), login],
                       input="%s\n%s\n" % (password, password), text=True,
                       check=True, capture_output=True)
        self._fix_modes(self.passwd_path)
        head = self.acl_path.read_text().partition(MARKER)[0]
        # An account of the ACL template (regional) keeps its own block.
        if not ("\nuser %s\n" % login in head and
                "\n# %s: " % login not in head):
            self._edit_acl(login, block)
        self.reload()

    def remove_user(self, login):
        subprocess.run(["mosquitto_passwd", "-D", str(self.passwd_path),
                        login], check=True, capture_output=True)
        self._fix_modes(self.passwd_path)
        self._edit_acl(login, None)
        self.reload()

    def _edit_acl(self, login, block):
        text = self.acl_path.read_text()
        head, sep, tail = text.partition(MARKER)
        assert sep, "no staff marker in the ACL"
        # Drop an earlier block of this login from the fixed part.
        out, skip = [], False
        for line in head.rstrip("\n").split("\n"):
            if line == "# %s:" % login or line.startswith("# %s: " % login):
                skip = True
                continue
            if skip and (line.startswith("user ") or
                         line.startswith("topic ")):
                continue
            skip = False
            out.append(line)
        head = "\n".join(out).rstrip("\n") + "\n\n"
        if block:
            head += block + "\n"
        tmp = self.acl_path.with_suffix(".tmp")
        tmp.write_text(head + sep + tail)
        self._fix_modes(tmp)
        os.rename(tmp, self.acl_path)

    def daemon_credentials(self):
        return self.daemon_user, str(self.daemon_password_file)

    def mqtt_conf(self, enabled=True, staff=True):
        lines = ["[mqtt]",
                 "enabled = %s" % ("yes" if enabled else "no"),
                 "host = %s" % self.host,
                 "port = %d" % self.port,
                 "username = %s" % self.daemon_user,
                 "password_file = %s" % self.daemon_password_file]
        if staff:
            lines += ["passwd_path = %s" % self.passwd_path,
                      "acl_path = %s" % self.acl_path,
                      "broker_pid_file = %s" % self.pid_file]
        return "\n".join(lines) + "\n"

    # -- clients ----------------------------------------------------------
    def client(self, login, password, tls=True, client_id=None,
               clean_start=True, session_expiry=None, ca_file=None,
               port=None, timeout=5.0, keepalive=30):
        from paho.mqtt.properties import Properties
        from paho.mqtt.packettypes import PacketTypes
        c = TestClient(client_id or "%s-%s" % (login, uuid.uuid4().hex[:8]),
                       protocol=mqtt.MQTTv5)
        c.username_pw_set(login, password)
        c.reconnect_delay_set(0.05, 0.5)
        if tls:
            c.tls_set(ca_certs=str(ca_file or self.ca_file),
                      cert_reqs=ssl.CERT_REQUIRED,
                      tls_version=ssl.PROTOCOL_TLS_CLIENT)
        props = None
        if not clean_start and session_expiry is None:
            session_expiry = 3600
        if session_expiry:
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = session_expiry
        try:
            c.connect(self.host, port or (self.tls_port if tls else
                                          self.port),
                      keepalive=keepalive, clean_start=clean_start,
                      properties=props)
        except (OSError, ssl.SSLError) as e:
            raise ConnectFailed(None, e)
        c.loop_start()
        end = time.monotonic() + timeout
        with c.cv:
            while c.connack is None and not c.disconnected.is_set():
                left = end - time.monotonic()
                if left <= 0:
                    break
                c.cv.wait(min(left, 0.1))
        if c.connack != 0:
            reason = c.connack
            c.loop_stop()
            try:
                c.disconnect()
            except Exception:
                pass
            raise ConnectFailed(reason)
        self.clients.append(c)
        return c

    def all_seeing_client(self, **kw):
        return self.client(*self.all_seeing, **kw)


@pytest.fixture
def broker(tmp_path):
    """A running Mosquitto with the appliance's configuration."""
    b = Broker(tmp_path / "broker")
    yield b
    b.cleanup()
