"""The main screen's command notes: the hypotheses board (`h`), the decision form (`d`)
and the todo board (`T`). Mixed into `MainScreen` like the pickers; every change goes
through `CommandNotes` (the `IncidentService` underneath) as an event first.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from warroom.model.events import Event
from warroom.model.incident import IncidentState
from warroom.services.command_notes import CommandNotes
from warroom.services.session import IncidentSession
from warroom.ui.screens.decision import DecisionForm, DecisionScreen
from warroom.ui.screens.hypotheses import HypothesesScreen
from warroom.ui.screens.todos import TodoBoardScreen

if TYPE_CHECKING:
    from warroom.ui.app import WarroomApp


class CommandNotesActions:
    """Mixed into `MainScreen`, which provides the session, the app and `_do`."""

    session: IncidentSession

    if TYPE_CHECKING:  # provided by MainScreen and Screen; declared here for the checker
        app: Any
        wr: WarroomApp
        state: IncidentState

        def _do(self, work_coro: Awaitable[Event | None]) -> Awaitable[Event | None]: ...

        def run_worker(self, work: Any) -> Any: ...

        def notify(self, message: str, **kwargs: Any) -> None: ...

    @property
    def command_notes(self) -> CommandNotes:
        return CommandNotes(self.session.service)

    def action_hypotheses(self) -> None:
        self.app.push_screen(HypothesesScreen(self))  # type: ignore[arg-type]

    def action_todos(self) -> None:
        self.app.push_screen(TodoBoardScreen(self, self.wr.clock, self.wr.zone))  # type: ignore[arg-type]

    def action_decide(self) -> None:
        async def record(form: DecisionForm) -> None:
            saved = await self._do(
                self.command_notes.decide(
                    self.state,
                    form.proposal,
                    objections_asked=form.objections_asked,
                    objections=form.objections,
                    decided_by=form.decided_by,
                )
            )
            if saved is not None:
                self.notify("Decision recorded", timeout=3)

        def recorded(form: DecisionForm | None) -> None:
            if form is not None:
                self.run_worker(record(form))

        ic = self.state.roles.get("IC", "")
        self.app.push_screen(DecisionScreen(ic), recorded)
