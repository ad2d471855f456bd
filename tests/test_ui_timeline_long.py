"""A long incident opens with its latest timeline entries in view (found by bench/)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.ui_support import INCIDENT, T0, make_app
from warroom.model.events import EventKind, new_event
from warroom.store.local import IncidentLog, LocalStore
from warroom.ui.panes.timeline import TimelineView
from warroom.ui.screens.main import MainScreen


async def test_long_incident_opens_scrolled_to_its_last_entry(tmp_path: Path) -> None:
    app = make_app(tmp_path)  # writes the 5-event incident; add 300 notes after it
    log = IncidentLog(LocalStore(tmp_path / "data").folder / f"{INCIDENT}.jsonl")
    notes = [
        new_event(
            INCIDENT,
            EventKind.NOTE,
            "alice",
            {"text": f"note {n}", "note_kind": "note"},
            at=T0 + timedelta(minutes=10, seconds=n),
            now=T0 + timedelta(minutes=10, seconds=n),
        )
        for n in range(300)
    ]
    log.append_many(notes)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(300):
            if isinstance(app.screen, MainScreen):
                break
            await pilot.pause(0.01)
        await pilot.pause()
        timeline = app.screen.query_one(TimelineView)
        assert len(timeline.entries) == 305
        assert timeline.cursor == 304
        top = int(timeline.scroll_y)
        assert top > 0
        assert top <= timeline.cursor < top + timeline.size.height
