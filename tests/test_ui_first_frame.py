"""Start-up: the console's frame is on screen before the incident is read, then filled.

The read is held on an event the test controls, so the order is proven, not timed.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from tests.ui_support import HOSTILE, INCIDENT, make_app
from warroom.model.events import EventKind, new_event
from warroom.services.session import IncidentSession
from warroom.store.local import IncidentLog
from warroom.ui.panes.note_input import NoteInput
from warroom.ui.panes.timeline import TimelineView
from warroom.ui.screens.loading import LoadingScreen
from warroom.ui.screens.main import MainScreen

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def held_read(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Every incident read waits until the returned event is set."""
    release = asyncio.Event()
    original = IncidentSession.open

    async def held_open(self: IncidentSession) -> IncidentSession:
        await release.wait()
        return await original(self)

    monkeypatch.setattr(IncidentSession, "open", held_open)
    return release


async def main_screen_filled(pilot: Any, app: Any) -> None:
    """The main screen mounted and its timeline filled: a test quits only then (Textual's
    Tabs raises when the app is torn down while it is being mounted)."""
    await until(
        pilot,
        lambda: (
            isinstance(app.screen, MainScreen)
            and any(t.entries for t in app.screen.query(TimelineView))
        ),
        "the main screen filled",
    )
    await pilot.pause()


async def until(pilot: Any, holds: Any, what: str) -> None:
    for _ in range(500):
        if holds():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"never: {what}")


async def test_the_frame_shows_before_the_incident_is_read_and_fills_after(
    tmp_path: Path, held_read: asyncio.Event
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoadingScreen), "the frame")
        await pilot.pause()
        frame = app.screen
        titles = [str(pane.border_title) for pane in frame.query(".pane")]
        assert titles == [
            "1 Services",
            "2 Checklist",
            "3 Timeline · the latest entries (reading the rest…)",  # the file's end
            "4 Comms",
        ]
        assert all(pane.region.width > 0 for pane in frame.query(".pane"))
        header = str(frame.query_one("#header", Static).render())
        assert f"opening {INCIDENT} Checkout fails for all users" in header
        assert frame.query_one(Footer)
        # The end of the timeline is on screen before the incident is read (held here).
        preview = frame.query_one("#preview-timeline", TimelineView)
        assert [entry.text for entry in preview.entries][-2:] == [HOSTILE, "Add pool alerts"]
        assert not preview.can_focus  # keys are kept for the incident
        held_read.set()
        await until(
            pilot,
            lambda: isinstance(app.screen, MainScreen) and bool(app.screen.query(TimelineView)),
            "the main screen",
        )
        timeline = app.screen.query_one(TimelineView)
        await until(pilot, lambda: bool(timeline.entries), "the timeline filled")
        assert len(app.screen_stack) == 2  # the frame was replaced, not stacked under
        await pilot.press("ctrl+q")


async def test_the_frame_leaves_out_the_services_pane_when_none_are_configured(
    tmp_path: Path, held_read: asyncio.Event
) -> None:
    app = make_app(tmp_path, rows=[])
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoadingScreen), "the frame")
        await pilot.pause()
        assert app.screen.query_one("#pane-status").region.width == 0
        assert app.screen.query_one("#pane-timeline").region.height > 20  # both rows
        held_read.set()
        await main_screen_filled(pilot, app)


async def test_a_small_terminal_frame_shows_the_timeline_pane_alone(
    tmp_path: Path, held_read: asyncio.Event
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoadingScreen), "the frame")
        await pilot.pause()
        shown = [pane.id for pane in app.screen.query(".pane") if pane.region.width]
        assert shown == ["pane-timeline"]
        held_read.set()
        await main_screen_filled(pilot, app)


async def test_a_page_blurred_during_the_frame_still_lists_the_keys(
    tmp_path: Path, held_read: asyncio.Event
) -> None:
    """A `warroom serve` page without the focus blurs the app while the frame is up:
    the main screen mounted after that still lists its keys (Textual's footer does not
    redraw while blurred, and stayed empty), and they work once focus is back."""
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoadingScreen), "the frame")
        app.post_message(events.AppBlur())
        await until(pilot, lambda: not app.app_focus, "the app blurred")
        held_read.set()
        await until(
            pilot,
            lambda: isinstance(app.screen, MainScreen) and bool(app.screen.query(TimelineView)),
            "the main screen",
        )
        footer = app.screen.query_one(Footer)
        await until(  # while still blurred
            pilot,
            lambda: "Note" in {key.description for key in footer.query(FooterKey)},
            "the screen's keys in the footer",
        )
        assert not app.app_focus
        app.post_message(events.AppFocus())
        await until(pilot, lambda: app.app_focus, "the app focused")
        await until(  # focus back: the focused timeline's keys too
            pilot,
            lambda: "Strike" in {key.description for key in footer.query(FooterKey)},
            "the timeline's keys in the footer",
        )
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.focused, NoteInput), "the note line focused")
        await until(
            pilot,
            lambda: "Save note" in {key.description for key in footer.query(FooterKey)},
            "the note line's keys in the footer",
        )
        await pilot.press("ctrl+q")


