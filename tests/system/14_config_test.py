"""husvagtd --check-config against the real binary (DESIGN 10, invariant 7).

The reference building's configuration is valid.  A catalogue of broken
site configurations and board files is refused with exit code 1, every
error printed as `file:LINE: reason` (or `file: reason` for a whole
file), exactly the errors expected and no others, and the count in the
closing line.  A daemon started on a broken configuration exits 1 at
once, saying why, without opening a socket or touching its state folder.

The catalogue uses its own small building (two doors, a sim board of
five points) so that every line number is written down here.
"""

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("HUSVAGT_BUILD", TOP / "build")).resolve()
HUSVAGTD = BUILD / "husvagtd"

# The small building: [door front] at line 8, [door back] at line 13.
SITE = """\
[site]
name = test
board = {board}
state_dir = {run}/state
control_socket = {run}/control.sock
sim_socket = {run}/sim.sock

[door front]
zone = entrance
egress = yes
pin = yes

[door back]
zone = garden
"""
FRONT_LINE, BACK_LINE = 8, 13

# 33 lines; a case's extra text is appended after a blank line, so its
# first line is line 35 (X below).  A message about a board section as a
# whole names its header's line; one about a key, the key's.
BOARD = """\
[board]
name = test-board

[backend sim]
type = sim

[point front.lock]
backend = sim
kind = output
line = FRONT_LOCK
lock = fail-safe

[point front.contact]
backend = sim
kind = input
line = FRONT_CONTACT

[point front.reader]
backend = sim
kind = reader
d0 = FRONT_D0
d1 = FRONT_D1

[point back.lock]
backend = sim
kind = output
line = BACK_LOCK
lock = fail-secure

[point back.contact]
backend = sim
kind = input
line = BACK_CONTACT
"""
X = 35
BACK_LOCK = """\
[point back.lock]
backend = sim
kind = output
line = BACK_LOCK
lock = fail-secure
"""
MODBUS = "[backend io]\ntype = modbus\nhost = 127.0.0.1\n"   # X .. X+2


class SiteFiles:
    """A site configuration and its board in one folder (nothing runs)."""

    def __init__(self, run: Path, site_extra="", board=BOARD, extra=None):
        self.run = run
        (run / "state").mkdir(parents=True)
        self.board = run / "board.ini"
        if extra is not None:
            board = board + "\n" + extra
        self.board.write_text(board)
        self.conf = run / "husvagt.conf"
        self.conf.write_text(SITE.format(board=self.board, run=run) +
                             site_extra)


def check(conf):
    return subprocess.run([str(HUSVAGTD), "--check-config", "-c",
                           str(conf)], capture_output=True, text=True,
                          timeout=10)


def error_lines(stderr):
    return sorted(l for l in stderr.splitlines()
                  if not l.startswith("husvagtd: "))


def assert_refused(p, errors, verdict="it is not valid"):
    """Exit 1, exactly these (path, line, reason) errors, and the count."""
    want = sorted("%s:%d: %s" % (f, n, r) if n else "%s: %s" % (f, r)
                  for f, n, r in errors)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert error_lines(p.stderr) == want, p.stderr
    assert ("husvagtd: %d error(s) in the configuration; %s" %
            (len(want), verdict)) in p.stderr.splitlines(), p.stderr
    assert p.stdout == ""


# -- the reference building -------------------------------------------

def test_reference_building_is_valid(tmp_path):
    conf = subprocess.check_output(
        [str(TOP / "tools/sim-config"), str(tmp_path / "run")],
        text=True).strip()
    p = check(conf)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    assert re.fullmatch(re.escape(conf) + r": valid \(17 doors; board "
                        r"\S+ with \d+ points\)\n", p.stdout), p.stdout
    # Checking starts nothing and writes nothing.
    assert not (tmp_path / "run/control.sock").exists()
    assert not (tmp_path / "run/sim.sock").exists()
    assert list((tmp_path / "run/state").iterdir()) == []


def test_small_building_is_valid(tmp_path):
    b = SiteFiles(tmp_path / "run")
    p = check(b.conf)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "%s: valid (2 doors; board test-board with 5 " \
        "points)\n" % b.conf


# -- broken board files -----------------------------------------------

