"""The console driven as an IC would, with Pilot: every journey ends in a stored event."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

from textual.widgets import Static

from tests.ui_support import HOSTILE, INCIDENT, NOW, make_app
from warroom.cli import main as cli_main
from warroom.model.events import EventKind, NoteKind
from warroom.runtime.export import export_filename
from warroom.store.local import LocalStore
from warroom.ui.panes.checklist import ChecklistView
from warroom.ui.panes.note_input import NoteInput
from warroom.ui.panes.timeline import TimelineView
from warroom.ui.screens.declare import DeclareScreen
from warroom.ui.screens.help import HelpScreen
from warroom.ui.screens.main import MainScreen


def stored(tmp_path: Path, incident: str = INCIDENT) -> list:  # type: ignore[type-arg]
    return LocalStore(tmp_path / "data").load_sync(incident).events


async def wait_main(pilot) -> MainScreen:  # type: ignore[no-untyped-def]
    for _ in range(200):
        if isinstance(pilot.app.screen, MainScreen):
            await pilot.pause()
            return pilot.app.screen
        await pilot.pause(0.01)
    raise AssertionError(f"main screen never came up: {pilot.app.screen}")


async def test_declare_from_the_form(tmp_path: Path) -> None:
    app = make_app(tmp_path, incident=None)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(200):
            if isinstance(app.screen, DeclareScreen):
                break
            await pilot.pause(0.01)
        assert isinstance(app.screen, DeclareScreen)
        await pilot.press("ctrl+s")  # no title yet: refused, form stays
        assert isinstance(app.screen, DeclareScreen)
        await pilot.press(*"API down", "ctrl+s")
        screen = await wait_main(pilot)
        state = screen.session.state
        assert state.title == "API down" and state.severity == "SEV-1"
        assert state.roles == {"IC": "alice"} and state.scenario == "general"
    events = stored(tmp_path, state.id)
    assert [e.kind for e in events] == [EventKind.DECLARED]


async def test_notes_of_each_kind_backdated(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_main(pilot)
        lines = [
            "f: db cpu 95%",
            "a: killed long query",
            "-5m d: fail over to replica",
            "@14:02 t: write a pool alert",
            "plain words [ERROR] [/x]",
        ]
        for line in lines:
            await pilot.press("n")
            assert isinstance(app.focused, NoteInput)
            app.focused.value = line
            await pilot.press("enter")
            await pilot.pause()
            assert app.focused.value == ""
    notes = [e for e in stored(tmp_path) if e.kind is EventKind.NOTE][4:]
    got = [(e.payload["note_kind"], e.payload["text"]) for e in notes]
    assert got == [
        ("finding", "db cpu 95%"),
        ("action", "killed long query"),
        ("decision", "fail over to replica"),
        ("todo", "write a pool alert"),
        ("note", "plain words [ERROR] [/x]"),
    ]
    assert notes[2].at == NOW - timedelta(minutes=5)
    assert notes[3].at.strftime("%H:%M") == "14:02"


async def test_bad_backdate_keeps_the_text(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_main(pilot)
        await pilot.press("n")
        app.focused.value = "@25:99 f: nope"  # type: ignore[union-attr]
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused.value == "@25:99 f: nope"  # type: ignore[union-attr]
    assert len([e for e in stored(tmp_path) if e.kind is EventKind.NOTE]) == 4


async def test_tick_and_untick_a_step(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        await pilot.press("2")
        checklist = app.screen.query_one(ChecklistView)
        assert app.focused is checklist
        assert checklist.selected_ref is not None
        # The general first-response phase comes first, then the incident's scenario.
        assert checklist.selected_ref.step.text == "Acknowledge the alert"
        await pilot.press("down", "down")
        assert checklist.selected_ref.step.text == "Check connection count"
        await pilot.press("space")
        await pilot.pause()
        assert screen.session.state.is_checked("db-pool", "assess-1")
        await pilot.press("space")
        await pilot.pause()
        assert not screen.session.state.is_checked("db-pool", "assess-1")
        await pilot.press("y")  # copies the step's command
        assert app.clipboard == 'psql -c "SELECT count(*) FROM pg_stat_activity"'
    kinds = [e.kind for e in stored(tmp_path)][-2:]
    assert kinds == [EventKind.STEP_CHECKED, EventKind.STEP_UNCHECKED]


async def test_gated_step_appears_when_severity_rises(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        texts = [ref.step.text for ref in app.screen.query_one(ChecklistView).refs.values()]
        assert "Tell executives" not in texts
        await pilot.press("s")
        await pilot.pause()
        app.focused.value = "sev1"  # type: ignore[union-attr]
        await pilot.press("enter")
        await pilot.pause()
        assert screen.session.state.severity == "SEV-1"
        texts = [ref.step.text for ref in app.screen.query_one(ChecklistView).refs.values()]
        assert "Tell executives" in texts


async def test_status_and_role_pickers(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        await pilot.press("u", "down", "down", "enter")  # investigating -> mitigating
        await pilot.pause()
        assert screen.session.state.status.value == "mitigating"
        await pilot.press("o", "down", "down", "down", "enter")  # Comms
        await pilot.pause()
        app.focused.value = "Bob"  # type: ignore[union-attr]
        await pilot.press("enter")
        await pilot.pause()
        assert screen.session.state.roles["Comms"] == "Bob"
    kinds = [e.kind for e in stored(tmp_path)][-2:]
    assert kinds == [EventKind.STATUS_CHANGED, EventKind.ROLE_ASSIGNED]


async def test_copy_comms_draft(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        await pilot.press("4")  # the responders' update comes first
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard is not None and INCIDENT in app.clipboard
        assert "Scaled the pool to 200" in app.clipboard
        copied = screen.session.state.comms[-1]
        assert copied.payload["template"] == "responders"
        assert copied.payload["text"] == app.clipboard
        assert screen.session.state.last_comms_at == NOW
    assert stored(tmp_path)[-1].kind is EventKind.COMMS_COPIED


async def test_edit_strike_pin_from_timeline(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        await pilot.press("3", "end", "p")  # pin the todo
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        app.focused.value = "Add pool alerts at 80%"  # type: ignore[union-attr]
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        await pilot.press(*"dup", "enter")
        await pilot.pause()
        entry = screen.session.state.notes(NoteKind.TODO, include_struck=True)[0]
        assert entry.pinned and entry.struck and entry.text == "Add pool alerts at 80%"
    kinds = [e.kind for e in stored(tmp_path)][-3:]
    assert kinds == [EventKind.ENTRY_PINNED, EventKind.ENTRY_EDITED, EventKind.ENTRY_STRUCK]


async def test_help_theme_and_export(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_main(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        app.theme = "warroom-light"
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
    from warroom.ui.preferences import load_preferences

    assert load_preferences().theme == "warroom-light"
    exports = list((tmp_path / "data" / "exports").glob(f"{INCIDENT}-*.md"))
    assert [path.name for path in exports] == [export_filename(INCIDENT, NOW)]
    assert exports[0].name == f"{INCIDENT}-20261123T141234Z.md"
    text = exports[0].read_text()
    assert "5xx rate at 40%" in text and "Scaled the pool to 200" in text
    # `warroom export ID -o FOLDER` names its file the same way (at its own time).
    folder = tmp_path / "cli-exports"
    folder.mkdir()
    argv = ["--data-dir", str(tmp_path / "data"), "export", INCIDENT, "-o", str(folder)]
    assert await asyncio.to_thread(cli_main, argv) == 0
    [written] = folder.iterdir()
    assert re.fullmatch(rf"{INCIDENT}-\d{{8}}T\d{{6}}Z\.md", written.name)
    assert "5xx rate at 40%" in written.read_text()


async def test_untrusted_text_rendered_literally(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_main(pilot)
        timeline = app.screen.query_one(TimelineView)
        lines = ["".join(s.text for s in timeline.render_line(y)) for y in range(6)]
        assert any("[bold]boom[/x] [ERROR] \\x1b[31mred\\x1b[0m" in line for line in lines)
        app.save_screenshot(str(tmp_path / "shot.svg"))
    svg = (tmp_path / "shot.svg").read_text()
    assert "\x1b" not in svg
    assert HOSTILE not in svg  # the escape character itself never reaches the screen


async def test_keys_can_be_rebound_from_config(tmp_path: Path) -> None:
    from warroom.config import Config
    from warroom.ui.screens.picker import PickerScreen

    config = Config(keys={"main.severity": "S"})
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_main(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert not isinstance(app.screen, PickerScreen)
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        sections = dict(app.key_help())
        keys = {text: key for key, text in sections["Incident"]}
        assert keys["change the severity (lowering it asks y/n)"] == "S"


async def test_zoom_a_pane_and_back(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wait_main(pilot)
        await pilot.press("3", "z")
        assert screen.maximized is screen.query_one("#pane-timeline")
        await pilot.press("z")
        assert screen.maximized is None


async def test_probe_changes_land_in_the_timeline_once(tmp_path: Path) -> None:
    from tests.ui_support import probe_change
    from warroom.ui.feed import FixedProbeFeed

    class ScriptedFeed(FixedProbeFeed):
        async def run(self, on_rows, on_change) -> None:  # type: ignore[no-untyped-def]
            on_rows()
            await on_change([probe_change("web", "http", "up", None, "status 200")])
            await on_change([probe_change("api", "http", "down", "up", "status 503")])
            restart = probe_change("api", "http", "down", None, "status 503")
            await on_change([restart])
            await on_change([probe_change("api", "http", "up", "down", "status 200")])

    app = make_app(tmp_path)
    app.feed = ScriptedFeed([])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        for _ in range(100):
            if screen.session.state.probe_states.get("api", {}).get("state") == "up":
                break
            await pilot.pause(0.02)
    changes = [e.payload for e in stored(tmp_path) if e.kind is EventKind.PROBE_STATE_CHANGED]
    assert [(c["service"], c["state"]) for c in changes] == [("api", "down"), ("api", "up")]


async def test_status_rows_stay_put_under_the_cursor_and_reorder_when_it_leaves(
    tmp_path: Path,
) -> None:
    from dataclasses import replace

    from tests.ui_support import ROWS
    from warroom.ui.panes.status import StatusTable

    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        table = screen.query_one(StatusTable)
        await pilot.press("1", "down", "down")
        assert table.selected_name == "payments-vendor"
        vendor_down = replace(ROWS[2], state="down", reason="major outage")
        app.feed._rows = [vendor_down, ROWS[0], ROWS[1]]  # type: ignore[attr-defined]
        screen.refresh_services()
        await pilot.pause()
        # The cursor is in the pane: the rows keep their places, the cells update.
        shown = [str(row.key.value) for row in table.ordered_rows]
        assert shown == ["api", "database", "payments-vendor"]
        assert table.selected_name == "payments-vendor"
        assert "major outage" in str(table.get_cell("payments-vendor", "reason"))
        await pilot.press("enter")  # opens the service under the cursor
        await pilot.pause()
        assert "payments-vendor" in str(app.screen.query_one(Static).render())
        await pilot.press("escape", "3")  # the cursor leaves: worst first again
        await pilot.pause()
        shown = [str(row.key.value) for row in table.ordered_rows]
        assert shown == ["payments-vendor", "api", "database"]
        assert table.selected_name == "payments-vendor"


async def test_error_messages_with_markup_stay_literal(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_main(pilot)
        await pilot.press("n")
        app.focused.value = "@1[/x]:99 nope"  # type: ignore[union-attr]
        await pilot.press("enter")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("[/x]" in message for message in messages)
    assert app.return_code in (None, 0)
