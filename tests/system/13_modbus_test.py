"""Room doors on a Modbus I/O module: the reference building with the
floor-1 rooms' strikes and contacts (room-101..106: coils 0..5, discrete
inputs 0..5) and the fire loop (input register 0) moved to a `modbus`
backend, served by tools/modbus-sim over TCP on 127.0.0.1 or RTU across a
socat pty pair.  The readers stay on the sim backend.

What is proved: a chip opens its room through the module's coil and the
coil drops after the release time; the module's contacts move the doors;
a module that stops answering (muted, or killed) is an alarm.fault within
two poll intervals and shows in `husvagtctl status`, and once it answers
again (or restarted on the same port) the fault clears, the coils are
what the doors need and the door works; a daemon restart writes no coil
that changes; the fire loop's bands give alarm.fire and alarm.tamper."""

import json
import signal
import time

import pytest

from conftest import (ModbusSim, PtyPair, ctl_as, row_time, rows_of,
                      sim_board_with, wait_until)

POLL_MS = 100
TIMEOUT_MS = 50
# Fault detection bound (DESIGN 7: within two poll intervals).  The next
# poll finds the module gone once its request times out, so the daemon
# needs at most POLL_MS + TIMEOUT_MS; the board check keeps TIMEOUT_MS
# below POLL_MS.
FAULT_S = 2 * POLL_MS / 1000.0
# What a loaded two-core test machine adds to the daemon's poll timer and
# to the test's own clock reading (seen: 7 ms over, with make check's
# second lane building beside the tests).
SCHED_S = 0.05
RELEASE_S = 3
FAST = "[defaults]\nrelease_s = %d\nheld_warning_s = 20\nheld_s = 40" % \
    RELEASE_S
ROOMS = ["room-%d" % n for n in range(101, 107)]
MODULE = "floor1"
# Fire loop thresholds (mV): short below 3000, normal to 7000, active to
# 9000, cut above.
LOOP = "3000,7000,9000"
LOOP_NORMAL, LOOP_ACTIVE, LOOP_CUT = 6000, 8000, 12000
NCOILS = 64     # modbus-sim's default table size
CHIP = 3101


def modbus_board(path, transport):
    """The sim reference board with rooms 101..106 and the fire loop on
    one Modbus module; transport holds the backend's transport lines."""
    points = {}
    for i, room in enumerate(ROOMS):
        points[room + ".lock"] = ("backend = %s\nkind = output\ncoil = %d\n"
                                  "lock = fail-secure" % (MODULE, i))
        points[room + ".contact"] = ("backend = %s\nkind = input\n"
                                     "input = %d" % (MODULE, i))
    points["fire"] = ("backend = %s\nkind = supervised\nregister = 0\n"
                      "loop = %s" % (MODULE, LOOP))
    extra = ("[backend %s]\ntype = modbus\n%s\nunit = 1\npoll_ms = %d\n"
             "timeout_ms = %d\n" % (MODULE, transport.strip(), POLL_MS,
                                    TIMEOUT_MS))
    return sim_board_with(path, points, extra)


def start_sim(**kw):
    """A module as the building has it before the daemon: doors shut, the
    fire loop at rest.  The commands are queued before the simulator
    serves its first request."""
    return ModbusSim(init=["set register 0 %d" % LOOP_NORMAL], **kw)


@pytest.fixture
def tcp_sim():
    s = start_sim(tcp="127.0.0.1:0")
    yield s
    s.stop()


@pytest.fixture
def tcp_building(tmp_path, make_building, tcp_sim):
    board = modbus_board(tmp_path / "board.ini",
                         "transport = tcp\nhost = 127.0.0.1\nport = %d" %
                         tcp_sim.port)
    b = make_building(board=board, extra_conf=FAST)
    wait_answering(b)
    return b


@pytest.fixture
def pty_pair():
    p = PtyPair()
    yield p
    p.stop()


