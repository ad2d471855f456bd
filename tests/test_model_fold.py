"""The incident is the fold of its events: deterministic, and its figures add up."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from warroom.model.events import Event, EventKind, new_event
from warroom.model.figures import (
    elapsed,
    next_update_due,
    time_in_severity,
    time_to_mitigate,
    time_to_resolve,
)
from warroom.model.incident import Status, fold
from warroom.model.severity import PRESETS

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
LADDER = PRESETS["sev1-sev3"]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def ev(kind: EventKind, minutes: float, **payload: object) -> Event:
    return new_event("INC-20261123-1", kind, "alice", payload, at=at(minutes), now=at(minutes))


def story() -> list[Event]:
    return [
        ev(EventKind.DECLARED, 0, title="Checkout down", severity="SEV-2", ladder="sev1-sev3"),
        ev(EventKind.NOTE, 1, text="500s on checkout", note_kind="finding"),
        ev(EventKind.SEVERITY_CHANGED, 5, severity="SEV-1", previous="SEV-2"),
        ev(EventKind.STATUS_CHANGED, 10, status="identified"),
        ev(EventKind.COMMS_COPIED, 12, template="status-update", audience="internal"),
        ev(EventKind.STATUS_CHANGED, 20, status="mitigating"),
        ev(EventKind.SEVERITY_CHANGED, 25, severity="SEV-2", previous="SEV-1"),
        ev(EventKind.STATUS_CHANGED, 30, status="monitoring"),
        ev(EventKind.STATUS_CHANGED, 45, status="resolved"),
    ]


def test_same_events_same_state_in_any_arrival_order() -> None:
    events = story()
    reference = fold(events)
    for seed in range(20):
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        state = fold(shuffled + shuffled[:3])  # duplicates arrive too
        assert state.severity == reference.severity == "SEV-2"
        assert state.status is reference.status is Status.RESOLVED
        assert [e.id for e in state.events] == [e.id for e in reference.events]
        assert state.severity_history == reference.severity_history


def test_time_in_severity_adds_up_to_elapsed() -> None:
    state = fold(story())
    now = at(90)  # after resolution: the clock stopped at 45
    spans = time_in_severity(state, now)
    assert spans == {"SEV-2": timedelta(minutes=5 + 20), "SEV-1": timedelta(minutes=20)}
    assert sum(spans.values(), timedelta()) == elapsed(state, now) == timedelta(minutes=45)
    assert time_to_mitigate(state) == timedelta(minutes=30)
    assert time_to_resolve(state) == timedelta(minutes=45)


def test_time_in_severity_adds_up_while_open() -> None:
    state = fold(story()[:6])
    now = at(21.5)
    spans = time_in_severity(state, now)
    assert sum(spans.values(), timedelta()) == elapsed(state, now)


def test_next_update_due_follows_cadence_and_last_comms() -> None:
    state = fold(story()[:4])  # SEV-1 since minute 5, no comms yet: declared + 1h
    due = next_update_due(state, LADDER)
    assert due is not None and due.due_at == at(60) and due.cadence == timedelta(hours=1)
    state = fold(story()[:5])  # comms copied at 12, severity SEV-1 (hourly)
    due = next_update_due(state, LADDER)
    assert due is not None
    assert due.due_at == at(12) + timedelta(hours=1)
    assert not due.overdue(at(30)) and due.overdue(at(73))
    assert next_update_due(fold(story()), LADDER) is None  # resolved: no more updates


def test_edit_strike_pin_never_delete() -> None:
    events = story()[:2]
    note = events[1]
    events += [
        ev(EventKind.ENTRY_EDITED, 2, target=note.id, text="502s on checkout"),
        ev(EventKind.ENTRY_PINNED, 3, target=note.id),
        ev(EventKind.ENTRY_STRUCK, 4, target=note.id, reason="wrong service"),
    ]
    state = fold(events)
    entry = state.entry(note.id)
    assert entry is not None
    assert entry.text == "502s on checkout" and entry.pinned and entry.struck
    assert entry.struck_reason == "wrong service"
    assert len(state.events) == 5
    assert state.notes() == [] and state.notes(include_struck=True) == [entry]


def test_reopening_clears_resolution() -> None:
    events = [*story(), ev(EventKind.STATUS_CHANGED, 50, status="investigating")]
    state = fold(events)
    assert state.is_open and state.resolved_at is None
    assert state.mitigated_at == at(30)


def test_event_round_trips_through_dict() -> None:
    for event in story():
        assert Event.from_dict(event.to_dict()) == event
