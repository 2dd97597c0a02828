"""Alarm outputs per class ([alarm-outputs], issue 6): the reference
building's siren (fire, panic, forced) and the relay to the alarm
transmitter (panic, duress, fire), read on the simulated board.

The rule (src/house/alarm_out.c, husvagt.conf(5)): a sounder is on while an
alarm of its classes is not yet acknowledged, so acknowledging silences
it even while the cause persists; the transmitter is on while such an
alarm is in alarm.list at all (not both acknowledged and cleared).  A
duress alarm is silent: it drives the transmitter only, and the
configuration refuses it on anything else."""

import json
import signal
import subprocess
import time

from conftest import (BUILD, conf_set, history_mark, row_time, sighup,
                      wait_until, wire_log)

FAST = "[defaults]\nrelease_s = 3\nheld_warning_s = 20\nheld_s = 40\n" \
    "pin_timeout_s = 3"
OUTS = ("siren", "transmitter")


def out(b, point):
    """The output's logical value on the sim wire (0/1)."""
    for o in b.outputs():
        if o["point"] == point:
            return o["value"]
    raise KeyError(point)


def outs(b):
    return tuple(out(b, p) for p in OUTS)


def wait_outs(b, siren, transmitter, what=""):
    wait_until(lambda: outs(b) == (siren, transmitter), 3,
               "siren %d, transmitter %d %s" % (siren, transmitter, what))


def moves(b, since, point):
    """The changes of one output on the wire since history_mark()."""
    return [e["level"] for e in b.sim_ok("history", since=since)["history"]
            if e["point"] == point]


def alarm_of(b, cls, point):
    got = [a for a in b.ok("alarm.list")["alarms"]
           if (a["class"], a["point"]) == (cls, point)]
    return got[0] if got else None


def ack(b, cls, point, login="anna"):
    a = wait_until(lambda: alarm_of(b, cls, point), 3, "%s listed" % cls)
    r = b.request("alarm.ack", as_login=login, id=a["id"])
    assert r.get("ok"), r


def wire_wall_ms(b, point, level, after=0):
    """Wall time (ms) the sim wrote level on point, after a log index."""
    for mono, wall, role, lv in wire_log(b)[after:]:
        if role == point and lv == level:
            return wall
    raise AssertionError("%s never went to %d" % (point, level))


def test_panic_sounds_siren_and_transmitter_ack_silences_siren(
        make_building):
    b = make_building(extra_conf=FAST)
    assert outs(b) == (0, 0)
    logged = len(wire_log(b))
    seq = b.last_seq()
    b.sim_ok("loop", point="panic.office", state="active")
    wait_outs(b, 1, 1, "after the panic button")
    # The alarm row is committed before the relays move (DESIGN 8).
    row = b.wait_journal("alarm.panic", after=seq, point="panic.office")
    assert row_time(row) * 1000 <= wire_wall_ms(b, "siren", 1, logged) + 1
    # Acknowledged while the button is still pressed: the siren stops,
    # the transmitter keeps calling.
    ack(b, "panic", "panic.office")
    wait_outs(b, 0, 1, "after the acknowledgement")
    time.sleep(0.3)
    assert outs(b) == (0, 1)
    # The button released: the alarm leaves the list, the transmitter
    # lets go.
    b.sim_ok("loop", point="panic.office", state="normal")
    wait_outs(b, 0, 0, "after the button was released")
    assert alarm_of(b, "panic", "panic.office") is None


def test_transmitter_holds_until_acknowledged_after_the_cause_cleared(
        make_building):
    b = make_building(extra_conf=FAST)
    b.sim_ok("loop", point="panic.reception", state="active")
    wait_outs(b, 1, 1)
    b.sim_ok("loop", point="panic.reception", state="normal")
    time.sleep(0.3)
    assert outs(b) == (1, 1), "an unseen alarm keeps both on"
    ack(b, "panic", "panic.reception")
    wait_outs(b, 0, 0)


def test_duress_drives_the_transmitter_and_never_the_siren(make_building):
    b = make_building(extra_conf=FAST)
    b.enrol("stay:11", 1101, "entrance", pin="2468")
    mark = history_mark(b)
    seq = b.last_seq()
    b.present("front.reader", 1101)
    b.sim_ok("keys", reader="front.reader", keys="2469#")
    b.wait_journal("alarm.duress", after=seq, point="front")
    wait_until(lambda: out(b, "transmitter") == 1, 3, "the transmitter")
    # Watched throughout: the siren never moves, through the grant, the
    # lockdown the duress starts and the acknowledgement.
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        assert out(b, "siren") == 0
        time.sleep(0.05)
    ack(b, "duress", "front")
    wait_until(lambda: out(b, "transmitter") == 0, 3, "transmitter off")
    time.sleep(0.3)
    assert moves(b, mark, "siren") == []
    assert moves(b, mark, "transmitter") == [1, 0]


def test_forced_door_sounds_the_siren_only(make_building):
    b = make_building(extra_conf=FAST)
    mark = history_mark(b)
    b.set_input("office.contact", 1)
    wait_outs(b, 1, 0, "after the forced door")
    b.set_input("office.contact", 0)
    time.sleep(0.3)
    assert outs(b) == (1, 0), "closing the door does not silence it"
    ack(b, "forced", "office")
    wait_outs(b, 0, 0)
    assert moves(b, mark, "transmitter") == []
    assert moves(b, mark, "siren") == [1, 0]


