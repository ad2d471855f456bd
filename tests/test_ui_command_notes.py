"""The hypotheses board (h), the decision form (d) and the todo board (T), driven with
Pilot as an IC would: every journey ends in stored events and in the update the IC
copies, the post-mortem `e` writes and the tracker export."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, SelectionList, TextArea

from tests.test_comms_journey import copy
from tests.ui_support import HOSTILE, INCIDENT, make_app, still
from warroom.cli import main
from warroom.model.actions import action_items
from warroom.model.decisions import decisions
from warroom.model.events import NoteKind
from warroom.model.hypotheses import CONFIRMED, OPEN, RULED_OUT, hypotheses
from warroom.store.local import LocalStore
from warroom.ui.screens.decision import DecisionScreen
from warroom.ui.screens.hypotheses import EvidenceScreen, HypothesesScreen
from warroom.ui.screens.main import MainScreen
from warroom.ui.screens.picker import TextPromptScreen
from warroom.ui.screens.todos import TodoBoardScreen


async def until(pilot, check: Callable[[], bool], what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(300):
        if check():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"never happened: {what}")


async def main_screen(pilot) -> MainScreen:  # type: ignore[no-untyped-def]
    await until(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, MainScreen)
            and bool(pilot.app.screen.query("CommsComposer"))
        ),
        "the main screen with its panes",
    )
    await pilot.pause()
    return pilot.app.screen


async def prompt(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Answer the text prompt that just opened."""
    await until(pilot, lambda: isinstance(pilot.app.screen, TextPromptScreen), "a prompt")
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")


async def on_board(pilot, board: type, count: Callable[[], int], wanted: int) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: isinstance(pilot.app.screen, board), board.__name__)
    await until(pilot, lambda: count() == wanted, f"{wanted} rows")
    await pilot.pause()


async def test_a_hypothesis_confirmed_and_another_ruled_out_show_in_update_and_postmortem(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)  # the fixture incident has the finding "5xx rate at 40%"
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        state = lambda: screen.session.state  # noqa: E731
        table = lambda: pilot.app.screen.query_one(DataTable).row_count  # noqa: E731
        await pilot.press("h")
        await on_board(pilot, HypothesesScreen, table, 0)
        await pilot.press("n")
        await prompt(pilot, "pool exhausted by the batch job")
        await on_board(pilot, HypothesesScreen, table, 1)
        await pilot.press("n")
        await prompt(pilot, "it is DNS")
        await on_board(pilot, HypothesesScreen, table, 2)

        await pilot.press("up")  # the first one: link the finding, then confirm it
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EvidenceScreen), "the evidence picker")
        assert app.screen.query_one(SelectionList).option_count == 1
        await pilot.press("space", "enter")
        await until(pilot, lambda: any(h.evidence for h in hypotheses(state())), "evidence")
        await pilot.press("c")
        await prompt(pilot, "batch job holds 180 of 200 connections")
        await until(pilot, lambda: hypotheses(state())[0].state == CONFIRMED, "confirmed")

        await pilot.press("down", "x")  # the second: ruling out asks why, and needs it
        await prompt(pilot, "")
        await pilot.pause(0.05)
        assert hypotheses(state())[1].state == OPEN  # refused without a reason
        await pilot.press("x")
        await prompt(pilot, "dig resolves every host in 2 ms")
        await until(pilot, lambda: hypotheses(state())[1].state == RULED_OUT, "ruled out")
        detail = str(app.screen.query_one("#hypotheses-detail").render())
        assert "Ruled out 14:12 UTC by alice: dig resolves every host in 2 ms" in detail
        await pilot.press("escape")
        await main_screen(pilot)

        text = await copy(pilot, screen, "responders")
        assert "Current theory: pool exhausted by the batch job — confirmed" in text
        assert "Ruled out:\n- it is DNS (dig resolves every host in 2 ms)" in text
        text = await copy(pilot, screen, "customers")
        assert "DNS" not in text and "batch job" not in text

        await pilot.press("e")  # the post-mortem
        exports = tmp_path / "data" / "exports"
        written = lambda: any("## Decisions" in p.read_text() for p in exports.glob("*.md"))  # noqa: E731
        await until(pilot, written, "the post-mortem in exports/")
        (export,) = exports.glob("*.md")
        section = export.read_text().split("## Hypotheses")[1].split("## Decisions")[0]
        assert "**Ruled out**\n\n- 14:12 UTC: it is DNS" in section
        assert "Ruled out at 14:12 UTC by alice: dig resolves every host in 2 ms" in section
        assert "Evidence (14:01 UTC): 5xx rate at 40%" in section


