"""Asks and the handoff from the command line, through `warroom.cli.main` on real files."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warroom.cli import main
from warroom.model.events import EventKind
from warroom.model.incident import fold
from warroom.store.local import LocalStore


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 0, err
    return out


@pytest.fixture
def incident(capsys: pytest.CaptureFixture[str]) -> str:
    return ok(capsys, "declare", "Checkout fails", "-s", "SEV-2", "--ic", "Dana").strip()


def state_of(data: Path, incident_id: str):  # type: ignore[no-untyped-def]
    return fold(LocalStore(data).load_sync(incident_id).events)


def test_ask_list_extend_reassign_answer_and_drop(
    capsys: pytest.CaptureFixture[str], incident: str, isolated_dirs: Path
) -> None:
    before = datetime.now(UTC)
    opened = ok(capsys, "ask", incident, "@dana check replica lag", "--in", "5m", "--stream", "db")
    ask_id = opened.split()[0]
    assert opened.startswith(f"{ask_id}  @dana  check replica lag  due ") and "(5m)" in opened
    second = ok(capsys, "ask", incident, "is the deploy frozen?", "--to", "@marco").split()[0]
    third = ok(capsys, "ask", incident, "@lee vendor status 90s #vendor").split()[0]

    listing = ok(capsys, "asks", incident)
    assert listing.startswith("open asks (3):\n")
    assert "  db:\n" in listing and "  vendor:\n" in listing and "  (no workstream):\n" in listing
    assert f"    {ask_id}       " in listing and "@dana  check replica lag" in listing

    rows = [json.loads(line) for line in ok(capsys, "asks", incident, "--json").splitlines()]
    by_id = {row["id"]: row for row in rows}
    assert by_id[ask_id]["stream"] == "db" and by_id[ask_id]["owner"] == "dana"
    assert 290 <= by_id[ask_id]["seconds_left"] <= 300
    assert by_id[second]["seconds_left"] > 290  # the default time box: 5m
    assert by_id[third]["seconds_left"] <= 90 and by_id[third]["stream"] == "vendor"

    extended = ok(capsys, "ask", incident, "--extend", ask_id[:2], "10m")
    assert extended.startswith(f"extended {ask_id}: @dana now due ")
    reasked = ok(capsys, "ask", incident, "--reassign", ask_id, "@marco", "--in", "2m")
    assert reasked.startswith(f"re-asked {ask_id}: @dana -> @marco, due ")
    answered = ok(capsys, "answer", incident, ask_id, "lag", "is", "30s")
    assert answered == f"answered {ask_id}: @marco check replica lag\n"
    dropped = ok(capsys, "ask", incident, "--drop", third, "--reason", "vendor page is green")
    assert dropped.startswith(f"dropped {third}:")

    state = state_of(isolated_dirs, incident)
    ask = state.asks[ask_id]
    assert (ask.status, ask.answer, ask.owners, ask.extensions) == (
        "answered",
        "lag is 30s",
        ["dana", "marco"],
        1,
    )
    assert ask.due - before < timedelta(minutes=3)  # the re-ask's fresh 2m box
    assert state.asks[third].status == "dropped"
    assert [a.id for a in state.asks.values() if a.is_open] == [second]
    everything = ok(capsys, "asks", incident, "--all")
    assert "closed (2):" in everything and f"{ask_id}  answered  @marco" in everything
    assert "lag is 30s" in everything
    kinds = [e.kind for e in state.events]
    assert kinds.count(EventKind.ASK) == 7


BAD = [
    (("ask", "{id}", "check replica lag"), "start with who you ask"),
    (("ask", "{id}", "@dana"), "needs a question"),
    (("ask", "{id}", "@dana x", "--in", "soon"), "write it as 5m"),
    (("ask", "{id}", "@dana x", "--in", "25h"), "longer than 24h"),
    (("ask", "{id}", "@dana x", "--stream", "two words"), "workstream 'two words'"),
    (("ask", "{id}", "x", "--to", "@d[a]na"), "write a handle like @dana"),
    (("ask", "{id}"), "what is asked?"),
    (("ask", "{id}", "@dana x", "--drop", "zz"), "give the question only when opening"),
    (("ask", "{id}", "--drop", "zz"), "no open ask 'zz'"),
    (("ask", "{id}", "--extend", "zz", "5m"), "no open ask 'zz'"),
    (("ask", "{id}", "--reassign", "zz", "@marco"), "no open ask 'zz'"),
    (("answer", "{id}", "zz", "done"), "no open ask 'zz'"),
    (("ask", "INC-20200101-9", "@dana x"), "INC-20200101-9"),
    (("handoff", "{id}", "--as", "Marco"), "--as goes with --accept"),
    (("handoff", "{id}", "--accept", "--as", "  "), "who takes command"),
    (("handoff", "{id}", "--accept", "--as", "Dana"), "Dana is already IC"),
]


def test_bad_input_is_one_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], incident: str, isolated_dirs: Path
) -> None:
    before = len(LocalStore(isolated_dirs).load_sync(incident).events)
    for args, expected in BAD:
        code, _out, err = run(capsys, *(a.format(id=incident) for a in args))
        assert code != 0, args
        assert expected in err, (args, err)
        assert err.count("\n") == 1 and err.startswith("warroom: error: "), err
    assert len(LocalStore(isolated_dirs).load_sync(incident).events) == before


def test_an_answered_ask_cannot_be_answered_again_or_extended(
    capsys: pytest.CaptureFixture[str], incident: str
) -> None:
    ask_id = ok(capsys, "ask", incident, "@dana check lag 5m").split()[0]
    ok(capsys, "answer", incident, ask_id, "fine")
    for args in (
        ("answer", incident, ask_id, "again"),
        ("ask", incident, "--extend", ask_id, "5m"),
    ):
        code, _, err = run(capsys, *args)
        assert code == 1 and f"ask {ask_id} is already answered" in err


def test_handoff_prints_the_brief_and_accept_logs_the_change(
    capsys: pytest.CaptureFixture[str], incident: str, isolated_dirs: Path
) -> None:
    ok(capsys, "role", incident, "Ops", "Sam")
    ok(capsys, "hypothesis", incident, "replica lag 40s")
    ok(capsys, "note", incident, "freeze deploys", "-k", "decision")
    ok(capsys, "note", incident, "failed reads over", "-k", "action")
    ask_id = ok(capsys, "ask", incident, "@priya check pgbouncer 5m").split()[0]
    code, brief, err = run(capsys, "handoff", incident)
    assert code == 0
    assert brief.startswith(f"HANDOFF BRIEF {incident} at ")
    for line in (
        "SEV-2 Major degradation: Checkout fails",
        "- IC: Dana",
        "- Ops: Sam",
        "- Dev: NOBODY (unheld)",
        "- replica lag 40s (open)",
    ):
        assert line in brief.splitlines(), line
    assert f"- [{ask_id}] @priya: check pgbouncer (due " in brief
    assert "freeze deploys" in brief and "failed reads over" in brief
    assert err == "warroom: note: nobody holds Dev\nwarroom: note: nobody holds Comms\n"

    assert ok(capsys, "handoff", incident, "--accept", "--as", "Marco") == "IC: Dana -> Marco\n"
    assert ok(capsys, "--author", "Lee", "handoff", incident, "--accept") == "IC: Marco -> Lee\n"
    state = state_of(isolated_dirs, incident)
    assert state.roles["IC"] == "Lee"
    roles = [e.text for e in state.entries if e.kind is EventKind.ROLE_ASSIGNED]
    assert roles[-2:] == ["IC: Dana -> Marco", "IC: Marco -> Lee"]
    assert "- IC: Lee" in ok(capsys, "handoff", incident).splitlines()


def test_config_sets_the_default_time_box_and_a_bad_value_is_exit_3(
    capsys: pytest.CaptureFixture[str], incident: str, tmp_path: Path
) -> None:
    config = tmp_path / "warroom.toml"
    config.write_text('[asks]\ndefault_box = "2m"\n[handoff]\nic_stint = "1h"\n')
    ok(capsys, "ask", incident, "@dana check lag")
    (row,) = [json.loads(line) for line in ok(capsys, "asks", incident, "--json").splitlines()]
    assert 100 < row["seconds_left"] <= 120
    config.write_text('[asks]\ndefault_box = "forever"\n')
    code, _, err = run(capsys, "ask", incident, "@dana check lag")
    assert code == 3 and "asks.default_box: time box 'forever'" in err
    config.write_text("[asks]\ndefault_box = true\n")
    code, _, err = run(capsys, "ask", incident, "@dana check lag")
    assert code == 3 and "asks.default_box: expected a duration" in err


def test_hostile_text_is_shown_inert(capsys: pytest.CaptureFixture[str], incident: str) -> None:
    hostile = "@dana check \x1b]52;c;aGk=\x07 [bold]lag[/x]"
    ask_id = ok(capsys, "ask", incident, hostile).split()[0]
    for out in (ok(capsys, "asks", incident), ok(capsys, "handoff", incident)):
        assert "\x1b" not in out and "\x07" not in out
        assert "[bold]lag[/x]" in out
    assert "\x1b" not in ok(capsys, "asks", incident, "--json")
    ok(capsys, "answer", incident, ask_id, "\x1b[2J cleared")


def test_the_post_mortem_lists_asks_with_outcomes_and_each_change_of_ic(
    capsys: pytest.CaptureFixture[str], incident: str
) -> None:
    assert "## Asks and command" not in ok(capsys, "export", incident)  # nothing to say
    answered = ok(capsys, "ask", incident, "@dana check | replica lag 5m #db").split()[0]
    ok(capsys, "ask", incident, "--reassign", answered, "@marco")
    ok(capsys, "answer", incident, answered, "30s [behind]")
    dropped = ok(capsys, "ask", incident, "@lee vendor status").split()[0]
    ok(capsys, "ask", incident, "--drop", dropped)
    ok(capsys, "ask", incident, "@priya pool size 10m")
    ok(capsys, "handoff", incident, "--accept", "--as", "Marco")
    text = ok(capsys, "export", incident)
    section = text[text.index("## Asks and command") :].split("\n## ")[0].splitlines()
    rows = [row for row in section if row.startswith("| ") and "Asked" not in row]
    assert len(rows) == 3
    assert (
        "| @dana -> @marco | check \\| replica lag | db | Answered after 0s | 30s [behind] |"
        in (rows[0])
    )
    assert "| @lee | vendor status | - | Dropped after 0s | - |" in rows[1]
    assert "| @priya | pool size | - | Open | - |" in rows[2]
    assert any(row.endswith("UTC: IC Dana (by tester)") for row in section)
    assert any(row.endswith("UTC: IC Dana -> Marco (by tester)") for row in section)
    document = json.loads(ok(capsys, "export", incident, "--format", "json"))
    asks = {ask["id"]: ask for ask in document["incident"]["asks"]}
    assert asks[answered]["owners"] == ["dana", "marco"] and asks[answered]["status"] == "answered"


def test_a_password_in_an_ask_or_an_answer_is_masked_before_it_is_stored(
    capsys: pytest.CaptureFixture[str], incident: str, isolated_dirs: Path
) -> None:
    dsn = "postgresql://app:hunter2secret@db.internal:5432/orders"
    ask_id = ok(capsys, "ask", incident, f"@dana is {dsn} reachable? 5m").split()[0]
    ok(capsys, "answer", incident, ask_id, f"yes, {dsn} answers")
    log = next((isolated_dirs / "incidents").glob(f"{incident}*.jsonl")).read_text()
    assert "hunter2secret" not in log
    assert "hunter2secret" not in ok(capsys, "asks", incident, "--all")
    assert "hunter2secret" not in ok(capsys, "export", incident)
