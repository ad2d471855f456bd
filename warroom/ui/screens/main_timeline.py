"""The main screen's timeline side: writing a note (`n`), and editing, striking and
pinning one (the timeline's typed requests).

Mixed into `MainScreen` like the pickers: every change goes through the
`IncidentService` as an event first (`_do`), and is shown when the runtime says so.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from warroom.model.events import Event
from warroom.model.incident import IncidentState
from warroom.model.note_input import parse_note_line
from warroom.model.timeparse import TimeParseError, describe_backdate
from warroom.services.session import IncidentSession
from warroom.ui.panes.note_input import NoteInput
from warroom.ui.panes.timeline import TimelineView
from warroom.ui.screens.picker import TextPromptScreen

if TYPE_CHECKING:
    from warroom.ui.app import WarroomApp


class TimelineActions:
    """Mixed into `MainScreen`, which provides the session, the app and `_do`."""

    session: IncidentSession

    if TYPE_CHECKING:  # provided by MainScreen and Screen; declared here for the checker
        app: Any
        wr: WarroomApp
        state: IncidentState

        def _do(self, work_coro: Awaitable[Event | None]) -> Awaitable[Event | None]: ...

        def run_worker(self, work: Any) -> Any: ...

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...

        def notify(self, message: str, **kwargs: Any) -> None: ...

    def action_note(self) -> None:
        self.query_one(NoteInput).focus()

    async def on_note_input_submitted(self, event: NoteInput.Submitted) -> None:
        event.stop()
        line = event.value.strip()
        if not line:
            self.query_one(TimelineView).focus()
            return
        try:
            # One zone rule: a clock time typed is read in the zone the timeline shows.
            zone = self.query_one(TimelineView).display_zone
            parsed = parse_note_line(line, self.wr.clock(), zone)
        except TimeParseError as error:
            self.notify(str(error), severity="error")
            return
        declared_at = self.state.declared_at
        saved = await self._do(
            self.session.service.note(
                self.session.incident_id, parsed.text, parsed.kind, parsed.at, declared_at
            )
        )
        if saved is not None:
            event.note_input.value = ""
            before = describe_backdate(saved.at, declared_at) if parsed.at else None
            if before:
                self.notify(f"Saved {parsed.kind.value}, {before}", timeout=8)
            else:
                self.notify(f"Saved {parsed.kind.value}", timeout=2)

    def action_leave_note(self) -> None:
        self.query_one(TimelineView).focus()

    def on_timeline_view_pin_requested(self, message: TimelineView.PinRequested) -> None:
        entry = message.entry
        service = self.session.service
        self.run_worker(self._do(service.pin_entry(self.state, entry.id, not entry.pinned)))

    def on_timeline_view_edit_requested(self, message: TimelineView.EditRequested) -> None:
        entry = message.entry

        def edited(text: str | None) -> None:
            if text is not None and text.strip() and text != entry.text:
                service = self.session.service
                self.run_worker(self._do(service.edit_entry(self.state, entry.id, text)))

        self.app.push_screen(TextPromptScreen("Edit entry", entry.text, multiline=True), edited)

    def on_timeline_view_strike_requested(self, message: TimelineView.StrikeRequested) -> None:
        entry = message.entry

        def struck(reason: str | None) -> None:
            if reason is not None:
                service = self.session.service
                self.run_worker(self._do(service.strike_entry(self.state, entry.id, reason)))

        self.app.push_screen(
            TextPromptScreen(
                "Strike this entry? (kept, shown struck) Reason, then Enter; Esc cancels",
                placeholder="e.g. wrong service",
            ),
            struck,
        )
