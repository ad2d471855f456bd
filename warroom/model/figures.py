"""Figures derived from an incident's state: when the impact started and was detected,
elapsed time, time in each severity, time to mitigate and to resolve, and when the next
status update is due (the promise the last update made)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from warroom.model.durations import format_duration as format_duration  # its old home
from warroom.model.events import EventError, EventKind, NoteKind, parse_utc
from warroom.model.incident import IncidentState
from warroom.model.severity import SeverityError, SeverityLadder

# Notes that say something was seen (an alert, a finding): backdated before the
# declaration, they show when the trouble was detected.
_DETECTION_NOTES = frozenset({NoteKind.NOTE, NoteKind.FINDING})
_HEALTHY = frozenset({"up", "maintenance"})
# Promises at least this far ahead are stated to the minute; shorter ones (drills) to the second.
ROUND_PROMISES_FROM = timedelta(minutes=10)


def end_of(state: IncidentState, now: datetime) -> datetime:
    """The moment the incident's clock stops: its resolution, else now."""
    return state.resolved_at or now


def detected_at(state: IncidentState) -> datetime | None:
    """When the trouble was first seen: the IC's `detected` milestone, else the earliest
    of the declaration, a backdated alert or finding, and a probe leaving `up`."""
    explicit = state.record.milestones.get("detected")
    if explicit is not None or state.declared_at is None:
        return explicit
    earliest = state.declared_at
    for event in state.events:
        if event.at >= earliest:
            break  # events are in time order: nothing later can be earlier
        if event.kind is EventKind.NOTE:
            entry = state.entry(event.id)
            if entry is not None and not entry.struck and entry.note_kind in _DETECTION_NOTES:
                earliest = event.at
        elif (
            event.kind is EventKind.PROBE_STATE_CHANGED
            and str(event.payload.get("state", "")) not in _HEALTHY
        ):
            earliest = event.at
    return earliest


def impact_started_at(state: IncidentState) -> datetime | None:
    """When the impact began: the IC's milestone, else when it was detected."""
    return state.record.milestones.get("impact_started") or detected_at(state)


def elapsed(state: IncidentState, now: datetime) -> timedelta:
    """How long the incident has lasted: from the impact's start (when known, else the
    detection or declaration) until its resolution, else now."""
    start = impact_started_at(state)
    if start is None:
        return timedelta(0)
    return max(end_of(state, now) - start, timedelta(0))


def time_in_severity(state: IncidentState, now: datetime) -> dict[str, timedelta]:
    """How long the incident spent at each severity; the values add up to `elapsed`."""
    totals: dict[str, timedelta] = {}
    end = end_of(state, now)
    history = state.severity_history
    for index, (started, severity) in enumerate(history):
        stopped = history[index + 1][0] if index + 1 < len(history) else end
        stopped = min(max(stopped, started), end)
        span = max(stopped - max(started, state.declared_at or started), timedelta(0))
        totals[severity] = totals.get(severity, timedelta(0)) + span
    return totals


def time_to_mitigate(state: IncidentState) -> timedelta | None:
    """From the impact's start to mitigation."""
    start = impact_started_at(state)
    if start is None or state.mitigated_at is None:
        return None
    return max(state.mitigated_at - start, timedelta(0))


def time_to_resolve(state: IncidentState) -> timedelta | None:
    """From the impact's start to resolution."""
    start = impact_started_at(state)
    if start is None or state.resolved_at is None:
        return None
    return max(state.resolved_at - start, timedelta(0))


@dataclass(frozen=True)
class UpdateDue:
    """When stakeholders expect the next status update (what the last one promised)."""

    due_at: datetime
    cadence: timedelta | None

    def remaining(self, now: datetime) -> timedelta:
        return self.due_at - now

    def overdue(self, now: datetime) -> bool:
        return now > self.due_at


def update_cadence(state: IncidentState, ladder: SeverityLadder) -> timedelta | None:
    """The current severity's update cadence, or None when it sets none."""
    return cadence_at(ladder, state.severity)


def chosen_next_update(state: IncidentState) -> datetime | None:
    """The IC's own next-update time, when set after the last copied update."""
    record = state.record
    chosen = record.next_update_at
    if chosen is None:
        return None
    set_at = record.set_at.get("next_update_at")
    last = state.comms[-1].recorded if state.comms else None
    if last is not None and set_at is not None and set_at < last:
        return None  # the update copied since then made (and used) its own promise
    return chosen