# -- helpers ---------------------------------------------------------------

def wait_answering(b):
    """Wait until no backend is in fault (the module answered)."""
    wait_until(lambda: not b.ok("status")["faults"], 3,
               "the module answering")


def wait_coil(sim, n, v, timeout=2.0):
    wait_until(lambda: sim.coil(n) == v, timeout,
               "coil %d at %d" % (n, v))
    return time.monotonic()


def status_json(b):
    return json.loads(b.ctl("--json", "status", check=0).stdout)


def present_chip(b, room="room-101", card=CHIP):
    seq = b.last_seq()
    b.present(room + ".reader", card)
    b.wait_journal("access.granted", after=seq, point=room)
    return seq


def door_works(b, sim, relock="close"):
    """The chip opens room-101 through coil 0, the module's contact moves
    the door, and the coil drops again: at once when the door closes
    after the grant (relock="close"), else after the release time.  No
    other coil moves."""
    rest = sim.coils()
    assert rest[0] == "0", rest
    seq = present_chip(b)
    t = wait_coil(sim, 0, 1)
    b.wait_journal("door.released", after=seq, point="room-101")
    assert sim.coils() == "1" + rest[1:]
    if relock == "close":
        sim.set_input(0, 1)
        b.wait_journal("door.opened", after=seq, point="room-101")
        sim.set_input(0, 0)
        b.wait_journal("door.closed", after=seq, point="room-101")
        wait_coil(sim, 0, 0)
        assert time.monotonic() - t < RELEASE_S - 1, \
            "closing the door after a grant relocks it at once"
    else:
        t1 = wait_coil(sim, 0, 0, timeout=RELEASE_S + 2)
        assert RELEASE_S - 0.5 <= t1 - t <= RELEASE_S + 1, t1 - t
    b.wait_journal("door.locked", after=seq, point="room-101")
    assert sim.coils() == rest
    return seq


def measure_fault(b, sim, cut, what):
    """Cut the module off (cut() returns once it is effective) and return
    the seconds until the daemon journalled alarm.fault for it."""
    seq = b.last_seq()
    cut()
    t0 = time.time()
    row = b.wait_journal("alarm.fault", after=seq, timeout=3, point=MODULE)
    dt = row_time(row) - t0
    print("fault detection (%s): %.0f ms" % (what, dt * 1000))
    assert dt <= FAULT_S + SCHED_S, \
        "%s: alarm.fault after %.0f ms, bound %.0f ms" % (
            what, dt * 1000, (FAULT_S + SCHED_S) * 1000)
    assert row["detail"]["reason"], row
    return row


def assert_fault_shown(b):
    """husvagtctl status names the module's points and doors, and no
    other, as in fault."""
    st = status_json(b)
    module_points = {r + ".lock" for r in ROOMS} | \
        {r + ".contact" for r in ROOMS} | {"fire"}
    assert set(st["faults"]) == module_points, st["faults"]
    for d in st["doors"]:
        assert d["fault"] is (d["name"] in ROOMS), d
    # The same as a person reads it: the doors' fault column.
    text = b.ctl("status", check=0).stdout
    rows = {l.split()[0]: l.split() for l in text.splitlines()
            if l.split()[:1] and l.split()[0] in st_names(st)}
    head = next(l.split() for l in text.splitlines()
                if l.split()[:1] == ["door"])
    col = head.index("fault")
    assert len(rows) == len(st["doors"]), text
    for name, cells in rows.items():
        assert cells[col] == ("yes" if name in ROOMS else "no"), text
    assert "room-101.lock" in text and "fire" in text, text


def st_names(st):
    return {d["name"] for d in st["doors"]}


def wait_cleared(b, seq, timeout=3.0):
    row = b.wait_journal("fault.cleared", after=seq, timeout=timeout,
                         point=MODULE)
    assert not b.ok("status")["faults"]
    assert not any(d["fault"] for d in status_json(b)["doors"])
    return row


