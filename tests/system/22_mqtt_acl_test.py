"""The broker's ACL (firmware/mosquitto/acl.in and the staff blocks staff.c
writes): a login publishes only under its own cmd/<login>/, reads only its
own replies and the shared topics its role allows; the regional account
reads vacancy alone.  And husvagtctl staff add / passwd / remove change who
may connect, with Mosquitto reloaded (never restarted).  A real Mosquitto
with the appliance's configuration; the husvagtd bridge where the daemon's
side matters."""

import json
import subprocess
import time
import uuid

import pytest

from conftest import BUILD, wait_until
from mqttbroker import MARKER, Broker, ConnectFailed, broker  # noqa: F401
from mqttsite import MqttSite, mqtt_site  # noqa: F401

NOT_AUTHORISED = 135
BAD_LOGIN = (134, 135)
PW = {"anna": "anna-password-1", "birgit": "birgit-password-1",
      "kim": "kim-password-123", "regional": "regional-password-1"}


@pytest.fixture
def accounts(broker):
    broker.add_user("anna", PW["anna"], "staff")
    broker.add_user("birgit", PW["birgit"], "staff")
    broker.add_user("kim", PW["kim"], "installer")
    broker.add_user("regional", PW["regional"], "regional")
    return broker


def daemon(b):
    """A client with husvagtd's own account, on its loopback listener."""
    return b.client(b.daemon_user, b.daemon_password, tls=False)


def publish_shared(b, d, rid):
    """husvagtd's side: one message on every kind of topic."""
    r = b.root
    topics = {
        "status": r + "/status", "state": r + "/state/door/front",
        "event": r + "/event", "vacancy": r + "/vacancy",
        "reply_anna": "%s/reply/anna/%s" % (r, rid),
        "reply_birgit": "%s/reply/birgit/%s" % (r, rid),
    }
    for name, t in topics.items():
        assert d.pub(t, json.dumps({"what": name, "rid": rid}),
                     retain=name in ("status", "state", "vacancy")) in (0,
                                                                        16)
    return topics


def seen(c, rid):
    return sorted({json.loads(m.payload)["what"] for m in c.matching(
        lambda m: m.payload.startswith(b"{") and
        json.loads(m.payload).get("rid") == rid)})


def test_a_login_publishes_only_under_its_own_cmd_topic(accounts):
    b = accounts
    d = daemon(b)
    assert d.sub(b.root + "/cmd/+/#") == [1]
    anna = b.client("anna", PW["anna"])
    assert anna.pub(b.root + "/cmd/anna/door.release",
                    {"id": "1", "args": {"door": "front"}}) == 0
    # Another login's command topic: refused with PUBACK 135.
    assert anna.pub(b.root + "/cmd/birgit/door.release",
                    {"id": "2", "args": {"door": "front"}}) == \
        NOT_AUTHORISED
    # Nor may a login speak for husvagtd on the shared topics.
    for t in ("status", "state/door/front", "state/mode", "event",
              "vacancy", "reply/anna/1", "reply/birgit/1", "cmd"):
        assert anna.pub("%s/%s" % (b.root, t), "forged") == \
            NOT_AUTHORISED, t
    # Nor outside the site's tree.
    assert anna.pub("husvagt/othersite/cmd/anna/door.release", "x") == \
        NOT_AUTHORISED
    d.wait_for(lambda m: m.topic.endswith("/cmd/anna/door.release"))
    time.sleep(0.5)
    assert [m.topic for m in d.messages] == [
        b.root + "/cmd/anna/door.release"]