async def test_a_decision_and_an_owned_action_item_reach_the_update_and_the_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(tmp_path)  # the fixture incident has the todo "Add pool alerts"
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await main_screen(pilot)
        state = lambda: screen.session.state  # noqa: E731
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DecisionScreen), "the decision form")
        form = app.screen
        assert form.query_one("#decision-by", Input).value == "Alice"  # the IC
        await pilot.press("ctrl+s")  # no proposal: the form stays, saying why
        await pilot.pause()
        assert isinstance(app.screen, DecisionScreen) and not decisions(state())
        await pilot.press(*"fail over to the replica", "tab", "space", "tab")
        form.query_one(TextArea).text = "Marco: replica-1 is 2 min behind\n\nSam: wait"
        await pilot.press("tab", "ctrl+s")
        await until(pilot, lambda: bool(decisions(state())), "the decision")
        (decision,) = decisions(state())
        assert (decision.text, decision.objections_asked, decision.decided_by) == (
            "fail over to the replica",
            True,
            "Alice",
        )
        assert decision.objections == ("Marco: replica-1 is 2 min behind", "Sam: wait")

        rows = lambda: app.screen.query_one(DataTable).row_count  # noqa: E731
        await pilot.press("T")
        await on_board(pilot, TodoBoardScreen, rows, 1)
        await pilot.press("n")
        await prompt(pilot, "rotate the replication key @marco")
        await on_board(pilot, TodoBoardScreen, rows, 2)
        await pilot.press("u")  # the first row: the fixture's "Add pool alerts"
        await prompt(pilot, "last tuesday")  # refused, nothing written
        await pilot.pause(0.05)
        await pilot.press("u")
        await prompt(pilot, "2026-11-24")
        await pilot.press("o")
        await prompt(pilot, "@sam")
        await until(pilot, lambda: action_items(state())[0].owner == "sam", "the owner")
        await pilot.pause()
        board = app.screen.query_one(DataTable)
        assert str(board.get_row_at(0)[3]) == "2026-11-24"
        shown = app.export_screenshot().replace("&#160;", " ")
        assert "2026-11-24" in shown  # the column was sized for "-" once and cut it
        await pilot.press("down", "space")  # the new one is done already
        await until(pilot, lambda: action_items(state())[1].done, "done")
        await pilot.press("space")  # ... no: open again
        await until(pilot, lambda: not action_items(state())[1].done, "reopened")
        items = action_items(state())
        assert [(i.text, i.owner, i.due) for i in items] == [
            ("Add pool alerts", "sam", "2026-11-24"),
            ("rotate the replication key @marco", "marco", ""),
        ]
        await pilot.press("escape")
        await main_screen(pilot)

        text = await copy(pilot, screen, "executives")
        assert (
            "- fail over to the replica (14:12 UTC; decided by Alice; objections asked, 2 raised:"
            " Marco: replica-1 is 2 min behind; Sam: wait)" in text
        )
        assert "Next steps:\n- Add pool alerts (owner: sam, due 2026-11-24)\n" in text
        assert "- rotate the replication key (owner: marco)" in text
        text = await copy(pilot, screen, "customers")
        assert "replica" not in text and "marco" not in text and "Alice" not in text

    data = str(tmp_path / "data")
    # main() runs its own event loop: a thread of its own, as from another terminal.
    code = await asyncio.to_thread(
        main, ["--data-dir", data, "export", INCIDENT, "-f", "actions-csv"]
    )
    assert code == 0
    exported = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["action"], r["owner"], r["due"], r["status"]) for r in exported] == [
        ("Add pool alerts", "sam", "2026-11-24", "open"),
        ("rotate the replication key @marco", "marco", "", "open"),
    ]


