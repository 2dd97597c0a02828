"""OSDP readers with the Secure Channel enforced: the garden door's reader
(and, where a test needs a PIN, the front door's) moved to an `osdp`
backend whose line is a pty served by tools/osdp-pd, a simulated reader
that speaks OSDP and the Secure Channel like a real one.

What is proved: the reader is identified and journalled; `reader install`
sets a fresh key through the standard's install key and from then on the
reader is enforced (key file 0600, never in the journal or the log); a
chip read under the Secure Channel opens the door and the reader shows
green, an unknown one red, a duress PIN green too, an intercom call amber; a reader swapped for
one without the key, or one that answers in plain text, a replayed frame
and a wrong MAC are refused and raised as alarm.fault, and a valid chip
at it opens nothing; a killed reader is offline within a second and
clears when it is back; tamper is an alarm; four readers on one bus at
four addresses are all served; noise and cut frames on the line do not
stop the reader; a sniffer on the line sees no card number in clear once
the reader is enforced (and does before: the test can see one)."""

import os
import signal
import stat
import subprocess
import threading
import time

import pytest

from conftest import (BUILD, journalled, rows_of, row_time, sim_board_with,
                      wait_released, wait_until)

FAST = "[defaults]\nrelease_s = 3\nheld_warning_s = 20\nheld_s = 40"
PIN_CONF = FAST + "\npin_timeout_s = 5"
OFFLINE_MS = 1000
CHIP = 2001                      # facility 1
NUMBER = (1 << 16) | CHIP        # the 26-bit payload the reader sends
OTHER_KEY = "00112233445566778899AABBCCDDEEFF"


