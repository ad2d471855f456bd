"""Several incidents at once: the incidents picker (`i`), declaring another incident from
the console, and the count of other open incidents the header shows.

The most recent open incident is not always the one the IC wants: `i` lists the open
incidents (severity, status, age, title) with "Declare a new incident" first, and picking
one turns the console to it (the probes keep running; the timeline, checklist, comms and
header follow the chosen incident). Mixed into `MainScreen`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

from warroom.model.figures import elapsed, format_duration
from warroom.model.ids import id_order
from warroom.model.incident import IncidentState
from warroom.model.text import inert
from warroom.services.incidents import IncidentError
from warroom.services.session import IncidentSession
from warroom.store.base import StoreError, UnknownIncident
from warroom.ui.panes.header import IncidentHeader
from warroom.ui.screens.declare import DeclareScreen
from warroom.ui.screens.picker import Choice, PickerScreen

if TYPE_CHECKING:
    from warroom.ui.app import WarroomApp

NEW_INCIDENT = "+new"
OPEN_COUNT_SECONDS = 60
RESOLVED_RECHECK = 10  # rounds of the count between two reads of a resolved incident


class IncidentActions:
    """Mixed into `MainScreen`, which provides the session, the app and the refreshes."""

    session: IncidentSession

    if TYPE_CHECKING:
        app: Any
        wr: WarroomApp

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...
        def use_session(self, session: IncidentSession) -> Any: ...

    async def _other_open(self, fresh: bool = True) -> list[IncidentState]:
        """Open incidents other than the one on screen, most recent first. The periodic
        count (`fresh=False`) skips incidents it found resolved in the last
        `RESOLVED_RECHECK` rounds: a long resolved incident is not read again each minute."""
        service = self.session.service
        resolved: dict[str, int] = self.__dict__.setdefault("_resolved_seen", {})
        found = []
        for incident_id in sorted(await service.store.incident_ids(), key=id_order, reverse=True):
            if incident_id == self.session.incident_id:
                continue
            if not fresh and resolved.get(incident_id, 0) > 0:
                resolved[incident_id] -= 1
                continue
            try:
                state = await service.state(incident_id)
            except UnknownIncident:
                continue
            if state.is_open:
                resolved.pop(incident_id, None)
                found.append(state)
            else:
                resolved[incident_id] = RESOLVED_RECHECK
        return found

    @work(exit_on_error=False, exclusive=True, group="open-count")
    async def count_open_incidents(self) -> None:
        try:
            others = await self._other_open(fresh=False)
        except (StoreError, OSError) as error:
            self.notify(f"Could not list incidents: {inert(str(error))}", severity="warning")
            return
        self.query_one(IncidentHeader).set_others_open(len(others))

    @work(exit_on_error=False, exclusive=True, group="incidents")
    async def action_incidents(self) -> None:
        try:
            others = await self._other_open()
        except (StoreError, OSError) as error:
            self.notify(f"Could not list incidents: {inert(str(error))}", severity="error")
            return
        now = self.wr.clock()
        current = self.session.state
        choices = [Choice(NEW_INCIDENT, "+ Declare a new incident", "(this one stays open)")]
        for state in [current, *others]:
            age = format_duration(elapsed(state, now))
            label = f"{state.id}  {state.severity}  {state.status.value}  {age}"
            choices.append(Choice(state.id, label, inert(state.title, single_line=True)))
        self.query_one(IncidentHeader).set_others_open(len(others))
        picked = await self.app.push_screen_wait(
            PickerScreen("Open incidents (Enter switches)", choices, current.id)
        )
        if picked == NEW_INCIDENT:
            await self._declare_another()
        elif picked and picked != current.id:
            await self._switch_to(picked)

    async def _declare_another(self) -> None:
        service = self.session.service
        declaration = await self.app.push_screen_wait(
            DeclareScreen(
                service.default_ladder,
                self.wr.catalogue.all(),
                service.author,
                leaving="go back to the console",
            )
        )
        if declaration is None:
            return
        try:
            incident_id = await self.wr.declare(declaration)
        except (IncidentError, StoreError, OSError) as error:
            self.notify(inert(str(error)), severity="error", timeout=8)
            return
        await self._switch_to(incident_id)

    async def _switch_to(self, incident_id: str) -> None:
        try:
            session = await IncidentSession(self.session.service, incident_id).open()
        except (UnknownIncident, StoreError, OSError) as error:
            self.notify(inert(str(error)), severity="error", timeout=8)
            return
        await self.use_session(session)
        self.notify(f"Now showing {incident_id}", timeout=3)
