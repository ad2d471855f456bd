"""The incident as the fold of its events: status, severity history, roles, timeline.

`fold(events)` sorts events by their agreed time order and replays them, so two consoles
that hold the same events show the same state whatever order the events arrived in.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from warroom.model.asks import Ask, apply_ask, describe_ask
from warroom.model.bulk import collector_paused
from warroom.model.delivery import counts_as_update, describe_delivery
from warroom.model.escalation_events import describe_escalation
from warroom.model.events import Event, EventKind, NoteKind
from warroom.model.note_events import describe_command_note
from warroom.model.record import SituationRecord, describe_fact, describe_milestone

T = TypeVar("T")


class Status(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MITIGATING = "mitigating"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @classmethod
    def parse(cls, value: str) -> Status:
        text = value.strip().casefold()
        for status in cls:
            if status.value == text:
                return status
        raise ValueError(
            f"unknown status {value!r} (choose from {', '.join(s.value for s in cls)})"
        )


# Statuses at which the impact counts as mitigated (time to mitigate ends at the first).
MITIGATED_STATUSES = frozenset({Status.MONITORING, Status.RESOLVED})

DEFAULT_ROLES = ("IC", "Ops", "Dev", "Comms")

# Events that change an entry already on the timeline (its text, strike, pin, done).
ENTRY_CHANGE_KINDS = frozenset(
    {
        EventKind.ENTRY_EDITED,
        EventKind.ENTRY_STRUCK,
        EventKind.ENTRY_PINNED,
        EventKind.ENTRY_UNPINNED,
        EventKind.TODO_DONE,
    }
)

# A dict lookup instead of `NoteKind(value)`: the enum call is slow, and exports and
# drafts ask every entry of a long timeline for its kind several times.
_NOTE_KINDS: dict[object, NoteKind] = {kind.value: kind for kind in NoteKind}


@dataclass(slots=True)
class TimelineEntry:
    """A timeline row: the original event plus its edits, strike and pin."""

    event: Event
    text: str
    edits: tuple[Event, ...] = ()  # a tuple: no empty list kept for each of 100,000 entries
    struck: bool = False
    struck_reason: str = ""
    pinned: bool = False
    done: bool = False  # a todo marked done (`todo_done`)

    @property
    def id(self) -> str:
        return self.event.id

    @property
    def at(self) -> datetime:
        return self.event.at

    @property
    def kind(self) -> EventKind:
        return self.event.kind

    @property
    def note_kind(self) -> NoteKind | None:
        if self.event.kind is not EventKind.NOTE:
            return None
        try:
            return _NOTE_KINDS.get(self.event.payload.get("note_kind", "note"), NoteKind.NOTE)
        except TypeError:  # an unhashable value in a hand-edited file
            return NoteKind.NOTE


class OnEntry:
    """A reading of one timeline entry (a decision, a hypothesis, an action item): its id,
    text and time are the entry's."""

    entry: TimelineEntry

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def text(self) -> str:
        return self.entry.text

    @property
    def at(self) -> datetime:
        return self.entry.at


