"""The situation record from the command line, as a user runs it: a real `warroom`
process on real files, then the updates the console would draft from the same record."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.test_cli_incidents import warroom
from warroom.comms_templates import load_templates
from warroom.model.comms import render
from warroom.model.incident import fold
from warroom.model.severity import PRESETS
from warroom.store.local import LocalStore


def test_set_record_done_and_resolve_with_a_summary(isolated_dirs) -> None:  # type: ignore[no-untyped-def]
    incident = warroom("declare", "Checkout 502s", "-s", "SEV-1", "--ic", "Alice").stdout.strip()
    assert warroom("set", incident, "impact", "Customers", "cannot", "pay").stdout == (
        "impact: Customers cannot pay\n"
    )
    warroom("set", incident, "workaround", "Pay by invoice")
    warroom("set", incident, "customer-summary", "Some customers cannot check out.")
    started = warroom("set", incident, "impact-start", "-10m").stdout
    assert started.startswith("impact started: ")
    warroom("set", incident, "next-update", "+45m")
    warroom("note", incident, "check replica lag @bob", "-k", "todo")
    record = warroom("record", incident).stdout
    assert "impact            Customers cannot pay" in record
    assert "scope             (not set)" in record
    assert "open todos (1):" in record and "check replica lag @bob  (owner: bob)" in record
    assert warroom("done", incident, "replica").stdout == "done: check replica lag @bob\n"
    resolved = warroom("status", incident, "resolved", "--summary", "Rolled back 412")
    assert resolved.stderr == ""

    state = fold(LocalStore(isolated_dirs).load_sync(incident).events)
    assert state.record.fact("resolution") == "Rolled back 412"
    assert all(entry.done for entry in state.notes() if entry.note_kind == "todo")
    templates = {t.id: t for t in load_templates()[0]}
    now = datetime.now(UTC)
    text = render(templates["executives"], state, PRESETS["sev1-sev3"], now, UTC)
    assert "Business impact: Customers cannot pay" in text
    assert "Resolution: Rolled back 412" in text
    assert "This is the final update for this incident." in text


def test_bad_record_input_is_one_line_and_changes_nothing(isolated_dirs) -> None:  # type: ignore[no-untyped-def]
    incident = warroom("declare", "Checkout 502s", "-s", "SEV-1").stdout.strip()
    cases = [
        (("set", incident, "mood", "grim"), "unknown field 'mood'"),
        (("set", incident, "impact-start", "99:99"), "cannot read time '99:99'"),
        (("set", incident, "impact-start", "+10m"), "cannot read time '+10m'"),
        (("set", incident, "next-update", "-10m"), "cannot read time '-10m'"),
        (("set", incident, "next-update", "yesterday"), "cannot read time 'yesterday'"),
        (("set", incident, "scope", "x" * 3000), "longer than 2000 characters"),
        (("done", incident, "anything"), "no open todo matches 'anything'"),
        (("set", "INC-20200101-9", "impact", "x"), "INC-20200101-9"),
    ]
    before = len(LocalStore(isolated_dirs).load_sync(incident).events)
    for args, expected in cases:
        result = warroom(*args, check=False)
        assert result.returncode != 0, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], (args, result.stderr)
    assert len(LocalStore(isolated_dirs).load_sync(incident).events) == before
    hint = warroom("status", incident, "resolved").stderr
    assert f'warroom set {incident} resolution "what fixed it"' in hint
