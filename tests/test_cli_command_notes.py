"""`warroom hypothesis`, `decide`, `todo` and the action-item exports, through `main()`
on real files, as a responder types them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from warroom.cli import main
from warroom.model.actions import action_items
from warroom.model.decisions import decisions
from warroom.model.hypotheses import CONFIRMED, RULED_OUT, hypotheses
from warroom.model.incident import IncidentState, fold
from warroom.store.local import LocalStore


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as leaving:  # argparse refuses an option before main() runs a command
        code = int(leaving.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 0, (args, err)
    return out


def state_of(data: Path, incident: str) -> IncidentState:
    return fold(LocalStore(data).load_sync(incident).events)


def test_an_ic_runs_hypotheses_decisions_and_todos_from_the_command_line(
    capsys: pytest.CaptureFixture[str], isolated_dirs: Path
) -> None:
    incident = ok(capsys, "declare", "Checkout 502s", "-s", "SEV-1", "--ic", "Dana").strip()
    ok(capsys, "note", incident, "replica-2 lag 40 s since 13:52", "-k", "finding")
    ok(capsys, "note", incident, "primary CPU normal", "-k", "finding")
    replica = ok(capsys, "hypothesis", incident, "replica lag from the 13:50 deploy").strip()
    ok(capsys, "hypothesis", incident, "pgbouncer pool too small")
    assert ok(capsys, "hypothesis", incident, "--evidence", "replica lag", "lag 40") == (
        "replica-2 lag 40 s since 13:52: evidence for replica lag from the 13:50 deploy\n"
    )
    assert ok(capsys, "hypothesis", incident, "--confirm", replica[:30]) == (
        "confirmed: replica lag from the 13:50 deploy\n"
    )
    ruled = ok(capsys, "hypothesis", incident, "--rule-out", "pgbouncer", "--reason", "pool 30%")
    assert ruled == "ruled out: pgbouncer pool too small\n"
    listing = ok(capsys, "hypothesis", incident, "--list").splitlines()
    assert "confirmed  replica lag from the 13:50 deploy  [1 evidence]" in listing[0]
    assert "ruled out  pgbouncer pool too small  (pool 30%)" in listing[1]
    assert listing[0].split()[0] != listing[1].split()[0]  # ids told apart

    ok(
        capsys,
        "decide",
        incident,
        "fail over to the replica",
        "--objections-asked",
        "--objection",
        "Marco: replica-1 is behind too",
        "--by",
        "Ivy",
    )
    ok(capsys, "todo", incident, "rotate the replication key", "--owner", "@marco", "--due", "+3d")
    ok(capsys, "todo", incident, "add a lag alert @sam")
    assert ok(capsys, "todo", incident, "--update", "lag alert", "--owner", "Ivy") == (
        "updated: add a lag alert @sam\n"
    )
    assert ok(capsys, "done", incident, "rotate") == "done: rotate the replication key\n"
    todos = ok(capsys, "todo", incident, "--list")
    assert "done  rotate the replication key  owner: marco  due " in todos
    assert "open  add a lag alert @sam  owner: Ivy" in todos

    state = state_of(isolated_dirs, incident)
    assert {h.text: h.state for h in hypotheses(state)} == {
        "replica lag from the 13:50 deploy": CONFIRMED,
        "pgbouncer pool too small": RULED_OUT,
    }
    (decision,) = decisions(state)
    assert (decision.decided_by, decision.objections) == (
        "Ivy",
        ("Marco: replica-1 is behind too",),
    )
    assert [(i.owner, i.done) for i in action_items(state)] == [("marco", True), ("Ivy", False)]

    rows = list(csv.DictReader(io.StringIO(ok(capsys, "export", incident, "-f", "actions-csv"))))
    assert [(r["action"], r["owner"], r["status"]) for r in rows] == [
        ("rotate the replication key", "marco", "done"),
        ("add a lag alert @sam", "Ivy", "open"),
    ]
    document = json.loads(ok(capsys, "export", incident, "--format", "actions-json"))
    assert [a["owner"] for a in document["actions"]] == ["marco", "Ivy"]
    out_file = isolated_dirs.parent / "actions.csv"
    ok(capsys, "export", incident, "-f", "actions-csv", "-o", str(out_file))
    assert out_file.read_text().startswith("id,incident,action,owner,due,status")
    markdown = ok(capsys, "export", incident)
    assert "pool 30%" in markdown.split("## Hypotheses")[1]
    assert "decided by Ivy; objections asked, 1 raised" in markdown


def test_bad_command_notes_input_is_one_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], isolated_dirs: Path
) -> None:
    incident = ok(capsys, "declare", "Checkout 502s", "-s", "SEV-1").strip()
    ok(capsys, "hypothesis", incident, "replica lag")
    ok(capsys, "hypothesis", incident, "replica disk full")
    ok(capsys, "note", incident, "lag 40 s", "-k", "finding")
    ok(capsys, "todo", incident, "rotate the key")
    cases = [
        (("hypothesis", incident, "--rule-out", "lag"), "needs a reason"),
        (("hypothesis", incident, "--confirm", "replica"), "2 hypotheses match 'replica'"),
        (("hypothesis", incident, "--confirm", "dns"), "no hypothesis matches 'dns'"),
        (("hypothesis", incident, "--evidence", "lag", "cpu"), "no finding matches 'cpu'"),
        (("hypothesis", incident, "--unlink", "lag", "lag 40"), "not evidence"),
        (("hypothesis", incident, "x", "--confirm", "lag"), "not both"),
        (("hypothesis", incident, "  "), "needs some text"),
        (("hypothesis", incident, "--reason", "because"), "--reason goes with"),
        (("hypothesis", incident, "--reopen", "lag"), "already open"),
        (("hypothesis", "INC-20200101-9", "x"), "INC-20200101-9"),
        (("decide", incident, " "), "needs the proposal"),
        (("decide", incident, "x", "--objection", "y" * 501), "longer than 500"),
        (("todo", incident), "needs some text"),
        (("todo", incident, "x", "--due", "yesterday"), "cannot read due date 'yesterday'"),
        (("todo", incident, "x", "--due", "2001-01-01"), "in the past"),
        (("todo", incident, "x", "--owner", "@@!"), "an owner is a name"),
        (("todo", incident, "x", "--update", "rotate"), "not both"),
        (("todo", incident, "--update", "rotate"), "--update needs --owner or --due"),
        (("todo", incident, "--update", "nothing", "--owner", "x"), "no open todo matches"),
        (("todo", incident, "x", "--list"), "--list prints"),
        (("export", incident, "-f", "actions-xml"), "invalid choice"),
    ]
    before = len(LocalStore(isolated_dirs).load_sync(incident).events)
    for args, expected in cases:
        code, _out, err = run(capsys, *args)
        assert code != 0, args
        lines = err.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], (args, err)
    assert len(LocalStore(isolated_dirs).load_sync(incident).events) == before
    assert "No action items" not in ok(capsys, "todo", incident, "--list")
    empty = ok(capsys, "declare", "Other", "-s", "SEV-3").strip()
    assert ok(capsys, "hypothesis", empty).startswith(f"No hypotheses in {empty}.")
    assert ok(capsys, "todo", empty, "--list").startswith(f"No action items in {empty}.")
