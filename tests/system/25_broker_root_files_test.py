"""What the daemon may write and what only root may write (issue 15,
finding 4).  The husvagtd user used to own /etc/husvagt/mqtt, with the
root-started broker's mosquitto.conf, CA and key in it: appending `user
root`, a plugin or `allow_anonymous true` took effect at the next broker
start.  husvagt-mqtt-setup now keeps the broker's configuration, CA and
key in a root-owned directory, and the password file and ACL -- all the
daemon rewrites -- in DIR/accounts, the daemon's.  Run as root, the setup
makes the files for a daemon user, and that user is shown unable to change
the configuration."""

import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from mqttbroker import SETUP

DAEMON = "nobody"          # stands in for the husvagt user


@pytest.fixture
def setup_dir():
    if os.geteuid() != 0:
        pytest.skip("needs root: the setup chowns files")
    top = Path(tempfile.mkdtemp(prefix="husvagt-root-files-"))
    os.chmod(top, 0o755)    # the daemon user may walk to its accounts
    d = top / "mqtt"
    subprocess.run(
        [str(SETUP), "--dir", str(d), "--site", "villa",
         "--owner", DAEMON, "--broker-user", "mosquitto",
         "--site-config", "/nonexistent", "--ws-port", "0",
         "--pid-file", str(top / "mosquitto.pid"),
         "--persistence-dir", str(top / "persist"), "--cn", "localhost",
         "--daemon-password-file", str(top / "husvagtd.secret")],
        check=True, capture_output=True, text=True)
    yield d
    shutil.rmtree(top)


def as_daemon(cmd):
    pw = pwd.getpwnam(DAEMON)
    return subprocess.run(
        ["setpriv", "--reuid", str(pw.pw_uid), "--regid", str(pw.pw_gid),
         "--clear-groups", "sh", "-c", cmd], capture_output=True, text=True)


def owner_mode(p):
    st = os.stat(p)
    return pwd.getpwuid(st.st_uid).pw_name, stat.S_IMODE(st.st_mode)


def test_root_only_files_are_roots(setup_dir):
    d = setup_dir
    assert owner_mode(d) == ("root", 0o755)
    assert owner_mode(d / "mosquitto.conf") == ("root", 0o644)
    assert owner_mode(d / "ca.key") == ("root", 0o600)
    assert owner_mode(d / "server.key") == ("root", 0o640)
    assert owner_mode(d / "ca.crt")[0] == "root"
    # The daemon's: the accounts directory, the password file, the ACL.
    assert owner_mode(d / "accounts") == (DAEMON, 0o750)
    assert owner_mode(d / "accounts" / "passwd") == (DAEMON, 0o640)
    assert owner_mode(d / "accounts" / "acl") == (DAEMON, 0o640)
    assert not (d / "passwd").exists() and not (d / "acl").exists()
    conf = (d / "mosquitto.conf").read_text()
    assert "password_file %s/accounts/passwd" % d in conf
    assert "acl_file %s/accounts/acl" % d in conf


def test_the_daemon_cannot_change_the_broker_configuration(setup_dir):
    d = setup_dir
    before = (d / "mosquitto.conf").read_bytes()
    for cmd in ["echo 'user root' >> %s/mosquitto.conf" % d,
                "echo x > %s/mosquitto.conf.new && mv %s/mosquitto.conf.new "
                "%s/mosquitto.conf" % (d, d, d),
                "mv %s/mosquitto.conf %s/old.conf" % (d, d),
                "echo x > %s/ca.key" % d,
                "echo x > %s/server.key" % d]:
        assert as_daemon(cmd).returncode != 0, cmd
    assert (d / "mosquitto.conf").read_bytes() == before
    assert owner_mode(d / "mosquitto.conf") == ("root", 0o644)
    # ...but it still keeps the staff logins, as husvagtctl staff does.
    r = as_daemon("cp {a}/acl {a}/acl.tmp && echo '# x' >> {a}/acl.tmp && "
                  "mv {a}/acl.tmp {a}/acl".format(a=d / "accounts"))
    assert r.returncode == 0, r.stderr
