"""Modes on the simulated building (DESIGN 3, 7, 11.1, 11.2): fire holds
every egress door released on the wire, whatever is commanded, until
staff reset it after the panel cleared; lockdown (panic, duress PIN,
command) lets only staff chips in while exit stays free; drills are
management's.  After a crash the mode is as before and the egress locks
never went locked in between (every output change is in
state/sim-wires.log)."""

import json
import signal
import time

from conftest import (ModbusSim, history_mark, lock_moves, press, rows_of,
                      sighup, sim_board_with, wait_released, wait_until,
                      wire_log)
from mqttsite import broker, mqtt_site  # noqa: F401

FAST = "[defaults]\nrelease_s = 3\nheld_warning_s = 20\nheld_s = 40"
# The reference building's egress doors (husvagt.conf egress = yes).
EGRESS = ["front", "garden", "corridor-1", "corridor-2"]


def mode(b):
    return b.ok("mode.status")


def fire_on(b):
    """Trip the fire panel and wait for every egress lock to release."""
    b.sim_ok("loop", point="fire", state="active")
    for d in EGRESS:
        wait_released(b, d, True)


def egress_moves(b, since):
    return [m for m in lock_moves(b, since)
            if m["point"][:-len(".lock")] in EGRESS]


# -- fire ----------------------------------------------------------------

def test_fire_input_releases_every_egress_door_at_once(building):
    b = building
    doors = {d["name"]: d for d in b.ok("status")["doors"]}
    assert {n for n, d in doors.items() if d["egress"]} == set(EGRESS)
    mark = history_mark(b)
    seq = b.last_seq()
    t0 = time.monotonic()
    b.sim_ok("loop", point="fire", state="active")
    wait_until(lambda: all(b.released(d) for d in EGRESS), 0.5,
               "every egress door released within 500 ms", interval=0.005)
    assert time.monotonic() - t0 < 0.5
    # Each egress lock moved once, to released; no other lock moved.
    moves = lock_moves(b, mark)
    assert sorted(m["point"] for m in moves) == sorted(
        d + ".lock" for d in EGRESS), moves
    assert all(d["hold"] for n, d in
               ((d["name"], d) for d in b.ok("status")["doors"])
               if n in EGRESS)
    m = mode(b)
    assert m["mode"] == "fire" and m["fire"] and m["fire_input"]
    assert b.ok("status")["mode"] == "fire"
    alarm = b.wait_journal("alarm.fire", after=seq, point="fire")
    changed = b.wait_journal("mode.changed", after=seq, cause="fire_input")
    assert changed["actor"] == "system"
    assert changed["detail"]["from"] == "normal"
    assert changed["detail"]["to"] == "fire"
    released = rows_of(b, "door.released", after=seq)
    assert {r["point"] for r in released} == set(EGRESS)
    # Egress first: the mode and its doors are decided (and queued to the
    # journal) before the alarm's registry is written, so the alarm's row
    # follows them.
    assert changed["seq"] < min(r["seq"] for r in released) < alarm["seq"]


def test_lock_refused_while_fire_and_lockdown_cannot_relock(building):
    b = building
    fire_on(b)
    mark = history_mark(b)
    seq = b.last_seq()
    r = b.request("door.lock", door="front")
    assert not r["ok"] and r["error"] == "fire", r
    p = b.ctl("--as", "anna", "door", "lock", "garden")
    assert p.returncode == 1, (p.stdout, p.stderr)
    r = b.request("point.set", as_login="installer", point="corridor-1.lock",
                  value=1)
    assert not r["ok"] and r["error"] == "fire", r
    refused = rows_of(b, "command.refused", after=seq)
    assert {r["detail"]["verb"] for r in refused} == {"door.lock",
                                                      "point.set"}
    # A lockdown during the fire is latched, but the fire still wins.
    r = b.ok("mode.lockdown")
    assert r["mode"] == "fire" and r["lockdown"]
    # A lock the fire does not hold still obeys: office is no egress door.
    b.ok("door.release", door="office")
    wait_released(b, "office", True)
    r = b.request("door.lock", door="office")
    assert r["ok"], r
    time.sleep(0.3)
    assert egress_moves(b, mark) == []
    assert all(b.released(d) for d in EGRESS)


