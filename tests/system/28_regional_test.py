"""A region (docs/regional.md): three buildings -- three Mosquitto brokers
with the appliance's configuration, three husvagtd on simulated buildings
-- each bridging its vacancy to one regional Mosquitto, a stock broker
configured by husvagt-mqtt-setup --region; all on loopback, the bridges
over TLS with the region's CA.

- An admission in one house and a discharge in another change the
  regional figures at the next publication time ([vacancy] interval, short
  here), and not before.
- A building's broker stopped: the region's bridge state for that house
  goes to 0 (the figure stays, with its age); started: 1 and a fresh
  figure.
- The widest regional login (intake) subscribed to # sees vacancy and
  bridge state only: no alias, no event, no door, no name.
- A house's login cannot publish another house's vacancy, an intake login
  cannot publish at all, and what is published on the regional broker
  never reaches a building."""

import calendar
import json
import time

import pytest

from conftest import wait_until
from regionsite import Region

EVERY = 6
SITES = ("a", "b", "c")
FIELDS = {"site", "free_rooms", "free_places", "children", "child_ages",
          "accessible", "as_of"}
NOT_AUTHORISED = 135
ALIASES = ("Zelda Privatsen", "Yrsa Hemmelig")


@pytest.fixture
def region(tmp_path, make_building):
    # "d" is a house of the region that has not joined yet: its login is
    # free for the tests to use without knocking a bridge off.
    g = Region(tmp_path, make_building, sites=SITES + ("d",),
               intake=("desk", "late", "wide"),
               extra_conf="[vacancy]\ninterval = %ds\n" % EVERY,
               joined=SITES)
    yield g
    g.cleanup()


def as_of(v):
    return calendar.timegm(time.strptime(v["as_of"], "%Y-%m-%dT%H:%M:%SZ"))


def figures(c, site, since=0.0):
    return [(m.at, json.loads(m.payload)) for m in c.matching(
        lambda m: m.topic == "husvagt/%s/vacancy" % site and m.at >= since)]


def bridge(c, site):
    got = c.matching(lambda m: m.topic == "husvagt/%s/bridge" % site)
    return got[-1].payload if got else None


