"""A reload reads and checks the board file now, not at the next start:
a board broken since the start is refused as system.reload_failed naming
its file and line, with a "fault" alarm at point "config" and "config" in
status's faults until a reload loads; a valid board that changed loads
with the journal and status saying it needs a restart."""

from conftest import sighup, sim_board_with


def alarm_at(b, point):
    return [a for a in b.ok("alarm.list")["alarms"]
            if a["class"] == "fault" and a["point"] == point]


def test_a_broken_board_file_fails_the_reload_until_fixed(make_building,
                                                          tmp_path):
    board = sim_board_with(tmp_path / "board.ini")
    b = make_building(board=board)
    good = board.read_text()
    b.ok("door.release", door="office", hold=True)

    # A point of a kind no board knows, on a known line of the file.
    lines = good.splitlines()
    at = lines.index("[point front.rex]")
    lines[at + 2] = "kind = teleporter"
    board.write_text("\n".join(lines) + "\n")
    row = sighup(b)
    assert row["type"] == "system.reload_failed", row
    assert row["detail"]["file"] == str(board), row
    assert row["detail"]["line"] == at + 3, row
    assert "teleporter" in row["detail"]["error"] or \
        "kind" in row["detail"]["error"], row
    st = b.ok("status")
    assert "config" in st["faults"], st
    assert len(alarm_at(b, "config")) == 1
    assert b.wait_journal("alarm.fault", after=row["seq"] - 1,
                          point="config")
    # The doors work as before: the hold stands, the exit button opens.
    assert b.released("office")
    b.ok("door.lock", door="office")

    # Still broken at the next reload: still a fault, one alarm.
    row = sighup(b)
    assert row["type"] == "system.reload_failed", row
    assert len(alarm_at(b, "config")) == 1

    # Fixed: it loads, the fault ends.
    board.write_text(good)
    row = sighup(b)
    assert row["type"] == "system.reloaded", row
    assert "restart_needed" not in row["detail"], row
    st = b.ok("status")
    assert "config" not in st["faults"] and "restart_needed" not in st
    assert b.wait_journal("fault.cleared", after=row["seq"] - 1,
                          point="config")
    assert all(not a["cause_active"] for a in alarm_at(b, "config"))
    assert b.alive()


def test_a_valid_changed_board_says_it_needs_a_restart(make_building,
                                                        tmp_path):
    board = sim_board_with(tmp_path / "board.ini")
    b = make_building(board=board)
    # Comments and blank lines only: nothing to restart for.
    board.write_text("; a note\n\n" + board.read_text())
    row = sighup(b)
    assert row["type"] == "system.reloaded", row
    assert "restart_needed" not in row["detail"], row

    # The garden's exit button wired the other way round.
    sim_board_with(board, points={"garden.rex": (
        "backend = sim\nkind = input\nline = GARDEN_REX\nactive = high")})
    row = sighup(b)
    assert row["type"] == "system.reloaded", row
    assert row["detail"]["restart_needed"] is True, row
    assert "board" in row["detail"]["reason"], row
    assert b.ok("status")["restart_needed"] is True
    assert b.alive()
