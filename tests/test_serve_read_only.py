"""Read-only consoles (what `warroom serve --read-only` gives stakeholders).

The refusal lives in `IncidentService`: every writing method is tried on a read-only
service and the store must not change. The console on top says READ-ONLY in its header
and answers each writing key with a notice instead of a picker or a prompt.
"""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.test_ui_snapshots import settle
from tests.ui_support import INCIDENT, ROWS, make_app, probe_change, still, write_incident
from warroom.model.events import EventKind
from warroom.model.severity import PRESETS
from warroom.model.timed import Deadline
from warroom.services.incidents import IncidentService, ReadOnlyError
from warroom.store.local import LocalStore
from warroom.ui.app import WarroomApp
from warroom.ui.feed import FixedProbeFeed, StateChange
from warroom.ui.panes.header import IncidentHeader
from warroom.ui.read_only import READ_ONLY_NOTICE, ViewOnlyFeed, is_writing_action
from warroom.ui.screens.main import MainScreen

READING_METHODS = {"load", "state", "summary", "list_incidents", "list_incidents_with_problems"}


def read_only_app(tmp_path: Path, *, incident: str | None = INCIDENT) -> WarroomApp:
    return make_app(tmp_path, incident=incident, author="viewer", read_only=True)


def store_bytes(tmp_path: Path) -> dict[str, bytes]:
    folder = tmp_path / "data"
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*.jsonl"))}


async def test_every_write_is_refused_by_the_service(tmp_path: Path) -> None:
    write_incident(tmp_path / "data")
    store = LocalStore(tmp_path / "data")
    writer = IncidentService(store, "alice", PRESETS["sev1-sev3"])
    state = await writer.state(INCIDENT)
    note = next(e for e in state.entries if e.kind is EventKind.NOTE)
    todo = next(e for e in state.entries if e.text == "Add pool alerts")
    now = datetime.now(UTC)
    service = IncidentService(store, "viewer", PRESETS["sev1-sev3"], read_only=True)
    before = store_bytes(tmp_path)
    attempts = {
        "declare": lambda: service.declare("Another outage", "SEV-1"),
        "note": lambda: service.note(INCIDENT, "a note"),
        "set_severity": lambda: service.set_severity(state, "SEV-1"),
        "set_status": lambda: service.set_status(state, "resolved"),
        "assign_role": lambda: service.assign_role(INCIDENT, "Comms", "bob"),
        "set_scenario": lambda: service.set_scenario(INCIDENT, "general"),
        "set_step": lambda: service.set_step(INCIDENT, "db-pool", "s1", "step", True),
        "record_all": lambda: service.record_all(
            [service.probe_change_event(INCIDENT, "api", "http", "down", "up", "502")]
        ),
        "comms_copied": lambda: service.comms_copied(
            INCIDENT, "update", "internal", "clipboard", "text"
        ),
        "set_fact": lambda: service.set_fact(state, "impact", "all checkouts fail"),
        "set_next_update": lambda: service.set_next_update(state, now + timedelta(hours=1)),
        "set_milestone": lambda: service.set_milestone(state, "mitigated", now),
        "todo_done": lambda: service.todo_done(state, todo.id),
        "edit_entry": lambda: service.edit_entry(state, note.id, "changed"),
        "strike_entry": lambda: service.strike_entry(state, note.id, "wrong"),
        "pin_entry": lambda: service.pin_entry(state, note.id),
        "timer_fired": lambda: service.timer_fired(INCIDENT, Deadline("k", "r", now, "m")),
        "record_escalation": lambda: service.record_escalation(
            state, {"action": "dismissed", "key": "escalation:x", "reason": "no"}
        ),
        "delivery_event": lambda: service.delivery_event(
            INCIDENT, EventKind.COMMS_SENT, {"message": "m", "channels": []}
        ),
    }
    # A writing method added later must be added here too (and so be checked).
    public = {
        name
        for name, _ in inspect.getmembers(IncidentService, inspect.iscoroutinefunction)
        if not name.startswith("_")
    }
    assert public - READING_METHODS == set(attempts)
    for attempt in attempts.values():
        with pytest.raises(ReadOnlyError, match="read-only console"):
            await attempt()
    assert store_bytes(tmp_path) == before
    assert (await writer.note(INCIDENT, "still writable elsewhere")).kind is EventKind.NOTE


@pytest.mark.parametrize(
    ("action", "writes"),
    [
        ("note", True),
        ("screen.severity", True),
        ("status", True),
        ("role", True),
        ("scenario", True),
        ("record", True),
        ("todo_done", True),
        ("edit", True),
        ("strike", True),
        ("pin", True),
        ("tick_step", True),
        ("toggle", False),  # Textual's own toggle(attribute): not ours
        ("copy", True),
        ("focus_pane(2)", False),
        ("help", False),
        ("export", False),
        ("toggle_zone", False),
        ("copy_command", False),
        ("zoom", False),
    ],
)
def test_writing_actions(action: str, writes: bool) -> None:
    assert is_writing_action(action) is writes


async def test_writing_keys_say_read_only_and_change_nothing(tmp_path: Path) -> None:
    app = read_only_app(tmp_path)
    before = store_bytes(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, MainScreen)
        header = app.screen.query_one(IncidentHeader)
        assert "READ-ONLY" in str(header.render())
        keys = [
            ("3", "s"), ("3", "u"), ("3", "o"), ("3", "c"), ("3", "n"), ("3", "R"),
            ("3", "p"), ("3", "x"), ("3", "enter"),
            ("2", "space"),
            ("4", "y"),
        ]  # fmt: skip
        for pane, key in keys:
            app.clear_notifications()
            await pilot.press(pane, key)
            await pilot.pause()
            assert isinstance(app.screen, MainScreen), (pane, key)  # no picker, no prompt
            notices = [n.message for n in app._notifications]
            assert READ_ONLY_NOTICE in notices, (pane, key, notices)
        # Typing a note anyway (the mouse can reach the input) is refused by the service.
        app.screen.query_one("#note-input").focus()
        await pilot.press(*"typed anyway", "enter")
        await pilot.pause()
        assert any("read-only console" in n.message for n in app._notifications)
        assert app.screen.query_one("#note-input").value == "typed anyway"  # kept
        await pilot.press("escape", "3", "t", "question_mark")  # reading keys still work
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HelpScreen"
    assert store_bytes(tmp_path) == before


async def test_read_only_console_with_nothing_to_watch_exits_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = read_only_app(tmp_path, incident=None)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(300):
            if app.return_code is not None:
                break
            await pilot.pause(0.01)
    assert app.return_code == 1
    assert "no incident to watch" in capsys.readouterr().err
    assert store_bytes(tmp_path) == {}


async def test_probe_changes_are_shown_but_not_written() -> None:
    changes: list[StateChange] = []

    class Feed(FixedProbeFeed):
        async def run(self, on_rows, on_change) -> None:  # type: ignore[no-untyped-def]
            on_rows()
            await on_change([probe_change("api", "http", "down", "up", "502")])

    async def record(change: StateChange) -> None:
        changes.append(change)

    rows: list[int] = []
    await ViewOnlyFeed(Feed(ROWS)).run(lambda: rows.append(1), record)
    assert rows == [1] and changes == []


def test_read_only_main_screen(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot, MainScreen)
        still(pilot.app)

    app = read_only_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