def promise_for_update(
    state: IncidentState, ladder: SeverityLadder, now: datetime
) -> datetime | None:
    """When an update written `now` says the next one will come: the IC's choice, else
    now plus the severity's cadence (to the minute when that is 10 minutes or more). None when the
    incident is resolved or nothing sets a time."""
    if not state.is_open:
        return None
    chosen = chosen_next_update(state)
    if chosen is not None and chosen > now:
        return chosen
    cadence = update_cadence(state, ladder)
    if cadence is None:
        return None
    promise = now + cadence
    if cadence >= ROUND_PROMISES_FROM:  # to the minute, as the text shows it
        return promise.replace(second=0, microsecond=0)
    return promise.replace(microsecond=0)  # a drill's short cadence keeps its seconds


def next_update_due(state: IncidentState, ladder: SeverityLadder) -> UpdateDue | None:
    """The promise stakeholders hold: the IC's chosen time, else what the last copied
    update promised, else the declaration plus the severity's cadence.

    None when the incident is resolved, or when nothing sets a time.
    """
    if state.declared_at is None or not state.is_open:
        return None
    cadence = update_cadence(state, ladder)
    chosen = chosen_next_update(state)
    if chosen is not None:
        return UpdateDue(due_at=chosen, cadence=cadence)
    if state.comms:
        promised = _promised(state.comms[-1].payload.get("next_update_at"))
        if promised is not None:
            return UpdateDue(due_at=promised, cadence=cadence)
    if cadence is None:
        return None
    since = max(state.last_comms_at or state.declared_at, state.declared_at)
    return UpdateDue(due_at=since + cadence, cadence=cadence)


def _promised(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_utc(value)
    except EventError:
        return None


LATE_AFTER = timedelta(milliseconds=500)
"""An update counts as late once it is this much past due: a gap is judged in whole
seconds, as the countdown shows it (15.007 s against a 15 s cadence is on time)."""


@dataclass(frozen=True)
class UpdateGap:
    """One stretch between status updates (or the declaration, or the end)."""

    start: datetime
    end: datetime
    missed: bool
    cadence: timedelta | None
    """The cadence that applied when it was missed, else the last one in force."""


def cadence_at(ladder: SeverityLadder, severity: str) -> timedelta | None:
    """The update cadence a severity sets (None: no cadence, or a severity not on the
    ladder); the one rule behind the console's countdown and the drill report."""
    try:
        return ladder.get(severity).update_cadence
    except SeverityError:
        return None


def update_gaps(state: IncidentState, ladder: SeverityLadder, end: datetime) -> list[UpdateGap]:
    """Each stretch from the declaration to the first update, between updates, and to
    `end` (or the resolution), and whether it broke the deadline the console counted
    down (`next_update_due`): the IC's chosen time when it was set in that stretch, else
    the time the update that opened it promised, else the update plus the cadence of the
    severity in force at each moment (a severity raised half-way brings it closer)."""
    if state.declared_at is None:
        return []
    promises = {e.at: _promised(e.payload.get("next_update_at")) for e in state.comms}
    chosen = state.record.next_update_at
    chosen_set = state.record.set_at.get("next_update_at")
    marks = [state.declared_at, *sorted(e.at for e in state.comms)]
    stop = state.resolved_at or end
    spans = list(pairwise(marks))
    if stop > marks[-1]:
        spans.append((marks[-1], stop))
    history = state.severity_history or [(state.declared_at, state.severity)]
    gaps = []
    for since, until in spans:
        deadline = promises.get(since)
        if chosen is not None and chosen_set is not None and since <= chosen_set < until:
            deadline = chosen
        if deadline is not None:
            missed = until - deadline >= LATE_AFTER
            gaps.append(UpdateGap(since, until, missed, deadline - since))
            continue
        missed, cadence = False, None
        for index, (changed, severity) in enumerate(history):
            segment_end = history[index + 1][0] if index + 1 < len(history) else until
            if segment_end <= since or changed >= until:
                continue
            cadence = cadence_at(ladder, severity)
            if cadence is not None and min(segment_end, until) - (since + cadence) >= LATE_AFTER:
                missed = True
                break
        gaps.append(UpdateGap(since, until, missed, cadence))
    return gaps


def format_rounded(span: timedelta | None) -> str:
    """`format_duration` to the nearest second (27.9 s is '28s'), for reports."""
    if span is None:
        return "-"
    seconds = span.total_seconds()
    whole = int(seconds + 0.5) if seconds >= 0 else -int(-seconds + 0.5)
    return format_duration(timedelta(seconds=whole))


def format_clock(span: timedelta) -> str:
    """'01:05:09' style clock for the header (hours may exceed 24)."""
    seconds = max(int(span.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"
