"""Timeline events: the only thing an incident is made of.

Every change to an incident is an `Event` appended to its log and never rewritten. An
event has a UUID, the UTC time it happened (`at`, which a responder may backdate), the UTC
time it was recorded, an author, a kind and a JSON-safe payload. The incident's state is
the fold of its events (see `warroom.model.incident`).
"""

from __future__ import annotations

import secrets
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
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
    RECORD_SET = "record_set"
    MILESTONE_SET = "milestone_set"
    TODO_DONE = "todo_done"
    TIMER_FIRED = "timer_fired"
    ASK = "ask"  # an ask opened, answered, extended, re-asked or dropped (model/asks.py)
    # Command notes (warroom.model.hypotheses, warroom.model.actions): a hypothesis
    # confirmed, ruled out or reopened; a finding linked as its evidence; a todo's owner
    # or due date set after it was written.
    HYPOTHESIS_STATE = "hypothesis_state"
    EVIDENCE_LINKED = "evidence_linked"
    TODO_UPDATED = "todo_updated"


class NoteKind(StrEnum):
    NOTE = "note"
    FINDING = "finding"
    ACTION = "action"
    DECISION = "decision"
    TODO = "todo"
    HYPOTHESIS = "hypothesis"


# Events warroom writes by itself, with nobody at the keyboard: probe state changes. A
# tick, a copied status update or any other event a person caused is theirs, not
# automatic. Any other event whose payload says `"automatic": true` (a timed rule of the
# runtime) counts as automatic too.
AUTOMATIC_KINDS = frozenset({EventKind.PROBE_STATE_CHANGED, EventKind.TIMER_FIRED})

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
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None:
        raise EventError(f"time {moment.isoformat()} has no time zone")
    return moment.astimezone(UTC)


def in_zone(moment: datetime, zone: tzinfo | None) -> datetime:
    """`moment` in `zone` (None: the machine's); a moment at the edge of what datetime
    holds (year 1, year 9999) that the zone's offset would push out of range stays in UTC
    instead of raising OverflowError."""
    try:
        return moment.astimezone(zone)
    except (OverflowError, ValueError):
        return moment


def format_utc(moment: datetime) -> str:
    # isoformat of a UTC time always ends in "+00:00"; "Z" is shorter and what we store.
    return ensure_utc(moment).isoformat(timespec="microseconds")[:-6] + "Z"


def parse_utc(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)  # reads "...Z" itself since Python 3.11
    except (TypeError, ValueError):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except (TypeError, ValueError, AttributeError):
            raise EventError(f"bad time {text!r}") from None
    return ensure_utc(moment)


# Kinds by value: a dict lookup is several times faster than `EventKind(value)`, and a
# 100,000-event incident is read one event at a time.
_KINDS: dict[object, EventKind] = {kind.value: kind for kind in EventKind}

# Payload texts up to this length are shared (interned) when an event is read.
SHARED_TEXT_LENGTH = 24


def _compact(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the payload in which equal keys and short texts are one object each.

    A long incident repeats the same keys ("service", "state") and words ("up", "http",
    a service's name) in every event, and `json.loads` makes a new string for each: for
    100,000 events that was 40 MB of duplicates.
    """
    intern, short = sys.intern, SHARED_TEXT_LENGTH
    try:
        return {
            intern(key): intern(value) if type(value) is str and len(value) <= short else value
            for key, value in payload.items()
        }
    except TypeError:  # a key that is not a plain str (a payload built in Python)
        return dict(payload)


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
        return self.kind in AUTOMATIC_KINDS or self.payload.get("automatic") is True

    @property
    def sort_key(self) -> tuple[datetime, datetime, str]:
        """Time order that every console agrees on, whatever order events arrived in."""
        return (self.at, self.recorded, self.id)

    def to_dict(self) -> dict[str, Any]:
        at = format_utc(self.at)
        recorded = self.recorded_at
        return {
            "id": self.id,
            "incident": self.incident_id,
            "kind": str(self.kind),
            "at": at,
            "recorded_at": at if recorded is None or recorded is self.at else format_utc(recorded),
            "author": self.author,
            "payload": dict(self.payload),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        if type(data) is not dict and not isinstance(data, Mapping):  # dict: skip the ABC
            raise EventError("an event must be a JSON object")
        try:
            event_id, incident_id, kind_value, at_text = (
                data["id"],
                data["incident"],
                data["kind"],
                data["at"],
            )
        except KeyError:
            missing = [name for name in ("id", "incident", "kind", "at") if name not in data]
            raise EventError(f"event lacks {', '.join(missing)}") from None
        try:
            kind = _KINDS.get(kind_value)
        except TypeError:  # an unhashable value
            kind = None
        if kind is None:
            raise EventError(f"unknown event kind {kind_value!r}")
        payload = data.get("payload", {})
        if type(payload) is not dict and not isinstance(payload, Mapping):
            raise EventError("event payload must be a JSON object")
        at = parse_utc(at_text)
        recorded_text = data.get("recorded_at")
        if not recorded_text:
            recorded = None
        elif recorded_text == at_text:
            recorded = at  # the usual case: one object for both (less to parse and to keep)
        else:
            recorded = parse_utc(recorded_text)
        return cls(
            id=str(event_id),
            incident_id=sys.intern(str(incident_id)),
            kind=kind,
            at=at,
            recorded_at=recorded,
            author=sys.intern(str(data.get("author", ""))),
            payload=_compact(payload),
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