BOARD_CASES = [
    ("unknown backend type",
     "[backend plc]\ntype = plc\n",
     [(X + 1, "type: 'plc' is not one of sim, gpiod, modbus, osdp")]),
    ("backend without a type",
     "[backend plc]\nunit = 1\n",
     [(X, "backend 'plc' has no type (sim, gpiod, modbus, osdp)")]),
    ("point on a backend that does not exist",
     "[point siren]\nbackend = gpio\nkind = output\nline = SIREN\n",
     [(X + 1, "backend: no [backend gpio] in this file")]),
    ("point without a backend",
     "[point siren]\nkind = output\nline = SIREN\n",
     [(X, "point 'siren' has no backend")]),
    ("point without a kind",
     "[point siren]\nbackend = sim\nline = SIREN\n",
     [(X, "point 'siren' has no kind (input, output, supervised, "
       "reader)")]),
    ("duplicate role",
     "[point front.lock]\nbackend = sim\nkind = output\nline = LOCK2\n",
     [(X, "role 'front.lock' is already defined at line 7")]),
    ("duplicate role right after the first",
     "[point back.contact]\nbackend = sim\nkind = input\n"
     "line = BACK_CONTACT2\n",
     [(X, "role 'back.contact' is already defined at line 30")]),
    ("one line for two roles",
     "[point siren]\nbackend = sim\nkind = output\nline = FRONT_LOCK\n",
     [(X + 3, "line: line 'FRONT_LOCK' is already used by 'front.lock' "
       "(line 7)")]),
    ("a reader's d1 on another role's line",
     "[point back.reader]\nbackend = sim\nkind = reader\nd0 = BACK_D0\n"
     "d1 = BACK_CONTACT\n",
     [(X + 4, "d1: line 'BACK_CONTACT' is already used by 'back.contact' "
       "(line 30)")]),
    ("reader without d1",
     "[point back.reader]\nbackend = sim\nkind = reader\nd0 = BACK_D0\n",
     [(X, "point 'back.reader' (reader on sim) needs d1")]),
    ("reader given a line instead of d0 and d1",
     "[point back.reader]\nbackend = sim\nkind = reader\nline = BACK_RD\n",
     [(X + 3, "line: does not apply to a reader"),
      (X, "point 'back.reader' (reader on sim) needs d0"),
      (X, "point 'back.reader' (reader on sim) needs d1")]),
    ("reader on a modbus backend",
     MODBUS + "[point back.reader]\nbackend = io\nkind = reader\n",
     [(X + 3, "point 'back.reader': a reader cannot be on a modbus "
       "backend")]),
    ("coil on an input",
     MODBUS + "[point back.rex]\nbackend = io\nkind = input\ncoil = 3\n",
     [(X + 6, "coil: does not apply to an input"),
      (X + 3, "point 'back.rex' (input on modbus) needs input")]),
    ("lock on an input",
     "[point back.rex]\nbackend = sim\nkind = input\nline = BACK_REX\n"
     "lock = fail-safe\n",
     [(X + 4, "lock: does not apply to an input")]),
    ("bad active level",
     "[point back.rex]\nbackend = sim\nkind = input\nline = BACK_REX\n"
     "active = sideways\n",
     [(X + 4, "active: 'sideways' is not one of high, low")]),
    ("bad lock type",
     "[point siren]\nbackend = sim\nkind = output\nline = SIREN\n"
     "lock = magnetic\n",
     [(X + 4, "lock: 'magnetic' is not one of fail-safe, fail-secure")]),
    ("line name with a space",
     "[point back.rex]\nbackend = sim\nkind = input\nline = BACK REX\n",
     [(X + 3, "line: 'BACK REX' must be 1 to 63 characters without "
       "spaces")]),
    ("role name with a space",
     "[point back rex]\nbackend = sim\nkind = input\nline = BACK_REX\n",
     [(X, "role 'back rex' must be letters, digits, '.', '-' or '_'")]),
    ("unknown key in a point",
     "[point siren]\nbackend = sim\nkind = output\nline = SIREN\n"
     "colour = red\n",
     [(X + 4, "unknown key 'colour' in [point siren]")]),
    ("unknown section",
     "[wires]\ncount = 3\n",
     [(X, "unknown section [wires] (board, backend NAME, point ROLE)")]),
    ("second sim backend",
     "[backend sim2]\ntype = sim\n",
     [(X, "only one sim backend per board ('sim' is one)")]),
    ("modbus backend without host",
     "[backend io]\ntype = modbus\nunit = 2\n",
     [(X, "modbus backend 'io' (tcp) needs host")]),
    ("modbus rtu without device",
     "[backend io]\ntype = modbus\ntransport = rtu\nbaud = 9600\n",
     [(X, "modbus backend 'io' (rtu) needs device")]),
    ("modbus key of the other transport",
     MODBUS + "baud = 9600\n",
     [(X + 3, "baud: does not apply to transport tcp")]),
    ("gpiod key on a modbus backend",
     MODBUS + "chip = gpiochip0\n",
     [(X + 3, "chip: does not apply to a modbus backend")]),
    ("modbus port out of range",
     MODBUS + "port = 70000\n",
     [(X + 3, "port: 70000 is out of range 1..65535")]),
    ("modbus timeout not shorter than the poll",
     MODBUS + "poll_ms = 100\ntimeout_ms = 100\n",
     [(X + 4, "modbus backend 'io': timeout_ms (100) must be shorter than "
       "poll_ms (100), or a silent module is not reported within two "
       "polls")]),
    ("modbus timeout above the default poll",
     MODBUS + "timeout_ms = 500\n",
     [(X + 3, "modbus backend 'io': timeout_ms (500) must be shorter than "
       "poll_ms (100), or a silent module is not reported within two "
       "polls")]),
    ("modbus parity unknown",
     "[backend io]\ntype = modbus\ntransport = rtu\ndevice = /dev/ttyUSB0\n"
     "parity = X\n",
     [(X + 4, "parity: 'X' is not one of N, E, O")]),
    ("loop thresholds that do not increase",
     MODBUS + "[point fire]\nbackend = io\nkind = supervised\n"
     "register = 0\nloop = 3000,2000,1000\n",
     [(X + 7, "loop: thresholds 3000,2000,1000 must increase (short < "
       "normal < active)")]),
    ("loop with two thresholds",
     MODBUS + "[point fire]\nbackend = io\nkind = supervised\n"
     "register = 0\nloop = 1000,3000\n",
     [(X + 7, "loop: '1000,3000' is not three numbers 0..65535 "
       "(short,normal,active)")]),
    ("supervised modbus loop without thresholds",
     MODBUS + "[point fire]\nbackend = io\nkind = supervised\n"
     "register = 0\n",
     [(X + 3, "point 'fire' (supervised on modbus) needs loop")]),
    ("one modbus address for two roles",
     MODBUS + "[point siren]\nbackend = io\nkind = output\ncoil = 1\n\n"
     "[point strobe]\nbackend = io\nkind = output\ncoil = 1\n",
     [(X + 11, "coil: 1 is already used by 'siren' (line 38)")]),
    ("key set twice in a point",
     "[point siren]\nbackend = sim\nkind = output\nline = SIREN\n"
     "line = SIREN2\n",
     [(X + 4, "line: set twice in [point siren] (first at line 38)")]),
]