def test_replies_are_read_by_their_login_alone(accounts):
    b = accounts
    anna = b.client("anna", PW["anna"])
    birgit = b.client("birgit", PW["birgit"])
    # anna tries the wide subscriptions; whatever the SUBACK, the broker
    # delivers only what her ACL lets her read.
    anna.sub([b.root + "/#", "#", b.root + "/reply/+/#"])
    anna.sub(b.root + "/reply/birgit/#")
    birgit.sub(b.root + "/reply/birgit/#")
    rid = uuid.uuid4().hex
    publish_shared(b, daemon(b), rid)
    birgit.wait_for(lambda m: m.topic.endswith("/reply/birgit/" + rid))
    anna.wait_for(lambda m: m.topic.endswith("/reply/anna/" + rid))
    time.sleep(0.5)
    assert seen(anna, rid) == ["event", "reply_anna", "state", "status",
                               "vacancy"]
    assert not anna.matching(lambda m: "/reply/birgit/" in m.topic)


def test_what_each_role_reads(accounts):
    b = accounts
    clients = {}
    for login in ("anna", "kim", "regional"):
        clients[login] = b.client(login, PW[login])
        clients[login].sub(["#", b.root + "/#"])
    watcher = b.all_seeing_client()
    watcher.sub("#")
    rid = uuid.uuid4().hex
    publish_shared(b, daemon(b), rid)
    watcher.wait_count(6, lambda m: rid.encode() in m.payload)
    time.sleep(0.5)
    # staff (and management): the shared topics and its own replies.
    assert seen(clients["anna"], rid) == ["event", "reply_anna", "state",
                                          "status", "vacancy"]
    # installer: status and state; not who came and went, not vacancy.
    assert seen(clients["kim"], rid) == ["state", "status"]
    # regional: vacancy, the only topic that may leave the building.
    assert seen(clients["regional"], rid) == ["vacancy"]
    # The test-only all-seeing login does see everything.
    assert seen(watcher, rid) == ["event", "reply_anna", "reply_birgit",
                                  "state", "status", "vacancy"]


def test_regional_reads_vacancy_and_writes_nothing(accounts):
    b = accounts
    d = daemon(b)
    d.pub(b.root + "/vacancy", json.dumps({"free": 3}), retain=True)
    d.pub(b.root + "/state/occupancy", json.dumps({"rooms": 12}),
          retain=True)
    reg = b.client("regional", PW["regional"])
    reg.sub(["#", b.root + "/vacancy"])
    m = reg.wait_for(lambda m: m.topic == b.root + "/vacancy")
    assert m.retain and json.loads(m.payload) == {"free": 3}
    time.sleep(0.3)
    assert {m.topic for m in reg.messages} == {b.root + "/vacancy"}
    for t in ("vacancy", "cmd/regional/status", "cmd/anna/door.release",
              "event"):
        assert reg.pub("%s/%s" % (b.root, t), "x") == NOT_AUTHORISED, t


def test_the_daemon_never_acts_on_another_logins_topic(mqtt_site):
    """With husvagtd's bridge: a command anna publishes on birgit's topic
    is refused by the broker, so the daemon never sees it (nothing
    journalled, the door stays locked), while her own works."""
    s = mqtt_site
    anna = s.staff("anna")
    after = s.b.last_seq()
    rc = anna.pub("%s/cmd/birgit/door.release" % s.root,
                  {"id": "x1", "args": {"door": "office"}})
    assert rc == NOT_AUTHORISED
    reply = s.command(anna, "anna", "door.release", {"door": "garden"})
    assert reply["ok"], reply
    s.b.wait_journal("door.commanded", after=after, actor="anna")
    time.sleep(0.3)
    rows = s.b.journal(after)
    assert not [r for r in rows if r["actor"] == "birgit"], rows
    assert not [r for r in rows if r.get("point") == "office"], rows
    assert not s.b.released("office")


# -- staff logins managed by husvagtd ---------------------------------------

@pytest.fixture
def site(broker, make_building):
    """husvagtd keeping the broker's password file and ACL (its bridge
    off: this is about who may connect)."""
    b = make_building(extra_conf=broker.mqtt_conf(enabled=False))
    return b


