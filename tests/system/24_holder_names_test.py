"""A name given as a chip's holder is refused and never reaches the
journal."""


def test_revoke_by_a_name_is_refused_and_never_journalled(building):
    seq = building.last_seq()
    name = "Anna Jensen (alias Lotte)"
    r = building.request("chip.revoke", holder=name)
    assert not r["ok"] and r["error"] == "bad_holder", r
    for row in building.journal(seq):
        assert name not in str(row), row
    # The proper form still works.
    building.enrol("stay:7", 7007, "corridor-1")
    assert building.ok("chip.revoke", holder="stay:7")["revoked"] == 1