def test_fire_clears_doors_stay_until_staff_reset(building):
    b = building
    fire_on(b)
    r = b.request("mode.reset", as_login="anna")
    assert not r["ok"] and r["error"] == "fire_input_active", r
    mark = history_mark(b)
    b.sim_ok("loop", point="fire", state="normal")
    wait_until(lambda: not mode(b)["fire_input"], 5, "the input cleared")
    time.sleep(0.5)
    assert mode(b)["mode"] == "fire"
    assert egress_moves(b, mark) == []
    # Neither the installer nor anyone unknown may reset.
    r = b.request("mode.reset", as_login="installer")
    assert not r["ok"] and r["error"] == "forbidden", r
    seq = b.last_seq()
    p = b.ctl("--as", "anna", "mode", "reset")
    assert p.returncode == 0, (p.stdout, p.stderr)
    for d in EGRESS:
        wait_released(b, d, False)
    assert mode(b) == {"mode": "normal", "fire": False, "fire_input": False,
                       "lockdown": False, "drill": False}
    row = b.wait_journal("mode.changed", after=seq, cause="reset")
    assert row["actor"] == "anna" and row["detail"]["to"] == "normal"
    assert not any(d["hold"] for d in b.ok("status")["doors"])
    # Doors work as before.
    b.ok("door.release", door="garden")
    wait_released(b, "garden", True)


def test_fire_and_panic_on_plain_contacts(make_building, tmp_path):
    """The fire panel's relay and a panic button wired as plain inputs."""
    board = sim_board_with(tmp_path / "board.ini", points={
        "fire": "backend = sim\nkind = input\nline = FIRE_RELAY",
        "panic.office": "backend = sim\nkind = input\nline = PANIC_BTN"})
    b = make_building(board=board)
    b.set_input("fire", 1)
    for d in EGRESS:
        wait_released(b, d, True)
    assert mode(b)["mode"] == "fire"
    b.set_input("panic.office", 1)
    wait_until(lambda: mode(b)["lockdown"], 5, "lockdown latched")
    b.set_input("fire", 0)
    wait_until(lambda: not mode(b)["fire_input"], 5, "the input cleared")
    assert b.ok("mode.reset")["mode"] == "lockdown"
    for d in EGRESS:
        wait_released(b, d, False)
    # At start, a relay still closed is a fire again.
    b.set_input("fire", 1)
    for d in EGRESS:
        wait_released(b, d, True)
    before = wire_log(b)
    b.stop(signal.SIGKILL)
    b.start()
    assert mode(b)["mode"] == "fire"
    assert wire_log(b)[len(before):] == []


def test_reload_during_fire_keeps_egress_released(building):
    b = building
    fire_on(b)
    mark = history_mark(b)
    assert sighup(b)["type"] == "system.reloaded"
    assert mode(b)["mode"] == "fire"
    assert egress_moves(b, mark) == []
    assert all(b.released(d) for d in EGRESS)


def test_reset_leaves_a_commanded_hold_held(building):
    """The fire lets go only of the doors it held."""
    b = building
    b.ok("door.release", door="garden", hold=True)
    wait_released(b, "garden", True)
    b.ok("mode.fire")
    for d in EGRESS:
        wait_released(b, d, True)
    b.ok("mode.reset")
    for d in EGRESS:
        wait_released(b, d, d == "garden")
    time.sleep(0.3)
    assert b.released("garden")
    b.ok("door.lock", door="garden")
    wait_released(b, "garden", False)


def test_fire_on_modbus_is_one_write_per_module(make_building, tmp_path):
    """Egress locks on one Modbus TCP module (coils 0-3) and the fire loop
    on its input register: the fire releases them all in one write."""
    sim = ModbusSim(tcp="127.0.0.1:0", init=["set register 0 6000"])
    try:
        points = {d + ".lock": "backend = egress\nkind = output\n"
                  "coil = %d\nlock = fail-safe" % i
                  for i, d in enumerate(EGRESS)}
        points["fire"] = ("backend = egress\nkind = supervised\n"
                          "register = 0\nloop = 3000,7000,9000")
        board = sim_board_with(tmp_path / "board.ini", points, (
            "[backend egress]\ntype = modbus\ntransport = tcp\n"
            "host = 127.0.0.1\nport = %d\nunit = 1\npoll_ms = 100\n"
            "timeout_ms = 50\n" % sim.port))
        b = make_building(board=board)
        wait_until(lambda: not b.ok("status")["faults"], 3, "the module")
        wait_until(lambda: sim.coils()[:4] == "1111", 3, "locks engaged")
        k = sim.nwrites()
        t0 = time.monotonic()
        sim.set_register(0, 8000)
        wait_until(lambda: sim.coils()[:4] == "0000", 0.5,
                   "every egress lock released within 500 ms",
                   interval=0.005)
        print("fire loop to egress coils: %.0f ms" % (
            (time.monotonic() - t0) * 1000))
        writes = sim.writes_since(k)
        assert [w[:2] for w in writes] == [(0, 4)], writes
        assert mode(b)["mode"] == "fire"
        # A crash during the fire: the restarted daemon reads the loop
        # before it writes a coil.  At most one write at start (the values
        # the coils have, as 13_modbus_test allows), and the coils are
        # released afterwards: so they were never written locked.
        k = sim.nwrites()
        b.stop(signal.SIGKILL)
        b.start()
        assert mode(b)["mode"] == "fire"
        time.sleep(0.3)                     # several polls later
        assert sim.coils()[:4] == "0000"
        writes = sim.writes_since(k)
        assert [w[:2] for w in writes] in ([], [(0, 4)]), writes
    finally:
        sim.stop()


