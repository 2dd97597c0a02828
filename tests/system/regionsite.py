"""A region under test: one regional Mosquitto (a stock broker configured
by tools/husvagt-mqtt-setup --region) and buildings whose own Mosquitto
(the appliance's configuration, mqttbroker.Broker) bridges their vacancy
to it (husvagt-mqtt-setup --bridge), each with husvagtd on the simulated
building.  All on loopback.

    from regionsite import Region, RegionBroker

    r = RegionBroker(tmpdir, sites=["a", "b"], intake=["desk"], web=None)
        r.dir, r.conf, r.tls_port, r.ws_port, r.ca_file, r.log
        r.password(login)        a site's or an intake login's password
        r.secret_file(site)      the site's password file (for --bridge)
        r.start() / r.stop() / r.running()
        r.client(login, password=None, **kw) -> mqttbroker.TestClient (TLS)
        r.cleanup()

    g = Region(tmp_path, make_building, sites=("a", "b", "c"),
               intake=("desk",), extra_conf="", web=False, joined=None)
                                 (joined: the sites that get a building;
                                 default all.  web: lighttpd serving the
                                 intake view, at g.url)
        g.region                 the RegionBroker
        g.sites[name]            mqttsite.MqttSite of each building
        g.cleanup()
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from mqttbroker import SETUP, TOP, Broker, free_port
from mqttsite import MqttSite

MOSQUITTO = "/usr/sbin/mosquitto"
RUNNING = re.compile(r"mosquitto version \S+ running")


class RegionBroker:
    def __init__(self, tmpdir, sites, intake, web=None):
        self.tmpdir = Path(tmpdir)
        self.tmpdir.mkdir(parents=True, exist_ok=True)
        self.host = "127.0.0.1"
        self.tls_port = free_port()
        self.ws_port = free_port() if web is not None else 0
        self.dir = Path(tempfile.mkdtemp(prefix="husvagt-region-", dir="/tmp"))
        os.chmod(self.dir, 0o755)
        link = self.tmpdir / "region"
        if not link.exists():
            link.symlink_to(self.dir)
        self.pid_file = self.dir / "run" / "mosquitto.pid"
        self.log = self.dir / "mosquitto.log"
        self.conf = Path(subprocess.check_output([
            str(SETUP), "--region", "--dir", str(self.dir),
            "--region-sites", ",".join(sites),
            "--intake", ",".join(intake),
            "--tls-port", str(self.tls_port), "--tls-bind", "127.0.0.1",
            "--ws-port", str(self.ws_port),
            "--pid-file", str(self.pid_file),
            "--persistence-dir", str(self.dir / "persist"),
            "--log-file", str(self.log), "--cn", "localhost"] +
            list(web or []), text=True).strip())
        self.ca_file = self.dir / "ca.crt"
        self.proc = None
        self.clients = []

    def secret_file(self, site):
        return self.dir / "sites" / ("%s.secret" % site)

    def password(self, login):
        for sub in ("sites", "intake"):
            p = self.dir / sub / ("%s.secret" % login)
            if p.exists():
                return p.read_text().splitlines()[0]
        raise KeyError(login)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def _listening(self, port):
        try:
            socket.create_connection((self.host, port), 0.2).close()
            return True
        except OSError:
            return False

    def start(self, timeout=10.0):
        self.out = open(self.tmpdir / "region.stderr", "ab")
        started = len(self._text())
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)],
                                     stdout=self.out, stderr=subprocess.STDOUT)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            assert self.proc.poll() is None, "regional mosquitto exited:\n" + \
                self._text()
            if (RUNNING.search(self._text()[started:]) and
                    self._listening(self.tls_port) and
                    (not self.ws_port or self._listening(self.ws_port))):
                return self
            time.sleep(0.02)
        raise TimeoutError("regional mosquitto did not listen")

    def _text(self):
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM):
        if self.running():
            self.proc.send_signal(sig)
            self.proc.wait(10)
            self.out.close()

    def client(self, login, password=None, **kw):
        # Broker.client does the connecting; borrow it with our ports.
        b = Broker.__new__(Broker)
        b.host, b.tls_port, b.port, b.ca_file = (self.host, self.tls_port,
                                                 self.tls_port, self.ca_file)
        b.clients = self.clients
        return Broker.client(b, login, password if password is not None
                             else self.password(login), **kw)

    def cleanup(self):
        Broker.cleanup(self, "region-mosquitto.log", "region")


class Region:
    def __init__(self, tmp_path, make_building, sites=("a", "b", "c"),
                 intake=("desk",), extra_conf="", web=False, joined=None):
        self.web = None
        self.web_dir = None
        web_args = None
        if web:
            self.web_port = free_port()
            self.web_dir = Path(tempfile.mkdtemp(prefix="husvagt-web-",
                                                 dir="/tmp"))
            os.chmod(self.web_dir, 0o755)
            web_args = [
                "--web-port", str(self.web_port), "--web-bind", "127.0.0.1",
                "--web-pid-file", str(self.web_dir / "lighttpd.pid"),
                "--web-log-file", str(self.web_dir / "lighttpd.log"),
                "--console-dir", str(TOP / "tools" / "console")]
            self.url = "https://127.0.0.1:%d/" % self.web_port
        self.region = RegionBroker(tmp_path / "region", sites, intake,
                                   web_args)
        self.region.start()
        if web:
            self.web = subprocess.Popen(
                ["/usr/sbin/lighttpd", "-D", "-f",
                 str(self.region.dir / "lighttpd.conf")],
                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            end = time.monotonic() + 10
            while not self.region._listening(self.web_port):
                assert self.web.poll() is None, "lighttpd exited"
                assert time.monotonic() < end, "lighttpd did not listen"
                time.sleep(0.05)
        self.brokers = {}
        self.sites = {}
        try:
            for s in (sites if joined is None else joined):
                self.brokers[s] = Broker(tmp_path / ("broker-" + s), site=s,
                                         setup_args=[
                    "--bridge", "localhost:%d" % self.region.tls_port,
                    "--bridge-ca", str(self.region.ca_file),
                    "--bridge-password-file",
                    str(self.region.secret_file(s))])
                self.sites[s] = MqttSite(
                    self.brokers[s], lambda **kw: make_building(
                        name="run-" + s, **kw),
                    extra_conf="[site]\nname = %s\n%s" % (s, extra_conf))
        except Exception:
            self.cleanup()
            raise

    def cleanup(self):
        if self.web and self.web.poll() is None:
            self.web.send_signal(signal.SIGTERM)
            try:
                self.web.wait(10)
            except subprocess.TimeoutExpired:
                self.web.kill()
        if self.web_dir:
            shutil.rmtree(self.web_dir, ignore_errors=True)
        for b in self.brokers.values():
            b.cleanup()
        self.region.cleanup()