async def test_keys_typed_on_the_frame_are_kept_and_reach_the_incident(
    tmp_path: Path, held_read: asyncio.Event
) -> None:
    """An IC who starts typing as soon as the frame shows (n, a note, Enter) loses
    nothing: the frame says the keys are kept, and once the incident is open they write
    the note, each key after the one before it (n has moved the focus first)."""
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoadingScreen), "the frame")
        await pilot.press("n", *"Paged the DBA", "enter")
        header = str(app.screen.query_one("#header", Static).render())
        assert "15 keys typed: kept, applied once it is open" in header
        held_read.set()
        await until(
            pilot,
            lambda: isinstance(app.screen, MainScreen) and bool(app.screen.query(TimelineView)),
            "the main screen",
        )
        screen = app.screen
        assert isinstance(screen, MainScreen)

        def noted() -> list[str]:
            return [e.text for e in screen.state.entries if e.text == "Paged the DBA"]

        await until(pilot, lambda: bool(noted()), "the note typed on the frame saved")
        assert noted() == ["Paged the DBA"]
        assert screen.query_one(NoteInput).value == ""  # submitted, nothing left over
        assert len(app.screen_stack) == 2  # no form opened by a letter taken as a key
        await pilot.press("ctrl+q")


# What `warroom` (the console) may not have imported when its app starts running: the
# runtime, the store's readers, the model's reports and the network clients come after
# the first frame (they cost hundreds of milliseconds of imports before it).
HEAVY_BEFORE_FRAME = (
    "httpx",
    "asyncpg",
    "apprise",
    "warroom.runtime.incident",
    "warroom.runtime.context",
    "warroom.services.incidents",
    "warroom.model.postmortem",
    "warroom.scenarios.loader",
    "warroom.ui.screens.main",
    "warroom.ui.screens.declare",
)

PROBE = """
import sys
from warroom.cli import main
import warroom.ui.app as app_module

def stop_at_run(self, *args, **kwargs):
    print(" ".join(sorted(sys.modules)))
    return None

app_module.WarroomApp.run = stop_at_run
sys.argv = ["warroom", "--config", sys.argv[1], "--data-dir", sys.argv[2]]
raise SystemExit(main())
"""


def test_the_console_starts_its_app_before_importing_the_runtime(tmp_path: Path) -> None:
    config = tmp_path / "warroom.toml"
    config.write_text(
        '[[service]]\nname = "api"\nkind = "http"\nurl = "http://127.0.0.1:9/health"\n'
    )
    env = {**os.environ, "WARROOM_CONFIG_DIR": str(tmp_path / "config")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(config), str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    imported = set(done.stdout.split())
    assert "warroom.ui.app" in imported  # the probe ran where the app starts
    assert sorted(imported & set(HEAVY_BEFORE_FRAME)) == []


async def test_the_frame_shows_the_end_of_a_long_timeline_before_it_is_read(
    tmp_path: Path, held_read: asyncio.Event
) -> None:
    app = make_app(tmp_path)
    log = IncidentLog(tmp_path / "data" / "incidents" / f"{INCIDENT}.jsonl")
    log.append_many(
        [new_event(INCIDENT, EventKind.NOTE, "bob", {"text": f"note {n}"}) for n in range(300)]
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await until(
            pilot,
            lambda: isinstance(app.screen, LoadingScreen) and bool(app.screen.query(TimelineView)),
            "the preview",
        )
        preview = app.screen.query_one("#preview-timeline", TimelineView)
        await until(pilot, lambda: preview.max_scroll_y > 0, "the preview laid out")
        await until(pilot, lambda: preview.scroll_y >= preview.max_scroll_y, "its end in view")
        assert preview.entries[-1].text == "note 299"
        assert isinstance(app.screen, LoadingScreen)  # still reading (held)
        held_read.set()
        await main_screen_filled(pilot, app)
        await pilot.press("ctrl+q")