def can_connect(broker, login, pw):
    try:
        broker.client(login, pw).close()
        return True
    except ConnectFailed as e:
        assert e.reason in BAD_LOGIN, e
        return False


def staff_add(b, login, role, pw, *pre, check=0):
    return b.ctl(*pre, "staff", "add", login, "--role", role,
                 input=pw + "\n", check=check)


def test_staff_add_passwd_remove_change_who_connects(broker, site):
    b = site
    pid = broker.proc.pid
    after = b.last_seq()
    assert not can_connect(broker, "maria", "maria-password-1")

    p = staff_add(b, "maria", "staff", "maria-password-1")
    assert "maria" in p.stdout
    maria = wait_until(lambda: can_connect(broker, "maria",
                                           "maria-password-1") and
                       broker.client("maria", "maria-password-1"),
                       what="maria's login to work")
    # Her ACL came with her: her own command topic, not anna's.
    assert maria.pub(broker.root + "/cmd/maria/status", "{}") in (0, 16)
    assert maria.pub(broker.root + "/cmd/anna/status", "{}") == \
        NOT_AUTHORISED

    b.ctl("staff", "passwd", "maria", input="maria-password-2\n", check=0)
    # The old password no longer works; the session on it is dropped.
    wait_until(lambda: maria.disconnected.is_set(), 5,
               "maria's old session to be dropped")
    assert not can_connect(broker, "maria", "maria-password-1")
    maria = broker.client("maria", "maria-password-2")

    b.ctl("staff", "remove", "maria", check=0)
    wait_until(lambda: maria.disconnected.is_set(), 5,
               "maria's session to be dropped")
    assert not can_connect(broker, "maria", "maria-password-2")

    # Reloaded, never restarted.
    assert broker.proc.pid == pid and broker.running()
    assert broker.log.read_text().count(" starting") == 1
    # Journalled with the actor, never with a password.
    types = [(r["type"], r["actor"], r["subject"]) for r in
             b.journal(after) if r["type"].startswith("staff.")]
    assert types == [("staff.added", "root", "staff:maria"),
                     ("staff.password_changed", "root", "staff:maria"),
                     ("staff.removed", "root", "staff:maria")]
    export = b.ctl("journal", "export", "--format", "json", check=0).stdout
    assert "maria-password" not in export
    listing = json.loads(b.ctl("--json", "staff", "list", "--removed",
                               check=0).stdout)
    row = [r for r in listing["staff"] if r["login"] == "maria"][0]
    assert row["removed_at"] and row["source"] == "database"
    # Nothing of the password in the database either.
    db = b.state / "husvagt.db"
    assert b"maria-password" not in db.read_bytes()


def test_staff_roles_from_the_table(broker, site):
    """A login added with husvagtctl has its role on the control socket
    too; removed, it has none.  The configuration's [staff] stays."""
    b = site
    p = b.ctl("--as", "maria", "chip", "list")
    assert p.returncode == 1 and "not a husvagt staff login" in p.stderr
    staff_add(b, "maria", "management", "maria-password-1")
    b.ctl("--as", "maria", "chip", "list", check=0)
    staff_add(b, "zoe", "staff", "zoe-password-12", "--as", "maria")
    rows = [r for r in b.journal() if r["type"] == "staff.added"]
    assert rows[-1]["actor"] == "maria" and rows[-1]["detail"]["role"] == \
        "staff"
    # zoe (staff) may change her own password, not maria's.
    b.ctl("--as", "zoe", "staff", "passwd", "zoe",
          input="zoe-password-34\n", check=0)
    p = b.ctl("--as", "zoe", "staff", "passwd", "maria",
              input="zoe-owns-maria-now\n", check=1)
    assert "forbidden" in p.stderr
    wait_until(lambda: can_connect(broker, "maria", "maria-password-1"),
               5, "maria's login to work")
    b.ctl("staff", "remove", "maria", check=0)
    p = b.ctl("--as", "maria", "chip", "list", check=1)
    assert "not a husvagt staff login" in p.stderr
    # Bootstrap logins of the configuration are untouched.
    b.ctl("--as", "leder", "chip", "list", check=0)


