"""A flood of 5,000 small read-only commands from one staff login over
MQTT while exit buttons are pressed: each press moves its lock within a
bound, the login gets "busy" beyond its share instead of an unbounded
queue, and the daemon's memory after the flood stays near what it was
before (docs/ARCHITECTURE.md, the fair loop; docs/mqtt.md, busy)."""

import subprocess
import threading
import time

from loadsite import Flood, press_ms, rss_kb, sanitized, wait_locked
from mqttsite import broker, mqtt_site  # noqa: F401

DOORS = ["front", "garden", "corridor-1", "corridor-2"]
N = 5000
# Wall-clock bounds need the margin of a loaded 2-core box (its load
# average climbs past 20 during make check); make bench prints the real
# figures.  The daemon's own CPU time per loop turn, which the box's
# scheduling does not blur, is held to a tight bound.
PRESS_MS = 1000
# Commands run 8 (or 2 ms) a turn; the rest waits, and one libmosquitto
# read hands over 1 to 8 messages (measured).  The loop's own work in a
# flood turn is 0.3-5 ms of CPU.  Rare single turns of 40-100 ms "CPU"
# still show, on this 2-core VM, in parts that do next to nothing (an
# idle timer) and at the same moments in an unrelated process's 0.1 ms
# busy loop: time the kernel charges to whichever thread is on the CPU
# (it has no IRQ time accounting, so the loopback TCP of the flood done
# in softirq counts as the current thread's).  The daemon logs such a
# turn with its parts (docs/ARCHITECTURE.md).  So the bound stays 100 ms,
# which the loop without slices (hundreds of ms of its own work) breaks.
TURN_CPU_US = 100000


def test_command_flood_does_not_hold_the_exit_buttons(mqtt_site):
    s = mqtt_site
    s.wait_online()
    anna = s.staff("anna")
    # Warm up, then take the memory before.
    for i in range(50):
        assert s.command(anna, "anna", "status", rid="w%d" % i)["ok"]
    for d in DOORS:
        press_ms(s.b, d)
    wait_locked(s.b, DOORS)
    before = rss_kb(s.b.proc.pid)

    f = Flood(s.broker, "anna", s.password["anna"], N)
    try:
        sender = threading.Thread(target=f.send)
        sender.start()
        # The daemon is busy with the flood: then press.
        end = time.monotonic() + 10
        while not f.replies() and time.monotonic() < end:
            time.sleep(0.005)
        took = []
        for d in DOORS:
            took.append(press_ms(s.b, d))
            time.sleep(0.04)
        sender.join()
        r = f.settle()
    finally:
        f.close()
    print("TOOK", took, "BEFORE", before, "REPLIES", len(r))
    assert max(took) < PRESS_MS, took

    after = rss_kb(s.b.proc.pid)
    print("AFTER", after)
    if not sanitized(s.b.proc.pid):
        assert after < 1.3 * before, (before, after)

    # Every answer is the status or "busy": the login was held to its
    # share, and the daemon is still there for it.
    assert 0 < len(r) <= N
    kinds = {"ok" if x["ok"] else x["error"] for x in r}
    assert kinds <= {"ok", "busy"}, kinds
    assert "busy" in kinds
    st = s.command(anna, "anna", "status", rid="after")["result"]
    print("STATUS", st["loop"], st["mqtt_commands"])
    # Under ASan everything costs several times more (and the window
    # holds the start's session set-up).
    bound = TURN_CPU_US * (8 if sanitized(s.b.proc.pid) else 1)
    assert st["loop"]["turn_cpu_max_us"] < bound, st["loop"]
    assert st["mqtt_commands"]["slice_max"] <= 8
    assert st["mqtt_commands"]["busy"] == sum(1 for x in r if not x["ok"])
    wait_locked(s.b, DOORS)
    assert s.b.alive()


def test_broker_flow_limits_are_set(mqtt_site):
    """husvagt-mqtt-setup writes the broker's own limits, and the broker
    keeps them: a payload over message_size_limit never reaches
    husvagtd, one over husvagtd's own limit is answered too_large."""
    s = mqtt_site
    conf = s.broker.conf.read_text().splitlines()
    for line in ("max_inflight_messages 100", "max_queued_messages 200000",
                 "max_queued_bytes 67108864",
                 "message_size_limit 262144"):
        assert line in conf, line
    assert "#@LIMITS@" not in conf
    s.wait_online()
    anna = s.staff("anna")
    seq = s.b.last_seq()
    # Mosquitto refuses the packet (and drops that client's connection).
    subprocess.run(["mosquitto_pub", "-h", s.broker.host, "-p",
                    str(s.broker.tls_port), "--cafile", str(s.broker.ca_file),
                    "-u", "anna", "-P", s.password["anna"], "-V", "mqttv5",
                    "-i", "anna-big", "-q", "1", "-t",
                    "%s/cmd/anna/status" % s.root, "-s"],
                   input=b'{"id":"big","x":"' + b"x" * 300000 + b'"}',
                   capture_output=True, timeout=30)
    r = s.raw_command(anna, "anna", "status", b"y" * 100000, "invalid")
    assert r["error"] == "too_large"
    assert s.b.last_seq() == seq
    replies = anna.matching(lambda m: "/reply/" in m.topic)
    assert [m.topic.rsplit("/", 1)[1] for m in replies] == ["invalid"]