@pytest.mark.parametrize("name,extra,errors", BOARD_CASES,
                         ids=[c[0] for c in BOARD_CASES])
def test_broken_board(tmp_path, name, extra, errors):
    b = SiteFiles(tmp_path / "run", extra=extra)
    assert_refused(check(b.conf), [(b.board, n, r) for n, r in errors])


def test_missing_board_file(tmp_path):
    b = SiteFiles(tmp_path / "run")
    b.board.unlink()
    assert_refused(check(b.conf), [
        (b.board, 0, "cannot open: No such file or directory")])


def test_empty_board_file(tmp_path):
    b = SiteFiles(tmp_path / "run", board="")
    assert_refused(check(b.conf), [
        (b.board, 0, "no [backend NAME] section"),
        (b.board, 0, "no [point ROLE] section")])


# -- the site configuration against its board --------------------------

def test_door_lock_missing_from_board(tmp_path):
    b = SiteFiles(tmp_path / "run", board=BOARD.replace(BACK_LOCK, ""))
    assert_refused(check(b.conf), [
        (b.conf, BACK_LINE, "door back: the board %s has no point "
         "'back.lock'" % b.board)])


def test_door_contact_missing_from_board(tmp_path):
    board = BOARD[:BOARD.index("[point back.contact]")]
    b = SiteFiles(tmp_path / "run", board=board)
    assert_refused(check(b.conf), [
        (b.conf, BACK_LINE, "door back: the board %s has no point "
         "'back.contact'" % b.board)])