def test_staff_changes_refused_change_nothing(broker, site):
    b = site
    staff_add(b, "maria", "staff", "maria-password-1")
    files = (broker.passwd_path.read_bytes(), broker.acl_path.read_bytes())
    after = b.last_seq()
    cases = [
        (("staff", "add", "bob", "--role", "staff"), "short\n", 2, ""),
        (("staff", "add", "bob", "--role", "boss"), "bob-password-12\n", 2,
         ""),
        (("staff", "add", "Bob!", "--role", "staff"), "bob-password-12\n",
         1, "bad_login"),
        (("staff", "add", "maria", "--role", "staff"), "maria-password-9\n",
         1, "exists"),
        (("staff", "add", broker.daemon_user, "--role", "staff"),
         "daemon-password-1\n", 1, "reserved"),
        (("staff", "add", "regional", "--role", "staff"),
         "regional-password\n", 1, "reserved"),
        (("staff", "add", "all_seeing", "--role", "management"),
         "all-seeing-pw-123\n", 1, "reserved"),
        (("--as", "anna", "staff", "add", "bob", "--role", "staff"),
         "bob-password-12\n", 1, "forbidden"),
        (("--as", "anna", "staff", "remove", "maria"), None, 1,
         "forbidden"),
        (("staff", "remove", "nobody"), None, 1, "not_found"),
        (("staff", "passwd", "nobody"), "nobody-password\n", 1,
         "not_found"),
        (("staff", "passwd", "anna"), "anna-password-9\n", 1, "not_found"),
    ]
    for args, stdin, code, err in cases:
        p = b.ctl(*args, input=stdin)
        assert p.returncode == code, (args, p.returncode, p.stderr)
        assert err in p.stderr, (args, p.stderr)
    # A password on the command line is not even an option.
    p = b.ctl("staff", "add", "bob", "--role", "staff", "--password",
              "bob-password-12", input="")
    assert p.returncode == 2
    assert (broker.passwd_path.read_bytes(),
            broker.acl_path.read_bytes()) == files
    assert not [r for r in b.journal(after) if r["type"].startswith(
        "staff.")]
    refused = [r for r in b.journal(after) if r["type"] ==
               "command.refused"]
    assert len(refused) >= 7
    dump = json.dumps(refused)
    assert "-password" not in dump and "-pw-" not in dump
    # Over the raw control socket the schema holds too.
    for args in ({"login": "bob", "role": "staff", "password": "x" * 11},
                 {"login": "bob", "role": "staff", "password": "x" * 129},
                 {"login": "bob", "role": "staff",
                  "password": "with\nnewline-1"},
                 {"login": "bob", "role": "staff", "password": 123456789012},
                 {"login": "bob", "role": "staff"}):
        r = b.request("staff.add", **args)
        assert not r["ok"], (args, r)
    assert broker.passwd_path.read_bytes() == files[0]


def test_password_is_read_without_echo_from_a_terminal(broker, site):
    """On a terminal husvagtctl asks twice, echo off, and refuses a
    mismatch; the password never shows on the screen."""
    b = site
    import os
    import pty
    import select

    def run(answers):
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(str(BUILD / "husvagtctl"),
                     ["husvagtctl", "-s", str(b.control), "staff", "add",
                      "tty-user", "--role", "staff"])
        out = b""
        for a in answers:
            end = time.monotonic() + 5
            while b"assword" not in out.split(b"\n")[-1] and \
                    time.monotonic() < end:
                r, _, _ = select.select([fd], [], [], 0.1)
                if r:
                    out += os.read(fd, 1000)
            out += b"\n"  # (what the screen shows after the prompt)
            os.write(fd, a.encode() + b"\n")
        end = time.monotonic() + 20
        while time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 0.1)
            if not r:
                continue
            try:
                chunk = os.read(fd, 1000)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        else:
            os.kill(pid, 9)
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        return os.waitstatus_to_exitcode(status), out.decode()

    code, out = run(["tty-password-1", "tty-password-2"])
    assert code == 1 and "differ" in out
    assert "tty-password" not in out
    code, out = run(["tty-password-1", "tty-password-1"])
    assert code == 0, out
    assert "tty-password" not in out
    wait_until(lambda: can_connect(broker, "tty-user", "tty-password-1"),
               5, "the new login to work")