def test_fire_by_command_is_management_s(building):
    b = building
    r = b.request("mode.fire", as_login="anna")
    assert not r["ok"] and r["error"] == "forbidden", r
    seq = b.last_seq()
    p = b.ctl("--as", "leder", "mode", "fire")
    assert p.returncode == 0, (p.stdout, p.stderr)
    for d in EGRESS:
        wait_released(b, d, True)
    row = b.wait_journal("mode.changed", after=seq, cause="fire_command")
    assert row["actor"] == "leder"
    # No panel input to wait for: staff may reset at once.
    b.ok("mode.reset")
    for d in EGRESS:
        wait_released(b, d, False)


# -- lockdown --------------------------------------------------------------

def test_lockdown_from_panic(make_building):
    b = make_building(extra_conf=FAST)
    b.enrol("stay:1", 2001, "entrance,corridor-1")
    b.enrol("staff:anna", 3001, "*")
    seq = b.last_seq()
    b.sim_ok("loop", point="panic.office", state="active")
    row = b.wait_journal("mode.changed", after=seq, cause="panic")
    assert row["point"] == "panic.office" and row["detail"]["to"] == \
        "lockdown"
    assert mode(b)["mode"] == "lockdown"
    # A resident's chip is refused at the front door and elsewhere.
    seq = b.last_seq()
    b.present("front.reader", 2001)
    row = b.wait_journal("access.denied", after=seq, point="front")
    assert row["detail"]["reason"] == "lockdown"
    b.present("corridor-1.reader", 2001)
    b.wait_journal("access.denied", after=seq, point="corridor-1",
                   reason="lockdown")
    assert not b.released("front") and not b.released("corridor-1")
    # Staff chips work.
    b.present("garden.reader", 3001)
    b.wait_journal("access.granted", after=seq, point="garden",
                   subject="staff:anna")
    wait_released(b, "garden", True)
    # Exit is never blocked: REX releases.
    press(b, "corridor-1.rex")
    wait_released(b, "corridor-1", True)
    # Lifted by staff: the resident is let in again.
    r = b.request("mode.lift", as_login="installer")
    assert not r["ok"] and r["error"] == "forbidden", r
    b.ctl("--as", "birgit", "mode", "normal", check=0)
    assert mode(b)["mode"] == "normal"
    seq = b.last_seq()
    b.present("corridor-1.reader", 2001)
    b.wait_journal("access.granted", after=seq, point="corridor-1")


def test_lockdown_leaves_the_exit_reader_free(make_building, tmp_path):
    board = sim_board_with(tmp_path / "board.ini", extra=(
        "[point garden.reader.out]\nbackend = sim\nkind = reader\n"
        "d0 = GARDEN_OUT_D0\nd1 = GARDEN_OUT_D1\n"))
    b = make_building(board=board, extra_conf=FAST)
    b.enrol("stay:1", 2001, "entrance")
    b.ok("mode.lockdown")
    seq = b.last_seq()
    b.present("garden.reader", 2001)
    b.wait_journal("access.denied", after=seq, point="garden",
                   reason="lockdown")
    assert not b.released("garden")
    b.present("garden.reader.out", 2001)
    b.wait_journal("access.granted", after=seq, point="garden")
    wait_released(b, "garden", True)


def test_duress_pin_opens_raises_silent_alarm_and_lockdown(make_building):
    b = make_building(extra_conf=FAST)
    b.enrol("stay:11", 1101, "entrance", pin="2468")
    mark = history_mark(b)
    seq = b.last_seq()
    b.present("front.reader", 1101)
    b.sim_ok("keys", reader="front.reader", keys="2469#")
    grant = b.wait_journal("access.granted", after=seq, point="front")
    b.wait_journal("alarm.duress", after=seq, point="front",
                   subject="stay:11")
    row = b.wait_journal("mode.changed", after=seq, cause="duress")
    assert row["detail"]["to"] == "lockdown"
    wait_released(b, "front", True)
    assert "duress" not in str(grant)
    # Silent: the front lock is the only output that moved at the house;
    # the relay to the alarm transmitter calls the police unheard.
    moved = b.sim_ok("history", since=mark)["history"]
    assert {m["point"] for m in moved} == {"front.lock", "transmitter"}, \
        moved
    assert mode(b)["mode"] == "lockdown"


