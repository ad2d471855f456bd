"""The console at any size, driven with Pilot: the timeline follows (or counts what is
new), times typed mean what the screen shows, authorship, multi-line notes, the declare
form's escape, confirmations, several incidents, and the single-pane layout."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from textual import events

from tests.ui_support import (
    INCIDENT,
    LOG_EXCERPT,
    NOW,
    make_app,
    make_realistic_app,
)
from warroom.config import Config
from warroom.model.events import EventKind, new_event
from warroom.model.postmortem import to_markdown
from warroom.services.incidents import IncidentService
from warroom.store.local import IncidentLog, LocalStore
from warroom.ui.footer import KeysFooter
from warroom.ui.launch import choose_author
from warroom.ui.panes.header import IncidentHeader
from warroom.ui.panes.note_input import NoteInput
from warroom.ui.panes.status import StatusTable
from warroom.ui.panes.timeline import TimelineView
from warroom.ui.preferences import load_preferences
from warroom.ui.screens.declare import DeclareScreen
from warroom.ui.screens.help import HelpScreen
from warroom.ui.screens.main import MainScreen
from warroom.ui.screens.picker import ConfirmScreen, PickerScreen, TextPromptScreen


def stored(tmp_path: Path, incident: str = INCIDENT) -> list:  # type: ignore[type-arg]
    return LocalStore(tmp_path / "data").load_sync(incident).events


async def until(pilot, predicate, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(300):
        if predicate():
            await pilot.pause()
            return
        await pilot.pause(0.01)
    raise AssertionError(f"never: {what} (screen {pilot.app.screen})")


async def wait_main(pilot) -> MainScreen:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: isinstance(pilot.app.screen, MainScreen), "main screen")
    return pilot.app.screen  # type: ignore[no-any-return]


def add_notes(tmp_path: Path, count: int, start_minutes: float = 6) -> None:
    log = IncidentLog(LocalStore(tmp_path / "data").folder / f"{INCIDENT}.jsonl")
    at = NOW - timedelta(minutes=start_minutes)
    log.append_many(
        [
            new_event(
                INCIDENT,
                EventKind.NOTE,
                "alice",
                {"text": f"note {n} " + "words " * (n % 9), "note_kind": "note"},
                at=at + timedelta(seconds=n),
                now=at + timedelta(seconds=n),
            )
            for n in range(count)
        ]
    )


def visible_lines(timeline: TimelineView) -> range:
    top = int(timeline.scroll_y)
    return range(top, top + timeline.scrollable_content_region.height)


async def all_lines(pilot, timeline: TimelineView) -> list[str]:  # type: ignore[no-untyped-def]
    """Every screen line of the timeline, page by page."""
    assert timeline._layout is not None
    height = timeline.scrollable_content_region.height
    rows: list[str] = []
    for top in range(0, timeline._layout.total, height):
        timeline.scroll_to(y=top, animate=False)
        await pilot.pause()
        start = int(timeline.scroll_y)
        page = [timeline.render_line(y).text for y in range(height)]
        rows[start:] = page
    return rows[: timeline._layout.total]


# The timeline ------------------------------------------------------------------------


async def test_timeline_follows_the_newest_entry_unless_the_ic_moved_up(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    add_notes(tmp_path, 80)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        timeline = screen.query_one(TimelineView)
        pane = screen.query_one("#pane-timeline")
        assert timeline.following and timeline.cursor == len(timeline.entries) - 1
        assert timeline._layout is not None
        assert timeline._layout.total - 1 in visible_lines(timeline)
        assert timeline.max_scroll_x == 0  # wrapped: nothing off to the side
        # Following: a new note comes into view by itself.
        await screen._do(screen.session.service.note(INCIDENT, "first new"))
        await pilot.pause()
        assert timeline.selected is not None and timeline.selected.text == "first new"
        assert timeline._layout.total - 1 in visible_lines(timeline)
        # The IC moves up: the view stays where they put it, and says what is new.
        await pilot.press("up", "up", "up")
        reading = timeline.cursor
        top = int(timeline.scroll_y)
        for text in ("second new", "third new"):
            await screen._do(screen.session.service.note(INCIDENT, text))
        await pilot.pause()
        assert timeline.cursor == reading and int(timeline.scroll_y) == top
        assert timeline.unseen == 2
        assert "2 new" in str(pane.border_subtitle)
        # End goes back to the newest entry and follows again.
        await pilot.press("end")
        await pilot.pause()
        assert timeline.selected is not None and timeline.selected.text == "third new"
        assert timeline.unseen == 0 and not pane.border_subtitle
        assert timeline.following
        await screen._do(screen.session.service.note(INCIDENT, "fourth new"))
        await pilot.pause()
        assert timeline.selected is not None and timeline.selected.text == "fourth new"
        assert timeline._layout.total - 1 in visible_lines(timeline)


async def test_scrolling_away_with_the_mouse_stops_following(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    add_notes(tmp_path, 80)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        timeline = screen.query_one(TimelineView)
        timeline.scroll_to(y=0, animate=False)
        await pilot.pause()
        await screen._do(screen.session.service.note(INCIDENT, "while reading"))
        await pilot.pause()
        assert int(timeline.scroll_y) == 0 and timeline.unseen == 1


async def test_backdated_times_are_read_in_the_zone_on_screen(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.zone, app.zone_name = ZoneInfo("Europe/Berlin"), "Europe/Berlin"  # UTC+1 in November
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        timeline = screen.query_one(TimelineView)
        pane = screen.query_one("#pane-timeline")
        assert "times in UTC" in str(pane.border_title)
        await pilot.press("n")
        screen.query_one(NoteInput).value = "@14:05 typed while the screen shows UTC"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape", "t")  # back to the timeline; local time: Europe/Berlin
        await pilot.pause()
        assert "times in Europe/Berlin" in str(pane.border_title)
        assert timeline._time(NOW) == "15:12:34"
        await pilot.press("n")
        screen.query_one(NoteInput).value = "@15:02 typed while the screen shows Berlin"
        await pilot.press("enter")
        await pilot.pause()
    notes = {e.payload["text"]: e.at for e in stored(tmp_path) if e.kind is EventKind.NOTE}
    assert notes["typed while the screen shows UTC"] == NOW.replace(minute=5, second=0)
    assert notes["typed while the screen shows Berlin"] == NOW.replace(minute=2, second=0)


async def test_a_date_row_marks_each_day_and_entries_wrap_under_their_text(
    tmp_path: Path,
) -> None:
    app = make_realistic_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        timeline = screen.query_one(TimelineView)
        rows = await all_lines(pilot, timeline)
        dates = [row for row in rows if row.startswith("── ")]
        assert len(dates) == 2, rows
        assert "Monday 23 November 2026 (UTC)" in dates[0]
        assert "Tuesday 24 November 2026 (UTC)" in dates[1]
        assert rows.index(dates[1]) > next(i for i, row in enumerate(rows) if "23:57:00" in row)
        # The log excerpt keeps its lines, each hanging under the text, not the time.
        excerpt = [row for row in rows if "Z ERROR pool" in row or "Z WARN" in row]
        assert len(excerpt) == 3 and all(row.startswith(" " * 19) for row in excerpt)
        width = timeline.scrollable_content_region.width
        assert all(len(row.rstrip()) <= width for row in rows)


# Authorship and the automatic mark -------------------------------------------------


async def test_the_console_asks_who_you_are_once_and_signs_with_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.ask_author = True
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, TextPromptScreen), "author prompt")
        prompt = app.screen.query_one("#prompt-input")
        prompt.value = ""  # type: ignore[attr-defined]
        await pilot.press(*"Dana Scully", "enter")
        screen = await wait_main(pilot)
        await screen._do(screen.session.service.note(INCIDENT, "signed"))
    assert load_preferences().author == "Dana Scully"
    note = next(e for e in stored(tmp_path) if e.payload.get("text") == "signed")
    assert note.author == "Dana Scully"


def test_author_flag_and_config_win_over_the_remembered_name(
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.delenv("WARROOM_AUTHOR", raising=False)
    bare = Config(author="root")
    assert choose_author("Alice", bare, "Dana") == ("Alice", False)
    configured = Config(author="Bob", configured_author="Bob")
    assert choose_author(None, configured, "Dana") == ("Bob", False)
    assert choose_author(None, bare, "Dana") == ("Dana", False)
    assert choose_author(None, bare, None) == ("root", True)  # asks, offering the login
    monkeypatch.setenv("WARROOM_AUTHOR", "Eve")
    assert choose_author(None, bare, "Dana") == ("Eve", False)


async def test_only_probe_changes_carry_the_automatic_mark(tmp_path: Path) -> None:
    app = make_realistic_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        state = screen.session.state
        text = to_markdown(state, screen.session.ladder, NOW, UTC, "UTC")
    tick = next(line for line in text.splitlines() if "Done: Declare" in line)
    probe = next(line for line in text.splitlines() if "up -> degraded" in line)
    assert "(auto)" not in tick and "| alice |" in tick
    assert "(auto)" in probe


# Multi-line notes ------------------------------------------------------------------


async def test_a_pasted_log_excerpt_keeps_every_line(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        await pilot.press("n")
        note_input = screen.query_one(NoteInput)
        app.post_message(events.Paste("f: " + LOG_EXCERPT))  # as a terminal sends it
        await pilot.pause()
        assert note_input.document.line_count == 4
        assert note_input.size.height > 1  # the box grew with the paste
        await pilot.press("ctrl+j", *"my comment", "enter")
        await pilot.pause()
        assert note_input.text == ""
        state = screen.session.state
        export = to_markdown(state, screen.session.ladder, NOW, UTC, "UTC")
    note = [e for e in stored(tmp_path) if e.kind is EventKind.NOTE][-1]
    assert note.payload["note_kind"] == "finding"
    assert note.payload["text"] == LOG_EXCERPT + "\nmy comment"
    row = next(line for line in export.splitlines() if "pasted from the cart" in line)
    assert "<br>2026-11-23T23:55:01Z ERROR pool timeout" in row and "<br>my comment" in row
    findings = export.split("## Findings")[1].split("##")[0]
    assert "\n  2026-11-23T23:55:04Z WARN" in findings


# The declare form and confirmations ------------------------------------------------


async def test_escape_on_the_declare_form_asks_before_discarding(tmp_path: Path) -> None:
    app = make_app(tmp_path, incident=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DeclareScreen), "declare form")
        await pilot.press(*"Checkout down", "escape")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, DeclareScreen), "form again")
        assert app.screen.query_one("#title").value == "Checkout down"  # type: ignore[attr-defined]
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")
        await pilot.press("y")
        await pilot.pause()
    assert app.return_code == 0


async def test_escape_on_an_empty_declare_form_quits_at_once(tmp_path: Path) -> None:
    app = make_app(tmp_path, incident=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DeclareScreen), "declare form")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
    assert app.return_code == 0


async def test_lowering_severity_confirms_in_one_key_and_resolving_asks_first(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)  # SEV-2, investigating
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        await pilot.press("u", *"mon")  # the status picker filters as you type
        await pilot.pause()
        options = app.screen.query_one("#picker-options")
        assert options.option_count == 1  # type: ignore[attr-defined]
        await pilot.press("escape", "u", *"res", "enter")
        # Resolving asks for the resolution summary (issue 12); escape keeps it open.
        await until(pilot, lambda: isinstance(app.screen, TextPromptScreen), "summary")
        await pilot.press("escape")
        await pilot.pause()
        assert screen.session.state.is_open
        await pilot.press("s", *"sev3", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm lowering")
        await pilot.press("y")
        await until(pilot, lambda: screen.session.state.severity == "SEV-3", "lowered")
        await pilot.press("s", *"sev1", "enter")  # raising asks nothing
        await until(pilot, lambda: screen.session.state.severity == "SEV-1", "raised")


# Several incidents -------------------------------------------------------------------


async def test_incidents_picker_switches_and_declares_another(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    other_service = IncidentService(
        LocalStore(tmp_path / "data"), "bob", app.service.default_ladder, clock=lambda: NOW
    )
    other = await other_service.declare("Search is slow", "SEV-3")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        header = screen.query_one(IncidentHeader)
        await until(pilot, lambda: header.others_open == 1, "one other open")
        assert "+1 other incident open (i)" in str(header.render())
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, PickerScreen), "incidents picker")
        await pilot.press(*other.incident_id[-6:], "enter")
        await until(
            pilot, lambda: screen.session.incident_id == other.incident_id, "switched incident"
        )
        assert screen.session.state.title == "Search is slow"
        assert screen.query_one(TimelineView).entries[0].text.startswith("Declared")
        await until(pilot, lambda: header.others_open == 1, "the first one is the other now")
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, PickerScreen), "incidents picker")
        await pilot.press("up", "enter")  # "+ Declare a new incident" is above the current
        await until(pilot, lambda: isinstance(app.screen, DeclareScreen), "declare form")
        await pilot.press(*"Login fails", "ctrl+s")
        await until(pilot, lambda: screen.session.state.title == "Login fails", "declared")
        await until(pilot, lambda: header.others_open == 2, "two others open")


# Layout --------------------------------------------------------------------------------


async def test_small_terminal_shows_one_pane_with_a_tab_bar(tmp_path: Path) -> None:
    app = make_realistic_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wait_main(pilot)
        shown = [pane.id for pane in screen.query(".pane") if pane.display]
        assert shown == ["pane-timeline"]
        assert screen.query_one("#pane-tabs").display
        await pilot.press("2")
        await pilot.pause()
        assert [pane.id for pane in screen.query(".pane") if pane.display] == ["pane-checklist"]
        await pilot.press("tab")
        await pilot.pause()
        assert [pane.id for pane in screen.query(".pane") if pane.display] == ["pane-timeline"]
        shown = screen.query_one(KeysFooter).shown_keys()
        footer = " ".join(f"{key.shown} {key.description}" for key in shown)
        assert "Help" in footer
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        keys = str([row for _, rows in app.key_help() for row in rows])
        for key in ("'e'", "'z'", "'i'", "('t', 'UTC or local", "'ctrl+j'"):
            assert key in keys, key
    async with make_realistic_app(tmp_path / "wide").run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        assert len([pane for pane in screen.query(".pane") if pane.display]) == 4
        assert not screen.query_one("#pane-tabs").display


async def test_no_services_gives_the_space_to_the_other_panes(tmp_path: Path) -> None:
    app = make_realistic_app(tmp_path, rows=[])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        assert not screen.query_one("#pane-status").display
        timeline = screen.query_one("#pane-timeline")
        assert timeline.size.height > 30  # the whole right-hand column
        await pilot.press("tab", "tab", "tab")  # never lands in the hidden pane
        await pilot.pause()
        assert not isinstance(app.focused, StatusTable)


async def test_a_backdated_note_lands_in_its_place_without_gaps(tmp_path: Path) -> None:
    app = make_realistic_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        timeline = screen.query_one(TimelineView)
        await pilot.press("n")
        screen.query_one(NoteInput).value = "@23:51 f: backdated between the first notes"
        await pilot.press("enter")
        await pilot.pause()
        rows = await all_lines(pilot, timeline)
        assert not [row for row in rows if not row.strip()], rows  # no blank line anywhere
        found = next(i for i, row in enumerate(rows) if "backdated between" in row)
        assert rows[found].startswith("23:51:00")
        assert "23:50:00" in rows[found - 3] or "23:50:00" in rows[found - 2]


async def test_editing_a_multi_line_note_keeps_its_lines(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_main(pilot)
        await screen._do(screen.session.service.note(INCIDENT, "first line\nsecond line"))
        await pilot.pause()
        await pilot.press("enter")  # edit the selected (newest) note
        await until(pilot, lambda: isinstance(app.screen, TextPromptScreen), "edit prompt")
        editor = app.screen.query_one(NoteInput)
        assert editor.text == "first line\nsecond line"
        await pilot.press("ctrl+j", *"third line", "enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "back")
        await pilot.pause()
        entry = screen.session.state.entries[-1]
        assert entry.text == "first line\nsecond line\nthird line" and entry.edits
