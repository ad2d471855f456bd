"""The one small interface every store implements, and what loading an incident returns."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from warroom.model.events import Event


class StoreError(Exception):
    """A store that cannot do what was asked (unwritable folder, unknown incident...)."""


class UnknownIncident(StoreError):
    def __init__(self, incident_id: str) -> None:
        super().__init__(f"unknown incident {incident_id!r}")
        self.incident_id = incident_id


@dataclass(frozen=True)
class LoadProblem:
    """A line of an incident log that could not be read (and was skipped)."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


@dataclass
class LoadResult:
    events: list[Event] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)


@dataclass(frozen=True)
class ConnectionState:
    """What the header says about the store: online, or queueing locally.

    `queued`: events this process queued that wait to be sent. `unsent`: events of this
    store's queue that cannot be sent without a person (set aside by the database, or
    waiting while it refuses us: `refused` says why), shown until retried or discarded.
    """

    online: bool = True
    queued: int = 0
    detail: str = ""
    unsent: int = 0
    unsent_noun: str = "events"
    refused: str = ""


@runtime_checkable
class IncidentStore(Protocol):
    """Append-only incident logs. Every method is safe to call from the event loop."""

    description: str

    async def declare(self, make_declared: Callable[[str], Event]) -> Event:
        """Allocate a new incident id, build its `declared` event with it, and store it."""
        ...

    async def append(self, event: Event) -> None:
        """Store the event durably; when this returns the event survives a crash."""
        ...

    async def append_many(self, events: list[Event]) -> None:
        """Store the events durably, in order (local files: one write and one fsync for
        all, the burst of probe changes of a first cycle)."""
        ...

    async def load(self, incident_id: str) -> LoadResult: ...

    async def incident_ids(self) -> list[str]: ...

    def changes(self, incident_id: str) -> AsyncIterator[list[Event]]:
        """Batches of events of this incident stored by anyone (this process included)
        from the moment of this call on. Call it before `load` and drop duplicates by
        event id, so that nothing written in between is missed."""
        ...

    def connection_state(self) -> ConnectionState: ...

    async def close(self) -> None: ...
