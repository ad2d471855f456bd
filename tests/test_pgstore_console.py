"""Two consoles (two Textual apps, driven with Pilot) on one incident in PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import pytest

from tests.support.pgstore import WAIT, make_store
from tests.ui_support import ROWS, catalogue
from warroom.config import Config
from warroom.model.events import EventKind, NoteKind
from warroom.model.severity import PRESETS
from warroom.services.incidents import IncidentService
from warroom.ui.app import WarroomApp
from warroom.ui.feed import FixedProbeFeed
from warroom.ui.screens.main import MainScreen

pytestmark = pytest.mark.postgres
LADDER = PRESETS["sev1-sev3"]


def console(dsn: str, tmp_path: Path, author: str, incident_id: str) -> WarroomApp:
    folder = tmp_path / author
    service = IncidentService(make_store(dsn, folder), author, LADDER)
    return WarroomApp(
        service,
        Config(),
        folder,
        incident_id=incident_id,
        feed=FixedProbeFeed(ROWS),
        zone=UTC,
        zone_name="UTC",
        catalogue=catalogue(tmp_path),
    )


async def until(pilot, check: Callable[[], bool]) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until `check()` holds; fail after WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the console did not get there in time")
        await pilot.pause(0.02)


async def main_screen(pilot) -> MainScreen:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
    await pilot.pause()
    return pilot.app.screen


async def test_a_note_a_tick_and_a_severity_change_show_on_the_other_console(
    dsn: str, tmp_path: Path
) -> None:
    setup = make_store(dsn, tmp_path / "setup")
    declared = await IncidentService(setup, "alice", LADDER).declare(
        "Checkout fails", "SEV-2", scenario="db-pool"
    )
    await setup.close()
    incident_id = declared.incident_id
    scribe = console(dsn, tmp_path, "sam", incident_id)
    ic = console(dsn, tmp_path, "ivy", incident_id)
    async with (
        scribe.run_test(size=(120, 40)) as writing,
        ic.run_test(size=(120, 40)) as watching,
    ):
        mine = await main_screen(writing)
        theirs = await main_screen(watching)

        await writing.press("n", *"f: replica lag 40s", "enter", "escape")
        await until(writing, lambda: bool(mine.session.state.notes()))
        await writing.press("2", "space")  # tick the first step of the checklist
        await until(writing, lambda: bool(mine.session.state.checked_steps))
        await writing.press("s")
        await writing.pause()
        writing.app.focused.value = "sev1"  # type: ignore[union-attr]
        await writing.press("enter")
        await until(writing, lambda: mine.session.state.severity == "SEV-1")

        state = lambda: theirs.session.state  # noqa: E731
        await until(watching, lambda: state().severity == "SEV-1")
        await until(watching, lambda: bool(state().checked_steps))
        await until(watching, lambda: bool(state().notes()))
        note = state().notes()[0]
        assert (note.text, note.note_kind, note.event.author) == (
            "replica lag 40s",
            NoteKind.FINDING,
            "sam",
        )
        kinds = [e.kind for e in state().events]
        assert EventKind.STEP_CHECKED in kinds and EventKind.SEVERITY_CHANGED in kinds
        assert [e.id for e in state().events] == [e.id for e in mine.session.state.events]
