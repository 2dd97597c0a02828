"""File modes (issue 14, item 5): whatever the umask, the files husvagtd
and husvagtctl create that hold people's data -- the database, its WAL and
shared-memory index, journal exports and safety reports -- are not
readable by others; `-o` never overwrites an existing file unless told to
(--force), and never widens its mode."""

import datetime
import os
import stat
from zoneinfo import ZoneInfo

import pytest

from conftest import ctl_as

TZ = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(p):
    return stat.S_IMODE(os.stat(p).st_mode)


def test_state_files_are_not_readable_by_others(umask022, make_building):
    b = make_building()
    b.ok("stay.admit", alias="Rose", room="101")
    for name in ("husvagt.db", "husvagt.db-wal", "husvagt.db-shm"):
        p = b.state / name
        assert p.exists(), name
        assert mode(p) & 0o077 == 0, (name, oct(mode(p)))
    b.stop()
    # An older install's world-readable files are narrowed at start.
    for name in ("husvagt.db", "husvagt.db-wal"):
        os.chmod(b.state / name, 0o644)
    b.start()
    for name in ("husvagt.db", "husvagt.db-wal", "husvagt.db-shm"):
        assert mode(b.state / name) & 0o007 == 0, name


@pytest.mark.parametrize("what", ["export", "report"])
def test_o_keeps_an_existing_file_and_never_widens(umask022, make_building,
                                                   tmp_path, what):
    b = make_building()
    b.ok("stay.admit", alias="Rose", room="101")
    today = datetime.datetime.now(TZ).strftime("%Y-%m-%d")
    if what == "export":
        cmd = ["journal", "export", "--format", "json"]
    else:
        cmd = ["report", "safety", "--from", today, "--to", today]
    out = tmp_path / ("out-" + what)
    ctl_as(b, "leder", *cmd, "-o", str(out), check=0)
    assert out.stat().st_size > 0 and mode(out) == 0o600, oct(mode(out))
    # An existing file stays as it was without --force.
    out.write_text("keep me")
    os.chmod(out, 0o644)
    p = ctl_as(b, "leder", *cmd, "-o", str(out), check=None)
    assert p.returncode != 0 and "--force" in p.stderr + p.stdout
    assert out.read_text() == "keep me" and mode(out) == 0o644
    # Told to, it is overwritten and narrowed to its owner.
    ctl_as(b, "leder", *cmd, "-o", str(out), "--force", check=0)
    assert out.read_text() != "keep me" and mode(out) == 0o600
    assert not [q for q in tmp_path.iterdir() if q.name.startswith(
        out.name + ".")]