async def test_hyp_prefix_in_the_note_line_and_hostile_text_on_the_boards(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await main_screen(pilot)
        await pilot.press("n", *f"hyp: {HOSTILE}", "enter", "escape")
        await until(pilot, lambda: bool(hypotheses(screen.session.state)), "the hypothesis")
        assert hypotheses(screen.session.state)[0].text.startswith("[bold]boom[/x] [ERROR]")
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HypothesesScreen), "the board")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert "[bold]boom[/x]" in str(table.get_row_at(0)[1])  # shown as typed, not as markup
        await pilot.press("escape", "T")
        await until(pilot, lambda: isinstance(app.screen, TodoBoardScreen), "the todo board")
        await pilot.press("n")
        await prompt(pilot, f"{HOSTILE} @ann")
        await until(pilot, lambda: len(action_items(screen.session.state)) == 2, "the todo")
        await pilot.pause()
        assert "[bold]boom[/x]" in str(app.screen.query_one(DataTable).get_row_at(1)[1])


async def test_a_read_only_console_opens_no_decision_form_and_writes_nothing(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        before = len(LocalStore(tmp_path / "data").load_sync(INCIDENT).events)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("T", "n")
        await prompt(pilot, "sneaky todo")
        await pilot.pause(0.1)
        assert len(LocalStore(tmp_path / "data").load_sync(INCIDENT).events) == before
        assert not any(n.text == "sneaky todo" for n in app.screen.host.state.notes(NoteKind.TODO))


async def test_an_owned_todo_past_its_due_time_fires_once_on_the_timeline(tmp_path: Path) -> None:
    app = make_app(tmp_path)  # the clock stands at 14:12:34
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await main_screen(pilot)
        notes = screen.command_notes
        made = await notes.add_todo(INCIDENT, "check replica lag", "@sam", "2026-11-23T14:10:00Z")
        screen.absorb([made])
        fired = lambda: [  # noqa: E731
            e
            for e in screen.session.state.fired_timers.values()
            if e.payload.get("rule") == "action-item-due"
        ]
        await until(pilot, lambda: bool(fired()), "the overdue action item fired")
        (event,) = fired()
        assert event.payload["message"] == (
            "Action item overdue: check replica lag (owner: sam), due 2026-11-23 14:10 UTC"
        )
        assert any("Action item overdue" in entry.text for entry in screen.session.state.entries)


def _board(keys: tuple[str, ...], board: type):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        screen = await main_screen(pilot)
        notes = screen.command_notes
        state = screen.session.state
        replica = await notes.add_hypothesis(state.id, "replica lag from the 13:50 deploy")
        dns = await notes.add_hypothesis(state.id, "it is DNS")
        screen.absorb([replica, dns])
        finding = state.notes(NoteKind.FINDING)[0]
        for event in (
            await notes.link_evidence(screen.session.state, replica.id, finding.id),
            await notes.set_hypothesis_state(
                screen.session.state, dns.id, RULED_OUT, "dig answers in 2 ms"
            ),
            await notes.add_todo(state.id, "rotate the replication key", "@marco", "2026-11-24"),
        ):
            screen.absorb([event])
        # The drafts behind the board show these events now, not whenever the once-a-second
        # refill comes (the comms pane's scrollbar moved with it at 120x40).
        screen.refill_comms()
        await pilot.press(*keys)
        await until(pilot, lambda: isinstance(pilot.app.screen, board), board.__name__)
        await pilot.pause()
        still(pilot.app)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize(
    ("keys", "board"),
    [
        (("h",), HypothesesScreen),
        (("h", "e"), EvidenceScreen),
        (("d",), DecisionScreen),
        (("T",), TodoBoardScreen),
    ],
    ids=["hypotheses", "evidence", "decision", "todos"],
)
def test_board_snapshots_at_80x24(snap_compare, tmp_path: Path, keys, board) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(tmp_path), terminal_size=(80, 24), run_before=_board(keys, board))


def test_hypotheses_board_snapshot_at_120x40(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        make_app(tmp_path), terminal_size=(120, 40), run_before=_board(("h",), HypothesesScreen)
    )