def quiet_start():
    """Just after a publication time; the wall time of the next one."""
    now = time.time()
    nxt = (int(now) // EVERY + 1) * EVERY
    if nxt - now < EVERY - 2:
        time.sleep(nxt - now + 0.5)
        nxt += EVERY
    return nxt


def test_region(region):
    g = region
    desk = g.region.client("desk")
    desk.sub(["husvagt/+/vacancy", "husvagt/+/bridge"])
    for s in SITES:
        wait_until(lambda: figures(desk, s), 10, "the figure of " + s)
        wait_until(lambda: bridge(desk, s) == b"1", 10, "bridge " + s)
    stay_b = g.sites["b"].b.ok("stay.admit", alias=ALIASES[1], room="201",
                               adults=1, children_0_2=1)["stay"]
    wait_until(lambda: figures(desk, "b")[-1][1]["free_places"] == 14,
               EVERY + 3, "b's figure with the first stay")

    # -- an admission in a, a discharge in b: at the next publication time
    nxt = quiet_start()
    before = {s: figures(desk, s)[-1][1] for s in SITES}
    assert before["b"]["free_places"] == 14, before
    assert all(set(v) == FIELDS for v in before.values())
    changed_at = time.time()
    g.sites["a"].b.ok("stay.admit", alias=ALIASES[0], room="101", adults=1)
    g.sites["b"].b.ok("stay.discharge", id=stay_b)
    time.sleep(max(0.0, nxt - time.time() - 0.3))
    for s in ("a", "b"):
        early = [v["free_places"] for at, v in figures(desk, s, changed_at)]
        assert all(p == before[s]["free_places"] for p in early), (s, early)
    for s, want in (("a", 14), ("b", 16)):
        at, v = wait_until(lambda: [(at, v) for at, v in figures(
            desk, s, changed_at) if v["free_places"] == want], 5,
                           "the new figure of " + s)[0]
        assert at >= nxt - 0.05 and as_of(v) >= nxt, (s, at, nxt, v)
    assert figures(desk, "c")[-1][1]["free_places"] == 16

    # -- a building's broker stops: its house goes stale, with its age
    last_c = figures(desk, "c")[-1][1]
    g.brokers["c"].stop()
    wait_until(lambda: bridge(desk, "c") == b"0", 10, "bridge c down")
    # (A client id is its login on the regional broker: another login.)
    late = g.region.client("late")
    late.sub(["husvagt/c/vacancy", "husvagt/c/bridge"])
    wait_until(lambda: figures(late, "c") and bridge(late, "c"), 5,
               "c's retained topics")
    assert bridge(late, "c") == b"0"
    kept = figures(late, "c")[-1][1]
    assert as_of(kept) <= as_of(last_c) + EVERY  # its age keeps growing
    time.sleep(EVERY)
    assert figures(late, "c")[-1][1] == kept
    assert bridge(desk, "a") == bridge(desk, "b") == b"1"
    g.brokers["c"].start()
    wait_until(lambda: bridge(desk, "c") == b"1", 15, "bridge c up again")
    wait_until(lambda: as_of(figures(desk, "c")[-1][1]) > as_of(kept), 15,
               "a fresh figure of c")

    # -- the widest regional login sees vacancy and bridge state only
    for s in SITES:
        g.sites[s].b.ok("door.release", door="front")
    wide = g.region.client("wide")
    assert wide.sub("#") == [1]
    time.sleep(2)
    got = wide.matching()
    assert {m.topic for m in got} == {"husvagt/%s/%s" % (s, t)
                                      for s in SITES
                                      for t in ("vacancy", "bridge")}
    for m in got:
        if m.topic.endswith("/vacancy"):
            assert set(json.loads(m.payload)) == FIELDS
        else:
            assert m.payload in (b"0", b"1")
    everything = b" ".join(m.payload for m in desk.matching() + got)
    for secret in [a.encode() for a in ALIASES] + [b"front", b"stay",
                                                    b"door", b"anna"]:
        assert secret not in everything
    # (The buildings did publish them, where they belong.)
    w = g.sites["a"].watch("husvagt/a/#")
    wait_until(lambda: w.matching(lambda m: m.topic.startswith(
        "husvagt/a/state/door/")), 5, "a's own door states")

    # -- who may publish what on the regional broker
    d = g.region.client("d")
    assert d.pub("husvagt/a/vacancy", {"free_places": 99},
                 retain=True) == NOT_AUTHORISED
    assert d.pub("husvagt/d/vacancy", {"free_places": 1}) in (0, 16)
    assert d.pub("husvagt/a/cmd/anna/door.release", {"id": "x"}) == \
        NOT_AUTHORISED
    for t in ("husvagt/d/vacancy", "husvagt/a/vacancy", "husvagt/x"):
        assert desk.pub(t, {"free_places": 99}) == NOT_AUTHORISED
    # A house's own login, used while its bridge is knocked off (a client
    # id is its login on the regional broker): what it publishes there
    # does not reach the building, the bridge carries nothing in.
    marker = "from-the-region"
    a = g.region.client("a")
    assert a.pub("husvagt/a/vacancy", {"free_places": marker}) in (0, 16)
    a.close()
    time.sleep(1)
    assert not w.matching(lambda m: marker.encode() in m.payload)
    wait_until(lambda: bridge(desk, "a") == b"1", 15, "bridge a back")
    assert all(json.loads(m.payload).get("free_places") != 99
               for m in wide.matching(lambda m: m.topic.endswith("vacancy")))


def test_setup_files(tmp_path):
    """husvagt-mqtt-setup --region and --bridge: the region's logins and
    ACL; the building's bridge in a file of its own that only the broker
    reads (the password is not in the world-readable configuration), kept
    when the setup runs again, removed with --bridge none."""
    import os
    import stat
    import subprocess
    from regionsite import SETUP, RegionBroker
    r = RegionBroker(tmp_path / "r", ["north", "south"], ["desk"])
    try:
        acl = (r.dir / "acl").read_text()
        assert "user north\ntopic write husvagt/north/vacancy\n" \
            "topic write husvagt/north/bridge\n" in acl
        assert "user desk\ntopic read husvagt/+/vacancy\n" \
            "topic read husvagt/+/bridge\n" in acl
        assert "topic read #" not in acl and "readwrite" not in acl
        conf = r.conf.read_text()
        assert "use_username_as_clientid true" in conf
        assert "plugin" not in conf.replace("no plugin", "")
        pw = r.password("north")
        subprocess.run([str(SETUP), "--region", "--dir", str(r.dir),
                        "--region-sites", "north,south", "--ws-port", "0",
                        "--pid-file", str(r.pid_file), "--persistence-dir",
                        str(r.dir / "persist"), "--cn", "localhost"],
                       check=True, capture_output=True)
        assert r.password("north") == pw   # kept
        assert "user desk" not in (r.dir / "acl").read_text()
        bad = subprocess.run([str(SETUP), "--region", "--dir", str(r.dir),
                              "--region-sites", "north", "--intake",
                              "north"], capture_output=True, text=True)
        assert bad.returncode != 0 and "both a site and an intake" in \
            bad.stderr

        d = tmp_path / "house"
        base = [str(SETUP), "--dir", str(d), "--site", "north", "--owner",
                "root", "--site-config", "/nonexistent", "--ws-port", "0",
                "--daemon-password-file", str(tmp_path / "h.secret"),
                "--pid-file", str(d / "m.pid"), "--persistence-dir",
                str(d / "p")]
        subprocess.check_output(base)
        before = (d / "mosquitto.conf").read_text()
        # --region never writes over a building's broker folder.
        bad = subprocess.run([str(SETUP), "--region", "--dir", str(d),
                              "--region-sites", "north"],
                             capture_output=True, text=True)
        assert bad.returncode != 0 and "a building's broker folder" in \
            bad.stderr
        assert (d / "mosquitto.conf").read_text() == before

        conf = subprocess.check_output(base + [
            "--bridge", "localhost:%d" % r.tls_port, "--bridge-ca",
            str(r.ca_file), "--bridge-password-file",
            str(r.secret_file("north"))], text=True).strip()
        text = open(conf).read()
        bridge = d / "bridge.d" / "region.conf"
        assert "include_dir %s/bridge.d" % d in text and pw not in text
        b = bridge.read_text()
        assert "remote_password %s\n" % pw in b
        assert stat.S_IMODE(os.stat(bridge).st_mode) == 0o640
        assert "topic husvagt/north/vacancy out 1\n" in b
        assert [l for l in b.splitlines() if l.startswith("topic ")] == [
            "topic husvagt/north/vacancy out 1"]
        assert "bridge_insecure false" in b
        assert "notification_topic husvagt/north/bridge" in b
        subprocess.check_output(base)                       # kept
        assert "include_dir" in open(conf).read() and bridge.exists()
        subprocess.check_output(base + ["--bridge", "none"])  # removed
        assert "include_dir" not in open(conf).read()
        assert not bridge.exists()
        for wrong in (["--bridge", "localhost"],
                      ["--bridge", "localhost:8883"]):
            bad = subprocess.run(base + wrong, capture_output=True)
            assert bad.returncode != 0
    finally:
        r.cleanup()
