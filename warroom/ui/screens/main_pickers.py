"""The main screen's pickers: severity (`s`), status (`u`), roles (`o`), scenario (`c`).

Each opens a small modal and, when the responder picks, records the change through the
`IncidentService` like every other action of the main screen (which mixes this in).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from warroom.model.events import Event
from warroom.model.incident import DEFAULT_ROLES, IncidentState, Status
from warroom.services.session import IncidentSession
from warroom.ui.screens.picker import Choice, PickerScreen, TextPromptScreen

if TYPE_CHECKING:
    from warroom.ui.app import WarroomApp


class PickerActions:
    """Mixed into `MainScreen`, which provides the session, the app and `_do`."""

    session: IncidentSession

    if TYPE_CHECKING:  # provided by MainScreen and Screen; declared here for the checker
        app: Any
        wr: WarroomApp
        state: IncidentState

        def _do(self, work_coro: Awaitable[Event | None]) -> Awaitable[Event | None]: ...

        def run_worker(self, work: Any) -> Any: ...

        def resolve(self) -> None: ...

    def action_severity(self) -> None:
        ladder = self.session.ladder
        choices = [
            Choice(level.key, f"{level.key}  {level.name}", level.definition)
            for level in ladder.levels
        ]

        def chosen(value: str | None) -> None:
            if value:
                self.run_worker(self._do(self.session.service.set_severity(self.state, value)))

        self.app.push_screen(PickerScreen("Severity", choices, self.state.severity), chosen)

    def action_status(self) -> None:
        choices = [Choice(status.value, status.value) for status in Status]

        def chosen(value: str | None) -> None:
            if value == Status.RESOLVED.value and self.state.is_open:
                self.resolve()  # asks for the resolution summary first
            elif value:
                self.run_worker(self._do(self.session.service.set_status(self.state, value)))

        self.app.push_screen(
            PickerScreen("Status", choices, self.state.status.value, filter=False), chosen
        )

    def action_role(self) -> None:
        roles = list(dict.fromkeys([*DEFAULT_ROLES, *self.state.roles]))
        choices = [Choice(role, role, self.state.roles.get(role, "unassigned")) for role in roles]

        def named(role: str, name: str | None) -> None:
            if name is not None:
                self.run_worker(
                    self._do(
                        self.session.service.assign_role(
                            self.session.incident_id, role, name, clear=not name.strip()
                        )
                    )
                )

        def chosen(role: str | None) -> None:
            if role:
                self.app.push_screen(
                    TextPromptScreen(
                        f"Who is {role}? (empty clears)", self.state.roles.get(role, "")
                    ),
                    lambda name: named(role, name),
                )

        self.app.push_screen(PickerScreen("Assign a role", choices, filter=False), chosen)

    def action_scenario(self) -> None:
        choices = [Choice(s.id, s.title, s.summary[:60]) for s in self.wr.catalogue.all()]

        def chosen(value: str | None) -> None:
            if value and value != self.state.scenario:
                self.run_worker(
                    self._do(self.session.service.set_scenario(self.session.incident_id, value))
                )

        self.app.push_screen(PickerScreen("Scenario", choices, self.state.scenario), chosen)
