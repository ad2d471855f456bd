"""Figures derived from an incident's state: elapsed time, time in each severity, time to
mitigate and to resolve, and when the next status update is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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
    try:
        cadence = ladder.get(state.severity).update_cadence
    except SeverityError:
        return None
    if cadence is None:
        return None
    since = max(state.last_comms_at or state.declared_at, state.declared_at)
    return UpdateDue(due_at=since + cadence, cadence=cadence)


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


def format_clock(span: timedelta) -> str:
    """'01:05:09' style clock for the header (hours may exceed 24)."""
    seconds = max(int(span.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"