# -- drill -------------------------------------------------------------------

def test_drill_is_management_s_and_a_fire_ends_it(building):
    b = building
    r = b.request("mode.drill", as_login="anna", action="start")
    assert not r["ok"] and r["error"] == "forbidden", r
    r = b.request("mode.drill", as_login="leder", action="begin")
    assert not r["ok"] and r["error"] == "bad_value", r
    b.ctl("--as", "leder", "mode", "drill", "begin", check=2)
    b.ctl("--as", "leder", "mode", "drill", check=2)
    b.ctl("--as", "leder", "mode", "drill", "start", check=0)
    assert mode(b)["mode"] == "drill"
    seq = b.last_seq()
    fire_on(b)
    row = b.wait_journal("mode.changed", after=seq, cause="fire_input")
    assert row["detail"]["from"] == "drill" and not row["detail"]["drill"]
    r = b.request("mode.drill", as_login="leder", action="start")
    assert not r["ok"] and r["error"] == "fire", r


def test_drill_releases_egress_doors_only_when_the_site_says(
        make_building):
    b = make_building(name="plain")
    mark = history_mark(b)
    b.ok("mode.drill", action="start")
    time.sleep(0.3)
    assert lock_moves(b, mark) == []
    b.stop()
    b = make_building(name="release", extra_conf="[defaults]\n"
                      "drill_release = yes")
    seq = b.last_seq()
    b.ctl("--as", "leder", "mode", "drill", "start", check=0)
    for d in EGRESS:
        wait_released(b, d, True)
    rows = rows_of(b, "door.released", after=seq, reason="drill")
    assert {r["point"] for r in rows} == set(EGRESS)
    assert all(r["actor"] == "leder" for r in rows)
    b.ctl("--as", "leder", "mode", "drill", "end", check=0)
    for d in EGRESS:
        wait_released(b, d, False)
    assert mode(b)["mode"] == "normal"


DRILL_RELEASE = FAST + "\ndrill_release = yes"


def drill_on(b):
    b.ctl("--as", "leder", "mode", "drill", "start", check=0)
    for d in EGRESS:
        wait_released(b, d, True)


def test_a_releasing_drill_s_doors_cannot_be_locked_and_a_fire_takes_all(
        make_building):
    """door.lock during a releasing drill is refused; a door held by
    command before the drill and locked during it is released by a fire
    that follows, with the others (DESIGN 11.1: every egress door)."""
    b = make_building(extra_conf=DRILL_RELEASE)
    b.ok("door.release", door="garden", hold=True)
    drill_on(b)
    r = b.request("door.lock", door="front")
    assert not r["ok"] and r["error"] == "drill", r
    assert b.released("front")
    # garden was held by a command, not by the drill: a lock is hers.
    b.ok("door.lock", door="garden")
    wait_released(b, "garden", False)
    seq = b.last_seq()
    fire_on(b)
    rows = rows_of(b, "door.released", after=seq, reason="fire")
    assert [r["point"] for r in rows] == ["garden"], rows
    r = b.request("door.lock", door="garden")
    assert not r["ok"] and r["error"] == "fire", r
    assert all(b.released(d) for d in EGRESS)


def test_a_panic_during_a_releasing_drill_locks_the_house(make_building):
    """Lockdown beats drill: the drill's doors lock at the panic, a
    resident is refused at the front door, REX still opens; the drill goes
    on, doors released again, once staff lift the lockdown; no drill is
    started under a lockdown."""
    b = make_building(extra_conf=DRILL_RELEASE)
    b.enrol("stay:1", 2001, "entrance")
    drill_on(b)
    seq = b.last_seq()
    b.sim_ok("loop", point="panic.office", state="active")
    for d in EGRESS:
        wait_released(b, d, False)
    m = mode(b)
    assert m["mode"] == "lockdown" and m["drill"] and m["lockdown"], m
    rows = rows_of(b, "door.locked", after=seq, reason="lockdown")
    assert {r["point"] for r in rows} == set(EGRESS), rows
    b.present("front.reader", 2001)
    b.wait_journal("access.denied", after=seq, point="front",
                   reason="lockdown")
    press(b, "corridor-1.rex")
    wait_released(b, "corridor-1", True)
    wait_released(b, "corridor-1", False)
    b.sim_ok("loop", point="panic.office", state="normal")
    b.ctl("--as", "anna", "mode", "normal", check=0)
    for d in EGRESS:
        wait_released(b, d, True)
    assert mode(b)["mode"] == "drill"
    b.ctl("--as", "leder", "mode", "drill", "end", check=0)
    b.ok("mode.lockdown")
    r = b.request("mode.drill", as_login="leder", action="start")
    assert not r["ok"] and r["error"] == "lockdown", r
    assert mode(b)["mode"] == "lockdown" and not mode(b)["drill"]
    assert not any(b.released(d) for d in EGRESS)


