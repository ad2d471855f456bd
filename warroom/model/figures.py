"""Figures derived from an incident's state: elapsed time, time in each severity, time to
mitigate and to resolve, and when the next status update is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from warroom.model.incident import IncidentState
from warroom.model.severity import SeverityError, SeverityLadder


def end_of(state: IncidentState, now: datetime) -> datetime:
    """The moment the incident's clock stops: its resolution, else now."""
    return state.resolved_at or now


def elapsed(state: IncidentState, now: datetime) -> timedelta:
    if state.declared_at is None:
        return timedelta(0)
    return max(end_of(state, now) - state.declared_at, timedelta(0))


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
    if state.declared_at is None or state.mitigated_at is None:
        return None
    return state.mitigated_at - state.declared_at


def time_to_resolve(state: IncidentState) -> timedelta | None:
    if state.declared_at is None or state.resolved_at is None:
        return None
    return state.resolved_at - state.declared_at


@dataclass(frozen=True)
class UpdateDue:
    """When stakeholders expect the next status update."""

    due_at: datetime
    cadence: timedelta

    def remaining(self, now: datetime) -> timedelta:
        return self.due_at - now

    def overdue(self, now: datetime) -> bool:
        return now > self.due_at


def next_update_due(state: IncidentState, ladder: SeverityLadder) -> UpdateDue | None:
    """Last comms copy (or the declaration) plus the current severity's update cadence.

    None when the incident is resolved or its severity sets no cadence.
    """
    if state.declared_at is None or not state.is_open:
        return None
    cadence = cadence_at(ladder, state.severity)
    if cadence is None:
        return None
    since = max(state.last_comms_at or state.declared_at, state.declared_at)
    return UpdateDue(due_at=since + cadence, cadence=cadence)


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
    `end` (or the resolution), and whether it broke the cadence the console counts down:
    the last update plus the cadence of the severity in force at each moment, so a
    severity raised half-way brings the deadline closer as the countdown did."""
    if state.declared_at is None:
        return []
    marks = [state.declared_at, *sorted(e.at for e in state.comms)]
    stop = state.resolved_at or end
    spans = list(pairwise(marks))
    if stop > marks[-1]:
        spans.append((marks[-1], stop))
    history = state.severity_history or [(state.declared_at, state.severity)]
    gaps = []
    for since, until in spans:
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


def format_duration(span: timedelta | None) -> str:
    """'1h 05m', '12m 30s', '45s', '2d 3h'; '-' for None."""
    if span is None:
        return "-"
    seconds = int(span.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m {secs:02d}s"
    return f"{sign}{secs}s"


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