def test_a_class_no_output_names_moves_nothing(make_building):
    b = make_building(extra_conf=FAST)
    mark = history_mark(b)
    seq = b.last_seq()
    b.sim_ok("loop", point="tamper.cabinet", state="cut")
    b.wait_journal("alarm.tamper", after=seq, point="tamper.cabinet")
    time.sleep(0.3)
    assert b.sim_ok("history", since=mark)["history"] == []


def test_fire_ack_silences_siren_transmitter_until_panel_clears(
        make_building):
    b = make_building(extra_conf=FAST)
    b.sim_ok("loop", point="fire", state="active")
    wait_outs(b, 1, 1, "in the fire")
    ack(b, "fire", "fire")
    wait_outs(b, 0, 1, "after the acknowledgement")
    b.sim_ok("loop", point="fire", state="normal")
    wait_outs(b, 0, 0, "after the panel cleared")
    # The mode still waits for the staff reset; the outputs do not.
    assert b.ok("mode.status")["mode"] == "fire"


def test_restart_keeps_the_siren_on_without_a_glitch(make_building):
    b = make_building(extra_conf=FAST)
    b.set_input("office.contact", 1)
    wait_outs(b, 1, 0)
    b.set_input("office.contact", 0)
    before = len(wire_log(b))
    assert b.stop(signal.SIGKILL) == -signal.SIGKILL
    b.start()
    time.sleep(0.3)
    assert outs(b) == (1, 0)
    assert [w for w in wire_log(b)[before:] if w[2] in OUTS] == []
    ack(b, "forced", "office")
    wait_outs(b, 0, 0)


def test_restart_with_nothing_open_switches_a_stale_siren_off(
        make_building):
    """The outputs come from the alarm list, never from what the wire
    held: a siren left on while nothing is open goes off at start."""
    b = make_building(extra_conf=FAST)
    b.stop()
    wires = b.state / "sim-wires"
    lines = json.loads(wires.read_text())
    assert lines["SIREN"] == 0, lines
    lines["SIREN"] = 1
    wires.write_text(json.dumps(lines))
    b.start()
    wait_outs(b, 0, 0, "at start")


def test_reload_drops_and_changes_outputs(make_building):
    b = make_building(extra_conf=FAST)
    b.set_input("office.contact", 1)
    wait_outs(b, 1, 0)
    # The transmitter now follows forced doors too.
    conf_set(b, "alarm-outputs", "transmitter", "forced, duress")
    assert sighup(b)["type"] == "system.reloaded"
    wait_outs(b, 1, 1, "after the reload added forced")
    # The siren is no longer an alarm output: it is switched off.
    lines = [l for l in b.conf.read_text().splitlines()
             if not l.startswith("siren =")]
    b.conf.write_text("\n".join(lines) + "\n")
    assert sighup(b)["type"] == "system.reloaded"
    wait_outs(b, 0, 1, "after the reload dropped the siren")


# -- the configuration ---------------------------------------------------------

def check(b):
    return subprocess.run([str(BUILD / "husvagtd"), "--check-config", "-c",
                           str(b.conf)], capture_output=True, text=True,
                          timeout=10)


def line_of(b, text):
    lines = b.conf.read_text().splitlines()
    return lines.index(text) + 1


def refused(b, key, value, reason):
    """key = value in [alarm-outputs] is refused by --check-config and at
    start, with the file, the line and the reason."""
    conf_set(b, "alarm-outputs", key, value)
    where = "%s:%d: " % (b.conf, line_of(b, "%s = %s" % (key, value)))
    p = check(b)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert where + reason in p.stderr, p.stderr
    b.start(wait=False)
    assert b.proc.wait(10) != 0
    assert where + reason in b.log.read_text()


def test_duress_on_a_siren_is_refused(make_building):
    b = make_building(start=False)
    refused(b, "siren", "fire, duress",
            "siren: duress is a silent alarm: only a transmitter output (a "
            "role starting with 'transmitter') may carry it, never a siren "
            "or a light")


def test_an_unknown_point_is_refused(make_building):
    b = make_building(start=False)
    refused(b, "horn", "fire",
            "[alarm-outputs]: the board %s has no point 'horn'" %
            b.conf.read_text().split("board = ")[1].split("\n")[0])


def test_an_input_or_a_lock_is_refused(make_building):
    b = make_building(start=False)
    refused(b, "front.contact", "fire",
            "[alarm-outputs]: 'front.contact' is not an output on the board")
    b = make_building(name="lock", start=False)
    refused(b, "garden.lock", "panic",
            "[alarm-outputs]: 'garden.lock' is a lock on the board, not an "
            "alarm output")


def test_an_unknown_class_is_refused(make_building):
    b = make_building(start=False)
    refused(b, "siren", "fire, smoke",
            "siren: unknown alarm class 'smoke'")


def test_the_reference_configuration_is_valid():
    from conftest import TOP
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as d:
        conf = subprocess.check_output([str(TOP / "tools/sim-config"), d],
                                       text=True).strip()
        assert "[alarm-outputs]" in Path(conf).read_text()
        p = subprocess.run([str(BUILD / "husvagtd"), "--check-config",
                            "-c", conf], capture_output=True, text=True,
                           timeout=10)
        assert p.returncode == 0, p.stderr
