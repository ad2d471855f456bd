"""The state's indexes (events by kind, notes by kind, readings) always say what a scan of
the state would: after a fold, after events absorbed in any order (appended, inserted as
backdated notes, or refolded), and on a copy made for the drafts."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import gettempdir

from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.model.actions import ActionItemDue, action_items
from warroom.model.events import Event, EventKind, NoteKind, new_event
from warroom.model.incident import IncidentState, fold
from warroom.model.severity import PRESETS
from warroom.services.incidents import IncidentService
from warroom.services.session import IncidentSession
from warroom.store.local import LocalStore

T0 = datetime(2026, 11, 30, 9, tzinfo=UTC)
INCIDENT = "INC-20261130-1"
KINDS = [
    EventKind.NOTE,
    EventKind.TODO_UPDATED,
    EventKind.TODO_DONE,
    EventKind.ENTRY_STRUCK,
    EventKind.ESCALATION,
    EventKind.ROLE_ASSIGNED,
    EventKind.PROBE_STATE_CHANGED,
]
NOTE_KINDS = [NoteKind.NOTE, NoteKind.TODO, NoteKind.DECISION, NoteKind.HYPOTHESIS]


def declaration() -> Event:
    payload = {"title": "Checkout errors", "severity": "SEV-2", "ladder": "sev1-sev3"}
    return new_event(INCIDENT, EventKind.DECLARED, "alice", payload, at=T0, now=T0)


def made(kind: EventKind, minute: int, choice: int, earlier: list[Event]) -> Event:
    at = T0 + timedelta(minutes=minute)
    target = earlier[choice % len(earlier)].id if earlier else ""
    payload: dict[str, object]
    if kind is EventKind.NOTE:
        note_kind = NOTE_KINDS[choice % len(NOTE_KINDS)]
        payload = {"text": f"note {minute} owner: @bob", "note_kind": note_kind.value}
        if note_kind is NoteKind.TODO and choice % 3 == 0:
            payload["due"] = "2026-12-01"
    elif kind in (EventKind.TODO_UPDATED, EventKind.TODO_DONE, EventKind.ENTRY_STRUCK):
        payload = {"target": target, "owner": "carol", "reason": "wrong"}
    elif kind is EventKind.ROLE_ASSIGNED:
        payload = {"role": "IC", "name": f"ic-{choice}"}
    elif kind is EventKind.PROBE_STATE_CHANGED:
        payload = {"service": f"svc-{choice % 3}", "state": ["up", "down"][choice % 2]}
    else:
        payload = {"action": "paged", "key": f"escalation:x:{choice}"}
    return new_event(INCIDENT, kind, "bob", payload, at=at, now=at)


def live_session() -> IncidentSession:
    """A session absorbing events as the console's does (its store is never used)."""
    store = LocalStore(Path(gettempdir()) / "warroom-never-written")  # creates nothing
    service = IncidentService(store, "bob", PRESETS["sev1-sev3"])
    return IncidentSession(service, INCIDENT)


def scanned_kinds(state: IncidentState, kinds: tuple[EventKind, ...]) -> list[str]:
    return [event.id for event in state.events if event.kind in kinds]


def scanned_notes(state: IncidentState, kinds: tuple[NoteKind, ...]) -> list[str]:
    return [
        entry.id
        for entry in state.entries
        if entry.kind is EventKind.NOTE and not entry.struck and entry.note_kind in kinds
    ]


def assert_indexes_match_scans(state: IncidentState) -> None:
    for kind in KINDS:
        assert [e.id for e in state.of_kind(kind)] == scanned_kinds(state, (kind,))
    pair = (EventKind.TODO_UPDATED, EventKind.TODO_DONE)
    assert [e.id for e in state.of_kind(*pair)] == scanned_kinds(state, pair)
    for note_kind in NOTE_KINDS:
        assert [e.id for e in state.notes(note_kind)] == scanned_notes(state, (note_kind,))
    two = (NoteKind.TODO, NoteKind.DECISION)
    assert [e.id for e in state.notes(*two)] == scanned_notes(state, two)
    struck_too = [e.id for e in state.notes(NoteKind.TODO, include_struck=True)]
    assert struck_too == [
        entry.id
        for entry in state.entries
        if entry.kind is EventKind.NOTE and entry.note_kind is NoteKind.TODO
    ]