class Pd:
    """tools/osdp-pd on a pty linked at path; its stdout lines are kept."""

    def __init__(self, path, addresses="1", key=None, tap=None):
        args = [str(BUILD / "osdp-pd"), "--link", str(path),
                "--address", addresses]
        if key:
            args += ["--key", key]
        if tap:
            args += ["--tap", str(tap)]
        self.lines = []
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True,
                                     bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()
        wait_until(lambda: any(x.startswith("ready") for x in self.lines),
                   5, "the simulated reader")

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    def cmd(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def mark(self):
        return len(self.lines)

    def wait(self, line, after=0, timeout=5.0):
        wait_until(lambda: line in self.lines[after:], timeout,
                   "the reader saying %r (it said %r)" %
                   (line, self.lines[after:]))

    def card(self, number=NUMBER, addr=""):
        self.cmd("card 26 %d %s" % (number, addr))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(5)

    def stop(self):
        self.kill()


def osdp_board(run, readers, extra_backend=""):
    """The sim board with readers (role -> address) on bus1 at run/bus1."""
    points = {role: "backend = bus1\nkind = reader\naddress = %d" % a
              for role, a in readers.items()}
    extra = ("[backend bus1]\ntype = osdp\ndevice = %s\nbaud = 115200\n"
             "offline_ms = %d\n%s" % (run / "bus1", OFFLINE_MS,
                                      extra_backend))
    return sim_board_with(run / "board.ini", points, extra)


@pytest.fixture
def bus(tmp_path):
    made = []

    def make(addresses="1", key=None, tap=None):
        p = Pd(tmp_path / "bus1", addresses, key, tap)
        made.append(p)
        return p

    make.path = tmp_path / "bus1"
    yield make
    for p in made:
        p.stop()


def start(make_building, tmp_path, readers=None, conf=FAST):
    board = osdp_board(tmp_path, readers or {"garden.reader": 1})
    return make_building(board=board, extra_conf=conf)


def identified(b, role="garden.reader", after=0):
    return b.wait_journal("reader.identified", after=after, point=role)


def install(b, role="garden.reader"):
    """`husvagtctl reader install ROLE` and its journalled end."""
    seq = b.last_seq()
    r = b.ctl("reader", "install", role)
    assert r.returncode == 0, r.stderr
    row = journalled(b, "reader.install", "reader.installed", "root", seq,
                     point=role)
    return row


def enforced(make_building, tmp_path, bus):
    """The garden reader identified and installed, and a chip for it."""
    pd = bus()
    b = start(make_building, tmp_path)
    identified(b)
    b.enrol("stay:1", CHIP, "entrance")
    install(b)
    return b, pd


def key_file(b, role="garden.reader"):
    return b.state / "readers" / (role + ".key")


def present_granted(b, pd, door="garden", number=NUMBER, addr=""):
    seq = b.last_seq()
    mark = pd.mark()
    pd.card(number, addr)
    row = b.wait_journal("access.granted", after=seq, point=door)
    return row, mark


def no_grant_for(b, seq, seconds, door="garden"):
    time.sleep(seconds)
    assert not rows_of(b, "access.granted", after=seq, point=door)
    assert b.released(door) is False


def fault_row(b, after, role="garden.reader", contains="", timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for r in rows_of(b, "alarm.fault", after=after, point=role):
            if contains in r["detail"].get("reason", ""):
                return r
        time.sleep(0.02)
    raise AssertionError("no alarm.fault %r at %s; journal: %r" % (
        contains, role, b.journal(after)))


# -- install, enforce, feedback -----------------------------------------------

def test_install_enforces_and_a_chip_opens_with_green(make_building,
                                                      tmp_path, bus):
    pd = bus()
    b = start(make_building, tmp_path)
    ident = identified(b)
    assert "vendor CAFE01" in ident["detail"]["reader"]
    assert "serial 12345678" in ident["detail"]["reader"]
    b.enrol("stay:1", CHIP, "entrance")
    mark = pd.mark()
    install(b)
    pd.wait("keyset 1", mark)
    pd.wait("secure 1", mark)
    st = os.stat(key_file(b))
    assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_size == 16
    key = key_file(b).read_bytes().hex()
    # The key is in its file and nowhere else the daemon writes.
    journal_text = repr(b.journal(0)).lower()
    assert key not in journal_text
    assert key not in b.log.read_text().lower()
    row, mark = present_granted(b, pd)
    assert row["detail"]["reader"] == "garden.reader"
    wait_released(b, "garden", True)
    pd.wait("led 1 green", mark)


def test_a_lost_keyset_ack_still_installs(make_building, tmp_path, bus):
    """The reader takes the new key, but its ACK, and every reply after it
    until the controller starts over, is lost (a line cut at the wrong
    moment): the controller, whose old key and the default one both fail,
    tries the key it sent too, and the reader is installed and enforced
    rather than left holding a key nobody knows."""
    pd = bus()
    b = start(make_building, tmp_path)
    identified(b)
    b.enrol("stay:1", CHIP, "entrance")
    pd.cmd("loseack")
    mark = pd.mark()
    seq = b.last_seq()
    r = b.ctl("reader", "install", "garden.reader")
    assert r.returncode == 0, r.stderr
    pd.wait("keyset 1", mark)
    row = b.wait_journal("reader.installed", after=seq,
                         point="garden.reader", timeout=15)
    assert row["actor"] == "root"
    assert not rows_of(b, "reader.install_failed", after=seq)
    # The set-ups that failed on the way asked the reader who it is
    # again; the journal says so once, not at every attempt.
    assert len(rows_of(b, "reader.identified", after=seq)) <= 1
    pd.wait("secure 1", mark)
    assert len(key_file(b).read_bytes()) == 16
    _, mark = present_granted(b, pd)
    wait_released(b, "garden", True)
    pd.wait("led 1 green", mark)


def test_refusal_shows_red(make_building, tmp_path, bus):
    b, pd = enforced(make_building, tmp_path, bus)
    seq, mark = b.last_seq(), pd.mark()
    pd.card((1 << 16) | 9999)
    b.wait_journal("access.denied", after=seq, point="garden")
    pd.wait("led 1 red", mark)
    assert "led 1 green" not in pd.lines[mark:]


def test_duress_pin_looks_like_a_grant_at_the_reader(make_building, tmp_path,
                                                     bus):
    pd = bus()
    b = start(make_building, tmp_path, {"front.reader": 1}, PIN_CONF)
    identified(b, "front.reader")
    install(b, "front.reader")
    b.enrol("stay:11", 1101, "entrance", pin="2468")
    out = {}
    for pin in ("2468#", "2469#"):          # the PIN, then PIN + 1
        seq, mark = b.last_seq(), pd.mark()
        pd.card((1 << 16) | 1101)
        time.sleep(0.3)
        pd.cmd("keys %s" % pin)
        b.wait_journal("access.granted", after=seq, point="front")
        pd.wait("buz 1 1", mark)
        out[pin] = [x for x in pd.lines[mark:] if x.startswith(("led",
                                                                "buz"))]
        if pin == "2469#":
            b.wait_journal("alarm.duress", after=seq, point="front")
        b.ok("door.lock", door="front")
    assert out["2468#"] == out["2469#"] == ["led 1 green", "buz 1 1"]


# -- refusals -------------------------------------------------------------

def test_swapped_reader_is_refused_and_opens_nothing(make_building,
                                                     tmp_path, bus):
    b, pd = enforced(make_building, tmp_path, bus)
    pd.kill()
    seq = b.last_seq()
    for key in (None, OTHER_KEY):           # no key; another key
        thief = bus(key=key)
        fault_row(b, seq, contains="secure channel refused: reader "
                  "swapped or tampered")
        s2 = b.last_seq()
        thief.card()
        no_grant_for(b, s2, 1.0)
        thief.kill()
        seq = b.last_seq()
    # The real reader back: served again, the fault cleared.
    back = bus(key=key_file(b).read_bytes().hex())
    b.wait_journal("fault.cleared", after=seq, point="garden.reader")
    present_granted(b, back)


def test_plain_text_replay_and_wrong_mac_are_refused(make_building,
                                                     tmp_path, bus):
    b, pd = enforced(make_building, tmp_path, bus)
    present_granted(b, pd)
    b.ok("door.lock", door="garden")
    for attack, why in (("plain 1", "plain text"), ("replay", "wrong MAC"),
                        ("badmac", "wrong MAC")):
        seq = b.last_seq()
        pd.cmd(attack)
        fault_row(b, seq, contains=why)
        if attack == "plain 1":
            s2 = b.last_seq()
            pd.card()
            no_grant_for(b, s2, 1.0)
            pd.cmd("plain 0")
        # The reader with its key sets up a fresh session and is served.
        b.wait_journal("fault.cleared", after=seq, point="garden.reader")
        present_granted(b, pd)
        b.ok("door.lock", door="garden")


# -- supervision ----------------------------------------------------------

def test_killed_reader_is_offline_within_a_second_and_clears(make_building,
                                                             tmp_path, bus):
    pd = bus()
    b = start(make_building, tmp_path)
    identified(b)
    time.sleep(0.3)
    seq = b.last_seq()
    t0 = time.monotonic()
    pd.kill()
    row = fault_row(b, seq, contains="offline", timeout=3)
    took = time.monotonic() - t0
    # offline_ms after the last reply, which came at most one poll before
    # the kill; the margin is for a loaded machine.
    assert took <= OFFLINE_MS / 1000.0 + 0.5, "offline after %.2f s" % took
    assert row["type"] == "alarm.fault"
    seq = b.last_seq()
    bus()
    b.wait_journal("fault.cleared", after=seq, point="garden.reader",
                   timeout=5)


def test_tamper_and_power_are_alarms(make_building, tmp_path, bus):
    b, pd = enforced(make_building, tmp_path, bus)
    for what in ("tamper", "power"):
        seq = b.last_seq()
        pd.cmd("%s 1" % what)
        fault_row(b, seq, contains="tamper" if what == "tamper" else
                  "power")
        seq = b.last_seq()
        pd.cmd("%s 0" % what)
        b.wait_journal("fault.cleared", after=seq, point="garden.reader")


# -- the bus ----------------------------------------------------------------

FOUR = {"garden.reader": 1, "office.reader": 2, "corridor-1.reader": 3,
        "corridor-2.reader": 4}


def test_four_readers_on_one_bus(make_building, tmp_path, bus):
    pd = bus("1,2,3,4")
    b = start(make_building, tmp_path, FOUR)
    for role in FOUR:
        identified(b, role)
    b.enrol("stay:1", CHIP, "entrance,office,corridor-1,corridor-2")
    for role, addr in FOUR.items():
        door = role.split(".")[0]
        row, mark = present_granted(b, pd, door, addr=str(addr))
        pd.wait("led %d green" % addr, mark)


def test_noise_and_cut_frames_do_not_stop_the_reader(make_building,
                                                     tmp_path, bus):
    b, pd = enforced(make_building, tmp_path, bus)
    for _ in range(5):
        pd.cmd("noise 200")
        pd.cmd("cut")
        time.sleep(0.1)
    assert b.alive()
    present_granted(b, pd)


def test_a_sniffer_sees_no_card_number_once_enforced(make_building,
                                                     tmp_path, bus):
    tap = tmp_path / "tap.txt"
    pd = bus(tap=tap)
    b = start(make_building, tmp_path)
    identified(b)
    b.enrol("stay:1", CHIP, "entrance")
    # The card's bits as the reader sends them in osdp_RAW's data.
    bits = "{:026b}".format(card26_bits(NUMBER)) + "000000"
    clear = "%08X" % int(bits, 2)
    present_granted(b, pd)                  # before install: plain text
    assert clear in tap.read_text()
    b.ok("door.lock", door="garden")
    install(b)
    tap.write_text("")
    present_granted(b, pd)
    sniffed = tap.read_text()
    assert "PD>CP" in sniffed
    assert clear not in sniffed.replace("\n", "")
    assert clear[:6] not in sniffed.replace("\n", "")


def card26_bits(number):
    """The 26-bit Wiegand frame of a 24-bit payload: even parity over the
    first 12 payload bits in front, odd parity over the last 12 behind."""
    hi, lo = number >> 12, number & 0xFFF
    even = bin(hi).count("1") % 2
    odd = 1 - bin(lo).count("1") % 2
    return even << 25 | number << 1 | odd


def test_rotation_gives_a_new_key_and_the_reader_stays_served(
        make_building, tmp_path, bus):
    b, pd = enforced(make_building, tmp_path, bus)
    old = key_file(b).read_bytes()
    seq, mark = b.last_seq(), pd.mark()
    r = b.ctl("reader", "rotate", "garden.reader")
    assert r.returncode == 0, r.stderr
    row = journalled(b, "reader.rotate", "reader.key_rotated", "root", seq,
                     point="garden.reader")
    assert "key" not in row["detail"]
    pd.wait("keyset 1", mark)
    new = key_file(b).read_bytes()
    assert len(new) == 16 and new != old
    present_granted(b, pd)


def test_a_key_file_others_can_read_keeps_the_reader_refused(
        make_building, tmp_path, bus):
    b, pd = enforced(make_building, tmp_path, bus)
    key = key_file(b).read_bytes().hex()
    seq = b.last_seq()
    b.stop()
    os.chmod(key_file(b), 0o644)
    pd.kill()
    pd = bus(key=key)                       # the real reader, with its key
    b.start()
    fault_row(b, seq, contains="secure channel refused")
    s2 = b.last_seq()
    pd.card()
    no_grant_for(b, s2, 1.0)
    assert "its key cannot be used" in b.log.read_text()


def test_intercom_call_shows_waiting_at_the_reader(make_building, tmp_path,
                                                   bus):
    pd = bus()
    b = start(make_building, tmp_path, {"front.reader": 1})
    identified(b, "front.reader")
    seq, mark = b.last_seq(), pd.mark()
    b.set_input("front.intercom", 1)
    b.set_input("front.intercom", 0)
    b.wait_journal("intercom.call", after=seq, point="front")
    pd.wait("led 1 amber", mark)


def test_a_replaced_reader_installed_clears_the_refusal(make_building,
                                                        tmp_path, bus):
    b, pd = enforced(make_building, tmp_path, bus)
    old = key_file(b).read_bytes()
    pd.kill()
    seq = b.last_seq()
    new = bus()                             # a new reader, no key yet
    fault_row(b, seq, contains="secure channel refused")
    seq = b.last_seq()
    install(b)
    b.wait_journal("fault.cleared", after=seq, point="garden.reader")
    assert key_file(b).read_bytes() != old
    present_granted(b, new)