def no_spurious_rows(b, after):
    """Nothing but the fault rows came of losing the module: no loop
    alarm from the fire loop, no door moved by a contact."""
    for t in ("alarm.tamper", "alarm.fire", "input.loop", "door.forced"):
        assert not rows_of(b, t, after=after), b.journal(after)


# -- TCP -------------------------------------------------------------------

def test_tcp_chip_opens_room_through_module_coil(tcp_building, tcp_sim):
    b, sim = tcp_building, tcp_sim
    b.enrol("stay:1", CHIP, "room-101")
    assert sim.coils() == "0" * NCOILS
    seq = b.last_seq()

    door_works(b, sim, relock="time")

    # Every room's contact is a module input, and each moves its door.
    for i, room in enumerate(ROOMS):
        sim.set_input(i, 1)
        b.wait_journal("door.opened", after=seq, point=room)
        sim.set_input(i, 0)
        b.wait_journal("door.closed", after=seq, point=room)
    # A resident leaving through the handle is not forced (forced_alarm
    # = no), and no coil moved for it.
    assert not rows_of(b, "door.forced", after=seq)
    assert sim.coils() == "0" * NCOILS

    # The door also relocks as soon as it closes after the grant.
    door_works(b, sim, relock="close")
    assert not rows_of(b, "alarm.fault", after=0)


def test_tcp_module_muted_then_killed(tcp_building, tcp_sim, tmp_path):
    b, sim = tcp_building, tcp_sim
    b.enrol("stay:1", CHIP, "room-101")
    start = b.last_seq()

    # Muted: the module keeps its port open and stops answering.
    row = measure_fault(b, sim, lambda: sim.mute(True), "muted")
    assert row["detail"]["reason"] == "timeout", row
    assert_fault_shown(b)
    seq = b.last_seq()
    sim.mute(False)
    wait_cleared(b, seq)
    door_works(b, sim)

    # Killed: the port closes; started again on the same port, it has
    # lost its coils, and is brought back to what the doors need.
    ctl_as(b, "anna", "door", "release", "room-103", "--hold", check=0)
    wait_coil(sim, 2, 1)
    measure_fault(b, sim, sim.kill, "killed")
    assert_fault_shown(b)
    time.sleep(3 * POLL_MS / 1000.0)    # it stays in fault: one row
    assert len(rows_of(b, "alarm.fault", after=start)) == 2
    seq = b.last_seq()
    sim2 = start_sim(tcp="127.0.0.1:%d" % sim.port)
    try:
        wait_cleared(b, seq)
        wait_coil(sim2, 2, 1)
        assert sim2.coils() == "001" + "0" * (NCOILS - 3)
        ctl_as(b, "anna", "door", "lock", "room-103", check=0)
        wait_coil(sim2, 2, 0)
        door_works(b, sim2)
    finally:
        sim2.stop()
    no_spurious_rows(b, start)


def test_tcp_grant_while_module_away_leaves_no_door_open(tcp_building,
                                                          tcp_sim):
    """A chip presented while the module does not answer is granted (the
    decision needs no module), but the release it could not write must
    not reach the coil after the door relocked: a module that answers
    again gets the door as it is now, locked."""
    b, sim = tcp_building, tcp_sim
    b.enrol("stay:1", CHIP, "room-101")
    measure_fault(b, sim, lambda: sim.mute(True), "muted")
    seq = present_chip(b)
    b.wait_journal("door.locked", after=seq, timeout=RELEASE_S + 2,
                   point="room-101")
    seq = b.last_seq()
    sim.mute(False)
    wait_cleared(b, seq)
    time.sleep(3 * POLL_MS / 1000.0)
    assert sim.coils() == "0" * NCOILS
    door = [d for d in status_json(b)["doors"] if d["name"] == "room-101"]
    assert door[0]["released"] is False, door


# -- RTU -------------------------------------------------------------------