def test_door_missing_from_board_entirely(tmp_path):
    b = SiteFiles(tmp_path / "run", site_extra="\n[door cellar]\n"
                 "zone = cellar\n")
    assert_refused(check(b.conf), [
        (b.conf, 16, "door cellar: the board %s has no point "
         "'cellar.lock'" % b.board),
        (b.conf, 16, "door cellar: the board %s has no point "
         "'cellar.contact'" % b.board)])


def test_door_lock_not_an_output(tmp_path):
    board = BOARD.replace(BACK_LOCK, "[point back.lock]\nbackend = sim\n"
                          "kind = input\nline = BACK_LOCK\n")
    b = SiteFiles(tmp_path / "run", board=board)
    assert_refused(check(b.conf), [
        (b.conf, BACK_LINE, "door back: 'back.lock' is not an output on "
         "the board")])


def test_pin_without_reader(tmp_path):
    b = SiteFiles(tmp_path / "run", site_extra="pin = yes\n")
    assert_refused(check(b.conf), [
        (b.conf, BACK_LINE, "door back: pin = yes but the board has no "
         "'back.reader'")])


def test_door_lock_without_lock_type(tmp_path):
    board = BOARD.replace(BACK_LOCK, BACK_LOCK.replace(
        "lock = fail-secure\n", ""))
    b = SiteFiles(tmp_path / "run", board=board)
    p = check(b.conf)
    assert p.returncode == 1
    assert re.search(r":%d: door back: .*back\.lock.*(fail-safe|lock)" %
                     BACK_LINE, p.stderr), p.stderr


def test_door_contact_not_an_input(tmp_path):
    board = BOARD.replace("kind = input\nline = BACK_CONTACT",
                          "kind = output\nline = BACK_CONTACT")
    b = SiteFiles(tmp_path / "run", board=board)
    p = check(b.conf)
    assert p.returncode == 1
    assert ":%d: door back: 'back.contact'" % BACK_LINE in p.stderr


def test_fire_on_a_plain_input(tmp_path):
    """A fire panel relay wired as a plain contact is a valid board: the
    core raises alarm.fire for it as for a supervised loop (tested in
    19_alarm_inputs_test.py)."""
    b = SiteFiles(tmp_path / "run", extra="[point fire]\nbackend = sim\n"
                  "kind = input\nline = FIRE\n")
    p = check(b.conf)
    assert p.returncode == 0, p.stderr


# -- broken site configurations ----------------------------------------

SITE_CASES = [
    ("release under 3 s", "release_s = 2\n",
     [(15, "release_s: 2 is out of range 3..3600")]),
    ("release not a number", "release_s = abc\n",
     [(15, "release_s: 'abc' is not a whole number")]),
    ("release beyond a long", "release_s = 99999999999999999999\n",
     [(15, "release_s: '99999999999999999999' is not a whole number")]),
    ("held warning after the alarm", "held_warning_s = 70\n",
     [(15, "door back: held_warning_s (70) must be less than held_s "
       "(60)")]),
    ("unknown key", "colour = green\n",
     [(15, "unknown key 'colour' in [door back]")]),
    ("bad boolean", "egress = perhaps\n",
     [(15, "egress: 'perhaps' is not yes or no")]),
    ("duplicate door", "\n[staff]\nanna = staff\n\n[door front]\n"
     "zone = hall\n",
     [(19, "door 'front' is already defined at line 8")]),
    ("bad door name", "\n[door Cellar Door]\nzone = cellar\n",
     [(16, "door name 'Cellar Door' must be lower-case letters, digits, "
       "'-' or '_'")]),
    ("door without a zone", "\n[door cellar]\negress = yes\n",
     [(16, "door cellar: zone is missing")]),
    ("unknown staff role", "\n[staff]\nanna = boss\n",
     [(17, "staff anna: unknown role 'boss' (staff, management or "
       "installer)")]),
    ("duplicate staff", "\n[staff]\nanna = staff\nanna = installer\n",
     [(18, "staff anna: listed twice")]),
    ("unknown section", "\n[garage]\nhost = localhost\n",
     [(16, "unknown section [garage]")]),
    ("not key = value", "egress\n",
     [(15, "not a section header or key = value")]),
    ("control character", "forced_alarm = n\x1b[0mo\n",
     [(15, "forced_alarm: the value contains a control character")]),
]