steps = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(1, 300), st.integers(0, 50)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(steps, st.integers(0, 40))
def test_indexes_say_what_a_scan_says_after_fold_and_absorb(
    plan: list[tuple[EventKind, int, int]], split: int
) -> None:
    events: list[Event] = [declaration()]
    for kind, minute, choice in plan:
        events.append(made(kind, minute, choice, events[1:]))
    everything = fold(events)
    assert_indexes_match_scans(everything)

    # The same events absorbed in arrival order by a live session (backdated notes are
    # inserted in place, other late events refold) give the same indexes.
    session = live_session()
    session.absorb(events[: split + 1])
    for event in events[split + 1 :]:
        session.absorb([event])
        assert_indexes_match_scans(session.state)
    assert [e.id for e in session.state.events] == [e.id for e in everything.events]

    # A copy made another way reads its own indexes; the drafts' copy shares them.
    copy = dataclasses.replace(session.state, probe_states={})
    assert_indexes_match_scans(copy)
    assert action_items(copy) == action_items(session.state)
    drafts = session.state.with_probe_states({"svc-9": {"state": "down"}})
    assert_indexes_match_scans(drafts)
    assert action_items(drafts) == action_items(session.state)
    assert drafts.probe_states == {"svc-9": {"state": "down"}}


def test_readings_are_read_again_after_each_event() -> None:
    events = [declaration()]
    assert action_items(fold(events)) == []
    todo = new_event(
        INCIDENT,
        EventKind.NOTE,
        "bob",
        {"text": "rotate the key", "note_kind": "todo", "due": "2026-12-01"},
        at=T0 + timedelta(minutes=1),
        now=T0 + timedelta(minutes=1),
    )
    session = live_session()
    session.absorb(events)
    session.absorb([todo])
    assert [item.text for item in action_items(session.state)] == ["rotate the key"]
    [deadline] = ActionItemDue().deadlines(session.state, T0)
    assert deadline.payload["target"] == todo.id
    done_at = T0 + timedelta(minutes=2)
    done = new_event(INCIDENT, EventKind.TODO_DONE, "bob", {"target": todo.id}, at=done_at)
    session.absorb([done])
    assert ActionItemDue().deadlines(session.state, T0) == []  # done: no deadline any more
    # A backdated note (inserted, not appended) is a change too.
    early = T0 + timedelta(seconds=30)
    backdated = new_event(
        INCIDENT,
        EventKind.NOTE,
        "bob",
        {"text": "page the DBA", "note_kind": "todo", "due": "2026-12-02"},
        at=early,
        now=done_at,
    )
    session.absorb([backdated])
    assert [d.payload["target"] for d in ActionItemDue().deadlines(session.state, T0)] == [
        backdated.id
    ]


def test_a_reading_is_kept_until_an_event_it_reads_comes() -> None:
    session = live_session()
    session.absorb([declaration()])
    computed: list[int] = []

    def count_notes(state: IncidentState) -> int:
        computed.append(1)
        return len(state.notes())

    def read() -> int:
        return session.state.reading("notes", count_notes, (EventKind.NOTE,))

    assert read() == 0 and len(computed) == 1
    probe = made(EventKind.PROBE_STATE_CHANGED, 5, 1, [])
    session.absorb([probe])
    assert read() == 0 and len(computed) == 1  # a probe change is not read: kept
    session.absorb([made(EventKind.NOTE, 6, 0, [])])
    assert read() == 1 and len(computed) == 2
    session.absorb([made(EventKind.NOTE, 1, 0, [])])  # backdated: inserted
    assert read() == 2 and len(computed) == 3