def test_rtu_door_and_module_loss(tmp_path, make_building, pty_pair):
    sim = start_sim(rtu=pty_pair.b)
    try:
        board = modbus_board(tmp_path / "board.ini",
                             "transport = rtu\ndevice = %s\nbaud = 19200\n"
                             "parity = N" % pty_pair.a)
        b = make_building(board=board, extra_conf=FAST)
        wait_answering(b)
        b.enrol("stay:1", CHIP, "room-101")
        start = b.last_seq()
        door_works(b, sim)

        measure_fault(b, sim, lambda: sim.mute(True), "rtu muted")
        assert_fault_shown(b)
        seq = b.last_seq()
        sim.mute(False)
        wait_cleared(b, seq)
        door_works(b, sim)

        # The simulator dies; the bus (the pty pair) stays.
        measure_fault(b, sim, sim.kill, "rtu killed")
        seq = b.last_seq()
        sim = start_sim(rtu=pty_pair.b)
        wait_cleared(b, seq)
        door_works(b, sim)
        no_spurious_rows(b, start)
        assert pty_pair.proc.poll() is None, "the bus itself stayed up"
    finally:
        sim.stop()


# -- restart ---------------------------------------------------------------

def test_restart_writes_no_coil_that_changes(tcp_building, tcp_sim):
    b, sim = tcp_building, tcp_sim
    # Spare relays 6 and 7 energised by something else, say a light.
    sim.set_coil(6, 1)
    sim.set_coil(7, 1)
    b.enrol("stay:1", CHIP, "room-101")
    door_works(b, sim)
    # A stop and start; then a crash and start with room-105 standing open.
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if sig == signal.SIGKILL:
            seq = b.last_seq()
            sim.set_input(4, 1)
            b.wait_journal("door.opened", after=seq, point="room-105")
        before = sim.coils()
        assert before == "000000110" + "0" * (NCOILS - 9)
        k = sim.nwrites()
        b.stop(sig)
        assert sim.writes_since(k) == [], "a write at stop"
        b.start()
        wait_answering(b)
        time.sleep(3 * POLL_MS / 1000.0)    # several polls later
        assert sim.coils() == before
        # A write at start may only carry the values the coils had: with
        # the coils as before afterwards, one write (if any) did.
        writes = sim.writes_since(k)
        print("coil writes at start: %r" % [w[:2] for w in writes])
        assert len(writes) <= 1, writes
        for addr, n, _ in writes:
            assert 0 <= addr and addr + n <= len(ROOMS), writes
    doors = {d["name"]: d for d in status_json(b)["doors"]}
    assert doors["room-105"]["open"] is True
    assert not any(d["released"] for d in doors.values()), doors
    sim.set_input(4, 0)
    door_works(b, sim)


# -- the fire loop -------------------------------------------------------

def test_fire_loop_on_input_register(tcp_building, tcp_sim):
    b, sim = tcp_building, tcp_sim
    seq = b.last_seq()
    sim.set_register(0, LOOP_ACTIVE)
    t0 = time.time()
    row = b.wait_journal("alarm.fire", after=seq, point="fire")
    assert row["detail"]["loop"] == "active"
    dt = row_time(row) - t0
    print("fire loop active to alarm.fire: %.0f ms" % (dt * 1000))
    assert dt <= 0.5, "DESIGN 7: fire handled within 500 ms"
    seq = b.last_seq()
    sim.set_register(0, LOOP_NORMAL)
    b.wait_journal("input.loop", after=seq, point="fire", loop="normal")
    seq = b.last_seq()
    sim.set_register(0, LOOP_CUT)
    row = b.wait_journal("alarm.tamper", after=seq, point="fire")
    assert row["detail"]["loop"] == "cut"
    seq = b.last_seq()
    sim.set_register(0, 1000)
    row = b.wait_journal("alarm.tamper", after=seq, point="fire")
    assert row["detail"]["loop"] == "short"