@dataclass
class IncidentState:
    """What the incident is now, as derived from its events."""

    id: str
    title: str = ""
    ladder: str = ""
    severity: str = ""
    status: Status = Status.INVESTIGATING
    scenario: str | None = None
    declared_at: datetime | None = None
    declared_by: str = ""
    drill: bool = False
    impact: str = ""
    record: SituationRecord = field(default_factory=SituationRecord)
    # True when no declaration was read (its line is damaged) but other events were:
    # the incident is kept, declared at its first event, title and severity unknown.
    declaration_missing: bool = False
    roles: dict[str, str] = field(default_factory=dict)
    # When each role's current holder took it (the IC's stint, warroom.model.handoff).
    role_since: dict[str, datetime] = field(default_factory=dict)
    # Asks by their short id (warroom.model.asks).
    asks: dict[str, Ask] = field(default_factory=dict)
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    severity_history: list[tuple[datetime, str]] = field(default_factory=list)
    status_history: list[tuple[datetime, Status]] = field(default_factory=list)
    checked_steps: dict[str, Event] = field(default_factory=dict)
    probe_states: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_comms_at: datetime | None = None
    # Timed-rule deadlines that have fired (`timer_fired`), by key: see warroom.model.timed.
    fired_timers: dict[str, Event] = field(default_factory=dict)
    comms: list[Event] = field(default_factory=list)
    # Sent messages (`comms_sent`) that reached at least one channel, by message id.
    delivered_messages: set[str] = field(default_factory=set)
    entries: list[TimelineEntry] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    # Entries by event id, so an edit, strike or pin finds its target at once (a linear
    # search made folding 100,000 events take seconds). Rebuilt when `entries` changed
    # behind its back (see `entry`).
    _entry_index: dict[str, TimelineEntry] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # Events by kind and live note entries by note kind, kept as events are applied: the
    # timed rules (after every change), the drafts and the boards ask for a few kinds
    # among thousands of events (a scan of 10,000 took ~20 ms, several times per change).
    # Rebuilt when the lists changed behind their back (see `_kinds_index`).
    _by_kind: dict[EventKind, list[Event]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _by_kind_count: int = field(default=0, init=False, repr=False, compare=False)
    _notes_by_kind: dict[NoteKind | None, list[TimelineEntry]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _notes_count: int = field(default=0, init=False, repr=False, compare=False)
    # Readings derived from the state (the action items...), each kept until an event of
    # a kind it reads is added: the timed rules and the drafts ask for them after every
    # change, and most changes (probe changes) do not touch them.
    _readings: dict[str, tuple[tuple[int, ...], Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def is_open(self) -> bool:
        return self.status is not Status.RESOLVED

    @property
    def declared(self) -> bool:
        return self.declared_at is not None

    def is_checked(self, scenario: str, step_id: str) -> bool:
        return step_key(scenario, step_id) in self.checked_steps

    def entry(self, event_id: str) -> TimelineEntry | None:
        index = self._entry_index
        if len(index) != len(self.entries):
            index = self._entry_index = {entry.id: entry for entry in self.entries}
        return index.get(event_id)

    def add_entry(self, entry: TimelineEntry) -> None:
        self.entries.append(entry)
        if len(self._entry_index) == len(self.entries) - 1:
            self._entry_index[entry.id] = entry
        if self._notes_count == len(self.entries) - 1:
            self._notes_count += 1
            if entry.event.kind is EventKind.NOTE:
                self._notes_by_kind.setdefault(entry.note_kind, []).append(entry)

    def add_event(self, event: Event) -> None:
        """Append an event that comes after every other (the fold's order)."""
        self.events.append(event)
        if self._by_kind_count == len(self.events) - 1:
            self._by_kind_count += 1
            self._by_kind.setdefault(event.kind, []).append(event)

    def insert_note(self, event: Event) -> None:
        """Put a note event and its entry where `fold` would have put them (a note
        changes nothing but the timeline, so the state is the same as a refold's)."""
        key = _sort_key(event)
        events_indexed = self._by_kind_count == len(self.events)
        self.events.insert(bisect_left(self.events, key, key=_sort_key), event)
        if events_indexed:
            _insort(self._by_kind.setdefault(event.kind, []), event, key, _sort_key)
            self._by_kind_count += 1
        entry = TimelineEntry(event=event, text=describe(event))
        notes_indexed = self._notes_count == len(self.entries)
        ids_indexed = len(self._entry_index) == len(self.entries)
        self.entries.insert(bisect_left(self.entries, key, key=_entry_sort_key), entry)
        if ids_indexed:
            self._entry_index[entry.id] = entry
        if notes_indexed:
            _insort(
                self._notes_by_kind.setdefault(entry.note_kind, []), entry, key, _entry_sort_key
            )
            self._notes_count += 1

    def reading(
        self, name: str, compute: Callable[[IncidentState], T], kinds: Iterable[EventKind]
    ) -> T:
        """`compute(self)`, computed again only once an event of `kinds` (every kind the
        reading depends on) was added since: every change of the state comes with an
        event (applied, or inserted by `insert_note`), and the index counts them."""
        index = self._kinds_index()
        version = (id(self.events), *(len(index.get(kind, ())) for kind in kinds))
        kept = self._readings.get(name)
        if kept is not None and kept[0] == version:
            value: T = kept[1]
            return value
        value = compute(self)
        self._readings[name] = (version, value)
        return value

    def with_probe_states(self, probe_states: dict[str, dict[str, Any]]) -> IncidentState:
        """A copy with other probe states (the drafts' live probe results), sharing the
        events, the entries and what is indexed and read from them (readings that depend
        on probe states are not kept)."""
        copy = replace(self, probe_states=probe_states)
        self._kinds_index()
        self._note_kinds_index()
        copy._entry_index = self._entry_index
        copy._by_kind, copy._by_kind_count = self._by_kind, self._by_kind_count
        copy._notes_by_kind, copy._notes_count = self._notes_by_kind, self._notes_count
        copy._readings = self._readings
        return copy

    def of_kind(self, *kinds: EventKind) -> list[Event]:
        """The events of these kinds, in the fold's order (without a scan of every event)."""
        index = self._kinds_index()
        if len(kinds) == 1:
            return list(index.get(kinds[0], ()))
        found = [event for kind in set(kinds) for event in index.get(kind, ())]
        found.sort(key=_sort_key)
        return found

    def _kinds_index(self) -> dict[EventKind, list[Event]]:
        if self._by_kind_count != len(self.events):
            index: dict[EventKind, list[Event]] = {}
            for event in self.events:
                index.setdefault(event.kind, []).append(event)
            self._by_kind, self._by_kind_count = index, len(self.events)
        return self._by_kind

    def _note_kinds_index(self) -> dict[NoteKind | None, list[TimelineEntry]]:
        if self._notes_count != len(self.entries):
            index: dict[NoteKind | None, list[TimelineEntry]] = {}
            for entry in self.entries:
                if entry.event.kind is EventKind.NOTE:
                    index.setdefault(entry.note_kind, []).append(entry)
            self._notes_by_kind, self._notes_count = index, len(self.entries)
        return self._notes_by_kind

    def notes(self, *kinds: NoteKind, include_struck: bool = False) -> list[TimelineEntry]:
        """Note entries (optionally of the given kinds), in time order."""
        if not kinds:
            return [
                entry
                for entry in self.entries
                if entry.kind is EventKind.NOTE and (include_struck or not entry.struck)
            ]
        index = self._note_kinds_index()
        wanted = set(kinds)
        found = [entry for kind in wanted for entry in index.get(kind, ())]
        if len(wanted) > 1:
            found.sort(key=_entry_sort_key)
        return found if include_struck else [entry for entry in found if not entry.struck]


def step_key(scenario: object, step: object) -> str:
    """How a checklist step is known in `IncidentState.checked_steps`: `scenario/step`."""
    return f"{scenario or ''}/{step or ''}"


def ordered(events: Iterable[Event]) -> list[Event]:
    """Events in the time order every console agrees on; duplicates (same id) dropped."""
    unique: dict[str, Event] = {}
    for event in events:
        unique.setdefault(event.id, event)
    return sorted(unique.values(), key=_sort_key)


def _sort_key(event: Event) -> tuple[datetime, datetime, str]:
    """`Event.sort_key` in one call (sorting 100,000 events calls it that many times)."""
    return (event.at, event.recorded_at or event.at, event.id)


def _entry_sort_key(entry: TimelineEntry) -> tuple[datetime, datetime, str]:
    return _sort_key(entry.event)


def _insort(items: list[Any], item: Any, key: Any, key_of: Callable[[Any], Any]) -> None:
    items.insert(bisect_left(items, key, key=key_of), item)


def describe(event: Event) -> str:
    """One line of plain text saying what the event was (untrusted text stays as is)."""
    payload = event.payload
    if event.kind is EventKind.NOTE:  # most events are notes; skip the match below
        return str(payload.get("text", ""))
    match event.kind:
        case EventKind.DECLARED:
            drill = " (DRILL)" if payload.get("drill") else ""
            return f"Declared {payload.get('severity', '')}{drill}: {payload.get('title', '')}"
        case EventKind.SEVERITY_CHANGED:
            return f"Severity {payload.get('previous') or '?'} -> {payload.get('severity', '')}"
        case EventKind.STATUS_CHANGED:
            return f"Status {payload.get('previous') or '?'} -> {payload.get('status', '')}"
        case EventKind.ROLE_ASSIGNED:
            previous = payload.get("previous")
            before = f"{previous} -> " if previous else ""
            return f"{payload.get('role', '')}: {before}{payload.get('name', '')}"
        case EventKind.SCENARIO_CHANGED:
            return f"Scenario: {payload.get('scenario') or 'none'}"
        case EventKind.STEP_CHECKED:
            return f"Done: {payload.get('text') or payload.get('step', '')}"
        case EventKind.STEP_UNCHECKED:
            return f"Undone: {payload.get('text') or payload.get('step', '')}"
        case EventKind.PROBE_STATE_CHANGED:
            reason = payload.get("reason") or ""
            tail = f" ({reason})" if reason else ""
            previous = payload.get("previous")
            change = f"{previous} -> " if previous else ""
            return f"{payload.get('service', '')}: {change}{payload.get('state', '')}{tail}"
        case EventKind.COMMS_COPIED:
            return (
                f"Comms copied: {payload.get('template', '')}"
                f" for {payload.get('audience', '')} via {payload.get('channel', '')}"
            )
        case EventKind.ENTRY_EDITED:
            return f"Edited entry: {payload.get('text', '')}"
        case EventKind.ENTRY_STRUCK:
            return f"Struck entry: {payload.get('reason', '')}".rstrip(": ")
        case EventKind.ENTRY_PINNED:
            return "Pinned entry"
        case EventKind.ENTRY_UNPINNED:
            return "Unpinned entry"
        case EventKind.RECORD_SET:
            return describe_fact(payload)
        case EventKind.MILESTONE_SET:
            return describe_milestone(payload)
        case EventKind.TODO_DONE:
            return "Todo done" if payload.get("done", True) else "Todo reopened"
        case EventKind.COMMS_SENT | EventKind.COMMS_DELIVERY:
            return describe_delivery(event)
        case EventKind.TIMER_FIRED:
            return str(payload.get("message") or payload.get("key", ""))
        case EventKind.ESCALATION:
            return describe_escalation(payload)
        case EventKind.ASK:
            return describe_ask(payload)
        case EventKind.HYPOTHESIS_STATE | EventKind.EVIDENCE_LINKED | EventKind.TODO_UPDATED:
            return describe_command_note(event)
    return str(event.kind)


def fold(events: Iterable[Event], incident_id: str | None = None) -> IncidentState:
    """Replay events into the incident's state. Same events in, same state out."""
    with collector_paused():
        history = ordered(events)
        state = IncidentState(id=incident_id or (history[0].incident_id if history else ""))
        for event in history:
            apply(state, event)
        if not state.declared and history:
            _stand_in_declaration(state)
    return state


UNKNOWN_TITLE = "(title unknown: the declaration line is unreadable)"
UNKNOWN_SEVERITY = "?"


def _stand_in_declaration(state: IncidentState) -> None:
    """An incident whose declaration was lost still shows every other event: it counts
    as declared at its first event; the severity it started at is read from the first
    severity change (`previous`) when there is one."""
    start = state.events[0].at
    state.declaration_missing = True
    state.title = state.title or UNKNOWN_TITLE
    state.declared_at = start
    first_change = next((e for e in state.events if e.kind is EventKind.SEVERITY_CHANGED), None)
    initial = str(first_change.payload.get("previous") or "") if first_change else ""
    initial = initial or state.severity or UNKNOWN_SEVERITY
    state.severity = state.severity or initial
    state.severity_history.insert(0, (start, initial))
    state.status_history.insert(0, (start, Status.INVESTIGATING))


def apply(state: IncidentState, event: Event) -> None:
    """Apply one event to the state (events must come in `ordered` order)."""
    payload = event.payload
    state.add_event(event)
    kind = event.kind
    if kind is EventKind.NOTE:  # the most common kind by far: nothing to do but show it
        pass
    elif kind is EventKind.DECLARED:
        state.title = str(payload.get("title", ""))
        state.ladder = str(payload.get("ladder", ""))
        state.severity = str(payload.get("severity", ""))
        state.scenario = _scenario_id(payload)
        state.declared_at = event.at
        state.declared_by = event.author
        state.drill = bool(payload.get("drill", False))
        state.impact = str(payload.get("impact", ""))
        state.record.facts["impact"] = state.impact.strip()
        state.severity_history.append((event.at, state.severity))
        state.status_history.append((event.at, state.status))
        roles = payload.get("roles")
        for role, name in roles.items() if isinstance(roles, dict) else ():
            state.roles[str(role)] = str(name)
            state.role_since[str(role)] = event.at
    elif kind is EventKind.SEVERITY_CHANGED:
        severity = str(payload.get("severity", ""))
        if severity and severity != state.severity:
            state.severity = severity
            state.severity_history.append((event.at, severity))
    elif kind is EventKind.STATUS_CHANGED:
        _apply_status(state, event)
    elif kind is EventKind.ROLE_ASSIGNED:
        role = str(payload.get("role", ""))
        name = str(payload.get("name", ""))
        if name:
            if state.roles.get(role) != name:
                state.role_since[role] = event.at
            state.roles[role] = name
        else:
            state.roles.pop(role, None)
            state.role_since.pop(role, None)
    elif kind is EventKind.SCENARIO_CHANGED:
        state.scenario = _scenario_id(payload)
    elif kind is EventKind.STEP_CHECKED:
        state.checked_steps[step_key(payload.get("scenario"), payload.get("step"))] = event
    elif kind is EventKind.STEP_UNCHECKED:
        state.checked_steps.pop(step_key(payload.get("scenario"), payload.get("step")), None)
    elif kind is EventKind.PROBE_STATE_CHANGED:
        state.probe_states[str(payload.get("service", ""))] = dict(payload)
    elif kind is EventKind.TIMER_FIRED:
        key = str(payload.get("key", ""))
        if key in state.fired_timers:  # two consoles fired it: the first one counts
            return
        state.fired_timers[key] = event
    elif kind in (EventKind.COMMS_SENT, EventKind.COMMS_DELIVERY):
        if counts_as_update(event, state.delivered_messages):  # delivered: resets the clock
            state.delivered_messages.add(str(payload.get("message", "")))
            state.comms.append(event)
            if state.last_comms_at is None or event.at > state.last_comms_at:
                state.last_comms_at = event.at
    elif kind is EventKind.ASK:
        apply_ask(state.asks, event)
    elif kind is EventKind.COMMS_COPIED:
        state.comms.append(event)
        if state.last_comms_at is None or event.at > state.last_comms_at:
            state.last_comms_at = event.at
    elif kind is EventKind.RECORD_SET:
        state.record.apply_fact(payload, event.recorded)
        state.impact = state.record.facts.get("impact", state.impact)
    elif kind is EventKind.MILESTONE_SET:
        if state.record.apply_milestone(payload) == "mitigated":
            state.mitigated_at = state.record.milestones.get("mitigated") or _status_mitigated(
                state
            )
    elif kind in ENTRY_CHANGE_KINDS:
        _apply_to_entry(state, event)
        return
    state.add_entry(TimelineEntry(event=event, text=describe(event)))


def _scenario_id(payload: Mapping[str, Any]) -> str | None:
    """The scenario an event picks: an id, or None (a damaged or foreign value is none)."""
    scenario = payload.get("scenario")
    return scenario if isinstance(scenario, str) and scenario else None


def _apply_status(state: IncidentState, event: Event) -> None:
    try:
        status = Status.parse(str(event.payload.get("status", "")))
    except ValueError:
        return
    if status is state.status:
        return
    state.status = status
    state.status_history.append((event.at, status))
    if status in MITIGATED_STATUSES and state.mitigated_at is None:
        state.mitigated_at = event.at
    if status is Status.RESOLVED:
        state.resolved_at = event.at
    else:
        state.resolved_at = None


def _status_mitigated(state: IncidentState) -> datetime | None:
    """The first time the status reached a mitigated status, if it did."""
    return next((at for at, status in state.status_history if status in MITIGATED_STATUSES), None)


def _apply_to_entry(state: IncidentState, event: Event) -> None:
    target = state.entry(str(event.payload.get("target", "")))
    if target is None:
        # An edit of an entry this console has not seen yet is kept on the timeline.
        state.add_entry(TimelineEntry(event=event, text=describe(event)))
        return
    if event.kind is EventKind.ENTRY_EDITED:
        target.edits = (*target.edits, event)
        target.text = str(event.payload.get("text", target.text))
    elif event.kind is EventKind.ENTRY_STRUCK:
        target.struck = True
        target.struck_reason = str(event.payload.get("reason", ""))
    elif event.kind is EventKind.ENTRY_PINNED:
        target.pinned = True
    elif event.kind is EventKind.ENTRY_UNPINNED:
        target.pinned = False
    elif event.kind is EventKind.TODO_DONE:
        target.done = bool(event.payload.get("done", True))