@pytest.mark.parametrize("name,extra,errors", SITE_CASES,
                         ids=[c[0] for c in SITE_CASES])
def test_broken_site(tmp_path, name, extra, errors):
    b = SiteFiles(tmp_path / "run", site_extra=extra)
    assert_refused(check(b.conf), [(b.conf, n, r) for n, r in errors])


def test_site_without_name_and_board(tmp_path):
    b = SiteFiles(tmp_path / "run")
    text = b.conf.read_text()
    text = re.sub(r"(?m)^(name|board) = .*\n", "", text)
    b.conf.write_text(text)
    assert_refused(check(b.conf), [
        (b.conf, 0, "[site] name is missing"),
        (b.conf, 0, "[site] board is missing")])


def test_missing_site_file(tmp_path):
    conf = tmp_path / "nowhere.conf"
    assert_refused(check(conf), [
        (conf, 0, "cannot open: No such file or directory")])


def test_errors_in_site_and_board_reported_together(tmp_path):
    """One run names every error of both files."""
    b = SiteFiles(tmp_path / "run", site_extra="release_s = 1\nspeed = 3\n",
                 extra="[backend plc]\ntype = plc\n\n[point siren]\n"
                 "backend = sim\nkind = output\nline = FRONT_LOCK\n"
                 "active = up\n")
    assert_refused(check(b.conf), [
        (b.conf, 15, "release_s: 1 is out of range 3..3600"),
        (b.conf, 16, "unknown key 'speed' in [door back]"),
        (b.board, X + 1, "type: 'plc' is not one of sim, gpiod, modbus, osdp"),
        (b.board, X + 7, "active: 'up' is not one of high, low"),
        (b.board, X + 6, "line: line 'FRONT_LOCK' is already used by "
         "'front.lock' (line 7)")])


# -- a daemon on a broken configuration refuses to start ----------------

def refuses_to_start(b, errors):
    t0 = time.monotonic()
    p = subprocess.run([str(HUSVAGTD), "-c", str(b.conf)],
                       capture_output=True, text=True, timeout=10)
    assert time.monotonic() - t0 < 5
    assert_refused(p, errors, verdict="refusing to start")
    assert not (b.run / "control.sock").exists()
    assert not (b.run / "sim.sock").exists()
    assert list((b.run / "state").iterdir()) == [], \
        "a refused start wrote to the state folder"


def test_daemon_refuses_broken_site(tmp_path):
    b = SiteFiles(tmp_path / "run", site_extra="release_s = 2\n")
    refuses_to_start(b, [(b.conf, 15, "release_s: 2 is out of range "
                          "3..3600")])


def test_daemon_refuses_broken_board(tmp_path):
    b = SiteFiles(tmp_path / "run", extra="[point back.reader]\n"
                 "backend = sim\nkind = reader\nd0 = BACK_D0\n")
    refuses_to_start(b, [(b.board, X, "point 'back.reader' (reader "
                          "on sim) needs d1")])


def test_daemon_refuses_door_missing_on_board(tmp_path):
    b = SiteFiles(tmp_path / "run", board=BOARD.replace(BACK_LOCK, ""))
    refuses_to_start(b, [(b.conf, BACK_LINE, "door back: the board %s has "
                          "no point 'back.lock'" % b.board)])


def test_daemon_refuses_missing_config(tmp_path):
    b = SiteFiles(tmp_path / "run")
    b.conf.unlink()
    refuses_to_start(b, [(b.conf, 0, "cannot open: No such file or "
                          "directory")])
