"""Timeline events: the only thing an incident is made of.

Every change to an incident is an `Event` appended to its log and never rewritten. An
event has a UUID, the UTC time it happened (`at`, which a responder may backdate), the UTC
time it was recorded, an author, a kind and a JSON-safe payload. The incident's state is
the fold of its events (see `warroom.model.incident`).
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    DECLARED = "declared"
    SEVERITY_CHANGED = "severity_changed"
    STATUS_CHANGED = "status_changed"
    ROLE_ASSIGNED = "role_assigned"
    SCENARIO_CHANGED = "scenario_changed"
    NOTE = "note"
    STEP_CHECKED = "step_checked"
    STEP_UNCHECKED = "step_unchecked"
    PROBE_STATE_CHANGED = "probe_state_changed"
    COMMS_COPIED = "comms_copied"
    ENTRY_EDITED = "entry_edited"
    ENTRY_STRUCK = "entry_struck"
    ENTRY_PINNED = "entry_pinned"
    ENTRY_UNPINNED = "entry_unpinned"


class NoteKind(StrEnum):
    NOTE = "note"
    FINDING = "finding"
    ACTION = "action"
    DECISION = "decision"
    TODO = "todo"


# Events written by warroom itself rather than typed by a person.
AUTOMATIC_KINDS = frozenset(
    {
        EventKind.PROBE_STATE_CHANGED,
        EventKind.STEP_CHECKED,
        EventKind.STEP_UNCHECKED,
        EventKind.COMMS_COPIED,
    }
)

# Events that other events may point at (edit, strike, pin).
ENTRY_KINDS = frozenset({EventKind.NOTE})


class EventError(ValueError):
    """An event record that cannot be read (missing field, bad time, unknown kind)."""


_id_lock = threading.Lock()
_last_id_tick = 0


def new_event_id() -> str:
    """A UUID (version 7 layout) that grows with every call in this process.

    Events with the same `at` and `recorded_at` (a frozen clock, two clicks in the same
    microsecond) are ordered by id, so one writer's events keep the order it made them in,
    and every console breaks such ties the same way.
    """
    global _last_id_tick
    with _id_lock:
        tick = (time.time_ns() // 1_000_000) << 12
        if tick <= _last_id_tick:
            tick = _last_id_tick + 1
        _last_id_tick = tick
    millis, sequence = tick >> 12, tick & 0xFFF
    value = (millis << 80) | (0x7 << 76) | (sequence << 64) | (0b10 << 62) | secrets.randbits(62)
    return str(uuid.UUID(int=value))


def utc_now() -> datetime:
    return datetime.now(UTC)


def ensure_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise EventError(f"time {moment.isoformat()} has no time zone")
    return moment.astimezone(UTC)


def format_utc(moment: datetime) -> str:
    return ensure_utc(moment).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_utc(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError, AttributeError):
        raise EventError(f"bad time {text!r}") from None
    return ensure_utc(moment)


@dataclass(frozen=True, slots=True)
class Event:
    """One immutable entry in an incident's log."""

    incident_id: str
    kind: EventKind
    at: datetime
    author: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=new_event_id)
    recorded_at: datetime | None = None

    @property
    def recorded(self) -> datetime:
        return self.recorded_at or self.at

    @property
    def automatic(self) -> bool:
        return self.kind in AUTOMATIC_KINDS

    @property
    def sort_key(self) -> tuple[datetime, datetime, str]:
        """Time order that every console agrees on, whatever order events arrived in."""
        return (self.at, self.recorded, self.id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "incident": self.incident_id,
            "kind": str(self.kind),
            "at": format_utc(self.at),
            "recorded_at": format_utc(self.recorded),
            "author": self.author,
            "payload": dict(self.payload),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        if not isinstance(data, Mapping):
            raise EventError("an event must be a JSON object")
        missing = [name for name in ("id", "incident", "kind", "at") if name not in data]
        if missing:
            raise EventError(f"event lacks {', '.join(missing)}")
        try:
            kind = EventKind(data["kind"])
        except ValueError:
            raise EventError(f"unknown event kind {data['kind']!r}") from None
        payload = data.get("payload", {})
        if not isinstance(payload, Mapping):
            raise EventError("event payload must be a JSON object")
        recorded = data.get("recorded_at")
        return cls(
            id=str(data["id"]),
            incident_id=str(data["incident"]),
            kind=kind,
            at=parse_utc(data["at"]),
            recorded_at=parse_utc(recorded) if recorded else None,
            author=str(data.get("author", "")),
            payload=dict(payload),
        )


def new_event(
    incident_id: str,
    kind: EventKind,
    author: str,
    payload: Mapping[str, Any] | None = None,
    *,
    at: datetime | None = None,
    now: datetime | None = None,
) -> Event:
    """A fresh event with a new UUID; `at` defaults to `now` (which defaults to the clock)."""
    recorded = ensure_utc(now) if now is not None else utc_now()
    return Event(
        incident_id=incident_id,
        kind=kind,
        at=ensure_utc(at) if at is not None else recorded,
        recorded_at=recorded,
        author=author,
        payload=dict(payload or {}),
    )
