"""What an `IncidentRuntime` tells the console, `watch` and the drill: typed messages.

The runtime never calls into a user interface; it hands each subscriber one of these
plain dataclasses, and each front end decides what to show (the console redraws panes
and rings the bell, `watch` prints a line, the drill logs it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from warroom.model.events import Event
from warroom.model.timed import Deadline


@dataclass(frozen=True, slots=True)
class StateChanged:
    """New events were folded into the incident's state (written here or elsewhere)."""

    events: tuple[Event, ...]


@dataclass(frozen=True, slots=True)
class DeadlineFired:
    """A timed rule's deadline passed and its `timer_fired` event is in the incident.

    Sent once per console for each fired key, whoever wrote the event: this runtime, or
    another console sharing the incident (seen through the store).
    """

    key: str
    rule: str
    message: str
    payload: Mapping[str, Any]
    event: Event

    @classmethod
    def from_event(cls, event: Event) -> DeadlineFired:
        payload = event.payload
        details = payload.get("payload")
        return cls(
            key=str(payload.get("key", "")),
            rule=str(payload.get("rule", "")),
            message=str(payload.get("message", "")),
            payload=dict(details) if isinstance(details, Mapping) else {},
            event=event,
        )


@dataclass(frozen=True, slots=True)
class NextDeadline:
    """The soonest deadline still ahead changed (None: nothing is scheduled)."""

    deadline: Deadline | None


@dataclass(frozen=True, slots=True)
class RuntimeProblem:
    """Something the runtime could not do and keeps retrying (one plain line)."""

    text: str
    severity: str = field(default="error")


RuntimeMessage = StateChanged | DeadlineFired | NextDeadline | RuntimeProblem
