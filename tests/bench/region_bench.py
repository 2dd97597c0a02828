#!/usr/bin/python3
"""make bench, a region (docs/regional.md): one regional Mosquitto made by
tools/husvagt-mqtt-setup --region with SITES house logins, each house
publishing its retained vacancy (a payload as husvagtd makes it) and its
bridge state "1" with its own login over TLS, as its bridge would.

    HUSVAGT_BUILD=/abs/build /usr/bin/python3 tests/bench/region_bench.py

Figures:
 1. husvagt-mqtt-setup --region for SITES houses and one intake login
    (a password and a mosquitto_passwd entry each): its run time.
 2. a new intake client receiving the whole picture: from just before its
    TLS connect to the last of the 2 x SITES retained messages
    (husvagt/+/vacancy and husvagt/+/bridge, QoS 1), median and max of
    RUNS clients, one after the other (paho-mqtt, Python).
 3. the broker's resident memory (VmRSS) started and empty, and with the
    SITES houses' retained topics (and their publishing connections
    closed), and the size of its persistence file after a save.
"""

import json
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(TOP / "tests/system"))

from regionsite import RegionBroker  # noqa: E402

SITES = 1000
RUNS = 5
PUBLISHERS = 8          # threads publishing the houses' figures


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def publish(r, sites):
    """Each house with its own login: its vacancy and bridge state,
    retained, QoS 1, then disconnect."""
    for s in sites:
        c = r.client(s, timeout=10)
        v = {"site": s, "free_rooms": len(s) % 7, "free_places": len(s) % 11,
             "children": True, "child_ages": [0, 17], "accessible": False,
             "as_of": "2026-12-07T16:00:00Z"}
        assert c.pub("husvagt/%s/vacancy" % s, json.dumps(v),
                     retain=True) in (0, 16)
        assert c.pub("husvagt/%s/bridge" % s, "1", retain=True) in (0, 16)
        c.close()
        r.clients.remove(c)


def picture(r):
    t0 = time.monotonic()
    c = r.client("desk", timeout=10)
    c.sub(["husvagt/+/vacancy", "husvagt/+/bridge"])
    c.wait_count(2 * SITES, timeout=60)
    ms = (time.monotonic() - t0) * 1000
    got = {m.topic for m in c.matching()}
    assert len(got) == 2 * SITES, len(got)
    c.close()
    r.clients.remove(c)
    time.sleep(0.2)     # the broker lets the login's id go
    return ms


def main():
    tmp = Path(tempfile.mkdtemp(prefix="husvagt-region-bench-"))
    names = ["house%04d" % i for i in range(SITES)]
    r = None
    try:
        t0 = time.monotonic()
        r = RegionBroker(tmp, names, ["desk"])
        setup_s = time.monotonic() - t0
        r.start()
        time.sleep(0.5)
        empty = rss_kb(r.proc.pid)
        threads = [threading.Thread(target=publish,
                                    args=(r, names[i::PUBLISHERS]))
                   for i in range(PUBLISHERS)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        pub_s = time.monotonic() - t0
        time.sleep(0.5)
        full = rss_kb(r.proc.pid)
        times = sorted(picture(r) for _ in range(RUNS))
        r.stop()        # saves the persistence file
        db = r.dir / "persist" / "mosquitto.db"
        db_kb = db.stat().st_size / 1024 if db.exists() else 0
        log = r.log.read_text(errors="replace")
        ver = re.search(r"mosquitto version (\S+)", log)
    finally:
        if r is not None:
            r.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    cmd = "husvagt-mqtt-setup --region --region-sites house0000,... " \
        "--intake desk (tests/bench/region_bench.py)"
    print("\nregion, %d houses, Mosquitto %s, loopback TLS" % (
        SITES, ver.group(1) if ver else "?"))
    print("%-58s %s" % ("figure", "value"))
    print("%-58s %.1f s" % ("husvagt-mqtt-setup --region, %d houses" % SITES,
                            setup_s))
    print("%-58s %.1f s" % ("%d houses publish, %d threads, one TLS "
                            "connection each" % (SITES, PUBLISHERS), pub_s))
    print("%-58s %.0f / %.0f ms" % (
        "new intake client: the whole picture (median / max of %d)" % RUNS,
        statistics.median(times), times[-1]))
    print("%-58s %d kB -> %d kB" % ("broker VmRSS: empty -> %d houses' "
                                    "retained" % SITES, empty, full))
    print("%-58s %.0f kB" % ("persistence file (mosquitto.db)", db_kb))
    print("command: %s" % cmd)


if __name__ == "__main__":
    main()