def test_kill_9_during_a_releasing_drill_keeps_it(make_building):
    b = make_building(extra_conf=DRILL_RELEASE)
    drill_on(b)
    before = wire_log(b)
    assert b.stop(signal.SIGKILL) == -signal.SIGKILL
    b.start()
    assert mode(b)["mode"] == "drill"
    assert wire_log(b)[len(before):] == [], "outputs moved across it"
    assert all(b.released(d) for d in EGRESS)
    b.ctl("--as", "leder", "mode", "drill", "end", check=0)
    for d in EGRESS:
        wait_released(b, d, False)


# -- restarts ------------------------------------------------------------------

def test_kill_9_during_fire_keeps_egress_released(building):
    b = building
    fire_on(b)
    before = wire_log(b)
    assert b.stop(signal.SIGKILL) == -signal.SIGKILL
    b.start()
    assert mode(b)["mode"] == "fire"
    new = wire_log(b)[len(before):]
    assert new == [], "outputs moved across the restart: %r" % new
    assert all(b.released(d) for d in EGRESS)
    started = rows_of(b, "system.started")[-1]["seq"]
    row = b.wait_journal("mode.changed", after=started, cause="restart")
    assert row["detail"]["to"] == "fire"
    assert not rows_of(b, "door.locked", after=started)
    # Still only a staff reset after the panel clears ends it.
    r = b.request("door.lock", door="front")
    assert r["error"] == "fire", r
    b.sim_ok("loop", point="fire", state="normal")
    wait_until(lambda: not mode(b)["fire_input"], 5, "the input cleared")
    b.ok("mode.reset")
    for d in EGRESS:
        wait_released(b, d, False)


def test_kill_9_during_lockdown_keeps_the_lockdown(make_building):
    b = make_building(extra_conf=FAST)
    b.enrol("stay:1", 2001, "entrance")
    b.ok("mode.lockdown")
    before = wire_log(b)
    assert b.stop(signal.SIGKILL) == -signal.SIGKILL
    b.start()
    assert wire_log(b)[len(before):] == []
    assert mode(b)["mode"] == "lockdown"
    started = rows_of(b, "system.started")[-1]["seq"]
    b.wait_journal("mode.changed", after=started, cause="restart",
                   to="lockdown")
    seq = b.last_seq()
    b.present("garden.reader", 2001)
    b.wait_journal("access.denied", after=seq, point="garden",
                   reason="lockdown")
    # Lifted, it stays lifted across the next restart.
    b.ok("mode.lift")
    b.stop(signal.SIGKILL)
    b.start()
    assert mode(b)["mode"] == "normal"


# -- MQTT ----------------------------------------------------------------------

def test_retained_state_mode_follows_the_mode(mqtt_site):
    s = mqtt_site
    w = s.watch(s.root + "/state/mode")

    def modes():
        return [json.loads(m.payload)["mode"] for m in w.matching(
            lambda m: m.topic == s.root + "/state/mode")]
    wait_until(lambda: modes() == ["normal"], 5, "state/mode normal")
    s.b.ok("mode.lockdown")
    wait_until(lambda: modes()[-1:] == ["lockdown"], 5, "lockdown")
    fire_on(s.b)
    wait_until(lambda: modes()[-1:] == ["fire"], 5, "fire")
    s.b.sim_ok("loop", point="fire", state="normal")
    wait_until(lambda: not mode(s.b)["fire_input"], 5, "the input cleared")
    s.b.ok("mode.reset")
    wait_until(lambda: modes()[-1:] == ["lockdown"], 5, "lockdown again")
    s.b.ok("mode.lift")
    wait_until(lambda: modes()[-1:] == ["normal"], 5, "normal again")
    last = json.loads(w.matching(
        lambda m: m.topic == s.root + "/state/mode")[-1].payload)
    assert last == {"mode": "normal", "fire": False, "fire_input": False,
                    "lockdown": False, "drill": False}
