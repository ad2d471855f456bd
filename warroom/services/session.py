"""IncidentSession: the console's live copy of one incident, kept current from the store.

The session folds the incident's events once, then absorbs new ones as they come (from
this console's own actions, from CLI commands writing the same file, from other consoles
through PostgreSQL). Events are deduplicated by id; an event that sorts before the last
one known (a backdated note) makes the session refold, so the state is always exactly
`fold(all events)`. A backdated note is simply inserted in its place.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable

from warroom.model.events import Event, EventKind
from warroom.model.ids import id_order
from warroom.model.incident import IncidentState, apply, fold
from warroom.model.severity import SeverityLadder
from warroom.services.incidents import IncidentService
from warroom.store.base import LoadProblem, UnknownIncident


class IncidentSession:
    def __init__(self, service: IncidentService, incident_id: str) -> None:
        self.service = service
        self.incident_id = incident_id
        self.state = IncidentState(id=incident_id)
        self.problems: list[LoadProblem] = []
        self._known: set[str] = set()
        self._changes: AsyncIterator[list[Event]] | None = None

    async def open(self) -> IncidentSession:
        """Subscribe first, then load, so nothing written in between is missed."""
        self._changes = self.service.store.changes(self.incident_id)
        loaded = await self.service.load(self.incident_id)
        self.state = loaded.state
        self.problems = loaded.problems
        self._known = {event.id for event in self.state.events}
        return self

    @classmethod
    async def open_latest(cls, service: IncidentService) -> IncidentSession | None:
        """A session on the most recent open incident (newest first, each incident read
        once: the session that found it open is the one returned), or None."""
        for incident_id in sorted(await service.store.incident_ids(), key=id_order, reverse=True):
            session = cls(service, incident_id)
            try:
                await session.open()
            except UnknownIncident:
                await session.close()
                continue
            if session.state.is_open and not session.state.drill:
                return session  # a drill is never "the" open incident
            await session.close()
        return None

    @property
    def ladder(self) -> SeverityLadder:
        return self.service.ladder_of(self.state)

    def absorb(self, events: Iterable[Event]) -> list[Event]:
        """Take in events; returns those that were new."""
        fresh = [e for e in events if e.incident_id == self.incident_id and e.id not in self._known]
        if not fresh:
            return []
        self._known.update(e.id for e in fresh)
        last = self.state.events[-1].sort_key if self.state.events else None
        fresh.sort(key=lambda event: event.sort_key)
        if last is None or fresh[0].sort_key > last:
            for event in fresh:
                apply(self.state, event)
        elif all(event.kind is EventKind.NOTE for event in fresh):
            for event in fresh:
                self._insert_note(event)
        else:
            self.state = fold([*self.state.events, *fresh], self.incident_id)
        return fresh

    def _insert_note(self, event: Event) -> None:
        """Put a backdated note in its place without replaying everything.

        A note changes nothing but the timeline, so inserting it where `fold` would have
        put it gives the same state; with 100,000 events a refold would take a second.
        """
        self.state.insert_note(event)

    async def follow(self, on_new: Callable[[list[Event]], None]) -> None:
        """Absorb events from the store until cancelled; call `on_new` with new ones."""
        if self._changes is None:
            # Resubscribed after a failure: catch up on anything written meanwhile.
            self._changes = self.service.store.changes(self.incident_id)
            result = await self.service.store.load(self.incident_id)
            fresh = self.absorb(result.events)
            if fresh:
                on_new(fresh)
        async for batch in self._changes:
            fresh = self.absorb(batch)
            if fresh:
                on_new(fresh)

    async def close(self) -> None:
        if self._changes is not None:
            aclose = getattr(self._changes, "aclose", None)
            if aclose is not None:
                await aclose()
            self._changes = None
