"""The main screen's comms side: drafts, copying, the situation record form (`R`), todos
done, the resolution prompt and the overdue-update alarm (the bell and notice when the
runtime fires the update-overdue deadline, here or on another console).

Mixed into `MainScreen` like the pickers: every change goes through the
`IncidentService` as an event first, and is shown after.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from warroom.model import comms as comms_model
from warroom.model.events import Event, EventError, parse_utc
from warroom.model.incident import IncidentState, Status
from warroom.model.situation import clock, open_todos
from warroom.model.text import inert
from warroom.model.timeparse import TimeParseError, parse_at
from warroom.runtime.messages import DeadlineFired
from warroom.runtime.reminders import UPDATE_OVERDUE
from warroom.services.session import IncidentSession
from warroom.ui.clipboard import copy_text
from warroom.ui.panes.comms import CommsComposer
from warroom.ui.screens.picker import Choice, PickerScreen, TextPromptScreen
from warroom.ui.screens.record import RecordChanges, RecordScreen

if TYPE_CHECKING:
    from warroom.ui.app import WarroomApp


class CommsActions:
    """Mixed into `MainScreen`, which provides the session, the app and `_do`."""

    session: IncidentSession

    if TYPE_CHECKING:  # provided by MainScreen and Screen; declared here for the checker
        app: Any
        wr: WarroomApp
        state: IncidentState

        def _do(self, work_coro: Awaitable[Event | None]) -> Awaitable[Event | None]: ...

        def run_worker(self, work: Any, *args: Any, **kwargs: Any) -> Any: ...

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...

        def notify(self, message: str, **kwargs: Any) -> None: ...

        def _state_with_probes(self) -> IncidentState: ...

    # Drafts --------------------------------------------------------------------------

    def refill_comms(self, force: bool = False) -> None:
        composer = self.query_one(CommsComposer)
        template = composer.template
        if template is None:
            return
        composer.record_key = self.wr.key_for("main.record", "R")
        draft = comms_model.render_draft(
            template, self._state_with_probes(), self.session.ladder, self.wr.clock(), self.wr.zone
        )
        composer.set_draft(draft, force=force)

    def on_comms_composer_refill_requested(self, message: CommsComposer.RefillRequested) -> None:
        if getattr(self, "_comms_ready", True):  # the first fill waits for the first frame
            self.refill_comms(force=True)

    async def on_comms_composer_copy_requested(self, message: CommsComposer.CopyRequested) -> None:
        text = message.text
        if not text.strip():
            self.notify("The draft is empty", severity="warning")
            return
        template = message.template
        outcome = copy_text(
            self.app, text, self.wr.data_dir, f"{self.session.incident_id}-{template.id}"
        )
        promise = message.draft.promise if message.draft is not None else None
        saved = await self._do(
            self.session.service.comms_copied(
                self.session.incident_id,
                template.id,
                template.audience,
                outcome.channel,
                text,
                next_update_at=promise if self.state.is_open else None,
            )
        )
        if saved is not None:
            self.notify(f"{template.title}: {outcome.message}", timeout=10)

    def action_comms(self, what: str) -> None:
        """Palette commands for the composer: copy, refill, next, previous."""
        composer = self.query_one(CommsComposer)
        if what == "copy":
            composer.action_copy()
        elif what == "refill":
            composer.action_refill()
        elif what in ("next", "previous"):
            composer.action_next_template(1 if what == "next" else -1)
        elif what == "edit":
            composer.action_edit()

    def comms_commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        """(title, help, callback) for the command palette."""
        yield (
            "Comms: copy the draft",
            "copy the update and record it",
            lambda: self.action_comms("copy"),
        )
        yield (
            "Comms: refill the draft",
            "render it again from the incident",
            lambda: self.action_comms("refill"),
        )
        yield ("Comms: next template", "the next audience", lambda: self.action_comms("next"))
        yield (
            "Comms: previous template",
            "the previous audience",
            lambda: self.action_comms("previous"),
        )
        yield (
            "Comms: edit the draft",
            "type in the draft (escape leaves)",
            lambda: self.action_comms("edit"),
        )
        yield (
            "Situation record",
            "impact, workaround, milestones, next update",
            self.action_record,
        )
        yield ("Mark a todo done", "pick an open todo", self.action_todo_done)
        delivery_commands = getattr(self, "delivery_commands", None)  # main_delivery.py
        if delivery_commands is not None:
            yield from delivery_commands()

    # The situation record -----------------------------------------------------------

    def action_record(self, focus: str = "impact") -> None:
        screen = RecordScreen(self.state, self.wr.clock(), self.wr.zone, focus=focus)

        def saved(changes: RecordChanges | None) -> None:
            if changes is not None and not changes.empty:
                self.run_worker(self._apply_record(changes))

        self.app.push_screen(screen, saved)

    async def _apply_record(self, changes: RecordChanges) -> None:
        service = self.session.service
        count = 0
        for name, value in changes.facts.items():
            if await self._do(service.set_fact(self.state, name, value)) is not None:
                count += 1
        for name, when in changes.milestones.items():
            if await self._do(service.set_milestone(self.state, name, when)) is not None:
                count += 1
        if changes.next_update is not None and await self._do(
            service.set_next_update(self.state, changes.next_update[0])
        ):
            count += 1
        if count:
            self.notify(f"Situation record: {count} change(s) saved", timeout=3)
        self.refill_comms()

    def action_todo_done(self) -> None:
        todos = open_todos(self.state)
        if not todos:
            self.notify("No open todos (write one with n, then t: ...)", timeout=4)
            return
        choices = [Choice(entry.id, inert(entry.text, single_line=True)) for entry in todos]

        def chosen(entry_id: str | None) -> None:
            if entry_id:
                self.run_worker(self._do(self.session.service.todo_done(self.state, entry_id)))

        self.app.push_screen(PickerScreen("Mark a todo done", choices), chosen)

    # Resolution ----------------------------------------------------------------------

    def resolve(self) -> None:
        """Ask for the one-line resolution summary (and the mitigation time when none was
        set), then resolve. Escape at the summary cancels; the record keeps the summary."""

        def summary_given(summary: str | None) -> None:
            if summary is None:
                self.notify("Not resolved", timeout=3)
                return
            if self.state.mitigated_at is None:
                self.app.push_screen(
                    TextPromptScreen(
                        "When was the impact mitigated? (-20m, 14:32; Enter: at resolution)",
                        placeholder="-20m or 14:32",
                    ),
                    lambda mitigated: self.run_worker(self._resolve(summary, mitigated or "")),
                )
            else:
                self.run_worker(self._resolve(summary, ""))

        self.app.push_screen(
            TextPromptScreen(
                "Resolved: what fixed it, in one line (updates and the post-mortem use it)",
                self.state.record.fact("resolution"),
                placeholder="e.g. Rolled back release 412; pool back to normal",
            ),
            summary_given,
        )

    async def _resolve(self, summary: str, mitigated: str) -> None:
        service = self.session.service
        when = None
        if mitigated.strip():
            try:
                when = parse_at(mitigated, self.wr.clock(), self.wr.zone)
            except TimeParseError as error:
                self.notify(f"{error}; mitigation time not set", severity="error", timeout=8)
        if summary.strip():
            await self._do(service.set_fact(self.state, "resolution", summary))
        if when is not None:
            await self._do(service.set_milestone(self.state, "mitigated", when))
        await self._do(service.set_status(self.state, Status.RESOLVED))
        if not self.state.record.fact("resolution"):
            key = self.wr.key_for("main.record", "R")
            self.notify(f"Resolved without a summary: press {key} to add one", timeout=8)

    # The promised update -------------------------------------------------------------

    def deadline_fired(self, fired: DeadlineFired) -> None:
        """A timed rule's deadline passed (fired here or by another console): the update
        reminder rings the bell and says so (config `overdue_bell`, `overdue_notify`);
        any other rule's deadline is said in its own words."""
        if fired.rule != UPDATE_OVERDUE:
            self.notify(fired.message, severity="warning", timeout=15)
            return
        config = self.wr.config
        if config.overdue_bell:
            self.app.bell()
        if config.overdue_notify:
            try:
                due_at = parse_utc(str(fired.payload.get("due_at") or ""))
                said = "Status update overdue: the next was promised by "
                said += clock(due_at, self.wr.clock(), seconds=True)
            except EventError:  # written by a console we do not know: its own words
                said = fired.message
            self.notify(
                f"{said}. Press 4, pick the audience, y copies.",
                severity="warning",
                timeout=30,
            )