def test_restart_brings_the_broker_files_back_in_line(broker, site):
    """At start husvagtd rewrites the ACL's staff part from its table and
    drops broker passwords of logins it does not know (a crash between
    the files, a restored backup)."""
    b = site
    staff_add(b, "maria", "staff", "maria-password-1")
    # A stray password (no staff row) and a tampered staff part.
    subprocess.run(["mosquitto_passwd", str(broker.passwd_path), "ghost"],
                   input="ghost-password-1\nghost-password-1\n", text=True,
                   check=True, capture_output=True)
    acl = broker.acl_path.read_text()
    head = acl.split(MARKER)[0]
    broker.acl_path.write_text(head + MARKER +
                               "\nuser maria\ntopic readwrite #\n")
    broker.reload()
    assert can_connect(broker, "ghost", "ghost-password-1")
    b.stop()
    b.start()
    wait_until(lambda: not can_connect(broker, "ghost", "ghost-password-1"),
               5, "the stray login to be dropped")
    acl = broker.acl_path.read_text()
    assert "topic readwrite #" not in acl
    assert "user maria\ntopic write %s/cmd/maria/#" % broker.root in acl
    assert acl.startswith(head)
    maria = broker.client("maria", "maria-password-1")
    assert maria.pub(broker.root + "/event", "x") == NOT_AUTHORISED
    # The test accounts of the fixed part are kept.
    assert can_connect(broker, *broker.all_seeing)


def test_staff_logins_managed_over_mqtt(broker, make_building):
    """The staff verbs are commands over MQTT too: management adds a
    login, which can then log in and command as itself; a staff login may
    not add one; no reply carries a password."""
    s = MqttSite(broker, make_building, extra_conf=broker.mqtt_conf())
    s.wait_online()
    leder = s.staff("leder")
    anna = s.staff("anna")
    after = s.b.last_seq()
    r = s.command(anna, "anna", "staff.add", {
        "login": "maria", "role": "staff", "password": "maria-password-1"})
    assert not r["ok"] and r["error"] == "forbidden", r
    r = s.command(leder, "leder", "staff.add", {
        "login": "maria", "role": "staff", "password": "maria-password-1"})
    assert r["ok"] and r["result"]["broker_reloaded"], r
    assert "maria-password" not in json.dumps(r)
    maria = wait_until(lambda: can_connect(broker, "maria",
                                           "maria-password-1") and
                       broker.client("maria", "maria-password-1"),
                       what="maria's login to work")
    maria.sub(s.root + "/reply/maria/#")
    r = s.command(maria, "maria", "door.release", {"door": "office"})
    assert r["ok"], r
    r = s.command(maria, "maria", "staff.passwd", {
        "login": "maria", "password": "maria-password-2"})
    assert r["ok"], r
    assert "maria-password" not in json.dumps(r)
    wait_until(lambda: maria.disconnected.is_set(), 5,
               "maria's old session to be dropped")
    rows = [r for r in s.b.journal(after) if r["type"].startswith("staff.")]
    assert [(r["type"], r["actor"]) for r in rows] == [
        ("staff.added", "leder"), ("staff.password_changed", "maria")]
    assert "maria-password" not in json.dumps(s.b.journal(after))
